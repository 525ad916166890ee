// Keeps the Y.Docs of one room in step with the Kring server over one Socket.IO connection
// (docs/protocol.md): `board` for everyone but the projector, which has only its `wall`, and
// whatever else the server offers this identity (`private` and every `p.<pid>` for a facilitator,
// a participant's own `p.<pid>`).
// Everything lives in memory only: nothing is written to browser storage.

import * as Y from 'yjs'
import * as syncProtocol from 'y-protocols/sync'
import * as awarenessProtocol from 'y-protocols/awareness'
import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'
import { ObservableV2 } from 'lib0/observable'
import { io } from 'socket.io-client'
import * as msgpackParser from 'socket.io-msgpack-parser'

const MESSAGE_SYNC = 0
const MESSAGE_AWARENESS = 1
const ACK_TIMEOUT_MS = 30000
const AWARENESS_RETRY_MS = 5000
const RESYNC_PAUSE_MS = 5000 // a server that keeps refusing must not get a reconnect loop
const REFUSED_CONNECT_RETRY_MS = 5000
// A connect refused again and again (a throttled crowd after a restart) waits twice as long each
// time, up to this: every refused handshake still costs the server a little.
const REFUSED_CONNECT_RETRY_MAX_MS = 60000
// After a server restart every phone of every meeting comes back at once; each waits a random part
// of this first, so a thousand do not arrive in the same second.
const RECONNECT_SPREAD_MS = 5000
const DOC_NAME = /^(board|wall|private|p\.[a-z0-9]{1,32})$/

// Refusals after which trying again cannot help: the person is out, or the room is.
const FINAL_CONNECT = new Set(['not_admitted', 'room_closed', 'removed', 'bad_auth'])
// view_changed: the facilitator switched a child between the child view and the full board; the page
// starts again with the other (phone.js), instead of this connection coming back to the same documents.
const FINAL_REFUSAL = new Set(['removed', 'room_closed', 'view_changed'])
// Refusals of a write that the provider answers by sending it again (a resync): the write is still
// on its way, not refused.
const RESENT = new Set(['incomplete', 'rate_limited'])

/** @typedef {'connecting' | 'synced' | 'offline' | 'ended'} Status */
/** @typedef {{code: string, message: string, event?: string}} Refusal */
/**
 * What the server made of a change (`KringProvider.change`): stored durably, or refused and so
 * stored nowhere.
 * @typedef {{saved: true} | {saved: false, refusal: Refusal}} Outcome
 */
/**
 * The connect payload, which says who this is (the cookies ride along with the handshake):
 * a facilitator `{room}`, a participant `{}` or `{token}`, a projector `{projector}`.
 * @typedef {{room?: string, token?: string, projector?: string}} Auth
 */

/**
 * @typedef {object} Tracked
 * @property {Y.Doc} doc
 * @property {Set<number>} unsaved numbers of local changes not yet confirmed as stored
 * @property {(update: Uint8Array, origin: any) => void} listener
 */

/**
 * `diverged`: the server refused a change of that document for good. The change stays in this copy
 * (Yjs cannot take it out), and every later change of the document builds on it, so the server
 * would refuse those too: only a fresh copy from the server goes on from here.
 * @extends {ObservableV2<{status: (status: Status) => void, saved: (unsaved: number) => void,
 *   refused: (refusal: Refusal) => void, ended: (refusal: Refusal) => void,
 *   doc: (name: string, doc: Y.Doc) => void, diverged: (name: string) => void}>}
 */
