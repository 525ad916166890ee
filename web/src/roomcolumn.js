// One room in the meeting console: how people get in (code, QR, lock, projector), who is there,
// and the room's live board with the meeting's controls: the words the board uses, what the wall
// shows, proposals from phones, a form to put something on it, the guided danger/goal pair, the
// scaling question, the safety plan, and a choice of items to copy.

import * as Y from 'yjs'
import { api } from './api.js'
import { announce, fill, groupCode, h, setSwitch, setText, showError, switchButton } from './dom.js'
import { t, withLang } from './i18n.js'
import { CATEGORIES, LABEL_SETS, categoryLabel, followLabelSet, jargonIn, knownSets, onLabels, setTitle } from './labels.js'
import { KringProvider } from './provider.js'
import { PeopleList } from './people.js'
import { SafetyPeople } from './safetypeople.js'
import { CopyPanel } from './copypanel.js'
import { JournalPanel } from './journalpanel.js'
import { showBoard } from './boardview.js'
import { html } from './view.js'
import { addItem, chooseLabels, showOnWall } from './actions/facilitator.js'
import { w } from './boardwords.js'
import { Inbox } from './inbox.js'
import { PairForm } from './pairform.js'
import { PollConsole } from './pollconsole.js'
import { PlanConsole } from './planconsole.js'
import { ItemControls, MAX_ITEM_LENGTH, levelPicker, placeFor } from './itemcontrols.js'
import { linkPrivate } from './boarddata.js'

/**
 * @typedef {{id: string, name: string, join_code: string | null, join_url: string | null,
 *   locked: boolean, participants: import('./people.js').Person[]}} Room
 */

export class RoomColumn {
  /**
   * @param {object} options
   * @param {string} options.meetingId
   * @param {Room} options.room
   * @param {Room[]} options.rooms every room of the meeting
   * @param {number} options.facilitatorId
   * @param {() => void} options.changed asks for fresh meeting data
   */
  constructor ({ meetingId, room, rooms, facilitatorId, changed }) {
    this.room = room
    this.facilitatorId = facilitatorId
    this.closed = false
    const base = `room-${room.id}`
    this.error = h('p', { class: 'error', role: 'alert', hidden: true })
    const failed = (/** @type {string} */ message) => showError(message, this.error)

    this.board = new Y.Doc()
    this.provider = new KringProvider(window.location.origin, { room: room.id }, this.board)
    // The facilitator-only items and rules: shown and edited in place among the board's.
    this.privateDoc = this.provider.doc('private')
    linkPrivate(this.board, this.privateDoc)
    this.status = h('p', { class: 'status', 'data-state': 'connecting', text: t.connecting })

    this.code = h('p', { class: 'join-code', id: `${base}-code` })
    this.qr = h('img', { class: 'qr', alt: t.qrAlt(room.name), width: 132, height: 132 })
    this.lock = switchButton({ label: t.lockRoom, checked: room.locked, onchange: (on) => this._setLocked(on) })
    this.projectorButton = h('button', { type: 'button', class: 'secondary', text: t.projector, onclick: () => this._openProjector() })
    this.projectorFallback = h('p', { class: 'hint', hidden: true })

    this.people = new PeopleList(room.name, changed, failed)
    this.safety = new SafetyPeople({ base, changed, failed })
    this.provider.awareness.on('change', () => this.people.setConnected(this._connectedPeople()))

    /** @type {Map<string, {root: string, key: string}>} */
    this.chosen = new Map()
    const others = rooms.filter((r) => r.id !== room.id).map((r) => ({ id: r.id, name: r.name }))
    this.copyPanel = others.length
      ? new CopyPanel({
        meetingId,
        room: { id: room.id, name: room.name },
        board: this.board,
        chosen: this.chosen,
        targets: others,
        copied: () => { this.chosen.clear(); this._drawBoard() }
      })
      : null

    followLabelSet(this.board)
    this.addForm = this._addForm(base)
    this.inbox = new Inbox(this.board, base)
    this.pairForm = new PairForm(this.board, base, `f:${facilitatorId}`)
    this.poll = new PollConsole({ board: this.board, provider: this.provider, roomId: room.id, base, error: this.error, changed })
    this.plan = new PlanConsole(this.board, base)
    this.items = new ItemControls(this.board, base)
    this.boardView = h('div', { class: 'board-view', id: `${base}-board` })
    this._stopBoard = showBoard(this.boardView, this.board, {
      style: 'compact',
      level: 4,
      privateDoc: this.privateDoc,
      extra: this.copyPanel ? (item) => this._pick(item) : undefined,
      actions: (item) => item.root === 'agreements' ? this.plan.actions(/** @type {any} */ (item)) : this.items.actions(/** @type {any} */ (item))
    })
    this.items.redraw = this._stopBoard.redraw
    this.plan.redraw = this._stopBoard.redraw

    this.element = h('section', { class: 'room-column', 'aria-labelledby': `${base}-title`, 'data-room': room.id },
      h('header', { class: 'room-head' }, h('h2', { id: `${base}-title`, text: room.name }), this.status),
      exportLinks(room),
      this.error,
      h('div', { class: 'access' },
        h('div', { class: 'access-code' },
          h('p', { class: 'label', id: `${base}-code-label`, text: t.joinCode }),
          this.code,
          h('div', { class: 'access-controls' }, this.lock, this.projectorButton),
          h('p', { class: 'hint', text: t.lockHint }),
          this.projectorFallback),
        this.qr),
      this.people.element,
      this.safety.element,
      h('section', { class: 'room-board', 'aria-labelledby': `${base}-board-title` },
        h('h3', { id: `${base}-board-title`, text: t.boardTitle }),
        this._meetingControls(base),
        this.inbox.element,
        this.addForm,
        this.pairForm.element,
        this.poll.element,
        this.plan.element,
        this.boardView),
      this.copyPanel ? this.copyPanel.element : null,
      (this.journal = new JournalPanel({ id: room.id, name: room.name })).element)

    this.provider.on('status', () => this._showStatus())
    this.provider.on('saved', () => this._showStatus())
    // A change the server refused for good stays in this copy and every later change would be refused
    // with it. Rebuilding a column in place would drop what the facilitator is typing in its forms, so
    // say so and let them reload when they are ready.
    this.provider.on('diverged', () => {
      this.error.hidden = false
      fill(this.error, t.diverged, ' ', h('button', { type: 'button', class: 'secondary', text: t.reloadPage, onclick: () => window.location.reload() }))
    })
    // The server tells this room's facilitators when its people change (someone waiting, let in,
    // removed): the console asks the API at once instead of at its next, slow, poll. After a lost
    // connection it asks too, for whatever it missed meanwhile.
    this.provider.socket.on('people', () => changed())
    this.provider.socket.io.on('reconnect', () => changed())
    this.update(room, false)
  }

