// The facilitator's cases (/console): make a case under a pseudonymous label, make a meeting in
// it (one room, or one room per parent), and open a meeting's console.

import { api } from './api.js'
import { announce, byId, h, showError } from './dom.js'
import { formatDate, t, translatePage, withLang } from './i18n.js'
import './langswitch.js'
import { networkPanel } from './network.js'
import { facilitator, wireConsoleBar } from './session.js'
import { html, nothing, render, repeat } from './view.js'

translatePage()
wireConsoleBar()

const main = byId('main')
const list = byId('cases')

/**
 * @typedef {{id: string, title: string, status: string, created_at?: string}} MeetingSummary
 * @typedef {{id: string, name: string, email: string}} FacilitatorSummary
 * @typedef {{id: string, label: string, team_id: string | null, meetings: MeetingSummary[], facilitators: FacilitatorSummary[]}} CaseDetail
 * @typedef {{id: string, name: string}} TeamRef
 * @typedef {{id: number, name: string, email: string, roles: string[], teams: TeamRef[]}} Me
 */

/** Who is signed in (set once the page starts): their teams and whether they lead one. */
/** @type {Me} */
let me = { id: 0, name: '', email: '', roles: [], teams: [] }

/**
 * @typedef {{meeting_id: string, room_id: string, room: string, key: string, text: string, section: string, review: string, state: 'due' | 'overdue'}} ReviewRule
 * @typedef {{case_id: string, due: number, overdue: number, earliest: string | null, rules: ReviewRule[], not_held: number}} CaseReviews
 * @typedef {{today: string, mail: boolean, cases: CaseReviews[]}} Reviews
 */

/** @param {string} [openCase] the case whose new-meeting form starts open */
async function load (openCase) {
  /** @type {[{cases: {id: string}[]}, Reviews]} */
  // The reviews are a help on top: if they cannot be had, the cases are still listed.
  const noReviews = /** @type {Reviews} */ ({ today: '', mail: true, cases: [] })
  const [{ cases }, reviews] = await Promise.all([api('GET', '/api/cases'), api('GET', '/api/reviews').catch(() => noReviews)])
  /** @type {CaseDetail[]} */
  const details = await Promise.all(cases.map((/** @type {{id: string}} */ c) => api('GET', `/api/cases/${encodeURIComponent(c.id)}`)))
  const reviewsOf = new Map(reviews.cases.map((r) => [r.case_id, r]))
  const anyDue = reviews.cases.some((r) => r.rules.length > 0)
  if (!drawn) list.replaceChildren() // the page's placeholder; from here on the view owns the list
  drawn = true
  // Keyed by case: a card whose case did not change stays the very element it was, with whatever
  // someone was typing in it or had opened there, when another case is made or changed.
  render(html`${caseForm()}
    <h2 class="section-title" id="case-list-title">${t.yourCases}</h2>
    ${anyDue && !reviews.mail ? html`<p class="hint reviews-no-mail">${t.reviewsNoMail}</p>` : nothing}
    ${details.length
      ? html`<ul class="case-list" aria-labelledby="case-list-title">${repeat(details, (c) => c.id,
          (c) => html`<li>${cardOf(c, c.id === openCase, reviewsOf.get(c.id))}</li>`)}</ul>`
      : html`<p class="empty">${t.noCases}</p>`}`, list)
  for (const id of cards.keys()) if (!details.some((c) => c.id === id)) cards.delete(id)
  main.removeAttribute('aria-busy')
  if (openCase) {
    // The case just made: on to its first meeting.
    const title = document.getElementById(`title-${openCase}`)
    if (title) title.focus()
  }
}

let drawn = false
/** @type {HTMLFormElement | null} */
let newCase = null
/** @type {Map<string, {shown: string, card: HTMLElement}>} */
const cards = new Map()

/** The new-case form: made once, so that what is typed there survives a reload of the list. */
function caseForm () {
  if (!newCase) newCase = newCaseForm()
  return newCase
}

/**
 * A case's card, the same element as long as what it shows is the same.
 * @param {CaseDetail} detail
 * @param {boolean} open
 * @param {CaseReviews} [reviews]
 */
function cardOf (detail, open, reviews) {
  const shown = JSON.stringify([detail, reviews || null])
  const known = cards.get(detail.id)
  if (known && known.shown === shown) return known.card
  const card = caseCard(detail, open, reviews)
  cards.set(detail.id, { shown, card })
  return card
}

