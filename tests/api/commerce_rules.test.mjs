// Commerce rules from the input-hygiene review: a product cannot cost 0 KRW (an order of 0 KRW
// can never be paid: the gateway refuses amount 0), an order placed from a live must only hold
// products that live carries. Every refusal leaves stock, orders and the cart exactly as they were.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, makeUser, sql } from './lib.mjs';

let srv, admin, seller, seller2, buyer;
const ADDR = { recipient: '김민지', phone: '010-2222-3333', postcode: '04524', address1: '서울 중구 세종대로 110' };

async function product(token, body) {
  const r = await api(srv, 'POST', '/api/v1/products', { token, body });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}
const getProduct = async (id) => (await api(srv, 'GET', `/api/v1/products/${id}`, { token: admin.token })).body;
const orderCount = async (u) => (await api(srv, 'GET', '/api/v1/orders', { token: u.token })).body.total;
const order = (u, body) => api(srv, 'POST', '/api/v1/orders', { token: u.token, body: { shipping_address: ADDR, ...body } });
async function live(token, productIds) {
  const r = await api(srv, 'POST', '/api/v1/lives', {
    token, body: { title: 'Rules live', scheduled_at: '2026-12-24T11:00:00Z', product_ids: productIds },
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.id;
}

before(async () => {
  srv = await startServer();
  [admin, seller, seller2, buyer] = await Promise.all([
    makeUser(srv, 'admin'), makeUser(srv, 'seller', 'Rule Shop'), makeUser(srv, 'seller', 'Other Shop'),
    makeUser(srv, 'buyer'),
  ]);
});
after(async () => { await srv.stop(); });

test('price 0 is refused on create and update with PRICE_TOO_LOW; nothing changes', async () => {
  const count = async () => (await api(srv, 'GET', '/api/v1/seller/products?per_page=100', { token: seller.token })).body.total;
  const n0 = await count();
  let r = await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: '무료 샘플', price: 0, stock: 10 } });
  assert.equal(r.status, 422, JSON.stringify(r.body));
  assert.equal(r.body.error.code, 'PRICE_TOO_LOW');
  assert.match(r.body.error.message, /price/);
  assert.equal(await count(), n0, 'no product created');

  const p = await product(seller.token, { name: '샘플 키트', price: 1000, stock: 10 });
  r = await api(srv, 'PATCH', `/api/v1/products/${p.id}`, { token: seller.token, body: { price: 0, stock: 3, name: 'renamed' } });
  assert.equal(r.status, 422, JSON.stringify(r.body));
  assert.equal(r.body.error.code, 'PRICE_TOO_LOW');
  const after = await getProduct(p.id);
  assert.deepEqual([after.price, after.stock, after.name], [1000, 10, '샘플 키트'], 'the refused update changed nothing');

  // 1 KRW is the least a product may cost
  r = await api(srv, 'PATCH', `/api/v1/products/${p.id}`, { token: seller.token, body: { price: 1 } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.price, 1);
  assert.equal((await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: '1원 딜', price: 1, stock: 1 } })).status, 201);
});

