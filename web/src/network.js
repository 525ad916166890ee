// The case's safety-network register in the facilitator's console: who carries the plan, their part
// in it, whether they know the worries, and how to reach them. Only facilitators ever see this: it
// comes from the API, never from a board document, so no phone or projector receives it.

import { api } from './api.js'
import { announce, fill, h, showError } from './dom.js'
import { lang } from './i18n.js'
import { RELATIONS, relationLabel } from './labels.js'

const words = {
  nl: {
    title: 'Veiligheidsnetwerk',
    hint: 'Alleen zichtbaar voor gespreksleiders; contactgegevens komen nooit op het bord.',
    empty: 'Nog niemand in het netwerk.',
    name: 'Naam',
    relation: 'Relatie',
    role: 'Rol in het plan',
    contact: 'Contact (alleen voor gespreksleiders)',
    knows: 'Kent de zorgen',
    add: 'Toevoegen aan netwerk',
    remove: (/** @type {string} */ name) => `${name} uit het netwerk halen`,
    removeShort: 'Verwijderen',
    added: (/** @type {string} */ name) => `${name} toegevoegd aan het netwerk.`,
    removed: (/** @type {string} */ name) => `${name} uit het netwerk gehaald.`
  },
  en: {
    title: 'Safety network',
    hint: 'Facilitators only; contact details never go onto the board.',
    empty: 'Nobody in the network yet.',
    name: 'Name',
    relation: 'Relation',
    role: 'Role in the plan',
    contact: 'Contact (facilitators only)',
    knows: 'Knows the worries',
    add: 'Add to network',
    remove: (/** @type {string} */ name) => `Remove ${name} from the network`,
    removeShort: 'Remove',
    added: (/** @type {string} */ name) => `${name} added to the network.`,
    removed: (/** @type {string} */ name) => `${name} removed from the network.`
  }
}
const w = lang === 'en' ? words.en : words.nl

/**
 * @typedef {{id: string, name: string, relation: string, role: string, knows_worries: boolean, contact: string}} Member
 */

/** @param {string} caseId */
export function networkPanel (caseId) {
  const base = `/api/cases/${encodeURIComponent(caseId)}/network`
  const list = h('ul', { class: 'network-list' })
  const id = (/** @type {string} */ name) => `net-${name}-${caseId}`
  const name = h('input', { id: id('name'), required: true, maxlength: 120, autocomplete: 'off', dir: 'auto' })
  const relation = h('select', { id: id('relation') }, RELATIONS.map((r) => h('option', { value: r, text: relationLabel(r) })))
  const role = h('input', { id: id('role'), maxlength: 500, autocomplete: 'off', dir: 'auto' })
  const contact = h('input', { id: id('contact'), maxlength: 500, autocomplete: 'off', dir: 'auto' })
  const knows = h('input', { type: 'checkbox', id: id('knows') })
  const field = (/** @type {HTMLElement} */ input, /** @type {string} */ label) =>
    h('div', { class: 'field' }, h('label', { for: input.id, text: label }), input)
  const form = h('form', { class: 'stack network-form', novalidate: true },
    field(name, w.name), field(relation, w.relation), field(role, w.role), field(contact, w.contact),
    h('div', { class: 'choice' }, knows, h('label', { for: knows.id, text: w.knows })),
    h('button', { type: 'submit', text: w.add }))

  const resetForm = () => /** @type {HTMLFormElement} */ (form).reset()
  const draw = async () => {
    /** @type {Member[]} */
    const members = await api('GET', base)
    fill(list, members.length
      ? members.map((m) => h('li', { class: 'network-member' },
        h('span', { class: 'network-name', dir: 'auto', text: m.name }),
        h('span', { class: 'network-relation', text: relationLabel(m.relation) }),
        m.role ? h('span', { class: 'network-role', dir: 'auto', text: m.role }) : null,
        m.contact ? h('span', { class: 'network-contact', dir: 'auto', text: m.contact }) : null,
        h('label', { class: 'choice' },
          h('input', {
            type: 'checkbox',
            checked: m.knows_worries,
            onchange: (/** @type {Event} */ e) => update(m, { knows_worries: /** @type {HTMLInputElement} */ (e.target).checked })
          }),
          h('span', { text: w.knows })),
        h('button', { type: 'button', class: 'quiet', 'aria-label': w.remove(m.name), text: w.removeShort, onclick: () => remove(m) })))
      : [h('li', { class: 'empty', text: w.empty })])
  }
  /** @param {Member} m @param {Record<string, unknown>} change */
  const update = async (m, change) => {
    try {
      await api('PATCH', `/api/network/${encodeURIComponent(m.id)}`, change)
    } catch (err) {
      showError(err instanceof Error ? err.message : String(err))
    }
    await draw()
  }
  /** @param {Member} m */
  const remove = async (m) => {
    try {
      await api('DELETE', `/api/network/${encodeURIComponent(m.id)}`, {})
      announce(w.removed(m.name))
    } catch (err) {
      showError(err instanceof Error ? err.message : String(err))
    }
    await draw()
  }
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    const who = /** @type {HTMLInputElement} */ (name).value.trim()
    if (!who) {
      name.focus()
      return
    }
    try {
      await api('POST', base, {
        name: who,
        relation: /** @type {HTMLSelectElement} */ (relation).value,
        role: /** @type {HTMLInputElement} */ (role).value.trim(),
        contact: /** @type {HTMLInputElement} */ (contact).value.trim(),
        knows_worries: /** @type {HTMLInputElement} */ (knows).checked
      })
      announce(w.added(who))
      resetForm()
      await draw()
    } catch (err) {
      showError(err instanceof Error ? err.message : String(err))
    }
  })
  const panel = h('details', { class: 'network' },
    h('summary', {}, w.title),
    h('p', { class: 'hint', text: w.hint }),
    list,
    form)
  panel.addEventListener('toggle', () => { if (/** @type {HTMLDetailsElement} */ (panel).open) draw().catch(() => {}) }, { once: true })
  return panel
}
