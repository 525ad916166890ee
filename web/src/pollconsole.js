// The console's scaling question: open a round (overall or about one pair), see who has chosen
// (names only: the facilitator does not anchor on the numbers either), close it and reveal, enter
// a score for someone without a phone, and add such a person. The scores themselves live in each
// person's own document `p.<pid>` until the server copies them onto the board at the reveal.

import * as Y from 'yjs'
import { api } from './api.js'
import { announce, fill, h, showError } from './dom.js'
import { t } from './i18n.js'
import { RELATIONS, labels, onLabels, relationLabel, roleLabel } from './labels.js'
import { w } from './boardwords.js'
import { frameworkOf, nameOf, peopleOf, roundsOf } from './boarddata.js'
import { pairNumbers } from './boardview.js'
import { previousOf, roundTitle, scaleLine } from './scaleline.js'
import { closeRound, enterScore, openRound, showOnWall } from './actions/facilitator.js'

export class PollConsole {
  /**
   * @param {object} options
   * @param {Y.Doc} options.board
   * @param {import('./provider.js').KringProvider} options.provider
   * @param {string} options.roomId
   * @param {string} options.base an id prefix unique on the page
   * @param {HTMLElement} options.error where to say what went wrong
   * @param {() => void} options.changed asks for fresh meeting data (someone was added)
   */
  constructor ({ board, provider, roomId, base, error, changed }) {
    this.board = board
    this.provider = provider
    this.roomId = roomId
    this.base = base
    this.error = error
    this.changed = changed
    /** @type {{rounds: any[]} | null} */
    this.history = null
    this.about = h('select', { id: `${base}-round-about` })
    this.titleInput = h('input', { id: `${base}-round-title`, maxlength: 200, autocomplete: 'off' })
    const openForm = h('form', { class: 'round-form row', novalidate: true },
      h('div', { class: 'field' }, h('label', { for: this.about.id, text: w.roundAbout }), this.about),
      h('div', { class: 'field grow' }, h('label', { for: this.titleInput.id, text: w.roundTitle }), this.titleInput),
      h('button', { type: 'submit', text: w.openRound }))
    openForm.addEventListener('submit', (event) => {
      event.preventDefault()
      this.open()
    })
    this.rounds = h('div', { class: 'round-list' })
    this.noPhone = this.noPhoneForm()
    this.element = h('section', { class: 'poll-console', 'aria-labelledby': `${base}-poll-title` },
      h('h4', { id: `${base}-poll-title`, text: w.scaleTitle }),
      openForm, this.rounds, this.noPhone)
    const redraw = () => this.draw()
    for (const root of ['poll', 'people', 'framework']) board.getMap(root).observeDeep(redraw)
    onLabels(redraw)
    // Each person's own document arrives when the server offers it; who has chosen shows at once.
    const watch = (/** @type {string} */ name, /** @type {Y.Doc} */ doc) => {
      if (name.startsWith('p.')) doc.getMap('scores').observeDeep(redraw)
    }
    for (const [name, tracked] of provider.docs) watch(name, tracked.doc)
    provider.on('doc', watch)
    this.draw()
  }

  /** @param {string} pid */
  scoresOf (pid) {
    return this.provider.doc(`p.${pid}`).getMap('scores')
  }

  open () {
    openRound(this.board, { title: this.titleInput.value.trim().slice(0, 200), pair: this.about.value })
    this.titleInput.value = ''
    announce(w.announceRoundOpen)
  }

  /** @param {string} key */
  close (key) {
    closeRound(this.board, key)
  }

  /** @param {string} key */
  async reveal (key) {
    this.close(key)
    try {
      await api('POST', `/api/rooms/${encodeURIComponent(this.roomId)}/rounds/${encodeURIComponent(key)}/reveal`)
      showOnWall(this.board, 'poll')
      announce(w.announceRevealed)
      showError(null, this.error)
    } catch (err) {
      showError(err instanceof Error ? err.message : t.somethingWrong, this.error)
    }
  }

  async loadHistory () {
    try {
      this.history = await api('GET', `/api/rooms/${encodeURIComponent(this.roomId)}/history`)
      this.draw()
    } catch {
      this.history = null
    }
  }

  draw () {
    const items = frameworkOf(this.board)
    const pairs = pairNumbers(items)
    const chosen = this.about.value
    fill(this.about, h('option', { value: '', text: w.overall }),
      items.filter((i) => i.category === 'danger' && pairs.has(i.key)).map((i) =>
        h('option', { value: i.key, text: `${labels.pair.pairs} ${pairs.get(i.key)}: ${i.text.slice(0, 60)}`, selected: i.key === chosen })))
    const people = peopleOf(this.board)
    const rounds = roundsOf(this.board).reverse()
    if (rounds.some((r) => r.status === 'revealed') && !this.history) {
      this.history = { rounds: [] }
      this.loadHistory()
    }
    fill(this.rounds, rounds.slice(0, 4).map((round) => this.roundView(round, people, pairs)))
  }

