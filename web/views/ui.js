// Shared pieces: loading/empty/error states, toast, badges, cards, the address form.
import { h, mount, icon } from '../dom.js';
import { t, errorText } from '../i18n.js';
import { price, dateTime } from '../format.js';
// (a cycle: wish.js uses toast from here; both only call each other at run time)
import { heartButton } from './wish.js';

export function spinner(label = t('loading')) {
  return h('div', { class: 'state state-loading', role: 'status' }, h('span', { class: 'spinner' }), h('span', null, label));
}

export function skeletonGrid(n = 8) {
  return h('div', { class: 'grid products-grid', 'aria-busy': 'true' },
    Array.from({ length: n }, () => h('div', { class: 'card skeleton' }, h('div', { class: 'sk-img' }), h('div', { class: 'sk-line' }), h('div', { class: 'sk-line short' }))));
}

export function emptyState(text, action) {
  return h('div', { class: 'state state-empty' }, h('div', { class: 'state-icon' }, icon('box', 36)), h('p', null, text), action || null);
}

export function errorState(err, retry) {
  return h('div', { class: 'state state-error', role: 'alert' },
    h('div', { class: 'state-icon' }, icon('alert', 36)),
    h('p', null, errorText(err)),
    retry ? h('button', { class: 'btn', onclick: retry }, t('retry')) : null);
}

// Runs loader(); shows `loading` meanwhile and an error state with retry on failure.
export async function withStates(el, loader, { loading } = {}) {
  mount(el, loading || spinner());
  try {
    await loader();
  } catch (e) {
    if (e && e.name === 'AbortError') return;
    console.error(e);
    mount(el, errorState(e, () => withStates(el, loader, { loading })));
  }
}

let toastBox;
export function toast(msg, kind = 'info', ms = 3500) {
  if (!toastBox) {
    toastBox = h('div', { class: 'toasts', 'aria-live': 'polite' });
    document.body.appendChild(toastBox);
  }
  const el = h('div', { class: `toast toast-${kind}` }, msg);
  toastBox.appendChild(el);
  setTimeout(() => { el.classList.add('hide'); setTimeout(() => el.remove(), 300); }, ms);
}

export function statusBadge(status) {
  return h('span', { class: `badge status-${String(status).toLowerCase()}` }, t(`status.${status}`));
}

export function productImage(p, cls = 'thumb') {
  const url = p && (p.image_url || (p.images && p.images[0]));
  if (url) return h('img', { class: cls, src: url, alt: p.name || '', loading: 'lazy' });
  return h('div', { class: `${cls} thumb-empty`, 'aria-hidden': 'true' }, (p && p.name ? p.name.slice(0, 1) : '·'));
}

export function productCard(p) {
  const soldOut = p.status === 'SOLD_OUT' || p.stock === 0;
  return h('a', { class: 'card product-card' + (soldOut ? ' sold-out' : ''), href: `#/product/${p.id}` },
    h('div', { class: 'img-wrap' }, productImage(p), soldOut ? h('span', { class: 'overlay-label' }, t('status.SOLD_OUT')) : null,
      heartButton(p, { compact: true })),
    h('div', { class: 'card-body' },
      p.seller_name ? h('div', { class: 'muted small' }, p.seller_name) : null,
      h('div', { class: 'name' }, p.name),
      h('div', { class: 'price' }, price(p.price))));
}

export function liveCard(l) {
  const live = l.status === 'LIVE';
  const first = (l.pinned_product) || (l.products && l.products[0]);
  return h('a', { class: 'card live-card' + (live ? ' is-live' : ''), href: `#/live/${l.id}` },
    h('div', { class: 'live-thumb' },
      first ? productImage(first, 'thumb') : h('div', { class: 'thumb thumb-empty' }, icon('play', 28)),
      live ? h('span', { class: 'badge badge-live' }, t('live.badge')) : h('span', { class: 'badge badge-upcoming' }, t('status.SCHEDULED')),
      live ? h('span', { class: 'badge badge-viewers' }, icon('eye', 12), String(l.viewer_count ?? 0)) : null),
    h('div', { class: 'card-body' },
      h('div', { class: 'name' }, l.title),
      h('div', { class: 'muted small' }, l.seller_name || ''),
      !live ? h('div', { class: 'small accent' }, dateTime(l.scheduled_at)) : null));
}

export function pageTitle(text, extra) {
  return h('div', { class: 'page-head' }, h('h1', null, text), extra || null);
}
