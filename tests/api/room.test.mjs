// The live room beyond chat, on one instance: numbered events and resume after a reconnect
// (?last_id and the resume message, resume_gap), hearts (aggregated, at most 4 frames/s, per-viewer
// rate limit), peak viewers, STOMP 1.2 over the same WebSocket (subprotocol v12.stomp), and the
// per-minute room figures (GET /lives/{id}/figures, seller/admin only).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startServer, api, makeUser } from './lib.mjs';
import { viewer } from './room.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let srv, seller, buyer, liveId, productId;

before(async () => {
  srv = await startServer({ env: { BROADCART_CHAT_RATE: '200', BROADCART_ROOM_FLUSH: '1' } });
  seller = await makeUser(srv, 'seller', 'Room Seller');
  buyer = await makeUser(srv, 'buyer', 'Room Buyer');
  const p = await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: 'Cup', price: 5000, stock: 9 } });
  assert.equal(p.status, 201, JSON.stringify(p.body));
  productId = p.body.id;
  const l = await api(srv, 'POST', '/api/v1/lives', {
    token: seller.token, body: { title: 'Room show', scheduled_at: '2026-12-01T10:00:00Z', product_ids: [productId] },
  });
  assert.equal(l.status, 201, JSON.stringify(l.body));
  liveId = l.body.id;
});

after(async () => { await srv?.stop(); });

const seqOf = (c) => Math.max(0, ...c.frames.filter((x) => x.f.seq).map((x) => x.f.seq));

test('room events carry increasing seq; a reconnect with ?last_id gets exactly what it missed, in order', async () => {
  const sender = await viewer(srv, liveId, buyer.token);
  const watcher = await viewer(srv, liveId);
  let ws = null;
  try {
    for (let i = 0; i < 3; i++) sender.chat(`before ${i}`);
    await watcher.waitFor((f) => f.type === 'chat' && f.text === 'before 2');
    const seen = watcher.frames.filter((x) => x.f.type === 'chat').map((x) => x.f.seq);
    assert.equal(seen.length, 3);
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i] > seen[i - 1], JSON.stringify(seen));
    const last = seqOf(watcher);
    watcher.close();
    for (let i = 0; i < 4; i++) sender.chat(`missed ${i}`);
    const pin = await api(srv, 'POST', `/api/v1/lives/${liveId}/pin`, { token: seller.token, body: { product_id: productId } });
    assert.equal(pin.status, 200, JSON.stringify(pin.body));
    // the chats are stored on workers: the pin's frame can come first under load, so wait for both
    await sender.waitFor((f) => f.type === 'pin');
    await sender.waitFor((f) => f.type === 'chat' && f.text === 'missed 3');
    // reconnect with the highest seq seen
    ws = new WebSocket(`${srv.base.replace(/^http/, 'ws')}/api/v1/lives/${liveId}/chat?last_id=${last}`);
    const got = [];
    ws.on('message', (d) => got.push(JSON.parse(d.toString())));
    await new Promise((r, j) => { ws.once('open', r); ws.once('error', j); });
    const end = Date.now() + 3000;
    while (!got.some((f) => f.type === 'resumed') && Date.now() < end) await sleep(10);
    const resumed = got.find((f) => f.type === 'resumed');
    assert.ok(resumed, JSON.stringify(got));
    const replay = got.slice(0, got.indexOf(resumed)).filter((f) => f.seq);
    assert.deepEqual(replay.filter((f) => f.type === 'chat').map((f) => f.text), ['missed 0', 'missed 1', 'missed 2', 'missed 3']);
    assert.equal(replay.filter((f) => f.type === 'pin').length, 1);
    assert.equal(resumed.last_id, last);
    assert.equal(resumed.count, replay.length, JSON.stringify(got));
    assert.equal(replay[0].seq, last + 1);
    for (let i = 1; i < replay.length; i++) assert.equal(replay[i].seq, replay[i - 1].seq + 1);
    assert.equal(resumed.seq, replay.at(-1).seq);
    // live frames continue after the resume, none repeated
    sender.chat('after resume');
    const endB = Date.now() + 3000;
    while (!got.some((f) => f.type === 'chat' && f.text === 'after resume') && Date.now() < endB) await sleep(10);
    await sleep(100);
    const seqs = got.filter((f) => f.seq && f.type !== 'resumed').map((f) => f.seq);
    assert.equal(new Set(seqs).size, seqs.length, `a frame arrived twice: ${seqs}`);
    assert.equal(got.filter((f) => f.type === 'chat' && f.text === 'after resume').length, 1);
  } finally {
    ws?.terminate(); // a failed check must not leave a viewer counted in the next test
    sender.close();
  }
});

