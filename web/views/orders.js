// #/orders (list with status badges) and #/orders/{id} (detail: one section per seller's shipment with
// its tracking, cancel of the order / a part / a line, return, purchase confirmation, history; pay a pending order).
import { h, mount } from '../dom.js';
import { t, errorText } from '../i18n.js';
import { price, dateTime } from '../format.js';
import { get, post, items, currentUser, qs } from '../api.js';
import { requireLogin, navigate } from '../app.js';
import { withStates, emptyState, statusBadge, pageTitle, toast } from './ui.js';
import { startPayment } from './buy.js';
import { openReviewSheet } from './reviews.js';
import './coupons.js'; // coupons: the discount row's strings

export async function render(ctx) {
  if (!currentUser()) { requireLogin(); return; }
  return ctx.name === 'detail' ? renderDetail(ctx) : renderList(ctx);
}

function renderList(ctx) {
  const body = h('div');
  const page = Math.max(1, Number(ctx.query.get('page')) || 1);
  mount(ctx.el, h('div', { class: 'narrow' }, pageTitle(t('orders.title')), body));
  withStates(body, async () => {
    const r = await get('/api/v1/orders' + qs({ page, per_page: 20 }));
    if (!ctx.alive()) return;
    const list = items(r);
    if (!list.length) { mount(body, emptyState(t('orders.empty'), h('a', { class: 'btn', href: '#/' }, t('pay.continue')))); return; }
    const pages = Math.max(1, Math.ceil((r.total ?? list.length) / (r.per_page || 20)));
    mount(body, h('ul', { class: 'order-list', id: 'order-list' }, list.map((o) => h('li', null,
      h('a', { class: 'order-item card', href: `#/orders/${o.id}`, dataset: { orderId: o.order_id || '' } },
        h('div', { class: 'row between' }, h('span', { class: 'muted small' }, dateTime(o.created_at)), statusBadge(o.status)),
        h('div', { class: 'name' }, o.order_name || o.order_id),
        h('div', { class: 'row between' }, h('span', { class: 'muted small' }, o.order_id), h('strong', null, price(o.amount))))))),
    pages > 1 ? h('nav', { class: 'pager' },
      h('button', { class: 'btn-ghost', disabled: page <= 1, onclick: () => navigate(`/orders?page=${page - 1}`) }, `‹ ${t('page.prev')}`),
      h('span', { class: 'muted' }, `${page} / ${pages}`),
      h('button', { class: 'btn-ghost', disabled: page >= pages, onclick: () => navigate(`/orders?page=${page + 1}`) }, `${t('page.next')} ›`)) : null);
  });
}

