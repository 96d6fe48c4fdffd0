// The cluster suite: PostgreSQL 15 + Redis + two `broadcart serve` instances (each its own data
// dir, media/ and hls/ shared) + nginx in front (round-robin, WebSocket upgrade), as
// deploy/nginx-cluster.conf.example runs them. Needs Debian's postgresql-15, redis-server and nginx
// (`make deps`): without them these tests fail, they do not skip. Every load loop is bounded in count
// and time; figures go to the test's diagnostics (bench/cluster_sale.mjs prints them on their own).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ADDRESS, buyers, call, pct, pool, seller, sleep, startCluster, viewer } from './lib.mjs';
import { startRedis } from '../api/redis.mjs';
import { crossDeliveryResumes } from '../api/room.mjs';
import { makePng } from '../api/fixtures.mjs';

let c, A, B, shop, saleBuyers;

before(async () => {
  c = await startCluster({ instances: 2 });
  [A, B] = c.instances;
  shop = await seller(c, A);
  saleBuyers = await buyers(c.base, 1000, 'sale');
});
after(async () => { await c?.stop(); });

async function product(body) {
  const r = await call(c.base, 'POST', '/api/v1/products', { token: shop.token, body });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}
const num = (statement) => Number(c.sqlQuery(statement));
// What the ledger says a product's stock is, and what products.stock says.
function ledger(productId) {
  return { ledger: num(`SELECT coalesce(sum(delta), 0) FROM stock_ledger WHERE product_id = ${productId}`),
    stock: num(`SELECT stock FROM products WHERE id = ${productId}`) };
}
// Units held by orders that still count (reserved or sold: not expired or canceled).
const held = (productId) => num(`SELECT coalesce(sum(l.quantity), 0) FROM order_lines l JOIN orders o ON o.id = l.order_id ` +
  `WHERE l.product_id = ${productId} AND o.status NOT IN ('EXPIRED', 'CANCELED')`);
const order = (token, productId, qty = 1) => call(c.base, 'POST', '/api/v1/orders',
  { token, body: { items: [{ product_id: productId, quantity: qty }], shipping_address: ADDRESS } });

test('nginx in front: requests are split across both instances; /hls/ and /media/ are served by either', async () => {
  const seen = new Map();
  for (let i = 0; i < 20; i++) {
    const r = await call(c.base, 'GET', '/healthz');
    assert.equal(r.status, 200);
    seen.set(r.upstream, (seen.get(r.upstream) || 0) + 1);
  }
  assert.deepEqual([...seen.keys()].sort(), [A.port, B.port].sort(), JSON.stringify([...seen]));
  // an HLS playlist the ingest wrote into the shared hls dir: the same bytes whichever instance answers
  const dir = path.join(c.tmp, 'shared/hls/cluster-probe');
  mkdirSync(dir, { recursive: true });
  const playlist = '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:1\n#EXTINF:1.0,\n0.ts\n';
  writeFileSync(path.join(dir, 'index.m3u8'), playlist);
  const by = new Set();
  for (let i = 0; i < 6; i++) {
    const r = await call(c.base, 'GET', '/hls/cluster-probe/index.m3u8');
    assert.equal(r.status, 200, `via ${r.upstream}`);
    assert.equal(r.body, playlist);
    by.add(r.upstream);
  }
  assert.equal(by.size, 2, 'both instances served the playlist');
  for (const i of [A, B]) assert.equal((await call(i.base, 'GET', '/hls/cluster-probe/index.m3u8')).body, playlist);
  // an image uploaded through nginx (to whichever instance) is served by both
  const png = makePng(3, 2);
  const up = await fetch(`${c.base}/api/v1/media/images`, { method: 'POST', body: png,
    headers: { authorization: `Bearer ${shop.token}`, 'content-type': 'image/png' } });
  assert.equal(up.status, 201, await up.clone().text());
  const { url } = await up.json();
  for (const i of [A, B]) {
    const r = await fetch(i.base + url);
    assert.equal(r.status, 200, `${url} on ${i.name}`);
    assert.deepEqual(Buffer.from(await r.arrayBuffer()), png);
  }
  // the RTMP callbacks are never forwarded
  assert.equal((await call(c.base, 'POST', '/internal/rtmp/on_publish')).status, 404);
  // a token issued by one instance is accepted by the other (one BROADCART_JWT_SECRET)
  for (const i of [A, B]) assert.equal((await call(i.base, 'GET', '/api/v1/orders', { token: saleBuyers[0].token })).status, 200);
});

