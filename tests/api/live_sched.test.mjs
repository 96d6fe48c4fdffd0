// Schedules and status (live.h life cycle), with the nginx-rtmp callbacks called directly and the
// HLS playlist written by the test where nginx-rtmp would write it: the schedule fields, MISSED
// after the grace, the stall rule (no new segment) and the end after the grace, a republish within
// the grace continuing the live, "notify me" (reminder 10 minutes before, "live now" notice, the
// mail in the outbox), the calendar, stream key rotation. Short timers: grace 2 s, stall 2 s.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import { startServer, api, makeUser } from './lib.mjs';
import { viewer as chatter } from './room.mjs';
import { makePng } from './fixtures.mjs';

const CALLBACK_TOKEN = randomBytes(24).toString('hex');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let srv, seller, other, buyer, admin, productId;

const iso = (ms) => new Date(ms).toISOString();
const form = (fields) => ({
  raw: new URLSearchParams(fields).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' },
});
const cb = (name, fields) => api(srv, 'POST', `/internal/rtmp/${name}?token=${CALLBACK_TOKEN}`, form({ app: 'live', addr: '127.0.0.1', ...fields }));
const publishCb = (l, clientid, key = l.stream_key) => cb('on_publish', { call: 'publish', type: 'live', name: String(l.id), clientid, key });
const doneCb = (l, clientid) => cb('on_publish_done', { call: 'publish_done', name: String(l.id), clientid });
const getLive = async (id, token) => (await api(srv, 'GET', `/api/v1/lives/${id}`, { token })).body;

async function createLive(body = {}, who = seller) {
  const r = await api(srv, 'POST', '/api/v1/lives', {
    token: who.token, body: { title: 'Schedule show', scheduled_at: iso(Date.now() + 3600e3), product_ids: [productId], ...body },
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

async function poll(fn, ms, what) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timeout: ${what} (${ms} ms)\n${srv.stderr().slice(-2000)}`);
    await sleep(100);
  }
}

async function viewer(liveId) {
  const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/api/v1/lives/${liveId}/chat`);
  const frames = [];
  ws.on('message', (d) => frames.push(JSON.parse(d.toString())));
  await new Promise((res, rej) => { ws.once('open', res); ws.once('error', rej); });
  return { frames, close: () => ws.terminate(), has: (f) => frames.some(f) };
}

// Writes the live's HLS playlist as nginx-rtmp does at every new segment.
function segment(liveId, n) {
  const dir = path.join(srv.dataDir, 'hls', String(liveId));
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'index.m3u8'), `#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:${n}\n#EXTINF:1.000,\n${n}.ts\n`);
}

before(async () => {
  srv = await startServer({
    env: { BROADCART_RTMP_CALLBACK_TOKEN: CALLBACK_TOKEN, BROADCART_LIVE_GRACE: '2', BROADCART_LIVE_STALL: '2' },
  });
  [seller, other, buyer, admin] = await Promise.all([makeUser(srv, 'seller', 'Sched Store'), makeUser(srv, 'seller'),
    makeUser(srv, 'buyer'), makeUser(srv, 'admin')]);
  const p = await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: 'Kettle', price: 20000, stock: 5 } });
  assert.equal(p.status, 201);
  productId = p.body.id;
});

after(async () => { if (srv) await srv.stop(); });

test('a live carries its schedule: expected length, cover image (an upload) and region', async () => {
  const up = await api(srv, 'POST', '/api/v1/media/images', { token: seller.token, raw: makePng(8, 6), headers: { 'content-type': 'image/png' } });
  assert.equal(up.status, 201, JSON.stringify(up.body));
  const l = await createLive({ duration_min: 45, cover_url: up.body.url, region: { sido: '서울특별시', sigungu: '강남구' } });
  assert.equal(l.duration_min, 45);
  assert.equal(l.cover_url, up.body.url);
  assert.deepEqual(l.region, { sido: '서울특별시', sigungu: '강남구' });
  assert.equal(l.interrupted_at, null);
  assert.equal(l.subscribers, 0);
  assert.equal(l.subscribed, false);
  const d = await createLive();
  assert.equal(d.duration_min, 60, 'default length');
  assert.equal(d.cover_url, null);
  assert.equal(d.region, null);
  for (const [body, what, code = 'VALIDATION_FAILED'] of [[{ duration_min: 0 }, 'zero length'], [{ duration_min: 1441 }, 'over a day'],
    [{ cover_url: 'https://evil.example/x.png' }, 'external cover'],
    [{ cover_url: '/media/uploads/AbCdEfGhIjKlMnOpQrStUvWxYz012345.png' }, 'never uploaded'],
    [{ region: { sido: '서울특별시', sigungu: 'x'.repeat(21) } }, 'long 시/군/구', 'INVALID_REGION'],
    [{ region: { sido: 'Seoul' } }, 'not a 시/도', 'INVALID_REGION'], [{ region: '서울' }, 'free text (not an object)']]) {
    const r = await api(srv, 'POST', '/api/v1/lives', {
      token: seller.token, body: { title: 'Bad', scheduled_at: iso(Date.now() + 3600e3), product_ids: [productId], ...body },
    });
    assert.equal(r.status, 422, what);
    assert.equal(r.body.error.code, code, what);
  }
});

