// Router and shell: sticky header (logo, nav, cart badge, language switch, user menu) and hash routes.
import { h, mount } from './dom.js';
import { t, getLang, setLang } from './i18n.js';
import { currentUser, onAuthChange, logout, cart as cartApi } from './api.js';
import { spinner, emptyState } from './views/ui.js';
import { syncNotices, unreadCount, onUnread } from './views/notifications.js';

const routes = [
  ['/', () => import('./views/home.js'), 'home'],
  ['/live/:id', () => import('./views/live.js'), 'live'],
  ['/product/:id', () => import('./views/product.js'), 'product'],
  ['/cart', () => import('./views/cart.js'), 'cart'],
  ['/checkout', () => import('./views/cart.js'), 'checkout'],
  ['/pay/success', () => import('./views/pay.js'), 'success'],
  ['/pay/fail', () => import('./views/pay.js'), 'fail'],
  ['/orders', () => import('./views/orders.js'), 'list'],
  ['/orders/:id', () => import('./views/orders.js'), 'detail'],
  ['/login', () => import('./views/auth.js'), 'login'],
  ['/signup', () => import('./views/auth.js'), 'signup'],
  ['/studio', () => import('./views/studio.js'), 'lives'],
  ['/studio/products', () => import('./views/studio.js'), 'products'],
  ['/studio/lives', () => import('./views/studio.js'), 'lives'],
  ['/studio/lives/:id', () => import('./views/studio.js'), 'liveDetail'],
  ['/studio/orders', () => import('./views/studio.js'), 'orders'],
  ['/studio/coupons', () => import('./views/studio.js'), 'coupons'],
  ['/notifications', () => import('./views/notifications.js'), 'notifications'],
  ['/calendar', () => import('./views/calendar.js'), 'calendar'],
  // accounts (issue 9): verification and recovery, my page, seller applications, admin
  ['/verify', () => import('./views/account.js'), 'verify'],
  ['/find-id', () => import('./views/account.js'), 'findId'],
  ['/reset', () => import('./views/account.js'), 'reset'],
  ['/reset/confirm', () => import('./views/account.js'), 'resetConfirm'],
  ['/me', () => import('./views/mypage.js'), 'mypage'],
  ['/seller/apply', () => import('./views/seller_apply.js'), 'sellerApply'],
  ['/admin/sellers', () => import('./views/admin.js'), 'adminSellers'],
  ['/admin/users', () => import('./views/admin_users.js'), 'adminUsers'],
  ['/sellers/:id', () => import('./views/store.js'), 'store'],
  ['/oauth/done', () => import('./views/oauth.js'), 'oauthDone'],
  // inquiries and announcements (issue 10)
  ['/inquiries', () => import('./views/inquiries.js'), 'inquiries'],
  ['/inquiries/new', () => import('./views/inquiries.js'), 'inquiryNew'],
  ['/inquiries/:id', () => import('./views/inquiries.js'), 'inquiry'],
  ['/notices', () => import('./views/announcements.js'), 'notices'],
  ['/notices/:id', () => import('./views/announcements.js'), 'notice'],
  ['/admin/inquiries', () => import('./views/admin_inquiries.js'), 'adminInquiries'],
  ['/admin/notices', () => import('./views/admin_inquiries.js'), 'adminNotices'],
  ['/admin/audit', () => import('./views/admin_audit.js'), 'adminAudit'],
  ['/studio/inquiries', () => import('./views/studio.js'), 'inbox'],
  ['/studio/notices', () => import('./views/studio.js'), 'storeNotices'],
  ['/oauth/link', () => import('./views/oauth.js'), 'oauthLink'],
  // subscriptions (issue 10)
  ['/subscriptions', () => import('./views/subscriptions.js'), 'subscriptions'],
  ['/subscriptions/done', () => import('./views/subscriptions.js'), 'subscriptionDone'],
  ['/subscriptions/fail', () => import('./views/subscriptions.js'), 'subscriptionFail'],
  // sale posts, search and category pages (issue 10)
  ['/studio/posts', () => import('./views/studio.js'), 'posts'],
  ['/posts/:id', () => import('./views/post.js'), 'post'],
  ['/search', () => import('./views/search.js'), 'search'],
  ['/category/:id', () => import('./views/search.js'), 'category'],
];

