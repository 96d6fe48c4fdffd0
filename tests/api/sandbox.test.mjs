// The built-in sandbox payment gateway (/sandbox-pg/): the fake Toss payment window and the Toss
// core API v1 it serves (confirm, get, cancel, idempotency, test codes, auth errors).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import vm from 'node:vm';
import { startServer, api } from './lib.mjs';

const SECRET = 'test_sk_broadcart_sandbox_test_suite';
let srv;
before(async () => { srv = await startServer({ env: { BROADCART_TOSS_SECRET_KEY: SECRET } }); });
after(async () => { await srv.stop(); });

const basic = (user) => 'Basic ' + Buffer.from(user).toString('base64');
const AUTH = { authorization: basic(SECRET + ':') };
let seq = 0;
const newOrderId = () => `ord_${process.pid}_${Date.now()}_${++seq}`;

// Calls the gateway with Basic auth; returns {status, body, text, headers}.
async function pg(method, p, { body, headers = {}, auth = AUTH } = {}) {
  const h = { ...auth, ...headers };
  if (body !== undefined) h['content-type'] = 'application/json';
  const res = await fetch(srv.base + '/sandbox-pg' + p, {
    method, headers: h, body: body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body)),
  });
  const text = await res.text();
  let parsed = null;
  try { parsed = JSON.parse(text); } catch { /* HTML */ }
  return { status: res.status, body: parsed, text, headers: res.headers };
}

