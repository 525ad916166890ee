// Single sign-on on the log-in page (docs/deploy.md, "Single sign-on"): the organisation's button when
// the server offers it, the password form put away when the server turned it off, and why a sign-in
// through the organisation came back here (?sso=refused|failed|unavailable, set by the server).

import { api } from './api.js'
import { byId, h, showError } from './dom.js'
import { t } from './i18n.js'

/** @type {Record<string, string>} */
const REASONS = { refused: t.ssoRefused, failed: t.ssoFailed, unavailable: t.ssoUnavailable }

/**
 * @param {string} next where to go once signed in: a path of this site
 */
export async function offerSso (next) {
  const error = byId('error')
  const why = REASONS[new URLSearchParams(window.location.search).get('sso') || '']
  if (why) showError(why)
  /** @type {{sso: boolean, password_login: boolean}} */
  let offer
  try {
    offer = await api('GET', '/api/sso')
  } catch {
    return // the password form still works; its own errors say what is wrong
  }
  if (!offer.sso) return
  const form = /** @type {HTMLFormElement} */ (byId('login'))
  const link = h('a', {
    class: 'button',
    id: 'sso-login',
    href: `/auth/oidc/login?next=${encodeURIComponent(next)}`,
    text: t.ssoLogIn
  })
  const block = h('div', { class: 'stack' }, link)
  form.before(block)
  if (offer.password_login) {
    block.append(h('p', { text: t.ssoOr }))
    return
  }
  // The message stays in view when the form goes.
  block.append(error)
  form.hidden = true
  link.focus()
}
