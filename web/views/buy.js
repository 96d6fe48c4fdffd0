// The buy sheet (option, quantity, address, total, pay); the hand-off to the gateway is web/pay.js.
import { h, mount } from '../dom.js';
import { t, errorText } from '../i18n.js';
import { price } from '../format.js';
import { currentUser, get, post, del, accessToken } from '../api.js';
import { requireLogin } from '../app.js';
import { productImage, toast } from './ui.js';
import { addressPicker } from './addresses.js';
import { couponPicker } from './coupons.js';
import { startPayment, paymentsConfig, preparePayment, orderPayer } from '../pay.js';
import { pointsField } from './points_use.js';
import { hasOptions, optionPicker } from './options.js';

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
  const limit = e && e.body && e.body.error && e.body.error.limit;
  const msg = errorText(e);
  return Number.isInteger(limit) && limit > 0 && /^LIMIT_/.test(e.code || '') ? `${msg} ${t('buy.limitN', { n: limit })}` : msg;
}

// The quantity picker's bound: stock (up to 99) and the product's purchase limits
// (GET /api/v1/products/{id}/limits; 0 = none).
export function quantityBound(stock, limits) {
  let max = Math.min(Number.isFinite(stock) ? stock : 99, 99);
  for (const k of ['max_per_order', 'max_per_buyer', 'max_per_buyer_live']) {
    const v = limits && limits[k];
    if (Number.isInteger(v) && v > 0) max = Math.min(max, v);
  }
  return Math.max(1, max);
}

