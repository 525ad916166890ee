// A network member's plan between meetings (/plan, reached through their personal link /l/<token>,
// which put the link in an HttpOnly session cookie and took it out of the address bar). The page
// shows "my agreements" and the room's agreed plan as the server sends them (nothing sensitive,
// nothing facilitator-only, first names only), and lets the person report whether a rule held.
// Nothing is stored on the phone: the page keeps what it shows in memory only.

import { api, ApiError } from './api.js'
import { announce, byId } from './dom.js'
import { formatDate, translatePage } from './i18n.js'
import './langswitch.js'
import { j } from './journalwords.js'
import { html, nothing, render } from './view.js'

translatePage()

const view = byId('view')
const main = byId('main')

/** @typedef {{id: string, section: string, text: string, when: string, check: string, if_not_kept: string, review: string, owners: string[], mine: boolean}} Rule */
/** @typedef {{id: string, rule_id: string, day: string, verdict: string, note: string}} Report */
/** @typedef {{first_name: string, today: string, rules: Rule[], reports: Report[]}} Page */

/** @type {Page | null} */
let page = null
/** @type {Record<string, string>} the last message per rule's form (sent, or what is wrong) */
const said = {}

const VERDICTS = ['held', 'not_held', 'unsure']

/** @param {string} message */
function ended (message) {
  page = null
  render(html`<h1>${j.title}</h1><p class="notice" role="status">${message}</p>`, view)
  main.removeAttribute('aria-busy')
}

async function load () {
  try {
    page = /** @type {Page} */ (await api('GET', '/api/plan'))
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return ended(j.ended)
    return ended(error instanceof Error ? error.message : String(error))
  }
  draw()
  main.removeAttribute('aria-busy')
}

/**
 * @param {SubmitEvent} event
 * @param {Rule} rule
 */
async function report (event, rule) {
  event.preventDefault()
  const form = /** @type {HTMLFormElement} */ (event.currentTarget)
  const data = new FormData(form)
  const verdict = String(data.get('verdict') || '')
  if (!verdict) {
    said[rule.id] = j.chooseVerdict
    draw()
    return
  }
  const button = form.querySelector('button')
  if (button) button.disabled = true
  try {
    await api('POST', '/api/plan/reports', {
      rule_id: rule.id,
      verdict,
      note: String(data.get('note') || ''),
      day: String(data.get('day') || '') || undefined
    })
    said[rule.id] = j.sent
    form.reset()
    announce(j.sent)
    await load()
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return ended(j.ended)
    said[rule.id] = error instanceof Error ? error.message : String(error)
    draw()
  } finally {
    if (button) button.disabled = false
  }
}

async function forget () {
  try {
    await api('DELETE', '/api/plan')
  } finally {
    ended(j.forgotten)
  }
}

/**
 * @param {Rule} rule
 * @param {string} where 'mine' or 'plan': the same rule may show twice, its ids must not
 * @param {Page} shown
 */
function ruleCard (rule, where, shown) {
  const id = `${where}-${rule.id}`
  const mine = shown.reports.filter((r) => r.rule_id === rule.id)
  return html`<li class="plan-rule" data-rule=${rule.id}>
    <p class="plan-rule-text">${rule.text}</p>
    ${rule.owners.length ? html`<p class="hint">${j.who(rule.owners.join(', '))}</p>` : nothing}
    ${rule.when ? html`<p class="hint">${j.when(rule.when)}</p>` : nothing}
    ${rule.check ? html`<p class="hint">${j.check(rule.check)}</p>` : nothing}
    ${rule.if_not_kept ? html`<p class="hint">${j.ifNotKept(rule.if_not_kept)}</p>` : nothing}
    ${rule.review ? html`<p class="hint">${j.review(formatDate(rule.review))}</p>` : nothing}
    ${where === 'mine' || !rule.mine
      ? html`<details class="plan-report">
          <summary>${j.report}</summary>
          <form class="stack" novalidate @submit=${(/** @type {SubmitEvent} */ e) => report(e, rule)}>
            <fieldset>
              <legend>${j.reportLegend}</legend>
              ${VERDICTS.map((v) => html`<label class="choice"><input type="radio" name="verdict" value=${v}> ${j.verdicts[v]}</label>`)}
            </fieldset>
            <label for=${`${id}-day`}>${j.dayLabel}</label>
            <input id=${`${id}-day`} name="day" type="date" max=${shown.today} value=${shown.today}>
            <label for=${`${id}-note`}>${j.noteLabel}</label>
            <textarea id=${`${id}-note`} name="note" maxlength="500" rows="3"></textarea>
            <button type="submit">${j.send}</button>
            ${said[rule.id] ? html`<p class="plan-said" role="status">${said[rule.id]}</p>` : nothing}
          </form>
        </details>`
      : nothing}
    ${mine.length && where !== 'plan'
      ? html`<details class="plan-mine"><summary>${j.myReports}</summary><ul>
          ${mine.map((r) => html`<li>${j.reportLine(formatDate(r.day), j.verdicts[r.verdict])}${r.note ? html` — ${r.note}` : nothing}</li>`)}
        </ul></details>`
      : nothing}
  </li>`
}

function draw () {
  const shown = page
  if (!shown) return
  const mine = shown.rules.filter((r) => r.mine)
  const sections = ['immediate', 'longer', 'bottom_line']
    .map((section) => ({ section, rules: shown.rules.filter((r) => r.section === section) }))
    .filter((s) => s.rules.length)
  render(html`
    <h1>${j.title}</h1>
    <p>${j.hello(shown.first_name)}</p>
    <p class="hint">${j.intro}</p>
    <section aria-labelledby="plan-mine-title">
      <h2 id="plan-mine-title">${j.mine}</h2>
      ${mine.length
        ? html`<ul class="plan-rules">${mine.map((r) => ruleCard(r, 'mine', shown))}</ul>`
        : html`<p>${j.noMine}</p>`}
    </section>
    <section aria-labelledby="plan-all-title">
      <h2 id="plan-all-title">${j.plan}</h2>
      ${sections.length
        ? sections.map((s) => html`<h3>${j.sections[s.section]}</h3>
            <ul class="plan-rules">${s.rules.map((r) => ruleCard(r, 'plan', shown))}</ul>`)
        : html`<p>${j.noRules}</p>`}
    </section>
    <p><button type="button" class="quiet" @click=${forget}>${j.forget}</button></p>
  `, view)
}

load()
