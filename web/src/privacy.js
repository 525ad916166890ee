// The privacy officer's page (/privacy): the audit log filtered by account, case and period, paged
// and exported as CSV; the accounts with access to the chosen case; the deletions planned and done.
// Only what the server sends: ids, accounts, times and addresses, never a case's content. The page
// writes no document (it has no actions module): it only reads /api/privacy/..., and every read is
// audited by the server. The filter lives in the address (?person=&case=&from=&to=), so a view can
// be reloaded and linked.

import { api, ApiError, toLogin } from './api.js'
import { announce, byId } from './dom.js'
import { locale, t, translatePage } from './i18n.js'
import './langswitch.js'
import { p } from './privacywords.js'
import { html, nothing, render, repeat } from './view.js'

translatePage()

const view = byId('view')
const main = byId('main')

/**
 * @typedef {{id: number, at: string, actor_kind: string, actor_id: string | null, actor_name: string | null, action: string, case_id: string | null, meeting_id: string | null, room_id: string | null, on_behalf_of: string | null, detail: string | null, address: string | null}} Logged
 * @typedef {{id: number, name: string, email: string, active: boolean, roles: string[]}} Account
 * @typedef {Account & {via: string[], opens_case: boolean}} Holder
 * @typedef {{case_id: string, team: string | null, accounts: Holder[]}} Access
 * @typedef {{meeting_id: string, case_id: string, status: string, closed_at: string | null, due_at: string | null}} Due
 * @typedef {{retention_days: number, due: Due[], done: Logged[], next_before: number | null}} Deletions
 * @typedef {{person: string, case: string, from: string, to: string}} Filter
 */

const FILTER_KEYS = /** @type {const} */ (['person', 'case', 'from', 'to'])

const state = {
  /** @type {Account[]} */ accounts: [],
  /** @type {Filter} */ filter: readFilter(),
  /** @type {Logged[]} */ entries: [],
  /** @type {number | null} */ nextBefore: null,
  /** @type {Access | null} */ access: null,
  /** @type {string} */ accessError: '',
  /** @type {Deletions | null} */ deletions: null,
  /** @type {string} */ error: ''
}

const moment = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' })

/** @param {string | null} value */
function when (value) {
  if (!value) return ''
  const at = new Date(value)
  return Number.isNaN(at.getTime()) ? value : moment.format(at)
}

/** @returns {Filter} */
function readFilter () {
  const query = new URLSearchParams(window.location.search)
  return { person: query.get('person') || '', case: query.get('case') || '', from: query.get('from') || '', to: query.get('to') || '' }
}

/** The filter as query parameters (the page's `lang` stays in the address, not in the API's). */
function filterQuery () {
  const query = new URLSearchParams()
  for (const key of FILTER_KEYS) if (state.filter[key]) query.set(key, state.filter[key])
  return query
}

function csvUrl () {
  const query = filterQuery().toString()
  return `/api/privacy/audit.csv${query ? `?${query}` : ''}`
}

/** @param {unknown} error */
function messageOf (error) {
  return error instanceof Error ? error.message : t.somethingWrong
}

async function start () {
  try {
    /** @type {{roles: string[]}} */
    const me = await api('GET', '/api/me')
    if (!me.roles.includes('privacy_officer')) {
      render(html`<h1>${p.title}</h1><p class="notice" role="status">${p.notAllowed}</p>`, view)
      main.removeAttribute('aria-busy')
      return
    }
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return toLogin()
    state.error = messageOf(error)
  }
  try {
    const [found] = await Promise.all([api('GET', '/api/privacy/accounts'), loadLog(), loadAccess(), loadDeletions()])
    state.accounts = found.accounts
  } catch (error) {
    state.error = messageOf(error)
  }
  draw()
  main.removeAttribute('aria-busy')
}

/** @param {number | null} [before] the next page's cursor; none for the first page */
async function loadLog (before = null) {
  const query = filterQuery()
  if (before) query.set('before', String(before))
  const page = await api('GET', `/api/privacy/audit?${query}`)
  state.entries = before ? [...state.entries, ...page.entries] : page.entries
  state.nextBefore = page.next_before
}

async function loadAccess () {
  state.access = null
  state.accessError = ''
  if (!state.filter.case) return
  try {
    state.access = await api('GET', `/api/privacy/cases/${encodeURIComponent(state.filter.case)}/access`)
  } catch (error) {
    state.accessError = error instanceof ApiError && error.status === 404 ? p.unknownCase : messageOf(error)
  }
}

/** @param {number | null} [before] */
async function loadDeletions (before = null) {
  const found = await api('GET', `/api/privacy/deletions${before ? `?before=${before}` : ''}`)
  if (before && state.deletions) found.done = [...state.deletions.done, ...found.done]
  state.deletions = found
}

