// The facilitator's cases (/console): make a case under a pseudonymous label, make a meeting in
// it (one room, or one room per parent), and open a meeting's console.

import { api } from './api.js'
import { announce, byId, fill, h, showError } from './dom.js'
import { t, translatePage, withLang } from './i18n.js'
import { networkPanel } from './network.js'
import { facilitator, wireConsoleBar } from './session.js'

translatePage()
wireConsoleBar()

const main = byId('main')
const list = byId('cases')

/**
 * @typedef {{id: string, title: string, status: string}} MeetingSummary
 * @typedef {{id: string, label: string, meetings: MeetingSummary[]}} CaseDetail
 */

/** @param {string} [openCase] the case whose new-meeting form starts open */
async function load (openCase) {
  const { cases } = await api('GET', '/api/cases')
  /** @type {CaseDetail[]} */
  const details = await Promise.all(cases.map((/** @type {{id: string}} */ c) => api('GET', `/api/cases/${encodeURIComponent(c.id)}`)))
  fill(list,
    newCaseForm(),
    h('h2', { class: 'section-title', text: t.yourCases, id: 'case-list-title' }),
    details.length
      ? h('ul', { class: 'case-list', 'aria-labelledby': 'case-list-title' }, details.map((c) => h('li', {}, caseCard(c, c.id === openCase))))
      : h('p', { class: 'empty', text: t.noCases }))
  main.removeAttribute('aria-busy')
  if (openCase) {
    // The case just made: on to its first meeting.
    const title = document.getElementById(`title-${openCase}`)
    if (title) title.focus()
  }
}

function newCaseForm () {
  const input = h('input', { id: 'case-label', name: 'label', required: true, maxlength: 120, autocomplete: 'off', 'aria-describedby': 'case-label-hint' })
  const form = h('form', { class: 'card-form', id: 'new-case', novalidate: true },
    h('h2', { text: t.newCase }),
    h('label', { for: 'case-label', text: t.caseLabel }),
    h('p', { class: 'hint', id: 'case-label-hint', text: t.caseLabelHint }),
    h('div', { class: 'row' }, input, h('button', { type: 'submit', text: t.createCase })))
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    const label = input.value.trim()
    if (!label) {
      input.focus()
      return
    }
    try {
      const created = await api('POST', '/api/cases', { label })
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
 */
function caseCard (detail, open) {
  const headingId = `case-${detail.id}`
  return h('section', { class: 'case', 'aria-labelledby': headingId },
    h('h3', { id: headingId, text: detail.label }),
    detail.meetings.length
      ? h('ul', { class: 'meeting-list' }, detail.meetings.map((m) => h('li', {},
        h('a', { href: withLang(`/console/meetings/${encodeURIComponent(m.id)}`), class: 'meeting-link' },
          h('span', { text: m.title }),
          h('span', { class: `pill pill-${m.status}`, text: m.status === 'open' ? t.meetingOpen : t.meetingClosedShort })))))
      : h('p', { class: 'empty', text: t.noMeetings }),
    networkPanel(detail.id),
    newMeetingForm(detail, open))
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
  const roomFields = h('div', { class: 'room-names', hidden: true },
    h('p', { class: 'hint', id: id('split-hint'), text: t.splitHint }),
    names.map((input, i) => h('div', { class: 'field' }, h('label', { for: input.id, text: t.roomNameLabel(i + 1) }), input)))
  const showRooms = () => { roomFields.hidden = !split.checked }
  one.addEventListener('change', showRooms)
  split.addEventListener('change', showRooms)

  const form = h('form', { class: 'stack', novalidate: true },
    h('label', { for: title.id, text: t.meetingTitleLabel }),
    title,
    h('fieldset', { class: 'choices' },
      h('legend', { text: t.meetingKind }),
      h('div', { class: 'choice' }, one, h('label', { for: one.id, text: t.oneRoom })),
      h('div', { class: 'choice' }, split, h('label', { for: split.id, text: t.splitRooms, 'aria-describedby': id('split-hint') }))),
    roomFields,
    h('p', { class: 'error', role: 'alert', hidden: true, id: id('error') }),
    h('button', { type: 'submit', text: t.createMeeting }))

  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    const errorEl = byId(id('error'))
    const body = { title: title.value.trim(), rooms: split.checked ? names.map((n) => n.value.trim()) : [] }
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

  return h('details', { class: 'new-meeting', open },
    h('summary', {}, t.newMeeting),
    form)
}

facilitator()
  .then(() => load())
  .catch((err) => showError(err instanceof Error ? err.message : t.somethingWrong))
