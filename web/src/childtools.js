// The Three Houses in the meeting console, per room: the facilitator types the child's words or adds
// a photo of a drawing, chooses who may see it and records who consented. Entries are written by the
// server (POST /api/rooms/{room}/childtools), which puts a facilitator-only entry in the room's
// `private` document and the others on its board; this panel reads both documents live.

import * as Y from 'yjs'
import { api, ApiError } from './api.js'
import { announce, fill, h, showError } from './dom.js'
import { localMessage, t } from './i18n.js'
import { textOf } from './boarddata.js'
import { c } from './childwords.js'

const HOUSES = /** @type {const} */ (['worries', 'good', 'dreams'])
const VISIBILITIES = /** @type {const} */ (['private', 'room', 'shared'])
const BANDS = /** @type {const} */ (['under_12', '12_16', '16_plus'])
// Who decides, by age band (domain.md; the server checks the same, server/rooms/schema.py).
const CONSENT_BY_BAND = { under_12: ['parents'], '12_16': ['child', 'parents'], '16_plus': ['young_person'] }
const MAX_PHOTO = 8 * 1024 * 1024

/**
 * @typedef {object} Entry
 * @property {string} key
 * @property {string} house
 * @property {string} text
 * @property {string | null} photo
 * @property {'private' | 'room' | 'shared'} visibility
 * @property {{band: string, parties: string[]} | null} consent
 * @property {number} order
 */

/**
 * @param {Y.Map<any>} map
 * @returns {Entry[]}
 */
function entriesOf (map) {
  /** @type {Entry[]} */
  const found = []
  map.forEach((value, key) => {
    if (!(value instanceof Y.Map)) return
    const visibility = value.get('visibility')
    const consent = value.get('consent')
    const plain = consent instanceof Y.Map ? consent.toJSON() : consent
    found.push({
      key,
      house: String(value.get('house') || ''),
      text: textOf(value.get('text')),
      photo: typeof value.get('photo') === 'string' ? value.get('photo') : null,
      visibility: VISIBILITIES.includes(visibility) ? visibility : 'private',
      consent: plain && typeof plain.band === 'string' && Array.isArray(plain.parties) ? plain : null,
      order: typeof value.get('order') === 'number' ? value.get('order') : 0
    })
  })
  return found
}

/**
 * The age band and the consenting people, as form controls; only the people the band asks for show.
 * @param {string} prefix an id prefix unique on the page
 */
function consentFields (prefix) {
  const band = h('select', { id: `${prefix}-band` },
    BANDS.map((b) => h('option', { value: b, text: c.bands[b] })))
  /** @type {Record<string, HTMLInputElement>} */
  const boxes = {}
  const checks = Object.keys(c.parties).map((party) => {
    const box = h('input', { type: 'checkbox', id: `${prefix}-${party}`, value: party })
    boxes[party] = box
    return h('div', { class: 'check', 'data-party': party }, box,
      h('label', { for: box.id, text: /** @type {Record<string, string>} */ (c.parties)[party] }))
  })
  const follow = () => {
    const wanted = /** @type {string[]} */ (/** @type {Record<string, string[]>} */ (CONSENT_BY_BAND)[band.value])
    for (const check of checks) check.hidden = !wanted.includes(check.dataset.party || '')
  }
  band.addEventListener('change', follow)
  follow()
  const element = h('fieldset', { class: 'consent' },
    h('legend', { text: c.consent }),
    h('p', { class: 'hint', id: `${prefix}-consent-hint`, text: c.consentHint }),
    h('div', { class: 'field' }, h('label', { for: band.id, text: c.band }), band),
    checks)
  band.setAttribute('aria-describedby', `${prefix}-consent-hint`)
  return {
    element,
    /** The consent as the API takes it, or null when none of the asked-for people agreed. */
    value () {
      const wanted = /** @type {Record<string, string[]>} */ (CONSENT_BY_BAND)[band.value]
      const parties = wanted.filter((p) => boxes[p].checked)
      return parties.length ? { band: band.value, parties } : null
    },
    reset () {
      for (const box of Object.values(boxes)) box.checked = false
    }
  }
}

/** @param {string} name @param {string} prefix @param {string} chosen */
function visibilityChoice (name, prefix, chosen) {
  return h('fieldset', { class: 'choices visibility' },
    h('legend', { text: c.visibility }),
    VISIBILITIES.map((v) => {
      const radio = h('input', { type: 'radio', name, id: `${prefix}-${v}`, value: v, checked: v === chosen })
      return h('div', { class: 'choice' }, radio, h('label', { for: radio.id, text: c.visibilities[v] }))
    }))
}

