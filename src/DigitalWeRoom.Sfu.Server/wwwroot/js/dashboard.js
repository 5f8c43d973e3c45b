// Dashboard: polls /api/stats (same origin, no external scripts) and draws live numbers and small
// canvas charts. With an admin key configured the API answers 401 until the key is given; the key is
// kept in sessionStorage only and sent as a bearer token.
const POLL_MS = 1000;
const $ = (id) => document.getElementById(id);
let selectedRoom = null;
let clusterPolling = false;

function authHeaders() {
  const key = sessionStorage.getItem('dwr-admin-key');
  return key ? { Authorization: 'Bearer ' + key } : {};
}

export function formatBits(bps) {
  if (!Number.isFinite(bps)) return '–';
  const units = ['bit/s', 'kbit/s', 'Mbit/s', 'Gbit/s'];
  let i = 0;
  while (bps >= 1000 && i < units.length - 1) { bps /= 1000; i++; }
  return (i === 0 ? bps.toFixed(0) : bps.toFixed(1)) + ' ' + units[i];
}

function formatBytes(b) {
  return (b / (1024 * 1024)).toFixed(0) + ' MiB';
}

function setText(id, text) {
  const el = $(id);
  if (el.textContent !== String(text)) el.textContent = String(text);
}

// A line chart of one or more series on a canvas; y axis from 0 to the max (labelled), x = samples.
function drawChart(canvas, seriesList, colors) {
  const ratio = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || canvas.width, h = canvas.clientHeight || canvas.height;
  if (canvas.width !== Math.round(w * ratio)) { canvas.width = Math.round(w * ratio); canvas.height = Math.round(h * ratio); }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, w, h);
  const n = Math.max(...seriesList.map((s) => s.length), 2);
  let max = Math.max(1e-9, ...seriesList.flat());
  const pad = 4, left = 44;
  ctx.strokeStyle = '#2c2f38';
  ctx.lineWidth = 1;
  ctx.beginPath(); ctx.moveTo(left, pad); ctx.lineTo(left, h - pad); ctx.lineTo(w - pad, h - pad); ctx.stroke();
  ctx.fillStyle = '#9aa0ab';
  ctx.font = '10px system-ui, sans-serif';
  ctx.fillText(max >= 1000 ? formatBits(max).replace('bit/s', '') : (max < 10 ? max.toFixed(2) : max.toFixed(0)), 2, pad + 8);
  ctx.fillText('0', 2, h - pad);
  seriesList.forEach((series, k) => {
    ctx.strokeStyle = colors[k];
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    series.forEach((v, i) => {
      const x = left + ((w - left - pad) * i) / (n - 1);
      const y = h - pad - ((h - 2 * pad) * v) / max;
      if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
    });
    ctx.stroke();
  });
}

function renderRooms(rooms) {
  const body = $('room-table').querySelector('tbody');
  body.replaceChildren(...rooms.map((r) => {
    const tr = document.createElement('tr');
    tr.dataset.room = r.name;
    tr.setAttribute('aria-selected', String(r.name === selectedRoom));
    for (const text of [r.name, r.mode, r.participantCount, r.tracks]) {
      const td = document.createElement('td');
      td.textContent = String(text);
      tr.append(td);
    }
    tr.addEventListener('click', () => { selectedRoom = r.name; renderDetail(r); renderRooms(rooms); });
    return tr;
  }));
  const current = rooms.find((r) => r.name === selectedRoom);
  if (current) renderDetail(current); else { $('room-detail').hidden = true; selectedRoom = null; }
}

function renderDetail(room) {
  $('room-detail').hidden = false;
  setText('room-detail-name', `${room.name} · ${room.mode} · ${room.participantCount} participants`);
  $('room-detail-body').replaceChildren(...room.participants.map((p) => {
    const tr = document.createElement('tr');
    const tracks = (p.tracks || []).map((t) => `${t.kind}${t.source ? ' (' + t.source + ')' : ''}`).join(', ') || '—';
    const muted = [p.audioMuted ? 'audio' : '', p.videoMuted ? 'video' : ''].filter(Boolean).join(', ') || '—';
    for (const text of [p.name, p.id, tracks, muted]) {
      const td = document.createElement('td');
      td.textContent = text;
      tr.append(td);
    }
    return tr;
  }));
}

function renderDrops(drops) {
  const entries = Object.entries(drops).sort((a, b) => b[1] - a[1]);
  $('drop-table').querySelector('tbody').replaceChildren(...entries.map(([reason, count]) => {
    const tr = document.createElement('tr');
    tr.dataset.reason = reason;
    const a = document.createElement('td'); a.textContent = reason;
    const b = document.createElement('td'); b.textContent = String(count);
    tr.append(a, b);
    return tr;
  }));
}