// "m:ss" left until expiresAt (ms), never negative.
export function countdownText(expiresAt, now = Date.now()) {
  const s = Math.max(0, Math.ceil((expiresAt - now) / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

// A live's stock hold for the buy sheet (POST/DELETE /api/v1/holds): take(qty) holds exactly qty
// units of the SKU skuOf() names (null: a product without options), releasing a hold of another
// quantity or SKU first; calls are serialised; release() gives an unordered hold back; ordered()
// marks it as the order's reservation (never released by the sheet).
// onChange(hold|null, error|null) after every change.
function liveHold(productId, liveId, onChange, skuOf = () => null) {
  let hold = null; // {id, quantity, sku_id, expires_at (ms)}
  let chain = Promise.resolve();
  const run = (fn) => { const p = chain.then(fn); chain = p.catch(() => {}); return p; };
  const drop = async () => {
    if (!hold) return;
    const old = hold;
    hold = null;
    if (!old.ordered) await del(`/api/v1/holds/${encodeURIComponent(old.id)}`).catch(() => {});
  };
  return {
    current: () => hold,
    take: (qty) => run(async () => {
      const sku = skuOf();
      if (hold && hold.quantity === qty && hold.sku_id === sku && !hold.ordered && hold.expires_at > Date.now() + 1000) return hold;
      await drop();
      try {
        const r = await post('/api/v1/holds', { product_id: productId, quantity: qty, live_id: Number(liveId), ...(sku ? { sku_id: sku } : {}) });
        hold = { id: r.id, quantity: r.quantity, sku_id: r.sku_id ?? null, expires_at: Date.parse(r.expires_at) };
        onChange(hold, null);
        return hold;
      } catch (e) {
        onChange(null, e);
        throw e;
      }
    }),
    expired: () => { if (hold && !hold.ordered) { hold = null; onChange(null, null); } },
    ordered: () => { if (hold) hold.ordered = true; },
    release: () => run(async () => { await drop(); onChange(null, null); }),
    // leaving the page: a request that outlives it
    releaseOnUnload: () => {
      if (!hold || hold.ordered) return;
      const tok = accessToken();
      try {
        fetch(`/api/v1/holds/${encodeURIComponent(hold.id)}`, { method: 'DELETE', keepalive: true, headers: tok ? { authorization: `Bearer ${tok}` } : {} });
      } catch { /* the hold expires on its own */ }
      hold = null;
    },
  };
}

let openSheet = null;
export function closeBuySheet() { if (openSheet) openSheet(); }

// hold: take a stock hold (the buy sheet of a live that is LIVE): the chosen quantity is held
// while the sheet is open, re-held when it changes, ordered with hold_id, released on close.
// A product with options (product options as SKUs) is bought per SKU: the sheet shows the option
// picker (skuId preselects one), the chosen SKU's price (product.price + its price_delta) and stock;
// nothing is held or ordered before every group has a value.
export function openBuySheet(product, { liveId = null, initialQty = 1, hold: useHold = false, skuId = null } = {}) {
  if (!currentUser()) { toast(t('buy.loginRequired')); requireLogin(); return; }
  closeBuySheet();
  const opts = hasOptions(product);
  let limits = null;
  let picker = null;
  const sku = () => (picker ? picker.sku() : null);
  const unitPrice = () => product.price + (sku() ? sku().price_delta : 0);
  const stockNow = () => (opts ? (sku() ? sku().stock : product.stock) : product.stock);
  let max = quantityBound(stockNow(), null);
  let qty = Math.min(Math.max(1, initialQty), max);
  let cfg = null;
  let placed = false;
  let ready = false; // the limits are known (the first hold waits for them)
  const holdEl = h('div', { class: 'hold-note muted small', id: 'hold-countdown', role: 'status', hidden: true });
  let tick = null;
  const drawHold = (hd, err) => {
    clearInterval(tick);
    tick = null;
    if (err) { holdEl.hidden = true; showError(orderErrorText(err)); return; }
    if (!hd) { holdEl.hidden = true; return; }
    showError('');
    const draw = () => {
      if (hd.expires_at <= Date.now()) {
        clearInterval(tick); tick = null;
        holds.expired();
        holdEl.hidden = false; holdEl.textContent = t('hold.expired'); holdEl.dataset.state = 'expired';
        return;
      }
      holdEl.hidden = false; holdEl.dataset.state = 'held';
      holdEl.textContent = t('hold.countdown', { time: countdownText(hd.expires_at) });
    };
    draw();
    tick = setInterval(draw, 1000);
  };
  const holds = useHold && liveId != null ? liveHold(product.id, liveId, (hd, err) => drawHold(hd, err), () => (sku() ? sku().id : null)) : null;
  let holdTimer = null;
  const reHold = (delay) => {
    if (!holds || placed || !ready || (opts && !sku())) return;
    clearTimeout(holdTimer);
    holdTimer = setTimeout(() => { holds.take(qty).catch(() => {}); }, delay);
  };
  // a closed payment window is retried on the same pending order; the order takes the hold
  const pay = orderPayer({ onOrder: () => { placed = true; if (holds) holds.ordered(); } });

  const qtyInput = h('input', { id: 'qty', type: 'number', min: 1, max, value: qty, inputmode: 'numeric', 'aria-label': t('buy.qty') });
  const dec = h('button', { type: 'button', class: 'step', id: 'qty-dec', 'aria-label': '-' }, '−');
  const inc = h('button', { type: 'button', class: 'step', id: 'qty-inc', 'aria-label': '+' }, '+');
  const addr = addressPicker();
  // coupons: my usable coupons, the discount quoted for this quantity
  const coupon = couponPicker({ lines: () => [{ product_id: product.id, quantity: qty }], liveId, onChange: () => renderSummary() });
  const summary = h('div', { class: 'summary' });
  const pts = pointsField({ onChange: () => renderSummary() }); // points: 포인트 사용
  const errorEl = h('div', { class: 'form-error', id: 'buy-error', role: 'alert', hidden: true });
  const payBtn = h('button', { class: 'btn btn-primary btn-block', id: 'checkout', type: 'submit' }, t('buy.checkout'));

  const setQty = (n) => {
    qty = Math.min(Math.max(1, Math.floor(Number(n)) || 1), max);
    qtyInput.value = qty;
    qtyInput.max = max;
    dec.disabled = qty <= 1; inc.disabled = qty >= max;
    renderSummary();
    if (coupon.value() || coupon.discount()) coupon.refresh();
    reHold(350);
  };
  function renderSummary() {
    const sub = unitPrice() * qty;
    const fee = shippingFee(sub, cfg);
    // coupons first (the server applies them first), then points on what is left
    const off = coupon ? coupon.discount() : 0;
    pts.setTotal(sub + fee - off);
    mount(summary,
      h('div', { class: 'sum-row' }, h('span', null, t('buy.subtotal')), h('span', null, price(sub))),
      h('div', { class: 'sum-row' }, h('span', null, t('buy.shippingFee')), h('span', null, fee ? price(fee) : t('buy.free'))),
      off ? h('div', { class: 'sum-row discount' }, h('span', null, t('cpn.discount')), h('span', { id: 'buy-discount' }, `−${price(off)}`)) : null,
      h('div', { class: 'sum-row total' }, h('span', null, t('buy.total')), h('strong', { id: 'buy-total' }, price(sub + fee - off))),
      ...pts.rows(sub + fee - off));
    payBtn.textContent = `${price(sub + fee - off - pts.points())} ${t('buy.checkout')}`;
  }
  dec.onclick = () => setQty(qty - 1);
  inc.onclick = () => setQty(qty + 1);
  qtyInput.addEventListener('input', () => { if (qtyInput.value !== '') setQty(qtyInput.value); });
  qtyInput.addEventListener('change', () => setQty(qtyInput.value));

  const showError = (msg) => { errorEl.textContent = msg; errorEl.hidden = !msg; };
  const maxEl = h('span', { class: 'muted small', id: 'qty-max' });
  const priceEl = h('div', { class: 'price', id: 'sheet-price' });
  const stockEl = h('div', { class: 'muted small', id: 'sheet-stock' });
  // the bound, price and stock of what is chosen now (the SKU's once one is)
  const drawChoice = () => {
    max = quantityBound(stockNow(), limits);
    maxEl.textContent = limits && max < quantityBound(stockNow(), null) ? t('buy.maxN', { n: max }) : '';
    priceEl.textContent = price(unitPrice());
    stockEl.textContent = Number.isFinite(stockNow()) ? t('buy.stock', { n: stockNow() }) : '';
  };
  if (opts) {
    picker = optionPicker(product, { prefix: 'sheet-opt', skuId, onChange: () => { drawChoice(); showError(''); setQty(qty); } });
  }
  drawChoice();

  const form = h('form', { class: 'sheet-body', novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    showError('');
    setQty(qtyInput.value);
    const where = addr.value(); // {address_id} or {shipping_address, save_address?}
    if (!where) { showError(t('buy.invalid')); return; }
    addr.remember(where);
    payBtn.disabled = true;
    payBtn.textContent = t('buy.processing');
    if (opts && !sku()) { showError(t('opt.choose')); return; }
    try {
      const body = { items: [{ product_id: product.id, quantity: qty, ...(sku() ? { sku_id: sku().id } : {}) }], ...where };
      if (liveId != null) body.live_id = Number(liveId);
      if (coupon.value()) body.coupon_id = coupon.value();
      if (pts.points() > 0) body.points = pts.points();
      if (holds && !placed) {
        clearTimeout(holdTimer);
        body.hold_id = (await holds.take(qty)).id;
      } else if (holds && holds.current() && holds.current().quantity === qty) {
        body.hold_id = holds.current().id; // paying the same pending order again
      }
      await pay(body);
    } catch (err) {
      console.error(err);
      const msg = orderErrorText(err);
      if (holds && !placed && (err.code === 'HOLD_EXPIRED' || err.code === 'HOLD_NOT_FOUND')) {
        // the hold ran out (or went) at the server first: take a new one, the buyer pays again
        holds.expired();
        holds.take(qty).then(() => showError(msg), () => {});
      }
      showError(msg);
      if (err.code === 'OUT_OF_STOCK') toast(msg, 'error');
      payBtn.disabled = false;
      renderSummary();
    }
  } },
    h('div', { class: 'sheet-product' },
      productImage(product, 'sheet-img'),
      h('div', null, h('div', { class: 'name' }, product.name), priceEl, stockEl)),
    picker ? picker.el : null,
    h('div', { class: 'qty-row' }, h('span', null, t('buy.qty'), ' ', maxEl), h('div', { class: 'stepper' }, dec, qtyInput, inc)),
    holdEl, addr.el, coupon.el, pts.el, summary, errorEl, payBtn);

  const onUnload = () => { if (holds && !placed) holds.releaseOnUnload(); };
  const close = () => {
    clearTimeout(holdTimer);
    clearInterval(tick);
    window.removeEventListener('pagehide', onUnload);
    if (holds && !placed) holds.release();
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
  window.addEventListener('pagehide', onUnload);
  openSheet = close;
  setQty(qty);
  // the product's purchase limits bound the picker (then the first hold is taken)
  get(`/api/v1/products/${encodeURIComponent(product.id)}/limits`).then((lim) => {
    limits = lim;
    drawChoice();
    setQty(qty);
  }).catch(() => {}).finally(() => { ready = true; reHold(0); });
  paymentsConfig().then((c) => { cfg = c; renderSummary(); }).catch(() => {});
  preparePayment().catch(() => {});
  return close;
}