  /**
   * @param {Room} room
   * @param {boolean} closed
   */
  update (room, closed) {
    this.room = room
    this.closed = closed
    setText(this.code, room.join_code ? groupCode(room.join_code) : '—')
    this.qr.hidden = !room.join_code
    // Only while there is a code: a closed meeting's QR answers 410.
    if (room.join_code && !this.qr.getAttribute('src')) this.qr.src = `/api/rooms/${encodeURIComponent(room.id)}/qr.svg`
    setSwitch(this.lock, room.locked)
    this.lock.disabled = closed
    this.projectorButton.disabled = closed
    for (const control of this.addForm.elements) /** @type {HTMLInputElement} */ (control).disabled = closed
    if (this.copyPanel) this.copyPanel.setClosed(closed)
    this.element.classList.toggle('is-locked', room.locked)
    this.people.update(room.participants, closed)
    this.safety.update(room.participants)
  }

  destroy () {
    this._stopBoard()
    this.provider.destroy()
    this.board.destroy()
  }

  _showStatus () {
    const p = this.provider
    /** @type {[string, string]} */
    let shown
    if (p.ended) shown = ['offline', /** @type {Record<string, string>} */ (t.ended)[p.ended.code] || t.ended.bad_auth]
    else if (p.status === 'offline') shown = ['offline', p.unsaved ? t.offlineUnsaved(p.unsaved) : t.offline]
    else if (p.status === 'connecting') shown = ['connecting', t.connecting]
    else if (p.unsaved) shown = ['unsaved', t.unsaved(p.unsaved)]
    else shown = ['saved', t.saved]
    this.status.dataset.state = shown[0]
    setText(this.status, shown[1])
  }

  /** The participants whose phone is in this room now, from the server-stamped presence. */
  _connectedPeople () {
    /** @type {Set<string>} */
    const ids = new Set()
    for (const state of this.provider.awareness.getStates().values()) {
      const user = state && state.user
      if (user && user.kind === 'participant' && typeof user.id === 'string') ids.add(user.id)
    }
    return ids
  }

  /** @param {boolean} locked */
  async _setLocked (locked) {
    try {
      const room = await api('POST', `/api/rooms/${encodeURIComponent(this.room.id)}/lock`, { locked })
      this.update({ ...this.room, ...room }, this.closed)
      announce(locked ? t.announceLocked(this.room.name) : t.announceUnlocked(this.room.name))
      showError(null, this.error)
    } catch (err) {
      showError(err instanceof Error ? err.message : t.somethingWrong, this.error)
    }
  }

  async _openProjector () {
    try {
      const { url } = await api('POST', `/api/rooms/${encodeURIComponent(this.room.id)}/projector`)
      const target = withLang(url)
      // The click's user activation still holds for this moment after the request.
      const opened = window.open(target, '_blank')
      if (opened) {
        opened.opener = null
        this.projectorFallback.hidden = true
        announce(t.projectorOpened(this.room.name))
      } else {
        fill(this.projectorFallback, t.projectorBlocked, ' ',
          h('a', { href: target, target: '_blank', rel: 'noopener', text: `${t.projectorLink}: ${this.room.name}` }))
        this.projectorFallback.hidden = false
      }
    } catch (err) {
      showError(err instanceof Error ? err.message : t.somethingWrong, this.error)
    }
  }

