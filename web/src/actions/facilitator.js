// Every write the facilitator's console makes: the board (framework, proposals' decisions, the
// safety plan, the scaling question, what the wall shows, the /r/<room> list) and a person's own
// document p.<pid> for a score given without a phone. The table `WRITES` in server/rooms/schema.py
// says what each writes where; tests/test_actions.py runs these functions in Node against it.
// The callers check what people typed; these write what they are given.

import * as Y from 'yjs'
import { listOf, newKey, nextOrder } from '../boarddata.js'
import { replaceText } from './text.js'

// -- framework items ------------------------------------------------------------------------------

/**
 * @param {Y.Doc} board
 * @param {{category: string, text: string, by: string, sensitive: boolean}} item
 */
export function addItem (board, { category, text, by, sensitive }) {
  const framework = board.getMap('framework')
  framework.set(newKey(), new Y.Map([
    ['category', category],
    ['text', new Y.Text(text)],
    ['by', by],
    ['sensitive', sensitive],
    ['order', nextOrder(framework)]
  ]))
}

/** @typedef {{text: string, guided: [string, string][]}} Half the words, and the guided form's parts */

/**
 * A danger statement and its safety goal, written at once, each naming the other as its pair.
 * @param {Y.Doc} board
 * @param {{by: string, sensitive: boolean, danger: Half, goal: Half}} pair
 */
export function addPair (board, { by, sensitive, danger, goal }) {
  const framework = board.getMap('framework')
  const dangerKey = newKey()
  const goalKey = newKey()
  board.transact(() => {
    const order = nextOrder(framework)
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
  const map = board.getMap('framework').get(key)
  if (!(map instanceof Y.Map)) return
  board.transact(() => {
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
  const map = board.getMap('framework').get(key)
  if (map instanceof Y.Map) map.set('category', category)
}

/**
 * A sensitive entry never reaches the wall nor another room.
 * @param {Y.Doc} board
 * @param {'framework' | 'agreements'} root
 * @param {string} key
 * @param {boolean} on
 * @returns {boolean} false when there is no such entry
 */
export function setSensitive (board, root, key, on) {
  const map = board.getMap(root).get(key)
  if (!(map instanceof Y.Map)) return false
  map.set('sensitive', on)
  return true
}

/**
 * @param {Y.Doc} board
 * @param {string} key
 */
export function removeItem (board, key) {
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
 * @property {string} start YYYY-MM-DD or ''
 * @property {string} review YYYY-MM-DD or ''
 */

/**
 * A new rule, proposed until the network agrees on it.
 * @param {Y.Doc} board
 * @param {RuleFields & {owners: string[], sensitive: boolean}} rule
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
    ['start', rule.start],
    ['review', rule.review],
    ['status', 'proposed'],
    ['sensitive', rule.sensitive],
    ['order', nextOrder(agreements)]
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
  const map = board.getMap('agreements').get(key)
  if (!(map instanceof Y.Map)) return
  board.transact(() => {
    replaceText(map, 'text', rule.text)
    map.set('section', rule.section)
    if (rule.goal) map.set('goal', rule.goal)
    else map.delete('goal')
    map.set('when', rule.when)
    map.set('check', rule.check)
    map.set('check_by', rule.checkBy)
    map.set('if_not_kept', rule.ifNotKept)
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
  const map = board.getMap('agreements').get(key)
  if (map instanceof Y.Map) map.set('status', status)
}

/**
 * @param {Y.Doc} board
 * @param {string} key
 */
export function removeRule (board, key) {
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
  const rule = board.getMap('agreements').get(ruleKey)
  if (!(rule instanceof Y.Map) || !pid) return false
  board.transact(() => {
    const owners = rule.get('owners')
    if (owners instanceof Y.Array) {
      if (!owners.toArray().includes(pid)) owners.push([pid])
    } else {
      rule.set('owners', Y.Array.from([...listOf(owners).filter((p) => p !== pid), pid]))
    }
    board.getMap('claims').delete(`${ruleKey}|${pid}`)
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
  const rule = board.getMap('agreements').get(ruleKey)
  if (!(rule instanceof Y.Map)) return false
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
