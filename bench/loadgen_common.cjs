'use strict';
// What the two Node.js load generators share: the simulated phone (its Y.Doc, what it writes, how it
// measures), the y-websocket frames, the statistics, the send schedule and the line protocol with
// bench/runner.py. Each generator only adds a transport:
//   loadgen.cjs      socket.io-client + socket.io-msgpack-parser (the web client's own stack)
//   loadgen_raw.cjs  Engine.IO v4 + Socket.IO v5 with msgpack written directly on a `ws` WebSocket
//
// Line protocol, one JSON object per line:
//   in:  {"clients": [...], "doc": "board", ...}   then   {"event": "go", "start_us": ..., ...}
//   out: {"event": "ready", ...}                     then   {"event": "result", ...}
// Times are CLOCK_MONOTONIC microseconds, so they compare with the Python side and other processes.

const fs = require('node:fs');
const path = require('node:path');
const { monitorEventLoopDelay, PerformanceObserver } = require('node:perf_hooks');
const readline = require('node:readline');
const { createRequire } = require('node:module');
const { pathToFileURL } = require('node:url');

// Resolve packages from web/node_modules (or KRING_BENCH_NODE_DIR/node_modules during development).
const baseDir = process.env.KRING_BENCH_NODE_DIR || path.join(__dirname, '..', 'web');
const requireFromWeb = createRequire(path.join(baseDir, 'package.json'));

// A package's ES module build, as the web client's bundle (esbuild) uses it. For yjs this matters:
// its CommonJS build reaches lib0 through getters on every call and costs ~30% more CPU per update.
async function importFromWeb(name) {
  const manifest = requireFromWeb.resolve(`${name}/package.json`);
  const pkg = JSON.parse(fs.readFileSync(manifest, 'utf8'));
  const main = pkg.exports && pkg.exports['.'];
  const entry = (main && typeof main.import === 'string' && main.import) || pkg.module;
  if (!entry) return requireFromWeb(name);
  return import(pathToFileURL(path.join(path.dirname(manifest), entry)).href);
}

let Y = null; // yjs, loaded by main() before any phone exists

const SYNC = 0;
const STEP1 = 0;
const STEP2 = 1;
const UPDATE = 2;
const OWN_PROPOSALS = 8;

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
  duplicates: 0, // updates a phone that does not apply received more than once
  ack_us: [],
  errors: [],
  // This process's own stalls over the window: a phone's latency includes the time its generator
  // was not running it, so a generator's collector or busy loop shows up in the figures.
  gc_ms_total: 0,
  gc_ms_max: 0,
  loop_delay_ms_p99: null,
  loop_delay_ms_max: null,
};
let windowFrom = Infinity;
let windowTo = -Infinity;
const inWindow = (t) => t >= windowFrom && t < windowTo;

// In a proposal's update, what precedes the send time: the key `text` (length 4), then its content, one
// lib0 `any` (count 1) that is a string (tag 119); a length byte and the digits follow.
const TEXT_VALUE = Buffer.from([4, 116, 101, 120, 116, 1, 119]);

function sentAtIn(update) {
  const at = update.indexOf(TEXT_VALUE);
  if (at < 0) return NaN;
  const start = at + TEXT_VALUE.length + 1;
  return Number(update.toString('latin1', start, start + update[start - 1]));
}

function record(now, sentAt) {
  if (!Number.isFinite(sentAt) || !inWindow(sentAt)) return;
  stats.received += 1;
  stats.latency_us.push(now - sentAt);
  stats.latency_second.push(Math.floor((sentAt - windowFrom) / 1e6));
}

function noteError(message) {
  if (stats.errors.length < 10) stats.errors.push(String(message));
}

// One simulated phone. A generator subclasses it with a transport, which provides:
//   get connected()           the namespace is connected: events may be sent
//   open(timeoutMs)           start connecting; then call onConnected(), onConnectError(message),
//                             onSync(docName, frame), onRefused(payload), onDisconnect(reason, ours)
//   sendSync(frame, onAck)    emit ('sync', docName, frame) asking for an acknowledgement
//   closeTransport()          close the connection (a disconnect of ours: not counted)
class Phone {
  constructor(spec, docName) {
    this.spec = spec;
    this.docName = docName;
    // A phone may only write what it owns: its own open proposals, proposals["<participant>:<id>"]
    // = {by, text, status}. The text carries the send time.
    this.prefix = `${spec.participant}:`;
    this.prefixBytes = Buffer.from(this.prefix);
    // A phone that does not apply reads the send time straight from the frame (`stamp`): the server
    // sends it exactly the same bytes, but the generator spends no Yjs work on it (see runner.py).
    this.applies = spec.applies !== false;
    this.stamped = new Set();
    this.seq = 0;
    this.pendingAcks = 0;
    this.timer = null;
    this.settled = false;
    this.synced = false;
    this.settle = () => {};
    this.doc = new Y.Doc();
    this.map = this.doc.getMap('proposals');
    this.map.observe((event) => {
      if (event.transaction.origin !== 'remote') return;
      const now = nowUs();
      for (const key of event.keysChanged) {
        if (key.startsWith(this.prefix)) continue;
        const entry = this.map.get(key);
        record(now, entry instanceof Y.Map ? Number(entry.get('text')) : NaN);
      }
    });
  }

