// The console's "network between meetings" panel of one room: personal links to the room's agreed
// plan for its people (made here, shown once as a QR code and a URL to copy, with each link's state:
// never used / last used / revoked), and the safety journal the links feed: per rule a timeline of
// reports (who, their relation's kind, which day, held or not, the note), a rule that did not hold
// this week flagged, and a summary of the week, with the review dates' countdowns. "Call the network
// together" makes the room's follow-up meeting with the week's summary on its board (no names, no
// notes: the server writes only the rules' words and counts). Everything comes from
// /api/rooms/<id>/journal; a flagged rule is also told to the meeting's header (event `journal-flag`).

import { api } from './api.js'
import { announce, h, showError } from './dom.js'
import { formatDate, lang, withLang } from './i18n.js'
import { j } from './journalwords.js'
import { html, nothing, render } from './view.js'

/** @typedef {{id: string, participant_id: string, first_name: string, relation: string, created_at: string, last_used_at: string | null, state: string}} LinkState */
/** @typedef {{id: string, first_name: string, relation: string, kind: string, day: string, at: string, verdict: string, note: string}} JournalReport */
/** @typedef {{id: string, text: string, flagged: boolean, reports: JournalReport[], review: string | null, days: number | null}} JournalRule */
/** @typedef {{links: LinkState[], candidates: {participant_id: string, first_name: string, relation: string, carries: boolean}[], rules: JournalRule[], summary: {since: string, until: string, rules: number, held: number, not_held: {id: string, text: string, times: number}[]}, review: {date: string, days: number}, follow_up: string | null}} Journal */

/**
 * A review date and how far off it is: "nog 3 dagen", "vandaag", "2 dagen te laat".
 * @param {string} date @param {number} days
 */
function countdown (date, days) {
  const state = days > 0 ? 'ahead' : days === 0 ? 'today' : 'late'
  const words = days > 0 ? j.daysLeft(days) : days === 0 ? j.today : j.daysLate(-days)
  return html`<time datetime=${date}>${formatDate(date)}</time> <span class="journal-countdown" data-state=${state}>(${words})</span>`
}

export class JournalPanel {
  /** @param {{id: string, name: string}} room */
  constructor (room) {
    this.room = room
    this.base = `journal-${room.id}`
    /** @type {Journal | null} */
    this.data = null
    /** @type {{name: string, url: string, svg: string} | null} the link just made: shown once */
    this.made = null
    this.body = h('div', { class: 'journal-body' })
    this.error = h('p', { class: 'error', role: 'alert', hidden: true })
    this.element = h('section', { class: 'journal-panel', 'aria-labelledby': `${this.base}-title`, 'data-journal': room.id },
      h('h3', { id: `${this.base}-title`, text: j.panelTitle }),
      h('p', { class: 'hint', text: j.panelIntro }),
      this.error,
      this.body)
    this.load()
  }

  async load () {
    try {
      this.data = /** @type {Journal} */ (await api('GET', `/api/rooms/${encodeURIComponent(this.room.id)}/journal`))
      this.error.hidden = true
    } catch (error) {
      showError(error instanceof Error ? error.message : String(error), this.error)
    }
    this.draw()
    const flagged = Boolean(this.data?.rules.some((r) => r.flagged))
    this.element.dispatchEvent(new CustomEvent('journal-flag', { bubbles: true, detail: { room: this.room.id, flagged } }))
  }

  async callNetwork () {
    if (!window.confirm(j.callConfirm)) return
    try {
      const title = j.callMeetingTitle(formatDate(new Date().toISOString()))
      const made = await api('POST', `/api/rooms/${encodeURIComponent(this.room.id)}/call-network`, { title, lang })
      announce(j.called)
      window.location.assign(withLang(`/console/meetings/${encodeURIComponent(made.id)}`))
    } catch (error) {
      showError(error instanceof Error ? error.message : String(error), this.error)
      await this.load()
    }
  }

  /** @param {string} participantId */
  async make (participantId) {
    const person = this.data?.candidates.find((c) => c.participant_id === participantId)
    try {
      const made = await api('POST', `/api/rooms/${encodeURIComponent(this.room.id)}/links`, { participant_id: participantId })
      this.made = { name: person ? person.first_name : '', url: made.url, svg: made.qr_svg }
      announce(j.made(this.made.name))
    } catch (error) {
      showError(error instanceof Error ? error.message : String(error), this.error)
    }
    await this.load()
  }

  /** @param {LinkState} link */
  async revoke (link) {
    try {
      await api('POST', `/api/links/${encodeURIComponent(link.id)}/revoke`)
      if (this.made) this.made = null
    } catch (error) {
      showError(error instanceof Error ? error.message : String(error), this.error)
    }
    await this.load()
  }

  async endAll () {
    if (!window.confirm(j.endAllConfirm)) return
    try {
      await api('POST', `/api/rooms/${encodeURIComponent(this.room.id)}/links/end`)
      this.made = null
    } catch (error) {
      showError(error instanceof Error ? error.message : String(error), this.error)
    }
    await this.load()
  }

