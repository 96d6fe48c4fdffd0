// Commerce: cart, orders (stock reservation, validation, visibility), cancel and expiry
// restocking, payment confirm through the sandbox gateway, and the 200-buyer stock race.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, makeUser, tossSecret } from './lib.mjs';

let srv, admin, seller, seller2, buyer, buyer2;
const ADDR = { recipient: '홍길동', phone: '010-1234-5678', postcode: '06236', address1: '서울 강남구 테헤란로 1', address2: '101호' };

async function product(token, body) {
  const r = await api(srv, 'POST', '/api/v1/products', { token, body });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}
async function stockOf(id, s = srv) {
  return (await api(s, 'GET', `/api/v1/products/${id}`, { token: admin.token })).body.stock;
}
async function orderCount(u, s = srv) {
  return (await api(s, 'GET', '/api/v1/orders', { token: u.token })).body.total;
}
function order(u, body, s = srv) {
  return api(s, 'POST', '/api/v1/orders', { token: u.token, body: { shipping_address: ADDR, ...body } });
}
// The buyer's browser in the sandbox payment window: authenticate, get a paymentKey.
async function sandboxPay(o, s = srv) {
  const r = await api(s, 'POST', '/sandbox-pg/v1/sandbox/payments', { body: { orderId: o.order_id, amount: o.amount, orderName: o.order_name } });
  assert.ok(r.status === 200 || r.status === 201, JSON.stringify(r.body));
  return r.body.paymentKey;
}
function gatewayGet(paymentKey, s = srv) {
  const auth = 'Basic ' + Buffer.from(tossSecret(s) + ':').toString('base64');
  return api(s, 'GET', `/sandbox-pg/v1/payments/${encodeURIComponent(paymentKey)}`, { headers: { authorization: auth } });
}

before(async () => {
  srv = await startServer();
  [admin, seller, seller2, buyer, buyer2] = await Promise.all([
    makeUser(srv, 'admin'), makeUser(srv, 'seller', 'Shop A'), makeUser(srv, 'seller', 'Shop B'),
    makeUser(srv, 'buyer'), makeUser(srv, 'buyer'),
  ]);
});
after(async () => { await srv.stop(); });

