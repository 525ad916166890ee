// The console's safety plan: a form for a rule card (what will happen, in the family's words; the
// goal it serves; who; when; how it is checked and by whom; what if it is not kept; dates), and on
// each card its controls: status, who sees it, editing every field, the people who carry it (the
// facilitator assigns anyone in the room, also someone without a phone, and confirms those who
// claimed it from their phone), and taking it off the plan. The fields and their checks are in
// rulefields.js. The children's version prints agreed rules only, so confirming someone on a
// proposed rule offers to mark it agreed, and the console says what that version leaves out.

import * as Y from 'yjs'
import { announce, fill, h, setText } from './dom.js'
import { onLabels, roleLabel } from './labels.js'
import { w } from './boardwords.js'
import { claimsOf, nameOf, peopleOf, rulesOf, SECTIONS, STATUSES } from './boarddata.js'
import {
  checkRequired, clearWhenFilled, fieldRows, fillGoals, fillSections, followReview, MAX_TEXT, ruleFields, typedFields
} from './rulefields.js'
import { levelChoice, levelPicker, placeFor } from './itemcontrols.js'
import { html, nothing } from './view.js'
import { addRule, confirmOwner, editRule, removeOwner, removeRule, setRuleStatus } from './actions/facilitator.js'

// What the children's version prints (server/meetings/render/printing.py, CHILD_STATUSES): agreed
// rules, never a sensitive one.
const CHILD_STATUSES = ['agreed', 'trying', 'working']

/**
 * Why the children's version leaves a rule out: 'sensitive', 'proposed', 'not_working', 'no_words'
 * (nothing written for the children: it never tells them the adults' wording); or '' (it is in).
 * @param {import('./boarddata.js').Rule} rule
 */
export function childLeftOut (rule) {
  if (rule.sensitive) return 'sensitive'
  if (!CHILD_STATUSES.includes(rule.status)) return rule.status === 'not_working' ? 'not_working' : 'proposed'
  return rule.forChildren.trim() ? '' : 'no_words'
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
    /** @type {Set<string>} rules just given an owner while still proposed: offered "mark agreed" */
    this.offers = new Set()
    /** @type {(focusKey: string) => void} set by the view that draws the board */
    this.redraw = () => {}
    this.f = ruleFields(`${base}-rule`)
    this.level = levelPicker(`${base}-rule-level`)
    this.ownersBox = h('fieldset', { class: 'rule-owners-pick' })
    this.review = followReview(this.f, false)
    clearWhenFilled(this.f)
    this.error = h('p', { class: 'error', role: 'alert', hidden: true })
    this.form = h('form', { class: 'rule-form', novalidate: true },
      fieldRows(this.f),
      this.ownersBox,
      h('div', { class: 'field' }, h('label', { for: this.level.id, text: w.levelLabel }), this.level),
      this.error,
      h('button', { type: 'submit', text: w.ruleAdd }))
    this.form.addEventListener('submit', (event) => {
      event.preventDefault()
      this.add()
    })
    this.childNote = h('ul', { class: 'child-left-out hint' })
    this.element = h('div', { class: 'plan-console' },
      this.childNote,
      h('details', { class: 'plan-box' }, h('summary', { text: w.ruleAdd }), this.form))
    board.getMap('agreements').observeDeep(() => this.leftOut())
    board.getMap('framework').observeDeep(() => this.options())
    board.getMap('people').observeDeep(() => this.ownerChoices())
    onLabels(() => this.options())
    this.options()
    this.ownerChoices()
    this.review.reset()
    this.leftOut()
  }

  /** Which rules the children's version leaves out, by reason (docs/exports.md). */
  leftOut () {
    /** @type {Map<string, number>} */
    const counts = new Map()
    for (const rule of rulesOf(this.board)) {
      const reason = childLeftOut(rule)
      if (reason) counts.set(reason, (counts.get(reason) || 0) + 1)
    }
    const why = /** @type {Record<string, string>} */ (w.childLeftOutWhy)
    fill(this.childNote, [...counts].map(([reason, n]) => h('li', { 'data-reason': reason, text: w.childLeftOut(n, why[reason]) })))
    this.childNote.hidden = !counts.size
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
    const missing = checkRequired(f)
    this.error.hidden = !missing.length
    setText(this.error, missing.length ? w.ruleMissing(missing.length) : '')
    if (missing.length) return missing[0].focus()
    const owners = [...this.ownersBox.querySelectorAll('input:checked')].map((el) => /** @type {HTMLInputElement} */ (el).value)
    const { doc, sensitive, order } = placeFor(this.board, 'agreements', this.level.value)
    addRule(doc, { ...typedFields(f), section: f.section.value, text, goal: f.goal.value, owners, sensitive, order })
    for (const el of [f.text, f.when, f.check, f.checkBy, f.ifNot, f.forChildren, f.start, f.review]) el.value = ''
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
    const leftOut = childLeftOut(rule)
    if (rule.status !== 'proposed') this.offers.delete(rule.key)
    return html`<div class="rule-actions">${this.offers.has(rule.key) ? this.agreeOffer(rule) : nothing}${leftOut
      ? html`<p class="hint rule-left-out" data-reason=${leftOut}>${w.childLeftOutRule(/** @type {Record<string, string>} */ (w.childLeftOutWhy)[leftOut])}</p>`
      : nothing}<div class="row"><div class="field"><label for=${`${id}-status`}>${w.ruleStatus}</label><select
      id=${`${id}-status`} data-focus-key=${`${id}-status`} @change=${changeStatus}>${STATUSES.map((s) => html`<option value=${s} ?selected=${s === rule.status}
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

  /**
   * Offered once someone is put on a rule that is still a proposal: the children's version prints
   * agreed rules only, and confirming people does not by itself mean the family agreed the rule.
   * @param {import('./boarddata.js').Rule} rule
   */
  agreeOffer (rule) {
    const id = this.id(rule.key)
    const agree = () => {
      this.offers.delete(rule.key)
      setRuleStatus(this.board, rule.key, 'agreed')
      announce(w.statusChanged(/** @type {Record<string, string>} */ (w.statuses).agreed))
      this.redraw(`${id}-status`)
    }
    const notNow = () => {
      this.offers.delete(rule.key)
      this.redraw(`${id}-edit`)
    }
    return html`<div class="agree-offer" role="group" aria-labelledby=${`${id}-offer`}><p class="warning" id=${`${id}-offer`}
      >${w.agreeOffer}</p><div class="row"><button type="button" class="agree-mark" data-focus-key=${`${id}-agree`} @click=${agree}
      >${w.agreeMark}</button><button type="button" class="quiet" @click=${notNow}>${w.agreeNotNow}</button></div></div>`
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
    f.forChildren.value = rule.forChildren
    f.start.value = rule.start
    f.review.value = rule.review
    followReview(f, Boolean(rule.review))
    clearWhenFilled(f)
    const error = h('p', { class: 'error', id: `${id}-e-error`, role: 'alert', hidden: true })
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
      const missing = checkRequired(f)
      error.hidden = !missing.length
      setText(error, missing.length ? w.ruleMissing(missing.length) : '')
      if (missing.length) return missing[0].focus()
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
    const rule = rulesOf(this.board).find((r) => r.key === ruleKey)
    if (rule && rule.status === 'proposed') {
      this.offers.add(ruleKey)
      this.redraw(`${this.id(ruleKey)}-agree`)
    }
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
