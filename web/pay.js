// Hands an order to the payment gateway. One entry point for the buy sheet, cart checkout and
// "pay now" on a pending order: startPayment(order).
//   mode "sandbox": navigate to the built-in sandbox checkout page (checkout_url).
//   mode "toss":    load the Toss browser SDK v2 (sdk_url) once and call
//                   TossPayments(client_key).payment({customerKey}).requestPayment({...}).
//   mode "portone": load iamport.js v1 (sdk_url: PortOne's, or the sandbox's stand-in), IMP.init(client_key),
//                   POST /api/v1/payments/prepare {order_id} (registers the amount), IMP.request_pay({...});
//                   its callback goes to the same success page with paymentKey = imp_uid.
// Either way the browser comes back on #/pay/success?paymentKey&orderId&amount&paymentType or
// #/pay/fail?code&message&orderId (web/views/pay.js).
import { t } from './i18n.js';
import { get, post, currentUser } from './api.js';

const SDK_TIMEOUT_MS = 20000;

let payConfig = null;
// GET /api/v1/payments/config, cached for the page's life (a failed fetch is retried next time).
export async function paymentsConfig() {
  if (!payConfig) payConfig = get('/api/v1/payments/config').catch((e) => { payConfig = null; throw e; });
  return payConfig;
}

// Error thrown by startPayment; errorText() translates its code via the 'pay.' keys.
export class PaymentError extends Error {
  constructor(code, message, cause) {
    super(message);
    this.code = code;
    this.cause = cause;
  }
}

// {origin}{path}/#/pay/success and …/fail — the app's own root, so it also works under a sub-path.
export function returnUrls() {
  const base = location.origin + location.pathname.replace(/index\.html$/, '');
  const root = base.endsWith('/') ? base.slice(0, -1) : base;
  return { successUrl: `${root}/#/pay/success`, failUrl: `${root}/#/pay/fail` };
}

let sdkLoading = null;
// Loads the SDK <script> once; resolves window.TossPayments. A failed load is forgotten (and its
// element removed) so that the next attempt tries again.
export function loadTossSdk(src) {
  if (typeof window.TossPayments === 'function') return Promise.resolve(window.TossPayments);
  if (sdkLoading) return sdkLoading;
  sdkLoading = new Promise((resolve, reject) => {
    const old = document.querySelector('script[data-toss-sdk]');
    if (old) old.remove();
    const s = document.createElement('script');
    s.src = src;
    s.async = true;
    s.dataset.tossSdk = '';
    let timer = null;
    const fail = (why) => {
      clearTimeout(timer);
      s.remove();
      sdkLoading = null;
      reject(new PaymentError('PAY_SDK_LOAD_FAILED', t('pay.PAY_SDK_LOAD_FAILED'), why));
    };
    s.onload = () => {
      clearTimeout(timer);
      if (typeof window.TossPayments === 'function') resolve(window.TossPayments);
      else fail(new Error('the script did not define TossPayments'));
    };
    s.onerror = () => fail(new Error(`could not load ${src}`));
    timer = setTimeout(() => fail(new Error(`timed out loading ${src}`)), SDK_TIMEOUT_MS);
    document.head.appendChild(s);
  });
  return sdkLoading;
}

// Makes sure the payment step can run before an order is created: fetches the config and, in
// "toss" mode, loads the SDK. Resolves the config; rejects with the PaymentError startPayment
// would throw. Called when a checkout form opens (errors ignored there) and again on submit.
export async function preparePayment() {
  const cfg = await paymentsConfig();
  if (cfg.mode === 'toss') await loadTossSdk(cfg.sdk_url);
  if (cfg.mode === 'portone') await loadImpSdk(cfg.sdk_url);
  return cfg;
}

// payments: PortOne v1's window.IMP, loaded once like the Toss SDK.
let impLoading = null;
export function loadImpSdk(src) {
  if (window.IMP && typeof window.IMP.request_pay === 'function') return Promise.resolve(window.IMP);
  if (impLoading) return impLoading;
  impLoading = new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = src;
    s.async = true;
    const timer = setTimeout(() => { s.remove(); impLoading = null; reject(new PaymentError('PAY_SDK_LOAD_FAILED', t('pay.PAY_SDK_LOAD_FAILED'))); }, SDK_TIMEOUT_MS);
    s.onload = () => {
      clearTimeout(timer);
      if (window.IMP && typeof window.IMP.request_pay === 'function') resolve(window.IMP);
      else { impLoading = null; reject(new PaymentError('PAY_SDK_LOAD_FAILED', t('pay.PAY_SDK_LOAD_FAILED'))); }
    };
    s.onerror = () => { clearTimeout(timer); s.remove(); impLoading = null; reject(new PaymentError('PAY_SDK_LOAD_FAILED', t('pay.PAY_SDK_LOAD_FAILED'))); };
    document.head.appendChild(s);
  });
  return impLoading;
}