// The buyer's "authentication" in the payment window.
async function createPayment(amount = 12900, orderName = '라이브 특가 티셔츠') {
  const orderId = newOrderId();
  const r = await pg('POST', '/v1/sandbox/payments', { auth: {}, body: { orderId, amount, orderName } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.match(r.body.paymentKey, /^tsbx_[A-Za-z0-9]{32}$/);
  assert.equal(r.body.status, 'IN_PROGRESS');
  return { orderId, amount, orderName, paymentKey: r.body.paymentKey };
}

const checkoutUrl = (q) => '/sandbox-pg/checkout?' + new URLSearchParams(q).toString();

test('checkout page renders, formats the amount and escapes a hostile orderName', async () => {
  const hostile = `<script>alert(1)</script>"'&</script><img src=x onerror=alert(2)>\u2028`;
  const r = await api(srv, 'GET', checkoutUrl({
    orderId: 'order_123456', amount: '12900', orderName: hostile,
    successUrl: `${srv.base}/#/pay/success`, failUrl: '/#/pay/fail',
  }));
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/html/);
  const csp = r.headers.get('content-security-policy');
  assert.match(csp, /script-src 'nonce-[A-Za-z0-9]+'/);
  assert.match(csp, /frame-ancestors 'none'/);
  const html = r.body;
  assert.ok(html.includes('₩12,900'));
  assert.ok(html.includes('id="pay"') && html.includes('결제하기 (Pay)'));
  assert.ok(html.includes('id="decline"') && html.includes('거절 (Decline)'));
  assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;'));
  assert.ok(!html.includes('<script>alert'), 'raw script tag echoed');
  assert.ok(!html.includes('<img'), 'raw img tag echoed');
  // exactly two script elements: the JSON data block and the page script
  assert.equal(html.split('</script>').length - 1, 2);
  const data = JSON.parse(/<script type="application\/json" id="bc-checkout">([^<]*)<\/script>/.exec(html)[1]);
  assert.equal(data.orderName, hostile);
  assert.equal(data.amount, 12900);
});

test('checkout validates orderId, amount and the return URLs (400 page)', async () => {
  const ok = { orderId: 'order_123456', amount: '1000', orderName: 'x', successUrl: '/ok', failUrl: '/fail' };
  assert.equal((await api(srv, 'GET', checkoutUrl(ok))).status, 200);
  const bad = [
    { orderId: 'short' }, { orderId: 'has space 123' }, { orderId: 'x'.repeat(65) }, { orderId: undefined },
    { amount: '0' }, { amount: '-5' }, { amount: '1000000001' }, { amount: '12.5' }, { amount: 'abc' },
    { successUrl: 'javascript:alert(1)' }, { failUrl: 'JavaScript:alert(1)' }, { successUrl: '//evil.example/x' },
    { successUrl: 'https://evil.example/pay' }, { failUrl: 'data:text/html,hi' }, { successUrl: '/\\evil.example' },
    { successUrl: `http://user@127.0.0.1:${srv.port}/` }, { successUrl: undefined }, { orderName: 'n'.repeat(101) },
  ];
  for (const b of bad) {
    const q = { ...ok, ...b };
    for (const k of Object.keys(q)) if (q[k] === undefined) delete q[k];
    const r = await api(srv, 'GET', checkoutUrl(q));
    assert.equal(r.status, 400, JSON.stringify(b));
    assert.match(r.headers.get('content-type'), /^text\/html/);
  }
  // same host over https (a TLS proxy in front) is fine
  const viaProxy = await api(srv, 'GET', checkoutUrl({ ...ok, successUrl: `https://127.0.0.1:${srv.port}/#/pay/success?x=1` }));
  assert.equal(viaProxy.status, 200);
});

// Runs the checkout page's script with a stubbed DOM; fetch goes to the real server.
async function runCheckout(q, button) {
  const r = await api(srv, 'GET', checkoutUrl(q));
  assert.equal(r.status, 200);
  const html = r.body;
  const dataText = /<script type="application\/json" id="bc-checkout">([^<]*)<\/script>/.exec(html)[1];
  const script = /<script nonce="[^"]+">([\s\S]*?)<\/script>/.exec(html)[1];
  const handlers = {};
  const el = (id) => ({ id, disabled: false, hidden: true, textContent: id === 'bc-checkout' ? dataText : '',
    addEventListener: (ev, fn) => { handlers[id] = fn; } });
  const els = { 'bc-checkout': el('bc-checkout'), pay: el('pay'), decline: el('decline'), err: el('err') };
  let resolveNav;
  const navigated = new Promise((res) => { resolveNav = res; });
  const location = {};
  Object.defineProperty(location, 'href', { set: (v) => resolveNav(v), get: () => '' });
  const ctx = {
    document: { getElementById: (id) => els[id] }, location, JSON, String, Error, encodeURIComponent,
    fetch: (u, opts) => fetch(srv.base + u, opts),
  };
  vm.runInNewContext(script, ctx);
  handlers[button]();
  const to = await Promise.race([navigated, new Promise((_, rej) => setTimeout(() => rej(new Error(`no navigation; err=${els.err.textContent}`)), 5000))]);
  return to;
}

test('checkout Pay creates an IN_PROGRESS payment and redirects to successUrl; Decline to failUrl', async () => {
  const orderId = newOrderId();
  const q = { orderId, amount: '15000', orderName: '주문 & <상품>', successUrl: `${srv.base}/#/pay/success`, failUrl: '/pay/fail?from=sandbox' };
  const to = await runCheckout(q, 'pay');
  assert.ok(to.startsWith(`${srv.base}/#/pay/success?paymentKey=`), to);
  const params = new URLSearchParams(to.split('?')[1]);
  assert.equal(params.get('orderId'), orderId);
  assert.equal(params.get('amount'), '15000');
  assert.equal(params.get('paymentType'), 'NORMAL');
  const key = params.get('paymentKey');
  const got = await pg('GET', `/v1/payments/${key}`);
  assert.equal(got.status, 200);
  assert.equal(got.body.status, 'IN_PROGRESS');
  assert.equal(got.body.orderName, '주문 & <상품>');
  assert.equal(got.body.approvedAt, null);

  const fail = await runCheckout({ ...q, orderId: newOrderId() }, 'decline');
  assert.ok(fail.startsWith('/pay/fail?from=sandbox&code=PAY_PROCESS_CANCELED&message='), fail);
  const fp = new URLSearchParams(fail.split('?')[1]);
  assert.equal(fp.get('code'), 'PAY_PROCESS_CANCELED');
  assert.ok(fp.get('message').length > 0);
  assert.ok(fp.get('orderId'));
});

