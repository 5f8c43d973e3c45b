// The direct browser-to-browser connection of a two-person room.
// The server picks the initiator (lower participant id), which makes the first offer; later
// renegotiations (screen share) use "perfect negotiation" with the non-initiator as polite peer.

import { Timeline } from './timeline.js';

export class P2PLink {
  /**
   * @param {{peerId: string, initiator: boolean, iceServers: RTCIceServer[], signaling: any,
   *          onTrack: (track: MediaStreamTrack, streamId: string) => void,
   *          onState: (state: string) => void}} o
   */
  constructor(o) {
    this.peerId = o.peerId;
    this.initiator = o.initiator;
    this.polite = !o.initiator;
    this.signaling = o.signaling;
    this.onTrack = o.onTrack;
    this.onState = o.onState;
    this.makingOffer = false;
    this.ignoreOffer = false;
    // The non-initiator waits for the first offer before it may offer itself (no glare).
    this.started = o.initiator;
    this.pendingCandidates = [];
    this.reported = false;
    this.closed = false;
    this.senders = new Map();

    const pc = new RTCPeerConnection({ iceServers: o.iceServers ?? [], bundlePolicy: 'max-bundle' });
    this.pc = pc;
    pc.onnegotiationneeded = () => this.negotiate();
    pc.onicecandidate = (e) => {
      if (e.candidate) this.send({ type: 'candidate', candidate: e.candidate.toJSON() });
    };
    pc.ontrack = (e) => this.onTrack(e.track, e.streams[0]?.id ?? '');
    pc.onconnectionstatechange = () => {
      const s = pc.connectionState;
      Timeline.mark(`p2p-${s}`);
      if (s === 'connected' && !this.reported) {
        this.reported = true;
        this.reportWhenDecoding();
      } else if (s === 'failed' && !this.closed) {
        this.signaling.send({ type: 'p2p-failed', target: this.peerId, reason: 'ice failed' });
      }
      this.onState?.(s);
    };
  }

  send(msg) {
    this.signaling.send({ ...msg, target: this.peerId });
  }

  /**
   * Make before break: tell the server "connected" only once the peer's video decodes here (a few
   * frames), so the swap from the server's tracks never shows a frozen tile. Without remote video
   * (camera off or absent) it reports after 3 s at most.
   */
  async reportWhenDecoding() {
    const deadline = Date.now() + 3000;
    while (!this.closed && Date.now() < deadline) {
      let frames = 0;
      const report = await this.pc.getStats();
      report.forEach((st) => { if (st.type === 'inbound-rtp' && st.kind === 'video') frames += st.framesDecoded ?? 0; });
      if (frames >= 5) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (!this.closed) this.signaling.send({ type: 'p2p-connected', target: this.peerId });
  }

  /**
   * Puts `track` in the sender of `slot` ('mic', 'camera', 'screen'): replaceTrack when the slot has a sender (no
   * renegotiation; null sends nothing, e.g. camera off), addTrack for a slot's first track.
   */
  async setTrack(slot, track, stream) {
    if (this.closed) return;
    const sender = this.senders.get(slot);
    if (sender) {
      if (sender.track !== track) await sender.replaceTrack(track).catch((err) => console.warn('dwr p2p: replaceTrack', err));
    } else if (track) {
      this.senders.set(slot, this.pc.addTrack(track, stream));
    }
  }

  /** Removes the slot's sender (screen share ended): the peer's track ends after the renegotiation. */
  removeSlot(slot) {
    const sender = this.senders.get(slot);
    if (!sender || this.closed) return;
    this.senders.delete(slot);
    this.pc.removeTrack(sender);
  }

  async negotiate() {
    if (!this.started || this.closed) return;
    try {
      this.makingOffer = true;
      await this.pc.setLocalDescription();
      this.send({ type: this.pc.localDescription.type, sdp: this.pc.localDescription.sdp });
    } catch (err) {
      console.warn('dwr p2p: offer failed', err);
    } finally {
      this.makingOffer = false;
    }
  }

  async handleDescription(type, sdp) {
    if (this.closed) return;
    const pc = this.pc;
    const collision = type === 'offer' && (this.makingOffer || pc.signalingState !== 'stable');
    this.ignoreOffer = !this.polite && collision;
    if (this.ignoreOffer) return;
    await pc.setRemoteDescription({ type, sdp });
    if (type === 'offer') {
      await pc.setLocalDescription();
      this.send({ type: 'answer', sdp: pc.localDescription.sdp });
      this.started = true;
    }
    for (const c of this.pendingCandidates.splice(0)) await this.addCandidate(c);
  }

  async handleCandidate(candidate) {
    if (this.closed) return;
    if (!this.pc.remoteDescription) {
      this.pendingCandidates.push(candidate);
      return;
    }
    await this.addCandidate(candidate);
  }

  async addCandidate(candidate) {
    try {
      await this.pc.addIceCandidate(candidate);
    } catch (err) {
      if (!this.ignoreOffer) console.warn('dwr p2p: bad candidate', err);
    }
  }

  close() {
    if (this.closed) return;
    this.closed = true;
    this.pc.close();
  }
}
