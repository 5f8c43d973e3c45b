// The participant's own media: microphone, camera and screen, each acquired on its own so a busy or refused camera
// never costs the microphone (and the other way round). Camera off stops the track (the camera light goes out);
// camera on acquires it again. Device changes replace tracks in place; `onTracks` tells the connections (P2P and
// server) to swap their senders' tracks, so no renegotiation is needed unless a kind appears for the first time.

const KIND_WORDS = { audio: 'microphone', video: 'camera' };

/** What a person should read when getUserMedia for one kind failed. */
export function mediaErrorText(kind, error) {
  const what = KIND_WORDS[kind];
  switch (error?.name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return `${cap(what)} access was denied. Allow it in the browser's site settings (the icon left of the address), then turn the ${what} on again.`;
    case 'NotFoundError':
    case 'OverconstrainedError':
      return `No ${what} was found. Plug one in and pick it under Settings.`;
    case 'NotReadableError':
    case 'AbortError':
      return `The ${what} is in use by another application or could not be started. Close the other application and try again.`;
    default:
      return `The ${what} is unavailable (${error?.name ?? 'error'}).`;
  }
}

/** One message for both kinds when both failed the same way (e.g. "Camera and microphone access was denied."). */
export function combinedErrorText(errors) {
  const a = errors.audio;
  const v = errors.video;
  if (a && v && a.name === v.name && a.name === 'NotAllowedError') {
    return 'Camera and microphone access was denied. You can still see and hear the others; allow access in the browser\'s site settings to be seen and heard.';
  }
  if (a && v && a.name === v.name && a.name === 'NotFoundError') {
    return 'No camera or microphone was found. You can still see and hear the others.';
  }
  return [a && mediaErrorText('audio', a), v && mediaErrorText('video', v)].filter(Boolean).join(' ');
}

function cap(s) {
  return s[0].toUpperCase() + s.slice(1);
}

export class LocalMedia {
  /** @param {{cameraSize?: {width: any, height: any}}} o */
  constructor(o = {}) {
    this.stream = new MediaStream(); // mic + camera; its id names the published tracks ("<stream.id>:<kind>")
    this.mic = null;
    this.camera = null;
    this.screen = null;
    this.screenStream = null;
    this.micMuted = false;
    this.errors = {}; // kind -> DOMException of the last failed attempt
    this.devices = { audioinput: '', videoinput: '', audiooutput: '' }; // chosen device ids ('' = default)
    this.facingMode = null; // 'user' | 'environment' after a flip
    this.cameraSize = o.cameraSize ?? { width: 640, height: 480 };
    this.onTracks = null; // () => Promise<void>: the tracks changed, update the senders
    this.onChange = null; // () => void: state changed, redraw
    this.displayMedia = () => navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    for (const [kind, key] of [['audioinput', 'dwr.mic'], ['videoinput', 'dwr.camera'], ['audiooutput', 'dwr.speaker']]) {
      this.devices[kind] = localStorage.getItem(key) ?? '';
    }
  }

  videoConstraints() {
    const c = { ...this.cameraSize };
    if (this.devices.videoinput && !this.facingMode) c.deviceId = { ideal: this.devices.videoinput };
    if (this.facingMode) c.facingMode = { exact: this.facingMode };
    return c;
  }

  audioConstraints() {
    return this.devices.audioinput ? { deviceId: { ideal: this.devices.audioinput } } : true;
  }

  /** Gets one track of `kind`; records the error and resolves null when it fails. */
  async capture(kind) {
    try {
      const constraints = kind === 'audio' ? { audio: this.audioConstraints() } : { video: this.videoConstraints() };
      const s = await navigator.mediaDevices.getUserMedia(constraints);
      delete this.errors[kind];
      return s.getTracks()[0] ?? null;
    } catch (err) {
      this.errors[kind] = err;
      return null;
    }
  }

  /** Acquires the microphone and/or camera, each on its own. */
  async acquire({ audio = true, video = true } = {}) {
    const [mic, camera] = await Promise.all([audio && !this.mic ? this.capture('audio') : null, video && !this.camera ? this.capture('video') : null]);
    if (mic) this.put('mic', mic);
    if (camera) this.put('camera', camera);
    this.onChange?.();
  }

  put(slot, track) {
    const old = this[slot];
    if (old) {
      this.stream.removeTrack(old);
      old.stop();
    }
    this[slot] = track;
    if (track) {
      this.stream.addTrack(track);
      if (slot === 'mic') track.enabled = !this.micMuted;
      track.addEventListener('ended', () => {
        // Unplugged or revoked: show it as off.
        if (this[slot] !== track) return;
        this.stream.removeTrack(track);
        this[slot] = null;
        this.onTracks?.();
        this.onChange?.();
      });
    }
  }

  get cameraOn() {
    return this.camera?.readyState === 'live';
  }

  get micOn() {
    return !!this.mic && !this.micMuted;
  }

