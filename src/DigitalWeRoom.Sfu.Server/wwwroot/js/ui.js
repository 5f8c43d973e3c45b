// DOM for the meeting: tiles, mode indicator, errors, chat. Untrusted text (names, chat) is only
// ever set with textContent, never innerHTML.

const MODE_LABELS = { p2p: 'peer-to-peer', sfu: 'via server', switching: 'switching…', connecting: 'connecting…', left: 'left' };

/** Records when each video frame of a tile is presented (test hook: the gap a person would see). */
function watchFrames(tile) {
  if (!('requestVideoFrameCallback' in HTMLVideoElement.prototype)) return;
  const onFrame = (now) => {
    if (!tile.el.classList.contains('local') && UI.firstRemoteFrameAt === null) UI.firstRemoteFrameAt = now;
    tile.frameTimes.push(now);
    if (tile.frameTimes.length > 4000) tile.frameTimes.splice(0, 2000);
    tile.video.requestVideoFrameCallback(onFrame);
  };
  tile.video.requestVideoFrameCallback(onFrame);
}

export class UI {
  /** performance.now() of the first presented frame of any remote tile (ms since navigation start). */
  static firstRemoteFrameAt = null;

  constructor() {
    this.grid = document.getElementById('grid');
    this.modeEl = document.getElementById('mode');
    this.errorEl = document.getElementById('error');
    this.countEl = document.getElementById('count');
    this.chatLog = document.getElementById('chat-log');
    this.tiles = new Map(); // key -> {el, video, label, muted}
  }

  setRoom(name) {
    document.getElementById('room-name').textContent = name;
    document.title = `${name} · DigitalWeRoom`;
  }

  setMode(mode) {
    this.modeEl.dataset.mode = mode;
    this.modeEl.textContent = MODE_LABELS[mode] ?? mode;
  }

  setCount(n) {
    this.countEl.textContent = n === 1 ? '1 person' : `${n} people`;
  }

  showError(text) {
    this.errorEl.textContent = text;
    this.errorEl.hidden = false;
  }

  clearError() {
    this.errorEl.hidden = true;
    this.errorEl.textContent = '';
  }

  /** A tile per participant ("<id>") and per shared screen ("<id>:screen"). */
  ensureTile(key, name, { local = false, screen = false } = {}) {
    let tile = this.tiles.get(key);
    if (tile) return tile;
    const el = document.createElement('div');
    el.className = 'tile' + (screen ? ' screen' : '') + (local ? ' local' : '');
    el.dataset.key = key;
    const video = document.createElement('video');
    video.autoplay = true;
    video.playsInline = true;
    video.muted = local; // never play our own microphone back
    const label = document.createElement('div');
    label.className = 'label';
    const nameEl = document.createElement('span');
    nameEl.className = 'name';
    nameEl.textContent = screen ? `${name} (screen)` : local ? `${name} (you)` : name;
    const muted = document.createElement('span');
    muted.className = 'muted';
    label.append(nameEl, muted);
    el.append(video, label);
    if (screen) this.grid.prepend(el); else this.grid.append(el);
    tile = { el, video, muted, stream: null, frameTimes: [] };
    this.tiles.set(key, tile);
    watchFrames(tile);
    return tile;
  }

  setStream(key, stream) {
    const tile = this.tiles.get(key);
    if (!tile || tile.stream === stream) return;
    tile.stream = stream;
    this.log?.(`tile ${key} <- ${stream?.id ?? 'none'}`);
    tile.video.srcObject = stream;
    tile.video.play?.().catch(() => {});
  }

  setMuted(key, audioMuted, videoMuted) {
    const tile = this.tiles.get(key);
    if (!tile) return;
    const parts = [];
    if (audioMuted) parts.push('mic off');
    if (videoMuted) parts.push('camera off');
    tile.muted.textContent = parts.join(', ');
  }

  /** Longest time without a new presented frame on the tile since performance.now() was `since`. */
  longestFrameGap(key, since) {
    const tile = this.tiles.get(key);
    if (!tile) return null;
    let last = since;
    let longest = 0;
    let at = since;
    for (const t of tile.frameTimes) {
      if (t <= since) continue;
      if (t - last > longest) { longest = t - last; at = last; }
      last = t;
    }
    if (performance.now() - last > longest) { longest = performance.now() - last; at = last; }
    return { gap: longest, at };
  }

  removeTile(key) {
    const tile = this.tiles.get(key);
    if (!tile) return;
    tile.video.srcObject = null;
    tile.el.remove();
    this.tiles.delete(key);
  }

  addChat(name, text, system = false) {
    const li = document.createElement('li');
    if (system) li.className = 'system';
    const who = document.createElement('span');
    who.className = 'who';
    who.textContent = name;
    const body = document.createElement('span');
    body.className = 'text';
    body.textContent = text;
    li.append(who, body);
    this.chatLog.append(li);
    this.chatLog.scrollTop = this.chatLog.scrollHeight;
  }

  setPressed(id, pressed, label) {
    const b = document.getElementById(id);
    b.setAttribute('aria-pressed', String(pressed));
    if (label) b.textContent = label;
  }
}
