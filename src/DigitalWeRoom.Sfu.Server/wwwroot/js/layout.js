// Places the tiles that ui.js creates in the grid element, filling it:
// - grid view: as many tiles as fit at a readable size (or ?pageSize=N in tests), in the column count that gives the
//   largest tiles (aspect kept between 4:3 and 16:9); on phones (≤ 600 px) one column of full-width tiles;
// - stage view: one tile large (the first pinned, else a shared screen, else the active speaker) and the others in a
//   filmstrip (a column on the right, a row at the bottom on narrow screens).
// Beyond what fits, tiles are paged. Pinned tiles come first. The server learns which participants are on screen and
// pinned (`view`), so its last-N choice follows what the user sees. A new shared screen switches to stage view.

import { icon } from './icons.js';

const VIEW_MIN_INTERVAL_MS = 300; // the server applies at most 4 views a second; stay under that
const GAP = 8;
const PHONE_MAX_WIDTH = 600;
const MIN_TILE_HEIGHT = { desktop: 150, phone: 170 };

/** The column count and tile size that give the largest tiles for n tiles in w x h. */
export function bestGrid(n, w, h) {
  let best = { cols: 1, rows: 1, tw: w, th: h, area: 0 };
  for (let cols = 1; cols <= Math.max(1, n); cols++) {
    const rows = Math.ceil(n / cols);
    let tw = (w - GAP * (cols - 1)) / cols;
    let th = (h - GAP * (rows - 1)) / rows;
    if (tw / th > 16 / 9) tw = th * 16 / 9;
    if (tw / th < 4 / 3) th = tw * 3 / 4;
    const area = tw * th * n;
    if (area > best.area + 1) best = { cols, rows, tw, th, area };
  }
  return best;
}

export class TileLayout {
  /** @param {{ui: any, send: (msg: object) => void, pageSize?: number|null, stageKey?: () => string|null}} o */
  constructor(o) {
    this.ui = o.ui;
    this.grid = o.ui.grid;
    this.send = o.send;
    this.fixedPageSize = o.pageSize ? Math.max(1, Math.min(49, o.pageSize)) : null;
    this.speakerKey = o.speakerKey ?? (() => null);
    this.view = 'grid';
    this.autoStage = false; // stage view was chosen for a shared screen, not by the user
    this.page = 0;
    this.pageSize = this.fixedPageSize ?? 9;
    this.pinned = new Set();
    this.screens = new Set();
    this.lastSent = '';
    this.lastSentAt = 0;
    this.timer = null;
    this.enabled = false;
    this.onChange = null; // () => void: view or page changed (the bar's layout button)
    this.buildControls();
    new MutationObserver(() => this.layout()).observe(this.grid, { childList: true });
    new ResizeObserver(() => this.layout()).observe(this.grid);
  }