function render(s) {
  setText('node', `${s.nodeId} · ${s.region}${s.draining ? ' · draining' : ''}`);
  setText('rooms', s.rooms);
  setText('participants', s.participants);
  setText('rooms-p2p', s.roomsByMode.p2p);
  setText('rooms-sfu', s.roomsByMode.sfu);
  setText('rooms-switching', s.roomsByMode.switching);
  setText('bitrate-in', formatBits(s.bitrateIn));
  setText('bitrate-out', formatBits(s.bitrateOut));
  setText('loss', (100 * s.lossRatio).toFixed(2) + ' %');
  setText('loss-out', (100 * (s.lossRatioOut ?? 0)).toFixed(2) + ' %');
  setText('drops-total', s.dropsTotal);
  setText('cpu', s.cpuPercent.toFixed(1) + ' %');
  setText('memory', formatBytes(s.memoryBytes));
  const h = s.history;
  drawChart($('chart-rooms'), [h.map((x) => x.roomsP2p), h.map((x) => x.roomsSfu + x.roomsSwitching)], ['#3fbf7f', '#5b8def']);
  drawChart($('chart-participants'), [h.map((x) => x.participants)], ['#e0b04a']);
  drawChart($('chart-bitrate'), [h.map((x) => x.bitrateIn), h.map((x) => x.bitrateOut)], ['#3fbf7f', '#5b8def']);
  drawChart($('chart-loss'), [h.map((x) => 100 * x.lossRatio), h.map((x) => 100 * (x.lossRatioOut ?? 0))], ['#e06a6a', '#e0b04a']);
  drawChart($('chart-drops'), [h.map((x) => x.dropsPerSecond)], ['#e06a6a']);
  drawChart($('chart-process'), [h.map((x) => x.cpuPercent), h.map((x) => x.memoryBytes / (1024 * 1024))], ['#e0b04a', '#9a7fe0']);
  renderRooms(s.roomList);
  renderDrops(s.drops);
  if (s.clustered && !clusterPolling) {
    clusterPolling = true;
    pollCluster();
  }
  document.body.dataset.updated = String(s.time);
  window.dwrDashboard = { ...window.dwrDashboard, last: s };
}

async function poll() {
  try {
    const response = await fetch('/api/stats', { headers: authHeaders(), cache: 'no-store' });
    if (response.status === 401) {
      $('key-form').hidden = false;
      setText('status', 'admin key required');
      return;
    }
    if (!response.ok) throw new Error('HTTP ' + response.status);
    $('key-form').hidden = true;
    render(await response.json());
    setText('status', 'live · ' + new Date().toLocaleTimeString());
  } catch (e) {
    setText('status', 'offline: ' + e.message);
  } finally {
    setTimeout(poll, POLL_MS);
  }
}

// Cluster (docs/cluster.md): every node's registry entry from /api/cluster, whichever node serves this page.
// Polled only once /api/stats says this node is in a cluster; otherwise the table stays hidden.
export function renderNodes(c) {
  $('cluster').hidden = false;
  setText('cluster-redis', c.redisUp ? 'redis up' : 'redis unreachable');
  $('node-table').querySelector('tbody').replaceChildren(...c.nodes.map((n) => {
    const tr = document.createElement('tr');
    tr.dataset.node = n.id;
    tr.dataset.state = n.state;
    const seen = Math.max(0, (c.now - n.at) / 1000);
    const cells = [n.id + (n.id === c.self ? ' (this)' : ''), n.state, n.rooms, n.participants, n.tracks, Math.round(n.pps),
      (100 * n.cpu).toFixed(0) + ' %', n.region, seen.toFixed(1) + ' s ago'];
    for (const text of cells) {
      const td = document.createElement('td');
      td.textContent = String(text);
      tr.append(td);
    }
    return tr;
  }));
  window.dwrDashboard = { ...window.dwrDashboard, cluster: c };
}

async function pollCluster() {
  try {
    const response = await fetch('/api/cluster', { headers: authHeaders(), cache: 'no-store' });
    if (response.ok) renderNodes(await response.json());
  } catch {
    // The stats poll reports the node offline.
  }
  setTimeout(pollCluster, 2 * POLL_MS);
}

$('key-form').addEventListener('submit', (e) => {
  e.preventDefault();
  sessionStorage.setItem('dwr-admin-key', $('key').value);
  $('key').value = '';
});

poll();
