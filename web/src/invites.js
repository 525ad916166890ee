// Inviting someone (the administration page's `<section id="invites">`): an e-mail address and a
// name make a facilitator account and its one-time link. Where the server can mail, it says so;
// otherwise the link is shown here once, to hand over (it is not kept anywhere on this page).
// Importing this module mounts it on the page's #invites, if there is one.

import { api } from './api.js'
import { announce } from './dom.js'
import { t } from './i18n.js'
import { html, nothing, render } from './view.js'

/** @typedef {{id: number, email: string, url: string, mailed: boolean, expires_at: string}} Made */

/** @param {HTMLElement} section */
export function mountInvites (section) {
  /** @type {{made: Made | null, error: string}} */
  const state = { made: null, error: '' }

  /** @param {SubmitEvent} event */
  async function invite (event) {
    event.preventDefault()
    const form = /** @type {HTMLFormElement} */ (event.currentTarget)
    const email = /** @type {HTMLInputElement} */ (form.elements.namedItem('invite-email'))
    const name = /** @type {HTMLInputElement} */ (form.elements.namedItem('invite-name'))
    if (!email.value.trim() || !name.value.trim()) {
      state.error = t.fillInvite
      draw()
      ;(email.value.trim() ? name : email).focus()
      return
    }
    const button = /** @type {HTMLButtonElement} */ (form.querySelector('button'))
    button.disabled = true
    try {
      state.made = await api('POST', '/api/admin/invites', { email: email.value.trim(), name: name.value.trim() })
      state.error = ''
      form.reset()
      const made = /** @type {Made} */ (state.made)
      announce(made.mailed ? t.inviteMailed(made.email) : t.inviteCopy(made.email))
    } catch (err) {
      state.made = null
      state.error = err instanceof Error ? err.message : t.somethingWrong
    } finally {
      button.disabled = false
    }
    draw()
  }

  function result () {
    const made = state.made
    if (!made) return nothing
    if (made.mailed) return html`<p class="notice" role="status">${t.inviteMailed(made.email)}</p>`
    return html`<div class="notice invite-link" role="status">
      <p>${t.inviteCopy(made.email)}</p>
      <p><input id="invite-url" class="invite-url" type="text" readonly aria-label=${t.inviteCopy(made.email)} .value=${made.url}
        @focus=${(/** @type {FocusEvent} */ e) => /** @type {HTMLInputElement} */ (e.currentTarget).select()}></p>
    </div>`
  }

  function draw () {
    render(html`
      <h2 id="invites-title">${t.invitesTitle}</h2>
      <form id="invite-form" class="stack" novalidate aria-labelledby="invites-title" @submit=${invite}>
        <label for="invite-email">${t.inviteEmail}</label>
        <input id="invite-email" name="invite-email" type="email" autocomplete="off" required maxlength="254">
        <label for="invite-name">${t.inviteName}</label>
        <input id="invite-name" name="invite-name" type="text" autocomplete="off" required maxlength="120">
        <button type="submit">${t.inviteSend}</button>
        ${state.error ? html`<p class="error" role="alert">${state.error}</p>` : nothing}
      </form>
      ${result()}`, section)
  }

  draw()
}

const here = typeof document === 'undefined' ? null : document.getElementById('invites')
if (here) mountInvites(here)
