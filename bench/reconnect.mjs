// Phones for `python -m bench.reconnect`: each one is the real web client, web/src/provider.js's
// KringProvider with its own Y.Doc, built the way web/src/phone.js builds it. Many of them live in
// this one Node process, which bench/reconnect.py drives over stdin/stdout, one JSON object a line:
//
//   in  {"clients": [...], "rooms": {...}, ...}          out {"event": "ready", ...}
//   in  {"cmd": "write"}                                 out {"event": "written", ...}
//   in  {"cmd": "arm", "phase": "raised"}                out {"event": "armed"}
//   in  {"cmd": "report", "deadline_us": ...}            out {"event": "report", "phones": [...]}
//   in  {"cmd": "close"}                                 (exits)
//
// Times are CLOCK_MONOTONIC microseconds (process.hrtime), the clock Python's time.monotonic() reads.
// Only loopback URLs are accepted; the process exits by itself after `max_seconds`.

import { setMaxListeners } from 'node:events'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import readline from 'node:readline'
import { fileURLToPath, pathToFileURL } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
// provider.js resolves its packages from web/node_modules, so this script must load the same copies.
const webDir = path.join(here, '..', 'web')
const requireFromWeb = createRequire(path.join(webDir, 'package.json'))

const nowUs = () => Number(process.hrtime.bigint() / 1000n)

// -- what a browser has and Node does not ------------------------------------------------------

// provider.js listens for the page's online/offline events and reads navigator.onLine. Neither
// fires here: the phones' network never goes away, only the server does.
if (typeof globalThis.window === 'undefined') {
  globalThis.window = new EventTarget()
  setMaxListeners(0, globalThis.window) // a browser has a window per phone; here hundreds share one
}
if (typeof globalThis.navigator === 'undefined') globalThis.navigator = { onLine: true }

// The browser bundle (esbuild, platform "browser") runs notepack.io's browser encoder, which writes
// the ArrayBuffer provider.js sends as msgpack bin. Node's own build would write it as an ext type,
// which the server rightly refuses. So the encoder is the browser's; decoding stays Node's (ws hands
// frames over as Buffers, which provider.js reads as the Uint8Arrays they are).
const notepack = requireFromWeb('notepack.io')
notepack.encode = requireFromWeb('notepack.io/browser/encode.js')

// The ES module a bare `import` from web/src resolves to in Node (conditions node, import, default),
// so that this script shares provider.js's copy of yjs and socket.io-client, not a second one.
const CONDITIONS = new Set(['node', 'import', 'default'])
function pick (target) {
  if (typeof target === 'string') return target
  if (!target || typeof target !== 'object') return null
  for (const [condition, value] of Object.entries(target)) {
    const found = CONDITIONS.has(condition) ? pick(value) : null
    if (found) return found
  }
  return null
}
function esmEntry (name) {
  const dir = path.join(webDir, 'node_modules', name)
  const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'))
  const exported = pkg.exports ? pick(pkg.exports['.'] ?? pkg.exports) : null
  return pathToFileURL(path.join(dir, exported || pkg.module || pkg.main || 'index.js')).href
}

const Y = await import(esmEntry('yjs'))
const { Manager } = await import(esmEntry('socket.io-client'))
const { KringProvider } = await import(pathToFileURL(path.join(webDir, 'src', 'provider.js')).href)

// A browser sends the page's Origin and the kring_participant cookie (set by POST /api/join) with
// the WebSocket handshake; phone.js passes `{}` as auth. Node sends neither by itself, and
// provider.js gives socket.io-client no headers, so every Manager gets them when it first opens:
// the constructor of a provider opens its Manager synchronously, while `constructing` is set.
// Every later open() is a connect attempt of that phone, which is what is counted here.
let constructing = null
const realOpen = Manager.prototype.open
Manager.prototype.open = function (fn) {
  if (this.benchPhone === undefined && constructing !== null) {
    this.benchPhone = constructing
    this.opts.extraHeaders = { ...(this.opts.extraHeaders || {}), ...constructing.headers }
  }
  if (this.benchPhone && !String(this._readyState).includes('open')) this.benchPhone.noteAttempt()
  return realOpen.call(this, fn)
}

// -- one phone --------------------------------------------------------------------------------

const errors = []
function noteError (message) {
  if (errors.length < 10 && !errors.includes(message)) errors.push(String(message))
}

function stateVectorOf (frame) {
  // A sync step 1 frame: [0, 0, varuint(length), state vector].
  const bytes = frame instanceof Uint8Array ? frame : new Uint8Array(frame)
  if (bytes[0] !== 0 || bytes[1] !== 0) return null
  let length = 0
  let shift = 1
  let i = 2
  for (;;) {
    const byte = bytes[i++]
    length += (byte & 0x7f) * shift
    if (byte < 0x80) break
    shift *= 128
  }
  return Y.decodeStateVector(bytes.subarray(i, i + length))
}

