// Notifications: the live event socket (/api/v1/me/events: unread count for the header badge, a
// toast for each new notification) and the #/notifications view (newest first, mark read, mark all read).
import { h, mount } from '../dom.js';
import { t } from '../i18n.js';
import { dateTime } from '../format.js';
import { get, post, items, qs, currentUser, accessToken, refreshTokens } from '../api.js';
import { withStates, emptyState, pageTitle, toast } from './ui.js';

// Where a notification leads: its order, or for a live's notices (kind live.*, text "… (live N)")
// that live's page, else the list.
function noticeHref(n) {
  if (n.order_row_id) return `#/orders/${n.order_row_id}`;
  const m = /^live\./.test(n.kind || '') && /\(live (\d+)\)$/.exec(n.text || '');
  return m ? `#/live/${m[1]}` : '#/notifications';
}

let unread = 0;
let ws = null, wsUser = null, retryMs = 1000, retryTimer = null;
const listeners = new Set();

// The caller's unread count as last known (0 when signed out).
export function unreadCount() { return unread; }
// Calls fn() whenever the unread count changes; returns an unsubscribe function.
export function onUnread(fn) { listeners.add(fn); return () => listeners.delete(fn); }
function setUnread(n) {
  n = Math.max(0, Number(n) || 0);
  if (n === unread) return;
  unread = n;
  for (const fn of listeners) { try { fn(n); } catch (e) { console.error(e); } }
}

async function loadCount() {
  try { setUnread((await get('/api/v1/notifications' + qs({ per_page: 1 }))).unread_count); } catch { /* keep */ }
}

function showToast(n) {
  const text = n.order_id ? `${n.text} · ${n.order_id}` : n.text;
  toast(h('a', { class: 'toast-notice', href: noticeHref(n), dataset: { kind: n.kind } },
    h('strong', null, t('notices.new')), ' ', text), 'info', 6000);
}

// Opens (or closes) the event socket for the signed-in user; reconnects with a backoff (1 s .. 30 s).
export function syncNotices() {
  const u = currentUser();
  const id = u ? u.id : null;
  if (id === wsUser && (ws || retryTimer)) return;
  if (ws) { const old = ws; ws = null; old.onclose = null; old.close(); }
  clearTimeout(retryTimer); retryTimer = null;
  wsUser = id;
  if (!id) { setUnread(0); return; }
  loadCount();
  connect();
}

// Whether the stored access token (a JWT) expires within 10 s (or cannot be read).
function tokenExpiring() {
  try {
    const part = accessToken().split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(atob(part)).exp * 1000 < Date.now() + 10000;
  } catch { return true; }
}

function connect() {
  retryTimer = null;
  const token = accessToken();
  if (!token || !wsUser) return;
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const sock = new WebSocket(`${proto}//${location.host}/api/v1/me/events?access_token=${encodeURIComponent(token)}`);
  ws = sock;
  let opened = false;
  sock.onopen = () => { opened = true; retryMs = 1000; loadCount(); };
  sock.onmessage = (e) => {
    let f;
    try { f = JSON.parse(e.data); } catch { return; }
    if (f.type !== 'notice' || !f.notice) return; // other frame types are not for this client
    setUnread(f.unread_count);
    showToast(f.notice);
    window.dispatchEvent(new CustomEvent('bc:notice', { detail: f }));
  };
  sock.onclose = async () => {
    if (ws !== sock) return;
    ws = null;
    if (!opened && tokenExpiring()) await refreshTokens(); // refused with an expired access token
    if (!currentUser() || wsUser !== currentUser().id) return;
    retryTimer = setTimeout(connect, retryMs);
    retryMs = Math.min(retryMs * 2, 30000);
  };
}

export async function render(ctx) {
  const { requireLogin, navigate } = await import('../app.js');
  if (!currentUser()) { requireLogin(); return; }
  const page = Math.max(1, Number(ctx.query.get('page')) || 1);
  const body = h('div');
  const markAll = h('button', { class: 'btn-ghost small', id: 'notices-read-all', onclick: async () => {
    markAll.disabled = true;
    try { const r = await post('/api/v1/notifications/read-all'); setUnread(r.unread_count); load(); } finally { markAll.disabled = false; }
  } }, t('notices.markAll'));
  mount(ctx.el, h('div', { class: 'narrow' }, h('div', { class: 'row between' }, pageTitle(t('notices.title')), markAll), body));
  const load = () => withStates(body, async () => {
    const r = await get('/api/v1/notifications' + qs({ page, per_page: 20 }));
    if (!ctx.alive()) return;
    setUnread(r.unread_count);
    const list = items(r);
    if (!list.length) { mount(body, emptyState(t('notices.empty'))); return; }
    const pages = Math.max(1, Math.ceil((r.total ?? list.length) / (r.per_page || 20)));
    mount(body, h('ul', { class: 'order-list notice-list', id: 'notice-list' }, list.map((n) => h('li', null,
      h('a', {
        class: `order-item card notice-item${n.read ? '' : ' unread'}`, href: noticeHref(n),
        dataset: { id: String(n.id), kind: n.kind, orderId: n.order_id || '' },
        onclick: () => { if (!n.read) post(`/api/v1/notifications/${n.id}/read`).then((x) => setUnread(x.unread_count)).catch(() => {}); },
      },
        h('div', { class: 'row between' }, h('span', { class: 'muted small' }, dateTime(n.created_at)),
          n.read ? null : h('span', { class: 'badge status-paid notice-dot' }, t('notices.unread'))),
        h('div', { class: 'name' }, n.text),
        n.order_id ? h('div', { class: 'muted small' }, n.order_id) : null)))),
    pages > 1 ? h('nav', { class: 'pager' },
      h('button', { class: 'btn-ghost', disabled: page <= 1, onclick: () => navigate(`/notifications?page=${page - 1}`) }, `‹ ${t('page.prev')}`),
      h('span', { class: 'muted' }, `${page} / ${pages}`),
      h('button', { class: 'btn-ghost', disabled: page >= pages, onclick: () => navigate(`/notifications?page=${page + 1}`) }, `${t('page.next')} ›`)) : null);
  });
  load();
  const onNotice = () => { if (ctx.alive()) load(); };
  window.addEventListener('bc:notice', onNotice);
  ctx.onCleanup(() => window.removeEventListener('bc:notice', onNotice));
}