export class KringProvider extends ObservableV2 {
  /**
   * @param {string} origin the server's origin, e.g. location.origin
   * @param {Auth} auth
   * @param {Y.Doc} board the room's shared board (or a projector's wall); presence hangs on it
   * @param {{follow?: boolean, presence?: boolean, name?: string, roomKey?: string}} [options] follow:
   *   also keep the other documents the server offers; presence: take part in presence (a projector
   *   does not); name: the document `board` is (`wall` for a projector); roomKey: the room's id, put
   *   in the connection URL (`?room=`) so that a balancer sends every socket of a room to one process
   *   (deploy/haproxy.cfg). Only routing: the server ignores it, the token or cookie says the room.
   */
  constructor (origin, auth, board, { follow = true, presence = true, name = 'board', roomKey = auth.room || '' } = {}) {
    super()
    this.board = board
    this.name = name
    this.follow = follow
    /** @type {Map<string, Tracked>} */
    this.docs = new Map()
    this.awareness = new awarenessProtocol.Awareness(board)
    if (!presence) this.awareness.setLocalState(null)
    /** @type {Status} */
    this.status = 'connecting'
    /** @type {Refusal | null} why the connection ended for good, once it has */
    this.ended = null
    // Each local change gets a number; it stays in its document's set until the server says it is
    // stored. A saved step 2 of a document confirms every change of it made before it was written.
    this._seq = 0
    /** @type {Map<number, {left: Set<number>, settle: (outcome: Outcome) => void}>} changes someone waits on */
    this._followed = new Map()
    /** @type {Set<string>} documents whose step 1 went out on this connection */
    this._asked = new Set()
    /** @type {string | null} */
    this._lastRefusal = null
    this._destroyed = false
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this._awarenessRetry = undefined
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this._retry = undefined
    this._lastResync = 0
    this._refusedConnects = 0 // refused connects in a row, for the back-off

    this.socket = io(origin, {
      transports: ['websocket'],
      parser: msgpackParser,
      query: roomKey ? { room: roomKey } : {},
      auth: { ...auth },
      reconnection: true,
      // Exponential back-off with jitter: the first retry falls between 0 and 4 s, later ones
      // double, up to 10 s (socket.io-client draws sign and size from one random number, so the
      // retries come in alternate 200-ms bands; the spread of 1,000 phones after a restart is in
      // docs/performance.md). Coming back online retries at once (see _onOnline).
      reconnectionDelay: 2000,
      reconnectionDelayMax: 10000,
      randomizationFactor: 1
    })

    this._onAwarenessUpdate = this._onAwarenessUpdate.bind(this)
    this._onOffline = this._onOffline.bind(this)
    this._onOnline = this._onOnline.bind(this)
    this.awareness.on('update', this._onAwarenessUpdate)
    window.addEventListener('offline', this._onOffline)
    window.addEventListener('online', this._onOnline)
    this._track(name, board)

    this.socket.on('connect', () => this._onConnect())
    this.socket.on('disconnect', (reason) => this._onDisconnect(reason))
    this.socket.on('connect_error', (err) => this._onConnectError(err))
    this.socket.on('sync', (name, frame) => this._onSync(name, frame))
    this.socket.on('awareness', (frame) => this._onAwareness(frame))
    this.socket.on('refused', (refusal) => this._onRefused(refusal))
  }

  /** How many local changes the server has not yet confirmed as stored, over all documents. */
  get unsaved () {
    let n = 0
    for (const tracked of this.docs.values()) n += tracked.unsaved.size
    return n
  }

  /**
   * Make a local change (`write` edits one or more of the documents) and learn what the server made
   * of it: the promise settles once the server has stored all of it, or refused any of it. It stays
   * pending while the change waits (offline, or on an answer). Nothing changed counts as saved.
   * @param {() => void} write
   * @returns {Promise<Outcome>}
   */
  change (write) {
    const first = this._seq + 1
    write() // a document's update event, and so its number, comes before its transaction returns
    const last = this._seq
    if (last < first) return Promise.resolve({ saved: true })
    return new Promise((resolve) => {
      const followed = { left: new Set(), settle: resolve }
      for (let seq = first; seq <= last; seq++) {
        followed.left.add(seq)
        this._followed.set(seq, followed)
      }
    })
  }

