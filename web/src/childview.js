// The child's words and drawings that the facilitator put on this room's board (visibility "this
// room" or "shared", with consent), read-only, for the phone and the wall. Facilitator-only entries
// are never in the board document, so they cannot show up here.

import * as Y from 'yjs'
import { fill, h } from './dom.js'
import { textOf } from './boarddata.js'
import { c } from './childwords.js'

const HOUSES = /** @type {const} */ (['worries', 'good', 'dreams'])

/**
 * @param {Y.Doc} board
 * @param {object} options
 * @param {number} options.level the heading level of the section
 * @param {(photo: string) => Promise<string | null> | string | null} options.photoSrc where a photo is
 *   loaded from: a same-origin URL for a phone (its cookie is sent), a data: URL for the projector
 * @returns {{element: HTMLElement, stop: () => void}}
 */
export function childBoard (board, { level, photoSrc }) {
  const entries = board.getMap('childtools')
  const heading = /** @type {'h2'} */ (`h${level}`)
  const sub = /** @type {'h3'} */ (`h${Math.min(level + 1, 6)}`)
  const element = h('section', { class: 'child-board', hidden: true, 'aria-labelledby': 'child-board-title' })
  const draw = () => {
    /** @type {Record<string, {key: string, text: string, photo: string | null, order: number}[]>} */
    const byHouse = { worries: [], good: [], dreams: [] }
    entries.forEach((value, key) => {
      if (!(value instanceof Y.Map)) return
      const house = String(value.get('house') || '')
      const visibility = value.get('visibility')
      if (!(house in byHouse) || (visibility !== 'room' && visibility !== 'shared')) return
      const photo = value.get('photo')
      byHouse[house].push({ key, text: textOf(value.get('text')), photo: typeof photo === 'string' ? photo : null, order: Number(value.get('order')) || 0 })
    })
    const any = HOUSES.some((house) => byHouse[house].length)
    element.hidden = !any
    if (!any) return fill(element)
    fill(element,
      h(heading, { id: 'child-board-title', text: c.childTitle }),
      h('div', { class: 'houses' }, HOUSES.filter((house) => byHouse[house].length).map((house) =>
        h('section', { class: `house house-${house}` },
          h(sub, { text: c.houses[house] }),
          h('ul', { class: 'house-entries' }, byHouse[house].sort((a, b) => a.order - b.order).map((entry) => {
            const img = entry.photo ? h('img', { class: 'child-photo', alt: c.photoAlt(c.houses[house]) }) : null
            if (img && entry.photo) {
              Promise.resolve(photoSrc(entry.photo)).then((src) => { if (src) img.src = src }).catch(() => {})
            }
            return h('li', { class: 'child-entry' }, entry.text ? h('p', { class: 'child-words', dir: 'auto', text: entry.text }) : null, img)
          }))))))
  }
  entries.observeDeep(draw)
  draw()
  return { element, stop: () => entries.unobserveDeep(draw) }
}