function newCaseForm () {
  const input = h('input', { id: 'case-label', name: 'label', required: true, maxlength: 120, autocomplete: 'off', 'aria-describedby': 'case-label-hint' })
  // Only someone in several teams chooses; with one (or none) the server takes theirs.
  const team = me.teams.length > 1
    ? h('select', { id: 'case-team', name: 'team_id' }, me.teams.map((tm) => h('option', { value: tm.id, text: tm.name })))
    : null
  const form = h('form', { class: 'card-form', id: 'new-case', novalidate: true },
    h('h2', { text: t.newCase }),
    h('label', { for: 'case-label', text: t.caseLabel }),
    h('p', { class: 'hint', id: 'case-label-hint', text: t.caseLabelHint }),
    team ? h('div', { class: 'case-team' }, h('label', { for: 'case-team', text: t.caseTeam }), team) : null,
    h('div', { class: 'row' }, input, h('button', { type: 'submit', text: t.createCase })))
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    const label = input.value.trim()
    if (!label) {
      input.focus()
      return
    }
    try {
      /** @type {{label: string, team_id?: string}} */
      const body = { label }
      if (team) body.team_id = /** @type {HTMLSelectElement} */ (team).value
      const created = await api('POST', '/api/cases', body)
      input.value = ''
      showError(null)
      announce(`${t.createCase}: ${label}`)
      await load(created.id)
    } catch (err) {
      showError(err instanceof Error ? err.message : t.somethingWrong)
    }
  })
  return form
}

/**
 * @param {CaseDetail} detail
 * @param {boolean} open
 * @param {CaseReviews} [reviews]
 */
function caseCard (detail, open, reviews) {
  const headingId = `case-${detail.id}`
  return h('section', { class: 'case', 'aria-labelledby': headingId },
    h('h3', { id: headingId, text: detail.label }),
    reviews && (reviews.rules.length || reviews.not_held) ? reviewsPanel(detail.id, reviews) : null,
    detail.meetings.length
      ? h('ul', { class: 'meeting-list' }, detail.meetings.map((m) => h('li', {},
        h('a', { href: withLang(`/console/meetings/${encodeURIComponent(m.id)}`), class: 'meeting-link' },
          h('span', { text: m.title }),
          h('span', { class: `pill pill-${m.status}`, text: m.status === 'open' ? t.meetingOpen : t.meetingClosedShort })))))
      : h('p', { class: 'empty', text: t.noMeetings }),
    facilitatorsPanel(detail),
    leads(detail) ? movePanel(detail) : null,
    networkPanel(detail.id),
    newMeetingForm(detail, open))
}

/**
 * The plan's reviews that are due (today or within two days) or overdue: the counts and the earliest
 * date first, then each rule with its date, linking to its meeting. The server reckons the days in
 * the organisation's time zone, so every facilitator sees the same.
 * @param {string} caseId
 * @param {CaseReviews} reviews
 */
function reviewsPanel (caseId, reviews) {
  const titleId = `reviews-${caseId}`
  const counts = [
    // The safety journal's "did not hold" this week (branch callnet): the network may need calling together.
    reviews.not_held ? h('strong', { class: 'pill pill-not-held', text: t.reviewsNotHeld(reviews.not_held) }) : null,
    reviews.overdue ? h('span', { class: 'pill pill-overdue', text: t.reviewsOverdue(reviews.overdue) }) : null,
    reviews.due ? h('span', { class: 'pill pill-due', text: t.reviewsDue(reviews.due) }) : null,
    reviews.earliest ? h('span', { class: 'reviews-earliest', text: t.reviewsEarliest(formatDate(reviews.earliest)) }) : null
  ]
  return h('section', { class: `case-reviews ${reviews.overdue || reviews.not_held ? 'has-overdue' : 'has-due'}`, 'aria-labelledby': titleId, 'data-case': caseId },
    h('h4', { id: titleId, text: t.reviewsTitle }),
    h('p', { class: 'reviews-counts' }, ...counts),
    h('ul', { class: 'review-list' }, reviews.rules.map((rule) => h('li', { class: `review review-${rule.state}`, 'data-key': rule.key },
      // The spaces keep the three apart when read aloud or copied (the flex gap only draws them apart).
      h('span', { class: 'review-state', text: rule.state === 'overdue' ? t.reviewStateOverdue : t.reviewStateDue }), ' ',
      h('time', { datetime: rule.review, text: formatDate(rule.review) }), ' ',
      h('a', { href: withLang(`/console/meetings/${encodeURIComponent(rule.meeting_id)}`), dir: 'auto', text: rule.text })))))
}

/**
 * Who may run this case's meetings, and adding a colleague who co-facilitates (by the email of
 * their Kring account; an operator makes accounts with `kring user add`).
 * @param {CaseDetail} detail
 */