function match(path) {
  const parts = path.split('/').filter(Boolean);
  for (const [pattern, load, name] of routes) {
    const pp = pattern.split('/').filter(Boolean);
    if (pp.length !== parts.length) continue;
    const params = {};
    let ok = true;
    for (let i = 0; i < pp.length; i++) {
      if (pp[i].startsWith(':')) params[pp[i].slice(1)] = decodeURIComponent(parts[i]);
      else if (pp[i] !== parts[i]) { ok = false; break; }
    }
    if (ok) return { load, name, params };
  }
  return null;
}

export function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const qi = raw.indexOf('?');
  const path = qi >= 0 ? raw.slice(0, qi) : raw;
  const query = new URLSearchParams(qi >= 0 ? raw.slice(qi + 1) : '');
  return { path: path || '/', query };
}

export function navigate(hash, { replace = false } = {}) {
  const target = hash.startsWith('#') ? hash : `#${hash}`;
  if (replace) { history.replaceState(null, '', target); render(); } else if (location.hash === target) render();
  else location.hash = target;
}

// Sends the user to the login page and back here afterwards.
export function requireLogin() {
  const { path, query } = parseHash();
  const back = path + (query.toString() ? `?${query}` : '');
  navigate(`/login?next=${encodeURIComponent(back)}`);
}

/* ---------- header ---------- */
const header = document.getElementById('header');
const main = document.getElementById('app');
let cartCount = 0;

function renderHeader() {
  const user = currentUser();
  const { path } = parseHash();
  const link = (href, text, active) => h('a', { href, class: active ? 'active' : null }, text);
  const seller = user && (user.role === 'seller' || user.role === 'admin');
  mount(header,
    h('div', { class: 'header-inner' },
      h('a', { class: 'logo', href: '#/' }, h('span', { class: 'logo-dot', 'aria-hidden': 'true' }), 'Broadcart'),
      h('nav', { class: 'nav' },
        link('#/', t('nav.shop'), path === '/'),
        link('#/calendar', t('nav.calendar'), path === '/calendar'),
        seller ? link('#/studio', t('nav.studio'), path.startsWith('/studio')) : null),
      h('div', { class: 'header-actions' },
        h('button', { id: 'lang-toggle', class: 'btn-ghost small', onclick: () => { setLang(getLang() === 'ko' ? 'en' : 'ko'); renderHeader(); render(); } }, t('lang.switch')),
        h('a', { class: 'icon-btn cart-link', href: '#/cart', 'aria-label': t('nav.cart'), title: t('nav.cart') },
          cartIcon(), cartCount > 0 ? h('span', { class: 'cart-badge', id: 'cart-badge' }, String(cartCount)) : null),
        user ? noticeLink() : null,
        user ? userMenu(user) : h('a', { class: 'btn btn-small', href: '#/login', id: 'nav-login' }, t('nav.login')))));
}

// A 24×24 line icon drawn with the current text colour from one SVG path (d).
function strokeIcon(d) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24'); svg.setAttribute('width', '22'); svg.setAttribute('height', '22');
  svg.setAttribute('aria-hidden', 'true');
  const p = document.createElementNS(ns, 'path');
  p.setAttribute('d', d);
  p.setAttribute('fill', 'none'); p.setAttribute('stroke', 'currentColor'); p.setAttribute('stroke-width', '1.8');
  p.setAttribute('stroke-linecap', 'round'); p.setAttribute('stroke-linejoin', 'round');
  svg.appendChild(p);
  return svg;
}

function cartIcon() {
  return strokeIcon('M3 4h2l2.4 11.2a2 2 0 0 0 2 1.6h7.7a2 2 0 0 0 2-1.5L21 8H6.2M10 20.5a1 1 0 1 1-2 0 1 1 0 0 1 2 0Zm9 0a1 1 0 1 1-2 0 1 1 0 0 1 2 0Z');
}

