// A child's phone (/board for someone who joined as "kind"): the child view. It reads the `child`
// document the server derives from the board (server/rooms/childdoc.py): the plan's rules in the
// words written for children, and the Three Houses entries shown to this room. The board itself, with
// the danger statements, the harm and the rules in adults' words, never reaches this phone; the
// facilitator can switch an older young person (16+) to the full board, and the page then starts
// again with phone.js's own board. Read-only: a child changes nothing from here.

import * as Y from 'yjs'
import { h } from './dom.js'
import { t } from './i18n.js'
import { w } from './boardwords.js'
import { c } from './childwords.js'
import { textOf } from './boarddata.js'
import { KringProvider } from './provider.js'
import { childBoard } from './childview.js'
import { html, render, repeat } from './view.js'

/**
 * @param {object} options
 * @param {HTMLElement} options.view where the page draws
 * @param {HTMLElement} options.statusEl the connection's state at the top
 * @param {string} options.roomId
 * @param {() => void} options.leave
 * @param {(refusal: {code: string, message: string}) => void} options.ended the connection ended for good
 * @param {() => void} options.again start the page afresh
 * @returns {() => void} stops it and forgets the document
 */
export function childPhone ({ view, statusEl, roomId, leave, ended, again }) {
  const doc = new Y.Doc()
  const provider = new KringProvider(window.location.origin, {}, doc, { name: 'child', follow: false, roomKey: roomId })
  const rules = doc.getMap('agreements')
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
  const page = () => {
    const list = shown()
    return html`${head}<p class="hint">${c.childViewHint}</p>
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
  showStatus()
  heading.focus()
  return () => {
    stopped = true
    rules.unobserveDeep(draw)
    houses.stop()
    provider.destroy()
    doc.destroy()
  }
}
