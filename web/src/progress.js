// Progress over time in the meeting console, per room: each person's and each role's scaling score
// across the room's line of meetings (GET /api/rooms/{room}/progress), drawn as inline SVG by this
// module (no chart library: nothing third-party on the page), with the same numbers in a table, and
// each agreement's status per meeting.

import { api } from './api.js'
import { fill, h, showError } from './dom.js'
import { formatDate, t } from './i18n.js'
import { relationLabel } from './labels.js'
import { c } from './childwords.js'

const SVG = 'http://www.w3.org/2000/svg'
const WIDTH = 560
const HEIGHT = 260
const PAD = { left: 36, right: 16, top: 16, bottom: 44 }
// Told apart by more than colour: people have solid lines and round points, roles dashed lines and squares.
const COLOURS = ['#1b5e9a', '#b3411b', '#2e7d32', '#6a3d9a', '#8a6d00', '#00737a', '#a3246b', '#4e4e4e']

/**
 * @typedef {{round_id: string, number: number, title: string, about: string}} RoundRef
 * @typedef {{round_id: string, picked: boolean}} Point
 * @typedef {{room_id: string, meeting_id: string, title: string, at: string | null, round: string | null, rounds?: RoundRef[], points?: Record<string, Point>}} MeetingPoint
 * @typedef {{name: string, relation: string, values: (number | null)[]}} PersonLine
 * @typedef {{relation: string, values: (number | null)[], counts: number[]}} RoleLine
 * @typedef {{held: number, not_held: number, unsure: number}} JournalCounts
 * @typedef {{key: string, text: string, section: string, statuses: (string | null)[], journal?: (JournalCounts | null)[]}} RuleLine
 * @typedef {{pair: string, title: string, people: PersonLine[], roles: RoleLine[]}} PairLines
 * @typedef {{meetings: MeetingPoint[], people: PersonLine[], roles: RoleLine[], pairs?: PairLines[], rules: RuleLine[]}} Progress
 * @typedef {Progress & {question?: string, questionTitle?: string}} Lines
 */

/**
 * The round a meeting's point shows on a question ("" the whole situation, else a pair's key).
 * @param {MeetingPoint} m
 * @param {string} question
 * @returns {RoundRef | null}
 */
export function pointOf (m, question) {
  const id = m.points && m.points[question] ? m.points[question].round_id : null
  return (m.rounds || []).find((r) => r.round_id === id) || null
}

/**
 * "punt = ronde 2, 'Algemeen'": which round a meeting's point is, its own title or the question's.
 * @param {RoundRef} round
 * @param {string} questionTitle
 */
export function pointText (round, questionTitle) {
  return c.pointIs(round.number, (round.title || questionTitle).slice(0, 60))
}

/**
 * @param {string} tag
 * @param {Record<string, string | number>} [attrs]
 * @param {...(SVGElement | string)} children
 */
function s (tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag)
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, String(value))
  for (const child of children) el.append(typeof child === 'string' ? document.createTextNode(child) : child)
  return el
}

/** @param {MeetingPoint} m */
function meetingName (m) {
  return m.at ? `${m.title} (${formatDate(m.at)})` : m.title
}

/**
 * The chart: 0–10 upwards, meetings from left to right, one line per person and per role.
 * @param {Lines} data
 * @param {string} id
 */
