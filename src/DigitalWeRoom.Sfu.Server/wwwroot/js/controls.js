// The call's bottom bar, its "More" menu, the Settings and shortcut dialogs, and the keyboard shortcuts
// (M mic, V camera, S share, H hand, C chat, P participants, ? help). Every button has a visible label or a
// tooltip and an accessible name.

import { LocalMedia } from './media.js';
import { setToggle } from './icons.js';

export class Controls {
  /** @param {{meeting: import('./meeting.js').Meeting, layout: any, drawers: any, onLeave: () => void, notify: (text: string) => void}} o */
  constructor(o) {
    this.o = o;
    const m = o.meeting;
    this.busy = false;
    const on = (id, fn) => document.getElementById(id).addEventListener('click', fn);
    on('btn-mic', () => this.toggleMic());
    on('btn-cam', () => this.toggleCamera());
    on('btn-screen', () => this.toggleScreen());
    on('btn-hand', () => this.toggleHand());
    on('btn-leave', () => o.onLeave());
    on('btn-more', (e) => { e.stopPropagation(); this.toggleMenu(); });
    on('menu-settings', () => { this.toggleMenu(false); this.openDialog('settings'); });
    on('menu-help', () => { this.toggleMenu(false); this.openDialog('help'); });
    on('menu-invite', () => { this.toggleMenu(false); this.copyInvite(); });
    on('menu-layout', () => { this.toggleMenu(false); o.layout.setView(o.layout.view === 'stage' ? 'grid' : 'stage'); });
    on('menu-flip', () => { this.toggleMenu(false); m.media.flipCamera(); });
    document.getElementById('menu-flip').hidden = !LocalMedia.canFlip();
    if (!navigator.mediaDevices?.getDisplayMedia && !m.media.displayMediaOverridden) document.getElementById('btn-screen').hidden = true;
    for (const d of document.querySelectorAll('dialog')) {
      d.querySelector('.close')?.addEventListener('click', () => d.close());
    }
    document.addEventListener('click', (e) => {
      if (!document.getElementById('more-menu').contains(e.target)) this.toggleMenu(false);
    });
    document.addEventListener('keydown', (e) => this.onKey(e));
    m.on('self', () => this.refresh()).on('joined', () => this.refresh());
    o.layout.onChange = () => this.refresh();
    this.refresh();
  }

  refresh() {
    const m = this.o.meeting;
    const mic = m.media.micOn;
    const cam = m.media.cameraOn;
    setToggle(document.getElementById('btn-mic'), { pressed: !mic, off: !mic, label: mic ? 'Mute' : 'Unmute' });
    setToggle(document.getElementById('btn-cam'), { pressed: !cam, off: !cam, label: cam ? 'Stop video' : 'Start video' });
    const sharing = !!m.media.screen;
    setToggle(document.getElementById('btn-screen'), { pressed: sharing, label: sharing ? 'Stop sharing' : 'Share' });
    setToggle(document.getElementById('btn-hand'), { pressed: m.handRaised, label: m.handRaised ? 'Lower hand' : 'Raise hand' });
    document.getElementById('menu-layout').querySelector('.text').textContent = this.o.layout.view === 'stage' ? 'Tile view' : 'Speaker view';
  }

  async toggleMic() {
    const m = this.o.meeting;
    await m.setMicMuted(m.media.micOn);
    this.refresh();
  }

  async toggleCamera() {
    if (this.busy) return;
    this.busy = true;
    try {
      const m = this.o.meeting;
      await m.setCameraOn(!m.media.cameraOn);
    } finally {
      this.busy = false;
      this.refresh();
    }
  }

  async toggleScreen() {
    const m = this.o.meeting;
    if (m.media.screen) await m.stopScreenShare(); else await m.startScreenShare();
    this.refresh();
  }

  toggleHand() {
    const m = this.o.meeting;
    m.setHand(!m.handRaised);
    this.o.notify(m.handRaised ? 'You raised your hand.' : 'You lowered your hand.');
    this.refresh();
  }

  toggleMenu(wanted) {
    const menu = document.getElementById('more-menu');
    const show = wanted ?? menu.hidden;
    menu.hidden = !show;
    document.getElementById('btn-more').setAttribute('aria-expanded', String(show));
    if (show) menu.querySelector('button:not([hidden])')?.focus();
  }

  /** Opens a dialog; <focus> is the selector of the field to start in (else the browser's first). */
  openDialog(name, focus) {
    const d = document.getElementById(name);
    if (name === 'settings') {
      d.querySelector('.dialog-body').append(document.getElementById('devices'));
      this.o.pickers?.refresh();
    }
    d.showModal();
    if (focus) d.querySelector(focus)?.focus();
  }

  async copyInvite() {
    const url = `${location.origin}/r/${encodeURIComponent(this.o.meeting.room)}`;
    try {
      await navigator.clipboard.writeText(url);
      this.o.notify(`Invite link copied: ${url}`);
    } catch {
      this.o.notify(`Invite link: ${url}`);
    }
  }

  onKey(e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const t = e.target;
    if (t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement || t?.isContentEditable) return;
    if (document.querySelector('dialog[open]') && e.key !== '?') return;
    const actions = {
      m: () => this.toggleMic(),
      v: () => this.toggleCamera(),
      s: () => this.toggleScreen(),
      h: () => this.toggleHand(),
      c: () => this.o.drawers.toggle('chat'),
      p: () => this.o.drawers.toggle('people'),
      '?': () => this.openDialog('help'),
    };
    const action = actions[e.key.toLowerCase()];
    if (!action || this.o.meeting.left) return;
    e.preventDefault();
    action();
  }
}
