// PortOne (Iamport) v1 as the second provider (BROADCART_PAYMENT_PROVIDER=portone): payments/config,
// prepare, the sandbox's IMP.request_pay stand-in, post-verification of the paid amount, card
// rejection, the webhook (re-fetch, dedupe, converge), the token API and its per-data-dir secret.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { startServer, api, makeUser } from './lib.mjs';

const ADDR = { recipient: '홍길동', phone: '010-1234-5678', postcode: '06236', address1: '서울 강남구 테헤란로 1' };
let srv, seller, buyer;

before(async () => {
  srv = await startServer({ env: { BROADCART_PAYMENT_PROVIDER: 'portone', BROADCART_RECONCILE_INTERVAL: '0' } });
  [seller, buyer] = await Promise.all([makeUser(srv, 'seller'), makeUser(srv, 'buyer')]);
});
after(async () => { await srv.stop(); });

const secret = () => readFileSync(path.join(srv.dataDir, 'portone.secret'), 'utf8').trim();
async function token() {
  const r = await api(srv, 'POST', '/sandbox-portone/users/getToken', { body: { imp_key: 'sandbox_imp_key', imp_secret: secret() } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.code, 0);
  return r.body.response.access_token;
}
async function po(method, p, body) {
  return api(srv, method, '/sandbox-portone' + p, { body, headers: { authorization: await token() } });
}
async function newOrder(price = 15000) {
  const p = await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: `PO ${Math.random()}`, price, stock: 5 } });
  const o = await api(srv, 'POST', '/api/v1/orders', { token: buyer.token, body: { shipping_address: ADDR, items: [{ product_id: p.body.id, quantity: 1 }] } });
  assert.equal(o.status, 201, JSON.stringify(o.body));
  return { order: o.body, product: p.body };
}
// The buyer's IMP.request_pay in the sandbox.
async function pay(o, extra = {}) {
  const r = await api(srv, 'POST', '/sandbox-portone/v1/sandbox/payments', { body: { merchant_uid: o.order_id, amount: o.amount, name: o.order_name, ...extra } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.match(r.body.imp_uid, /^imp_[A-Za-z0-9]{20}$/);
  return r.body;
}
const confirm = (o, impUid, amount = o.amount) =>
  api(srv, 'POST', '/api/v1/payments/confirm', { token: buyer.token, body: { payment_key: impUid, order_id: o.order_id, amount } });
const orderOf = async (o) => (await api(srv, 'GET', `/api/v1/orders/${o.id}`, { token: buyer.token })).body;

test('payments/config tells the browser to use PortOne (the sandbox iamport.js)', async () => {
  const r = await api(srv, 'GET', '/api/v1/payments/config');
  assert.equal(r.status, 200);
  assert.equal(r.body.provider, 'portone');
  assert.equal(r.body.mode, 'portone');
  assert.equal(r.body.client_key, 'imp00000000');
  assert.equal(r.body.sdk_url, '/sandbox-portone/iamport.js');
  const js = await api(srv, 'GET', r.body.sdk_url);
  assert.equal(js.status, 200);
  assert.match(js.headers.get('content-type'), /javascript/);
  // the stand-in defines IMP.init / IMP.request_pay and posts the payment to the sandbox
  const calls = [];
  const ctx = { window: {}, fetch: (u, opt) => { calls.push([u, JSON.parse(opt.body)]); return Promise.resolve({ json: () => Promise.resolve({ imp_uid: 'imp_x', status: 'paid' }) }); }, location: {} };
  vm.runInNewContext(js.body, ctx);
  ctx.window.IMP.init('imp00000000');
  const res = await new Promise((resolve) => ctx.window.IMP.request_pay({ merchant_uid: 'order_123456', amount: 1000, name: 'n' }, resolve));
  assert.equal(res.success, true);
  assert.equal(res.imp_uid, 'imp_x');
  assert.deepEqual(calls[0], ['/sandbox-portone/v1/sandbox/payments', { merchant_uid: 'order_123456', amount: 1000, name: 'n' }]);
});

test('prepare → pay → confirm (post-verified) → PAID; a second confirm changes nothing', async () => {
  const { order: o } = await newOrder();
  const pr = await api(srv, 'POST', '/api/v1/payments/prepare', { token: buyer.token, body: { order_id: o.order_id } });
  assert.equal(pr.status, 200, JSON.stringify(pr.body));
  assert.deepEqual(pr.body, { provider: 'portone', order_id: o.order_id, amount: o.amount });
  const p = await pay(o);
  assert.equal(p.status, 'paid');
  const r = await confirm(o, p.imp_uid);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.status, 'PAID');
  assert.equal(r.body.payment_key, p.imp_uid);
  assert.equal((await confirm(o, p.imp_uid)).status, 200);
  const g = await po('GET', `/payments/${p.imp_uid}`);
  assert.equal(g.body.response.status, 'paid');
  assert.equal(g.body.response.cancel_amount, 0);
});

test('amount tampering: a payment other than the prepared amount fails at PortOne; an unprepared one of another amount is refunded', async () => {
  let { order: o } = await newOrder();
  await api(srv, 'POST', '/api/v1/payments/prepare', { token: buyer.token, body: { order_id: o.order_id } });
  const bad = await pay(o, { amount: 100 });
  assert.equal(bad.status, 'failed');
  let r = await confirm(o, bad.imp_uid);
  assert.equal(r.status, 402, JSON.stringify(r.body));
  assert.equal(r.body.error.gateway_code, 'AMOUNT_NOT_PREPARED');
  assert.equal((await orderOf(o)).status, 'PENDING_PAYMENT');
  ({ order: o } = await newOrder());
  const cheap = await pay(o, { amount: 100 }); // no prepare: PortOne takes it
  assert.equal(cheap.status, 'paid');
  r = await confirm(o, cheap.imp_uid);
  assert.equal(r.status, 400, JSON.stringify(r.body));
  assert.equal(r.body.error.code, 'AMOUNT_MISMATCH');
  assert.equal((await orderOf(o)).status, 'PENDING_PAYMENT');
  const g = await po('GET', `/payments/${cheap.imp_uid}`);
  assert.equal(g.body.response.status, 'cancelled', 'the 100 won were refunded');
  // an imp_uid of another order is no payment of this one
  const { order: o2 } = await newOrder();
  const p2 = await pay(o2);
  r = await confirm(o, p2.imp_uid);
  assert.equal(r.status, 402);
  assert.equal((await orderOf(o)).status, 'PENDING_PAYMENT');
});

test('card rejected at PortOne: 402 with the code, order PAYMENT_FAILED', async () => {
  const { order: o } = await newOrder();
  const p = await pay(o, { testCode: 'REJECT_CARD_COMPANY' });
  assert.equal(p.status, 'failed');
  const r = await confirm(o, p.imp_uid);
  assert.equal(r.status, 402, JSON.stringify(r.body));
  assert.equal(r.body.error.gateway_code, 'REJECT_CARD_COMPANY');
  assert.equal((await orderOf(o)).status, 'PAYMENT_FAILED');
});

test('PortOne webhook: re-fetched, deduplicated, converges paid and cancelled', async () => {
  const { order: o } = await newOrder();
  const p = await pay(o);
  const hook = (status) => api(srv, 'POST', '/api/v1/payments/webhooks/portone', { body: { imp_uid: p.imp_uid, merchant_uid: o.order_id, status } });
  let w = await hook('paid');
  assert.equal(w.status, 200, JSON.stringify(w.body));
  assert.equal(w.body.result, 'marked-paid');
  assert.equal((await orderOf(o)).status, 'PAID');
  assert.equal((await hook('paid')).body.result, 'duplicate');
  const c = await po('POST', '/payments/cancel', { imp_uid: p.imp_uid, reason: '관리자 취소' });
  assert.equal(c.body.code, 0, JSON.stringify(c.body));
  w = await hook('cancelled');
  assert.equal(w.body.result, 'canceled', JSON.stringify(w.body));
  assert.equal((await orderOf(o)).status, 'CANCELED');
  // forged: claims paid for a payment that does not exist
  assert.equal((await api(srv, 'POST', '/api/v1/payments/webhooks/portone', { body: { imp_uid: 'imp_forged', status: 'paid' } })).body.result, 'ignored');
  assert.equal((await api(srv, 'POST', '/api/v1/payments/webhooks/portone', { body: { status: 'paid' } })).status, 400);
});

test('PortOne token API: a wrong or public secret gets 401, the API needs the token', async () => {
  assert.match(secret(), /^[A-Za-z0-9]{40}$/);
  for (const imp_secret of ['', 'sandbox', 'x'.repeat(40)]) {
    const r = await api(srv, 'POST', '/sandbox-portone/users/getToken', { body: { imp_key: 'sandbox_imp_key', imp_secret } });
    assert.equal(r.status, 401);
    assert.equal(r.body.code, -1);
  }
  const { order: o } = await newOrder();
  const p = await pay(o);
  const noauth = await api(srv, 'POST', '/sandbox-portone/payments/cancel', { body: { imp_uid: p.imp_uid, reason: 'behind the shop' } });
  assert.equal(noauth.status, 401);
  assert.equal((await api(srv, 'GET', `/sandbox-portone/payments/${p.imp_uid}`, { headers: { authorization: 'nope' } })).status, 401);
  const t1 = await token();
  assert.equal(await token(), t1, 'the same token while it is valid');
});