test('cart: put, shape, fees, errors, remove, clear', async () => {
  const a = await product(seller.token, { name: 'Cart A', price: 12000, stock: 5, images: ['/media/a.jpg'] });
  const b = await product(seller2.token, { name: 'Cart B', price: 30000, stock: 2 });
  const hidden = await product(seller.token, { name: 'Cart H', price: 1, stock: 5, status: 'HIDDEN' });
  const sold = await product(seller.token, { name: 'Cart S', price: 1, stock: 0 });

  let r = await api(srv, 'GET', '/api/v1/cart', { token: buyer.token });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, { lines: [], subtotal: 0, shipping_fee: 0, total: 0 });

  r = await api(srv, 'PUT', `/api/v1/cart/items/${a.id}`, { token: buyer.token, body: { quantity: 2 } });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.lines, [{ product_id: a.id, name: 'Cart A', image_url: '/media/a.jpg', unit_price: 12000, quantity: 2, line_total: 24000, stock: 5, status: 'ON_SALE' }]);
  assert.equal(r.body.subtotal, 24000);
  assert.equal(r.body.shipping_fee, 3000);
  assert.equal(r.body.total, 27000);
  r = await api(srv, 'PUT', `/api/v1/cart/items/${a.id}`, { token: buyer.token, body: { quantity: 1 } });
  assert.equal(r.body.lines[0].quantity, 1, 'PUT sets the quantity');
  r = await api(srv, 'PUT', `/api/v1/cart/items/${b.id}`, { token: buyer.token, body: { quantity: 2 } });
  assert.equal(r.body.subtotal, 72000);
  assert.equal(r.body.shipping_fee, 0, 'free shipping from 50,000 KRW');
  assert.equal(r.body.total, 72000);

  const e1 = await api(srv, 'PUT', `/api/v1/cart/items/${b.id}`, { token: buyer.token, body: { quantity: 3 } });
  assert.equal(e1.status, 409);
  assert.equal(e1.body.error.code, 'OUT_OF_STOCK');
  assert.equal((await api(srv, 'PUT', `/api/v1/cart/items/${sold.id}`, { token: buyer.token, body: { quantity: 1 } })).body.error.code, 'OUT_OF_STOCK');
  assert.equal((await api(srv, 'PUT', `/api/v1/cart/items/${hidden.id}`, { token: buyer.token, body: { quantity: 1 } })).status, 404);
  assert.equal((await api(srv, 'PUT', '/api/v1/cart/items/999999', { token: buyer.token, body: { quantity: 1 } })).status, 404);
  assert.equal((await api(srv, 'PUT', '/api/v1/cart/items/abc', { token: buyer.token, body: { quantity: 1 } })).status, 404);
  for (const body of [{ quantity: 0 }, { quantity: 100 }, { quantity: -1 }, { quantity: 1.5 }, { quantity: '1' }, {}, { quantity: 1, x: 1 }]) {
    assert.equal((await api(srv, 'PUT', `/api/v1/cart/items/${a.id}`, { token: buyer.token, body })).status, 422, JSON.stringify(body));
  }
  assert.equal((await api(srv, 'PUT', `/api/v1/cart/items/${a.id}`, { token: seller.token, body: { quantity: 1 } })).status, 403);
  assert.equal((await api(srv, 'GET', '/api/v1/cart')).status, 401);
  r = await api(srv, 'GET', '/api/v1/cart', { token: buyer.token });
  assert.deepEqual(r.body.lines.map((l) => [l.product_id, l.quantity]), [[a.id, 1], [b.id, 2]], 'failed PUTs changed nothing');
  assert.equal((await api(srv, 'GET', '/api/v1/cart', { token: buyer2.token })).body.lines.length, 0, 'carts are per buyer');

  r = await api(srv, 'DELETE', `/api/v1/cart/items/${a.id}`, { token: buyer.token });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.lines.map((l) => l.product_id), [b.id]);
  r = await api(srv, 'DELETE', '/api/v1/cart', { token: buyer.token });
  assert.equal(r.status, 200);
  assert.equal(r.body.lines.length, 0);
  assert.equal(await stockOf(a.id), 5, 'the cart reserves nothing');
});

test('orders: create, totals, merged lines, order_id, expiry time, stock taken', async () => {
  const a = await product(seller.token, { name: '감귤', price: 10000, stock: 10 });
  const b = await product(seller2.token, { name: '한라봉', price: 5000, stock: 12 });
  const t0 = Date.now();
  const r = await order(buyer, { items: [{ product_id: a.id, quantity: 1 }, { product_id: b.id, quantity: 2 }, { product_id: a.id, quantity: 1 }] });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const o = r.body;
  assert.equal(o.status, 'PENDING_PAYMENT');
  assert.match(o.order_id, /^BC\d{8}-[A-Za-z0-9]{10}$/);
  assert.equal(o.order_id.slice(2, 10), new Date().toISOString().slice(0, 10).replaceAll('-', ''));
  assert.equal(o.lines.length, 2, 'duplicate products merged');
  assert.deepEqual(o.lines.map((l) => [l.product_id, l.quantity, l.unit_price, l.line_total, l.seller_id, l.product_name]),
    [[a.id, 2, 10000, 20000, seller.id, '감귤'], [b.id, 2, 5000, 10000, seller2.id, '한라봉']]);
  assert.equal(o.subtotal, 30000);
  // one fee per seller: each ships their own parcel (20,000 and 10,000 KRW, both under 50,000)
  assert.equal(o.shipping_fee, 6000);
  assert.equal(o.amount, 36000);
  assert.equal(o.order_name, '감귤 외 1건');
  assert.deepEqual(o.shipping_address, ADDR);
  assert.equal(o.payment_key, null);
  assert.equal(o.paid_at, null);
  assert.equal(o.live_id, null);
  const ttl = Date.parse(o.expires_at) - t0;
  assert.ok(ttl > 590000 && ttl < 610000, `expires_at is now + 600 s (${ttl})`);
  assert.equal(typeof o.id, 'number');
  assert.equal(await stockOf(a.id), 8);
  assert.equal(await stockOf(b.id), 10);

  const one = await order(buyer, { items: [{ product_id: b.id, quantity: 10 }] });
  assert.equal(one.status, 201);
  assert.equal(one.body.order_name, '한라봉');
  assert.equal(one.body.shipping_fee, 0);
  assert.equal(await stockOf(b.id), 0);
  const p = (await api(srv, 'GET', `/api/v1/products/${b.id}`)).body;
  assert.equal(p.status, 'SOLD_OUT', 'stock 0 flips the product to SOLD_OUT');

  // own list, newest first
  const list = (await api(srv, 'GET', '/api/v1/orders', { token: buyer.token })).body;
  assert.equal(list.items[0].id, one.body.id);
  assert.equal(list.items[1].id, o.id);
  assert.equal(list.page, 1);
  assert.ok(list.total >= 2);
  assert.equal((await api(srv, 'GET', '/api/v1/orders?per_page=1&page=2', { token: buyer.token })).body.items[0].id, o.id);
  assert.equal((await api(srv, 'GET', '/api/v1/orders?page=0', { token: buyer.token })).status, 422);
});

