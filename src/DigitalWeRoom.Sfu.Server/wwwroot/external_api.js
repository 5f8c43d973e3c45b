// DigitalWeRoom embedding API (docs/embedding.md). Load it from the meeting server:
//   <script src="https://meet.example/external_api.js"></script>
//   const meeting = new DigitalWeRoomMeeting('https://meet.example', 'standup', document.getElementById('call'), { name: 'Ada' });
//   meeting.on('participant-joined', (p) => console.log(p.name));
//   meeting.mute(true);
// The meeting page answers only the origin that created it, and only if the server lists that origin in
// Sfu:Embed:AllowedOrigins; this side accepts messages only from the meeting's origin and its own iframe.
(function (global) {
  'use strict';

  class DigitalWeRoomMeeting {
    /**
     * @param {string} server the meeting server's origin, e.g. https://meet.example
     * @param {string} room the room name
     * @param {HTMLElement} parent the element the iframe goes into
     * @param {{name?: string, token?: string, prejoin?: boolean, width?: string, height?: string}} [options]
     */
    constructor(server, room, parent, options = {}) {
      const url = new URL(`/r/${encodeURIComponent(room)}`, server);
      this.origin = url.origin;
      url.searchParams.set('embedOrigin', global.location.origin);
      if (options.name) url.searchParams.set('name', options.name);
      if (options.token) url.searchParams.set('token', options.token);
      if (options.prejoin) url.searchParams.set('prejoin', '1');
      this.handlers = new Map();
      this.ready = false;
      this.queue = [];
      const frame = document.createElement('iframe');
      frame.src = url.href;
      frame.allow = 'camera; microphone; display-capture; autoplay; clipboard-write; speaker-selection';
      frame.title = `Meeting ${room}`;
      frame.style.border = '0';
      frame.style.width = options.width ?? '100%';
      frame.style.height = options.height ?? '100%';
      this.iframe = frame;
      this.listener = (e) => this.receive(e);
      global.addEventListener('message', this.listener);
      parent.append(frame);
    }

    receive(e) {
      if (e.origin !== this.origin || e.source !== this.iframe.contentWindow) return;
      const m = e.data;
      if (!m || m.dwr !== 'event' || typeof m.event !== 'string') return;
      if (m.event === 'ready') {
        this.ready = true;
        for (const c of this.queue.splice(0)) this.post(c);
      }
      for (const h of this.handlers.get(m.event) ?? []) h(m.data ?? {});
      for (const h of this.handlers.get('*') ?? []) h({ event: m.event, data: m.data ?? {} });
    }

    post(command) {
      if (!this.ready) {
        this.queue.push(command);
        return;
      }
      this.iframe.contentWindow.postMessage({ dwr: 'command', ...command }, this.origin);
    }

    /** Events: ready, joined, left, participant-joined, participant-left, speaker, mode, local, display-name, error, or '*' for all. */
    on(event, handler) {
      if (!this.handlers.has(event)) this.handlers.set(event, new Set());
      this.handlers.get(event).add(handler);
      return this;
    }

    off(event, handler) {
      this.handlers.get(event)?.delete(handler);
      return this;
    }

    /** Presses "Join" on the pre-join screen (when it is shown). */
    join() { this.post({ command: 'join' }); }

    leave() { this.post({ command: 'leave' }); }

    /** true mutes, false unmutes, nothing toggles. */
    mute(muted) { this.post({ command: 'mute', value: muted }); }

    /** true turns the camera on, false off, nothing toggles. */
    camera(on) { this.post({ command: 'camera', value: on }); }

    /** true starts sharing the screen, false stops, nothing toggles. */
    share(on) { this.post({ command: 'share', value: on }); }

    /** Before joining: the name on the pre-join screen. In the call: a rename every participant sees (event display-name). */
    setDisplayName(name) { this.post({ command: 'displayName', value: String(name) }); }

    /** Removes the iframe and stops listening. */
    dispose() {
      global.removeEventListener('message', this.listener);
      this.iframe.remove();
    }
  }

  global.DigitalWeRoomMeeting = DigitalWeRoomMeeting;
})(window);
