// Holds: the buy sheet's short reservation (POST/DELETE /api/v1/holds), which becomes an order's
// reservation through hold_id (no second stock take) or is given back on DELETE, on expiry
// (BROADCART_HOLD_TTL) and when its order is canceled or expires; exact when many buyers hold
// the last units at once; a sold-out product is refused and a restock is seen at once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startServer, api, makeUser, BIN } from './lib.mjs';

let srv, admin, seller, buyer, buyer2;
const ADDR = { recipient: '이하나', phone: '010-5555-6666', postcode: '04524', address1: '서울 중구 세종대로 1' };

async function product(body, s = srv, token = seller.token) {
  const r = await api(s, 'POST', '/api/v1/products', { token, body });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}
const stockOf = async (id, s = srv, token = admin.token) => (await api(s, 'GET', `/api/v1/products/${id}`, { token })).body.stock;
const hold = (u, body, s = srv) => api(s, 'POST', '/api/v1/holds', { token: u.token, body });
const order = (u, body, s = srv) => api(s, 'POST', '/api/v1/orders', { token: u.token, body: { shipping_address: ADDR, ...body } });
const auditCode = (s = srv) => spawnSync(BIN, ['audit', 'stock'], { env: s.env, encoding: 'utf8' }).status;
async function until(fn, ms = 8000) {
  const end = Date.now() + ms;
  for (;;) {
    if (await fn()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}

before(async () => {
  srv = await startServer();
  [admin, seller, buyer, buyer2] = await Promise.all([
    makeUser(srv, 'admin'), makeUser(srv, 'seller', 'Hold Shop'), makeUser(srv, 'buyer'), makeUser(srv, 'buyer'),
  ]);
});
after(async () => { await srv.stop(); });

test('a hold takes its units (ledger row "hold"); DELETE gives them back once; another buyer cannot release it', async () => {
  const p = await product({ name: '홀드 테스트', price: 7000, stock: 5 });
  const t0 = Date.now();
  const h = await hold(buyer, { product_id: p.id, quantity: 2 });
  assert.equal(h.status, 201, JSON.stringify(h.body));
  assert.equal(h.headers.get('location'), `/api/v1/holds/${h.body.id}`);
  assert.deepEqual([h.body.product_id, h.body.quantity, h.body.live_id, h.body.status, h.body.order_id], [p.id, 2, null, 'HELD', null]);
  const ttl = Date.parse(h.body.expires_at) - t0;
  assert.ok(ttl > 290000 && ttl <= 301000, `default TTL 300 s (${ttl} ms)`);
  assert.equal(await stockOf(p.id), 3);
  const g = await api(srv, 'GET', h.headers.get('location'), { token: buyer.token });
  assert.equal(g.status, 200);
  assert.deepEqual(g.body, h.body);
  assert.equal((await api(srv, 'GET', h.headers.get('location'), { token: buyer2.token })).status, 404, 'not another buyer\'s');
  const l = await api(srv, 'GET', `/api/v1/seller/products/${p.id}/stock-ledger`, { token: seller.token });
  assert.deepEqual([l.body.items[0].delta, l.body.items[0].reason, l.body.items[0].hold_id, l.body.items[0].actor_id], [-2, 'hold', h.body.id, buyer.id]);

  let r = await api(srv, 'DELETE', `/api/v1/holds/${h.body.id}`, { token: buyer2.token });
  assert.equal(r.status, 404);
  assert.equal(r.body.error.code, 'HOLD_NOT_FOUND');
  assert.equal(await stockOf(p.id), 3);
  r = await api(srv, 'DELETE', `/api/v1/holds/${h.body.id}`, { token: buyer.token });
  assert.equal(r.status, 204);
  assert.equal(await stockOf(p.id), 5);
  r = await api(srv, 'DELETE', `/api/v1/holds/${h.body.id}`, { token: buyer.token });
  assert.equal(r.status, 409);
  assert.equal(r.body.error.code, 'HOLD_EXPIRED');
  assert.equal(await stockOf(p.id), 5, 'released once');

  // refusals change nothing
  r = await hold(buyer, { product_id: p.id, quantity: 6 });
  assert.equal(r.status, 409);
  assert.equal(r.body.error.code, 'OUT_OF_STOCK');
  r = await hold(buyer, { product_id: 99999999, quantity: 1 });
  assert.equal(r.status, 404);
  r = await hold(buyer, { product_id: p.id, quantity: 0 });
  assert.equal(r.status, 422);
  assert.equal((await api(srv, 'POST', '/api/v1/holds', { body: { product_id: p.id, quantity: 1 } })).status, 401);
  assert.equal(await stockOf(p.id), 5);
});

test('an order with hold_id takes the hold over (no second take); a mismatch or a used hold is refused; cancel restocks exactly', async () => {
  const p = await product({ name: '홀드 주문', price: 8000, stock: 5 });
  const h = await hold(buyer, { product_id: p.id, quantity: 2 });
  assert.equal(h.status, 201);
  let r = await order(buyer, { items: [{ product_id: p.id, quantity: 1 }], hold_id: h.body.id });
  assert.equal(r.status, 422, JSON.stringify(r.body));
  assert.equal(r.body.error.code, 'HOLD_MISMATCH');
  r = await order(buyer2, { items: [{ product_id: p.id, quantity: 2 }], hold_id: h.body.id });
  assert.equal(r.status, 404, 'another buyer cannot use it');
  assert.equal(r.body.error.code, 'HOLD_NOT_FOUND');
  assert.equal(await stockOf(p.id), 3);

  const o = await order(buyer, { items: [{ product_id: p.id, quantity: 2 }], hold_id: h.body.id });
  assert.equal(o.status, 201, JSON.stringify(o.body));
  assert.equal(await stockOf(p.id), 3, 'the hold is the reservation: stock taken once');
  const g = await api(srv, 'GET', `/api/v1/holds/${h.body.id}`, { token: buyer.token });
  assert.deepEqual([g.body.status, g.body.order_id], ['ORDERED', o.body.id]);
  r = await order(buyer, { items: [{ product_id: p.id, quantity: 2 }], hold_id: h.body.id });
  assert.equal(r.status, 409);
  assert.equal(r.body.error.code, 'HOLD_EXPIRED');
  assert.equal((await api(srv, 'DELETE', `/api/v1/holds/${h.body.id}`, { token: buyer.token })).status, 409, 'an ordered hold is not released by DELETE');
  assert.equal(await stockOf(p.id), 3);

  assert.equal((await api(srv, 'POST', `/api/v1/orders/${o.body.id}/cancel`, { token: buyer.token, body: {} })).status, 200);
  assert.equal(await stockOf(p.id), 5, 'the cancel gave back exactly the held units');
  assert.equal(auditCode(), 0);
});

test('hold -> order -> sandbox pay -> confirm: PAID, stock taken once, ledger balanced', async () => {
  const p = await product({ name: '결제 홀드', price: 10000, stock: 3 });
  const h = await hold(buyer, { product_id: p.id, quantity: 1 });
  const o = await order(buyer, { items: [{ product_id: p.id, quantity: 1 }], hold_id: h.body.id });
  assert.equal(o.status, 201);
  const pay = await api(srv, 'POST', '/sandbox-pg/v1/sandbox/payments', { body: { orderId: o.body.order_id, amount: o.body.amount, orderName: o.body.order_name } });
  const c = await api(srv, 'POST', '/api/v1/payments/confirm', { token: buyer.token, body: { payment_key: pay.body.paymentKey, order_id: o.body.order_id, amount: o.body.amount } });
  assert.equal(c.status, 200, JSON.stringify(c.body));
  assert.equal(c.body.status, 'PAID');
  assert.equal(await stockOf(p.id), 2);
  assert.equal(auditCode(), 0);
});

test('many buyers hold the last units at once: exactly the stock is held, each winner orders with its hold, sold-out refused, a restock is seen at once', async () => {
  const p = await product({ name: '마지막 10개', price: 2000, stock: 10 });
  const buyers = await Promise.all(Array.from({ length: 30 }, () => makeUser(srv, 'buyer')));
  const res = await Promise.all(buyers.map((b) => hold(b, { product_id: p.id, quantity: 1 }).then((r) => ({ b, r }))));
  const won = res.filter((x) => x.r.status === 201);
  assert.equal(won.length, 10, res.map((x) => x.r.status).join());
  assert.ok(res.filter((x) => x.r.status !== 201).every((x) => x.r.status === 409 && x.r.body.error.code === 'OUT_OF_STOCK'));
  assert.equal(await stockOf(p.id), 0);
  const orders = await Promise.all(won.map((x) => order(x.b, { items: [{ product_id: p.id, quantity: 1 }], hold_id: x.r.body.id })));
  assert.ok(orders.every((o) => o.status === 201), orders.map((o) => o.status).join());
  assert.equal(await stockOf(p.id), 0);
  // sold out: refused (repeatedly, from memory), and neither a hold nor an order slips through
  for (let i = 0; i < 20; i++) {
    const r = await (i % 2 ? hold(buyer2, { product_id: p.id, quantity: 1 }) : order(buyer2, { items: [{ product_id: p.id, quantity: 1 }] }));
    assert.equal(r.status, 409);
    assert.equal(r.body.error.code, 'OUT_OF_STOCK');
    if (!(i % 2)) assert.match(r.body.error.message, /마지막 10개/, 'the refusal names the product');
  }
  // the sold-out flag never hides stock that came back: a cancel, then a seller's restock
  assert.equal((await api(srv, 'POST', `/api/v1/orders/${orders[0].body.id}/cancel`, { token: won[0].b.token, body: {} })).status, 200);
  let r = await hold(buyer2, { product_id: p.id, quantity: 1 });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal((await hold(buyer2, { product_id: p.id, quantity: 1 })).status, 409);
  assert.equal((await api(srv, 'PATCH', `/api/v1/products/${p.id}`, { token: seller.token, body: { stock: 5 } })).status, 200);
  r = await order(buyer2, { items: [{ product_id: p.id, quantity: 1 }] });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(await stockOf(p.id), 4);
  assert.equal(auditCode(), 0);
});

test('expiry: a hold past BROADCART_HOLD_TTL is released by the sweeper and cannot be ordered; a hold-born order that expires restocks exactly', async () => {
  const s2 = await startServer({ env: { BROADCART_HOLD_TTL: '1', BROADCART_ORDER_TTL: '5' } });
  try {
    const [sel, b, adm] = await Promise.all([makeUser(s2, 'seller'), makeUser(s2, 'buyer'), makeUser(s2, 'admin')]);
    const p = await product({ name: '만료 테스트', price: 4000, stock: 6 }, s2, sel.token);
    const h = await hold(b, { product_id: p.id, quantity: 2 }, s2);
    assert.equal(h.status, 201);
    assert.equal(await stockOf(p.id, s2, adm.token), 4);
    assert.ok(await until(async () => (await stockOf(p.id, s2, adm.token)) === 6), 'the expired hold was released');
    const r = await order(b, { items: [{ product_id: p.id, quantity: 2 }], hold_id: h.body.id }, s2);
    assert.equal(r.status, 409);
    assert.equal(r.body.error.code, 'HOLD_EXPIRED');
    assert.equal(await stockOf(p.id, s2, adm.token), 6, 'released exactly once');

    const h2 = await hold(b, { product_id: p.id, quantity: 3 }, s2);
    const o = await order(b, { items: [{ product_id: p.id, quantity: 3 }], hold_id: h2.body.id }, s2);
    assert.equal(o.status, 201, JSON.stringify(o.body));
    await new Promise((res) => setTimeout(res, 1500)); // past the hold's TTL: the ordered hold stays with its order
    assert.equal(await stockOf(p.id, s2, adm.token), 3);
    assert.ok(await until(async () => (await api(s2, 'GET', `/api/v1/orders/${o.body.id}`, { token: b.token })).body.status === 'EXPIRED', 12000));
    assert.equal(await stockOf(p.id, s2, adm.token), 6, 'the expired order gave back exactly the held units');
    assert.equal(auditCode(s2), 0);
  } finally {
    await s2.stop();
  }
});
