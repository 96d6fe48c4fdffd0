// The store on whichever backend this run uses (BROADCART_TEST_DATABASE): migrations recorded and
// idempotent through `broadcart migrate`, 64-bit integers for money and UTC-ms times, and the
// cart's count-then-upsert running as one transaction under concurrent PUTs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, makeUser, cli, sql, DB_BACKEND } from './lib.mjs';

let srv, seller, buyer;
before(async () => {
  srv = await startServer();
  seller = await makeUser(srv, 'seller');
  buyer = await makeUser(srv, 'buyer');
});
after(async () => { await srv?.stop(); });

test(`migrations are recorded once each and broadcart migrate is idempotent (${DB_BACKEND})`, () => {
  const versions = () => sql(srv, 'SELECT version FROM schema_migrations ORDER BY version').trim().split('\n').map(Number);
  const before = versions();
  assert.ok(before.length >= 6, `versions: ${before}`);
  assert.deepEqual(before, before.map((_, i) => i + 1));
  cli(srv, ['migrate']);
  cli(srv, ['migrate']);
  assert.deepEqual(versions(), before);
});

test(`money and UTC-ms times (above 2^31) round-trip unchanged (${DB_BACKEND})`, async () => {
  let r = await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: '큰 금액', price: 99000000, stock: 100 } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const id = r.body.id;
  const t = Date.parse(r.body.created_at);
  assert.ok(t > 2 ** 31 && Math.abs(t - Date.now()) < 60000, r.body.created_at);
  // an order of 10 x 99,000,000 KRW (the largest total an order may have is 1e9 KRW)
  r = await api(srv, 'POST', '/api/v1/orders', { token: buyer.token, body: {
    items: [{ product_id: id, quantity: 10 }],
    shipping_address: { recipient: '김철수', phone: '010-1234-5678', postcode: '06236', address1: '서울 강남구 테헤란로 1', address2: '' } } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.amount, 990000000);
  // UTC-ms times are far above 2^31 - 1: stored as 64-bit integers, exactly
  const [amount, created, expires] = sql(srv, `SELECT amount, created_at, expires_at FROM orders WHERE order_id = '${r.body.order_id}'`)
    .trim().split('|').map(Number);
  assert.equal(amount, 990000000);
  assert.equal(created, Date.parse(r.body.created_at));
  assert.equal(expires, Date.parse(r.body.expires_at));
  assert.ok(created > 2 ** 31);
});

test(`concurrent cart PUTs never pass the 50-line limit (${DB_BACKEND})`, async () => {
  const ids = [];
  for (let i = 0; i < 70; i++) {
    const r = await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: `줄 ${i}`, price: 1000, stock: 10 } });
    assert.equal(r.status, 201);
    ids.push(r.body.id);
  }
  for (const id of ids.slice(0, 45)) {
    assert.equal((await api(srv, 'PUT', `/api/v1/cart/items/${id}`, { token: buyer.token, body: { quantity: 1 } })).status, 200);
  }
  // 25 different products at once for the last 5 places
  const rs = await Promise.all(ids.slice(45).map((id) =>
    api(srv, 'PUT', `/api/v1/cart/items/${id}`, { token: buyer.token, body: { quantity: 1 } })));
  const ok = rs.filter((r) => r.status === 200).length;
  for (const r of rs) assert.ok(r.status === 200 || (r.status === 422 && r.body.error.code === 'CART_FULL'), JSON.stringify(r.body));
  const cart = await api(srv, 'GET', '/api/v1/cart', { token: buyer.token });
  assert.equal(cart.body.lines.length, 50);
  assert.equal(ok, 5);
});
