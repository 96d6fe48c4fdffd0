// The room across instances: two `broadcart serve` sharing one data directory and one Redis
// (BROADCART_REDIS_URL). Chat, pin and viewer counts cross instances; a Redis outage degrades chat
// to same-instance delivery and cross-instance delivery comes back by itself. Needs Debian's
// redis-server (installed by `make deps`): without it these tests fail, they do not skip.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, api, makeUser, freePort } from './lib.mjs';
import { startRedis } from './redis.mjs';
import { crossDeliveryResumes, viewer } from './room.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// waits (viewer.settleCount) until c's latest viewer count is n; fails with the counts it saw
async function settleCount(c, n, timeout = 5000) {
  assert.equal(await c.settleCount(n, timeout), n, JSON.stringify(c.frames.filter((x) => x.f.type === 'viewers').map((x) => x.f.count)));
}

let redis, redisPort, dataDir, A, B, seller, liveId, productId;

before(async () => {
  redisPort = await freePort();
  redis = await startRedis(redisPort);
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'bc-cluster-'));
  const env = { BROADCART_REDIS_URL: `redis://127.0.0.1:${redisPort}`, BROADCART_CHAT_RATE: '200' };
  A = await startServer({ dataDir, env });
  seller = await makeUser(A, 'seller', 'Cluster Seller');
  const p = await api(A, 'POST', '/api/v1/products', { token: seller.token, body: { name: 'Mug', price: 9000, stock: 5 } });
  assert.equal(p.status, 201, JSON.stringify(p.body));
  productId = p.body.id;
  const l = await api(A, 'POST', '/api/v1/lives', {
    token: seller.token, body: { title: 'Two instances', scheduled_at: '2026-12-01T10:00:00Z', product_ids: [productId] },
  });
  assert.equal(l.status, 201, JSON.stringify(l.body));
  liveId = l.body.id;
  B = await startServer({ dataDir, env });
});

