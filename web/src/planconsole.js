// The console's safety plan: a form for a rule card (what will happen, in the family's words; the
// goal it serves; when; how it is checked; what if it is not kept; dates), and on each card the
// controls for its status and for confirming the people who claimed it from their phone.

import * as Y from 'yjs'
import { announce, h } from './dom.js'
import { categoryLabel, labels, onLabels, roleLabel } from './labels.js'
import { w } from './boardwords.js'
import { claimsOf, frameworkOf, listOf, nameOf, newKey, nextOrder, peopleOf, SECTIONS, STATUSES } from './boarddata.js'

const MAX_TEXT = 2000

export class PlanConsole {
  /**
   * @param {Y.Doc} board
   * @param {string} base an id prefix unique on the page
   */
  constructor (board, base) {
    this.board = board
    this.base = base
    const id = (/** @type {string} */ name) => `${base}-rule-${name}`
    this.section = h('select', { id: id('section') })
    this.text = h('textarea', { id: id('text'), rows: 2, maxlength: MAX_TEXT, dir: 'auto' })
    this.goal = h('select', { id: id('goal') })
    this.when = h('input', { id: id('when'), maxlength: 500, autocomplete: 'off', dir: 'auto' })
    this.check = h('input', { id: id('check'), maxlength: 500, autocomplete: 'off', dir: 'auto' })
    this.ifNot = h('input', { id: id('ifnot'), maxlength: 500, autocomplete: 'off', dir: 'auto' })
    this.start = h('input', { id: id('start'), type: 'date' })
    this.review = h('input', { id: id('review'), type: 'date' })
    /** @param {HTMLElement} control @param {string} label @param {string} [cls] */
    const field = (control, label, cls = '') => h('div', { class: `field ${cls}` }, h('label', { for: control.id, text: label }), control)
    this.form = h('form', { class: 'rule-form', novalidate: true },
      h('div', { class: 'row' }, field(this.section, w.ruleSection), field(this.goal, w.ruleGoal, 'grow')),
      field(this.text, w.ruleText),
      field(this.when, w.ruleWhen),
      field(this.check, w.ruleCheck),
      field(this.ifNot, w.ruleIfNot),
      h('div', { class: 'row' }, field(this.start, w.ruleStart), field(this.review, w.ruleReview)),
      h('button', { type: 'submit', text: w.ruleAdd }))
    this.form.addEventListener('submit', (event) => {
      event.preventDefault()
      this.add()
    })
    this.element = h('details', { class: 'plan-box' }, h('summary', { text: w.ruleAdd }), this.form)
    board.getMap('framework').observeDeep(() => this.options())
    onLabels(() => this.options())
    this.options()
  }

  options () {
    const section = this.section.value || 'immediate'
    this.section.replaceChildren(...SECTIONS.map((s) => h('option', { value: s, text: labels.sections[s], selected: s === section })))
    const goal = this.goal.value
    const goals = frameworkOf(this.board).filter((i) => i.category === 'goals')
    this.goal.replaceChildren(h('option', { value: '', text: w.ruleNoGoal }),
      ...goals.map((g) => h('option', { value: g.key, text: `${categoryLabel('goals')}: ${g.text.slice(0, 60)}`, selected: g.key === goal })))
  }

  add () {
    const text = this.text.value.trim().slice(0, MAX_TEXT)
    if (!text) return this.text.focus()
    const agreements = this.board.getMap('agreements')
    const rule = new Y.Map([
      ['section', this.section.value],
      ['text', new Y.Text(text)],
      ['owners', new Y.Array()],
      ['when', this.when.value.trim()],
      ['check', this.check.value.trim()],
      ['if_not_kept', this.ifNot.value.trim()],
      ['start', this.start.value],
      ['review', this.review.value],
      ['status', 'proposed'],
      ['order', nextOrder(agreements)]
    ])
    if (this.goal.value) rule.set('goal', this.goal.value)
    agreements.set(newKey(), rule)
    for (const el of [this.text, this.when, this.check, this.ifNot, this.start, this.review]) el.value = ''
    this.text.focus()
    announce(w.announceRuleAdded)
  }

  /**
   * The controls on one rule card: its status, and a confirm button per open claim.
   * @param {import('./boarddata.js').Rule} rule
   */
  actions (rule) {
    const people = peopleOf(this.board)
    const id = `${this.base}-status-${rule.key}`
    const status = h('select', { id, 'data-focus-key': id },
      STATUSES.map((s) => h('option', { value: s, text: /** @type {Record<string, string>} */ (w.statuses)[s], selected: s === rule.status })))
    status.addEventListener('change', () => {
      const map = this.board.getMap('agreements').get(rule.key)
      if (map instanceof Y.Map) map.set('status', status.value)
      announce(w.statusChanged(/** @type {Record<string, string>} */ (w.statuses)[status.value]))
    })
    const claims = (claimsOf(this.board).get(rule.key) || []).filter((pid) => !rule.owners.includes(pid))
    return h('div', { class: 'rule-actions row' },
      h('div', { class: 'field' }, h('label', { for: id, text: w.ruleStatus }), status),
      claims.map((pid) => {
        const name = nameOf(pid, people, roleLabel) || pid
        const focus = `${this.base}-confirm-${rule.key}-${pid}`
        return h('button', { type: 'button', class: 'secondary confirm-claim', 'data-focus-key': focus, text: w.confirm(name), onclick: () => this.confirm(rule.key, pid, name) })
      }))
  }

  /**
   * @param {string} ruleKey
   * @param {string} pid
   * @param {string} name
   */
  confirm (ruleKey, pid, name) {
    const rule = this.board.getMap('agreements').get(ruleKey)
    if (!(rule instanceof Y.Map)) return
    this.board.transact(() => {
      const owners = rule.get('owners')
      if (owners instanceof Y.Array) {
        if (!owners.toArray().includes(pid)) owners.push([pid])
      } else {
        rule.set('owners', Y.Array.from([...listOf(owners).filter((p) => p !== pid), pid]))
      }
      this.board.getMap('claims').delete(`${ruleKey}|${pid}`)
    })
    announce(w.announceConfirmed(name))
  }
}
