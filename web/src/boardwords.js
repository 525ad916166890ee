// The interface's words for the meeting board (proposals, marks, pairs, scaling, the plan), from the
// `board` section of the chosen language's catalogue; the board's own label set (categories,
// anchors, jargon) is in labels.js.

import { board, phrases } from './catalogue.js'
import { formatDate, lang, t } from './i18n.js'

const words = /** @type {Record<string, any>} */ (board)[lang]
const made = phrases(words, lang, {
  name: ['by', 'acceptName', 'declineName', 'proposalFrom', 'announceNewProposal', 'ownerRemove', 'announceOwnerRemoved',
    'announceScoreEntered', 'confirm', 'announceConfirmed'],
  n: ['pairTag', 'pairLimit', 'pairMissing', 'scoreSaved', 'removeRuleCarried', 'ruleMissing'],
  'n reason': ['childLeftOut'],
  reason: ['childLeftOutRule', 'actionRefused'],
  'n of': ['wallPage', 'scored'],
  'name n': ['scoreOf'],
  label: ['announceMarked'],
  'label text:80': ['markItem'],
  'text:60': ['withdrawProposal', 'levelOf', 'editItem', 'removeItem', 'withdrawn'],
  'text:80': ['phoneConfirmed', 'phoneAccepted', 'phoneDeclined'],
  names: ['scoredNames', 'claimedBy'],
  category: ['announceMoved'],
  pairs: ['pairTitle'],
  question: ['pairNeeds'],
  status: ['statusChanged'],
  words: ['jargon']
})
const markCount = phrases(words.markCount, lang, { 'label n names': ['bare', 'named'] })
const dates = phrases(words.datesLabel, lang, { start: ['start'], review: ['review'], 'start review': ['both'] })
const removeMarked = phrases(words.removeMarked, lang, { 'n disagree': ['plain', 'disagree'] })

export const w = {
  ...made,
  // Said once in the catalogue, under the key of their first use.
  save: t.save,
  cancel: t.cancel,
  wallConnecting: t.connecting,
  markCount: (/** @type {string} */ label, /** @type {number} */ n, /** @type {string} */ names) =>
    names ? markCount.named(label, n, names) : markCount.bare(label, n),
  removeMarked: (/** @type {number} */ n, /** @type {number} */ disagree) =>
    disagree ? removeMarked.disagree(n, disagree) : removeMarked.plain(n),
  jargon: (/** @type {string[]} */ found) => made.jargon(found.map((word) => `"${word}"`).join(', ')),
  // The plan's days are stored as ISO days (2026-12-05) and said as the language writes them.
  datesLabel: (/** @type {string} */ start, /** @type {string} */ review) =>
    start && review ? dates.both(formatDate(start), formatDate(review)) : start ? dates.start(formatDate(start)) : review ? dates.review(formatDate(review)) : ''
}
