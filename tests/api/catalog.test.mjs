// Catalog: categories, product CRUD and its ownership rules, listing (paging, sort, search,
// filters) and validation. Black-box against the real binary.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, makeUser, sql, DB_BACKEND } from './lib.mjs';

let srv, admin, seller, seller2, buyer;
let catFood, catFruit, catTools;

async function product(token, body, expect = 201) {
  const r = await api(srv, 'POST', '/api/v1/products', { token, body });
  assert.equal(r.status, expect, JSON.stringify(r.body));
  return r.body;
}

before(async () => {
  srv = await startServer();
  [admin, seller, seller2, buyer] = await Promise.all([
    makeUser(srv, 'admin'), makeUser(srv, 'seller', 'Seller One'), makeUser(srv, 'seller', 'Seller Two'), makeUser(srv, 'buyer'),
  ]);
  catFood = (await api(srv, 'POST', '/api/v1/categories', { token: admin.token, body: { name: '식품', slug: 'food', position: 1 } })).body;
  catFruit = (await api(srv, 'POST', '/api/v1/categories', { token: admin.token, body: { name: '과일', slug: 'fruit', parent_id: catFood.id } })).body;
  catTools = (await api(srv, 'POST', '/api/v1/categories', { token: admin.token, body: { name: '공구', slug: 'tools', position: 2 } })).body;
});
after(async () => { await srv.stop(); });

test('categories: tree, admin-only creation, validation', async () => {
  const r = await api(srv, 'GET', '/api/v1/categories');
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.map((c) => c.slug), ['food', 'tools']);
  assert.deepEqual(r.body[0].children.map((c) => c.slug), ['fruit']);
  assert.deepEqual(r.body[0].children[0].children, []);
  assert.equal((await api(srv, 'POST', '/api/v1/categories', { token: seller.token, body: { name: 'x', slug: 'x' } })).status, 403);
  assert.equal((await api(srv, 'POST', '/api/v1/categories', { token: admin.token, body: { name: 'x', slug: 'food' } })).status, 409);
  assert.equal((await api(srv, 'POST', '/api/v1/categories', { token: admin.token, body: { name: 'x', slug: 'Bad Slug' } })).status, 422);
  assert.equal((await api(srv, 'POST', '/api/v1/categories', { token: admin.token, body: { name: 'x', slug: 'orphan', parent_id: 99999 } })).status, 422);
  assert.equal((await api(srv, 'GET', '/api/v1/categories')).body.length, 2);
});

