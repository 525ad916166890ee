// The board's label set: the framework's categories and columns, the pair's names, the guided form,
// the jargon to warn about, the scaling anchors, the plan's sections. Organisations and stages word
// these differently, so they are configuration: JSON files in /static/labels/, fetched at runtime,
// chosen per meeting in the board's `meta.labels`. How people relate to the family is in the catalogue.

import { people as peopleWords } from './catalogue.js'
import { lang } from './i18n.js'
// The interface language's set is in the bundle too, so the first drawing has words; the set the
// meeting chose (and any local edit of these files) arrives by fetch a moment later.
import nlSet from '../static/labels/nl.json'
import enSet from '../static/labels/en.json'

/** @typedef {'harm' | 'danger' | 'complicating' | 'strengths' | 'safety' | 'goals' | 'next_steps' | 'grey'} Category */

/** @type {Category[]} */
export const CATEGORIES = ['harm', 'danger', 'complicating', 'strengths', 'safety', 'goals', 'next_steps', 'grey']

/** @type {{key: string, categories: Category[]}[]} */
export const COLUMNS = [
  { key: 'worried', categories: ['harm', 'danger', 'complicating'] },
  { key: 'working', categories: ['strengths', 'safety'] },
  { key: 'needed', categories: ['goals', 'next_steps'] },
  { key: 'unclear', categories: ['grey'] }
]

// How people relate to the family (`relations`, the values of server.store.meetings.RELATIONS in the
// order a phone offers them) and what the projector shows for someone whose name it does not show
// (`roles`): the `people` section of the catalogue, which the printed record reads too.
const people = /** @type {Record<string, {relations: Record<string, string>, roles: Record<string, string>}>} */ (peopleWords)[lang]

export const RELATIONS = Object.keys(people.relations)

/** The sets every installation has; /static/labels/index.json may list more (`knownSets`). */
export const LABEL_SETS = ['nl', 'en', 'early-help-nl', 'early-help-en']

/**
 * @typedef {object} LabelSet
 * @property {string} name
 * @property {Record<string, string>} columns
 * @property {Record<string, string>} categories
 * @property {{danger: string, goal: string, pairs: string, pairOf: string}} pair
 * @property {Record<string, string>} guided
 * @property {{danger: string, goal: string}} templates
 * @property {string} seenTemplate
 * @property {string[]} jargon
 * @property {{question: string, zero: string, ten: string}} scale
 * @property {{immediate: string, longer: string, bottom_line: string}} sections
 */

/** The words in use: the interface's relations and roles, and the board's current label set. */
export const labels = /** @type {typeof people & LabelSet} */ ({ ...(lang === 'en' ? enSet : nlSet), ...people })
/** @type {string | null} */
let loaded = null
/** @type {Set<() => void>} */
const listeners = new Set()
/** @type {Map<string, Promise<LabelSet | null>>} */
const fetched = new Map()

/** The set a board without a choice uses: the interface's language. */
export const DEFAULT_SET = lang === 'en' ? 'en' : 'nl'

/** @param {string} name */
async function fetchSet (name) {
  try {
    const response = await fetch(`/static/labels/${name}.json`, { cache: 'no-cache' })
    if (!response.ok) return null
    const data = await response.json()
    return data && typeof data === 'object' && data.categories && data.columns ? data : null
  } catch {
    return null
  }
}

/** @type {Promise<string[]> | null} */
let index = null

/**
 * The label sets this installation offers, from /static/labels/index.json: an organisation adds
 * its own wording by adding a file and a line there, not by changing code.
 * @returns {Promise<string[]>}
 */
export function knownSets () {
  if (!index) {
    index = fetch('/static/labels/index.json', { cache: 'no-cache' })
      .then((r) => (r.ok ? r.json() : null))
      .then((data) => (data && Array.isArray(data.sets) ? data.sets.filter((/** @type {unknown} */ s) => typeof s === 'string' && /^[a-z0-9-]{1,40}$/.test(/** @type {string} */ (s))) : LABEL_SETS))
      .catch(() => LABEL_SETS)
  }
  return /** @type {Promise<string[]>} */ (index)
}

/**
 * The display name of a label set (the `name` in its file).
 * @param {string} name
 * @returns {Promise<string>}
 */
export async function setTitle (name) {
  if (!fetched.has(name)) fetched.set(name, fetchSet(name))
  const set = await fetched.get(name)
  return set && typeof set.name === 'string' ? set.name : name
}

/**
 * Use the label set `name` (one listed in the index; anything else means the default); everyone who asked
 * through onLabels draws again once it is here.
 * @param {unknown} name
 */
export async function useLabelSet (name) {
  const sets = await knownSets()
  const wanted = typeof name === 'string' && sets.includes(name) ? name : DEFAULT_SET
  if (wanted === loaded) return
  loaded = wanted
  if (!fetched.has(wanted)) fetched.set(wanted, fetchSet(wanted))
  const set = await fetched.get(wanted)
  if (!set || loaded !== wanted) return
  Object.assign(labels, set, people)
  for (const listener of listeners) listener()
}

/**
 * Call `listener` whenever the label set changes; returns a function that stops it.
 * @param {() => void} listener
 */
export function onLabels (listener) {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

/**
 * Follow the board's `meta.labels`: load the set the facilitator chose, now and on every change.
 * @param {import('yjs').Doc} board
 */
export function followLabelSet (board) {
  const meta = board.getMap('meta')
  const follow = () => { useLabelSet(meta.get('labels')) }
  meta.observe(follow)
  follow()
}

/** @param {unknown} key */
export function categoryLabel (key) {
  const known = labels.categories || {}
  if (typeof key === 'string' && known[key]) return known[key]
  return known.grey || String(key || '')
}

/**
 * @param {string} text
 * @returns {string[]} the jargon words of the label set that `text` uses
 */
export function jargonIn (text) {
  const words = (labels.jargon || []).map((w) => String(w).toLowerCase())
  const lower = ` ${text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ')} `
  return words.filter((w) => lower.includes(` ${w.replace(/[^\p{L}\p{N}]+/gu, ' ').trim()} `))
}

/** @param {string} key */
export function relationLabel (key) {
  return /** @type {Record<string, string>} */ (labels.relations)[key] || key
}

/** @param {string} key */
export function roleLabel (key) {
  return /** @type {Record<string, string>} */ (labels.roles)[key] || ''
}