  async copy () {
    if (!this.made) return
    try {
      await navigator.clipboard.writeText(this.made.url)
      announce(j.copiedLink)
    } catch {
      // No clipboard (an insecure origin, a refusal): the URL is on screen, selected for copying.
      const field = /** @type {HTMLInputElement | null} */ (this.body.querySelector('.journal-url'))
      field?.select()
    }
  }

  /** @param {SubmitEvent} event */
  _submit (event) {
    event.preventDefault()
    const form = /** @type {HTMLFormElement} */ (event.currentTarget)
    const chosen = String(new FormData(form).get('person') || '')
    if (chosen) this.make(chosen)
  }

  /** @param {LinkState} link */
  _state (link) {
    if (link.state === 'revoked') return j.revoked
    return link.last_used_at ? j.lastUsed(formatDate(link.last_used_at)) : j.neverUsed
  }

  draw () {
    const data = this.data
    if (!data) return render(nothing, this.body)
    const base = this.base
    const made = this.made
    const summary = data.summary
    render(html`
      ${data.candidates.length
        ? html`<form class="row journal-make" @submit=${(/** @type {SubmitEvent} */ e) => this._submit(e)}>
            <div class="field">
              <label for=${`${base}-person`}>${j.linkFor}</label>
              <select id=${`${base}-person`} name="person">
                ${data.candidates.map((c) => html`<option value=${c.participant_id}>${c.carries ? j.carries(c.first_name) : c.first_name}</option>`)}
              </select>
            </div>
            <button type="submit" class="secondary">${j.make}</button>
          </form>`
        : html`<p class="hint">${j.noPeople}</p>`}
      ${made
        ? html`<div class="journal-made" role="status">
            <p>${j.made(made.name)}</p>
            <img class="qr" width="160" height="160" alt=${j.qrAlt(made.name)} src=${`data:image/svg+xml;charset=utf-8,${encodeURIComponent(made.svg)}`}>
            <label class="visually-hidden" for=${`${base}-url`}>URL</label>
            <input id=${`${base}-url`} class="journal-url" readonly .value=${made.url}>
            <button type="button" class="secondary" @click=${() => this.copy()}>${j.copy}</button>
          </div>`
        : nothing}
      ${data.links.length
        ? html`<ul class="journal-links">
            ${data.links.map((link) => html`<li data-link=${link.id} data-state=${link.state}>
              <span>${link.first_name}</span> <span class="hint">${this._state(link)}</span>
              ${link.state === 'active'
                ? html`<button type="button" class="quiet" aria-label=${j.revokeFor(link.first_name)} @click=${() => this.revoke(link)}>${j.revoke}</button>`
                : nothing}
            </li>`)}
          </ul>
          ${data.links.some((l) => l.state === 'active')
            ? html`<button type="button" class="quiet" @click=${() => this.endAll()}>${j.endAll}</button>`
            : nothing}`
        : nothing}
      <h4 id=${`${base}-journal`}>${j.journalTitle}</h4>
      <p class="journal-review">${j.planReview}: ${countdown(data.review.date, data.review.days)}</p>
      <p class="journal-summary">${j.summaryHeld(summary.held, summary.rules)}${summary.not_held.map((f) => html`; ${j.summaryFailed(f.text, f.times)}`)}</p>
      ${data.rules.length
        ? html`<ul class="journal-rules" aria-labelledby=${`${base}-journal`}>
            ${data.rules.map((rule) => html`<li data-rule=${rule.id} class=${rule.flagged ? 'is-flagged' : ''}>
              <p class="journal-rule">${rule.text}${rule.flagged ? html` <strong class="journal-flag">${j.flagged}</strong>` : nothing}</p>
              ${rule.review && rule.days !== null ? html`<p class="hint journal-rule-review">${j.ruleReview}: ${countdown(rule.review, rule.days)}</p>` : nothing}
              ${rule.reports.length
                ? html`<ol class="journal-timeline">
                    ${rule.reports.map((r) => html`<li data-verdict=${r.verdict}>
                      <span>${j.reportBy(r.first_name, j.kinds[r.kind], formatDate(r.day))}</span>:
                      <strong>${j.verdicts[r.verdict]}</strong>${r.note ? html` — ${r.note}` : nothing}
                    </li>`)}
                  </ol>`
                : html`<p class="hint">${j.noReports}</p>`}
            </li>`)}
          </ul>`
        : nothing}
      <button type="button" class="quiet" @click=${() => this.load()}>${j.refresh}</button>
      <section class="journal-call" aria-labelledby=${`${base}-call`}>
        <h4 id=${`${base}-call`}>${j.callTitle}</h4>
        ${data.follow_up
          ? html`<p><a href=${withLang(`/console/meetings/${encodeURIComponent(data.follow_up)}`)}>${j.openFollowUp}</a></p>`
          : html`<p class="hint">${j.callIntro}</p>
            <button type="button" class=${summary.not_held.length ? '' : 'secondary'} @click=${() => this.callNetwork()}>${j.callTitle}</button>`}
      </section>
    `, this.body)
  }
}