class Phone {
  constructor (spec, roomMembers) {
    this.spec = spec
    this.roomMembers = roomMembers
    this.headers = { Origin: spec.origin, Cookie: `kring_participant=${spec.token}` }
    this.board = new Y.Doc()
    this.proposals = this.board.getMap('proposals')
    this.provider = null
    this.synced = false
    this.writeAt = null
    this.writeAckUs = null
    this.writtenClock = null // this phone's clock on the board once its pre-restart edit was made
    this.phases = [] // names of the restarts so far, each with an offline edit per phone
    this.rec = null // what happens to this phone in the current restart
  }

  start () {
    constructing = this
    try {
      this.provider = new KringProvider(this.spec.url, {}, this.board)
    } finally {
      constructing = null
    }
    if (!(this.provider.socket.io instanceof Manager) || this.provider.socket.io.benchPhone !== this) {
      throw new Error('provider.js did not use the socket.io-client this script patched')
    }
    // As phone.js does: the participant's own document (its scores) rides on the same connection.
    const own = this.provider.doc(`p.${this.spec.participant}`)
    if (!(own instanceof Y.Doc)) throw new Error('provider.js loaded a second copy of yjs')
    const socket = this.provider.socket
    socket.on('connect', () => this.onConnect())
    socket.on('disconnect', (reason) => this.onDisconnect(reason))
    socket.on('connect_error', (err) => this.onConnectError(err))
    socket.on('sync', (name, frame) => this.onServerSync(name, frame))
    this.provider.on('status', (status) => this.onStatus(status))
    this.provider.on('saved', (unsaved) => this.onSaved(unsaved))
    this.provider.on('ended', (refusal) => {
      noteError(`ended: ${JSON.stringify(refusal)}`)
      if (this.rec) this.rec.ended = refusal && refusal.code
    })
    this.proposals.observe(() => this.checkComplete())
  }

  write (key, text) {
    // What a participant may write (docs/protocol.md): an open proposal of its own.
    this.proposals.set(key, new Y.Map([['by', this.spec.participant], ['text', text], ['status', 'open']]))
  }

  writeBefore () {
    this.writeAt = nowUs()
    this.write(`${this.spec.participant}:before`, 'written before the restart')
    this.writtenClock = Y.decodeStateVector(Y.encodeStateVector(this.board)).get(this.board.clientID) || 0
  }

  arm (phase) {
    this.phases.push(phase)
    this.rec = {
      disconnect_us: null,
      reason: null,
      attempts_us: [],
      transport_errors: 0,
      refused: {},
      refused_us: [],
      connect_us: null,
      synced_us: null,
      saved_us: null,
      complete_us: null,
      sv_covers_write: null,
      disconnects_after: 0,
      ended: null,
      missing: null
    }
  }

  expectedKeys () {
    const keys = []
    for (const pid of this.roomMembers) {
      keys.push(`${pid}:before`)
      for (const phase of this.phases) keys.push(`${pid}:offline-${phase}`)
    }
    return keys
  }

  missingKeys () {
    return this.expectedKeys().filter((key) => {
      const entry = this.proposals.get(key)
      return !(entry instanceof Y.Map) || entry.get('by') !== key.slice(0, key.indexOf(':'))
    }).length
  }

  checkComplete () {
    const rec = this.rec
    if (!rec || rec.complete_us !== null || rec.disconnect_us === null) return
    if (this.missingKeys() === 0) rec.complete_us = nowUs()
  }

  noteAttempt () {
    const rec = this.rec
    if (rec && rec.disconnect_us !== null && rec.connect_us === null) rec.attempts_us.push(nowUs())
  }

  onDisconnect (reason) {
    const rec = this.rec
    if (!rec) return
    if (rec.disconnect_us === null) {
      rec.disconnect_us = nowUs()
      rec.reason = reason
      // Someone keeps typing while the server is away: provider.js keeps the edit in the doc, and
      // the state-vector exchange after the reconnect must carry it to the server and the room.
      this.write(`${this.spec.participant}:offline-${this.phases[this.phases.length - 1]}`, 'written while offline')
    } else if (rec.connect_us !== null) {
      rec.disconnects_after += 1
      noteError(`disconnect after the reconnect: ${reason}`)
    }
  }

  onConnect () {
    const rec = this.rec
    if (rec && rec.disconnect_us !== null && rec.connect_us === null) rec.connect_us = nowUs()
  }

