// Catalog filters of GET /api/v1/products: seller_id (the store page), a price range, hide_sold_out,
// with every sort, the category and the search text; and the list cache staying exact: a stock
// change to 0 (SOLD_OUT) leaves a hide_sold_out list at once and a restock brings it back, a price
// change moves a product across a price bound at once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, makeUser } from './lib.mjs';

let srv, seller, other, admin, cat;
const made = {};
const names = (r) => r.body.items.map((p) => p.name);
const list = async (q) => {
  const r = await api(srv, 'GET', `/api/v1/products?${q}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r;
};

before(async () => {
  srv = await startServer();
  [seller, other, admin] = await Promise.all([makeUser(srv, 'seller', 'Filter Shop'), makeUser(srv, 'seller'), makeUser(srv, 'admin')]);
  cat = (await api(srv, 'POST', '/api/v1/categories', { token: admin.token, body: { name: 'Teas', slug: 'filter-teas' } })).body.id;
  // created oldest first: Cedar (cheapest) … Elm (dearest); Birch sold out
  for (const [name, price, stock, withCat] of [['Cedar', 3000, 4, true], ['Aspen', 12000, 2, false], ['Birch', 8000, 0, true],
    ['Dogwood', 20000, 7, true], ['Elm', 45000, 1, false]]) {
    const r = await api(srv, 'POST', '/api/v1/products', {
      token: seller.token, body: { name, price, stock, description: `${name} green tea`, ...(withCat ? { category_id: cat } : {}) },
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    made[name] = r.body;
  }
  await api(srv, 'POST', '/api/v1/products', { token: other.token, body: { name: 'Foreign tea', price: 9000, stock: 3, category_id: cat } });
});
after(async () => { if (srv) await srv.stop(); });

test('seller_id lists one seller\'s products only, with the total', async () => {
  const r = await list(`seller_id=${seller.id}`);
  assert.deepEqual(names(r), ['Elm', 'Dogwood', 'Birch', 'Aspen', 'Cedar'], 'newest first');
  assert.equal(r.body.total, 5);
  assert.ok(r.body.items.every((p) => p.seller_id === seller.id));
  assert.equal((await list(`seller_id=${other.id}`)).body.total, 1);
  assert.equal((await list('seller_id=99999999')).body.total, 0);
  assert.deepEqual(names(await list(`seller_id=${seller.id}&per_page=2&page=2`)), ['Birch', 'Aspen']);
});

test('a price range, hide_sold_out and every sort', async () => {
  const s = `seller_id=${seller.id}`;
  assert.deepEqual(names(await list(`${s}&min_price=8000&max_price=20000&sort=price_asc`)), ['Birch', 'Aspen', 'Dogwood'], 'bounds included');
  assert.deepEqual(names(await list(`${s}&min_price=10000&sort=price_desc`)), ['Elm', 'Dogwood', 'Aspen']);
  assert.deepEqual(names(await list(`${s}&max_price=9000&sort=name`)), ['Birch', 'Cedar']);
  assert.equal((await list(`${s}&max_price=9000`)).body.total, 2);
  assert.deepEqual(names(await list(`${s}&hide_sold_out=true&sort=name`)), ['Aspen', 'Cedar', 'Dogwood', 'Elm']);
  assert.deepEqual(names(await list(`${s}&hide_sold_out=false&sort=name`)), ['Aspen', 'Birch', 'Cedar', 'Dogwood', 'Elm']);
  assert.deepEqual(names(await list(`${s}&hide_sold_out=true&min_price=5000&max_price=30000&sort=price_asc`)), ['Aspen', 'Dogwood']);
  assert.deepEqual(names(await list(`${s}&hide_sold_out=true&sort=newest`)), ['Elm', 'Dogwood', 'Aspen', 'Cedar']);
  assert.equal((await list(`${s}&hide_sold_out=true`)).body.total, 4);
  // with the category and the search text (both search paths: 1-2 characters and 3+)
  assert.deepEqual(names(await list(`category_id=${cat}&hide_sold_out=true&sort=price_asc`)), ['Cedar', 'Foreign tea', 'Dogwood']);
  assert.deepEqual(names(await list(`category_id=${cat}&seller_id=${seller.id}&max_price=10000&sort=price_desc`)), ['Birch', 'Cedar']);
  assert.deepEqual(names(await list(`q=green&${s}&hide_sold_out=true&min_price=10000&sort=price_asc`)), ['Aspen', 'Dogwood', 'Elm']);
  assert.deepEqual(names(await list(`q=El&${s}&max_price=50000`)), ['Elm']);
  assert.equal((await list(`q=green&${s}&max_price=9000`)).body.total, 2);
  // bounds
  for (const q of ['min_price=-1', 'max_price=100000001', 'hide_sold_out=maybe', 'seller_id=0']) {
    const r = await api(srv, 'GET', `/api/v1/products?${q}`);
    assert.equal(r.status, 422, q);
    assert.equal(r.body.error.code, 'VALIDATION_FAILED', q);
  }
});

test('the cache: a stock change to 0 leaves hide_sold_out lists at once, a restock brings it back', async () => {
  const q = `seller_id=${seller.id}&hide_sold_out=true&sort=price_asc`;
  const total = `seller_id=${seller.id}&hide_sold_out=true&min_price=1`;
  const other_ = `seller_id=${seller.id}&sort=price_asc`;
  const patch = async (p, body) => {
    const r = await api(srv, 'PATCH', `/api/v1/products/${p.id}`, { token: seller.token, body });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  };
  for (let i = 0; i < 3; i++) { await list(q); await list(total); await list(other_); } // cached now (loop and workers)
  assert.deepEqual(names(await list(q)), ['Cedar', 'Aspen', 'Dogwood', 'Elm']);
  await patch(made.Aspen, { stock: 0 });
  assert.deepEqual(names(await list(q)), ['Cedar', 'Dogwood', 'Elm'], 'sold out: gone at once');
  assert.equal((await list(total)).body.total, 3, 'the total too');
  const all = await list(other_);
  assert.equal(all.body.items.find((p) => p.name === 'Aspen').status, 'SOLD_OUT', 'still listed without the filter, as SOLD_OUT');
  await patch(made.Aspen, { stock: 6 });
  assert.deepEqual(names(await list(q)), ['Cedar', 'Aspen', 'Dogwood', 'Elm'], 'back on sale: back at once');
  assert.equal((await list(total)).body.total, 4);
  await patch(made.Birch, { stock: 2 });
  assert.deepEqual(names(await list(q)), ['Cedar', 'Birch', 'Aspen', 'Dogwood', 'Elm']);
  // a price change across a bound
  const range = `seller_id=${seller.id}&max_price=10000&sort=price_asc`;
  await list(range);
  assert.deepEqual(names(await list(range)), ['Cedar', 'Birch']);
  await patch(made.Elm, { price: 9500 });
  assert.deepEqual(names(await list(range)), ['Cedar', 'Birch', 'Elm']);
  // many readers while it sells out: every answer after the change is exact
  await patch(made.Cedar, { stock: 0 });
  const after_ = await Promise.all(Array.from({ length: 20 }, () => list(q)));
  for (const r of after_) assert.ok(!names(r).includes('Cedar'));
});