test('create validates its body in Toss error format', async () => {
  for (const body of [{}, { orderId: 'short', amount: 1, orderName: 'x' }, { orderId: 'order_123456', amount: 0, orderName: 'x' },
    { orderId: 'order_123456', amount: '100', orderName: 'x' }, { orderId: 'order_123456', amount: 100, orderName: '' }, '{bad json', '[]']) {
    const r = await pg('POST', '/v1/sandbox/payments', { auth: {}, body });
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.body.code, 'INVALID_REQUEST');
    assert.equal(typeof r.body.message, 'string');
  }
});

test('create → confirm → get → partial cancel → full cancel', async () => {
  const p = await createPayment(15000, '라이브 특가 티셔츠');
  const c = await pg('POST', '/v1/payments/confirm', { body: { paymentKey: p.paymentKey, orderId: p.orderId, amount: p.amount } });
  assert.equal(c.status, 200, c.text);
  const pay = c.body;
  assert.equal(pay.version, '2022-11-16');
  assert.equal(pay.paymentKey, p.paymentKey);
  assert.equal(pay.type, 'NORMAL');
  assert.equal(pay.orderId, p.orderId);
  assert.equal(pay.orderName, p.orderName);
  assert.equal(typeof pay.mId, 'string');
  assert.equal(pay.currency, 'KRW');
  assert.equal(pay.method, '카드');
  assert.equal(pay.totalAmount, 15000);
  assert.equal(pay.balanceAmount, 15000);
  assert.equal(pay.suppliedAmount, 13636);
  assert.equal(pay.vat, 1364);
  assert.equal(pay.taxFreeAmount, 0);
  assert.equal(pay.status, 'DONE');
  assert.match(pay.requestedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00$/);
  assert.match(pay.approvedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00$/);
  assert.ok(Math.abs(Date.parse(pay.approvedAt) - Date.now()) < 60000);
  assert.equal(pay.useEscrow, false);
  assert.equal(pay.isPartialCancelable, true);
  assert.match(pay.card.number, /^\d{8}\*{4}\d{3}\*$/);
  assert.equal(pay.card.amount, 15000);
  assert.equal(pay.cancels, null);
  assert.equal(pay.country, 'KR');
  assert.match(pay.lastTransactionKey, /^[0-9A-F]{32}$/);
  assert.match(pay.receipt.url, /\/sandbox-pg\/receipt\/tsbx_/);
  assert.equal(pay.failure, null);

  const g = await pg('GET', `/v1/payments/${p.paymentKey}`);
  assert.equal(g.status, 200);
  assert.deepEqual(g.body, pay);
  const byOrder = await pg('GET', `/v1/payments/orders/${p.orderId}`);
  assert.equal(byOrder.status, 200);
  assert.equal(byOrder.body.paymentKey, p.paymentKey);

  const receipt = await api(srv, 'GET', new URL(pay.receipt.url).pathname);
  assert.equal(receipt.status, 200);
  assert.ok(receipt.body.includes('₩15,000'));

  const tooMuch = await pg('POST', `/v1/payments/${p.paymentKey}/cancel`, { body: { cancelReason: 'x', cancelAmount: 15001 } });
  assert.equal(tooMuch.status, 403);
  assert.equal(tooMuch.body.code, 'NOT_CANCELABLE_AMOUNT');
  const noReason = await pg('POST', `/v1/payments/${p.paymentKey}/cancel`, { body: { cancelAmount: 100 } });
  assert.equal(noReason.status, 400);
  assert.equal(noReason.body.code, 'INVALID_REQUEST');

  const part = await pg('POST', `/v1/payments/${p.paymentKey}/cancel`, { body: { cancelReason: '부분 취소', cancelAmount: 5000 } });
  assert.equal(part.status, 200, part.text);
  assert.equal(part.body.status, 'PARTIAL_CANCELED');
  assert.equal(part.body.totalAmount, 15000);
  assert.equal(part.body.balanceAmount, 10000);
  assert.equal(part.body.cancels.length, 1);
  assert.equal(part.body.cancels[0].cancelAmount, 5000);
  assert.equal(part.body.cancels[0].cancelReason, '부분 취소');
  assert.equal(part.body.cancels[0].refundableAmount, 10000);
  assert.match(part.body.cancels[0].canceledAt, /\+09:00$/);
  assert.equal(part.body.lastTransactionKey, part.body.cancels[0].transactionKey);
  assert.notEqual(part.body.lastTransactionKey, pay.lastTransactionKey);

  const full = await pg('POST', `/v1/payments/${p.paymentKey}/cancel`, { body: { cancelReason: '전체 취소' } });
  assert.equal(full.status, 200, full.text);
  assert.equal(full.body.status, 'CANCELED');
  assert.equal(full.body.balanceAmount, 0);
  assert.equal(full.body.cancels.length, 2);
  assert.equal(full.body.cancels[1].cancelAmount, 10000);
  assert.equal(full.body.cancels[1].refundableAmount, 0);

  const again = await pg('POST', `/v1/payments/${p.paymentKey}/cancel`, { body: { cancelReason: '또 취소' } });
  assert.equal(again.status, 400);
  assert.equal(again.body.code, 'ALREADY_CANCELED_PAYMENT');
  assert.equal((await pg('GET', `/v1/payments/${p.paymentKey}`)).body.status, 'CANCELED');
});