test('flash sale through nginx over both instances: 1,000 buyers on stock 100 -> exactly 100 orders, stock 0, ledger balanced', { timeout: 90000 }, async (t) => {
  const p = await product({ name: 'Cluster flash item', price: 9900, stock: 100 });
  const t0 = performance.now();
  const res = await Promise.all(saleBuyers.map((b) => order(b.token, p.id)));
  const ms = performance.now() - t0;
  const created = res.filter((r) => r.status === 201);
  const sold = res.filter((r) => r.status === 409 && r.body?.error?.code === 'OUT_OF_STOCK');
  const other = res.filter((r) => r.status !== 201 && !(r.status === 409 && r.body?.error?.code === 'OUT_OF_STOCK'));
  assert.deepEqual(other.map((r) => `${r.status} ${r.error?.message || JSON.stringify(r.body)}`).slice(0, 5), []);
  assert.equal(created.length, 100);
  assert.equal(sold.length, 900);
  const byA = res.filter((r) => r.upstream === A.port).length, byB = res.filter((r) => r.upstream === B.port).length;
  assert.equal(byA + byB, 1000, 'every request names the instance that answered it');
  assert.ok(byA >= 200 && byB >= 200, `split A=${byA} B=${byB}`);
  const createdBy = new Set(created.map((r) => r.upstream));
  assert.equal(createdBy.size, 2, 'both instances created orders');
  assert.equal(new Set(created.map((r) => r.body.order_id)).size, 100);
  const after = await call(c.base, 'GET', `/api/v1/products/${p.id}`);
  assert.equal(after.body.stock, 0);
  assert.equal(after.body.status, 'SOLD_OUT');
  assert.deepEqual(ledger(p.id), { ledger: 0, stock: 0 });
  assert.equal(num(`SELECT count(*) FROM order_lines WHERE product_id = ${p.id}`), 100);
  assert.equal(held(p.id), 100);
  t.diagnostic(`1,000 order requests through nginx in ${ms.toFixed(0)} ms (${Math.round(1000 / (ms / 1000))} req/s); ` +
    `answered by A ${byA}, B ${byB}; orders created on A ${created.filter((r) => r.upstream === A.port).length}, ` +
    `on B ${created.filter((r) => r.upstream === B.port).length}`);
});

test('chat posted through instance A reaches a viewer on B within 100 ms, once; the viewer count on both is the sum', { timeout: 60000 }, async (t) => {
  const p = await product({ name: 'Live item', price: 5000, stock: 10 });
  const l = await call(c.base, 'POST', '/api/v1/lives', {
    token: shop.token, body: { title: 'Cluster live', scheduled_at: '2026-12-01T10:00:00Z', product_ids: [p.id] },
  });
  assert.equal(l.status, 201, JSON.stringify(l.body));
  const liveId = l.body.id;
  const u = saleBuyers[1];
  const sender = await viewer(A.base, liveId, u.token);
  const onB = await viewer(B.base, liveId);
  const viaNginx = [];
  for (let i = 0; i < 4; i++) viaNginx.push(await viewer(c.base, liveId));
  const all = [sender, onB, ...viaNginx];
  try {
    // nginx put the WebSocket viewers on both instances
    const ups = viaNginx.map((v) => v.upstream);
    assert.deepEqual([...new Set(ups)].sort(), [A.port, B.port].sort(), `WebSocket upstreams ${ups}`);
    for (const v of all) assert.equal(await v.settleCount(6), 6, 'every viewer sees the cluster-wide count');
    for (const i of [A, B]) assert.equal((await call(i.base, 'GET', `/api/v1/lives/${liveId}`)).body.viewer_count, 6);
    const lat = [];
    for (let i = 0; i < 10; i++) {
      const text = `cross ${i} ${Date.now()}`;
      const sent = Date.now();
      sender.send({ type: 'chat', text });
      const got = await onB.waitFor((f) => f.type === 'chat' && f.text === text, 2000);
      lat.push(got.at - sent);
      assert.ok(got.at - sent <= 100, `reached B ${got.at - sent} ms after it was sent`);
      assert.equal(got.f.user.id, u.id);
      for (const v of all) await v.waitFor((f) => f.type === 'chat' && f.text === text);
      await sleep(20);
    }
    await sleep(300); // a duplicate (an echo, a second relay) would have arrived by now
    for (const v of all) {
      const chats = v.frames.filter((x) => x.f.type === 'chat');
      assert.equal(chats.length, 10, JSON.stringify(chats.map((x) => x.f.text)));
      assert.equal(new Set(chats.map((x) => x.f.id)).size, 10);
    }
    // two viewers leave (one on each instance if nginx split them so): both sides see the new sum
    viaNginx[0].close();
    viaNginx[1].close();
    for (const v of [sender, onB, viaNginx[2], viaNginx[3]]) assert.equal(await v.settleCount(4), 4);
    t.diagnostic(`send on A -> viewer on B: p50 ${pct(lat, 0.5)} ms, max ${Math.max(...lat)} ms (${lat.join(', ')})`);
  } finally {
    all.forEach((v) => v.close());
  }
});

