// The meeting: the one owner of the call's state (participants, mode, connections). Other modules get narrow
// callbacks: media.js (own tracks), remote.js (others' tracks), mode.js (path rules), ui.js (tiles), layout.js,
// panels.js, controls.js. Protocol: docs/signaling.md.

import { Signaling, signalingUrl } from './signaling.js';
import { Reconnector, RETRY_ERRORS, TERMINAL_ERRORS } from './reconnect.js';
import { P2PLink } from './p2p.js';
import { SfuLink } from './sfu.js';
import { RemoteMedia } from './remote.js';
import { RoomMode, closeP2PWhenServerFlows, pathStats } from './mode.js';
import { combinedErrorText, videoCodecs } from './media.js';
import { ERROR_TEXT } from './errors.js';
import { Publisher } from './publisher.js';
import { followClusterRedirects } from './cluster.js';
import { handleRosterMessages, isValidName } from './roster-signals.js';
import { Timeline } from './timeline.js';

export class Meeting {
  /**
   * @param {{room: string, name: string, token: string|null, media: import('./media.js').LocalMedia, ui: any,
   *          allowP2p: boolean, codecs?: string[]}} o
   */
  constructor(o) {
    this.room = o.room;
    this.name = o.name;
    this.token = o.token;
    this.media = o.media;
    this.ui = o.ui;
    this.allowP2p = o.allowP2p;
    this.codecs = o.codecs;
    this.selfId = null;
    this.mode = RoomMode.Connecting;
    this.participants = new Map(); // id -> {id, name, tracks, audioMuted, videoMuted, handRaised}
    this.iceServers = [];
    this.handRaised = false;
    this.p2p = null;
    this.remote = new RemoteMedia();
    this.errors = [];
    this.events = []; // [ms, text] diagnostics (mode changes, tile swaps)
    this.left = false;
    this.terminal = false; // the server said not to come back: no automatic reconnect
    this.sfuConnectedAt = null;
    this.listeners = new Map(); // event name -> Set of handlers (layout, panels, embedding API)
    this.ui.log = (text) => this.log(text);

    this.signaling = new Signaling(signalingUrl());
    this.reconnector = new Reconnector({
      connect: () => this.signaling.connect(),
      onConnected: () => this.sendJoin(),
      onWaiting: (ms, attempt) => {
        this.log(`reconnect ${attempt} in ${Math.round(ms)} ms`);
        this.emit('reconnecting', { attempt });
      },
    });
    // Cluster: a join answered with `redirect` joins again at the node that serves the room (cluster.js).
    followClusterRedirects(this.signaling, () => this.sendJoin());
    this.sfu = new SfuLink({
      signaling: this.signaling,
      iceServers: () => this.iceServers,
      localTracks: () => ({ mic: this.media.mic, camera: this.media.camera, screen: this.media.screen }),
      onTrack: (track, streamId) => this.remote.add('sfu', track, streamId),
      onState: (s) => { if (s === 'connected') this.sfuConnectedAt ??= performance.now(); },
    });
    this.remote.onChange = (id) => this.render(id);
    this.publisher = new Publisher({
      media: this.media,
      signaling: this.signaling,
      sfu: this.sfu,
      p2p: () => this.p2p,
      joined: () => this.selfId !== null,
      renderSelf: () => this.renderSelf(),
      showTile: (stream) => {
        if (stream) {
          this.ui.ensureTile('self:screen', this.name, { local: true, screen: true });
          this.ui.setStream('self:screen', stream);
        } else {
          this.ui.removeTile('self:screen');
        }
      },
      changed: () => this.emit('self', {}),
      showError: (text) => this.ui.showError(text),
    });
    this.handlers();
  }

  log(text) {
    this.events.push([Math.round(performance.now()), text]);
    if (this.events.length > 500) this.events.shift();
  }

  on(event, handler) {
    if (!this.listeners.has(event)) this.listeners.set(event, new Set());
    this.listeners.get(event).add(handler);
    return this;
  }

