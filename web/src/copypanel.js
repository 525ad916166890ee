// Copying chosen board items from one room to another room of a split meeting. Nothing crosses
// until the facilitator has seen exactly what will: the server's preview lists what it would
// write and what it refuses (sensitive items), and the copy names that preview's digest.

import { api } from './api.js'
import { announce, fill, h, showError } from './dom.js'
import { t } from './i18n.js'
import { categoryLabel } from './labels.js'
import { itemsOf } from './boardview.js'

/** @typedef {{id: string, name: string}} RoomRef */
/** @typedef {{root: string, key: string}} Choice */

export class CopyPanel {
  /**
   * @param {object} options
   * @param {string} options.meetingId
   * @param {RoomRef} options.room the room copied from
   * @param {import('yjs').Doc} options.board that room's board
   * @param {Map<string, Choice>} options.chosen what is ticked on the board, by "root|key"
   * @param {RoomRef[]} options.targets the meeting's other rooms
   * @param {() => void} options.copied after a copy: clear the ticks
   */
  constructor ({ meetingId, room, board, chosen, targets, copied }) {
    this.meetingId = meetingId
    this.room = room
    this.board = board
    this.chosen = chosen
    this.copied = copied
    const base = `copy-${room.id}`
    this.target = h('select', { id: `${base}-to` },
      targets.map((r) => h('option', { value: r.id, text: r.name })))
    this.targets = targets
    this.result = h('div', { class: 'copy-result', id: `${base}-result` })
    this.error = h('p', { class: 'error', role: 'alert', hidden: true })
    this.previewButton = h('button', { type: 'button', class: 'secondary', text: t.previewCopy, onclick: () => this.preview() })
    this.element = h('section', { class: 'copy', 'aria-labelledby': `${base}-title` },
      h('h3', { id: `${base}-title`, text: t.copyTitle }),
      h('p', { class: 'hint', text: t.copyHint }),
      h('div', { class: 'row copy-controls' },
        h('div', { class: 'field' }, h('label', { for: this.target.id, text: t.copyTarget }), this.target),
        this.previewButton),
      this.error,
      this.result)
    this.target.addEventListener('change', () => this.reset())
  }

  /** The ticks changed: an old preview no longer says what a copy would do. */
  reset () {
    fill(this.result)
    showError(null, this.error)
  }

  /** @param {boolean} closed */
  setClosed (closed) {
    this.previewButton.disabled = closed
    this.target.disabled = closed
    if (closed) this.reset()
  }

  _request () {
    return {
      from_room: this.room.id,
      to_room: this.target.value,
      items: [...this.chosen.values()]
    }
  }

  async preview () {
    showError(null, this.error)
    if (!this.chosen.size) {
      showError(t.chooseFirst, this.error)
      return
    }
    try {
      const plan = await api('POST', `/api/meetings/${encodeURIComponent(this.meetingId)}/copy/preview`, this._request())
      this._show(plan)
    } catch (err) {
      showError(err instanceof Error ? err.message : t.somethingWrong, this.error)
    }
  }

  /** @param {string} digest */
  async copy (digest) {
    const to = this.targets.find((r) => r.id === this.target.value)
    try {
      const done = await api('POST', `/api/meetings/${encodeURIComponent(this.meetingId)}/copy`, { ...this._request(), digest })
      this.reset()
      const message = done.copied ? t.copied(done.copied, to ? to.name : '') : t.nothingToCopy
      fill(this.result, h('p', { class: 'done', text: message }))
      announce(message)
      this.copied()
    } catch (err) {
      showError(err instanceof Error ? err.message : t.somethingWrong, this.error)
      if (err && /** @type {any} */ (err).code === 'changed') await this.preview()
    }
  }

  /**
   * @param {{items: {root: string, key: string, value: any, replaces: boolean}[],
   *   refused: {root: string, key: string, reason: string}[], digest: string}} plan
   */
  _show (plan) {
    const to = this.targets.find((r) => r.id === this.target.value)
    // The refused ones come back as keys only; their words are on this room's board.
    const local = new Map([...itemsOf(this.board, 'framework'), ...itemsOf(this.board, 'agreements')].map((i) => [`${i.root}|${i.key}`, i]))
    const titleId = `copy-${this.room.id}-preview`
    const reasons = /** @type {Record<string, string>} */ (t.reasons)
    fill(this.result, h('section', { class: 'preview', 'aria-labelledby': titleId },
      h('h4', { id: titleId, tabindex: '-1', text: t.previewTitle(this.room.name, to ? to.name : '') }),
      h('h5', { text: `${t.willCopy} (${plan.items.length})` }),
      plan.items.length
        ? h('ul', { class: 'preview-list will' }, plan.items.map((item) => h('li', { 'data-key': item.key },
          h('span', { class: 'preview-category', text: item.root === 'agreements' ? t.agreements : categoryLabel(item.value && item.value.category) }),
          h('span', { class: 'card-text', dir: 'auto', text: valueText(item.value) }),
          item.replaces ? h('span', { class: 'hint', text: t.replaces }) : null)))
        : h('p', { class: 'empty', text: t.nothingToCopy }),
      plan.refused.length ? h('h5', { text: `${t.notCopied} (${plan.refused.length})` }) : null,
      plan.refused.length
        ? h('ul', { class: 'preview-list refused' }, plan.refused.map((item) => {
          const known = local.get(`${item.root}|${item.key}`)
          return h('li', { 'data-key': item.key },
            h('span', { class: 'badge badge-sensitive', text: reasons[item.reason] || item.reason }),
            h('span', { class: 'card-text', dir: 'auto', text: known ? known.text : item.key }))
        }))
        : null,
      plan.items.length
        ? h('button', { type: 'button', class: 'copy-now', text: t.copyNow, onclick: () => this.copy(plan.digest) })
        : null))
    const heading = this.result.querySelector('h4')
    if (heading instanceof HTMLElement) heading.focus()
  }
}

/** @param {any} value an item as the server read it: {text, category, ...} */
function valueText (value) {
  return value && typeof value.text === 'string' ? value.text : ''
}
