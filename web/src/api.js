// The meetings HTTP API (/api/..., described at /api/openapi.json), as JSON in and out.
// The session and participant cookies are HttpOnly: the page never sees them, fetch sends them.

import { t, localMessage } from './i18n.js'

export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} code
   * @param {string} message in the page's language
   */
  constructor (status, code, message) {
    super(message)
    this.status = status
    this.code = code
  }
}

/**
 * @param {'GET' | 'POST' | 'PATCH' | 'DELETE'} method
 * @param {string} path
 * @param {unknown} [body] sent as JSON for everything but GET (the API wants JSON on every change)
 * @param {Record<string, string>} [headers]
 * @returns {Promise<any>}
 */
export async function api (method, path, body, headers = {}) {
  /** @type {RequestInit} */
  const init = {
    method,
    headers: { Accept: 'application/json', ...headers },
    credentials: 'same-origin',
    cache: 'no-store'
  }
  if (method !== 'GET') {
    init.headers = { ...init.headers, 'Content-Type': 'application/json' }
    init.body = JSON.stringify(body === undefined ? {} : body)
  }
  let response
  try {
    response = await fetch(path, init)
  } catch {
    throw new ApiError(0, 'network', t.networkError)
  }
  if (response.status === 204) return null
  const data = await response.json().catch(() => null)
  if (!response.ok) {
    const code = data && typeof data.error === 'string' ? data.error : `http_${response.status}`
    const known = /** @type {Record<string, string>} */ (t.apiErrors)[code]
    const message = known || (data && typeof data.message === 'string' ? localMessage(data.message) : t.somethingWrong)
    throw new ApiError(response.status, code, message)
  }
  return data
}

/** Where a logged-out facilitator goes: the log-in page, then back here. */
export function toLogin () {
  const here = window.location.pathname + window.location.search
  window.location.assign(`/login?next=${encodeURIComponent(here)}`)
}

/**
 * An image the API serves only with a Bearer token, as a data: URL (the page's policy allows
 * 'self' and data: images; a blob: URL would need a wider one).
 * @param {string} path
 * @param {string} token
 * @returns {Promise<string | null>}
 */
export async function imageWithToken (path, token) {
  const response = await fetch(path, { headers: { Authorization: `Bearer ${token}` }, cache: 'no-store' })
  if (!response.ok) return null
  const blob = await response.blob()
  return await new Promise((resolve) => {
    const reader = new FileReader()
    reader.onload = () => resolve(typeof reader.result === 'string' ? reader.result : null)
    reader.onerror = () => resolve(null)
    reader.readAsDataURL(blob)
  })
}