test('orders: OUT_OF_STOCK and every bad input leave stock and orders unchanged', async () => {
  const a = await product(seller.token, { name: 'Plenty', price: 1000, stock: 10 });
  const b = await product(seller.token, { name: 'Scarce Widget', price: 1000, stock: 1 });
  const hidden = await product(seller.token, { name: 'Hid', price: 1000, stock: 10, status: 'HIDDEN' });
  const big = await product(seller.token, { name: 'Big', price: 100000000, stock: 100 });
  const u = await makeUser(srv, 'buyer');
  const before = await orderCount(u);

  const oos = await order(u, { items: [{ product_id: a.id, quantity: 3 }, { product_id: b.id, quantity: 2 }] });
  assert.equal(oos.status, 409);
  assert.equal(oos.body.error.code, 'OUT_OF_STOCK');
  assert.match(oos.body.error.message, /Scarce Widget/);

  const cases = [
    [{ items: [{ product_id: a.id, quantity: 0 }] }, 422],
    [{ items: [{ product_id: a.id, quantity: -2 }] }, 422],
    [{ items: [{ product_id: a.id, quantity: 1.5 }] }, 422],
    [{ items: [{ product_id: a.id, quantity: '1' }] }, 422],
    [{ items: [{ product_id: a.id, quantity: 1001 }] }, 422],
    [{ items: [{ product_id: a.id, quantity: 600 }, { product_id: a.id, quantity: 600 }] }, 422],
    [{ items: [{ product_id: a.id }] }, 422],
    [{ items: [{ product_id: a.id, quantity: 1, price: 1 }] }, 422],
    [{ items: [{ product_id: 'x', quantity: 1 }] }, 422],
    [{ items: [{ product_id: -1, quantity: 1 }] }, 422],
    [{ items: [5] }, 422],
    [{ items: [] }, 422],
    [{ items: Array.from({ length: 51 }, () => ({ product_id: a.id, quantity: 1 })) }, 422],
    [{}, 422],
    [{ items: [{ product_id: a.id, quantity: 1 }], from_cart: true }, 422],
    [{ from_cart: true }, 422], // empty cart
    [{ items: [{ product_id: a.id, quantity: 1 }], live_id: 987654 }, 422],
    [{ items: [{ product_id: big.id, quantity: 11 }] }, 422], // 1.1e9 KRW
    [{ items: [{ product_id: a.id, quantity: 1 }, { product_id: 999999, quantity: 1 }] }, 404],
    [{ items: [{ product_id: a.id, quantity: 1 }, { product_id: hidden.id, quantity: 1 }] }, 404],
    [{ items: [{ product_id: a.id, quantity: 1 }], amount: 1 }, 422],
  ];
  for (const [body, status] of cases) {
    const r = await order(u, body);
    assert.equal(r.status, status, `${JSON.stringify(body).slice(0, 120)} -> ${r.status} ${JSON.stringify(r.body)}`);
  }
  const total = await order(u, { items: [{ product_id: big.id, quantity: 11 }] });
  assert.equal(total.body.error.code, 'TOTAL_TOO_LARGE');
  const nf = await order(u, { items: [{ product_id: 999999, quantity: 1 }] });
  assert.equal(nf.body.error.code, 'PRODUCT_NOT_FOUND');

  const badAddrs = [
    undefined, null, 'Seoul', {}, { ...ADDR, recipient: '' }, { ...ADDR, recipient: 'x'.repeat(41) },
    { ...ADDR, phone: '010' }, { ...ADDR, phone: '010-abcd-5678' }, { ...ADDR, postcode: '1234' },
    { ...ADDR, postcode: '1234a' }, { ...ADDR, address1: '' }, { ...ADDR, address2: 'x'.repeat(201) },
    { ...ADDR, extra: 1 }, { ...ADDR, phone: 1012345678 },
  ];
  for (const addr of badAddrs) {
    const r = await api(srv, 'POST', '/api/v1/orders', { token: u.token, body: { items: [{ product_id: a.id, quantity: 1 }], shipping_address: addr } });
    assert.equal(r.status, 422, JSON.stringify(addr));
  }
  assert.equal((await api(srv, 'POST', '/api/v1/orders', { token: u.token, raw: '[1,2', headers: { 'content-type': 'application/json' } })).status, 400);
  assert.equal((await api(srv, 'POST', '/api/v1/orders', { token: seller.token, body: { items: [{ product_id: a.id, quantity: 1 }], shipping_address: ADDR } })).status, 403);

  assert.equal(await stockOf(a.id), 10);
  assert.equal(await stockOf(b.id), 1);
  assert.equal(await stockOf(big.id), 100);
  assert.equal(await orderCount(u), before);
  const addr2 = { ...ADDR };
  delete addr2.address2;
  assert.equal((await order(u, { items: [{ product_id: a.id, quantity: 1 }], shipping_address: addr2 })).status, 201, 'address2 is optional');
});

