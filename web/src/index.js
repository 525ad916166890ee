// The home page: type a room's name and go there.

import { lang, t, translatePage } from './i18n.js'

const ROOM_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/

translatePage()

const form = /** @type {HTMLFormElement} */ (document.getElementById('join'))
const input = /** @type {HTMLInputElement} */ (document.getElementById('room'))

input.addEventListener('input', () => input.setCustomValidity(''))

form.addEventListener('submit', (event) => {
  event.preventDefault()
  // People type names as they say them ("Team Noord"); the server knows them as team-noord.
  const room = input.value.trim().toLowerCase().replace(/\s+/g, '-')
  if (!ROOM_NAME.test(room)) {
    input.setCustomValidity(t.roomInvalid)
    input.reportValidity()
    return
  }
  window.location.assign(`/r/${room}${lang === 'en' ? '?lang=en' : ''}`)
})
