// Changing one's display name mid-call: the "Your name" field of the Settings dialog, the participants panel's
// "Change name" on one's own row, and the embedding API's setDisplayName all end in Meeting.setName (`set-name`).
// When the token names the participant the server refuses renames, so the field is read-only and says why.

export class RenameForm {
  /** @param {{meeting: import('./meeting.js').Meeting, fixed: boolean}} o */
  constructor(o) {
    this.o = o;
    this.form = document.getElementById('rename-form');
    this.input = document.getElementById('rename-input');
    this.note = document.getElementById('rename-note');
    this.input.readOnly = o.fixed;
    this.form.querySelector('button').hidden = o.fixed;
    if (o.fixed) this.note.textContent = 'Your name comes from your invitation.';
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      if (o.fixed) return;
      this.note.textContent = o.meeting.setName(this.input.value) ? '' : 'A name is 1 to 64 characters.';
    });
    o.meeting.on('renamed', (r) => { if (r.self) this.show(); })
      .on('joined', () => this.show())
      .on('error', (e) => { if (e.code === 'not-allowed' || e.code === 'rate-limited') this.show(); });
    this.show();
  }

  /** The name the server holds for us (after a refusal too). */
  show() {
    if (document.activeElement !== this.input) this.input.value = this.o.meeting.name;
  }
}
