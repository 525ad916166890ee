// The interface's words, from the catalogue of the chosen language (catalogue.js). The server picks the
// page's language (`?lang=`, the session's choice, else the browser's Accept-Language, else Dutch:
// server/html_shell.py) and says it in `<html lang>`; `?lang=` is read here too so that a page never
// disagrees with its own address. The switch between languages is langswitch.js. The board's own label
// set (categories, relations) is in labels.js.

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

/**
 * The locale for dates and numbers: the browser's own variant of the page's language when it has one
 * (en-GB writes 5 December, en-US December 5), else the language itself.
 * @type {string}
 */
export const locale = (typeof navigator === 'undefined' ? [] : navigator.languages || [])
  .find((tag) => tag.toLowerCase().split('-')[0] === lang) || lang

const dateFormat = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', year: 'numeric' })

/**
 * A date (an ISO day such as 2026-12-05, or a moment) as the page's language writes it; anything
 * that is no date stays as it is.
 * @param {string} value
 */
export function formatDate (value) {
  // A bare day is a calendar date, not midnight UTC: read it as noon local, so no time zone moves it.
  const at = new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T12:00:00` : value)
  return Number.isNaN(at.getTime()) ? value : dateFormat.format(at)
}

export const t = {
  ...phrases(words, lang, {
    text: ['removeItem', 'chooseItem'],
    n: ['unsaved', 'offlineUnsaved', 'presence', 'roomNameLabel', 'continuesRoomLabel', 'sensitiveHidden', 'reviewsOverdue', 'reviewsDue', 'reviewsNotHeld'],
    room: ['qrAlt', 'projectorOpened', 'exportsOf', 'announceLocked', 'announceUnlocked'],
    name: ['admitName', 'renameName', 'removeName', 'announceAdmitted', 'announceRemoved', 'announceRenamed', 'cofacilitatorAdded', 'fullBoardName', 'announceFullBoard', 'announceChildView', 'adminRolesOf', 'adminConfirmDeactivate', 'adminDeactivated', 'adminReactivated'],
    'role name': ['adminRoleGranted', 'adminRoleRevoked'],
    team: ['adminTeamMade', 'adminTeamRenamed', 'adminRenameLabel', 'adminAddLabel', 'adminMembersOf'],
    'name team': ['adminMemberAdded', 'adminMemberRemoved'],
    'name room': ['announceWaiting'],
    'from to': ['previewTitle'],
    'n to': ['copied'],
    to: ['moveDone'],
    'label to': ['moveConfirm'],
    url: ['joinAt'],
    email: ['inviteMailed', 'inviteCopy'],
    'name email': ['setPasswordFor'],
    date: ['reviewsEarliest'],
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
 * The server's messages say both languages, "Dutch. / English."; keep the page's half (the English
 * one for a language the server does not write them in).
 * @param {string} message
 */
export function localMessage (message) {
  const halves = message.split(' / ')
  if (halves.length !== 2) return message
  return lang === LANGUAGES[0] ? halves[0] : halves[1]
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
