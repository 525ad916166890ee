// The board as people read it: framework items under their categories, in the framework's three
// columns, each with who raised it, its pair and everyone's marks; and the plan's rules in their
// sections, the bottom lines apart. Shared by the console (compact, with its controls), the phone
// (with mark buttons) and the projector. Reads the `board` Y.Doc; writes nothing itself.
//
// A keyed view: columns, sections and cards are kept by their key, and a change redraws only the
// values that differ, so the element someone is on (a focused button, a selection, an open editor,
// the scroll position) stays through other people's edits without being put back by hand.

import * as Y from 'yjs'
import { fill, h } from './dom.js'
import { html, nothing, render, repeat } from './view.js'
import { t } from './i18n.js'
import { COLUMNS, categoryLabel, labels, onLabels, roleLabel } from './labels.js'
import { w } from './boardwords.js'
import { claimsOf, frameworkOf, marksOf, nameOf, peopleOf, rulesOf, SECTIONS } from './boarddata.js'

/**
 * @typedef {object} BoardItem
 * @property {'framework' | 'agreements'} root
 * @property {string} key
 * @property {string} category
 * @property {string} text
 * @property {boolean} sensitive
 */

/**
 * @param {unknown} value a Y.Text, a string or anything else
 * @returns {string}
 */
function textOf (value) {
  if (value instanceof Y.Text) return value.toString()
  return typeof value === 'string' ? value : ''
}

/**
 * The items of one root, in key order: keys start with the time they were made, so every device
 * shows them in the same order (a map's own order is not the same everywhere).
 * @param {Y.Doc} board
 * @param {'framework' | 'agreements'} root
 * @returns {BoardItem[]}
 */
export function itemsOf (board, root) {
  /** @type {Y.Map<unknown>} */
  const map = board.getMap(root)
  /** @type {BoardItem[]} */
  const found = []
  for (const [key, value] of map.entries()) {
    if (!(value instanceof Y.Map)) continue
    const text = textOf(value.get('text'))
    if (!text) continue
    found.push({
      root,
      key,
      category: String(value.get('category') || ''),
      text,
      sensitive: value.get('sensitive') === true
    })
  }
  return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
}

export { newKey } from './boarddata.js'

/**
 * What a view puts on a card: a template, an element it keeps (the same element each time is left
 * where it is, so what was typed in it stays), or nothing.
 * @typedef {import('lit-html').TemplateResult | Node | null} CardPart
 */

/**
 * @typedef {object} BoardOptions
 * @property {'compact' | 'phone' | 'wall'} style
 * @property {number} level the heading level of a column (categories get one below)
 * @property {boolean} [allCategories] show empty categories too (the wall keeps its shape)
 * @property {boolean} [hideSensitive] leave out items marked sensitive, saying how many (the wall)
 * @property {'both' | 'framework' | 'plan'} [part] what to draw (both by default)
 * @property {HTMLElement} [noteIn] where to say how many sensitive items are left out (else below the board)
 * @property {(item: BoardItem) => CardPart} [extra] something to put in front of an item
 * @property {(item: BoardItem) => CardPart} [actions] controls to put under an item
 * @property {Y.Doc} [privateDoc] the room's `private` document: its facilitator-only items and
 *   rules are drawn in place among the others (the console)
 */

const BOARD_ROOTS = ['framework', 'agreements', 'marks', 'claims', 'people', 'meta']

/**
 * @typedef {(() => void) & {redraw: (focusKey?: string) => void}} BoardHandle stops drawing;
 *   `redraw` draws now (a view's own state changed, not the document) and moves the focus to the
 *   control whose data-focus-key is `focusKey` (one that drawing has just made, like an editor's field)
 */

/**
 * Draw the board into `container`, again on every change; returns a function that stops it.
 * @param {HTMLElement} container
 * @param {Y.Doc} board
 * @param {BoardOptions} options
 * @returns {BoardHandle}
 */