test('a live never published within the grace becomes MISSED and refuses its key', async () => {
  const l = await createLive({ scheduled_at: iso(Date.now()) });
  const v = await viewer(l.id);
  try {
    await poll(async () => (await getLive(l.id)).status === 'MISSED', 8000, 'MISSED');
    await poll(() => v.has((f) => f.type === 'status' && f.status === 'MISSED'), 3000, 'MISSED frame');
    assert.equal((await publishCb(l, '31')).status, 403, 'a missed live cannot go on air');
    const missed = (await api(srv, 'GET', '/api/v1/lives?status=MISSED')).body.items;
    assert.ok(missed.some((x) => x.id === l.id));
    assert.ok(!(await api(srv, 'GET', '/api/v1/lives')).body.items.some((x) => x.id === l.id), 'not in the default list');
    const s = await api(srv, 'POST', `/api/v1/lives/${l.id}/subscription`, { token: buyer.token });
    assert.equal(s.status, 409);
    assert.equal(s.body.error.code, 'LIVE_ENDED');
    const k = await api(srv, 'POST', `/api/v1/lives/${l.id}/stream-key`, { token: seller.token });
    assert.equal(k.status, 409);
    // its room is closed: a message is not stored nor broadcast (it was, before MISSED was refused there)
    const c = await chatter(srv, l.id, buyer.token);
    try {
      c.chat('anyone here?');
      await sleep(700);
      assert.ok(!v.has((f) => f.type === 'chat'), 'no chat frame in a MISSED room');
      assert.deepEqual((await api(srv, 'GET', `/api/v1/lives/${l.id}/chat`)).body.items, []);
    } finally { c.close(); }
    // a live published in time is not missed
    const ok = await createLive({ scheduled_at: iso(Date.now()) });
    assert.equal((await publishCb(ok, '32')).status, 200);
    assert.equal((await getLive(ok.id)).status, 'LIVE');
    assert.equal((await api(srv, 'POST', `/api/v1/lives/${ok.id}/end`, { token: seller.token })).status, 200);
  } finally {
    v.close();
  }
});

test('new HLS segments keep a live on air; without them it is interrupted, then ended after the grace', async () => {
  const l = await createLive();
  const v = await viewer(l.id);
  try {
    assert.equal((await publishCb(l, '41')).status, 200);
    // segments for 3 s (longer than the stall): still LIVE with its publisher
    for (let i = 0; i < 6; i++) { segment(l.id, i); await sleep(500); }
    let live = await getLive(l.id);
    assert.equal(live.status, 'LIVE');
    assert.equal(live.interrupted_at, null, 'segments kept coming');
    assert.equal((await cb('on_update', { call: 'update_publish', name: String(l.id), clientid: '41' })).status, 200);
    // no more segments: interrupted after the stall (the publisher is refused at its next update) ...
    await poll(async () => (await getLive(l.id)).interrupted_at !== null, 8000, 'interrupted by the stall');
    assert.ok(v.has((f) => f.type === 'status' && f.status === 'LIVE' && f.interrupted === true));
    assert.equal((await cb('on_update', { call: 'update_publish', name: String(l.id), clientid: '41' })).status, 403);
    // ... then ENDED when the grace passes without a republish
    await poll(async () => (await getLive(l.id)).status === 'ENDED', 8000, 'ENDED after the grace');
    await poll(() => v.has((f) => f.type === 'status' && f.status === 'ENDED'), 3000, 'ENDED frame');
    live = await getLive(l.id);
    assert.ok(live.ended_at);
    assert.equal((await publishCb(l, '42')).status, 403, 'an ended live cannot go on air again');
  } finally {
    v.close();
  }
});

