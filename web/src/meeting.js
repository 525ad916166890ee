// The meeting console (/console/meetings/{id}): every room of the meeting side by side, the
// meeting-wide switches (admit everyone with the code, close). Asks the API for the people when a
// room's connection says they changed, and every 15 s in case a notice was missed; each room's
// board is live over its own connection.

import { api, ApiError, toLogin } from './api.js'
import { announce, byId, every, fill, h, setSwitch, showError, switchButton } from './dom.js'
import { t, translatePage, withLang } from './i18n.js'
import { j } from './journalwords.js'
import './langswitch.js'
import { RoomColumn } from './roomcolumn.js'
import { ChildTools } from './childtools.js'
import { ProgressPanel } from './progress.js'
import { facilitator, wireConsoleBar } from './session.js'

// Only a fallback: someone waiting, let in or removed is pushed over the rooms' connections.
const FALLBACK_POLL_MS = 15000

translatePage()
wireConsoleBar()

const main = byId('main')
const root = byId('meeting')
const meetingId = main.dataset.meeting || ''
const path = `/api/meetings/${encodeURIComponent(meetingId)}`

/**
 * @typedef {{id: string, title: string, status: 'open' | 'closed', admit_all: boolean, case_id: string,
 *   rooms: import('./roomcolumn.js').Room[], join_local_only: boolean}} Meeting
 */

/** @type {Map<string, RoomColumn>} */
const columns = new Map()
/** @type {Map<string, ChildTools>} the Three Houses of each room, below its column's board */
const childTools = new Map()
/** @type {Meeting | null} */
let current = null
/** @type {{admitAll: HTMLButtonElement, closeArea: HTMLElement, closedNotice: HTMLElement, deleteArea: HTMLElement, title: HTMLElement} | null} */
let head = null

/**
 * @param {Meeting} meeting
 * @param {number} facilitatorId
 */
function build (meeting, facilitatorId) {
  const admitAll = switchButton({
    label: t.admitAll,
    checked: meeting.admit_all,
    onchange: async (on) => {
      try {
        show(await api('PATCH', path, { admit_all: on }))
        announce(t.announceAdmitAll(on))
      } catch (err) {
        failed(err)
      }
    }
  })
  admitAll.setAttribute('aria-describedby', 'admit-all-hint')
  const closeArea = h('div', { class: 'close-area' })
  const deleteArea = h('div', { class: 'delete-area' })
  const closedNotice = h('div', { class: 'notice', hidden: true }, h('p', { text: t.meetingIsClosed }), deleteArea)
  const title = h('h1', { tabindex: '-1', text: meeting.title })
  head = { admitAll, closeArea, closedNotice, deleteArea, title }
  drawCloseButton()

  const grid = h('div', { class: 'rooms', 'data-count': String(meeting.rooms.length) })
  for (const room of meeting.rooms) {
    const column = new RoomColumn({ meetingId, room, rooms: meeting.rooms, facilitatorId, changed: refresh })
    columns.set(room.id, column)
    // The facilitator's connection already follows the room's private document: the houses read it.
    const houses = new ChildTools({
      roomId: room.id,
      board: column.board,
      privateDoc: column.provider.doc('private'),
      base: `room-${room.id}`,
      meetingId,
      others: meeting.rooms.filter((r) => r.id !== room.id).map((r) => ({ id: r.id, name: r.name }))
    })
    childTools.set(room.id, houses)
    column.element.append(houses.element, new ProgressPanel({ roomId: room.id, base: `room-${room.id}` }).element)
    grid.append(column.element)
  }
  // The server's public address is this computer only: a phone that scans the QR code cannot get in.
  const joinUrl = meeting.rooms.map((r) => r.join_url).find(Boolean)
  const localOnly = meeting.join_local_only
    ? h('p', { class: 'notice local-only', role: 'status', text: t.localOnly(joinUrl ? new URL(joinUrl).host : window.location.host) })
    : null
  // A rule of the safety journal that did not hold this week, in any room: marked beside the title.
  const notKept = h('p', { class: 'journal-mark', role: 'status', hidden: true }, h('strong', { text: j.notKeptMark }))
  /** @type {Set<string>} */
  const flaggedRooms = new Set()
  grid.addEventListener('journal-flag', (event) => {
    const { room, flagged } = /** @type {CustomEvent<{room: string, flagged: boolean}>} */ (event).detail
    if (flagged) flaggedRooms.add(room)
    else flaggedRooms.delete(room)
    notKept.hidden = flaggedRooms.size === 0
  })
  fill(root,
    h('header', { class: 'meeting-head' },
      h('a', { class: 'back', href: withLang('/console'), text: t.backToCases }),
      title,
      notKept,
      h('div', { class: 'meeting-switches' },
        h('div', { class: 'switch-field' }, admitAll, h('p', { class: 'hint', id: 'admit-all-hint', text: t.admitAllHint })),
        closeArea)),
    localOnly,
    closedNotice,
    grid)
  main.removeAttribute('aria-busy')
  document.title = `Kring · ${meeting.title}`
}

