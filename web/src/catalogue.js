// The interface's words come from one catalogue per language, server/catalogue/<lang>.json, which the
// server's printed exports read too (the format is described in server/catalogue/__init__.py).
// Each words module takes its own section by name, so esbuild bundles only the sections a page's
// modules use: the login page carries no board words, and no page the printed record's.

import * as nl from '../../server/catalogue/nl.json'
import * as en from '../../server/catalogue/en.json'

// A new language: its catalogue file, an import above, and its name in each line below (the default,
// Dutch, first).
export const ui = { nl: nl.ui, en: en.ui }
export const board = { nl: nl.board, en: en.board }
export const child = { nl: nl.child, en: en.child }
export const people = { nl: nl.people, en: en.people }
export const journal = { nl: nl.journal, en: en.journal }
export const privacy = { nl: nl.privacy, en: en.privacy }

/** The languages with a catalogue; the first is the default. */
export const LANGUAGES = Object.keys(ui)

const PLACEHOLDER = /\{(\w+)(\|lower)?\}/g

/**
 * `phrase` with its placeholders replaced by `values`; an unknown one stays visible as it is.
 * @param {string} phrase
 * @param {Record<string, unknown>} values
 */
export function fill (phrase, values) {
  return phrase.replace(PLACEHOLDER, (whole, name, lower) => {
    if (!(name in values)) return whole
    const text = String(values[name])
    return lower ? text.toLowerCase() : text
  })
}

/**
 * @typedef {string | Record<string, string>} Phrase a string, or a plural's forms by CLDR category
 */

/**
 * The form of `phrase` for the count `n` in `lang` (a plain string has one form).
 * @param {Phrase} phrase
 * @param {string} lang
 * @param {number} n
 */
export function pick (phrase, lang, n) {
  if (typeof phrase === 'string') return phrase
  let rules = pluralRules.get(lang)
  if (!rules) pluralRules.set(lang, (rules = new Intl.PluralRules(lang)))
  return phrase[rules.select(n)] ?? phrase.other
}

/** @type {Map<string, Intl.PluralRules>} */
const pluralRules = new Map()

/**
 * A section's words as its module exports them: plain phrases as they are, and each phrase named in
 * `signatures` as a function of the values callers pass, in order. A signature is the placeholders'
 * names separated by spaces; `text:60` keeps the first 60 characters of that value, and a plural
 * is chosen by `n`.
 * @param {Record<string, any>} words
 * @param {string} lang
 * @param {Record<string, string[]>} signatures phrase keys by signature
 * @returns {Record<string, any>}
 */
export function phrases (words, lang, signatures) {
  const made = { ...words }
  for (const [signature, keys] of Object.entries(signatures)) {
    const params = signature.split(' ').map((param) => {
      const [name, max] = param.split(':')
      return { name, max: max ? Number(max) : 0 }
    })
    for (const key of keys) {
      made[key] = (/** @type {unknown[]} */ ...args) => {
        /** @type {Record<string, unknown>} */
        const values = {}
        params.forEach(({ name, max }, i) => { values[name] = max ? String(args[i]).slice(0, max) : args[i] })
        return fill(pick(words[key], lang, Number(values.n)), values)
      }
    }
  }
  return made
}