  emit(event, data) {
    for (const h of this.listeners.get(event) ?? []) {
      try { h(data); } catch (err) { console.error('dwr: listener for', event, 'failed', err); }
    }
  }

  /** Everybody in the call as the people panel shows them, us first. */
  people() {
    const self = { id: this.selfId ?? 'self', name: this.name, self: true, audioMuted: !this.media.micOn, videoMuted: !this.media.cameraOn, handRaised: this.handRaised };
    return [self, ...this.participants.values()];
  }

  ownerOf(trackId) {
    return this.remote.owners.get(trackId);
  }

  /** Per remote participant, what one path carries (frames, packets, selected pair). */
  pathStats(path) {
    return pathStats(path, path === 'p2p' ? this.p2p?.pc : this.sfu.pc, (id) => this.ownerOf(id));
  }

  // ---- Start and end ---------------------------------------------------------------------------

  async start() {
    this.ui.ensureTile('self', this.name, { local: true });
    this.renderSelf();
    const errors = { ...this.media.errors };
    if (errors.audio || errors.video) this.ui.showError(combinedErrorText(errors));
    try {
      await this.signaling.connect();
    } catch {
      this.setMode(RoomMode.Connecting);
      this.ui.showError('The meeting server cannot be reached. Retrying…');
      this.reconnector.schedule();
      return;
    }
    this.sendJoin();
  }

  sendJoin() {
    const codecs = this.codecs ?? videoCodecs();
    Timeline.mark('join-sent');
    this.signaling.send({ type: 'join', room: this.room, name: this.name, p2p: this.allowP2p, ...(codecs ? { codecs } : {}), ...(this.token ? { token: this.token } : {}) });
  }

  /** Ends the call here; <reason> is the server's error code when the server ended it (room-closed, removed, replaced). */
  leave(reason = null) {
    if (this.left) return;
    this.left = true;
    this.reconnector.stop();
    this.signaling.send({ type: 'leave' });
    this.signaling.close();
    this.closeP2P();
    this.sfu.close();
    this.media.stopAll();
    for (const key of [...this.ui.tiles.keys()]) this.ui.removeTile(key);
    this.setMode(RoomMode.Left);
    this.emit('left', { reason });
  }

  setMode(mode) {
    Timeline.mark(`mode-${mode}`);
    this.log(`mode ${mode}`);
    this.mode = mode;
    this.ui.setMode(mode);
    this.emit('mode', { mode });
  }

  // ---- Tiles -----------------------------------------------------------------------------------

  render(id) {
    const p = this.participants.get(id);
    if (!p) return;
    this.ui.ensureTile(id, p.name);
    this.ui.setStream(id, this.remote.pick(id, 'camera', this.mode));
    this.ui.setMuted(id, p.audioMuted, p.videoMuted);
    this.ui.setHand(id, p.handRaised);
    const screen = p.tracks?.some((t) => t.source === 'screen') ? this.remote.pick(id, 'screen', this.mode) : null;
    if (screen) {
      this.ui.ensureTile(`${id}:screen`, p.name, { screen: true });
      this.ui.setStream(`${id}:screen`, screen);
    } else {
      this.ui.removeTile(`${id}:screen`);
    }
  }

  renderSelf() {
    this.ui.setStream('self', this.media.stream);
    this.ui.setMuted('self', !this.media.micOn, !this.media.cameraOn);
    this.ui.setHand('self', this.handRaised);
  }

  renderAll() {
    for (const id of this.participants.keys()) this.render(id);
    this.ui.setCount(this.participants.size + 1);
    this.emit('people', {});
  }

  // ---- Peer-to-peer ----------------------------------------------------------------------------

  startP2P(peerId, initiator) {
    if (this.p2p?.peerId === peerId && !this.p2p.closed) return;
    this.closeP2P();
    this.p2p = new P2PLink({
      peerId,
      initiator,
      iceServers: this.iceServers,
      signaling: this.signaling,
      onTrack: (track, streamId) => this.remote.add('p2p', track, streamId, this.participants.get(peerId)),
    });
    this.publisher.applyLocalTracks();
  }