test('resume message on an open connection; too old or ahead -> resume_gap; malformed -> INVALID_MESSAGE', async () => {
  const c = await viewer(srv, liveId);
  try {
    c.send({ type: 'resume', last_id: 1 });
    const r = (await c.waitFor((f) => f.type === 'resumed')).f;
    assert.ok(r.count >= 1 && r.seq >= 2, JSON.stringify(r));
    c.send({ type: 'resume', last_id: r.seq + 1000 });
    const gap = (await c.waitFor((f) => f.type === 'resume_gap')).f;
    assert.equal(gap.last_id, r.seq + 1000);
    assert.equal(gap.seq, r.seq);
    c.send({ type: 'resume', last_id: 'x' });
    await c.waitFor((f) => f.type === 'error' && f.code === 'INVALID_MESSAGE');
  } finally {
    c.close();
  }
  // a malformed ?last_id is refused at the handshake
  const ws = new WebSocket(`${srv.base.replace(/^http/, 'ws')}/api/v1/lives/${liveId}/chat?last_id=-3`);
  ws.on('error', () => {});
  const status = await new Promise((r) => { ws.once('unexpected-response', (q, res) => r(res.statusCode)); ws.once('open', () => r(101)); });
  ws.terminate();
  assert.equal(status, 404);
});

test('hearts: summed per room, at most 4 frames a second, never one per tap; per-viewer limit 20/s', async () => {
  const tapper = await viewer(srv, liveId); // anonymous viewers may tap
  const watcher = await viewer(srv, liveId);
  try {
    const t0 = Date.now();
    for (let i = 0; i < 10; i++) tapper.send({ type: 'heart', count: 1 });
    tapper.send({ type: 'heart', count: 5 });
    const f = (await watcher.waitFor((x) => x.type === 'hearts' && x.total >= 15)).f;
    assert.equal(f.total, 15);
    const frames = watcher.frames.filter((x) => x.f.type === 'hearts');
    assert.ok(frames.length <= 2, `11 taps gave ${frames.length} frames`);
    assert.equal(frames.reduce((s, x) => s + x.f.recent, 0), 15);
    assert.ok(frames.at(-1).at - t0 < 1000);
    // over the limit: 20 per connection per second, one RATE_LIMITED frame
    for (let i = 0; i < 5; i++) tapper.send({ type: 'heart', count: 10 });
    await tapper.waitFor((x) => x.type === 'error' && x.code === 'RATE_LIMITED');
    await sleep(600);
    const total = watcher.frames.filter((x) => x.f.type === 'hearts').at(-1).f.total;
    assert.ok(total <= 15 + 20, `total ${total}`);
    assert.equal(tapper.errors('RATE_LIMITED'), 1);
    // rate of frames: 2 s of taps give at most ~9 frames (4 per second)
    const before = watcher.frames.filter((x) => x.f.type === 'hearts').length;
    const stop = Date.now() + 2000;
    while (Date.now() < stop) { tapper.send({ type: 'heart', count: 1 }); await sleep(60); }
    await sleep(300);
    const n = watcher.frames.filter((x) => x.f.type === 'hearts').length - before;
    assert.ok(n >= 4 && n <= 10, `hearts frames in 2 s: ${n}`);
    for (const bad of [{ type: 'heart', count: 0 }, { type: 'heart', count: 11 }, { type: 'heart', count: 'x' }]) {
      const m = tapper.errors('INVALID_MESSAGE');
      tapper.send(bad);
      const stopBad = Date.now() + 2000;
      while (tapper.errors('INVALID_MESSAGE') === m && Date.now() < stopBad) await sleep(10);
      assert.equal(tapper.errors('INVALID_MESSAGE'), m + 1, JSON.stringify(bad));
    }
    // a new viewer learns the running total at once
    const late = await viewer(srv, liveId);
    const h = (await late.waitFor((x) => x.type === 'hearts')).f;
    assert.equal(h.recent, 0);
    assert.ok(h.total >= total);
    late.close();
  } finally {
    tapper.close();
    watcher.close();
  }
});

