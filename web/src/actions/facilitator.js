// Every write the facilitator's console makes: the board (framework, proposals' decisions, the
// safety plan, the scaling question, what the wall shows, the /r/<room> list), the room's `private`
// document (items and rules for the facilitators only: the item and rule functions write either
// document, the one they are given) and a person's own document p.<pid> for a score given without a phone. The table `WRITES` in server/rooms/schema.py
// says what each writes where; tests/test_actions.py runs these functions in Node against it.
// The callers check what people typed; these write what they are given.

import * as Y from 'yjs'
import { listOf, newKey, nextOrder, privateOf } from '../boarddata.js'
import { replaceText } from './text.js'

/**
 * An entry of the board, or (facilitator-only) of the room's `private` document linked to it
 * (boarddata.js linkPrivate), with the document that holds it.
 * @param {Y.Doc} board
 * @param {'framework' | 'agreements'} root
 * @param {string} key
 * @returns {{doc: Y.Doc, map: Y.Map<unknown>} | null}
 */
function located (board, root, key) {
  const shown = board.getMap(root).get(key)
  if (shown instanceof Y.Map) return { doc: board, map: shown }
  const other = privateOf(board)
  const hidden = other ? other.getMap(root).get(key) : undefined
  return other && hidden instanceof Y.Map ? { doc: other, map: hidden } : null
}

// -- framework items ------------------------------------------------------------------------------

/**
 * @param {Y.Doc} board
 * @param {Y.Doc} board the board, or the `private` document for a facilitator-only item
 * @param {{category: string, text: string, by: string, sensitive: boolean, order?: number}} item
 *   order: where it goes (after everything in `board` when not given)
 */
export function addItem (board, { category, text, by, sensitive, order }) {
  const framework = board.getMap('framework')
  framework.set(newKey(), new Y.Map([
    ['category', category],
    ['text', new Y.Text(text)],
    ['by', by],
    ['sensitive', sensitive],
    ['order', order ?? nextOrder(framework)]
  ]))
}

/** @typedef {{text: string, guided: [string, string][]}} Half the words, and the guided form's parts */

/**
 * A danger statement and its safety goal, written at once, each naming the other as its pair.
 * @param {Y.Doc} board
 * @param {Y.Doc} board the board, or the `private` document for a facilitator-only pair
 * @param {{by: string, sensitive: boolean, danger: Half, goal: Half, order?: number}} pair
 */
export function addPair (board, { by, sensitive, danger, goal, order: at }) {
  const framework = board.getMap('framework')
  const dangerKey = newKey()
  const goalKey = newKey()
  board.transact(() => {
    const order = at ?? nextOrder(framework)
    /** @param {string} category @param {Half} half @param {string} pair @param {number} n */
    const item = (category, half, pair, n) => new Y.Map([
      ['category', category],
      ['text', new Y.Text(half.text)],
      ['by', by],
      ['sensitive', sensitive],
      ['order', n],
      ['pair', pair],
      ['guided', new Y.Map(half.guided)]
    ])
    framework.set(dangerKey, item('danger', danger, goalKey, order))
    framework.set(goalKey, item('goals', goal, dangerKey, order + 1))
  })
}

/**
 * @param {Y.Doc} board
 * @param {string} key
 * @param {string} words
 * @param {string | null} category null keeps the item where it is
 */
export function editItem (board, key, words, category) {
  const found = located(board, 'framework', key)
  if (!found) return
  const { doc, map } = found
  doc.transact(() => {
    replaceText(map, 'text', words)
    if (category) map.set('category', category)
  })
}

/**
 * @param {Y.Doc} board
 * @param {string} key
 * @param {string} category
 */
export function moveItem (board, key, category) {
  const found = located(board, 'framework', key)
  if (found) found.map.set('category', category)
}

/**
 * A fresh copy of an entry, to be written into another document: shared texts, lists and maps are
 * made anew (a shared type belongs to one document).
 * @param {Y.Map<unknown>} map
 * @returns {Y.Map<unknown>}
 */
function copyOf (map) {
  /** @type {Y.Map<unknown>} */
  const copy = new Y.Map()
  map.forEach((value, name) => {
    if (value instanceof Y.Text) copy.set(name, new Y.Text(value.toString()))
    else if (value instanceof Y.Array) copy.set(name, Y.Array.from(value.toArray()))
    else if (value instanceof Y.Map) copy.set(name, copyOf(value))
    else copy.set(name, value)
  })
  return copy
}

/**
 * How far an item or a rule reaches: 'all'; 'sensitive', on the phones but never on the wall nor
 * in another room; or 'facilitator', in the facilitators' `private` document only, under the same
 * key: taken off the board (with the marks or claims on it), so no phone holds it any more.
 * Moving writes the new place first: for a moment it is in both documents, never in neither.
 * @param {Y.Doc} board
 * @param {Y.Doc} privateDoc the room's `private` document
 * @param {'framework' | 'agreements'} root
 * @param {string} key
 * @param {'all' | 'sensitive' | 'facilitator'} level
 * @returns {boolean} false when there is no such entry
 */
