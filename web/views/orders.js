// #/orders (list with status badges) and #/orders/{id} (detail, cancel, pay a pending order).
import { h, mount } from '../dom.js';
import { t, errorText } from '../i18n.js';
import { price, dateTime } from '../format.js';
import { get, post, items, currentUser, qs } from '../api.js';
import { requireLogin, navigate } from '../app.js';
import { withStates, emptyState, statusBadge, pageTitle, toast } from './ui.js';
import { startPayment } from './buy.js';

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
  const load = () => withStates(body, async () => {
    const o = await get(`/api/v1/orders/${encodeURIComponent(ctx.params.id)}`);
    if (!ctx.alive()) return;
    const a = o.shipping_address || {};
    const cancellable = o.status === 'PENDING_PAYMENT' || o.status === 'PAID';
    mount(body, h('div', { class: 'order-detail', id: 'order-detail' },
      h('section', { class: 'card card-pad' },
        h('div', { class: 'row between' }, h('strong', null, o.order_id), statusBadge(o.status)),
        h('div', { class: 'muted small' }, `${t('orders.date')} ${dateTime(o.created_at)}`),
        o.live_id ? h('a', { class: 'small', href: `#/live/${o.live_id}` }, `LIVE #${o.live_id}`) : null),
      h('section', { class: 'card card-pad' }, h('h2', null, t('orders.lines')),
        h('ul', { class: 'lines' }, (o.lines || []).map((l) => h('li', { class: 'line' },
          h('a', { class: 'grow', href: `#/product/${l.product_id}` }, l.product_name, h('span', { class: 'muted' }, ` × ${l.quantity}`)),
          h('span', null, price(l.line_total)))))),
      shippingSection(o),
      h('section', { class: 'card card-pad' }, h('h2', null, t('orders.address')),
        h('p', null, `${a.recipient || ''} · ${a.phone || ''}`),
        h('p', { class: 'muted' }, `(${a.postcode || ''}) ${a.address1 || ''} ${a.address2 || ''}`)),
      h('section', { class: 'summary card card-pad' }, h('h2', null, t('orders.payment')),
        h('div', { class: 'sum-row' }, h('span', null, t('buy.subtotal')), h('span', null, price(o.subtotal))),
        h('div', { class: 'sum-row' }, h('span', null, t('buy.shippingFee')), h('span', null, o.shipping_fee ? price(o.shipping_fee) : t('buy.free'))),
        h('div', { class: 'sum-row total' }, h('span', null, t('buy.total')), h('strong', null, price(o.amount))),
        o.paid_at ? h('div', { class: 'muted small' }, dateTime(o.paid_at)) : null),
      h('div', { class: 'actions' },
        o.status === 'PENDING_PAYMENT' ? h('button', { class: 'btn btn-primary', id: 'pay-order', onclick: () => startPayment(o).catch((e) => toast(errorText(e), 'error')) }, t('orders.payNow')) : null,
        cancellable ? h('button', { class: 'btn btn-danger', id: 'cancel-order', onclick: async (e) => {
          if (!confirm(t('orders.cancelConfirm'))) return;
          e.target.disabled = true;
          try { await post(`/api/v1/orders/${encodeURIComponent(o.id)}/cancel`, {}); toast(t('orders.canceled'), 'success'); load(); } catch (ex) { toast(errorText(ex), 'error'); e.target.disabled = false; }
        } }, t('orders.cancel')) : null)));
  });
  load();
}

// Delivery progress for a paid order: status, carrier + tracking number, shipped/delivered times.
function shippingSection(o) {
  if (!['PAID', 'SHIPPING', 'DELIVERED'].includes(o.status)) return null;
  const step = (key, at, done) => h('li', { class: 'ship-step' + (done ? ' done' : '') },
    h('span', null, t(key)), at ? h('span', { class: 'muted small' }, dateTime(at)) : null);
  return h('section', { class: 'card card-pad', id: 'order-shipping' }, h('h2', null, t('orders.shipping')),
    h('ol', { class: 'ship-steps' },
      step('orders.stepPaid', o.paid_at, true),
      step('orders.stepShipped', o.shipped_at, !!o.shipped_at),
      step('orders.stepDelivered', o.delivered_at, !!o.delivered_at)),
    o.tracking_number
      ? h('p', { id: 'order-tracking' }, h('span', { class: 'muted' }, `${t('orders.carrier')} `), h('strong', null, o.carrier || ''),
        h('span', { class: 'muted' }, ` · ${t('orders.trackingNumber')} `), h('code', null, o.tracking_number))
      : h('p', { class: 'muted small' }, t('orders.preparing')));
}
