// What a phone can do on the board: the controls for marks, claims, proposals and the score, and
// beside each thing acted on what became of it: waiting (sent or not, not yet stored), saved (the
// server's durable ack) or refused (with the reason in the person's words). What they write (only
// keys the server lets this person write) is in actions/participant.js.

import * as Y from 'yjs'
import { announce, fill, h, setText } from './dom.js'
import { CATEGORIES, categoryLabel, jargonIn, labels, onLabels } from './labels.js'
import { w } from './boardwords.js'
import { frameworkOf, marksOf, peopleOf, proposalsOf, roundsOf, rulesOf, claimsOf } from './boarddata.js'
import { pairNumbers } from './boardview.js'
import { html, nothing, repeat } from './view.js'
import { roundTitle, scaleLine } from './scaleline.js'
import * as act from './actions/participant.js'

const MAX_TEXT = 2000
const MARKS = /** @type {const} */ (['agree', 'disagree', 'unsure'])
// Refusals that say this action cannot be done (any more); others are a fault, said as such.
const ACTION_REFUSALS = new Set(['not_allowed', 'invalid_value'])

/** @typedef {'mark' | 'claim' | 'score' | 'propose' | 'withdraw'} Action */
/** @typedef {{state: 'waiting' | 'saved' | 'refused', text: string, n: number}} Said what the line beside an action says */

export class PhoneActions {
  /**
   * @param {object} options
   * @param {Y.Doc} options.board
   * @param {Y.Doc} options.own this person's own document (scores)
   * @param {string} options.pid
   * @param {import('./provider.js').KringProvider} options.provider what the server made of each change
   * @param {Map<string, Said>} [options.outcomes] what the page said before it started over
   */
  constructor ({ board, own, pid, provider, outcomes }) {
    this.board = board
    this.own = own
    this.pid = pid
    this.provider = provider
    /** @type {Map<string, Said>} by the thing acted on: `mark:<item>`, `claim:<rule>`, `score:<round>`… */
    this.outcomes = outcomes || new Map()
    /** @type {Map<string, string>} withdrawn proposals (gone from the board) and their text */
    this.withdrawn = new Map()
    /** Draws the board's cards again (the page sets it): their outcome lines changed. */
    this.redraw = () => {}
    /** Draws the page around these parts again (the page sets it): what is asked now changed. */
    this.changed = () => {}
    this.scalePanel = h('section', { class: 'phone-scale', id: 'scale', hidden: true, 'aria-labelledby': 'scale-title' })
    this.scoreState = h('p', { class: 'action-state score-state', hidden: true })
    this.mine = h('section', { class: 'my-rules', id: 'my-rules', 'aria-labelledby': 'my-rules-title' })
    this.myProposals = h('div', { class: 'my-proposals' })
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
    this.destroyed = true
  }

  // -- what became of each action -----------------------------------------------------------------

  /**
   * Make a change and show, at the thing acted on, that it waits until the server's durable ack
   * says saved, or its refusal says why not. A later action on the same thing speaks instead.
   * @param {string | null} key what was acted on; null: `<action>:<what write returns>` (a new key)
   * @param {Action} action
   * @param {() => string | void} write
   */
  follow (key, action, write) {
    let on = key || ''
    const change = this.provider.change(() => {
      const made = write()
      if (!on) on = `${action}:${made}`
    })
    const n = (this.outcomes.get(on)?.n || 0) + 1
    this.outcomes.set(on, { state: 'waiting', text: w.actionWaiting, n })
    change.then((outcome) => {
      if (this.destroyed || this.outcomes.get(on)?.n !== n) return
      if (outcome.saved) {
        this.outcomes.set(on, { state: 'saved', text: w.actionSaved, n })
      } else {
        const reasons = /** @type {Record<string, string>} */ (w.refusedBecause)
        const text = w.actionRefused(ACTION_REFUSALS.has(outcome.refusal.code) ? reasons[action] : reasons.fault)
        this.outcomes.set(on, { state: 'refused', text, n })
        announce(text)
      }
      this.showOutcome(on)
    })
    this.showOutcome(on)
  }

  /** @param {string} key */
  showOutcome (key) {
    if (key.startsWith('score:')) {
      const outcome = this.outcomes.get(key)
      this.scoreState.hidden = !outcome
      this.scoreState.dataset.state = outcome ? outcome.state : ''
      setText(this.scoreState, outcome ? outcome.text : '')
    } else if (key.startsWith('propose:') || key.startsWith('withdraw:')) {
      this.drawProposals()
    } else {
      this.redraw()
      this.changed()
    }
  }

