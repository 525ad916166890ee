// The facilitator's log-in (/login): email and password, then on to the console or back to
// where the session ran out (?next=, a path on this site only). With a second factor on, the code
// (or a recovery code) comes next on the same page; an account that must still set one up goes to
// /account first. Opened as /login?step=code (half-way: the password given, the code not) it starts
// at the code.

import { api, ApiError } from './api.js'
import { byId, showError } from './dom.js'
import { t, translatePage, withLang } from './i18n.js'
import './langswitch.js'
import { offerSso } from './ssobutton.js'

translatePage()

const form = /** @type {HTMLFormElement} */ (byId('login'))
const email = /** @type {HTMLInputElement} */ (byId('email'))
const password = /** @type {HTMLInputElement} */ (byId('password'))
const submit = /** @type {HTMLButtonElement} */ (form.querySelector('button[type=submit]'))
const second = /** @type {HTMLFormElement} */ (byId('second'))
const code = /** @type {HTMLInputElement} */ (byId('code'))
const codeError = byId('code-error')

function destination () {
  const next = new URLSearchParams(window.location.search).get('next') || ''
  // Only a path of this site: "//elsewhere" or "/\elsewhere" would leave it.
  return /^\/(?![/\\])/.test(next) ? next : withLang('/console')
}

/** @param {string} stage where the session stands (GET /api/account) */
function onward (stage) {
  if (stage === 'second_factor') {
    form.hidden = true
    second.hidden = false
    code.focus()
  } else if (stage === 'enrol') {
    window.location.assign(withLang('/account'))
  } else {
    window.location.assign(destination())
  }
}

email.focus()
offerSso(destination())

// Sent here half-way signed in (a password set through a reset link, with a second factor on):
// straight to the code. Asked only then, so a plain visit makes no request that answers 401.
if (new URLSearchParams(window.location.search).get('step') === 'code') {
  api('GET', '/api/account').then(
    (state) => { if (state.stage !== 'full') onward(state.stage) },
    () => {}
  )
}

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
    const state = await api('GET', '/api/account')
    onward(state.stage)
  } catch (err) {
    showError(err instanceof Error ? err.message : t.somethingWrong)
    password.select()
    password.focus()
  } finally {
    submit.disabled = false
  }
})

second.addEventListener('submit', async (event) => {
  event.preventDefault()
  const button = /** @type {HTMLButtonElement} */ (second.querySelector('button[type=submit]'))
  if (!code.value.trim()) {
    showError(t.fillCode, codeError)
    code.focus()
    return
  }
  button.disabled = true
  showError(null, codeError)
  try {
    await api('POST', '/api/session/second-factor', { code: code.value.trim() })
    code.value = ''
    window.location.assign(destination())
  } catch (err) {
    if (err instanceof ApiError && err.status === 401 && err.code !== 'bad_code') {
      // The half-signed-in session ended (idle, or reset): start over with the password.
      second.hidden = true
      form.hidden = false
      showError(err.message)
      email.focus()
      return
    }
    showError(err instanceof Error ? err.message : t.somethingWrong, codeError)
    code.select()
  } finally {
    button.disabled = false
  }
})
