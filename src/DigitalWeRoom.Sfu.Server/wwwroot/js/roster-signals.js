// What the others do, as the server tells it (docs/signaling.md "Server → client"): arrive, leave, publish and
// unpublish tracks, mute, raise a hand, change their name, chat, speak. The state stays the Meeting's (its
// participants map, tiles and events); this module only maps each message onto it.

/** The join's rule for a display name (SignalingValidator.IsValidDisplayName): 1-64 characters, none a control character. */
export function isValidName(name) {
  return typeof name === 'string' && name.trim().length > 0 && name.length <= 64 && !/[\u0000-\u001f\u007f-\u009f]/.test(name);
}

/** @param {import('./signaling.js').Signaling} s @param {import('./meeting.js').Meeting} m */
export function handleRosterMessages(s, m) {
  s.on('participant-joined', (msg) => {
    m.participants.set(msg.participant.id, msg.participant);
    m.emit('participant-joined', { id: msg.participant.id, name: msg.participant.name });
    m.renderAll();
  })
    .on('participant-left', (msg) => {
      const p = m.participants.get(msg.participantId);
      m.participants.delete(msg.participantId);
      m.remote.forget(msg.participantId);
      m.ui.removeTile(msg.participantId);
      m.ui.removeTile(`${msg.participantId}:screen`);
      if (m.p2p?.peerId === msg.participantId) m.closeP2P();
      if (p) m.emit('participant-left', { id: p.id, name: p.name });
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
