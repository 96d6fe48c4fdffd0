// Lives: create/list/get, stream-key visibility, pinning (broadcast to the room), ending,
// authorization, validation, and the nginx-rtmp callbacks called directly (no nginx needed).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { startServer, api, makeUser } from './lib.mjs';

// the nginx-rtmp callbacks carry it as ?token= (broadcart-rtmp.service setup)
const CALLBACK_TOKEN = randomBytes(24).toString('hex');
let srv, sellerA, sellerB, buyer, admin;
let pA1, pA2, pA3, pB1;

async function product(seller, name) {
  const r = await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name, price: 12000, stock: 10 } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.id;
}

async function createLive(seller, productIds, title = 'Evening show') {
  const r = await api(srv, 'POST', '/api/v1/lives', {
    token: seller.token,
    body: { title, scheduled_at: '2026-12-01T10:00:00Z', product_ids: productIds },
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

// A WebSocket viewer that records every frame; waitFor polls the recorded frames (bounded).
async function viewer(liveId, token) {
  const q = token ? `?access_token=${token}` : '';
  const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/api/v1/lives/${liveId}/chat${q}`);
  const frames = [];
  ws.on('message', (d) => frames.push(JSON.parse(d.toString())));
  await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('ws open timeout')), 5000);
    ws.once('open', () => { clearTimeout(t); resolve(); });
    ws.once('error', (e) => { clearTimeout(t); reject(e); });
  });
  return {
    ws, frames,
    async waitFor(pred, timeout = 3000) {
      const end = Date.now() + timeout;
      for (;;) {
        const f = frames.find(pred);
        if (f) return f;
        if (Date.now() > end) throw new Error(`no matching frame in ${timeout} ms; got ${JSON.stringify(frames)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close() { ws.terminate(); },
  };
}

function form(fields) {
  return { raw: new URLSearchParams(fields).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } };
}

before(async () => {
  srv = await startServer({ env: { BROADCART_RTMP_CALLBACK_TOKEN: CALLBACK_TOKEN } });
  sellerA = await makeUser(srv, 'seller', 'Store A');
  sellerB = await makeUser(srv, 'seller', 'Store B');
  buyer = await makeUser(srv, 'buyer');
  admin = await makeUser(srv, 'admin');
  pA1 = await product(sellerA, 'Scarf');
  pA2 = await product(sellerA, 'Gloves');
  pA3 = await product(sellerA, 'Hat');
  pB1 = await product(sellerB, 'Other store item');
});
after(async () => { await srv.stop(); });

test('create a live: shape, stream key, products in order', async () => {
  const l = await createLive(sellerA, [pA2, pA1]);
  assert.equal(l.status, 'SCHEDULED');
  assert.equal(l.title, 'Evening show');
  assert.equal(l.seller_id, sellerA.id);
  assert.equal(l.seller_name, 'Store A');
  assert.equal(l.scheduled_at, '2026-12-01T10:00:00.000Z');
  assert.equal(l.started_at, null);
  assert.equal(l.ended_at, null);
  assert.equal(l.viewer_count, 0);
  assert.equal(l.pinned_product, null);
  assert.equal(l.hls_url, `/hls/${l.id}/index.m3u8`);
  assert.match(l.stream_key, /^[A-Za-z0-9]{32}$/);
  assert.match(l.rtmp_url, /^rtmp:\/\/[^/]+:\d+\/live$/);
  assert.equal(l.obs_stream_key, `${l.id}?key=${l.stream_key}`);
  assert.equal(l.publish_url, `${l.rtmp_url}/${l.id}?key=${l.stream_key}`);
  assert.deepEqual(l.products.map((p) => p.id), [pA2, pA1]);
  assert.equal(l.products[0].name, 'Gloves');
  assert.equal(l.products[0].seller_name, 'Store A');
  assert.equal(l.products[0].price, 12000);
  const other = await createLive(sellerA, [pA1]);
  assert.notEqual(other.stream_key, l.stream_key);
});

test('stream key only for its seller and admins', async () => {
  const l = await createLive(sellerA, [pA1]);
  const anon = await api(srv, 'GET', `/api/v1/lives/${l.id}`);
  assert.equal(anon.status, 200);
  assert.equal(anon.body.id, l.id);
  for (const k of ['stream_key', 'rtmp_url', 'obs_stream_key', 'publish_url']) assert.equal(anon.body[k], undefined, k);
  assert.equal((await api(srv, 'GET', `/api/v1/lives/${l.id}`, { token: buyer.token })).body.stream_key, undefined);
  assert.equal((await api(srv, 'GET', `/api/v1/lives/${l.id}`, { token: sellerB.token })).body.stream_key, undefined);
  assert.equal((await api(srv, 'GET', `/api/v1/lives/${l.id}`, { token: sellerA.token })).body.stream_key, l.stream_key);
  assert.equal((await api(srv, 'GET', `/api/v1/lives/${l.id}`, { token: admin.token })).body.stream_key, l.stream_key);
  const list = await api(srv, 'GET', '/api/v1/lives');
  assert.ok(list.body.items.every((x) => x.stream_key === undefined));
  assert.equal((await api(srv, 'GET', '/api/v1/lives/999999')).status, 404);
  assert.equal((await api(srv, 'GET', '/api/v1/lives/abc')).status, 404);
  assert.equal((await api(srv, 'GET', `/api/v1/lives/${l.id}`, { token: 'garbage' })).status, 401);
});

test('list: default order, status filter, seller list', async () => {
  const late = await api(srv, 'POST', '/api/v1/lives', {
    token: sellerB.token, body: { title: 'Late', scheduled_at: '2027-01-01T00:00:00+09:00', product_ids: [pB1] },
  });
  assert.equal(late.status, 201);
  const early = await api(srv, 'POST', '/api/v1/lives', {
    token: sellerB.token, body: { title: 'Early', scheduled_at: '2026-06-01T00:00:00Z', product_ids: [pB1] },
  });
  const all = await api(srv, 'GET', '/api/v1/lives');
  assert.equal(all.status, 200);
  const ids = all.body.items.map((x) => x.id);
  assert.ok(ids.indexOf(early.body.id) < ids.indexOf(late.body.id), 'scheduled lives by time');
  const times = all.body.items.filter((x) => x.status === 'SCHEDULED').map((x) => x.scheduled_at);
  assert.deepEqual(times, [...times].sort());
  const sched = await api(srv, 'GET', '/api/v1/lives?status=SCHEDULED');
  assert.ok(sched.body.items.length >= 2 && sched.body.items.every((x) => x.status === 'SCHEDULED'));
  assert.deepEqual((await api(srv, 'GET', '/api/v1/lives?status=LIVE')).body.items.filter((x) => x.status !== 'LIVE'), []);
  assert.equal((await api(srv, 'GET', '/api/v1/lives?status=BOGUS')).status, 422);

  const mine = await api(srv, 'GET', '/api/v1/seller/lives', { token: sellerB.token });
  assert.equal(mine.status, 200);
  assert.ok(mine.body.items.length >= 2);
  assert.ok(mine.body.items.every((x) => x.seller_id === sellerB.id && /^[A-Za-z0-9]{32}$/.test(x.stream_key)));
  assert.equal((await api(srv, 'GET', '/api/v1/seller/lives', { token: buyer.token })).status, 403);
  assert.equal((await api(srv, 'GET', '/api/v1/seller/lives')).status, 401);
});

test('authorization and validation of create', async () => {
  const body = { title: 'x', scheduled_at: '2026-12-01T10:00:00Z', product_ids: [pA1] };
  assert.equal((await api(srv, 'POST', '/api/v1/lives', { body })).status, 401);
  assert.equal((await api(srv, 'POST', '/api/v1/lives', { token: buyer.token, body })).status, 403);
  const bad = async (patch, code = 'VALIDATION_FAILED') => {
    const r = await api(srv, 'POST', '/api/v1/lives', { token: sellerA.token, body: { ...body, ...patch } });
    assert.equal(r.status, 422, `${JSON.stringify(patch)} -> ${JSON.stringify(r.body)}`);
    assert.equal(r.body.error.code, code);
  };
  await bad({ title: '' });
  await bad({ title: '   ' });
  await bad({ title: 'x'.repeat(101) });
  await bad({ scheduled_at: 'tomorrow' });
  await bad({ scheduled_at: '2026-13-01T10:00:00Z' });
  await bad({ product_ids: [] });
  await bad({ product_ids: Array.from({ length: 21 }, () => pA1) });
  await bad({ product_ids: ['1'] });
  await bad({ product_ids: [0] });
  await bad({ product_ids: [pB1] }, 'INVALID_PRODUCT');
  await bad({ product_ids: [pA1, pB1] }, 'INVALID_PRODUCT');
  await bad({ product_ids: [987654] }, 'INVALID_PRODUCT');
  await bad({ extra: 1 });
  const ok = await api(srv, 'POST', '/api/v1/lives', { token: sellerA.token, body: { ...body, title: '가'.repeat(100), product_ids: [pA1, pA1] } });
  assert.equal(ok.status, 201);
  assert.deepEqual(ok.body.products.map((p) => p.id), [pA1], 'duplicates are ignored');
});

test('pin broadcasts to every viewer; authorization and product rules', async () => {
  const l = await createLive(sellerA, [pA1, pA2]);
  const v1 = await viewer(l.id);
  const v2 = await viewer(l.id, buyer.token);
  try {
    const r = await api(srv, 'POST', `/api/v1/lives/${l.id}/pin`, { token: sellerA.token, body: { product_id: pA2 } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.pinned_product.id, pA2);
    for (const v of [v1, v2]) {
      const f = await v.waitFor((x) => x.type === 'pin');
      assert.equal(f.product.id, pA2);
      assert.equal(f.product.name, 'Gloves');
    }
    assert.equal((await api(srv, 'GET', `/api/v1/lives/${l.id}`)).body.pinned_product.id, pA2);

    // the seller's own product outside the live is added to it
    const add = await api(srv, 'POST', `/api/v1/lives/${l.id}/pin`, { token: sellerA.token, body: { product_id: pA3 } });
    assert.equal(add.status, 200);
    assert.deepEqual(add.body.products.map((p) => p.id), [pA1, pA2, pA3]);
    await v1.waitFor((x) => x.type === 'pin' && x.product && x.product.id === pA3);

    const other = await api(srv, 'POST', `/api/v1/lives/${l.id}/pin`, { token: sellerA.token, body: { product_id: pB1 } });
    assert.equal(other.status, 422);
    assert.equal(other.body.error.code, 'INVALID_PRODUCT');
    assert.equal((await api(srv, 'POST', `/api/v1/lives/${l.id}/pin`, { token: sellerA.token, body: { product_id: 555555 } })).status, 422);
    assert.equal((await api(srv, 'POST', `/api/v1/lives/${l.id}/pin`, { token: sellerA.token, body: { product_id: 'x' } })).status, 422);
    assert.equal((await api(srv, 'POST', `/api/v1/lives/${l.id}/pin`, { token: sellerA.token, body: {} })).status, 422);
    assert.equal((await api(srv, 'POST', `/api/v1/lives/${l.id}/pin`, { token: sellerB.token, body: { product_id: pA1 } })).status, 403);
    assert.equal((await api(srv, 'POST', `/api/v1/lives/${l.id}/pin`, { token: buyer.token, body: { product_id: pA1 } })).status, 403);
    assert.equal((await api(srv, 'POST', `/api/v1/lives/${l.id}/pin`, { body: { product_id: pA1 } })).status, 401);
    assert.equal((await api(srv, 'POST', '/api/v1/lives/999999/pin', { token: sellerA.token, body: { product_id: pA1 } })).status, 404);

    const n = v2.frames.length;
    const un = await api(srv, 'POST', `/api/v1/lives/${l.id}/pin`, { token: sellerA.token, body: { product_id: null } });
    assert.equal(un.status, 200);
    assert.equal(un.body.pinned_product, null);
    const f = await v2.waitFor((x, i) => i >= n && x.type === 'pin');
    assert.equal(f.product, null);
  } finally {
    v1.close();
    v2.close();
  }
});

test('end: only its seller; viewers get status ENDED; ended lives refuse pins', async () => {
  const l = await createLive(sellerA, [pA1]);
  const v = await viewer(l.id);
  try {
    assert.equal((await api(srv, 'POST', `/api/v1/lives/${l.id}/end`, { token: sellerB.token })).status, 403);
    assert.equal((await api(srv, 'POST', `/api/v1/lives/${l.id}/end`, { token: buyer.token })).status, 403);
    const r = await api(srv, 'POST', `/api/v1/lives/${l.id}/end`, { token: sellerA.token });
    assert.equal(r.status, 200);
    assert.equal(r.body.status, 'ENDED');
    assert.ok(r.body.ended_at);
    await v.waitFor((x) => x.type === 'status' && x.status === 'ENDED');
    assert.equal((await api(srv, 'POST', `/api/v1/lives/${l.id}/end`, { token: sellerA.token })).status, 200, 'idempotent');
    const pin = await api(srv, 'POST', `/api/v1/lives/${l.id}/pin`, { token: sellerA.token, body: { product_id: pA1 } });
    assert.equal(pin.status, 409);
    const ended = await api(srv, 'GET', '/api/v1/lives?status=ENDED');
    assert.ok(ended.body.items.some((x) => x.id === l.id));
  } finally {
    v.close();
  }
});

test('rtmp callbacks: key check, LIVE/interrupted/ENDED transitions keyed on clientid', async () => {
  const l = await createLive(sellerA, [pA1]);
  const v = await viewer(l.id);
  const cb = (name, fields) => api(srv, 'POST', `/internal/rtmp/${name}?token=${CALLBACK_TOKEN}`, form({ app: 'live', addr: '127.0.0.1', ...fields }));
  try {
    assert.equal((await cb('on_publish', { clientid: '7', call: 'publish', name: String(l.id), type: 'live', key: 'wrong' })).status, 403);
    assert.equal((await cb('on_publish', { clientid: '7', call: 'publish', name: String(l.id), type: 'live' })).status, 403);
    assert.equal((await cb('on_publish', { clientid: '7', call: 'publish', name: '999999', key: l.stream_key })).status, 403);
    assert.equal((await cb('on_publish', { clientid: '7', call: 'publish', name: 'abc', key: l.stream_key })).status, 403);
    assert.equal((await api(srv, 'GET', `/api/v1/lives/${l.id}`)).body.status, 'SCHEDULED');

    const ok = await cb('on_publish', { clientid: '8', call: 'publish', name: String(l.id), type: 'live', key: l.stream_key });
    assert.equal(ok.status, 200);
    await v.waitFor((x) => x.type === 'status' && x.status === 'LIVE');
    const live = (await api(srv, 'GET', `/api/v1/lives/${l.id}`)).body;
    assert.equal(live.status, 'LIVE');
    assert.ok(live.started_at);
    assert.equal((await api(srv, 'GET', '/api/v1/lives')).body.items[0].status, 'LIVE', 'LIVE lives come first');

    // a second publisher is refused while the first is on air
    assert.equal((await cb('on_publish', { clientid: '9', call: 'publish', name: String(l.id), key: l.stream_key })).status, 403);
    assert.equal((await cb('on_update', { clientid: '8', call: 'update_publish', name: String(l.id), key: l.stream_key })).status, 200);
    assert.equal((await cb('on_update', { clientid: '9', call: 'update_publish', name: String(l.id) })).status, 403);
    // publish_done of a refused duplicate (other clientid) changes nothing
    assert.equal((await cb('on_publish_done', { clientid: '9', call: 'publish_done', name: String(l.id) })).status, 200);
    assert.equal((await api(srv, 'GET', `/api/v1/lives/${l.id}`)).body.status, 'LIVE');

    await api(srv, 'POST', `/api/v1/lives/${l.id}/pin`, { token: sellerA.token, body: { product_id: pA1 } });
    // the publisher leaves: the live is interrupted (still LIVE, no publisher) until republished
    // within BROADCART_LIVE_GRACE (its end after the grace: live_sched.test.mjs)
    assert.equal((await cb('on_publish_done', { clientid: '8', call: 'publish_done', name: String(l.id), key: l.stream_key })).status, 200);
    await v.waitFor((x) => x.type === 'status' && x.status === 'LIVE' && x.interrupted === true);
    const paused = (await api(srv, 'GET', `/api/v1/lives/${l.id}`)).body;
    assert.equal(paused.status, 'LIVE');
    assert.ok(paused.interrupted_at);
    assert.equal(paused.pinned_product.id, pA1, 'the pin survives an interruption');
    assert.equal((await cb('on_update', { clientid: '8', call: 'update_publish', name: String(l.id) })).status, 403);
    // a republish with the key continues the same live
    assert.equal((await cb('on_publish', { clientid: '12', call: 'publish', name: String(l.id), type: 'live', key: l.stream_key })).status, 200);
    const again = (await api(srv, 'GET', `/api/v1/lives/${l.id}`)).body;
    assert.equal(again.status, 'LIVE');
    assert.equal(again.interrupted_at, null);
    assert.equal(again.started_at, live.started_at, 'the same live continues');
    assert.equal((await api(srv, 'POST', `/api/v1/lives/${l.id}/end`, { token: sellerA.token })).status, 200);
    await v.waitFor((x) => x.type === 'status' && x.status === 'ENDED');
    const ended = (await api(srv, 'GET', `/api/v1/lives/${l.id}`)).body;
    assert.equal(ended.status, 'ENDED');
    assert.ok(ended.ended_at);
    assert.equal(ended.pinned_product, null, 'unpinned at the end');
    // an ended live cannot go on air again; its publisher would be dropped by on_update
    assert.equal((await cb('on_publish', { clientid: '10', call: 'publish', name: String(l.id), key: l.stream_key })).status, 403);
    assert.equal((await cb('on_update', { clientid: '12', call: 'update_publish', name: String(l.id) })).status, 403);
    assert.equal((await cb('on_update', { clientid: '11', call: 'update_play', name: String(l.id) })).status, 200);
  } finally {
    v.close();
  }
});

test('rtmp callbacks: a missing or wrong token is refused with 403 and changes nothing', async () => {
  const l = await createLive(sellerA, [pA1]);
  const fields = { app: 'live', addr: '127.0.0.1', clientid: '21', call: 'publish', name: String(l.id), type: 'live', key: l.stream_key };
  for (const q of ['', '?token=', '?token=nope', `?token=${CALLBACK_TOKEN.slice(0, -1)}`, `?token=${CALLBACK_TOKEN}x`,
    `?token=${CALLBACK_TOKEN.toUpperCase()}`]) {
    for (const name of ['on_publish', 'on_update']) {
      const r = await api(srv, 'POST', `/internal/rtmp/${name}${q}`, form(fields));
      assert.equal(r.status, 403, `${name}${q}`);
    }
  }
  assert.equal((await api(srv, 'GET', `/api/v1/lives/${l.id}`)).body.status, 'SCHEDULED');
  assert.match(srv.stderr(), /rtmp callback refused: missing or wrong callback token/);
});

test('rtmp callbacks are refused when no callback token is configured (serve without --with-rtmp)', async () => {
  const s = await startServer({ env: { BROADCART_RTMP_CALLBACK_TOKEN: '', BROADCART_LOG_LEVEL: 'info' } });
  try {
    const seller = await makeUser(s, 'seller');
    const p = await api(s, 'POST', '/api/v1/products', { token: seller.token, body: { name: 'Lamp', price: 1000, stock: 1 } });
    const l = (await api(s, 'POST', '/api/v1/lives', {
      token: seller.token, body: { title: 'No token', scheduled_at: '2026-12-01T10:00:00Z', product_ids: [p.body.id] },
    })).body;
    assert.match(s.stderr(), /rtmp callbacks disabled: BROADCART_RTMP_CALLBACK_TOKEN is not set/);
    const fields = { app: 'live', addr: '127.0.0.1', clientid: '5', call: 'publish', name: String(l.id), type: 'live', key: l.stream_key };
    for (const q of ['', '?token=', '?token=anything-at-all-0123456789']) {
      assert.equal((await api(s, 'POST', `/internal/rtmp/on_publish${q}`, form(fields))).status, 403, `on_publish${q}`);
    }
    assert.equal((await api(s, 'GET', `/api/v1/lives/${l.id}`)).body.status, 'SCHEDULED');
    assert.match(s.stderr(), /rtmp callback refused: no callback token is configured/);
  } finally {
    await s.stop();
  }
});

test('serve refuses to start with a malformed callback token', async () => {
  for (const bad of ['short-token', '{CALLBACK_TOKEN}', 'a'.repeat(20) + '&x=1', 'a'.repeat(20) + ' b']) {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bc-test-'));
    let started;
    try {
      started = await startServer({ dataDir, env: { BROADCART_RTMP_CALLBACK_TOKEN: bad } });
    } catch (e) {
      assert.match(e.message, /server exited 1:[\s\S]*BROADCART_RTMP_CALLBACK_TOKEN (may hold only|is \d+ characters)/, bad);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
    if (started) {
      await started.stop();
      assert.fail(`serve started with BROADCART_RTMP_CALLBACK_TOKEN=${bad}`);
    }
  }
});

test('rtmp callbacks are marked internal in the OpenAPI document', async () => {
  const doc = await api(srv, 'GET', '/api/openapi.json');
  assert.ok(doc.body.paths['/api/v1/lives']);
  assert.ok(doc.body.paths['/api/v1/lives/{id}/pin']);
  assert.equal(doc.body.paths['/internal/rtmp/on_publish'].post['x-internal'], true);
  assert.equal(doc.body.paths['/api/v1/lives/{id}/pin'].post['x-internal'], undefined);
});
