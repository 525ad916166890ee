// The projector (/projector#<token>): one room's board on the wall, read-only, in large calm type:
// the framework, the safety plan or the scaling question, as the facilitator chooses (meta.wall).
// People appear by first name or role only. Until the room is locked it shows how to join. Scores
// reach the wall only once revealed: before that they are in no document this screen receives.
// The token stays in the fragment, which browsers never send to a server.

import * as Y from 'yjs'
import { api, ApiError, imageWithToken } from './api.js'
import { byId, every, fill, groupCode, h, setText } from './dom.js'
import { t, translatePage } from './i18n.js'
import { followLabelSet, labels, onLabels, roleLabel } from './labels.js'
import { w } from './boardwords.js'
import { frameworkOf, peopleOf, roundsOf } from './boarddata.js'
import { pairNumbers } from './boardview.js'
import { previousOf, roundTitle, scaleLine } from './scaleline.js'
import { KringProvider } from './provider.js'
import { showBoard } from './boardview.js'

const POLL_MS = 3000

translatePage()

const view = byId('view')
const token = decodeURIComponent(window.location.hash.slice(1))
const bearer = { Authorization: `Bearer ${token}` }

/** @param {string} message */
function stopped (message) {
  fill(view, h('p', { class: 'projector-message', text: message }))
}

/**
 * What the wall may say about a person: a facilitator's role, a participant's first name (the
 * first word of what they typed), or their role if they typed nothing usable.
 * @param {{kind?: string, name?: string, role?: string}} user
 */
function wallName (user) {
  if (user.kind === 'facilitator') return roleLabel('facilitator')
  const first = typeof user.name === 'string' ? user.name.trim().split(/\s+/)[0] : ''
  return first || roleLabel(user.role || '')
}

async function start () {
  if (!token) return stopped(t.projectorNoToken)
  let room
  try {
    room = await api('GET', '/api/projector/room', undefined, bearer)
  } catch (err) {
    return stopped(err instanceof Error ? err.message : t.somethingWrong)
  }

  const title = h('h1', { class: 'wall-room', text: room.name })
  const here = h('p', { class: 'wall-here' })
  const qr = h('img', { class: 'wall-qr', alt: '', width: 240, height: 240 })
  const code = h('p', { class: 'wall-code' })
  const howTo = h('p', { class: 'wall-how' })
  const joinPanel = h('aside', { class: 'wall-join', 'aria-label': t.joinHere },
    qr, h('div', {}, h('p', { class: 'wall-join-title', text: t.joinHere }), code, howTo))
  const fullscreen = h('button', { type: 'button', class: 'wall-fullscreen quiet', text: t.fullscreen })
  fullscreen.addEventListener('click', () => document.documentElement.requestFullscreen().catch(() => {}))
  document.addEventListener('fullscreenchange', () => { fullscreen.hidden = Boolean(document.fullscreenElement) })
  const boardView = h('div', { class: 'board-view wall-board' })
  const planView = h('div', { class: 'board-view wall-plan', hidden: true })
  const pollView = h('div', { class: 'wall-poll', hidden: true })
  fill(view,
    h('header', { class: 'wall-head' }, h('div', { class: 'wall-who' }, title, here), joinPanel),
    boardView,
    planView,
    pollView,
    fullscreen)

  /** @type {() => void} */
  let stopPolling = () => {}
  const board = new Y.Doc()
  const provider = new KringProvider(window.location.origin, { projector: token }, board, { follow: false, presence: false })
  // A wall is seen by anyone who walks in or takes a photo: what the facilitator marked sensitive stays
  // on the phones and the console.
  showBoard(boardView, board, { style: 'wall', level: 2, allCategories: true, hideSensitive: true, part: 'framework' })
  showBoard(planView, board, { style: 'wall', level: 2, hideSensitive: true, part: 'plan' })
  followLabelSet(board)
  showWall(board, { boardView, planView, pollView })
  provider.on('ended', (refusal) => {
    stopPolling()
    stopped(/** @type {Record<string, string>} */ (t.ended)[refusal.code] || t.projectorNoToken)
  })

  // Who takes part comes from the board's list of admitted people (first names only): the server
  // sends a projector no presence, which carries full names.
  const people = board.getMap('people')
  const showHere = () => {
    const names = [roleLabel('facilitator')]
    people.forEach((person) => {
      if (person instanceof Y.Map) names.push(wallName({ name: person.get('name'), role: person.get('relation') }))
    })
    setText(here, `${t.hereNow}: ${names.filter(Boolean).sort((a, b) => a.localeCompare(b)).join(', ')}`)
  }
  people.observeDeep(showHere)
  showHere()

  /** @type {string | null} */
  let shownCode = null
  /** @param {{name: string, join_code: string | null, join_url: string | null, locked: boolean}} info */
  const showRoom = async (info) => {
    setText(title, info.name)
    joinPanel.hidden = info.locked || !info.join_code
    if (info.join_code && info.join_code !== shownCode) {
      shownCode = info.join_code
      setText(code, groupCode(info.join_code))
      // The address the QR code holds (the server's public one), not whatever this screen used.
      const site = info.join_url ? new URL(info.join_url).host : window.location.host
      setText(howTo, t.joinAt(`${site}/join`))
      const src = await imageWithToken('/api/projector/qr.svg', token)
      if (src) qr.src = src
    }
    if (!info.join_code) shownCode = null
  }
  await showRoom(room)

  stopPolling = every(async () => {
    try {
      await showRoom(await api('GET', '/api/projector/room', undefined, bearer))
    } catch (err) {
      if (err instanceof ApiError && err.status !== 0) {
        stopPolling()
        provider.destroy()
        stopped(err.message)
      }
    }
  }, POLL_MS)
}

/** @type {{rounds: any[]} | null} */
let history = null
let historyAsked = false

/**
 * What the wall shows, as the facilitator chose in meta.wall: the board, the plan, or the latest
 * scaling round (open: how to answer; closed: waiting; revealed: every name on the line).
 * @param {Y.Doc} board
 * @param {{boardView: HTMLElement, planView: HTMLElement, pollView: HTMLElement}} views
 */
function showWall (board, { boardView, planView, pollView }) {
  const meta = board.getMap('meta')
  const draw = () => {
    const shown = meta.get('wall')
    const rounds = roundsOf(board)
    const round = rounds[rounds.length - 1]
    const poll = shown === 'poll' && round !== undefined
    boardView.hidden = poll || shown === 'plan'
    planView.hidden = shown !== 'plan'
    pollView.hidden = !poll
    if (!poll || !round) return fill(pollView)
    const title = roundTitle(round, pairNumbers(frameworkOf(board)))
    if (round.status === 'revealed') {
      if (!historyAsked) {
        historyAsked = true
        api('GET', '/api/projector/history', undefined, bearer).then((found) => { history = found; draw() }).catch(() => {})
      }
      fill(pollView, scaleLine({ round, people: peopleOf(board), previous: previousOf(history, round, rounds), title, level: 2 }))
      return
    }
    fill(pollView,
      h('section', { class: 'scale scale-waiting' },
        h('h2', { class: 'scale-title', dir: 'auto', text: `${w.scaleTitle}: ${title}` }),
        h('p', { class: 'scale-question', text: labels.scale.question }),
        h('p', { class: 'scale-instruction', text: round.status === 'open' ? w.roundOpenWall : w.roundClosedWall })))
  }
  for (const root of ['meta', 'poll', 'people', 'framework']) board.getMap(root).observeDeep(draw)
  onLabels(draw)
  draw()
}

start()
