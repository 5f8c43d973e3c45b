// Line icons (24x24, stroke = currentColor), drawn for this page. `icon(name)` returns an <svg> hidden from
// assistive technology: every control carries its own label.

const NS = 'http://www.w3.org/2000/svg';

const SHAPES = {
  mic: [['rect', { x: 9, y: 3, width: 6, height: 11, rx: 3 }], ['path', { d: 'M6 11a6 6 0 0 0 12 0M12 17v4M9 21h6' }]],
  camera: [['rect', { x: 3, y: 7, width: 12, height: 10, rx: 2 }], ['path', { d: 'M15 11l6-3v8l-6-3z' }]],
  screen: [['rect', { x: 3, y: 4, width: 18, height: 12, rx: 2 }], ['path', { d: 'M8 20h8M12 16v4M12 13V7M9 10l3-3 3 3' }]],
  chat: [['path', { d: 'M4 5h16v11H9l-5 4z' }]],
  people: [['circle', { cx: 9, cy: 8, r: 3 }], ['path', { d: 'M3 19c0-3.3 2.7-6 6-6s6 2.7 6 6' }], ['circle', { cx: 17, cy: 9, r: 2.5 }], ['path', { d: 'M16 13.6c2.8 0 5 2.2 5 5' }]],
  hand: [['path', { d: 'M8 13V6a1.5 1.5 0 0 1 3 0v5M11 11V4.5a1.5 1.5 0 0 1 3 0V11M14 11V6a1.5 1.5 0 0 1 3 0v7c0 4-2.5 7-6 7-2.8 0-4.2-1.6-5.6-3.8L3.2 12.6a1.5 1.5 0 0 1 2.5-1.6L8 14' }]],
  more: [['circle', { cx: 5, cy: 12, r: 1.6 }], ['circle', { cx: 12, cy: 12, r: 1.6 }], ['circle', { cx: 19, cy: 12, r: 1.6 }]],
  leave: [['path', { d: 'M3 14.5c5-4.7 13-4.7 18 0l-2.4 2.4-3.1-1.4v-2.6a10.5 10.5 0 0 0-7 0v2.6l-3.1 1.4z' }]],
  pin: [['path', { d: 'M9 3h6l-1 6 3 3H7l3-3zM12 12v9' }]],
  settings: [['path', { d: 'M4 7h10M18 7h2M4 17h4M12 17h8' }], ['circle', { cx: 16, cy: 7, r: 2 }], ['circle', { cx: 10, cy: 17, r: 2 }]],
  link: [['path', { d: 'M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1M14 10a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 5.7l1-1' }]],
  grid: [['rect', { x: 4, y: 4, width: 7, height: 7, rx: 1 }], ['rect', { x: 13, y: 4, width: 7, height: 7, rx: 1 }], ['rect', { x: 4, y: 13, width: 7, height: 7, rx: 1 }], ['rect', { x: 13, y: 13, width: 7, height: 7, rx: 1 }]],
  stage: [['rect', { x: 3, y: 4, width: 13, height: 16, rx: 1.5 }], ['rect', { x: 18, y: 4, width: 3, height: 4, rx: .8 }], ['rect', { x: 18, y: 10, width: 3, height: 4, rx: .8 }], ['rect', { x: 18, y: 16, width: 3, height: 4, rx: .8 }]],
  flip: [['path', { d: 'M4 12a8 8 0 0 1 14-5.3M20 12a8 8 0 0 1-14 5.3M18 3v4h-4M6 21v-4h4' }]],
  keyboard: [['rect', { x: 2, y: 6, width: 20, height: 12, rx: 2 }], ['path', { d: 'M6 10h.01M10 10h.01M14 10h.01M18 10h.01M7 14h10' }]],
  close: [['path', { d: 'M6 6l12 12M18 6L6 18' }]],
  slash: [['path', { d: 'M4 4l16 16' }]],
};

export function icon(name, { off = false } = {}) {
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  svg.classList.add('icon');
  for (const [tag, attrs] of [...(SHAPES[name] ?? []), ...(off ? SHAPES.slash : [])]) {
    const el = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
    svg.append(el);
  }
  return svg;
}

/** Replaces the icon of every element with data-icon="name" (and data-off="true" for the crossed-out form). */
export function drawIcons(root = document) {
  for (const el of root.querySelectorAll('[data-icon]')) {
    el.querySelector('svg.icon')?.remove();
    el.prepend(icon(el.dataset.icon, { off: el.dataset.off === 'true' }));
  }
}

/** A toggle button: aria-pressed, its visible label (and tooltip), and the crossed-out icon when `off`. */
export function setToggle(button, { pressed, label, off }) {
  if (!button) return;
  if (pressed !== undefined) button.setAttribute('aria-pressed', String(pressed));
  if (label) {
    const text = button.querySelector('.text');
    if (text) text.textContent = label; else button.textContent = label;
    button.title = `${label}${button.dataset.key ? ` (${button.dataset.key})` : ''}`;
  }
  if (off !== undefined && button.dataset.icon) {
    button.dataset.off = String(off);
    button.querySelector('svg.icon')?.remove();
    button.prepend(icon(button.dataset.icon, { off }));
  }
}