export function showBoard (container, board, options) {
  let queued = false
  // Several roots change in one transaction (accepting a proposal): draw once, after it.
  const later = () => {
    if (queued) return
    queued = true
    queueMicrotask(() => {
      queued = false
      drawBoard(container, board, options)
    })
  }
  const hidden = options.privateDoc
  const maps = [...BOARD_ROOTS.map((name) => board.getMap(name)), ...(hidden ? [hidden.getMap('framework'), hidden.getMap('agreements')] : [])]
  for (const map of maps) map.observeDeep(later)
  const stopLabels = onLabels(later)
  drawBoard(container, board, options)
  const stop = () => {
    for (const map of maps) map.unobserveDeep(later)
    stopLabels()
  }
  return Object.assign(stop, {
    redraw: (/** @type {string | undefined} */ focusKey) => {
      drawBoard(container, board, options)
      if (!focusKey) return
      const next = container.querySelector(`[data-focus-key="${CSS.escape(focusKey)}"]`)
      if (next instanceof HTMLElement) next.focus()
    }
  })
}

/**
 * A heading of the level asked for, h2 to h6 (a template's tag name is fixed, so one per level).
 * @param {number} level
 * @param {string} text
 * @param {string} [cls]
 */
function heading (level, text, cls) {
  const c = cls || nothing
  switch (Math.min(Math.max(level, 2), 6)) {
    case 2: return html`<h2 class=${c}>${text}</h2>`
    case 3: return html`<h3 class=${c}>${text}</h3>`
    case 4: return html`<h4 class=${c}>${text}</h4>`
    case 5: return html`<h5 class=${c}>${text}</h5>`
    default: return html`<h6 class=${c}>${text}</h6>`
  }
}

/**
 * The pairs' numbers, by item key: the danger statements with a pair in board order, 1, 2, 3.
 * @param {import('./boarddata.js').FrameworkItem[]} items
 */
export function pairNumbers (items) {
  /** @type {Map<string, number>} */
  const numbers = new Map()
  const keys = new Set(items.map((i) => i.key))
  let n = 0
  // The pairs everyone sees are numbered first, so "pair 2" is the same pair on the console, the
  // phones and the wall; the facilitator-only ones (the console's) follow.
  const everyone = items.filter((i) => i.level !== 'facilitator')
  for (const item of [...everyone, ...items.filter((i) => i.level === 'facilitator')]) {
    if (item.category !== 'danger' || !item.pair || !keys.has(item.pair) || numbers.has(item.key)) continue
    n += 1
    numbers.set(item.key, n)
    numbers.set(item.pair, n)
  }
  return numbers
}

/**
 * @typedef {object} Context
 * @property {Map<string, import('./boarddata.js').Person>} people
 * @property {Map<string, Map<string, string>>} marks
 * @property {Map<string, number>} pairs
 * @property {Map<string, string[]>} claims
 * @property {Map<string, import('./boarddata.js').FrameworkItem>} byKey
 */

/**
 * @param {HTMLElement} container
 * @param {Y.Doc} board
 * @param {BoardOptions} options
 */
