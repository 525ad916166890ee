// What a phone can do on the board, each writing only keys the server lets this person write:
// marks["<item>|<pid>"], proposals["<pid>:<id>"], claims["<rule>|<pid>"], and its own score in
// its own document p.<pid> (which no other phone is ever sent).

import * as Y from 'yjs'
import { announce, fill, h, setText } from './dom.js'
import { CATEGORIES, categoryLabel, jargonIn, labels, onLabels } from './labels.js'
import { w } from './boardwords.js'
import { frameworkOf, marksOf, newKey, peopleOf, proposalsOf, roundsOf, rulesOf, claimsOf } from './boarddata.js'
import { pairNumbers } from './boardview.js'
import { html, nothing } from './view.js'
import { roundTitle, scaleLine } from './scaleline.js'

const MAX_TEXT = 2000
const MARKS = /** @type {const} */ (['agree', 'disagree', 'unsure'])

export class PhoneActions {
  /**
   * @param {object} options
   * @param {Y.Doc} options.board
   * @param {Y.Doc} options.own this person's own document (scores)
   * @param {string} options.pid
   */
  constructor ({ board, own, pid }) {
    this.board = board
    this.own = own
    this.pid = pid
    this.scalePanel = h('section', { class: 'phone-scale', id: 'scale', hidden: true, 'aria-labelledby': 'scale-title' })
    this.mine = h('section', { class: 'my-rules', id: 'my-rules', 'aria-labelledby': 'my-rules-title' })
    this.proposeBox = this.proposeForm()
    /** @type {string | null} which round and state the scale panel shows */
    this.shownRound = null
    /** @type {HTMLButtonElement[]} */
    this.scoreButtons = []
    this.scoreNote = h('p', { class: 'score-note', role: 'status' })
    // What others did, said once in the polite live region: the state last seen, so a redraw for
    // another reason says nothing, and nothing is said about the state the phone arrived in.
    /** @type {string | null} */
    this.heardRound = null
    /** @type {Set<string> | null} rules this person carries */
    this.heardOwned = null
    /** @type {Map<string, string> | null} this person's proposals and their status */
    this.heardProposals = null
    const scale = () => this.drawScale()
    const mine = () => this.drawMine()
    const proposals = () => this.drawProposals()
    this.watching = /** @type {[Y.Map<any>, () => void][]} */ ([
      [board.getMap('poll'), scale], [board.getMap('people'), scale], [own.getMap('scores'), scale],
      [board.getMap('agreements'), mine], [board.getMap('claims'), mine],
      [board.getMap('proposals'), proposals]
    ])
    for (const [map, fn] of this.watching) map.observeDeep(fn)
    this.stopLabels = onLabels(() => { this.shownRound = null; scale() })
    scale()
    mine()
    proposals()
  }

  destroy () {
    for (const [map, fn] of this.watching) map.unobserveDeep(fn)
    this.stopLabels()
  }

  // -- marks and claims on the board's cards ------------------------------------------------------

  /**
   * The mark buttons on an item: the same three buttons each time the board draws, so the one in
   * use keeps the focus when the marks change.
   * @param {{root: string, key: string, text: string, section?: string, owners?: string[]}} item
   */
  itemActions (item) {
    if (item.root === 'agreements') return this.claimActions(/** @type {any} */ (item))
    const mine = (marksOf(this.board).get(item.key) || new Map()).get(this.pid)
    return html`<div class="mark-buttons" role="group" aria-label=${item.text.slice(0, 80)}>${MARKS.map((kind) => html`<button
      type="button" class="mark-button mark-${kind}" aria-pressed=${String(mine === kind)}
      aria-label=${w.markItem(w.marks[kind], item.text)} @click=${() => this.mark(item.key, kind, mine === kind)}
      >${w.marks[kind]}</button>`)}</div>`
  }

  /**
   * @param {string} itemKey
   * @param {string} kind
   * @param {boolean} again pressing the chosen mark once more takes it back
   */
  mark (itemKey, kind, again) {
    const marks = this.board.getMap('marks')
    const key = `${itemKey}|${this.pid}`
    if (again) marks.delete(key)
    else marks.set(key, kind)
    announce(again ? '' : w.announceMarked(/** @type {Record<string, string>} */ (w.marks)[kind]))
  }

