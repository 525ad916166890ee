// A phone's board (/board), once the facilitator let it in: the room's board live over a connection
// that the participant cookie authenticates, and what a person does with one thumb: mark items
// agree / disagree / not sure, suggest something, score the scaling question, claim a rule and see
// "my agreements". Leaving, being removed or the meeting closing wipes the board from the page;
// nothing was ever stored on the phone.
//
// The page follows the meeting: first what is asked of this person now (the open scaling question,
// a rule that names them), then the board, the plan with their agreements, their suggestions, with
// jump links between them; the connection's state stays in view at the top however long the board.

import * as Y from 'yjs'
import { api, ApiError } from './api.js'
import { announce, byId, every, fill, h, setText } from './dom.js'
import { t, translatePage, withLang } from './i18n.js'
import './langswitch.js'
import { w } from './boardwords.js'
import { KringProvider } from './provider.js'
import { showBoard } from './boardview.js'
import { followLabelSet } from './labels.js'
import { PhoneActions } from './phoneactions.js'
import { childBoard } from './childview.js'
import { childPhone } from './childphone.js'
import { html, render } from './view.js'

// Asking keeps the phone's short-lived sign-in alive through a long meeting, and notices a
// removal even if the connection missed it.
const KEEPALIVE_MS = 30000

translatePage()

const view = byId('view')
const statusEl = byId('status')
// The top bar stays on screen (see "phone: what is happening" in kring.css), and the page's jump
// targets land below it.
statusEl.closest('header')?.classList.add('topbar-sticky')
document.documentElement.classList.add('phone-page')
statusEl.setAttribute('aria-live', 'polite')

/** @type {{provider: KringProvider, board: Y.Doc, stopBoard: () => void, stopPlan: () => void, stopPolling: () => void, actions: PhoneActions, stopChild: () => void} | null} */
let live = null
/** @type {(() => void) | null} a child's phone: the child view instead (childphone.js) */
let stopChildPhone = null

async function start () {
  let status
  try {
    status = await api('GET', '/api/join/status')
  } catch (err) {
    return ended(err instanceof ApiError ? reasonOf(err) : t.somethingWrong)
  }
  if (status.status !== 'admitted') {
    window.location.replace(withLang('/join?waiting=1'))
    return
  }
  if (status.child_view) {
    const again = () => { stop(); start() }
    const stopView = childPhone({ view, statusEl, roomId: String(status.room_id || ''), pid: String(status.participant_id || ''), leave, ended: onEnded, again })
    const stopPolling = every(keepAlive, KEEPALIVE_MS)
    stopChildPhone = () => { stopPolling(); stopView() }
    return
  }
  connect(String(status.participant_id || ''), String(status.room_id || ''))
}

/** @param {ApiError} err */
function reasonOf (err) {
  if (err.code === 'removed') return t.ended.removed
  if (err.code === 'room_closed') return t.ended.room_closed
  if (err.code === 'not_joined') return t.notJoined
  if (err.code === 'expired') return t.expired
  return err.message
}

/**
 * @param {string} pid this phone's participant id
 * @param {string} roomId
 * @param {Map<string, import('./phoneactions.js').Said>} [outcomes] what the page said before
 *   it started over
 */
