// DOM for the meeting: tiles (video, name, mic state, speaking and raised-hand marks), the mode indicator and the
// error banner. Untrusted text (names) is only ever set with textContent, never innerHTML.

import { MODE_LABELS } from './mode.js';
import { icon, setToggle } from './icons.js';
import { Timeline } from './timeline.js';

/** Up to two initials of a display name, for a tile without video. */
export function initials(name) {
  const parts = String(name ?? '').trim().split(/\s+/).filter(Boolean);
  return (parts.length > 1 ? parts[0][0] + parts.at(-1)[0] : (parts[0] ?? '?').slice(0, 2)).toUpperCase();
}

/** Records when each video frame of a tile is presented (test hook: the gap a person would see). */
function watchFrames(tile, video) {
  if (!('requestVideoFrameCallback' in HTMLVideoElement.prototype)) return;
  const onFrame = (now) => {
    if (video !== tile.video) return; // replaced (make before break): its successor is watched
    if (!tile.el.classList.contains('local') && UI.firstRemoteFrameAt === null) {
      UI.firstRemoteFrameAt = now;
      Timeline.mark('first-remote-frame', now);
    }
    tile.frameTimes.push(now);
    if (tile.frameTimes.length > 4000) tile.frameTimes.splice(0, 2000);
    video.requestVideoFrameCallback(onFrame);
  };
  video.requestVideoFrameCallback(onFrame);
}

function makeVideo(muted) {
  const video = document.createElement('video');
  video.autoplay = true;
  video.playsInline = true;
  video.muted = muted;
  return video;
}

/** How long an incoming element may take to present its first frame before it replaces the old one anyway. */
const SWAP_TIMEOUT_MS = 2000;

export class UI {
  /** performance.now() of the first presented frame of any remote tile (ms since navigation start). */
  static firstRemoteFrameAt = null;

