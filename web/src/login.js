// The facilitator's log-in (/login): email and password, then on to the console or back to
// where the session ran out (?next=, a path on this site only).

import { api } from './api.js'
import { byId, showError } from './dom.js'
import { t, translatePage, withLang } from './i18n.js'
import './langswitch.js'
import { offerSso } from './ssobutton.js'

translatePage()

const form = /** @type {HTMLFormElement} */ (byId('login'))
const email = /** @type {HTMLInputElement} */ (byId('email'))
const password = /** @type {HTMLInputElement} */ (byId('password'))
const submit = /** @type {HTMLButtonElement} */ (form.querySelector('button[type=submit]'))

function destination () {
  const next = new URLSearchParams(window.location.search).get('next') || ''
  // Only a path of this site: "//elsewhere" or "/\elsewhere" would leave it.
  return /^\/(?![/\\])/.test(next) ? next : withLang('/console')
}

email.focus()
offerSso(destination())

form.addEventListener('submit', async (event) => {
  event.preventDefault()
  if (!email.value.trim() || !password.value) {
    showError(t.fillBoth)
    ;(email.value.trim() ? password : email).focus()
    return
  }
  submit.disabled = true
  showError(null)
  try {
    await api('POST', '/api/session', { email: email.value.trim(), password: password.value })
    password.value = ''
    window.location.assign(destination())
  } catch (err) {
    showError(err instanceof Error ? err.message : t.somethingWrong)
    password.select()
    password.focus()
  } finally {
    submit.disabled = false
  }
})