  closeP2P() {
    const link = this.p2p;
    if (!link) return;
    this.log('close p2p');
    this.p2p = null;
    link.close();
    this.remote.forgetPath('p2p');
    this.renderAll();
  }

  setMicMuted(muted) { return this.publisher.setMicMuted(muted); }

  setCameraOn(on) { return this.publisher.setCameraOn(on); }

  startScreenShare() { return this.publisher.startScreenShare(); }

  stopScreenShare() { return this.publisher.stopScreenShare(); }

  setHand(raised) {
    this.handRaised = raised;
    this.signaling.send({ type: 'raise-hand', raised });
    this.renderSelf();
    this.emit('people', {});
  }

  /** Room admin (token grant): mute or remove another participant through the operator actions. */
  moderate(action, participantId) {
    this.signaling.send({ type: 'moderate', action, target: participantId });
  }

  sendChat(text) {
    this.signaling.send({ type: 'chat', text });
  }

  /**
   * Asks the server to rename us (docs/signaling.md `set-name`): the name changes here when the server's broadcast
   * comes back, so every page shows the name the server holds. False when the name is not 1-64 printable characters.
   */
  setName(name) {
    const wanted = String(name ?? '').trim();
    if (!isValidName(wanted)) return false;
    if (wanted !== this.name) this.signaling.send({ type: 'set-name', name: wanted });
    return true;
  }

  /** A participant's name changed (set-name from the server): tiles, panel, and our own name for a rejoin. */
  renamed(id, name) {
    const self = id === this.selfId;
    const p = self ? null : this.participants.get(id);
    if (!self && !p) return;
    if (self) this.name = name; else p.name = name;
    const key = self ? 'self' : id;
    this.ui.setName(key, name);
    this.ui.setName(`${key}:screen`, name);
    this.emit(self ? 'self' : 'people', {});
    this.emit('renamed', { id, name, self });
  }

  // ---- Signaling -------------------------------------------------------------------------------

  handlers() {
    const s = this.signaling;
    handleRosterMessages(s, this);
    s.on('joined', (m) => this.onJoined(m))
      .on('ice-servers', (m) => {
        // Fresh TURN credentials before the old ones expire (docs/signaling.md): the next gathering of either
        // connection (ICE restart, a new peer-to-peer connection) uses them (W3C webrtc-pc setConfiguration).
        this.iceServers = m.iceServers ?? [];
        for (const pc of [this.sfu.pc, this.p2p?.pc]) {
          if (pc && pc.signalingState !== 'closed') pc.setConfiguration({ ...pc.getConfiguration(), iceServers: this.iceServers });
        }
      })
      .on('mode', (m) => this.onMode(m))
      .on('offer', (m) => (m.from === 'server' ? this.sfu.handleOffer(m.sdp) : this.p2p?.peerId === m.from && this.p2p.handleDescription('offer', m.sdp)))
      .on('answer', (m) => (m.from !== 'server' && this.p2p?.peerId === m.from ? this.p2p.handleDescription('answer', m.sdp) : undefined))
      .on('candidate', (m) => (m.from === 'server' ? this.sfu.handleCandidate(m.candidate) : this.p2p?.peerId === m.from && this.p2p.handleCandidate(m.candidate)))
      .on('layers', (m) => this.sfu.setActiveLayers(m.trackId, m.active ?? []))
      .on('error', (m) => this.onError(m))
      .on('pong', () => {})
      .on('draining', (m) => {
        this.log('server draining');
        // Stays up until the call is moved (the rejoin) or ends: the call itself goes on meanwhile.
        this.emit('notice', { text: 'This server is restarting for maintenance. Your call goes on; you will be moved automatically in a moment.', reason: m.reason, sticky: true });
      })
      .on('_closed', () => {
        if (this.left) return;
        if (this.terminal) {
          this.ui.showError('Disconnected from the meeting server.');
          this.leave();
          return;
        }
        this.suspendSession();
        this.reconnector.schedule();
      });
  }

