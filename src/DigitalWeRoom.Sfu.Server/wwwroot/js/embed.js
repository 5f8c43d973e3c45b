// The meeting inside another site's iframe (docs/embedding.md). The host page (external_api.js) names its origin in
// ?embedOrigin=; the page talks only to that origin, and only if the server lists it in Sfu:Embed:AllowedOrigins
// (the same list sets the CSP frame-ancestors, so the browser refuses any other host). Messages:
//   host → meeting {dwr: 'command', command: 'join'|'leave'|'mute'|'camera'|'share'|'displayName', value?}
//   meeting → host {dwr: 'event', event: 'ready'|'joined'|'left'|'participant-joined'|'participant-left'|'speaker'|'mode'|'error'|
//                   'display-name', data}

/** Resolves a bridge, or null when the origin is not allowed (nothing is posted then). */
export async function connect(origin, info) {
  const allowed = (info?.embedOrigins ?? []).map((o) => o.replace(/\/$/, ''));
  if (!allowed.includes(origin)) {
    console.warn('dwr embed: origin not allowed', origin);
    return null;
  }
  return new Bridge(origin);
}

class Bridge {
  constructor(origin) {
    this.origin = origin;
    this.meeting = null;
    this.controls = null;
    this.pending = [];
    this.name = null;
    window.addEventListener('message', (e) => this.onMessage(e));
    this.post('ready', {});
  }

  post(event, data) {
    window.parent.postMessage({ dwr: 'event', event, data }, this.origin);
  }

  onMessage(e) {
    if (e.origin !== this.origin || e.source !== window.parent) return;
    const m = e.data;
    if (!m || m.dwr !== 'command' || typeof m.command !== 'string') return;
    if (!this.meeting) {
      this.beforeJoin(m);
      return;
    }
    this.run(m.command, m.value);
  }

  /** Before the call: the name and "join" act on the pre-join screen; other commands wait for the call. */
  beforeJoin(m) {
    const input = document.getElementById('prejoin-name');
    if (m.command === 'displayName' && typeof m.value === 'string') {
      input.value = m.value.slice(0, 64);
    } else if (m.command === 'join') {
      document.getElementById('prejoin-form').requestSubmit();
    } else if (this.pending.length < 16) {
      this.pending.push(m);
    }
  }

  attach(meeting, controls) {
    this.meeting = meeting;
    this.controls = controls;
    meeting
      .on('joined', (d) => this.post('joined', { id: d.id, name: d.name }))
      .on('left', () => this.post('left', {}))
      .on('participant-joined', (p) => this.post('participant-joined', { id: p.id, name: p.name }))
      .on('participant-left', (p) => this.post('participant-left', { id: p.id, name: p.name }))
      .on('speaker', (s) => this.post('speaker', { id: s.id }))
      .on('mode', (m) => this.post('mode', { mode: m.mode }))
      .on('error', (e) => this.post('error', { code: e.code, reason: e.reason }))
      .on('renamed', (r) => this.post('display-name', { id: r.id, name: r.name, self: r.self }))
      .on('self', () => this.post('local', { audioMuted: !meeting.media.micOn, videoMuted: !meeting.media.cameraOn, sharing: !!meeting.media.screen }));
    for (const m of this.pending.splice(0)) this.run(m.command, m.value);
  }

  async run(command, value) {
    const m = this.meeting;
    const wanted = (current) => (typeof value === 'boolean' ? value : !current);
    switch (command) {
      case 'mute': await m.setMicMuted(wanted(!m.media.micOn)); break;
      case 'camera': await m.setCameraOn(wanted(m.media.cameraOn)); break;
      case 'share': if (wanted(!!m.media.screen)) await m.startScreenShare(); else await m.stopScreenShare(); break;
      case 'leave': m.leave(); break;
      case 'displayName':
        if (!m.setName(value)) this.post('error', { code: 'invalid-name', reason: 'a display name is 1 to 64 characters' });
        break;
      default: return;
    }
    this.controls.refresh();
  }
}
