// Test hooks: served only when the server runs in its Testing environment (or with Sfu:Page:TestHooks=true), and
// loaded by room.js only when the page carries <meta name="dwr-test-hooks">. Never sent to users otherwise.
// URL switches (tests only): ?fakeScreen=1 (a canvas instead of getDisplayMedia), ?codecs=VP8,H264, ?camera=WxH,
// ?pageSize=N. `window.dwr` exposes the meeting's state and per-path stats to the interop tests.

import { UI } from '../ui.js';
import { Timeline } from '../timeline.js';
import { selectedCandidates } from '../mode.js';

/** Camera size and the fake screen, before any capture. */
export function configureMedia(media, params) {
  const m = /^(\d{2,4})x(\d{2,4})$/.exec(params.get('camera') ?? '');
  if (m) media.cameraSize = { width: { ideal: Number(m[1]) }, height: { ideal: Number(m[2]) } };
  if (params.get('fakeScreen') === '1') {
    media.displayMedia = async () => fakeScreenStream();
    media.displayMediaOverridden = true;
  }
}

export function codecs(params) {
  return params.get('codecs') ? params.get('codecs').split(',').filter((c) => c).slice(0, 16) : undefined;
}

export function pageSize(params) {
  return Number(params.get('pageSize')) || null;
}

/** A canvas stands in for getDisplayMedia in headless browsers. */
function fakeScreenStream() {
  const canvas = document.createElement('canvas');
  canvas.width = 640;
  canvas.height = 360;
  const ctx = canvas.getContext('2d');
  let frame = 0;
  const timer = setInterval(() => {
    frame++;
    ctx.fillStyle = `hsl(${frame % 360} 60% 30%)`;
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.fillStyle = '#fff';
    ctx.font = '32px sans-serif';
    ctx.fillText(`screen ${frame}`, 40, 180);
  }, 66);
  const stream = canvas.captureStream(15);
  stream.getVideoTracks()[0].addEventListener('ended', () => clearInterval(timer));
  return stream;
}

/**
 * The server path's first inbound video RTP and first decoded frame (getStats every 50 ms, so up to ~50 ms late) and
 * the selected pair's local candidate, into the page's timeline (timeline.js) for the first-remote-frame benchmark.
 */
function watchFirstServerMedia(sfu) {
  const started = performance.now();
  const timer = setInterval(async () => {
    if ('sfu-first-decoded' in Timeline.marks || performance.now() - started > 60_000) {
      clearInterval(timer);
      return;
    }
    if (!sfu.pc) return;
    const report = await sfu.pc.getStats();
    report.forEach((s) => {
      if (s.type !== 'inbound-rtp' || s.kind !== 'video') return;
      if ((s.bytesReceived ?? 0) > 0) Timeline.mark('sfu-first-rtp');
      if ((s.framesDecoded ?? 0) > 0) Timeline.mark('sfu-first-decoded');
    });
    const { local } = selectedCandidates(report);
    if (local) Timeline.path ??= `${local.candidateType}/${local.protocol}${local.relayProtocol ? `/${local.relayProtocol}` : ''}`;
  }, 50);
}

