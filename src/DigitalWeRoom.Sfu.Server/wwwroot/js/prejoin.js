// The pre-join screen: camera preview, microphone level, device pickers, name, mic/camera on or off, and what the
// room looks like right now ("2 people in the meeting, direct connection"). Resolves with the name when the person joins.

import { combinedErrorText, levelMeter } from './media.js';
import { MODE_LABELS } from './mode.js';
import { setToggle } from './icons.js';

export class PreJoin {
  /** @param {{room: string, media: import('./media.js').LocalMedia, pickers: import('./devices.js').DevicePickers, name: string, token: string|null}} o */
  constructor(o) {
    this.o = o;
    this.el = document.getElementById('prejoin');
    this.video = document.getElementById('preview');
    this.nameInput = document.getElementById('prejoin-name');
    this.message = document.getElementById('prejoin-message');
    this.level = document.getElementById('mic-level');
    this.meter = null;
    this.meterTrack = null;
    this.wantMic = localStorage.getItem('dwr.micOff') !== '1';
    this.wantCam = localStorage.getItem('dwr.camOff') !== '1';
  }

  /** Shows the screen; resolves {name} when the person presses Join. */
  async run() {
    const { media, room } = this.o;
    document.getElementById('prejoin-room').textContent = room;
    this.nameInput.value = this.o.name || localStorage.getItem('dwr.name') || '';
    this.el.hidden = false;
    this.roomStatus();
    document.getElementById('pj-mic').addEventListener('click', () => this.toggle('audio'));
    document.getElementById('pj-cam').addEventListener('click', () => this.toggle('video'));
    media.onChange = () => this.show();
    this.show();
    await media.acquire({ audio: this.wantMic, video: this.wantCam });
    if (!this.wantMic) media.micMuted = true;
    await this.o.pickers.refresh();
    this.show();
    (this.nameInput.value ? document.getElementById('btn-join') : this.nameInput).focus();
    return new Promise((resolve) => {
      document.getElementById('prejoin-form').addEventListener('submit', (e) => {
        e.preventDefault();
        const name = this.nameInput.value.trim();
        if (!name) {
          this.nameInput.focus();
          return;
        }
        localStorage.setItem('dwr.name', name);
        localStorage.setItem('dwr.micOff', media.micOn ? '0' : '1');
        localStorage.setItem('dwr.camOff', media.cameraOn ? '0' : '1');
        this.meter?.stop();
        this.video.srcObject = null;
        this.el.hidden = true;
        media.onChange = null;
        resolve({ name });
      });
    });
  }

  async toggle(kind) {
    const { media } = this.o;
    if (kind === 'audio') {
      this.wantMic = !media.micOn;
      await media.setMicMuted(!this.wantMic);
    } else {
      this.wantCam = !media.cameraOn;
      await media.setCameraOn(this.wantCam);
    }
    await this.o.pickers.refresh();
    this.show();
  }

  show() {
    const { media } = this.o;
    const camera = media.camera;
    if ((this.video.srcObject?.getVideoTracks()[0] ?? null) !== camera) {
      this.video.srcObject = camera ? new MediaStream([camera]) : null;
      this.video.play?.().catch(() => {});
    }
    document.getElementById('preview-off').hidden = media.cameraOn;
    setToggle(document.getElementById('pj-mic'), { pressed: !media.micOn, off: !media.micOn, label: media.micOn ? 'Mic on' : 'Mic off' });
    setToggle(document.getElementById('pj-cam'), { pressed: !media.cameraOn, off: !media.cameraOn, label: media.cameraOn ? 'Camera on' : 'Camera off' });
    const track = media.micOn ? media.mic : null;
    if (track !== this.meterTrack) {
      this.meter?.stop();
      this.meterTrack = track;
      this.meter = track ? levelMeter(track, (v) => { this.level.style.width = `${Math.round(v * 100)}%`; this.level.parentElement.setAttribute('aria-valuenow', String(Math.round(v * 100))); }) : null;
      if (!track) this.level.style.width = '0';
    }
    const errors = {};
    if (this.wantMic && media.errors.audio) errors.audio = media.errors.audio;
    if (this.wantCam && media.errors.video) errors.video = media.errors.video;
    const text = combinedErrorText(errors);
    let note = '';
    if (!text) {
      if (!media.micOn && !media.cameraOn) note = 'You will join with microphone and camera off; you can still see and hear the others.';
      else if (!media.cameraOn) note = 'You will join with your camera off.';
      else if (!media.micOn) note = 'You will join muted.';
    }
    this.message.textContent = text || note;
    this.message.classList.toggle('error', !!text);
  }

  /** "2 people in the meeting, direct connection" from the server's room summary (nothing when it does not say). */
  async roomStatus() {
    const el = document.getElementById('room-status');
    try {
      const headers = this.o.token ? { Authorization: `Bearer ${this.o.token}` } : {};
      const r = await fetch(`/api/rooms/${encodeURIComponent(this.o.room)}/summary`, { cache: 'no-store', headers });
      if (!r.ok) return;
      const s = await r.json();
      const n = s.participants ?? 0;
      el.textContent = n === 0 ? 'Nobody is in this meeting yet.' : `${n === 1 ? '1 person' : `${n} people`} in the meeting, ${MODE_LABELS[s.mode] ?? s.mode}.`;
    } catch {
      // Unknown: say nothing.
    }
  }
}
