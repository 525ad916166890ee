// The board's label set: the framework's categories and columns, and how people relate to the
// family. Organisations and stages word these differently, so they live apart from the interface's
// words; the keys are what the documents and the API store.

import { lang } from './i18n.js'

/** @typedef {'harm' | 'danger' | 'complicating' | 'strengths' | 'safety' | 'goals' | 'next_steps' | 'grey'} Category */

/** @type {Category[]} */
export const CATEGORIES = ['harm', 'danger', 'complicating', 'strengths', 'safety', 'goals', 'next_steps', 'grey']

/** @type {{key: string, categories: Category[]}[]} */
export const COLUMNS = [
  { key: 'worried', categories: ['harm', 'danger', 'complicating'] },
  { key: 'working', categories: ['strengths', 'safety'] },
  { key: 'needed', categories: ['goals', 'next_steps'] },
  { key: 'unclear', categories: ['grey'] }
]

/** The values of server.store.meetings.RELATIONS, in the order a phone offers them. */
export const RELATIONS = [
  'parent',
  'family',
  'friend',
  'child',
  'professional_school',
  'professional_police',
  'professional_gp',
  'professional_other'
]

const nl = {
  categories: {
    harm: 'Schade (wat er gebeurd is)',
    danger: 'Gevaarsomschrijvingen',
    complicating: 'Complicerende factoren',
    strengths: 'Krachten',
    safety: 'Bestaande veiligheid',
    goals: 'Veiligheidsdoelen',
    next_steps: 'Volgende stappen',
    grey: 'Grijs gebied'
  },
  columns: {
    worried: 'Waar maken we ons zorgen over?',
    working: 'Wat gaat er goed?',
    needed: 'Wat moet er gebeuren?',
    unclear: 'Nog onduidelijk'
  },
  relations: {
    parent: 'Ouder of verzorger',
    family: 'Familie',
    friend: 'Vriend, vriendin of buur',
    child: 'Kind of jongere',
    professional_school: 'Professional: school',
    professional_police: 'Professional: politie',
    professional_gp: 'Professional: huisarts',
    professional_other: 'Professional: anders'
  },
  // What the projector shows for someone whose name it does not show.
  roles: {
    facilitator: 'gespreksleider',
    parent: 'ouder',
    family: 'familie',
    friend: 'vriend',
    child: 'kind',
    professional_school: 'school',
    professional_police: 'politie',
    professional_gp: 'huisarts',
    professional_other: 'professional'
  }
}

/** @type {typeof nl} */
const en = {
  categories: {
    harm: 'Harm (past harm)',
    danger: 'Danger statements',
    complicating: 'Complicating factors',
    strengths: 'Existing strengths',
    safety: 'Existing safety',
    goals: 'Safety goals',
    next_steps: 'Next steps',
    grey: 'Grey area'
  },
  columns: {
    worried: 'What are we worried about?',
    working: "What's working well?",
    needed: 'What needs to happen?',
    unclear: 'Not clear yet'
  },
  relations: {
    parent: 'Parent or carer',
    family: 'Family',
    friend: 'Friend or neighbour',
    child: 'Child or young person',
    professional_school: 'Professional: school',
    professional_police: 'Professional: police',
    professional_gp: 'Professional: GP',
    professional_other: 'Professional: other'
  },
  roles: {
    facilitator: 'facilitator',
    parent: 'parent',
    family: 'family',
    friend: 'friend',
    child: 'child',
    professional_school: 'school',
    professional_police: 'police',
    professional_gp: 'GP',
    professional_other: 'professional'
  }
}

export const labels = lang === 'en' ? en : nl

/** @param {unknown} key */
export function categoryLabel (key) {
  const known = /** @type {Record<string, string>} */ (labels.categories)
  return typeof key === 'string' && known[key] ? known[key] : labels.categories.grey
}

/** @param {string} key */
export function relationLabel (key) {
  return /** @type {Record<string, string>} */ (labels.relations)[key] || key
}

/** @param {string} key */
export function roleLabel (key) {
  return /** @type {Record<string, string>} */ (labels.roles)[key] || ''
}
