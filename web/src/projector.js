// The projector (/projector#<token>): one room's board on the wall, read-only, in large calm type.
// People appear by first name or role only. Until the room is locked it shows how to join.
// The token stays in the fragment, which browsers never send to a server.

import * as Y from 'yjs'
import { api, ApiError, imageWithToken } from './api.js'
import { byId, every, fill, groupCode, h, setText } from './dom.js'
import { t, translatePage } from './i18n.js'
import { roleLabel } from './labels.js'
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
  const boardView = h('div', { class: 'board-view' })
  fill(view,
    h('header', { class: 'wall-head' }, h('div', { class: 'wall-who' }, title, here), joinPanel),
    boardView,
    fullscreen)

  /** @type {() => void} */
  let stopPolling = () => {}
  const board = new Y.Doc()
  const provider = new KringProvider(window.location.origin, { projector: token }, board, { follow: false, presence: false })
  // A wall is seen by anyone who walks in or takes a photo: what the facilitator marked sensitive stays
  // on the phones and the console.
  showBoard(boardView, board, { style: 'wall', level: 2, allCategories: true, hideSensitive: true })
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

start()
