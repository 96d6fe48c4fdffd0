// "N left": every viewer of every live carrying a product receives
// {"type":"stock","product_id","stock","status"} when its stock changes (an order, a cancel, a seller
// edit), coalesced to at most 4 frames a second per product with the last frame carrying the final
// stock, and across two instances sharing one database (no Redis: each instance learns the change
// from the store's change feed). Runs on SQLite and PostgreSQL (BROADCART_TEST_DATABASE=postgres).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, api, makeUser } from './lib.mjs';
import { viewer } from './room.mjs';

const ADDR = { recipient: '홍길동', phone: '010-1234-5678', postcode: '06236', address1: '서울 강남구 테헤란로 1' };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let dataDir, A, B, seller, buyers;

async function product(name, stock) {
  const r = await api(A, 'POST', '/api/v1/products', { token: seller.token, body: { name, price: 5000, stock } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.id;
}
async function createLive(ids) {
  const r = await api(A, 'POST', '/api/v1/lives', { token: seller.token, body: { title: 'N left', scheduled_at: '2026-12-01T10:00:00Z', product_ids: ids } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.id;
}
function order(srv, u, pid, quantity = 1) {
  return api(srv, 'POST', '/api/v1/orders', { token: u.token, body: { items: [{ product_id: pid, quantity }], shipping_address: ADDR } });
}
const stockFrames = (v, pid) => v.frames.filter((x) => x.f.type === 'stock' && x.f.product_id === pid);
async function stockOf(pid) { return (await api(A, 'GET', `/api/v1/products/${pid}`)).body.stock; }
// waits until v's latest stock frame for pid says stock
async function lastStock(v, pid, stock, timeout = 5000) {
  const stop = Date.now() + timeout;
  for (;;) {
    const fr = stockFrames(v, pid);
    if (fr.length && fr[fr.length - 1].f.stock === stock) return fr;
    if (Date.now() > stop) throw new Error(`no stock ${stock} for ${pid}; got ${JSON.stringify(fr.map((x) => x.f))}`);
    await sleep(10);
  }
}

before(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'bc-push-'));
  const env = { BROADCART_MAX_UNPAID_ORDERS: '1000' };
  A = await startServer({ dataDir, env });
  seller = await makeUser(A, 'seller', 'Push shop');
  buyers = await Promise.all(Array.from({ length: 8 }, () => makeUser(A, 'buyer')));
  B = await startServer({ dataDir, env });
});
after(async () => {
  await A?.stop({ keep: true });
  await B?.stop({ keep: true });
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

test('an order, a cancel and a seller edit each push the new stock to the room; SOLD_OUT shows', async () => {
  const p = await product('Pushed', 3), other = await product('Not in the live', 9);
  const liveId = await createLive([p]);
  const v = await viewer(A, liveId);
  try {
    const o = await order(A, buyers[0], p, 2);
    assert.equal(o.status, 201, JSON.stringify(o.body));
    let fr = await lastStock(v, p, 1);
    assert.deepEqual(fr[fr.length - 1].f, { type: 'stock', product_id: p, stock: 1, status: 'ON_SALE' });
    assert.equal((await order(A, buyers[1], p, 1)).status, 201);
    fr = await lastStock(v, p, 0);
    assert.equal(fr[fr.length - 1].f.status, 'SOLD_OUT');
    assert.equal((await api(A, 'POST', `/api/v1/orders/${o.body.id}/cancel`, { token: buyers[0].token })).status, 200);
    fr = await lastStock(v, p, 2);
    assert.equal(fr[fr.length - 1].f.status, 'ON_SALE');
    assert.equal((await api(A, 'PATCH', `/api/v1/products/${p}`, { token: seller.token, body: { stock: 40 } })).status, 200);
    await lastStock(v, p, 40);
    // a product the live does not carry sends nothing to this room
    assert.equal((await order(A, buyers[2], other, 1)).status, 201);
    await sleep(600);
    assert.equal(v.frames.filter((x) => x.f.type === 'stock' && x.f.product_id === other).length, 0);
    // an unchanged stock is not sent again (a name edit changes the product row, not the stock)
    const before = stockFrames(v, p).length;
    assert.equal((await api(A, 'PATCH', `/api/v1/products/${p}`, { token: seller.token, body: { name: 'Pushed 2' } })).status, 200);
    await sleep(600);
    assert.equal(stockFrames(v, p).length, before);
  } finally {
    v.close();
  }
});

test('a burst of orders is coalesced: at most 4 frames per second per product, the last one exact', async () => {
  const p = await product('Burst', 200);
  const liveId = await createLive([p]);
  const v = await viewer(A, liveId);
  try {
    const t0 = Date.now();
    let n = 0;
    // about 2 s of orders, 8 buyers in parallel, bounded in count and time
    while (Date.now() - t0 < 2000 && n < 160) {
      const rs = await Promise.all(buyers.map((u) => order(A, u, p, 1)));
      for (const r of rs) assert.equal(r.status, 201, JSON.stringify(r.body));
      n += rs.length;
    }
    const final = await stockOf(p);
    assert.equal(final, 200 - n);
    const fr = await lastStock(v, p, final);
    assert.ok(fr.length < n / 2, `${fr.length} frames for ${n} orders: not coalesced`);
    // any window of 1 s (less 100 ms for delivery jitter) holds at most 4 frames
    for (let i = 0; i < fr.length; i++) {
      const inWindow = fr.filter((x) => x.at >= fr[i].at && x.at < fr[i].at + 900).length;
      assert.ok(inWindow <= 4, `${inWindow} frames within 900 ms from ${fr[i].at - t0} ms: ${fr.map((x) => x.at - t0)}`);
    }
    // the stock only goes down during the burst
    for (let i = 1; i < fr.length; i++) assert.ok(fr[i].f.stock < fr[i - 1].f.stock);
  } finally {
    v.close();
  }
});

test('every live carrying the product gets the frame, on both instances; a change made on B reaches A', async () => {
  const p = await product('Shared', 50);
  const l1 = await createLive([p]), l2 = await createLive([p]);
  const onA1 = await viewer(A, l1), onA2 = await viewer(A, l2), onB1 = await viewer(B, l1), onB2 = await viewer(B, l2);
  try {
    await sleep(300); // B has seen the product (its baseline) before the change
    assert.equal((await order(A, buyers[3], p, 5)).status, 201);
    for (const v of [onA1, onA2, onB1, onB2]) {
      const fr = await lastStock(v, p, 45);
      assert.deepEqual(fr[fr.length - 1].f, { type: 'stock', product_id: p, stock: 45, status: 'ON_SALE' });
    }
    assert.equal((await order(B, buyers[4], p, 7)).status, 201);
    for (const v of [onA1, onA2, onB1, onB2]) await lastStock(v, p, 38);
    // each viewer got each value once (no duplicate from the other instance)
    for (const v of [onA1, onB2]) {
      const values = stockFrames(v, p).map((x) => x.f.stock);
      assert.deepEqual(values, [...new Set(values)], JSON.stringify(values));
    }
  } finally {
    for (const v of [onA1, onA2, onB1, onB2]) v.close();
  }
});