export function install({ meeting, ui, layout, speakers, quality, controls }) {
  const sfu = meeting.sfu;
  watchFirstServerMedia(sfu);
  window.dwrSfu = sfu; // the server-path RTCPeerConnection (getStats)
  // Cluster (cluster.js): where the page is connected now, and a way to hand it a message as if the server had sent
  // it (through the redirect-following dispatch).
  window.dwrCluster = { get url() { return meeting.signaling.url; }, receive: (msg) => meeting.signaling.dispatch(msg) };
  window.dwr = {
    get mode() { return meeting.mode; },
    get participantId() { return meeting.selfId; },
    get participants() { return [...meeting.participants.values()].map((p) => ({ id: p.id, name: p.name, handRaised: !!p.handRaised, audioMuted: !!p.audioMuted, videoMuted: !!p.videoMuted })); },
    get name() { return meeting.name; },
    get errors() { return [...meeting.errors]; },
    get hasP2P() { return meeting.p2p !== null; },
    /** The peer-to-peer RTCPeerConnection, or null (getStats for a failing test's output). */
    get p2pPc() { return meeting.p2p?.pc ?? null; },
    get reconnects() { return meeting.reconnector.reconnects; },
    get iceRestarts() { return sfu.iceRestarts; },
    now: () => performance.now(),
    get firstRemoteFrameAt() { return UI.firstRemoteFrameAt; },
    /** The connection timeline (timeline.js): step -> ms since navigation start, and the server path's local candidate. */
    get timeline() { return { marks: { ...Timeline.marks }, path: Timeline.path ?? null }; },
    longestFrameGap: (participantId, since) => ui.longestFrameGap(participantId, since)?.gap ?? null,
    frameGapReport: (participantId, since) => ({ ...ui.longestFrameGap(participantId, since), events: meeting.events.filter((e) => e[0] >= since) }),
    async stats() {
      const [p2p, viaServer] = await Promise.all([meeting.pathStats('p2p'), meeting.pathStats('sfu')]);
      const result = {};
      for (const id of meeting.participants.keys()) result[id] = { p2p: p2p[id] ?? null, sfu: viaServer[id] ?? null };
      return result;
    },
    get speaker() { return speakers.speaker; },
    get speakerMessages() { return speakers.changes; },
    get speakerHistory() { return [...speakers.history]; },
    get forwarded() { return { on: [...speakers.on], off: [...speakers.off] }; },
    get quality() { return quality.results; },
    get grid() { return { page: layout.page, pages: layout.pageCount, visible: layout.visible(), pinned: [...layout.pinned], view: layout.view }; },
    get sfuConnectedAt() { return meeting.sfuConnectedAt; },
    firstFrameAt: (participantId) => ui.tiles.get(participantId)?.frameTimes[0] ?? null,
    async outboundVideo() {
      const out = { packetsSent: 0, retransmittedPacketsSent: 0, nackCount: 0, keyFramesEncoded: 0 };
      if (sfu.pc) {
        (await sfu.pc.getStats()).forEach((s) => {
          if (s.type !== 'outbound-rtp' || s.kind !== 'video') return;
          for (const k of Object.keys(out)) out[k] += s[k] ?? 0;
        });
      }
      return out;
    },
    async keyFramesEncoded() {
      let n = 0;
      if (sfu.pc) (await sfu.pc.getStats()).forEach((s) => { if (s.type === 'outbound-rtp' && s.kind === 'video') n += s.keyFramesEncoded ?? 0; });
      return n;
    },
    /** Video packets our senders put on the wire, per path (camera off must send none). */
    async videoSent() {
      const count = async (pc) => {
        let n = 0;
        if (pc) (await pc.getStats()).forEach((s) => { if (s.type === 'outbound-rtp' && s.kind === 'video') n += s.packetsSent ?? 0; });
        return n;
      };
      return { p2p: await count(meeting.p2p?.pc), sfu: await count(sfu.pc) };
    },
    /** Our camera track's readyState ('live', 'ended') or null when there is none. */
    get cameraState() { return meeting.media.camera?.readyState ?? null; },
    get lastCameraState() { return meeting.media.lastCamera?.readyState ?? null; },
    gridGo: (page) => layout.go(page),
    pin: (id) => layout.togglePin(id),
    setView: (view) => layout.setView(view),
    async videoInbound() {
      const out = {};
      if (!sfu.pc) return out;
      (await sfu.pc.getStats()).forEach((s) => {
        if (s.type !== 'inbound-rtp' || s.kind !== 'video') return;
        const owner = meeting.ownerOf(s.trackIdentifier);
        if (!owner || owner.source !== 'camera') return;
        out[owner.participantId] = { framesDecoded: s.framesDecoded ?? 0, packetsReceived: s.packetsReceived ?? 0, packetsLost: s.packetsLost ?? 0, bytesReceived: s.bytesReceived ?? 0, freezeCount: s.freezeCount ?? 0, nackCount: s.nackCount ?? 0 };
      });
      return out;
    },
    send: (msg) => meeting.signaling.send(msg),
    sendRaw: (text) => meeting.signaling.sendRaw(text),
    startScreenShare: () => meeting.startScreenShare().then(() => controls.refresh()),
    stopScreenShare: () => meeting.stopScreenShare().then(() => controls.refresh()),
  };
}
