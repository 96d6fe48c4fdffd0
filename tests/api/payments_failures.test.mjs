// Payments on the failure paths: the sandbox's failure injection (card rejected, insufficient balance,
// gateway error, slow response, lost response after a successful charge), double confirm, amount
// tampering, webhooks (re-fetch, replay, out-of-order, forged), refund of a payment approved for an
// expired order, the circuit breaker, the crash between the gateway's approval and mark-paid
// (broadcart reconcile fixes it) and the public default sandbox key.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { startServer, api, makeUser, sql, tossSecret, freePort, BIN } from './lib.mjs';

const ADDR = { recipient: '홍길동', phone: '010-1234-5678', postcode: '06236', address1: '서울 강남구 테헤란로 1' };
const TIMEOUT_MS = 1500;
let srv, seller, buyer, admin;

before(async () => {
  srv = await startServer({ env: { BROADCART_PG_TIMEOUT_MS: String(TIMEOUT_MS), BROADCART_RECONCILE_INTERVAL: '0' } });
  [seller, buyer, admin] = await Promise.all([makeUser(srv, 'seller'), makeUser(srv, 'buyer'), makeUser(srv, 'admin')]);
});
after(async () => { await srv.stop(); });

const basic = (key) => ({ authorization: 'Basic ' + Buffer.from(key + ':').toString('base64') });
// The gateway's own view, with the secret key.
const gw = (s, method, p, body, headers = {}) => api(s, method, '/sandbox-pg' + p, { body, headers: { ...basic(tossSecret(s)), ...headers } });
const gwGet = async (s, key) => (await gw(s, 'GET', `/v1/payments/${encodeURIComponent(key)}`)).body;

