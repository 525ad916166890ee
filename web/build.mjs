// Bundles each page's entry module in src/ into static/dist/ for the browser.
// Old Android Chrome must run it: hence es2019 syntax, and no source maps to ship.
// Code that several pages import (Yjs, socket.io-client, lit-html, the board view, translations) is
// split into shared chunks (static/dist/chunks/, named by their content's hash), so a browser that
// opened the phone page has most of the projector's code already; each page still loads one entry.

import { readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
import * as esbuild from 'esbuild'

// One entry per page shell in server/pages.py; the other modules in src/ are imported by these.
const PAGES = ['index', 'room', 'login', 'console', 'meeting', 'join', 'phone', 'projector', 'plan', 'admin']

const root = fileURLToPath(new URL('.', import.meta.url))
const outdir = `${root}static/dist`

await rm(outdir, { recursive: true, force: true })
const result = await esbuild.build({
  absWorkingDir: root,
  entryPoints: PAGES.map((page) => `src/${page}.js`),
  outdir,
  bundle: true,
  format: 'esm',
  splitting: true,
  entryNames: '[name]',
  chunkNames: 'chunks/[name]-[hash]',
  platform: 'browser',
  target: 'es2019',
  minify: true,
  sourcemap: false,
  legalComments: 'eof',
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
  metafile: true
})
await writeFile(`${outdir}/LICENSES.txt`, await licenses(Object.keys(result.metafile.inputs)))
await writeFile(`${outdir}/preload.json`, JSON.stringify(preloads(result.metafile.outputs)))
// The style sheets are sources in static/ (not bundled), but every page loads kring.css: compress them too.
await precompress(outdir, true)
await precompress(`${root}static`, false)

/**
 * Writes `<file>.gz` (zlib level 9) and `<file>.br` (brotli, best quality) next to each text file, so
 * server/static_files.py sends the smaller one without compressing on every request. A copy that is
 * not smaller is not written; the server then sends the file itself.
 * @param {string} dir
 * @param {boolean} deep whether to enter folders (dist/chunks/)
 */
async function precompress (dir, deep) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`
    if (entry.isDirectory()) {
      if (deep) await precompress(path, deep)
      continue
    }
    if (!/\.(js|css|svg|json|txt)$/.test(entry.name)) continue
    const raw = await readFile(path)
    const gz = gzipSync(raw, { level: 9 })
    const br = brotliCompressSync(raw, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_SIZE_HINT]: raw.length
      }
    })
    await rm(`${path}.gz`, { force: true })
    await rm(`${path}.br`, { force: true })
    if (gz.length < raw.length) await writeFile(`${path}.gz`, gz)
    if (br.length < raw.length) await writeFile(`${path}.br`, br)
  }
}

/**
 * The chunks each page imports, however deep, by their path under dist/: the page shell names them
 * in <link rel="modulepreload"> so the browser asks for them with the entry, not one import later.
 * @param {Record<string, {entryPoint?: string, imports: {path: string, kind: string}[]}>} outputs
 */
function preloads (outputs) {
  const prefix = 'static/dist/'
  /** @type {Record<string, string[]>} */
  const pages = {}
  for (const [path, output] of Object.entries(outputs)) {
    if (!output.entryPoint) continue
    const found = new Set()
    const visit = (/** @type {string} */ at) => {
      for (const dep of outputs[at]?.imports || []) {
        if (dep.kind !== 'import-statement' || found.has(dep.path)) continue
        found.add(dep.path)
        visit(dep.path)
      }
    }
    visit(path)
    pages[path.slice(prefix.length).replace(/\.js$/, '')] = [...found].map((p) => p.slice(prefix.length)).sort()
  }
  return pages
}

/**
 * The bundled packages' licence texts, which their MIT/ISC terms ask to travel with the code.
 * @param {string[]} inputs paths of the bundled source files, relative to this folder
 */
async function licenses (inputs) {
  const packages = new Set()
  for (const input of inputs) {
    const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input)
    if (match) packages.add(match[1])
  }
  const parts = []
  for (const dir of [...packages].sort()) {
    const files = (await readdir(`${root}${dir}`)).filter((f) => /^licen[cs]e/i.test(f))
    const text = files.length ? await readFile(`${root}${dir}/${files[0]}`, 'utf8') : '(no licence file)'
    parts.push(`${dir.replace(/^.*node_modules\//, '')}\n\n${text.trim()}\n`)
  }
  return parts.join('\n' + '-'.repeat(72) + '\n\n')
}
