// The interface's words, from the catalogue of the chosen language (catalogue.js): Dutch by default;
// `?lang=en` wins over `<html lang>`. The board's own label set (categories, relations) is in labels.js.

import { LANGUAGES, phrases, ui } from './catalogue.js'

/** @typedef {string} Lang one of LANGUAGES */

/** @returns {Lang} */
export function chooseLang () {
  const asked = new URLSearchParams(window.location.search).get('lang')
  const page = document.documentElement.lang
  for (const candidate of [asked, page]) {
    const short = (candidate || '').toLowerCase().slice(0, 2)
    if (LANGUAGES.includes(short)) return short
  }
  return LANGUAGES[0]
}

export const lang = chooseLang()
const words = /** @type {Record<string, any>} */ (ui)[lang]

export const t = {
  ...phrases(words, lang, {
    text: ['removeItem', 'chooseItem'],
    n: ['unsaved', 'offlineUnsaved', 'presence', 'roomNameLabel', 'continuesRoomLabel', 'sensitiveHidden'],
    room: ['qrAlt', 'projectorOpened', 'exportsOf', 'announceLocked', 'announceUnlocked'],
    name: ['admitName', 'renameName', 'removeName', 'announceAdmitted', 'announceRemoved', 'announceRenamed', 'cofacilitatorAdded'],
    'name room': ['announceWaiting'],
    'from to': ['previewTitle'],
    'n to': ['copied'],
    url: ['joinAt'],
    host: ['localOnly']
  }),
  announceAdmitAll: (/** @type {boolean} */ on) => (on ? words.announceAdmitAll.on : words.announceAdmitAll.off)
}

/** Put the chosen language's words into every element marked `data-i18n="key"`. */
export function translatePage () {
  document.documentElement.lang = lang
  for (const el of document.querySelectorAll('[data-i18n]')) {
    const text = t[el.getAttribute('data-i18n') || '']
    if (typeof text === 'string') el.textContent = text
  }
}

/**
 * The server's messages say both languages, "Dutch. / English."; keep the page's half.
 * @param {string} message
 */
export function localMessage (message) {
  const halves = message.split(' / ')
  if (halves.length !== 2) return message
  return lang === 'en' ? halves[1] : halves[0]
}

/**
 * A same-site link that keeps the page's language.
 * @param {string} path
 */
export function withLang (path) {
  if (lang === LANGUAGES[0]) return path
  const [before, ...fragment] = path.split('#')
  const query = `${before}${before.includes('?') ? '&' : '?'}lang=${lang}`
  return fragment.length ? `${query}#${fragment.join('#')}` : query
}
