// The guided form for a danger statement and its safety goal ("the bookends"): who is worried,
// about what behaviour, what happens to the child if nothing changes; what the parents will do,
// what the child will experience, what professionals will see, for how long. Writes both items
// at once, each naming the other as its pair. Warns gently about jargon and past three pairs.

import * as Y from 'yjs'
import { announce, h, setText } from './dom.js'
import { jargonIn, labels, onLabels } from './labels.js'
import { w } from './boardwords.js'
import { frameworkOf } from './boarddata.js'
import { pairNumbers } from './boardview.js'
import { addPair } from './actions/facilitator.js'
import { levelPicker, placeFor } from './itemcontrols.js'

const SOFT_LIMIT = 3
const MAX_PART = 600
const DANGER_PARTS = ['who', 'behaviour', 'impact']
const GOAL_PARTS = ['parents', 'child', 'seen', 'duration']
// Everything but what professionals will see: without "what happens to the child" a danger
// statement ends on a bare "If nothing changes:", and a goal without "for how long" has no end.
const REQUIRED = ['who', 'behaviour', 'impact', 'parents', 'child', 'duration']

/**
 * @param {string} template
 * @param {Record<string, string>} parts
 */
function compose (template, parts) {
  return template.replace(/\{(\w+)\}/g, (_, key) => parts[key] || '').replace(/\s+/g, ' ').trim()
}

export class PairForm {
  /**
   * @param {Y.Doc} board
   * @param {string} base an id prefix unique on the page
   * @param {string} by who writes: 'f:<facilitator id>'
   */
  constructor (board, base, by) {
    this.board = board
    this.by = by
    /** @type {Record<string, HTMLTextAreaElement>} */
    this.fields = {}
    /** @type {Record<string, HTMLElement>} */
    this.labelEls = {}
    /** @type {Record<string, HTMLElement>} */
    this.messages = {}
    this.title = h('h4', { id: `${base}-pair-title` })
    this.dangerLegend = h('legend')
    this.goalLegend = h('legend')
    const field = (/** @type {string} */ part) => {
      const input = h('textarea', {
        id: `${base}-pair-${part}`, rows: 1, maxlength: MAX_PART, dir: 'auto', 'data-part': part, 'aria-required': REQUIRED.includes(part) ? 'true' : null
      })
      input.addEventListener('input', () => {
        if (input.value.trim()) this.mark(part, false)
        this.check()
      })
      this.fields[part] = input
      this.labelEls[part] = h('label', { for: input.id })
      this.messages[part] = h('p', { class: 'field-error', id: `${input.id}-error`, hidden: true })
      return h('div', { class: 'field' }, this.labelEls[part], input, this.messages[part])
    }
    this.level = levelPicker(`${base}-pair-level`)
    this.limit = h('p', { class: 'warning pair-limit', hidden: true })
    this.jargon = h('p', { class: 'warning jargon-warning', hidden: true, 'aria-live': 'polite' })
    this.error = h('p', { class: 'error', role: 'alert', hidden: true })
    this.form = h('form', { class: 'pair-form', novalidate: true, 'aria-labelledby': this.title.id },
      this.title,
      this.limit,
      h('fieldset', { class: 'pair-half pair-danger' }, this.dangerLegend, DANGER_PARTS.map(field)),
      h('fieldset', { class: 'pair-half pair-goal' }, this.goalLegend, GOAL_PARTS.map(field)),
      h('div', { class: 'field' }, h('label', { for: this.level.id, text: w.levelLabel }), this.level),
      this.jargon,
      this.error,
      h('button', { type: 'submit', class: 'pair-add' }))
    this.button = /** @type {HTMLButtonElement} */ (this.form.querySelector('button'))
    this.form.addEventListener('submit', (event) => {
      event.preventDefault()
      this.add()
    })
    this.element = h('details', { class: 'pair-box' }, h('summary', { class: 'pair-summary' }), this.form)
    this.summary = /** @type {HTMLElement} */ (this.element.querySelector('summary'))
    board.getMap('framework').observeDeep(() => this.check())
    onLabels(() => this.words())
    this.words()
  }

  words () {
    setText(this.title, w.pairTitle(labels.pair.pairs))
    setText(this.summary, w.pairTitle(labels.pair.pairs))
    setText(this.dangerLegend, labels.pair.danger)
    setText(this.goalLegend, labels.pair.goal)
    setText(this.button, w.pairAdd)
    for (const [part, el] of Object.entries(this.labelEls)) setText(el, labels.guided[part] || part)
    for (const [part, el] of Object.entries(this.messages)) if (!el.hidden) setText(el, this.messageFor(part))
    this.check()
  }

  /** @param {string} part */
  messageFor (part) {
    return part === 'impact' ? w.pairNeedsImpact : part === 'duration' ? w.pairNeedsDuration : w.pairNeeds(labels.guided[part] || part)
  }

  /**
   * Say inline, at the field, that an answer is missing (or no longer).
   * @param {string} part
   * @param {boolean} missing
   */
  mark (part, missing) {
    const input = this.fields[part]
    const message = this.messages[part]
    message.hidden = !missing
    setText(message, missing ? this.messageFor(part) : '')
    if (missing) {
      input.setAttribute('aria-invalid', 'true')
      input.setAttribute('aria-describedby', message.id)
    } else {
      input.removeAttribute('aria-invalid')
      input.removeAttribute('aria-describedby')
    }
  }

  pairCount () {
    const items = frameworkOf(this.board)
    return new Set(pairNumbers(items).values()).size
  }

  check () {
    const count = this.pairCount()
    this.limit.hidden = count < SOFT_LIMIT
    if (count >= SOFT_LIMIT) setText(this.limit, w.pairLimit(count))
    const typed = Object.values(this.fields).map((f) => f.value).join(' ')
    const found = jargonIn(typed)
    this.jargon.hidden = !found.length
    setText(this.jargon, found.length ? w.jargon(found) : '')
  }

  add () {
    /** @type {Record<string, string>} */
    const parts = {}
    for (const [part, el] of Object.entries(this.fields)) parts[part] = el.value.trim().slice(0, MAX_PART)
    const missing = REQUIRED.filter((p) => !parts[p])
    for (const part of REQUIRED) this.mark(part, missing.includes(part))
    this.error.hidden = !missing.length
    if (missing.length) {
      setText(this.error, w.pairMissing(missing.length))
      this.fields[missing[0]].focus()
      return
    }
    const { doc, sensitive, order } = placeFor(this.board, 'framework', this.level.value)
    const seen = parts.seen ? compose(labels.seenTemplate, parts) : ''
    const dangerText = compose(labels.templates.danger, parts)
    const goalText = compose(labels.templates.goal, { ...parts, seen: seen ? ` ${seen}` : '' })
    /** @param {string[]} names @returns {[string, string][]} the parts filled in */
    const guided = (names) => names.filter((p) => parts[p]).map((p) => [p, parts[p]])
    addPair(doc, {
      by: this.by,
      sensitive,
      order,
      danger: { text: dangerText, guided: guided(DANGER_PARTS) },
      goal: { text: goalText, guided: guided(GOAL_PARTS) }
    })
    for (const el of Object.values(this.fields)) el.value = ''
    this.level.value = 'all'
    this.check()
    this.fields.who.focus()
    announce(w.announcePair)
  }
}
