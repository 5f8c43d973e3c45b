// Signaling WebSocket (JSON). Protocol: docs/signaling.md.

import { Timeline } from './timeline.js';

export class Signaling {
  constructor(url) {
    this.url = url;
    this.handlers = new Map();
    this.ws = null;
    this.pingTimer = null;
  }

  on(type, handler) {
    this.handlers.set(type, handler);
    return this;
  }

  /** Resolves once the socket is open; rejects if the server cannot be reached. */
  connect() {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.url);
      this.ws = ws;
      let opened = false;
      ws.onopen = () => {
        opened = true;
        Timeline.mark('ws-open');
        this.pingTimer = setInterval(() => this.send({ type: 'ping' }), 10000);
        resolve();
      };
      ws.onerror = () => { if (!opened) reject(new Error('unreachable')); };
      ws.onclose = (e) => {
        clearInterval(this.pingTimer);
        if (opened) this.dispatch({ type: '_closed', code: e.code, reason: e.reason });
        else reject(new Error('unreachable'));
      };
      ws.onmessage = (e) => {
        let msg;
        try { msg = JSON.parse(e.data); } catch { return; }
        if (msg && typeof msg.type === 'string') this.dispatch(msg);
      };
    });
  }

  dispatch(msg) {
    const handler = this.handlers.get(msg.type) ?? this.handlers.get('*');
    if (!handler) return;
    Promise.resolve()
      .then(() => handler(msg))
      .catch((err) => console.error('dwr: handler for', msg.type, 'failed', err));
  }

  send(msg) {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  /** Test hook: sends a raw string as-is (for invalid-input tests). */
  sendRaw(text) {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(text);
  }

  close() {
    clearInterval(this.pingTimer);
    this.ws?.close(1000, 'leave');
  }
}
