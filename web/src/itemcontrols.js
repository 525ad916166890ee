// The console's controls on one framework item: who sees it (everyone; the phones but not the wall
// nor another room; or the facilitators only, then it is on no phone either), edit its words, move
// it to another category, or take it off the board.
// Taking off an item people have marked asks first and offers the grey area instead: disputes
// stay visible, they are not deleted (domain.md).
//
// An editor or a question in progress is kept here, by item, and handed to the board each time it
// draws; the board leaves the same element where it is, so what was typed survives others' edits.

import * as Y from 'yjs'
import { announce, h, setText } from './dom.js'
import { html } from './view.js'
import { CATEGORIES, categoryLabel } from './labels.js'
import { w } from './boardwords.js'
import { marksOf, nextOrder, privateOf } from './boarddata.js'
import { editItem, moveItem, removeItem, setLevel } from './actions/facilitator.js'

export const MAX_ITEM_LENGTH = 2000

/** @typedef {import('./boarddata.js').Level} Level */
export const LEVELS = /** @type {const} */ (['all', 'sensitive', 'facilitator'])

/**
 * Who sees one entry of `root` (framework or agreements): a choice of the three levels, as a
 * template, so the board keeps the same element and its focus as it redraws (also while the entry
 * moves between the board and the `private` document: it keeps its key).
 * @param {Y.Doc} board
 * @param {'framework' | 'agreements'} root
 * @param {{key: string, text: string, level: Level}} item
 * @param {string} id unique on the page
 */
export function levelChoice (board, root, item, id) {
  /** @param {Event} event */
  const change = (event) => {
    const select = /** @type {HTMLSelectElement} */ (event.currentTarget)
    const level = /** @type {Level} */ (select.value)
    const privateDoc = privateOf(board)
    if (!privateDoc || !LEVELS.includes(level) || !setLevel(board, privateDoc, root, item.key, level)) return
    announce(/** @type {Record<string, string>} */ (w.levelSet)[level])
  }
  return html`<div class="level-choice"><label for=${id}>${w.levelLabel}</label><select id=${id} class="level-select"
    aria-label=${w.levelOf(item.text)} .value=${item.level} @change=${change}>${LEVELS.map((level) =>
    html`<option value=${level} ?selected=${level === item.level}>${/** @type {Record<string, string>} */ (w.levels)[level]}</option>`)}</select></div>`
}

/**
 * The level choice of a form that adds an item, a pair or a rule: everyone until chosen otherwise.
 * @param {string} id
 * @returns {HTMLSelectElement}
 */
export function levelPicker (id) {
  return /** @type {HTMLSelectElement} */ (h('select', { id, class: 'level-select' },
    LEVELS.map((level) => h('option', { value: level, text: /** @type {Record<string, string>} */ (w.levels)[level] }))))
}

/**
 * Where a new entry of `root` at `level` is written: a facilitator-only one straight into the
 * `private` document (never on the board, not even for a moment), after everything shown.
 * @param {Y.Doc} board
 * @param {'framework' | 'agreements'} root
 * @param {string} level a levelPicker's value
 * @returns {{doc: Y.Doc, sensitive: boolean, order?: number}}
 */
export function placeFor (board, root, level) {
  const privateDoc = privateOf(board)
  if (level === 'facilitator' && privateDoc) {
    return { doc: privateDoc, sensitive: true, order: nextOrder(privateDoc.getMap(root), board.getMap(root)) }
  }
  // Without a private document (never in the console) a facilitator-only entry is at least not on the wall.
  return { doc: board, sensitive: level !== 'all' }
}

export class ItemControls {
  /**
   * @param {Y.Doc} board
   * @param {string} base an id prefix unique on the page
   */
  constructor (board, base) {
    this.board = board
    this.base = base
    /** @type {Map<string, HTMLElement>} open editors and remove questions, by item key */
    this.open = new Map()
    /** @type {(focusKey: string) => void} set by the view that draws the board */
    this.redraw = () => {}
  }

  /** @param {string} key */
  id (key) {
    return `${this.base}-item-${key.replace(/[^a-z0-9-]/gi, '_')}`
  }