  /**
   * Claiming a rule and taking the claim back is one button, so the focus stays on it.
   * @param {import('./boarddata.js').Rule} rule
   */
  claimActions (rule) {
    if (rule.section === 'bottom_line' || rule.owners.includes(this.pid)) return null
    const claimed = (claimsOf(this.board).get(rule.key) || []).includes(this.pid)
    const key = `${rule.key}|${this.pid}`
    const unclaim = () => this.board.getMap('claims').delete(key)
    const claim = () => {
      this.board.getMap('claims').set(key, 'claimed')
      announce(w.announceClaimed)
    }
    return html`<div class=${claimed ? 'claim row' : 'claim'}>${claimed ? html`<span class="claim-waiting">${w.claimWaiting}</span>` : nothing}<button
      type="button" class=${claimed ? 'secondary' : 'claim-button'} @click=${claimed ? unclaim : claim}
      >${claimed ? w.unclaim : w.claim}</button></div>`
  }

  drawMine () {
    const claims = claimsOf(this.board)
    const all = rulesOf(this.board)
    const owned = new Set(all.filter((r) => r.owners.includes(this.pid)).map((r) => r.key))
    if (this.heardOwned) {
      for (const rule of all) if (owned.has(rule.key) && !this.heardOwned.has(rule.key)) announce(w.phoneConfirmed(rule.text))
    }
    this.heardOwned = owned
    const rules = all.filter((r) => r.owners.includes(this.pid) || (claims.get(r.key) || []).includes(this.pid))
    fill(this.mine,
      h('h2', { id: 'my-rules-title', text: w.myRules }),
      rules.length
        ? h('ul', { class: 'cards' }, rules.map((r) => h('li', { class: 'card my-rule', 'data-key': r.key },
          h('div', { class: 'card-body' },
            h('span', { class: 'card-text', dir: 'auto', text: r.text }),
            h('p', { class: 'card-meta' },
              h('span', { class: `pill status-pill status-${r.status}`, text: /** @type {Record<string, string>} */ (w.statuses)[r.status] }),
              r.owners.includes(this.pid) ? null : h('span', { class: 'claim-waiting', text: ` ${w.claimWaiting}` }))))))
        : h('p', { class: 'empty', text: w.myRulesEmpty }))
  }

  // -- proposals ----------------------------------------------------------------------------------

  proposeForm () {
    const category = h('select', { id: 'propose-category' })
    const fillCategories = () => {
      const chosen = category.value || 'strengths'
      category.replaceChildren(...CATEGORIES.map((c) => h('option', { value: c, text: categoryLabel(c), selected: c === chosen })))
    }
    fillCategories()
    onLabels(fillCategories)
    const text = h('textarea', { id: 'propose-text', rows: 3, maxlength: MAX_TEXT, dir: 'auto' })
    const jargon = h('p', { class: 'warning jargon-warning', hidden: true, 'aria-live': 'polite' })
    text.addEventListener('input', () => {
      const found = jargonIn(text.value)
      jargon.hidden = !found.length
      setText(jargon, found.length ? w.jargon(found) : '')
    })
    this.myProposals = h('div', { class: 'my-proposals' })
    const form = h('form', { class: 'stack propose-form', id: 'propose', novalidate: true },
      h('p', { class: 'hint', text: w.proposeHint }),
      h('label', { for: category.id, text: w.proposeWhere }), category,
      h('label', { for: text.id, text: w.proposeText }), text,
      jargon,
      h('button', { type: 'submit', class: 'wide', text: w.propose }))
    form.addEventListener('submit', (event) => {
      event.preventDefault()
      const words = text.value.trim().slice(0, MAX_TEXT)
      if (!words) return text.focus()
      this.board.getMap('proposals').set(`${this.pid}:${newKey()}`, new Y.Map([
        ['by', this.pid], ['text', words], ['category', category.value], ['status', 'open']
      ]))
      text.value = ''
      jargon.hidden = true
      announce(w.announceProposed)
    })
    return h('details', { class: 'propose-box' }, h('summary', { text: w.proposeTitle }), form, this.myProposals)
  }

