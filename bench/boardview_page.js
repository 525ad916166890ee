// Runs in Chromium (bench/boardview.py): what one remote edit costs the board as a phone or the
// wall shows it. A second Y.Doc plays the other person; each edit changes one item's text there
// and its update is applied to the board as the provider applies it; the time runs until the view
// has drawn and the browser has laid the page out again.

import * as Y from 'yjs'
import { showBoard } from '../web/src/boardview.js'
import { PhoneActions } from '../web/src/phoneactions.js'
import { CATEGORIES } from '../web/src/labels.js'
import { SECTIONS, STATUSES } from '../web/src/boarddata.js'
import { synthetic } from './boardview_synthetic.js'

const PEOPLE = 12

/**
 * A board like a full meeting's: `items` framework items over the categories, `rules` rules, a
 * dozen people who marked a third of the items.
 * @param {number} items
 * @param {number} rules
 */
function meeting (items, rules) {
  const remote = new Y.Doc()
  const board = new Y.Doc()
  remote.on('update', (/** @type {Uint8Array} */ update) => Y.applyUpdate(board, update, 'remote'))
  remote.transact(() => {
    const people = remote.getMap('people')
    for (let p = 0; p < PEOPLE; p++) people.set(`p${p}`, new Y.Map([['name', `Persoon ${p} Achternaam`], ['relation', 'family']]))
    const framework = remote.getMap('framework')
    const marks = remote.getMap('marks')
    for (let i = 0; i < items; i++) {
      const key = `k${String(i).padStart(3, '0')}`
      framework.set(key, new Y.Map([
        ['category', CATEGORIES[i % CATEGORIES.length]],
        ['text', new Y.Text(`Punt ${i}: wat het netwerk hierover zei, in een paar gewone zinnen zonder vakjargon.`)],
        ['by', `p${i % PEOPLE}`],
        ['order', i]
      ]))
      if (i % 3 === 0) for (let p = 0; p < 4; p++) marks.set(`${key}|p${(i + p) % PEOPLE}`, ['agree', 'disagree', 'unsure'][p % 3])
    }
    const agreements = remote.getMap('agreements')
    for (let r = 0; r < rules; r++) {
      agreements.set(`r${String(r).padStart(3, '0')}`, new Y.Map([
        ['section', SECTIONS[r % SECTIONS.length]],
        ['text', new Y.Text(`Afspraak ${r}: wie wat doet als het misgaat.`)],
        ['owners', Y.Array.from([`p${r % PEOPLE}`])],
        ['when', 'elke dag'], ['check', 'bellen'], ['check_by', 'oma'],
        ['status', STATUSES[r % STATUSES.length]],
        ['order', r]
      ]))
    }
  })
  return { board, remote }
}

/**
 * @param {string} variant
 * @param {HTMLElement} container
 * @param {Y.Doc} board
 * @returns {() => void}
 */
function mount (variant, container, board) {
  if (variant === 'phone') {
    const actions = new PhoneActions({ board, own: new Y.Doc(), pid: 'p0' })
    return showBoard(container, board, { style: 'phone', level: 2, actions: (item) => actions.itemActions(item) })
  }
  if (variant === 'wall') {
    return showBoard(container, board, { style: 'wall', level: 2, allCategories: true, hideSensitive: true, part: 'framework' })
  }
  return synthetic(variant, container, board)
}

/**
 * @param {string} variant 'phone' | 'wall' (the real board view) or a synthetic one: 'dom', 'lit', 'preact'
 * @param {{items: number, rules: number, edits: number}} size
 */
async function run (variant, { items, rules, edits }) {
  const container = /** @type {HTMLElement} */ (document.getElementById('board'))
  const { board, remote } = meeting(items, rules)
  const stop = mount(variant, container, board)
  await new Promise((resolve) => setTimeout(resolve, 50))
  // Someone is on a control of an item in the middle while the others edit: is it still theirs after?
  const target = container.querySelectorAll('button, .card')[Math.floor(container.querySelectorAll('button, .card').length / 2)]
  if (target instanceof HTMLElement) {
    target.tabIndex = target.tabIndex < 0 ? -1 : target.tabIndex
    target.focus()
  }
  let added = 0
  // Elements the view made for an edit: every element in each inserted subtree.
  const watch = new MutationObserver((records) => {
    for (const r of records) for (const node of r.addedNodes) if (node instanceof Element) added += 1 + node.querySelectorAll('*').length
  })
  watch.observe(container, { childList: true, subtree: true })
  const keys = [...remote.getMap('framework').keys()].sort()
  /** @type {number[]} */
  const times = []
  for (let n = 0; n < edits; n++) {
    const item = /** @type {Y.Map<any>} */ (remote.getMap('framework').get(keys[(n * 7) % keys.length]))
    const text = /** @type {Y.Text} */ (item.get('text'))
    const started = performance.now()
    remote.transact(() => {
      text.delete(0, text.length)
      text.insert(0, `Punt, bewerkt (${n}): wat het netwerk hierover zei, in een paar gewone zinnen.`)
    })
    await null // the view draws in a microtask queued by the update
    void container.getBoundingClientRect().height // and the browser lays it out
    times.push(performance.now() - started)
  }
  await null
  watch.disconnect()
  const kept = target instanceof HTMLElement && document.activeElement === target && target.isConnected
  const nodes = container.querySelectorAll('*').length
  stop()
  board.destroy()
  remote.destroy()
  times.sort((a, b) => a - b)
  const at = (/** @type {number} */ q) => times[Math.min(times.length - 1, Math.floor(q * times.length))]
  return {
    variant,
    nodes,
    median_ms: at(0.5),
    p95_ms: at(0.95),
    made_per_edit: added / edits,
    focus_kept: kept
  }
}

/** @type {any} */ (window).bench = run