  constructor() {
    this.grid = document.getElementById('grid');
    this.modeEl = document.getElementById('mode');
    this.errorEl = document.getElementById('error');
    this.countEl = document.getElementById('count');
    this.tiles = new Map(); // key -> {el, video, muted, ...}
    this.sinkId = '';
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

  /** The connection-path note next to the mode (e.g. "relayed", "TCP"); empty hides it. */
  setPathNote(text) {
    const el = document.getElementById('path-note');
    if (!el) return;
    el.textContent = text ?? '';
    el.hidden = !text;
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
    el.setAttribute('role', 'group');
    const video = makeVideo(local); // never play our own microphone back
    if (local && !screen) video.classList.add('mirror');
    const avatar = document.createElement('div');
    avatar.className = 'avatar';
    avatar.setAttribute('aria-hidden', 'true');
    const label = document.createElement('div');
    label.className = 'label';
    const hand = document.createElement('span');
    hand.className = 'hand';
    hand.append(icon('hand'));
    hand.hidden = true;
    hand.title = 'hand raised';
    const talk = document.createElement('span');
    talk.className = 'talk';
    talk.setAttribute('aria-hidden', 'true');
    talk.append(document.createElement('i'), document.createElement('i'), document.createElement('i'));
    const nameEl = document.createElement('span');
    nameEl.className = 'name';
    const muted = document.createElement('span');
    muted.className = 'muted';
    label.append(hand, talk, nameEl, muted);
    el.append(video, avatar, label);
    if (screen) this.grid.prepend(el); else this.grid.append(el);
    tile = { el, video, muted, hand, nameEl, avatar, local, screen, stream: null, frameTimes: [], incoming: null };
    this.tiles.set(key, tile);
    this.setName(key, name);
    if (this.sinkId && video.setSinkId) video.setSinkId(this.sinkId).catch(() => {});
    watchFrames(tile, video);
    return tile;
  }

  setName(key, name) {
    const tile = this.tiles.get(key);
    if (!tile) return;
    const text = tile.screen ? `${name} (screen)` : tile.local ? `${name} (you)` : name;
    tile.nameEl.textContent = text;
    tile.avatar.textContent = initials(name);
    tile.el.setAttribute('aria-label', text);
  }

  setHand(key, raised) {
    const tile = this.tiles.get(key);
    if (!tile) return;
    tile.hand.hidden = !raised;
    tile.el.classList.toggle('hand-raised', !!raised);
  }

  /** Audio output for every tile (HTMLMediaElement.setSinkId, where supported). */
  setSinkId(id) {
    this.sinkId = id;
    for (const tile of this.tiles.values()) tile.video.setSinkId?.(id).catch(() => {});
  }

  /**
   * Shows `stream` on the tile. When the tile is showing video and the new stream has video (the P2P ↔ server
   * switch), make before break: a second, covered element starts playing the new stream and replaces the old one
   * only once it has presented a frame (a fresh element takes a few hundred ms to do so, longer on a busy machine,
   * and the old one would freeze meanwhile). The incoming element stays muted until then (no doubled audio).
   */
  setStream(key, stream) {
    const tile = this.tiles.get(key);
    if (!tile) return;
    this.markVideo(tile, stream);
    if (tile.stream === stream) return;
    tile.stream = stream;
    this.log?.(`tile ${key} <- ${stream?.id ?? 'none'}`);
    this.dropIncoming(tile);
    const last = tile.frameTimes.at(-1);
    const showing = tile.video.srcObject && last !== undefined && performance.now() - last < 1000;
    const hasVideo = stream?.getVideoTracks().some((t) => t.readyState === 'live');
    if (!showing || !hasVideo || !('requestVideoFrameCallback' in HTMLVideoElement.prototype)) {
      tile.video.srcObject = stream;
      tile.video.play?.().catch(() => {});
      return;
    }
    const next = makeVideo(true);
    next.classList.add('incoming');
    if (this.sinkId && next.setSinkId) next.setSinkId(this.sinkId).catch(() => {});
    next.srcObject = stream;
    tile.video.before(next); // positioned and earlier in the DOM: painted under the current element
    const incoming = { video: next, timer: 0, done: null, resolve: null };
    incoming.done = new Promise((resolve) => {
      incoming.resolve = resolve;
      const swap = () => {
        if (tile.incoming !== incoming) return resolve();
        clearTimeout(incoming.timer);
        tile.incoming = null;
        const old = tile.video;
        tile.video = next;
        next.classList.remove('incoming');
        next.muted = tile.local;
        old.srcObject = null;
        old.remove();
        this.log?.(`tile ${key} swapped`);
        watchFrames(tile, next);
        resolve();
      };
      next.requestVideoFrameCallback(swap);
      incoming.timer = setTimeout(swap, SWAP_TIMEOUT_MS);
    });
    tile.incoming = incoming;
    next.play?.().catch(() => {});
  }

  /** Resolves when no tile has an element waiting to replace its current one. */
  async swapsSettled() {
    const pending = [...this.tiles.values()].map((t) => t.incoming?.done).filter(Boolean);
    await Promise.all(pending);
  }

  dropIncoming(tile) {
    const incoming = tile.incoming;
    if (!incoming) return;
    tile.incoming = null;
    clearTimeout(incoming.timer);
    incoming.video.srcObject = null;
    incoming.video.remove();
    incoming.resolve();
  }

  /** A tile without live video shows the initials instead of a black frame. */
  markVideo(tile, stream) {
    const live = !!stream?.getVideoTracks().some((t) => t.readyState === 'live');
    tile.el.classList.toggle('no-video', !live);
  }

  setMuted(key, audioMuted, videoMuted) {
    const tile = this.tiles.get(key);
    if (!tile) return;
    const parts = [];
    if (audioMuted) parts.push('mic off');
    if (videoMuted) parts.push('camera off');
    tile.muted.textContent = parts.join(', ');
    tile.el.classList.toggle('camera-off', !!videoMuted);
    tile.el.classList.toggle('mic-off', !!audioMuted);
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
    this.dropIncoming(tile);
    tile.video.srcObject = null;
    tile.el.remove();
    this.tiles.delete(key);
  }

  /** A toggle button of the bar: aria-pressed, its visible label and its icon's crossed-out form. */
  setPressed(id, pressed, label, off) {
    setToggle(document.getElementById(id), { pressed, label, off });
  }
}
