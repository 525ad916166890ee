// The administrators' page (/admin): every account with its roles, teams, last sign-in and whether it
// is active; roles granted and revoked by a tick; an account deactivated after a confirmation (its
// sessions and open consoles end at once); teams made, renamed, and their members. The server
// answers only an administrator (GET /api/admin/...); the page shows no case. `#invites` is the
// invitations' and password resets' own module.

import { api, ApiError, toLogin } from './api.js'
import { announce, byId, showError } from './dom.js'
import { locale, t as words, translatePage } from './i18n.js'
import './langswitch.js'
import './invites.js'
import { wireConsoleBar } from './session.js'
import { html, nothing, render, repeat } from './view.js'

// The administration's words, with their signatures, are in i18n.js's `t` like every page's.
const t = /** @type {Record<string, any>} */ (words)

translatePage()
wireConsoleBar()

const ROLES = ['facilitator', 'team_lead', 'admin', 'privacy_officer']
const main = byId('main')
const accountsView = byId('accounts-view')
const teamsView = byId('teams-view')
const moment = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' })

/**
 * @typedef {{id: string, name: string}} TeamRef
 * @typedef {{id: number, name: string, email: string, active: boolean, last_login_at: string | null, roles: string[], teams: TeamRef[]}} Account
 * @typedef {{id: string, name: string, members: number[]}} Team
 */

/** @type {Account[]} */
let accounts = []
/** @type {Team[]} */
let teams = []
/** @type {number | null} the account whose deactivation waits for a yes */
let confirming = null
/** @type {number | null} who is signed in (they cannot deactivate themselves) */
let me = null

async function load () {
  const [listed, made] = await Promise.all([api('GET', '/api/admin/accounts'), api('GET', '/api/admin/teams')])
  accounts = listed.accounts
  teams = made.teams
  draw()
  main.removeAttribute('aria-busy')
}

/**
 * An action's answer: the lists again, and what happened said aloud; or the error shown.
 * @param {() => Promise<unknown>} act
 * @param {string} said
 */
async function run (act, said) {
  try {
    await act()
    showError(null)
    await load()
    announce(said)
    return true
  } catch (err) {
    showError(err instanceof Error ? err.message : t.somethingWrong)
    return false
  }
}

/** @param {string | null} at */
function lastLogin (at) {
  return at ? moment.format(new Date(at)) : t.adminNever
}

/**
 * @param {Account} account
 * @param {string} role
 * @param {Event} event
 */
function toggleRole (account, role, event) {
  const granted = /** @type {HTMLInputElement} */ (event.target).checked
  const said = (granted ? t.adminRoleGranted : t.adminRoleRevoked)(t.adminRoleNames[role], account.name)
  run(() => api('POST', `/api/admin/accounts/${account.id}/roles`, { role, granted }), said)
}

/**
 * @param {Account} account
 * @param {boolean} active
 */
async function setActive (account, active) {
  confirming = null
  const said = active ? t.adminReactivated(account.name) : t.adminDeactivated(account.name)
  await run(() => api('POST', `/api/admin/accounts/${account.id}/active`, { active }), said)
  document.getElementById(`active-${account.id}`)?.focus()
}

/** @param {Account} account */
function activeCell (account) {
  if (confirming === account.id) {
    return html`<div class="admin-confirm" role="group" aria-labelledby="confirm-${account.id}">
      <p id="confirm-${account.id}">${t.adminConfirmDeactivate(account.name)}</p>
      <button type="button" class="danger" id="confirm-yes-${account.id}" @click=${() => setActive(account, false)}>${t.adminConfirmYes}</button>
      <button type="button" class="quiet" @click=${() => { confirming = null; draw(); byId(`active-${account.id}`).focus() }}>${t.adminCancel}</button>
    </div>`
  }
  const self = account.id === me
  return html`<span class="admin-state">${account.active ? t.adminActive : t.adminInactive}</span>
    ${account.active
      ? (self
          ? nothing
          : html`<button type="button" class="quiet" id="active-${account.id}" @click=${() => { confirming = account.id; draw(); byId(`confirm-yes-${account.id}`).focus() }}>${t.adminDeactivate}<span class="visually-hidden"> ${account.name}</span></button>`)
      : html`<button type="button" class="quiet" id="active-${account.id}" @click=${() => setActive(account, true)}>${t.adminReactivate}<span class="visually-hidden"> ${account.name}</span></button>`}`
}

/** @param {Account} account */
function accountRow (account) {
  return html`<tr data-account=${account.id} class=${account.active ? '' : 'inactive'}>
    <th scope="row">${account.name}</th>
    <td>${account.email}</td>
    <td><fieldset class="admin-roles"><legend class="visually-hidden">${t.adminRolesOf(account.name)}</legend>
      ${ROLES.map((role) => html`<label class="choice"><input type="checkbox" name="role" value=${role}
        .checked=${account.roles.includes(role)}
        ?disabled=${account.id === me && role === 'admin'}
        @change=${(/** @type {Event} */ e) => toggleRole(account, role, e)}> ${t.adminRoleNames[role]}</label>`)}
    </fieldset></td>
    <td>${account.teams.length ? account.teams.map((team) => team.name).join(', ') : '—'}</td>
    <td>${lastLogin(account.last_login_at)}</td>
    <td>${activeCell(account)}</td>
  </tr>`
}

