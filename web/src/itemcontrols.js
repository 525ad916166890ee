// The console's controls on one framework item: mark it sensitive (it then never reaches the wall
// nor another room), edit its words, move it to another category, or take it off the board.
// Taking off an item people have marked asks first and offers the grey area instead: disputes
// stay visible, they are not deleted (domain.md).
//
// An editor or a question in progress is kept here, by item, and handed to the board each time it
// draws; the board leaves the same element where it is, so what was typed survives others' edits.

import * as Y from 'yjs'
import { announce, h, setSwitch, setText } from './dom.js'
import { html } from './view.js'
import { CATEGORIES, categoryLabel } from './labels.js'
import { w } from './boardwords.js'
import { marksOf } from './boarddata.js'

export const MAX_ITEM_LENGTH = 2000

/**
 * Put new words into a shared text in place, so a concurrent edit elsewhere merges with it.
 * @param {Y.Map<unknown>} map
 * @param {string} field
 * @param {string} words
 */
export function replaceText (map, field, words) {
  const current = map.get(field)
  if (current instanceof Y.Text) {
    if (current.toString() === words) return
    current.delete(0, current.length)
    current.insert(0, words)
  } else {
    map.set(field, new Y.Text(words))
  }
}

/**
 * A sensitive switch for one entry of `root` (framework or agreements): a switch (dom.js's
 * switchButton) as a template, so the board keeps the same button and its focus as it redraws.
 * @param {Y.Doc} board
 * @param {'framework' | 'agreements'} root
 * @param {{key: string, text: string, sensitive: boolean}} item
 */
export function sensitiveSwitch (board, root, item) {
  /** @param {Event} event */
  const toggle = (event) => {
    const button = /** @type {HTMLButtonElement} */ (event.currentTarget)
    const on = button.getAttribute('aria-checked') !== 'true'
    const map = board.getMap(root).get(item.key)
    if (!(map instanceof Y.Map)) return
    map.set('sensitive', on)
    setSwitch(button, on)
    announce(on ? w.announceSensitiveOn : w.announceSensitiveOff)
  }
  return html`<button type="button" role="switch" class="switch sensitive-switch" aria-checked=${String(item.sensitive)}
    aria-label=${w.sensitiveOf(item.text)} @click=${toggle}><span class="switch-track" aria-hidden="true"><span
    class="switch-thumb"></span></span><span class="switch-label">${w.sensitiveSwitch}</span></button>`
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
    return html`<div class="item-actions row">${sensitiveSwitch(this.board, 'framework', item)}<button type="button"
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
      const map = this.board.getMap('framework').get(item.key)
      this.open.delete(item.key)
      if (map instanceof Y.Map) {
        this.board.transact(() => {
          replaceText(map, 'text', words)
          if (CATEGORIES.includes(/** @type {any} */ (category.value))) map.set('category', category.value)
        })
      }
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
              const map = this.board.getMap('framework').get(item.key)
              this.open.delete(item.key)
              if (map instanceof Y.Map) map.set('category', 'grey')
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
    const marks = this.board.getMap('marks')
    this.board.transact(() => {
      this.board.getMap('framework').delete(key)
      // The marks on it would point at nothing; a phone's own key, but the facilitator may tidy it.
      for (const markKey of [...marks.keys()]) if (markKey.startsWith(`${key}|`)) marks.delete(markKey)
    })
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