async function newOrder(s = srv, u = buyer, price = 15000, stock = 5) {
  const p = await api(s, 'POST', '/api/v1/products', { token: seller.token, body: { name: `PF ${Math.random()}`, price, stock } });
  assert.equal(p.status, 201, JSON.stringify(p.body));
  const o = await api(s, 'POST', '/api/v1/orders', { token: u.token, body: { shipping_address: ADDR, items: [{ product_id: p.body.id, quantity: 1 }] } });
  assert.equal(o.status, 201, JSON.stringify(o.body));
  return { order: o.body, product: p.body };
}
// The buyer in the payment window (gateway host gs), choosing an outcome.
async function authenticate(gs, o, extra = {}) {
  const r = await api(gs, 'POST', '/sandbox-pg/v1/sandbox/payments', { body: { orderId: o.order_id, amount: o.amount, orderName: o.order_name, ...extra } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.paymentKey;
}
const confirm = (s, u, key, o, amount = o.amount) =>
  api(s, 'POST', '/api/v1/payments/confirm', { token: u.token, body: { payment_key: key, order_id: o.order_id, amount } });
const orderOf = async (s, o, u = buyer) => (await api(s, 'GET', `/api/v1/orders/${o.id}`, { token: u.token })).body;
const stockOf = async (s, id) => (await api(s, 'GET', `/api/v1/products/${id}`)).body.stock;
const webhook = (s, body) => api(s, 'POST', '/api/v1/payments/webhooks/toss', { body });
const attemptState = (s, key) => sql(s, `SELECT state FROM payment_attempts WHERE payment_key = '${key}'`).trim();
async function waitFor(fn, what, ms = 10000) {
  const end = Date.now() + ms;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
function reconcile(s, args = [], env = {}) {
  return new Promise((resolve) => {
    execFile(BIN, ['reconcile', ...args], { env: { ...s.env, BROADCART_PG_TIMEOUT_MS: '200', ...env }, encoding: 'utf8' },
      (err, stdout, stderr) => resolve({ code: err ? err.code : 0, stdout, stderr }));
  });
}

for (const [code, what] of [['REJECT_CARD_COMPANY', 'card rejected'], ['REJECT_CARD_PAYMENT', 'insufficient balance']]) {
  test(`failure injection ${code} (${what}): 402 with the gateway code, order PAYMENT_FAILED, stock back`, async () => {
    const { order: o, product } = await newOrder();
    assert.equal(await stockOf(srv, product.id), 4);
    const key = await authenticate(srv, o, { testCode: code });
    const r = await confirm(srv, buyer, key, o);
    assert.equal(r.status, 402, JSON.stringify(r.body));
    assert.equal(r.body.error.code, 'PAYMENT_DECLINED');
    assert.equal(r.body.error.gateway_code, code);
    assert.equal((await orderOf(srv, o)).status, 'PAYMENT_FAILED');
    assert.equal(await stockOf(srv, product.id), 5, 'the order released its stock');
    const p = await gwGet(srv, key);
    assert.equal(p.status, 'ABORTED');
    assert.equal(p.failure.code, code);
    assert.equal(attemptState(srv, key), 'DECLINED');
    // a failed order cannot be confirmed again
    assert.equal((await confirm(srv, buyer, key, o)).status, 409);
  });
}

test('failure injection gateway error: 502, nothing charged, the order stays payable and pays on a new try', async () => {
  const { order: o } = await newOrder();
  const bad = await authenticate(srv, o, { testCode: 'FAILED_INTERNAL_SYSTEM_PROCESSING' });
  const r = await confirm(srv, buyer, bad, o);
  assert.equal(r.status, 502, JSON.stringify(r.body));
  assert.equal(r.body.error.code, 'PAYMENT_GATEWAY_ERROR');
  assert.equal(r.body.error.gateway_code, 'FAILED_INTERNAL_SYSTEM_PROCESSING');
  assert.equal((await orderOf(srv, o)).status, 'PENDING_PAYMENT');
  assert.equal((await gwGet(srv, bad)).status, 'IN_PROGRESS');
  const good = await authenticate(srv, o);
  const ok = await confirm(srv, buyer, good, o);
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal(ok.body.status, 'PAID');
});

test('failure injection slow response within the timeout: paid, after the delay', async () => {
  const { order: o } = await newOrder();
  const key = await authenticate(srv, o, { testCode: 'SANDBOX_SLOW_RESPONSE', testDelayMs: 600 });
  const t0 = Date.now();
  const r = await confirm(srv, buyer, key, o);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.ok(Date.now() - t0 >= 600, 'the answer waited for the slow gateway');
  assert.equal(r.body.status, 'PAID');
});

test('failure injection slow response beyond the timeout: bounded 502, then reconcile marks it PAID once the gateway approved', async () => {
  const { order: o } = await newOrder();
  // the approval lands after the whole bounded confirm (timeout and retries, at most 3 * TIMEOUT_MS +
  // 1500), so even on a loaded machine no retry or status check sees it done
  const key = await authenticate(srv, o, { testCode: 'SANDBOX_SLOW_RESPONSE', testDelayMs: 3 * TIMEOUT_MS + 2500 });
  const t0 = Date.now();
  const r = await confirm(srv, buyer, key, o);
  const took = Date.now() - t0;
  assert.equal(r.status, 502, JSON.stringify(r.body));
  assert.ok(took < 3 * TIMEOUT_MS + 1500, `bounded by the timeout and retries (${took} ms)`);
  assert.equal((await orderOf(srv, o)).status, 'PENDING_PAYMENT');
  assert.equal(attemptState(srv, key), 'UNKNOWN');
  await waitFor(async () => (await gwGet(srv, key)).status === 'DONE', 'the slow approval');
  const rec = await reconcile(srv);
  assert.equal(rec.code, 0, rec.stdout + rec.stderr);
  assert.match(rec.stdout, new RegExp(`order ${o.order_id} attempt \\d+: marked-paid`));
  const now = await orderOf(srv, o);
  assert.equal(now.status, 'PAID');
  assert.equal(now.payment_key, key);
  assert.equal(attemptState(srv, key), 'APPROVED');
  // a second run leaves it alone (no longer open)
  const again = await reconcile(srv);
  assert.equal(again.code, 0);
  assert.doesNotMatch(again.stdout, new RegExp(o.order_id));
});

test('failure injection lost response after a successful charge: the confirm times out, checks the gateway and pays once', async () => {
  const { order: o } = await newOrder();
  const key = await authenticate(srv, o, { testCode: 'SANDBOX_LOST_RESPONSE' });
  const t0 = Date.now();
  const r = await confirm(srv, buyer, key, o);
  assert.ok(Date.now() - t0 >= TIMEOUT_MS, 'the first answer was lost');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.status, 'PAID');
  const p = await gwGet(srv, key);
  assert.equal(p.status, 'DONE');
  assert.equal(p.balanceAmount, o.amount);
  assert.equal(p.cancels, null, 'charged once, nothing refunded');
  assert.equal(attemptState(srv, key), 'APPROVED');
});

test('double confirm, sequential and concurrent: one charge, every answer PAID', async () => {
  const { order: o } = await newOrder();
  const key = await authenticate(srv, o);
  const rs = await Promise.all([1, 2, 3].map(() => confirm(srv, buyer, key, o)));
  for (const r of rs) {
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.status, 'PAID');
  }
  const again = await confirm(srv, buyer, key, o);
  assert.equal(again.status, 200);
  const p = await gwGet(srv, key);
  assert.equal(p.status, 'DONE');
  assert.equal(p.balanceAmount, o.amount);
  assert.equal(sql(srv, `SELECT COUNT(*) FROM payment_attempts WHERE payment_key = '${key}'`).trim(), '1');
  // a second payment window for the paid orderId is refused by the gateway
  const second = await api(srv, 'POST', '/sandbox-pg/v1/sandbox/payments', { body: { orderId: o.order_id, amount: o.amount, orderName: 'x' } });
  assert.equal(second.status, 400);
  assert.equal(second.body.code, 'DUPLICATED_ORDER_ID');
});

test('amount tampering: a window for less than the order is never approved; an approval of another amount is refunded', async () => {
  const { order: o } = await newOrder();
  const cheap = await authenticate(srv, o, { amount: 100 });
  const r = await confirm(srv, buyer, cheap, o);
  assert.equal(r.status, 402, JSON.stringify(r.body));
  assert.equal(r.body.error.gateway_code, 'INVALID_REQUEST');
  assert.equal((await gwGet(srv, cheap)).status, 'IN_PROGRESS');
  assert.equal((await confirm(srv, buyer, cheap, o, 100)).body.error.code, 'AMOUNT_MISMATCH');
  // someone confirms the 100 won window straight at the gateway and tells the shop by webhook
  const c = await gw(srv, 'POST', '/v1/payments/confirm', { paymentKey: cheap, orderId: o.order_id, amount: 100 });
  assert.equal(c.status, 200);
  const w = await webhook(srv, { eventType: 'PAYMENT_STATUS_CHANGED', createdAt: '2026-01-01T00:00:00.000000', data: { ...c.body, totalAmount: o.amount } });
  assert.equal(w.status, 200, JSON.stringify(w.body));
  assert.equal(w.body.result, 'refunded');
  assert.equal((await orderOf(srv, o)).status, 'PENDING_PAYMENT', 'the order is not paid by 100 won');
  const p = await gwGet(srv, cheap);
  assert.equal(p.status, 'CANCELED');
  assert.equal(p.balanceAmount, 0);
});

test('webhooks: re-fetch (a forged body changes nothing), replay deduplicated, out-of-order delivery converges to the gateway', async () => {
  const { order: o, product } = await newOrder();
  const key = await authenticate(srv, o);
  // forged: claims DONE, the gateway says IN_PROGRESS
  let w = await webhook(srv, { eventType: 'PAYMENT_STATUS_CHANGED', data: { paymentKey: key, orderId: o.order_id, status: 'DONE', totalAmount: o.amount } });
  assert.equal(w.status, 200, JSON.stringify(w.body));
  assert.equal(w.body.result, 'not-charged');
  assert.equal((await orderOf(srv, o)).status, 'PENDING_PAYMENT');
  // approved at the gateway, the confirm's answer never reached the shop: the webhook pays the order
  const c = await gw(srv, 'POST', '/v1/payments/confirm', { paymentKey: key, orderId: o.order_id, amount: o.amount });
  assert.equal(c.status, 200);
  const done = { eventType: 'PAYMENT_STATUS_CHANGED', createdAt: '2026-01-01T00:00:01.000000', data: c.body };
  w = await webhook(srv, done);
  assert.equal(w.body.result, 'marked-paid', JSON.stringify(w.body));
  assert.equal((await orderOf(srv, o)).status, 'PAID');
  w = await webhook(srv, done);
  assert.equal(w.status, 200);
  assert.equal(w.body.result, 'duplicate');
  // cancelled at the gateway (by the shop's admin console): the order follows
  const x = await gw(srv, 'POST', `/v1/payments/${key}/cancel`, { cancelReason: '관리자 취소' });
  assert.equal(x.status, 200);
  w = await webhook(srv, { eventType: 'PAYMENT_STATUS_CHANGED', createdAt: '2026-01-01T00:00:03.000000', data: x.body });
  assert.equal(w.body.result, 'canceled', JSON.stringify(w.body));
  assert.equal((await orderOf(srv, o)).status, 'CANCELED');
  assert.equal(await stockOf(srv, product.id), 5);
  // the old DONE event arrives late: the gateway's truth is CANCELED, nothing is re-paid
  w = await webhook(srv, done);
  assert.equal(w.status, 200);
  assert.ok(['duplicate', 'in-step'].includes(w.body.result), JSON.stringify(w.body));
  assert.equal((await orderOf(srv, o)).status, 'CANCELED');
  // DEPOSIT_CALLBACK form (flat, by orderId) and junk
  w = await webhook(srv, { orderId: o.order_id, status: 'DONE', secret: 'x' });
  assert.equal(w.status, 200);
  assert.equal((await orderOf(srv, o)).status, 'CANCELED');
  assert.equal((await webhook(srv, { eventType: 'PAYMENT_STATUS_CHANGED', data: {} })).status, 400);
  assert.equal((await webhook(srv, { eventType: 'PAYMENT_STATUS_CHANGED', data: { paymentKey: 'tsbx_nope' } })).body.result, 'ignored');
});

test('refund after expiry: a payment approved for an order that expired meanwhile is refunded, the order stays EXPIRED', async () => {
  const { order: o, product } = await newOrder();
  const key = await authenticate(srv, o);
  sql(srv, `UPDATE orders SET expires_at = 1 WHERE id = ${o.id}`);
  await waitFor(async () => (await orderOf(srv, o)).status === 'EXPIRED', 'the sweeper expiring the order');
  assert.equal(await stockOf(srv, product.id), 5);
  const late = await confirm(srv, buyer, key, o);
  assert.equal(late.status, 409);
  assert.equal(late.body.error.code, 'ORDER_EXPIRED');
  assert.equal((await gwGet(srv, key)).status, 'IN_PROGRESS', 'the shop never confirms for an expired order');
  // an approval for it happens anyway (a confirm in flight when the order expired)
  const c = await gw(srv, 'POST', '/v1/payments/confirm', { paymentKey: key, orderId: o.order_id, amount: o.amount });
  assert.equal(c.status, 200);
  const w = await webhook(srv, { eventType: 'PAYMENT_STATUS_CHANGED', data: c.body });
  assert.equal(w.body.result, 'refunded', JSON.stringify(w.body));
  const p = await gwGet(srv, key);
  assert.equal(p.status, 'CANCELED');
  assert.equal(p.cancels.length, 1);
  assert.equal((await orderOf(srv, o)).status, 'EXPIRED');
  assert.equal(await stockOf(srv, product.id), 5);
  assert.equal(attemptState(srv, key), 'REFUNDED');
  // replayed: refunded once only
  await webhook(srv, { eventType: 'PAYMENT_STATUS_CHANGED', data: c.body });
  assert.equal((await gwGet(srv, key)).cancels.length, 1);
});

test('the public default sandbox key cannot read or cancel: the paid order stays PAID', async () => {
  const { order: o } = await newOrder();
  const key = await authenticate(srv, o);
  assert.equal((await confirm(srv, buyer, key, o)).status, 200);
  assert.match(tossSecret(srv), /^test_sk_[A-Za-z0-9]{40}$/, 'a generated per-data-dir key');
  for (const k of ['test_sk_broadcart_sandbox', 'test_sk_zXLkKEypNArWmo50nX3lmeaxYG5R']) {
    const x = await api(srv, 'POST', `/sandbox-pg/v1/payments/${key}/cancel`, { headers: basic(k), body: { cancelReason: 'buyer behind the shop' } });
    assert.equal(x.status, 401, JSON.stringify(x.body));
    assert.equal(x.body.code, 'UNAUTHORIZED_KEY');
    assert.equal((await api(srv, 'GET', `/sandbox-pg/v1/payments/${key}`, { headers: basic(k) })).status, 401);
  }
  assert.equal((await gwGet(srv, key)).status, 'DONE');
  assert.equal((await orderOf(srv, o)).status, 'PAID');
});

test('circuit breaker: after repeated gateway failures confirms fail fast with 503 and Retry-After', async () => {
  const dead = await freePort();
  const s = await startServer({
    env: {
      BROADCART_TOSS_API_BASE: `http://127.0.0.1:${dead}/sandbox-pg`, BROADCART_PG_TIMEOUT_MS: '1000',
      BROADCART_PG_BREAKER_FAILURES: '2', BROADCART_PG_BREAKER_OPEN: '30', BROADCART_RECONCILE_INTERVAL: '0',
    },
  });
  try {
    const [sl, b] = [await makeUser(s, 'seller'), await makeUser(s, 'buyer')];
    const p = await api(s, 'POST', '/api/v1/products', { token: sl.token, body: { name: 'CB', price: 1000, stock: 9 } });
    const orders = [];
    for (let i = 0; i < 3; i++) {
      orders.push((await api(s, 'POST', '/api/v1/orders', { token: b.token, body: { shipping_address: ADDR, items: [{ product_id: p.body.id, quantity: 1 }] } })).body);
    }
    // the confirm and its check by GET both fail: two failed calls open the breaker
    const first = await confirm(s, b, 'tsbx_unreachable_gateway_key', orders[0]);
    assert.equal(first.status, 502, JSON.stringify(first.body));
    assert.equal(first.body.error.code, 'PAYMENT_GATEWAY_ERROR');
    const t0 = Date.now();
    const r = await confirm(s, b, 'tsbx_unreachable_gateway_key', orders[2]);
    assert.equal(r.status, 503, JSON.stringify(r.body));
    assert.equal(r.body.error.code, 'PAYMENT_GATEWAY_UNAVAILABLE');
    const ra = Number(r.headers.get('retry-after'));
    assert.ok(ra >= 1 && ra <= 30, `Retry-After ${ra}`);
    assert.ok(Date.now() - t0 < 500, 'failed fast, without calling the gateway');
    assert.equal((await orderOf(s, orders[2], b)).status, 'PENDING_PAYMENT');
    const w = await webhook(s, { eventType: 'PAYMENT_STATUS_CHANGED', data: { paymentKey: 'tsbx_x' } });
    assert.equal(w.status, 503, 'a webhook during the outage is refused, so Toss delivers it again');
  } finally {
    await s.stop();
  }
});

test('crash between the gateway approval and mark-paid: broadcart reconcile marks the order PAID', async () => {
  // the gateway is another process (srv's sandbox), so it survives the shop's kill -9
  const shop = await startServer({
    env: {
      BROADCART_TOSS_API_BASE: `${srv.base}/sandbox-pg`, BROADCART_TOSS_SECRET_KEY: tossSecret(srv),
      BROADCART_RECONCILE_INTERVAL: '0',
    },
  });
  let killed = false;
  try {
    const [sl, b] = [await makeUser(shop, 'seller'), await makeUser(shop, 'buyer')];
    const p = await api(shop, 'POST', '/api/v1/products', { token: sl.token, body: { name: 'Crash', price: 7000, stock: 3 } });
    const o = (await api(shop, 'POST', '/api/v1/orders', { token: b.token, body: { shipping_address: ADDR, items: [{ product_id: p.body.id, quantity: 1 }] } })).body;
    const key = await authenticate(srv, o, { testCode: 'SANDBOX_LOST_RESPONSE', testDelayMs: 20000 });
    const pending = confirm(shop, b, key, o).catch(() => null);
    await waitFor(async () => (await gwGet(srv, key)).status === 'DONE', 'the approval at the gateway');
    shop.proc.kill('SIGKILL');
    killed = true;
    await pending;
    assert.match(sql(shop, `SELECT status FROM orders WHERE id = ${o.id}`), /PENDING_PAYMENT/);
    assert.equal(attemptState(shop, key), 'PENDING', 'the attempt was recorded before the gateway call');
    // right after the restart, with the shop's own gateway timeout: the command settles an attempt
    // however recent (its confirm died with the process)
    const rec = await reconcile(shop, [], { BROADCART_PG_TIMEOUT_MS: '10000' });
    assert.equal(rec.code, 0, rec.stdout + rec.stderr);
    assert.match(rec.stdout, /marked-paid/);
    assert.match(sql(shop, `SELECT status FROM orders WHERE id = ${o.id}`), /PAID/);
    assert.match(sql(shop, `SELECT payment_key FROM orders WHERE id = ${o.id}`), new RegExp(key));
    assert.equal(attemptState(shop, key), 'APPROVED');
    assert.equal((await gwGet(srv, key)).balanceAmount, o.amount, 'charged once, not refunded');
    assert.equal((await reconcile(shop, ['--since', new Date(Date.now() - 3600e3).toISOString()])).code, 0);
    assert.equal((await reconcile(shop, ['--since', 'yesterday'])).code, 2);
  } finally {
    if (!killed) await shop.stop();
  }
});
