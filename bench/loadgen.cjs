'use strict';
// Kring benchmark load generator in Node.js: the same libraries the web client runs
// (socket.io-client, socket.io-msgpack-parser, yjs), many simulated phones in one process.
// The phone, the statistics and the line protocol with bench/runner.py are in loadgen_common.cjs;
// loadgen_raw.cjs speaks the same protocol with far less CPU, without socket.io-client.

const { Phone, main, requireFromWeb } = require('./loadgen_common.cjs');

const { io } = requireFromWeb('socket.io-client');
const msgpackParser = requireFromWeb('socket.io-msgpack-parser');

class SocketIoPhone extends Phone {
  constructor(spec, docName) {
    super(spec, docName);
    this.socket = null;
  }

  get connected() {
    return this.socket !== null && this.socket.connected;
  }

  open(timeoutMs) {
    const socket = io(this.spec.url, {
      transports: ['websocket'],
      parser: msgpackParser,
      query: this.spec.room_key ? { room: this.spec.room_key } : {},
      auth: { token: this.spec.token },
      extraHeaders: { Origin: this.spec.origin },
      reconnection: false,
      forceNew: true, // one connection per phone, never multiplexed
      timeout: timeoutMs,
    });
    this.socket = socket;
    socket.on('connect', () => this.onConnected());
    socket.on('connect_error', (err) => this.onConnectError(err && err.message));
    socket.on('disconnect', (reason) => this.onDisconnect(reason, reason === 'io client disconnect'));
    socket.on('refused', (payload) => this.onRefused(payload));
    socket.on('sync', (docName, raw) => this.onSync(docName, raw));
  }

  sendSync(frame, onAck) {
    this.socket.emit('sync', this.docName, frame, onAck);
  }

  closeTransport() {
    if (this.socket) this.socket.close();
  }
}

main(SocketIoPhone);