after(async () => {
  await A?.stop({ keep: true });
  await B?.stop({ keep: true });
  await redis?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

test('a chat message posted on instance A reaches a viewer on B within 100 ms, once; A viewers get it once', async (t) => {
  const u = await makeUser(A, 'buyer', 'Sender');
  const sender = await viewer(A, liveId, u.token);
  const onA = await viewer(A, liveId);
  const onB = await viewer(B, liveId);
  try {
    // both instances announce their counts through Redis: once B sees 3, both are subscribed
    await settleCount(onB, 3);
    await settleCount(onA, 3);
    const lat = [];
    for (let i = 0; i < 5; i++) {
      const text = `cross ${i} ${Date.now()}`;
      const sent = Date.now();
      sender.send({ type: 'chat', text });
      const got = await onB.waitFor((f) => f.type === 'chat' && f.text === text, 2000);
      lat.push(got.at - sent);
      assert.ok(got.at - sent <= 100, `reached B ${got.at - sent} ms after it was sent`);
      assert.equal(got.f.live_id, liveId);
      assert.deepEqual(got.f.user, { id: u.id, name: 'Sender', role: 'buyer' });
      await onA.waitFor((f) => f.type === 'chat' && f.text === text);
      await sender.waitFor((f) => f.type === 'chat' && f.text === text);
      await sleep(30);
    }
    await sleep(300); // a duplicate (our own echo, or a second relay) would have arrived by now
    const chatsB = onB.frames.filter((x) => x.f.type === 'chat');
    const chatsA = onA.frames.filter((x) => x.f.type === 'chat');
    assert.equal(chatsB.length, 5, JSON.stringify(chatsB.map((x) => x.f.text)));
    assert.equal(chatsA.length, 5, JSON.stringify(chatsA.map((x) => x.f.text)));
    assert.equal(sender.frames.filter((x) => x.f.type === 'chat').length, 5);
    assert.equal(new Set(chatsB.map((x) => x.f.id)).size, 5);
    t.diagnostic(`send -> viewer on B: ${lat.join(', ')} ms`);
    // the other direction, and a seller's pin through B's HTTP API
    const v = await makeUser(B, 'buyer', 'Other side');
    const senderB = await viewer(B, liveId, v.token);
    senderB.send({ type: 'chat', text: 'from B' });
    await onA.waitFor((f) => f.type === 'chat' && f.text === 'from B');
    const pin = await api(B, 'POST', `/api/v1/lives/${liveId}/pin`, { token: seller.token, body: { product_id: productId } });
    assert.equal(pin.status, 200, JSON.stringify(pin.body));
    const f = await onA.waitFor((x) => x.type === 'pin');
    assert.equal(f.f.product.id, productId);
    await sleep(300);
    assert.equal(onA.frames.filter((x) => x.f.type === 'pin').length, 1);
    assert.equal(onB.frames.filter((x) => x.f.type === 'pin').length, 1);
    assert.equal(onA.chats('from B').length, 1);
    assert.equal(onB.chats('from B').length, 1);
    senderB.close();
  } finally {
    sender.close();
    onA.close();
    onB.close();
  }
});

test('the viewer count seen on both instances is the sum of both', async () => {
  const a = await Promise.all([viewer(A, liveId), viewer(A, liveId)]);
  const b = await Promise.all([viewer(B, liveId), viewer(B, liveId), viewer(B, liveId)]);
  try {
    for (const c of [...a, ...b]) await settleCount(c, 5);
    assert.equal((await api(A, 'GET', `/api/v1/lives/${liveId}`)).body.viewer_count, 5);
    assert.equal((await api(B, 'GET', `/api/v1/lives/${liveId}`)).body.viewer_count, 5);
    b[0].close();
    b[1].close();
    await settleCount(a[0], 3);
    await settleCount(b[2], 3);
    a[1].close();
    await settleCount(a[0], 2);
    await settleCount(b[2], 2);
  } finally {
    [...a, ...b].forEach((c) => c.close());
  }
});

test('Redis stopped for 5 s: chat stays local on each instance, cross-instance delivery resumes by itself', async () => {
  const ua = await makeUser(A, 'buyer', 'Alice A');
  const ub = await makeUser(B, 'buyer', 'Bob B');
  const sa = await viewer(A, liveId, ua.token);
  const sb = await viewer(B, liveId, ub.token);
  try {
    await settleCount(sa, 2);
    sa.send({ type: 'chat', text: 'before outage' });
    await sb.waitFor((f) => f.type === 'chat' && f.text === 'before outage');

    await redis.stop();
    const down = Date.now();
    await sleep(500);
    // HTTP keeps serving on both
    for (const s of [A, B]) {
      assert.equal((await api(s, 'GET', '/healthz')).status, 200);
      assert.equal((await api(s, 'GET', `/api/v1/lives/${liveId}`)).status, 200);
    }
    // each instance still delivers its own chat to its own viewers
    for (let i = 0; i < 3; i++) {
      sa.send({ type: 'chat', text: `local A ${i}` });
      sb.send({ type: 'chat', text: `local B ${i}` });
      await sa.waitFor((f) => f.type === 'chat' && f.text === `local A ${i}`);
      await sb.waitFor((f) => f.type === 'chat' && f.text === `local B ${i}`);
      await sleep(500);
    }
    while (Date.now() - down < 5000) await sleep(100);

    redis = await startRedis(redisPort);
    // cross-instance delivery comes back without a restart, in both directions
    const { backA, backB } = await crossDeliveryResumes(sa, sb, 10000);
    assert.ok(backB, 'A -> B delivery did not resume');
    assert.ok(backA, 'B -> A delivery did not resume');
    sa.send({ type: 'chat', text: 'after outage' });
    const got = await sb.waitFor((f) => f.type === 'chat' && f.text === 'after outage');
    assert.equal(got.f.user.id, ua.id);
    await settleCount(sb, 2);
    await settleCount(sa, 2);
    // the outage was logged once per instance, not per message
    for (const s of [A, B]) {
      assert.equal((s.stderr().match(/redis connection lost/g) || []).length, 1, s.stderr());
      assert.equal((s.stderr().match(/unavailable/g) || []).length, 0, s.stderr());
      assert.match(s.stderr(), /redis at 127\.0\.0\.1:\d+ is back/);
    }
  } finally {
    sa.close();
    sb.close();
  }
});

test('a malformed BROADCART_REDIS_URL stops serve with the accepted shape', async () => {
  await assert.rejects(startServer({ env: { BROADCART_REDIS_URL: 'http://127.0.0.1:6379' } }),
    /BROADCART_REDIS_URL is not redis:\/\//);
});

test('Redis unreachable at start: the instance serves and chats locally, and joins once Redis answers', async () => {
  const port = await freePort();
  const env = { BROADCART_REDIS_URL: `redis://127.0.0.1:${port}`, BROADCART_CHAT_RATE: '200' };
  const C = await startServer({ dataDir, env });
  const D = await startServer({ dataDir, env });
  let r2;
  try {
    assert.equal((await api(C, 'GET', '/healthz')).status, 200);
    const u = await makeUser(C, 'buyer', 'Early');
    const sc = await viewer(C, liveId, u.token);
    const vd = await viewer(D, liveId);
    sc.send({ type: 'chat', text: 'alone' });
    await sc.waitFor((f) => f.type === 'chat' && f.text === 'alone');
    await sleep(300);
    assert.equal(vd.chats('alone').length, 0);
    r2 = await startRedis(port);
    const end = Date.now() + 10000;
    let n = 0;
    while (!vd.frames.some((x) => x.f.type === 'chat' && x.f.text.startsWith('joined')) && Date.now() < end) {
      sc.send({ type: 'chat', text: `joined ${++n}` });
      await sleep(250);
    }
    assert.ok(vd.frames.some((x) => x.f.type === 'chat' && x.f.text.startsWith('joined')), 'C -> D delivery never started');
    assert.equal((C.stderr().match(/unavailable/g) || []).length, 1, C.stderr());
    sc.close();
    vd.close();
  } finally {
    await C.stop({ keep: true });
    await D.stop({ keep: true });
    await r2?.stop();
  }
});

test('ending a live through instance B sends status ENDED once to the viewers on A and on B', async () => {
  const l = await api(A, 'POST', '/api/v1/lives', {
    token: seller.token, body: { title: 'Short show', scheduled_at: '2026-12-01T11:00:00Z', product_ids: [productId] },
  });
  assert.equal(l.status, 201, JSON.stringify(l.body));
  const onA = await viewer(A, l.body.id);
  const onB = await viewer(B, l.body.id);
  try {
    await settleCount(onA, 2);
    const r = await api(B, 'POST', `/api/v1/lives/${l.body.id}/end`, { token: seller.token });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    for (const c of [onA, onB]) await c.waitFor((f) => f.type === 'status' && f.status === 'ENDED');
    await sleep(300);
    for (const c of [onA, onB]) assert.equal(c.frames.filter((x) => x.f.type === 'status').length, 1);
  } finally {
    onA.close();
    onB.close();
  }
});
