// Shared pieces: loading/empty/error states, toast, badges, cards, the address form.
import { h, mount, icon } from '../dom.js';
import { t, errorText } from '../i18n.js';
import { price, dateTime } from '../format.js';

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
    h('div', { class: 'img-wrap' }, productImage(p), soldOut ? h('span', { class: 'overlay-label' }, t('status.SOLD_OUT')) : null),
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

// Shipping address form, prefilled from the last used address.
const ADDR_KEY = 'bc.address';
export function addressForm() {
  let saved = {};
  try { saved = JSON.parse(localStorage.getItem(ADDR_KEY) || '{}') || {}; } catch { /* ignore */ }
  const field = (id, key, label, attrs = {}) => h('label', { class: 'field' }, h('span', null, label),
    h('input', { id, name: key, value: saved[key] || '', ...attrs }));
  const el = h('fieldset', { class: 'address-form' },
    h('legend', null, t('buy.shipping')),
    h('div', { class: 'row2' },
      field('ship-recipient', 'recipient', t('buy.recipient'), { required: true, maxlength: 40, autocomplete: 'name' }),
      field('ship-phone', 'phone', t('buy.phone'), { required: true, inputmode: 'tel', pattern: '[0-9-]{9,20}', maxlength: 20, autocomplete: 'tel', placeholder: '010-1234-5678' })),
    field('ship-postcode', 'postcode', t('buy.postcode'), { required: true, inputmode: 'numeric', pattern: '[0-9]{5}', maxlength: 5, autocomplete: 'postal-code', placeholder: '06236' }),
    field('ship-address1', 'address1', t('buy.address1'), { required: true, maxlength: 200, autocomplete: 'address-line1' }),
    field('ship-address2', 'address2', t('buy.address2'), { maxlength: 200, autocomplete: 'address-line2' }));
  return {
    el,
    // Returns the address object, or null (and marks the form) when invalid.
    value() {
      const v = {};
      let ok = true;
      for (const input of el.querySelectorAll('input')) {
        v[input.name] = input.value.trim();
        const valid = input.checkValidity();
        input.classList.toggle('invalid', !valid);
        ok = ok && valid;
      }
      if (!ok) return null;
      if (!v.address2) delete v.address2;
      return v;
    },
    remember(v) { try { localStorage.setItem(ADDR_KEY, JSON.stringify(v)); } catch { /* ignore */ } },
  };
}

export function pageTitle(text, extra) {
  return h('div', { class: 'page-head' }, h('h1', null, text), extra || null);
}
