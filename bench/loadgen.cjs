'use strict';
// Kring benchmark load generator in Node.js: the same libraries the web client runs
// (socket.io-client, socket.io-msgpack-parser, yjs), many simulated phones in one process.
//
// Driven by bench/runner.py over stdin/stdout, one JSON object per line:
//   in:  {"clients": [...], "doc": "board", ...}   then   {"event": "go", "start_us": ..., ...}
//   out: {"event": "ready", ...}                     then   {"event": "result", ...}
// Times are CLOCK_MONOTONIC microseconds, so they compare with the Python side and other processes.

const path = require('node:path');
const readline = require('node:readline');
const { createRequire } = require('node:module');

// Resolve packages from web/node_modules (or KRING_BENCH_NODE_DIR/node_modules during development).
const baseDir = process.env.KRING_BENCH_NODE_DIR || path.join(__dirname, '..', 'web');
const requireFromWeb = createRequire(path.join(baseDir, 'package.json'));
const Y = requireFromWeb('yjs');
const { io } = requireFromWeb('socket.io-client');
const msgpackParser = requireFromWeb('socket.io-msgpack-parser');

const SYNC = 0;
const STEP1 = 0;
const STEP2 = 1;
const UPDATE = 2;

const nowUs = () => Number(process.hrtime.bigint() / 1000n);

function varUint(n) {
  const out = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

// A y-websocket sync message: [0, kind, varuint(length), ...payload]. It must be a Buffer: Node's
// notepack.io encodes a Buffer as msgpack bin, but any other Uint8Array as an ext type (of its whole
// underlying ArrayBuffer), which the server rightly refuses. (In a browser: pass an ArrayBuffer.)
function syncFrame(kind, payload) {
  const head = [SYNC, kind, ...varUint(payload.length)];
  const frame = Buffer.allocUnsafe(head.length + payload.length);
  frame.set(head, 0);
  frame.set(payload, head.length);
  return frame;
}

function readPayload(frame) {
  let length = 0;
  let shift = 1;
  let i = 2;
  for (;;) {
    const byte = frame[i++];
    length += (byte & 0x7f) * shift;
    if (byte < 0x80) break;
    shift *= 128;
  }
  return frame.subarray(i, i + length);
}

const stats = {
  connected: 0,
  connect_failed: 0,
  disconnects: 0,
  refusals: 0,
  sent: {},
  sent_total: 0,
  received: 0,
  latency_us: [],
  latency_second: [], // whole seconds from the start of the window to the send, per latency sample
  acks_ok: 0,
  acks_saved: 0,
  acks_failed: 0,
  acks_missing: 0,
  ack_us: [],
  errors: [],
};
let windowFrom = Infinity;
let windowTo = -Infinity;

function noteError(message) {
  if (stats.errors.length < 10) stats.errors.push(String(message));
}

const OWN_PROPOSALS = 8;

class Phone {
  constructor(spec, docName) {
    this.spec = spec;
    this.docName = docName;
    // A phone may only write what it owns: its own open proposals, proposals["<participant>:<id>"]
    // = {by, text, status}. The text carries the send time.
    this.prefix = `${spec.participant}:`;
    this.seq = 0;
    this.pendingAcks = 0;
    this.lastSentAt = null;
    this.doc = new Y.Doc();
    this.map = this.doc.getMap('proposals');
    this.socket = null;
    this.timer = null;
    this.synced = false;
    this.map.observe((event) => {
      if (event.transaction.origin !== 'remote') return;
      const now = nowUs();
      for (const key of event.keysChanged) {
        if (key.startsWith(this.prefix)) continue;
        const entry = this.map.get(key);
        const sentAt = entry instanceof Y.Map ? Number(entry.get('text')) : NaN;
        if (!Number.isFinite(sentAt) || sentAt < windowFrom || sentAt >= windowTo) continue;
        stats.received += 1;
        stats.latency_us.push(now - sentAt);
        stats.latency_second.push(Math.floor((sentAt - windowFrom) / 1e6));
      }
    });
    this.doc.on('update', (update, origin) => {
      if (origin === 'remote') return;
      this.emitSync(syncFrame(UPDATE, update), this.lastSentAt);
    });
  }

  connect(timeoutMs) {
    return new Promise((resolve) => {
      let settled = false;
      const finish = (ok, why) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (ok) {
          stats.connected += 1;
          this.synced = true;
        }
        else {
          stats.connect_failed += 1;
          noteError(why);
          if (this.socket) this.socket.close();
        }
        resolve(ok);
      };
      const timer = setTimeout(() => finish(false, 'connect timeout'), timeoutMs);
      const socket = io(this.spec.url, {
        transports: ['websocket'],
        parser: msgpackParser,
        auth: { token: this.spec.token },
        extraHeaders: { Origin: this.spec.origin },
        reconnection: false,
        forceNew: true, // one connection per phone, never multiplexed
        timeout: timeoutMs,
      });
      this.socket = socket;
      socket.on('connect', () => {
        this.emitSync(syncFrame(STEP1, Y.encodeStateVector(this.doc)), null);
      });
      socket.on('connect_error', (err) => finish(false, `connect_error: ${err && err.message}`));
      socket.on('disconnect', (reason) => {
        if (settled && reason !== 'io client disconnect') {
          stats.disconnects += 1;
          noteError(`disconnect: ${reason}`);
        }
      });
      socket.on('refused', (payload) => {
        stats.refusals += 1;
        noteError(`refused: ${JSON.stringify(payload)}`);
      });
      socket.on('sync', (docName, raw) => {
        if (docName !== this.docName) return;
        const frame = raw instanceof Uint8Array ? raw : new Uint8Array(raw);
        if (frame[0] !== SYNC) return;
        const payload = readPayload(frame);
        if (frame[1] === STEP1) {
          // The server's state vector: answer with what it lacks.
          this.emitSync(syncFrame(STEP2, Y.encodeStateAsUpdate(this.doc, payload)), null);
          return;
        }
        Y.applyUpdate(this.doc, payload, 'remote');
        if (frame[1] === STEP2) finish(true);
      });
    });
  }

  emitSync(frame, sentAt) {
    if (!this.socket || !this.socket.connected) return;
    const counted = sentAt !== null && sentAt !== undefined && sentAt >= windowFrom && sentAt < windowTo;
    if (counted) this.pendingAcks += 1;
    this.socket.emit('sync', this.docName, frame, (ack) => {
      if (!counted) return;
      this.pendingAcks -= 1;
      if (ack && ack.ok) {
        stats.acks_ok += 1;
        if (ack.saved) {
          stats.acks_saved += 1;
          stats.ack_us.push(nowUs() - sentAt);
        }
      } else {
        stats.acks_failed += 1;
        noteError(`ack: ${JSON.stringify(ack)}`);
      }
    });
  }

  sendOne() {
    const sentAt = nowUs();
    this.lastSentAt = sentAt;
    this.seq += 1;
    const proposal = new Y.Map([['by', this.spec.participant], ['text', String(sentAt)], ['status', 'open']]);
    // A phone keeps a few proposals and rewrites them, as a person edits theirs: the board stays
    // the size of a real one however long the run (the soak looks for growth that is not data).
    this.map.set(`${this.prefix}b${this.seq % OWN_PROPOSALS}`, proposal); // fires 'update', which emits the frame
    if (sentAt >= windowFrom && sentAt < windowTo) {
      stats.sent[this.spec.room] = (stats.sent[this.spec.room] || 0) + 1;
    }
    stats.sent_total += 1;
  }

  // Sends at a fixed interval from a random phase, on absolute times so that timer lag never drifts.
  schedule(startUs, stopUs) {
    if (!(this.spec.rate > 0)) return;
    const interval = 1e6 / this.spec.rate;
    let next = startUs + Math.random() * interval;
    const tick = () => {
      if (next >= stopUs || !this.socket || !this.socket.connected) return;
      this.sendOne();
      next += interval;
      this.timer = setTimeout(tick, Math.max(0, (next - nowUs()) / 1000));
    };
    this.timer = setTimeout(tick, Math.max(0, (next - nowUs()) / 1000));
  }

  close() {
    if (this.timer) clearTimeout(this.timer);
    if (this.socket) this.socket.close();
  }
}

