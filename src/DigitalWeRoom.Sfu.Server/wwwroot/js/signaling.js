// Signaling WebSocket (JSON). Protocol: docs/signaling.md.

import { Timeline } from './timeline.js';

/** The meeting server's signaling endpoint for this page. */
export function signalingUrl() {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
}

/** A socket opened ahead of the join (preopen), adopted by the first connect() to the same URL. */
let early = null;

export class Signaling {
  /**
   * Opens the socket now, while the page still gets the camera and microphone: its handshake then overlaps
   * getUserMedia instead of following it (first-remote-frame timeline, docs/benchmarks.md). Nothing is sent on it
   * until connect() adopts it and the page joins; the server sends nothing before a join.
   */
  static preopen(url) {
    if (!early) early = new WebSocket(url);
  }

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
      const ready = early?.url === this.url && early.readyState <= WebSocket.OPEN ? early : null;
      early = null;
      const ws = ready ?? new WebSocket(this.url);
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
      if (ws.readyState === WebSocket.OPEN) ws.onopen(); // preopened and already open
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