test('a publisher that leaves may come back within the grace: the same live continues', async () => {
  const l = await createLive();
  assert.equal((await publishCb(l, '51')).status, 200);
  const first = await getLive(l.id);
  segment(l.id, 0);
  assert.equal((await doneCb(l, '51')).status, 200);
  const paused = await getLive(l.id);
  assert.equal(paused.status, 'LIVE');
  assert.ok(paused.interrupted_at);
  assert.equal((await publishCb(l, '52')).status, 200, 'republished within the grace');
  const again = await getLive(l.id);
  assert.equal(again.status, 'LIVE');
  assert.equal(again.interrupted_at, null);
  assert.equal(again.started_at, first.started_at);
  assert.equal(again.hls_url, first.hls_url, 'same HLS path, same replay');
  // the publisher leaves again and stays away: ENDED after the grace, the key no longer works
  assert.equal((await doneCb(l, '52')).status, 200);
  await poll(async () => (await getLive(l.id)).status === 'ENDED', 8000, 'ENDED after the grace');
  assert.equal((await publishCb(l, '53')).status, 403);
});

test('notify me: a reminder 10 minutes before, a notice when it goes live, mailed through the outbox', async () => {
  const soon = await createLive({ title: 'Soon show', scheduled_at: iso(Date.now() + 5 * 60e3) });
  const later = await createLive({ title: 'Later show', scheduled_at: iso(Date.now() + 3600e3) });
  assert.equal((await api(srv, 'POST', `/api/v1/lives/${soon.id}/subscription`)).status, 401, 'signed-in only');
  let r = await api(srv, 'POST', `/api/v1/lives/${soon.id}/subscription`, { token: buyer.token });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body, { live_id: soon.id, subscribed: true, subscribers: 1 });
  r = await api(srv, 'POST', `/api/v1/lives/${soon.id}/subscription`, { token: buyer.token });
  assert.equal(r.body.subscribers, 1, 'idempotent');
  assert.equal((await api(srv, 'POST', `/api/v1/lives/${later.id}/subscription`, { token: buyer.token })).status, 200);
  assert.equal((await api(srv, 'POST', '/api/v1/lives/999999/subscription', { token: buyer.token })).status, 404);
  assert.equal((await getLive(soon.id, buyer.token)).subscribed, true);
  assert.equal((await getLive(soon.id)).subscribed, false, 'anonymous');
  assert.equal((await getLive(soon.id)).subscribers, 1);

  const notices = async () => (await api(srv, 'GET', '/api/v1/notifications?per_page=50', { token: buyer.token })).body.items;
  const reminder = await poll(async () => (await notices()).find((n) => n.kind === 'live.REMINDER'), 5000, 'reminder');
  assert.match(reminder.text, /Soon show/);
  assert.match(reminder.text, /starts in [1-5] min/);
  await sleep(1200);
  assert.equal((await notices()).filter((n) => n.kind === 'live.REMINDER').length, 1, 'once, and none for the later live');

  assert.equal((await publishCb(later, '61')).status, 200);
  const liveNotice = await poll(async () => (await notices()).find((n) => n.kind === 'live.LIVE'), 5000, 'live notice');
  assert.match(liveNotice.text, /Later show/);
  // no SMTP here: the mails wait in the admin's outbox
  const outbox = (await api(srv, 'GET', '/api/v1/admin/outbox?per_page=100', { token: admin.token })).body.items;
  assert.ok(outbox.some((m) => m.notice_id === liveNotice.id), 'mailed through the notices module');
  // subscribing while LIVE: no late "live now" notice
  const late = await makeUser(srv, 'buyer');
  assert.equal((await api(srv, 'POST', `/api/v1/lives/${later.id}/subscription`, { token: late.token })).status, 200);
  await sleep(1200);
  assert.equal((await api(srv, 'GET', '/api/v1/notifications', { token: late.token })).body.items.length, 0);

  r = await api(srv, 'DELETE', `/api/v1/lives/${soon.id}/subscription`, { token: buyer.token });
  assert.deepEqual(r.body, { live_id: soon.id, subscribed: false, subscribers: 0 });
  assert.equal((await getLive(soon.id, buyer.token)).subscribed, false);
  assert.equal((await api(srv, 'POST', `/api/v1/lives/${later.id}/end`, { token: seller.token })).status, 200);
});