function renderDetail(ctx) {
  const body = h('div');
  mount(ctx.el, h('div', { class: 'narrow' }, h('a', { href: '#/orders', class: 'back' }, `‹ ${t('orders.title')}`), pageTitle(t('orders.detail')), body));
  // Runs one buyer action (POST path) after a confirm() question; reloads the order on success.
  const act = (path, question, done) => async (e) => {
    if (question && !confirm(question)) return;
    e.target.disabled = true;
    try { await post(path, {}); toast(done, 'success'); load(); } catch (ex) { toast(errorText(ex), 'error'); e.target.disabled = false; }
  };
  const load = () => withStates(body, async () => {
    const o = await get(`/api/v1/orders/${encodeURIComponent(ctx.params.id)}`);
    // reviews: my delivered lines not reviewed yet get a "write review" button
    const reviewable = (o.shipments || []).some((s) => ['DELIVERED', 'PURCHASE_CONFIRMED'].includes(s.status))
      ? await get('/api/v1/me/reviewable').then((r) => r.items || []).catch(() => []) : [];
    o.reviewable = new Map(reviewable.filter((l) => l.order_row_id === o.id).map((l) => [l.line_id, l]));
    o.reload = load;
    if (!ctx.alive()) return;
    const a = o.shipping_address || {};
    const base = `/api/v1/orders/${encodeURIComponent(o.id)}`;
    const open = (o.shipments || []).filter((s) => !['CANCELED', 'REFUNDED'].includes(s.status));
    // the whole order: unpaid, or paid with no part prepared yet
    const cancellable = o.status === 'PENDING_PAYMENT' || (o.status === 'PAID' && open.every((s) => s.status === 'PAID'));
    const multi = (o.shipments || []).length > 1;
    mount(body, h('div', { class: 'order-detail', id: 'order-detail' },
      h('section', { class: 'card card-pad' },
        h('div', { class: 'row between' }, h('strong', null, o.order_id), statusBadge(o.status)),
        h('div', { class: 'muted small' }, `${t('orders.date')} ${dateTime(o.created_at)}`),
        o.live_id ? h('a', { class: 'small', href: `#/live/${o.live_id}` }, `LIVE #${o.live_id}`) : null),
      (o.shipments || []).map((s, i) => shipmentSection(o, s, multi ? i + 1 : 0, base, act)),
      h('section', { class: 'card card-pad' }, h('h2', null, t('orders.address')),
        h('p', null, `${a.recipient || ''} · ${a.phone || ''}`),
        h('p', { class: 'muted' }, `(${a.postcode || ''}) ${a.address1 || ''} ${a.address2 || ''}`)),
      h('section', { class: 'summary card card-pad' }, h('h2', null, t('orders.payment')),
        h('div', { class: 'sum-row' }, h('span', null, t('buy.subtotal')), h('span', null, price(o.subtotal))),
        h('div', { class: 'sum-row' }, h('span', null, t('buy.shippingFee')), h('span', null, o.shipping_fee ? price(o.shipping_fee) : t('buy.free'))),
        o.coupon_discount ? h('div', { class: 'sum-row discount', id: 'order-coupon-discount' }, h('span', null, t('cpn.discount')), h('span', null, `−${price(o.coupon_discount)}`)) : null,
        h('div', { class: 'sum-row total' }, h('span', null, t('buy.total')), h('strong', null, price(o.amount))),
        o.refunded ? h('div', { class: 'sum-row', id: 'order-refunded' }, h('span', null, t('orders.refunded')), h('strong', null, `− ${price(o.refunded)}`)) : null,
        o.paid_at ? h('div', { class: 'muted small' }, dateTime(o.paid_at)) : null),
      historySection(o),
      h('div', { class: 'actions' },
        o.status === 'PENDING_PAYMENT' ? h('button', { class: 'btn btn-primary', id: 'pay-order', onclick: () => startPayment(o).catch((e) => toast(errorText(e), 'error')) }, t('orders.payNow')) : null,
        cancellable ? h('button', { class: 'btn btn-danger', id: 'cancel-order', onclick: act(`${base}/cancel`, t('orders.cancelConfirm'), t('orders.canceled')) }, t('orders.cancel')) : null)));
  });
  load();
}