test('Redis stopped for 5 s during a live room: chat stays local on each instance, cross-instance delivery resumes by itself', { timeout: 60000 }, async () => {
  const p = await product({ name: 'Outage item', price: 5000, stock: 10 });
  const l = await call(c.base, 'POST', '/api/v1/lives', {
    token: shop.token, body: { title: 'Outage live', scheduled_at: '2026-12-01T11:00:00Z', product_ids: [p.id] },
  });
  const liveId = l.body.id;
  const sa = await viewer(A.base, liveId, saleBuyers[2].token);
  const sb = await viewer(B.base, liveId, saleBuyers[3].token);
  try {
    assert.equal(await sa.settleCount(2), 2);
    sa.send({ type: 'chat', text: 'before outage' });
    await sb.waitFor((f) => f.type === 'chat' && f.text === 'before outage');

    await c.redis.stop();
    const down = Date.now();
    await sleep(300);
    // HTTP, orders and payments through nginx are unaffected
    const o = await order(saleBuyers[4].token, p.id);
    assert.equal(o.status, 201, JSON.stringify(o.body));
    for (const i of [A, B]) assert.equal((await call(i.base, 'GET', `/api/v1/lives/${liveId}`)).status, 200);
    // each instance still delivers its own chat to its own viewers, and only those
    for (let i = 0; i < 3; i++) {
      sa.send({ type: 'chat', text: `local A ${i}` });
      sb.send({ type: 'chat', text: `local B ${i}` });
      await sa.waitFor((f) => f.type === 'chat' && f.text === `local A ${i}`);
      await sb.waitFor((f) => f.type === 'chat' && f.text === `local B ${i}`);
      await sleep(400);
    }
    assert.equal(sb.frames.filter((x) => x.f.type === 'chat' && x.f.text.startsWith('local A')).length, 0);
    while (Date.now() - down < 5000) await sleep(100);

    c.redis = await startRedis(c.redisPort);
    const { backA, backB } = await crossDeliveryResumes(sa, sb, 15000);
    assert.ok(backB, 'A -> B delivery did not resume');
    assert.ok(backA, 'B -> A delivery did not resume');
    assert.equal(await sb.settleCount(2), 2, 'the cluster-wide count is back');
    // the same processes: nothing was restarted
    assert.equal(A.runs, 1);
    assert.equal(B.runs, 1);
  } finally {
    sa.close();
    sb.close();
  }
});

