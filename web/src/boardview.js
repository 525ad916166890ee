// The board as people read it: framework items under their categories, in the framework's three
// columns, and the agreements. Shared by the console (compact, with choices for copying), the
// phone and the projector. Reads the `board` Y.Doc; writes nothing.

import * as Y from 'yjs'
import { h, fill } from './dom.js'
import { t } from './i18n.js'
import { COLUMNS, categoryLabel, labels } from './labels.js'

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

/** A new item's key: sortable by time, unique without coordination. */
export function newKey () {
  const random = Math.floor(Math.random() * 36 ** 6).toString(36).padStart(6, '0')
  return `${Date.now().toString(36)}-${random}`
}

/**
 * @typedef {object} BoardOptions
 * @property {'compact' | 'phone' | 'wall'} style
 * @property {number} level the heading level of a column (categories get one below)
 * @property {boolean} [allCategories] show empty categories too (the wall keeps its shape)
 * @property {boolean} [hideSensitive] leave out items marked sensitive, saying how many (the wall)
 * @property {(item: BoardItem) => HTMLElement | null} [extra] something to put in front of an item
 */

/**
 * Draw the board into `container`, again on every change; returns a function that stops it.
 * @param {HTMLElement} container
 * @param {Y.Doc} board
 * @param {BoardOptions} options
 */
export function showBoard (container, board, options) {
  const render = () => drawBoard(container, board, options)
  const framework = board.getMap('framework')
  const agreements = board.getMap('agreements')
  framework.observeDeep(render)
  agreements.observeDeep(render)
  render()
  return () => {
    framework.unobserveDeep(render)
    agreements.unobserveDeep(render)
  }
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
 * @param {HTMLElement} container
 * @param {Y.Doc} board
 * @param {BoardOptions} options
 */
function drawBoard (container, board, options) {
  // Redrawing replaces the elements: whoever had focus on a control in here gets it back.
  const active = document.activeElement
  const focusKey = active instanceof HTMLElement && container.contains(active) ? active.dataset.focusKey : undefined

  const all = [...itemsOf(board, 'framework'), ...itemsOf(board, 'agreements')]
  const shown = options.hideSensitive ? all.filter((item) => !item.sensitive) : all
  const hidden = all.length - shown.length
  const items = shown.filter((item) => item.root === 'framework')
  const agreements = shown.filter((item) => item.root === 'agreements')
  const known = new Set(COLUMNS.flatMap((c) => c.categories))
  /** @type {Map<string, BoardItem[]>} */
  const byCategory = new Map()
  for (const item of items) {
    const category = known.has(/** @type {any} */ (item.category)) ? item.category : 'grey'
    byCategory.set(category, [...(byCategory.get(category) || []), item])
  }

  const columns = []
  for (const column of COLUMNS) {
    const sections = []
    for (const category of column.categories) {
      const here = byCategory.get(category) || []
      if (!here.length && !(options.allCategories && category !== 'grey')) continue
      sections.push(h('section', { class: 'category', 'data-category': category },
        heading(options.level + 1, categoryLabel(category)),
        here.length
          ? h('ul', { class: 'cards' }, here.map((item) => card(item, options)))
          : h('p', { class: 'category-empty', text: '–', 'aria-hidden': 'true' })))
    }
    if (!sections.length) continue
    const title = /** @type {Record<string, string>} */ (labels.columns)[column.key]
    columns.push(h('section', { class: `column column-${column.key}` }, heading(options.level, title, 'column-title'), sections))
  }
  if (agreements.length) {
    columns.push(h('section', { class: 'column column-agreements' },
      heading(options.level, t.agreements, 'column-title'),
      h('ul', { class: 'cards' }, agreements.map((item) => card(item, options)))))
  }
  const note = hidden ? h('p', { class: 'hidden-note', text: t.sensitiveHidden(hidden) }) : null
  if (!columns.length) {
    fill(container, h('p', { class: 'empty', text: t.boardEmpty }), note)
  } else {
    fill(container, h('div', { class: `board board-${options.style}` }, columns), note)
  }
  if (focusKey) {
    const again = container.querySelector(`[data-focus-key="${CSS.escape(focusKey)}"]`)
    if (again instanceof HTMLElement) again.focus()
  }
}

/**
 * @param {BoardItem} item
 * @param {BoardOptions} options
 */
function card (item, options) {
  const extra = options.extra ? options.extra(item) : null
  return h('li', { class: 'card', 'data-key': item.key, 'data-root': item.root },
    extra,
    h('span', { class: 'card-text', dir: 'auto', text: item.text }),
    item.sensitive && options.style === 'compact' ? h('span', { class: 'badge badge-sensitive', text: t.sensitiveBadge }) : null)
}