function facilitatorsPanel (detail) {
  const id = `cofac-${detail.id}`
  const email = h('input', { id, type: 'email', name: 'email', required: true, maxlength: 254, autocomplete: 'off' })
  const form = h('form', { class: 'row cofacilitator-form', novalidate: true },
    h('label', { for: id, text: t.cofacilitatorEmail }), email, h('button', { type: 'submit', class: 'secondary', text: t.cofacilitatorAdd }))
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    const wanted = email.value.trim()
    if (!wanted) return email.focus()
    try {
      const added = await api('POST', `/api/cases/${encodeURIComponent(detail.id)}/facilitators`, { email: wanted })
      showError(null)
      announce(t.cofacilitatorAdded(added.name))
      await load()
    } catch (err) {
      showError(err instanceof Error ? err.message : t.somethingWrong)
      email.focus()
    }
  })
  return h('div', { class: 'case-facilitators' },
    h('h4', { text: t.cofacilitators }),
    h('ul', { class: 'facilitator-list' }, (detail.facilitators || []).map((f) => h('li', { dir: 'auto', text: f.name }))),
    form)
}

/**
 * A team lead of the case's team may hand it on (the server checks this again).
 * @param {CaseDetail} detail
 */
function leads (detail) {
  return me.roles.includes('team_lead') && me.roles.includes('facilitator') &&
    detail.team_id !== null && me.teams.some((tm) => tm.id === detail.team_id)
}

/**
 * "Hand the case on": a closed disclosure that asks the server for the choices only when opened,
 * then a confirmation before the move (which the server audits). Drawn with the keyed view, so the
 * choices arriving change only the select's options.
 * @param {CaseDetail} detail
 */
function movePanel (detail) {
  const id = (/** @type {string} */ name) => `${name}-${detail.id}`
  const box = h('div', { class: 'case-move-box' })
  /** @type {{teams: TeamRef[], facilitators: {id: number, name: string}[]} | null} */
  let options = null
  let asked = false
  const choice = () => /** @type {HTMLSelectElement} */ (byId(id('move-to')))

  async function opened (/** @type {Event} */ event) {
    if (!(/** @type {HTMLDetailsElement} */ (event.currentTarget)).open || asked) return
    asked = true
    try {
      options = await api('GET', `/api/cases/${encodeURIComponent(detail.id)}/move-options`)
      draw()
    } catch (err) {
      asked = false
      showError(err instanceof Error ? err.message : t.somethingWrong)
    }
  }

  async function submit (/** @type {SubmitEvent} */ event) {
    event.preventDefault()
    const select = choice()
    if (!select.value) return select.focus()
    const [kind, target] = select.value.split(':')
    const name = select.selectedOptions[0].textContent || ''
    if (!window.confirm(t.moveConfirm(detail.label, name))) return
    try {
      await api('POST', `/api/cases/${encodeURIComponent(detail.id)}/move`,
        kind === 'team' ? { team_id: target } : { facilitator_id: Number(target) })
      showError(null)
      announce(t.moveDone(name))
      await load()
    } catch (err) {
      showError(err instanceof Error ? err.message : t.somethingWrong)
      select.focus()
    }
  }

  function draw () {
    render(html`<details class="case-move" id=${id('move')} @toggle=${opened}>
      <summary>${t.moveCase}</summary>
      <form class="row case-move-form" novalidate @submit=${submit}>
        <label for=${id('move-to')}>${t.moveTo}</label>
        <select id=${id('move-to')} name="to" required>
          <option value="">${t.moveChoose}</option>
          ${options
            ? html`<optgroup label=${t.moveTeams}>${repeat(options.teams, (tm) => tm.id, (tm) => html`<option value=${`team:${tm.id}`}>${tm.name}</option>`)}</optgroup>
              <optgroup label=${t.moveFacilitators}>${repeat(options.facilitators, (f) => f.id, (f) => html`<option value=${`facilitator:${f.id}`}>${f.name}</option>`)}</optgroup>`
            : nothing}
        </select>
        <button type="submit" class="secondary">${t.moveCase}</button>
      </form>
    </details>`, box)
  }
  draw()
  return box
}

/**
 * @param {CaseDetail} detail
 * @param {boolean} open
 */
