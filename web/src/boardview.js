// The board as people read it: framework items under their categories, in the framework's three
// columns, each with who raised it, its pair and everyone's marks; and the plan's rules in their
// sections, the bottom lines apart. Shared by the console (compact, with its controls), the phone
// (with mark buttons) and the projector. Reads the `board` Y.Doc; writes nothing itself.

import * as Y from 'yjs'
import { h, fill } from './dom.js'
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
 * @typedef {object} BoardOptions
 * @property {'compact' | 'phone' | 'wall'} style
 * @property {number} level the heading level of a column (categories get one below)
 * @property {boolean} [allCategories] show empty categories too (the wall keeps its shape)
 * @property {boolean} [hideSensitive] leave out items marked sensitive, saying how many (the wall)
 * @property {'both' | 'framework' | 'plan'} [part] what to draw (both by default)
 * @property {HTMLElement} [noteIn] where to say how many sensitive items are left out (else below the board)
 * @property {(item: BoardItem) => HTMLElement | null} [extra] something to put in front of an item
 * @property {(item: BoardItem) => HTMLElement | null} [actions] controls to put under an item
 */

const BOARD_ROOTS = ['framework', 'agreements', 'marks', 'claims', 'people', 'meta']

/**
 * @typedef {(() => void) & {redraw: (focusKey?: string) => void}} BoardHandle stops drawing;
 *   `redraw` draws now (a view's own state changed, not the document) and focuses `focusKey`
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
  const render = () => {
    if (queued) return
    queued = true
    queueMicrotask(() => {
      queued = false
      drawBoard(container, board, options)
    })
  }
  const maps = BOARD_ROOTS.map((name) => board.getMap(name))
  for (const map of maps) map.observeDeep(render)
  const stopLabels = onLabels(render)
  drawBoard(container, board, options)
  const stop = () => {
    for (const map of maps) map.unobserveDeep(render)
    stopLabels()
  }
  return Object.assign(stop, {
    redraw: (/** @type {string | undefined} */ focusKey) => drawBoard(container, board, options, focusKey)
  })
}

/**
 * @param {1 | 2 | 3 | 4 | 5 | 6 | number} level
 * @param {string} text
 * @param {string} [cls]
 */
function heading (level, text, cls) {
  const tag = /** @type {'h2' | 'h3' | 'h4' | 'h5' | 'h6'} */ (`h${Math.min(Math.max(level, 2), 6)}`)
  return h(tag, { class: cls, text })
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
  for (const item of items) {
    if (item.category !== 'danger' || !item.pair || !keys.has(item.pair)) continue
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
 * @param {string} [focusNext] the control to focus after drawing, instead of the one focused now
 */
function drawBoard (container, board, options, focusNext) {
  // Redrawing replaces the elements: whoever had focus on a control in here gets it back.
  const active = document.activeElement
  const focusKey = focusNext || (active instanceof HTMLElement && container.contains(active) ? active.dataset.focusKey : undefined)
  const part = options.part || 'both'

  const allItems = frameworkOf(board)
  const allRules = rulesOf(board)
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
      const sections = []
      for (const category of column.categories) {
        const here = byCategory.get(category) || []
        if (!here.length && !(options.allCategories && category !== 'grey')) continue
        sections.push(h('section', { class: 'category', 'data-category': category },
          heading(options.level + 1, categoryLabel(category)),
          here.length
            ? h('ul', { class: 'cards' }, here.map((item) => itemCard(item, options, context)))
            : h('p', { class: 'category-empty', text: '–', 'aria-hidden': 'true' })))
      }
      if (!sections.length) continue
      const title = /** @type {Record<string, string>} */ (labels.columns)[column.key]
      columns.push(h('section', { class: `column column-${column.key}` }, heading(options.level, title, 'column-title'), sections))
    }
  }
  const plan = part !== 'framework' && rules.length ? planOf(rules, options, context) : null
  let note = hidden ? h('p', { class: 'hidden-note', text: t.sensitiveHidden(hidden) }) : null
  if (options.noteIn) {
    // The wall says it in its header, where it takes none of the board's height.
    if (!container.hidden) fill(options.noteIn, note)
    note = null
  }
  if (!columns.length && !plan) {
    fill(container, h('p', { class: 'empty', text: t.boardEmpty }), note)
  } else {
    fill(container, columns.length ? h('div', { class: `board board-${options.style}` }, columns) : null, plan, note)
  }
  if (focusKey) {
    const again = container.querySelector(`[data-focus-key="${CSS.escape(focusKey)}"]`)
    if (again instanceof HTMLElement) again.focus()
  }
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
  /** @type {HTMLElement | null} */
  let markList = null
  if (marks && marks.size) {
    const rows = /** @type {const} */ (['agree', 'disagree', 'unsure']).map((kind) => {
      const pids = [...marks.entries()].filter(([, v]) => v === kind).map(([pid]) => pid)
      if (!pids.length) return null
      return h('li', { class: `mark mark-${kind}`, dir: 'auto', text: w.markCount(w.marks[kind], pids.length, names(pids, context)) })
    })
    markList = h('ul', { class: 'marks' }, rows)
  }
  return h('li', { class: 'card', 'data-key': item.key, 'data-root': item.root, 'data-category': item.category },
    extra,
    h('div', { class: 'card-body' },
      h('span', { class: 'card-text', dir: 'auto', text: shown(options, item.text) }),
      who || pair
        ? h('p', { class: 'card-meta' },
          pair ? h('span', { class: 'pair-tag', text: w.pairTag(pair) }) : null,
          who ? h('span', { class: 'card-by', dir: 'auto', text: w.by(who) }) : null)
        : null,
      markList,
      actions),
    item.sensitive && options.style === 'compact' ? h('span', { class: 'badge badge-sensitive', text: t.sensitiveBadge }) : null)
}

