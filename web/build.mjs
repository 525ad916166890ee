// Bundles each page's entry module in src/ into static/dist/ for the browser.
// Old Android Chrome must run it: hence es2019 syntax, and no source maps to ship.

import { readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import * as esbuild from 'esbuild'

// One entry per page shell in server/pages.py; the other modules in src/ are imported by these.
const PAGES = ['index', 'room', 'login', 'console', 'meeting', 'join', 'phone', 'projector']

const root = fileURLToPath(new URL('.', import.meta.url))
const outdir = `${root}static/dist`

await rm(outdir, { recursive: true, force: true })
const result = await esbuild.build({
  absWorkingDir: root,
  entryPoints: PAGES.map((page) => `src/${page}.js`),
  outdir,
  bundle: true,
  format: 'esm',
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
