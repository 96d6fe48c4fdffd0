// Unique viewers per live: each signed-in user counted once, each anonymous connection once.
// With BROADCART_REDIS_URL the count is cluster-wide (two instances sharing one data directory or
// one PostgreSQL database, and one Redis): GET /api/v1/lives/{id} `unique_viewers` and the
// `unique` field of viewers frames agree on both instances. Without Redis: the same, in-process.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, api, makeUser, freePort } from './lib.mjs';
import { startRedis } from './redis.mjs';
import { viewer } from './room.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));


async function newLive(srv, seller) {
  const p = await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: 'Tee', price: 7000, stock: 5 } });
  const l = await api(srv, 'POST', '/api/v1/lives', {
    token: seller.token, body: { title: 'Unique', scheduled_at: '2026-12-01T10:00:00Z', product_ids: [p.body.id] },
  });
  assert.equal(l.status, 201, JSON.stringify(l.body));
  return l.body.id;
}

// Polls until fn() returns want (the cluster count is added asynchronously); returns the last value.
async function settle(fn, want, ms = 4000) {
  const end = Date.now() + ms;
  let got;
  while ((got = await fn()) !== want && Date.now() < end) await sleep(50);
  return got;
}

const uniqueOf = (srv, id) => async () => (await api(srv, 'GET', `/api/v1/lives/${id}`)).body.unique_viewers;

let redis, dataDir, A, B, seller;

before(async () => {
  const port = await freePort();
  redis = await startRedis(port);
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'bc-unique-'));
  const env = { BROADCART_REDIS_URL: `redis://127.0.0.1:${port}` };
  A = await startServer({ dataDir, env });
  B = await startServer({ dataDir, env });
  seller = await makeUser(A, 'seller', 'Unique Seller');
});

after(async () => {
  await A?.stop({ keep: true });
  await B?.stop({ keep: true });
  await redis?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

test('unique viewers across instances: a user on A and B counts once, each anonymous connection once', async () => {
  const id = await newLive(A, seller);
  assert.equal((await api(B, 'GET', `/api/v1/lives/${id}`)).body.unique_viewers, 0);
  const u = await makeUser(A, 'buyer', 'Two tabs');
  const v = await makeUser(B, 'buyer', 'One tab');
  const conns = [
    await viewer(A, id, u.token), await viewer(B, id, u.token), // one user, two instances
    await viewer(A, id, v.token),
    await viewer(B, id), await viewer(B, id), // two anonymous connections
  ];
  try {
    assert.equal(await settle(uniqueOf(A, id), 4), 4);
    assert.equal(await settle(uniqueOf(B, id), 4), 4);
    const count = async () => (await api(A, 'GET', `/api/v1/lives/${id}`)).body.viewer_count;
    assert.equal(await settle(count, 5), 5); // connections: the user's two tabs count twice there
    // the viewers frames on both instances carry it too
    for (const c of [conns[0], conns[3]]) assert.equal(await settle(async () => c.lastUnique(), 4), 4);
  } finally {
    conns.forEach((c) => c.close());
  }
  // the count stays after everyone left; a returning user is not counted again, a new one is
  await sleep(300);
  const back = await viewer(B, id, u.token);
  const w = await makeUser(A, 'buyer', 'Late');
  const late = await viewer(A, id, w.token);
  try {
    assert.equal(await settle(uniqueOf(B, id), 5), 5);
    await sleep(1200); // a second re-count on both: nothing else was added
    assert.equal(await uniqueOf(A, id)(), 5);
    assert.equal(await uniqueOf(B, id)(), 5);
    const other = await newLive(B, seller); // per live
    assert.equal(await uniqueOf(A, other)(), 0);
  } finally {
    back.close();
    late.close();
  }
});

test('without Redis: unique viewers of a live on one instance', async () => {
  const s = await startServer();
  try {
    const sl = await makeUser(s, 'seller', 'Solo seller');
    const id = await newLive(s, sl);
    const u = await makeUser(s, 'buyer', 'Solo buyer');
    const a = await viewer(s, id, u.token), b = await viewer(s, id, u.token), c = await viewer(s, id);
    assert.equal(await settle(uniqueOf(s, id), 2), 2);
    assert.equal(await settle(async () => c.lastUnique(), 2), 2);
    [a, b, c].forEach((x) => x.close());
    await sleep(200);
    const d = await viewer(s, id, u.token);
    assert.equal(await uniqueOf(s, id)(), 2);
    d.close();
  } finally {
    await s.stop();
  }
});