test('orders: from_cart orders the cart and empties it in the same transaction', async () => {
  const a = await product(seller.token, { name: 'FC A', price: 20000, stock: 3 });
  const b = await product(seller.token, { name: 'FC B', price: 40000, stock: 1 });
  const u = await makeUser(srv, 'buyer');
  await api(srv, 'PUT', `/api/v1/cart/items/${a.id}`, { token: u.token, body: { quantity: 2 } });
  await api(srv, 'PUT', `/api/v1/cart/items/${b.id}`, { token: u.token, body: { quantity: 1 } });
  // someone else takes b first: the cart order fails and the cart stays
  assert.equal((await order(buyer2, { items: [{ product_id: b.id, quantity: 1 }] })).status, 201);
  const fail = await order(u, { from_cart: true });
  assert.equal(fail.status, 409);
  assert.match(fail.body.error.message, /FC B/);
  assert.equal((await api(srv, 'GET', '/api/v1/cart', { token: u.token })).body.lines.length, 2, 'a failed order keeps the cart');
  assert.equal(await stockOf(a.id), 3);
  await api(srv, 'DELETE', `/api/v1/cart/items/${b.id}`, { token: u.token });
  const ok = await order(u, { from_cart: true });
  assert.equal(ok.status, 201);
  assert.equal(ok.body.amount, 40000 + 3000);
  assert.equal((await api(srv, 'GET', '/api/v1/cart', { token: u.token })).body.lines.length, 0);
  assert.equal(await stockOf(a.id), 1);
});

