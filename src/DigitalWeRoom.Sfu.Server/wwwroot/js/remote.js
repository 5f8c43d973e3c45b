// The other participants' media, per participant and per path: the P2P connection's tracks and the server
// connection's tracks are both kept while the room switches, and mode.js's make-before-break rule picks which one a
// tile shows. Owns only this bookkeeping; the meeting (meeting.js) owns the participants.

import { pickStream } from './mode.js';

function alive(stream) {
  return stream?.getTracks().some((t) => t.readyState === 'live') ? stream : null;
}

export class RemoteMedia {
  constructor() {
    this.byParticipant = new Map(); // id -> {p2p: {camera, screen}, sfu: {camera, screen}} of MediaStream
    this.owners = new Map(); // receiver track id -> {participantId, source, path}
    this.sfuReady = new Set(); // participants whose server-path video is decoding (make before break)
    this.onChange = null; // (participantId) => void
  }

  of(id) {
    let r = this.byParticipant.get(id);
    if (!r) {
      r = { p2p: {}, sfu: {} };
      this.byParticipant.set(id, r);
    }
    return r;
  }

  /**
   * A track arrived on `path`. P2P: the peer's camera/mic stream or its screen stream (told apart by the peer's
   * published screen track ids). Server: stream ids "<participantId>" (camera, microphone) or "<participantId>-screen".
   */
  add(path, track, streamId, p2pPeer) {
    let participantId;
    let source;
    if (path === 'p2p') {
      participantId = p2pPeer?.id;
      source = p2pPeer?.tracks?.some((t) => t.source === 'screen' && t.id.startsWith(`${streamId}:`)) ? 'screen' : 'camera';
    } else {
      const [id, tag] = streamId.split('-');
      participantId = id;
      source = tag === 'screen' ? 'screen' : 'camera';
    }
    if (!participantId) return;
    const slot = this.of(participantId)[path];
    const stream = (slot[source] ??= new MediaStream());
    for (const t of stream.getTracks()) if (t.kind === track.kind) stream.removeTrack(t);
    stream.addTrack(track);
    this.owners.set(track.id, { participantId, source, path });
    const changed = () => this.onChange?.(participantId);
    track.addEventListener('unmute', changed);
    track.addEventListener('mute', changed);
    track.addEventListener('ended', changed);
    changed();
  }

  /** The stream a tile of `source` should show now. */
  pick(id, source, mode) {
    const r = this.of(id);
    return pickStream(mode, alive(r.p2p[source]), alive(r.sfu[source]), this.sfuReady.has(id));
  }

  dropScreen(id) {
    const r = this.of(id);
    delete r.p2p.screen;
    delete r.sfu.screen;
  }

  forgetPath(path) {
    for (const [trackId, owner] of this.owners) if (owner.path === path) this.owners.delete(trackId);
    for (const r of this.byParticipant.values()) r[path] = {};
  }

  forget(id) {
    this.byParticipant.delete(id);
    this.sfuReady.delete(id);
  }

  clear() {
    this.byParticipant.clear();
    this.owners.clear();
    this.sfuReady.clear();
  }
}