export function chart (data, id) {
  const n = data.meetings.length
  const x = (/** @type {number} */ i) => PAD.left + (n === 1 ? (WIDTH - PAD.left - PAD.right) / 2 : i * (WIDTH - PAD.left - PAD.right) / (n - 1))
  const y = (/** @type {number} */ v) => PAD.top + (10 - v) * (HEIGHT - PAD.top - PAD.bottom) / 10
  const svg = s('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-labelledby': `${id}-title ${id}-desc`, class: 'progress-chart', id })
  svg.append(s('title', { id: `${id}-title` }, c.chartTitle), s('desc', { id: `${id}-desc` }, c.chartDesc(data.people.length, n)))
  const grid = s('g', { class: 'grid', 'aria-hidden': 'true' })
  for (let v = 0; v <= 10; v += 2) {
    grid.append(s('line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(v), y2: y(v) }),
      s('text', { x: PAD.left - 8, y: y(v) + 4, 'text-anchor': 'end' }, String(v)))
  }
  data.meetings.forEach((m, i) => {
    grid.append(s('text', { x: x(i), y: HEIGHT - PAD.bottom + 18, 'text-anchor': 'middle' }, m.title.slice(0, 18)))
    // Which of the meeting's rounds its point is, under its name (the list below says it in full).
    const point = pointOf(m, data.question || '')
    if (point) grid.append(s('text', { x: x(i), y: HEIGHT - PAD.bottom + 34, 'text-anchor': 'middle', class: 'point-round' }, c.pointShort(point.number)))
  })
  svg.append(grid)
  /** @param {(number | null)[]} values @param {string} colour @param {string} label @param {boolean} role */
  const line = (values, colour, label, role) => {
    const group = s('g', { class: role ? 'series role' : 'series person' })
    // A gap where someone was not at a meeting: the line breaks rather than inventing a score.
    let run = /** @type {string[]} */ ([])
    const flush = () => {
      if (run.length > 1) group.append(s('polyline', { points: run.join(' '), stroke: colour, fill: 'none', 'stroke-width': role ? 3 : 2, 'stroke-dasharray': role ? '6 4' : 'none' }))
      run = []
    }
    values.forEach((v, i) => {
      if (v === null || v === undefined) return flush()
      run.push(`${x(i)},${y(v)}`)
      const title = s('title', {}, `${label}, ${meetingName(data.meetings[i])}: ${v}`)
      group.append(role
        ? s('rect', { x: x(i) - 5, y: y(v) - 5, width: 10, height: 10, fill: colour }, title)
        : s('circle', { cx: x(i), cy: y(v), r: 5, fill: colour }, title))
    })
    flush()
    return group
  }
  // Roles underneath, people on top: a role of one person lies exactly under that person's line.
  data.roles.forEach((r, i) => svg.append(line(r.values, COLOURS[(data.people.length + i) % COLOURS.length], c.roleMean(relationLabel(r.relation)), true)))
  data.people.forEach((p, i) => svg.append(line(p.values, COLOURS[i % COLOURS.length], p.name, false)))
  return svg
}

/** Which line is whose: a colour with a solid line and a point, or a dashed one and a square. @param {Progress} data */
function legend (data) {
  const item = (/** @type {string} */ colour, /** @type {string} */ label, /** @type {boolean} */ role) =>
    h('li', { class: role ? 'legend-role' : 'legend-person' },
      h('span', { class: 'swatch', 'aria-hidden': 'true', style: null, 'data-colour': colour }),
      h('span', { text: label }))
  const list = h('ul', { class: 'chart-legend', 'aria-hidden': 'true' },
    data.people.map((p, i) => item(COLOURS[i % COLOURS.length], p.name, false)),
    data.roles.map((r, i) => item(COLOURS[(data.people.length + i) % COLOURS.length], c.roleMean(relationLabel(r.relation)), true)))
  // Colours set as properties, not a style attribute: the page's policy allows no inline styles.
  for (const swatch of list.querySelectorAll('.swatch')) /** @type {HTMLElement} */ (swatch).style.borderColor = /** @type {HTMLElement} */ (swatch).dataset.colour || ''
  return list
}

/** The same numbers as the chart, for reading and for screen readers. @param {Progress} data */
function scoreTable (data) {
  const cell = (/** @type {number | null} */ v) => h('td', { text: v === null || v === undefined ? c.notThere : String(v) })
  return h('table', { class: 'progress-table' },
    h('caption', { text: c.chartTitle }),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: c.person }), h('th', { scope: 'col', text: c.role }),
      data.meetings.map((m) => h('th', { scope: 'col', text: meetingName(m) })))),
    h('tbody', {},
      data.people.map((p) => h('tr', {}, h('th', { scope: 'row', text: p.name }), h('td', { text: relationLabel(p.relation) }), p.values.map(cell))),
      data.roles.map((r) => h('tr', { class: 'role-row' }, h('th', { scope: 'row', text: c.roleMean(relationLabel(r.relation)) }), h('td', { text: relationLabel(r.relation) }), r.values.map(cell)))))
}

