// The room page (/r/{room}): a shared list, live for everyone in the room, and who is here.
// All text from the board or from other people is put in with textContent, never as HTML.

import * as Y from 'yjs'
import { KringProvider } from './provider.js'
import { t, translatePage } from './i18n.js'
import { byId } from './dom.js'
import { addListItem, removeListItem } from './actions/facilitator.js'

const MAX_ITEM_LENGTH = 2000
const LABEL_PREVIEW_LENGTH = 80


translatePage()

const main = /** @type {HTMLElement} */ (document.querySelector('main[data-room]'))
const statusEl = byId('status')
const presenceEl = byId('presence')
const form = /** @type {HTMLFormElement} */ (byId('add'))
const input = /** @type {HTMLInputElement} */ (byId('item'))
const list = byId('items')
const emptyEl = byId('empty')

const doc = new Y.Doc()
const items = /** @type {Y.Array<unknown>} */ (doc.getArray('items'))
const provider = new KringProvider(window.location.origin, { room: main.dataset.room || '' }, doc, { follow: false })
// A stand-in until the server hands out names (issue #3).
provider.awareness.setLocalState({ name: `Gast${Math.floor(1000 + Math.random() * 9000)}` })

// -- status -----------------------------------------------------------------------------------

let refusedSinceSaved = false

function showStatus () {
  const unsaved = provider.unsaved
  if (unsaved === 0) refusedSinceSaved = false
  /** @type {[string, string]} */
  let shown
  if (provider.ended) shown = ['offline', endedMessage(provider.ended.code)]
  else if (provider.status === 'offline') shown = ['offline', unsaved ? t.offlineUnsaved(unsaved) : t.offline]
  else if (provider.status === 'connecting') shown = ['connecting', t.connecting]
  else if (refusedSinceSaved) shown = ['refused', t.refused]
  else if (unsaved) shown = ['unsaved', t.unsaved(unsaved)]
  else shown = ['saved', t.saved]
  statusEl.dataset.state = shown[0]
  // Rewriting the same words would make screen readers announce them again.
  if (statusEl.textContent !== shown[1]) statusEl.textContent = shown[1]
}

/** @param {string} code */
function endedMessage (code) {
  return /** @type {Record<string, string>} */ (t.ended)[code] || t.ended.bad_auth
}

provider.on('status', showStatus)
provider.on('saved', showStatus)
// A refused change stays in this copy, and the server would refuse every later one with it: start
// over from the server's copy (the list holds nothing unsent once the refusal has been told).
provider.on('diverged', () => setTimeout(() => window.location.reload(), 1500))
provider.on('refused', (refusal) => {
  if (refusal && refusal.event === 'sync') {
    refusedSinceSaved = true
    showStatus()
  }
})
showStatus()

// -- presence ---------------------------------------------------------------------------------

function showPresence () {
  const count = provider.awareness.getStates().size
  presenceEl.dataset.count = String(count)
  presenceEl.textContent = t.presence(count)
}

provider.awareness.on('change', showPresence)
showPresence()

// -- the list ---------------------------------------------------------------------------------

/** @type {Map<string, HTMLLIElement>} */
let rendered = new Map()

/**
 * @param {string} text
 * @param {Y.RelativePosition | null} removable where the item sits, if it is ours to remove
 */
function itemElement (text, removable) {
  const li = document.createElement('li')
  li.className = 'item'
  const span = document.createElement('span')
  span.className = 'text'
  span.dir = 'auto' // isolates right-to-left text and stray direction overrides from the rest
  span.textContent = text
  li.append(span)
  if (removable) {
    const button = document.createElement('button')
    button.type = 'button'
    button.className = 'remove'
    button.textContent = t.remove
    button.setAttribute('aria-label', t.removeItem(preview(text)))
    button.addEventListener('click', () => removeItem(li, removable))
    li.append(button)
  }
  return li
}

/** @param {string} text */
function preview (text) {
  return text.length > LABEL_PREVIEW_LENGTH ? `${text.slice(0, LABEL_PREVIEW_LENGTH)}…` : text
}

function renderList () {
  const values = items.toArray()
  /** @type {Map<string, HTMLLIElement>} */
  const wanted = new Map()
  values.forEach((value, index) => {
    if (typeof value !== 'string') return // not something this view knows how to show
    // The id of the item's insert names it across edits and tells whose it is.
    const pos = Y.createRelativePositionFromTypeIndex(items, index)
    if (!pos.item) return
    const key = `${pos.item.client}:${pos.item.clock}`
    const own = pos.item.client === doc.clientID
    wanted.set(key, rendered.get(key) || itemElement(value, own ? pos : null))
  })
  // Drop what went first, then only move what must move: a moved element loses keyboard focus.
  for (const [key, li] of rendered) if (!wanted.has(key)) li.remove()
  let cursor = list.firstElementChild
  for (const li of wanted.values()) {
    if (li === cursor) cursor = cursor.nextElementSibling
    else list.insertBefore(li, cursor)
  }
  rendered = wanted
  emptyEl.hidden = wanted.size > 0
}

/**
 * @param {HTMLLIElement} li
 * @param {Y.RelativePosition} pos
 */
function removeItem (li, pos) {
  const at = Y.createAbsolutePositionFromRelativePosition(pos, doc)
  if (!at || at.type !== items) return
  const here = Y.createRelativePositionFromTypeIndex(items, at.index)
  // A position outlives its item; if it is gone already there is nothing to remove.
  if (!here.item || !pos.item || !Y.compareIDs(here.item, pos.item)) return
  const next = li.nextElementSibling || li.previousElementSibling
  removeListItem(doc, at.index)
  const nextButton = next && next.isConnected ? next.querySelector('button') : null
  ;(nextButton || input).focus()
}

items.observe(renderList)
renderList()

form.addEventListener('submit', (event) => {
  event.preventDefault()
  const text = input.value.trim().slice(0, MAX_ITEM_LENGTH)
  if (!text) return
  addListItem(doc, text)
  input.value = ''
  input.focus()
})

// -- leaving ----------------------------------------------------------------------------------

window.addEventListener('pagehide', () => {
  provider.destroy()
  doc.destroy()
})
// A page restored from the back-forward cache has a destroyed doc: load it afresh.
window.addEventListener('pageshow', (event) => {
  if (event.persisted) window.location.reload()
})
