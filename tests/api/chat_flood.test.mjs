// WebSocket flooding: every connection's queue is bounded in bytes (all frame kinds). A client that
// sends pings and never reads the pongs is closed (1008 / TCP close) and its memory freed, while
// other viewers keep their chat; a client that pings too often is closed with 1008.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { startServer, api, makeUser } from './lib.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// for Promise.race: a timer that does not keep the process alive once the race is decided
const within = (ms) => new Promise((r) => setTimeout(r, ms).unref());
const FLOODERS = 3;
const MAX_PINGS = 400000; // per connection (~52 MB of frames); the loop also stops after FLOOD_MS
const FLOOD_MS = 20000;
const RSS_GROWTH_MAX_KB = 64 * 1024;

function rssKb(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

// One masked ping frame with a 125-byte payload (the largest control frame, RFC 6455 §5.5).
function pingFrame() {
  const mask = randomBytes(4);
  const payload = Buffer.alloc(125, 0x61);
  const f = Buffer.alloc(2 + 4 + 125);
  f[0] = 0x89;
  f[1] = 0x80 | 125;
  mask.copy(f, 2);
  for (let i = 0; i < 125; i++) f[6 + i] = payload[i] ^ mask[i % 4];
  return f;
}

// Raw TCP WebSocket client: handshake, then stop reading. Resolves to {sock, closed} where closed
// resolves once the server has closed the connection.
async function rawClient(srv, liveId) {
  const sock = net.connect(srv.port, '127.0.0.1');
  await new Promise((resolve, reject) => { sock.once('connect', resolve); sock.once('error', reject); });
  sock.write(`GET /api/v1/lives/${liveId}/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n`
    + `Connection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n`
    + 'Sec-WebSocket-Version: 13\r\n\r\n');
  const head = await new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const t = setTimeout(() => reject(new Error('no handshake answer')), 5000);
    const onData = (d) => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end >= 0) { clearTimeout(t); sock.off('data', onData); resolve(buf.subarray(0, end).toString()); }
    };
    sock.on('data', onData);
  });
  assert.match(head, /^HTTP\/1\.1 101 /);
  sock.pause(); // never read again: the pongs pile up
  let isClosed = false;
  const closed = new Promise((r) => {
    sock.once('close', () => { isClosed = true; r(); });
    sock.on('error', () => {}); // EPIPE / ECONNRESET once the server has closed
  });
  return { sock, closed, get isClosed() { return isClosed; } };
}

// Writes pings in batches (honouring backpressure) until the connection closes, MAX_PINGS were
// written or deadline passed. Returns the number of pings written.
async function flood(c, deadline) {
  const batch = Buffer.concat(Array.from({ length: 500 }, pingFrame));
  let sent = 0;
  while (!c.isClosed && sent < MAX_PINGS && Date.now() < deadline) {
    const ok = c.sock.write(batch);
    sent += 500;
    if (!ok) {
      await Promise.race([new Promise((r) => c.sock.once('drain', r)), c.closed, within(Math.max(0, deadline - Date.now()))]);
    } else if (sent % 20000 === 0) {
      await sleep(0);
    }
  }
  return sent;
}