/** @param {HTMLElement} within @param {string} name */
function chosenRadio (within, name) {
  const checked = /** @type {HTMLInputElement | null} */ (within.querySelector(`input[name="${name}"]:checked`))
  return checked ? checked.value : ''
}

export class ChildTools {
  /**
   * @param {object} options
   * @param {string} options.roomId
   * @param {Y.Doc} options.board the room's board (entries shown in this room or shared)
   * @param {Y.Doc} options.privateDoc the room's facilitator-only document (entries only the facilitator sees)
   * @param {string} options.base an id prefix for this room
   * @param {string} [options.meetingId]
   * @param {{id: string, name: string}[]} [options.others] the meeting's other rooms (a split meeting)
   */
  constructor ({ roomId, board, privateDoc, base, meetingId = '', others = [] }) {
    this.roomId = roomId
    this.meetingId = meetingId
    this.others = others
    this.base = `${base}-child`
    this.closed = false
    this.boardEntries = board.getMap('childtools')
    this.privateEntries = privateDoc.getMap('childtools')
    this.error = h('p', { class: 'error', role: 'alert', hidden: true })
    /** @type {Map<string, {shown: string, element: HTMLElement}>} */
    this.cards = new Map()
    this.lists = Object.fromEntries(HOUSES.map((house) => [house, h('ul', { class: 'house-entries', 'aria-labelledby': `${this.base}-${house}-title` })]))
    this.form = this._form()
    this.element = h('details', { class: 'child-tools', id: this.base },
      h('summary', {}, h('span', { class: 'summary-title', text: c.childTitle })),
      h('p', { class: 'hint', text: c.childIntro }),
      this.error,
      this.form,
      h('div', { class: 'houses' }, HOUSES.map((house) => h('section', { class: `house house-${house}`, 'aria-labelledby': `${this.base}-${house}-title` },
        h('h4', { id: `${this.base}-${house}-title`, text: c.houses[house] }),
        this.lists[house]))))
    this._draw = this._draw.bind(this)
    this.boardEntries.observeDeep(this._draw)
    this.privateEntries.observeDeep(this._draw)
    this._draw()
  }

  /** @param {boolean} closed */
  setClosed (closed) {
    if (closed === this.closed) return
    this.closed = closed
    for (const control of this.form.elements) /** @type {HTMLInputElement} */ (control).disabled = closed
    this.cards.clear()
    this._draw()
  }

  destroy () {
    this.boardEntries.unobserveDeep(this._draw)
    this.privateEntries.unobserveDeep(this._draw)
  }

  _path (/** @type {string} */ rest = '') {
    return `/api/rooms/${encodeURIComponent(this.roomId)}/${rest}`
  }

  _failed (/** @type {unknown} */ err) {
    showError(err instanceof Error ? err.message : t.somethingWrong, this.error)
  }

  _form () {
    const id = (/** @type {string} */ name) => `${this.base}-${name}`
    const house = h('select', { id: id('house') }, HOUSES.map((v) => h('option', { value: v, text: c.houses[v] })))
    const text = h('textarea', { id: id('text'), rows: 3, maxlength: 2000, dir: 'auto' })
    const photo = h('input', { type: 'file', id: id('photo'), accept: 'image/jpeg,image/png', 'aria-describedby': id('photo-hint') })
    const consent = consentFields(id('new'))
    const visibility = visibilityChoice(id('visibility'), id('vis'), 'private')
    const status = h('p', { class: 'hint', 'aria-live': 'polite' })
    const form = h('form', { class: 'stack child-form', novalidate: true, 'aria-label': c.childTitle },
      h('div', { class: 'field' }, h('label', { for: house.id, text: c.house }), house),
      h('div', { class: 'field' }, h('label', { for: text.id, text: c.childText }), text),
      h('div', { class: 'field' }, h('label', { for: photo.id, text: c.childPhoto }), photo,
        h('p', { class: 'hint', id: id('photo-hint'), text: c.photoHint })),
      visibility,
      consent.element,
      h('button', { type: 'submit', text: c.addEntry }),
      status)
    form.addEventListener('submit', async (event) => {
      event.preventDefault()
      const words = text.value.trim()
      const file = photo.files && photo.files[0]
      if (!words && !file) {
        showError(c.needWordsOrPhoto, this.error)
        return text.focus()
      }
      try {
        /** @type {Record<string, unknown>} */
        const body = { house: house.value, text: words, visibility: chosenRadio(visibility, id('visibility')) }
        const given = consent.value()
        if (given) body.consent = given
        // Said before the photo goes up: without consent the entry would be refused and the upload wasted.
        else if (body.visibility !== 'private') return showError(c.consentMissing, this.error)
        if (file) {
          if (file.size > MAX_PHOTO) throw new ApiError(413, 'photo_too_large', c.photoTooLarge)
          status.textContent = c.uploading
          body.photo = (await this._upload(file)).photo
        }
        await api('POST', this._path('childtools'), body)
        text.value = ''
        photo.value = ''
        consent.reset()
        status.textContent = ''
        showError(null, this.error)
        announce(c.added(c.houses[/** @type {'worries'} */ (house.value)]))
        text.focus()
      } catch (err) {
        status.textContent = ''
        this._failed(err)
      }
    })
    return form
  }