/** @param {Progress} data */
function ruleTable (data) {
  if (!data.rules.length) return h('p', { class: 'empty', text: c.rulesNone })
  return h('table', { class: 'progress-table rules-over-time' },
    h('caption', { text: c.rulesTitle }),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: c.rule }), data.meetings.map((m) => h('th', { scope: 'col', text: meetingName(m) })))),
    h('tbody', {}, data.rules.map((r) => h('tr', {},
      h('th', { scope: 'row', dir: 'auto', text: r.text }),
      r.statuses.map((status) => h('td', { class: status ? `status-${status}` : 'status-none', text: status ? /** @type {Record<string, string>} */ (c.statuses)[status] || status : c.notThere }))))))
}

/**
 * The safety journal beside the scores: per rule and meeting, how often the network reported it kept,
 * not kept or unsure, in words (a cell that holds a "not kept" is bold too, never colour alone).
 * @param {Progress} data
 */
function journalTable (data) {
  const reported = data.rules.filter((r) => (r.journal || []).some((counts) => counts !== null))
  if (!reported.length) return null
  /** @param {JournalCounts | null} counts */
  const cell = (counts) => {
    if (!counts) return h('td', { class: 'journal-none', text: c.journalNone })
    const said = [
      counts.held ? c.journalHeld(counts.held) : '',
      counts.not_held ? c.journalNotHeld(counts.not_held) : '',
      counts.unsure ? c.journalUnsure(counts.unsure) : ''
    ].filter(Boolean)
    return h('td', { class: counts.not_held ? 'journal-failed' : 'journal-held', text: said.join(', ') })
  }
  return h('table', { class: 'progress-table journal-over-time' },
    h('caption', {}, h('span', { text: c.journalTitle }), h('span', { class: 'caption-note', text: c.journalIntro })),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: c.rule }), data.meetings.map((m) => h('th', { scope: 'col', text: meetingName(m) })))),
    h('tbody', {}, reported.map((r) => h('tr', {},
      h('th', { scope: 'row', dir: 'auto', text: r.text || c.notThere }),
      (r.journal || []).map(cell)))))
}

/**
 * Each meeting's point on the question shown: which round it is ("punt = ronde 2, 'Algemeen'"), and,
 * where the meeting revealed more than one round about it, a choice of which (kept on the server).
 * @param {Lines} data
 * @param {string} base
 * @param {(m: MeetingPoint, roundId: string | null) => void} choose
 */
function pointList (data, base, choose) {
  const question = data.question || ''
  const title = data.questionTitle || c.questionOverall
  return h('div', { class: 'progress-points' },
    h('h4', { text: c.pointsTitle }),
    h('ul', {}, data.meetings.map((m, i) => {
      const point = pointOf(m, question)
      const about = (m.rounds || []).filter((r) => r.about === question)
      const picked = Boolean(m.points && m.points[question] && m.points[question].picked)
      const id = `${base}-point-${i}`
      return h('li', { class: 'progress-point', 'data-meeting': m.meeting_id },
        h('span', { class: 'point-meeting', dir: 'auto', text: `${meetingName(m)}: ` }),
        h('span', { class: 'point-is', dir: 'auto', text: point ? pointText(point, title) + (picked ? ` (${c.pointPicked})` : '') : c.pointNone }),
        about.length > 1
          ? h('span', { class: 'point-choice' },
            h('label', { class: 'visually-hidden', for: id, text: c.pointChoose(meetingName(m)) }),
            h('select', {
              id,
              onchange: (/** @type {Event} */ e) => choose(m, /** @type {HTMLSelectElement} */ (e.target).value || null)
            },
            h('option', { value: '', text: c.pointLast, selected: !picked }),
            about.map((r) => h('option', { value: r.round_id, text: pointText(r, title), selected: picked && point !== null && point.round_id === r.round_id }))))
          : null)
    })))
}