function newMeetingForm (detail, open) {
  const id = (/** @type {string} */ name) => `${name}-${detail.id}`
  const title = h('input', { id: id('title'), name: 'title', required: true, maxlength: 200, value: t.meetingTitleDefault, autocomplete: 'off' })
  const one = h('input', { type: 'radio', name: id('kind'), id: id('one'), value: 'one', checked: true })
  const split = h('input', { type: 'radio', name: id('kind'), id: id('split'), value: 'split' })
  const names = t.roomNameDefaults.map((name, i) =>
    h('input', { id: id(`room${i + 1}`), name: `room${i + 1}`, required: true, maxlength: 120, value: name, autocomplete: 'off' }))
  // Which earlier room each new room carries on: only a room chosen here shows last time's scores
  // (with first names), so the choice is the facilitator's and starts at none. Nothing is guessed.
  const earlier = detail.meetings.length > 0
  const hintId = id('continues-hint')
  const continuesSelect = (/** @type {string} */ name) => h('select', { id: id(name), name, 'aria-describedby': hintId },
    h('option', { value: '', text: t.continuesNone, selected: true }))
  const oneContinues = continuesSelect('continues')
  const splitContinues = names.map((_, i) => continuesSelect(`continues${i + 1}`))
  const continuesHint = earlier ? h('p', { class: 'hint', id: hintId, text: t.continuesHint }) : null
  const oneField = earlier
    ? h('div', { class: 'field continues' }, h('label', { for: oneContinues.id, text: t.continuesLabel }), oneContinues)
    : null
  const roomFields = h('div', { class: 'room-names', hidden: true },
    h('p', { class: 'hint', id: id('split-hint'), text: t.splitHint }),
    names.flatMap((input, i) => [
      h('div', { class: 'field' }, h('label', { for: input.id, text: t.roomNameLabel(i + 1) }), input),
      earlier
        ? h('div', { class: 'field continues' }, h('label', { for: splitContinues[i].id, text: t.continuesRoomLabel(i + 1) }), splitContinues[i])
        : null
    ]))
  const showRooms = () => {
    roomFields.hidden = !split.checked
    if (oneField) oneField.hidden = split.checked
  }
  one.addEventListener('change', showRooms)
  split.addEventListener('change', showRooms)

  const form = h('form', { class: 'stack', novalidate: true },
    h('label', { for: title.id, text: t.meetingTitleLabel }),
    title,
    h('fieldset', { class: 'choices' },
      h('legend', { text: t.meetingKind }),
      h('div', { class: 'choice' }, one, h('label', { for: one.id, text: t.oneRoom })),
      h('div', { class: 'choice' }, split, h('label', { for: split.id, text: t.splitRooms, 'aria-describedby': id('split-hint') }))),
    continuesHint,
    oneField,
    roomFields,
    h('p', { class: 'error', role: 'alert', hidden: true, id: id('error') }),
    h('button', { type: 'submit', text: t.createMeeting }))

  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    const errorEl = byId(id('error'))
    const room = (/** @type {string} */ name, /** @type {HTMLSelectElement} */ select) =>
      select.value ? { name, continues: select.value } : name
    const rooms = split.checked
      ? names.map((n, i) => room(n.value.trim(), splitContinues[i]))
      : oneContinues.value ? [room(t.singleRoomName, oneContinues)] : []
    const body = { title: title.value.trim(), rooms }
    const empty = [title, ...(split.checked ? names : [])].find((input) => !input.value.trim())
    if (empty) {
      empty.focus()
      return
    }
    try {
      const meeting = await api('POST', `/api/cases/${encodeURIComponent(detail.id)}/meetings`, body)
      window.location.assign(withLang(`/console/meetings/${encodeURIComponent(meeting.id)}`))
    } catch (err) {
      showError(err instanceof Error ? err.message : t.somethingWrong, errorEl)
    }
  })

  const box = h('details', { class: 'new-meeting', open },
    h('summary', {}, t.newMeeting),
    form)
  if (earlier) {
    let asked = false
    const offer = () => {
      if (asked || !box.open) return
      asked = true
      earlierRooms(detail).then((found) => {
        for (const select of [oneContinues, ...splitContinues]) fillContinues(select, found)
      }).catch((err) => showError(err instanceof Error ? err.message : t.somethingWrong, byId(id('error'))))
    }
    box.addEventListener('toggle', offer)
    offer()
  }
  return box
}

/**
 * @typedef {{meeting: MeetingSummary, rooms: {id: string, name: string}[]}} EarlierMeeting
 */

/**
 * The rooms of the case's earlier meetings, the newest meeting first.
 * @param {CaseDetail} detail
 * @returns {Promise<EarlierMeeting[]>}
 */
async function earlierRooms (detail) {
  return Promise.all([...detail.meetings].reverse().map(async (meeting) => {
    const found = await api('GET', `/api/meetings/${encodeURIComponent(meeting.id)}`)
    return { meeting, rooms: found.rooms.map((/** @type {{id: string, name: string}} */ r) => ({ id: r.id, name: r.name })) }
  }))
}

/**
 * @param {HTMLSelectElement} select
 * @param {EarlierMeeting[]} found
 */
function fillContinues (select, found) {
  const when = (/** @type {string | undefined} */ at) => at ? ` (${formatDate(at)})` : ''
  select.replaceChildren(
    h('option', { value: '', text: t.continuesNone, selected: true }),
    ...found.map(({ meeting, rooms }) => h('optgroup', { label: `${meeting.title}${when(meeting.created_at)}` },
      rooms.map((r) => h('option', { value: r.id, text: `${r.name} — ${meeting.title}${when(meeting.created_at)}` })))))
}

facilitator()
  .then((who) => {
    me = /** @type {Me} */ (who)
    return load()
  })
  .catch((err) => showError(err instanceof Error ? err.message : t.somethingWrong))
