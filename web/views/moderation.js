// Chat moderation on the live page (and the studio, which embeds it): the message menu (delete,
// mute, ban) for the seller, admins and the seller's moderators; the notice pinned at the top of
// the chat; the room's state line (slow mode, followers/buyers only, frozen); the question list
// (answered by the seller on air); the moderation panel (slow mode, chat mode, freeze, notice).
// Everything is built with dom.js (text nodes only); the server decides every rule again.
import { h, mount } from '../dom.js';
import { t, errorText } from '../i18n.js';
import { get, post, put, del, currentUser, items } from '../api.js';
import { toast } from './ui.js';

const base = (liveId) => `/api/v1/lives/${encodeURIComponent(liveId)}`;

// Resolves whether the signed-in user may moderate the live: its seller and admins at once; anyone
// else asks the server (the seller's moderators get 200 from GET .../moderation).
export async function canModerate(live) {
  const u = currentUser();
  if (!u) return false;
  if (u.role === 'admin' || u.id === live.seller_id) return true;
  try { await get(`${base(live.id)}/moderation`); return true; } catch { return false; }
}

async function act(fn, okText) {
  try { await fn(); if (okText) toast(okText, 'success'); } catch (e) { toast(errorText(e), 'error'); }
}

// The menu of one chat message (the list calls it when a moderator taps "⋯"): delete, mute 10
// minutes, ban. Closes on any choice or outside tap.
export function openMessageMenu(liveId, f, anchor) {
  document.querySelectorAll('.chat-menu').forEach((m) => m.remove());
  const close = () => { menu.remove(); document.removeEventListener('pointerdown', outside, true); };
  const outside = (e) => { if (!menu.contains(e.target)) close(); };
  const uid = f.user && f.user.id;
  const item = (id, label, fn, okText) => h('button', { type: 'button', class: 'chat-menu-item', id, onclick: () => { close(); act(fn, okText); } }, label);
  const menu = h('div', { class: 'chat-menu', role: 'menu' },
    item('mod-delete', t('mod.delete'), () => del(`${base(liveId)}/moderation/messages/${encodeURIComponent(f.id)}`), t('mod.deleted')),
    uid ? item('mod-mute', t('mod.mute10'), () => post(`${base(liveId)}/moderation/mutes`, { user_id: uid, minutes: 10 }), t('mod.muted')) : null,
    uid ? item('mod-ban', t('mod.ban'), () => post(`${base(liveId)}/moderation/bans`, { user_id: uid }), t('mod.banned')) : null);
  anchor.after(menu);
  setTimeout(() => document.addEventListener('pointerdown', outside, true), 0);
  return menu;
}

// The notice pinned at the top of the chat: {el, set(text|null)}.
export function noticeBar(text) {
  const el = h('div', { class: 'chat-notice', id: 'chat-notice', role: 'status', hidden: true });
  const set = (s) => {
    el.hidden = !s;
    mount(el, s ? [h('span', { class: 'chat-notice-tag' }, t('mod.notice')), h('span', { class: 'chat-notice-text' }, s)] : []);
  };
  set(text);
  return { el, set };
}

// The room's state line under the notice: slow mode, who may chat, frozen.
export function roomState() {
  const el = h('div', { class: 'chat-state', id: 'chat-state', hidden: true });
  return {
    el,
    set(f) {
      const parts = [];
      if (f.frozen) parts.push(t('mod.frozenOn'));
      if (f.chat_mode === 'followers') parts.push(t('mod.followersOnly'));
      if (f.chat_mode === 'buyers') parts.push(t('mod.buyersOnly'));
      if (f.slow_mode_s > 0) parts.push(t('mod.slowOn', { n: f.slow_mode_s }));
      el.hidden = !parts.length;
      el.textContent = parts.join(' · ');
    },
  };
}