// PortOne v1: prepare the amount, then IMP.request_pay; the callback leads to #/pay/success or /fail.
async function startPortone(cfg, order) {
  const IMP = await loadImpSdk(cfg.sdk_url);
  IMP.init(cfg.client_key);
  // a points charge registers its amount on its own route (points: order.prepare_path)
  await post(order.prepare_path || '/api/v1/payments/prepare', { order_id: order.order_id });
  const { successUrl, failUrl } = returnUrls();
  const who = await customer();
  const res = await new Promise((resolve) => IMP.request_pay({
    pay_method: 'card', merchant_uid: order.order_id, name: order.order_name || order.order_id, amount: order.amount,
    buyer_email: who.customerEmail, buyer_name: who.customerName, m_redirect_url: successUrl,
  }, resolve));
  if (res && res.success && res.imp_uid) {
    const q = new URLSearchParams({ paymentKey: res.imp_uid, orderId: order.order_id, amount: String(order.amount), paymentType: 'NORMAL' });
    location.assign(`${successUrl}?${q}`);
    return;
  }
  const q = new URLSearchParams({ code: (res && res.error_code) || 'PAY_PROCESS_ABORTED', message: (res && res.error_msg) || '', orderId: order.order_id });
  location.assign(`${failUrl}?${q}`);
}

// The buyer's e-mail and name for the payment window: /api/v1/me, else the stored session user.
async function customer() {
  let me = null;
  try { me = await get('/api/v1/me'); } catch { me = null; }
  me = me || currentUser() || {};
  const out = {};
  if (typeof me.email === 'string' && me.email) out.customerEmail = me.email;
  if (typeof me.name === 'string' && me.name) out.customerName = me.name;
  return out;
}

// Sends the buyer to pay `order` ({order_id, amount, order_name}). In "sandbox" mode it navigates
// away. In "toss" mode the SDK redirects on success; when the buyer closes the window (or the SDK
// fails) it throws a PaymentError — PAY_PROCESS_CANCELED for a cancel — and the order stays
// PENDING_PAYMENT (it can be paid again from the orders page until it expires).
export async function startPayment(order) {
  const cfg = await preparePayment();
  const { successUrl, failUrl } = returnUrls();
  if (cfg.mode === 'portone') return startPortone(cfg, order);
  if (cfg.mode !== 'toss') {
    const u = new URL(cfg.checkout_url, location.origin);
    u.searchParams.set('orderId', order.order_id);
    u.searchParams.set('amount', String(order.amount));
    u.searchParams.set('orderName', order.order_name || '');
    u.searchParams.set('successUrl', successUrl);
    u.searchParams.set('failUrl', failUrl);
    if (cfg.client_key) u.searchParams.set('clientKey', cfg.client_key);
    location.assign(u.toString());
    return;
  }
  const TossPayments = await loadTossSdk(cfg.sdk_url);
  const who = await customer();
  let result;
  try {
    const payment = TossPayments(cfg.client_key).payment({ customerKey: TossPayments.ANONYMOUS });
    result = await payment.requestPayment({
      method: 'CARD',
      amount: { currency: 'KRW', value: order.amount },
      orderId: order.order_id,
      orderName: order.order_name || order.order_id,
      successUrl,
      failUrl,
      ...who,
    });
  } catch (e) {
    const code = String(e?.code || '');
    if (/CANCEL/i.test(code)) throw new PaymentError('PAY_PROCESS_CANCELED', t('pay.canceled'), e);
    console.error('requestPayment failed', e);
    throw new PaymentError(code || 'PAY_FAILED', `${t('pay.failed')}: ${e?.message || code || '?'}`, e);
  }
  // Redirect mode never gets here; a promise-style answer is sent to the success page ourselves.
  if (result && result.paymentKey) {
    const q = new URLSearchParams({ paymentKey: result.paymentKey, orderId: result.orderId || order.order_id,
      amount: String(result.amount?.value ?? result.amount ?? order.amount), paymentType: result.paymentType || 'NORMAL' });
    location.assign(`${successUrl}?${q}`);
  }
}

// Whether a pending order created by an earlier attempt may be paid again instead of creating a
// new one: same request, still PENDING_PAYMENT and not past expires_at.
export function canRetry(pending, signature) {
  if (!pending || pending.signature !== signature) return false;
  const o = pending.order;
  if (o.status && o.status !== 'PENDING_PAYMENT') return false;
  const exp = Date.parse(o.expires_at);
  return !Number.isFinite(exp) || exp - Date.now() > 5000;
}

// Returns pay(body): creates the order for a POST /api/v1/orders body and hands it to the
// gateway. A retry with the same body (the payment window was closed) pays the pending order
// again instead of creating another; no order (no held stock, no emptied cart) is created when
// the payment module cannot load. One per checkout view; onOrder(order) runs once the order exists.
export function orderPayer({ onOrder } = {}) {
  let pending = null; // {signature, order}
  return async function pay(body) {
    const signature = JSON.stringify(body);
    if (!canRetry(pending, signature)) {
      await preparePayment();
      const r = await post('/api/v1/orders', body);
      pending = { signature, order: r.order || r };
      if (onOrder) onOrder(pending.order);
    }
    if (pending.order.status === 'PAID') { // points: paid in full with points, no gateway
      window.dispatchEvent(new Event('bc:cart'));
      location.assign(`#/orders/${encodeURIComponent(pending.order.id)}`);
      return;
    }
    await startPayment(pending.order);
  };
}
