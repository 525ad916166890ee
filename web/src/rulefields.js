// The fields of a rule card as form controls, shared by the plan console's form and each card's
// editor: their rows, the review date an immediate rule is given, the fields a rule cannot do
// without (said at the field), and the values as typed.

import * as Y from 'yjs'
import { h, setText } from './dom.js'
import { categoryLabel, labels } from './labels.js'
import { w } from './boardwords.js'
import { frameworkOf, SECTIONS } from './boarddata.js'

export const MAX_TEXT = 2000
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
export function ruleFields (prefix) {
  const id = (/** @type {string} */ name) => `${prefix}-${name}`
  return {
    section: h('select', { id: id('section') }),
    text: h('textarea', { id: id('text'), rows: 2, maxlength: MAX_TEXT, dir: 'auto', 'data-focus-key': id('text') }),
    goal: h('select', { id: id('goal') }),
    when: h('input', { id: id('when'), maxlength: MAX_FIELD, autocomplete: 'off', dir: 'auto' }),
    check: h('input', { id: id('check'), maxlength: MAX_FIELD, autocomplete: 'off', dir: 'auto' }),
    checkBy: h('input', { id: id('checkby'), maxlength: MAX_FIELD, autocomplete: 'off', dir: 'auto' }),
    ifNot: h('input', { id: id('ifnot'), maxlength: MAX_FIELD, autocomplete: 'off', dir: 'auto' }),
    // The rule as the children are told it, written with the parents; none means the children's
    // version leaves the rule out (never the adult wording).
    forChildren: h('textarea', { id: id('forchildren'), rows: 2, maxlength: MAX_FIELD, dir: 'auto', 'aria-describedby': id('forchildren-hint') }),
    forChildrenHint: h('p', { class: 'hint', id: id('forchildren-hint'), text: w.ruleForChildrenHint }),
    start: h('input', { id: id('start'), type: 'date', 'aria-required': 'true' }),
    review: h('input', { id: id('review'), type: 'date', 'aria-required': 'true' }),
    textError: h('p', { class: 'field-error', id: id('text-error'), hidden: true }),
    startError: h('p', { class: 'field-error', id: id('start-error'), hidden: true }),
    reviewError: h('p', { class: 'field-error', id: id('review-error'), hidden: true })
  }
}

/** @typedef {ReturnType<typeof ruleFields>} RuleFields */

/** @param {HTMLElement} control @param {string} label @param {string} [cls] @param {HTMLElement | null} [message] */
const field = (control, label, cls = '', message = null) =>
  h('div', { class: `field ${cls}` }, h('label', { for: control.id, text: label }), control, message)

/** @param {RuleFields} f */
export function fieldRows (f) {
  return [
    h('div', { class: 'row' }, field(f.section, w.ruleSection), field(f.goal, w.ruleGoal, 'grow')),
    field(f.text, w.ruleText, '', f.textError),
    field(f.when, w.ruleWhen),
    h('div', { class: 'row' }, field(f.check, w.ruleCheck, 'grow'), field(f.checkBy, w.ruleCheckBy, 'grow')),
    field(f.ifNot, w.ruleIfNot),
    field(f.forChildren, w.ruleForChildren, 'for-children', f.forChildrenHint),
    h('div', { class: 'row' }, field(f.start, w.ruleStart, '', f.startError), field(f.review, w.ruleReview, '', f.reviewError))
  ]
}

/**
 * Say at the field that it is missing (or no longer): the message is its description.
 * @param {HTMLInputElement | HTMLTextAreaElement} control
 * @param {HTMLElement} message
 * @param {string} text the message, or '' when the field is filled in
 */
function markMissing (control, message, text) {
  message.hidden = !text
  setText(message, text)
  if (text) {
    control.setAttribute('aria-invalid', 'true')
    control.setAttribute('aria-describedby', message.id)
  } else {
    control.removeAttribute('aria-invalid')
    control.removeAttribute('aria-describedby')
  }
}

/**
 * The rule's words, start and review date, each marked at its field when missing (domain.md: a rule
 * card holds a start and a review date). The write guard trusts a facilitator's writes to the
 * board, so this form is where a rule without dates is stopped.
 * @param {RuleFields} f
 * @returns {HTMLElement[]} the fields still empty, in the form's order
 */
export function checkRequired (f) {
  const required = /** @type {[HTMLInputElement | HTMLTextAreaElement, HTMLElement, string][]} */ ([
    [f.text, f.textError, w.editEmpty], [f.start, f.startError, w.ruleNeedsStart], [f.review, f.reviewError, w.ruleNeedsReview]
  ])
  const missing = []
  for (const [control, message, text] of required) {
    const empty = !control.value.trim()
    markMissing(control, message, empty ? text : '')
    if (empty) missing.push(control)
  }
  return missing
}

/** Once a missing field is filled in, its message goes. @param {RuleFields} f */
export function clearWhenFilled (f) {
  for (const [control, message] of /** @type {[HTMLInputElement | HTMLTextAreaElement, HTMLElement][]} */ ([
    [f.text, f.textError], [f.start, f.startError], [f.review, f.reviewError]
  ])) {
    const clear = () => { if (control.value.trim() && !message.hidden) markMissing(control, message, '') }
    control.addEventListener('input', clear)
    control.addEventListener('change', clear)
  }
}

/**
 * Keep an immediate rule's review date seven days ahead until someone picks one themselves.
 * @param {RuleFields} f
 * @param {boolean} chosen whether the review date shown was picked by someone
 */
export function followReview (f, chosen) {
  let picked = chosen
  const follow = () => {
    if (picked) return
    f.review.value = f.section.value === 'immediate' ? immediateReview(f.start.value) : ''
    if (f.review.value && !f.reviewError.hidden) markMissing(f.review, f.reviewError, '')
  }
  f.review.addEventListener('input', () => { picked = Boolean(f.review.value) })
  f.section.addEventListener('change', follow)
  f.start.addEventListener('input', follow)
  f.start.addEventListener('change', follow)
  // A rule made at the meeting starts that day unless the facilitator says otherwise.
  return { follow, reset: () => { picked = false; f.start.value = isoDay(new Date()); follow() } }
}

/**
 * A rule's smaller fields as typed, each trimmed to its limit.
 * @param {ReturnType<typeof ruleFields>} f
 */
export function typedFields (f) {
  return {
    when: f.when.value.trim().slice(0, MAX_FIELD),
    check: f.check.value.trim().slice(0, MAX_FIELD),
    checkBy: f.checkBy.value.trim().slice(0, MAX_FIELD),
    ifNotKept: f.ifNot.value.trim().slice(0, MAX_FIELD),
    forChildren: f.forChildren.value.trim().slice(0, MAX_FIELD),
    start: f.start.value,
    review: f.review.value
  }
}

/**
 * @param {HTMLSelectElement} select
 * @param {string} [chosen]
 */
export function fillSections (select, chosen) {
  const section = chosen || select.value || 'immediate'
  select.replaceChildren(...SECTIONS.map((s) => h('option', { value: s, text: labels.sections[s], selected: s === section })))
}

/**
 * @param {HTMLSelectElement} select
 * @param {Y.Doc} board
 * @param {string} [chosen]
 */
export function fillGoals (select, board, chosen) {
  const goal = chosen ?? select.value
  const goals = frameworkOf(board).filter((i) => i.category === 'goals')
  select.replaceChildren(h('option', { value: '', text: w.ruleNoGoal }),
    ...goals.map((g) => h('option', { value: g.key, text: `${categoryLabel('goals')}: ${g.text.slice(0, 60)}`, selected: g.key === goal })))
}
