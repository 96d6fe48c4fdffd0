// The buy sheet (quantity, address, total, pay); the hand-off to the gateway is web/pay.js.
import { h, mount } from '../dom.js';
import { t, errorText } from '../i18n.js';
import { price } from '../format.js';
import { currentUser } from '../api.js';
import { requireLogin } from '../app.js';
import { addressForm, productImage, toast } from './ui.js';
import { startPayment, paymentsConfig, preparePayment, orderPayer } from '../pay.js';

// Shipping rule (BROADCART_SHIPPING_FEE / BROADCART_FREE_SHIPPING_OVER); the server's numbers win when it sends them.
export function shippingFee(subtotal, cfg) {
  const fee = Number.isFinite(cfg?.shipping_fee) ? cfg.shipping_fee : 3000;
  const over = Number.isFinite(cfg?.free_shipping_over) ? cfg.free_shipping_over : 50000;
  return subtotal <= 0 || subtotal >= over ? 0 : fee;
}

// Kept for importers of the old location (orders.js); the implementation lives in web/pay.js.
export { startPayment, paymentsConfig };

export function orderErrorText(e) {
  if (e && (e.code === 'OUT_OF_STOCK' || e.status === 409 && /stock/i.test(e.code || ''))) return t('buy.soldOut');
  return errorText(e);
}

let openSheet = null;
export function closeBuySheet() { if (openSheet) openSheet(); }

export function openBuySheet(product, { liveId = null, initialQty = 1 } = {}) {
  if (!currentUser()) { toast(t('buy.loginRequired')); requireLogin(); return; }
  closeBuySheet();
  const max = Math.max(1, Math.min(Number.isFinite(product.stock) ? product.stock : 99, 99));
  let qty = Math.min(Math.max(1, initialQty), max);
  let cfg = null;
  const pay = orderPayer(); // a closed payment window is retried on the same pending order

  const qtyInput = h('input', { id: 'qty', type: 'number', min: 1, max, value: qty, inputmode: 'numeric', 'aria-label': t('buy.qty') });
  const dec = h('button', { type: 'button', class: 'step', id: 'qty-dec', 'aria-label': '-' }, '−');
  const inc = h('button', { type: 'button', class: 'step', id: 'qty-inc', 'aria-label': '+' }, '+');
  const addr = addressForm();
  const summary = h('div', { class: 'summary' });
  const errorEl = h('div', { class: 'form-error', id: 'buy-error', role: 'alert', hidden: true });
  const payBtn = h('button', { class: 'btn btn-primary btn-block', id: 'checkout', type: 'submit' }, t('buy.checkout'));

  const setQty = (n) => {
    qty = Math.min(Math.max(1, Math.floor(Number(n)) || 1), max);
    qtyInput.value = qty;
    dec.disabled = qty <= 1; inc.disabled = qty >= max;
    renderSummary();
  };
  function renderSummary() {
    const sub = product.price * qty;
    const fee = shippingFee(sub, cfg);
    mount(summary,
      h('div', { class: 'sum-row' }, h('span', null, t('buy.subtotal')), h('span', null, price(sub))),
      h('div', { class: 'sum-row' }, h('span', null, t('buy.shippingFee')), h('span', null, fee ? price(fee) : t('buy.free'))),
      h('div', { class: 'sum-row total' }, h('span', null, t('buy.total')), h('strong', { id: 'buy-total' }, price(sub + fee))));
    payBtn.textContent = `${price(sub + fee)} ${t('buy.checkout')}`;
  }
  dec.onclick = () => setQty(qty - 1);
  inc.onclick = () => setQty(qty + 1);
  qtyInput.addEventListener('input', () => { if (qtyInput.value !== '') setQty(qtyInput.value); });
  qtyInput.addEventListener('change', () => setQty(qtyInput.value));

  const showError = (msg) => { errorEl.textContent = msg; errorEl.hidden = !msg; };

  const form = h('form', { class: 'sheet-body', novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    showError('');
    setQty(qtyInput.value);
    const shipping = addr.value();
    if (!shipping) { showError(t('buy.invalid')); return; }
    addr.remember(shipping);
    payBtn.disabled = true;
    payBtn.textContent = t('buy.processing');
    try {
      const body = { items: [{ product_id: product.id, quantity: qty }], shipping_address: shipping };
      if (liveId != null) body.live_id = Number(liveId);
      await pay(body);
    } catch (err) {
      console.error(err);
      const msg = orderErrorText(err);
      showError(msg);
      if (err.code === 'OUT_OF_STOCK') toast(msg, 'error');
      payBtn.disabled = false;
      renderSummary();
    }
  } },
    h('div', { class: 'sheet-product' },
      productImage(product, 'sheet-img'),
      h('div', null, h('div', { class: 'name' }, product.name), h('div', { class: 'price' }, price(product.price)),
        Number.isFinite(product.stock) ? h('div', { class: 'muted small' }, t('buy.stock', { n: product.stock })) : null)),
    h('div', { class: 'qty-row' }, h('span', null, t('buy.qty')), h('div', { class: 'stepper' }, dec, qtyInput, inc)),
    addr.el, summary, errorEl, payBtn);

  const close = () => {
    overlay.classList.add('closing');
    document.removeEventListener('keydown', onKey);
    window.removeEventListener('hashchange', close);
    openSheet = null;
    setTimeout(() => overlay.remove(), 180);
  };
  const onKey = (e) => { if (e.key === 'Escape') close(); };
  const overlay = h('div', { class: 'sheet-overlay', onclick: (e) => { if (e.target === overlay) close(); } },
    h('div', { class: 'sheet', role: 'dialog', 'aria-modal': 'true', 'aria-label': t('buy.title') },
      h('div', { class: 'sheet-head' }, h('span', { class: 'grabber', 'aria-hidden': 'true' }), h('h2', null, t('buy.title')),
        h('button', { class: 'icon-btn', type: 'button', 'aria-label': t('buy.close'), onclick: close }, '✕')),
      form));
  document.body.appendChild(overlay);
  document.addEventListener('keydown', onKey);
  window.addEventListener('hashchange', close);
  openSheet = close;
  setQty(qty);
  paymentsConfig().then((c) => { cfg = c; renderSummary(); }).catch(() => {});
  preparePayment().catch(() => {});
  return close;
}
