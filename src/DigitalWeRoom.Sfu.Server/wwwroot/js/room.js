// The meeting page /r/{room}: pre-join (for a link without ?name=, or with ?prejoin=1), then the call. Wires the
// modules together; the call's state lives in meeting.js. Test hooks (js/testing/hooks.js) are loaded only when the
// server runs in its Testing environment and says so with <meta name="dwr-test-hooks">.

import { UI } from './ui.js';
import { LocalMedia } from './media.js';
import { Meeting } from './meeting.js';
import { TileLayout } from './layout.js';
import { SpeakerView } from './speaker.js';
import { QualityMonitor } from './quality.js';
import { RoomMode } from './mode.js';
import { TileSizeReporter } from './simulcast.js';
import { Announcer, ChatPanel, Drawers, PeoplePanel } from './panels.js';
import { Controls } from './controls.js';
import { DevicePickers } from './devices.js';
import { PreJoin } from './prejoin.js';
import { obtainToken, tokenClaims, tokenQuery } from './token.js';
import { drawIcons } from './icons.js';
import { RenameForm } from './rename.js';
import { Timeline } from './timeline.js';
import { Signaling, signalingUrl } from './signaling.js';

Timeline.mark('script'); // every static module loaded and evaluated
const params = new URLSearchParams(location.search);
const room = decodeURIComponent(location.pathname.split('/')[2] ?? '');
const testing = document.querySelector('meta[name="dwr-test-hooks"]') ? await import('/js/testing/hooks.js') : null;

drawIcons();
const ui = new UI();
ui.setRoom(room);
ui.setMode('connecting');
const info = fetch('/api/info').then((r) => (r.ok ? r.json() : {})).catch(() => ({}));
info.then((i) => {
  if (i?.displayName) {
    document.getElementById('display-name').textContent = i.displayName;
    document.title = `${room} · ${i.displayName}`;
  }
});

const media = new LocalMedia();
testing?.configureMedia(media, params);
const pickers = new DevicePickers({ media, setSinkId: (id) => ui.setSinkId(id) });
const embed = window.parent !== window && params.get('embedOrigin') ? await import('./embed.js') : null;
const bridge = embed ? await embed.connect(params.get('embedOrigin'), await info) : null;

let name = (params.get('name') ?? '').trim();
const given = params.get('token');
// A token's name is the display name (the server uses it too); the name field is then only a fallback.
if (!name && given) name = tokenClaims(given)?.name ?? '';
if (!name || params.get('prejoin') === '1') {
  const choice = await new PreJoin({ room, media, pickers, name, token: given }).run();
  name = choice.name;
} else {
  // Joining at once: the signaling socket opens while the camera and microphone start.
  Signaling.preopen(signalingUrl());
  await media.acquire({ audio: true, video: true });
}
Timeline.mark('media');

const access = await obtainToken(room, name, params);
document.getElementById('call').hidden = false;
const meeting = new Meeting({
  room, name, token: access.token ?? null, media, ui, allowP2p: params.get('p2p') !== '0', codecs: testing?.codecs(params),
});
const send = (m) => meeting.signaling.send(m);
const speakers = new SpeakerView({ ui, selfId: () => meeting.selfId });
const layout = new TileLayout({ ui, send, pageSize: testing?.pageSize(params), speakerKey: () => speakers.keyOf(speakers.speaker) });
const quality = new QualityMonitor({
  ui, pcs: () => [meeting.sfu.pc, meeting.p2p?.pc], ownerOf: (id) => meeting.ownerOf(id),
  active: () => (meeting.mode === RoomMode.PeerToPeer ? meeting.p2p?.pc : meeting.sfu.pc),
});
// Simulcast: tile sizes of server-path videos go to the server (video-size).
const tileSizes = new TileSizeReporter(ui.grid, send, (id) => meeting.sfu.serverTrackIdOf(id));
meeting.sfu.onAnswered = () => tileSizes.schedule();

const announcer = new Announcer();
const drawers = new Drawers({ onOpen: (open) => { if (open === 'chat') chat.setUnread(0); layout.layout(); } });
const chat = new ChatPanel({ send: (text) => meeting.sendChat(text), drawers, announcer });
const claims = tokenClaims(access.token);
const admin = claims?.video?.roomAdmin === true;
// The server takes the token's name (and refuses set-name) when the token has an identity and a name.
const nameFixed = !!(claims?.sub && claims?.name);
new RenameForm({ meeting, fixed: nameFixed });
const people = new PeoplePanel({
  list: () => meeting.people(), speaker: () => speakers.speaker, isAdmin: () => admin, moderate: (a, id) => meeting.moderate(a, id),
  rename: nameFixed ? null : () => controls.openDialog('settings', '#rename-input'),
});
/** A short notice over the tiles: gone after 6 s, or, when sticky, when the call is rejoined or ends. */
const notify = (text, sticky = false) => {
  const el = document.getElementById('notice');
  el.textContent = text;
  el.hidden = false;
  el.classList.toggle('sticky', sticky);
  clearTimeout(notify.timer);
  if (!sticky) notify.timer = setTimeout(() => { el.hidden = true; }, 6000);
};
const clearSticky = () => {
  const el = document.getElementById('notice');
  if (el.classList.contains('sticky')) el.hidden = true;
};
const controls = new Controls({ meeting, layout, drawers, pickers, notify, onLeave: () => meeting.leave() });

meeting
  .on('joined', () => {
    clearSticky();
    document.getElementById('reconnecting').hidden = true;
    layout.start();
    people.render();
  })
  .on('reconnecting', () => { document.getElementById('reconnecting').hidden = meeting.left; })
  .on('participant-joined', (p) => { chat.add('•', `${p.name} joined`, true); announcer.say(`${p.name} joined`); })
  .on('participant-left', (p) => { chat.add('•', `${p.name} left`, true); announcer.say(`${p.name} left`); })
  .on('hand', (p) => { announcer.say(`${p.name} raised their hand`); notify(`${p.name} raised their hand`); })
  .on('chat', (c) => chat.add(c.name, c.text))
  .on('people', () => people.render())
  .on('self', () => people.render())
  .on('speaker', (s) => {
    speakers.setSpeaker(s.id);
    people.render();
    if (layout.view === 'stage') layout.layout();
  })
  .on('forwarded', (m) => speakers.setForwarded(m.on, m.off, m.bandwidth))
  .on('notice', (n) => notify(n.text, n.sticky === true))
  .on('left', (l) => {
    clearSticky();
    showLeftScreen(l.reason);
    document.getElementById('call').hidden = true;
    document.getElementById('reconnecting').hidden = true;
    document.getElementById('left-screen').hidden = false;
    const rejoin = document.getElementById('btn-rejoin');
    rejoin.href = `/r/${encodeURIComponent(room)}?name=${encodeURIComponent(meeting.name)}${tokenQuery(params)}`;
    rejoin.focus();
  });
/** The screen after the call says who ended it when the server did (the error banner above says why). */
function showLeftScreen(reason) {
  const titles = { 'room-closed': 'This meeting was closed', removed: 'You were removed from the meeting', replaced: 'This meeting continues elsewhere' };
  document.getElementById('left-title').textContent = titles[reason] ?? 'You left the meeting';
}
window.addEventListener('pagehide', () => meeting.signaling.close());
bridge?.attach(meeting, controls);
testing?.install({ meeting, ui, layout, speakers, quality, controls });

if (access.error) {
  meeting.errors.push({ code: 'token-required', reason: access.error });
  ui.showError(access.error);
} else {
  await meeting.start();
}
