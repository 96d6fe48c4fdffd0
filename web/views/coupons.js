// Coupons in the buyer's screens: the "쿠폰 받기" chip (product page, live room) with its sheet of
// claimable coupons, and the coupon picker of the buy sheet and the cart checkout (my usable
// coupons, the discount from POST /api/v1/coupons/quote; the order re-checks it).
import { h, mount } from '../dom.js';
import { t, errorText, addStrings } from '../i18n.js';
import { price, dateTime } from '../format.js';
import { get, post, currentUser, qs, items as itemsOf } from '../api.js';
import { requireLogin } from '../app.js';
import { toast } from './ui.js';

addStrings({
  ko: {
    'cpn.chip': '쿠폰 받기', 'cpn.sheetTitle': '받을 수 있는 쿠폰', 'cpn.claim': '받기', 'cpn.claimed': '받음',
    'cpn.gotIt': '쿠폰을 받았습니다', 'cpn.close': '닫기', 'cpn.none': '받을 수 있는 쿠폰이 없습니다',
    'cpn.off': '{amount} 할인', 'cpn.pct': '{pct}% 할인', 'cpn.cap': '최대 {amount}', 'cpn.min': '{amount} 이상 구매 시',
    'cpn.until': '{time}까지', 'cpn.liveOnly': '라이브 방송 중 전용', 'cpn.left': '{n}장 남음',
    'cpn.pick': '쿠폰', 'cpn.noCoupon': '쿠폰 사용 안 함', 'cpn.discount': '쿠폰 할인', 'cpn.noUsable': '사용할 수 있는 쿠폰이 없습니다',
    'cpn.reason.not_found': '쿠폰을 찾을 수 없습니다', 'cpn.reason.used': '이미 사용한 쿠폰입니다',
    'cpn.reason.expired': '사용 기간이 지난 쿠폰입니다', 'cpn.reason.not_started': '아직 사용 기간이 아닙니다',
    'cpn.reason.live_off_air': '라이브 방송 중에만 쓸 수 있습니다', 'cpn.reason.scope': '이 상품에는 쓸 수 없는 쿠폰입니다',
    'cpn.reason.min_order': '{amount} 이상 구매해야 쓸 수 있습니다',
    'cpn.scope.shop': '전체 상품', 'cpn.scope.seller': '판매자 상품 전체', 'cpn.scope.product': '특정 상품', 'cpn.scope.live': '라이브 상품',
  },
  en: {
    'cpn.chip': 'Get coupon', 'cpn.sheetTitle': 'Coupons for you', 'cpn.claim': 'Get', 'cpn.claimed': 'Got it',
    'cpn.gotIt': 'Coupon added to my coupons', 'cpn.close': 'Close', 'cpn.none': 'No coupons to get right now',
    'cpn.off': '{amount} off', 'cpn.pct': '{pct}% off', 'cpn.cap': 'up to {amount}', 'cpn.min': 'on orders of {amount} or more',
    'cpn.until': 'until {time}', 'cpn.liveOnly': 'while the live is on air', 'cpn.left': '{n} left',
    'cpn.pick': 'Coupon', 'cpn.noCoupon': 'No coupon', 'cpn.discount': 'Coupon discount', 'cpn.noUsable': 'No usable coupons',
    'cpn.reason.not_found': 'Coupon not found', 'cpn.reason.used': 'This coupon was already used',
    'cpn.reason.expired': 'This coupon has expired', 'cpn.reason.not_started': 'This coupon cannot be used yet',
    'cpn.reason.live_off_air': 'Usable only while its live is on air', 'cpn.reason.scope': 'This coupon does not cover these items',
    'cpn.reason.min_order': 'Usable on orders of {amount} or more',
    'cpn.scope.shop': 'Every product', 'cpn.scope.seller': "All the seller's products", 'cpn.scope.product': 'One product', 'cpn.scope.live': 'Live products',
  },
});

// "10% 할인 · 최대 3,000원" / "5,000원 할인" (+ the minimum).
export function couponTerms(c) {
  const parts = [c.kind === 'percent' ? t('cpn.pct', { pct: c.value }) : t('cpn.off', { amount: price(c.value) })];
  if (c.kind === 'percent' && c.max_discount) parts.push(t('cpn.cap', { amount: price(c.max_discount) }));
  if (c.min_order > 0) parts.push(t('cpn.min', { amount: price(c.min_order) }));
  if (c.scope === 'live') parts.push(t('cpn.liveOnly'));
  return parts.join(' · ');
}

// Why a quote says no, in the current language.
export function couponReason(q) {
  if (!q || !q.reason) return '';
  return t(`cpn.reason.${q.reason}`, { amount: price(q.min_order || 0) });
}