/** Apply the filter: the address, the log's first page and the chosen case's access list. */
async function applyFilter () {
  const query = filterQuery()
  const lang = new URLSearchParams(window.location.search).get('lang')
  if (lang) query.set('lang', lang)
  window.history.replaceState(null, '', `${window.location.pathname}${query.toString() ? `?${query}` : ''}`)
  try {
    state.error = ''
    await Promise.all([loadLog(), loadAccess()])
    announce(p.shown(state.entries.length))
  } catch (error) {
    state.error = messageOf(error)
  }
  draw()
}

/** @param {SubmitEvent} event */
async function onFilter (event) {
  event.preventDefault()
  const data = new FormData(/** @type {HTMLFormElement} */ (event.currentTarget))
  for (const key of FILTER_KEYS) state.filter[key] = String(data.get(key) || '').trim()
  await applyFilter()
}

async function clearFilter () {
  state.filter = { person: '', case: '', from: '', to: '' }
  await applyFilter()
}

/** @param {string} caseId */
async function chooseCase (caseId) {
  state.filter = { ...state.filter, case: caseId }
  await applyFilter()
  document.getElementById('f-case')?.focus()
}

async function older () {
  try {
    await loadLog(state.nextBefore)
    announce(p.shown(state.entries.length))
  } catch (error) {
    state.error = messageOf(error)
  }
  draw()
}

async function olderDeletions () {
  try {
    await loadDeletions(state.deletions?.next_before)
  } catch (error) {
    state.error = messageOf(error)
  }
  draw()
}

/** @param {Logged} entry */
function who (entry) {
  if (entry.actor_name) return entry.actor_name
  const phrase = /** @type {Record<string, string>} */ (p.actors)[entry.actor_kind] || '{id}'
  return phrase.replace('{id}', entry.actor_id || '')
}

/** @param {string | null} caseId */
function caseCell (caseId) {
  if (!caseId) return nothing
  return html`<button type="button" class="quiet case-id" aria-label=${p.showCase(caseId)} @click=${() => chooseCase(caseId)}><code>${caseId}</code></button>`
}

/** @param {string | null} value */
function code (value) {
  return value ? html`<code>${value}</code>` : nothing
}

/** @param {Logged} entry */
function logRow (entry) {
  return html`<tr data-id=${entry.id}>
    <td>${when(entry.at)}</td>
    <td>${who(entry)}</td>
    <td><code>${entry.action}</code></td>
    <td>${caseCell(entry.case_id)}</td>
    <td>${code(entry.meeting_id)}</td>
    <td>${code(entry.room_id)}</td>
    <td>${entry.detail || ''}</td>
    <td>${entry.address || ''}</td>
  </tr>`
}

function filterForm () {
  const f = state.filter
  return html`<form id="audit-filter" class="privacy-filter" aria-label=${p.filterTitle} novalidate @submit=${onFilter}>
    <div class="field">
      <label for="f-person">${p.person}</label>
      <select id="f-person" name="person">
        <option value="" ?selected=${!f.person}>${p.everyone}</option>
        ${repeat(state.accounts, (a) => a.id, (a) => html`<option value=${String(a.id)} ?selected=${String(a.id) === f.person}>${a.name} (${a.email})</option>`)}
      </select>
    </div>
    <div class="field">
      <label for="f-case">${p.case}</label>
      <input id="f-case" name="case" .value=${f.case} maxlength="64" autocomplete="off" spellcheck="false" aria-describedby="f-case-hint">
      <p class="hint" id="f-case-hint">${p.caseHint}</p>
    </div>
    <div class="field">
      <label for="f-from">${p.from}</label>
      <input id="f-from" name="from" type="date" .value=${f.from}>
    </div>
    <div class="field">
      <label for="f-to">${p.to}</label>
      <input id="f-to" name="to" type="date" .value=${f.to}>
    </div>
    <div class="row filter-actions">
      <button type="submit">${p.filter}</button>
      <button type="button" class="secondary" @click=${clearFilter}>${p.clear}</button>
      <a class="button secondary" id="export-csv" href=${csvUrl()} download="kring-audit.csv">${p.exportCsv}</a>
    </div>
  </form>`
}

