// Your account (/account): with an invitation's or reset's one-time link (/account#<token>) the page
// sets your password; then, or when you come here signed in without a second factor, it sets up TOTP:
// a QR code drawn by the server (no third-party script) and the key as text, your first code, and the
// recovery codes shown this once. The token leaves the address bar as soon as it is read.

import { api, ApiError, toLogin } from './api.js'
import { announce, byId, showError } from './dom.js'
import { t, translatePage, withLang } from './i18n.js'
import './langswitch.js'
import { html, render } from './view.js'

translatePage()

const view = byId('view')
const main = byId('main')
const title = byId('title')

/** @typedef {{email: string, name: string, stage: string, via: string, second_factor: boolean, required: boolean}} State */

/** @param {unknown} err */
function said (err) {
  return err instanceof Error ? err.message : t.somethingWrong
}

/** @param {string} text */
function heading (text) {
  title.textContent = text
  document.title = `Kring · ${text}`
}

/** @param {string} id */
function focus (id) {
  const el = document.getElementById(id)
  if (el) el.focus()
}

function toConsole () {
  window.location.assign(withLang('/console'))
}

// -- the one-time link: choose a password --------------------------------------------------------

/** @param {string} token */
async function passwordPage (token) {
  let info
  try {
    info = await api('POST', '/api/account/link', { token })
  } catch (err) {
    heading(t.accountTitle)
    render(html`<p class="notice" role="status">${err instanceof ApiError && err.code === 'link_ended' ? t.linkEnded : said(err)}</p>`, view)
    return
  }
  heading(t.setPasswordTitle)
  render(html`
    <form id="password-form" class="stack" novalidate @submit=${(/** @type {SubmitEvent} */ e) => setPassword(e, token)}>
      <p>${t.setPasswordFor(info.name, info.email)}</p>
      <input type="email" name="username" autocomplete="username" .value=${info.email} hidden>
      <label for="new-password">${t.newPassword}</label>
      <input id="new-password" type="password" autocomplete="new-password" required minlength="10" maxlength="1024">
      <label for="repeat-password">${t.repeatPassword}</label>
      <input id="repeat-password" type="password" autocomplete="new-password" required minlength="10" maxlength="1024">
      <button type="submit">${t.savePassword}</button>
    </form>`, view)
  focus('new-password')
}

/**
 * @param {SubmitEvent} event
 * @param {string} token
 */
async function setPassword (event, token) {
  event.preventDefault()
  const first = /** @type {HTMLInputElement} */ (byId('new-password'))
  const second = /** @type {HTMLInputElement} */ (byId('repeat-password'))
  if (first.value !== second.value) {
    showError(t.passwordsDiffer)
    second.focus()
    return
  }
  const button = /** @type {HTMLButtonElement} */ (/** @type {HTMLFormElement} */ (event.currentTarget).querySelector('button'))
  button.disabled = true
  showError(null)
  try {
    /** @type {State} */
    const state = await api('POST', '/api/account/password', { token, password: first.value })
    first.value = ''
    second.value = ''
    await next(state)
  } catch (err) {
    if (err instanceof ApiError && err.code === 'link_ended') {
      render(html`<p class="notice" role="status">${t.linkEnded}</p>`, view)
      return
    }
    showError(said(err))
    first.focus()
  } finally {
    button.disabled = false
  }
}

// -- the second factor ------------------------------------------------------------------------------

/** @param {State} state */
async function next (state) {
  if (state.stage === 'second_factor') {
    // A reset of an account that has a second factor: its code comes next, on the log-in page.
    window.location.assign(withLang('/login?step=code'))
  } else if (state.second_factor) {
    heading(t.accountTitle)
    render(html`<p class="notice" role="status">${t.secondFactorOn}</p>
      <p><a href=${withLang('/console')}>${t.toConsole}</a></p>`, view)
  } else if (state.via === 'sso') {
    // The identity provider asks for its own second factor.
    toConsole()
  } else if (state.stage === 'full' && !state.required && new URLSearchParams(window.location.search).get('enrol') === null) {
    // Not required here, and not asked for: straight on.
    toConsole()
  } else {
    await enrol()
  }
}

async function enrol () {
  let begun
  try {
    begun = await api('POST', '/api/account/totp')
  } catch (err) {
    showError(said(err))
    return
  }
  heading(t.enrolTitle)
  render(html`
    <p>${t.enrolIntro}</p>
    <img class="totp-qr" src=${`/api/account/totp/qr.svg?v=${Date.now()}`} alt=${t.totpQrAlt} width="240" height="240">
    <p>${t.totpSecret}: <code id="totp-secret" class="totp-secret">${begun.secret.replace(/(.{4})/g, '$1 ').trim()}</code></p>
    <form id="enrol-form" class="stack" novalidate @submit=${confirm}>
      <label for="totp-code">${t.totpCode}</label>
      <input id="totp-code" type="text" inputmode="numeric" autocomplete="one-time-code" required maxlength="8">
      <button type="submit">${t.confirmCode}</button>
    </form>`, view)
  focus('totp-code')
}

/** @param {SubmitEvent} event */
async function confirm (event) {
  event.preventDefault()
  const code = /** @type {HTMLInputElement} */ (byId('totp-code'))
  if (!code.value.trim()) {
    showError(t.fillCode)
    code.focus()
    return
  }
  const button = /** @type {HTMLButtonElement} */ (/** @type {HTMLFormElement} */ (event.currentTarget).querySelector('button'))
  button.disabled = true
  showError(null)
  try {
    const shown = await api('POST', '/api/account/totp/confirm', { code: code.value.trim() })
    heading(t.recoveryTitle)
    render(html`
      <p>${t.recoveryIntro}</p>
      <ul id="recovery-codes" class="recovery-codes">${shown.recovery_codes.map((/** @type {string} */ c) => html`<li><code>${c}</code></li>`)}</ul>
      <p><a id="to-console" class="button" href=${withLang('/console')}>${t.toConsole}</a></p>`, view)
    announce(t.secondFactorOn)
    focus('to-console')
  } catch (err) {
    showError(said(err))
    code.select()
    code.focus()
  } finally {
    button.disabled = false
  }
}

async function start () {
  const token = window.location.hash.slice(1)
  if (token) {
    // Out of the address bar (and the history) before anything else.
    window.history.replaceState(null, '', window.location.pathname + window.location.search)
    await passwordPage(token)
  } else {
    /** @type {State} */
    let state
    try {
      state = await api('GET', '/api/account')
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return toLogin()
      showError(said(err))
      return
    }
    await next(state)
  }
  main.removeAttribute('aria-busy')
}

start().finally(() => main.removeAttribute('aria-busy'))