test('orders: visibility (buyer, seller of a line, admin; others 404) and seller list', async () => {
  const a = await product(seller.token, { name: 'Vis A', price: 1000, stock: 5 });
  const b = await product(seller2.token, { name: 'Vis B', price: 2000, stock: 5 });
  const only2 = await product(seller2.token, { name: 'Vis C', price: 3000, stock: 5 });
  const o = (await order(buyer, { items: [{ product_id: a.id, quantity: 1 }, { product_id: b.id, quantity: 1 }] })).body;
  const o2 = (await order(buyer, { items: [{ product_id: only2.id, quantity: 1 }] })).body;

  assert.equal((await api(srv, 'GET', `/api/v1/orders/${o.id}`, { token: buyer.token })).status, 200);
  const byKey = await api(srv, 'GET', `/api/v1/orders/${o.order_id}`, { token: buyer.token });
  assert.equal(byKey.status, 200);
  assert.equal(byKey.body.id, o.id);
  const other = await api(srv, 'GET', `/api/v1/orders/${o.id}`, { token: buyer2.token });
  assert.equal(other.status, 404);
  assert.equal((await api(srv, 'GET', `/api/v1/orders/${o.order_id}`, { token: buyer2.token })).status, 404);
  const adm = await api(srv, 'GET', `/api/v1/orders/${o.id}`, { token: admin.token });
  assert.equal(adm.status, 200);
  assert.equal(adm.body.lines.length, 2);
  const s1 = await api(srv, 'GET', `/api/v1/orders/${o.id}`, { token: seller.token });
  assert.equal(s1.status, 200);
  assert.deepEqual(s1.body.lines.map((l) => l.product_id), [a.id], 'a seller sees only their lines');
  assert.equal((await api(srv, 'GET', `/api/v1/orders/${o2.id}`, { token: seller.token })).status, 404, 'not a seller of this order');
  assert.equal((await api(srv, 'GET', '/api/v1/orders/999999', { token: buyer.token })).status, 404);
  assert.equal((await api(srv, 'GET', '/api/v1/orders/nope', { token: buyer.token })).status, 404);

  const so = (await api(srv, 'GET', '/api/v1/seller/orders', { token: seller2.token })).body;
  assert.equal(so.items[0].id, o2.id, 'newest first');
  assert.equal(so.items[1].id, o.id);
  assert.deepEqual(so.items[1].lines.map((l) => l.product_id), [b.id]);
  const so1 = (await api(srv, 'GET', '/api/v1/seller/orders?per_page=100', { token: seller.token })).body;
  assert.ok(so1.items.some((x) => x.id === o.id));
  assert.ok(!so1.items.some((x) => x.id === o2.id));
  assert.ok(so1.items.every((x) => x.lines.every((l) => l.seller_id === seller.id)));
  assert.equal((await api(srv, 'GET', '/api/v1/seller/orders', { token: buyer.token })).status, 403);
});

test('cancel a pending order: restocks; twice -> 409; not yours -> 404', async () => {
  const a = await product(seller.token, { name: 'Cancel A', price: 1000, stock: 2 });
  const o = (await order(buyer, { items: [{ product_id: a.id, quantity: 2 }] })).body;
  assert.equal(await stockOf(a.id), 0);
  assert.equal((await api(srv, 'POST', `/api/v1/orders/${o.id}/cancel`, { token: buyer2.token })).status, 404);
  assert.equal((await api(srv, 'POST', `/api/v1/orders/${o.id}/cancel`, { token: seller.token })).status, 403);
  const c = await api(srv, 'POST', `/api/v1/orders/${o.id}/cancel`, { token: buyer.token });
  assert.equal(c.status, 200);
  assert.equal(c.body.status, 'CANCELED');
  assert.ok(c.body.canceled_at);
  assert.equal(await stockOf(a.id), 2);
  assert.equal((await api(srv, 'GET', `/api/v1/products/${a.id}`)).body.status, 'ON_SALE', 'restock flips SOLD_OUT back');
  const again = await api(srv, 'POST', `/api/v1/orders/${o.id}/cancel`, { token: buyer.token, body: { reason: 'again' } });
  assert.equal(again.status, 409);
  assert.equal(again.body.error.code, 'ORDER_NOT_CANCELABLE');
  assert.equal(await stockOf(a.id), 2, 'no double restock');
  // a canceled order cannot be paid
  const pay = await api(srv, 'POST', '/api/v1/payments/confirm', { token: buyer.token, body: { payment_key: 'tsbx_x', order_id: o.order_id, amount: o.amount } });
  assert.equal(pay.status, 409);
  assert.equal(pay.body.error.code, 'ORDER_NOT_PAYABLE');
});

test('payments: config', async () => {
  const r = await api(srv, 'GET', '/api/v1/payments/config');
  assert.equal(r.status, 200);
  assert.equal(r.body.provider, 'toss');
  assert.equal(r.body.client_key, 'test_ck_broadcart_sandbox');
  assert.equal(r.body.checkout_url, '/sandbox-pg/checkout');
  assert.equal(r.body.mode, 'sandbox');
  assert.equal(r.body.shipping_fee, 3000);
  assert.equal(r.body.free_shipping_over, 50000);
});

