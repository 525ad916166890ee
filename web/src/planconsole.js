// The console's safety plan: a form for a rule card (what will happen, in the family's words; the
// goal it serves; who; when; how it is checked and by whom; what if it is not kept; dates), and on
// each card its controls: status, who sees it, editing every field, the people who carry it (the
// facilitator assigns anyone in the room, also someone without a phone, and confirms those who
// claimed it from their phone), and taking it off the plan.

import * as Y from 'yjs'
import { announce, fill, h, setText } from './dom.js'
import { categoryLabel, labels, onLabels, roleLabel } from './labels.js'
import { w } from './boardwords.js'
import { claimsOf, frameworkOf, nameOf, peopleOf, SECTIONS, STATUSES } from './boarddata.js'
import { levelChoice, levelPicker, placeFor } from './itemcontrols.js'
import { html, nothing } from './view.js'
import { addRule, confirmOwner, editRule, removeOwner, removeRule, setRuleStatus } from './actions/facilitator.js'

const MAX_TEXT = 2000
const MAX_FIELD = 500
// domain.md: immediate safety first, reviewed within about seven days.
const IMMEDIATE_REVIEW_DAYS = 7

/** @param {Date} date as YYYY-MM-DD in the laptop's own time zone (what a date input shows) */
function isoDay (date) {
  const pad = (/** @type {number} */ n) => String(n).padStart(2, '0')
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`
}

/**
 * The review date of an immediate rule: seven days after its start, or after today.
 * @param {string} start YYYY-MM-DD or ''
 */
export function immediateReview (start) {
  const from = /^\d{4}-\d{2}-\d{2}$/.test(start) ? new Date(`${start}T12:00:00`) : new Date()
  from.setDate(from.getDate() + IMMEDIATE_REVIEW_DAYS)
  return isoDay(from)
}

/**
 * The fields of a rule card, as form controls; used by the add form and by each card's editor.
 * @param {string} prefix an id prefix unique on the page
 */
function ruleFields (prefix) {
  const id = (/** @type {string} */ name) => `${prefix}-${name}`
  return {
    section: h('select', { id: id('section') }),
    text: h('textarea', { id: id('text'), rows: 2, maxlength: MAX_TEXT, dir: 'auto', 'data-focus-key': id('text') }),
    goal: h('select', { id: id('goal') }),
    when: h('input', { id: id('when'), maxlength: MAX_FIELD, autocomplete: 'off', dir: 'auto' }),
    check: h('input', { id: id('check'), maxlength: MAX_FIELD, autocomplete: 'off', dir: 'auto' }),
    checkBy: h('input', { id: id('checkby'), maxlength: MAX_FIELD, autocomplete: 'off', dir: 'auto' }),
    ifNot: h('input', { id: id('ifnot'), maxlength: MAX_FIELD, autocomplete: 'off', dir: 'auto' }),
    start: h('input', { id: id('start'), type: 'date' }),
    review: h('input', { id: id('review'), type: 'date' })
  }
}

/** @typedef {ReturnType<typeof ruleFields>} RuleFields */

/** @param {HTMLElement} control @param {string} label @param {string} [cls] */
const field = (control, label, cls = '') => h('div', { class: `field ${cls}` }, h('label', { for: control.id, text: label }), control)

/** @param {RuleFields} f */
function fieldRows (f) {
  return [
    h('div', { class: 'row' }, field(f.section, w.ruleSection), field(f.goal, w.ruleGoal, 'grow')),
    field(f.text, w.ruleText),
    field(f.when, w.ruleWhen),
    h('div', { class: 'row' }, field(f.check, w.ruleCheck, 'grow'), field(f.checkBy, w.ruleCheckBy, 'grow')),
    field(f.ifNot, w.ruleIfNot),
    h('div', { class: 'row' }, field(f.start, w.ruleStart), field(f.review, w.ruleReview))
  ]
}

/**
 * Keep an immediate rule's review date seven days ahead until someone picks one themselves.
 * @param {RuleFields} f
 * @param {boolean} chosen whether the review date shown was picked by someone
 */
function followReview (f, chosen) {
  let picked = chosen
  const follow = () => {
    if (!picked) f.review.value = f.section.value === 'immediate' ? immediateReview(f.start.value) : ''
  }
  f.review.addEventListener('input', () => { picked = Boolean(f.review.value) })
  f.section.addEventListener('change', follow)
  f.start.addEventListener('input', follow)
  f.start.addEventListener('change', follow)
  return { follow, reset: () => { picked = false; follow() } }
}

export class PlanConsole {
  /**
   * @param {Y.Doc} board
   * @param {string} base an id prefix unique on the page
   */
  constructor (board, base) {
    this.board = board
    this.base = base
    /** @type {Map<string, HTMLElement>} open editors and remove questions, by rule key */
    this.open = new Map()
    /** @type {(focusKey: string) => void} set by the view that draws the board */
    this.redraw = () => {}
    this.f = ruleFields(`${base}-rule`)
    this.level = levelPicker(`${base}-rule-level`)
    this.ownersBox = h('fieldset', { class: 'rule-owners-pick' })
    this.review = followReview(this.f, false)
    this.form = h('form', { class: 'rule-form', novalidate: true },
      fieldRows(this.f),
      this.ownersBox,
      h('div', { class: 'field' }, h('label', { for: this.level.id, text: w.levelLabel }), this.level),
      h('button', { type: 'submit', text: w.ruleAdd }))
    this.form.addEventListener('submit', (event) => {
      event.preventDefault()
      this.add()
    })
    this.element = h('details', { class: 'plan-box' }, h('summary', { text: w.ruleAdd }), this.form)
    board.getMap('framework').observeDeep(() => this.options())
    board.getMap('people').observeDeep(() => this.ownerChoices())
    onLabels(() => this.options())
    this.options()
    this.ownerChoices()
    this.review.reset()
  }

  options () {
    fillSections(this.f.section)
    fillGoals(this.f.goal, this.board)
  }

  /** Everyone in the room can be named as carrying a rule, with or without a phone. */
  ownerChoices () {
    const ticked = new Set([...this.ownersBox.querySelectorAll('input:checked')].map((el) => /** @type {HTMLInputElement} */ (el).value))
    const people = [...peopleOf(this.board).values()]
    const byId = peopleOf(this.board)
    fill(this.ownersBox, h('legend', { text: w.ruleOwnersPick }),
      people.length
        ? people.map((p) => {
          const id = `${this.base}-rule-owner-${p.id}`
          return h('div', { class: 'check' },
            h('input', { type: 'checkbox', id, value: p.id, checked: ticked.has(p.id) }),
            h('label', { for: id, dir: 'auto', text: nameOf(p.id, byId, roleLabel) }))
        })
        : h('p', { class: 'hint', text: w.ruleNobodyHere }))
  }

  add () {
    const f = this.f
    const text = f.text.value.trim().slice(0, MAX_TEXT)
    if (!text) return f.text.focus()
    const owners = [...this.ownersBox.querySelectorAll('input:checked')].map((el) => /** @type {HTMLInputElement} */ (el).value)
    const { doc, sensitive, order } = placeFor(this.board, 'agreements', this.level.value)
    addRule(doc, { ...typedFields(f), section: f.section.value, text, goal: f.goal.value, owners, sensitive, order })
    for (const el of [f.text, f.when, f.check, f.checkBy, f.ifNot, f.start, f.review]) el.value = ''
    this.level.value = 'all'
    for (const box of this.ownersBox.querySelectorAll('input')) /** @type {HTMLInputElement} */ (box).checked = false
    this.review.reset()
    f.text.focus()
    announce(w.announceRuleAdded)
  }

  /** @param {string} key */
  id (key) {
    return `${this.base}-rule-${key.replace(/[^a-z0-9-]/gi, '_')}`
  }

  /**
   * The controls on one rule card: its status, sensitive, edit, the people who carry it (assign,
   * take off, confirm a claim) and removing it; or an editor or question in progress (kept, the
   * same element). `data-focus-key` marks where the focus goes back after an editor.
   * @param {import('./boarddata.js').Rule} rule
   */
  actions (rule) {
    const kept = this.open.get(rule.key)
    if (kept) return kept
    const people = peopleOf(this.board)
    const id = this.id(rule.key)
    /** @param {Event} event */
    const changeStatus = (event) => {
      const status = /** @type {HTMLSelectElement} */ (event.currentTarget)
      setRuleStatus(this.board, rule.key, status.value)
      announce(w.statusChanged(/** @type {Record<string, string>} */ (w.statuses)[status.value]))
    }
    const claims = (claimsOf(this.board).get(rule.key) || []).filter((pid) => !rule.owners.includes(pid))
    const others = [...people.values()].filter((p) => !rule.owners.includes(p.id))
    const assignable = others.length > 0 && rule.section !== 'bottom_line'
    const assign = () => {
      const select = /** @type {HTMLSelectElement | null} */ (document.getElementById(`${id}-assign`))
      if (select) this.confirm(rule.key, select.value, nameOf(select.value, people, roleLabel))
    }
    const name = (/** @type {string} */ pid) => nameOf(pid, people, roleLabel) || pid
    return html`<div class="rule-actions"><div class="row"><div class="field"><label for=${`${id}-status`}>${w.ruleStatus}</label><select
      id=${`${id}-status`} @change=${changeStatus}>${STATUSES.map((s) => html`<option value=${s} ?selected=${s === rule.status}
      >${/** @type {Record<string, string>} */ (w.statuses)[s]}</option>`)}</select></div>${levelChoice(this.board, 'agreements', rule, `${this.id(rule.key)}-level`)}</div>${rule.owners.length
      ? html`<ul class="owner-list" aria-label=${w.owners}>${rule.owners.map((pid) => html`<li><button type="button" class="quiet owner-remove"
        aria-label=${w.ownerRemove(name(pid))} @click=${() => this.unown(rule.key, pid, name(pid))}>${`${name(pid)} ×`}</button></li>`)}</ul>`
      : nothing}${claims.length
      ? html`<div class="row">${claims.map((pid) => html`<button type="button" class="secondary confirm-claim"
        @click=${() => this.confirm(rule.key, pid, name(pid))}>${w.confirm(name(pid))}</button>`)}</div>`
      : nothing}${assignable
      ? html`<div class="row owner-assign"><div class="field"><label for=${`${id}-assign`}>${w.ownerAssignLabel}</label><select
        id=${`${id}-assign`}>${others.map((p) => html`<option value=${p.id}>${nameOf(p.id, people, roleLabel)}</option>`)}</select></div><button
        type="button" class="secondary" @click=${assign}>${w.ownerAssign}</button></div>`
      : nothing}<div class="row"><button type="button" class="quiet rule-edit" data-focus-key=${`${id}-edit`}
      aria-label=${w.editItem(rule.text)} @click=${() => this.startEdit(rule)}>${w.edit}</button><button type="button"
      class="quiet danger rule-remove" data-focus-key=${`${id}-remove`} aria-label=${w.removeItem(rule.text)}
      @click=${() => this.askRemove(rule)}>${w.remove}</button></div></div>`
  }

  /** @param {import('./boarddata.js').Rule} rule */
  startEdit (rule) {
    const id = this.id(rule.key)
    const f = ruleFields(`${id}-e`)
    fillSections(f.section, rule.section)
    fillGoals(f.goal, this.board, rule.goal || '')
    f.text.value = rule.text
    f.when.value = rule.when
    f.check.value = rule.check
    f.checkBy.value = rule.checkBy
    f.ifNot.value = rule.ifNotKept
    f.start.value = rule.start
    f.review.value = rule.review
    followReview(f, Boolean(rule.review))
    const error = h('p', { class: 'error', id: `${id}-e-error`, hidden: true })
    const close = () => {
      this.open.delete(rule.key)
      this.redraw(`${id}-edit`)
    }
    const form = h('form', { class: 'rule-editor', novalidate: true, 'aria-label': w.editItem(rule.text) },
      fieldRows(f),
      error,
      h('div', { class: 'row' },
        h('button', { type: 'submit', text: w.save }),
        h('button', { type: 'button', class: 'secondary', text: w.cancel, onclick: close })))
    form.addEventListener('keydown', (event) => { if (event.key === 'Escape') close() })
    form.addEventListener('submit', (event) => {
      event.preventDefault()
      const text = f.text.value.trim().slice(0, MAX_TEXT)
      if (!text) {
        error.hidden = false
        setText(error, w.editEmpty)
        f.text.setAttribute('aria-invalid', 'true')
        f.text.setAttribute('aria-describedby', error.id)
        f.text.focus()
        return
      }
      this.open.delete(rule.key)
      const section = SECTIONS.includes(/** @type {any} */ (f.section.value)) ? f.section.value : 'immediate'
      editRule(this.board, rule.key, { ...typedFields(f), section, text, goal: f.goal.value })
      announce(w.announceRuleEdited)
      this.redraw(`${id}-edit`)
    })
    this.open.set(rule.key, form)
    this.redraw(f.text.id)
  }

  /** @param {import('./boarddata.js').Rule} rule */
  askRemove (rule) {
    const claims = claimsOf(this.board).get(rule.key) || []
    if (!rule.owners.length && !claims.length) return this.remove(rule.key)
    const id = this.id(rule.key)
    const close = () => {
      this.open.delete(rule.key)
      this.redraw(`${id}-remove`)
    }
    this.open.set(rule.key, h('div', { class: 'remove-question', role: 'group', 'aria-labelledby': `${id}-question` },
      h('p', { class: 'warning', id: `${id}-question`, text: w.removeRuleCarried(rule.owners.length + claims.length) }),
      h('div', { class: 'row' },
        h('button', { type: 'button', class: 'secondary danger rule-remove-anyway', 'data-focus-key': `${id}-anyway`, text: w.removeAnyway, onclick: () => { this.open.delete(rule.key); this.remove(rule.key) } }),
        h('button', { type: 'button', class: 'quiet', text: w.cancel, onclick: close }))))
    this.redraw(`${id}-anyway`)
  }

  /** @param {string} key */
  remove (key) {
    removeRule(this.board, key)
    announce(w.announceRuleRemoved)
  }

  /**
   * Put someone on a rule: confirming their claim, or assigning someone (with or without a phone).
   * @param {string} ruleKey
   * @param {string} pid
   * @param {string} name
   */
  confirm (ruleKey, pid, name) {
    if (!confirmOwner(this.board, ruleKey, pid)) return
    announce(w.announceConfirmed(name))
  }

  /**
   * @param {string} ruleKey
   * @param {string} pid
   * @param {string} name
   */
  unown (ruleKey, pid, name) {
    if (!removeOwner(this.board, ruleKey, pid)) return
    announce(w.announceOwnerRemoved(name))
  }
}

/**
 * A rule's smaller fields as typed, each trimmed to its limit.
 * @param {ReturnType<typeof ruleFields>} f
 */
function typedFields (f) {
  return {
    when: f.when.value.trim().slice(0, MAX_FIELD),
    check: f.check.value.trim().slice(0, MAX_FIELD),
    checkBy: f.checkBy.value.trim().slice(0, MAX_FIELD),
    ifNotKept: f.ifNot.value.trim().slice(0, MAX_FIELD),
    start: f.start.value,
    review: f.review.value
  }
}

/**
 * @param {HTMLSelectElement} select
 * @param {string} [chosen]
 */
function fillSections (select, chosen) {
  const section = chosen || select.value || 'immediate'
  select.replaceChildren(...SECTIONS.map((s) => h('option', { value: s, text: labels.sections[s], selected: s === section })))
}

/**
 * @param {HTMLSelectElement} select
 * @param {Y.Doc} board
 * @param {string} [chosen]
 */
function fillGoals (select, board, chosen) {
  const goal = chosen ?? select.value
  const goals = frameworkOf(board).filter((i) => i.category === 'goals')
  select.replaceChildren(h('option', { value: '', text: w.ruleNoGoal }),
    ...goals.map((g) => h('option', { value: g.key, text: `${categoryLabel('goals')}: ${g.text.slice(0, 60)}`, selected: g.key === goal })))
}