  /** @param {File} file */
  async _upload (file) {
    let response
    try {
      // The image itself is the body: the server decodes it and keeps only its pixels.
      response = await fetch(this._path('photos'), {
        method: 'POST',
        body: file,
        headers: { 'Content-Type': file.type, Accept: 'application/json' },
        credentials: 'same-origin',
        cache: 'no-store'
      })
    } catch {
      throw new ApiError(0, 'network', t.networkError)
    }
    const data = await response.json().catch(() => null)
    if (!response.ok) {
      const message = data && typeof data.message === 'string' ? localMessage(data.message) : t.somethingWrong
      throw new ApiError(response.status, data && typeof data.error === 'string' ? data.error : `http_${response.status}`, message)
    }
    return data
  }

  _draw () {
    // Moving an entry to the board writes it there before taking it from the private document:
    // for that moment it is in both, and the board's is the newer.
    const onBoard = entriesOf(this.boardEntries)
    const keys = new Set(onBoard.map((e) => e.key))
    const all = [...entriesOf(this.privateEntries).filter((e) => !keys.has(e.key)), ...onBoard]
      .sort((a, b) => a.order - b.order || (a.key < b.key ? -1 : 1))
    const seen = new Set()
    for (const house of HOUSES) {
      const mine = all.filter((e) => e.house === house)
      const items = mine.map((entry) => {
        seen.add(entry.key)
        const shown = JSON.stringify(entry)
        const cached = this.cards.get(entry.key)
        // The same element while nothing changed: a control in use keeps its focus and state.
        if (cached && cached.shown === shown) return cached.element
        const element = this._card(entry)
        this.cards.set(entry.key, { shown, element })
        return element
      })
      fill(this.lists[house], items.length ? items : h('li', { class: 'empty', text: c.empty }))
    }
    for (const key of [...this.cards.keys()]) if (!seen.has(key)) this.cards.delete(key)
  }