/**
 * The plan: the family's rules (immediate, then longer term), and the bottom lines apart.
 * @param {import('./boarddata.js').Rule[]} rules
 * @param {BoardOptions} options
 * @param {Context} context
 */
function planOf (rules, options, context) {
  const sections = SECTIONS.map((section) => {
    const here = rules.filter((r) => r.section === section)
    if (!here.length) return null
    return h('section', { class: `plan-section plan-${section}`, 'data-section': section },
      heading(options.level + 1, labels.sections[section]),
      h('ul', { class: 'cards' }, here.map((rule) => ruleCard(rule, options, context))))
  })
  return h('section', { class: `plan plan-${options.style} column-agreements` },
    heading(options.level, t.agreements, 'column-title'), sections)
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
    ? h('div', { class: `rule-row ${cls}` }, h('dt', { text: label }), h('dd', { dir: 'auto', text: shown(options, value) }))
    : null
  return h('li', { class: 'card rule', 'data-key': rule.key, 'data-root': rule.root, 'data-status': rule.status },
    extra,
    h('div', { class: 'card-body' },
      h('p', { class: 'rule-head' },
        h('span', { class: 'card-text', dir: 'auto', text: shown(options, rule.text) }),
        h('span', { class: `pill status-pill status-${rule.status}`, text: /** @type {Record<string, string>} */ (w.statuses)[rule.status] })),
      h('dl', { class: 'rule-fields' },
        row(w.owners, names(rule.owners, context) || (rule.section === 'bottom_line' ? '' : w.nobodyYet), 'rule-owners'),
        row(w.goalOf, goal ? goal.text : '', 'rule-goal'),
        row(w.whenLabel, rule.when, 'rule-when'),
        row(w.checkLabel, rule.check, 'rule-check'),
        row(w.checkByLabel, rule.checkBy, 'rule-check-by'),
        row(w.ifNotLabel, rule.ifNotKept, 'rule-ifnot'),
        dates ? h('div', { class: 'rule-row rule-dates' }, h('dd', { text: dates })) : null),
      claimed.length ? h('p', { class: 'rule-claimed', dir: 'auto', text: w.claimedBy(names(claimed, context)) }) : null,
      actions),
    rule.sensitive && options.style === 'compact' ? h('span', { class: 'badge badge-sensitive', text: t.sensitiveBadge }) : null)
}