  onConnectError (err) {
    const rec = this.rec
    if (!rec || rec.connect_us !== null) return
    const code = err && err.data && typeof err.data.code === 'string' ? err.data.code : null
    if (code) {
      rec.refused[code] = (rec.refused[code] || 0) + 1
      rec.refused_us.push(nowUs())
    } else {
      rec.transport_errors += 1
    }
  }

  onServerSync (name, frame) {
    // The new server's first step 1 of the board holds its state vector as loaded from the store:
    // it must already count this phone's acknowledged edit, before the phone sends anything.
    const rec = this.rec
    if (name !== 'board' || !rec || rec.disconnect_us === null || rec.sv_covers_write !== null) return
    const vector = stateVectorOf(frame)
    if (vector) rec.sv_covers_write = (vector.get(this.board.clientID) || 0) >= this.writtenClock
  }

  onStatus (status) {
    if (status === 'synced') this.synced = true
    const rec = this.rec
    if (status === 'synced' && rec && rec.connect_us !== null && rec.synced_us === null) rec.synced_us = nowUs()
  }

  onSaved (unsaved) {
    if (unsaved !== 0) return
    if (this.writeAt !== null && this.writeAckUs === null) this.writeAckUs = nowUs() - this.writeAt
    const rec = this.rec
    if (rec && rec.connect_us !== null && rec.saved_us === null) rec.saved_us = nowUs()
  }

  done () {
    const rec = this.rec
    if (!rec) return true
    if (rec.ended) return true
    return rec.connect_us !== null && rec.synced_us !== null && rec.saved_us !== null && rec.complete_us !== null
  }

  report () {
    const rec = this.rec || {}
    return { id: this.spec.id, room: this.spec.room, ...rec, missing: this.missingKeys(), unsaved: this.provider.unsaved }
  }

  close () {
    if (this.provider) this.provider.destroy()
  }
}

// -- driving ----------------------------------------------------------------------------------

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

async function until (check, deadlineUs, everyMs = 50) {
  while (!check()) {
    if (nowUs() >= deadlineUs) return false
    await sleep(everyMs)
  }
  return true
}

async function startAll (phones, concurrency, timeoutMs) {
  let next = 0
  const lanes = []
  for (let lane = 0; lane < Math.min(concurrency, phones.length); lane++) {
    lanes.push((async () => {
      while (next < phones.length) {
        const phone = phones[next++]
        phone.start()
        if (!(await until(() => phone.synced, nowUs() + timeoutMs * 1000, 20))) noteError('not synced in time')
      }
    })())
  }
  await Promise.all(lanes)
}

function send (message) {
  return new Promise((resolve) => process.stdout.write(`${JSON.stringify(message)}\n`, () => resolve()))
}

function loopbackOnly (url) {
  const host = new URL(url).hostname
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(host)) throw new Error(`refusing ${url}: loopback only`)
}

async function main () {
  const lines = readline.createInterface({ input: process.stdin })
  const iterator = lines[Symbol.asyncIterator]()
  const config = JSON.parse((await iterator.next()).value)
  setTimeout(() => {
    process.stderr.write(`reconnect.mjs: ${config.max_seconds} s are up, exiting\n`)
    process.exit(3)
  }, (config.max_seconds || 900) * 1000)
  for (const spec of config.clients) loopbackOnly(spec.url)
  const phones = config.clients.map((spec) => new Phone(spec, config.rooms[spec.room]))
  await startAll(phones, config.connect_concurrency || 50, (config.connect_timeout || 30) * 1000)
  await send({ event: 'ready', synced: phones.filter((p) => p.synced).length, errors })

  for (;;) {
    const line = await iterator.next()
    if (line.done) break
    const command = JSON.parse(line.value)
    if (command.cmd === 'write') {
      for (const phone of phones) phone.writeBefore()
      await until(() => phones.every((p) => p.writeAckUs !== null), nowUs() + (command.timeout || 60) * 1e6)
      const acks = phones.filter((p) => p.writeAckUs !== null)
      await send({
        event: 'written',
        saved: acks.length,
        ack_us: acks.map((p) => p.writeAckUs),
        complete: phones.filter((p) => p.missingKeys() === 0).length,
        errors
      })
    } else if (command.cmd === 'arm') {
      for (const phone of phones) phone.arm(command.phase)
      await send({ event: 'armed' })
    } else if (command.cmd === 'report') {
      await until(() => phones.every((p) => p.done()), command.deadline_us, 20)
      await send({ event: 'report', at_us: nowUs(), phones: phones.map((p) => p.report()), errors })
    } else if (command.cmd === 'close') {
      break
    }
  }
  for (const phone of phones) phone.close()
  setTimeout(() => process.exit(0), 200)
}

main().catch((err) => {
  process.stderr.write(`${err && err.stack ? err.stack : err}\n`)
  process.exit(1)
})
