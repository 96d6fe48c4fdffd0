// #/pay/success?paymentKey&orderId&amount → confirm, show the order. #/pay/fail → the gateway's message.
import { h, mount } from '../dom.js';
import { t, errorText, addStrings } from '../i18n.js';
import { price } from '../format.js';
import { post, get, currentUser } from '../api.js';
import { requireLogin } from '../app.js';
import { spinner, statusBadge } from './ui.js';
import './coupons.js'; // coupons: the discount row's strings

const DONE_KEY = 'bc.confirmed';

addStrings({ // points: the charge's result
  ko: { 'pay.charged': '포인트 충전 완료', 'pay.chargedAmount': '충전 포인트', 'pay.pointsBalance': '보유 포인트', 'pay.toMyPoints': '내 포인트 보기' },
  en: { 'pay.charged': 'Points charged', 'pay.chargedAmount': 'Points charged', 'pay.pointsBalance': 'My points', 'pay.toMyPoints': 'See my points' },
});

export async function render(ctx) {
  if (ctx.name === 'fail') return renderFail(ctx);
  const q = ctx.query;
  const paymentKey = q.get('paymentKey'), orderId = q.get('orderId'), amount = Number(q.get('amount'));
  if (!paymentKey || !orderId || !Number.isFinite(amount)) {
    mount(ctx.el, failBox(t('pay.failed'), 'INVALID_REQUEST', t('error.generic')));
    return;
  }
  if (!currentUser()) { requireLogin(); return; }
  mount(ctx.el, h('div', { class: 'narrow' }, spinner(t('pay.confirming'))));
  if (/^PT/.test(orderId)) return renderCharge(ctx, paymentKey, orderId, amount); // points: a charge
  let order;
  try {
    // A reload of this page must not confirm twice: reuse the stored result.
    const done = JSON.parse(sessionStorage.getItem(DONE_KEY) || '{}');
    if (done[paymentKey]) {
      order = await get(`/api/v1/orders/${encodeURIComponent(done[paymentKey])}`);
    } else {
      const r = await post('/api/v1/payments/confirm', { payment_key: paymentKey, order_id: orderId, amount });
      order = r && (r.order || r);
      if (order && order.id != null) {
        done[paymentKey] = order.id;
        sessionStorage.setItem(DONE_KEY, JSON.stringify(done));
      }
    }
  } catch (e) {
    if (!ctx.alive()) return;
    mount(ctx.el, failBox(t('pay.failed'), e.code, errorText(e, 'pay.'), orderId));
    return;
  }
  if (!ctx.alive()) return;
  window.dispatchEvent(new Event('bc:cart'));
  mount(ctx.el, h('div', { class: 'narrow' },
    h('div', { class: 'result-card success', id: 'order-complete' },
      h('div', { class: 'result-icon', 'aria-hidden': 'true' }, '✓'),
      h('h1', null, t('pay.complete')),
      h('p', { class: 'muted' }, t('pay.completeSub')),
      h('div', { class: 'kv' }, h('span', null, t('pay.orderNo')), h('strong', { id: 'order-number' }, order.order_id || orderId)),
      order.status ? h('div', { class: 'kv' }, h('span', null, t('studio.status')), statusBadge(order.status)) : null,
      h('ul', { class: 'lines' }, (order.lines || []).map((l) => h('li', { class: 'line' },
        h('span', { class: 'grow' }, l.product_name, h('span', { class: 'muted' }, ` × ${l.quantity}`)),
        h('span', null, price(l.line_total))))),
      order.coupon_discount ? h('div', { class: 'kv' }, h('span', null, t('cpn.discount')), h('strong', { id: 'paid-discount' }, `−${price(order.coupon_discount)}`)) : null,
      h('div', { class: 'kv total' }, h('span', null, t('buy.total')), h('strong', { id: 'paid-amount' }, price(order.amount ?? amount))),
      h('div', { class: 'actions' },
        h('a', { class: 'btn btn-primary', href: order.id != null ? `#/orders/${order.id}` : '#/orders', id: 'view-order' }, t('pay.viewOrders')),
        h('a', { class: 'btn', href: '#/' }, t('pay.continue'))))));
}

// points: a charge's payment came back: confirm it (a reload or retry credits nothing twice).
async function renderCharge(ctx, paymentKey, orderId, amount) {
  let c;
  try {
    c = await post('/api/v1/me/points/charges/confirm', { payment_key: paymentKey, order_id: orderId, amount });
  } catch (e) {
    if (!ctx.alive()) return;
    mount(ctx.el, failBox(t('pay.failed'), e.code, errorText(e, 'pay.'), orderId));
    return;
  }
  if (!ctx.alive()) return;
  mount(ctx.el, h('div', { class: 'narrow' },
    h('div', { class: 'result-card success', id: 'charge-complete' },
      h('div', { class: 'result-icon', 'aria-hidden': 'true' }, '✓'),
      h('h1', null, t('pay.charged')),
      h('div', { class: 'kv' }, h('span', null, t('pay.chargedAmount')), h('strong', { id: 'charge-amount' }, `${new Intl.NumberFormat('ko-KR').format(c.amount)}P`)),
      h('div', { class: 'kv total' }, h('span', null, t('pay.pointsBalance')), h('strong', { id: 'charge-balance' }, `${new Intl.NumberFormat('ko-KR').format(c.balance ?? 0)}P`)),
      h('div', { class: 'actions' },
        h('a', { class: 'btn btn-primary', href: '#/me', id: 'view-points' }, t('pay.toMyPoints')),
        h('a', { class: 'btn', href: '#/' }, t('pay.continue'))))));
}

function renderFail(ctx) {
  const q = ctx.query;
  const code = q.get('code') || '';
  const msg = q.get('message') || t('pay.canceled');
  mount(ctx.el, failBox(code === 'PAY_PROCESS_CANCELED' ? t('pay.canceled') : t('pay.failed'), code, msg, q.get('orderId')));
}

function failBox(title, code, message, orderId) {
  return h('div', { class: 'narrow' },
    h('div', { class: 'result-card fail', id: 'pay-fail', role: 'alert' },
      h('div', { class: 'result-icon', 'aria-hidden': 'true' }, '!'),
      h('h1', null, title),
      h('p', { class: 'pay-message', id: 'pay-message' }, message),
      code ? h('p', { class: 'muted small' }, code) : null,
      orderId ? h('p', { class: 'muted small' }, `${t('pay.orderNo')}: ${orderId}`) : null,
      h('div', { class: 'actions' },
        h('a', { class: 'btn btn-primary', href: '#/orders' }, t('pay.viewOrders')),
        h('a', { class: 'btn', href: '#/' }, t('pay.continue')))));
}
