// Simulcast on the server path (RFC 8853). The server offers a=rid:<rid> recv + a=simulcast:recv on the
// camera m-line, lowest layer first; the browser's answer makes one encoding per rid. This module sets
// each encoding's size (scaleResolutionDownBy 4/2/1 for three layers) and bitrate cap, follows the
// server's dynacast `layers` messages (encodings[i].active), and reports the device-pixel size of every
// remote video tile (`video-size`) so the server sends each video at the layer the tile needs.

/** maxBitrate (bit/s) per layer, lowest first, for a given number of layers. */
const LAYER_BITRATES = { 1: [1_500_000], 2: [500_000, 1_500_000], 3: [100_000, 500_000, 1_500_000], 4: [100_000, 250_000, 600_000, 1_500_000] };

/**
 * Sets size and bitrate of a simulcast sender's encodings (lowest first) and the active flag from
 * `activeRids` (null: all active). Does nothing for a single-encoding sender.
 * @param {RTCRtpSender} sender
 * @param {Set<string>|null} activeRids
 */
export async function configureEncodings(sender, activeRids) {
  const params = sender.getParameters();
  const encodings = params.encodings ?? [];
  if (encodings.length < 2 || !encodings.every((e) => e.rid)) return false;
  const n = encodings.length;
  const bitrates = LAYER_BITRATES[n] ?? encodings.map((_, i) => Math.round(1_500_000 / 3 ** (n - 1 - i)));
  let changed = false;
  encodings.forEach((e, i) => {
    const wanted = { scaleResolutionDownBy: 2 ** (n - 1 - i), maxBitrate: bitrates[i], active: activeRids ? activeRids.has(e.rid) : true };
    for (const [key, value] of Object.entries(wanted)) {
      if (e[key] !== value) { e[key] = value; changed = true; }
    }
  });
  // The server picks layers by size: under CPU load lower the frame rate, not the resolution, of each layer.
  if (params.degradationPreference !== 'maintain-resolution') { params.degradationPreference = 'maintain-resolution'; changed = true; }
  if (changed) await sender.setParameters(params);
  return true;
}

/** mid -> msid track id of each m-line of an SDP (RFC 8830 a=msid:<stream> <track>). */
export function msidTracks(sdp) {
  const result = new Map();
  for (const section of sdp.split(/\r?\nm=/).slice(1)) {
    const mid = /\r?\na=mid:(\S+)/.exec(section)?.[1];
    const track = /\r?\na=msid:\S+ (\S+)/.exec(section)?.[1];
    if (mid !== undefined && track !== undefined) result.set(mid, track);
  }
  return result;
}

/**
 * Watches the remote video tiles in `grid` (elements `.tile:not(.local) video`) with a ResizeObserver and sends
 * `video-size` {trackId, width, height} for the server track each shows, debounced, only when it changed.
 */
export class TileSizeReporter {
  /**
   * @param {HTMLElement} grid
   * @param {(msg: object) => void} send
   * @param {(receiverTrackId: string) => string|undefined} serverTrackId
   * @param {number} debounceMs
   */
  constructor(grid, send, serverTrackId, debounceMs = 250) {
    this.send = send;
    this.serverTrackId = serverTrackId;
    this.debounceMs = debounceMs;
    this.sent = new Map(); // server track id -> "w x h"
    this.timer = null;
    this.videos = new Set();
    this.resize = new ResizeObserver(() => this.schedule());
    const adopt = () => {
      for (const video of grid.querySelectorAll('.tile:not(.local) video')) {
        if (this.videos.has(video)) continue;
        this.videos.add(video);
        this.resize.observe(video);
        video.addEventListener('loadedmetadata', () => this.schedule());
      }
      for (const video of this.videos) if (!video.isConnected) { this.videos.delete(video); this.resize.unobserve(video); }
      this.schedule();
    };
    new MutationObserver(adopt).observe(grid, { childList: true, subtree: true });
    adopt();
  }

  schedule() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.report(), this.debounceMs);
  }

  /** Also called after each answered server offer: new tracks may now map to tiles. */
  report() {
    const dpr = window.devicePixelRatio || 1;
    for (const video of this.videos) {
      const track = video.srcObject?.getVideoTracks?.()[0];
      const trackId = track ? this.serverTrackId(track.id) : undefined;
      if (!trackId) continue;
      const width = Math.min(16384, Math.round(video.clientWidth * dpr));
      const height = Math.min(16384, Math.round(video.clientHeight * dpr));
      const key = `${width}x${height}`;
      if (this.sent.get(trackId) === key) continue;
      this.sent.set(trackId, key);
      this.send({ type: 'video-size', trackId, width, height });
    }
  }
}