const sleepUntil = (us) => new Promise((resolve) => setTimeout(resolve, Math.max(0, (us - nowUs()) / 1000)));

async function connectAll(phones, concurrency, timeoutMs) {
  let next = 0;
  const lanes = [];
  for (let lane = 0; lane < Math.min(concurrency, phones.length); lane++) {
    lanes.push(
      (async () => {
        while (next < phones.length) {
          const phone = phones[next++];
          await phone.connect(timeoutMs);
        }
      })(),
    );
  }
  await Promise.all(lanes);
}

// Resolves once the line is handed to the OS: a large result must not be cut short by exit().
function send(message) {
  return new Promise((resolve) => process.stdout.write(`${JSON.stringify(message)}\n`, () => resolve()));
}

async function main() {
  const lines = readline.createInterface({ input: process.stdin });
  const iterator = lines[Symbol.asyncIterator]();
  const config = JSON.parse((await iterator.next()).value);
  const phones = config.clients.map((spec) => new Phone(spec, config.doc));
  await connectAll(phones, config.connect_concurrency || 50, (config.connect_timeout || 20) * 1000);
  const rooms = {};
  for (const phone of phones) {
    if (phone.synced) rooms[phone.spec.room] = (rooms[phone.spec.room] || 0) + 1;
  }
  await send({ event: 'ready', connected: stats.connected, connect_failed: stats.connect_failed, rooms, errors: stats.errors });

  const goLine = await iterator.next();
  if (goLine.done) return shutdown(phones, 0);
  const go = JSON.parse(goLine.value);
  if (go.event !== 'go') return shutdown(phones, 0);
  windowFrom = go.from_us;
  windowTo = go.to_us;
  for (const phone of phones) phone.schedule(go.start_us, go.to_us);
  await sleepUntil(go.drain_us);
  for (const phone of phones) stats.acks_missing += phone.pendingAcks;
  await send({ event: 'result', ...stats });
  shutdown(phones, 0);
}

function shutdown(phones, code) {
  for (const phone of phones) phone.close();
  setTimeout(() => process.exit(code), 200);
}

main().catch((err) => {
  process.stderr.write(`${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