  /** @param {Entry} entry */
  _card (entry) {
    const id = `${this.base}-${entry.key}`
    const houseName = c.houses[/** @type {'worries'} */ (entry.house)] || entry.house
    const label = entry.text ? entry.text.slice(0, 60) : `${c.drawing} (${houseName})`
    const consentText = entry.consent
      ? c.consentGiven(entry.consent.parties.map((p) => /** @type {Record<string, string>} */ (c.partiesShort)[p] || p).join(', '),
        /** @type {Record<string, string>} */ (c.bands)[entry.consent.band] || entry.consent.band)
      : c.noConsent
    const visibility = h('select', { id: `${id}-visibility`, 'aria-label': c.changeFor(label) },
      VISIBILITIES.map((v) => h('option', { value: v, text: c.visibilities[v], selected: v === entry.visibility })))
    const consent = entry.consent ? null : consentFields(`${id}-consent`)
    const actions = h('div', { class: 'row child-actions' })
    const removeButton = h('button', {
      type: 'button',
      class: 'secondary danger',
      'aria-label': c.removeFor(label),
      text: c.removeEntry,
      onclick: () => this._askRemove(entry, actions, removeButton, label)
    })
    const change = h('form', { class: 'child-change', novalidate: true },
      h('div', { class: 'field' }, h('label', { for: visibility.id, text: c.visibility }), visibility),
      consent ? consent.element : null,
      h('button', { type: 'submit', class: 'secondary', text: c.change }))
    change.addEventListener('submit', async (event) => {
      event.preventDefault()
      /** @type {Record<string, unknown>} */
      const body = { visibility: visibility.value }
      const given = consent && consent.value()
      if (given) body.consent = given
      try {
        await api('PATCH', this._path(`childtools/${encodeURIComponent(entry.key)}`), body)
        showError(null, this.error)
        announce(c.changed)
      } catch (err) {
        this._failed(err)
      }
    })
    actions.append(removeButton)
    // Only a shared entry may go to the other parent's room; the server refuses any other.
    if (entry.visibility === 'shared') {
      for (const other of this.others) {
        actions.append(h('button', {
          type: 'button',
          class: 'secondary',
          text: c.copyTo(other.name),
          'aria-label': `${c.copyTo(other.name)}: ${label}`,
          onclick: () => this._previewCopy(entry, other, actions, label)
        }))
      }
    }
    // A closed meeting's entries can still be removed, not changed or copied (the server says so too).
    if (this.closed) for (const control of [...change.querySelectorAll('select, input, button'), ...actions.querySelectorAll('button')]) if (control !== removeButton) /** @type {HTMLButtonElement} */ (control).disabled = true
    return h('li', { class: `child-entry vis-${entry.visibility}`, 'data-entry': entry.key },
      entry.text ? h('p', { class: 'child-words', dir: 'auto', text: entry.text }) : null,
      entry.photo
        ? h('img', { class: 'child-photo', src: this._path(`photos/${encodeURIComponent(entry.photo)}`), alt: c.photoAlt(houseName), loading: 'lazy' })
        : null,
      h('p', { class: 'child-meta' },
        h('span', { class: `badge badge-vis-${entry.visibility}`, text: c.visibilityShort[entry.visibility] }),
        ' ',
        h('span', { class: 'consent-line', text: consentText })),
      change,
      actions)
  }

  /**
   * Show exactly what would be written in the other room, and copy only after that.
   * @param {Entry} entry
   * @param {{id: string, name: string}} other
   * @param {HTMLElement} actions
   * @param {string} label
   */
  async _previewCopy (entry, other, actions, label) {
    const body = { from_room: this.roomId, to_room: other.id, items: [{ root: 'childtools', key: entry.key }] }
    const path = `/api/meetings/${encodeURIComponent(this.meetingId)}/copy`
    try {
      const plan = await api('POST', `${path}/preview`, body)
      if (!plan.items.length) throw new ApiError(409, 'not_shared', c.copyRefused)
      const value = plan.items[0].value
      const no = h('button', { type: 'button', class: 'quiet', text: t.cancel, onclick: () => { this.cards.delete(entry.key); this._draw() } })
      const yes = h('button', {
        type: 'button',
        text: c.copyYes,
        'aria-label': `${c.copyYes}: ${label}`,
        onclick: async () => {
          try {
            const done = await api('POST', path, { ...body, digest: plan.digest })
            announce(c.copied(done.copied, other.name))
            showError(null, this.error)
            this.cards.delete(entry.key)
            this._draw()
          } catch (err) {
            this._failed(err)
          }
        }
      })
      fill(actions, h('div', { class: 'confirm copy-preview', role: 'group', 'aria-label': c.copyTo(other.name) },
        h('p', { text: c.copyPreview(other.name) }),
        h('p', { class: 'child-words', dir: 'auto', text: typeof value.text === 'string' && value.text ? value.text : '' }),
        value.photo ? h('p', { text: c.copyPhoto }) : null,
        h('div', { class: 'row' }, yes, no)))
      yes.focus()
    } catch (err) {
      this._failed(err)
    }
  }

  /**
   * @param {Entry} entry
   * @param {HTMLElement} actions
   * @param {HTMLButtonElement} removeButton
   * @param {string} label
   */
  _askRemove (entry, actions, removeButton, label) {
    const no = h('button', { type: 'button', class: 'quiet', text: t.cancel, onclick: () => { fill(actions, removeButton); removeButton.focus() } })
    const yes = h('button', {
      type: 'button',
      class: 'danger',
      text: c.removeYes,
      'aria-label': `${c.removeYes}: ${label}`,
      onclick: async () => {
        try {
          await api('DELETE', this._path(`childtools/${encodeURIComponent(entry.key)}`))
          announce(c.removed)
          showError(null, this.error)
        } catch (err) {
          this._failed(err)
        }
      }
    })
    fill(actions, h('p', { text: c.removeSure }), yes, no)
    no.focus()
  }
}