test('calendar: scheduled lives in the range and running ones, by start, at most 31 days', async () => {
  const base = Date.now() + 30 * 86400e3; // a month ahead: only this test's lives
  const a = await createLive({ title: 'Cal A', scheduled_at: iso(base + 2 * 3600e3), region: { sido: '부산광역시' } });
  const b = await createLive({ title: 'Cal B', scheduled_at: iso(base + 3600e3), region: { sido: '서울특별시', sigungu: '마포구' } });
  await createLive({ title: 'Cal out', scheduled_at: iso(base + 3 * 86400e3) });
  const q = (from, to, extra = '') => api(srv, 'GET', `/api/v1/lives/calendar?from=${encodeURIComponent(iso(from))}&to=${encodeURIComponent(iso(to))}${extra}`, { token: buyer.token });
  let r = await q(base, base + 86400e3);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body.items.map((x) => x.id), [b.id, a.id]);
  assert.equal(r.body.items[0].stream_key, undefined, 'no secrets');
  assert.equal(r.body.from, iso(base));
  r = await q(base, base + 86400e3, `&region=${encodeURIComponent('서울')}`);
  assert.deepEqual(r.body.items.map((x) => x.id), [b.id]);
  r = await q(base, base + 86400e3, `&region=${encodeURIComponent('서울특별시 마포구')}`);
  assert.deepEqual(r.body.items.map((x) => x.id), [b.id]);
  r = await q(base, base + 86400e3, `&region=${encodeURIComponent('서울특별시 강남구')}`);
  assert.deepEqual(r.body.items, []);
  assert.equal((await q(base, base + 86400e3, '&region=Busan')).status, 422, 'not a 시/도');
  // a LIVE live running into the range
  const now = await createLive({ title: 'Cal now', duration_min: 120 });
  assert.equal((await publishCb(now, '71')).status, 200);
  r = await q(Date.now() - 60e3, Date.now() + 60e3);
  assert.ok(r.body.items.some((x) => x.id === now.id && x.status === 'LIVE'));
  assert.equal((await api(srv, 'POST', `/api/v1/lives/${now.id}/end`, { token: seller.token })).status, 200);
  // bounds
  assert.equal((await q(base, base + 32 * 86400e3)).status, 422, 'over 31 days');
  assert.equal((await q(base, base)).status, 422, 'empty range');
  assert.equal((await api(srv, 'GET', '/api/v1/lives/calendar?from=yesterday&to=today')).status, 422);
  assert.equal((await api(srv, 'GET', '/api/v1/lives/calendar')).status, 422, 'from/to required');
});

test('stream key rotation: only the seller, the old key stops at once, a publisher on it is interrupted', async () => {
  const l = await createLive();
  assert.equal((await api(srv, 'POST', `/api/v1/lives/${l.id}/stream-key`, { token: other.token })).status, 403);
  assert.equal((await api(srv, 'POST', `/api/v1/lives/${l.id}/stream-key`, { token: buyer.token })).status, 403);
  assert.equal((await api(srv, 'POST', `/api/v1/lives/${l.id}/stream-key`)).status, 401);
  let r = await api(srv, 'POST', `/api/v1/lives/${l.id}/stream-key`, { token: seller.token });
  assert.equal(r.status, 200);
  const key1 = r.body.stream_key;
  assert.match(key1, /^[A-Za-z0-9]{32}$/);
  assert.notEqual(key1, l.stream_key);
  assert.equal(r.body.obs_stream_key, `${l.id}?key=${key1}`);
  assert.equal((await publishCb(l, '81')).status, 403, 'the old key is refused');
  assert.equal((await publishCb(l, '81', key1)).status, 200);
  const v = await viewer(l.id);
  try {
    r = await api(srv, 'POST', `/api/v1/lives/${l.id}/stream-key`, { token: seller.token });
    const key2 = r.body.stream_key;
    assert.notEqual(key2, key1);
    assert.ok(r.body.interrupted_at, 'the publisher on the old key is gone');
    await poll(() => v.has((f) => f.type === 'status' && f.interrupted === true), 3000, 'interrupted frame');
    assert.equal((await cb('on_update', { call: 'update_publish', name: String(l.id), clientid: '81' })).status, 403);
    assert.equal((await publishCb(l, '82', key1)).status, 403);
    assert.equal((await publishCb(l, '82', key2)).status, 200, 'the new key continues the live');
    assert.equal((await getLive(l.id)).status, 'LIVE');
  } finally {
    v.close();
  }
  assert.equal((await api(srv, 'POST', `/api/v1/lives/${l.id}/end`, { token: seller.token })).status, 200);
});
