// Start page: start a meeting under a readable generated name, join one by name or link, or reopen a recent one.
// The meeting page asks for the display name (pre-join) unless the link carries ?name=.
import { tokenQuery } from './token.js';

const params = new URLSearchParams(location.search);
const form = document.getElementById('join-form');
const roomInput = document.getElementById('room');
const error = document.getElementById('home-error');
const ROOM = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

const ADJECTIVES = ['amber', 'bold', 'brave', 'bright', 'calm', 'clever', 'cosy', 'crisp', 'eager', 'fair', 'gentle', 'golden', 'happy', 'jolly', 'kind', 'lively', 'lucky', 'merry', 'mild', 'noble', 'quick', 'quiet', 'rapid', 'sunny', 'swift', 'tidy', 'vivid', 'warm', 'wise', 'young'];
const NOUNS = ['badger', 'beacon', 'brook', 'canyon', 'cedar', 'comet', 'delta', 'falcon', 'fjord', 'forest', 'harbor', 'heron', 'island', 'lagoon', 'maple', 'meadow', 'otter', 'panda', 'pebble', 'pine', 'planet', 'prairie', 'river', 'robin', 'summit', 'tiger', 'valley', 'willow', 'breeze', 'orchid'];

/** e.g. "calm-river-42": easy to read out, hard to guess (30 x 30 x 900 ≈ 810 000 names). */
export function generateRoomName(random = Math.random) {
  const pick = (list) => list[Math.floor(random() * list.length)];
  return `${pick(ADJECTIVES)}-${pick(NOUNS)}-${10 + Math.floor(random() * 990)}`;
}

/** A room name from what was typed: a name, or a meeting link (…/r/<room>). */
export function roomFrom(text) {
  const value = text.trim();
  const m = /\/r\/([^/?#]+)/.exec(value);
  const room = m ? decodeURIComponent(m[1]) : value;
  return ROOM.test(room) ? room : null;
}

function recent() {
  try {
    const list = JSON.parse(localStorage.getItem('dwr.recent') ?? '[]');
    return Array.isArray(list) ? list.filter((r) => typeof r === 'string' && ROOM.test(r)).slice(0, 8) : [];
  } catch {
    return [];
  }
}

function open(room) {
  localStorage.setItem('dwr.recent', JSON.stringify([room, ...recent().filter((r) => r !== room)].slice(0, 8)));
  // A meeting link's ?token= (docs/security.md) is carried to the room.
  const token = tokenQuery(params).slice(1);
  location.href = `/r/${encodeURIComponent(room)}${token ? `?${token}` : ''}`;
}

function showError(text) {
  error.textContent = text;
  error.hidden = false;
  roomInput.setAttribute('aria-invalid', 'true');
  roomInput.focus();
}

roomInput.value = params.get('room') ?? '';
if (params.get('error') === 'room-name') showError('Meeting names use letters, digits, "_", "." and "-" (at most 64).');

document.getElementById('btn-start').addEventListener('click', () => open(generateRoomName()));
form.addEventListener('submit', (e) => {
  e.preventDefault();
  const room = roomFrom(roomInput.value);
  if (!room) {
    showError('That is not a meeting name or link. Meeting names use letters, digits, "_", "." and "-" (at most 64).');
    return;
  }
  open(room);
});

const rooms = recent();
if (rooms.length) {
  document.getElementById('recent').hidden = false;
  document.getElementById('recent-list').replaceChildren(...rooms.map((r) => {
    const li = document.createElement('li');
    const a = document.createElement('a');
    a.href = `/r/${encodeURIComponent(r)}`;
    a.textContent = r;
    li.append(a);
    return li;
  }));
}

// The deployment's name (Sfu:DisplayName), shown as the page title.
fetch('/api/info').then((r) => (r.ok ? r.json() : null)).then((info) => {
  if (info?.displayName) {
    document.getElementById('display-name').textContent = info.displayName;
    document.title = info.displayName;
  }
}).catch(() => {});