  /**
   * The outcome line of a thing acted on, for a card drawn by the keyed view.
   * @param {string} key
   */
  outcomeLine (key) {
    const outcome = this.outcomes.get(key)
    return outcome ? html`<p class="action-state" data-state=${outcome.state}>${outcome.text}</p>` : nothing
  }

  /** @param {string} key */
  outcomeElement (key) {
    const outcome = this.outcomes.get(key)
    return outcome ? h('span', { class: 'action-state', 'data-state': outcome.state, text: outcome.text }) : null
  }

  // -- what is asked of this person now ----------------------------------------------------------

  /**
   * The rules that name this person (their first name in the rule) but are not theirs yet, asked,
   * or not: a bottom line is nobody's to claim.
   */
  namedRules () {
    const me = peopleOf(this.board).get(this.pid)
    const name = me ? me.name.trim() : ''
    if (!name) return []
    const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    // A word of its own, in any script: "Ann" names Ann, not Anna.
    const named = new RegExp(`(^|[^\\p{L}\\p{N}])${escaped}($|[^\\p{L}\\p{N}])`, 'iu')
    const claims = claimsOf(this.board)
    return rulesOf(this.board).filter((r) => r.section !== 'bottom_line' && !r.owners.includes(this.pid) &&
      !(claims.get(r.key) || []).includes(this.pid) && [r.text, r.when, r.check, r.checkBy].some((text) => named.test(text)))
  }

  /** What "asked of you now" holds: the scaling question while there is a round, and named rules. */
  now () {
    const rules = this.namedRules()
    return html`${this.scalePanel}${rules.length
      ? html`<ul class="cards phone-asks">${repeat(rules, (r) => r.key, (r) => html`<li class="card phone-ask" data-key=${r.key}><div class="card-body"><p class="ask-why">${w.phoneAskClaim}</p><span class="card-text" dir="auto">${r.text}</span>${this.claimActions(r, true)}</div></li>`)}</ul>`
      : nothing}${rules.length || !this.scalePanel.hidden ? nothing : html`<p class="empty">${w.phoneNowEmpty}</p>`}`
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
      >${w.marks[kind]}</button>`)}</div>${this.outcomeLine(`mark:${item.key}`)}`
  }

  /**
   * @param {string} itemKey
   * @param {string} kind
   * @param {boolean} again pressing the chosen mark once more takes it back
   */
  mark (itemKey, kind, again) {
    this.follow(`mark:${itemKey}`, 'mark', () => again ? act.unmark(this, itemKey) : act.mark(this, itemKey, kind))
    announce(again ? '' : w.announceMarked(/** @type {Record<string, string>} */ (w.marks)[kind]))
  }

