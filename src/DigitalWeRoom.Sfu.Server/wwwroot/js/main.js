// The meeting: joins /r/{room}?name=... automatically, P2P for two, via server from three.
import { Signaling } from './signaling.js';
import { Reconnector, RETRY_ERRORS, TERMINAL_ERRORS } from './reconnect.js';
import { P2PLink } from './p2p.js';
import { SfuLink } from './sfu.js';
import { UI } from './ui.js';
import { obtainToken, tokenQuery } from './token.js';
import { TileSizeReporter } from './simulcast.js';
import { SpeakerView } from './speaker.js';
import { GridPager } from './grid.js';
import { QualityMonitor } from './quality.js';
import { followClusterRedirects } from './cluster.js';

const params = new URLSearchParams(location.search);
const room = decodeURIComponent(location.pathname.split('/')[2] ?? '');
const name = (params.get('name') ?? '').trim();
if (!name) location.replace(`/?room=${encodeURIComponent(room)}${tokenQuery(params)}`);

const ui = new UI();
const events = [];
ui.log = (text) => { events.push([Math.round(performance.now()), text]); if (events.length > 500) events.shift(); };
ui.setRoom(room);
ui.setMode('connecting');

const state = {
  selfId: null,
  mode: 'connecting',
  participants: new Map(), // id -> {id, name, tracks, audioMuted, videoMuted}
  iceServers: [],
  local: { stream: null, mic: null, camera: null, screen: null, screenStream: null },
  p2p: null,
  remote: new Map(), // id -> {p2p: {camera, screen}, sfu: {camera, screen}} of MediaStream
  trackOwners: new Map(), // receiver track id -> {participantId, source, path}
  sfuReady: new Set(), // participants whose server-path video is decoding (make before break)
  errors: [],
  events,
  left: false,
  terminal: false, // the server said not to come back: no automatic reconnect
};

// The deployment's name (Sfu:DisplayName) in the header and title.
fetch('/api/info').then((r) => r.ok ? r.json() : null).then((info) => {
  if (info?.displayName) {
    document.getElementById('display-name').textContent = info.displayName;
    document.title = `${info.displayName} meeting`;
  }
}).catch(() => {});