// The bell with the unread notifications badge (live from the event socket, views/notifications.js).
function noticeLink() {
  const n = unreadCount();
  const svg = strokeIcon('M6 16V11a6 6 0 1 1 12 0v5l1.5 2h-15L6 16Zm4 4a2 2 0 0 0 4 0');
  return h('a', { class: 'icon-btn notice-link', id: 'notice-link', href: '#/notifications', 'aria-label': t('nav.notifications'), title: t('nav.notifications') },
    svg, n > 0 ? h('span', { class: 'cart-badge notice-badge', id: 'notice-badge' }, n > 99 ? '99+' : String(n)) : null);
}

function userMenu(user) {
  const menu = h('div', { class: 'menu', hidden: true },
    h('div', { class: 'menu-head' }, h('strong', null, user.name), h('div', { class: 'muted small' }, user.email || '')),
    h('a', { href: '#/me', id: 'nav-mypage' }, t('nav.mypage')),
    h('a', { href: '#/orders' }, t('nav.orders')),
    h('a', { href: '#/subscriptions', id: 'nav-subscriptions' }, t('nav.subscriptions')), // subscriptions
    h('a', { href: '#/inquiries', id: 'nav-inquiries' }, t('nav.inquiries')),
    user.role === 'admin' ? h('a', { href: '#/admin/sellers', id: 'nav-admin' }, t('nav.admin')) : null,
    h('a', { href: '#/notifications' }, t('nav.notifications')),
    (user.role === 'seller' || user.role === 'admin') ? h('a', { href: '#/studio' }, t('nav.studio')) : null,
    h('button', { id: 'logout', onclick: async () => { await logout(); navigate('/'); } }, t('nav.logout')));
  const btn = h('button', { class: 'user-btn', id: 'user-menu', 'aria-haspopup': 'true', onclick: (e) => { e.stopPropagation(); menu.hidden = !menu.hidden; } },
    h('span', { class: 'avatar', 'aria-hidden': 'true' }, (user.name || '?').slice(0, 1)), h('span', { class: 'user-name' }, user.name));
  return h('div', { class: 'user-wrap' }, btn, menu);
}

export async function refreshCartBadge() {
  const u = currentUser();
  if (!u || u.role !== 'buyer') { cartCount = 0; renderHeader(); return; }
  try {
    const c = await cartApi.get();
    cartCount = (c.lines || []).reduce((n, l) => n + (l.quantity || 0), 0);
  } catch { /* cart API may be missing; keep the badge as is */ }
  renderHeader();
}

/* ---------- router ---------- */
let cleanups = [];
let seq = 0;

async function render() {
  const my = ++seq;
  for (const fn of cleanups.splice(0)) { try { fn(); } catch (e) { console.error(e); } }
  const { path, query } = parseHash();
  const m = match(path);
  document.body.dataset.route = m ? m.name : 'notfound';
  document.body.classList.toggle('route-live', !!m && path.startsWith('/live/'));
  renderHeader();
  if (!m) {
    mount(main, emptyState(t('error.notFound'), h('a', { class: 'btn', href: '#/' }, t('home.goHome'))));
    return;
  }
  mount(main, spinner());
  window.scrollTo(0, 0);
  try {
    const mod = await m.load();
    if (my !== seq) return;
    const el = h('div', { class: `view view-${m.name}` });
    mount(main, el);
    const ctx = {
      el, params: m.params, query, path, name: m.name,
      alive: () => my === seq,
      onCleanup: (fn) => cleanups.push(fn),
    };
    await mod.render(ctx);
  } catch (e) {
    console.error(e);
    if (my === seq) mount(main, emptyState(t('error.generic')));
  }
}

window.addEventListener('hashchange', render);
document.addEventListener('click', () => { for (const m of document.querySelectorAll('.menu')) m.hidden = true; });
onAuthChange(() => { renderHeader(); refreshCartBadge(); syncNotices(); });
onUnread(() => renderHeader());
window.addEventListener('bc:cart', refreshCartBadge);
document.documentElement.lang = getLang();
render();
refreshCartBadge();
syncNotices();
