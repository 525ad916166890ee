// A child's phone (/board for someone who joined as "kind"): the child view. It reads the `child`
// document the server derives from the board (server/rooms/childdoc.py): the plan's rules in the
// words written for children, and the Three Houses entries shown to this room. The board itself, with
// the danger statements, the harm and the rules in adults' words, never reaches this phone; the
// facilitator can switch an older young person (16+) to the full board, and the page then starts
// again with phone.js's own board. The one thing a child writes from here is its own safety score
// while a scaling round is open: into its own document p.<pid> (actions/participant.js `score`), the
// only write the server allows a child; the round's question and others' scores never come here.

import * as Y from 'yjs'
import { h } from './dom.js'
import { t } from './i18n.js'
import { w } from './boardwords.js'
import { c } from './childwords.js'
import { textOf } from './boarddata.js'
import { KringProvider } from './provider.js'
import { childBoard } from './childview.js'
import { html, nothing, render, repeat } from './view.js'
import * as act from './actions/participant.js'

/**
 * @param {object} options
 * @param {HTMLElement} options.view where the page draws
 * @param {HTMLElement} options.statusEl the connection's state at the top
 * @param {string} options.roomId
 * @param {string} options.pid this child's participant id (its own document holds its scores)
 * @param {() => void} options.leave
 * @param {(refusal: {code: string, message: string}) => void} options.ended the connection ended for good
 * @param {() => void} options.again start the page afresh
 * @returns {() => void} stops it and forgets the document
 */
export function childPhone ({ view, statusEl, roomId, pid, leave, ended, again }) {
  const doc = new Y.Doc()
  const provider = new KringProvider(window.location.origin, {}, doc, { name: 'child', follow: false, roomKey: roomId })
  const rules = doc.getMap('agreements')
  const poll = doc.getMap('poll')
  const own = provider.doc(`p.${pid}`)
  const scores = own.getMap('scores')
  const me = { board: doc, own, pid }
  /** @type {{round: string, value: number, state: 'waiting' | 'saved' | 'refused', n: number} | null} what became of the last score */
  let said = null
  let tries = 0
  const houses = childBoard(doc, { level: 2, photoSrc: (photo) => `/api/rooms/${encodeURIComponent(roomId)}/photos/${encodeURIComponent(photo)}` })
  const heading = h('h1', { tabindex: '-1', text: c.childViewTitle })
  const head = h('div', { class: 'phone-head' },
    heading,
    h('button', { type: 'button', class: 'secondary', id: 'leave', text: t.leave, onclick: () => leave() }))
  const shown = () => {
    /** @type {{key: string, text: string, order: number}[]} */
    const list = []
    rules.forEach((value, key) => {
      if (!(value instanceof Y.Map)) return
      const text = textOf(value.get('text'))
      if (text) list.push({ key, text, order: Number(value.get('order')) || 0 })
    })
    return list.sort((a, b) => a.order - b.order || (a.key < b.key ? -1 : 1))
  }
  /** @returns {string | null} the open round to score in: the latest, should there be more than one */
  const openRound = () => {
    /** @type {{key: string, order: number} | null} */
    let found = null
    poll.forEach((value, key) => {
      if (!(value instanceof Y.Map) || value.get('status') !== 'open') return
      const order = Number(value.get('order')) || 0
      if (!found || order > found.order || (order === found.order && key > found.key)) found = { key, order }
    })
    return found ? found.key : null
  }
  /** @param {string} round @param {number} value */
  const scoreIt = (round, value) => {
    const n = ++tries
    said = { round, value, state: 'waiting', n }
    draw()
    provider.change(() => act.score(me, round, value, '')).then((outcome) => {
      if (stopped || !said || said.n !== n) return
      said = { round, value, state: outcome.saved ? 'saved' : 'refused', n }
      draw()
    })
  }
  const scale = () => {
    const round = openRound()
    if (!round) return nothing
    const entry = scores.get(round)
    const chosen = entry instanceof Y.Map ? Number(entry.get('value')) : null
    const outcome = said && said.round === round ? said : null
    const line = outcome && outcome.state === 'refused'
      ? c.childScoreRefused
      : outcome && outcome.state === 'waiting'
        ? c.childScoreWaiting
        : chosen !== null && !Number.isNaN(chosen) ? c.childScoreChosen(chosen) : ''
    const numbers = Array.from({ length: 11 }, (_, n) => n)
    return html`<section class="phone-part child-score" aria-labelledby="child-score-title"><h2 id="child-score-title">${c.childScoreTitle}</h2>
<p class="child-score-ask" id="child-score-ask">${c.childScoreAsk}</p>
<div class="child-score-buttons" role="group" aria-labelledby="child-score-title" aria-describedby="child-score-ask">${repeat(numbers, (n) => n, (n) => html`<button type="button" class="child-score-button" data-value=${String(n)} aria-pressed=${String(chosen === n)} @click=${() => scoreIt(round, n)}>${String(n)}</button>`)}</div>
<div class="child-score-ends" aria-hidden="true"><span>${c.childScoreZero}</span><span>${c.childScoreTen}</span></div>
<p class="child-score-state" role="status" data-state=${outcome ? outcome.state : chosen !== null ? 'saved' : ''}>${line}</p></section>`
  }
  const page = () => {
    const list = shown()
    return html`${head}<p class="hint">${c.childViewHint}</p>${scale()}
<section class="phone-part child-rules" aria-labelledby="child-rules-title"><h2 id="child-rules-title">${c.childRulesTitle}</h2>
${list.length
    ? html`<ul class="child-rule-list">${repeat(list, (rule) => rule.key, (rule) => html`<li class="child-rule" dir="auto">${rule.text}</li>`)}</ul>`
    : html`<p class="empty">${c.childRulesEmpty}</p>`}</section>${houses.element}`
  }
  let queued = false
  let stopped = false
  const draw = () => {
    if (queued || stopped) return
    queued = true
    queueMicrotask(() => {
      queued = false
      if (!stopped) render(page(), view)
    })
  }
  rules.observeDeep(draw)
  poll.observeDeep(draw)
  scores.observeDeep(draw)
  render(page(), view)

  const showStatus = () => {
    const state = provider.ended ? 'offline' : provider.status === 'synced' ? 'saved' : provider.status
    statusEl.dataset.state = state
    statusEl.textContent = provider.ended ? '' : state === 'saved' ? t.live : state === 'offline' ? w.phoneOffline : t.connecting
  }
  provider.on('status', showStatus)
  provider.on('ended', (/** @type {{code: string, message: string}} */ refusal) => ended(refusal))
  // The server rebuilt the child document (a restart, another server): what it deleted since would
  // stay here, so the page starts afresh, as the projector does.
  provider.on('refused', (/** @type {{code: string}} */ refusal) => { if (refusal.code === 'rebuilt') again() })
  // A refused score stays in this copy of the child's own document and would take every later one down
  // with it: start afresh from the server's copy, once the refusal has been said (its promise first).
  provider.on('diverged', () => setTimeout(() => { if (!stopped) again() }, 1500))
  showStatus()
  heading.focus()
  return () => {
    stopped = true
    rules.unobserveDeep(draw)
    poll.unobserveDeep(draw)
    scores.unobserveDeep(draw)
    houses.stop()
    provider.destroy()
    doc.destroy()
  }
}
