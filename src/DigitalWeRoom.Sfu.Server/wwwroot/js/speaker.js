// Active speaker and last-N on the page (docs/signaling.md "Active speaker and last-N").
// `speaker` {participantId}: the room's dominant speaker; its tile gets the `speaking` class (the own tile when
// it is us). `video-forwarded` {on, off}: whose video the server sends us; tiles in `off` get the `video-off`
// class and a placeholder (the server holds that video back because it is not among our N most relevant, or,
// for ids also in `bandwidth`, because our downlink cannot carry it: "video paused (poor connection)").

export class SpeakerView {
  /** @param {{ui: any, selfId: () => string|null}} o */
  constructor(o) {
    this.ui = o.ui;
    this.selfId = o.selfId;
    this.speaker = null;
    this.on = new Set();
    this.off = new Set();
    this.bandwidth = new Set();
    this.changes = 0; // test hook: how many speaker messages arrived
    this.history = []; // dominant speakers, most recent first, each once (as the server's last-N sees them)
  }

  setSpeaker(participantId) {
    this.speaker = participantId ?? null;
    this.changes++;
    if (this.speaker) this.history = [this.speaker, ...this.history.filter((id) => id !== this.speaker)];
    this.refresh();
  }

  setForwarded(on, off, bandwidth) {
    this.on = new Set(on ?? []);
    this.off = new Set(off ?? []);
    this.bandwidth = new Set(bandwidth ?? []);
    this.refresh();
  }

  /** Tile key of a participant: our own is "self". */
  keyOf(participantId) {
    return participantId && participantId === this.selfId() ? 'self' : participantId;
  }

  /** Re-applies the classes (after tiles were added or re-rendered). */
  refresh() {
    const speakerKey = this.keyOf(this.speaker);
    for (const [key, tile] of this.ui.tiles) {
      const owner = key.endsWith(':screen') ? null : key;
      tile.el.classList.toggle('speaking', owner !== null && owner === speakerKey);
      const held = owner !== null && this.off.has(owner);
      const poor = held && this.bandwidth.has(owner);
      tile.el.classList.toggle('video-off', held);
      tile.el.classList.toggle('low-bandwidth', poor);
      let note = tile.el.querySelector('.placeholder');
      if (held && !note) {
        note = document.createElement('div');
        note.className = 'placeholder';
        tile.el.append(note);
      } else if (!held && note) {
        note.remove();
      }
      if (held) {
        note.textContent = poor ? 'video paused (poor connection)' : 'video paused (not among the active speakers)';
      }
    }
  }
}
