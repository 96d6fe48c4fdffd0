// Demo data (`broadcart serve --demo`): accounts, catalog with images, the scheduled demo live,
// {data_dir}/demo-live.env, and that a second start on the same data directory adds nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { startServer, api } from './lib.mjs';

const LOGINS = [
  { email: 'seller@broadcart.local', password: 'seller1234', role: 'seller', name: 'Broadcart Demo Store' },
  { email: 'buyer@broadcart.local', password: 'buyer1234', role: 'buyer', name: '김민지' },
  { email: 'admin@broadcart.local', password: 'admin1234', role: 'admin', name: 'Admin' },
];

let srv;
before(async () => { srv = await startServer({ args: ['--demo'] }); });
after(async () => { if (srv) await srv.stop(); });

async function login(s, email, password) {
  const r = await api(s, 'POST', '/api/v1/auth/login', { body: { email, password } });
  assert.equal(r.status, 200, `login ${email}: ${JSON.stringify(r.body)}`);
  return r.body.access_token;
}

function readEnv(dataDir) {
  const file = path.join(dataDir, 'demo-live.env');
  const vars = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line);
    if (m) vars[m[1]] = m[2];
  }
  return { file, vars };
}

// Every product of the demo seller (hidden and sold-out ones included).
async function sellerProducts(s, token) {
  const items = [];
  let total = 0;
  for (let page = 1; page <= 10; page++) {
    const r = await api(s, 'GET', `/api/v1/seller/products?per_page=100&page=${page}`, { token });
    assert.equal(r.status, 200);
    total = r.body.total;
    items.push(...r.body.items);
    if (items.length >= total || r.body.items.length === 0) break;
  }
  return { items, total };
}

// Counts of everything the seed creates, as seen through the API.
async function snapshot(s) {
  const token = await login(s, 'seller@broadcart.local', 'seller1234');
  const { total } = await sellerProducts(s, token);
  const lives = await api(s, 'GET', '/api/v1/seller/lives', { token });
  assert.equal(lives.status, 200);
  const cats = await api(s, 'GET', '/api/v1/categories');
  assert.equal(cats.status, 200);
  const countCats = (list) => list.reduce((n, c) => n + 1 + countCats(c.children || []), 0);
  return { products: total, lives: lives.body.items.length, categories: countCats(cats.body) };
}

test('the three demo logins work with the right roles', async () => {
  for (const u of LOGINS) {
    const token = await login(srv, u.email, u.password);
    const me = await api(srv, 'GET', '/api/v1/me', { token });
    assert.equal(me.status, 200);
    assert.equal(me.body.email, u.email);
    assert.equal(me.body.role, u.role);
    assert.equal(me.body.name, u.name);
  }
  const bad = await api(srv, 'POST', '/api/v1/auth/login', { body: { email: 'seller@broadcart.local', password: 'buyer1234' } });
  assert.equal(bad.status, 401);
});

test('catalog: >= 45 products over >= 3 categories, a category tree, some sold out', async () => {
  const cats = await api(srv, 'GET', '/api/v1/categories');
  assert.equal(cats.status, 200);
  assert.ok(cats.body.length >= 3, 'at least three top-level categories');
  for (const c of cats.body) {
    assert.match(c.slug, /^[a-z0-9-]+$/);
    assert.ok(c.children.length >= 2, `${c.name} has subcategories`);
  }

  // the public list (on sale only), paged
  const seen = [];
  let total = 0;
  for (let page = 1; page <= 10; page++) {
    const r = await api(srv, 'GET', `/api/v1/products?per_page=20&page=${page}`);
    assert.equal(r.status, 200);
    total = r.body.total;
    seen.push(...r.body.items);
    if (seen.length >= total || r.body.items.length === 0) break;
  }
  assert.equal(seen.length, total);
  assert.ok(total >= 45, `public products: ${total}`);
  assert.ok(new Set(seen.map((p) => p.category_id)).size >= 3, 'products span at least 3 categories');

  const token = await login(srv, 'seller@broadcart.local', 'seller1234');
  const { items } = await sellerProducts(srv, token);
  assert.ok(items.length >= 45);
  const sellerId = (await api(srv, 'GET', '/api/v1/me', { token })).body.id;
  for (const p of items) {
    assert.equal(p.seller_id, sellerId, 'every product belongs to the demo seller');
    assert.ok(Number.isInteger(p.price) && p.price > 0 && p.price % 100 === 0, `${p.name}: whole won price ${p.price}`);
    assert.ok(p.name.length > 0 && p.description.length > 0);
    assert.ok(p.category_id, `${p.name} has a category`);
    if (p.status === 'SOLD_OUT') assert.equal(p.stock, 0);
    else {
      assert.equal(p.status, 'ON_SALE');
      assert.ok(p.stock >= 20 && p.stock <= 200, `${p.name}: stock ${p.stock}`);
    }
  }
  assert.ok(items.filter((p) => p.status === 'SOLD_OUT').length >= 2, 'a couple of products are sold out');
});