test('create product: shape, roles, validation changes nothing', async () => {
  const p = await product(seller.token, {
    name: '제주 감귤 5kg', description: '달아요', price: 19900, stock: 10, category_id: catFruit.id,
    images: ['/media/a.jpg', '/media/uploads/b.png'],
  });
  assert.equal(p.name, '제주 감귤 5kg');
  assert.equal(p.seller_id, seller.id);
  assert.equal(p.seller_name, 'Seller One');
  assert.equal(p.category_id, catFruit.id);
  assert.equal(p.category_name, '과일');
  assert.equal(p.price, 19900);
  assert.equal(p.stock, 10);
  assert.equal(p.status, 'ON_SALE');
  assert.equal(p.image_url, '/media/a.jpg');
  assert.deepEqual(p.images, ['/media/a.jpg', '/media/uploads/b.png']);
  assert.match(p.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.ok(p.updated_at);

  // defaults with the least a product may have (price 0 is refused, see commerce_rules.test.mjs)
  const zero = await product(seller.token, { name: 'Empty', price: 1, stock: 0 });
  assert.equal(zero.status, 'SOLD_OUT');
  assert.equal(zero.image_url, null);
  assert.deepEqual(zero.images, []);
  assert.equal(zero.category_id, null);
  assert.equal(zero.description, '');

  // roles
  assert.equal((await api(srv, 'POST', '/api/v1/products', { token: buyer.token, body: { name: 'x', price: 1, stock: 1 } })).status, 403);
  assert.equal((await api(srv, 'POST', '/api/v1/products', { body: { name: 'x', price: 1, stock: 1 } })).status, 401);

  const before = (await api(srv, 'GET', '/api/v1/seller/products?per_page=100', { token: seller.token })).body.total;
  const bad = [
    {},
    { name: 'x', price: -1, stock: 1 },
    { name: 'x', price: 100000001, stock: 1 },
    { name: 'x', price: 1, stock: -1 },
    { name: 'x', price: 1, stock: 1000001 },
    { name: 'x', price: 1.5, stock: 1 },
    { name: 'x', price: '100', stock: 1 },
    { name: '', price: 1, stock: 1 },
    { name: '   ', price: 1, stock: 1 },
    { name: 'x'.repeat(101), price: 1, stock: 1 },
    { name: 'x', price: 1, stock: 1, status: 'GONE' },
    { name: 'x', price: 1, stock: 1, category_id: 99999 },
    { name: 'x', price: 1, stock: 1, category_id: -3 },
    { name: 'x', price: 1, stock: 1, images: ['javascript:alert(1)'] },
    // only this server's /media paths: no external URLs (mixed content, tracking)
    { name: 'x', price: 1, stock: 1, images: ['https://cdn.example.com/b.png'] },
    { name: 'x', price: 1, stock: 1, images: ['http://cdn.example.com/b.png'] },
    { name: 'x', price: 1, stock: 1, images: ['//cdn.example.com/b.png'] },
    { name: 'x', price: 1, stock: 1, images: ['/media//cdn.example.com/b.png'] },
    { name: 'x', price: 1, stock: 1, images: ['/media/'] },
    { name: 'x', price: 1, stock: 1, images: ['/media/a.png?track=1'] },
    { name: 'x', price: 1, stock: 1, images: ['/etc/passwd'] },
    { name: 'x', price: 1, stock: 1, images: ['/media/../jwt.secret'] },
    { name: 'x', price: 1, stock: 1, images: ['/media/a b.jpg'] },
    { name: 'x', price: 1, stock: 1, images: ['/media/"onerror=x.jpg'] },
    { name: 'x', price: 1, stock: 1, images: [5] },
    { name: 'x', price: 1, stock: 1, images: 'https://x.example/a.png' },
    { name: 'x', price: 1, stock: 1, images: Array(11).fill('/media/a.jpg') },
    { name: 'x', price: 1, stock: 1, seller_id: seller2.id },
    { name: null, price: 1, stock: 1 },
    { name: 'x', price: null, stock: 1 },
  ];
  for (const body of bad) {
    const r = await api(srv, 'POST', '/api/v1/products', { token: seller.token, body });
    assert.equal(r.status, 422, `${JSON.stringify(body)} -> ${r.status} ${JSON.stringify(r.body)}`);
  }
  assert.equal((await api(srv, 'POST', '/api/v1/products', { token: seller.token, raw: '{"name":', headers: { 'content-type': 'application/json' } })).status, 400);
  const afterCount = (await api(srv, 'GET', '/api/v1/seller/products?per_page=100', { token: seller.token })).body.total;
  assert.equal(afterCount, before, 'rejected creations leave nothing behind');
});

test('update and delete: own products only; admin may; stock goes through the ledger rules', async () => {
  const p = await product(seller.token, { name: 'Hammer', price: 12000, stock: 3, category_id: catTools.id });
  // another seller -> 403, buyer -> 403, anonymous -> 401
  const other = await api(srv, 'PATCH', `/api/v1/products/${p.id}`, { token: seller2.token, body: { price: 1 } });
  assert.equal(other.status, 403);
  assert.equal((await api(srv, 'PATCH', `/api/v1/products/${p.id}`, { token: buyer.token, body: { price: 1 } })).status, 403);
  assert.equal((await api(srv, 'PATCH', `/api/v1/products/${p.id}`, { body: { price: 1 } })).status, 401);
  assert.equal((await api(srv, 'DELETE', `/api/v1/products/${p.id}`, { token: seller2.token })).status, 403);
  assert.equal((await api(srv, 'DELETE', `/api/v1/products/${p.id}`, { token: buyer.token })).status, 403);
  assert.equal((await api(srv, 'GET', `/api/v1/products/${p.id}`)).body.price, 12000, 'refused changes changed nothing');

  // subset updates
  let r = await api(srv, 'PATCH', `/api/v1/products/${p.id}`, { token: seller.token, body: { price: 15000 } });
  assert.equal(r.status, 200);
  assert.equal(r.body.price, 15000);
  assert.equal(r.body.name, 'Hammer');
  r = await api(srv, 'PATCH', `/api/v1/products/${p.id}`, { token: seller.token, body: { stock: 0 } });
  assert.equal(r.body.stock, 0);
  assert.equal(r.body.status, 'SOLD_OUT');
  r = await api(srv, 'PATCH', `/api/v1/products/${p.id}`, { token: seller.token, body: { stock: 7 } });
  assert.equal(r.body.status, 'ON_SALE', 'restocking a sold-out product puts it back on sale');
  r = await api(srv, 'PATCH', `/api/v1/products/${p.id}`, { token: seller.token, body: { status: 'HIDDEN' } });
  assert.equal(r.body.status, 'HIDDEN');
  r = await api(srv, 'PATCH', `/api/v1/products/${p.id}`, { token: seller.token, body: { stock: 0 } });
  assert.equal(r.body.status, 'HIDDEN', 'hidden stays hidden whatever the stock');
  r = await api(srv, 'PATCH', `/api/v1/products/${p.id}`, { token: seller.token, body: { status: 'ON_SALE', stock: 2, images: ['/media/h.jpg'], category_id: null, description: 'steel' } });
  assert.equal(r.body.status, 'ON_SALE');
  assert.equal(r.body.stock, 2);
  assert.equal(r.body.image_url, '/media/h.jpg');
  assert.equal(r.body.category_id, null);
  assert.equal(r.body.description, 'steel');
  // invalid patches change nothing
  for (const body of [{ price: -5 }, { stock: 1000001 }, { status: 'x' }, { name: '' }, { images: ['ftp://x'] }, { category_id: 424242 }, { owner: 1 }, { stock: null }]) {
    const bad = await api(srv, 'PATCH', `/api/v1/products/${p.id}`, { token: seller.token, body });
    assert.equal(bad.status, 422, JSON.stringify(body));
  }
  const same = (await api(srv, 'GET', `/api/v1/products/${p.id}`)).body;
  assert.equal(same.stock, 2);
  assert.equal(same.price, 15000);
  assert.equal(same.image_url, '/media/h.jpg');
  // admin may patch anyone's product
  r = await api(srv, 'PATCH', `/api/v1/products/${p.id}`, { token: admin.token, body: { name: 'Hammer (admin)' } });
  assert.equal(r.status, 200);
  assert.equal(r.body.name, 'Hammer (admin)');
  // unknown ids
  assert.equal((await api(srv, 'PATCH', '/api/v1/products/999999', { token: seller.token, body: { price: 1 } })).status, 404);
  assert.equal((await api(srv, 'PATCH', '/api/v1/products/abc', { token: seller.token, body: { price: 1 } })).status, 404);
  assert.equal((await api(srv, 'GET', '/api/v1/products/0')).status, 404);

  // delete
  assert.equal((await api(srv, 'DELETE', `/api/v1/products/${p.id}`, { token: seller.token })).status, 204);
  assert.equal((await api(srv, 'GET', `/api/v1/products/${p.id}`)).status, 404);
  assert.equal((await api(srv, 'GET', `/api/v1/products/${p.id}`, { token: buyer.token })).status, 404);
  assert.equal((await api(srv, 'DELETE', `/api/v1/products/${p.id}`, { token: seller.token })).status, 404);
  assert.equal((await api(srv, 'PATCH', `/api/v1/products/${p.id}`, { token: seller.token, body: { price: 1 } })).status, 404);
  const mine = (await api(srv, 'GET', '/api/v1/seller/products?per_page=100', { token: seller.token })).body.items;
  assert.ok(!mine.some((x) => x.id === p.id), 'deleted products leave the seller list');

  // admin delete
  const q = await product(seller2.token, { name: 'Saw', price: 5000, stock: 1 });
  assert.equal((await api(srv, 'DELETE', `/api/v1/products/${q.id}`, { token: admin.token })).status, 204);
  assert.equal((await api(srv, 'GET', `/api/v1/products/${q.id}`)).status, 404);
});

test('hidden products: visible to their seller and admin only', async () => {
  const p = await product(seller.token, { name: 'Secret drop', price: 1000, stock: 5, status: 'HIDDEN' });
  assert.equal(p.status, 'HIDDEN');
  assert.equal((await api(srv, 'GET', `/api/v1/products/${p.id}`)).status, 404);
  assert.equal((await api(srv, 'GET', `/api/v1/products/${p.id}`, { token: buyer.token })).status, 404);
  assert.equal((await api(srv, 'GET', `/api/v1/products/${p.id}`, { token: seller2.token })).status, 404);
  assert.equal((await api(srv, 'GET', `/api/v1/products/${p.id}`, { token: seller.token })).status, 200);
  assert.equal((await api(srv, 'GET', `/api/v1/products/${p.id}`, { token: admin.token })).status, 200);
  const pub = (await api(srv, 'GET', '/api/v1/products?q=secret')).body;
  assert.equal(pub.total, 0);
  const mine = (await api(srv, 'GET', '/api/v1/seller/products?q=secret', { token: seller.token })).body;
  assert.equal(mine.total, 1);
  assert.equal((await api(srv, 'GET', '/api/v1/seller/products?q=secret', { token: seller2.token })).body.total, 0);
  assert.equal((await api(srv, 'GET', '/api/v1/seller/products', { token: buyer.token })).status, 403);
});

test('listing: paging, sorting, search, category filter, validation', async () => {
  const s = await makeUser(srv, 'seller', 'Lister');
  const tag = `zq${Date.now() % 100000}`;
  const made = [];
  for (let i = 0; i < 25; i++) {
    made.push(await product(s.token, {
      name: `${i % 2 ? 'Apple' : 'banana'} ${tag} ${String(i).padStart(2, '0')}`,
      price: 1000 + ((i * 37) % 25) * 100, stock: 5, category_id: i < 10 ? catFruit.id : catTools.id,
    }));
  }
  await product(s.token, { name: `hidden ${tag}`, price: 1, stock: 1, status: 'HIDDEN' });
  const soldOut = await product(s.token, { name: `soldout ${tag}`, price: 2, stock: 0 });

  let r = await api(srv, 'GET', `/api/v1/products?q=${tag}`);
  assert.equal(r.status, 200);
  assert.equal(r.body.total, 26, 'sold-out products are listed, hidden ones not');
  assert.equal(r.body.page, 1);
  assert.equal(r.body.per_page, 20);
  assert.equal(r.body.items.length, 20);
  assert.equal(r.body.items[0].id, soldOut.id, 'newest first by default');
  r = await api(srv, 'GET', `/api/v1/products?q=${tag}&page=2`);
  assert.equal(r.body.items.length, 6);
  r = await api(srv, 'GET', `/api/v1/products?q=${tag}&page=3`);
  assert.equal(r.body.items.length, 0);
  assert.equal(r.body.total, 26);
  r = await api(srv, 'GET', `/api/v1/products?q=${tag}&per_page=5&page=2`);
  assert.equal(r.body.items.length, 5);
  assert.equal(r.body.per_page, 5);
  // paging covers every product exactly once
  const seen = new Set();
  for (let page = 1; page <= 6; page++) {
    for (const it of (await api(srv, 'GET', `/api/v1/products?q=${tag}&per_page=5&page=${page}`)).body.items) seen.add(it.id);
  }
  assert.equal(seen.size, 26);

  // search is case-insensitive
  r = await api(srv, 'GET', `/api/v1/products?q=APPLE%20${tag}&per_page=20`);
  assert.equal(r.body.total, 12);
  assert.ok(r.body.items.every((p) => p.name.startsWith('Apple')));
  r = await api(srv, 'GET', `/api/v1/products?q=${encodeURIComponent('%')}${tag}`);
  assert.equal(r.body.total, 0, 'LIKE wildcards in q are literal');

  // sorting
  const prices = (await api(srv, 'GET', `/api/v1/products?q=${tag}&sort=price_asc`)).body.items.map((p) => p.price);
  assert.deepEqual(prices, [...prices].sort((a, b) => a - b));
  assert.equal(prices[0], 2);
  const desc = (await api(srv, 'GET', `/api/v1/products?q=${tag}&sort=price_desc`)).body.items.map((p) => p.price);
  assert.deepEqual(desc, [...desc].sort((a, b) => b - a));
  const names = (await api(srv, 'GET', `/api/v1/products?q=${tag}&sort=name`)).body.items.map((p) => p.name.toLowerCase());
  assert.deepEqual(names, [...names].sort());

  // category filter includes sub-categories
  r = await api(srv, 'GET', `/api/v1/products?q=${tag}&category_id=${catFruit.id}`);
  assert.equal(r.body.total, 10);
  r = await api(srv, 'GET', `/api/v1/products?q=${tag}&category_id=${catFood.id}`);
  assert.equal(r.body.total, 10, 'a parent category lists its children\'s products');
  r = await api(srv, 'GET', `/api/v1/products?q=${tag}&category_id=${catTools.id}`);
  assert.equal(r.body.total, 15);
  r = await api(srv, 'GET', `/api/v1/products?category_id=987654`);
  assert.equal(r.body.total, 0);
  // empty parameters are ignored
  assert.equal((await api(srv, 'GET', `/api/v1/products?q=${tag}&category_id=&sort=&page=`)).status, 200);

  for (const qs of ['page=0', 'page=-1', 'page=abc', 'per_page=21', 'per_page=0', 'per_page=5x', 'sort=cheapest',
    'category_id=abc', 'category_id=-1', `q=${'x'.repeat(101)}`, 'page=1e3']) {
    const bad = await api(srv, 'GET', `/api/v1/products?${qs}`);
    assert.equal(bad.status, 422, qs);
    assert.equal(bad.body.error.code, 'VALIDATION_FAILED');
  }
});

// ---- the catalog cache: every change shows on the very next request ----

const ADDR = { recipient: '홍길동', phone: '010-1234-5678', postcode: '06236', address1: '서울 강남구 테헤란로 1', address2: '101호' };

// After a write through another process or instance: SQLite shows it on the very next request
// (PRAGMA data_version is checked before every cached answer). PostgreSQL's LISTEN/NOTIFY reaches
// another instance's listener asynchronously, at the writer's commit plus delivery: the next
// request normally sees it, and under load a few milliseconds later. Returns what ok accepted,
// retrying (PostgreSQL only) for at most 2 s; the last view when it never did.
async function seenElsewhere(read, ok) {
  const end = Date.now() + (DB_BACKEND === 'postgres' ? 2000 : 0);
  for (;;) {
    const v = await read();
    if (ok(v) || Date.now() >= end) return v;
    await new Promise((r) => setTimeout(r, 2));
  }
}

// What a visitor sees of product p on s right now: detail, the category page, a search.
async function views(s, p, categoryId, q) {
  const detail = await api(s, 'GET', `/api/v1/products/${p.id}`);
  const list = (await api(s, 'GET', `/api/v1/products?category_id=${categoryId}&sort=price_asc`)).body;
  const search = (await api(s, 'GET', `/api/v1/products?q=${encodeURIComponent(q)}`)).body;
  return {
    status: detail.status, detail: detail.body,
    inList: list.items.find((x) => x.id === p.id), listTotal: list.total,
    inSearch: search.items.find((x) => x.id === p.id), searchTotal: search.total,
  };
}

test('cache: price, stock (an order), hide, category change and delete show on the very next detail, list and search', async () => {
  const tag = `캐시${process.pid}`;
  const p = await product(seller.token, { name: `라운드넥니트 ${tag}`, price: 5000, stock: 10, category_id: catFruit.id });
  await product(seller.token, { name: `가디건 ${tag}`, price: 9000, stock: 3, category_id: catFruit.id });
  let v = await views(srv, p, catFruit.id, `니트 ${tag}`);
  v = await views(srv, p, catFruit.id, `니트 ${tag}`); // the second time from the cache
  assert.equal(v.detail.price, 5000);
  assert.equal(v.inList.price, 5000);
  assert.equal(v.searchTotal, 1);
  const before = v.listTotal;

  // price
  assert.equal((await api(srv, 'PATCH', `/api/v1/products/${p.id}`, { token: seller.token, body: { price: 12000 } })).status, 200);
  v = await views(srv, p, catFruit.id, `니트 ${tag}`);
  assert.equal(v.detail.price, 12000, 'detail after a price change');
  assert.equal(v.inList.price, 12000, 'list after a price change');
  assert.equal(v.inSearch.price, 12000, 'search after a price change');

  // stock: an order reserves 4 through commerce, not through the catalog
  assert.equal((await api(srv, 'PUT', `/api/v1/cart/items/${p.id}`, { token: buyer.token, body: { quantity: 4 } })).status, 200);
  const o = await api(srv, 'POST', '/api/v1/orders', { token: buyer.token, body: { shipping_address: ADDR, from_cart: true } });
  assert.equal(o.status, 201, JSON.stringify(o.body));
  v = await views(srv, p, catFruit.id, `니트 ${tag}`);
  assert.equal(v.detail.stock, 6, 'detail after an order reserved stock');
  assert.equal(v.inList.stock, 6, 'list after an order reserved stock');
  assert.equal(v.inSearch.stock, 6, 'search after an order reserved stock');

  // name: the search finds the new name at once and not the old one
  assert.equal((await api(srv, 'PATCH', `/api/v1/products/${p.id}`, { token: seller.token, body: { name: `초콜릿 ${tag}` } })).status, 200);
  v = await views(srv, p, catFruit.id, `니트 ${tag}`);
  assert.equal(v.detail.name, `초콜릿 ${tag}`);
  assert.equal(v.inSearch, undefined, 'the old name no longer matches');
  assert.equal((await api(srv, 'GET', `/api/v1/products?q=${encodeURIComponent(`콜릿 ${tag}`)}`)).body.total, 1);

  // hide, then show again
  assert.equal((await api(srv, 'PATCH', `/api/v1/products/${p.id}`, { token: seller.token, body: { status: 'HIDDEN' } })).status, 200);
  v = await views(srv, p, catFruit.id, tag);
  assert.equal(v.status, 404, 'a hidden product is not found at once');
  assert.equal(v.inList, undefined);
  assert.equal(v.listTotal, before - 1, 'the total counts it out');
  assert.equal(v.inSearch, undefined);
  assert.equal((await api(srv, 'GET', `/api/v1/products/${p.id}`, { token: seller.token })).body.status, 'HIDDEN', 'its seller still sees it');
  assert.equal((await api(srv, 'PATCH', `/api/v1/products/${p.id}`, { token: seller.token, body: { status: 'ON_SALE' } })).status, 200);
  v = await views(srv, p, catFruit.id, tag);
  assert.equal(v.status, 200);
  assert.equal(v.listTotal, before);

  // category change: off the old category's page, onto the new one's
  assert.equal((await api(srv, 'PATCH', `/api/v1/products/${p.id}`, { token: seller.token, body: { category_id: catTools.id } })).status, 200);
  v = await views(srv, p, catFruit.id, tag);
  assert.equal(v.detail.category_id, catTools.id);
  assert.equal(v.inList, undefined, 'gone from the old category');
  assert.equal(v.listTotal, before - 1);
  assert.ok((await views(srv, p, catTools.id, tag)).inList, 'listed in the new category');

  // delete
  assert.equal((await api(srv, 'DELETE', `/api/v1/products/${p.id}`, { token: seller.token })).status, 204);
  v = await views(srv, p, catTools.id, tag);
  assert.equal(v.status, 404, 'a deleted product is not found at once');
  assert.equal(v.inList, undefined);
  assert.equal(v.inSearch, undefined);
});

test('cache: a write by another process to the database shows on the next request', async () => {
  const p = await product(seller.token, { name: `외부변경 ${process.pid}`, price: 3000, stock: 5, category_id: catTools.id });
  for (let i = 0; i < 2; i++) await views(srv, p, catTools.id, `외부변경 ${process.pid}`);
  // sqlite3 on the SQLite file, psql on the PostgreSQL database: not through this server
  sql(srv, `UPDATE products SET price = 4321, stock = 2 WHERE id = ${p.id}`);
  const see = (ok) => seenElsewhere(() => views(srv, p, catTools.id, `외부변경 ${process.pid}`), ok);
  let v = await see((x) => x.detail.price === 4321 && x.inList?.price === 4321 && x.inSearch?.price === 4321);
  assert.equal(v.detail.price, 4321, 'detail');
  assert.equal(v.detail.stock, 2, 'detail');
  assert.equal(v.inList.price, 4321, 'list');
  assert.equal(v.inSearch.price, 4321, 'search');
  sql(srv, `UPDATE products SET status = 'HIDDEN' WHERE id = ${p.id}`);
  v = await see((x) => x.status === 404 && !x.inList);
  assert.equal(v.status, 404);
  assert.equal(v.inList, undefined);
  // a seller's name is part of every product of theirs
  sql(srv, `UPDATE products SET status = 'ON_SALE' WHERE id = ${p.id}`);
  await see((x) => x.status === 200 && x.inList);
  sql(srv, `UPDATE users SET name = 'Renamed Seller' WHERE id = ${seller.id}`);
  v = await see((x) => x.detail.seller_name === 'Renamed Seller' && x.inList?.seller_name === 'Renamed Seller');
  assert.equal(v.detail.seller_name, 'Renamed Seller');
  assert.equal(v.inList.seller_name, 'Renamed Seller');
  sql(srv, `UPDATE users SET name = 'Seller One' WHERE id = ${seller.id}`);
  // images are rows of their own table
  sql(srv, `INSERT INTO product_images (product_id, url, position) VALUES (${p.id}, '/media/extra.png', 9)`);
  v = await see((x) => x.detail.images?.includes('/media/extra.png') && x.inList?.images.includes('/media/extra.png'));
  assert.deepEqual(v.detail.images, ['/media/extra.png'], 'detail after an image row was added');
  assert.deepEqual(v.inList.images, ['/media/extra.png'], 'list after an image row was added');
});

test(`cache: a change made through one instance shows on the next request to another (${DB_BACKEND})`, async () => {
  // a second server on the same database (SQLite: the same file from another process)
  const dbUrl = srv.env.BROADCART_DATABASE_URL;
  const b = await startServer({ dataDir: srv.dataDir, env: dbUrl ? { BROADCART_DATABASE_URL: dbUrl } : {} });
  try {
    const p = await product(seller.token, { name: `두인스턴스 ${process.pid}`, price: 1000, stock: 9, category_id: catTools.id });
    const q = `두인스턴스 ${process.pid}`;
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 2; i++) await views(b, p, catTools.id, q); // B's cache is warm
      const price = 2000 + round;
      assert.equal((await api(srv, 'PATCH', `/api/v1/products/${p.id}`, { token: seller.token, body: { price } })).status, 200);
      const v = await seenElsewhere(() => views(b, p, catTools.id, q),
        (x) => x.detail.price === price && x.inList?.price === price && x.inSearch?.price === price);
      assert.equal(v.detail.price, price, `detail on B, round ${round}`);
      assert.equal(v.inList.price, price, `list on B, round ${round}`);
      assert.equal(v.inSearch.price, price, `search on B, round ${round}`);
      // and an order through B shows on A
      assert.equal((await api(b, 'PUT', `/api/v1/cart/items/${p.id}`, { token: buyer.token, body: { quantity: 1 } })).status, 200);
      await views(srv, p, catTools.id, q);
      const o = await api(b, 'POST', '/api/v1/orders', { token: buyer.token, body: { shipping_address: ADDR, from_cart: true } });
      assert.equal(o.status, 201, JSON.stringify(o.body));
      const a = await seenElsewhere(() => views(srv, p, catTools.id, q),
        (x) => x.detail.stock === 8 - round && x.inList?.stock === 8 - round);
      assert.equal(a.detail.stock, 8 - round, `stock on A after an order on B, round ${round}`);
      assert.equal(a.inList.stock, 8 - round, `list stock on A, round ${round}`);
    }
  } finally {
    await b.stop({ keep: true });
  }
});
