// The live room across two instances sharing one Redis (and a third started later): one numbering
// of room events cluster-wide (Redis), resume on another instance than the one a viewer left,
// resume on a freshly started instance (history read from Redis), hearts and peak viewers summed
// over the instances, and room figures summed in the shared database.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, api, makeUser, freePort } from './lib.mjs';
import { startRedis } from './redis.mjs';
import { viewer } from './room.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let redis, dataDir, env, A, B, seller, buyer, liveId, productId;

before(async () => {
  const port = await freePort();
  redis = await startRedis(port);
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'bc-roomcl-'));
  env = { BROADCART_REDIS_URL: `redis://127.0.0.1:${port}`, BROADCART_CHAT_RATE: '200', BROADCART_ROOM_FLUSH: '1' };
  A = await startServer({ dataDir, env });
  seller = await makeUser(A, 'seller', 'Cluster Room Seller');
  buyer = await makeUser(A, 'buyer', 'Cluster Room Buyer');
  const p = await api(A, 'POST', '/api/v1/products', { token: seller.token, body: { name: 'Bowl', price: 7000, stock: 5 } });
  productId = p.body.id;
  const l = await api(A, 'POST', '/api/v1/lives', {
    token: seller.token, body: { title: 'Room cluster', scheduled_at: '2026-12-01T10:00:00Z', product_ids: [productId] },
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

test('one numbering cluster-wide; a viewer that left A resumes on B, then on a new instance C, without gaps', async () => {
  const onA = await viewer(A, liveId);
  const onB = await viewer(B, liveId);
  const sa = await viewer(A, liveId, buyer.token);
  const sb = await viewer(B, liveId, buyer.token);
  await onB.settleCount(4);
  for (let i = 0; i < 3; i++) { sa.chat(`a${i}`); sb.chat(`b${i}`); }
  await onA.waitFor((f) => f.text === 'a2');
  await onA.waitFor((f) => f.text === 'b2');
  await onB.waitFor((f) => f.text === 'a2');
  await onB.waitFor((f) => f.text === 'b2');
  await sleep(100);
  const order = (c) => c.frames.filter((x) => x.f.type === 'chat').map((x) => `${x.f.seq}:${x.f.text}`);
  assert.deepEqual(order(onA), order(onB), 'both instances show the same numbers in the same order');
  const seqs = onA.frames.filter((x) => x.f.type === 'chat').map((x) => x.f.seq);
  for (let i = 1; i < seqs.length; i++) assert.equal(seqs[i], seqs[i - 1] + 1, JSON.stringify(seqs));
  const last = onA.lastSeq();
  onA.close();
  sa.chat('while away 1');
  sb.chat('while away 2');
  const pin = await api(B, 'POST', `/api/v1/lives/${liveId}/pin`, { token: seller.token, body: { product_id: productId } });
  assert.equal(pin.status, 200);
  await onB.waitFor((f) => f.type === 'pin');
  await onB.waitFor((f) => f.text === 'while away 1');
  await onB.waitFor((f) => f.text === 'while away 2');
  const want = onB.frames.filter((x) => x.f.seq > last && x.f.type !== 'viewers').map((x) => x.f.seq);
  const back = await viewer(B, liveId, undefined, { lastId: last });
  const r = (await back.waitFor((f) => f.type === 'resumed')).f;
  const got = back.frames.filter((x) => x.f.seq && x.f.type !== 'resumed').map((x) => x.f.seq);
  assert.deepEqual(got, want);
  assert.equal(r.count, want.length);
  assert.equal(r.seq, want.at(-1));
  back.close();
  // a third instance that was not running: the history comes from Redis
  const C = await startServer({ dataDir, env });
  try {
    const onC = await viewer(C, liveId, undefined, { lastId: last }); // 503 while it reads the history: retried
    const rc = (await onC.waitFor((f) => f.type === 'resumed' || f.type === 'resume_gap')).f;
    assert.equal(rc.type, 'resumed', JSON.stringify(rc));
    assert.deepEqual(onC.frames.filter((x) => x.f.seq && x.f.type !== 'resumed').map((x) => x.f.seq), want);
    // and it takes part in the numbering from then on
    sa.chat('after C');
    const fc = (await onC.waitFor((f) => f.text === 'after C')).f;
    const fb = (await onB.waitFor((f) => f.text === 'after C')).f;
    assert.equal(fc.seq, fb.seq);
    assert.equal(fc.seq, r.seq + 1);
    onC.close();
  } finally {
    await C.stop({ keep: true });
  }
  onB.close();
  sa.close();
  sb.close();
});

test('hearts and peak viewers are cluster-wide; room figures sum both instances', async () => {
  const l = await api(A, 'POST', '/api/v1/lives', {
    token: seller.token, body: { title: 'Hearts cluster', scheduled_at: '2026-12-01T10:00:00Z', product_ids: [productId] },
  });
  const id = l.body.id;
  const a1 = await viewer(A, id, buyer.token);
  const a2 = await viewer(A, id);
  const b1 = await viewer(B, id, buyer.token);
  try {
    assert.equal(await b1.settleCount(3), 3);
    a2.send({ type: 'heart', count: 4 });
    b1.send({ type: 'heart', count: 6 });
    const ha = await a1.waitFor((f) => f.type === 'hearts' && f.total === 10, 4000);
    const hb = await b1.waitFor((f) => f.type === 'hearts' && f.total === 10, 4000);
    assert.ok(ha && hb);
    a2.close();
    assert.equal(await b1.settleCount(2), 2);
    const v = [...b1.frames].reverse().find((x) => x.f.type === 'viewers').f;
    assert.equal(v.peak, 3, JSON.stringify(v));
    a1.chat('from A');
    b1.chat('from B');
    await a1.waitFor((f) => f.text === 'from B');
    let fig;
    const end = Date.now() + 6000;
    for (;;) {
      fig = await api(B, 'GET', `/api/v1/lives/${id}/figures`, { token: seller.token });
      assert.equal(fig.status, 200, JSON.stringify(fig.body));
      if ((fig.body.totals.messages >= 2 && fig.body.totals.hearts >= 10) || Date.now() > end) break;
      await sleep(250);
    }
    assert.equal(fig.body.totals.messages, 2);
    assert.equal(fig.body.totals.hearts, 10);
    assert.equal(fig.body.totals.peak, 3);
    assert.ok(fig.body.totals.unique >= 2);
  } finally {
    a1.close();
    a2.close();
    b1.close();
  }
});
