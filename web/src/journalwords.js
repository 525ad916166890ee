// The interface's words for the time between meetings: a network member's plan page (/plan) and the
// console's "network between meetings" panel, from the `journal` section of the catalogue.

import { journal, phrases } from './catalogue.js'
import { lang } from './i18n.js'

const words = /** @type {Record<string, any>} */ (journal)[lang]

export const j = phrases(words, lang, {
  name: ['hello', 'carries', 'made', 'qrAlt', 'revokeFor'],
  names: ['who'],
  text: ['when', 'check', 'ifNotKept'],
  'day verdict': ['reportLine'],
  'held rules': ['summaryHeld'],
  'text:60 times': ['summaryFailed'],
  'name kind day': ['reportBy'],
  n: ['daysLeft', 'daysLate'],
  date: ['review', 'lastUsed', 'callMeetingTitle']
})
