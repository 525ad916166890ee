// What the two console pages share: who is logged in, and logging out.

import { api, ApiError, toLogin } from './api.js'
import { byId } from './dom.js'
import { withLang } from './i18n.js'

/**
 * The logged-in facilitator, or off to the log-in page (the promise then never settles).
 * @returns {Promise<{id: number, name: string, email: string}>}
 */
export async function facilitator () {
  try {
    return await api('GET', '/api/me')
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      toLogin()
      return await new Promise(() => {})
    }
    throw err
  }
}

export function wireConsoleBar () {
  const cases = /** @type {HTMLAnchorElement} */ (byId('cases-link'))
  cases.href = withLang('/console')
  byId('logout').addEventListener('click', async () => {
    // A session opened through the organisation's single sign-on ends there too, if it says where.
    let onward = '/login'
    try {
      const out = await api('DELETE', '/api/session')
      if (out && typeof out.redirect === 'string') onward = out.redirect
    } finally {
      // Logging out ends the session's language choice too (the server deleted its cookie): the
      // log-in page follows the browser's language again.
      window.location.assign(onward)
    }
  })
}
