// "N left" with the room bus (BROADCART_REDIS_URL): two instances sharing one data directory and one
// Redis. Each instance learns a stock change from the store's change feed and sends the stock frame
// to its own viewers only (never through the bus), so every viewer gets each value exactly once,
// whichever instance took the order. Needs Debian's redis-server (as the other cluster tests).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, api, makeUser, freePort } from './lib.mjs';
import { startRedis } from './redis.mjs';
import { viewer } from './room.mjs';

const ADDR = { recipient: '홍길동', phone: '010-1234-5678', postcode: '06236', address1: '서울 강남구 테헤란로 1' };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let redis, dataDir, A, B, seller, buyers;

before(async () => {
  const port = await freePort();
  redis = await startRedis(port);
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'bc-push-bus-'));
  const env = { BROADCART_REDIS_URL: `redis://127.0.0.1:${port}`, BROADCART_MAX_UNPAID_ORDERS: '100' };
  A = await startServer({ dataDir, env });
  seller = await makeUser(A, 'seller', 'Bus shop');
  buyers = await Promise.all([makeUser(A, 'buyer'), makeUser(A, 'buyer'), makeUser(A, 'buyer')]);
  B = await startServer({ dataDir, env });
});
after(async () => {
  await A?.stop({ keep: true });
  await B?.stop({ keep: true });
  await redis?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

test('with Redis, viewers on both instances get each stock value once, from orders taken on either', async () => {
  const p = await api(A, 'POST', '/api/v1/products', { token: seller.token, body: { name: 'Bus item', price: 7000, stock: 30 } });
  assert.equal(p.status, 201);
  const pid = p.body.id;
  const l = await api(A, 'POST', '/api/v1/lives', { token: seller.token, body: { title: 'Bus', scheduled_at: '2026-12-01T10:00:00Z', product_ids: [pid] } });
  assert.equal(l.status, 201);
  const onA = await viewer(A, l.body.id), onB = await viewer(B, l.body.id);
  try {
    await sleep(300);
    const order = (srv, u, q) => api(srv, 'POST', '/api/v1/orders', { token: u.token, body: { items: [{ product_id: pid, quantity: q }], shipping_address: ADDR } });
    const expected = [];
    let stock = 30;
    for (const [srv, u, q] of [[A, buyers[0], 2], [B, buyers[1], 3], [A, buyers[2], 4]]) {
      assert.equal((await order(srv, u, q)).status, 201);
      stock -= q;
      expected.push(stock);
      await sleep(400); // more than the coalescing interval: normally one frame per order
    }
    for (const v of [onA, onB]) {
      await v.waitFor((f) => f.type === 'stock' && f.product_id === pid && f.stock === stock, 5000);
      await sleep(300);
      const values = v.frames.filter((x) => x.f.type === 'stock' && x.f.product_id === pid).map((x) => x.f.stock);
      // no value twice (a relayed copy would repeat it), in order, the last one exact; under load two
      // orders may fall into one coalescing interval, so a middle value may be skipped
      assert.deepEqual(values, [...new Set(values)], `no duplicates: ${JSON.stringify(values)}`);
      // the creation's own change (stock 30) may reach the room after the viewers joined when the
      // machine is busy: a true value too, and still first
      assert.ok(values.every((x) => expected.includes(x) || (x === 30 && x === values[0])), JSON.stringify(values));
      for (let i = 1; i < values.length; i++) assert.ok(values[i] < values[i - 1], JSON.stringify(values));
      assert.equal(values[values.length - 1], stock);
    }
  } finally {
    onA.close();
    onB.close();
  }
});
