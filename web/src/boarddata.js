// Reading the board document: the shapes of server/rooms/schema.py turned into plain objects that
// the views draw. Reads only; the writes are in actions/.

import * as Y from 'yjs'
import { shownNames } from './names.js'

/**
 * @param {unknown} value a Y.Text, a string or anything else
 * @returns {string}
 */
export function textOf (value) {
  if (value instanceof Y.Text) return value.toString()
  return typeof value === 'string' ? value : ''
}

/** @param {unknown} value */
function str (value) {
  return typeof value === 'string' ? value : ''
}

// The console's board and its room's `private` document, which holds the facilitator-only items
// and rules under the same roots and keys: an action given the board finds such an entry there.
/** @type {WeakMap<Y.Doc, Y.Doc>} */
const privateDocs = new WeakMap()

/**
 * @param {Y.Doc} board
 * @param {Y.Doc} privateDoc the same room's `private` document
 */
export function linkPrivate (board, privateDoc) {
  privateDocs.set(board, privateDoc)
}

/**
 * @param {Y.Doc} board
 * @returns {Y.Doc | undefined} the room's `private` document, where the console linked it
 */
export function privateOf (board) {
  return privateDocs.get(board)
}

/** A new key: sortable by time, unique without coordination. */
export function newKey () {
  const random = Math.floor(Math.random() * 36 ** 6).toString(36).padStart(6, '0')
  return `${Date.now().toString(36)}-${random}`
}

/**
 * Entries sorted by `order` and then key (keys start with the time they were made), so every device
 * shows the same order (a map's own order is not the same everywhere).
 * @template {{key: string, order: number}} T
 * @param {T[]} list
 */
