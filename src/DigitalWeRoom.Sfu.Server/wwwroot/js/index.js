// Start page: pick a room and a display name, then open /r/{room}?name=...
const form = document.getElementById('join-form');
const params = new URLSearchParams(location.search);
const roomInput = document.getElementById('room');
const nameInput = document.getElementById('name');
roomInput.value = params.get('room') ?? '';
nameInput.value = localStorage.getItem('dwr.name') ?? '';
if (params.get('error') === 'room-name') {
  const err = document.getElementById('home-error');
  err.textContent = 'Room names use letters, digits, "_", "." and "-" (at most 64).';
  err.hidden = false;
}
form.addEventListener('submit', (e) => {
  e.preventDefault();
  const room = roomInput.value.trim();
  const name = nameInput.value.trim();
  localStorage.setItem('dwr.name', name);
  // A meeting link's ?token= (docs/security.md) is carried to the room.
  const token = params.get('token');
  location.href = `/r/${encodeURIComponent(room)}?name=${encodeURIComponent(name)}${token ? `&token=${encodeURIComponent(token)}` : ''}`;
});

// The deployment's name (Sfu:DisplayName), shown as the page title.
fetch('/api/info').then((r) => r.ok ? r.json() : null).then((info) => {
  if (info?.displayName) {
    document.getElementById('display-name').textContent = info.displayName;
    document.title = info.displayName;
  }
}).catch(() => {});