  /**
   * @param {number} seq a local change the server answered on
   * @param {Refusal | null} refusal
   */
  _settle (seq, refusal) {
    const followed = this._followed.get(seq)
    if (!followed) return
    if (refusal) {
      // Refused in part is refused: the rest of the same change must not count as done.
      for (const other of followed.left) this._followed.delete(other)
      followed.settle({ saved: false, refusal })
      return
    }
    this._followed.delete(seq)
    followed.left.delete(seq)
    if (!followed.left.size) followed.settle({ saved: true })
  }

  /**
   * One of the room's documents, kept in sync from now on (created empty if new here).
   * @param {string} name
   */
  doc (name) {
    const tracked = this.docs.get(name)
    if (tracked) return tracked.doc
    if (!DOC_NAME.test(name)) throw new Error(`not a document name: ${name}`)
    const doc = new Y.Doc()
    this._track(name, doc)
    return doc
  }

  destroy () {
    if (this._destroyed) return
    this._destroyed = true
    clearTimeout(this._awarenessRetry)
    clearTimeout(this._retry)
    window.removeEventListener('offline', this._onOffline)
    window.removeEventListener('online', this._onOnline)
    for (const { doc, listener } of this.docs.values()) doc.off('update', listener)
    // Tell the others we left before the socket goes, so the presence count drops at once.
    awarenessProtocol.removeAwarenessStates(this.awareness, [this.board.clientID], 'destroy')
    this.awareness.off('update', this._onAwarenessUpdate)
    this.awareness.destroy()
    this.socket.disconnect()
    this.socket.removeAllListeners()
    super.destroy()
  }

  /**
   * @param {string} name
   * @param {Y.Doc} doc
   */
  _track (name, doc) {
    /** @type {Tracked} */
    const tracked = {
      doc,
      unsaved: new Set(),
      listener: (update, origin) => this._onDocUpdate(name, tracked, update, origin)
    }
    doc.on('update', tracked.listener)
    this.docs.set(name, tracked)
    this.emit('doc', [name, doc])
    if (this.socket.connected) this._askFor(name)
  }

  // -- connection ---------------------------------------------------------------------------

  _onConnect () {
    this._lastRefusal = null
    this._refusedConnects = 0
    this._setStatus('connecting')
    // The server greets with its step 1 of each document (we answer with what it lacks: edits
    // made offline); our step 1 of each brings what we missed.
    for (const name of this.docs.keys()) this._askFor(name)
    this._renewAwareness()
  }