// The question list: a toggle button and a panel of the viewers' questions, newest first; a
// moderator marks one answered. {button, panel, add(frame), answered(id), refresh()}.
export function questionList(liveId, { moderator = () => false } = {}) {
  const list = h('div', { class: 'q-list', id: 'q-list' });
  const panel = h('div', { class: 'q-panel', id: 'q-panel', hidden: true }, h('div', { class: 'q-head' }, t('mod.questions')), list);
  const count = h('span', { class: 'q-count' }, '0');
  const rows = new Map();
  const button = h('button', { type: 'button', class: 'pill q-toggle', id: 'q-toggle', onclick: () => { panel.hidden = !panel.hidden; if (!panel.hidden) refresh(); } }, t('mod.question'), ' ', count);
  const recount = () => { count.textContent = String([...rows.values()].filter((r) => !r.answered).length); };
  function row(f) {
    const r = { answered: !!f.answered_at };
    const btn = moderator() && !r.answered
      ? h('button', { type: 'button', class: 'btn btn-small q-answer', onclick: () => act(() => post(`${base(liveId)}/moderation/questions/${encodeURIComponent(f.id)}/answered`)) }, t('mod.answer'))
      : null;
    r.el = h('div', { class: 'q-row' + (r.answered ? ' answered' : ''), dataset: { id: String(f.id) } },
      h('span', { class: 'chat-name' }, (f.user && f.user.name) || '—'),
      h('span', { class: 'q-text' }, String(f.text ?? '')), btn);
    return r;
  }
  function add(f) {
    if (rows.has(f.id)) return;
    const r = row(f);
    rows.set(f.id, r);
    list.prepend(r.el);
    recount();
  }
  async function refresh() {
    try {
      const got = items(await get(`${base(liveId)}/questions?limit=100`));
      rows.clear(); mount(list);
      for (const f of got.reverse()) add(f);
      if (!got.length) list.appendChild(h('div', { class: 'chat-empty' }, t('mod.noQuestions')));
    } catch { /* the frames keep it current */ }
  }
  return {
    button, panel, add, refresh,
    answered(id) { const r = rows.get(id); if (r) { r.answered = true; r.el.classList.add('answered'); r.el.querySelector('.q-answer')?.remove(); recount(); } },
    remove(id) { const r = rows.get(id); if (r) { r.el.remove(); rows.delete(id); recount(); } },
  };
}

// The moderation panel: slow mode, chat mode, freeze, notice. Opens as a sheet.
export async function openModerationPanel(liveId) {
  let state;
  try { state = await get(`${base(liveId)}/moderation`); } catch (e) { toast(errorText(e), 'error'); return; }
  const close = () => overlay.remove();
  const slow = h('select', { id: 'mod-slow' }, [0, 5, 10, 30, 60].map((n) => h('option', { value: String(n), selected: state.slow_mode_s === n }, n ? t('mod.slowOn', { n }) : t('mod.off'))));
  const mode = h('select', { id: 'mod-mode' }, ['everyone', 'followers', 'buyers'].map((m) => h('option', { value: m, selected: state.chat_mode === m }, t(`mod.mode.${m}`))));
  const frozen = h('input', { type: 'checkbox', id: 'mod-frozen', checked: state.frozen });
  const notice = h('input', { type: 'text', id: 'mod-notice', maxlength: 200, value: state.notice || '', placeholder: t('mod.noticePlaceholder') });
  const save = async () => {
    await act(async () => {
      await put(`${base(liveId)}/moderation/settings`, { slow_mode_s: Number(slow.value), chat_mode: mode.value, frozen: frozen.checked });
      const text = notice.value.trim();
      if (text !== (state.notice || '')) await put(`${base(liveId)}/moderation/notice`, { text: text || null });
    }, t('mod.saved'));
    close();
  };
  const overlay = h('div', { class: 'sheet-overlay', onclick: (e) => { if (e.target === overlay) close(); } },
    h('div', { class: 'sheet', role: 'dialog', 'aria-modal': 'true', id: 'mod-panel' },
      h('div', { class: 'sheet-head' }, h('h2', null, t('mod.title')), h('button', { class: 'icon-btn', onclick: close, 'aria-label': t('buy.close') }, '✕')),
      h('div', { class: 'sheet-body mod-form' },
        h('label', null, t('mod.slow'), slow),
        h('label', null, t('mod.mode'), mode),
        h('label', { class: 'mod-check' }, frozen, t('mod.freeze')),
        h('label', null, t('mod.notice'), notice),
        h('button', { type: 'button', class: 'btn btn-primary', id: 'mod-save', onclick: save }, t('mod.save')))));
  document.body.appendChild(overlay);
  window.addEventListener('hashchange', close, { once: true });
}