const signaling = new Signaling(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
const reconnector = new Reconnector({
  connect: () => signaling.connect(),
  onConnected: () => sendJoin(),
  onWaiting: (ms, attempt) => {
    ui.log(`reconnect ${attempt} in ${Math.round(ms)} ms`);
    ui.showError(`The meeting server cannot be reached right now. Reconnecting (attempt ${attempt})…`);
  },
});
followClusterRedirects(signaling, () => sendJoin());
const sfu = new SfuLink({
  signaling,
  iceServers: () => state.iceServers,
  localTracks: () => ({ mic: state.local.mic, camera: state.local.camera, screen: state.local.screen }),
  onTrack: (track, streamId) => onRemoteTrack('sfu', track, streamId),
  onState: (s) => { if (s === 'connected') state.sfuConnectedAt ??= performance.now(); },
});
// Active speaker / last-N placeholders, paged grid with pins (reports `view`), per-tile quality.
const speakers = new SpeakerView({ ui, selfId: () => state.selfId });
const pager = new GridPager({ ui, send: (m) => signaling.send(m), pageSize: Number(params.get('pageSize')) || 9 });
const quality = new QualityMonitor({ ui, pcs: () => [sfu.pc, state.p2p?.pc], ownerOf: (id) => state.trackOwners.get(id) });

// Simulcast: tile sizes of server-path videos go to the server; `layers` (dynacast) to the camera sender.
const tileSizes = new TileSizeReporter(ui.grid, (m) => signaling.send(m), (id) => sfu.serverTrackIdOf(id));
sfu.onAnswered = () => tileSizes.schedule();
signaling.on('layers', (m) => sfu.setActiveLayers(m.trackId, m.active ?? []));
window.dwrSfu = sfu; // test hook: the server-path RTCPeerConnection (getStats)

// ---- Remote media ------------------------------------------------------------------------------

function remoteOf(id) {
  let r = state.remote.get(id);
  if (!r) {
    r = { p2p: {}, sfu: {} };
    state.remote.set(id, r);
  }
  return r;
}

function onRemoteTrack(path, track, streamId) {
  let participantId;
  let source;
  if (path === 'p2p') {
    participantId = state.p2p?.peerId;
    const p = state.participants.get(participantId);
    source = p?.tracks?.some((t) => t.source === 'screen' && t.id.startsWith(`${streamId}:`)) ? 'screen' : 'camera';
  } else {
    // Server stream ids: "<participantId>" (camera, microphone) or "<participantId>-screen".
    const [id, tag] = streamId.split('-');
    participantId = id;
    source = tag === 'screen' ? 'screen' : 'camera';
  }
  if (!participantId) return;
  const slot = remoteOf(participantId)[path];
  const stream = (slot[source] ??= new MediaStream());
  for (const t of stream.getTracks()) if (t.kind === track.kind) stream.removeTrack(t);
  stream.addTrack(track);
  state.trackOwners.set(track.id, { participantId, source, path });
  track.addEventListener('unmute', () => render(participantId));
  track.addEventListener('ended', () => render(participantId));
  render(participantId);
}

function alive(stream) {
  return stream?.getTracks().some((t) => t.readyState === 'live') ? stream : null;
}

/**
 * Shows, per remote participant, the tracks of the path the room's mode says. On the way to the
 * server path (make before break) the P2P tracks stay on screen until the server's video of that
 * participant is decoding (state.sfuReady).
 */
function render(id) {
  const p = state.participants.get(id);
  if (!p) return;
  const r = remoteOf(id);
  const pick = (source) => {
    const direct = alive(r.p2p[source]);
    const viaServer = alive(r.sfu[source]);
    const useDirect = direct && (state.mode === 'p2p' || !viaServer || !state.sfuReady.has(id));
    return useDirect ? direct : viaServer ?? direct;
  };
  ui.ensureTile(id, p.name);
  ui.setStream(id, pick('camera'));
  ui.setMuted(id, p.audioMuted, p.videoMuted);
  const screen = p.tracks?.some((t) => t.source === 'screen') ? pick('screen') : null;
  if (screen) {
    ui.ensureTile(`${id}:screen`, p.name, { screen: true });
    ui.setStream(`${id}:screen`, screen);
  } else {
    ui.removeTile(`${id}:screen`);
  }
}

function renderAll() {
  for (const id of state.participants.keys()) render(id);
  ui.setCount(state.participants.size + 1);
  speakers.refresh();
}

// ---- Peer-to-peer ------------------------------------------------------------------------------

function startP2P(peerId, initiator) {
  if (state.p2p?.peerId === peerId && !state.p2p.closed) return;
  closeP2P();
  const link = new P2PLink({
    peerId,
    initiator,
    iceServers: state.iceServers,
    signaling,
    onTrack: (track, streamId) => onRemoteTrack('p2p', track, streamId),
  });
  state.p2p = link;
  const { stream, mic, camera, screen, screenStream } = state.local;
  if (mic) link.addTrack(mic, stream);
  if (camera) link.addTrack(camera, stream);
  if (screen) link.addTrack(screen, screenStream);
}

function closeP2P() {
  const link = state.p2p;
  if (!link) return;
  ui.log('close p2p');
  state.p2p = null;
  link.close();
  for (const [trackId, owner] of state.trackOwners) if (owner.path === 'p2p') state.trackOwners.delete(trackId);
  for (const r of state.remote.values()) r.p2p = {};
  renderAll();
}

/**
 * Make before break: keep the P2P connection (and show its tracks) until the server's video of the
 * old peer is decoding, then swap and close P2P; give up waiting after 3 s.
 */
/** How long the P2P link stays up after our tiles show the server path, so that the peer's tiles can switch too. */
const P2P_LINGER_MS = 1500;

async function closeP2PWhenServerFlows() {
  const link = state.p2p;
  if (!link) return;
  const deadline = Date.now() + 3000;
  let first = null;
  while (Date.now() < deadline && state.p2p === link && state.mode === 'sfu') {
    const frames = (await pathStats('sfu', sfu.pc))[link.peerId]?.videoFramesDecoded ?? 0;
    // A few frames in a row, not just the first key frame: the server path is really flowing.
    if (first === null) first = frames;
    else if (frames >= first + 5) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if (state.p2p === link && state.mode === 'sfu') {
    state.sfuReady.add(link.peerId);
    renderAll();
    // The tiles keep showing P2P video until their server-path element presents its first frame. The peer is
    // doing the same on its side, at its own pace, and closing our end stops what it shows: linger a little.
    await ui.swapsSettled();
    await new Promise((resolve) => setTimeout(resolve, P2P_LINGER_MS));
    if (state.p2p === link && state.mode === 'sfu') closeP2P();
  }
}

// ---- Signaling handlers ------------------------------------------------------------------------

const ERROR_TEXT = {
  'room-full': 'This room is full. Try again later or pick another room.',
  'too-many-rooms': 'The server has reached its room limit. Try again later.',
  'join-rate-limited': 'Too many joins from your network. Wait a minute and reload.',
  'server-busy': 'The room could not be joined. Please reload.',
  'unauthorized': 'This server requires a valid token for this room. Open the meeting link you were given, or ask the organiser for a new one.',
  'removed': 'You were removed from the meeting by its organiser.',
  'room-closed': 'The organiser closed this meeting.',
  'too-many-tracks': 'You are already sharing as many tracks as this server allows.',
  'muted-by-operator': 'The organiser muted you; only they can unmute you.',
  'unsupported-codec': 'Your browser cannot play this meeting\'s video:',
};

signaling
  .on('joined', (m) => {
    state.selfId = m.participantId;
    reconnector.succeeded();
    if (reconnector.reconnects > 0) ui.clearError();
    state.iceServers = m.iceServers ?? [];
    for (const p of m.participants ?? []) state.participants.set(p.id, p);
    setMode(m.mode);
    publishLocalTracks();
    renderAll();
    pager.start();
  })
  .on('ice-servers', (m) => {
    // Fresh TURN credentials before the old ones expire (docs/signaling.md): the next gathering of either
    // connection (ICE restart, a new peer-to-peer connection) uses them (W3C webrtc-pc setConfiguration).
    state.iceServers = m.iceServers ?? [];
    for (const pc of [sfu.pc, state.p2p?.pc]) {
      if (pc && pc.signalingState !== 'closed') pc.setConfiguration({ ...pc.getConfiguration(), iceServers: state.iceServers });
    }
  })
  .on('participant-joined', (m) => {
    state.participants.set(m.participant.id, m.participant);
    ui.addChat('•', `${m.participant.name} joined`, true);
    renderAll();
  })
  .on('participant-left', (m) => {
    const p = state.participants.get(m.participantId);
    state.participants.delete(m.participantId);
    state.remote.delete(m.participantId);
    ui.removeTile(m.participantId);
    ui.removeTile(`${m.participantId}:screen`);
    if (state.p2p?.peerId === m.participantId) closeP2P();
    if (p) ui.addChat('•', `${p.name} left`, true);
    renderAll();
  })
  .on('mode', async (m) => {
    if (m.mode === 'switching') {
      setMode('switching');
      startP2P(m.peer, m.initiator === true);
    } else if (m.mode === 'p2p') {
      setMode('p2p');
      state.sfuReady.clear();
      renderAll();
      await sfu.setPaused(true);
    } else {
      setMode('sfu');
      await sfu.setPaused(false);
      renderAll();
      await closeP2PWhenServerFlows();
    }
  })
  .on('offer', (m) => (m.from === 'server' ? sfu.handleOffer(m.sdp) : state.p2p?.peerId === m.from && state.p2p.handleDescription('offer', m.sdp)))
  .on('answer', (m) => (m.from !== 'server' && state.p2p?.peerId === m.from ? state.p2p.handleDescription('answer', m.sdp) : undefined))
  .on('candidate', (m) => (m.from === 'server' ? sfu.handleCandidate(m.candidate) : state.p2p?.peerId === m.from && state.p2p.handleCandidate(m.candidate)))
  .on('track-published', (m) => {
    const p = state.participants.get(m.participantId);
    if (!p) return;
    p.tracks = [...(p.tracks ?? []).filter((t) => t.id !== m.track.id), m.track];
    render(m.participantId);
  })
  .on('track-unpublished', (m) => {
    const p = state.participants.get(m.participantId);
    if (!p) return;
    const removed = p.tracks?.find((t) => t.id === m.track.id);
    p.tracks = (p.tracks ?? []).filter((t) => t.id !== m.track.id);
    if (removed?.source === 'screen') {
      const r = remoteOf(m.participantId);
      delete r.p2p.screen;
      delete r.sfu.screen;
    }
    render(m.participantId);
  })
  .on('mute', (m) => {
    if (m.participantId === state.selfId) {
      // The organiser muted us (Room API): mute here too; unmuting stays the user's choice.
      const track = m.kind === 'audio' ? state.local.mic : state.local.camera;
      if (m.muted && track?.enabled) toggle(m.kind);
      return;
    }
    const p = state.participants.get(m.participantId);
    if (!p) return;
    if (m.kind === 'audio') p.audioMuted = m.muted; else p.videoMuted = m.muted;
    render(m.participantId);
  })
  .on('speaker', (m) => speakers.setSpeaker(m.participantId))
  .on('video-forwarded', (m) => speakers.setForwarded(m.on, m.off, m.bandwidth))
  .on('chat', (m) => ui.addChat(m.name ?? '?', m.text ?? ''))
  .on('error', (m) => {
    state.errors.push({ code: m.code, reason: m.reason, id: m.id });
    if (state.errors.length > 50) state.errors.shift();
    if (m.code === 'removed' || m.code === 'room-closed') {
      // Dismissed by the organiser: end the call here, no reconnect; the server closes the socket next.
      state.terminal = true;
      leave();
      ui.showError(ERROR_TEXT[m.code]);
      return;
    }
    if (TERMINAL_ERRORS.has(m.code)) {
      state.terminal = true;
      reconnector.stop();
    } else if (RETRY_ERRORS.has(m.code) && !state.selfId && !state.left) {
      signaling.close(); // not joined (yet): try again later, maybe on a server that is back
      return;
    }
    if (m.code === 'unsupported-codec') ui.showError(`${ERROR_TEXT[m.code]} ${m.reason ?? ''}`);
    else if (ERROR_TEXT[m.code]) ui.showError(ERROR_TEXT[m.code]);
    else console.warn('dwr: server error', m.code, m.reason);
  })
  .on('pong', () => {})
  .on('draining', () => ui.log('server draining'))
  .on('_closed', () => {
    if (state.left) return;
    if (state.terminal) {
      ui.showError('Disconnected from the meeting server. Reload the page to rejoin.');
      return;
    }
    resetSession();
    reconnector.schedule();
  });

/** The signaling socket closed unexpectedly: forget the old session; the rejoin builds a new one. */
function resetSession() {
  closeP2P();
  sfu.reset();
  for (const id of state.participants.keys()) {
    ui.removeTile(id);
    ui.removeTile(`${id}:screen`);
  }
  state.participants.clear();
  state.remote.clear();
  state.trackOwners.clear();
  state.sfuReady.clear();
  state.selfId = null;
  setMode('connecting');
  renderAll();
}

/** The room token from token.js, sent on every join and rejoin (null: the server is open). */
let accessToken = null;

function sendJoin() {
  const codecs = videoCodecs();
  signaling.send({ type: 'join', room, name, p2p: params.get('p2p') !== '0', ...(codecs ? { codecs } : {}), ...(accessToken ? { token: accessToken } : {}) });
}

// Video codecs this browser can both decode and encode (the room forwards one codec to everybody, see
// docs/negotiation.md); `?codecs=VP8,H264` overrides it (tests). Undefined when the browser cannot tell.
function videoCodecs() {
  if (params.get('codecs')) return params.get('codecs').split(',').filter((c) => c).slice(0, 16);
  const names = (caps) => new Set((caps?.codecs ?? []).map((c) => c.mimeType.replace(/^video\//i, '').toUpperCase()));
  const recv = names(globalThis.RTCRtpReceiver?.getCapabilities?.('video'));
  const send = names(globalThis.RTCRtpSender?.getCapabilities?.('video'));
  const both = [...recv].filter((c) => send.has(c) && !['RTX', 'RED', 'ULPFEC', 'FLEXFEC-03'].includes(c));
  return both.length ? both.slice(0, 16) : undefined;
}

function setMode(mode) {
  ui.log(`mode ${mode}`);
  state.mode = mode;
  ui.setMode(mode);
}

// ---- Local media and controls ------------------------------------------------------------------

function trackId(stream, track) {
  return `${stream.id}:${track.kind}`;
}

function publishLocalTracks() {
  const { stream, mic, camera, screen, screenStream } = state.local;
  if (mic) signaling.send({ type: 'track-published', track: { id: trackId(stream, mic), kind: 'audio', source: 'microphone' } });
  if (camera) signaling.send({ type: 'track-published', track: { id: trackId(stream, camera), kind: 'video', source: 'camera' } });
  if (screen) signaling.send({ type: 'track-published', track: { id: trackId(screenStream, screen), kind: 'video', source: 'screen' } });
}

/** Camera capture size: 640x480, or ?camera=WxH (e.g. 1280x720 for three full simulcast layers). */
function cameraConstraints() {
  const m = /^(\d{2,4})x(\d{2,4})$/.exec(params.get('camera') ?? '');
  return m ? { width: { ideal: Number(m[1]) }, height: { ideal: Number(m[2]) } } : { width: 640, height: 480 };
}

async function getLocalMedia() {
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: cameraConstraints() });
    state.local.stream = stream;
    state.local.mic = stream.getAudioTracks()[0] ?? null;
    state.local.camera = stream.getVideoTracks()[0] ?? null;
  } catch (err) {
    state.local.stream = new MediaStream();
    const text = err?.name === 'NotAllowedError'
      ? 'Camera and microphone access was denied. You can still see and hear the others; allow access and reload to be seen.'
      : err?.name === 'NotFoundError'
        ? 'No camera or microphone was found. You can still see and hear the others.'
        : `Camera or microphone unavailable (${err?.name ?? 'error'}).`;
    ui.showError(text);
  }
  ui.ensureTile('self', name, { local: true });
  ui.setStream('self', state.local.stream);
}

function fakeScreenStream() {
  // Test switch ?fakeScreen=1: a canvas stands in for getDisplayMedia in headless browsers.
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

async function startScreenShare() {
  let stream;
  try {
    stream = params.get('fakeScreen') === '1' ? fakeScreenStream() : await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
  } catch {
    return;
  }
  const track = stream.getVideoTracks()[0];
  state.local.screen = track;
  state.local.screenStream = stream;
  track.addEventListener('ended', () => stopScreenShare());
  signaling.send({ type: 'track-published', track: { id: trackId(stream, track), kind: 'video', source: 'screen' } });
  state.p2p?.addTrack(track, stream);
  await sfu.refreshTracks();
  ui.ensureTile('self:screen', name, { local: true, screen: true });
  ui.setStream('self:screen', stream);
  ui.setPressed('btn-screen', true, 'Stop sharing');
}

async function stopScreenShare() {
  const { screen, screenStream } = state.local;
  if (!screen) return;
  state.local.screen = null;
  state.local.screenStream = null;
  screen.stop();
  state.p2p?.removeTrack(screen);
  await sfu.refreshTracks();
  signaling.send({ type: 'track-unpublished', track: { id: trackId(screenStream, screen) } });
  ui.removeTile('self:screen');
  ui.setPressed('btn-screen', false, 'Share screen');
}

function toggle(kind) {
  const track = kind === 'audio' ? state.local.mic : state.local.camera;
  if (!track) return;
  track.enabled = !track.enabled;
  const muted = !track.enabled;
  signaling.send({ type: 'mute', kind, muted });
  if (kind === 'audio') ui.setPressed('btn-mic', muted, muted ? 'Unmute mic' : 'Mute mic');
  else ui.setPressed('btn-cam', muted, muted ? 'Start camera' : 'Stop camera');
  ui.setMuted('self', !state.local.mic?.enabled, !state.local.camera?.enabled);
}

function leave() {
  state.left = true;
  reconnector.stop();
  signaling.send({ type: 'leave' });
  signaling.close();
  closeP2P();
  sfu.close();
  for (const t of [state.local.mic, state.local.camera, state.local.screen]) t?.stop();
  for (const key of [...ui.tiles.keys()]) ui.removeTile(key);
  setMode('left');
  ui.showError('You left the meeting. Reload the page to join again.');
}

document.getElementById('btn-mic').addEventListener('click', () => toggle('audio'));
document.getElementById('btn-cam').addEventListener('click', () => toggle('video'));
document.getElementById('btn-screen').addEventListener('click', () => (state.local.screen ? stopScreenShare() : startScreenShare()));
document.getElementById('btn-leave').addEventListener('click', leave);
document.getElementById('chat-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const input = document.getElementById('chat-input');
  const text = input.value.trim();
  if (text) signaling.send({ type: 'chat', text: text.slice(0, 1000) });
  input.value = '';
});
window.addEventListener('pagehide', () => signaling.close());

// ---- Test hooks --------------------------------------------------------------------------------

async function pathStats(path, pc) {
  const out = {};
  if (!pc) return out;
  const report = await pc.getStats();
  let pair = null;
  report.forEach((s) => {
    if (s.type === 'transport' && s.selectedCandidatePairId) pair = report.get(s.selectedCandidatePairId);
  });
  if (!pair) report.forEach((s) => { if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') pair = s; });
  const local = pair ? report.get(pair.localCandidateId) : null;
  const remote = pair ? report.get(pair.remoteCandidateId) : null;
  report.forEach((s) => {
    if (s.type !== 'inbound-rtp') return;
    const owner = state.trackOwners.get(s.trackIdentifier);
    if (!owner || owner.path !== path) return;
    const e = (out[owner.participantId] ??= {
      videoFramesDecoded: 0, videoPacketsReceived: 0, audioPacketsReceived: 0, screenFramesDecoded: 0,
      localAddress: local ? `${local.address ?? local.ip}:${local.port}` : null,
      remoteAddress: remote ? `${remote.address ?? remote.ip}:${remote.port}` : null,
    });
    if (s.kind === 'audio') e.audioPacketsReceived += s.packetsReceived ?? 0;
    else if (owner.source === 'screen') e.screenFramesDecoded += s.framesDecoded ?? 0;
    else {
      e.videoFramesDecoded += s.framesDecoded ?? 0;
      e.videoPacketsReceived += s.packetsReceived ?? 0;
    }
  });
  return out;
}

window.dwr = {
  get mode() { return state.mode; },
  get participantId() { return state.selfId; },
  get participants() { return [...state.participants.values()].map((p) => ({ id: p.id, name: p.name })); },
  get errors() { return [...state.errors]; },
  get hasP2P() { return state.p2p !== null; },
  /** Times the signaling socket was reconnected after an unexpected close. */
  get reconnects() { return reconnector.reconnects; },
  /** ICE restarts the page asked the server for. */
  get iceRestarts() { return sfu.iceRestarts; },
  now: () => performance.now(),
  /** ms from navigation start to the first presented remote video frame, or null. */
  get firstRemoteFrameAt() { return UI.firstRemoteFrameAt; },
  /** Longest stall (ms) of presented video frames on a participant's tile since `since` (performance.now()). */
  longestFrameGap: (participantId, since) => ui.longestFrameGap(participantId, since)?.gap ?? null,
  /** {gap, at, events}: the stall and the page's mode/swap events around it (diagnostics). */
  frameGapReport: (participantId, since) => ({ ...ui.longestFrameGap(participantId, since), events: state.events.filter((e) => e[0] >= since) }),
  debugTracks() {
    return [...state.remote.entries()].map(([id, r]) => `${id}:p2p=${r.p2p.camera?.getVideoTracks().map((t) => t.muted) ?? '-'} sfu=${r.sfu.camera?.getVideoTracks().map((t) => t.muted) ?? '-'} shown=${ui.tiles.get(id)?.stream === r.p2p.camera ? 'p2p' : ui.tiles.get(id)?.stream === r.sfu.camera ? 'sfu' : '?'}`).join(' ');
  },
  /** {participantId: {p2p: PathStats|null, sfu: PathStats|null}} for every remote participant. */
  async stats() {
    const [p2p, viaServer] = await Promise.all([pathStats('p2p', state.p2p?.pc), pathStats('sfu', sfu.pc)]);
    const result = {};
    for (const id of state.participants.keys()) result[id] = { p2p: p2p[id] ?? null, sfu: viaServer[id] ?? null };
    return result;
  },
  /** Active speaker / last-N / grid / quality state as the page shows it. */
  get speaker() { return speakers.speaker; },
  get speakerMessages() { return speakers.changes; },
  get speakerHistory() { return [...speakers.history]; },
  get forwarded() { return { on: [...speakers.on], off: [...speakers.off] }; },
  get quality() { return quality.results; },
  get grid() { return { page: pager.page, pages: pager.pageCount, visible: pager.visible(), pinned: [...pager.pinned] }; },
  /** performance.now() when the server connection first connected, or null. */
  get sfuConnectedAt() { return state.sfuConnectedAt ?? null; },
  /** performance.now() of the first presented video frame on a participant's tile, or null. */
  firstFrameAt: (participantId) => ui.tiles.get(participantId)?.frameTimes[0] ?? null,
  /** The camera sender on the server path: {packetsSent, retransmittedPacketsSent, nackCount, keyFramesEncoded}. */
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
  /** Key frames the camera encoder produced for the server path (outbound-rtp keyFramesEncoded). */
  async keyFramesEncoded() {
    let n = 0;
    if (sfu.pc) (await sfu.pc.getStats()).forEach((s) => { if (s.type === 'outbound-rtp' && s.kind === 'video') n += s.keyFramesEncoded ?? 0; });
    return n;
  },
  gridGo: (page) => pager.go(page),
  pin: (id) => pager.togglePin(id),
  /** Per remote participant: inbound video {framesDecoded, packetsReceived, bytesReceived, freezeCount} on the server path. */
  async videoInbound() {
    const out = {};
    if (!sfu.pc) return out;
    (await sfu.pc.getStats()).forEach((s) => {
      if (s.type !== 'inbound-rtp' || s.kind !== 'video') return;
      const owner = state.trackOwners.get(s.trackIdentifier);
      if (!owner || owner.source !== 'camera') return;
      out[owner.participantId] = { framesDecoded: s.framesDecoded ?? 0, packetsReceived: s.packetsReceived ?? 0, packetsLost: s.packetsLost ?? 0, bytesReceived: s.bytesReceived ?? 0, freezeCount: s.freezeCount ?? 0, nackCount: s.nackCount ?? 0 };
    });
    return out;
  },
  send: (msg) => signaling.send(msg),
  sendRaw: (text) => signaling.sendRaw(text),
  startScreenShare,
  stopScreenShare,
};

// ---- Start -------------------------------------------------------------------------------------

(async () => {
  const access = await obtainToken(room, name, params);
  if (access.error) {
    state.errors.push({ code: 'token-required', reason: access.error });
    ui.showError(access.error);
    return;
  }
  accessToken = access.token ?? null;
  await getLocalMedia();
  try {
    await signaling.connect();
  } catch {
    ui.setMode('connecting');
    ui.showError('The meeting server cannot be reached. Retrying…');
    reconnector.schedule();
    return;
  }
  sendJoin();
})();