// One seller's part: status, lines (each cancelable while the part is PAID), delivery progress
// with carrier + tracking number, and the buyer's actions on the part (cancel / return / confirm).
function shipmentSection(o, s, n, base, act) {
  const sp = `${base}/shipments/${encodeURIComponent(s.id)}`;
  const openLines = s.lines.filter((l) => !l.canceled).length;
  const step = (key, at, done) => h('li', { class: 'ship-step' + (done ? ' done' : '') },
    h('span', null, t(key)), at ? h('span', { class: 'muted small' }, dateTime(at)) : null);
  const shipped = ['SHIPPING', 'DELIVERED', 'PURCHASE_CONFIRMED', 'RETURN_REQUESTED', 'RETURNED', 'REFUNDED'].includes(s.status) || !!s.shipped_at;
  return h('section', { class: 'card card-pad shipment', id: `shipment-${s.id}`, dataset: { status: s.status } },
    h('div', { class: 'row between' }, h('h2', null, n ? `${t('orders.part')} ${n}` : t('orders.lines')), statusBadge(s.status)),
    h('ul', { class: 'lines' }, s.lines.map((l) => h('li', { class: 'line' + (l.canceled ? ' canceled' : ''), id: `line-${l.line_id}` },
      h('a', { class: 'grow', href: `#/product/${l.product_id}` }, l.product_name,
        l.option_label ? h('span', { class: 'option-label small' }, ` (${l.option_label})`) : null, h('span', { class: 'muted' }, ` × ${l.quantity}`)),
      l.canceled ? h('span', { class: 'badge status-canceled' }, t('status.CANCELED')) : h('span', null, price(l.line_total)),
      o.reviewable && o.reviewable.has(l.line_id)
        ? h('button', { class: 'btn btn-small btn-primary', id: `review-line-${l.line_id}`, onclick: () => openReviewSheet(o.reviewable.get(l.line_id), () => o.reload()) }, t('rev.write'))
        : null,
      !l.canceled && s.status === 'PAID' && openLines > 1
        ? h('button', { class: 'btn btn-small btn-ghost', id: `cancel-line-${l.line_id}`, onclick: act(`${base}/lines/${encodeURIComponent(l.line_id)}/cancel`, t('orders.cancelLineConfirm'), t('orders.lineCanceled')) }, t('orders.cancelLine'))
        : null))),
    h('div', { class: 'muted small' }, `${t('buy.shippingFee')} ${s.shipping_fee ? price(s.shipping_fee) : t('buy.free')}`,
      s.refunded ? ` · ${t('orders.refunded')} ${price(s.refunded)}` : ''),
    ['PENDING_PAYMENT', 'EXPIRED', 'PAYMENT_FAILED', 'CANCELED'].includes(s.status) ? null : h('ol', { class: 'ship-steps' },
      step('orders.stepPaid', o.paid_at, true),
      step('orders.stepShipped', s.shipped_at, shipped),
      step('orders.stepDelivered', s.delivered_at, !!s.delivered_at)),
    s.tracking_number
      ? h('p', { class: 'tracking', id: `shipment-tracking-${s.id}` }, h('span', { class: 'muted' }, `${t('orders.carrier')} `), h('strong', null, s.carrier || ''),
        h('span', { class: 'muted' }, ` · ${t('orders.trackingNumber')} `), h('code', null, s.tracking_number))
      : ['PAID', 'PREPARING'].includes(s.status) ? h('p', { class: 'muted small' }, t('orders.preparing')) : null,
    h('div', { class: 'actions' },
      ['PAID', 'PREPARING'].includes(s.status) && n
        ? h('button', { class: 'btn btn-small btn-danger', id: `cancel-part-${s.id}`, onclick: act(`${sp}/cancel`, t(s.status === 'PAID' ? 'orders.cancelPartConfirm' : 'orders.requestCancelConfirm'), t(s.status === 'PAID' ? 'orders.partCanceled' : 'orders.cancelRequested')) }, t(s.status === 'PAID' ? 'orders.cancelPart' : 'orders.requestCancel'))
        : null,
      s.status === 'PREPARING' && !n
        ? h('button', { class: 'btn btn-small btn-danger', id: `cancel-part-${s.id}`, onclick: act(`${sp}/cancel`, t('orders.requestCancelConfirm'), t('orders.cancelRequested')) }, t('orders.requestCancel'))
        : null,
      s.status === 'DELIVERED' ? h('button', { class: 'btn btn-small btn-primary', id: `confirm-part-${s.id}`, onclick: act(`${sp}/confirm`, null, t('orders.confirmed')) }, t('orders.confirm')) : null,
      s.status === 'DELIVERED' ? h('button', { class: 'btn btn-small', id: `return-part-${s.id}`, onclick: act(`${sp}/return`, t('orders.returnConfirm'), t('orders.returnRequested')) }, t('orders.return')) : null));
}

// The order's history, oldest first.
function historySection(o) {
  if (!(o.history || []).length) return null;
  return h('section', { class: 'card card-pad', id: 'order-history' }, h('h2', null, t('orders.history')),
    h('ol', { class: 'history' }, o.history.map((e) => h('li', null,
      h('span', { class: 'muted small' }, dateTime(e.at)), ' ',
      e.shipment_id ? h('span', { class: 'muted small' }, `#${e.shipment_id} `) : null,
      statusBadge(e.to), ' ', h('span', { class: 'muted small' }, t(`orders.actor.${e.actor_role}`)),
      e.reason ? h('span', { class: 'small' }, ` · ${e.reason}`) : null))));
}
