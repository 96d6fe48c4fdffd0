// The store on whichever backend this run uses (BROADCART_TEST_DATABASE): migrations recorded and
// idempotent through `broadcart migrate`, 64-bit integers for money and UTC-ms times, and the
// cart's count-then-upsert running as one transaction under concurrent PUTs; on PostgreSQL, writers
// of different rows run in parallel (no global write lock) while the units that read then write
// stay correct: one success for a refresh token used twice at once, and a flash sale split across
// two instances sells exactly the stock.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import WebSocket from 'ws';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, api, makeUser, cli, sql, DB_BACKEND } from './lib.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const ADDRESS = { recipient: '김민지', phone: '010-1234-5678', postcode: '06236', address1: '서울시 강남구 테헤란로 1' };

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

test(`a refresh token used 12 times at once yields exactly one new token (${DB_BACKEND})`, async () => {
  const u = await makeUser(srv, 'buyer');
  const rs = await Promise.all(Array.from({ length: 12 }, () =>
    api(srv, 'POST', '/api/v1/auth/refresh', { body: { refresh_token: u.refresh } })));
  const ok = rs.filter((r) => r.status === 200);
  for (const r of rs) assert.ok(r.status === 200 || (r.status === 401 && r.body.error.code === 'INVALID_REFRESH_TOKEN'), JSON.stringify(r.body));
  assert.equal(ok.length, 1, rs.map((r) => r.status).join(','));
  // one family: the rows of this user are the login's token and at most one successor
  const rows = Number(sql(srv, `SELECT COUNT(*) FROM refresh_tokens WHERE user_id = ${u.id}`).trim());
  assert.equal(rows, 2);
});

// PostgreSQL only: a row lock held outside the server on product A must not hold up an order of
// product B (with one global write lock, B waited for A's transaction).
test('an order of another product is not held up by a locked product row (postgres)', { skip: DB_BACKEND !== 'postgres' && 'PostgreSQL only (SQLite has one writer by design)' }, async () => {
  const mk = async (name) => (await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name, price: 5000, stock: 10 } })).body.id;
  const a = await mk('잠긴 상품'), b = await mk('다른 상품');
  const b1 = await makeUser(srv, 'buyer'), b2 = await makeUser(srv, 'buyer');
  const url = srv.env.BROADCART_DATABASE_URL;
  const holder = spawn('/usr/lib/postgresql/15/bin/psql', ['-X', '-q', '-d', url, '-c',
    `BEGIN; SELECT id FROM products WHERE id = ${a} FOR NO KEY UPDATE; SELECT pg_sleep(6); COMMIT;`], { stdio: 'ignore' });
  const holderDone = new Promise((r) => holder.once('exit', r));
  try {
    const waitFor = async (what, q) => {
      for (let i = 0; i < 200; i++) {
        if (Number(sql(srv, q).trim()) > 0) return;
        await sleep(25);
      }
      throw new Error(`timed out waiting for ${what}`);
    };
    await waitFor('the lock holder', "SELECT COUNT(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(6)%' AND state = 'active' AND pid <> pg_backend_pid()");
    let aDone = false;
    const pa = api(srv, 'POST', '/api/v1/orders', { token: b1.token, body: { items: [{ product_id: a, quantity: 1 }], shipping_address: ADDRESS } })
      .then((r) => { aDone = true; return r; });
    // order A is inside the server, waiting for the row lock
    await waitFor('order A to wait on the row', "SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'UPDATE products SET stock%'");
    const rb = await api(srv, 'POST', '/api/v1/orders', { token: b2.token, body: { items: [{ product_id: b, quantity: 1 }], shipping_address: ADDRESS } });
    assert.equal(rb.status, 201, JSON.stringify(rb.body));
    assert.equal(aDone, false, 'order B finished only after the lock on product A was released');
    const ra = await pa;
    assert.equal(ra.status, 201, JSON.stringify(ra.body));
  } finally {
    await holderDone;
  }
});