test('a product left at price 0 from before: an order of only such items is refused (ORDER_AMOUNT_ZERO), stock and cart unchanged', async () => {
  const free = await product(seller.token, { name: '사은품 파우치', price: 500, stock: 5 });
  const paid = await product(seller.token, { name: '립밤', price: 8000, stock: 5 });
  // as a database written before the rule holds it
  sql(srv, `UPDATE products SET price = 0 WHERE id = ${free.id}`);
  assert.equal((await getProduct(free.id)).price, 0);
  const n0 = await orderCount(buyer);

  let r = await order(buyer, { items: [{ product_id: free.id, quantity: 2 }] });
  assert.equal(r.status, 422, JSON.stringify(r.body));
  assert.equal(r.body.error.code, 'ORDER_AMOUNT_ZERO');
  // from the cart: refused too, and the cart keeps its line
  assert.equal((await api(srv, 'PUT', `/api/v1/cart/items/${free.id}`, { token: buyer.token, body: { quantity: 1 } })).status, 200);
  r = await order(buyer, { from_cart: true });
  assert.equal(r.status, 422, JSON.stringify(r.body));
  assert.equal(r.body.error.code, 'ORDER_AMOUNT_ZERO');
  const cart = (await api(srv, 'GET', '/api/v1/cart', { token: buyer.token })).body;
  assert.deepEqual(cart.lines.map((l) => [l.product_id, l.quantity]), [[free.id, 1]]);
  assert.equal((await getProduct(free.id)).stock, 5);
  assert.equal(await orderCount(buyer), n0);

  // with a paid item the free one rides along and the order can be paid (amount > 0)
  r = await order(buyer, { items: [{ product_id: free.id, quantity: 1 }, { product_id: paid.id, quantity: 1 }] });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.subtotal, 8000);
  assert.equal(r.body.amount, 8000 + r.body.shipping_fee);
  assert.ok(r.body.amount > 0);
  assert.equal((await getProduct(free.id)).stock, 4);
  assert.equal((await getProduct(paid.id)).stock, 4);
  assert.equal(await orderCount(buyer), n0 + 1);
  await api(srv, 'DELETE', '/api/v1/cart', { token: buyer.token });
});

test('live_id must be a live that carries every ordered product (LIVE_PRODUCT_MISMATCH); nothing changes', async () => {
  const onAir = await product(seller.token, { name: '방송 상품', price: 12000, stock: 6 });
  const offAir = await product(seller.token, { name: '방송 밖 상품', price: 7000, stock: 6 });
  const foreign = await product(seller2.token, { name: '다른 가게 상품', price: 9000, stock: 6 });
  const liveId = await live(seller.token, [onAir.id]);
  const n0 = await orderCount(buyer);
  const stocks = async () => Promise.all([onAir, offAir, foreign].map(async (p) => (await getProduct(p.id)).stock));

  const refused = [
    [{ items: [{ product_id: offAir.id, quantity: 1 }], live_id: liveId }, offAir.id],
    [{ items: [{ product_id: onAir.id, quantity: 1 }, { product_id: offAir.id, quantity: 1 }], live_id: liveId }, offAir.id],
    [{ items: [{ product_id: foreign.id, quantity: 1 }, { product_id: onAir.id, quantity: 2 }], live_id: liveId }, foreign.id],
  ];
  for (const [body, pid] of refused) {
    const r = await order(buyer, body);
    assert.equal(r.status, 422, `${JSON.stringify(body)} -> ${r.status} ${JSON.stringify(r.body)}`);
    assert.equal(r.body.error.code, 'LIVE_PRODUCT_MISMATCH');
    assert.equal(r.body.error.product_id, pid);
    assert.equal(typeof r.body.error.message, 'string');
  }
  // from the cart: refused, cart kept
  for (const p of [onAir, offAir]) {
    assert.equal((await api(srv, 'PUT', `/api/v1/cart/items/${p.id}`, { token: buyer.token, body: { quantity: 1 } })).status, 200);
  }
  let r = await order(buyer, { from_cart: true, live_id: liveId });
  assert.equal(r.status, 422, JSON.stringify(r.body));
  assert.equal(r.body.error.code, 'LIVE_PRODUCT_MISMATCH');
  assert.equal((await api(srv, 'GET', '/api/v1/cart', { token: buyer.token })).body.lines.length, 2);
  // an unknown live keeps its own code
  r = await order(buyer, { items: [{ product_id: onAir.id, quantity: 1 }], live_id: 987654 });
  assert.equal(r.status, 422);
  assert.equal(r.body.error.code, 'LIVE_NOT_FOUND');
  assert.deepEqual(await stocks(), [6, 6, 6], 'no stock taken');
  assert.equal(await orderCount(buyer), n0, 'no order created');

  // the live's own product: accepted and attributed
  r = await order(buyer, { items: [{ product_id: onAir.id, quantity: 2 }], live_id: liveId });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.live_id, liveId);
  // pinning a product of the seller adds it to the live: then it can be ordered from the live
  assert.equal((await api(srv, 'POST', `/api/v1/lives/${liveId}/pin`, { token: seller.token, body: { product_id: offAir.id } })).status, 200);
  r = await order(buyer, { items: [{ product_id: offAir.id, quantity: 1 }], live_id: liveId });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.deepEqual(await stocks(), [4, 5, 6]);
  assert.equal(await orderCount(buyer), n0 + 2);
  await api(srv, 'DELETE', '/api/v1/cart', { token: buyer.token });
});

