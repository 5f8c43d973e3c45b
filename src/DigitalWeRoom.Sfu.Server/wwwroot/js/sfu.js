// The participant's one connection to the server (SFU path). The server always offers; this page
// answers. Server m-lines that are recvonly (the server receives) are publish slots: the page
// answers them sendonly with its own tracks (first audio: microphone, first video: camera,
// second video: screen). Server m-lines that are sendonly carry other participants' tracks; their
// msid stream id is "<participantId>" (camera, microphone) or "<participantId>-screen".
// While the room is peer-to-peer the connection stays up and the page pauses its senders.
// Simulcast (camera slot answered with several rids) and dynacast: simulcast.js.

import { configureEncodings, msidTracks } from './simulcast.js';
import { Timeline } from './timeline.js';

export class SfuLink {
  /**
   * @param {{signaling: any, iceServers?: () => RTCIceServer[], localTracks: () => {mic?: MediaStreamTrack, camera?: MediaStreamTrack, screen?: MediaStreamTrack},
   *          onTrack: (track: MediaStreamTrack, streamId: string) => void, onState?: (s: string) => void}} o
   */
  constructor(o) {
    this.signaling = o.signaling;
    this.localTracks = o.localTracks;
    this.onTrack = o.onTrack;
    this.onState = o.onState;
    this.iceServers = o.iceServers ?? (() => []);
    this.pc = null;
    this.paused = false;
    this.slots = new Map(); // transceiver -> 'mic' | 'camera' | 'screen'
    this.queue = Promise.resolve();
    this.lastRestartAt = -Infinity;
    this.restartTimer = null;
    this.iceRestarts = 0;
    this.msid = new Map(); // mid -> server track id (a=msid of the last offer)
    this.serverTracks = new Map(); // receiver track id -> server track id
    this.activeRids = new Map(); // server track id of our camera -> Set of rids to encode (dynacast)
    this.onAnswered = null;
  }

