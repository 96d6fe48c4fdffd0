// Wishlist (찜): PUT/DELETE /products/{id}/wish are idempotent and the product's wish_count
// (kept in products.wish_count by the same transaction) is exact under 30 parallel wishes from
// different users and repeated wishes from one; the product JSON (one product, lists) carries
// wish_count and, signed in, wished; my wishlist and its ids.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, makeUser, sql } from './lib.mjs';

let srv, seller, buyer;
let p, hiddenP;

async function product(token, body) {
  const r = await api(srv, 'POST', '/api/v1/products', { token, body });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}
const wish = (u, id, on = true) => api(srv, on ? 'PUT' : 'DELETE', `/api/v1/products/${id}/wish`, { token: u && u.token });
const rows = (id) => Number(sql(srv, `SELECT count(*) FROM product_wishes WHERE product_id = ${id}`).trim());

before(async () => {
  srv = await startServer();
  [seller, buyer] = await Promise.all([makeUser(srv, 'seller', '찜상점'), makeUser(srv, 'buyer')]);
  p = await product(seller.token, { name: '찜 많이 받을 상품', price: 3000, stock: 10 });
  hiddenP = await product(seller.token, { name: '숨긴 상품', price: 3000, stock: 10, status: 'HIDDEN' });
});
after(async () => { await srv.stop(); });

test('a new product has wish_count 0; anonymous callers cannot wish', async () => {
  assert.equal(p.wish_count, 0);
  const g = await api(srv, 'GET', `/api/v1/products/${p.id}`);
  assert.equal(g.body.wish_count, 0);
  assert.equal('wished' in g.body, false);
  assert.equal((await wish(null, p.id)).status, 401);
  assert.equal((await wish(buyer, 99999999)).status, 404);
  const h = await wish(buyer, hiddenP.id);
  assert.equal(h.status, 404);
  assert.equal(h.body.error.code, 'PRODUCT_NOT_FOUND');
  assert.equal(rows(hiddenP.id), 0);
});

test('30 parallel wishes from different users: the count is exact; repeats change nothing', async () => {
  const users = await Promise.all(Array.from({ length: 30 }, () => makeUser(srv, 'buyer')));
  const rs = await Promise.all(users.map((u) => wish(u, p.id)));
  for (const r of rs) {
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.wished, true);
  }
  assert.equal(Math.max(...rs.map((r) => r.body.wish_count)), 30);
  assert.equal(rows(p.id), 30);
  // the same users again, and one user ten times at once: idempotent
  const again = await Promise.all([...users.map((u) => wish(u, p.id)), ...Array.from({ length: 10 }, () => wish(buyer, p.id))]);
  assert.ok(again.every((r) => r.status === 200));
  assert.equal(rows(p.id), 31);
  const g = await api(srv, 'GET', `/api/v1/products/${p.id}`);
  assert.equal(g.body.wish_count, 31, 'the cached product follows the count');
  // lists carry it too
  const list = await api(srv, 'GET', `/api/v1/products?q=${encodeURIComponent('찜 많이')}`);
  assert.equal(list.body.items.find((x) => x.id === p.id).wish_count, 31);
  const l2 = await api(srv, 'GET', '/api/v1/products?per_page=20');
  assert.equal(l2.body.items.find((x) => x.id === p.id).wish_count, 31);
  // 30 parallel unwishes
  const un = await Promise.all(users.map((u) => wish(u, p.id, false)));
  assert.ok(un.every((r) => r.status === 200 && r.body.wished === false));
  const un2 = await Promise.all(users.slice(0, 5).map((u) => wish(u, p.id, false)));
  assert.ok(un2.every((r) => r.status === 200 && r.body.wish_count === 1));
  assert.equal((await api(srv, 'GET', `/api/v1/products/${p.id}`)).body.wish_count, 1);
  assert.equal(Number(sql(srv, `SELECT wish_count FROM products WHERE id = ${p.id}`).trim()), rows(p.id));
});

test('signed in, the product says whether I wished it; my wishlist and its ids', async () => {
  const other = await product(seller.token, { name: '두 번째 찜', price: 5000, stock: 1 });
  const u = await makeUser(srv, 'buyer');
  assert.equal((await api(srv, 'GET', `/api/v1/products/${p.id}`, { token: u.token })).body.wished, false);
  await wish(u, p.id);
  await new Promise((r) => setTimeout(r, 5));
  await wish(u, other.id);
  assert.equal((await api(srv, 'GET', `/api/v1/products/${p.id}`, { token: u.token })).body.wished, true);
  assert.equal((await api(srv, 'GET', `/api/v1/products/${p.id}`, { token: buyer.token })).body.wished, true);
  assert.equal((await api(srv, 'GET', `/api/v1/products/${p.id}`, { token: seller.token })).body.wished, false);
  const wl = (await api(srv, 'GET', '/api/v1/me/wishlist', { token: u.token })).body;
  assert.equal(wl.total, 2);
  assert.deepEqual(wl.items.map((x) => x.id), [other.id, p.id]);
  assert.equal(wl.items[0].wished, true);
  assert.match(wl.items[0].wished_at, /^\d{4}-\d\d-\d\dT/);
  assert.equal(wl.items[0].name, '두 번째 찜');
  assert.deepEqual((await api(srv, 'GET', '/api/v1/me/wishlist/ids', { token: u.token })).body.ids, [other.id, p.id]);
  const page2 = (await api(srv, 'GET', '/api/v1/me/wishlist?per_page=1&page=2', { token: u.token })).body;
  assert.deepEqual(page2.items.map((x) => x.id), [p.id]);
  assert.equal((await api(srv, 'GET', '/api/v1/me/wishlist?per_page=101', { token: u.token })).status, 422);
  // a product hidden later leaves the list but can still be taken off it
  await api(srv, 'PATCH', `/api/v1/products/${other.id}`, { token: seller.token, body: { status: 'HIDDEN' } });
  assert.equal((await api(srv, 'GET', '/api/v1/me/wishlist', { token: u.token })).body.total, 1);
  const off = await wish(u, other.id, false);
  assert.equal(off.status, 200);
  assert.equal(off.body.wish_count, 0);
  assert.deepEqual((await api(srv, 'GET', '/api/v1/me/wishlist/ids', { token: u.token })).body.ids, [p.id]);
});