function drawCloseButton () {
  if (!head) return
  fill(head.closeArea, h('button', {
    type: 'button',
    class: 'secondary danger',
    id: 'close-meeting',
    text: t.closeMeeting,
    onclick: () => askToClose()
  }))
}

function askToClose () {
  if (!head) return
  const no = h('button', { type: 'button', class: 'quiet', text: t.cancel, onclick: () => { drawCloseButton(); byId('close-meeting').focus() } })
  const yes = h('button', { type: 'button', class: 'danger', id: 'close-yes', text: t.closeYes, onclick: () => closeMeeting() })
  fill(head.closeArea, h('div', { class: 'confirm', role: 'group', 'aria-labelledby': 'close-question' },
    h('p', { id: 'close-question', text: t.closeConfirm }),
    h('div', { class: 'row' }, yes, no)))
  no.focus()
}

function drawDeleteButton () {
  if (!head) return
  fill(head.deleteArea, h('button', { type: 'button', class: 'secondary danger', id: 'delete-meeting', text: t.deleteNow, onclick: () => askToDelete() }))
}

function askToDelete () {
  if (!head) return
  const no = h('button', { type: 'button', class: 'quiet', text: t.cancel, onclick: () => { drawDeleteButton(); byId('delete-meeting').focus() } })
  const yes = h('button', { type: 'button', class: 'danger', id: 'delete-yes', text: t.deleteYes, onclick: () => deleteMeeting() })
  fill(head.deleteArea, h('div', { class: 'confirm', role: 'group', 'aria-labelledby': 'delete-question' },
    h('p', { id: 'delete-question', text: t.deleteConfirm }),
    h('div', { class: 'row' }, yes, no)))
  no.focus()
}

async function deleteMeeting () {
  try {
    await api('POST', `${path}/delete`, {})
    announce(t.announceDeleted)
    window.location.assign(withLang('/console'))
  } catch (err) {
    failed(err)
  }
}

async function closeMeeting () {
  try {
    show(await api('POST', `${path}/close`))
    announce(t.announceClosed)
    if (head) head.title.focus()
  } catch (err) {
    failed(err)
  }
}

/** @param {Meeting} meeting */
function show (meeting) {
  current = meeting
  const closed = meeting.status === 'closed'
  if (head) {
    setSwitch(head.admitAll, meeting.admit_all)
    head.admitAll.disabled = closed
    head.closedNotice.hidden = !closed
    if (closed && !head.deleteArea.firstChild) drawDeleteButton()
    head.closeArea.hidden = closed
  }
  for (const room of meeting.rooms) {
    const column = columns.get(room.id)
    if (column) column.update(room, closed)
    const houses = childTools.get(room.id)
    if (houses) houses.setClosed(closed)
  }
}

/** @param {unknown} err */
function failed (err) {
  if (err instanceof ApiError && err.status === 401) return toLogin()
  showError(err instanceof Error ? err.message : t.somethingWrong)
}

/** @type {Promise<void> | null} the refresh under way */
let refreshing = null
let again = false

/** Several notices at once (one per room, a burst of joins) make one request, plus one after it. */
function refresh () {
  if (refreshing) {
    again = true
    return refreshing
  }
  refreshing = (async () => {
    do {
      again = false
      try {
        show(await api('GET', path))
        showError(null)
      } catch (err) {
        failed(err)
      }
    } while (again)
    refreshing = null
  })()
  return refreshing
}

async function start () {
  const me = await facilitator()
  /** @type {Meeting} */
  let meeting
  try {
    meeting = await api('GET', path)
  } catch (err) {
    failed(err)
    main.removeAttribute('aria-busy')
    return
  }
  build(meeting, me.id)
  show(meeting)
  const waiting = meeting.rooms.flatMap((r) => r.participants.filter((p) => p.status === 'waiting').map((p) => t.announceWaiting(p.name, r.name)))
  if (waiting.length) announce(waiting.join(' '))
  // Closed meetings no longer change.
  let stopPolling = () => {}
  stopPolling = every(async () => {
    if (current && current.status === 'closed') return stopPolling()
    await refresh()
  }, FALLBACK_POLL_MS)
}

window.addEventListener('pagehide', () => {
  for (const houses of childTools.values()) houses.destroy()
  for (const column of columns.values()) column.destroy()
})
window.addEventListener('pageshow', (event) => {
  if (event.persisted) window.location.reload()
})

start().catch(failed)
