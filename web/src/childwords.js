// The interface's words for the child tools (the Three Houses) and for progress over time, from the
// `child` section of the chosen language's catalogue.

import { board, child, fill, phrases } from './catalogue.js'
import { lang } from './i18n.js'

const words = /** @type {Record<string, any>} */ (child)[lang]
const boardWords = /** @type {Record<string, any>} */ (board)[lang]
const copied = phrases(words.copied, lang, { room: ['some'] })

export const c = {
  ...phrases(words, lang, {
    house: ['added', 'photoAlt'],
    'who band': ['consentGiven'],
    text: ['changeFor', 'questionPair'],
    room: ['copyTo', 'copyPreview'],
    'people meetings': ['chartDesc'],
    role: ['roleMean'],
    'number title': ['pointIs'],
    number: ['pointShort'],
    n: ['journalHeld', 'journalNotHeld', 'journalUnsure', 'childScoreChosen'],
    name: ['safetyConsent', 'safetyPhotoOf', 'safetyNeedConsent', 'safetyPhotoSaved', 'safetyPhotoRemoved', 'safetyChosen'],
    meeting: ['pointChoose']
  }),
  // Said once in the catalogue, in the board's words.
  statuses: boardWords.statuses,
  questionOverall: boardWords.overall,
  removeEntry: boardWords.remove,
  removeFor: (/** @type {string} */ text) => fill(boardWords.removeItem, { text }),
  copied: (/** @type {number} */ n, /** @type {string} */ room) => (n ? copied.some(room) : copied.none)
}