function sorted (list) {
  return list.sort((a, b) => a.order - b.order || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
}

/** @param {unknown} value */
function orderOf (value) {
  return typeof value === 'number' && Number.isFinite(value) ? value : Number.MAX_SAFE_INTEGER
}

/**
 * @typedef {object} Person
 * @property {string} id
 * @property {string} name first name, as the server wrote it
 * @property {string} relation
 * @property {string} [initial] the surname's initial, only where someone else has the same first name
 */

/**
 * The admitted people, by id (the server keeps this list).
 * @param {Y.Doc} board
 * @returns {Map<string, Person>}
 */
export function peopleOf (board) {
  /** @type {Map<string, Person>} */
  const found = new Map()
  board.getMap('people').forEach((value, id) => {
    if (value instanceof Y.Map) found.set(id, { id, name: str(value.get('name')), relation: str(value.get('relation')), initial: str(value.get('initial')) })
  })
  return found
}

/**
 * @typedef {object} FrameworkItem
 * @property {'framework'} root
 * @property {string} key
 * @property {string} category
 * @property {string} text
 * @property {string} by 'f:<facilitator>' or a participant id
 * @property {boolean} sensitive not on the wall (a facilitator-only one is not on any phone either)
 * @property {Level} level
 * @property {number} order
 * @property {string | null} pair the other half of a danger statement / safety goal pair
 */

/** @typedef {'all' | 'sensitive' | 'facilitator'} Level how far an item or rule reaches (actions/facilitator.js setLevel) */

/**
 * The entries of a root of the board and, for the console, of the room's `private` document (the
 * facilitator-only ones), each with its level. While a move is halfway an entry is in both: the
 * board's is shown.
 * @param {Y.Doc} board
 * @param {Y.Doc | undefined} privateDoc
 * @param {'framework' | 'agreements'} root
 * @returns {[string, Y.Map<unknown>, Level][]}
 */
function entriesOf (board, privateDoc, root) {
  /** @type {[string, Y.Map<unknown>, Level][]} */
  const found = []
  const shown = board.getMap(root)
  shown.forEach((value, key) => {
    if (value instanceof Y.Map) found.push([key, value, value.get('sensitive') === true ? 'sensitive' : 'all'])
  })
  if (privateDoc) {
    privateDoc.getMap(root).forEach((value, key) => {
      if (value instanceof Y.Map && !shown.has(key)) found.push([key, value, 'facilitator'])
    })
  }
  return found
}

/**
 * @param {Y.Doc} board
 * @param {Y.Doc} [privateDoc] the room's `private` document, for the facilitator-only items too
 * @returns {FrameworkItem[]}
 */
export function frameworkOf (board, privateDoc) {
  /** @type {FrameworkItem[]} */
  const found = []
  for (const [key, value, level] of entriesOf(board, privateDoc, 'framework')) {
    const text = textOf(value.get('text'))
    if (!text) continue
    const pair = value.get('pair')
    found.push({
      root: 'framework',
      key,
      category: str(value.get('category')),
      text,
      by: str(value.get('by')),
      sensitive: level !== 'all',
      level,
      order: orderOf(value.get('order')),
      pair: typeof pair === 'string' && pair ? pair : null
    })
  }
  return sorted(found)
}

/**
 * @typedef {object} Rule
 * @property {'agreements'} root
 * @property {string} key
 * @property {'immediate' | 'longer' | 'bottom_line'} section
 * @property {string} text
 * @property {string | null} goal
 * @property {string[]} owners
 * @property {string} when
 * @property {string} check how it is checked
 * @property {string} checkBy by whom (words: a role or a first name)
 * @property {string} ifNotKept
 * @property {string} forChildren the rule in the child's words ('' for none)
 * @property {string} start
 * @property {string} review
 * @property {string} status
 * @property {boolean} sensitive
 * @property {Level} level
 * @property {number} order
 */

export const SECTIONS = /** @type {const} */ (['immediate', 'longer', 'bottom_line'])
export const STATUSES = /** @type {const} */ (['proposed', 'agreed', 'trying', 'working', 'not_working'])

/**
 * @param {unknown} value a Y.Array or a plain array of participant ids
 * @returns {string[]}
 */
export function listOf (value) {
  const raw = value instanceof Y.Array ? value.toArray() : Array.isArray(value) ? value : []
  return raw.filter((v) => typeof v === 'string')
}

/**
 * @param {Y.Doc} board
 * @param {Y.Doc} [privateDoc] the room's `private` document, for the facilitator-only rules too
 * @returns {Rule[]}
 */
export function rulesOf (board, privateDoc) {
  /** @type {Rule[]} */
  const found = []
  for (const [key, value, level] of entriesOf(board, privateDoc, 'agreements')) {
    const text = textOf(value.get('text'))
    if (!text) continue
    const section = str(value.get('section'))
    const goal = value.get('goal')
    found.push({
      root: 'agreements',
      key,
      section: section === 'longer' || section === 'bottom_line' ? section : 'immediate',
      text,
      goal: typeof goal === 'string' && goal ? goal : null,
      owners: listOf(value.get('owners')),
      when: textOf(value.get('when')),
      check: textOf(value.get('check')),
      checkBy: textOf(value.get('check_by')),
      ifNotKept: textOf(value.get('if_not_kept')),
      forChildren: textOf(value.get('for_children')),
      start: str(value.get('start')),
      review: str(value.get('review')),
      status: STATUSES.includes(/** @type {any} */ (value.get('status'))) ? str(value.get('status')) : 'proposed',
      sensitive: level !== 'all',
      level,
      order: orderOf(value.get('order'))
    })
  }
  return sorted(found)
}

/**
 * Everyone's mark on each item: item key → pid → 'agree' | 'disagree' | 'unsure'.
 * @param {Y.Doc} board
 * @returns {Map<string, Map<string, string>>}
 */
export function marksOf (board) {
  /** @type {Map<string, Map<string, string>>} */
  const found = new Map()
  board.getMap('marks').forEach((value, key) => {
    const cut = key.lastIndexOf('|')
    if (cut < 1 || !['agree', 'disagree', 'unsure'].includes(/** @type {any} */ (value))) return
    const item = key.slice(0, cut)
    const here = found.get(item) || new Map()
    here.set(key.slice(cut + 1), /** @type {string} */ (value))
    found.set(item, here)
  })
  return found
}

/**
 * Claims not yet confirmed: rule key → the pids that said "I'll do this".
 * @param {Y.Doc} board
 * @returns {Map<string, string[]>}
 */
export function claimsOf (board) {
  /** @type {Map<string, string[]>} */
  const found = new Map()
  board.getMap('claims').forEach((value, key) => {
    const cut = key.lastIndexOf('|')
    if (cut < 1 || value !== 'claimed') return
    const rule = key.slice(0, cut)
    found.set(rule, [...(found.get(rule) || []), key.slice(cut + 1)])
  })
  return found
}

/**
 * @typedef {object} Proposal
 * @property {string} key
 * @property {string} by
 * @property {string} text
 * @property {string} category
 * @property {'open' | 'accepted' | 'declined'} status
 * @property {string | null} item
 */

/**
 * @param {Y.Doc} board
 * @returns {Proposal[]}
 */
export function proposalsOf (board) {
  /** @type {Proposal[]} */
  const found = []
  board.getMap('proposals').forEach((value, key) => {
    if (!(value instanceof Y.Map)) return
    const status = str(value.get('status'))
    const item = value.get('item')
    found.push({
      key,
      by: str(value.get('by')),
      text: textOf(value.get('text')),
      category: str(value.get('category')),
      status: status === 'accepted' || status === 'declined' ? status : 'open',
      item: typeof item === 'string' ? item : null
    })
  })
  return found.sort((a, b) => (a.key.split(':')[1] || '').localeCompare(b.key.split(':')[1] || ''))
}

/**
 * @typedef {object} Score
 * @property {string} pid
 * @property {number} value
 * @property {string} why
 */

/**
 * @typedef {object} Round
 * @property {string} key
 * @property {string} title
 * @property {string | null} pair the danger statement the round is about, or null: overall
 * @property {'open' | 'closed' | 'revealed'} status
 * @property {number} order
 * @property {Score[]} scores only once revealed (the server copies them onto the board)
 */

/**
 * @param {Y.Doc} board
 * @returns {Round[]}
 */
export function roundsOf (board) {
  /** @type {Round[]} */
  const found = []
  board.getMap('poll').forEach((value, key) => {
    if (!(value instanceof Y.Map)) return
    const status = str(value.get('status'))
    const pair = value.get('pair')
    /** @type {Score[]} */
    const scores = []
    const raw = value.get('scores')
    if (raw instanceof Y.Map) {
      raw.forEach((score, pid) => {
        if (!(score instanceof Y.Map)) return
        const v = Number(score.get('value'))
        if (Number.isInteger(v) && v >= 0 && v <= 10) scores.push({ pid, value: v, why: str(score.get('why')) })
      })
    }
    found.push({
      key,
      title: str(value.get('title')),
      pair: typeof pair === 'string' && pair ? pair : null,
      status: status === 'closed' || status === 'revealed' ? status : 'open',
      order: orderOf(value.get('order')),
      scores: scores.sort((a, b) => a.value - b.value || a.pid.localeCompare(b.pid))
    })
  })
  return sorted(found)
}

// Directional controls (embeddings, overrides, isolates, marks). A name is put into lists and
// sentences with other words ("Eens 2: Truus, Karel"); an override left open in one name would
// turn the rest of that line around.
const BIDI_CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/

/**
 * Text that is shown inside other text, isolated (FSI … PDI) when it holds directional controls:
 * whatever it opens ends with it. Plain names are left as they are.
 * @param {string} text
 */
export function isolated (text) {
  return BIDI_CONTROLS.test(text) ? `\u2068${text}\u2069` : text
}

/** @type {WeakMap<Map<string, Person>, Map<string, string>>} each people list's shown names, made once */
const shownOf = new WeakMap()

/**
 * How a person appears: their first name (told apart from someone of the same first name by
 * names.js), or "gespreksleider" for a facilitator.
 * @param {string} by
 * @param {Map<string, Person>} people
 * @param {(key: string) => string} role
 */
export function nameOf (by, people, role) {
  if (by.startsWith('f:')) return role('facilitator')
  const person = people.get(by)
  if (!person) return ''
  let shown = shownOf.get(people)
  if (!shown) shownOf.set(people, (shown = shownNames(people, role)))
  return isolated(shown.get(by) || person.name || role(person.relation))
}

/**
 * The next `order` for a new entry of a root: after everything there (and in the other maps given:
 * a root of the board and of the `private` document are shown as one).
 * @param {Y.Map<unknown>} map
 * @param {Y.Map<unknown>[]} others
 */
export function nextOrder (map, ...others) {
  let top = -1
  for (const one of [map, ...others]) {
    one.forEach((value) => {
      const order = value instanceof Y.Map ? value.get('order') : undefined
      if (typeof order === 'number' && order > top) top = order
    })
  }
  return top + 1
}