function drawBoard (container, board, options) {
  const part = options.part || 'both'
  const allItems = frameworkOf(board, options.privateDoc)
  const allRules = rulesOf(board, options.privateDoc)
  const items = options.hideSensitive ? allItems.filter((i) => !i.sensitive) : allItems
  const rules = options.hideSensitive ? allRules.filter((r) => !r.sensitive) : allRules
  const hidden = (part !== 'plan' ? allItems.length - items.length : 0) + (part !== 'framework' ? allRules.length - rules.length : 0)
  /** @type {Context} */
  const context = {
    people: peopleOf(board),
    marks: marksOf(board),
    pairs: pairNumbers(items),
    claims: claimsOf(board),
    // Only what this view shows: a rule's goal marked sensitive must not reach the wall as its goal.
    byKey: new Map(items.map((i) => [i.key, i]))
  }

  /** @type {{key: string, sections: {category: string, items: import('./boarddata.js').FrameworkItem[]}[]}[]} */
  const columns = []
  if (part !== 'plan') {
    const known = new Set(COLUMNS.flatMap((c) => c.categories))
    /** @type {Map<string, import('./boarddata.js').FrameworkItem[]>} */
    const byCategory = new Map()
    for (const item of items) {
      const category = known.has(/** @type {any} */ (item.category)) ? item.category : 'grey'
      byCategory.set(category, [...(byCategory.get(category) || []), item])
    }
    for (const column of COLUMNS) {
      const sections = column.categories
        .map((category) => ({ category, items: byCategory.get(category) || [] }))
        .filter((s) => s.items.length || (options.allCategories && s.category !== 'grey'))
      if (sections.length) columns.push({ key: column.key, sections })
    }
  }
  const plan = part !== 'framework' && rules.length ? planOf(rules, options, context) : null
  const noteText = hidden ? t.sensitiveHidden(hidden) : ''
  let note = noteText ? html`<p class="hidden-note">${noteText}</p>` : nothing
  if (options.noteIn) {
    // The wall says it in its header, where it takes none of the board's height; its projector
    // fills that header itself too, so it stays plain elements.
    if (!container.hidden && options.noteIn.textContent !== noteText) fill(options.noteIn, noteText ? h('p', { class: 'hidden-note', text: noteText }) : null)
    note = nothing
  }
  const level = options.level
  const framework = columns.length
    ? html`<div class="board board-${options.style}">${repeat(columns, (c) => c.key, (c) => html`<section class="column column-${c.key}">${heading(level, /** @type {Record<string, string>} */ (labels.columns)[c.key], 'column-title')}${repeat(c.sections, (s) => s.category, (s) => html`<section class="category" data-category=${s.category}>${heading(level + 1, categoryLabel(s.category))}${s.items.length
      ? html`<ul class="cards">${repeat(s.items, (i) => i.key, (i) => itemCard(i, options, context))}</ul>`
      : html`<p class="category-empty" aria-hidden="true">–</p>`}</section>`)}</section>`)}</div>`
    : nothing
  render(columns.length || plan
    ? html`${framework}${plan || nothing}${note}`
    : html`<p class="empty">${t.boardEmpty}</p>${note}`, container)
}

// The wall shows a card's first lines only (CSS clamps them); giving it no more text than that
// keeps a 10,000-character card from costing the projector seconds of layout on every change.
const WALL_TEXT = 600

/**
 * @param {BoardOptions} options
 * @param {string} text
 */
function shown (options, text) {
  return options.style === 'wall' && text.length > WALL_TEXT ? `${text.slice(0, WALL_TEXT)}…` : text
}

/**
 * The names on a list of participant ids, as this view may show them.
 * @param {string[]} pids
 * @param {Context} context
 */
function names (pids, context) {
  return pids.map((pid) => nameOf(pid, context.people, roleLabel)).filter(Boolean).join(', ')
}

/**
 * @param {import('./boarddata.js').FrameworkItem} item
 * @param {BoardOptions} options
 * @param {Context} context
 */
function itemCard (item, options, context) {
  const extra = options.extra ? options.extra(item) : null
  const actions = options.actions ? options.actions(item) : null
  const who = item.by ? nameOf(item.by, context.people, roleLabel) : ''
  const pair = context.pairs.get(item.key)
  const marks = context.marks.get(item.key)
  const rows = marks && marks.size
    ? /** @type {const} */ (['agree', 'disagree', 'unsure']).map((kind) => {
      const pids = [...marks.entries()].filter(([, v]) => v === kind).map(([pid]) => pid)
      return pids.length ? html`<li class="mark mark-${kind}" dir="auto">${w.markCount(w.marks[kind], pids.length, names(pids, context))}</li>` : nothing
    })
    : null
  return html`<li class="card" data-key=${item.key} data-root=${item.root} data-category=${item.category}>${extra ?? nothing}<div class="card-body"><span class="card-text" dir="auto">${shown(options, item.text)}</span>${who || pair
    ? html`<p class="card-meta">${pair ? html`<span class="pair-tag">${w.pairTag(pair)}</span>` : nothing}${who ? html`<span class="card-by" dir="auto">${w.by(who)}</span>` : nothing}</p>`
    : nothing}${rows ? html`<ul class="marks">${rows}</ul>` : nothing}${actions ?? nothing}</div>${levelBadge(item, options)}</li>`
}

