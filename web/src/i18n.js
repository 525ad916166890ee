// The interface's words in Dutch (the default) and English. `?lang=en` wins over `<html lang>`.
// The board's own label set (categories, relations) is in labels.js.

/** @typedef {'nl' | 'en'} Lang */

/** @param {number} n @param {string} one @param {string} many */
const plural = (n, one, many) => (n === 1 ? one : many.replace('{n}', String(n)))

const nl = {
  // -- home and the simple list (/r/{room}) --
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
  unsaved: (/** @type {number} */ n) => plural(n, '1 wijziging nog niet opgeslagen', '{n} wijzigingen nog niet opgeslagen'),
  offline: 'Geen verbinding. Je wijzigingen gaan mee zodra de verbinding terug is.',
  offlineUnsaved: (/** @type {number} */ n) =>
    `Geen verbinding. ${plural(n, '1 wijziging wacht', '{n} wijzigingen wachten')} tot de verbinding terug is.`,
  refused: 'De server weigerde een wijziging; die is niet opgeslagen.',
  presence: (/** @type {number} */ n) => (n === 1 ? 'Alleen jij bent hier' : `${n} mensen hier`),

  // -- shared --
  networkError: 'Geen verbinding met de server. Probeer het zo opnieuw.',
  somethingWrong: 'Er ging iets mis. Probeer het opnieuw.',
  live: 'Verbonden',
  readOnly: 'Alleen lezen',
  boardEmpty: 'Er staat nog niets op het bord.',
  agreements: 'Afspraken',
  cancel: 'Annuleren',
  save: 'Opslaan',
  /** Why a live connection ended, by the server's refusal code. */
  ended: {
    not_admitted: 'De gespreksleider heeft je nog niet binnengelaten.',
    room_closed: 'Deze bijeenkomst is afgesloten.',
    removed: 'De gespreksleider heeft je uit de bijeenkomst gehaald.',
    bad_auth: 'Deze verbinding is niet (meer) geldig. Meld je opnieuw aan.'
  },
  apiErrors: {
    bad_login: 'E-mailadres of wachtwoord klopt niet.',
    too_many_attempts: 'Te veel pogingen. Wacht even en probeer het dan opnieuw.',
    unknown_code: 'Deze code klopt niet. Kijk nog eens op het scherm.',
    room_locked: 'De kamer is op slot. Vraag de gespreksleider om je binnen te laten.',
    room_closed: 'Deze bijeenkomst is afgesloten.',
    meeting_closed: 'Deze bijeenkomst is afgesloten.',
    bad_name: 'Vul je naam in (hoogstens 80 tekens).',
    bad_relation: 'Kies wie je bent voor het gezin.',
    changed: 'Er is iets veranderd sinds het voorbeeld. Bekijk het voorbeeld opnieuw.',
    not_logged_in: 'Je bent uitgelogd. Log opnieuw in.'
  },

  // -- log-in --
  loginTitle: 'Inloggen voor gespreksleiders',
  email: 'E-mailadres',
  password: 'Wachtwoord',
  logIn: 'Inloggen',
  logOut: 'Uitloggen',
  fillBoth: 'Vul je e-mailadres en wachtwoord in.',

  // -- cases --
  casesNav: 'Zaken',
  casesTitle: 'Zaken',
  yourCases: 'Jouw zaken',
  newCase: 'Nieuwe zaak',
  caseLabel: 'Kenmerk van de zaak',
  caseLabelHint: 'Een pseudoniem, zoals Gezin M-2026. Geen namen, BSN of adressen.',
  createCase: 'Zaak aanmaken',
  noCases: 'Nog geen zaken. Maak hierboven de eerste aan.',
  noMeetings: 'Nog geen bijeenkomsten.',
  newMeeting: 'Nieuwe bijeenkomst',
  meetingTitleLabel: 'Titel',
  meetingTitleDefault: 'Netwerkberaad',
  meetingKind: 'Opzet',
  oneRoom: 'Eén kamer: iedereen samen',
  splitRooms: 'Gesplitst: een kamer per ouder',
  splitHint: 'Elke kamer krijgt een eigen code en een eigen bord. Niets gaat vanzelf van de ene naar de andere kamer.',
  roomNameLabel: (/** @type {number} */ n) => `Naam van kamer ${n}`,
  roomNameDefaults: ['Moeder', 'Vader'],
  singleRoomName: 'Kamer',
  continuesLabel: 'Vervolg van welke eerdere kamer?',
  continuesRoomLabel: (/** @type {number} */ n) => `Kamer ${n} is een vervolg van`,
  continuesHint: 'Alleen een kamer die je hier kiest laat de scores van de vorige keer zien, met voornamen. Kies bij gesplitste gesprekken de kamer van dezelfde ouder.',
  continuesNone: 'Geen: zonder scores van eerder',
  createMeeting: 'Bijeenkomst aanmaken',
  meetingOpen: 'open',
  meetingClosedShort: 'afgesloten',

  // -- the meeting console --
  backToCases: 'Terug naar zaken',
  admitAll: 'Iedereen met de code meteen binnenlaten',
  admitAllHint: 'Uit: jij laat elke persoon zelf binnen. Geldt voor alle kamers van deze bijeenkomst.',
  closeMeeting: 'Bijeenkomst afsluiten',
  closeConfirm: 'Afsluiten: codes vervallen en iedereen wordt losgekoppeld. Zeker weten?',
  closeYes: 'Ja, afsluiten',
  meetingIsClosed: 'Deze bijeenkomst is afgesloten. De codes werken niet meer.',
  joinCode: 'Code om mee te doen',
  qrAlt: (/** @type {string} */ room) => `QR-code om mee te doen in kamer ${room}`,
  lockRoom: 'Kamer op slot',
  lockHint: 'Op slot: niemand nieuw kan nog meedoen en het scherm toont de code niet meer.',
  projector: 'Projector openen',
  projectorOpened: (/** @type {string} */ room) => `Projector voor ${room} geopend in een nieuw venster.`,
  projectorBlocked: 'Je browser hield het venster tegen. Open de projector met deze link:',
  projectorLink: 'Projector',
  waitingTitle: 'Wachten',
  admittedTitle: 'Binnen',
  removedTitle: 'Verwijderd',
  nobodyWaiting: 'Niemand wacht.',
  nobodyAdmitted: 'Nog niemand binnen.',
  admit: 'Binnenlaten',
  admitName: (/** @type {string} */ name) => `${name} binnenlaten`,
  rename: 'Naam wijzigen',
  renameName: (/** @type {string} */ name) => `Naam van ${name} wijzigen`,
  newName: 'Nieuwe naam',
  removePerson: 'Verwijderen',
  removeName: (/** @type {string} */ name) => `${name} verwijderen`,
  connectedNow: 'verbonden',
  announceWaiting: (/** @type {string} */ name, /** @type {string} */ room) => `${name} wacht in kamer ${room}.`,
  announceAdmitted: (/** @type {string} */ name) => `${name} is binnengelaten.`,
  announceRemoved: (/** @type {string} */ name) => `${name} is verwijderd.`,
  announceRenamed: (/** @type {string} */ name) => `De naam is nu ${name}.`,
  announceLocked: (/** @type {string} */ room) => `Kamer ${room} is op slot.`,
  announceUnlocked: (/** @type {string} */ room) => `Kamer ${room} is open.`,
  announceAdmitAll: (/** @type {boolean} */ on) => (on ? 'Iedereen met de code komt nu meteen binnen.' : 'Jij laat nu iedereen zelf binnen.'),
  announceClosed: 'De bijeenkomst is afgesloten.',
  cofacilitators: 'Begeleiders van deze casus',
  cofacilitatorEmail: 'E-mailadres van een collega',
  cofacilitatorAdd: 'Als begeleider toevoegen',
  cofacilitatorAdded: (/** @type {string} */ name) => `${name} begeleidt deze casus nu mee.`,
  exportsOf: (/** @type {string} */ room) => `Meenemen naar het dossier: ${room}`,
  exportPdf: 'Verslag (PDF)',
  exportJson: 'Gegevens (JSON)',
  childrenPdf: 'Kinderversie (PDF)',
  deleteNow: 'Nu van het bord verwijderen',
  deleteConfirm: 'Alles van deze bijeenkomst gaat van het bord: borden, namen, tekeningen. Neem eerst het verslag mee naar het dossier. Het auditlog blijft, zonder inhoud. Zeker weten?',
  deleteYes: 'Ja, nu verwijderen',
  announceDeleted: 'De bijeenkomst is van het bord verwijderd.',
  boardTitle: 'Bord',
  addItemTitle: 'Op het bord zetten',
  category: 'Onderdeel',
  itemText: 'Tekst',
  sensitive: 'Gevoelig: mag nooit naar een andere kamer',
  sensitiveBadge: 'gevoelig',
  addItem: 'Toevoegen',
  announceAdded: 'Toegevoegd aan het bord.',
  copyTitle: 'Naar een andere kamer kopiëren',
  copyHint: 'Vink items op het bord aan en bekijk eerst wat er gekopieerd wordt.',
  copyTarget: 'Naar kamer',
  chooseItem: (/** @type {string} */ text) => `Kiezen om te kopiëren: ${text}`,
  previewCopy: 'Voorbeeld van de kopie',
  copyNow: 'Kopiëren',
  chooseFirst: 'Vink eerst een of meer items aan.',
  previewTitle: (/** @type {string} */ from, /** @type {string} */ to) => `Van ${from} naar ${to}`,
  willCopy: 'Wordt gekopieerd',
  notCopied: 'Wordt niet gekopieerd',
  nothingToCopy: 'Niets om te kopiëren.',
  replaces: 'vervangt het item dat daar al staat',
  reasons: {
    sensitive: 'gevoelig',
    not_found: 'niet meer op het bord',
    not_allowed: 'mag niet naar een andere kamer'
  },
  copied: (/** @type {number} */ n, /** @type {string} */ to) => `${plural(n, '1 item', '{n} items')} gekopieerd naar ${to}.`,

  // -- phone --
  joinTitle: 'Meedoen aan het netwerkberaad',
  codeLabel: 'Code',
  codeHint: 'Acht cijfers, van het scherm of van de gespreksleider.',
  nameLabel: 'Je naam',
  nameHint: 'Je voornaam is genoeg. Anderen in deze kamer zien hem.',
  relationLabel: 'Wie ben je voor het gezin?',
  relationChoose: 'Kies…',
  joinButton: 'Meedoen',
  codeInvalid: 'Vul de acht cijfers van de code in.',
  nameMissing: 'Vul je naam in.',
  relationMissing: 'Kies wie je bent voor het gezin.',
  waitingHeading: 'Wacht tot de gespreksleider je binnenlaat',
  waitingHint: 'Je hoeft niets te doen: dit scherm gaat vanzelf verder.',
  stopWaiting: 'Toch niet meedoen',
  admittedGo: 'Je bent binnen. Het bord wordt geopend…',
  left: 'Je hebt de bijeenkomst verlaten. Op deze telefoon is niets bewaard.',
  joinAgain: 'Opnieuw meedoen',
  notJoined: 'Je doet nog niet mee. Vul eerst de code in.',
  goJoin: 'Naar meedoen',
  leave: 'Verlaten',
  phoneBoardHint: 'Dit is het bord van jouw kamer. Je kunt meelezen.',
  expired: 'Je aanmelding is verlopen. Meld je opnieuw aan met de code.',

  // -- projector --
  projectorNoToken: 'Deze projectorlink is niet compleet. Open de projector opnieuw vanuit de console.',
  joinHere: 'Doe mee met je telefoon',
  joinAt: (/** @type {string} */ url) => `Scan de QR-code of ga naar ${url}`,
  roomLocked: 'De kamer is gesloten voor nieuwe deelnemers.',
  hereNow: 'Aanwezig',
  sensitiveHidden: (/** @type {number} */ n) => `${plural(n, '1 gevoelig punt staat', '{n} gevoelige punten staan')} niet op dit scherm.`,
  fullscreen: 'Volledig scherm'
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
  unsaved: (n) => plural(n, '1 change not saved yet', '{n} changes not saved yet'),
  offline: 'No connection. Your changes will be sent when the connection is back.',
  offlineUnsaved: (n) => `No connection. ${plural(n, '1 change is', '{n} changes are')} waiting for the connection.`,
  refused: 'The server refused a change; it was not saved.',
  presence: (n) => (n === 1 ? 'Only you are here' : `${n} people here`),

  networkError: 'No connection to the server. Please try again shortly.',
  somethingWrong: 'Something went wrong. Please try again.',
  live: 'Connected',
  readOnly: 'Read only',
  boardEmpty: 'Nothing on the board yet.',
  agreements: 'Agreements',
  cancel: 'Cancel',
  save: 'Save',
  ended: {
    not_admitted: 'The facilitator has not let you in yet.',
    room_closed: 'This meeting is closed.',
    removed: 'The facilitator removed you from the meeting.',
    bad_auth: 'This connection is not valid (any more). Please join again.'
  },
  apiErrors: {
    bad_login: 'Wrong email address or password.',
    too_many_attempts: 'Too many attempts. Please wait a moment and try again.',
    unknown_code: 'This code is not valid. Please check the screen again.',
    room_locked: 'The room is locked. Ask the facilitator to let you in.',
    room_closed: 'This meeting is closed.',
    meeting_closed: 'This meeting is closed.',
    bad_name: 'Please enter your name (at most 80 characters).',
    bad_relation: 'Please choose who you are to the family.',
    changed: 'Something changed since the preview. Please look at the preview again.',
    not_logged_in: 'You are logged out. Please log in again.'
  },

  loginTitle: 'Log in for facilitators',
  email: 'Email address',
  password: 'Password',
  logIn: 'Log in',
  logOut: 'Log out',
  fillBoth: 'Please enter your email address and password.',

  casesNav: 'Cases',
  casesTitle: 'Cases',
  yourCases: 'Your cases',
  newCase: 'New case',
  caseLabel: 'Case label',
  caseLabelHint: 'A pseudonym, like Family M-2026. No names, citizen numbers or addresses.',
  createCase: 'Create case',
  noCases: 'No cases yet. Create the first one above.',
  noMeetings: 'No meetings yet.',
  newMeeting: 'New meeting',
  meetingTitleLabel: 'Title',
  meetingTitleDefault: 'Network meeting',
  meetingKind: 'Set-up',
  oneRoom: 'One room: everyone together',
  splitRooms: 'Split: one room per parent',
  splitHint: 'Each room gets its own code and its own board. Nothing moves from one room to the other by itself.',
  roomNameLabel: (n) => `Name of room ${n}`,
  roomNameDefaults: ['Mother', 'Father'],
  singleRoomName: 'Room',
  continuesLabel: 'Continues which earlier room?',
  continuesRoomLabel: (n) => `Room ${n} continues`,
  continuesHint: 'Only a room you choose here shows the scores of last time, with first names. In a split case, choose the same parent\'s room.',
  continuesNone: 'None: no earlier scores',
  createMeeting: 'Create meeting',
  meetingOpen: 'open',
  meetingClosedShort: 'closed',

  backToCases: 'Back to cases',
  admitAll: 'Let everyone with the code in at once',
  admitAllHint: 'Off: you let each person in yourself. Applies to every room of this meeting.',
  closeMeeting: 'Close meeting',
  closeConfirm: 'Closing ends the codes and disconnects everyone. Are you sure?',
  closeYes: 'Yes, close',
  meetingIsClosed: 'This meeting is closed. The codes no longer work.',
  joinCode: 'Code to join',
  qrAlt: (room) => `QR code to join room ${room}`,
  lockRoom: 'Room locked',
  lockHint: 'Locked: nobody new can join and the screen no longer shows the code.',
  projector: 'Open projector',
  projectorOpened: (room) => `Projector for ${room} opened in a new window.`,
  projectorBlocked: 'Your browser blocked the window. Open the projector with this link:',
  projectorLink: 'Projector',
  waitingTitle: 'Waiting',
  admittedTitle: 'In the room',
  removedTitle: 'Removed',
  nobodyWaiting: 'Nobody is waiting.',
  nobodyAdmitted: 'Nobody in the room yet.',
  admit: 'Let in',
  admitName: (name) => `Let ${name} in`,
  rename: 'Rename',
  renameName: (name) => `Rename ${name}`,
  newName: 'New name',
  removePerson: 'Remove',
  removeName: (name) => `Remove ${name}`,
  connectedNow: 'connected',
  announceWaiting: (name, room) => `${name} is waiting in room ${room}.`,
  announceAdmitted: (name) => `${name} was let in.`,
  announceRemoved: (name) => `${name} was removed.`,
  announceRenamed: (name) => `The name is now ${name}.`,
  announceLocked: (room) => `Room ${room} is locked.`,
  announceUnlocked: (room) => `Room ${room} is open.`,
  announceAdmitAll: (on) => (on ? 'Everyone with the code now gets in at once.' : 'You now let everyone in yourself.'),
  announceClosed: 'The meeting is closed.',
  cofacilitators: 'Facilitators of this case',
  cofacilitatorEmail: "A colleague's email address",
  cofacilitatorAdd: 'Add as facilitator',
  cofacilitatorAdded: (name) => `${name} now co-facilitates this case.`,
  exportsOf: (room) => `Take to the case file: ${room}`,
  exportPdf: 'Record (PDF)',
  exportJson: 'Data (JSON)',
  childrenPdf: "Children's version (PDF)",
  deleteNow: 'Delete from the board now',
  deleteConfirm: 'Everything of this meeting leaves the board: boards, names, drawings. Take the record to the case file first. The audit log stays, without content. Are you sure?',
  deleteYes: 'Yes, delete now',
  announceDeleted: 'The meeting has been deleted from the board.',
  boardTitle: 'Board',
  addItemTitle: 'Put on the board',
  category: 'Part',
  itemText: 'Text',
  sensitive: 'Sensitive: must never go to another room',
  sensitiveBadge: 'sensitive',
  addItem: 'Add',
  announceAdded: 'Added to the board.',
  copyTitle: 'Copy to another room',
  copyHint: 'Tick items on the board and first look at what will be copied.',
  copyTarget: 'To room',
  chooseItem: (text) => `Choose to copy: ${text}`,
  previewCopy: 'Preview the copy',
  copyNow: 'Copy',
  chooseFirst: 'Tick one or more items first.',
  previewTitle: (from, to) => `From ${from} to ${to}`,
  willCopy: 'Will be copied',
  notCopied: 'Will not be copied',
  nothingToCopy: 'Nothing to copy.',
  replaces: 'replaces the item already there',
  reasons: {
    sensitive: 'sensitive',
    not_found: 'no longer on the board',
    not_allowed: 'may not go to another room'
  },
  copied: (n, to) => `${plural(n, '1 item', '{n} items')} copied to ${to}.`,

  joinTitle: 'Join the network meeting',
  codeLabel: 'Code',
  codeHint: 'Eight digits, from the screen or from the facilitator.',
  nameLabel: 'Your name',
  nameHint: 'Your first name is enough. Others in this room will see it.',
  relationLabel: 'Who are you to the family?',
  relationChoose: 'Choose…',
  joinButton: 'Join',
  codeInvalid: 'Please enter the eight digits of the code.',
  nameMissing: 'Please enter your name.',
  relationMissing: 'Please choose who you are to the family.',
  waitingHeading: 'Wait until the facilitator lets you in',
  waitingHint: 'You need not do anything: this screen moves on by itself.',
  stopWaiting: 'Do not join after all',
  admittedGo: 'You are in. Opening the board…',
  left: 'You left the meeting. Nothing was kept on this phone.',
  joinAgain: 'Join again',
  notJoined: 'You have not joined yet. Please enter the code first.',
  goJoin: 'Go to join',
  leave: 'Leave',
  phoneBoardHint: 'This is the board of your room. You can read along.',
  expired: 'Your sign-in expired. Please join again with the code.',

  projectorNoToken: 'This projector link is incomplete. Open the projector again from the console.',
  joinHere: 'Join with your phone',
  joinAt: (url) => `Scan the QR code or go to ${url}`,
  roomLocked: 'The room is closed to new participants.',
  hereNow: 'Here',
  sensitiveHidden: (n) => `${plural(n, '1 sensitive item is', '{n} sensitive items are')} not shown on this screen.`,
  fullscreen: 'Full screen'
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
  if (lang !== 'en') return path
  const [before, ...fragment] = path.split('#')
  const query = `${before}${before.includes('?') ? '&' : '?'}lang=en`
  return fragment.length ? `${query}#${fragment.join('#')}` : query
}
