// The room's media path as the page sees it, mirroring the server's RoomMode (src/DigitalWeRoom.Sfu.Rooms/RoomMode.cs):
//   sfu ──(two people, P2P allowed)──▶ switching ──(both connected)──▶ p2p ──(a third joins, one leaves, failure)──▶ sfu
// plus two page-only states: `connecting` (before `joined`, and while reconnecting) and `left`.
// Owns the make-before-break rule: which path's tracks a tile shows while the room changes path.

export const RoomMode = Object.freeze({
  Connecting: 'connecting',
  Sfu: 'sfu',
  Switching: 'switching',
  PeerToPeer: 'p2p',
  Left: 'left',
});

/** Words for the header and the embedding API. */
export const MODE_LABELS = Object.freeze({
  p2p: 'direct connection',
  sfu: 'via server',
  switching: 'switching…',
  connecting: 'connecting…',
  left: 'left',
});

/** How long the P2P link stays up after our tiles show the server path, so that the peer's tiles can switch too. */
export const P2P_LINGER_MS = 1500;

/**
 * Per inbound stream of one connection: frames, packets and the selected candidate pair, summed by participant.
 * Used by the make-before-break wait below (and by the test hooks).
 * @param {'p2p'|'sfu'} path
 * @param {RTCPeerConnection|null|undefined} pc
 * @param {(trackId: string) => ({participantId: string, source: string, path: string}|undefined)} ownerOf
 */
export async function pathStats(path, pc, ownerOf) {
  const out = {};
  if (!pc) return out;
  const report = await pc.getStats();
  const { local, remote } = selectedCandidates(report);
  report.forEach((s) => {
    if (s.type !== 'inbound-rtp') return;
    const owner = ownerOf(s.trackIdentifier);
    if (!owner || owner.path !== path) return;
    const e = (out[owner.participantId] ??= {
      videoFramesDecoded: 0, videoPacketsReceived: 0, audioPacketsReceived: 0, screenFramesDecoded: 0,
      localAddress: local ? `${local.address ?? local.ip}:${local.port}` : null,
      remoteAddress: remote ? `${remote.address ?? remote.ip}:${remote.port}` : null,
      localCandidateType: local?.candidateType ?? null,
      protocol: local?.protocol ?? null,
      // How a relayed candidate reaches its TURN server: 'udp', 'tcp' or 'tls' (W3C webrtc-stats, RTCIceCandidateStats).
      relayProtocol: local?.relayProtocol ?? null,
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

/**
 * The selected candidate pair's local and remote candidates: the transport's selectedCandidatePairId (Chromium), else
 * the nominated succeeded pair (Firefox has no transport stats).
 */
export function selectedCandidates(report) {
  let pair = null;
  report.forEach((s) => {
    if (s.type === 'transport' && s.selectedCandidatePairId) pair = report.get(s.selectedCandidatePairId);
  });
  if (!pair) report.forEach((s) => { if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') pair = s; });
  return { local: pair ? report.get(pair.localCandidateId) : null, remote: pair ? report.get(pair.remoteCandidateId) : null };
}

/**
 * The header's path note for the connection in use (issue #14 item 4): 'relayed' through TURN (with the protocol to
 * the relay when it is not UDP: 'relayed (TLS)'), 'TCP' for ICE-TCP to the server, nothing for direct UDP.
 */
export function pathNote(report) {
  const { local } = selectedCandidates(report);
  if (!local) return '';
  if (local.candidateType === 'relay') {
    return local.relayProtocol && local.relayProtocol !== 'udp' ? `relayed (${local.relayProtocol.toUpperCase()})` : 'relayed';
  }
  return local.protocol === 'tcp' ? 'TCP' : '';
}

/**
 * Which path's stream a participant's tile shows: the P2P one while the room is peer-to-peer, and on the way to the
 * server path (make before break) until that participant's server-path video is decoding (`sfuReady`).
 */
export function pickStream(mode, direct, viaServer, sfuReady) {
  const useDirect = direct && (mode === RoomMode.PeerToPeer || !viaServer || !sfuReady);
  return useDirect ? direct : viaServer ?? direct;
}

/**
 * Make before break: keep the P2P connection (and show its tracks) until the server's video of the old peer is
 * decoding a few frames in a row, then let the tiles swap and close P2P; give up waiting after 3 s.
 * @param {{link: any, stillCurrent: () => boolean, framesViaServer: (peerId: string) => Promise<number>,
 *          onServerReady: (peerId: string) => void, swapsSettled: () => Promise<void>, close: () => void}} o
 */
export async function closeP2PWhenServerFlows(o) {
  const deadline = Date.now() + 3000;
  let first = null;
  while (Date.now() < deadline && o.stillCurrent()) {
    const frames = await o.framesViaServer(o.link.peerId);
    if (first === null) first = frames;
    else if (frames >= first + 5) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if (!o.stillCurrent()) return;
  o.onServerReady(o.link.peerId);
  // The tiles keep showing P2P video until their server-path element presents its first frame. The peer is doing
  // the same on its side, at its own pace, and closing our end stops what it shows: linger a little.
  await o.swapsSettled();
  await new Promise((resolve) => setTimeout(resolve, P2P_LINGER_MS));
  if (o.stillCurrent()) o.close();
}
