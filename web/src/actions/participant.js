// Every write a phone makes. Each lands on a key the server lets this person write (the table
// `WRITES` in server/rooms/schema.py, checked by server/rooms/permissions.py): its own marks,
// claims and open proposals on the board, and its own score in its own document p.<pid>.
// tests/test_actions.py runs these functions in Node and feeds what they write to that check.

import * as Y from 'yjs'
import { newKey } from '../boarddata.js'

/** @typedef {{board: Y.Doc, own: Y.Doc, pid: string}} Participant */

/**
 * @param {Participant} me
 * @param {string} itemKey a framework item
 * @param {string} kind agree, disagree or unsure
 */
export function mark (me, itemKey, kind) {
  me.board.getMap('marks').set(`${itemKey}|${me.pid}`, kind)
}

/**
 * @param {Participant} me
 * @param {string} itemKey
 */
export function unmark (me, itemKey) {
  me.board.getMap('marks').delete(`${itemKey}|${me.pid}`)
}

/**
 * "I'll do this" on a rule of the plan; the facilitator confirms it by making this person an owner.
 * @param {Participant} me
 * @param {string} ruleKey
 */
export function claim (me, ruleKey) {
  me.board.getMap('claims').set(`${ruleKey}|${me.pid}`, 'claimed')
}

/**
 * @param {Participant} me
 * @param {string} ruleKey
 */
export function unclaim (me, ruleKey) {
  me.board.getMap('claims').delete(`${ruleKey}|${me.pid}`)
}

/**
 * A proposal for the board, which reaches it only if the facilitator accepts it.
 * @param {Participant} me
 * @param {string} category
 * @param {string} words 1 to 2000 characters
 */
export function propose (me, category, words) {
  me.board.getMap('proposals').set(`${me.pid}:${newKey()}`, new Y.Map([
    ['by', me.pid], ['text', words], ['category', category], ['status', 'open']
  ]))
}

/**
 * Take back one's own proposal while it is still open.
 * @param {Participant} me
 * @param {string} proposalKey
 */
export function withdraw (me, proposalKey) {
  me.board.getMap('proposals').delete(proposalKey)
}

/**
 * @param {Participant} me
 * @param {string} roundKey a round of the board's poll, while it is open
 * @param {number} value 0 to 10
 * @param {string} why
 */
export function score (me, roundKey, value, why) {
  me.own.getMap('scores').set(roundKey, new Y.Map([['value', value], ['why', why]]))
}

/**
 * The words to a score already given; without a score there is nothing to explain.
 * @param {Participant} me
 * @param {string} roundKey
 * @param {string} why
 */
export function explainScore (me, roundKey, why) {
  const entry = me.own.getMap('scores').get(roundKey)
  if (entry instanceof Y.Map) entry.set('why', why)
}