  drawProposals () {
    const mine = proposalsOf(this.board).filter((p) => p.by === this.pid && p.key.startsWith(`${this.pid}:`) && p.text)
    const heard = this.heardProposals
    if (heard) {
      for (const p of mine) {
        if (heard.get(p.key) === p.status) continue
        if (p.status === 'accepted') announce(w.phoneAccepted(p.text))
        else if (p.status === 'declined') announce(w.phoneDeclined(p.text))
      }
    }
    this.heardProposals = new Map(mine.map((p) => [p.key, p.status]))
    if (!mine.length) return fill(this.myProposals)
    fill(this.myProposals,
      h('h3', { text: w.myProposals }),
      h('ul', { class: 'proposal-list' }, mine.map((p) => h('li', { class: `my-proposal proposal-${p.status}` },
        h('span', { class: 'card-text', dir: 'auto', text: p.text }),
        h('span', { class: `pill proposal-status`, text: w.proposalStatus[p.status] }),
        p.status === 'open'
          ? h('button', { type: 'button', class: 'quiet', 'aria-label': w.withdrawProposal(p.text), text: w.withdraw, onclick: () => this.board.getMap('proposals').delete(p.key) })
          : null))))
  }

  // -- the scaling question -----------------------------------------------------------------------

  drawScale () {
    const rounds = roundsOf(this.board)
    const round = rounds[rounds.length - 1]
    if (!round) {
      this.scalePanel.hidden = true
      this.shownRound = null
      this.heardRound = ''
      return
    }
    this.scalePanel.hidden = false
    const title = roundTitle(round, pairNumbers(frameworkOf(this.board)))
    const state = `${round.key}:${round.status}`
    if (this.heardRound !== null && this.heardRound !== state) {
      announce(round.status === 'open' ? w.phoneRoundOpen : round.status === 'revealed' ? w.phoneRevealed : w.phoneRoundClosed)
    }
    this.heardRound = state
    const entry = this.own.getMap('scores').get(round.key)
    const value = entry instanceof Y.Map ? Number(entry.get('value')) : null
    if (state === this.shownRound) {
      this.showChoice(value)
      return
    }
    this.shownRound = state
    if (round.status === 'revealed') {
      fill(this.scalePanel, h('h2', { id: 'scale-title', class: 'visually-hidden', text: w.scaleTitle }),
        scaleLine({ round, people: peopleOf(this.board), previous: null, title, level: 3 }))
      return
    }
    if (round.status === 'closed') {
      fill(this.scalePanel, h('h2', { id: 'scale-title', text: `${w.scaleTitle}: ${title}` }), h('p', { class: 'notice', text: w.roundClosedWait }))
      return
    }
    this.scoreButtons = Array.from({ length: 11 }, (_, n) => h('button', {
      type: 'button',
      class: 'score-button',
      'aria-pressed': 'false',
      'data-value': String(n),
      text: String(n),
      onclick: () => this.score(round.key, n)
    }))
    const why = h('textarea', { id: 'score-why', rows: 2, maxlength: MAX_TEXT, dir: 'auto' })
    if (entry instanceof Y.Map && typeof entry.get('why') === 'string') why.value = entry.get('why')
    this.why = why
    const saveWhy = h('button', { type: 'button', class: 'secondary wide', id: 'save-why', text: w.saveWhy, onclick: () => this.saveWhy(round.key) })
    fill(this.scalePanel,
      h('h2', { id: 'scale-title', dir: 'auto', text: `${w.scaleTitle}: ${title}` }),
      h('p', { class: 'scale-question', text: labels.scale.question }),
      h('div', { class: 'score-buttons', role: 'group', 'aria-label': w.yourScore }, this.scoreButtons),
      h('div', { class: 'score-ends', 'aria-hidden': 'true' }, h('span', { text: labels.scale.zero }), h('span', { text: labels.scale.ten })),
      this.scoreNote,
      h('label', { for: why.id, text: w.scoreWhyOptional }), why, saveWhy)
    this.showChoice(value)
  }

  /** @param {number | null} value */
  showChoice (value) {
    for (const button of this.scoreButtons) button.setAttribute('aria-pressed', String(Number(button.dataset.value) === value))
    setText(this.scoreNote, value === null || Number.isNaN(value) ? '' : w.scoreSaved(value))
  }

  /**
   * @param {string} roundKey
   * @param {number} value
   */
  score (roundKey, value) {
    const scores = this.own.getMap('scores')
    const why = this.why ? this.why.value.trim().slice(0, MAX_TEXT) : ''
    scores.set(roundKey, new Y.Map([['value', value], ['why', why]]))
    announce(w.scoreSaved(value))
  }

  /** @param {string} roundKey */
  saveWhy (roundKey) {
    const entry = this.own.getMap('scores').get(roundKey)
    const why = this.why ? this.why.value.trim().slice(0, MAX_TEXT) : ''
    if (entry instanceof Y.Map) entry.set('why', why)
    announce(w.whySaved)
  }
}
