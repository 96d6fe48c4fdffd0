// The order state machine: per-seller shipments (a seller sees and moves only their part), every
// transition recorded in the history with 409 + the current status for illegal ones, partial
// cancel/refund per line and per shipment refunded exactly once (twice and concurrently asked),
// returns, automatic purchase confirmation, per-seller shipping fees, and unauthorised callers
// trying each action (404/403/401, nothing changed). Runs on SQLite and PostgreSQL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, makeUser, sql, payOrder } from './lib.mjs';

const SECRET = 'test_sk_orders_machine_suite';
const ADDR = { recipient: '홍길동', phone: '010-1234-5678', postcode: '06236', address1: '서울 강남구 테헤란로 1' };
let srv, admin, sellerA, sellerB, sellerC, buyer, buyer2;
let pA, pA2, pB;

async function product(u, body) {
  const r = await api(srv, 'POST', '/api/v1/products', { token: u.token, body });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}
async function placeOrder(u, items) {
  const r = await api(srv, 'POST', '/api/v1/orders', { token: u.token, body: { items, shipping_address: ADDR } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}
const pay = (u, o) => payOrder(srv, u, o);
const paidOrder = async (u, items) => pay(u, await placeOrder(u, items));
const getOrder = async (id, u = buyer) => (await api(srv, 'GET', `/api/v1/orders/${id}`, { token: u.token })).body;
const post = (u, p, body = {}) => api(srv, 'POST', p, { token: u && u.token, body });
const stock = async (p) => (await api(srv, 'GET', `/api/v1/products/${p.id}`)).body.stock;
// The payment as the gateway (sandbox) holds it, read with the shop's secret key.
async function gatewayPayment(paymentKey) {
  const res = await fetch(`${srv.base}/sandbox-pg/v1/payments/${encodeURIComponent(paymentKey)}`, {
    headers: { authorization: 'Basic ' + Buffer.from(SECRET + ':').toString('base64') },
  });
  assert.equal(res.status, 200);
  return res.json();
}
const shipOf = (o, seller) => o.shipments.find((s) => s.seller_id === seller.id);

before(async () => {
  srv = await startServer({ env: { BROADCART_TOSS_SECRET_KEY: SECRET } });
  [admin, sellerA, sellerB, sellerC, buyer, buyer2] = await Promise.all([
    makeUser(srv, 'admin'), makeUser(srv, 'seller', 'Shop A'), makeUser(srv, 'seller', 'Shop B'),
    makeUser(srv, 'seller', 'Shop C'), makeUser(srv, 'buyer'), makeUser(srv, 'buyer'),
  ]);
  pA = await product(sellerA, { name: '사과', price: 10000, stock: 100 });
  pA2 = await product(sellerA, { name: '포도', price: 7000, stock: 100 });
  pB = await product(sellerB, { name: '비밀의 배', price: 20000, stock: 100 });
});
after(async () => { await srv.stop(); });

test('per-seller shipments: seller A ships only A\'s part; B\'s part, lines and amount stay hidden and untouched', async () => {
  const o = await paidOrder(buyer, [{ product_id: pA.id, quantity: 1 }, { product_id: pB.id, quantity: 1 }]);
  assert.equal(o.shipments.length, 2);
  let r = await post(sellerA, `/api/v1/seller/orders/${o.id}/ship`, { carrier: 'CJ대한통운', tracking_number: 'A-111' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  // what A sees: A's lines, A's shipment, A's amount; nothing of B (not even B's product name)
  assert.deepEqual(r.body.lines.map((l) => l.product_id), [pA.id]);
  assert.deepEqual(r.body.shipments.map((s) => s.seller_id), [sellerA.id]);
  assert.equal(r.body.amount, 10000 + 3000);
  assert.equal(r.body.subtotal, 10000);
  assert.ok(!JSON.stringify(r.body).includes('비밀의 배'), 'B\'s product name is not shown to A');
  assert.equal(r.body.payment_key, null);
  assert.equal(r.body.tracking_number, 'A-111');

  // the buyer: A's part SHIPPING with A's tracking, B's part still PAID without tracking; the
  // order is as far as its least advanced part
  let b = await getOrder(o.id);
  assert.equal(b.status, 'PAID');
  assert.equal(shipOf(b, sellerA).status, 'SHIPPING');
  assert.equal(shipOf(b, sellerA).tracking_number, 'A-111');
  assert.equal(shipOf(b, sellerB).status, 'PAID');
  assert.equal(shipOf(b, sellerB).tracking_number, null);
  assert.equal(b.amount, o.amount, 'the buyer still sees the full amount');

  // A cannot move B's shipment by naming it; B's list and view show only B's part
  r = await post(sellerA, `/api/v1/seller/orders/${o.id}/ship`, { carrier: 'CJ', tracking_number: 'A-222', shipment_id: shipOf(b, sellerB).id });
  assert.equal(r.status, 404, JSON.stringify(r.body));
  assert.equal(r.body.error.code, 'SHIPMENT_NOT_FOUND');
  const listB = (await api(srv, 'GET', '/api/v1/seller/orders', { token: sellerB.token })).body.items.find((x) => x.id === o.id);
  assert.deepEqual(listB.lines.map((l) => l.product_id), [pB.id]);
  assert.equal(listB.amount, 20000 + 3000);
  assert.ok(!JSON.stringify(listB).includes('사과'));

  r = await post(sellerB, `/api/v1/seller/orders/${o.id}/ship`, { carrier: '한진택배', tracking_number: 'B-999' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  b = await getOrder(o.id);
  assert.equal(b.status, 'SHIPPING');
  assert.equal(shipOf(b, sellerA).tracking_number, 'A-111', 'B\'s ship left A\'s tracking number alone');
  assert.equal(shipOf(b, sellerB).tracking_number, 'B-999');
  assert.equal(shipOf(b, sellerB).carrier, '한진택배');

  // A's shipping twice is refused with the current status of A's part
  r = await post(sellerA, `/api/v1/seller/orders/${o.id}/ship`, { carrier: 'CJ', tracking_number: 'A-333' });
  assert.equal(r.status, 409);
  assert.equal(r.body.error.code, 'ORDER_NOT_SHIPPABLE');
  assert.equal(r.body.error.status, 'SHIPPING');
});

test('every transition is in the history; illegal ones are 409 with the current status', async () => {
  const o = await paidOrder(buyer, [{ product_id: pA.id, quantity: 1 }]);
  const sid = o.shipments[0].id;
  let r = await post(buyer, `/api/v1/orders/${o.id}/shipments/${sid}/confirm`);
  assert.equal(r.status, 409);
  assert.equal(r.body.error.code, 'ORDER_STATE_CONFLICT');
  assert.equal(r.body.error.status, 'PAID');
  r = await post(sellerA, `/api/v1/seller/orders/${o.id}/deliver`);
  assert.equal(r.status, 409);
  assert.equal(r.body.error.code, 'ORDER_NOT_DELIVERABLE');
  assert.equal(r.body.error.status, 'PAID');

  assert.equal((await post(sellerA, `/api/v1/seller/orders/${o.id}/prepare`)).body.status, 'PREPARING');
  r = await post(sellerA, `/api/v1/seller/orders/${o.id}/prepare`);
  assert.equal(r.status, 409);
  assert.equal(r.body.error.status, 'PREPARING');
  r = await post(buyer, `/api/v1/orders/${o.id}/cancel`);
  assert.equal(r.status, 409, 'a whole-order cancel is refused once a part is being prepared');
  assert.equal(r.body.error.code, 'ORDER_NOT_CANCELABLE');
  assert.equal(r.body.error.status, 'PREPARING');
  assert.equal((await post(sellerA, `/api/v1/seller/orders/${o.id}/ship`, { carrier: 'CJ', tracking_number: 'H-1' })).body.status, 'SHIPPING');
  assert.equal((await post(sellerA, `/api/v1/seller/orders/${o.id}/deliver`)).body.status, 'DELIVERED');
  r = await post(buyer, `/api/v1/orders/${o.id}/shipments/${sid}/confirm`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.status, 'PURCHASE_CONFIRMED');
  r = await post(buyer, `/api/v1/orders/${o.id}/shipments/${sid}/return`);
  assert.equal(r.status, 409);
  assert.equal(r.body.error.status, 'PURCHASE_CONFIRMED');

  const h = (await getOrder(o.id)).history;
  const orderRows = h.filter((e) => e.shipment_id === null).map((e) => [e.from, e.to, e.actor_role]);
  assert.deepEqual(orderRows, [
    [null, 'PENDING_PAYMENT', 'buyer'], ['PENDING_PAYMENT', 'PAID', 'system'], ['PAID', 'PREPARING', 'seller'],
    ['PREPARING', 'SHIPPING', 'seller'], ['SHIPPING', 'DELIVERED', 'seller'], ['DELIVERED', 'PURCHASE_CONFIRMED', 'buyer'],
  ]);
  const shipRows = h.filter((e) => e.shipment_id === sid).map((e) => [e.from, e.to, e.actor_role, e.seller_id]);
  assert.deepEqual(shipRows, [
    ['PAID', 'PREPARING', 'seller', sellerA.id], ['PREPARING', 'SHIPPING', 'seller', sellerA.id],
    ['SHIPPING', 'DELIVERED', 'seller', sellerA.id], ['DELIVERED', 'PURCHASE_CONFIRMED', 'buyer', sellerA.id],
  ]);
  for (const e of h) assert.match(e.at, /^\d{4}-\d\d-\d\dT/);

  // expiry and payment are recorded too
  const pending = await placeOrder(buyer, [{ product_id: pA.id, quantity: 1 }]);
  r = await post(buyer, `/api/v1/orders/${pending.id}/cancel`);
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.history.map((e) => [e.from, e.to, e.actor_role]),
    [[null, 'PENDING_PAYMENT', 'buyer'], ['PENDING_PAYMENT', 'CANCELED', 'buyer']]);
  assert.equal(r.body.shipments[0].status, 'CANCELED');
});

test('cancel one line: refunded once at the gateway (twice and concurrently asked), restocked, fee kept', async () => {
  const o = await paidOrder(buyer, [{ product_id: pA.id, quantity: 2 }, { product_id: pA2.id, quantity: 1 }]);
  assert.equal(o.amount, 27000 + 3000);
  const line = o.lines.find((l) => l.product_id === pA2.id);
  const before = await stock(pA2);
  const results = await Promise.all(Array.from({ length: 6 }, () => post(buyer, `/api/v1/orders/${o.id}/lines/${line.line_id}/cancel`, { reason: '단순 변심' })));
  const ok = results.filter((r) => r.status === 200);
  assert.equal(ok.length, 1, results.map((r) => `${r.status} ${r.body.error?.code}`).join(','));
  for (const r of results.filter((x) => x.status !== 200)) {
    assert.equal(r.status, 409);
    assert.ok(['ORDER_STATE_CONFLICT', 'REFUND_IN_PROGRESS'].includes(r.body.error.code), r.body.error.code);
  }
  const again = await post(buyer, `/api/v1/orders/${o.id}/lines/${line.line_id}/cancel`);
  assert.equal(again.status, 409);
  assert.equal(again.body.error.status, 'CANCELED');

  const now = await getOrder(o.id);
  assert.equal(now.refunded, 7000);
  assert.equal(now.status, 'PAID');
  assert.equal(now.lines.find((l) => l.line_id === line.line_id).canceled, true);
  assert.equal(now.lines.find((l) => l.product_id === pA.id).canceled, false);
  assert.equal(await stock(pA2), before + 1);
  const g = await gatewayPayment(o.payment_key);
  assert.equal(g.cancels.length, 1, 'one refund at the gateway');
  assert.equal(g.cancels[0].cancelAmount, 7000);
  assert.equal(g.balanceAmount, 23000);

  // the last line takes the part and its fee with it; the order ends CANCELED, fully refunded
  const last = now.lines.find((l) => l.product_id === pA.id);
  const r = await post(buyer, `/api/v1/orders/${o.id}/lines/${last.line_id}/cancel`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.status, 'CANCELED');
  assert.equal(r.body.refunded, 30000);
  const g2 = await gatewayPayment(o.payment_key);
  assert.equal(g2.balanceAmount, 0);
  assert.deepEqual(g2.cancels.map((c) => c.cancelAmount), [7000, 23000]);
});

test('cancel one seller\'s part: PAID refunds that part only; PREPARING asks the seller, who approves or rejects', async () => {
  const o = await paidOrder(buyer, [{ product_id: pA.id, quantity: 1 }, { product_id: pB.id, quantity: 1 }]);
  const sA = shipOf(o, sellerA), sB = shipOf(o, sellerB);
  const stockB = await stock(pB);
  const twice = await Promise.all([1, 2, 3].map(() => post(buyer, `/api/v1/orders/${o.id}/shipments/${sB.id}/cancel`)));
  assert.equal(twice.filter((r) => r.status === 200).length, 1, twice.map((r) => r.status).join(','));
  let b = await getOrder(o.id);
  assert.equal(shipOf(b, sellerB).status, 'CANCELED');
  assert.equal(shipOf(b, sellerB).refunded, 23000);
  assert.equal(b.refunded, 23000);
  assert.equal(b.status, 'PAID', 'A\'s part is still to ship');
  assert.equal(await stock(pB), stockB + 1);
  assert.equal((await gatewayPayment(o.payment_key)).cancels.length, 1);

  // A prepares; the buyer's cancel becomes a request; A rejects, then the buyer asks again and A approves
  assert.equal((await post(sellerA, `/api/v1/seller/orders/${o.id}/prepare`)).status, 200);
  let r = await post(buyer, `/api/v1/orders/${o.id}/shipments/${sA.id}/cancel`);
  assert.equal(r.status, 200);
  assert.equal(r.body.status, 'CANCEL_REQUESTED');
  assert.equal(r.body.refunded, 23000, 'a request refunds nothing yet');
  r = await post(sellerB, `/api/v1/seller/orders/${o.id}/approve-cancel`);
  assert.equal(r.status, 409, 'B has no request to decide');
  assert.equal(r.body.error.status, 'CANCELED');
  r = await post(sellerA, `/api/v1/seller/orders/${o.id}/reject-cancel`, { reason: '이미 포장했습니다' });
  assert.equal(r.body.status, 'PREPARING');
  assert.equal((await post(buyer, `/api/v1/orders/${o.id}/shipments/${sA.id}/cancel`)).body.status, 'CANCEL_REQUESTED');
  r = await post(sellerA, `/api/v1/seller/orders/${o.id}/approve-cancel`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  b = await getOrder(o.id);
  assert.equal(b.status, 'CANCELED');
  assert.equal(b.refunded, o.amount);
  const g = await gatewayPayment(o.payment_key);
  assert.deepEqual(g.cancels.map((c) => c.cancelAmount), [23000, 13000]);
  assert.equal((await post(sellerA, `/api/v1/seller/orders/${o.id}/approve-cancel`)).status, 409);
  assert.equal((await gatewayPayment(o.payment_key)).cancels.length, 2);
});

test('whole-order cancel after a partial one refunds only the rest', async () => {
  const o = await paidOrder(buyer, [{ product_id: pA.id, quantity: 1 }, { product_id: pB.id, quantity: 1 }]);
  assert.equal((await post(buyer, `/api/v1/orders/${o.id}/shipments/${shipOf(o, sellerA).id}/cancel`)).status, 200);
  const rs = await Promise.all([1, 2].map(() => post(buyer, `/api/v1/orders/${o.id}/cancel`)));
  assert.equal(rs.filter((r) => r.status === 200).length, 1, rs.map((r) => r.status).join(','));
  const b = await getOrder(o.id);
  assert.equal(b.status, 'CANCELED');
  assert.equal(b.refunded, o.amount);
  const g = await gatewayPayment(o.payment_key);
  assert.deepEqual(g.cancels.map((c) => c.cancelAmount), [13000, 23000]);
  assert.equal(g.status, 'CANCELED');
});

test('return: DELIVERED -> RETURN_REQUESTED -> RETURNED -> REFUNDED (refund once); rejected returns go back', async () => {
  const o = await paidOrder(buyer, [{ product_id: pA.id, quantity: 1 }]);
  const sid = o.shipments[0].id;
  await post(sellerA, `/api/v1/seller/orders/${o.id}/ship`, { carrier: 'CJ', tracking_number: 'R-1' });
  await post(sellerA, `/api/v1/seller/orders/${o.id}/deliver`);
  let r = await post(buyer, `/api/v1/orders/${o.id}/shipments/${sid}/return`, { reason: '파손' });
  assert.equal(r.body.status, 'RETURN_REQUESTED');
  r = await post(sellerA, `/api/v1/seller/orders/${o.id}/reject-return`);
  assert.equal(r.body.status, 'DELIVERED');
  assert.equal((await post(buyer, `/api/v1/orders/${o.id}/shipments/${sid}/return`)).body.status, 'RETURN_REQUESTED');
  r = await post(sellerA, `/api/v1/seller/orders/${o.id}/refund`);
  assert.equal(r.status, 409, 'no refund before the parcel is back');
  assert.equal(r.body.error.status, 'RETURN_REQUESTED');
  assert.equal((await post(sellerA, `/api/v1/seller/orders/${o.id}/receive-return`)).body.status, 'RETURNED');
  const rs = await Promise.all([1, 2, 3].map(() => post(sellerA, `/api/v1/seller/orders/${o.id}/refund`)));
  assert.equal(rs.filter((x) => x.status === 200).length, 1, rs.map((x) => x.status).join(','));
  const b = await getOrder(o.id);
  assert.equal(b.status, 'REFUNDED');
  assert.equal(b.refunded, o.amount);
  assert.equal((await gatewayPayment(o.payment_key)).cancels.length, 1);
});

test('unauthorised users trying each action: 404/403/401 and nothing changes', async () => {
  const o = await paidOrder(buyer, [{ product_id: pA.id, quantity: 1 }, { product_id: pB.id, quantity: 1 }]);
  const sA = shipOf(o, sellerA), line = o.lines[0];
  const snapshot = async () => { const x = await getOrder(o.id); delete x.updated_at; return x; };
  const before = await snapshot();
  const buyerRoutes = [`/api/v1/orders/${o.id}/cancel`, `/api/v1/orders/${o.id}/shipments/${sA.id}/cancel`,
    `/api/v1/orders/${o.id}/lines/${line.line_id}/cancel`, `/api/v1/orders/${o.id}/shipments/${sA.id}/return`,
    `/api/v1/orders/${o.id}/shipments/${sA.id}/confirm`];
  const sellerRoutes = ['prepare', 'ship', 'deliver', 'approve-cancel', 'reject-cancel', 'receive-return', 'reject-return', 'refund']
    .map((a) => `/api/v1/seller/orders/${o.id}/${a}`);
  const shipBody = { carrier: 'CJ', tracking_number: 'X-1' };
  for (const p of buyerRoutes) {
    let r = await post(buyer2, p);
    assert.equal(r.status, 404, `another buyer: ${p} ${r.status}`);
    assert.equal(r.body.error.code, 'ORDER_NOT_FOUND');
    r = await post(sellerC, p);
    assert.equal(r.status, 403, `a seller: ${p}`);
    r = await post(null, p);
    assert.equal(r.status, 401, `anonymous: ${p}`);
  }
  for (const p of sellerRoutes) {
    const body = p.endsWith('/ship') ? shipBody : {};
    let r = await post(sellerC, p, body);
    assert.equal(r.status, 404, `a seller without a part: ${p} ${r.status}`);
    r = await post(buyer, p, body);
    assert.equal(r.status, 403, `the buyer: ${p}`);
    r = await post(null, p, body);
    assert.equal(r.status, 401, `anonymous: ${p}`);
  }
  // seller B naming A's shipment or line
  let r = await post(sellerB, `/api/v1/seller/orders/${o.id}/prepare`, { shipment_id: sA.id });
  assert.equal(r.status, 404);
  assert.equal((await api(srv, 'GET', `/api/v1/orders/${o.id}`, { token: sellerC.token })).status, 404);
  assert.equal((await api(srv, 'GET', `/api/v1/orders/${o.id}`, { token: buyer2.token })).status, 404);
  // ids that do not exist
  for (const p of [`/api/v1/orders/${o.id}/shipments/999999/cancel`, `/api/v1/orders/${o.id}/lines/999999/cancel`, '/api/v1/orders/999999/cancel']) {
    r = await post(buyer, p);
    assert.equal(r.status, 404, p);
  }
  assert.deepEqual(await snapshot(), before, 'nothing changed');
  assert.equal((await gatewayPayment(o.payment_key)).cancels, null, 'nothing refunded');
});

test('purchases are confirmed automatically BROADCART_AUTO_CONFIRM_DAYS after delivery (system actor)', async () => {
  const o = await paidOrder(buyer, [{ product_id: pA.id, quantity: 1 }]);
  await post(sellerA, `/api/v1/seller/orders/${o.id}/ship`, { carrier: 'CJ', tracking_number: 'C-1' });
  await post(sellerA, `/api/v1/seller/orders/${o.id}/deliver`);
  // delivered 6 days ago: not yet; 8 days ago: confirmed by the sweeper (default 7 days)
  sql(srv, `UPDATE shipments SET delivered_at = ${Date.now() - 6 * 86400000} WHERE order_id = ${o.id}`);
  await new Promise((r) => setTimeout(r, 2500));
  assert.equal((await getOrder(o.id)).status, 'DELIVERED');
  sql(srv, `UPDATE shipments SET delivered_at = ${Date.now() - 8 * 86400000} WHERE order_id = ${o.id}`);
  let b;
  for (let i = 0; i < 50; i++) {
    b = await getOrder(o.id);
    if (b.status === 'PURCHASE_CONFIRMED') break;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal(b.status, 'PURCHASE_CONFIRMED');
  const last = b.history.at(-1);
  assert.deepEqual([last.from, last.to, last.actor_role, last.actor_id], ['DELIVERED', 'PURCHASE_CONFIRMED', 'system', null]);
});

test('per-seller shipping settings: defaults, set, used by new orders per seller; bad values change nothing', async () => {
  let r = await api(srv, 'GET', '/api/v1/seller/shipping', { token: sellerB.token });
  assert.deepEqual(r.body, { shipping_fee: 3000, free_shipping_over: 50000, default: true });
  r = await api(srv, 'PUT', '/api/v1/seller/shipping', { token: sellerB.token, body: { shipping_fee: 2500, free_shipping_over: 15000 } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body, { shipping_fee: 2500, free_shipping_over: 15000, default: false });
  for (const body of [{ shipping_fee: -1, free_shipping_over: 0 }, { shipping_fee: 1000001, free_shipping_over: 0 }, { shipping_fee: 100 }, { shipping_fee: 1, free_shipping_over: 1, x: 1 }]) {
    r = await api(srv, 'PUT', '/api/v1/seller/shipping', { token: sellerB.token, body });
    assert.equal(r.status, 422, JSON.stringify(body));
  }
  assert.equal((await api(srv, 'PUT', '/api/v1/seller/shipping', { token: buyer.token, body: { shipping_fee: 0, free_shipping_over: 0 } })).status, 403);
  assert.deepEqual((await api(srv, 'GET', '/api/v1/seller/shipping', { token: sellerB.token })).body, { shipping_fee: 2500, free_shipping_over: 15000, default: false });
  // B's part of 20,000 is over B's threshold (free); A's 10,000 pays A's default 3,000
  const o = await placeOrder(buyer, [{ product_id: pA.id, quantity: 1 }, { product_id: pB.id, quantity: 1 }]);
  assert.equal(o.shipping_fee, 3000);
  assert.equal(shipOf(o, sellerB).shipping_fee, 0);
  assert.equal(shipOf(o, sellerA).shipping_fee, 3000);
  await api(srv, 'PUT', '/api/v1/seller/shipping', { token: sellerB.token, body: { shipping_fee: 2500, free_shipping_over: 30000 } });
  const o2 = await placeOrder(buyer, [{ product_id: pB.id, quantity: 1 }]);
  assert.equal(o2.shipping_fee, 2500);
  assert.equal(o2.amount, 22500);
  await api(srv, 'PUT', '/api/v1/seller/shipping', { token: sellerB.token, body: { shipping_fee: 3000, free_shipping_over: 50000 } });
});

test('a refund the gateway refused changes nothing and can be asked again', async () => {
  const o = await paidOrder(buyer, [{ product_id: pA.id, quantity: 1 }]);
  const before = await stock(pA);
  sql(srv, `UPDATE orders SET payment_key = 'tgen_unknown_payment_key' WHERE id = ${o.id}`);
  let r = await post(buyer, `/api/v1/orders/${o.id}/cancel`);
  assert.equal(r.status, 502, JSON.stringify(r.body));
  assert.equal(r.body.error.code, 'PAYMENT_GATEWAY_ERROR');
  assert.ok(r.body.error.gateway_code, 'the gateway\'s code is passed on');
  assert.equal(sql(srv, `SELECT COUNT(*) FROM order_refunds WHERE order_id = ${o.id}`).trim(), '0', 'the claim is dropped');
  sql(srv, `UPDATE orders SET payment_key = '${o.payment_key}' WHERE id = ${o.id}`);
  let b = await getOrder(o.id);
  assert.equal(b.status, 'PAID');
  assert.equal(b.refunded, 0);
  assert.equal(await stock(pA), before);
  r = await post(buyer, `/api/v1/orders/${o.id}/cancel`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.status, 'CANCELED');
  assert.equal((await gatewayPayment(o.payment_key)).cancels.length, 1);
});

test('a refund whose outcome was lost (crash after the gateway call) is retried with the same key: refunded once', async () => {
  const o = await paidOrder(buyer, [{ product_id: pA.id, quantity: 1 }]);
  const key = `rf-${o.order_id}-order-lost`;
  // the gateway refunded under this key, then the shop died before recording it
  const g = await fetch(`${srv.base}/sandbox-pg/v1/payments/${encodeURIComponent(o.payment_key)}/cancel`, {
    method: 'POST',
    headers: { authorization: 'Basic ' + Buffer.from(SECRET + ':').toString('base64'), 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify({ cancelReason: '구매자 요청' }),
  });
  assert.equal(g.status, 200);
  sql(srv, `INSERT INTO order_refunds (order_id, scope, amount, idem_key, status, claimed_at) VALUES (${o.id}, 'order', ${o.amount}, '${key}', 'CLAIMED', ${Date.now()})`);
  // while the claim is fresh every action waits
  let r = await post(buyer, `/api/v1/orders/${o.id}/cancel`);
  assert.equal(r.status, 409);
  assert.equal(r.body.error.code, 'REFUND_IN_PROGRESS');
  assert.equal(r.body.error.status, 'PAID');
  r = await post(sellerA, `/api/v1/seller/orders/${o.id}/ship`, { carrier: 'CJ', tracking_number: 'L-1' });
  assert.equal(r.status, 409, 'no shipping while a refund is in flight');
  assert.equal((await getOrder(o.id)).status, 'PAID');
  // a minute later the same cancel retakes the claim with its key: the gateway replays, nothing more is refunded
  sql(srv, `UPDATE order_refunds SET claimed_at = ${Date.now() - 120000} WHERE idem_key = '${key}'`);
  r = await post(buyer, `/api/v1/orders/${o.id}/cancel`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.status, 'CANCELED');
  assert.equal(r.body.refunded, o.amount);
  const pay = await gatewayPayment(o.payment_key);
  assert.equal(pay.cancels.length, 1, 'refunded once');
  assert.equal(sql(srv, `SELECT status FROM order_refunds WHERE idem_key = '${key}'`).trim(), 'DONE');
});

test('expiry is a recorded system transition: order and shipment EXPIRED, stock back', async () => {
  const before = await stock(pB);
  const o = await placeOrder(buyer, [{ product_id: pB.id, quantity: 2 }]);
  assert.equal(await stock(pB), before - 2);
  sql(srv, `UPDATE orders SET expires_at = ${Date.now() - 1000} WHERE id = ${o.id}`);
  let b;
  for (let i = 0; i < 50; i++) {
    b = await getOrder(o.id);
    if (b.status === 'EXPIRED') break;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal(b.status, 'EXPIRED');
  assert.equal(b.shipments[0].status, 'EXPIRED');
  assert.deepEqual(b.history.map((e) => [e.from, e.to, e.actor_role]), [[null, 'PENDING_PAYMENT', 'buyer'], ['PENDING_PAYMENT', 'EXPIRED', 'system']]);
  assert.equal(await stock(pB), before);
  const r = await post(buyer, `/api/v1/orders/${o.id}/cancel`);
  assert.equal(r.status, 409);
  assert.equal(r.body.error.status, 'EXPIRED');
});

test('a seller shipping while the buyer cancels the same part: exactly one wins, money and state agree', async () => {
  for (let i = 0; i < 4; i++) {
    const o = await paidOrder(buyer, [{ product_id: pA.id, quantity: 1 }, { product_id: pB.id, quantity: 1 }]);
    const sA = shipOf(o, sellerA);
    const [s, c] = await Promise.all([
      post(sellerA, `/api/v1/seller/orders/${o.id}/ship`, { carrier: 'CJ', tracking_number: `RACE-${i}` }),
      post(buyer, `/api/v1/orders/${o.id}/shipments/${sA.id}/cancel`),
    ]);
    const b = await getOrder(o.id);
    const cancels = (await gatewayPayment(o.payment_key)).cancels || [];
    const part = shipOf(b, sellerA);
    if (part.status === 'SHIPPING') {
      assert.equal(s.status, 200);
      assert.equal(c.status, 409, JSON.stringify(c.body));
      assert.equal(part.refunded, 0);
      assert.equal(cancels.length, 0, 'a shipped part is not refunded');
    } else {
      assert.equal(part.status, 'CANCELED');
      assert.equal(c.status, 200, JSON.stringify(c.body));
      assert.equal(s.status, 409, JSON.stringify(s.body));
      assert.equal(part.tracking_number, null);
      assert.deepEqual(cancels.map((x) => x.cancelAmount), [13000]);
    }
    assert.equal(shipOf(b, sellerB).status, 'PAID', 'B\'s part untouched');
  }
});