  /**
   * The controls under an item: an editor or question in progress (kept, the same element), or
   * the switch and buttons; `data-focus-key` marks where the focus goes back after an editor.
   * @param {import('./boarddata.js').FrameworkItem} item
   */
  actions (item) {
    const kept = this.open.get(item.key)
    if (kept) return kept
    const id = this.id(item.key)
    return html`<div class="item-actions row">${levelChoice(this.board, 'framework', item, `${id}-level`)}<button type="button"
      class="quiet item-edit" data-focus-key=${`${id}-edit`} aria-label=${w.editItem(item.text)}
      @click=${() => this.startEdit(item)}>${w.edit}</button><button type="button" class="quiet danger item-remove"
      data-focus-key=${`${id}-remove`} aria-label=${w.removeItem(item.text)} @click=${() => this.askRemove(item)}
      >${w.remove}</button></div>`
  }

  /** @param {import('./boarddata.js').FrameworkItem} item */
  startEdit (item) {
    const id = this.id(item.key)
    const text = h('textarea', { id: `${id}-text`, rows: 3, maxlength: MAX_ITEM_LENGTH, dir: 'auto', 'data-focus-key': `${id}-text` })
    text.value = item.text
    const category = h('select', { id: `${id}-category` },
      CATEGORIES.map((c) => h('option', { value: c, text: categoryLabel(c), selected: c === item.category })))
    const error = h('p', { class: 'error', id: `${id}-error`, hidden: true })
    const close = () => {
      this.open.delete(item.key)
      this.redrawSoon(`${id}-edit`)
    }
    const form = h('form', { class: 'item-editor', novalidate: true, 'aria-label': w.editItem(item.text) },
      h('div', { class: 'field' }, h('label', { for: text.id, text: w.editText }), text),
      h('div', { class: 'field' }, h('label', { for: category.id, text: w.editCategory }), category),
      error,
      h('div', { class: 'row' },
        h('button', { type: 'submit', text: w.save }),
        h('button', { type: 'button', class: 'secondary', text: w.cancel, onclick: close })))
    form.addEventListener('submit', (event) => {
      event.preventDefault()
      const words = text.value.trim().slice(0, MAX_ITEM_LENGTH)
      if (!words) {
        error.hidden = false
        setText(error, w.editEmpty)
        text.setAttribute('aria-invalid', 'true')
        text.setAttribute('aria-describedby', error.id)
        text.focus()
        return
      }
      this.open.delete(item.key)
      editItem(this.board, item.key, words, CATEGORIES.includes(/** @type {any} */ (category.value)) ? category.value : null)
      announce(category.value !== item.category ? w.announceMoved(categoryLabel(category.value)) : w.announceEdited)
      this.redrawSoon(`${id}-edit`)
    })
    form.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') close()
    })
    this.open.set(item.key, form)
    this.redrawSoon(`${id}-text`)
  }

  /** @param {import('./boarddata.js').FrameworkItem} item */
  askRemove (item) {
    const marks = marksOf(this.board).get(item.key)
    if (!marks || !marks.size) {
      this.remove(item.key)
      return
    }
    const id = this.id(item.key)
    const disagree = [...marks.values()].filter((m) => m === 'disagree').length
    const close = () => {
      this.open.delete(item.key)
      this.redrawSoon(`${id}-remove`)
    }
    const question = h('div', { class: 'remove-question', role: 'group', 'aria-labelledby': `${id}-question` },
      h('p', { class: 'warning', id: `${id}-question`, text: w.removeMarked(marks.size, disagree) }),
      h('div', { class: 'row' },
        item.category !== 'grey'
          ? h('button', {
            type: 'button',
            class: 'secondary item-to-grey',
            'data-focus-key': `${id}-grey`,
            text: w.toGrey,
            onclick: () => {
              this.open.delete(item.key)
              moveItem(this.board, item.key, 'grey')
              announce(w.announceMoved(categoryLabel('grey')))
              this.redrawSoon(`${id}-edit`)
            }
          })
          : null,
        h('button', { type: 'button', class: 'secondary danger item-remove-anyway', 'data-focus-key': `${id}-anyway`, text: w.removeAnyway, onclick: () => { this.open.delete(item.key); this.remove(item.key) } }),
        h('button', { type: 'button', class: 'quiet', text: w.cancel, onclick: close })))
    this.open.set(item.key, question)
    this.redrawSoon(item.category !== 'grey' ? `${id}-grey` : `${id}-anyway`)
  }

  /** @param {string} key */
  remove (key) {
    removeItem(this.board, key)
    announce(w.announceRemoved)
  }

  /**
   * The board draws from the document; a change only here (an editor opened) needs a draw of its
   * own, after which the named control gets the focus.
   * @param {string} focusKey
   */
  redrawSoon (focusKey) {
    this.redraw(focusKey)
  }
}
