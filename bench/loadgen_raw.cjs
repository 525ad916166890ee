'use strict';
// Kring benchmark load generator, the light one: the same phones as loadgen.cjs (loadgen_common.cjs:
// one yjs document each, the same writes, measurements and line protocol with bench/runner.py),
// but instead of socket.io-client it speaks Engine.IO v4 + Socket.IO v5 with the msgpack parser
// itself, over one `ws` WebSocket per phone. The bytes on the wire are the ones socket.io-client
// sends; what is left out is the client library's machinery (emitters, managers, packet buffers,
// reconnection), which costs a phone nothing worth measuring but a thousand phones in one process
// most of the generator's CPU. In production every phone has its own CPU: the generator must not be
// what the benchmark measures. loadgen.cjs still proves the real client stack against the server.
//
// Engine.IO over WebSocket: text frames are Engine.IO packets ('0' open + JSON handshake, '1' close,
// '2' ping, answered by '3' pong, '6' noop); every binary frame is one Engine.IO message, here a
// msgpack-encoded Socket.IO packet {type, data, nsp, id} (CONNECT with the auth payload, EVENT, ACK,
// DISCONNECT, CONNECT_ERROR), as socket.io-msgpack-parser encodes it.

const { Phone, main, noteError, requireFromWeb } = require('./loadgen_common.cjs');

const WebSocket = requireFromWeb('ws');
const notepack = requireFromWeb('notepack.io');

// Socket.IO packet types
const CONNECT = 0;
const DISCONNECT = 1;
const EVENT = 2;
const ACK = 3;
const CONNECT_ERROR = 4;
const NSP = '/';
// engine.io-client's default: offer per-message deflate, never compress a frame under 1 KiB. (Kring's
// server declines the extension; the offer is kept so that the handshake is the browser's.)
const COMPRESS_FROM = 1024;

// `roomKey`: the room, for a balancer that keeps a room's sockets on one process (deploy/haproxy.cfg);
// the web client's provider puts it in the URL the same way. The server ignores it.
function engineUrl(url, roomKey) {
  const u = new URL(url);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  u.pathname = '/socket.io/';
  u.search = `?${roomKey ? `room=${encodeURIComponent(roomKey)}&` : ''}EIO=4&transport=websocket`;
  u.hash = '';
  return u.href;
}

// engine.io-client closes a connection whose server stopped pinging: no ping within pingInterval +
// pingTimeout. One sweep a second over all phones instead of a timer per phone.
const watched = new Set();
let sweeper = null;
function watch(phone) {
  watched.add(phone);
  if (sweeper) return;
  sweeper = setInterval(() => {
    const now = Date.now();
    for (const p of watched) if (now > p.pingDeadline) p.lost('ping timeout');
  }, 1000);
  sweeper.unref();
}

class RawPhone extends Phone {
  constructor(spec, docName) {
    super(spec, docName);
    this.ws = null;
    this.nsConnected = false;
    this.gone = false; // the connection has ended (a disconnect is counted once)
    this.ours = false; // ... because we closed it
    this.acks = new Map();
    this.ackIds = 0;
    this.pingWindow = Infinity;
    this.pingDeadline = Infinity;
  }

  get connected() {
    return this.nsConnected;
  }

  open(timeoutMs) {
    const ws = new WebSocket(engineUrl(this.spec.url, this.spec.room_key), {
      headers: { Origin: this.spec.origin },
      perMessageDeflate: { threshold: COMPRESS_FROM },
      handshakeTimeout: timeoutMs,
    });
    this.ws = ws;
    ws.on('message', (data, isBinary) => {
      if (isBinary) this.onPacket(data);
      else this.onEngineText(data.toString());
    });
    ws.on('error', (err) => this.lost('transport error', err && err.message));
    ws.on('close', () => this.lost('transport close'));
  }

  onEngineText(text) {
    switch (text[0]) {
      case '0': {
        // The handshake: {sid, upgrades, pingInterval, pingTimeout, maxPayload}. Then the namespace.
        const handshake = JSON.parse(text.slice(1));
        this.pingWindow = handshake.pingInterval + handshake.pingTimeout;
        this.pingDeadline = Date.now() + this.pingWindow;
        watch(this);
        this.sendPacket({ type: CONNECT, data: { token: this.spec.token }, nsp: NSP });
        break;
      }
      case '2':
        this.ws.send('3');
        this.pingDeadline = Date.now() + this.pingWindow;
        break;
      case '1':
        this.lost('transport close');
        break;
      case '6':
        break;
      default:
        noteError(`unexpected Engine.IO packet: ${text.slice(0, 40)}`);
    }
  }

  onPacket(data) {
    let packet;
    try {
      packet = notepack.decode(data);
    } catch (err) {
      noteError(`undecodable packet: ${err.message}`);
      return;
    }
    if (!packet || packet.nsp !== NSP) return;
    switch (packet.type) {
      case EVENT: {
        const args = packet.data;
        if (!Array.isArray(args)) return;
        if (args[0] === 'sync') this.onSync(args[1], args[2]);
        else if (args[0] === 'refused') this.onRefused(args[1]);
        break;
      }
      case ACK: {
        const onAck = this.acks.get(packet.id);
        if (onAck === undefined) return;
        this.acks.delete(packet.id);
        onAck(Array.isArray(packet.data) ? packet.data[0] : undefined);
        break;
      }
      case CONNECT:
        if (packet.data && packet.data.sid) {
          this.nsConnected = true;
          this.onConnected();
        } else {
          this.onConnectError('CONNECT without a sid');
        }
        break;
      case CONNECT_ERROR: {
        const data = packet.data;
        this.onConnectError(typeof data === 'string' ? data : data && data.message);
        this.closeTransport();
        break;
      }
      case DISCONNECT:
        this.lost('io server disconnect');
        break;
      default:
        noteError(`unexpected Socket.IO packet type ${packet.type}`);
    }
  }

  sendPacket(packet) {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    const bytes = notepack.encode(packet);
    this.ws.send(bytes, { binary: true, compress: bytes.length >= COMPRESS_FROM });
  }

  sendSync(frame, onAck) {
    const id = this.ackIds++;
    this.acks.set(id, onAck);
    // socket.io-client sends `options` along with every event packet, so it is on the wire too.
    this.sendPacket({ type: EVENT, data: ['sync', this.docName, frame], options: { compress: true }, id, nsp: NSP });
  }

  // The connection has ended (or must end): count it once, as socket.io-client's 'disconnect' would.
  lost(reason, detail) {
    if (this.gone) return;
    this.gone = true;
    this.nsConnected = false;
    watched.delete(this);
    if (!this.settled) this.onConnectError(detail ? `${reason}: ${detail}` : reason);
    else this.onDisconnect(reason, this.ours);
    if (this.ws) this.ws.terminate();
  }

  closeTransport() {
    if (!this.ws || this.gone) return;
    this.ours = true;
    if (this.nsConnected) this.sendPacket({ type: DISCONNECT, nsp: NSP });
    this.gone = true;
    this.nsConnected = false;
    watched.delete(this);
    this.ws.close();
  }
}

main(RawPhone);