test('payments: amount mismatch, decline, confirm, idempotent repeat, other buyer 404', async () => {
  const a = await product(seller.token, { name: 'Pay A', price: 25000, stock: 5 });
  const o = (await order(buyer, { items: [{ product_id: a.id, quantity: 1 }] })).body;
  assert.equal(o.amount, 28000);
  const key = await sandboxPay(o);

  const mm = await api(srv, 'POST', '/api/v1/payments/confirm', { token: buyer.token, body: { payment_key: key, order_id: o.order_id, amount: 100 } });
  assert.equal(mm.status, 400);
  assert.equal(mm.body.error.code, 'AMOUNT_MISMATCH');
  assert.equal((await gatewayGet(key)).body.status, 'IN_PROGRESS', 'nothing was confirmed at the gateway');
  assert.equal((await api(srv, 'GET', `/api/v1/orders/${o.id}`, { token: buyer.token })).body.status, 'PENDING_PAYMENT');

  const other = await api(srv, 'POST', '/api/v1/payments/confirm', { token: buyer2.token, body: { payment_key: key, order_id: o.order_id, amount: o.amount } });
  assert.equal(other.status, 404);
  assert.equal((await api(srv, 'POST', '/api/v1/payments/confirm', { token: buyer.token, body: { payment_key: key, order_id: 'BC20990101-nonexisten', amount: o.amount } })).status, 404);
  for (const body of [{ payment_key: '', order_id: o.order_id, amount: o.amount }, { payment_key: key, order_id: 'abc', amount: o.amount },
    { payment_key: key, order_id: o.order_id }, { payment_key: key, order_id: o.order_id, amount: '28000' }]) {
    assert.equal((await api(srv, 'POST', '/api/v1/payments/confirm', { token: buyer.token, body })).status, 422, JSON.stringify(body));
  }

  const declined = await api(srv, 'POST', '/api/v1/payments/confirm', { token: buyer.token, body: { payment_key: 'tsbx_doesnotexist', order_id: o.order_id, amount: o.amount } });
  assert.equal(declined.status, 402);
  assert.equal(declined.body.error.code, 'PAYMENT_DECLINED');
  assert.ok(declined.body.error.gateway_code);
  assert.equal((await api(srv, 'GET', `/api/v1/orders/${o.id}`, { token: buyer.token })).body.status, 'PENDING_PAYMENT');

  const ok = await api(srv, 'POST', '/api/v1/payments/confirm', { token: buyer.token, body: { payment_key: key, order_id: o.order_id, amount: o.amount } });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal(ok.body.status, 'PAID');
  assert.equal(ok.body.payment_key, key);
  assert.ok(ok.body.paid_at);
  assert.equal((await gatewayGet(key)).body.status, 'DONE');
  const again = await api(srv, 'POST', '/api/v1/payments/confirm', { token: buyer.token, body: { payment_key: key, order_id: o.order_id, amount: o.amount } });
  assert.equal(again.status, 200);
  assert.deepEqual(again.body, ok.body, 'confirming twice gives the same result');
  assert.equal(await stockOf(a.id), 4);
  const otherKey = await api(srv, 'POST', '/api/v1/payments/confirm', { token: buyer.token, body: { payment_key: 'tsbx_another', order_id: o.order_id, amount: o.amount } });
  assert.equal(otherKey.status, 409);
  assert.equal(otherKey.body.error.code, 'ORDER_NOT_PAYABLE');
});

