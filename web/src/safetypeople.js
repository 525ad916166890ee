// The safety people of the children's version, in a room's column of the console: who is one (by
// default whoever carries a rule the children are told; the facilitator may count someone in or out)
// and a photo of them, kept only with their consent (docs/exports.md). The photo goes to the server
// at once, which keeps only its pixels; this page shows it from the facilitator-only endpoint.
// Drawn with the keyed view: a row keeps its elements (a chosen file, a ticked box) across redraws.

import { api, ApiError } from './api.js'
import { announce } from './dom.js'
import { localMessage, t } from './i18n.js'
import { c } from './childwords.js'
import { html, nothing, render, repeat } from './view.js'

/** @typedef {{id: string, name: string, relation: string, status: string, photo?: boolean, safety_person?: string}} Person */

const COUNTS = /** @type {const} */ (['auto', 'yes', 'no'])

export class SafetyPeople {
  /**
   * @param {object} options
   * @param {string} options.base the room column's id prefix
   * @param {() => void} options.changed asks for fresh meeting data after a change here
   * @param {(message: string) => void} options.failed
   */
  constructor ({ base, changed, failed }) {
    this.base = base
    this.changed = changed
    this.failed = failed
    /** @type {Person[]} */
    this.people = []
    /** @type {Map<string, string>} a row's last word (what is missing, what happened) */
    this.said = new Map()
    /** @type {Set<string>} rows sending now */
    this.busy = new Set()
    this.element = document.createElement('details')
    this.element.className = 'safety-people-panel'
  }

  /** @param {Person[]} people */
  update (people) {
    this.people = people.filter((p) => p.status === 'admitted' && p.relation !== 'child')
    this._draw()
  }

  _draw () {
    const id = (/** @type {string} */ what, /** @type {string} */ pid) => `${this.base}-safety-${what}-${pid}`
    const row = (/** @type {Person} */ p) => {
      const counts = COUNTS.includes(/** @type {any} */ (p.safety_person)) ? p.safety_person : 'auto'
      const busy = this.busy.has(p.id)
      const photo = p.photo
        ? html`<img class="safety-photo" src=${`/api/participants/${encodeURIComponent(p.id)}/photo`} alt=${c.safetyPhotoOf(p.name)} width="96" height="96">
<button type="button" class="secondary" ?disabled=${busy} @click=${() => this._remove(p)}>${c.safetyRemove}</button>`
        : html`<div class="safety-add">
<div class="check"><input type="checkbox" id=${id('consent', p.id)} ?disabled=${busy}><label for=${id('consent', p.id)}>${c.safetyConsent(p.name)}</label></div>
<label for=${id('file', p.id)}>${c.safetyPhotoOf(p.name)}</label>
<input type="file" id=${id('file', p.id)} accept="image/*" capture ?disabled=${busy}>
<button type="button" ?disabled=${busy} @click=${() => this._upload(p)}>${c.safetyUpload}</button></div>`
      return html`<li class="safety-person" data-pid=${p.id}><p class="safety-name" dir="auto">${p.name}</p>
<label for=${id('counts', p.id)}>${c.safetyCounts}</label>
<select id=${id('counts', p.id)} .value=${counts} ?disabled=${busy} @change=${(/** @type {Event} */ e) => this._choose(p, /** @type {HTMLSelectElement} */ (e.target).value)}>
${COUNTS.map((k) => html`<option value=${k} ?selected=${k === counts}>${c.safetyChoice[k]}</option>`)}</select>
${photo}
<p class="safety-state" role="status">${this.said.get(p.id) || ''}</p></li>`
    }
    render(html`<summary>${c.safetyTitle}</summary><p class="hint">${c.safetyHint}</p>
${this.people.length
    ? html`<ul class="safety-list">${repeat(this.people, (p) => p.id, row)}</ul>`
    : html`<p class="empty">${c.safetyNobody}</p>`}${nothing}`, this.element)
  }

  /** @param {string} pid @param {string} text */
  _say (pid, text) {
    this.said.set(pid, text)
    this._draw()
  }

  /** @param {Person} p */
  async _upload (p) {
    const consent = this.element.querySelector(`#${CSS.escape(`${this.base}-safety-consent-${p.id}`)}`)
    const input = this.element.querySelector(`#${CSS.escape(`${this.base}-safety-file-${p.id}`)}`)
    if (!(consent instanceof HTMLInputElement) || !(input instanceof HTMLInputElement)) return
    if (!consent.checked) {
      this._say(p.id, c.safetyNeedConsent(p.name))
      consent.focus()
      return
    }
    const file = input.files && input.files[0]
    if (!file) {
      this._say(p.id, c.safetyNeedFile)
      input.focus()
      return
    }
    await this._send(p, async () => {
      let response
      try {
        // The image itself is the body; the consent goes with it and is recorded with the photo.
        response = await fetch(`/api/participants/${encodeURIComponent(p.id)}/photo?consent=given`, {
          method: 'PUT',
          body: file,
          headers: { 'Content-Type': file.type || 'application/octet-stream', Accept: 'application/json' },
          credentials: 'same-origin',
          cache: 'no-store'
        })
      } catch {
        throw new ApiError(0, 'network', t.networkError)
      }
      if (!response.ok) {
        const data = await response.json().catch(() => null)
        const message = data && typeof data.message === 'string' ? localMessage(data.message) : t.somethingWrong
        throw new ApiError(response.status, data && typeof data.error === 'string' ? data.error : `http_${response.status}`, message)
      }
    }, c.safetyPhotoSaved(p.name))
  }

  /** @param {Person} p */
  async _remove (p) {
    await this._send(p, () => api('DELETE', `/api/participants/${encodeURIComponent(p.id)}/photo`, {}), c.safetyPhotoRemoved(p.name))
  }

  /** @param {Person} p @param {string} counts */
  async _choose (p, counts) {
    await this._send(p, () => api('PUT', `/api/participants/${encodeURIComponent(p.id)}/safety-person`, { counts }), c.safetyChosen(p.name))
  }

  /**
   * @param {Person} p
   * @param {() => Promise<unknown>} request
   * @param {string} done what to say once it worked
   */
  async _send (p, request, done) {
    this.busy.add(p.id)
    this._say(p.id, '')
    try {
      await request()
      this.said.set(p.id, done)
      announce(done)
    } catch (err) {
      const message = err instanceof Error ? err.message : t.somethingWrong
      this.said.set(p.id, message)
      this.failed(message)
    }
    this.busy.delete(p.id)
    this._draw()
    this.changed()
  }
}
