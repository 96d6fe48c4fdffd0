// 찜 (wishlist): the heart toggle of product cards and the product page. The ids I wished are
// loaded once per session (GET /api/v1/me/wishlist/ids) and kept in step with my own toggles;
// the count comes with the product (wish_count) and is replaced by the server's after a toggle.
import { h } from '../dom.js';
import { t, errorText, addStrings } from '../i18n.js';
import { get, put, del, currentUser, onAuthChange } from '../api.js';
import { requireLogin } from '../app.js';
import { toast } from './ui.js';

addStrings({
  ko: { 'wish.add': '찜하기', 'wish.remove': '찜 취소', 'wish.count': '찜 {n}' },
  en: { 'wish.add': 'Add to wishlist', 'wish.remove': 'Remove from wishlist', 'wish.count': '{n} wishes' },
});

let ids = null; // Promise<Set<number>> for the signed-in user
onAuthChange(() => { ids = null; });

// The set of product ids I wished (empty when signed out).
export function wishedIds() {
  if (!currentUser()) return Promise.resolve(new Set());
  if (!ids) ids = get('/api/v1/me/wishlist/ids').then((r) => new Set(r.ids || [])).catch(() => { ids = null; return new Set(); });
  return ids;
}

// A heart button for product p ({id, wish_count, wished?}); compact for cards (count beside it).
// Clicking toggles PUT/DELETE /api/v1/products/{id}/wish (sign in first).
export function heartButton(p, { compact = false } = {}) {
  let wished = !!p.wished, count = p.wish_count || 0, busy = false;
  const num = h('span', { class: 'wish-count' });
  const btn = h('button', { type: 'button', class: 'wish-btn' + (compact ? ' compact' : ''), id: compact ? `wish-card-${p.id}` : 'wish-toggle', dataset: { productId: String(p.id) } }, h('span', { class: 'heart', 'aria-hidden': 'true' }), num);
  const show = () => {
    btn.classList.toggle('on', wished);
    btn.setAttribute('aria-pressed', wished ? 'true' : 'false');
    btn.setAttribute('aria-label', wished ? t('wish.remove') : t('wish.add'));
    btn.querySelector('.heart').textContent = wished ? '♥' : '♡';
    num.textContent = compact ? String(count) : t('wish.count', { n: count });
  };
  show();
  if (p.wished === undefined) wishedIds().then((s) => { if (s.has(p.id)) { wished = true; show(); } });
  btn.addEventListener('click', async (e) => {
    e.preventDefault();
    e.stopPropagation();
    if (!currentUser()) { requireLogin(); return; }
    if (busy) return;
    busy = true;
    try {
      const r = wished ? await del(`/api/v1/products/${encodeURIComponent(p.id)}/wish`) : await put(`/api/v1/products/${encodeURIComponent(p.id)}/wish`);
      wished = r.wished;
      count = r.wish_count;
      const s = await wishedIds();
      if (wished) s.add(p.id); else s.delete(p.id);
      show();
    } catch (ex) { toast(errorText(ex), 'error'); } finally { busy = false; }
  });
  return btn;
}