test('payments: cancel after pay refunds at the gateway and restocks', async () => {
  const a = await product(seller.token, { name: 'Refund A', price: 60000, stock: 1 });
  const o = (await order(buyer, { items: [{ product_id: a.id, quantity: 1 }] })).body;
  const key = await sandboxPay(o);
  const ok = await api(srv, 'POST', '/api/v1/payments/confirm', { token: buyer.token, body: { payment_key: key, order_id: o.order_id, amount: o.amount } });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal(await stockOf(a.id), 0);
  const c = await api(srv, 'POST', `/api/v1/orders/${o.id}/cancel`, { token: buyer.token, body: { reason: '단순 변심' } });
  assert.equal(c.status, 200, JSON.stringify(c.body));
  assert.equal(c.body.status, 'CANCELED');
  assert.equal((await gatewayGet(key)).body.status, 'CANCELED');
  assert.equal(await stockOf(a.id), 1);
  assert.equal((await api(srv, 'POST', `/api/v1/orders/${o.id}/cancel`, { token: buyer.token })).status, 409);
});

test('concurrency: 200 buyers race for 20 units', async () => {
  const p = await product(seller.token, { name: 'Limited drop', price: 9900, stock: 20 });
  const tag = `${process.pid}-${Date.now()}`;
  const buyers = await Promise.all(Array.from({ length: 200 }, async (_, i) => {
    const r = await api(srv, 'POST', '/api/v1/auth/signup', { body: { email: `race${i}-${tag}@example.com`, password: 'secret123', name: `racer ${i}` } });
    assert.equal(r.status, 201);
    return { id: r.body.user.id, token: r.body.access_token };
  }));
  const results = await Promise.all(buyers.map((u) => order(u, { items: [{ product_id: p.id, quantity: 1 }] })));
  const created = results.filter((r) => r.status === 201);
  const refused = results.filter((r) => r.status === 409);
  assert.equal(created.length, 20, `statuses: ${JSON.stringify(results.map((r) => r.status))}`);
  assert.equal(refused.length, 180);
  assert.ok(refused.every((r) => r.body.error.code === 'OUT_OF_STOCK'));
  assert.equal(await stockOf(p.id), 0);
  const counts = await Promise.all(buyers.map((u) => orderCount(u)));
  assert.equal(counts.reduce((a, b) => a + b, 0), 20);
  const so = (await api(srv, 'GET', '/api/v1/seller/orders?per_page=100', { token: seller.token })).body.items;
  assert.equal(so.filter((o) => o.lines.some((l) => l.product_id === p.id)).length, 20);
});

test('expiry: unpaid orders expire after BROADCART_ORDER_TTL and restock', async () => {
  const s = await startServer({ env: { BROADCART_ORDER_TTL: '5' } });
  try {
    const [sl, by] = [await makeUser(s, 'seller'), await makeUser(s, 'buyer')];
    const r0 = await api(s, 'POST', '/api/v1/products', { token: sl.token, body: { name: 'Exp', price: 1000, stock: 3 } });
    const pid = r0.body.id;
    const mk = () => api(s, 'POST', '/api/v1/orders', { token: by.token, body: { items: [{ product_id: pid, quantity: 3 }], shipping_address: ADDR } });
    const o = (await mk()).body;
    assert.equal(o.status, 'PENDING_PAYMENT');
    const ttl = Date.parse(o.expires_at) - Date.parse(o.created_at);
    assert.equal(ttl, 5000);
    const stock = async () => (await api(s, 'GET', `/api/v1/products/${pid}`, { token: sl.token })).body;
    assert.equal((await stock()).stock, 0);
    assert.equal((await stock()).status, 'SOLD_OUT');
    const key = await sandboxPay(o, s);
    await new Promise((r) => setTimeout(r, 7500));
    const got = (await api(s, 'GET', `/api/v1/orders/${o.id}`, { token: by.token })).body;
    assert.equal(got.status, 'EXPIRED');
    assert.equal((await stock()).stock, 3);
    assert.equal((await stock()).status, 'ON_SALE');
    const late = await api(s, 'POST', '/api/v1/payments/confirm', { token: by.token, body: { payment_key: key, order_id: o.order_id, amount: o.amount } });
    assert.equal(late.status, 409);
    assert.equal(late.body.error.code, 'ORDER_EXPIRED');
    assert.equal((await gatewayGet(key, s)).body.status, 'IN_PROGRESS', 'an expired order is never charged');
    assert.equal((await api(s, 'POST', `/api/v1/orders/${o.id}/cancel`, { token: by.token })).status, 409);
    // the restocked units can be ordered again
    assert.equal((await mk()).status, 201);
  } finally {
    await s.stop();
  }
});
