// A phone's board (/board), once the facilitator let it in: the room's board live over a connection
// that the participant cookie authenticates, and what a person does with one thumb: mark items
// agree / disagree / not sure, suggest something, score the scaling question, claim a rule and see
// "my agreements". Leaving, being removed or the meeting closing wipes the board from the page;
// nothing was ever stored on the phone.

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

// Asking keeps the phone's short-lived sign-in alive through a long meeting, and notices a
// removal even if the connection missed it.
const KEEPALIVE_MS = 30000

translatePage()

const view = byId('view')
const statusEl = byId('status')

/** @type {{provider: KringProvider, board: Y.Doc, stopBoard: () => void, stopPolling: () => void, actions: PhoneActions, stopChild: () => void} | null} */
let live = null

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
 */
function connect (pid, roomId) {
  const board = new Y.Doc()
  const provider = new KringProvider(window.location.origin, {}, board)
  followLabelSet(board)
  const boardView = h('div', { class: 'board-view', id: 'board' })
  const heading = h('h1', { tabindex: '-1', text: t.boardTitle })
  const actions = new PhoneActions({ board, own: provider.doc(`p.${pid}`), pid })
  // What the child said or drew, as far as the facilitator put it on this room's board.
  const child = childBoard(board, { level: 2, photoSrc: (photo) => `/api/rooms/${encodeURIComponent(roomId)}/photos/${encodeURIComponent(photo)}` })
  fill(view,
    h('div', { class: 'phone-head' },
      heading,
      h('button', { type: 'button', class: 'secondary', id: 'leave', text: t.leave, onclick: () => leave() })),
    h('p', { class: 'hint', text: w.phoneHint }),
    actions.scalePanel,
    actions.mine,
    actions.proposeBox,
    boardView,
    child.element)
  const stopBoard = showBoard(boardView, board, { style: 'phone', level: 2, actions: (item) => actions.itemActions(item) })
  const stopPolling = every(keepAlive, KEEPALIVE_MS)
  live = { provider, board, stopBoard, stopPolling, actions, stopChild: child.stop }

  const showStatus = () => {
    const state = provider.ended ? 'offline' : provider.status === 'synced' ? 'saved' : provider.status
    statusEl.dataset.state = state
    setText(statusEl, provider.ended ? '' : state === 'saved' ? t.live : state === 'offline' ? t.offline : t.connecting)
  }
  provider.on('status', showStatus)
  provider.on('ended', async (refusal) => {
    if (refusal.code !== 'bad_auth') return ended(/** @type {Record<string, string>} */ (t.ended)[refusal.code] || t.ended.bad_auth)
    // A socket refused as a whole says little (removed while offline? expired?); the status says why.
    stop()
    try {
      await api('GET', '/api/join/status')
      ended(t.ended.bad_auth)
    } catch (err) {
      ended(err instanceof ApiError && err.status !== 0 ? reasonOf(err) : t.ended.bad_auth)
    }
  })
  showStatus()
  heading.focus()
}

async function keepAlive () {
  try {
    await api('GET', '/api/join/status')
  } catch (err) {
    if (err instanceof ApiError && err.status !== 0) ended(reasonOf(err))
  }
}

function stop () {
  if (!live) return
  live.stopPolling()
  live.stopBoard()
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
