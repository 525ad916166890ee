// Runs the web client's own actions (web/src/actions/<role>.js) for tests/test_actions.py: each
// call on fresh copies of the documents it is given, printing the updates the call made, one per
// transaction, exactly as the provider would send them. Run from web/, so that 'yjs' and ./src
// are the bundle's own: node --input-type=module -e "<this file>" <input.json>

import { readFileSync } from 'node:fs'
import * as Y from 'yjs'

const input = JSON.parse(readFileSync(process.argv[1], 'utf8'))
const actions = await import(`./src/actions/${input.role}.js`)
const { linkPrivate } = await import('./src/boarddata.js')

/**
 * The call's arguments, with every {"$doc": name} replaced by that document.
 * @param {any} value
 * @param {Record<string, Y.Doc>} docs
 * @returns {any}
 */
function resolve (value, docs) {
  if (Array.isArray(value)) return value.map((v) => resolve(v, docs))
  if (value && typeof value === 'object') {
    if (typeof value.$doc === 'string') return docs[value.$doc]
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, docs)]))
  }
  return value
}

const results = []
for (const call of input.calls) {
  /** @type {Record<string, Y.Doc>} */
  const docs = {}
  /** @type {Record<string, string[]>} */
  const updates = {}
  for (const [name, base64] of Object.entries(input.docs)) {
    const doc = new Y.Doc()
    Y.applyUpdate(doc, Buffer.from(/** @type {string} */ (base64), 'base64'))
    updates[name] = []
    doc.on('update', (/** @type {Uint8Array} */ update) => updates[name].push(Buffer.from(update).toString('base64')))
    docs[name] = doc
  }
  // As the console does: an action given the board finds a facilitator-only entry in `private`.
  if (docs.board && docs.private) linkPrivate(docs.board, docs.private)
  const action = actions[call.action]
  if (typeof action !== 'function') throw new Error(`no action ${call.action}`)
  const returned = action(...resolve(call.args, docs))
  results.push({ action: call.action, returned: returned === undefined ? null : returned, updates })
}
process.stdout.write(JSON.stringify({ exports: Object.keys(actions).sort(), results }))
