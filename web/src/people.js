// The people of one room in the facilitator's console: who waits (let in), who is in (rename,
// remove, and whether their phone is connected now), who was removed. A child sees the child view on
// their phone; the "full board (16+)" switch gives an older young person the board instead.

import { api } from './api.js'
import { announce, fill, h } from './dom.js'
import { t } from './i18n.js'
import { relationLabel } from './labels.js'

/** @typedef {{id: string, name: string, relation: string, status: 'waiting' | 'admitted' | 'removed', full_board?: boolean}} Person */

export class PeopleList {
  /**
   * @param {string} roomName
   * @param {() => void} changed asks for fresh meeting data after an action here
   * @param {(message: string) => void} failed
   */
  constructor (roomName, changed, failed) {
    this.roomName = roomName
    this.changed = changed
    this.failed = failed
    this.element = h('div', { class: 'people' })
    /** @type {Person[] | null} */
    this.people = null
    /** @type {Set<string>} */
    this.connected = new Set()
    this.closed = false
    /** @type {string | null} whose name is being changed: the form must survive polling */
    this.renaming = null
    this._drawn = ''
  }

  /**
   * @param {Person[]} people
   * @param {boolean} closed
   */
  update (people, closed) {
    const before = this.people
    this.people = people
    this.closed = closed
    if (before) this._announceChanges(before, people)
    this._draw()
  }

  /** @param {Set<string>} ids participants whose phone is connected now */
  setConnected (ids) {
    this.connected = ids
    this._draw()
  }

  /**
   * @param {Person[]} before
   * @param {Person[]} after
   */
  _announceChanges (before, after) {
    const was = new Map(before.map((p) => [p.id, p.status]))
    const news = after.filter((p) => p.status === 'waiting' && was.get(p.id) !== 'waiting')
    if (news.length) announce(news.map((p) => t.announceWaiting(p.name, this.roomName)).join(' '))
  }

  _draw () {
    if (!this.people) return
    const key = JSON.stringify([this.people, [...this.connected].sort(), this.closed, this.renaming])
    if (key === this._drawn) return // unchanged: keep the elements, and with them focus
    this._drawn = key
    const active = document.activeElement
    const focusKey = active instanceof HTMLElement && this.element.contains(active) ? active.dataset.focusKey : undefined
    // Someone joining while a name is being typed must not wipe what was typed.
    const typing = this.element.querySelector('form.rename input')
    const typed = typing instanceof HTMLInputElement ? typing.value : null

    const waiting = this.people.filter((p) => p.status === 'waiting')
    const admitted = this.people.filter((p) => p.status === 'admitted')
    const removed = this.people.filter((p) => p.status === 'removed')
    fill(this.element,
      this._group('waiting', t.waitingTitle, waiting, t.nobodyWaiting),
      this._group('admitted', t.admittedTitle, admitted, t.nobodyAdmitted),
      removed.length
        ? h('details', { class: 'people-group removed' },
          h('summary', {}, `${t.removedTitle} (${removed.length})`),
          h('ul', { class: 'people-list' }, removed.map((p) => this._person(p))))
        : null)

    const retyped = this.element.querySelector('form.rename input')
    if (typed !== null && retyped instanceof HTMLInputElement) retyped.value = typed
    const again = focusKey && this.element.querySelector(`[data-focus-key="${CSS.escape(focusKey)}"]`)
    if (again instanceof HTMLElement) again.focus()
    else if (focusKey) this._focusAfter(focusKey)
  }

  /**
   * The control that had focus went (someone let in moves to another list): focus the next
   * person waiting, or the list's heading.
   * @param {string} focusKey
   */
  _focusAfter (focusKey) {
    const [what, pid] = focusKey.split(':')
    /** @type {Element | null} */
    let next = null
    if (what === 'name' || what === 'newname' || what === 'cancelname') next = this.element.querySelector(`[data-focus-key="rename:${CSS.escape(pid)}"]`)
    if (what === 'admit') next = this.element.querySelector('button.admit')
    if (!next) next = this.element.querySelector(`[data-group="${what === 'admit' ? 'waiting' : 'admitted'}"] h3`)
    if (next instanceof HTMLElement) next.focus()
  }

  /**
   * @param {string} kind
   * @param {string} title
   * @param {Person[]} people
   * @param {string} none
   */
  _group (kind, title, people, none) {
    return h('section', { class: `people-group ${kind}${people.length ? ' has-people' : ''}`, 'data-group': kind },
      h('h3', { tabindex: '-1' }, title, h('span', { class: 'count', text: ` (${people.length})` })),
      people.length
        ? h('ul', { class: 'people-list' }, people.map((p) => this._person(p)))
        : h('p', { class: 'empty', text: none }))
  }