function logSection () {
  return html`<section class="privacy-section" aria-labelledby="log-title">
    <h2 id="log-title">${p.logTitle}</h2>
    ${filterForm()}
    ${state.entries.length
      ? html`<div class="table-scroll" role="region" aria-labelledby="log-title" tabindex="0">
        <table class="privacy-table" id="audit-table">
          <caption>${p.shown(state.entries.length)}</caption>
          <thead><tr>
            <th scope="col">${p.when}</th><th scope="col">${p.who}</th><th scope="col">${p.action}</th>
            <th scope="col">${p.caseCol}</th><th scope="col">${p.meeting}</th><th scope="col">${p.room}</th>
            <th scope="col">${p.detail}</th><th scope="col">${p.address}</th>
          </tr></thead>
          <tbody>${repeat(state.entries, (e) => e.id, logRow)}</tbody>
        </table>
      </div>`
      : html`<p class="empty" id="no-entries">${p.noEntries}</p>`}
    ${state.nextBefore ? html`<button type="button" class="secondary" id="older" @click=${older}>${p.older}</button>` : nothing}
  </section>`
}

/** @param {Holder} holder */
function inEffect (holder) {
  if (holder.opens_case) return p.yes
  return holder.active ? p.noRole : p.noInactive
}

function accessSection () {
  if (!state.filter.case) return nothing
  const access = state.access
  return html`<section class="privacy-section" id="access" aria-labelledby="access-title">
    <h2 id="access-title">${p.accessTitle(state.filter.case)}</h2>
    ${access
      ? html`<p class="hint">${p.accessIntro} ${access.team ? p.team(access.team) : p.noTeam}</p>
        <div class="table-scroll" role="region" aria-labelledby="access-title" tabindex="0">
          <table class="privacy-table" id="access-table">
            <thead><tr>
              <th scope="col">${p.account}</th><th scope="col">${p.email}</th>
              <th scope="col">${p.via}</th><th scope="col">${p.inEffect}</th>
            </tr></thead>
            <tbody>${repeat(access.accounts, (a) => a.id, (a) => html`<tr>
              <td>${a.name}</td><td>${a.email}</td>
              <td>${a.via.map((v) => /** @type {Record<string, string>} */ (p.reasons)[v] || v).join(', ')}</td>
              <td>${inEffect(a)}</td>
            </tr>`)}</tbody>
          </table>
        </div>`
      : html`<p class="notice" role="status">${state.accessError}</p>`}
  </section>`
}

function deletionsSection () {
  const found = state.deletions
  if (!found) return nothing
  return html`<section class="privacy-section" aria-labelledby="deletions-title">
    <h2 id="deletions-title">${p.deletionsTitle}</h2>
    <p class="hint">${p.retention(found.retention_days)}</p>
    <h3 id="due-title">${p.dueTitle}</h3>
    ${found.due.length
      ? html`<div class="table-scroll" role="region" aria-labelledby="due-title" tabindex="0">
        <table class="privacy-table" id="due-table">
          <thead><tr>
            <th scope="col">${p.meeting}</th><th scope="col">${p.caseCol}</th>
            <th scope="col">${p.closed}</th><th scope="col">${p.due}</th>
          </tr></thead>
          <tbody>${repeat(found.due, (d) => d.meeting_id, (d) => html`<tr>
            <td><code>${d.meeting_id}</code></td><td>${caseCell(d.case_id)}</td>
            <td>${when(d.closed_at)}</td><td>${d.status === 'deleting' ? p.deleting : when(d.due_at)}</td>
          </tr>`)}</tbody>
        </table>
      </div>`
      : html`<p class="empty">${p.noneDue}</p>`}
    <h3 id="done-title">${p.doneTitle}</h3>
    ${found.done.length
      ? html`<div class="table-scroll" role="region" aria-labelledby="done-title" tabindex="0">
        <table class="privacy-table" id="done-table">
          <thead><tr>
            <th scope="col">${p.when}</th><th scope="col">${p.who}</th><th scope="col">${p.meeting}</th>
            <th scope="col">${p.caseCol}</th><th scope="col">${p.detail}</th>
          </tr></thead>
          <tbody>${repeat(found.done, (e) => e.id, (e) => html`<tr>
            <td>${when(e.at)}</td><td>${who(e)}</td><td>${code(e.meeting_id)}</td>
            <td>${caseCell(e.case_id)}</td><td>${e.detail || ''}</td>
          </tr>`)}</tbody>
        </table>
      </div>`
      : html`<p class="empty">${p.noneDone}</p>`}
    ${found.next_before ? html`<button type="button" class="secondary" @click=${olderDeletions}>${p.olderDeletions}</button>` : nothing}
  </section>`
}

function draw () {
  render(html`
    <h1>${p.title}</h1>
    <p class="hint">${p.intro}</p>
    ${state.error ? html`<p class="error" role="alert">${state.error}</p>` : nothing}
    ${logSection()}
    ${accessSection()}
    ${deletionsSection()}
  `, view)
}

byId('logout').addEventListener('click', async () => {
  try {
    await api('DELETE', '/api/session')
  } finally {
    window.location.assign('/login')
  }
})

start()
