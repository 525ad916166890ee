'use strict';
// The same phones as loadgen_raw.cjs (loadgen_common.cjs: one yjs document each, the same writes,
// measurements and line protocol with bench/runner.py), speaking y-websocket's own protocol to the
// reference server (bench/reference, @y/websocket-server): one `ws` WebSocket per phone at
// ws://host/<room>, every binary message a y-protocols message. A sync message is byte for byte
// the frame Kring carries inside a Socket.IO event, so the phone's work per update is the same on
// both servers. y-websocket has no acknowledgement: nothing is stored, so there is nothing to wait on.

const { Phone, main, requireFromWeb } = require('./loadgen_common.cjs');

const WebSocket = requireFromWeb('ws');

class YwsPhone extends Phone {
  constructor(spec, docName) {
    super(spec, docName);
    this.ws = null;
    this.gone = false;
    this.ours = false;
  }

  get connected() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  get acknowledges() {
    return false;
  }

  open(timeoutMs) {
    const u = new URL(this.spec.url);
    u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(u.href, { handshakeTimeout: timeoutMs, perMessageDeflate: false });
    ws.binaryType = 'nodebuffer';
    this.ws = ws;
    ws.on('open', () => this.onConnected());
    // Awareness (1) and anything else but sync (0) is dropped by onSync.
    ws.on('message', (data, isBinary) => {
      if (isBinary) this.onSync(this.docName, data);
    });
    ws.on('error', (err) => this.lost(`transport error: ${err && err.message}`));
    ws.on('close', () => this.lost('transport close'));
  }

  lost(reason) {
    if (this.gone) return;
    this.gone = true;
    if (!this.settled) this.onConnectError(reason);
    else this.onDisconnect(reason, this.ours);
  }

  sendSync(frame) {
    this.ws.send(frame, { binary: true });
  }

  closeTransport() {
    if (!this.ws || this.gone) return;
    this.ours = true;
    this.gone = true;
    this.ws.close();
  }
}

main(YwsPhone);