  /** Mute keeps the track (unmuting is instant); a first unmute without a microphone acquires one. */
  async setMicMuted(muted) {
    this.micMuted = muted;
    if (!muted && !this.mic) {
      const mic = await this.capture('audio');
      if (mic) this.put('mic', mic);
      await this.onTracks?.();
    }
    if (this.mic) this.mic.enabled = !muted;
    this.onChange?.();
    return !this.micMuted && !!this.mic;
  }

  /** Off stops the track, so the camera light goes out; on acquires it again. Resolves whether the camera is on. */
  async setCameraOn(on) {
    if (!on) {
      this.setCameraOff();
    } else if (!this.cameraOn) {
      const camera = await this.capture('video');
      if (camera) this.put('camera', camera);
    }
    await this.onTracks?.();
    this.onChange?.();
    return this.cameraOn;
  }

  /** Switches to another input device (mid-call or on the pre-join screen); keeps mute/off state. */
  async useDevice(kind, deviceId) {
    this.devices[kind] = deviceId;
    localStorage.setItem({ audioinput: 'dwr.mic', videoinput: 'dwr.camera', audiooutput: 'dwr.speaker' }[kind], deviceId);
    if (kind === 'videoinput') this.facingMode = null;
    if (kind === 'audioinput' && this.mic) {
      const mic = await this.capture('audio');
      if (mic) this.put('mic', mic);
    } else if (kind === 'videoinput' && this.camera) {
      // Release first: many cameras cannot be opened twice.
      this.setCameraOff();
      const camera = await this.capture('video');
      if (camera) this.put('camera', camera);
    }
    await this.onTracks?.();
    this.onChange?.();
  }

  setCameraOff() {
    if (!this.camera) return;
    const t = this.camera;
    this.lastCamera = t;
    this.camera = null;
    this.stream.removeTrack(t);
    t.stop();
  }

  /** Phones: front ↔ back camera (facingMode). */
  async flipCamera() {
    this.facingMode = this.facingMode === 'environment' ? 'user' : 'environment';
    if (this.camera) {
      this.setCameraOff();
      const camera = await this.capture('video');
      if (camera) this.put('camera', camera);
      else {
        this.facingMode = null;
        const fallback = await this.capture('video');
        if (fallback) this.put('camera', fallback);
      }
    }
    await this.onTracks?.();
    this.onChange?.();
  }

  /** Whether this device can pick front/back cameras. */
  static canFlip() {
    return !!navigator.mediaDevices?.getSupportedConstraints?.().facingMode && matchMedia('(pointer: coarse)').matches;
  }

  async startScreen() {
    let stream;
    try {
      stream = await this.displayMedia();
    } catch {
      return null;
    }
    const track = stream.getVideoTracks()[0];
    if (!track) return null;
    this.screen = track;
    this.screenStream = stream;
    return track;
  }

  stopScreen() {
    const { screen, screenStream } = this;
    this.screen = null;
    this.screenStream = null;
    screen?.stop();
    return { screen, screenStream };
  }

  stopAll() {
    for (const t of [this.mic, this.camera, this.screen]) t?.stop();
    for (const t of this.stream.getTracks()) this.stream.removeTrack(t);
    this.mic = null;
    this.camera = null;
    this.screen = null;
    this.screenStream = null;
  }

  /** The devices of each kind ({deviceId, label}); labels are empty until a permission was granted. */
  static async list() {
    const all = (await navigator.mediaDevices?.enumerateDevices?.()) ?? [];
    const by = { audioinput: [], videoinput: [], audiooutput: [] };
    for (const d of all) by[d.kind]?.push({ deviceId: d.deviceId, label: d.label });
    return by;
  }
}

/** A 0..1 level of a microphone track, read ~10 times a second; stop() releases the analyser. */
export function levelMeter(track, onLevel) {
  const Ctx = globalThis.AudioContext ?? globalThis.webkitAudioContext;
  if (!track || !Ctx) return { stop() {} };
  const ctx = new Ctx();
  const source = ctx.createMediaStreamSource(new MediaStream([track]));
  const analyser = ctx.createAnalyser();
  analyser.fftSize = 512;
  source.connect(analyser);
  const data = new Uint8Array(analyser.fftSize);
  const timer = setInterval(() => {
    analyser.getByteTimeDomainData(data);
    let sum = 0;
    for (const v of data) sum += ((v - 128) / 128) ** 2;
    onLevel(Math.min(1, Math.sqrt(sum / data.length) * 4));
  }, 100);
  return { stop() { clearInterval(timer); ctx.close().catch(() => {}); } };
}

// Video codecs this browser can both decode and encode (the room forwards one codec to everybody, see
// docs/negotiation.md). Undefined when the browser cannot tell.
export function videoCodecs() {
  const names = (caps) => new Set((caps?.codecs ?? []).map((c) => c.mimeType.replace(/^video\//i, '').toUpperCase()));
  const recv = names(globalThis.RTCRtpReceiver?.getCapabilities?.('video'));
  const send = names(globalThis.RTCRtpSender?.getCapabilities?.('video'));
  const both = [...recv].filter((c) => send.has(c) && !['RTX', 'RED', 'ULPFEC', 'FLEXFEC-03'].includes(c));
  return both.length ? both.slice(0, 16) : undefined;
}