test('product images are served from /media with an image type and a real size', async () => {
  const token = await login(srv, 'seller@broadcart.local', 'seller1234');
  const { items } = await sellerProducts(srv, token);
  for (const p of items) {
    assert.match(p.image_url, /^\/media\/products\/\d+\.(svg|png|jpg)$/, `${p.name}: image_url`);
    assert.deepEqual(p.images, [p.image_url]);
    const res = await fetch(srv.base + p.image_url);
    assert.equal(res.status, 200, p.image_url);
    assert.match(res.headers.get('content-type') || '', /^image\//, p.image_url);
    const body = await res.text();
    assert.ok(body.length > 1000, `${p.image_url}: ${body.length} bytes`);
    if (p.image_url.endsWith('.svg')) {
      assert.match(body, /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      assert.ok(body.trimEnd().endsWith('</svg>'));
      // the product name is in the image, XML-escaped
      const escaped = p.name.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
      assert.ok(body.includes(escaped), `${p.image_url} shows its product name`);
      assert.ok(!/&(?!amp;|lt;|gt;|quot;|#39;)/.test(body), `${p.image_url}: unescaped &`);
    }
  }
});

test('the demo live is SCHEDULED with three products, the first pinned', async () => {
  const { vars } = readEnv(srv.dataDir);
  const r = await api(srv, 'GET', `/api/v1/lives/${vars.LIVE_ID}`);
  assert.equal(r.status, 200);
  const live = r.body;
  assert.equal(live.status, 'SCHEDULED');
  assert.equal(live.seller_name, 'Broadcart Demo Store');
  assert.ok(live.title.length > 0);
  assert.equal(live.products.length, 3);
  assert.ok(live.pinned_product, 'a product is pinned');
  assert.equal(live.pinned_product.id, live.products[0].id);
  assert.equal(live.stream_key, undefined, 'no stream key for anonymous viewers');
  assert.ok(Math.abs(Date.parse(live.scheduled_at) - Date.now()) < 10 * 60 * 1000, 'scheduled about now');

  const list = await api(srv, 'GET', '/api/v1/lives');
  assert.equal(list.status, 200);
  assert.ok(list.body.items.some((l) => String(l.id) === vars.LIVE_ID), 'listed');
});

test('demo-live.env has LIVE_ID and STREAM_KEY matching the live (mode 0600)', async () => {
  const { file, vars } = readEnv(srv.dataDir);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.match(vars.LIVE_ID || '', /^\d+$/);
  assert.match(vars.STREAM_KEY || '', /^[A-Za-z0-9]{32}$/);
  const token = await login(srv, 'seller@broadcart.local', 'seller1234');
  const r = await api(srv, 'GET', `/api/v1/lives/${vars.LIVE_ID}`, { token });
  assert.equal(r.status, 200);
  assert.equal(r.body.stream_key, vars.STREAM_KEY);
  assert.equal(r.body.obs_stream_key, `${vars.LIVE_ID}?key=${vars.STREAM_KEY}`);
});

test('a restart on the same data directory does not duplicate the demo data', async () => {
  const before1 = await snapshot(srv);
  const env1 = readEnv(srv.dataDir).vars;
  const dataDir = srv.dataDir;
  await srv.stop({ keep: true });
  srv = await startServer({ args: ['--demo'], dataDir });
  const before2 = await snapshot(srv);
  assert.deepEqual(before2, before1);
  assert.deepEqual(readEnv(dataDir).vars, env1, 'same live and key after the restart');
  for (const u of LOGINS) await login(srv, u.email, u.password);
  const live = await api(srv, 'GET', `/api/v1/lives/${env1.LIVE_ID}`);
  assert.equal(live.body.status, 'SCHEDULED');
});