export class ProgressPanel {
  /**
   * @param {object} options
   * @param {string} options.roomId
   * @param {string} options.base an id prefix for this room
   */
  constructor ({ roomId, base }) {
    this.roomId = roomId
    this.base = `${base}-progress`
    this.error = h('p', { class: 'error', role: 'alert', hidden: true })
    // Its tables scroll sideways on a phone: focusable, so the keyboard can scroll them too.
    this.body = h('div', { class: 'progress-body', 'aria-live': 'polite', tabindex: '0', role: 'region', 'aria-label': c.progressTitle })
    this.button = h('button', { type: 'button', class: 'secondary', text: c.progressLoad, onclick: () => this.load() })
    this.element = h('details', { class: 'progress-panel', id: this.base },
      h('summary', {}, h('span', { class: 'summary-title', text: c.progressTitle })),
      h('p', { class: 'hint', text: c.progressHint }),
      this.button,
      this.error,
      this.body)
    this.element.addEventListener('toggle', () => {
      if (this.element.open && !this.loaded) this.load()
    })
    this.loaded = false
    /** The question last shown, kept when the chart is drawn again. */
    this.question = ''
  }

  /**
   * Make a round a meeting's point (null: back to its last round), then draw the chart again.
   * @param {MeetingPoint} m
   * @param {string} question
   * @param {string | null} roundId
   */
  async choose (m, question, roundId) {
    // The chart is drawn anew: the choice that was used keeps the keyboard's place.
    const focused = document.activeElement ? document.activeElement.id : ''
    try {
      await api('PUT', `/api/rooms/${encodeURIComponent(m.room_id)}/progress/point`, { question, round_id: roundId })
      await this.load()
      const again = focused ? document.getElementById(focused) : null
      if (again) again.focus()
    } catch (err) {
      showError(err instanceof Error ? err.message : t.somethingWrong, this.error)
    }
  }

  async load () {
    try {
      /** @type {Progress} */
      const data = await api('GET', `/api/rooms/${encodeURIComponent(this.roomId)}/progress`)
      this.loaded = true
      this.button.textContent = c.progressReload
      showError(null, this.error)
      // The question the chart shows: the whole situation, or one danger statement / safety goal pair.
      const pairs = data.pairs || []
      const question = h('select', { id: `${this.base}-question` },
        h('option', { value: '', text: c.questionOverall }),
        pairs.map((p) => h('option', { value: p.pair, text: c.questionPair(p.title.slice(0, 80)), selected: p.pair === this.question })))
      const scores = h('div', { class: 'progress-scores' })
      const show = () => {
        this.question = question.value
        const chosen = pairs.find((p) => p.pair === question.value)
        /** @type {Lines} */
        const lines = {
          ...data,
          people: chosen ? chosen.people : data.people,
          roles: chosen ? chosen.roles : data.roles,
          question: chosen ? chosen.pair : '',
          questionTitle: chosen ? chosen.title : c.questionOverall
        }
        const scored = lines.people.some((p) => p.values.some((v) => v !== null))
        fill(scores,
          scored ? h('div', { class: 'chart-box' }, chart(lines, `${this.base}-chart`), legend(lines)) : h('p', { class: 'empty', text: c.progressNone }),
          scored ? pointList(lines, this.base, (m, roundId) => this.choose(m, lines.question || '', roundId)) : null,
          scored ? scoreTable(lines) : null)
      }
      question.addEventListener('change', show)
      show()
      fill(this.body,
        pairs.length ? h('div', { class: 'field' }, h('label', { for: question.id, text: c.question }), question) : null,
        scores,
        ruleTable(data),
        journalTable(data))
    } catch (err) {
      showError(err instanceof Error ? err.message : t.somethingWrong, this.error)
    }
  }
}