/**
 * What a card says of its reach: "gevoelig" on the console and on a phone (which does show it, but
 * the wall does not), "alleen begeleider" on the console (no phone has it).
 * @param {{sensitive: boolean, level?: string}} entry
 * @param {BoardOptions} options
 */
function levelBadge (entry, options) {
  if (!entry.sensitive || options.style === 'wall') return nothing
  return entry.level === 'facilitator'
    ? html`<span class="badge badge-facilitator-only">${t.facilitatorOnlyBadge}</span>`
    : html`<span class="badge badge-sensitive">${t.sensitiveBadge}</span>`
}

/**
 * The plan: the family's rules (immediate, then longer term), and the bottom lines apart.
 * @param {import('./boarddata.js').Rule[]} rules
 * @param {BoardOptions} options
 * @param {Context} context
 */
function planOf (rules, options, context) {
  const sections = SECTIONS.map((section) => ({ section, rules: rules.filter((r) => r.section === section) })).filter((s) => s.rules.length)
  return html`<section class="plan plan-${options.style} column-agreements">${heading(options.level, t.agreements, 'column-title')}${repeat(sections, (s) => s.section, (s) => html`<section class="plan-section plan-${s.section}" data-section=${s.section}>${heading(options.level + 1, labels.sections[s.section])}<ul class="cards">${repeat(s.rules, (r) => r.key, (r) => ruleCard(r, options, context))}</ul></section>`)}</section>`
}

/**
 * @param {import('./boarddata.js').Rule} rule
 * @param {BoardOptions} options
 * @param {Context} context
 */
function ruleCard (rule, options, context) {
  const extra = options.extra ? options.extra(rule) : null
  const actions = options.actions ? options.actions(rule) : null
  const goal = rule.goal ? context.byKey.get(rule.goal) : undefined
  const claimed = (context.claims.get(rule.key) || []).filter((pid) => !rule.owners.includes(pid))
  const dates = w.datesLabel(rule.start, rule.review)
  /** @param {string} label @param {string} value @param {string} cls */
  const row = (label, value, cls) => value
    ? html`<div class="rule-row ${cls}"><dt>${label}</dt><dd dir="auto">${shown(options, value)}</dd></div>`
    : nothing
  return html`<li class="card rule" data-key=${rule.key} data-root=${rule.root} data-status=${rule.status}>${extra ?? nothing}<div class="card-body"><p class="rule-head"><span class="card-text" dir="auto">${shown(options, rule.text)}</span><span class="pill status-pill status-${rule.status}">${/** @type {Record<string, string>} */ (w.statuses)[rule.status]}</span></p><dl class="rule-fields">${[
    row(w.owners, names(rule.owners, context) || (rule.section === 'bottom_line' ? '' : w.nobodyYet), 'rule-owners'),
    row(w.goalOf, goal ? goal.text : '', 'rule-goal'),
    row(w.whenLabel, rule.when, 'rule-when'),
    row(w.checkLabel, rule.check, 'rule-check'),
    row(w.checkByLabel, rule.checkBy, 'rule-check-by'),
    row(w.ifNotLabel, rule.ifNotKept, 'rule-ifnot'),
    dates ? html`<div class="rule-row rule-dates"><dd>${dates}</dd></div>` : nothing
  ]}</dl>${claimed.length ? html`<p class="rule-claimed" dir="auto">${w.claimedBy(names(claimed, context))}</p>` : nothing}${actions ?? nothing}</div>${levelBadge(rule, options)}</li>`
}