test('kill -9 instance A in the middle of a buying burst: B keeps serving; after A restarts, stock + sold = initial and every confirmed payment has a PAID order', { timeout: 120000 }, async (t) => {
  const INITIAL = 1000, JOURNEYS = 800, AT_ONCE = 16;
  const p = await product({ name: 'Burst item', price: 1000, stock: INITIAL });
  const secret = A.env.BROADCART_TOSS_SECRET_KEY; // the gateway's generated key, which the instances use too
  const gwAuth = { authorization: `Basic ${Buffer.from(`${secret}:`).toString('base64')}` };
  let done = 0, killAt = 0;
  const killed = (async () => {
    while (done < JOURNEYS / 4) await sleep(5);
    killAt = Date.now();
    await A.kill9();
  })();
  const journeys = await pool(JOURNEYS, AT_ONCE, async (i) => {
    const j = { i, started: Date.now(), steps: [] };
    const b = saleBuyers[100 + i];
    try {
      const o = await order(b.token, p.id);
      j.steps.push(o.status);
      if (o.status !== 201) return j;
      j.orderId = o.body.order_id;
      // the buyer's browser in the gateway's payment window
      const pay = await call(c.gateway.base, 'POST', '/sandbox-pg/v1/sandbox/payments',
        { body: { orderId: o.body.order_id, amount: o.body.amount, orderName: o.body.order_name } });
      assert.equal(pay.status, 201, JSON.stringify(pay.body));
      j.paymentKey = pay.body.paymentKey;
      j.amount = o.body.amount;
      const conf = await call(c.base, 'POST', '/api/v1/payments/confirm',
        { token: b.token, body: { payment_key: j.paymentKey, order_id: j.orderId, amount: j.amount } });
      j.steps.push(conf.status);
      j.confirmed = conf.status === 200 && conf.body.status === 'PAID';
      return j;
    } finally {
      j.ended = Date.now();
      done++;
    }
  });
  await killed;
  assert.ok(killAt > 0);
  const failed = journeys.filter((j) => j.steps.some((s) => s !== 201 && s !== 200));
  const late = journeys.filter((j) => j.started > killAt + 1000);
  // B kept serving: every journey begun a second after the kill went through, through nginx
  assert.ok(late.length >= JOURNEYS / 4, `only ${late.length} journeys began after the kill`);
  assert.deepEqual(late.filter((j) => !j.confirmed).map((j) => j.steps), []);
  // only requests A held when it died were lost
  assert.ok(failed.length <= AT_ONCE, `${failed.length} journeys failed`);

  await A.start();
  assert.equal((await call(A.base, 'GET', '/healthz')).status, 200);
  // nginx sends traffic to A again once its fail_timeout has passed
  const backEnd = Date.now() + 10000;
  let backToA = false;
  while (!backToA && Date.now() < backEnd) {
    backToA = (await call(c.base, 'GET', `/api/v1/products/${p.id}`)).upstream === A.port;
    if (!backToA) await sleep(100);
  }
  assert.ok(backToA, 'nginx never sent a request to the restarted A');

  // payments the gateway approved whose order A never marked PAID (A died between the two): only
  // the buyer's retry below settles them; the server itself does not reconcile (reported, not fixed here)
  let orphans = 0;
  for (const j of journeys.filter((x) => x.paymentKey && !x.confirmed)) {
    const g = await call(c.gateway.base, 'GET', `/sandbox-pg/v1/payments/${encodeURIComponent(j.paymentKey)}`, { headers: gwAuth });
    if (g.body?.status === 'DONE' && c.sqlQuery(`SELECT status FROM orders WHERE order_id = '${j.orderId}'`) !== 'PAID') orphans++;
  }
  // a buyer whose confirm was cut off reloads the success page: the confirm is retried (the gateway
  // replays its answer for the same Idempotency-Key)
  for (const j of journeys.filter((x) => x.paymentKey && !x.confirmed)) {
    const conf = await call(c.base, 'POST', '/api/v1/payments/confirm',
      { token: saleBuyers[100 + j.i].token, body: { payment_key: j.paymentKey, order_id: j.orderId, amount: j.amount } });
    assert.equal(conf.status, 200, JSON.stringify(conf.body));
    j.retried = true;
  }
  // stock + units held by live orders = initial, and the ledger agrees
  const l = ledger(p.id);
  assert.equal(l.ledger, l.stock);
  assert.equal(l.stock + held(p.id), INITIAL);
  // every payment the gateway approved has a PAID order with that payment key, and no order is PAID without one
  let approved = 0;
  for (const j of journeys.filter((x) => x.paymentKey)) {
    const g = await call(c.gateway.base, 'GET', `/sandbox-pg/v1/payments/${encodeURIComponent(j.paymentKey)}`, { headers: gwAuth });
    assert.equal(g.status, 200, JSON.stringify(g.body));
    const row = c.sqlQuery(`SELECT status || ' ' || coalesce(payment_key, '-') FROM orders WHERE order_id = '${j.orderId}'`);
    if (g.body.status === 'DONE') {
      approved++;
      assert.equal(row, `PAID ${j.paymentKey}`, `order ${j.orderId}`);
    } else {
      assert.notEqual(row.split(' ')[0], 'PAID', `order ${j.orderId} is PAID but the gateway says ${g.body.status}`);
    }
  }
  const paid = num(`SELECT count(*) FROM orders o WHERE o.status = 'PAID' AND EXISTS ` +
    `(SELECT 1 FROM order_lines l WHERE l.order_id = o.id AND l.product_id = ${p.id})`);
  assert.equal(paid, approved);
  t.diagnostic(`${JOURNEYS} journeys (${AT_ONCE} at once), A killed after ${journeys.filter((j) => j.ended <= killAt).length}; ` +
    `${failed.length} cut off by the kill (steps ${JSON.stringify(failed.map((j) => j.steps))}), ` +
    `${journeys.filter((j) => j.retried).length} confirms retried (${orphans} approved by the gateway but not PAID before the retry); ${approved} payments approved = ${paid} PAID orders; ` +
    `stock ${l.stock} + held ${held(p.id)} = ${INITIAL}`);
});

