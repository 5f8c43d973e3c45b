// Our own tracks on the wire: announces each one once per session (track-published/-unpublished, mute), and puts the
// current microphone, camera and screen into the senders of both connections (P2P and server) with replaceTrack,
// so camera off/on and device switches need no renegotiation. The tracks themselves belong to media.js.

import { combinedErrorText } from './media.js';

export class Publisher {
  /**
   * @param {{media: import('./media.js').LocalMedia, signaling: any, sfu: any, p2p: () => any, joined: () => boolean,
   *          renderSelf: () => void, showTile: (stream: MediaStream|null) => void, changed: () => void, showError: (text: string) => void}} o
   */
  constructor(o) {
    this.o = o;
    this.media = o.media;
    this.published = new Set();
    this.media.onTracks = () => this.applyLocalTracks();
  }

  /** A new session (join or rejoin): everything is announced again. */
  restart() {
    this.published = new Set();
    this.publish();
  }

  static trackId(stream, track) {
    return `${stream.id}:${track.kind}`;
  }

  /** Our tracks changed (camera on/off, device switch, screen): swap them in the senders of both connections. */
  async applyLocalTracks() {
    const { stream, mic, camera, screen, screenStream } = this.media;
    const p2p = this.o.p2p();
    if (p2p) {
      await p2p.setTrack('mic', mic, stream);
      await p2p.setTrack('camera', camera, stream);
      if (screen) await p2p.setTrack('screen', screen, screenStream);
    }
    await this.o.sfu.refreshTracks();
    this.publish(); // a kind that appears for the first time is announced (the server then offers it a slot)
    this.o.renderSelf();
  }

  /** Announces each local track once per session. */
  publish() {
    if (!this.o.joined()) return;
    const { stream, mic, camera, screen, screenStream } = this.media;
    const announce = (s, t, kind, source) => {
      const id = Publisher.trackId(s, t);
      if (this.published.has(id)) return;
      this.published.add(id);
      this.o.signaling.send({ type: 'track-published', track: { id, kind, source } });
    };
    if (mic) announce(stream, mic, 'audio', 'microphone');
    if (camera) announce(stream, camera, 'video', 'camera');
    if (screen) announce(screenStream, screen, 'video', 'screen');
  }

  async setMicMuted(muted) {
    const on = await this.media.setMicMuted(muted);
    this.o.signaling.send({ type: 'mute', kind: 'audio', muted: !on });
    this.o.changed();
    return on;
  }

  /** Off stops the camera (its light goes out); on acquires it again and puts it in both connections' senders. */
  async setCameraOn(on) {
    const result = await this.media.setCameraOn(on);
    this.o.signaling.send({ type: 'mute', kind: 'video', muted: !result });
    if (on && !result) this.o.showError(combinedErrorText({ video: this.media.errors.video }));
    this.o.changed();
    return result;
  }

  async startScreenShare() {
    const track = await this.media.startScreen();
    if (!track) return false;
    track.addEventListener('ended', () => this.stopScreenShare());
    await this.applyLocalTracks();
    this.o.showTile(this.media.screenStream);
    this.o.changed();
    return true;
  }

  async stopScreenShare() {
    if (!this.media.screen) return;
    const { screen, screenStream } = this.media.stopScreen();
    this.o.p2p()?.removeSlot('screen');
    await this.o.sfu.refreshTracks();
    const id = Publisher.trackId(screenStream, screen);
    this.published.delete(id);
    this.o.signaling.send({ type: 'track-unpublished', track: { id } });
    this.o.showTile(null);
    this.o.changed();
  }
}
