// Shared texts are edited in place, so that a concurrent edit elsewhere merges with this one.

import * as Y from 'yjs'

/**
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