  /**
   * @param {import('./boarddata.js').Round} round
   * @param {Map<string, import('./boarddata.js').Person>} people
   * @param {Map<string, number>} pairs
   */
  roundView (round, people, pairs) {
    const title = roundTitle(round, pairs)
    const status = h('span', { class: `pill round-${round.status}`, text: w.roundStatus[round.status] })
    if (round.status === 'revealed') {
      const previous = previousOf(/** @type {any} */ (this.history), round)
      return h('div', { class: 'round', 'data-round': round.key, 'data-status': round.status },
        h('p', { class: 'round-head' }, status),
        scaleLine({ round, people, previous, title, level: 5 }))
    }
    const done = [...people.values()].filter((p) => this.scoresOf(p.id).has(round.key))
    const base = `${this.base}-r-${round.key}`
    return h('div', { class: 'round', 'data-round': round.key, 'data-status': round.status },
      h('p', { class: 'round-head' }, h('strong', { dir: 'auto', text: title }), ' ', status),
      h('p', { class: 'round-count', text: w.scored(done.length, people.size) }),
      done.length ? h('p', { class: 'round-names', dir: 'auto', text: w.scoredNames(done.map((p) => nameOf(p.id, people, roleLabel)).join(', ')) }) : null,
      h('div', { class: 'row' },
        round.status === 'open' ? h('button', { type: 'button', class: 'secondary round-close', text: w.closeRound, onclick: () => this.close(round.key) }) : null,
        h('button', { type: 'button', class: 'round-reveal', text: round.status === 'open' ? w.reveal : w.revealOnly, onclick: () => this.reveal(round.key) })),
      round.status === 'open' ? this.scoreForm(round, people, base) : null)
  }

  /**
   * @param {import('./boarddata.js').Round} round
   * @param {Map<string, import('./boarddata.js').Person>} people
   * @param {string} base
   */
  scoreForm (round, people, base) {
    const who = h('select', { id: `${base}-who` }, [...people.values()].map((p) => h('option', { value: p.id, text: nameOf(p.id, people, roleLabel) })))
    const value = h('select', { id: `${base}-value` }, Array.from({ length: 11 }, (_, n) => h('option', { value: String(n), text: String(n) })))
    const why = h('input', { id: `${base}-why`, maxlength: 2000, autocomplete: 'off' })
    const form = h('form', { class: 'score-for', novalidate: true, 'aria-label': w.scoreFor },
      h('p', { class: 'label', text: w.scoreFor }),
      h('div', { class: 'row' },
        h('div', { class: 'field' }, h('label', { for: who.id, text: w.scorePerson }), who),
        h('div', { class: 'field' }, h('label', { for: value.id, text: w.scoreValue }), value),
        h('div', { class: 'field grow' }, h('label', { for: why.id, text: w.scoreWhyOptional }), why),
        h('button', { type: 'submit', class: 'secondary', text: w.enterScore })))
    form.addEventListener('submit', (event) => {
      event.preventDefault()
      if (!who.value) return
      enterScore(this.provider.doc(`p.${who.value}`), round.key, Number(value.value), why.value.trim().slice(0, 2000))
      announce(w.announceScoreEntered(nameOf(who.value, people, roleLabel)))
    })
    return form
  }

  noPhoneForm () {
    const name = h('input', { id: `${this.base}-nophone-name`, maxlength: 80, autocomplete: 'off' })
    const relation = h('select', { id: `${this.base}-nophone-relation` }, RELATIONS.map((r) => h('option', { value: r, text: relationLabel(r) })))
    const form = h('form', { class: 'no-phone', novalidate: true },
      h('div', { class: 'field grow' }, h('label', { for: name.id, text: w.addNoPhoneName }), name),
      h('div', { class: 'field' }, h('label', { for: relation.id, text: t.relationLabel }), relation),
      h('button', { type: 'submit', class: 'secondary', text: w.addNoPhoneButton }))
    form.addEventListener('submit', async (event) => {
      event.preventDefault()
      const typed = name.value.trim()
      if (!typed) return name.focus()
      try {
        await api('POST', '/api/participants', { room_id: this.roomId, name: typed, relation: relation.value })
        name.value = ''
        announce(t.announceAdmitted(typed))
        this.changed()
      } catch (err) {
        showError(err instanceof Error ? err.message : t.somethingWrong, this.error)
      }
    })
    return h('details', { class: 'no-phone-box' }, h('summary', { text: w.addNoPhone }), form)
  }
}
