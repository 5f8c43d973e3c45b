// What the others do, as the server tells it (docs/signaling.md "Server → client"): arrive, leave, publish and
// unpublish tracks, mute, raise a hand, change their name, chat, speak. The state stays the Meeting's (its
// participants map, tiles and events); this module only maps each message onto it.

/** The join's rule for a display name (SignalingValidator.IsValidDisplayName): 1-64 characters, none a control character. */
export function isValidName(name) {
  return typeof name === 'string' && name.trim().length > 0 && name.length <= 64 && !/[\u0000-\u001f\u007f-\u009f]/.test(name);
}

/** @param {import('./signaling.js').Signaling} s @param {import('./meeting.js').Meeting} m */
export function handleRosterMessages(s, m) {
  const joined = (participant) => {
    m.participants.set(participant.id, participant);
    m.emit('participant-joined', { id: participant.id, name: participant.name });
  };
  const left = (id) => {
    const p = m.participants.get(id);
    m.participants.delete(id);
    m.remote.forget(id);
    m.ui.removeTile(id);
    m.ui.removeTile(`${id}:screen`);
    if (m.p2p?.peerId === id) m.closeP2P();
    if (p) m.emit('participant-left', { id: p.id, name: p.name });
  };
  s.on('participant-joined', (msg) => {
    joined(msg.participant);
    m.renderAll();
  })
    .on('participant-left', (msg) => {
      left(msg.participantId);
      m.renderAll();
    })
    // A large room's joins and leaves in one message (docs/signaling.md): the same events, one render.
    .on('participants-changed', (msg) => {
      for (const id of Array.isArray(msg.left) ? msg.left : []) left(id);
      for (const p of Array.isArray(msg.participants) ? msg.participants : []) joined(p);
      m.renderAll();
    })
    .on('track-published', (msg) => {
      const p = m.participants.get(msg.participantId);
      if (!p) return;
      p.tracks = [...(p.tracks ?? []).filter((t) => t.id !== msg.track.id), msg.track];
      m.render(msg.participantId);
    })
    .on('track-unpublished', (msg) => {
      const p = m.participants.get(msg.participantId);
      if (!p) return;
      const removed = p.tracks?.find((t) => t.id === msg.track.id);
      p.tracks = (p.tracks ?? []).filter((t) => t.id !== msg.track.id);
      if (removed?.source === 'screen') m.remote.dropScreen(msg.participantId);
      m.render(msg.participantId);
    })
    .on('mute', (msg) => {
      if (msg.participantId === m.selfId) {
        // The organiser muted us: mute here too; unmuting stays the user's choice.
        if (msg.muted && msg.kind === 'audio' && m.media.micOn) m.publisher.setMicMuted(true);
        if (msg.muted && msg.kind === 'video' && m.media.cameraOn) m.publisher.setCameraOn(false);
        return;
      }
      const p = m.participants.get(msg.participantId);
      if (!p) return;
      if (msg.kind === 'audio') p.audioMuted = msg.muted; else p.videoMuted = msg.muted;
      m.render(msg.participantId);
      m.emit('people', {});
    })
    .on('raise-hand', (msg) => {
      const p = m.participants.get(msg.participantId);
      if (!p) return;
      p.handRaised = msg.raised === true;
      m.render(msg.participantId);
      m.emit('people', {});
      if (p.handRaised) m.emit('hand', { id: p.id, name: p.name });
    })
    .on('set-name', (msg) => { if (isValidName(msg.name)) m.renamed(msg.participantId, msg.name); })
    .on('speaker', (msg) => m.emit('speaker', { id: msg.participantId ?? null }))
    .on('video-forwarded', (msg) => m.emit('forwarded', msg))
    .on('chat', (msg) => m.emit('chat', { name: msg.name ?? '?', text: msg.text ?? '', id: msg.participantId }));
}