/** @param {SubmitEvent} event */
async function createTeam (event) {
  event.preventDefault()
  const form = /** @type {HTMLFormElement} */ (event.target)
  const input = /** @type {HTMLInputElement} */ (form.elements.namedItem('name'))
  const name = input.value.trim()
  if (!name) {
    input.focus()
    return
  }
  if (await run(() => api('POST', '/api/admin/teams', { name }), t.adminTeamMade(name))) input.value = ''
}

/**
 * @param {Team} team
 * @param {SubmitEvent} event
 */
async function renameTeam (team, event) {
  event.preventDefault()
  const input = /** @type {HTMLInputElement} */ (/** @type {HTMLFormElement} */ (event.target).elements.namedItem('name'))
  const name = input.value.trim()
  if (!name || name === team.name) return
  await run(() => api('PATCH', `/api/admin/teams/${encodeURIComponent(team.id)}`, { name }), t.adminTeamRenamed(name))
}

/**
 * @param {Team} team
 * @param {number} person
 * @param {boolean} member
 */
async function setMember (team, person, member) {
  const name = accounts.find((a) => a.id === person)?.name || ''
  const said = member ? t.adminMemberAdded(name, team.name) : t.adminMemberRemoved(name, team.name)
  await run(() => api('POST', `/api/admin/teams/${encodeURIComponent(team.id)}/members`, { facilitator_id: person, member }), said)
}

/**
 * @param {Team} team
 * @param {SubmitEvent} event
 */
function addMember (team, event) {
  event.preventDefault()
  const select = /** @type {HTMLSelectElement} */ (/** @type {HTMLFormElement} */ (event.target).elements.namedItem('person'))
  if (select.value) setMember(team, Number(select.value), true)
}

/** @param {Team} team */
function teamCard (team) {
  const members = accounts.filter((a) => team.members.includes(a.id))
  const others = accounts.filter((a) => !team.members.includes(a.id) && a.active)
  return html`<li class="admin-team" data-team=${team.id}>
    <h3 id="team-${team.id}">${team.name}</h3>
    <form class="row" novalidate @submit=${(/** @type {SubmitEvent} */ e) => renameTeam(team, e)}>
      <label for="rename-${team.id}">${t.adminRenameLabel(team.name)}</label>
      <input id="rename-${team.id}" name="name" required maxlength="120" autocomplete="off" .value=${team.name}>
      <button type="submit">${t.adminRename}</button>
    </form>
    <h4 id="members-${team.id}">${t.adminMembersOf(team.name)}</h4>
    ${members.length
      ? html`<ul class="admin-members" aria-labelledby="members-${team.id}">${repeat(members, (a) => a.id, (a) => html`<li>
          ${a.name} <span class="hint">${a.email}</span>
          <button type="button" class="quiet" @click=${() => setMember(team, a.id, false)}>${t.adminRemoveMember}<span class="visually-hidden"> ${a.name}</span></button>
        </li>`)}</ul>`
      : html`<p class="empty">${t.adminNoMembers}</p>`}
    ${others.length
      ? html`<form class="row" novalidate @submit=${(/** @type {SubmitEvent} */ e) => addMember(team, e)}>
          <label for="add-${team.id}">${t.adminAddLabel(team.name)}</label>
          <select id="add-${team.id}" name="person">${others.map((a) => html`<option value=${a.id}>${a.name} (${a.email})</option>`)}</select>
          <button type="submit">${t.adminAdd}</button>
        </form>`
      : nothing}
  </li>`
}

function draw () {
  render(html`<table class="admin-accounts">
      <caption class="visually-hidden">${t.adminAccounts}</caption>
      <thead><tr>
        <th scope="col">${t.adminName}</th><th scope="col">${t.adminEmail}</th><th scope="col">${t.adminRoles}</th>
        <th scope="col">${t.adminTeams}</th><th scope="col">${t.adminLastLogin}</th><th scope="col">${t.adminStatus}</th>
      </tr></thead>
      <tbody>${repeat(accounts, (a) => a.id, accountRow)}</tbody>
    </table>`, accountsView)
  render(html`<form class="card-form" novalidate @submit=${createTeam}>
      <h3>${t.adminNewTeam}</h3>
      <label for="team-name">${t.adminTeamName}</label>
      <div class="row"><input id="team-name" name="name" required maxlength="120" autocomplete="off">
      <button type="submit">${t.adminCreateTeam}</button></div>
    </form>
    ${teams.length
      ? html`<ul class="admin-team-list">${repeat(teams, (team) => team.id, teamCard)}</ul>`
      : html`<p class="empty">${t.adminNoTeams}</p>`}`, teamsView)
}

async function start () {
  try {
    const who = await api('GET', '/api/me')
    me = who.id
    byId('cases-link').hidden = !who.roles.includes('facilitator')
    await load()
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      toLogin()
      return
    }
    main.removeAttribute('aria-busy')
    showError(err instanceof Error ? err.message : t.somethingWrong)
  }
}

start()
