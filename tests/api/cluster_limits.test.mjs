// Cluster-wide limits (BROADCART_REDIS_URL): two `broadcart serve` sharing one data directory (or
// one PostgreSQL database) and one Redis. The chat rate limit per user and the login / sign-up
// throttles per address and per account hold across both instances at the same totals as on one;
// while Redis is down each instance falls back to its own counts and the shared ones come back by
// themselves. Needs Debian's redis-server: without it these tests fail, they do not skip.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, api, makeUser, freePort } from './lib.mjs';
import { startRedis } from './redis.mjs';
import { viewer } from './room.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const RATE = 5; // BROADCART_CHAT_RATE
let redis, redisPort, dataDir, A, B, seller, liveId;
let addrSeq = 0;
// A distinct client address per call (the instances trust 127.0.0.1 as a proxy).
const newAddr = () => `198.51.100.${++addrSeq}`;
const from = (ip) => ({ 'x-forwarded-for': ip });

// A connection to the live's chat (tests/api/room.mjs): .chat(text) sends, .errors(code) counts refusals.
const chatConn = (srv, token) => viewer(srv, liveId, token);

// Stored chat messages of user in the live whose text starts with prefix.
async function stored(userId, prefix) {
  const h = await api(A, 'GET', `/api/v1/lives/${liveId}/chat?limit=200`);
  assert.equal(h.status, 200);
  return h.body.items.filter((m) => m.user.id === userId && m.text.startsWith(prefix)).length;
}

// Sends n messages from user u alternately through its connections on A and B (a few ms apart);
// returns {stored, limited} once every message was answered (stored or refused).
async function burst(u, prefix, n) {
  const ca = await chatConn(A, u.token), cb = await chatConn(B, u.token);
  try {
    for (let i = 0; i < n; i++) {
      (i % 2 ? cb : ca).chat(`${prefix} ${i}`);
      await sleep(15);
    }
    const end = Date.now() + 5000;
    let s = 0, l = 0;
    for (;;) {
      s = await stored(u.id, prefix);
      l = ca.errors('RATE_LIMITED') + cb.errors('RATE_LIMITED');
      if (s + l >= n || Date.now() > end) break;
      await sleep(100);
    }
    await sleep(300); // nothing more may arrive
    return { stored: await stored(u.id, prefix), limited: ca.errors('RATE_LIMITED') + cb.errors('RATE_LIMITED'),
      errA: ca.errors('RATE_LIMITED'), errB: cb.errors('RATE_LIMITED') };
  } finally {
    ca.close();
    cb.close();
  }
}

function login(srv, email, password, ip) {
  return api(srv, 'POST', '/api/v1/auth/login', { body: { email, password }, headers: from(ip) });
}

const env = () => ({
  BROADCART_REDIS_URL: `redis://127.0.0.1:${redisPort}`,
  BROADCART_CHAT_RATE: String(RATE),
  BROADCART_TRUSTED_PROXIES: '127.0.0.1',
  BROADCART_LOGIN_RATE_PER_ADDR: '6',
  BROADCART_SIGNUP_RATE_PER_ADDR: '4',
});

before(async () => {
  redisPort = await freePort();
  redis = await startRedis(redisPort);
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'bc-limits-'));
  A = await startServer({ dataDir, env: env() });
  B = await startServer({ dataDir, env: env() });
  seller = await makeUser(A, 'seller', 'Limits Seller');
  const p = await api(A, 'POST', '/api/v1/products', { token: seller.token, body: { name: 'Cup', price: 5000, stock: 5 } });
  const l = await api(A, 'POST', '/api/v1/lives', {
    token: seller.token, body: { title: 'Limits', scheduled_at: '2026-12-01T10:00:00Z', product_ids: [p.body.id] },
  });
  assert.equal(l.status, 201, JSON.stringify(l.body));
  liveId = l.body.id;
});