test('authentication: wrong secret 401, missing colon 403, no header 401', async () => {
  const p = await createPayment();
  const body = { paymentKey: p.paymentKey, orderId: p.orderId, amount: p.amount };
  const wrong = await pg('POST', '/v1/payments/confirm', { body, auth: { authorization: basic('test_sk_wrong:') } });
  assert.equal(wrong.status, 401);
  assert.equal(wrong.body.code, 'UNAUTHORIZED_KEY');
  const live = await pg('POST', '/v1/payments/confirm', { body, auth: { authorization: basic('live_sk_x:') } });
  assert.equal(live.status, 401);
  const noColon = await pg('POST', '/v1/payments/confirm', { body, auth: { authorization: basic(SECRET) } });
  assert.equal(noColon.status, 403);
  assert.equal(noColon.body.code, 'INCORRECT_BASIC_AUTH_FORMAT');
  const none = await pg('POST', '/v1/payments/confirm', { body, auth: {} });
  assert.equal(none.status, 401);
  assert.equal(none.body.code, 'UNAUTHORIZED_KEY');
  const getNone = await pg('GET', `/v1/payments/${p.paymentKey}`, { auth: {} });
  assert.equal(getNone.status, 401);
  const cancelWrong = await pg('POST', `/v1/payments/${p.paymentKey}/cancel`, { body: { cancelReason: 'x' }, auth: { authorization: basic('test_sk_wrong:') } });
  assert.equal(cancelWrong.status, 401);
  assert.equal((await pg('GET', `/v1/payments/${p.paymentKey}`)).body.status, 'IN_PROGRESS');
});

test('wrong amount or orderId → 400 and the payment stays IN_PROGRESS; then the right confirm works', async () => {
  const p = await createPayment(12900);
  const amt = await pg('POST', '/v1/payments/confirm', { body: { paymentKey: p.paymentKey, orderId: p.orderId, amount: 100 } });
  assert.equal(amt.status, 400);
  assert.equal(amt.body.code, 'INVALID_REQUEST');
  const oid = await pg('POST', '/v1/payments/confirm', { body: { paymentKey: p.paymentKey, orderId: 'other_order_1', amount: 12900 } });
  assert.equal(oid.status, 400);
  assert.equal((await pg('GET', `/v1/payments/${p.paymentKey}`)).body.status, 'IN_PROGRESS');
  const ok = await pg('POST', '/v1/payments/confirm', { body: { paymentKey: p.paymentKey, orderId: p.orderId, amount: 12900 } });
  assert.equal(ok.status, 200);
  assert.equal(ok.body.status, 'DONE');
});