  /**
   * Claiming a rule and taking the claim back is one button, so the focus stays on it.
   * @param {import('./boarddata.js').Rule} rule
   * @param {boolean} [asked] the button of "asked of you now", which goes once claimed: the focus
   *   goes to that part's heading instead of nowhere
   */
  claimActions (rule, asked = false) {
    if (rule.section === 'bottom_line' || rule.owners.includes(this.pid)) return null
    const claimed = (claimsOf(this.board).get(rule.key) || []).includes(this.pid)
    const key = `claim:${rule.key}`
    const unclaim = () => this.follow(key, 'claim', () => act.unclaim(this, rule.key))
    const claim = () => {
      this.follow(key, 'claim', () => act.claim(this, rule.key))
      announce(w.announceClaimed)
      if (asked) setTimeout(() => document.getElementById('now-title')?.focus(), 0)
    }
    return html`<div class=${claimed ? 'claim row' : 'claim'}>${claimed ? html`<span class="claim-waiting">${w.claimWaiting}</span>` : nothing}<button
      type="button" class=${claimed ? 'secondary' : 'claim-button'} @click=${claimed ? unclaim : claim}
      >${claimed ? w.unclaim : w.claim}</button></div>${this.outcomeLine(key)}`
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
      h('h3', { id: 'my-rules-title', text: w.myRules }),
      rules.length
        ? h('ul', { class: 'cards' }, rules.map((r) => h('li', { class: 'card my-rule', 'data-key': r.key },
          h('div', { class: 'card-body' },
            h('span', { class: 'card-text', dir: 'auto', text: r.text }),
            h('p', { class: 'card-meta' },
              h('span', { class: `pill status-pill status-${r.status}`, text: /** @type {Record<string, string>} */ (w.statuses)[r.status] }),
              r.owners.includes(this.pid) ? null : h('span', { class: 'claim-waiting', text: ` ${w.claimWaiting}` }))))))
        : h('p', { class: 'empty', text: w.myRulesEmpty }))
    this.changed()
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
      const proposals = this.board.getMap('proposals')
      const before = new Set(proposals.keys())
      // The new proposal's key is the one that was not there before: its line follows it.
      this.follow(null, 'propose', () => {
        act.propose(this, category.value, words)
        return [...proposals.keys()].find((key) => !before.has(key) && key.startsWith(`${this.pid}:`))
      })
      text.value = ''
      jargon.hidden = true
      announce(w.announceProposed)
    })
    return h('details', { class: 'propose-box' }, h('summary', { text: w.proposeTitle }), form)
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
    const withdrawn = [...this.withdrawn].filter(([key]) => !mine.some((p) => p.key === key))
    if (!mine.length && !withdrawn.length) return fill(this.myProposals)
    fill(this.myProposals,
      h('ul', { class: 'proposal-list' }, mine.map((p) => h('li', { class: `my-proposal proposal-${p.status}`, 'data-key': p.key },
        h('span', { class: 'card-text', dir: 'auto', text: p.text }),
        h('span', { class: `pill proposal-status`, text: w.proposalStatus[p.status] }),
        p.status === 'open'
          ? h('button', { type: 'button', class: 'quiet', 'aria-label': w.withdrawProposal(p.text), text: w.withdraw, onclick: () => this.withdraw(p.key, p.text) })
          : null,
        // A withdrawal refused (decided first) is said on the suggestion, back from the server.
        this.outcomeElement(this.outcomes.has(`withdraw:${p.key}`) ? `withdraw:${p.key}` : `propose:${p.key}`))),
      // Gone from the board here at once; whether the server took it back too is said here.
      withdrawn.map(([key, text]) => h('li', { class: 'my-proposal proposal-withdrawn', 'data-key': key },
        h('span', { class: 'card-text', dir: 'auto', text: w.withdrawn(text) }),
        this.outcomeElement(`withdraw:${key}`)))))
  }

  /**
   * @param {string} key
   * @param {string} text
   */
  withdraw (key, text) {
    this.withdrawn.set(key, text)
    this.follow(`withdraw:${key}`, 'withdraw', () => act.withdraw(this, key))
  }

  // -- the scaling question -----------------------------------------------------------------------

  drawScale () {
    this.drawRound()
    this.changed() // the round is what is asked now, or no longer
  }

  drawRound () {
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
    this.showOutcome(`score:${round.key}`)
    if (round.status === 'revealed') {
      fill(this.scalePanel, h('h3', { id: 'scale-title', class: 'visually-hidden', text: w.scaleTitle }),
        scaleLine({ round, people: peopleOf(this.board), previous: null, title, level: 4 }), this.scoreState)
      return
    }
    if (round.status === 'closed') {
      // A score refused because the round closed first says so here, where the buttons were.
      fill(this.scalePanel, h('h3', { id: 'scale-title', text: `${w.scaleTitle}: ${title}` }), h('p', { class: 'notice', text: w.roundClosedWait }), this.scoreState)
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
      h('h3', { id: 'scale-title', dir: 'auto', text: `${w.scaleTitle}: ${title}` }),
      h('p', { class: 'scale-question', text: labels.scale.question }),
      h('div', { class: 'score-buttons', role: 'group', 'aria-label': w.yourScore }, this.scoreButtons),
      h('div', { class: 'score-ends', 'aria-hidden': 'true' }, h('span', { text: labels.scale.zero }), h('span', { text: labels.scale.ten })),
      this.scoreNote,
      this.scoreState,
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
    const why = this.why ? this.why.value.trim().slice(0, MAX_TEXT) : ''
    this.follow(`score:${roundKey}`, 'score', () => act.score(this, roundKey, value, why))
    announce(w.scoreSaved(value))
  }

  /** @param {string} roundKey */
  saveWhy (roundKey) {
    const why = this.why ? this.why.value.trim().slice(0, MAX_TEXT) : ''
    this.follow(`score:${roundKey}`, 'score', () => act.explainScore(this, roundKey, why))
    announce(w.whySaved)
  }
}