  /**
   * The network changed (ICE disconnected or failed): ask the server for an ICE restart (RFC 8445 §9). The server
   * answers with a new offer carrying new ice-ufrag/ice-pwd; answering it restarts ICE on the current network.
   * At most one request per 5.5 s (the server allows 5 per minute, 5 s apart); while still disconnected it asks again.
   */
  requestIceRestart() {
    const pc = this.pc;
    if (!pc || this.restartTimer !== null) return;
    const wait = Math.max(0, this.lastRestartAt + 5500 - performance.now());
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.pc !== pc || !['disconnected', 'failed'].includes(pc.iceConnectionState)) return;
      this.lastRestartAt = performance.now();
      this.iceRestarts++;
      this.signaling.send({ type: 'ice-restart' });
      this.requestIceRestart();
    }, wait);
  }

  ensurePc() {
    if (this.pc) return this.pc;
    // The server is ICE-lite and puts its UDP and ICE-TCP candidates in its offer; the joined message's TURN servers
    // give a relayed path where neither is reachable (the browser prefers UDP, then TCP, then TURN by priority).
    // NOTE: no iceCandidatePoolSize (pre-gathering the TURN allocation at joined): with it the TURN/TLS meeting test's
    // 2→3 switch gap went over its 1 s bound in 3 of 4 runs, without it in none of 3 (docs/benchmarks.md).
    const pc = new RTCPeerConnection({ iceServers: this.iceServers(), bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
    pc.ontrack = (e) => {
      const serverTrackId = this.msid.get(e.transceiver?.mid);
      if (serverTrackId) this.serverTracks.set(e.track.id, serverTrackId);
      this.onTrack(e.track, e.streams[0]?.id ?? '');
    };
    pc.onconnectionstatechange = () => {
      Timeline.mark(`sfu-${pc.connectionState}`); // 'sfu-connected': ICE and DTLS done
      this.onState?.(pc.connectionState);
    };
    // A relayed candidate is gathered once the TURN allocation succeeded (TLS, Allocate, RFC 8656 §7).
    pc.onicecandidate = (e) => { if (e.candidate?.type === 'relay') Timeline.mark('sfu-relay-gathered'); };
    pc.oniceconnectionstatechange = () => {
      Timeline.mark(`sfu-ice-${pc.iceConnectionState}`);
      if (pc.iceConnectionState === 'disconnected' || pc.iceConnectionState === 'failed') this.requestIceRestart();
    };
    this.pc = pc;
    return pc;
  }

  /** Offers are handled one at a time, in order. */
  handleOffer(sdp) {
    this.queue = this.queue.then(() => this.answer(sdp)).catch((err) => {
      console.warn('dwr sfu: could not answer the server offer', err);
    });
    return this.queue;
  }

  async answer(sdp) {
    Timeline.mark('sfu-offer');
    const pc = this.ensurePc();
    this.msid = msidTracks(sdp);
    await pc.setRemoteDescription({ type: 'offer', sdp });
    const directions = offerDirections(sdp);
    let videoSlots = 0;
    let audioSlots = 0;
    for (const t of pc.getTransceivers()) {
      if (t.mid === null || t.stopped) continue;
      if (directions.get(t.mid) !== 'recvonly') continue;
      const kind = t.receiver.track.kind;
      if (!this.slots.has(t)) {
        const slot = kind === 'audio' ? (audioSlots === 0 ? 'mic' : null) : (videoSlots === 0 ? 'camera' : videoSlots === 1 ? 'screen' : null);
        if (slot) this.slots.set(t, slot);
      }
      if (kind === 'audio') audioSlots++; else videoSlots++;
      if (this.slots.has(t)) {
        t.direction = 'sendonly';
        await t.sender.replaceTrack(this.trackFor(this.slots.get(t)));
      }
    }
    await pc.setLocalDescription(await pc.createAnswer());
    this.signaling.send({ type: 'answer', target: 'server', sdp: pc.localDescription.sdp });
    Timeline.mark('sfu-answer');
    for (const t of pc.getTransceivers()) {
      const serverTrackId = this.msid.get(t.mid);
      if (serverTrackId && !this.serverTracks.has(t.receiver.track.id)) this.serverTracks.set(t.receiver.track.id, serverTrackId);
    }
    await this.configureSimulcast();
    this.onAnswered?.();
  }

  /** Camera slots: layer sizes/bitrates, and the rids the server asked for (dynacast). */
  async configureSimulcast() {
    for (const [t, slot] of this.slots) {
      if (slot !== 'camera' || t.stopped || t.mid === null) continue;
      const active = [...this.activeRids.entries()].find(([id]) => id.endsWith(`-${t.mid}`))?.[1] ?? null;
      await configureEncodings(t.sender, active).catch((err) => console.warn('dwr sfu: simulcast parameters', err));
    }
  }

  /** Dynacast `layers` message: encode only `rids` of our track `trackId` ("<participantId>-<mid>"). */
  setActiveLayers(trackId, rids) {
    this.activeRids.set(trackId, new Set(rids));
    this.queue = this.queue.then(() => this.configureSimulcast());
    return this.queue;
  }

  /** The server's id of a remote track received on this connection (for video-size), or undefined. */
  serverTrackIdOf(receiverTrackId) {
    return this.serverTracks.get(receiverTrackId);
  }

  trackFor(slot) {
    if (this.paused) return null;
    return this.localTracks()[slot] ?? null;
  }

  async handleCandidate(candidate) {
    if (!this.pc?.remoteDescription) return;
    try { await this.pc.addIceCandidate(candidate); } catch (err) { console.warn('dwr sfu: bad candidate', err); }
  }

  /** Local tracks changed (mute, camera off, screen share): update the publish slots. */
  async refreshTracks() {
    for (const [t, slot] of this.slots) {
      if (!t.stopped) await t.sender.replaceTrack(this.trackFor(slot)).catch(() => {});
    }
  }

  /** Peer-to-peer mode: keep the connection, stop sending to the server. */
  async setPaused(paused) {
    if (this.paused === paused) return;
    this.paused = paused;
    await this.refreshTracks();
  }

  close() {
    this.pc?.close();
    this.pc = null;
  }

  /** The server session is gone (signaling reconnect): the next offer starts a new connection. */
  reset() {
    clearTimeout(this.restartTimer);
    this.restartTimer = null;
    this.close();
    this.slots = new Map();
    this.paused = false;
    this.queue = Promise.resolve();
  }
}

/** mid -> direction of each m-line of an offer (RFC 8866 §6.7, RFC 8843 a=mid). */
export function offerDirections(sdp) {
  const result = new Map();
  for (const section of sdp.split(/\r?\nm=/).slice(1)) {
    const mid = /\r?\na=mid:(\S+)/.exec(section)?.[1];
    const dir = /\r?\na=(sendrecv|sendonly|recvonly|inactive)\b/.exec(section)?.[1] ?? 'sendrecv';
    if (mid !== undefined) result.set(mid, dir);
  }
  return result;
}
