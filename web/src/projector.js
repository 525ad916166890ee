// The projector (/projector#<token>): one room's board on the wall, read-only, in large calm type:
// the framework, the safety plan or the scaling question, as the facilitator chooses (meta.wall).
// People appear by first name or role only. Until the room is locked it shows how to join. It reads
// the room's `wall` document, which the server derives from the board with only what this screen
// may show (server/rooms/wall.py): no sensitive item or rule, no proposal, no score before the
// reveal. The token stays in the fragment, which browsers never send to a server.

import * as Y from 'yjs'
import { api, ApiError, imageWithToken } from './api.js'
import { byId, every, fill, groupCode, h, setText } from './dom.js'
import { t, translatePage } from './i18n.js'
import { followLabelSet, labels, onLabels, roleLabel } from './labels.js'
import { w } from './boardwords.js'
import { isolated, peopleOf, roundsOf } from './boarddata.js'
import { previousOf, roundTitle, scaleLine } from './scaleline.js'
import { KringProvider } from './provider.js'
import { showBoard } from './boardview.js'

const POLL_MS = 3000
// A board too long for the screen even in smaller type is shown a part at a time, this long each:
// calm enough to read from the back of the room.
const PAGE_MS = 12000
// Type is made smaller only down to this share of its full size: below it, the back row cannot read it.
const MIN_SCALE = 0.7
const SCALE_STEP = 0.05

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
  return isolated(first || roleLabel(user.role || ''))
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
  // In the header's own space, never floating over the board's text.
  const fullscreen = h('button', { type: 'button', class: 'wall-fullscreen secondary', text: t.fullscreen })
  fullscreen.addEventListener('click', () => document.documentElement.requestFullscreen().catch(() => {}))
  document.addEventListener('fullscreenchange', () => { fullscreen.hidden = Boolean(document.fullscreenElement) })
  const leftOut = h('div', { class: 'wall-left-out' })
  const localOnly = h('p', { class: 'notice local-only', role: 'status', hidden: true })
  const connection = h('p', { class: 'wall-connection', role: 'status', 'data-state': 'connecting', text: w.wallConnecting })
  const boardView = h('div', { class: 'board-view wall-board' })
  const planView = h('div', { class: 'board-view wall-plan', hidden: true })
  const pollView = h('div', { class: 'wall-poll', hidden: true })
  const pager = h('p', { class: 'wall-pager', hidden: true, 'aria-hidden': 'true' })
  fill(view,
    h('header', { class: 'wall-head' }, h('div', { class: 'wall-who' }, title, here, leftOut, connection, localOnly), joinPanel, fullscreen),
    boardView,
    planView,
    pollView,
    pager)

  /** @type {() => void} */
  let stopPolling = () => {}
  // A wall is seen by anyone who walks in or takes a photo: what the facilitator marked sensitive
  // stays on the phones and the console; the wall document holds only how many were left out.
  const board = new Y.Doc()
  const provider = new KringProvider(window.location.origin, { projector: token }, board, { follow: false, presence: false, name: 'wall' })
  showBoard(boardView, board, { style: 'wall', level: 2, allCategories: true, part: 'framework' })
  showBoard(planView, board, { style: 'wall', level: 2, part: 'plan' })
  followLabelSet(board)
  const leftOutOf = board.getMap('left_out')
  const showLeftOut = () => {
    // Which view shows decides whose count of left-out items the header gives.
    const root = !boardView.hidden ? 'framework' : !planView.hidden ? 'agreements' : null
    const n = root ? Number(leftOutOf.get(root)) || 0 : 0
    fill(leftOut, n > 0 ? h('p', { class: 'hidden-note', text: t.sensitiveHidden(n) }) : null)
  }
  leftOutOf.observe(showLeftOut)
  showWall(board, { boardView, planView, pollView }, showLeftOut)
  fitToScreen([boardView, planView, pollView], pager)
  // The wall keeps showing the last state it had, and says so, until the connection is back.
  const showConnection = () => {
    const state = provider.status === 'synced' ? 'live' : provider.status === 'offline' ? 'offline' : 'connecting'
    connection.dataset.state = state
    connection.hidden = state === 'live'
    setText(connection, state === 'offline' ? w.wallOffline : w.wallConnecting)
    document.documentElement.classList.toggle('wall-is-offline', state === 'offline')
  }
  provider.on('status', showConnection)
  showConnection()
  // The server rebuilt the wall (a restart, another server): what it deleted since would stay here.
  provider.on('refused', (refusal) => { if (refusal.code === 'rebuilt') window.location.reload() })
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
  /** @param {{name: string, join_code: string | null, join_url: string | null, locked: boolean, join_local_only: boolean}} info */
  const showRoom = async (info) => {
    setText(title, info.name)
    // Said on the wall too: the facilitator sees why the phones in the room cannot join.
    localOnly.hidden = !info.join_local_only
    if (info.join_local_only) setText(localOnly, t.localOnly(info.join_url ? new URL(info.join_url).host : window.location.host))
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

/**
 * Keep what the wall shows within the screen: first smaller type (never below MIN_SCALE), and if
 * it still does not fit, one part at a time, turning every PAGE_MS, with "part n of m" in the corner.
 * @param {HTMLElement[]} views the board, plan and poll views (one shows at a time)
 * @param {HTMLElement} pager
 */
function fitToScreen (views, pager) {
  const root = document.documentElement
  let scale = 1
  let page = 0
  let pages = 1
  /** @type {ReturnType<typeof setInterval> | undefined} */
  let turner
  let queued = false
  const shown = () => views.find((v) => !v.hidden)
  // What is left below the view's top, less the page's own bottom padding (and a hair for rounding).
  const main = document.getElementById('main')
  const below = () => (main ? parseFloat(getComputedStyle(main).paddingBottom) || 0 : 0) + 2
  const room = (/** @type {HTMLElement} */ el) => window.innerHeight - el.getBoundingClientRect().top - below()
  const measure = () => {
    queued = false
    const el = shown()
    if (!el) return
    // Measure at full size, then step down: a board that lost items gets its big type back.
    el.style.maxHeight = ''
    el.scrollTop = 0
    scale = 1
    root.style.setProperty('--wall-scale', '1')
    // The join panel gives up room first: a smaller QR code still scans from a few metres.
    root.classList.remove('wall-dense')
    if (el.scrollHeight > room(el)) root.classList.add('wall-dense')
    while (el.scrollHeight > room(el) && scale - SCALE_STEP >= MIN_SCALE - 1e-9) {
      scale = Math.round((scale - SCALE_STEP) * 100) / 100
      root.style.setProperty('--wall-scale', String(scale))
    }
    const space = Math.max(room(el), 100)
    pages = el.scrollHeight > space + 1 ? Math.ceil(el.scrollHeight / space) : 1
    el.style.maxHeight = pages > 1 ? `${space}px` : ''
    page = Math.min(page, pages - 1)
    turn(el, space)
    clearInterval(turner)
    turner = pages > 1 ? setInterval(() => { page = (page + 1) % pages; turn(el, space) }, PAGE_MS) : undefined
    if (head) headHeight = Math.round(head.getBoundingClientRect().height)
  }
  const turn = (/** @type {HTMLElement} */ el, /** @type {number} */ space) => {
    el.scrollTop = page * space
    pager.hidden = pages < 2
    setText(pager, pages > 1 ? w.wallPage(page + 1, pages) : '')
    root.dataset.wallPages = String(pages)
  }
  const later = () => {
    if (queued) return
    queued = true
    requestAnimationFrame(measure)
  }
  const watcher = new MutationObserver(later)
  for (const v of views) watcher.observe(v, { childList: true, subtree: true, characterData: true, attributes: true, attributeFilter: ['hidden'] })
  const head = document.querySelector('.wall-head')
  // Measuring changes the header's size itself (the join panel shrinks): only a change that is
  // still there afterwards (the room locked, someone joined) is a reason to measure again.
  let headHeight = -1
  if (head) {
    new ResizeObserver(() => {
      const now = Math.round(head.getBoundingClientRect().height)
      if (now !== headHeight) later()
    }).observe(head)
  }
  window.addEventListener('resize', later)
  later()
}

/**
 * The pairs' numbers as the server counted them over the whole board (a round may be about a pair
 * that is not on the wall), by item key.
 * @param {Y.Doc} wall
 */
function pairNumbersOf (wall) {
  /** @type {Map<string, number>} */
  const numbers = new Map()
  wall.getMap('poll').forEach((round) => {
    const pair = round instanceof Y.Map ? round.get('pair') : undefined
    const n = round instanceof Y.Map ? round.get('pair_number') : undefined
    if (typeof pair === 'string' && typeof n === 'number') numbers.set(pair, n)
  })
  return numbers
}

/** @type {{rounds: any[]} | null} */
let history = null
let historyAsked = false

/**
 * What the wall shows, as the facilitator chose in meta.wall: the board, the plan, or the latest
 * scaling round (open: how to answer; closed: waiting; revealed: every name on the line).
 * @param {Y.Doc} board
 * @param {{boardView: HTMLElement, planView: HTMLElement, pollView: HTMLElement}} views
 * @param {() => void} switched called when another view came up
 */
function showWall (board, { boardView, planView, pollView }, switched) {
  const meta = board.getMap('meta')
  const draw = () => {
    const shown = meta.get('wall')
    const rounds = roundsOf(board)
    const round = rounds[rounds.length - 1]
    const poll = shown === 'poll' && round !== undefined
    const before = [boardView.hidden, planView.hidden, pollView.hidden].join()
    boardView.hidden = poll || shown === 'plan'
    planView.hidden = shown !== 'plan'
    pollView.hidden = !poll
    if (before !== [boardView.hidden, planView.hidden, pollView.hidden].join()) switched()
    if (!poll || !round) return fill(pollView)
    const title = roundTitle(round, pairNumbersOf(board))
    if (round.status === 'revealed') {
      if (!historyAsked) {
        historyAsked = true
        api('GET', '/api/projector/history', undefined, bearer).then((found) => { history = found; draw() }).catch(() => {})
      }
      fill(pollView, scaleLine({ round, people: peopleOf(board), previous: previousOf(history, round), title, level: 2 }))
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
