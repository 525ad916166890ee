// What each page's first load costs in bytes: its entry in web/static/dist/ and every chunk it
// imports (statically, transitively), raw and as the .gz and .br copies web/build.mjs wrote (what
// /static/ sends to a browser that accepts them; the file itself where no smaller copy was written);
// and its entry alone, which is all a browser fetches anew once it holds the shared chunks from
// another page. Run after a build: node bench/bundles.mjs

import { readFile, stat } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { dirname, join, relative } from 'node:path'

const dist = fileURLToPath(new URL('../web/static/dist/', import.meta.url))
const PAGES = ['index', 'room', 'login', 'console', 'meeting', 'join', 'phone', 'projector']
// esbuild's minified ESM output: `import{a as b}from"./chunks/x.js"` or `import"./chunks/x.js"`.
const IMPORT = /(?:^|[;}\s])import\s*(?:[^'"]*?from\s*)?["'](\.{1,2}\/[^"']+)["']/g

/** @type {Map<string, {raw: number, gzip: number, br: number, imports: string[]}>} */
const files = new Map()

/** @param {string} path absolute */
async function load (path) {
  const known = files.get(path)
  if (known) return known
  const text = await readFile(path, 'utf8')
  const imports = [...text.matchAll(IMPORT)].map((m) => join(dirname(path), m[1]))
  const raw = Buffer.byteLength(text)
  const entry = { raw, gzip: await sizeOf(`${path}.gz`, raw), br: await sizeOf(`${path}.br`, raw), imports }
  files.set(path, entry)
  for (const dep of imports) await load(dep)
  return entry
}

/** The copy's size, or the file's own where the build wrote no copy. @param {string} path @param {number} raw */
async function sizeOf (path, raw) {
  try {
    return (await stat(path)).size
  } catch {
    return raw
  }
}

/** @param {string} path @param {Set<string>} seen */
function closure (path, seen = new Set()) {
  if (seen.has(path)) return seen
  seen.add(path)
  for (const dep of files.get(path)?.imports || []) closure(dep, seen)
  return seen
}

const kB = (/** @type {number} */ n) => (n / 1000).toFixed(1)
console.log('page        first load raw kB   gzip kB     br kB   files   entry raw kB   gzip kB     br kB')
for (const page of PAGES) {
  const entry = join(dist, `${page}.js`)
  await load(entry)
  const all = [...closure(entry)]
  const raw = all.reduce((s, p) => s + (files.get(p)?.raw || 0), 0)
  const gzip = all.reduce((s, p) => s + (files.get(p)?.gzip || 0), 0)
  const br = all.reduce((s, p) => s + (files.get(p)?.br || 0), 0)
  const own = files.get(entry)
  console.log(`${page.padEnd(12)}${kB(raw).padStart(18)}${kB(gzip).padStart(10)}${kB(br).padStart(10)}${String(all.length).padStart(8)}` +
    `${kB(own?.raw || 0).padStart(15)}${kB(own?.gzip || 0).padStart(10)}${kB(own?.br || 0).padStart(10)}`)
}
const chunks = [...files.keys()].filter((p) => !PAGES.some((page) => p === join(dist, `${page}.js`)))
if (chunks.length) {
  console.log('\nshared chunk                       raw kB   gzip kB     br kB   pages')
  for (const chunk of chunks.sort()) {
    const f = files.get(chunk)
    const users = PAGES.filter((page) => closure(join(dist, `${page}.js`)).has(chunk))
    console.log(`${relative(dist, chunk).padEnd(32)}${kB(f?.raw || 0).padStart(9)}${kB(f?.gzip || 0).padStart(10)}${kB(f?.br || 0).padStart(10)}   ${users.join(' ')}`)
  }
}