after(async () => {
  await A?.stop({ keep: true });
  await B?.stop({ keep: true });
  await redis?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

test('chat through A and B together: at most BROADCART_CHAT_RATE messages per 10 s across both', async (t) => {
  const u = await makeUser(A, 'buyer', 'Two-tab chatter');
  const watchers = [await chatConn(A), await chatConn(B)]; // other connections of the room
  const r = await burst(u, 'both', 10);
  for (const w of watchers) {
    assert.equal(w.frames.filter((x) => x.f.type === 'chat' && x.f.text.startsWith('both')).length, RATE);
    assert.equal(w.frames.filter((x) => x.f.type === 'error').length, 0, 'refusals go to the sender only');
    w.close();
  }
  t.diagnostic(`stored ${r.stored}, refused ${r.limited} (A ${r.errA}, B ${r.errB})`);
  assert.equal(r.stored, RATE);
  assert.equal(r.limited, 10 - RATE, 'every refused message is answered RATE_LIMITED on its own connection');
  // another user is not affected
  const v = await makeUser(B, 'buyer', 'Other chatter');
  const r2 = await burst(v, 'other', 4);
  assert.deepEqual([r2.stored, r2.limited], [4, 0]);
});

test('a flood through one instance is refused at once and stays within the limit', async () => {
  const u = await makeUser(A, 'buyer', 'Flooder');
  const c = await chatConn(A, u.token);
  try {
    for (let i = 0; i < 40; i++) c.chat(`flood ${i}`); // no pause: most arrive before any is stored
    const end = Date.now() + 5000;
    while ((await stored(u.id, 'flood')) + c.errors('RATE_LIMITED') < 40 && Date.now() < end) await sleep(100);
    await sleep(300);
    assert.equal(await stored(u.id, 'flood'), RATE);
    assert.equal(c.errors('RATE_LIMITED'), 40 - RATE);
    assert.equal(c.errors('BUSY'), 0);
  } finally {
    c.close();
  }
});

test('failed logins of one address spread over A and B hit the per-address limit at the same total', async () => {
  const ip = newAddr();
  for (let i = 0; i < 6; i++) {
    const r = await login(i % 2 ? B : A, `nobody${i}-${Date.now()}@example.com`, 'Wrong0pass', ip);
    assert.equal(r.status, 401, `attempt ${i + 1}: ${JSON.stringify(r.body)}`);
  }
  for (const s of [A, B]) {
    const r = await login(s, `nobody-late-${Date.now()}@example.com`, 'Wrong0pass', ip);
    assert.equal(r.status, 429, JSON.stringify(r.body));
    assert.equal(r.body.error.code, 'RATE_LIMITED');
    const retry = Number(r.headers.get('retry-after'));
    assert.ok(retry >= 590 && retry <= 600, `Retry-After ${retry}`);
  }
  // another address is not limited
  assert.equal((await login(B, 'nobody@example.com', 'Wrong0pass', newAddr())).status, 401);
});

test('failed logins for one account over A and B lock it at 5, cluster-wide; a known address keeps its budget', async () => {
  const v = await makeUser(A, 'buyer', 'Target');
  const owner = newAddr();
  assert.equal((await login(B, v.email, v.password, owner)).status, 200); // owner's address becomes known
  for (let i = 0; i < 5; i++) {
    const r = await login(i % 2 ? B : A, v.email, 'Wrong0pass', newAddr());
    assert.equal(r.status, 401, `attempt ${i + 1}: ${JSON.stringify(r.body)}`);
  }
  for (const s of [A, B]) {
    const r = await login(s, v.email, v.password, newAddr()); // right password, unproven address
    assert.equal(r.status, 429, JSON.stringify(r.body));
    assert.equal(r.body.error.code, 'TOO_MANY_ATTEMPTS');
  }
  assert.equal((await login(A, v.email, v.password, owner)).status, 200, 'the known address still signs in');
});

test('sign-ups of one address over A and B stop at BROADCART_SIGNUP_RATE_PER_ADDR', async () => {
  const ip = newAddr();
  const signup = (s, i) => api(s, 'POST', '/api/v1/auth/signup', {
    body: { email: `su${i}-${Date.now()}@example.com`, password: 'Passw0rd!x', name: `su ${i}` }, headers: from(ip),
  });
  for (let i = 0; i < 4; i++) assert.equal((await signup(i % 2 ? B : A, i)).status, 201);
  for (const s of [A, B]) {
    const r = await signup(s, 9);
    assert.equal(r.status, 429, JSON.stringify(r.body));
    assert.equal(r.body.error.code, 'RATE_LIMITED');
  }
});

test('Redis down: limits fall back to each instance (logged once), and are cluster-wide again once it returns', async () => {
  const w = await makeUser(A, 'buyer', 'Outage chatter');
  const x = await makeUser(A, 'buyer', 'After chatter');
  await redis.stop();
  try {
    // on one instance the in-process limiter still holds the rate
    const ca = await chatConn(A, w.token);
    for (let i = 0; i < RATE + 2; i++) { ca.chat(`down ${i}`); await sleep(15); }
    const end = Date.now() + 5000;
    while ((await stored(w.id, 'down')) + ca.errors('RATE_LIMITED') < RATE + 2 && Date.now() < end) await sleep(100);
    assert.equal(await stored(w.id, 'down'), RATE);
    assert.equal(ca.errors('RATE_LIMITED'), 2);
    ca.close();
    // logins keep working
    assert.equal((await login(B, x.email, x.password, newAddr())).status, 200);
    assert.equal((A.stderr().match(/cluster-wide limits: redis at [^ ]+ does not answer/g) || []).length, 1, A.stderr());
  } finally {
    redis = await startRedis(redisPort);
  }
  await sleep(1500);
  const r = await burst(x, 'back', 8);
  assert.equal(r.stored, RATE);
  assert.equal(r.limited, 8 - RATE);
  assert.match(A.stderr(), /cluster-wide limits: redis at [^ ]+ answers again/);
});