test('viewers frames carry count, peak and unique', async () => {
  const a = await viewer(srv, liveId);
  const b = await viewer(srv, liveId);
  const c = await viewer(srv, liveId);
  await a.settleCount(3);
  b.close();
  c.close();
  assert.equal(await a.settleCount(1), 1);
  const v = [...a.frames].reverse().find((x) => x.f.type === 'viewers').f;
  assert.ok(v.peak >= 3, JSON.stringify(v));
  assert.ok(v.unique >= 3, JSON.stringify(v));
  a.close();
});

// A minimal STOMP 1.2 client over ws with the v12.stomp subprotocol.
async function stomp(token) {
  const ws = new WebSocket(`${srv.base.replace(/^http/, 'ws')}/api/v1/lives/${liveId}/chat${token ? `?access_token=${token}` : ''}`, ['v12.stomp']);
  const frames = [];
  let closeCode = null;
  ws.on('message', (d) => {
    const s = d.toString();
    if (s === '\n') { frames.push({ command: 'HEARTBEAT', at: Date.now() }); return; }
    for (const raw of s.split('\0').filter((x) => x.replace(/\n/g, '') !== '')) {
      const [head, ...rest] = raw.replace(/^\n+/, '').split('\n\n');
      const lines = head.split('\n');
      const headers = {};
      for (const l of lines.slice(1)) { const i = l.indexOf(':'); if (!(l.slice(0, i) in headers)) headers[l.slice(0, i)] = l.slice(i + 1); }
      frames.push({ command: lines[0], headers, body: rest.join('\n\n'), at: Date.now() });
    }
  });
  const closed = new Promise((r) => ws.on('close', (code) => { closeCode = code; r(code); }));
  await new Promise((r, j) => { ws.once('open', r); ws.once('error', j); });
  return {
    ws, frames, closed, protocol: ws.protocol,
    get closeCode() { return closeCode; },
    send(command, headers = {}, body = '') {
      ws.send(`${command}\n${Object.entries(headers).map(([k, v]) => `${k}:${v}`).join('\n')}${Object.keys(headers).length ? '\n' : ''}\n${body}\0`);
    },
    async waitFor(pred, timeout = 3000) {
      const end = Date.now() + timeout;
      for (;;) {
        const f = frames.find(pred);
        if (f) return f;
        if (Date.now() > end) throw new Error(`no STOMP frame in ${timeout} ms: ${JSON.stringify(frames)}`);
        await sleep(10);
      }
    },
  };
}

