// Followers' notifications (live.h): when a seller schedules a live and when it first goes on air,
// each follower gets one notice (live.FOLLOW_SCHEDULED / live.FOLLOW_LIVE), written by the sweep in
// batches; a restart of the stream does not notify again; non-followers, blocked followers and
// (for the start) followers subscribed to the live get none; a seller with 1,200 followers is
// told to each of them exactly once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startServer, api, makeUser, goLive, sql } from './lib.mjs';

const CALLBACK_TOKEN = randomBytes(24).toString('hex');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let srv, seller, fans, stranger, subscriber, blockedFan, admin, productId;

async function poll(fn, ms, what) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timeout: ${what} (${ms} ms)\n${srv.stderr().slice(-2000)}`);
    await sleep(150);
  }
}
// u's notices of kind about live id
async function notices(u, kind, liveId) {
  const r = await api(srv, 'GET', '/api/v1/notifications?per_page=100', { token: u.token });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.items.filter((n) => n.kind === kind && n.text.endsWith(`(live ${liveId})`));
}
async function createLive(who, title) {
  const r = await api(srv, 'POST', '/api/v1/lives', {
    token: who.token, body: { title, scheduled_at: new Date(Date.now() + 3600e3).toISOString(), product_ids: [productId] },
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}
const count = (q) => Number(sql(srv, q).trim());

before(async () => {
  srv = await startServer({ env: { BROADCART_RTMP_CALLBACK_TOKEN: CALLBACK_TOKEN, BROADCART_LIVE_GRACE: '30' } });
  [seller, stranger, subscriber, blockedFan, admin, ...fans] = await Promise.all([
    makeUser(srv, 'seller', '팔로우상점'), makeUser(srv, 'buyer'), makeUser(srv, 'buyer'), makeUser(srv, 'buyer'),
    makeUser(srv, 'admin'), makeUser(srv, 'buyer'), makeUser(srv, 'buyer'), makeUser(srv, 'buyer'),
  ]);
  for (const u of [...fans, subscriber, blockedFan]) {
    const f = await api(srv, 'POST', `/api/v1/sellers/${seller.id}/follow`, { token: u.token });
    assert.equal(f.status, 200, JSON.stringify(f.body));
  }
  const b = await api(srv, 'PATCH', `/api/v1/admin/users/${blockedFan.id}`, { token: admin.token, body: { blocked: true, blocked_reason: '테스트' } });
  assert.equal(b.status, 200, JSON.stringify(b.body));
  const p = await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: '팔로워 상품', price: 20000, stock: 5 } });
  assert.equal(p.status, 201);
  productId = p.body.id;
});
after(async () => { if (srv) await srv.stop(); });

test('schedule: each follower is notified once; others are not', async () => {
  const l = await createLive(seller, '내일 저녁 라이브');
  for (const u of [...fans, subscriber]) {
    await poll(async () => (await notices(u, 'live.FOLLOW_SCHEDULED', l.id)).length === 1, 10000, 'scheduled notice');
  }
  const n = (await notices(fans[0], 'live.FOLLOW_SCHEDULED', l.id))[0];
  assert.match(n.text, /팔로우상점/);
  assert.match(n.text, /내일 저녁 라이브/);
  await sleep(2500); // a few more sweeps add nothing
  for (const u of [...fans, subscriber]) assert.equal((await notices(u, 'live.FOLLOW_SCHEDULED', l.id)).length, 1);
  assert.equal((await notices(stranger, 'live.FOLLOW_SCHEDULED', l.id)).length, 0);
  assert.equal(count(`SELECT count(*) FROM notices WHERE user_id = ${blockedFan.id} AND kind LIKE 'live.FOLLOW%'`), 0);
  assert.equal(count(`SELECT count(*) FROM notices WHERE user_id = ${seller.id} AND kind LIKE 'live.FOLLOW%'`), 0);
});

test('go live: each follower is notified once; a restart of the stream does not notify again', async () => {
  const l = await createLive(seller, '지금 방송');
  const s = await api(srv, 'POST', `/api/v1/lives/${l.id}/subscription`, { token: subscriber.token });
  assert.ok(s.status === 200 || s.status === 201, JSON.stringify(s.body));
  for (const u of fans) await poll(async () => (await notices(u, 'live.FOLLOW_SCHEDULED', l.id)).length === 1, 10000, 'scheduled');
  await goLive(srv, CALLBACK_TOKEN, l, 'c1');
  for (const u of fans) await poll(async () => (await notices(u, 'live.FOLLOW_LIVE', l.id)).length === 1, 10000, 'live notice');
  // the stream drops and comes back within the grace: the same live continues, nobody is told twice
  const done = await api(srv, 'POST', `/internal/rtmp/on_publish_done?token=${CALLBACK_TOKEN}`, {
    raw: new URLSearchParams({ app: 'live', addr: '127.0.0.1', name: String(l.id), clientid: 'c1', call: 'publish_done' }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(done.status, 200);
  await goLive(srv, CALLBACK_TOKEN, l, 'c2');
  await sleep(2500);
  for (const u of fans) assert.equal((await notices(u, 'live.FOLLOW_LIVE', l.id)).length, 1);
  // the subscribed follower hears it from the subscription only
  await poll(async () => (await notices(subscriber, 'live.LIVE', l.id)).length === 1, 10000, 'subscription notice');
  assert.equal((await notices(subscriber, 'live.FOLLOW_LIVE', l.id)).length, 0);
  assert.equal((await notices(stranger, 'live.FOLLOW_LIVE', l.id)).length, 0);
  assert.equal(count(`SELECT count(*) FROM live_fanouts WHERE live_id = ${l.id}`), 2);
});

test('1,200 followers: every one is told once, in batches', async () => {
  const big = await makeUser(srv, 'seller', '큰상점');
  const tag = `fan${Date.now()}`;
  sql(srv, `INSERT INTO users (email, name, role, password_hash, created_at)
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1200)
    SELECT '${tag}-' || i || '@example.com', 'fan ' || i, 'buyer', '', 0 FROM n`);
  sql(srv, `INSERT INTO seller_follows (seller_id, user_id, created_at)
    SELECT ${big.id}, id, 0 FROM users WHERE email LIKE '${tag}-%'`);
  const p = await api(srv, 'POST', '/api/v1/products', { token: big.token, body: { name: '큰 상품', price: 1000, stock: 5 } });
  const r = await api(srv, 'POST', '/api/v1/lives', {
    token: big.token, body: { title: '대형 라이브', scheduled_at: new Date(Date.now() + 3600e3).toISOString(), product_ids: [p.body.id] },
  });
  assert.equal(r.status, 201);
  const q = `SELECT count(*) FROM notices WHERE kind = 'live.FOLLOW_SCHEDULED' AND text LIKE '%(live ${r.body.id})'`;
  await poll(async () => count(q) >= 1200, 30000, '1200 notices');
  await sleep(1500);
  assert.equal(count(q), 1200);
  assert.equal(count(`SELECT count(DISTINCT user_id) FROM notices WHERE kind = 'live.FOLLOW_SCHEDULED' AND text LIKE '%(live ${r.body.id})'`), 1200);
  assert.equal(sql(srv, `SELECT sent FROM live_fanouts WHERE live_id = ${r.body.id} AND event = 'SCHEDULED'`).trim(), '1200');
  // the request that scheduled it did not wait for them
  assert.ok(r.body.id > 0);
});
