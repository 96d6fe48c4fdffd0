// Live chat over WebSocket: delivery to every viewer, anonymous read-only, validation, rate limit,
// malformed and oversized frames (only the offender is affected), viewer counts, history.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startServer, api, makeUser } from './lib.mjs';

let srv, seller, liveId;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function wsUrl(id, token) {
  return `ws://127.0.0.1:${srv.port}/api/v1/lives/${id}/chat${token ? `?access_token=${encodeURIComponent(token)}` : ''}`;
}

// Connects and records frames. Rejects with err.status on a refused handshake.
async function client(id, token) {
  const ws = new WebSocket(wsUrl(id, token));
  const frames = [];
  let closeCode = null;
  ws.on('message', (d) => frames.push(JSON.parse(d.toString())));
  const closed = new Promise((r) => ws.on('close', (code) => { closeCode = code; r(code); }));
  await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('ws open timeout')), 5000);
    ws.once('open', () => { clearTimeout(t); resolve(); });
    ws.once('unexpected-response', (req, res) => { clearTimeout(t); reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })); });
    ws.once('error', (e) => { clearTimeout(t); reject(e); });
  });
  const c = {
    ws, frames, closed,
    get closeCode() { return closeCode; },
    send(obj) { ws.send(typeof obj === 'string' ? obj : JSON.stringify(obj)); },
    mark() { return frames.length; },
    // first frame at index >= from matching pred
    async waitFor(pred, { from = 0, timeout = 3000 } = {}) {
      const end = Date.now() + timeout;
      for (;;) {
        const f = frames.slice(from).find(pred);
        if (f) return f;
        if (Date.now() > end) throw new Error(`no matching frame in ${timeout} ms; got ${JSON.stringify(frames.slice(from))}`);
        await sleep(20);
      }
    },
    chats(from = 0) { return frames.slice(from).filter((f) => f.type === 'chat'); },
    close() { ws.terminate(); },
  };
  return c;
}

async function newLive() {
  const p = await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: 'Mug', price: 9000, stock: 5 } });
  assert.equal(p.status, 201, JSON.stringify(p.body));
  const l = await api(srv, 'POST', '/api/v1/lives', {
    token: seller.token, body: { title: 'Chat show', scheduled_at: '2026-12-01T10:00:00Z', product_ids: [p.body.id] },
  });
  assert.equal(l.status, 201);
  return l.body.id;
}

before(async () => {
  srv = await startServer({ env: { BROADCART_CHAT_RATE: '5' } });
  seller = await makeUser(srv, 'seller', 'Chat Seller');
  liveId = await newLive();
});
after(async () => { await srv.stop(); });