test('STOMP 1.2: CONNECT/CONNECTED, SUBSCRIBE gets MESSAGE frames with the JSON frames, SEND chats, RECEIPT, heart-beats', async () => {
  const json = await viewer(srv, liveId);
  const s = await stomp(buyer.token);
  try {
    assert.equal(s.protocol, 'v12.stomp');
    s.send('CONNECT', { 'accept-version': '1.1,1.2', host: 'broadcart', 'heart-beat': '0,1000' });
    const c = await s.waitFor((f) => f.command === 'CONNECTED');
    assert.equal(c.headers.version, '1.2');
    assert.equal(c.headers['heart-beat'], '1000,0');
    s.send('SUBSCRIBE', { id: 'sub-0', destination: `/topic/lives/${liveId}`, receipt: 'r1' });
    await s.waitFor((f) => f.command === 'RECEIPT' && f.headers['receipt-id'] === 'r1');
    s.send('SEND', { destination: `/app/lives/${liveId}/chat`, 'content-type': 'application/json' }, JSON.stringify({ type: 'chat', text: 'hello from stomp' }));
    const m = await s.waitFor((f) => f.command === 'MESSAGE' && f.body.includes('hello from stomp'));
    assert.equal(m.headers.subscription, 'sub-0');
    assert.equal(m.headers.destination, `/topic/lives/${liveId}`);
    assert.equal(m.headers['content-type'], 'application/json');
    assert.equal(Number(m.headers['content-length']), Buffer.byteLength(m.body));
    assert.ok(m.headers['message-id']);
    const body = JSON.parse(m.body);
    // the JSON protocol viewer got the same frame
    const j = await json.waitFor((f) => f.type === 'chat' && f.text === 'hello from stomp');
    assert.deepEqual(body, j.f);
    assert.ok(body.seq > 0);
    // plain-text SEND body is a chat message; a heart through SEND
    s.send('SEND', { destination: `/app/lives/${liveId}/chat` }, 'plain 안녕');
    await json.waitFor((f) => f.type === 'chat' && f.text === 'plain 안녕');
    s.send('SEND', { destination: `/app/lives/${liveId}/chat` }, JSON.stringify({ type: 'heart', count: 3 }));
    await s.waitFor((f) => f.command === 'MESSAGE' && f.body.includes('"hearts"'));
    // heart-beats about every second when nothing else is sent
    const hb = s.frames.filter((f) => f.command === 'HEARTBEAT').length;
    await sleep(2300);
    assert.ok(s.frames.filter((f) => f.command === 'HEARTBEAT').length - hb >= 1, 'no heart-beat in 2.3 s');
    // UNSUBSCRIBE: no more MESSAGE
    s.send('UNSUBSCRIBE', { id: 'sub-0' });
    await sleep(100);
    const n = s.frames.filter((f) => f.command === 'MESSAGE').length;
    const u = await viewer(srv, liveId, buyer.token);
    u.chat('after unsubscribe');
    await json.waitFor((f) => f.type === 'chat' && f.text === 'after unsubscribe');
    await sleep(100);
    assert.equal(s.frames.filter((f) => f.command === 'MESSAGE').length, n);
    u.close();
    s.send('DISCONNECT', { receipt: 'bye' });
    await s.waitFor((f) => f.command === 'RECEIPT' && f.headers['receipt-id'] === 'bye');
    assert.equal(await s.closed, 1000);
  } finally {
    s.ws.terminate();
    json.close();
  }
});

test('STOMP errors: frames before CONNECT, wrong version, unknown destination, missing NUL -> ERROR and close', async () => {
  const cases = [
    [(s) => s.send('SUBSCRIBE', { id: '1', destination: `/topic/lives/${liveId}` }), /CONNECT first/],
    [(s) => s.send('CONNECT', { 'accept-version': '1.0,1.1' }), /1\.2/],
    [(s) => { s.send('CONNECT', { 'accept-version': '1.2' }); s.send('SUBSCRIBE', { id: '1', destination: '/topic/lives/999999' }); }, /destination/],
    [(s) => { s.send('CONNECT', { 'accept-version': '1.2' }); s.ws.send('SEND\ndestination:/x\n\nno nul'); }, /NUL/],
    [(s) => { s.send('CONNECT', { 'accept-version': '1.2' }); s.send('SUBSCRIBE', { id: 'a\\qb', destination: `/topic/lives/${liveId}` }); }, /escape/],
  ];
  for (const [act, re] of cases) {
    const s = await stomp();
    act(s);
    const e = await s.waitFor((f) => f.command === 'ERROR');
    assert.match(e.headers.message, re);
    assert.equal(await s.closed, 1002);
  }
  // without the subprotocol the JSON protocol answers a STOMP frame with INVALID_MESSAGE
  const j = await viewer(srv, liveId);
  j.ws.send('CONNECT\naccept-version:1.2\n\n\0');
  await j.waitFor((f) => f.type === 'error' && f.code === 'INVALID_MESSAGE');
  j.close();
});

