// A revealed scaling round drawn as the 0–10 line: every person's name above their number, with
// the anchors' words at both ends, never an average; the previous meeting's scores on a line of
// their own beneath. Used by the wall, the console and the phones (once the round is revealed).

import { h } from './dom.js'
import { labels, roleLabel } from './labels.js'
import { w } from './boardwords.js'
import { nameOf } from './boarddata.js'

const STEPS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]

/**
 * @typedef {{name: string, value: number, why?: string}} Named
 */

/**
 * @param {Named[]} scores
 * @param {string} label what the line is (now, previous meeting)
 * @param {string} cls
 */
function line (scores, label, cls) {
  return h('div', { class: `scale-row ${cls}`, role: 'group', 'aria-label': label },
    h('p', { class: 'scale-row-label', text: label }),
    h('ol', { class: 'scale-line' }, STEPS.map((n) => {
      const here = scores.filter((s) => s.value === n)
      return h('li', { class: 'scale-step', 'data-value': String(n) },
        h('ul', { class: 'scale-names' }, here.map((s) => h('li', { class: 'scale-name', dir: 'auto', text: s.name, title: w.scoreOf(s.name, n) }))),
        h('span', { class: 'scale-number', 'aria-hidden': here.length ? 'true' : null, text: String(n) }),
        here.length ? h('span', { class: 'visually-hidden', text: here.map((s) => w.scoreOf(s.name, n)).join(', ') }) : null)
    })))
}

/**
 * @param {object} options
 * @param {import('./boarddata.js').Round} options.round a revealed round
 * @param {Map<string, import('./boarddata.js').Person>} options.people
 * @param {Named[] | null} options.previous the same round of the previous meeting, if there was one
 * @param {string} options.title
 * @param {number} options.level heading level
 */
export function scaleLine ({ round, people, previous, title, level }) {
  const now = round.scores.map((s) => ({ name: nameOf(s.pid, people, roleLabel) || '?', value: s.value, why: s.why }))
  const tag = /** @type {'h2' | 'h3' | 'h4'} */ (`h${Math.min(Math.max(level, 2), 4)}`)
  const whys = now.filter((s) => s.why)
  return h('section', { class: 'scale', 'data-round': round.key },
    h(tag, { class: 'scale-title', dir: 'auto', text: title }),
    h('div', { class: 'scale-anchors' },
      h('p', { class: 'anchor anchor-zero', text: labels.scale.zero }),
      h('p', { class: 'anchor anchor-ten', text: labels.scale.ten })),
    now.length ? line(now, w.now, 'scale-now') : h('p', { class: 'empty', text: w.noScores }),
    previous && previous.length ? line(previous, w.previous, 'scale-previous') : null,
    whys.length
      ? h('ul', { class: 'scale-whys' }, whys.map((s) => h('li', { dir: 'auto' }, h('strong', { text: `${s.name} (${s.value}): ` }), s.why)))
      : null)
}

/**
 * The previous meeting's round on the same question as this one: about the whole situation, or
 * about the same danger statement / safety goal pair (its key is kept from meeting to meeting), and
 * of those the previous meeting's point (`points`: the one the facilitator picked, else its last).
 * Never by title or position: a round titled alike may be about something else.
 * @param {{rounds: {round_id?: string, title: string, pair?: string | null, about?: string, scores: Named[]}[], points?: Record<string, string>} | null} history
 * @param {import('./boarddata.js').Round} round
 * @returns {Named[] | null}
 */
export function previousOf (history, round) {
  if (!history || !history.rounds.length) return null
  const question = round.pair || ''
  const about = (/** @type {{pair?: string | null, about?: string}} */ r) => r.about ?? (r.pair || '')
  const point = history.points ? history.points[question] : undefined
  const same = history.rounds.filter((r) => about(r) === question)
  const found = same.find((r) => point !== undefined && r.round_id === point) || same[same.length - 1]
  return found ? found.scores : null
}

/**
 * The title a round shows: its own, or the pair it is about, or "the whole situation".
 * @param {import('./boarddata.js').Round} round
 * @param {Map<string, number>} pairs
 */
export function roundTitle (round, pairs) {
  if (round.title) return round.title
  if (round.pair && pairs.has(round.pair)) return `${labels.pair.pairs} ${pairs.get(round.pair)}`
  return w.overall
}
