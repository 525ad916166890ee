// How a person is named where first names are shown (the wall, the phones, the console's scaling
// line and lists): the first name, and for two people of the same first name the initial of the
// surname ("Kees V."), else their role ("Kees (ouder)"), else both. The one rule of the product:
// server/meetings/domain/people.py shown_names is the same, line for line, and tests/test_names.py
// runs both on the same cases. The server writes `initial` onto the board only for such people.

/**
 * @typedef {{name: string, relation: string, initial?: string}} Shown
 */

/**
 * The people whose first name someone else has too.
 * @param {Map<string, string>} firsts
 * @returns {Set<string>}
 */
function sharedFirstNames (firsts) {
  /** @type {Map<string, number>} */
  const counts = new Map()
  for (const name of firsts.values()) {
    const key = name.trim().toLocaleLowerCase()
    if (key) counts.set(key, (counts.get(key) || 0) + 1)
  }
  return new Set([...firsts].filter(([, name]) => (counts.get(name.trim().toLocaleLowerCase()) || 0) > 1).map(([pid]) => pid))
}

/**
 * @param {Map<string, Shown>} people by id
 * @param {(relation: string) => string} role names a relation
 * @returns {Map<string, string>} each person's shown name, by id
 */
export function shownNames (people, role) {
  /** @type {Map<string, string>} */
  const firsts = new Map([...people].map(([pid, p]) => [pid, String(p.name || '').trim()]))
  const shared = sharedFirstNames(firsts)
  /** @type {Map<string, string>} */
  const shown = new Map()
  for (const [pid, person] of people) {
    const first = firsts.get(pid) || ''
    const relation = String(person.relation || '')
    if (!first) {
      shown.set(pid, role(relation) || relation)
      continue
    }
    if (!shared.has(pid)) {
      shown.set(pid, first)
      continue
    }
    const same = [...shared].filter((q) => q !== pid && (firsts.get(q) || '').toLocaleLowerCase() === first.toLocaleLowerCase())
    const initial = String(person.initial || '')
    const label = role(relation) || relation
    const other = (/** @type {string} */ q) => /** @type {Shown} */ (people.get(q))
    if (initial && same.every((q) => String(other(q).initial || '') !== initial)) {
      shown.set(pid, `${first} ${initial}.`)
    } else if (label && same.every((q) => String(other(q).relation || '') !== relation)) {
      shown.set(pid, `${first} (${label})`)
    } else if (initial) {
      shown.set(pid, label ? `${first} ${initial}. (${label})` : `${first} ${initial}.`)
    } else {
      shown.set(pid, label ? `${first} (${label})` : first)
    }
  }
  return shown
}