// The single-run-timer lease: GET /healthz reports "sweeper": true|false and the instance logs
// `sweeper: lease acquired` / `sweeper: lease lost`.
test('the order-expiry sweeper runs on exactly one instance, once per order, and moves to the other when that one dies', { timeout: 90000 }, async (t) => {
  const health = async (i) => (await call(i.base, 'GET', '/healthz')).body;
  const r0 = await call(A.base, 'GET', '/healthz');
  assert.equal(r0.status, 200);
  assert.equal(typeof r0.body.sweeper, 'boolean', JSON.stringify(r0.body));
  // exactly one holder, stable over a few samples
  const holders = async () => {
    const hs = await Promise.all([A, B].map(async (i) => (i.running ? (await health(i))?.sweeper === true : false)));
    return [A, B].filter((_, k) => hs[k]);
  };
  let hold = [];
  const end = Date.now() + 15000;
  while (Date.now() < end) {
    hold = await holders();
    if (hold.length === 1) break;
    await sleep(200);
  }
  assert.equal(hold.length, 1, 'exactly one instance holds the sweeper lease');
  for (let k = 0; k < 5; k++) {
    await sleep(300);
    assert.deepEqual((await holders()).map((i) => i.name), [hold[0].name]);
  }
  const first = hold[0], other = first === A ? B : A;
  assert.match(first.runLog(), /sweeper: lease acquired/);
  const lastLine = (i) => (i.runLog().match(/sweeper: lease (acquired|lost)/g) || []).pop();
  assert.notEqual(lastLine(other), 'sweeper: lease acquired', `${other.name} also believes it holds the lease`);

  // orders past their expiry are released exactly once (one ledger row back per order)
  const p = await product({ name: 'Sweep item', price: 1000, stock: 8 });
  const expireAndCheck = async (buyerBase, n) => {
    const ids = [];
    for (let k = 0; k < n; k++) {
      const o = await order(saleBuyers[buyerBase + k].token, p.id);
      assert.equal(o.status, 201, JSON.stringify(o.body));
      ids.push(o.body.id);
    }
    c.sqlQuery(`UPDATE orders SET expires_at = ${Date.now() - 1000} WHERE id IN (${ids.join(',')})`);
    const stop = Date.now() + 10000;
    while (num(`SELECT count(*) FROM orders WHERE id IN (${ids.join(',')}) AND status = 'EXPIRED'`) < n && Date.now() < stop) await sleep(100);
    assert.equal(num(`SELECT count(*) FROM orders WHERE id IN (${ids.join(',')}) AND status = 'EXPIRED'`), n);
    await sleep(1500); // a second sweeper would have released them again by now
    assert.equal(num(`SELECT count(*) FROM stock_ledger WHERE order_id IN (${ids.join(',')}) AND delta > 0`), n);
    assert.deepEqual(ledger(p.id), { ledger: 8, stock: 8 });
  };
  await expireAndCheck(400, 4);

  // the holder dies: the other takes the lease within seconds and sweeps
  const logBefore = other.log().length;
  const killedAt = Date.now();
  await first.kill9();
  let took = 0;
  while (Date.now() - killedAt < 20000) {
    if ((await health(other))?.sweeper === true) { took = Date.now() - killedAt; break; }
    await sleep(200);
  }
  assert.ok(took > 0, `${other.name} did not take the sweeper lease within 20 s`);
  assert.match(other.log().slice(logBefore), /sweeper: lease acquired/);
  await expireAndCheck(410, 4);
  // the restarted instance does not take it back while the holder lives
  await first.start();
  await sleep(3000);
  assert.deepEqual((await holders()).map((i) => i.name), [other.name]);
  assert.doesNotMatch(first.runLog(), /sweeper: lease acquired/);
  t.diagnostic(`lease held by ${first.name}; ${other.name} took it ${took} ms after ${first.name} was killed`);
});
