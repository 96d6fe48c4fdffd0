// Single-run timers across instances: two `broadcart serve` on one PostgreSQL database. The
// order-expiry sweeper runs on exactly one of them (GET /healthz "sweeper"), an expired order is
// released once, and when the holder is killed (-9) the other instance takes the lease over within
// seconds and expires orders. Needs Debian's postgresql-15 (lib.mjs starts a private cluster).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, api, makeUser, newPgDatabase, sql } from './lib.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const ADDR = { recipient: '홍길동', phone: '010-1234-5678', postcode: '06236', address1: '서울 강남구 테헤란로 1', address2: '101호' };

let url, dataDir, A, B, seller, buyer;
const env = () => ({ BROADCART_DATABASE_URL: url, BROADCART_ORDER_TTL: '5', BROADCART_LOG_LEVEL: 'info' });
const sweeper = async (s) => (await api(s, 'GET', '/healthz')).body.sweeper;

async function waitSweeper(s, want, ms) {
  const end = Date.now() + ms;
  for (;;) {
    const got = await sweeper(s);
    if (got === want) return Date.now();
    if (Date.now() > end) throw new Error(`healthz sweeper stayed ${got}, wanted ${want}`);
    await sleep(100);
  }
}

// Orders quantity units of a new product (stock 5) through srv; returns {order, productId}.
async function pendingOrder(srv, quantity) {
  const p = await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: 'Lease mug', price: 3000, stock: 5 } });
  assert.equal(p.status, 201, JSON.stringify(p.body));
  const o = await api(srv, 'POST', '/api/v1/orders', {
    token: buyer.token, body: { items: [{ product_id: p.body.id, quantity }], shipping_address: ADDR },
  });
  assert.equal(o.status, 201, JSON.stringify(o.body));
  assert.equal(o.body.status, 'PENDING_PAYMENT');
  return { order: o.body, productId: p.body.id };
}

async function waitExpired(srv, orderId, ms) {
  const end = Date.now() + ms;
  for (;;) {
    const o = (await api(srv, 'GET', `/api/v1/orders/${orderId}`, { token: buyer.token })).body;
    if (o.status === 'EXPIRED') return;
    if (Date.now() > end) throw new Error(`order ${orderId} is still ${o.status}`);
    await sleep(200);
  }
}

function releaseRows(srv, orderId) {
  return sql(srv, `SELECT delta, reason FROM stock_ledger WHERE order_id = ${Number(orderId)} AND delta > 0`)
    .trim().split('\n').filter(Boolean);
}

before(async () => {
  url = await newPgDatabase();
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'bc-lease-')); // shared: the same token keys
  A = await startServer({ dataDir, env: env() });
  await waitSweeper(A, true, 5000); // alone: A takes the lease at its first tick
  B = await startServer({ dataDir, env: env() });
  seller = await makeUser(A, 'seller', 'Lease Seller');
  buyer = await makeUser(A, 'buyer', 'Lease Buyer');
});

const alive = (s) => s && s.proc.exitCode === null && s.proc.signalCode === null;

after(async () => {
  for (const s of [A, B]) if (alive(s)) await s.stop({ keep: true });
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

// The one instance reporting sweeper:true (waits up to ms for exactly one).
async function holder(ms) {
  const end = Date.now() + ms;
  for (;;) {
    const [a, b] = [await sweeper(A), await sweeper(B)];
    if (a !== b) return a ? A : B;
    if (Date.now() > end) throw new Error(`sweeper on A ${a}, on B ${b}`);
    await sleep(100);
  }
}

test('exactly one instance holds the sweeper lease, and an expired order is released once', async () => {
  await sleep(2500); // B has tried the lease a couple of times by now
  assert.equal(await sweeper(A), true);
  assert.equal(await sweeper(B), false);
  assert.match(A.stderr(), /INFO sweeper: lease acquired/);
  assert.doesNotMatch(B.stderr(), /lease acquired/);
  const { order, productId } = await pendingOrder(B, 2);
  await waitExpired(B, order.id, 12000);
  await sleep(2500); // more sweeps on both instances: none may release it again
  assert.deepEqual(releaseRows(A, order.id), ['2|expire']);
  assert.equal((await api(B, 'GET', `/api/v1/products/${productId}`, { token: seller.token })).body.stock, 5);
  assert.equal(await sweeper(B), false);
});

test("the holder's lease session is terminated: it logs the loss, and exactly one instance holds the lease again", async () => {
  const h = await holder(1000);
  const killedPids = sql(h, 'SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = \'advisory\''
    + ' AND classid::bigint = 1650680931 AND objid = 1 AND objsubid = 2').trim().split('\n').filter(Boolean);
  assert.deepEqual(killedPids, ['t'], 'one session held the lease');
  const end = Date.now() + 5000;
  while (!/INFO sweeper: lease lost/.test(h.stderr()) && Date.now() < end) await sleep(100);
  assert.match(h.stderr(), /INFO sweeper: lease lost/);
  await holder(5000);
  await sleep(2000); // and it stays with one
  await holder(0);
});

test('kill -9 the holder: the other instance takes the lease within seconds and expires orders', async (t) => {
  const h = await holder(1000), other = h === A ? B : A;
  const acquired = (other.stderr().match(/INFO sweeper: lease acquired/g) || []).length;
  const { order, productId } = await pendingOrder(other, 3);
  const exited = new Promise((r) => h.proc.once('exit', r));
  const killed = Date.now();
  h.proc.kill('SIGKILL');
  await exited;
  const took = (await waitSweeper(other, true, 5000)) - killed;
  t.diagnostic(`lease moved ${took} ms after kill -9 of its holder`);
  assert.equal((other.stderr().match(/INFO sweeper: lease acquired/g) || []).length, acquired + 1);
  await waitExpired(other, order.id, 12000);
  await sleep(1500);
  assert.deepEqual(releaseRows(other, order.id), ['3|expire']);
  assert.equal((await api(other, 'GET', `/api/v1/products/${productId}`, { token: seller.token })).body.stock, 5);
});

test('on SQLite (one machine) the instance always holds the sweeper lease', async () => {
  const s = await startServer({ env: { BROADCART_DATABASE_URL: '', BROADCART_LOG_LEVEL: 'info' } });
  try {
    await waitSweeper(s, true, 5000);
    assert.match(s.stderr(), /INFO sweeper: lease acquired/);
  } finally {
    await s.stop();
  }
});
