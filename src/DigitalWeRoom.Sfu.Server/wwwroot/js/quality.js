// Per-tile connection quality from getStats, every 2 s (issue #4 item 7). Remote tiles: inbound packet loss %
// over the interval, new freezes (freezeCount) and jitter of the participant's inbound streams. Own tile: the
// camera sender's qualityLimitationReason and the round-trip time the far end reports (remote-inbound-rtp).
// Each tile gets data-quality good|fair|poor and a small dot whose title says why.

import { pathNote } from './mode.js';

const POLL_MS = 2000;

/** Thresholds: poor/fair. Loss in %, jitter and RTT in seconds. */
const LIMITS = { lossPoor: 5, lossFair: 2, jitterPoor: 0.1, jitterFair: 0.05, rttPoor: 0.4, rttFair: 0.2 };

export function classify({ lossPercent = 0, newFreezes = 0, jitter = 0, rtt = 0, limitation = 'none' }) {
  const why = [];
  let level = 0;
  const raise = (l, text) => { level = Math.max(level, l); why.push(text); };
  if (lossPercent >= LIMITS.lossPoor) raise(2, `${lossPercent.toFixed(1)} % loss`);
  else if (lossPercent >= LIMITS.lossFair) raise(1, `${lossPercent.toFixed(1)} % loss`);
  if (newFreezes > 0) raise(2, `${newFreezes} freeze${newFreezes > 1 ? 's' : ''}`);
  if (jitter >= LIMITS.jitterPoor) raise(2, `jitter ${(jitter * 1000).toFixed(0)} ms`);
  else if (jitter >= LIMITS.jitterFair) raise(1, `jitter ${(jitter * 1000).toFixed(0)} ms`);
  if (rtt >= LIMITS.rttPoor) raise(2, `RTT ${(rtt * 1000).toFixed(0)} ms`);
  else if (rtt >= LIMITS.rttFair) raise(1, `RTT ${(rtt * 1000).toFixed(0)} ms`);
  if (limitation === 'bandwidth') raise(2, 'limited by bandwidth');
  else if (limitation === 'cpu') raise(1, 'limited by CPU');
  return { quality: ['good', 'fair', 'poor'][level], why: why.join(', ') || 'good connection' };
}

export class QualityMonitor {
  /**
   * @param {{ui: any, pcs: () => RTCPeerConnection[], active: () => RTCPeerConnection|null|undefined,
   *   ownerOf: (trackId: string) => ({participantId: string}|undefined)}} o  active: the connection whose path the header notes
   */
  constructor(o) {
    this.ui = o.ui;
    this.pcs = o.pcs;
    this.active = o.active;
    this.ownerOf = o.ownerOf;
    this.previous = new Map(); // stats id -> {packetsReceived, packetsLost, freezeCount}
    this.results = {}; // tile key -> {quality, why, lossPercent, newFreezes, jitter, rtt, limitation}
    this.timer = setInterval(() => this.poll().catch(() => {}), POLL_MS);
  }

  async poll() {
    const per = new Map(); // tile key -> accumulated inputs
    const entry = (key) => {
      let e = per.get(key);
      if (!e) per.set(key, (e = { received: 0, lost: 0, newFreezes: 0, jitter: 0, rtt: 0, limitation: 'none' }));
      return e;
    };
    const active = this.active?.();
    let note = '';
    for (const pc of this.pcs()) {
      if (!pc || pc.connectionState === 'closed') continue;
      const report = await pc.getStats();
      if (pc === active) note = pathNote(report);
      report.forEach((s) => {
        if (s.type === 'inbound-rtp') {
          const owner = this.ownerOf(s.trackIdentifier);
          if (!owner) return;
          const before = this.previous.get(s.id) ?? { packetsReceived: s.packetsReceived ?? 0, packetsLost: s.packetsLost ?? 0, freezeCount: s.freezeCount ?? 0 };
          this.previous.set(s.id, { packetsReceived: s.packetsReceived ?? 0, packetsLost: s.packetsLost ?? 0, freezeCount: s.freezeCount ?? 0 });
          const e = entry(owner.participantId);
          e.received += Math.max(0, (s.packetsReceived ?? 0) - before.packetsReceived);
          e.lost += Math.max(0, (s.packetsLost ?? 0) - before.packetsLost);
          e.newFreezes += Math.max(0, (s.freezeCount ?? 0) - before.freezeCount);
          e.jitter = Math.max(e.jitter, s.jitter ?? 0);
        } else if (s.type === 'outbound-rtp' && s.kind === 'video' && s.qualityLimitationReason) {
          const e = entry('self');
          if (s.qualityLimitationReason !== 'none') e.limitation = s.qualityLimitationReason;
        } else if (s.type === 'remote-inbound-rtp' && typeof s.roundTripTime === 'number') {
          const e = entry('self');
          e.rtt = Math.max(e.rtt, s.roundTripTime);
        }
      });
    }
    this.ui.setPathNote(note);
    const results = {};
    for (const [key, e] of per) {
      const lossPercent = e.received + e.lost > 0 ? (100 * e.lost) / (e.received + e.lost) : 0;
      const inputs = { lossPercent, newFreezes: e.newFreezes, jitter: e.jitter, rtt: e.rtt, limitation: e.limitation };
      results[key] = { ...inputs, ...classify(inputs) };
      this.show(key, results[key]);
    }
    this.results = results;
  }

  show(key, result) {
    const tile = this.ui.tiles.get(key);
    if (!tile) return;
    tile.el.dataset.quality = result.quality;
    let dot = tile.el.querySelector('.quality');
    if (!dot) {
      dot = document.createElement('span');
      dot.className = 'quality';
      dot.setAttribute('role', 'img');
      tile.el.append(dot);
    }
    dot.title = result.why;
    dot.setAttribute('aria-label', `connection ${result.quality}: ${result.why}`);
  }
}
