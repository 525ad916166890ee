// The console's inbox of proposals from phones: each can be put on the board as it is, edited,
// put under another category, or declined. Only what the facilitator accepts reaches the board
// (and so the wall); a proposal keeps its status so the phone that sent it can see what became of it.

import * as Y from 'yjs'
import { announce, fill, h } from './dom.js'
import { CATEGORIES, categoryLabel, onLabels, roleLabel } from './labels.js'
import { w } from './boardwords.js'
import { nameOf, peopleOf, proposalsOf } from './boarddata.js'
import { MAX_ITEM_LENGTH } from './itemcontrols.js'
import { acceptProposal, declineProposal } from './actions/facilitator.js'

export class Inbox {
  /**
   * @param {Y.Doc} board
   * @param {string} base an id prefix unique on the page
   */
  constructor (board, base) {
    this.board = board
    this.base = base
    this.list = h('div', { class: 'inbox-list' })
    this.element = h('section', { class: 'inbox', 'aria-labelledby': `${base}-inbox-title` },
      h('h4', { id: `${base}-inbox-title`, text: w.inboxTitle }), this.list)
    /** @type {Set<string>} proposals seen already, so only new ones are announced */
    this.seen = new Set()
    this.first = true
    const redraw = () => this.draw()
    board.getMap('proposals').observeDeep(redraw)
    board.getMap('people').observeDeep(redraw)
    onLabels(redraw)
    this.draw()
  }

  draw () {
    const people = peopleOf(this.board)
    const open = proposalsOf(this.board).filter((p) => p.status === 'open' && p.text)
    const fresh = open.filter((p) => !this.seen.has(p.key))
    for (const p of open) this.seen.add(p.key)
    if (!this.first) for (const p of fresh) announce(w.announceNewProposal(nameOf(p.by, people, roleLabel)))
    this.first = false
    // Keep an edit in progress: redraw only proposals that came or went.
    const shown = new Set([...this.list.querySelectorAll('[data-proposal]')].map((el) => /** @type {HTMLElement} */ (el).dataset.proposal))
    const wanted = new Set(open.map((p) => p.key))
    if (shown.size === wanted.size && [...wanted].every((k) => shown.has(k))) return
    if (!open.length) {
      fill(this.list, h('p', { class: 'empty', text: w.inboxEmpty }))
      return
    }
    const kept = new Map([...this.list.querySelectorAll('[data-proposal]')].map((el) => [/** @type {HTMLElement} */ (el).dataset.proposal, el]))
    fill(this.list, h('ul', { class: 'proposal-list' }, open.map((p) => kept.get(p.key) || this.row(p, nameOf(p.by, people, roleLabel)))))
  }

  /**
   * @param {import('./boarddata.js').Proposal} proposal
   * @param {string} who
   */
  row (proposal, who) {
    const id = `${this.base}-p-${proposal.key.replace(/[^a-z0-9-]/gi, '_')}`
    const text = h('textarea', { id: `${id}-text`, rows: 2, maxlength: MAX_ITEM_LENGTH, dir: 'auto' })
    text.value = proposal.text
    const category = h('select', { id: `${id}-cat`, 'aria-label': `${w.proposeWhere} (${who})` },
      CATEGORIES.map((c) => h('option', { value: c, text: categoryLabel(c), selected: c === proposal.category })))
    // Decided before it is accepted, so a sensitive suggestion is never on the wall, not even for a moment.
    const sensitive = h('input', { type: 'checkbox', id: `${id}-sensitive`, class: 'proposal-sensitive' })
    return h('li', { class: 'proposal', 'data-proposal': proposal.key },
      h('p', { class: 'proposal-from', dir: 'auto', text: w.proposalFrom(who) }),
      h('label', { for: text.id, class: 'visually-hidden', text: w.proposalTextLabel }),
      text,
      h('div', { class: 'row proposal-actions' },
        category,
        h('div', { class: 'check' }, sensitive, h('label', { for: sensitive.id, text: w.sensitiveSwitch })),
        h('button', { type: 'button', class: 'accept', 'aria-label': w.acceptName(who), text: w.accept, onclick: () => this.accept(proposal.key, text.value, category.value, sensitive.checked) }),
        h('button', { type: 'button', class: 'secondary decline', 'aria-label': w.declineName(who), text: w.decline, onclick: () => this.decline(proposal.key) })))
  }

  /**
   * @param {string} key
   * @param {string} text
   * @param {string} category
   * @param {boolean} [sensitive]
   */
  accept (key, text, category, sensitive = false) {
    const words = text.trim().slice(0, MAX_ITEM_LENGTH)
    if (!words) return
    const placed = CATEGORIES.includes(/** @type {any} */ (category)) ? category : 'grey'
    if (!acceptProposal(this.board, key, { text: words, category: placed, sensitive })) return
    announce(w.announceAccepted)
  }

  /** @param {string} key */
  decline (key) {
    declineProposal(this.board, key)
    announce(w.announceDeclined)
  }
}
