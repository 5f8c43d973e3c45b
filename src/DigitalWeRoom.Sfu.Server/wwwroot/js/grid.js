// Pages through a large grid (9 tiles a page by default, ?pageSize=N to change), lets the user pin tiles,
// and tells the server which participants are on screen and pinned (`view`), so its last-N choice follows
// what the user looks at. Works on the tiles ui.js creates, watching the grid for added/removed tiles.

const VIEW_MIN_INTERVAL_MS = 300; // the server applies at most 4 views a second; stay under that

export class GridPager {
  /** @param {{ui: any, send: (msg: object) => void, pageSize?: number}} o */
  constructor(o) {
    this.ui = o.ui;
    this.send = o.send;
    this.pageSize = Math.max(1, Math.min(49, o.pageSize ?? 9));
    this.page = 0;
    this.pinned = new Set();
    this.lastSent = '';
    this.lastSentAt = 0;
    this.timer = null;
    this.enabled = false;
    this.buildControls();
    new MutationObserver(() => this.layout()).observe(this.ui.grid, { childList: true });
  }

  buildControls() {
    const bar = document.createElement('nav');
    bar.className = 'pager';
    bar.setAttribute('aria-label', 'pages');
    this.prevBtn = document.createElement('button');
    this.prevBtn.type = 'button';
    this.prevBtn.textContent = '‹ Prev';
    this.prevBtn.addEventListener('click', () => this.go(this.page - 1));
    this.label = document.createElement('span');
    this.label.className = 'page-label';
    this.nextBtn = document.createElement('button');
    this.nextBtn.type = 'button';
    this.nextBtn.textContent = 'Next ›';
    this.nextBtn.addEventListener('click', () => this.go(this.page + 1));
    bar.append(this.prevBtn, this.label, this.nextBtn);
    this.bar = bar;
    (document.querySelector('header') ?? this.ui.grid.parentElement).append(bar);
  }

  /** Starts reporting views (once joined). */
  start() {
    this.enabled = true;
    this.layout();
  }

  /** Tiles in display order: pinned first, then the grid's own order. */
  orderedTiles() {
    const els = [...this.ui.grid.children].filter((el) => el.classList.contains('tile'));
    return [...els.filter((el) => this.pinned.has(el.dataset.key)), ...els.filter((el) => !this.pinned.has(el.dataset.key))];
  }

  get pageCount() {
    return Math.max(1, Math.ceil(this.orderedTiles().length / this.pageSize));
  }

  go(page) {
    this.page = Math.max(0, Math.min(this.pageCount - 1, page));
    this.layout();
  }

  togglePin(key) {
    if (this.pinned.has(key)) this.pinned.delete(key); else this.pinned.add(key);
    this.layout();
  }

  layout() {
    const tiles = this.orderedTiles();
    const pages = Math.max(1, Math.ceil(tiles.length / this.pageSize));
    if (this.page >= pages) this.page = pages - 1;
    const first = this.page * this.pageSize;
    tiles.forEach((el, i) => {
      el.style.order = String(i);
      el.hidden = i < first || i >= first + this.pageSize;
      this.ensurePinButton(el);
    });
    this.bar.hidden = pages <= 1;
    this.label.textContent = `page ${this.page + 1} / ${pages}`;
    this.prevBtn.disabled = this.page === 0;
    this.nextBtn.disabled = this.page >= pages - 1;
    this.report();
  }

  ensurePinButton(el) {
    const key = el.dataset.key;
    if (!key || key === 'self' || key.includes(':')) return;
    let btn = el.querySelector('button.pin');
    if (!btn) {
      btn = document.createElement('button');
      btn.type = 'button';
      btn.className = 'pin';
      btn.addEventListener('click', () => this.togglePin(key));
      el.append(btn);
    }
    const pinned = this.pinned.has(key);
    btn.setAttribute('aria-pressed', String(pinned));
    btn.textContent = pinned ? 'Unpin' : 'Pin';
  }

  /** Remote participants on the current page (screen tiles count for their owner). */
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