test(`flash sale across two instances on one database: 200 buyers, stock 20 -> exactly 20 orders, ledger balanced (${DB_BACKEND})`, async () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bc-test-two-'));
  const A = await startServer({ dataDir });
  let B;
  try {
    B = await startServer({ dataDir });
    const s = await makeUser(A, 'seller');
    const p = await api(A, 'POST', '/api/v1/products', { token: s.token, body: { name: '플래시 세일', price: 9900, stock: 20 } });
    assert.equal(p.status, 201);
    const tokens = [];
    for (let i = 0; i < 200; i += 20) {
      const batch = await Promise.all(Array.from({ length: 20 }, (_, k) => api(i % 40 ? B : A, 'POST', '/api/v1/auth/signup', {
        body: { email: `flash${i + k}-${process.pid}@example.com`, password: 'flash1234', name: `f${i + k}` } })));
      for (const r of batch) { assert.equal(r.status, 201, JSON.stringify(r.body)); tokens.push(r.body.access_token); }
    }
    const rs = await Promise.all(tokens.map((token, i) => api(i % 2 ? B : A, 'POST', '/api/v1/orders', {
      token, body: { items: [{ product_id: p.body.id, quantity: 1 }], shipping_address: ADDRESS } })));
    const created = rs.filter((r) => r.status === 201).length;
    for (const r of rs) assert.ok(r.status === 201 || (r.status === 409 && r.body.error.code === 'OUT_OF_STOCK'), JSON.stringify(r.body));
    assert.equal(created, 20);
    const [stock, status] = sql(A, `SELECT stock, status FROM products WHERE id = ${p.body.id}`).trim().split('|');
    assert.equal(Number(stock), 0);
    assert.equal(status, 'SOLD_OUT');
    const [sum, orders] = sql(A, `SELECT SUM(delta), SUM(CASE WHEN reason = 'order' THEN 1 ELSE 0 END) FROM stock_ledger WHERE product_id = ${p.body.id}`)
      .trim().split('|').map(Number);
    assert.equal(sum, 0, 'the ledger sums to the stock');
    assert.equal(orders, 20);
    const lines = Number(sql(A, `SELECT SUM(quantity) FROM order_lines WHERE product_id = ${p.body.id}`).trim());
    assert.equal(lines, 20);
  } finally {
    await B?.stop({ keep: true });
    await A.stop();
  }
});

test(`8 sign-ups with one e-mail at once: one account, the rest 409 EMAIL_TAKEN (${DB_BACKEND})`, async () => {
  const email = `same-${process.pid}@example.com`;
  const rs = await Promise.all(Array.from({ length: 8 }, (_, i) => api(srv, 'POST', '/api/v1/auth/signup', {
    body: { email: i % 2 ? email.toUpperCase() : email, password: 'same12345', name: `s${i}` } })));
  for (const r of rs) assert.ok(r.status === 201 || (r.status === 409 && r.body.error.code === 'EMAIL_TAKEN'), JSON.stringify(r.body));
  assert.equal(rs.filter((r) => r.status === 201).length, 1);
  assert.equal(Number(sql(srv, `SELECT COUNT(*) FROM users WHERE email = '${email}'`).trim()), 1);
});

