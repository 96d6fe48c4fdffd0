// #/cart (lines with quantity and remove) and #/checkout (address + pay, from_cart:true).
import { h, mount } from '../dom.js';
import { t, errorText } from '../i18n.js';
import { price } from '../format.js';
import { cart, currentUser } from '../api.js';
import { requireLogin } from '../app.js';
import { withStates, emptyState, productImage, pageTitle, toast } from './ui.js';
import { addressPicker } from './addresses.js';
import { couponPicker } from './coupons.js';
import { orderErrorText } from './buy.js';
import { preparePayment, orderPayer } from '../pay.js';
import { pointsField } from './points_use.js';

export async function render(ctx) {
  if (!currentUser()) { requireLogin(); return; }
  return ctx.name === 'checkout' ? renderCheckout(ctx) : renderCart(ctx);
}

function totals(c, off = 0, extra = []) {
  return h('div', { class: 'summary card-pad' },
    h('div', { class: 'sum-row' }, h('span', null, t('buy.subtotal')), h('span', null, price(c.subtotal))),
    h('div', { class: 'sum-row' }, h('span', null, t('buy.shippingFee')), h('span', null, c.shipping_fee ? price(c.shipping_fee) : t('buy.free'))),
    off ? h('div', { class: 'sum-row discount' }, h('span', null, t('cpn.discount')), h('span', { id: 'cart-discount' }, `−${price(off)}`)) : null,
    h('div', { class: 'sum-row total' }, h('span', null, t('buy.total')), h('strong', { id: 'cart-total' }, price(c.total - off))),
    ...extra);
}

function renderCart(ctx) {
  const body = h('div');
  mount(ctx.el, h('div', { class: 'narrow' }, pageTitle(t('cart.title')), body));
  const load = () => withStates(body, async () => {
    const c = await cart.get();
    if (!ctx.alive()) return;
    const lines = c.lines || [];
    if (!lines.length) { mount(body, emptyState(t('cart.empty'), h('a', { class: 'btn', href: '#/' }, t('pay.continue')))); return; }
    const update = async (fn) => {
      try { await fn(); window.dispatchEvent(new Event('bc:cart')); load(); } catch (e) { toast(orderErrorText(e), 'error'); }
    };
    mount(body,
      h('ul', { class: 'cart-lines' }, lines.map((l) => {
        const unavailable = l.status !== 'ON_SALE' || l.stock === 0;
        const q = h('input', { type: 'number', min: 1, max: Math.max(1, l.stock || 1), value: l.quantity, class: 'qty-input', 'aria-label': t('buy.qty'),
          onchange: () => update(() => cart.set(l.product_id, Math.max(1, Number(q.value) || 1), l.sku_id)) });
        return h('li', { class: 'cart-line' + (unavailable ? ' unavailable' : '') },
          productImage({ name: l.name, image_url: l.image_url }, 'row-img'),
          h('div', { class: 'grow' },
            h('a', { class: 'name', href: `#/product/${l.product_id}` }, l.name),
            // product options as SKUs: the line's options
            l.option_label ? h('div', { class: 'option-label small', dataset: { skuId: String(l.sku_id) } }, l.option_label) : null,
            h('div', { class: 'muted small' }, price(l.unit_price), unavailable ? ` · ${t('status.SOLD_OUT')}` : ''),
            h('div', { class: 'row' }, q, h('button', { class: 'btn-ghost small', onclick: () => update(() => cart.remove(l.product_id, l.sku_id)) }, t('cart.remove')))),
          h('strong', null, price(l.line_total)));
      })),
      totals(c),
      h('a', { class: 'btn btn-primary btn-block', href: '#/checkout', id: 'cart-checkout' }, t('cart.order')));
  });
  load();
}

function renderCheckout(ctx) {
  const body = h('div');
  mount(ctx.el, h('div', { class: 'narrow' }, pageTitle(t('checkout.title')), body));
  withStates(body, async () => {
    const c = await cart.get();
    if (!ctx.alive()) return;
    const lines = c.lines || [];
    if (!lines.length) { mount(body, emptyState(t('cart.empty'), h('a', { class: 'btn', href: '#/' }, t('pay.continue')))); return; }
    const addr = addressPicker();
    const pay = orderPayer(); // the cart is emptied into the order, so a retry pays that order
    preparePayment().catch(() => {});
    const err = h('div', { class: 'form-error', id: 'buy-error', role: 'alert', hidden: true });
    const btn = h('button', { class: 'btn btn-primary btn-block', id: 'checkout', type: 'submit' }, `${price(c.total)} ${t('buy.checkout')}`);
    // coupons: one of my coupons on the whole cart, its discount from the quote; then points
    // (포인트 사용) on what is left; the amount to pay redrawn as either changes
    const sum = h('div');
    let off = 0;
    const redraw = () => {
      pts.setTotal(c.total - off);
      mount(sum, totals(c, off, pts.rows(c.total - off)));
      btn.textContent = `${price(c.total - off - pts.points())} ${t('buy.checkout')}`;
    };
    const coupon = couponPicker({ lines: () => lines.map((l) => ({ product_id: l.product_id, quantity: l.quantity })), onChange: (o) => { off = o; redraw(); } });
    const pts = pointsField({ onChange: () => redraw() });
    pts.setTotal(c.total);
    mount(sum, totals(c));
    mount(body, h('form', { novalidate: true, onsubmit: async (e) => {
      e.preventDefault();
      err.hidden = true;
      const where = addr.value(); // {address_id} or {shipping_address, save_address?}
      if (!where) { err.textContent = t('buy.invalid'); err.hidden = false; return; }
      addr.remember(where);
      btn.disabled = true;
      try {
        const body = { from_cart: true, ...where };
        if (coupon.value()) body.coupon_id = coupon.value();
        if (pts.points() > 0) body.points = pts.points();
        await pay(body);
      } catch (ex) {
        err.textContent = orderErrorText(ex) || errorText(ex); err.hidden = false; btn.disabled = false;
      }
    } },
      h('section', { class: 'card card-pad' }, h('h2', null, t('checkout.items')),
        h('ul', { class: 'lines' }, lines.map((l) => h('li', { class: 'line' },
          h('span', { class: 'grow' }, l.name, l.option_label ? h('span', { class: 'option-label small' }, ` (${l.option_label})`) : null,
            h('span', { class: 'muted' }, ` × ${l.quantity}`)), h('span', null, price(l.line_total)))))),
      h('section', { class: 'card card-pad' }, addr.el, coupon.el),
      h('section', { class: 'card card-pad' }, pts.el),
      sum, err, btn));
  });
}