  /** @param {string} name */
  _askFor (name) {
    const tracked = this.docs.get(name)
    if (!tracked || this._asked.has(name)) return
    this._asked.add(name)
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, MESSAGE_SYNC)
    syncProtocol.writeSyncStep1(encoder, tracked.doc)
    this._sendSync(name, encoding.toUint8Array(encoder), null)
  }

  _renewAwareness () {
    // Setting the state again raises its clock. The server forgot us when we left and told the
    // others so at our old clock; the same clock again would be ignored by everyone.
    const state = this.awareness.getLocalState()
    if (state !== null && this.socket.connected) this.awareness.setLocalState(state)
  }

  /** @param {string} reason */
  _onDisconnect (reason) {
    this._asked.clear()
    if (this._destroyed) return
    this._forgetOthers()
    if (this.ended) return
    this._setStatus('offline')
    // The client retries by itself after a network loss, but not after the server closed us
    // (a room reloading after a fault); then we come back ourselves unless we were abusive.
    if (reason === 'io server disconnect' && this._lastRefusal === 'renamed') {
      // Closed only so that we come back under the name the facilitator gave us: at once.
      this._retryLater(100)
    } else if (reason === 'io server disconnect' && this._lastRefusal !== 'too_many_refusals') {
      this._retryLater(500 + Math.random() * RECONNECT_SPREAD_MS)
    }
  }

  _forgetOthers () {
    // Who is here is the server's knowledge; without it we show only ourselves until we are back.
    // Their clocks go too: the server's greeting repeats them unchanged, which would be ignored.
    const others = [...this.awareness.getStates().keys()].filter((id) => id !== this.board.clientID)
    awarenessProtocol.removeAwarenessStates(this.awareness, others, this)
    for (const id of others) this.awareness.meta.delete(id)
  }

  /** @param {any} err */
  _onConnectError (err) {
    const data = err && err.data
    const code = data && typeof data.code === 'string' ? data.code : null
    if (code && FINAL_CONNECT.has(code)) {
      this._end({ code, message: typeof data.message === 'string' ? data.message : '' })
      return
    }
    this._setStatus('offline')
    // Socket.IO retries a lost network by itself, but not a connect the server refused.
    if (code) {
      const wait = Math.min(REFUSED_CONNECT_RETRY_MAX_MS, REFUSED_CONNECT_RETRY_MS * 2 ** this._refusedConnects)
      this._refusedConnects += 1
      this._retryLater(wait + Math.random() * RECONNECT_SPREAD_MS)
    }
  }

  /** @param {number} ms */
  _retryLater (ms) {
    clearTimeout(this._retry)
    this._retry = setTimeout(() => this._reconnect(), ms)
  }

  /** @param {Refusal} refusal */
  _end (refusal) {
    if (this.ended || this._destroyed) return
    this.ended = refusal
    clearTimeout(this._retry)
    this.socket.disconnect()
    this._forgetOthers()
    this._setStatus('ended')
    this.emit('ended', [refusal])
  }

  _reconnect () {
    if (this._destroyed || this.ended || this.socket.connected || navigator.onLine === false) return
    this.socket.connect()
  }

  _onOffline () {
    if (this.ended) return
    // The device says it has no network: stop writing into a dead socket and say so now,
    // rather than after the ping timeout. Edits stay in the doc until we are back.
    this.socket.disconnect()
    this._setStatus('offline')
  }

  _onOnline () {
    this._reconnect()
  }

  /** @param {Status} status */
  _setStatus (status) {
    if (this.status === status) return
    this.status = status
    this.emit('status', [status])
  }

  // -- sync -----------------------------------------------------------------------------------

  /**
   * @param {string} name
   * @param {Tracked} tracked
   * @param {Uint8Array} update
   * @param {any} origin
   */
  _onDocUpdate (name, tracked, update, origin) {
    if (origin === this) return // it came from the server
    const seq = ++this._seq
    tracked.unsaved.add(seq)
    this.emit('saved', [this.unsaved])
    if (!this.socket.connected) return // the state-vector exchange on reconnect carries it
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, MESSAGE_SYNC)
    syncProtocol.writeUpdate(encoder, update)
    this._sendSync(name, encoding.toUint8Array(encoder), (saved, refusal) => {
      if (saved) tracked.unsaved.delete(seq)
      if (saved || refusal) this._settle(seq, refusal)
      if (refusal) this.emit('diverged', [name])
    })
  }

  /**
   * @param {unknown} name
   * @param {ArrayBuffer | Uint8Array} frame
   */
  _onSync (name, frame) {
    if (typeof name !== 'string') return
    if (!this.docs.has(name)) {
      // A document the server offers this identity (a facilitator's notes, someone's scores).
      if (!this.follow || !DOC_NAME.test(name)) return
      this._track(name, new Y.Doc())
    }
    const tracked = /** @type {Tracked} */ (this.docs.get(name))
    const decoder = decoding.createDecoder(asBytes(frame))
    if (decoding.readVarUint(decoder) !== MESSAGE_SYNC) return
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, MESSAGE_SYNC)
    const coveredUpTo = this._seq
    const kind = syncProtocol.readSyncMessage(decoder, encoder, tracked.doc, this)
    if (kind === syncProtocol.messageYjsSyncStep1) {
      // Our step 2 holds everything the server lacks, so once stored all earlier changes are too.
      this._sendSync(name, encoding.toUint8Array(encoder), (saved, refusal) => {
        if (!saved && !refusal) return
        // Refused, the step 2 was applied to nothing: every change it carried is refused with it.
        for (const seq of tracked.unsaved) {
          if (seq > coveredUpTo) continue
          if (saved) tracked.unsaved.delete(seq)
          this._settle(seq, refusal)
        }
        if (refusal) this.emit('diverged', [name])
      })
    } else if (kind === syncProtocol.messageYjsSyncStep2 && name === this.name) {
      this._setStatus('synced')
    }
  }

  /**
   * Send a sync frame and wait for the server's word on it.
   * @param {string} name
   * @param {Uint8Array} frame
   * @param {((saved: boolean, refusal: Refusal | null) => void) | null} onAck saved, or the
   *   refusal when the server refused the frame for good (not one that a resync sends again)
   */
  _sendSync (name, frame, onAck) {
    this.socket.timeout(ACK_TIMEOUT_MS).emit('sync', name, toArrayBuffer(frame), (err, ack) => {
      if (this._destroyed) return
      const saved = !err && ack != null && ack.ok === true && ack.saved === true
      const refused = !err && ack != null && ack.ok === false && !RESENT.has(ack.code)
      if (onAck) {
        onAck(saved, refused ? { code: String(ack.code || ''), message: String(ack.message || ''), event: 'sync' } : null)
        this.emit('saved', [this.unsaved])
      }
      // No answer in time on a live socket, or an update the server could not place because it
      // missed something before it: start over, and the state-vector exchange fills the gap.
      const timedOut = Boolean(err) && this.socket.connected
      // Refused for the rate (`rate_limited`) is the same: the edit is still in our doc.
      const resend = !err && ack != null && ack.ok === false && RESENT.has(ack.code)
      if (timedOut || resend) this._resync()
    })
  }

  _resync () {
    const now = Date.now()
    if (!this.socket.connected || now - this._lastResync < RESYNC_PAUSE_MS) return
    this._lastResync = now
    this.socket.disconnect()
    this.socket.connect()
  }

  // -- awareness ------------------------------------------------------------------------------

  /**
   * @param {{added: number[], updated: number[], removed: number[]}} changes
   */
  _onAwarenessUpdate ({ added, updated, removed }) {
    // Only our own state goes out; the server refuses updates that speak for others.
    const own = this.board.clientID
    if (added.includes(own) || updated.includes(own) || removed.includes(own)) {
      this._sendAwareness([own])
    }
  }

  /** @param {number[]} clients */
  _sendAwareness (clients) {
    if (!this.socket.connected) return
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, MESSAGE_AWARENESS)
    encoding.writeVarUint8Array(encoder, awarenessProtocol.encodeAwarenessUpdate(this.awareness, clients))
    this.socket.emit('awareness', toArrayBuffer(encoding.toUint8Array(encoder)))
  }

  /** @param {ArrayBuffer | Uint8Array} frame */
  _onAwareness (frame) {
    const decoder = decoding.createDecoder(asBytes(frame))
    if (decoding.readVarUint(decoder) !== MESSAGE_AWARENESS) return
    awarenessProtocol.applyAwarenessUpdate(this.awareness, decoding.readVarUint8Array(decoder), this)
  }

  /** @param {Refusal} refusal */
  _onRefused (refusal) {
    const code = refusal && typeof refusal.code === 'string' ? refusal.code : null
    this._lastRefusal = code
    if (code && FINAL_REFUSAL.has(code)) {
      // The server disconnects us next; we must not come back.
      this._end(refusal)
      return
    }
    if (code === 'awareness_not_yours') {
      // Our previous connection died silently and the server still holds it (until its ping
      // timeout): our presence is still its. Try again once the server has let it go.
      clearTimeout(this._awarenessRetry)
      this._awarenessRetry = setTimeout(() => this._renewAwareness(), AWARENESS_RETRY_MS)
    }
    this.emit('refused', [refusal])
  }
}

/**
 * The msgpack parser hands binary over as an ArrayBuffer.
 * @param {ArrayBuffer | Uint8Array} data
 */
function asBytes (data) {
  return data instanceof Uint8Array ? data : new Uint8Array(data)
}

/**
 * The browser msgpack encoder writes only ArrayBuffers as binary (a Uint8Array would become a map).
 * @param {Uint8Array} bytes
 */
function toArrayBuffer (bytes) {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)
}
