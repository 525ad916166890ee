// The synthetic board of bench/boardview_synthetic.js in Preact + htm, built in only when both are
// installed (npm install --no-save preact htm in web/): measured against lit-html, not shipped.

import { h, render } from 'preact'
import htm from 'htm'

const html = htm.bind(h)
const KINDS = ['agree', 'disagree', 'unsure']

/** @param {{item: import('./boardview_synthetic.js').Snapshot['items'][number]}} props */
function Item ({ item }) {
  return html`<li class="card" data-key=${item.key}><div class="card-body">
    <span class="card-text">${item.text}</span>
    <p class="card-meta"><span class="card-by">${item.by}</span></p>
    ${item.marks.length ? html`<ul class="marks">${item.marks.map((m) => html`<li>${m}</li>`)}</ul>` : null}
    <div class="mark-buttons">${KINDS.map((k) => html`<button type="button">${k}</button>`)}</div>
  </div></li>`
}

/** @param {{rule: import('./boardview_synthetic.js').Snapshot['rules'][number]}} props */
function Rule ({ rule }) {
  return html`<li class="card rule" data-key=${rule.key}><div class="card-body">
    <p class="rule-head"><span class="card-text">${rule.text}</span><span class="pill">${rule.status}</span></p>
    <dl>${[rule.when, rule.check, rule.checkBy].map((v) => html`<div><dt>veld</dt><dd>${v}</dd></div>`)}</dl>
  </div></li>`
}

/** @param {import('./boardview_synthetic.js').Snapshot} s @param {HTMLElement} container */
function preactBoard (s, container) {
  render(html`<ul class="cards">${s.items.map((i) => html`<${Item} key=${i.key} item=${i} />`)}</ul>
    <ul class="cards">${s.rules.map((r) => html`<${Rule} key=${r.key} rule=${r} />`)}</ul>`, container)
}

/** @type {any} */ (window).preactBoard = preactBoard