test('a message reaches every viewer with user, role and is_seller', async () => {
  const u1 = await makeUser(srv, 'buyer', 'Alice');
  const u2 = await makeUser(srv, 'buyer', 'Bob');
  const a = await client(liveId, u1.token);
  const b = await client(liveId, u2.token);
  const s = await client(liveId, seller.token);
  try {
    a.send({ type: 'chat', text: '  hello everyone  ' });
    for (const c of [a, b, s]) {
      const f = await c.waitFor((x) => x.type === 'chat' && x.text === 'hello everyone');
      assert.equal(f.live_id, liveId);
      assert.deepEqual(f.user, { id: u1.id, name: 'Alice', role: 'buyer' });
      assert.equal(f.is_seller, false);
      assert.ok(Number.isInteger(f.id));
      assert.match(f.sent_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
    s.send({ type: 'chat', text: 'welcome!' });
    const f = await b.waitFor((x) => x.type === 'chat' && x.text === 'welcome!');
    assert.equal(f.is_seller, true);
    assert.deepEqual(f.user, { id: seller.id, name: 'Chat Seller', role: 'seller' });
    // unicode: 300 characters (900 bytes) is the limit, counted in characters
    const hangul = '가'.repeat(300);
    b.send({ type: 'chat', text: hangul });
    await a.waitFor((x) => x.type === 'chat' && x.text === hangul);
  } finally {
    a.close(); b.close(); s.close();
  }
});

test('anonymous viewers read but cannot write', async () => {
  const u = await makeUser(srv, 'buyer', 'Carol');
  const anon = await client(liveId);
  const c = await client(liveId, u.token);
  try {
    anon.send({ type: 'chat', text: 'can I talk?' });
    const e = await anon.waitFor((x) => x.type === 'error');
    assert.equal(e.code, 'UNAUTHENTICATED');
    c.send({ type: 'chat', text: 'from carol' });
    await anon.waitFor((x) => x.type === 'chat' && x.text === 'from carol');
    await sleep(150);
    assert.equal(c.frames.filter((x) => x.type === 'error').length, 0, 'errors go only to the sender');
    assert.ok(!c.chats().some((x) => x.text === 'can I talk?'));
  } finally {
    anon.close(); c.close();
  }
});

test('validation errors: too long, empty, malformed; connection and room keep working', async () => {
  const u = await makeUser(srv, 'buyer', 'Dan');
  const o = await makeUser(srv, 'buyer', 'Eve');
  const c = await client(liveId, u.token);
  const other = await client(liveId, o.token);
  try {
    const cases = [
      [{ type: 'chat', text: 'x'.repeat(301) }, 'TEXT_TOO_LONG'],
      [{ type: 'chat', text: '   \n\t ' }, 'EMPTY'],
      [{ type: 'chat', text: '' }, 'EMPTY'],
      ['{"type":"chat","text":', 'INVALID_MESSAGE'],
      ['not json at all', 'INVALID_MESSAGE'],
      [{ type: 'chat' }, 'INVALID_MESSAGE'],
      [{ type: 'chat', text: 5 }, 'INVALID_MESSAGE'],
      [{ type: 'shout', text: 'hi' }, 'INVALID_MESSAGE'],
      [[1, 2, 3], 'INVALID_MESSAGE'],
    ];
    for (const [msg, code] of cases) {
      const m = c.mark();
      c.send(msg);
      const e = await c.waitFor((x) => x.type === 'error', { from: m });
      assert.equal(e.code, code, JSON.stringify(msg));
      assert.equal(typeof e.message, 'string');
    }
    c.send({ type: 'chat', text: 'still here' });
    await other.waitFor((x) => x.type === 'chat' && x.text === 'still here');
    await c.waitFor((x) => x.type === 'chat' && x.text === 'still here');
    assert.equal(other.frames.filter((x) => x.type === 'error').length, 0);
    assert.equal(c.ws.readyState, WebSocket.OPEN);
  } finally {
    c.close(); other.close();
  }
});

test('text hygiene: control and bidi-override characters refused, emoji and Korean kept', async () => {
  const u = await makeUser(srv, 'buyer', 'Hygiene');
  const o = await makeUser(srv, 'buyer', 'Watcher');
  const c = await client(liveId, u.token);
  const other = await client(liveId, o.token);
  try {
    const refused = [
      'bell \u0007 and \u001b[31m red', // C0 + ANSI escape
      'line one\r\nline two', // C0 inside (edges are trimmed)
      'tab\tinside',
      'nul-free but DEL \u007f',
      'C1 next line \u0085 here', // U+0085
      'C1 CSI \u009b31m',
      'right-to-left override \u202e txt.exe',
      'embedding \u202a x', // U+202A
      'isolate \u2066 x \u2069', // U+2066..2069
      'first strong isolate \u2068 x',
    ];
    for (const text of refused) {
      const m = c.mark();
      c.send({ type: 'chat', text }); // JSON.stringify escapes C0 as \u00XX, the rest goes raw
      const e = await c.waitFor((x) => x.type === 'error', { from: m });
      assert.equal(e.code, 'INVALID_CHARACTERS', text);
      assert.equal(typeof e.message, 'string');
    }
    // a lone surrogate is not UTF-8: refused as a malformed message
    const m = c.mark();
    c.send('{"type":"chat","text":"half \\ud83d emoji"}');
    assert.equal((await c.waitFor((x) => x.type === 'error', { from: m })).code, 'INVALID_MESSAGE');
    // what a viewer really types passes untouched: Korean, emoji with skin tone and ZWJ, RLM/LRM marks
    const kept = ['안녕하세요! 오늘 방송 최고 👍🏻', '가족 👨‍👩‍👧 ❤️ 🇰🇷', 'שלום \u200f123 ok'];
    for (const text of kept) {
      c.send({ type: 'chat', text });
      const f = await other.waitFor((x) => x.type === 'chat' && x.text === text);
      assert.equal(f.user.name, 'Hygiene');
    }
    await sleep(150);
    assert.equal(c.frames.filter((x) => x.type === 'error').length, refused.length + 1);
    const seen = other.chats().map((x) => x.text);
    assert.ok(!seen.some((t) => /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(t)), JSON.stringify(seen));
    // nothing refused was stored either
    const h = await api(srv, 'GET', `/api/v1/lives/${liveId}/chat?limit=200`);
    assert.equal(h.status, 200);
    assert.ok(!h.body.items.some((x) => /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(x.text)));
    assert.equal(c.ws.readyState, WebSocket.OPEN);
  } finally {
    c.close(); other.close();
  }
});

test('invalid UTF-8 closes with 1007, a binary frame with 1003; the room keeps working', async () => {
  const u = await makeUser(srv, 'buyer', 'Bytes');
  const o = await makeUser(srv, 'buyer', 'Listener');
  const other = await client(liveId, o.token);
  const bad = await client(liveId, u.token);
  const bin = await client(liveId, u.token);
  try {
    // raw bytes in a text frame: an overlong '/' and a lone continuation byte
    bad.ws.send(Buffer.concat([Buffer.from('{"type":"chat","text":"'), Buffer.from([0xc0, 0xaf, 0x80]), Buffer.from('"}')]), { binary: false });
    assert.equal(await Promise.race([bad.closed, sleep(3000).then(() => 'timeout')]), 1007);
    bin.ws.send(Buffer.from(JSON.stringify({ type: 'chat', text: 'as binary' })), { binary: true });
    assert.equal(await Promise.race([bin.closed, sleep(4000).then(() => 'timeout')]), 1003);
    await sleep(100);
    assert.ok(!other.chats().some((x) => x.text === 'as binary'));
    const c = await client(liveId, u.token);
    try {
      c.send({ type: 'chat', text: 'text still works' });
      await other.waitFor((x) => x.type === 'chat' && x.text === 'text still works');
    } finally {
      c.close();
    }
  } finally {
    other.close(); bad.close(); bin.close();
  }
});

test('rate limit: 5 messages per 10 s per user', async () => {
  const u = await makeUser(srv, 'buyer', 'Fast');
  const o = await makeUser(srv, 'buyer', 'Other');
  const c = await client(liveId, u.token);
  const other = await client(liveId, o.token);
  try {
    for (let i = 0; i < 7; i++) c.send({ type: 'chat', text: `burst ${i}` });
    await c.waitFor((x) => x.type === 'chat' && x.text === 'burst 4');
    const errs = await (async () => {
      const end = Date.now() + 2000;
      while (c.frames.filter((x) => x.type === 'error').length < 2 && Date.now() < end) await sleep(20);
      return c.frames.filter((x) => x.type === 'error');
    })();
    assert.equal(errs.length, 2);
    assert.ok(errs.every((e) => e.code === 'RATE_LIMITED'));
    await sleep(200);
    assert.deepEqual(c.chats().filter((x) => x.text.startsWith('burst')).map((x) => x.text), ['burst 0', 'burst 1', 'burst 2', 'burst 3', 'burst 4']);
    // the limit is per user: someone else can still talk
    other.send({ type: 'chat', text: 'not limited' });
    await c.waitFor((x) => x.type === 'chat' && x.text === 'not limited');
    // the same user on a second connection shares the limit
    const c2 = await client(liveId, u.token);
    try {
      c2.send({ type: 'chat', text: 'second tab' });
      assert.equal((await c2.waitFor((x) => x.type === 'error')).code, 'RATE_LIMITED');
    } finally {
      c2.close();
    }
  } finally {
    c.close(); other.close();
  }
});

test('an oversized frame closes only that connection', async () => {
  const u1 = await makeUser(srv, 'buyer', 'Big');
  const u2 = await makeUser(srv, 'buyer', 'Small');
  const big = await client(liveId, u1.token);
  const a = await client(liveId, u2.token);
  const anon = await client(liveId);
  try {
    big.send({ type: 'chat', text: 'y'.repeat(10 * 1024) });
    const code = await Promise.race([big.closed, sleep(3000).then(() => 'timeout')]);
    assert.equal(code, 1009, 'closed with 1009 message too big');
    a.send({ type: 'chat', text: 'after the big one' });
    await a.waitFor((x) => x.type === 'chat' && x.text === 'after the big one');
    await anon.waitFor((x) => x.type === 'chat' && x.text === 'after the big one');
    assert.equal(a.ws.readyState, WebSocket.OPEN);
    // several oversized senders at once, while others keep chatting
    const bigs = await Promise.all([1, 2, 3].map(() => client(liveId, u1.token)));
    bigs.forEach((b) => b.send('z'.repeat(10 * 1024)));
    a.send({ type: 'chat', text: 'still fine' });
    await anon.waitFor((x) => x.type === 'chat' && x.text === 'still fine');
    await Promise.all(bigs.map((b) => Promise.race([b.closed, sleep(3000)])));
    assert.ok(bigs.every((b) => b.closeCode === 1009));
  } finally {
    big.close(); a.close(); anon.close();
  }
});

test('pipelined bad frames then an oversized one (one TCP write) do not take the server down', async () => {
  const u = await makeUser(srv, 'buyer', 'Pipeliner');
  const watcher = await client(liveId);
  try {
    for (let round = 0; round < 10; round++) {
      const c = await client(liveId, u.token);
      c.ws._socket.cork(); // several frames in one segment: error replies are sent from inside the receive loop
      for (let i = 0; i < 5; i++) c.send('bad json');
      c.send('x'.repeat(10000));
      c.ws._socket.uncork();
      await Promise.race([c.closed, sleep(3000)]);
      assert.equal(c.closeCode, 1009);
    }
    const c = await client(liveId, u.token);
    c.ws._socket.cork();
    c.send('bad json');
    c.send('also bad');
    c.ws._socket.uncork();
    await c.waitFor((x, i) => i >= 1 && x.type === 'error');
    assert.equal(c.frames.filter((x) => x.type === 'error').length, 2);
    c.close();
    assert.equal((await api(srv, 'GET', '/healthz')).status, 200);
    assert.equal(watcher.ws.readyState, WebSocket.OPEN);
  } finally {
    watcher.close();
  }
});

test('viewer counts are broadcast and settle on the final count', async () => {
  const id = await newLive();
  const lastCount = (c) => [...c.frames].reverse().find((x) => x.type === 'viewers')?.count;
  const settle = async (c, n) => {
    const end = Date.now() + 3000;
    while (lastCount(c) !== n && Date.now() < end) await sleep(20);
    assert.equal(lastCount(c), n, JSON.stringify(c.frames.filter((x) => x.type === 'viewers')));
  };
  const a = await client(id);
  await settle(a, 1);
  const others = await Promise.all(Array.from({ length: 5 }, () => client(id)));
  await settle(a, 6);
  await settle(others[4], 6);
  assert.equal((await api(srv, 'GET', `/api/v1/lives/${id}`)).body.viewer_count, 6);
  others.slice(0, 4).forEach((c) => c.close());
  await settle(a, 2);
  await settle(others[4], 2);
  others[4].close();
  await settle(a, 1);
  a.close();
  const end = Date.now() + 3000;
  while ((await api(srv, 'GET', `/api/v1/lives/${id}`)).body.viewer_count !== 0 && Date.now() < end) await sleep(50);
  assert.equal((await api(srv, 'GET', `/api/v1/lives/${id}`)).body.viewer_count, 0);
});

test('handshake: bad token 401, unknown live 404; ended lives drop new messages', async () => {
  await assert.rejects(client(liveId, 'garbage'), (e) => e.status === 401);
  await assert.rejects(client(999999), (e) => e.status === 404);
  await assert.rejects(client('abc'), (e) => e.status === 404);
  await assert.rejects(client(0), (e) => e.status === 404);

  const id = await newLive();
  const u = await makeUser(srv, 'buyer', 'Late');
  const c = await client(id, u.token);
  try {
    c.send({ type: 'chat', text: 'before the end' });
    await c.waitFor((x) => x.type === 'chat' && x.text === 'before the end');
    assert.equal((await api(srv, 'POST', `/api/v1/lives/${id}/end`, { token: seller.token })).status, 200);
    await c.waitFor((x) => x.type === 'status' && x.status === 'ENDED');
    c.send({ type: 'chat', text: 'after the end' });
    await sleep(400);
    assert.ok(!c.chats().some((x) => x.text === 'after the end'));
    const h = await api(srv, 'GET', `/api/v1/lives/${id}/chat`);
    assert.deepEqual(h.body.items.map((x) => x.text), ['before the end']);
  } finally {
    c.close();
  }
});

test('history: oldest first, limit, is_seller, 404', async () => {
  const id = await newLive();
  const u = await makeUser(srv, 'buyer', 'Historian');
  const c = await client(id, u.token);
  const s = await client(id, seller.token);
  try {
    for (const t of ['one', 'two', 'three']) {
      c.send({ type: 'chat', text: t });
      await c.waitFor((x) => x.type === 'chat' && x.text === t);
    }
    s.send({ type: 'chat', text: 'four' });
    await c.waitFor((x) => x.type === 'chat' && x.text === 'four');
  } finally {
    c.close(); s.close();
  }
  const all = await api(srv, 'GET', `/api/v1/lives/${id}/chat`);
  assert.equal(all.status, 200);
  assert.deepEqual(all.body.items.map((x) => x.text), ['one', 'two', 'three', 'four']);
  const live = all.body.items[0];
  assert.equal(live.type, 'chat');
  assert.equal(live.live_id, id);
  assert.deepEqual(live.user, { id: u.id, name: 'Historian', role: 'buyer' });
  assert.equal(live.is_seller, false);
  assert.equal(all.body.items[3].is_seller, true);
  const two = await api(srv, 'GET', `/api/v1/lives/${id}/chat?limit=2`);
  assert.deepEqual(two.body.items.map((x) => x.text), ['three', 'four']);
  assert.equal((await api(srv, 'GET', `/api/v1/lives/${id}/chat?limit=0`)).status, 422);
  assert.equal((await api(srv, 'GET', `/api/v1/lives/${id}/chat?limit=201`)).status, 422);
  assert.equal((await api(srv, 'GET', `/api/v1/lives/${id}/chat?limit=x`)).status, 422);
  assert.equal((await api(srv, 'GET', '/api/v1/lives/999999/chat')).status, 404);
});