test('room figures: per-minute rows of messages, hearts, pins, viewers; seller or admin only', async () => {
  const l = await api(srv, 'POST', '/api/v1/lives', {
    token: seller.token, body: { title: 'Figures', scheduled_at: '2026-12-01T10:00:00Z', product_ids: [productId] },
  });
  const id = l.body.id;
  const a = await viewer(srv, id, buyer.token);
  const b = await viewer(srv, id);
  try {
    await a.settleCount(2);
    a.chat('one');
    a.chat('two');
    await b.waitFor((f) => f.type === 'chat' && f.text === 'two');
    b.send({ type: 'heart', count: 7 });
    await api(srv, 'POST', `/api/v1/lives/${id}/pin`, { token: seller.token, body: { product_id: productId } });
    await api(srv, 'POST', `/api/v1/lives/${id}/pin`, { token: seller.token, body: { product_id: null } });
    let fig;
    const end = Date.now() + 6000;
    for (;;) {
      fig = await api(srv, 'GET', `/api/v1/lives/${id}/figures`, { token: seller.token });
      assert.equal(fig.status, 200, JSON.stringify(fig.body));
      const t = fig.body.totals;
      if ((t.messages >= 2 && t.hearts >= 7 && t.pins >= 1) || Date.now() > end) break;
      await sleep(250);
    }
    assert.equal(fig.body.live_id, id);
    assert.deepEqual({ ...fig.body.totals, unique: undefined }, { peak: 2, unique: undefined, messages: 2, hearts: 7, pins: 1 });
    assert.ok(fig.body.totals.unique >= 2);
    assert.ok(fig.body.items.length >= 1);
    const row = fig.body.items[0];
    assert.match(row.minute, /^\d{4}-\d\d-\d\dT\d\d:\d\d:00(\.000)?Z$/);
    assert.ok(row.viewers >= 2);
    const other = await makeUser(srv, 'seller', 'Other');
    assert.equal((await api(srv, 'GET', `/api/v1/lives/${id}/figures`, { token: other.token })).status, 403);
    assert.equal((await api(srv, 'GET', `/api/v1/lives/${id}/figures`, { token: buyer.token })).status, 403);
    assert.equal((await api(srv, 'GET', `/api/v1/lives/${id}/figures`)).status, 401);
    assert.equal((await api(srv, 'GET', '/api/v1/lives/999999/figures', { token: seller.token })).status, 404);
    const admin = await makeUser(srv, 'admin');
    assert.equal((await api(srv, 'GET', `/api/v1/lives/${id}/figures`, { token: admin.token })).status, 200);
  } finally {
    a.close();
    b.close();
  }
});

test('BROADCART_WS_FLUSH_MS: frames close together share a write, none lost or reordered', async () => {
  const s2 = await startServer({ env: { BROADCART_CHAT_RATE: '200', BROADCART_WS_FLUSH_MS: '50' } });
  try {
    const sel = await makeUser(s2, 'seller');
    const b = await makeUser(s2, 'buyer');
    const p = await api(s2, 'POST', '/api/v1/products', { token: sel.token, body: { name: 'Cup', price: 5000, stock: 9 } });
    const l = await api(s2, 'POST', '/api/v1/lives', { token: sel.token, body: { title: 'Flush', scheduled_at: '2026-12-01T10:00:00Z', product_ids: [p.body.id] } });
    const sender = await viewer(s2, l.body.id, b.token);
    const watchers = await Promise.all([1, 2, 3].map(() => viewer(s2, l.body.id)));
    for (let i = 0; i < 30; i++) { sender.chat(`f${i}`); if (i % 10 === 9) await sleep(30); }
    for (const w of watchers) await w.waitFor((f) => f.text === 'f29', 4000);
    for (const w of watchers) assert.deepEqual(w.frames.filter((x) => x.f.type === 'chat').map((x) => x.f.text), Array.from({ length: 30 }, (_, i) => `f${i}`));
    sender.close();
    for (const w of watchers) w.close();
  } finally {
    await s2.stop();
  }
});
