// The camera, microphone and speaker pickers (one set of <select>s, shown on the pre-join screen and moved into the
// Settings dialog during the call). Lists are refreshed on `devicechange`; a choice is remembered (localStorage).

import { LocalMedia } from './media.js';

const NAMES = { videoinput: 'Camera', audioinput: 'Microphone', audiooutput: 'Speaker' };

export class DevicePickers {
  /** @param {{media: LocalMedia, setSinkId: (id: string) => void}} o */
  constructor(o) {
    this.media = o.media;
    this.setSinkId = o.setSinkId;
    this.selects = {
      videoinput: document.getElementById('sel-camera'),
      audioinput: document.getElementById('sel-mic'),
      audiooutput: document.getElementById('sel-speaker'),
    };
    // Speaker choice needs HTMLMediaElement.setSinkId (not in every browser).
    if (!('setSinkId' in HTMLMediaElement.prototype)) this.selects.audiooutput.closest('label').hidden = true;
    for (const [kind, select] of Object.entries(this.selects)) {
      select.addEventListener('change', async () => {
        if (kind === 'audiooutput') {
          this.media.devices.audiooutput = select.value;
          localStorage.setItem('dwr.speaker', select.value);
          this.setSinkId(select.value);
        } else {
          await this.media.useDevice(kind, select.value);
        }
      });
    }
    navigator.mediaDevices?.addEventListener?.('devicechange', () => this.refresh());
    if (this.media.devices.audiooutput) this.setSinkId(this.media.devices.audiooutput);
  }

  async refresh() {
    const lists = await LocalMedia.list();
    for (const [kind, select] of Object.entries(this.selects)) {
      const devices = lists[kind];
      const current = this.currentId(kind);
      const options = devices.map((d, i) => {
        const opt = document.createElement('option');
        opt.value = d.deviceId;
        opt.textContent = d.label || `${NAMES[kind]} ${i + 1}`;
        return opt;
      });
      if (!options.length) {
        const none = document.createElement('option');
        none.value = '';
        none.textContent = `No ${NAMES[kind].toLowerCase()} found`;
        options.push(none);
      }
      select.replaceChildren(...options);
      if (devices.some((d) => d.deviceId === current)) select.value = current;
      select.disabled = !devices.length;
    }
  }

  /** The device a live track uses, else the remembered choice. */
  currentId(kind) {
    const track = kind === 'videoinput' ? this.media.camera : kind === 'audioinput' ? this.media.mic : null;
    return track?.getSettings?.().deviceId ?? this.media.devices[kind];
  }
}
