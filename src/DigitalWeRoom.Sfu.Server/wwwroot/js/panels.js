// The side drawers of the call: chat (with an unread badge on its button) and participants (names, mic and camera
// state, speaking and raised-hand marks; mute and remove for a room admin). On phones they are full-screen sheets
// (css). Joins, leaves and chat are also announced in a polite live region. Untrusted text only via textContent.

import { icon } from './icons.js';

export class Announcer {
  constructor() {
    this.el = document.getElementById('live');
  }

  say(text) {
    if (!this.el) return;
    // A fresh node per message so screen readers announce repeats too.
    const p = document.createElement('p');
    p.textContent = text;
    this.el.append(p);
    while (this.el.childElementCount > 5) this.el.firstElementChild.remove();
  }
}

export class Drawers {
  /** @param {{onOpen?: (name: string|null) => void}} o */
  constructor(o = {}) {
    this.open = null;
    this.onOpen = o.onOpen;
    for (const name of ['chat', 'people']) {
      document.getElementById(`btn-${name}`).addEventListener('click', () => this.toggle(name));
      document.querySelector(`#panel-${name} .close`).addEventListener('click', () => this.toggle(name, false));
    }
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.open && document.getElementById(`panel-${this.open}`).contains(document.activeElement)) {
        const was = this.open;
        this.toggle(was, false);
        document.getElementById(`btn-${was}`).focus();
      }
    });
  }

  toggle(name, wanted) {
    const show = wanted ?? this.open !== name;
    for (const n of ['chat', 'people']) {
      const on = show && n === name;
      document.getElementById(`panel-${n}`).hidden = !on;
      document.getElementById(`btn-${n}`).setAttribute('aria-expanded', String(on));
      document.getElementById(`btn-${n}`).setAttribute('aria-pressed', String(on));
    }
    document.body.classList.toggle('drawer-open', show);
    this.open = show ? name : null;
    if (show) document.querySelector(`#panel-${name} [data-autofocus]`)?.focus();
    this.onOpen?.(this.open);
  }
}

export class ChatPanel {
  /** @param {{send: (text: string) => void, drawers: Drawers, announcer: Announcer}} o */
  constructor(o) {
    this.log = document.getElementById('chat-log');
    this.badge = document.querySelector('#btn-chat .badge');
    this.drawers = o.drawers;
    this.announcer = o.announcer;
    this.unread = 0;
    document.getElementById('chat-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const input = document.getElementById('chat-input');
      const text = input.value.trim();
      if (text) o.send(text.slice(0, 1000));
      input.value = '';
    });
  }

  add(name, text, system = false) {
    const li = document.createElement('li');
    if (system) li.className = 'system';
    const who = document.createElement('span');
    who.className = 'who';
    who.textContent = name;
    const body = document.createElement('span');
    body.className = 'text';
    body.textContent = text;
    li.append(who, body);
    this.log.append(li);
    while (this.log.childElementCount > 500) this.log.firstElementChild.remove();
    this.log.scrollTop = this.log.scrollHeight;
    if (system) return;
    this.announcer.say(`${name}: ${text}`);
    if (this.drawers.open !== 'chat') this.setUnread(this.unread + 1);
  }

  setUnread(n) {
    this.unread = n;
    this.badge.textContent = n > 99 ? '99+' : String(n);
    this.badge.hidden = n === 0;
    document.getElementById('btn-chat').setAttribute('aria-label', n ? `Chat, ${n} unread` : 'Chat');
  }
}

export class PeoplePanel {
  /** @param {{list: () => Array<{id: string, name: string, self?: boolean, audioMuted?: boolean, videoMuted?: boolean, handRaised?: boolean}>,
   *          speaker: () => string|null, isAdmin: () => boolean, moderate: (action: string, id: string) => void,
   *          rename?: (() => void)|null}} o */
  constructor(o) {
    this.o = o;
    this.listEl = document.getElementById('people-list');
    this.countEl = document.getElementById('people-count');
  }

  render() {
    const people = this.o.list();
    const speaker = this.o.speaker();
    this.countEl.textContent = `(${people.length})`;
    const badge = document.querySelector('#btn-people .badge');
    const hands = people.filter((p) => p.handRaised).length;
    badge.textContent = String(hands);
    badge.hidden = hands === 0;
    const admin = this.o.isAdmin();
    // Raised hands first, then in join order.
    const ordered = [...people.filter((p) => p.handRaised), ...people.filter((p) => !p.handRaised)];
    this.listEl.replaceChildren(...ordered.map((p) => this.row(p, p.id === speaker, admin)));
  }

  row(p, speaking, admin) {
    const li = document.createElement('li');
    li.className = 'person';
    li.dataset.id = p.id;
    li.classList.toggle('speaking', speaking);
    const name = document.createElement('span');
    name.className = 'person-name';
    name.textContent = p.self ? `${p.name} (you)` : p.name;
    const marks = document.createElement('span');
    marks.className = 'marks';
    const mark = (iconName, on, text, cls) => {
      const m = document.createElement('span');
      m.className = `mark ${cls}`;
      m.append(icon(iconName, { off: !on }));
      m.setAttribute('role', 'img');
      m.setAttribute('aria-label', text);
      m.title = text;
      return m;
    };
    if (p.handRaised) marks.append(mark('hand', true, 'hand raised', 'hand'));
    if (speaking) {
      const s = document.createElement('span');
      s.className = 'mark speaking-text';
      s.textContent = 'speaking';
      marks.append(s);
    }
    marks.append(mark('mic', !p.audioMuted, p.audioMuted ? 'microphone off' : 'microphone on', p.audioMuted ? 'off' : 'on'));
    marks.append(mark('camera', !p.videoMuted, p.videoMuted ? 'camera off' : 'camera on', p.videoMuted ? 'off' : 'on'));
    li.append(name, marks);
    if (p.self && this.o.rename) {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'small';
      b.textContent = 'Change name';
      b.addEventListener('click', () => this.o.rename());
      const actions = document.createElement('span');
      actions.className = 'actions';
      actions.append(b);
      li.append(actions);
    }
    if (admin && !p.self) {
      const actions = document.createElement('span');
      actions.className = 'actions';
      const act = (label, action) => {
        const b = document.createElement('button');
        b.type = 'button';
        b.className = 'small';
        b.textContent = label;
        b.setAttribute('aria-label', `${label} ${p.name}`);
        b.addEventListener('click', () => this.o.moderate(action, p.id));
        return b;
      };
      if (!p.audioMuted) actions.append(act('Mute', 'mute-audio'));
      actions.append(act('Remove', 'remove'));
      li.append(actions);
    }
    return li;
  }
}
