// The projector (/projector#<token>): one room's board on the wall, read-only, in large calm type:
// the framework, the safety plan or the scaling question, as the facilitator chooses (meta.wall).
// People appear by first name or role only, and "here" lists who is connected now. Until the room
// is locked it shows how to join. It reads the room's `wall` document, which the server derives
// from the board with only what this screen may show (server/rooms/wall.py): no sensitive item or
// rule, no proposal, no score before the reveal. The token stays in the fragment, which browsers
// never send to a server.

import * as Y from 'yjs'
import { api, ApiError, imageWithToken } from './api.js'
import { byId, every, fill, groupCode, h, setText } from './dom.js'
import { t, translatePage } from './i18n.js'
import './langswitch.js'
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
const MIN_SCALE = 0.67
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
  // The room key lets a balancer put the wall on the process that hosts the room's phones.
  const provider = new KringProvider(window.location.origin, { projector: token }, board, { follow: false, presence: false, name: 'wall', roomKey: room.room_id })
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

  // Who is here now: the server lists who is connected to the room (`present`: participants by id,
  // any facilitator as "f:"), and the wall names them by first name or role from its `people`;
  // the server sends a projector no presence, which carries full names.
  const people = board.getMap('people')
  const present = board.getMap('present')
  const showHere = () => {
    /** @type {string[]} */
    const names = []
    present.forEach((role, key) => {
      const person = people.get(key)
      if (key === 'f:') names.push(roleLabel('facilitator'))
      else if (person instanceof Y.Map) names.push(wallName({ name: person.get('name'), role: person.get('relation') }))
      else names.push(wallName({ role: String(role) }))
    })
    here.hidden = !names.length
    setText(here, `${t.hereNow}: ${names.filter(Boolean).sort((a, b) => a.localeCompare(b)).join(', ')}`)
  }
  people.observeDeep(showHere)
  present.observeDeep(showHere)
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

// What a page turn of the scaling view may not cut: it breaks only between these.
const POLL_PARTS = '.scale-title, .scale-anchors, .scale-row, .scale-whys > li, .scale-question, .scale-instruction, .empty'
// Keys that turn the page by hand (a presenter's clicker sends these too).
const TURN_KEYS = /** @type {Record<string, number>} */ ({ ArrowRight: 1, PageDown: 1, ArrowLeft: -1, PageUp: -1 })

/**
 * Keep what the wall shows within the screen: first smaller type (never below MIN_SCALE, and the
 * CSS keeps every line at 22 px or more on a 1080p screen), and if it still does not fit, one page
 * at a time, turning every PAGE_MS, with "part n of m" in the corner. A page ends between cards,
 * never inside one: the board and the plan then flow through columns of the page's height, side
 * by side, which the browser fills card by card (a page is a screen's width of them); the scaling
 * view breaks between its parts. A card taller than a whole page is cut at the page's foot with a
 * visible "more" mark (`.wall-cut`), never silently.
 * @param {HTMLElement[]} views the board, plan and poll views (one shows at a time)
 * @param {HTMLElement} pager
 */