function connect (pid, roomId, outcomes) {
  const board = new Y.Doc()
  const provider = new KringProvider(window.location.origin, {}, board, { roomKey: roomId })
  followLabelSet(board)
  const boardView = h('div', { class: 'board-view' })
  const planView = h('div', { class: 'board-view plan-view' })
  const heading = h('h1', { tabindex: '-1', text: t.boardTitle })
  const actions = new PhoneActions({ board, own: provider.doc(`p.${pid}`), pid, provider, outcomes })
  // What the child said or drew, as far as the facilitator put it on this room's board.
  const child = childBoard(board, { level: 3, photoSrc: (photo) => `/api/rooms/${encodeURIComponent(roomId)}/photos/${encodeURIComponent(photo)}` })
  const head = h('div', { class: 'phone-head' },
    heading,
    h('button', { type: 'button', class: 'secondary', id: 'leave', text: t.leave, onclick: () => leave() }))
  /** @param {string} id @param {string} text */
  const jump = (id, text) => html`<li><a href=${`#${id}`} @click=${(/** @type {Event} */ e) => jumpTo(e, id)}>${text}</a></li>`
  // Kept by lit-html: the same elements each time, so a redraw loses no focus, typing or scroll.
  const page = () => html`${head}<p class="hint">${w.phoneHint}</p>
<nav class="phone-nav" aria-label=${w.phoneNav}><ul>${jump('now', w.phoneNavNow)}${jump('board-part', w.phoneNavBoard)}${jump('plan', w.phoneNavPlan)}${jump('suggest', w.phoneNavSuggest)}</ul></nav>
<section class="phone-part phone-now" id="now" aria-labelledby="now-title"><h2 id="now-title" tabindex="-1">${w.phoneNowTitle}</h2>${actions.now()}</section>
<div id="board">
<section class="phone-part" id="board-part" aria-labelledby="board-part-title"><h2 id="board-part-title" tabindex="-1">${w.phoneBoardTitle}</h2>${boardView}${child.element}</section>
<section class="phone-part" id="plan" aria-labelledby="plan-title"><h2 id="plan-title" tabindex="-1">${w.planTitle}</h2>${actions.mine}${planView}</section>
</div>
<section class="phone-part" id="suggest" aria-labelledby="suggest-title"><h2 id="suggest-title" tabindex="-1">${w.myProposals}</h2>${actions.proposeBox}${actions.myProposals}</section>`
  let queued = false
  const draw = () => {
    if (queued || !live) return
    queued = true
    queueMicrotask(() => {
      queued = false
      if (live) render(page(), view)
    })
  }
  const cardActions = (/** @type {import('./boardview.js').BoardItem} */ item) => actions.itemActions(item)
  const stopBoard = showBoard(boardView, board, { style: 'phone', level: 3, part: 'framework', actions: cardActions })
  const stopPlan = showBoard(planView, board, { style: 'phone', level: 3, part: 'plan', actions: cardActions })
  actions.redraw = () => { stopBoard.redraw(); stopPlan.redraw() }
  actions.changed = draw
  const stopPolling = every(keepAlive, KEEPALIVE_MS)
  live = { provider, board, stopBoard, stopPlan, stopPolling, actions, stopChild: child.stop }
  render(page(), view) // after a start over, into the same parts: lit-html keeps its markers there

  const showStatus = () => {
    const state = provider.ended ? 'offline' : provider.status === 'synced' ? 'saved' : provider.status
    statusEl.dataset.state = state
    setText(statusEl, provider.ended ? '' : state === 'saved' ? t.live : state === 'offline' ? w.phoneOffline : t.connecting)
  }
  provider.on('status', showStatus)
  // A refused change stays in this copy of the documents and would take every later change down
  // with it: start over from the server's, keeping what each action said (the refusal too). After
  // the outcome has been told: its promise settles before this timer runs.
  provider.on('diverged', () => setTimeout(() => {
    if (!live || live.provider !== provider) return
    const kept = new Map([...actions.outcomes].filter(([, outcome]) => outcome.state !== 'waiting'))
    const y = window.scrollY
    stop()
    connect(pid, roomId, kept)
    const again = /** @type {NonNullable<typeof live>} */ (live).provider
    const back = (/** @type {string} */ status) => {
      if (status !== 'synced') return
      again.off('status', back)
      // Once the fresh copy is drawn (the views draw in a microtask): stay where the person was.
      setTimeout(() => window.scrollTo(0, y), 0)
    }
    again.on('status', back)
  }, 0))
  provider.on('ended', onEnded)
  showStatus()
  heading.focus({ preventScroll: Boolean(outcomes) })
}

/** @param {{code: string, message: string}} refusal why the connection ended for good */
async function onEnded (refusal) {
  // The facilitator switched a child between the child view and the full board: start again with it.
  if (refusal.code === 'view_changed') {
    stop()
    return start()
  }
  if (refusal.code !== 'bad_auth') return ended(/** @type {Record<string, string>} */ (t.ended)[refusal.code] || t.ended.bad_auth)
  // A socket refused as a whole says little (removed while offline? expired?); the status says why.
  stop()
  try {
    await api('GET', '/api/join/status')
    ended(t.ended.bad_auth)
  } catch (err) {
    ended(err instanceof ApiError && err.status !== 0 ? reasonOf(err) : t.ended.bad_auth)
  }
}

async function keepAlive () {
  try {
    await api('GET', '/api/join/status')
  } catch (err) {
    if (err instanceof ApiError && err.status !== 0) ended(reasonOf(err))
  }
}

function stop () {
  if (stopChildPhone) stopChildPhone()
  stopChildPhone = null
  if (!live) return
  live.stopPolling()
  live.stopBoard()
  live.stopPlan()
  live.stopChild()
  live.actions.destroy()
  live.provider.destroy()
  live.board.destroy()
  live = null
}

async function leave () {
  stop()
  try {
    await api('DELETE', '/api/join')
  } catch {
    // No network: the sign-in runs out by itself; the page keeps nothing either way.
  }
  ended(t.left)
}

/**
 * A jump link moves the focus too, so a screen reader and the keyboard go on from the part chosen.
 * @param {Event} event
 * @param {string} id
 */
function jumpTo (event, id) {
  const heading = document.getElementById(`${id}-title`)
  if (!heading) return
  event.preventDefault()
  heading.scrollIntoView({ block: 'start' })
  heading.focus({ preventScroll: true })
}

/** @param {string} message */
function ended (message) {
  stop()
  statusEl.hidden = true
  const heading = h('h1', { tabindex: '-1', class: 'ended', text: message })
  fill(view, heading, h('a', { class: 'button wide', href: withLang('/join'), text: t.joinAgain }))
  heading.focus()
  announce(message)
}

window.addEventListener('pagehide', stop)
window.addEventListener('pageshow', (event) => {
  if (event.persisted) window.location.reload()
})

start()