async function chatClient(srv, liveId, token) {
  const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/api/v1/lives/${liveId}/chat?access_token=${encodeURIComponent(token)}`);
  const frames = [];
  let closeCode = null;
  const closed = new Promise((r) => ws.on('close', (code, reason) => { closeCode = code; r({ code, reason: reason.toString() }); }));
  ws.on('message', (d) => frames.push(JSON.parse(d.toString())));
  ws.on('error', () => {});
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  return { ws, frames, closed, get closeCode() { return closeCode; } };
}

async function waitFor(frames, pred, timeout = 5000) {
  const end = Date.now() + timeout;
  while (Date.now() < end) {
    const f = frames.find(pred);
    if (f) return f;
    await sleep(20);
  }
  throw new Error(`no matching frame in ${timeout} ms: ${JSON.stringify(frames.slice(-5))}`);
}

async function newLive(srv, seller) {
  const p = await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: 'Mug', price: 9000, stock: 5 } });
  assert.equal(p.status, 201, JSON.stringify(p.body));
  const l = await api(srv, 'POST', '/api/v1/lives', {
    token: seller.token, body: { title: 'Flood show', scheduled_at: '2026-12-01T10:00:00Z', product_ids: [p.body.id] },
  });
  assert.equal(l.status, 201, JSON.stringify(l.body));
  return l.body.id;
}

let srv, seller, liveId;
before(async () => {
  // no ping rate limit here: the queue bound alone must stop the flood
  // (under ASan, freed memory waits in a quarantine of 256 MB by default: keep it small so RSS
  // measures what the server holds)
  srv = await startServer({ env: { BROADCART_WS_PING_RATE: '0', ASAN_OPTIONS: 'detect_leaks=0:quarantine_size_mb=16' } });
  seller = await makeUser(srv, 'seller', 'Flood Seller');
  liveId = await newLive(srv, seller);
});
after(async () => { await srv.stop(); });

test('pings that are never read: each connection is closed, RSS stays bounded, other viewers keep chatting', async (t) => {
  const buyer = await makeUser(srv, 'buyer', 'Reader');
  const viewer = await chatClient(srv, liveId, buyer.token);
  const rss0 = rssKb(srv.proc.pid);
  let peak = rss0;
  const sampler = setInterval(() => { peak = Math.max(peak, rssKb(srv.proc.pid)); }, 100);
  const flooders = [];
  for (let i = 0; i < FLOODERS; i++) flooders.push(await rawClient(srv, liveId));
  const deadline = Date.now() + FLOOD_MS;
  let sent;
  try {
    sent = await Promise.all(flooders.map((c) => flood(c, deadline)));
    // a closed connection is noticed on the next write at the latest; give the last ones a moment
    await Promise.race([Promise.all(flooders.map((c) => c.closed)), within(3000)]);
  } finally {
    clearInterval(sampler);
  }
  peak = Math.max(peak, rssKb(srv.proc.pid));
  t.diagnostic(`pings written per connection: ${sent.join(', ')}; RSS before ${rss0} kB, peak ${peak} kB, after ${rssKb(srv.proc.pid)} kB`);
  const open = flooders.filter((c) => !c.isClosed).length;
  for (const c of flooders) c.sock.destroy();
  assert.equal(open, 0, `${open} of ${FLOODERS} flooding connections were still open after ${FLOOD_MS} ms`);
  assert.ok(peak - rss0 < RSS_GROWTH_MAX_KB, `RSS grew by ${peak - rss0} kB`);

  // the reading viewer was not affected and still gets the room's chat
  assert.equal(viewer.closeCode, null);
  const writer = await makeUser(srv, 'buyer', 'Writer');
  const w = await chatClient(srv, liveId, writer.token);
  w.ws.send(JSON.stringify({ type: 'chat', text: 'still here after the flood' }));
  const f = await waitFor(viewer.frames, (x) => x.type === 'chat' && x.text === 'still here after the flood');
  assert.equal(f.user.name, 'Writer');
  w.ws.terminate();
  viewer.ws.terminate();
});

test('a connection that pings faster than BROADCART_WS_PING_RATE is closed with 1008', async () => {
  const s2 = await startServer({ env: { BROADCART_WS_PING_RATE: '20' } });
  try {
    const sel = await makeUser(s2, 'seller', 'Ping Seller');
    const id = await newLive(s2, sel);
    const b = await makeUser(s2, 'buyer', 'Pinger');
    const calm = await chatClient(s2, id, b.token);
    const c = await chatClient(s2, id, b.token);
    // within the limit: answered, connection stays open
    let pongs = 0;
    calm.ws.on('pong', () => { pongs++; });
    for (let i = 0; i < 10; i++) calm.ws.ping();
    const end = Date.now() + 3000;
    while (pongs < 10 && Date.now() < end) await sleep(20);
    assert.equal(pongs, 10);
    // beyond it: closed with 1008
    for (let i = 0; i < 200; i++) c.ws.ping(Buffer.alloc(125));
    const closed = await Promise.race([c.closed, within(5000).then(() => null)]);
    assert.ok(closed, 'the pinging connection was not closed');
    assert.equal(closed.code, 1008);
    assert.equal(closed.reason, 'too many pings');
    assert.equal(calm.closeCode, null);
    calm.ws.terminate();
  } finally {
    await s2.stop();
  }
});

// The queue drains as a viewer reads: more chat than the bound, in bursts below it, reaches everyone.
// (A burst published faster than one loop pass can write is queued in full, so the bound must stay
// well above the largest burst; the default 1 MiB is ~1000 messages of 300 Korean characters.)
test('chat well beyond a small BROADCART_WS_MAX_QUEUED, in bursts below it, reaches every reading viewer', async () => {
  const s3 = await startServer({ env: { BROADCART_WS_MAX_QUEUED: '16384', BROADCART_CHAT_RATE: '1000' } });
  try {
    const sel = await makeUser(s3, 'seller', 'Burst Seller');
    const id = await newLive(s3, sel);
    const b = await makeUser(s3, 'buyer', 'Burster');
    const readers = await Promise.all([1, 2, 3].map(() => chatClient(s3, id, b.token)));
    const w = await chatClient(s3, id, b.token);
    const texts = Array.from({ length: 60 }, (_, i) => `${i} ${'가'.repeat(250)}`); // ~800 bytes a frame, ~48 KB in all
    for (let i = 0; i < texts.length; i++) {
      w.ws.send(JSON.stringify({ type: 'chat', text: texts[i] }));
      if (i % 5 === 4) await sleep(200); // bursts of ~4 KB
    }
    for (const r of readers) {
      await waitFor(r.frames, (x) => x.type === 'chat' && x.text === texts[59], 10000);
      assert.deepEqual(r.frames.filter((x) => x.type === 'chat').map((x) => x.text), texts);
      assert.equal(r.closeCode, null);
    }
    for (const c of [...readers, w]) c.ws.terminate();
  } finally {
    await s3.stop();
  }
});
