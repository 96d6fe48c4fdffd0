// Order fulfilment: a seller ships a PAID order (carrier + tracking number) and marks it
// delivered; state rules (409), authorization (other sellers 404, buyers 403, anonymous 401),
// the buyer's cancel refused once shipped, and invalid bodies changing nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, makeUser, payOrder } from './lib.mjs';

let srv, admin, seller, seller2, seller3, buyer, buyer2;
const ADDR = { recipient: '홍길동', phone: '010-1234-5678', postcode: '06236', address1: '서울 강남구 테헤란로 1' };
const SHIP = { carrier: 'CJ대한통운', tracking_number: '6543-2109-8765' };

async function product(token, body) {
  const r = await api(srv, 'POST', '/api/v1/products', { token, body });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}
async function placeOrder(u, items) {
  const r = await api(srv, 'POST', '/api/v1/orders', { token: u.token, body: { items, shipping_address: ADDR } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}
// Pays through the sandbox gateway and confirms: the order becomes PAID.
const pay = (u, o) => payOrder(srv, u, o);
async function paidOrder(u = buyer, items) {
  return pay(u, await placeOrder(u, items));
}
const ship = (u, id, body = SHIP) => api(srv, 'POST', `/api/v1/seller/orders/${id}/ship`, { token: u && u.token, body });
const deliver = (u, id) => api(srv, 'POST', `/api/v1/seller/orders/${id}/deliver`, { token: u && u.token, body: {} });
const getOrder = async (id, u = buyer) => (await api(srv, 'GET', `/api/v1/orders/${id}`, { token: u.token })).body;

let pA, pB;
before(async () => {
  srv = await startServer();
  [admin, seller, seller2, seller3, buyer, buyer2] = await Promise.all([
    makeUser(srv, 'admin'), makeUser(srv, 'seller', 'Ship A'), makeUser(srv, 'seller', 'Ship B'), makeUser(srv, 'seller', 'Ship C'),
    makeUser(srv, 'buyer'), makeUser(srv, 'buyer'),
  ]);
  pA = await product(seller.token, { name: '사과', price: 10000, stock: 100 });
  pB = await product(seller2.token, { name: '배', price: 20000, stock: 100 });
});
after(async () => { await srv.stop(); });

test('order JSON carries the fulfilment fields (null until shipped)', async () => {
  const o = await placeOrder(buyer, [{ product_id: pA.id, quantity: 1 }]);
  for (const k of ['carrier', 'tracking_number', 'shipped_at', 'delivered_at']) {
    assert.ok(k in o, `${k} present`);
    assert.equal(o[k], null, k);
  }
});

test('ship: PAID -> SHIPPING with carrier, tracking number and shipped_at; then deliver', async () => {
  const o = await paidOrder(buyer, [{ product_id: pA.id, quantity: 2 }]);
  const t0 = Date.now();
  const r = await ship(seller, o.id);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.status, 'SHIPPING');
  assert.equal(r.body.carrier, SHIP.carrier);
  assert.equal(r.body.tracking_number, SHIP.tracking_number);
  assert.match(r.body.shipped_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.ok(Math.abs(Date.parse(r.body.shipped_at) - t0) < 10000);
  assert.equal(r.body.delivered_at, null);
  assert.ok(r.body.paid_at, 'paid_at kept');

  // the buyer sees it, by row id and by Toss orderId; the seller list shows it too
  const b = await getOrder(o.id);
  assert.equal(b.status, 'SHIPPING');
  assert.equal(b.tracking_number, SHIP.tracking_number);
  assert.equal((await getOrder(o.order_id)).carrier, SHIP.carrier);
  const list = (await api(srv, 'GET', '/api/v1/seller/orders', { token: seller.token })).body.items;
  assert.equal(list.find((x) => x.id === o.id).status, 'SHIPPING');

  // shipping twice is refused and changes nothing
  const again = await ship(seller, o.id, { carrier: '한진택배', tracking_number: '1' });
  assert.equal(again.status, 409);
  assert.equal(again.body.error.code, 'ORDER_NOT_SHIPPABLE');
  assert.equal((await getOrder(o.id)).carrier, SHIP.carrier);
  assert.equal((await getOrder(o.id)).shipped_at, b.shipped_at);

  const d = await deliver(seller, o.id);
  assert.equal(d.status, 200, JSON.stringify(d.body));
  assert.equal(d.body.status, 'DELIVERED');
  assert.ok(d.body.delivered_at);
  assert.ok(Date.parse(d.body.delivered_at) >= Date.parse(d.body.shipped_at));
  assert.equal(d.body.tracking_number, SHIP.tracking_number, 'tracking kept after delivery');

  const d2 = await deliver(seller, o.id);
  assert.equal(d2.status, 409);
  assert.equal(d2.body.error.code, 'ORDER_NOT_DELIVERABLE');
  const s2 = await ship(seller, o.id);
  assert.equal(s2.status, 409);
  assert.equal(s2.body.error.code, 'ORDER_NOT_SHIPPABLE');
  assert.equal((await getOrder(o.id)).status, 'DELIVERED');
});

test('wrong states: pending, canceled and expired orders cannot ship; PAID cannot be delivered', async () => {
  const pending = await placeOrder(buyer, [{ product_id: pA.id, quantity: 1 }]);
  let r = await ship(seller, pending.id);
  assert.equal(r.status, 409);
  assert.equal(r.body.error.code, 'ORDER_NOT_SHIPPABLE');
  r = await deliver(seller, pending.id);
  assert.equal(r.status, 409);
  assert.equal(r.body.error.code, 'ORDER_NOT_DELIVERABLE');
  assert.equal((await getOrder(pending.id)).status, 'PENDING_PAYMENT');

  const paid = await paidOrder(buyer, [{ product_id: pA.id, quantity: 1 }]);
  r = await deliver(seller, paid.id);
  assert.equal(r.status, 409, 'PAID -> DELIVERED skips shipping');
  assert.equal(r.body.error.code, 'ORDER_NOT_DELIVERABLE');
  const after = await getOrder(paid.id);
  assert.equal(after.status, 'PAID');
  assert.equal(after.delivered_at, null);

  const canceled = await paidOrder(buyer, [{ product_id: pA.id, quantity: 1 }]);
  assert.equal((await api(srv, 'POST', `/api/v1/orders/${canceled.id}/cancel`, { token: buyer.token, body: {} })).status, 200);
  r = await ship(seller, canceled.id);
  assert.equal(r.status, 409);
  assert.equal(r.body.error.code, 'ORDER_NOT_SHIPPABLE');
  const c = await getOrder(canceled.id);
  assert.equal(c.status, 'CANCELED');
  assert.equal(c.carrier, null);
});

test('the buyer cannot cancel once shipped (nor after delivery); stock stays taken', async () => {
  const o = await paidOrder(buyer, [{ product_id: pA.id, quantity: 3 }]);
  const stockBefore = (await api(srv, 'GET', `/api/v1/products/${pA.id}`)).body.stock;
  assert.equal((await ship(seller, o.id)).status, 200);
  let r = await api(srv, 'POST', `/api/v1/orders/${o.id}/cancel`, { token: buyer.token, body: {} });
  assert.equal(r.status, 409);
  assert.equal(r.body.error.code, 'ORDER_NOT_CANCELABLE');
  assert.equal((await getOrder(o.id)).status, 'SHIPPING');
  assert.equal((await deliver(seller, o.id)).status, 200);
  r = await api(srv, 'POST', `/api/v1/orders/${o.id}/cancel`, { token: buyer.token, body: {} });
  assert.equal(r.status, 409);
  assert.equal(r.body.error.code, 'ORDER_NOT_CANCELABLE');
  assert.equal((await getOrder(o.id)).status, 'DELIVERED');
  assert.equal((await api(srv, 'GET', `/api/v1/products/${pA.id}`)).body.stock, stockBefore, 'no restock');
});

test('authorization: other sellers 404, buyers 403, anonymous 401, admin allowed, multi-seller orders', async () => {
  const o = await paidOrder(buyer, [{ product_id: pA.id, quantity: 1 }]);
  let r = await ship(seller3, o.id);
  assert.equal(r.status, 404, 'a seller without lines in the order does not learn it exists');
  assert.equal(r.body.error.code, 'ORDER_NOT_FOUND');
  r = await ship(seller3, o.order_id);
  assert.equal(r.status, 404);
  r = await deliver(seller3, o.id);
  assert.equal(r.status, 404);
  r = await ship(buyer, o.id);
  assert.equal(r.status, 403);
  r = await ship(buyer2, o.id);
  assert.equal(r.status, 403);
  r = await ship(null, o.id);
  assert.equal(r.status, 401);
  r = await deliver(null, o.id);
  assert.equal(r.status, 401);
  for (const id of ['999999', 'BC20990101-nonexisten', 'abc', '0', '-1']) {
    r = await ship(seller, id);
    assert.equal(r.status, 404, id);
  }
  assert.equal((await getOrder(o.id)).status, 'PAID', 'nothing changed');

  // an admin may ship and deliver any order; the reply shows every line
  const m = await paidOrder(buyer2, [{ product_id: pA.id, quantity: 1 }, { product_id: pB.id, quantity: 1 }]);
  r = await ship(admin, m.id, { carrier: '우체국택배', tracking_number: 'EK123456789KR' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.lines.length, 2);
  // a seller with lines in a multi-seller order sees only their lines in the reply
  r = await deliver(seller2, m.id);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body.lines.map((l) => l.seller_id), [seller2.id]);
  // the order follows its shipments: seller2's part is delivered, seller A's is still on its way
  assert.deepEqual(r.body.shipments.map((s) => [s.seller_id, s.status]), [[seller2.id, 'DELIVERED']]);
  assert.equal(r.body.status, 'SHIPPING');
  r = await deliver(seller, m.id);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.status, 'DELIVERED');

  // the seller by Toss orderId
  const o2 = await paidOrder(buyer, [{ product_id: pB.id, quantity: 1 }]);
  r = await ship(seller2, o2.order_id);
  assert.equal(r.status, 200);
  assert.equal(r.body.status, 'SHIPPING');
});

test('invalid ship bodies are refused (422/400) and change nothing', async () => {
  const o = await paidOrder(buyer, [{ product_id: pA.id, quantity: 1 }]);
  const bad = [
    {}, { carrier: 'CJ' }, { tracking_number: '1' },
    { carrier: '', tracking_number: '1' }, { carrier: 'CJ', tracking_number: '' },
    { carrier: '   ', tracking_number: '1' }, { carrier: 'CJ', tracking_number: ' \t ' },
    { carrier: 'x'.repeat(41), tracking_number: '1' }, { carrier: 'CJ', tracking_number: '9'.repeat(41) },
    { carrier: 'CJ', tracking_number: 12345 }, { carrier: null, tracking_number: '1' },
    { carrier: 'CJ', tracking_number: '1\n2' }, { carrier: 'CJ\u0007', tracking_number: '1' },
    { carrier: 'CJ\u202e', tracking_number: '1' }, { carrier: 'CJ', tracking_number: '1\u0085' },
    { carrier: 'CJ', tracking_number: '1', status: 'DELIVERED' },
  ];
  for (const body of bad) {
    const r = await ship(seller, o.id, body);
    assert.equal(r.status, 422, `${JSON.stringify(body)} -> ${r.status} ${JSON.stringify(r.body)}`);
  }
  const raw = await api(srv, 'POST', `/api/v1/seller/orders/${o.id}/ship`, { token: seller.token, raw: '{"carrier":', headers: { 'content-type': 'application/json' } });
  assert.equal(raw.status, 400);
  const now = await getOrder(o.id);
  assert.equal(now.status, 'PAID');
  assert.equal(now.carrier, null);
  assert.equal(now.tracking_number, null);
  assert.equal(now.shipped_at, null);
  // exactly 40 characters (Hangul counts as one) is fine
  const r = await ship(seller, o.id, { carrier: '가'.repeat(40), tracking_number: 'A'.repeat(40) });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.carrier, '가'.repeat(40));
});

test('concurrent ships: exactly one wins', async () => {
  const o = await paidOrder(buyer, [{ product_id: pA.id, quantity: 1 }]);
  const results = await Promise.all(Array.from({ length: 8 }, (_, i) => ship(seller, o.id, { carrier: 'CJ대한통운', tracking_number: `T${i}` })));
  const ok = results.filter((r) => r.status === 200);
  assert.equal(ok.length, 1, results.map((r) => r.status).join(','));
  assert.ok(results.every((r) => r.status === 200 || (r.status === 409 && r.body.error.code === 'ORDER_NOT_SHIPPABLE')));
  assert.equal((await getOrder(o.id)).tracking_number, ok[0].body.tracking_number);
});

test('the OpenAPI document lists the fulfilment routes', async () => {
  const doc = (await api(srv, 'GET', '/api/openapi.json')).body;
  assert.ok(doc.paths['/api/v1/seller/orders/{id}/ship'].post);
  assert.ok(doc.paths['/api/v1/seller/orders/{id}/deliver'].post);
});
