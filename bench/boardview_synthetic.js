// The same board drawn three ways, to choose a view library by what it costs (bench/boardview.py):
// 'dom' builds every card anew on each change (what the board view did before), 'lit' (lit-html's
// repeat) and 'preact' (Preact + htm, bench/boardview_preact.js) keep each card by its key and touch
// what changed. The cards have the real view's shape: text, who, marks, three mark buttons; rules
// with their fields.

import * as Y from 'yjs'
import { html, render } from 'lit-html'
import { repeat } from 'lit-html/directives/repeat.js'
import { fill, h } from '../web/src/dom.js'
import { frameworkOf, marksOf, rulesOf } from '../web/src/boarddata.js'

export const KINDS = ['agree', 'disagree', 'unsure']

/** @param {Y.Doc} board */
export function snapshot (board) {
  const marks = marksOf(board)
  return {
    items: frameworkOf(board).map((i) => ({ key: i.key, text: i.text, by: i.by, category: i.category, marks: [...(marks.get(i.key) || new Map())].map(([pid, kind]) => `${kind}: ${pid}`) })),
    rules: rulesOf(board).map((r) => ({ key: r.key, text: r.text, status: r.status, when: r.when, check: r.check, checkBy: r.checkBy }))
  }
}

/** @typedef {ReturnType<typeof snapshot>} Snapshot */

/** @param {Snapshot} s */
function domBoard (s) {
  return [
    h('ul', { class: 'cards' }, s.items.map((i) => h('li', { class: 'card', 'data-key': i.key },
      h('div', { class: 'card-body' },
        h('span', { class: 'card-text', text: i.text }),
        h('p', { class: 'card-meta' }, h('span', { class: 'card-by', text: i.by })),
        i.marks.length ? h('ul', { class: 'marks' }, i.marks.map((m) => h('li', { text: m }))) : null,
        h('div', { class: 'mark-buttons' }, KINDS.map((k) => h('button', { type: 'button', text: k }))))))),
    h('ul', { class: 'cards' }, s.rules.map((r) => h('li', { class: 'card rule', 'data-key': r.key },
      h('div', { class: 'card-body' },
        h('p', { class: 'rule-head' }, h('span', { class: 'card-text', text: r.text }), h('span', { class: 'pill', text: r.status })),
        h('dl', {}, [r.when, r.check, r.checkBy].map((v) => h('div', {}, h('dt', { text: 'veld' }), h('dd', { text: v }))))))))
  ]
}

/** @param {Snapshot} s */
function litBoard (s) {
  return html`<ul class="cards">${repeat(s.items, (i) => i.key, (i) => html`<li class="card" data-key=${i.key}><div class="card-body">
    <span class="card-text">${i.text}</span>
    <p class="card-meta"><span class="card-by">${i.by}</span></p>
    ${i.marks.length ? html`<ul class="marks">${i.marks.map((m) => html`<li>${m}</li>`)}</ul>` : null}
    <div class="mark-buttons">${KINDS.map((k) => html`<button type="button">${k}</button>`)}</div>
  </div></li>`)}</ul>
  <ul class="cards">${repeat(s.rules, (r) => r.key, (r) => html`<li class="card rule" data-key=${r.key}><div class="card-body">
    <p class="rule-head"><span class="card-text">${r.text}</span><span class="pill">${r.status}</span></p>
    <dl>${[r.when, r.check, r.checkBy].map((v) => html`<div><dt>veld</dt><dd>${v}</dd></div>`)}</dl>
  </div></li>`)}</ul>`
}

/**
 * @param {string} variant
 * @param {HTMLElement} container
 * @param {Y.Doc} board
 */
export function synthetic (variant, container, board) {
  const preact = /** @type {any} */ (window).preactBoard
  if (variant === 'preact' && !preact) throw new Error('Preact is not built in: npm install --no-save preact htm in web/')
  const draw = () => {
    const s = snapshot(board)
    if (variant === 'dom') fill(container, domBoard(s))
    else if (variant === 'lit') render(litBoard(s), container)
    else preact(s, container)
  }
  let queued = false
  const later = () => {
    if (queued) return
    queued = true
    queueMicrotask(() => { queued = false; draw() })
  }
  const roots = ['framework', 'agreements', 'marks'].map((name) => board.getMap(name))
  for (const root of roots) root.observeDeep(later)
  draw()
  return () => { for (const root of roots) root.unobserveDeep(later) }
}