test('confirm twice without an idempotency key → 400 ALREADY_PROCESSED_PAYMENT', async () => {
  const p = await createPayment();
  const body = { paymentKey: p.paymentKey, orderId: p.orderId, amount: p.amount };
  assert.equal((await pg('POST', '/v1/payments/confirm', { body })).status, 200);
  const second = await pg('POST', '/v1/payments/confirm', { body });
  assert.equal(second.status, 400);
  assert.equal(second.body.code, 'ALREADY_PROCESSED_PAYMENT');
});

test('the same Idempotency-Key replays the first response verbatim and never runs twice', async () => {
  const p = await createPayment(30000);
  const body = { paymentKey: p.paymentKey, orderId: p.orderId, amount: p.amount };
  const headers = { 'idempotency-key': `idem-${p.orderId}` };
  const a = await pg('POST', '/v1/payments/confirm', { body, headers });
  const b = await pg('POST', '/v1/payments/confirm', { body, headers });
  assert.equal(a.status, 200);
  assert.equal(b.status, 200);
  assert.equal(b.text, a.text);
  // another key is a new request
  const c = await pg('POST', '/v1/payments/confirm', { body, headers: { 'idempotency-key': `other-${p.orderId}` } });
  assert.equal(c.status, 400);
  assert.equal(c.body.code, 'ALREADY_PROCESSED_PAYMENT');

  // cancel: the second identical request does not cancel again
  const ch = { 'idempotency-key': `cancel-${p.orderId}` };
  const x = await pg('POST', `/v1/payments/${p.paymentKey}/cancel`, { body: { cancelReason: '부분', cancelAmount: 1000 }, headers: ch });
  const y = await pg('POST', `/v1/payments/${p.paymentKey}/cancel`, { body: { cancelReason: '부분', cancelAmount: 1000 }, headers: ch });
  assert.equal(x.status, 200);
  assert.equal(y.text, x.text);
  const now = await pg('GET', `/v1/payments/${p.paymentKey}`);
  assert.equal(now.body.balanceAmount, 29000);
  assert.equal(now.body.cancels.length, 1);
  // the same key on another URL is a different request
  const p2 = await createPayment(5000);
  const d = await pg('POST', '/v1/payments/confirm', { body: { paymentKey: p2.paymentKey, orderId: p2.orderId, amount: 5000 }, headers: ch });
  assert.equal(d.status, 200);
  assert.equal(d.body.paymentKey, p2.paymentKey);
  // errors from business rules are replayed too
  const e1 = await pg('POST', '/v1/payments/confirm', { body: { paymentKey: 'tsbx_unknown', orderId: 'order_123456', amount: 1 }, headers: { 'idempotency-key': `nf-${p.orderId}` } });
  assert.equal(e1.status, 404);
  assert.equal(e1.body.code, 'NOT_FOUND_PAYMENT');

  const long = await pg('POST', '/v1/payments/confirm', { body, headers: { 'idempotency-key': 'k'.repeat(301) } });
  assert.equal(long.status, 400);
  assert.equal(long.body.code, 'INVALID_IDEMPOTENCY_KEY');
  const max = await pg('POST', '/v1/payments/confirm', { body, headers: { 'idempotency-key': 'k'.repeat(300) } });
  assert.equal(max.status, 400);
  assert.equal(max.body.code, 'ALREADY_PROCESSED_PAYMENT');
});