function fitToScreen (views, pager) {
  const root = document.documentElement
  let scale = 1
  let page = 0
  // Where each page starts in the shown view's content: left for columns side by side, else top.
  /** @type {number[]} */
  let starts = [0]
  let across = false
  let space = 0
  let total = 0
  /** @type {ReturnType<typeof setInterval> | undefined} */
  let turner
  let queued = false
  const shown = () => views.find((v) => !v.hidden)
  const content = (/** @type {HTMLElement} */ el) => /** @type {HTMLElement | null} */ (el.firstElementChild)
  // What is left below the view's top, less the page's own bottom padding (and a hair for rounding).
  const main = document.getElementById('main')
  const below = () => (main ? parseFloat(getComputedStyle(main).paddingBottom) || 0 : 0) + 2
  const room = (/** @type {HTMLElement} */ el) => window.innerHeight - el.getBoundingClientRect().top - below()
  const measure = () => {
    queued = false
    const el = shown()
    if (!el) return
    // Measure at full size, then step down: a board that lost items gets its big type back.
    for (const view of views) {
      view.style.height = ''
      const inner = content(view)
      if (inner) inner.style.transform = ''
    }
    for (const cut of el.querySelectorAll('.wall-cut')) cut.classList.remove('wall-cut')
    root.classList.remove('wall-paged')
    const before = starts.length
    starts = [0]
    scale = 1
    root.style.setProperty('--wall-scale', '1')
    // The join panel gives up room first: a smaller QR code still scans from a few metres.
    root.classList.remove('wall-dense')
    if (el.scrollHeight > room(el)) root.classList.add('wall-dense')
    while (el.scrollHeight > room(el) && scale > MIN_SCALE + 1e-9) {
      scale = Math.max(MIN_SCALE, Math.round((scale - SCALE_STEP) * 100) / 100)
      root.style.setProperty('--wall-scale', String(scale))
    }
    if (el.scrollHeight > room(el) + 1) paginate(el)
    page = Math.min(page, starts.length - 1)
    turn(el)
    // The turning keeps its beat through edits (a busy meeting changes the board every few seconds,
    // which would otherwise hold page 1 for good); it starts again only when the pages changed.
    if (starts.length !== before || (starts.length > 1) !== (turner !== undefined)) restart()
    if (head) headHeight = Math.round(head.getBoundingClientRect().height)
  }
  /** @param {HTMLElement} el */
  const paginate = (el) => {
    const inner = content(el)
    if (!inner) return
    root.classList.add('wall-paged')
    // The pager's line is kept free: it never covers a card.
    pager.hidden = false
    setText(pager, w.wallPage(1, 2))
    const top = el.getBoundingClientRect().top
    space = Math.max(Math.floor(Math.min(room(el), pager.getBoundingClientRect().top - top - 4)), 100)
    root.style.setProperty('--wall-page-h', `${space}px`)
    across = !el.classList.contains('wall-poll')
    if (across) {
      el.style.height = `${space}px`
      // A card the browser had to break over two columns is taller than a page: cut it, visibly.
      for (const card of el.querySelectorAll('.card')) {
        if (card.getClientRects().length > 1 || card.getBoundingClientRect().height > space + 1) {
          card.classList.add('wall-cut')
          card.setAttribute('data-wall-more', w.wallMore)
        }
      }
      const step = inner.getBoundingClientRect().width + (parseFloat(getComputedStyle(inner).columnGap) || 0)
      // As many pages as the columns that hold something (the last card's margin may open one more).
      const left = inner.getBoundingClientRect().left
      let count = 1
      for (const part of el.querySelectorAll('.card, .column-title, .category h3, .plan-section h3')) {
        count = Math.max(count, Math.floor((part.getBoundingClientRect().left - left + 1) / step) + 1)
      }
      starts = Array.from({ length: count }, (_, n) => n * step)
      return
    }
    for (const part of el.querySelectorAll(POLL_PARTS)) {
      if (part.getBoundingClientRect().height > space + 1) {
        part.classList.add('wall-cut')
        part.setAttribute('data-wall-more', w.wallMore)
      }
    }
    const origin = inner.getBoundingClientRect().top
    const boxes = [...el.querySelectorAll(POLL_PARTS)].map((part) => {
      const r = part.getBoundingClientRect()
      return [r.top - origin, r.bottom - origin]
    })
    total = el.scrollHeight
    let at = 0
    while (at + space < total - 1) {
      // Up to the page's foot, then back to the top of any part the foot would cut.
      let end = at + space
      for (let moved = true; moved;) {
        moved = false
        for (const [a, b] of boxes) {
          if (a > at + 0.5 && a < end - 0.5 && b > end + 0.5) { end = a; moved = true }
        }
      }
      if (end <= at + 0.5) end = at + space // nothing to break between (cannot happen once cut)
      starts.push(end)
      at = end
    }
  }
  /** @param {HTMLElement} el */
  const turn = (el) => {
    const inner = content(el)
    const at = starts[page] || 0
    if (inner) inner.style.transform = at ? (across ? `translateX(${-at}px)` : `translateY(${-at}px)`) : ''
    // Down the page, a page ends where the next begins: the top of a part it would cut stays hidden.
    if (!across && starts.length > 1) el.style.height = `${Math.min(space, (starts[page + 1] ?? total) - at)}px`
    pager.hidden = starts.length < 2
    setText(pager, starts.length > 1 ? w.wallPage(page + 1, starts.length) : '')
    root.dataset.wallPages = String(starts.length)
  }
  const restart = () => {
    clearInterval(turner)
    turner = starts.length > 1
      ? setInterval(() => { page = (page + 1) % starts.length; const el = shown(); if (el) turn(el) }, PAGE_MS)
      : undefined
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
  document.addEventListener('keydown', (event) => {
    const by = TURN_KEYS[event.key]
    const el = shown()
    if (!by || starts.length < 2 || !el || event.altKey || event.ctrlKey || event.metaKey) return
    event.preventDefault()
    page = (page + by + starts.length) % starts.length
    turn(el)
    restart()
  })
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