  /** @param {Person} person */
  _person (person) {
    if (this.renaming === person.id && person.status === 'admitted') return this._renameForm(person)
    const connected = person.status === 'admitted' && this.connected.has(person.id)
    const actions = []
    if (!this.closed && person.status === 'waiting') {
      actions.push(h('button', {
        type: 'button', class: 'admit', text: t.admit, 'aria-label': t.admitName(person.name), 'data-focus-key': `admit:${person.id}`,
        onclick: () => this._act(person, 'admit', {}, t.announceAdmitted(person.name))
      }))
    }
    if (!this.closed && person.status === 'admitted') {
      actions.push(h('button', {
        type: 'button', class: 'quiet', text: t.rename, 'aria-label': t.renameName(person.name), 'data-focus-key': `rename:${person.id}`,
        onclick: () => { this.renaming = person.id; this._draw(); focusRenameInput(this.element) }
      }))
    }
    if (!this.closed && person.status !== 'removed' && person.relation === 'child') {
      // A toggle: pressed, the phone shows the full board; the server audits it and the phone reconnects.
      const full = Boolean(person.full_board)
      actions.push(h('button', {
        type: 'button',
        class: 'quiet full-board',
        text: t.fullBoard,
        'aria-pressed': String(full),
        'aria-label': t.fullBoardName(person.name),
        'data-focus-key': `view:${person.id}`,
        onclick: () => this._act(person, 'view', { full_board: !full }, full ? t.announceChildView(person.name) : t.announceFullBoard(person.name))
      }))
    }
    if (person.status !== 'removed') {
      actions.push(h('button', {
        type: 'button', class: 'quiet danger', text: t.removePerson, 'aria-label': t.removeName(person.name), 'data-focus-key': `remove:${person.id}`,
        onclick: () => this._act(person, 'remove', {}, t.announceRemoved(person.name))
      }))
    }
    return h('li', { class: `person person-${person.status}`, 'data-pid': person.id },
      h('span', { class: 'person-who' },
        h('span', { class: 'person-name', dir: 'auto', text: person.name }),
        h('span', { class: 'person-relation', text: relationLabel(person.relation) }),
        connected ? h('span', { class: 'badge badge-live', text: t.connectedNow }) : null,
        person.relation === 'child' && !person.full_board && person.status !== 'removed' ? h('span', { class: 'badge badge-child-view', text: t.childViewBadge }) : null),
      actions.length ? h('span', { class: 'person-actions' }, actions) : null)
  }

  /** @param {Person} person */
  _renameForm (person) {
    const inputId = `rename-${person.id}`
    const input = h('input', { id: inputId, value: person.name, maxlength: 80, required: true, autocomplete: 'off', 'data-focus-key': `newname:${person.id}` })
    const stop = () => { this.renaming = null; this._draw() }
    const form = h('form', { class: 'rename', novalidate: true },
      h('label', { for: inputId, text: t.newName }),
      h('div', { class: 'row' }, input,
        h('button', { type: 'submit', text: t.save, 'data-focus-key': `name:${person.id}` }),
        h('button', { type: 'button', class: 'quiet', text: t.cancel, 'data-focus-key': `cancelname:${person.id}`, onclick: stop })))
    form.addEventListener('submit', async (event) => {
      event.preventDefault()
      const name = input.value.trim()
      if (!name) return input.focus()
      this.renaming = null
      await this._act(person, 'rename', { name }, t.announceRenamed(name))
    })
    input.addEventListener('keydown', (event) => { if (event.key === 'Escape') stop() })
    return h('li', { class: 'person person-renaming', 'data-pid': person.id }, form)
  }

  /**
   * @param {Person} person
   * @param {'admit' | 'rename' | 'remove' | 'view'} action
   * @param {object} body
   * @param {string} done what to announce once it worked
   */
  async _act (person, action, body, done) {
    try {
      await api('POST', `/api/participants/${encodeURIComponent(person.id)}/${action}`, body)
      announce(done)
    } catch (err) {
      this.failed(err instanceof Error ? err.message : t.somethingWrong)
    }
    this.changed()
  }
}

/** @param {HTMLElement} root */
function focusRenameInput (root) {
  const input = root.querySelector('form.rename input')
  if (input instanceof HTMLInputElement) {
    input.focus()
    input.select()
  }
}