test('shipping addresses refuse control and bidi-override characters; nothing changes', async () => {
  const p = await product(seller.token, { name: '주소 테스트', price: 3000, stock: 4 });
  const n0 = await orderCount(buyer);
  const bad = [
    { recipient: '홍길동\u202e' }, { recipient: 'a\u0007\u001b[31m' }, { address1: '서울\r\nInjected: 1' },
    { address1: '서울 \u2066x\u2069' }, { address2: '101호\u0085' }, { address2: 'tab\there' },
  ];
  for (const patch of bad) {
    const r = await order(buyer, { items: [{ product_id: p.id, quantity: 1 }], shipping_address: { ...ADDR, ...patch } });
    assert.equal(r.status, 422, `${JSON.stringify(patch)} -> ${r.status} ${JSON.stringify(r.body)}`);
    assert.equal(r.body.error.code, 'VALIDATION_FAILED');
    assert.match(r.body.error.message, /'shipping_address\.\w+' must not contain control, bidi-control or line-separator characters/);
  }
  assert.equal((await getProduct(p.id)).stock, 4);
  assert.equal(await orderCount(buyer), n0);
  // what people really write passes
  const r = await order(buyer, { items: [{ product_id: p.id, quantity: 1 }], shipping_address: { ...ADDR, address2: '3층 (우측 문) 🙂' } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.shipping_address.address2, '3층 (우측 문) 🙂');
});

test('a full cart (50 lines) shows every line with its product facts and totals; a deleted product leaves it, a hidden one stays as HIDDEN', async () => {
  const u = await makeUser(srv, 'buyer');
  const made = [];
  for (let i = 0; i < 50; i++) made.push(await product(seller.token, { name: `카트 상품 ${i}`, price: 1000 + i, stock: 5 }));
  for (const p of made) {
    const r = await api(srv, 'PUT', `/api/v1/cart/items/${p.id}`, { token: u.token, body: { quantity: 2 } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  }
  let cart = (await api(srv, 'GET', '/api/v1/cart', { token: u.token })).body;
  assert.equal(cart.lines.length, 50);
  assert.deepEqual(cart.lines.map((l) => l.product_id), made.map((p) => p.id).sort((a, b) => a - b));
  for (const l of cart.lines) {
    const p = made.find((x) => x.id === l.product_id);
    assert.deepEqual([l.name, l.unit_price, l.quantity, l.line_total, l.stock, l.status], [p.name, p.price, 2, p.price * 2, 5, 'ON_SALE']);
  }
  assert.equal(cart.subtotal, made.reduce((s, p) => s + p.price * 2, 0));
  assert.equal(cart.total, cart.subtotal + cart.shipping_fee);
  // hide one, delete another
  let r = await api(srv, 'PATCH', `/api/v1/products/${made[3].id}`, { token: seller.token, body: { status: 'HIDDEN' } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  r = await api(srv, 'DELETE', `/api/v1/products/${made[7].id}`, { token: seller.token });
  assert.ok(r.status === 204 || r.status === 200, JSON.stringify(r.body));
  cart = (await api(srv, 'GET', '/api/v1/cart', { token: u.token })).body;
  assert.equal(cart.lines.length, 49);
  assert.ok(!cart.lines.some((l) => l.product_id === made[7].id));
  assert.equal(cart.lines.find((l) => l.product_id === made[3].id).status, 'HIDDEN');
});
