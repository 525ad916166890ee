// Keeps one Y.Doc of a room in step with the Kring server over Socket.IO (docs/protocol.md).
// The board lives in memory only: nothing is written to browser storage.

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

/** @typedef {'connecting' | 'synced' | 'offline'} Status */

/**
 * @extends {ObservableV2<{status: (status: Status) => void, saved: (unsaved: number) => void,
 *   refused: (refusal: {code: string, message: string, event: string}) => void}>}
 */
export class KringProvider extends ObservableV2 {
  /**
   * @param {string} origin the server's origin, e.g. location.origin
   * @param {string} room
   * @param {import('yjs').Doc} doc
   * @param {{docName?: string}} [options]
   */
  constructor (origin, room, doc, { docName = 'board' } = {}) {
    super()
    this.doc = doc
    this.docName = docName
    this.awareness = new awarenessProtocol.Awareness(doc)
    /** @type {Status} */
    this.status = 'connecting'
    // Each local change gets a number; it stays here until the server says it is stored.
    // A saved step 2 confirms every change made before it was written.
    this._seq = 0
    /** @type {Set<number>} */
    this._unsaved = new Set()
    /** @type {string | null} */
    this._lastRefusal = null
    this._destroyed = false
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this._awarenessRetry = undefined
    this._lastResync = 0

    this.socket = io(origin, {
      transports: ['websocket'],
      parser: msgpackParser,
      auth: { room },
      reconnection: true,
      reconnectionDelay: 500,
      reconnectionDelayMax: 10000,
      randomizationFactor: 0.5
    })

    this._onDocUpdate = this._onDocUpdate.bind(this)
    this._onAwarenessUpdate = this._onAwarenessUpdate.bind(this)
    this._onOffline = this._onOffline.bind(this)
    this._onOnline = this._onOnline.bind(this)
    doc.on('update', this._onDocUpdate)
    this.awareness.on('update', this._onAwarenessUpdate)
    window.addEventListener('offline', this._onOffline)
    window.addEventListener('online', this._onOnline)

    this.socket.on('connect', () => this._onConnect())
    this.socket.on('disconnect', (reason) => this._onDisconnect(reason))
    this.socket.on('connect_error', () => this._setStatus('offline'))
    this.socket.on('sync', (name, frame) => this._onSync(name, frame))
    this.socket.on('awareness', (frame) => this._onAwareness(frame))
    this.socket.on('refused', (refusal) => this._onRefused(refusal))
  }

  /** How many local changes the server has not yet confirmed as stored. */
  get unsaved () {
    return this._unsaved.size
  }

  destroy () {
    if (this._destroyed) return
    this._destroyed = true
    clearTimeout(this._awarenessRetry)
    window.removeEventListener('offline', this._onOffline)
    window.removeEventListener('online', this._onOnline)
    this.doc.off('update', this._onDocUpdate)
    // Tell the others we left before the socket goes, so the presence count drops at once.
    awarenessProtocol.removeAwarenessStates(this.awareness, [this.doc.clientID], 'destroy')
    this.awareness.off('update', this._onAwarenessUpdate)
    this.awareness.destroy()
    this.socket.disconnect()
    this.socket.removeAllListeners()
    super.destroy()
  }

  // -- connection ---------------------------------------------------------------------------

  _onConnect () {
    this._lastRefusal = null
    this._setStatus('connecting')
    // The server greets with its step 1 (we answer with what it lacks: edits made offline);
    // our step 1 brings what we missed.
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, MESSAGE_SYNC)
    syncProtocol.writeSyncStep1(encoder, this.doc)
    this._sendSync(encoding.toUint8Array(encoder), null)
    this._renewAwareness()
  }

  _renewAwareness () {
    // Setting the state again raises its clock. The server forgot us when we left and told the
    // others so at our old clock; the same clock again would be ignored by everyone.
    const state = this.awareness.getLocalState()
    if (state !== null && this.socket.connected) this.awareness.setLocalState(state)
  }

  /** @param {string} reason */
  _onDisconnect (reason) {
    if (this._destroyed) return
    this._setStatus('offline')
    // Who is here is the server's knowledge; without it we show only ourselves until we are back.
    // Their clocks go too: the server's greeting repeats them unchanged, which would be ignored.
    const others = [...this.awareness.getStates().keys()].filter((id) => id !== this.doc.clientID)
    awarenessProtocol.removeAwarenessStates(this.awareness, others, this)
    for (const id of others) this.awareness.meta.delete(id)
    // The client retries by itself after a network loss, but not after the server closed us
    // (a room reloading after a fault); then we come back ourselves unless we were abusive.
    if (reason === 'io server disconnect' && this._lastRefusal !== 'too_many_refusals') {
      setTimeout(() => this._reconnect(), 500 + Math.random() * 1000)
    }
  }

  _reconnect () {
    if (!this._destroyed && !this.socket.connected && navigator.onLine !== false) this.socket.connect()
  }

  _onOffline () {
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
   * @param {Uint8Array} update
   * @param {any} origin
   */
  _onDocUpdate (update, origin) {
    if (origin === this) return // it came from the server
    const seq = ++this._seq
    this._unsaved.add(seq)
    this.emit('saved', [this.unsaved])
    if (!this.socket.connected) return // the state-vector exchange on reconnect carries it
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, MESSAGE_SYNC)
    syncProtocol.writeUpdate(encoder, update)
    this._sendSync(encoding.toUint8Array(encoder), (saved) => {
      if (saved) this._unsaved.delete(seq)
    })
  }

  /**
   * @param {string} name
   * @param {ArrayBuffer | Uint8Array} frame
   */
  _onSync (name, frame) {
    if (name !== this.docName) return
    const decoder = decoding.createDecoder(asBytes(frame))
    if (decoding.readVarUint(decoder) !== MESSAGE_SYNC) return
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, MESSAGE_SYNC)
    const coveredUpTo = this._seq
    const kind = syncProtocol.readSyncMessage(decoder, encoder, this.doc, this)
    if (kind === syncProtocol.messageYjsSyncStep1) {
      // Our step 2 holds everything the server lacks, so once stored all earlier changes are too.
      this._sendSync(encoding.toUint8Array(encoder), (saved) => {
        if (!saved) return
        for (const seq of this._unsaved) if (seq <= coveredUpTo) this._unsaved.delete(seq)
      })
    } else if (kind === syncProtocol.messageYjsSyncStep2) {
      this._setStatus('synced')
    }
  }

  /**
   * Send a sync frame and wait for the server's word on it.
   * @param {Uint8Array} frame
   * @param {((saved: boolean) => void) | null} onAck
   */
  _sendSync (frame, onAck) {
    this.socket.timeout(ACK_TIMEOUT_MS).emit('sync', this.docName, toArrayBuffer(frame), (err, ack) => {
      if (this._destroyed) return
      const saved = !err && ack != null && ack.ok === true && ack.saved === true
      if (onAck) {
        onAck(saved)
        this.emit('saved', [this.unsaved])
      }
      // No answer in time on a live socket, or an update the server could not place because it
      // missed something before it: start over, and the state-vector exchange fills the gap.
      const timedOut = Boolean(err) && this.socket.connected
      const incomplete = !err && ack != null && ack.ok === false && ack.code === 'incomplete'
      if (timedOut || incomplete) this._resync()
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
    const own = this.doc.clientID
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

  /** @param {{code: string, message: string, event: string}} refusal */
  _onRefused (refusal) {
    this._lastRefusal = refusal && refusal.code
    if (this._lastRefusal === 'awareness_not_yours') {
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