function openClaimSheet(list) {
  const close = () => { overlay.remove(); document.removeEventListener('keydown', onKey); };
  const onKey = (e) => { if (e.key === 'Escape') close(); };
  const rows = list.map((c) => {
    const btn = h('button', { class: 'btn btn-primary small', type: 'button', id: `coupon-claim-${c.id}`, disabled: !c.can_claim },
      c.can_claim ? t('cpn.claim') : t('cpn.claimed'));
    btn.onclick = async () => {
      btn.disabled = true;
      try {
        await post(`/api/v1/coupons/${encodeURIComponent(c.id)}/claim`);
        btn.textContent = t('cpn.claimed');
        c.can_claim = false;
        toast(t('cpn.gotIt'), 'success');
      } catch (e) { btn.disabled = false; toast(errorText(e), 'error'); }
    };
    return h('li', { class: 'coupon-row' },
      h('div', { class: 'grow' }, h('div', { class: 'name' }, c.name), h('div', { class: 'muted small' }, couponTerms(c)),
        h('div', { class: 'muted small' }, t('cpn.until', { time: dateTime(c.ends_at) }),
          c.remaining != null ? ` · ${t('cpn.left', { n: c.remaining })}` : '')),
      btn);
  });
  const overlay = h('div', { class: 'sheet-overlay', onclick: (e) => { if (e.target === overlay) close(); } },
    h('div', { class: 'sheet', role: 'dialog', 'aria-modal': 'true', 'aria-label': t('cpn.sheetTitle'), id: 'coupon-sheet' },
      h('div', { class: 'sheet-head' }, h('h2', null, t('cpn.sheetTitle')),
        h('button', { class: 'icon-btn', type: 'button', 'aria-label': t('cpn.close'), onclick: close }, '✕')),
      h('div', { class: 'sheet-body' }, rows.length ? h('ul', { class: 'coupon-list', id: 'coupon-list' }, rows) : h('p', { class: 'muted' }, t('cpn.none')))));
  document.body.appendChild(overlay);
  document.addEventListener('keydown', onKey);
}

// The "쿠폰 받기" chip: hidden until a coupon is claimable for the product / live (query: {product_id}
// or {live_id}); cls is the chip's class ('chip' on the product page, 'pill' in the live room).
export function couponChip(query, cls = 'chip') {
  const chip = h('button', { class: `${cls} coupon-chip`, type: 'button', id: 'coupon-chip', hidden: true }, t('cpn.chip'));
  let list = [];
  chip.onclick = () => {
    if (!currentUser()) { requireLogin(); return; }
    openClaimSheet(list);
  };
  get(`/api/v1/coupons${qs(query)}`).then((r) => {
    list = itemsOf(r);
    chip.hidden = !list.length;
  }).catch(() => {});
  return chip;
}

// The coupon picker of a checkout: lines() gives the order's [{product_id, quantity}] (or null
// while unknown); onChange(discount) after every quote. value() is the chosen user coupon id.
export function couponPicker({ lines, liveId = null, onChange = () => {} }) {
  const select = h('select', { id: 'coupon-select', 'aria-label': t('cpn.pick') }, h('option', { value: '' }, t('cpn.noCoupon')));
  const note = h('div', { class: 'muted small', id: 'coupon-note', role: 'status' });
  const el = h('label', { class: 'field coupon-field', id: 'coupon-field', hidden: true }, h('span', null, t('cpn.pick')), select, note);
  let discount = 0;
  let seq = 0;
  const quote = async () => {
    const my = ++seq;
    const id = Number(select.value);
    const items = lines();
    if (!id || !items || !items.length) { discount = 0; note.textContent = ''; onChange(0); return; }
    try {
      const q = await post('/api/v1/coupons/quote', { user_coupon_id: id, items, ...(liveId != null ? { live_id: Number(liveId) } : {}) });
      if (my !== seq) return;
      discount = q.applicable ? q.discount : 0;
      note.textContent = q.applicable ? `${t('cpn.discount')} −${price(q.discount)}` : couponReason(q);
      note.dataset.applicable = String(!!q.applicable);
    } catch (e) {
      if (my !== seq) return;
      discount = 0;
      note.textContent = errorText(e);
    }
    onChange(discount);
  };
  select.addEventListener('change', quote);
  get('/api/v1/me/coupons?state=usable').then((r) => {
    const mine = itemsOf(r);
    for (const u of mine) select.appendChild(h('option', { value: String(u.id) }, `${u.coupon.name} (${couponTerms(u.coupon)})`));
    el.hidden = !mine.length;
  }).catch(() => {});
  return {
    el,
    value: () => (Number(select.value) && discount > 0 ? Number(select.value) : undefined),
    discount: () => discount,
    refresh: quote,
  };
}
