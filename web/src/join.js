// A phone joins (/join, also reached from the QR code's /j/<code>): the code, a name, who they
// are to the family; then wait until the facilitator lets them in, and on to the board. The page
// shows nothing of the meeting, not even the room's name, before that.

import { io } from 'socket.io-client'
import * as msgpackParser from 'socket.io-msgpack-parser'
import { api, ApiError } from './api.js'
import { announce, byId, every, fill, h } from './dom.js'
import { t, translatePage, withLang } from './i18n.js'
import './langswitch.js'
import { RELATIONS, relationLabel } from './labels.js'

// The let-in arrives over the waiting connection; asking the API is only the fallback for when
// that connection is down (and keeps the join token alive).
const FALLBACK_POLL_MS = 15000
// Refused for too many connections from this address (a crowd at one Wi-Fi): try again a bit later.
const THROTTLED_RETRY_MS = 5000

translatePage()

const view = byId('view')
const params = new URLSearchParams(window.location.search)
/** @type {() => void} stops both the waiting connection and the poll */
let stopPolling = () => {}

let leaving = false

function toBoard () {
  leaving = true
  stopPolling()
  window.location.replace(withLang('/board'))
}

function showForm () {
  stopPolling()
  const code = h('input', {
    id: 'code', name: 'code', inputmode: 'numeric', autocomplete: 'off', maxlength: 11,
    required: true, 'aria-describedby': 'code-hint', value: (params.get('code') || '').replace(/\D/g, '').slice(0, 8)
  })
  const name = h('input', { id: 'name', name: 'name', autocomplete: 'given-name', maxlength: 80, required: true, 'aria-describedby': 'name-hint' })
  const relation = h('select', { id: 'relation', name: 'relation', required: true },
    h('option', { value: '', text: t.relationChoose }),
    RELATIONS.map((r) => h('option', { value: r, text: relationLabel(r) })))
  const error = h('p', { id: 'error', class: 'error', role: 'alert', hidden: true })
  const submit = h('button', { type: 'submit', class: 'wide', text: t.joinButton })
  const form = h('form', { id: 'join', class: 'stack', novalidate: true },
    h('label', { for: 'code', text: t.codeLabel }),
    h('p', { class: 'hint', id: 'code-hint', text: t.codeHint }),
    code,
    h('label', { for: 'name', text: t.nameLabel }),
    h('p', { class: 'hint', id: 'name-hint', text: t.nameHint }),
    name,
    h('label', { for: 'relation', text: t.relationLabel }),
    relation,
    error,
    submit)
  fill(view, h('h1', { text: t.joinTitle }), form)

  /**
   * @param {HTMLElement | null} field
   * @param {string | null} text
   */
  const problem = (field, text) => {
    for (const el of [code, name, relation]) el.removeAttribute('aria-invalid')
    error.hidden = !text
    error.textContent = text || ''
    if (field) {
      field.setAttribute('aria-invalid', 'true')
      field.focus()
    }
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    const digits = code.value.replace(/[\s-]/g, '')
    if (!/^[0-9]{8}$/.test(digits)) return problem(code, t.codeInvalid)
    if (!name.value.trim()) return problem(name, t.nameMissing)
    if (!relation.value) return problem(relation, t.relationMissing)
    problem(null, null)
    submit.disabled = true
    try {
      const joined = await api('POST', '/api/join', { code: digits, name: name.value.trim(), relation: relation.value })
      if (joined.status === 'admitted') return toBoard()
      // A reload of this page must show the waiting screen again, not an empty form.
      window.history.replaceState(null, '', withLang('/join?waiting=1'))
      showWaiting()
    } catch (err) {
      const field = err instanceof ApiError && err.code === 'bad_name' ? name : err instanceof ApiError && err.code === 'bad_relation' ? relation : code
      problem(field, err instanceof Error ? err.message : t.somethingWrong)
    } finally {
      submit.disabled = false
    }
  })
  ;(code.value.length === 8 ? name : code).focus()
}

function showWaiting () {
  const heading = h('h1', { id: 'waiting-title', tabindex: '-1', text: t.waitingHeading })
  fill(view, h('section', { class: 'wait-screen', 'aria-labelledby': 'waiting-title' },
    h('div', { class: 'waiting-mark', 'aria-hidden': 'true' }),
    heading,
    h('p', { class: 'hint', text: t.waitingHint }),
    h('button', { type: 'button', class: 'secondary wide', id: 'stop', text: t.stopWaiting, onclick: () => leave() })))
  heading.focus()
  announce(t.waitingHeading)
  stopPolling()
  const stopListening = listen()
  const stopAsking = every(checkStatus, FALLBACK_POLL_MS)
  stopPolling = () => { stopListening(); stopAsking() }
}

/**
 * A connection of its own while waiting (docs/protocol.md, "Waiting to be let in"): the server
 * sends this phone's admission state on it, at connect and whenever it changes, and nothing else.
 * The join cookie rides along with the handshake.
 */
function listen () {
  const socket = io(`${window.location.origin}/waiting`, {
    transports: ['websocket'],
    parser: msgpackParser,
    auth: {},
    reconnectionDelay: 2000,
    reconnectionDelayMax: 10000,
    randomizationFactor: 1
  })
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let retry
  socket.on('admission', (/** @type {{status?: string}} */ data) => showStatus(data && data.status))
  socket.on('connect_error', (/** @type {Error & {data?: {code?: string}}} */ err) => {
    if (socket.active) return // a lost network: socket.io tries again by itself
    // Refused: too many connections wait and try again; anything else, the API says what happened.
    if (err.data && err.data.code === 'too_many_connections') {
      retry = setTimeout(() => socket.connect(), THROTTLED_RETRY_MS * (1 + Math.random()))
    } else {
      checkStatus()
    }
  })
  return () => {
    clearTimeout(retry)
    socket.disconnect()
  }
}

/** @param {string | undefined} status */
function showStatus (status) {
  if (leaving) return
  if (status === 'admitted') {
    announce(t.admittedGo)
    toBoard()
  } else if (status === 'removed') {
    showEnded(t.ended.removed)
  } else if (status === 'room_closed') {
    showEnded(t.ended.room_closed)
  }
}

async function checkStatus () {
  try {
    const status = await api('GET', '/api/join/status')
    showStatus(status.status)
  } catch (err) {
    if (!(err instanceof ApiError) || err.status === 0) return // the network; the next poll tries again
    showEnded(err.code === 'removed' ? t.ended.removed : err.code === 'room_closed' ? t.ended.room_closed : t.expired)
  }
}

async function leave () {
  stopPolling()
  try {
    await api('DELETE', '/api/join')
  } catch {
    // Gone already or no network: either way this phone keeps nothing.
  }
  showEnded(t.left)
}

/** @param {string} message */
function showEnded (message) {
  stopPolling()
  window.history.replaceState(null, '', withLang('/join'))
  const heading = h('h1', { tabindex: '-1', text: message })
  fill(view, heading, h('a', { class: 'button wide', href: withLang('/join'), text: t.joinAgain }))
  heading.focus()
}

if (params.get('waiting') === '1') {
  // Back on the waiting screen after a reload, unless the answer already moved on.
  checkStatus().then(() => {
    if (!view.firstChild && !leaving) showWaiting()
  })
} else {
  showForm()
}
