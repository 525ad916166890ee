// The interface's words in Dutch (the default) and English. `?lang=en` wins over `<html lang>`.

/** @typedef {'nl' | 'en'} Lang */

const nl = {
  tagline: 'Een live bord voor netwerkberaden.',
  roomLabel: 'Naam van de kamer',
  roomHint: 'Kleine letters, cijfers en streepjes, zoals team-noord-3.',
  roomInvalid: 'Gebruik alleen kleine letters, cijfers en streepjes, en begin met een letter of cijfer.',
  open: 'Openen',
  listTitle: 'Gedeelde lijst',
  itemLabel: 'Nieuw punt',
  add: 'Toevoegen',
  remove: 'Verwijderen',
  removeItem: (/** @type {string} */ text) => `Verwijder: ${text}`,
  empty: 'Nog geen punten. Voeg het eerste toe.',
  connecting: 'Verbinden…',
  saved: 'Alles opgeslagen',
  unsaved: (/** @type {number} */ n) => (n === 1 ? '1 wijziging nog niet opgeslagen' : `${n} wijzigingen nog niet opgeslagen`),
  offline: 'Geen verbinding. Je wijzigingen gaan mee zodra de verbinding terug is.',
  offlineUnsaved: (/** @type {number} */ n) =>
    `Geen verbinding. ${n === 1 ? '1 wijziging wacht' : `${n} wijzigingen wachten`} tot de verbinding terug is.`,
  refused: 'De server weigerde een wijziging; die is niet opgeslagen.',
  presence: (/** @type {number} */ n) => (n === 1 ? 'Alleen jij bent hier' : `${n} mensen hier`)
}

/** @type {typeof nl} */
const en = {
  tagline: 'A live board for family network meetings.',
  roomLabel: 'Room name',
  roomHint: 'Lower-case letters, digits and hyphens, like team-north-3.',
  roomInvalid: 'Use only lower-case letters, digits and hyphens, and start with a letter or digit.',
  open: 'Open',
  listTitle: 'Shared list',
  itemLabel: 'New item',
  add: 'Add',
  remove: 'Remove',
  removeItem: (text) => `Remove: ${text}`,
  empty: 'No items yet. Add the first one.',
  connecting: 'Connecting…',
  saved: 'All changes saved',
  unsaved: (n) => (n === 1 ? '1 change not saved yet' : `${n} changes not saved yet`),
  offline: 'No connection. Your changes will be sent when the connection is back.',
  offlineUnsaved: (n) => `No connection. ${n === 1 ? '1 change is' : `${n} changes are`} waiting for the connection.`,
  refused: 'The server refused a change; it was not saved.',
  presence: (n) => (n === 1 ? 'Only you are here' : `${n} people here`)
}

const catalogues = { nl, en }

/** @returns {Lang} */
export function chooseLang () {
  const asked = new URLSearchParams(window.location.search).get('lang')
  const page = document.documentElement.lang
  for (const candidate of [asked, page]) {
    const short = (candidate || '').toLowerCase().slice(0, 2)
    if (short === 'nl' || short === 'en') return short
  }
  return 'nl'
}

export const lang = chooseLang()
export const t = catalogues[lang]

/** Put the chosen language's words into every element marked `data-i18n="key"`. */
export function translatePage () {
  document.documentElement.lang = lang
  for (const el of document.querySelectorAll('[data-i18n]')) {
    const key = /** @type {keyof typeof nl} */ (el.getAttribute('data-i18n'))
    const text = t[key]
    if (typeof text === 'string') el.textContent = text
  }
}