// The store returns UTC-ms integers; the API layer turns them into ISO-8601 strings by the response
// schema, for HTTP bodies and for the product in a pin frame alike.
test(`times are ISO-8601 strings in responses and in the pin frame (${DB_BACKEND})`, async () => {
  const iso = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
  const p = await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: '시계', price: 1000, stock: 3 } });
  for (const k of ['created_at', 'updated_at']) assert.match(p.body[k], iso, k);
  const me = await api(srv, 'GET', '/api/v1/me', { token: seller.token });
  assert.match(me.body.created_at, iso);
  const l = await api(srv, 'POST', '/api/v1/lives', { token: seller.token, body: { title: '시간', scheduled_at: '2026-12-01T10:00:00Z', product_ids: [p.body.id] } });
  assert.equal(l.status, 201, JSON.stringify(l.body));
  assert.equal(l.body.scheduled_at, '2026-12-01T10:00:00.000Z');
  assert.equal(l.body.started_at, null);
  const list = await api(srv, 'GET', '/api/v1/lives?status=SCHEDULED');
  for (const x of list.body.items) assert.match(x.scheduled_at, iso);
  const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/api/v1/lives/${l.body.id}/chat`);
  const frames = [];
  ws.on('message', (d) => frames.push(JSON.parse(d.toString())));
  await new Promise((r, j) => { ws.once('open', r); ws.once('error', j); });
  try {
    const r = await api(srv, 'POST', `/api/v1/lives/${l.body.id}/pin`, { token: seller.token, body: { product_id: p.body.id } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.match(r.body.pinned_product.created_at, iso);
    for (let i = 0; i < 100 && !frames.some((f) => f.type === 'pin'); i++) await sleep(20);
    const f = frames.find((x) => x.type === 'pin');
    assert.ok(f, JSON.stringify(frames));
    assert.match(f.product.created_at, iso);
    assert.match(f.product.updated_at, iso);
  } finally {
    ws.terminate();
  }
  const o = await api(srv, 'POST', '/api/v1/orders', { token: buyer.token, body: { items: [{ product_id: p.body.id, quantity: 1 }], shipping_address: ADDRESS } });
  assert.equal(o.status, 201, JSON.stringify(o.body));
  for (const k of ['created_at', 'expires_at', 'updated_at']) assert.match(o.body[k], iso, k);
  assert.equal(o.body.paid_at, null);
  const page = await api(srv, 'GET', '/api/v1/orders', { token: buyer.token });
  for (const x of page.body.items) assert.match(x.created_at, iso);
});

// Pins of one live are one after another (the live's row is locked): 60 pins at once of products
// not yet on a live that carries 1 stop at the 50-product limit with distinct positions, and an
// end sent among them leaves the live ENDED with nothing pinned.
test(`concurrent pins keep the live's product limit and positions; an end among them wins (${DB_BACKEND})`, async () => {
  const s = await makeUser(srv, 'seller');
  const ids = [];
  for (let i = 0; i < 61; i += 1) {
    const r = await api(srv, 'POST', '/api/v1/products', { token: s.token, body: { name: `핀 ${i}`, price: 1000, stock: 5 } });
    ids.push(r.body.id);
  }
  const l = await api(srv, 'POST', '/api/v1/lives', { token: s.token, body: { title: '핀', scheduled_at: '2026-12-01T10:00:00Z', product_ids: [ids[0]] } });
  assert.equal(l.status, 201, JSON.stringify(l.body));
  const rs = await Promise.all(ids.slice(1).map((id) => api(srv, 'POST', `/api/v1/lives/${l.body.id}/pin`, { token: s.token, body: { product_id: id } })));
  for (const r of rs) assert.ok(r.status === 200 || (r.status === 422 && r.body.error.code === 'INVALID_PRODUCT'), JSON.stringify(r.body));
  assert.equal(rs.filter((r) => r.status === 200).length, 49);
  const [n, distinct] = sql(srv, `SELECT COUNT(*), COUNT(DISTINCT position) FROM live_products WHERE live_id = ${l.body.id}`).trim().split('|').map(Number);
  assert.equal(n, 50);
  assert.equal(distinct, 50);
  // pins racing an end: whatever order they run in, an ENDED live has no pinned product
  const own = ids.slice(1, 11);
  const race = await Promise.all([
    ...own.slice(0, 5).map((id) => api(srv, 'POST', `/api/v1/lives/${l.body.id}/pin`, { token: s.token, body: { product_id: id } })),
    api(srv, 'POST', `/api/v1/lives/${l.body.id}/end`, { token: s.token }),
    ...own.slice(5).map((id) => api(srv, 'POST', `/api/v1/lives/${l.body.id}/pin`, { token: s.token, body: { product_id: id } })),
  ]);
  for (const r of race) assert.ok([200, 409].includes(r.status), JSON.stringify(r.body));
  const [status, pinned] = sql(srv, `SELECT status, COALESCE(pinned_product_id, 0) FROM lives WHERE id = ${l.body.id}`).trim().split('|');
  assert.equal(status, 'ENDED');
  assert.equal(Number(pinned), 0);
});

// A checkout from the cart holds the buyer's cart lock: 6 checkouts of one cart at once make one
// order; the others find the cart empty.
test(`6 checkouts of one cart at once make one order (${DB_BACKEND})`, async () => {
  const b = await makeUser(srv, 'buyer');
  const p = await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: '장바구니', price: 3000, stock: 50 } });
  assert.equal((await api(srv, 'PUT', `/api/v1/cart/items/${p.body.id}`, { token: b.token, body: { quantity: 2 } })).status, 200);
  const rs = await Promise.all(Array.from({ length: 6 }, () => api(srv, 'POST', '/api/v1/orders', {
    token: b.token, body: { from_cart: true, shipping_address: ADDRESS } })));
  for (const r of rs) assert.ok(r.status === 201 || (r.status === 422 && r.body.error.code === 'CART_EMPTY'), JSON.stringify(r.body));
  assert.equal(rs.filter((r) => r.status === 201).length, 1);
  assert.equal(Number(sql(srv, `SELECT stock FROM products WHERE id = ${p.body.id}`).trim()), 48);
});
