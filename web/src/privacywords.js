// The interface's words of the privacy officer's page (/privacy), from the `privacy` section of the catalogue.

import { phrases, privacy } from './catalogue.js'
import { lang } from './i18n.js'

const words = /** @type {Record<string, any>} */ (privacy)[lang]

export const p = phrases(words, lang, {
  n: ['shown', 'retention'],
  id: ['showCase', 'accessTitle'],
  name: ['team']
})