test('TossPayments-Test-Code returns that error without changing state', async () => {
  const p = await createPayment();
  const body = { paymentKey: p.paymentKey, orderId: p.orderId, amount: p.amount };
  const r = await pg('POST', '/v1/payments/confirm', { body, headers: { 'TossPayments-Test-Code': 'REJECT_CARD_COMPANY' } });
  assert.equal(r.status, 403);
  assert.equal(r.body.code, 'REJECT_CARD_COMPANY');
  assert.equal(typeof r.body.message, 'string');
  const s = await pg('POST', '/v1/payments/confirm', { body, headers: { 'TossPayments-Test-Code': 'FAILED_INTERNAL_SYSTEM_PROCESSING' } });
  assert.equal(s.status, 500);
  const g = await pg('GET', `/v1/payments/${p.paymentKey}`, { headers: { 'TossPayments-Test-Code': 'NOT_FOUND_PAYMENT' } });
  assert.equal(g.status, 404);
  assert.equal((await pg('GET', `/v1/payments/${p.paymentKey}`)).body.status, 'IN_PROGRESS');
  const ok = await pg('POST', '/v1/payments/confirm', { body });
  assert.equal(ok.status, 200);
  const c = await pg('POST', `/v1/payments/${p.paymentKey}/cancel`, { body: { cancelReason: 'x' }, headers: { 'TossPayments-Test-Code': 'NOT_CANCELABLE_PAYMENT' } });
  assert.equal(c.status, 403);
  assert.equal(c.body.code, 'NOT_CANCELABLE_PAYMENT');
  assert.equal((await pg('GET', `/v1/payments/${p.paymentKey}`)).body.status, 'DONE');
});

test('gateway errors: unknown payment, bad bodies, cancel before approval, duplicate orderId', async () => {
  const nf = await pg('GET', '/v1/payments/tsbx_doesnotexist');
  assert.equal(nf.status, 404);
  assert.equal(nf.body.code, 'NOT_FOUND_PAYMENT');
  const nfc = await pg('POST', '/v1/payments/confirm', { body: { paymentKey: 'tsbx_nope', orderId: 'order_123456', amount: 100 } });
  assert.equal(nfc.status, 404);
  for (const body of ['{"paymentKey":', '[]', '', { paymentKey: 'x', orderId: 'order_123456' }, { paymentKey: 'x', orderId: 'order_123456', amount: '100' },
    { paymentKey: 'x', orderId: 'bad id!!', amount: 100 }, { paymentKey: 'x'.repeat(201), orderId: 'order_123456', amount: 100 }]) {
    const r = await pg('POST', '/v1/payments/confirm', { body });
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.body.code, 'INVALID_REQUEST');
    assert.equal(r.body.error, undefined, 'Toss format, not Broadcart format');
  }
  const p = await createPayment(20000);
  const early = await pg('POST', `/v1/payments/${p.paymentKey}/cancel`, { body: { cancelReason: 'x' } });
  assert.equal(early.status, 403);
  assert.equal(early.body.code, 'NOT_CANCELABLE_PAYMENT');
  const neg = await pg('POST', `/v1/payments/${p.paymentKey}/cancel`, { body: { cancelReason: 'x', cancelAmount: -1 } });
  assert.equal(neg.status, 400);
  assert.equal((await pg('POST', '/v1/payments/confirm', { body: { paymentKey: p.paymentKey, orderId: p.orderId, amount: 20000 } })).status, 200);
  const dup = await pg('POST', '/v1/sandbox/payments', { auth: {}, body: { orderId: p.orderId, amount: 20000, orderName: 'again' } });
  assert.equal(dup.status, 400);
  assert.equal(dup.body.code, 'DUPLICATED_ORDER_ID');
});

test('concurrent confirms of one payment: exactly one succeeds', async () => {
  const p = await createPayment(7000);
  const body = { paymentKey: p.paymentKey, orderId: p.orderId, amount: 7000 };
  const rs = await Promise.all(Array.from({ length: 16 }, () => pg('POST', '/v1/payments/confirm', { body })));
  assert.equal(rs.filter((r) => r.status === 200).length, 1);
  assert.equal(rs.filter((r) => r.body.code === 'ALREADY_PROCESSED_PAYMENT').length, 15);
});