  connect(timeoutMs) {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.settle(false, 'connect timeout'), timeoutMs);
      this.settle = (ok, why) => {
        if (this.settled) return;
        this.settled = true;
        clearTimeout(timer);
        if (ok) {
          stats.connected += 1;
          this.synced = true;
        } else {
          stats.connect_failed += 1;
          noteError(why);
          this.closeTransport();
        }
        resolve(ok);
      };
      this.open(timeoutMs);
    });
  }

  onConnected() {
    this.emitSync(syncFrame(STEP1, Y.encodeStateVector(this.doc)), null);
  }

  onConnectError(message) {
    this.settle(false, `connect_error: ${message}`);
  }

  onDisconnect(reason, ours) {
    if (this.settled && !ours) {
      stats.disconnects += 1;
      noteError(`disconnect: ${reason}`);
    }
  }

  onRefused(payload) {
    stats.refusals += 1;
    noteError(`refused: ${JSON.stringify(payload)}`);
  }

  onSync(docName, raw) {
    if (docName !== this.docName) return;
    const frame = raw instanceof Uint8Array ? raw : new Uint8Array(raw);
    if (frame[0] !== SYNC) return;
    const payload = readPayload(frame);
    if (frame[1] === STEP1) {
      // The server's state vector: answer with what it lacks.
      this.emitSync(syncFrame(STEP2, Y.encodeStateAsUpdate(this.doc, payload)), null);
      return;
    }
    if (frame[1] === UPDATE && !this.applies) {
      this.stamp(payload);
      return;
    }
    Y.applyUpdate(this.doc, payload, 'remote');
    if (frame[1] === STEP2) this.settle(true);
  }

  stamp(update) {
    const now = nowUs();
    const bytes = Buffer.from(update.buffer, update.byteOffset, update.byteLength);
    if (bytes.indexOf(this.prefixBytes) >= 0) return; // its own update, back in a window with others'
    // A Y.Doc would ignore an update it already has; so does this count (the same bytes twice, e.g.
    // in a resync).
    const sentAt = sentAtIn(bytes);
    if (this.stamped.has(sentAt)) {
      stats.duplicates += 1;
      return;
    }
    if (inWindow(sentAt)) this.stamped.add(sentAt);
    record(now, sentAt);
  }

  // Whether the server answers each sent update (Kring: once it is stored); y-websocket does not.
  get acknowledges() {
    return true;
  }

  emitSync(frame, sentAt) {
    if (!this.connected) return;
    const counted = this.acknowledges && sentAt !== null && inWindow(sentAt);
    if (counted) this.pendingAcks += 1;
    this.sendSync(frame, (ack) => {
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
    this.seq += 1;
    const proposal = new Y.Map([['by', this.spec.participant], ['text', String(sentAt)], ['status', 'open']]);
    // The update is taken from the doc's 'update' event of this one local transaction. A listener
    // left on the doc would make yjs encode every received update a second time, for nothing.
    let update = null;
    const capture = (u) => {
      update = u;
    };
    this.doc.on('update', capture);
    // A phone keeps a few proposals and rewrites them, as a person edits theirs: the board stays
    // the size of a real one however long the run (the soak looks for growth that is not data).
    this.map.set(`${this.prefix}b${this.seq % OWN_PROPOSALS}`, proposal);
    this.doc.off('update', capture);
    if (update) this.emitSync(syncFrame(UPDATE, update), sentAt);
    if (inWindow(sentAt)) {
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
      if (next >= stopUs || !this.connected) return;
      this.sendOne();
      next += interval;
      this.timer = setTimeout(tick, Math.max(0, (next - nowUs()) / 1000));
    };
    this.timer = setTimeout(tick, Math.max(0, (next - nowUs()) / 1000));
  }

  close() {
    if (this.timer) clearTimeout(this.timer);
    this.closeTransport();
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

function shutdown(phones, code) {
  for (const phone of phones) phone.close();
  setTimeout(() => process.exit(code), 200);
}

// Measures the generator's collector pauses and event-loop delay between two times (µs, nowUs);
// returns the function that stops measuring and writes them into stats.
function watchStalls(fromUs, toUs) {
  const delay = monitorEventLoopDelay({ resolution: 5 });
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const endUs = nowUs() - (performance.now() - entry.startTime - entry.duration) * 1000;
      if (!inWindow(endUs)) continue;
      stats.gc_ms_total += entry.duration;
      stats.gc_ms_max = Math.max(stats.gc_ms_max, entry.duration);
    }
  });
  gc.observe({ entryTypes: ['gc'] });
  const on = setTimeout(() => delay.enable(), Math.max(0, (fromUs - nowUs()) / 1000));
  const off = setTimeout(() => delay.disable(), Math.max(0, (toUs - nowUs()) / 1000));
  return () => {
    clearTimeout(on);
    clearTimeout(off);
    delay.disable();
    gc.disconnect();
    if (delay.count > 0) {
      stats.loop_delay_ms_p99 = delay.percentile(99) / 1e6;
      stats.loop_delay_ms_max = delay.max / 1e6;
    }
  };
}

// Runs a generator: `PhoneClass` is a Phone subclass with its transport.
async function run(PhoneClass) {
  Y = await importFromWeb('yjs');
  const lines = readline.createInterface({ input: process.stdin });
  const iterator = lines[Symbol.asyncIterator]();
  const config = JSON.parse((await iterator.next()).value);
  const phones = config.clients.map((spec) => new PhoneClass(spec, config.doc));
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
  const stalls = watchStalls(go.from_us, go.to_us);
  await sleepUntil(go.drain_us);
  stalls();
  for (const phone of phones) stats.acks_missing += phone.pendingAcks;
  await send({ event: 'result', ...stats });
  shutdown(phones, 0);
}

function main(PhoneClass) {
  // The runner ends a generator with SIGTERM: exit normally, so that `node --cpu-prof` (see
  // KRING_BENCH_NODE_ARGS in runner.py) still writes its profile.
  process.on('SIGTERM', () => process.exit(0));
  run(PhoneClass).catch((err) => {
    process.stderr.write(`${err && err.stack ? err.stack : err}\n`);
    process.exit(1);
  });
}

module.exports = { Phone, main, noteError, nowUs, requireFromWeb };
