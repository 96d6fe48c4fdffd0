// `broadcart db copy --from sqlite:... --to postgresql://...`: the demo shop, after a paid buyer
// journey on SQLite, is copied into a fresh PostgreSQL database (every table's rows, ids and
// identities); a server on the copy sees the same shop and the buyer journey works again with
// fresh ids. A target that holds data, and a source table the copy does not know, are refused
// and leave the target unchanged. Always needs PostgreSQL 15 (its own cluster through lib.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, api, sql, newPgDatabase, makeUser, BIN } from './lib.mjs';

const ADDR = { recipient: '김민지', phone: '010-1234-5678', postcode: '06236', address1: '서울 강남구 테헤란로 1', address2: '' };
const TABLES = ['users', 'categories', 'products', 'product_images', 'cart_items', 'lives', 'live_products', 'orders',
  'order_lines', 'stock_ledger', 'payments', 'chat_messages', 'refresh_tokens', 'media_uploads'];
const ID_TABLES = ['users', 'categories', 'products', 'product_images', 'lives', 'orders', 'order_lines', 'stock_ledger',
  'payments', 'chat_messages'];

let dir, srcUrl, src, copy, copyUrl, journey1, srcCatalog;
const pgOf = (url) => ({ env: { BROADCART_DATABASE_URL: url } }); // for sql()