  /** @param {string} base */
  _addForm (base) {
    const category = h('select', { id: `${base}-category` },
      CATEGORIES.map((c) => h('option', { value: c, text: categoryLabel(c) })))
    const text = h('input', { id: `${base}-text`, maxlength: MAX_ITEM_LENGTH, autocomplete: 'off', required: true })
    const level = levelPicker(`${base}-level`)
    const jargon = h('p', { class: 'warning jargon-warning', hidden: true, 'aria-live': 'polite' })
    text.addEventListener('input', () => {
      const found = jargonIn(text.value)
      jargon.hidden = !found.length
      setText(jargon, found.length ? w.jargon(found) : '')
    })
    onLabels(() => {
      for (const option of category.options) option.textContent = categoryLabel(option.value)
    })
    const form = h('form', { class: 'add-item', novalidate: true, 'aria-label': t.addItemTitle },
      h('div', { class: 'field' }, h('label', { for: category.id, text: t.category }), category),
      h('div', { class: 'field grow' }, h('label', { for: text.id, text: t.itemText }), text),
      h('div', { class: 'field' }, h('label', { for: level.id, text: w.levelLabel }), level),
      h('button', { type: 'submit', text: t.addItem }),
      jargon)
    form.addEventListener('submit', (event) => {
      event.preventDefault()
      const words = text.value.trim().slice(0, MAX_ITEM_LENGTH)
      if (!words) return text.focus()
      const { doc, sensitive, order } = placeFor(this.board, 'framework', level.value)
      addItem(doc, { category: category.value, text: words, by: `f:${this.facilitatorId}`, sensitive, order })
      text.value = ''
      jargon.hidden = true
      level.value = 'all'
      text.focus()
      announce(t.announceAdded)
    })
    return form
  }

  /**
   * The words the board uses (the label set) and what the wall shows.
   * @param {string} base
   */
  _meetingControls (base) {
    const meta = this.board.getMap('meta')
    const set = h('select', { id: `${base}-labels` },
      LABEL_SETS.map((s) => h('option', { value: s, text: /** @type {Record<string, string>} */ (w.labelSetNames)[s] })))
    const wall = h('select', { id: `${base}-wall` },
      ['board', 'poll', 'plan'].map((v) => h('option', { value: v, text: /** @type {Record<string, string>} */ (w.wallViews)[v] })))
    /** @type {string[]} */
    let offered = LABEL_SETS
    const show = () => {
      const chosen = meta.get('labels')
      set.value = typeof chosen === 'string' && offered.includes(chosen) ? chosen : offered[0]
      const shown = meta.get('wall')
      wall.value = shown === 'poll' || shown === 'plan' ? shown : 'board'
    }
    meta.observe(show)
    show()
    // The installation's own list, each under the name its file gives it.
    knownSets().then(async (sets) => {
      const titles = await Promise.all(sets.map((s) => setTitle(s)))
      offered = sets
      fill(set, ...sets.map((s, i) => h('option', { value: s, text: titles[i] })))
      show()
    })
    set.addEventListener('change', () => chooseLabels(this.board, set.value))
    wall.addEventListener('change', () => showOnWall(this.board, wall.value))
    return h('div', { class: 'meeting-controls row' },
      h('div', { class: 'field' }, h('label', { for: set.id, text: w.labelSet }), set),
      h('div', { class: 'field' }, h('label', { for: wall.id, text: w.wallShows }), wall))
  }

  /** @param {import('./boardview.js').BoardItem} item */
  _pick (item) {
    const id = `pick-${this.room.id}-${item.root}-${item.key}`
    const key = `${item.root}|${item.key}`
    /** @param {Event} event */
    const change = (event) => {
      if (/** @type {HTMLInputElement} */ (event.currentTarget).checked) this.chosen.set(key, { root: item.root, key: item.key })
      else this.chosen.delete(key)
      if (this.copyPanel) this.copyPanel.reset()
    }
    return html`<label class="pick" for=${id}><input type="checkbox" id=${id} .checked=${this.chosen.has(key)}
      @change=${change}><span class="visually-hidden">${t.chooseItem(item.text)}</span></label>`
  }

  _drawBoard () {
    // Drawing sets a box only when the value it drew changes, and `chosen` is not in the document.
    for (const box of this.boardView.querySelectorAll('.pick input')) /** @type {HTMLInputElement} */ (box).checked = false
  }
}

/**
 * What leaves the board for the organisation's file: this room's record, its data and the
 * children's version (docs/exports.md). Plain links: the session cookie goes with them.
 * @param {{id: string, name: string}} room
 */
function exportLinks (room) {
  const base = `/api/rooms/${encodeURIComponent(room.id)}`
  const link = (/** @type {string} */ file, /** @type {string} */ text) =>
    h('a', { class: 'button-link secondary', href: withLang(`${base}/${file}`), text, download: '' })
  return h('nav', { class: 'room-exports', 'aria-label': t.exportsOf(room.name) },
    link('export.pdf', t.exportPdf), link('export.json', t.exportJson), link('children.pdf', t.childrenPdf))
}