export function setLevel (board, privateDoc, root, key, level) {
  const shown = board.getMap(root).get(key)
  const hidden = privateDoc.getMap(root).get(key)
  if (level === 'facilitator') {
    if (hidden instanceof Y.Map && !(shown instanceof Y.Map)) return true
    if (!(shown instanceof Y.Map)) return false
    const copy = copyOf(shown)
    copy.set('sensitive', true) // should it ever be read as a board entry, it is still never shown nor copied
    privateDoc.getMap(root).set(key, copy)
    board.transact(() => {
      board.getMap(root).delete(key)
      const on = board.getMap(root === 'framework' ? 'marks' : 'claims')
      for (const name of [...on.keys()]) if (name.startsWith(`${key}|`)) on.delete(name)
    })
    return true
  }
  const sensitive = level === 'sensitive'
  if (shown instanceof Y.Map) {
    if (shown.get('sensitive') !== sensitive) shown.set('sensitive', sensitive)
    if (hidden instanceof Y.Map) privateDoc.getMap(root).delete(key) // a move interrupted halfway
    return true
  }
  if (!(hidden instanceof Y.Map)) return false
  const copy = copyOf(hidden)
  copy.set('sensitive', sensitive)
  board.getMap(root).set(key, copy)
  privateDoc.getMap(root).delete(key)
  return true
}

/**
 * @param {Y.Doc} board
 * @param {string} key
 */
export function removeItem (board, key) {
  const found = located(board, 'framework', key)
  if (found && found.doc !== board) {
    found.doc.getMap('framework').delete(key) // facilitator-only: nobody marked it
    return
  }
  const marks = board.getMap('marks')
  board.transact(() => {
    board.getMap('framework').delete(key)
    // The marks on it would point at nothing; a phone's own key, but the facilitator may tidy it.
    for (const markKey of [...marks.keys()]) if (markKey.startsWith(`${key}|`)) marks.delete(markKey)
  })
}

// -- proposals from phones ------------------------------------------------------------------------

/**
 * Put a proposal on the board as a new item; the proposal keeps its status, for its phone to see.
 * @param {Y.Doc} board
 * @param {string} key
 * @param {{text: string, category: string, sensitive: boolean}} item
 * @returns {boolean} false when there is no such proposal
 */
export function acceptProposal (board, key, { text, category, sensitive }) {
  const proposal = board.getMap('proposals').get(key)
  if (!(proposal instanceof Y.Map)) return false
  const itemKey = newKey()
  board.transact(() => {
    const framework = board.getMap('framework')
    framework.set(itemKey, new Y.Map([
      ['category', category],
      ['text', new Y.Text(text)],
      ['by', String(proposal.get('by') || '')],
      ['sensitive', sensitive],
      ['order', nextOrder(framework)]
    ]))
    proposal.set('status', 'accepted')
    proposal.set('item', itemKey)
  })
  return true
}

/**
 * @param {Y.Doc} board
 * @param {string} key
 */
export function declineProposal (board, key) {
  const proposal = board.getMap('proposals').get(key)
  if (proposal instanceof Y.Map) proposal.set('status', 'declined')
}

// -- the safety plan ------------------------------------------------------------------------------

/**
 * @typedef {object} RuleFields
 * @property {string} section
 * @property {string} text
 * @property {string} goal a goal item's key, or '' for none
 * @property {string} when
 * @property {string} check
 * @property {string} checkBy
 * @property {string} ifNotKept
 * @property {string} [forChildren] the rule in the child's words, for the children's version ('' for none)
 * @property {string} start YYYY-MM-DD or ''
 * @property {string} review YYYY-MM-DD or ''
 */

/**
 * A new rule, proposed until the network agrees on it.
 * @param {Y.Doc} board the board, or the `private` document for a facilitator-only rule
 * @param {RuleFields & {owners: string[], sensitive: boolean, order?: number}} rule
 */
export function addRule (board, rule) {
  const agreements = board.getMap('agreements')
  const entry = new Y.Map([
    ['section', rule.section],
    ['text', new Y.Text(rule.text)],
    ['owners', Y.Array.from(rule.owners)],
    ['when', rule.when],
    ['check', rule.check],
    ['check_by', rule.checkBy],
    ['if_not_kept', rule.ifNotKept],
    ['for_children', rule.forChildren ?? ''],
    ['start', rule.start],
    ['review', rule.review],
    ['status', 'proposed'],
    ['sensitive', rule.sensitive],
    ['order', rule.order ?? nextOrder(agreements)]
  ])
  if (rule.goal) entry.set('goal', rule.goal)
  agreements.set(newKey(), entry)
}

/**
 * @param {Y.Doc} board
 * @param {string} key
 * @param {RuleFields} rule
 */