function runCopy(from, to) {
  const r = spawnSync(BIN, ['db', 'copy', '--from', from, '--to', to],
    { env: { ...src.env, ASAN_OPTIONS: 'detect_leaks=1' }, encoding: 'utf8' });
  assert.doesNotMatch(r.stderr, /AddressSanitizer|runtime error:|LeakSanitizer/, r.stderr);
  return r;
}
async function login(s, email, password) {
  const r = await api(s, 'POST', '/api/v1/auth/login', { body: { email, password } });
  assert.equal(r.status, 200, `login ${email}: ${JSON.stringify(r.body)}`);
  return r.body.access_token;
}
// Every listed product (all pages) as [id, name, price, stock, status], and the total.
async function catalog(s) {
  const items = [];
  let total = 0;
  for (let page = 1; page <= 50; page++) {
    const r = await api(s, 'GET', `/api/v1/products?per_page=20&page=${page}`);
    assert.equal(r.status, 200);
    total = r.body.total;
    items.push(...r.body.items.map((p) => [p.id, p.name, p.price, p.stock, p.status]));
    if (items.length >= total || r.body.items.length === 0) break;
  }
  items.sort((a, b) => a[0] - b[0]);
  return { total, items };
}
// Login as the demo buyer, cart a product in stock, order it, pay through the sandbox: PAID.
async function buyerJourney(s) {
  const token = await login(s, 'buyer@broadcart.local', 'buyer1234');
  const { items } = await catalog(s);
  const p = items.find((it) => it[3] >= 2 && it[4] === 'ON_SALE');
  assert.ok(p, 'a product in stock');
  let r = await api(s, 'PUT', `/api/v1/cart/items/${p[0]}`, { token, body: { quantity: 1 } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.ok(r.body.lines.some((l) => l.product_id === p[0]));
  r = await api(s, 'POST', '/api/v1/orders', { token, body: { items: [{ product_id: p[0], quantity: 1 }], shipping_address: ADDR } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const o = r.body;
  r = await api(s, 'POST', '/sandbox-pg/v1/sandbox/payments', { body: { orderId: o.order_id, amount: o.amount, orderName: o.order_name } });
  assert.ok(r.status === 200 || r.status === 201, JSON.stringify(r.body));
  r = await api(s, 'POST', '/api/v1/payments/confirm', { token, body: { payment_key: r.body.paymentKey, order_id: o.order_id, amount: o.amount } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  r = await api(s, 'GET', `/api/v1/orders/${o.id}`, { token });
  assert.equal(r.body.status, 'PAID');
  const after = (await api(s, 'GET', `/api/v1/products/${p[0]}`)).body.stock;
  assert.equal(after, p[3] - 1, 'the paid unit left the stock');
  return { order: o, productId: p[0], token };
}
const counts = (s) => Object.fromEntries(TABLES.map((t) => [t, Number(sql(s, `SELECT COUNT(*) FROM ${t}`).trim())]));
const maxId = (s, t) => Number(sql(s, `SELECT COALESCE(MAX(id), 0) FROM ${t}`).trim());

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'bc-dbcopy-'));
  srcUrl = `sqlite:${path.join(dir, 'broadcart.db')}`;
  src = await startServer({ args: ['--demo'], dataDir: dir, env: { BROADCART_DATABASE_URL: srcUrl } });
  journey1 = await buyerJourney(src);
  srcCatalog = await catalog(src);
  await src.stop({ keep: true });
  copyUrl = await newPgDatabase();
});
after(async () => {
  await copy?.stop({ keep: true });
  rmSync(dir, { recursive: true, force: true });
});

test('db copy moves every table of the demo shop, row for row, and prints the counts', async () => {
  const want = counts(src);
  assert.ok(want.users >= 3 && want.products >= 45 && want.orders >= 1 && want.payments >= 1, JSON.stringify(want));
  const r = runCopy(srcUrl, copyUrl);
  assert.equal(r.status, 0, r.stderr);
  for (const t of TABLES) assert.match(r.stdout, new RegExp(`^${t} ${want[t]}$`, 'm'), r.stdout);
  assert.deepEqual(counts(pgOf(copyUrl)), want);
  // the same rows, column for column (both shells print '|'-separated, NULL as empty)
  for (const t of ['users', 'products', 'orders', 'order_lines', 'payments', 'stock_ledger', 'categories', 'lives']) {
    assert.equal(sql(pgOf(copyUrl), `SELECT * FROM ${t} ORDER BY id`), sql(src, `SELECT * FROM ${t} ORDER BY id`), t);
  }
});

test('a server on the copy shows the same shop; new rows get fresh ids; the buyer journey works again', async () => {
  const maxes = Object.fromEntries(ID_TABLES.map((t) => [t, maxId(src, t)]));
  copy = await startServer({ dataDir: dir, env: { BROADCART_DATABASE_URL: copyUrl } });
  assert.deepEqual(await catalog(copy), srcCatalog, 'same products, prices, stock and total');
  const token = await login(copy, 'buyer@broadcart.local', 'buyer1234');
  let r = await api(copy, 'GET', `/api/v1/orders/${journey1.order.id}`, { token });
  assert.equal(r.status, 200);
  assert.equal(r.body.status, 'PAID');
  assert.equal(r.body.order_id, journey1.order.order_id);
  await login(copy, 'seller@broadcart.local', 'seller1234');
  // fresh ids above the copied ones (no duplicate key from a sequence left at 1)
  const again = await buyerJourney(copy);
  assert.ok(again.order.id > maxes.orders, `order id ${again.order.id} > ${maxes.orders}`);
  const seller = await login(copy, 'seller@broadcart.local', 'seller1234');
  r = await api(copy, 'POST', '/api/v1/products', { token: seller, body: { name: '복사 후 새 상품', price: 10000, stock: 3 } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.ok(r.body.id > maxes.products, `product id ${r.body.id} > ${maxes.products}`);
  const u = await makeUser(copy, 'buyer');
  assert.ok(u.id > maxes.users, `user id ${u.id} > ${maxes.users}`);
  for (const t of ID_TABLES) {
    const next = Number(sql(pgOf(copyUrl), `SELECT nextval(pg_get_serial_sequence('${t}', 'id'))`).trim());
    assert.ok(next > maxes[t], `${t}: next id ${next} > copied max ${maxes[t]}`);
  }
});

test('copying into a database that holds data is refused and changes nothing', async () => {
  const was = counts(pgOf(copyUrl));
  const orders = sql(pgOf(copyUrl), 'SELECT * FROM orders ORDER BY id');
  const r = runCopy(srcUrl, copyUrl);
  assert.equal(r.status, 1, r.stdout);
  assert.match(r.stderr, /already holds data/);
  assert.doesNotMatch(r.stdout, /^users \d+$/m);
  assert.deepEqual(counts(pgOf(copyUrl)), was);
  assert.equal(sql(pgOf(copyUrl), 'SELECT * FROM orders ORDER BY id'), orders);
});

test('a source table the copy does not know is refused before anything is written', async () => {
  const file = path.join(dir, 'extra.db');
  assert.equal(spawnSync('sqlite3', [path.join(dir, 'broadcart.db'), `.backup ${file}`]).status, 0);
  assert.equal(spawnSync('sqlite3', [file, "CREATE TABLE legacy_vouchers (id INTEGER PRIMARY KEY, code TEXT); INSERT INTO legacy_vouchers (code) VALUES ('X');"]).status, 0);
  const target = await newPgDatabase();
  const r = runCopy(`sqlite:${file}`, target);
  assert.equal(r.status, 1, r.stdout);
  assert.match(r.stderr, /does not know: legacy_vouchers/);
  assert.equal(Number(sql(pgOf(target), 'SELECT COUNT(*) FROM users').trim()), 0);
});

test('db copy refuses URLs of the wrong kind', async () => {
  const r = runCopy(copyUrl, srcUrl);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /--from must be sqlite:PATH and --to postgresql/);
});