  onJoined(m) {
    // A rejoin after a reconnect: the old session's tiles stayed up (frozen) until now.
    for (const id of this.participants.keys()) {
      this.ui.removeTile(id);
      this.ui.removeTile(`${id}:screen`);
    }
    this.participants.clear();
    this.remote.clear();
    Timeline.mark('joined');
    this.selfId = m.participantId;
    if (m.name) this.name = m.name;
    this.ui.setName('self', this.name);
    this.reconnector.succeeded();
    if (this.reconnector.reconnects > 0) this.ui.clearError();
    this.iceServers = m.iceServers ?? [];
    for (const p of m.participants ?? []) this.participants.set(p.id, p);
    this.setMode(m.mode);
    this.publisher.restart();
    if (!this.media.micOn) this.signaling.send({ type: 'mute', kind: 'audio', muted: true });
    if (!this.media.cameraOn) this.signaling.send({ type: 'mute', kind: 'video', muted: true });
    if (this.handRaised) this.signaling.send({ type: 'raise-hand', raised: true });
    this.renderAll();
    this.emit('joined', { id: this.selfId, name: this.name, reconnect: this.reconnector.reconnects > 0 });
  }

  async onMode(m) {
    if (m.mode === 'switching') {
      this.setMode(RoomMode.Switching);
      this.startP2P(m.peer, m.initiator === true);
    } else if (m.mode === 'p2p') {
      this.setMode(RoomMode.PeerToPeer);
      this.remote.sfuReady.clear();
      this.renderAll();
      await this.sfu.setPaused(true);
    } else {
      this.setMode(RoomMode.Sfu);
      await this.sfu.setPaused(false);
      this.renderAll();
      const link = this.p2p;
      if (!link) return;
      await closeP2PWhenServerFlows({
        link,
        stillCurrent: () => this.p2p === link && this.mode === RoomMode.Sfu,
        framesViaServer: async (peerId) => (await this.pathStats('sfu'))[peerId]?.videoFramesDecoded ?? 0,
        onServerReady: (peerId) => { this.remote.sfuReady.add(peerId); this.renderAll(); },
        swapsSettled: () => this.ui.swapsSettled(),
        close: () => this.closeP2P(),
      });
    }
  }

  onError(m) {
    this.errors.push({ code: m.code, reason: m.reason, id: m.id });
    if (this.errors.length > 50) this.errors.shift();
    this.emit('error', { code: m.code, reason: m.reason });
    if (m.code === 'removed' || m.code === 'room-closed' || m.code === 'replaced') {
      // Dismissed by the organiser (or this identity joined elsewhere): end the call here, no reconnect.
      this.terminal = true;
      this.leave(m.code);
      this.ui.showError(ERROR_TEXT[m.code]);
      return;
    }
    if (TERMINAL_ERRORS.has(m.code)) {
      this.terminal = true;
      this.reconnector.stop();
    } else if (RETRY_ERRORS.has(m.code) && !this.selfId && !this.left) {
      this.signaling.close(); // not joined (yet): try again later, maybe on a server that is back
      return;
    }
    if (m.code === 'unsupported-codec') this.ui.showError(`${ERROR_TEXT[m.code]} ${m.reason ?? ''}`);
    else if (ERROR_TEXT[m.code]) this.ui.showError(ERROR_TEXT[m.code]);
    else console.warn('dwr: server error', m.code, m.reason);
  }

  /** The signaling socket closed unexpectedly: keep the tiles (frozen, under a "reconnecting" overlay) until the rejoin. */
  suspendSession() {
    this.closeP2P();
    this.sfu.reset();
    this.selfId = null;
    this.setMode(RoomMode.Connecting);
    this.emit('reconnecting', { attempt: 0 });
  }
}