  buildControls() {
    const nav = document.createElement('nav');
    nav.className = 'pager';
    nav.setAttribute('aria-label', 'Pages of participants');
    const button = (text, label, step) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = text;
      b.setAttribute('aria-label', label);
      b.title = label;
      b.addEventListener('click', () => this.go(this.page + step));
      return b;
    };
    this.prevBtn = button('‹', 'Previous page', -1);
    this.label = document.createElement('span');
    this.label.className = 'page-label';
    this.nextBtn = button('›', 'Next page', 1);
    nav.append(this.prevBtn, this.label, this.nextBtn);
    this.bar = nav;
    this.grid.after(nav);
  }

  /** Starts reporting views (once joined). */
  start() {
    this.enabled = true;
    this.layout();
  }

  setView(view, auto = false) {
    this.view = view;
    this.autoStage = auto && view === 'stage';
    this.page = 0;
    this.layout();
    this.onChange?.();
  }

  /** Tiles in display order: pinned first, then the grid's own order. */
  orderedTiles() {
    const els = [...this.grid.children].filter((el) => el.classList.contains('tile'));
    return [...els.filter((el) => this.pinned.has(el.dataset.key)), ...els.filter((el) => !this.pinned.has(el.dataset.key))];
  }

  get pageCount() {
    return Math.max(1, Math.ceil(this.pagedTiles().length / this.pageSize));
  }

  go(page) {
    this.page = Math.max(0, Math.min(this.pageCount - 1, page));
    this.layout();
  }

  togglePin(key) {
    if (this.pinned.has(key)) this.pinned.delete(key); else this.pinned.add(key);
    this.layout();
  }

  /** Pin to stage: the participant fills the stage; a second click unpins and returns to the grid. */
  pinToStage(key) {
    if (this.pinned.has(key)) {
      this.pinned.delete(key);
      if (this.view === 'stage' && !this.pinned.size) this.setView('grid');
      else this.layout();
      return;
    }
    this.pinned = new Set([key]);
    this.setView('stage');
  }

  /** The tile on the stage: first pinned, else the newest shared screen, else the active speaker, else the first remote. */
  stageTile(tiles) {
    const byKey = (k) => tiles.find((el) => el.dataset.key === k);
    for (const k of this.pinned) if (byKey(k)) return byKey(k);
    const screen = [...tiles].reverse().find((el) => el.classList.contains('screen'));
    if (screen) return screen;
    const speaker = this.speakerKey();
    if (speaker && speaker !== 'self' && byKey(speaker)) return byKey(speaker);
    return tiles.find((el) => !el.classList.contains('local')) ?? tiles[0] ?? null;
  }

  pagedTiles() {
    const tiles = this.orderedTiles();
    if (this.view !== 'stage') return tiles;
    const stage = this.stageTile(tiles);
    return tiles.filter((el) => el !== stage);
  }

  /** Switches to the stage for a new shared screen, and back when the last screen ends (unless the user chose). */
  followScreens() {
    const screens = new Set([...this.grid.querySelectorAll('.tile.screen')].map((el) => el.dataset.key));
    const added = [...screens].some((k) => !this.screens.has(k));
    this.screens = screens;
    if (added && this.view !== 'stage') this.setView('stage', true);
    else if (!screens.size && this.autoStage && !this.pinned.size) this.setView('grid');
  }

  layout() {
    if (this.inLayout) return;
    this.inLayout = true;
    try {
      this.followScreens();
      this.place();
    } finally {
      this.inLayout = false;
    }
    this.report();
  }

  place() {
    const w = this.grid.clientWidth;
    const h = this.grid.clientHeight;
    const phone = w <= PHONE_MAX_WIDTH;
    this.grid.dataset.view = this.view;
    this.grid.classList.toggle('phone', phone);
    const tiles = this.orderedTiles();
    for (const el of tiles) {
      el.classList.remove('on-stage', 'in-strip');
      this.ensurePinButton(el);
    }
    if (!w || !h) return;
    if (this.view === 'stage' && tiles.length > 1) this.placeStage(tiles, w, h, phone);
    else this.placeGrid(tiles, w, h, phone);
    this.bar.hidden = this.pageCount <= 1;
    this.label.textContent = `${this.page + 1} / ${this.pageCount}`;
    this.prevBtn.disabled = this.page === 0;
    this.nextBtn.disabled = this.page >= this.pageCount - 1;
  }

  /** How many tiles fit at a readable size (each at least MIN_TILE_HEIGHT tall). */
  capacity(w, h, phone) {
    if (this.fixedPageSize) return this.fixedPageSize;
    const min = phone ? MIN_TILE_HEIGHT.phone : MIN_TILE_HEIGHT.desktop;
    if (phone) return Math.max(1, Math.floor((h + GAP) / (min + GAP)));
    const rows = Math.max(1, Math.floor((h + GAP) / (min + GAP)));
    const cols = Math.max(1, Math.floor((w + GAP) / (min * 16 / 9 + GAP)));
    return Math.max(1, Math.min(25, rows * cols));
  }

  placeGrid(tiles, w, h, phone) {
    this.pageSize = this.capacity(w, h, phone);
    const pages = Math.max(1, Math.ceil(tiles.length / this.pageSize));
    if (this.page >= pages) this.page = pages - 1;
    const first = this.page * this.pageSize;
    const shown = tiles.slice(first, first + this.pageSize);
    tiles.forEach((el) => { el.hidden = !shown.includes(el); });
    const n = shown.length;
    let g;
    if (phone) {
      const th = Math.min((h - GAP * (n - 1)) / n, w * 1.2);
      g = { cols: 1, rows: n, tw: w, th };
    } else {
      g = bestGrid(n, w, h);
    }
    const top = (h - (g.rows * g.th + (g.rows - 1) * GAP)) / 2;
    shown.forEach((el, i) => {
      const row = Math.floor(i / g.cols);
      const inRow = Math.min(g.cols, n - row * g.cols);
      const left = (w - (inRow * g.tw + (inRow - 1) * GAP)) / 2;
      this.put(el, left + (i % g.cols) * (g.tw + GAP), top + row * (g.th + GAP), g.tw, g.th);
    });
  }

  placeStage(tiles, w, h, phone) {
    const stage = this.stageTile(tiles);
    const strip = tiles.filter((el) => el !== stage);
    const column = !phone && w > h;
    let stripW;
    let stripH;
    if (column) {
      stripW = Math.round(Math.min(240, Math.max(160, w * 0.18)));
      stripH = stripW * 9 / 16;
      this.pageSize = Math.max(1, Math.floor((h + GAP) / (stripH + GAP)));
    } else {
      stripH = phone ? 96 : Math.round(Math.min(140, h * 0.18));
      stripW = stripH * 16 / 9;
      this.pageSize = Math.max(1, Math.floor((w + GAP) / (stripW + GAP)));
    }
    const pages = Math.max(1, Math.ceil(strip.length / this.pageSize));
    if (this.page >= pages) this.page = pages - 1;
    const first = this.page * this.pageSize;
    const shown = strip.slice(first, first + this.pageSize);
    for (const el of tiles) el.hidden = el !== stage && !shown.includes(el);
    stage.classList.add('on-stage');
    if (column) {
      this.put(stage, 0, 0, w - stripW - GAP, h);
      const top = Math.max(0, (h - (shown.length * (stripH + GAP) - GAP)) / 2);
      shown.forEach((el, i) => { el.classList.add('in-strip'); this.put(el, w - stripW, top + i * (stripH + GAP), stripW, stripH); });
    } else {
      this.put(stage, 0, 0, w, h - stripH - GAP);
      const left = Math.max(0, (w - (shown.length * (stripW + GAP) - GAP)) / 2);
      shown.forEach((el, i) => { el.classList.add('in-strip'); this.put(el, left + i * (stripW + GAP), h - stripH, stripW, stripH); });
    }
  }

  /** Each remote tile has a "Pin to stage" button (shown on hover and focus). */
  ensurePinButton(el) {
    const key = el.dataset.key;
    if (!key || key.startsWith('self')) return;
    let btn = el.querySelector('button.pin');
    if (!btn) {
      btn = document.createElement('button');
      btn.type = 'button';
      btn.className = 'pin';
      btn.dataset.icon = 'pin';
      btn.append(icon('pin'));
      btn.addEventListener('click', () => this.pinToStage(key));
      el.append(btn);
    }
    const pinned = this.pinned.has(key);
    btn.setAttribute('aria-pressed', String(pinned));
    const name = el.querySelector('.name')?.textContent ?? '';
    const text = pinned ? `Unpin ${name}` : `Pin ${name} to the stage`;
    btn.setAttribute('aria-label', text);
    btn.title = text;
  }

  put(el, x, y, w, h) {
    el.style.left = `${Math.round(x)}px`;
    el.style.top = `${Math.round(y)}px`;
    el.style.width = `${Math.round(w)}px`;
    el.style.height = `${Math.round(h)}px`;
  }

  /** Remote participants whose tiles are on screen (screen tiles count for their owner). */
  visible() {
    const ids = new Set();
    for (const el of this.orderedTiles()) {
      const key = el.dataset.key;
      if (el.hidden || !key || key.startsWith('self')) continue;
      ids.add(key.split(':')[0]);
    }
    return [...ids];
  }

  /** Sends `view` when it changed, at most once per VIEW_MIN_INTERVAL_MS (the last change always goes out). */
  report() {
    if (!this.enabled) return;
    const view = { type: 'view', visible: this.visible(), pinned: [...this.pinned].filter((k) => this.ui.tiles.has(k)) };
    const text = JSON.stringify(view);
    if (text === this.lastSent) return;
    const wait = this.lastSentAt + VIEW_MIN_INTERVAL_MS - performance.now();
    if (wait > 0) {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.report(), wait);
      return;
    }
    this.lastSent = text;
    this.lastSentAt = performance.now();
    this.send(view);
  }
}