export function editRule (board, key, rule) {
  const found = located(board, 'agreements', key)
  if (!found) return
  const { doc, map } = found
  doc.transact(() => {
    replaceText(map, 'text', rule.text)
    map.set('section', rule.section)
    if (rule.goal) map.set('goal', rule.goal)
    else map.delete('goal')
    map.set('when', rule.when)
    map.set('check', rule.check)
    map.set('check_by', rule.checkBy)
    map.set('if_not_kept', rule.ifNotKept)
    // Left as it is when the caller has no such field (the text is the parents' and the child's).
    if (rule.forChildren !== undefined) map.set('for_children', rule.forChildren)
    map.set('start', rule.start)
    map.set('review', rule.review)
  })
}

/**
 * @param {Y.Doc} board
 * @param {string} key
 * @param {string} status
 */
export function setRuleStatus (board, key, status) {
  const found = located(board, 'agreements', key)
  if (found) found.map.set('status', status)
}

/**
 * @param {Y.Doc} board
 * @param {string} key
 */
export function removeRule (board, key) {
  const found = located(board, 'agreements', key)
  if (found && found.doc !== board) {
    found.doc.getMap('agreements').delete(key) // facilitator-only: nobody could claim it
    return
  }
  const claims = board.getMap('claims')
  board.transact(() => {
    board.getMap('agreements').delete(key)
    for (const claimKey of [...claims.keys()]) if (claimKey.startsWith(`${key}|`)) claims.delete(claimKey)
  })
}

/**
 * Put someone on a rule: confirming their claim, or assigning someone (with or without a phone).
 * @param {Y.Doc} board
 * @param {string} ruleKey
 * @param {string} pid
 * @returns {boolean} false when there is no such rule or person
 */
export function confirmOwner (board, ruleKey, pid) {
  const found = located(board, 'agreements', ruleKey)
  if (!found || !pid) return false
  const { doc, map: rule } = found
  doc.transact(() => {
    const owners = rule.get('owners')
    if (owners instanceof Y.Array) {
      if (!owners.toArray().includes(pid)) owners.push([pid])
    } else {
      rule.set('owners', Y.Array.from([...listOf(owners).filter((p) => p !== pid), pid]))
    }
    if (doc === board) board.getMap('claims').delete(`${ruleKey}|${pid}`)
  })
  return true
}

/**
 * @param {Y.Doc} board
 * @param {string} ruleKey
 * @param {string} pid
 * @returns {boolean} false when there is no such rule
 */
export function removeOwner (board, ruleKey, pid) {
  const found = located(board, 'agreements', ruleKey)
  if (!found) return false
  const rule = found.map
  const owners = rule.get('owners')
  if (owners instanceof Y.Array) {
    const at = owners.toArray().indexOf(pid)
    if (at >= 0) owners.delete(at, 1)
  } else {
    rule.set('owners', Y.Array.from(listOf(owners).filter((p) => p !== pid)))
  }
  return true
}

// -- the scaling question, and what the wall shows ------------------------------------------------

/**
 * Open a round (overall, or about one danger/goal pair) and show it on the wall. One round at a
 * time: an earlier open one is closed (its scores stay in each person's document).
 * @param {Y.Doc} board
 * @param {{title: string, pair: string}} round pair: a framework item's key, or '' for overall
 */
export function openRound (board, { title, pair }) {
  const poll = board.getMap('poll')
  board.transact(() => {
    poll.forEach((round) => { if (round instanceof Y.Map && round.get('status') === 'open') round.set('status', 'closed') })
    const round = new Y.Map([['title', title], ['status', 'open'], ['order', nextOrder(poll)]])
    if (pair) round.set('pair', pair)
    poll.set(newKey(), round)
    board.getMap('meta').set('wall', 'poll')
  })
}

/**
 * @param {Y.Doc} board
 * @param {string} key
 */
export function closeRound (board, key) {
  const round = board.getMap('poll').get(key)
  if (round instanceof Y.Map) round.set('status', 'closed')
}

/**
 * A score for someone without a phone (or a correction), in that person's own document.
 * @param {Y.Doc} own the document p.<pid>
 * @param {string} roundKey
 * @param {number} value 0 to 10
 * @param {string} why
 */
export function enterScore (own, roundKey, value, why) {
  own.getMap('scores').set(roundKey, new Y.Map([['value', value], ['why', why]]))
}

/**
 * @param {Y.Doc} board
 * @param {string} view 'board', 'poll' or 'plan'
 */
export function showOnWall (board, view) {
  board.getMap('meta').set('wall', view)
}

/**
 * @param {Y.Doc} board
 * @param {string} name a label set's name
 */
export function chooseLabels (board, name) {
  board.getMap('meta').set('labels', name)
}

// -- the simple shared list of /r/<room> ----------------------------------------------------------

/**
 * @param {Y.Doc} doc
 * @param {string} text
 */
export function addListItem (doc, text) {
  doc.getArray('items').push([text])
}

/**
 * @param {Y.Doc} doc
 * @param {number} index
 */
export function removeListItem (doc, index) {
  doc.getArray('items').delete(index, 1)
}
