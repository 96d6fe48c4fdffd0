// Benchmark: WebSocket ping flood. Opens N anonymous chat connections that send 125-byte pings and
// never read the pongs, and prints the server's RSS before, at its peak and after, how many pings
// each connection wrote and whether the server closed it.
// Usage: node bench/ws_ping_flood.mjs [connections=3] [pings=1000000]
// Bounded: at most 10 connections, 3,000,000 pings each, 60 s.
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { startServer, api, makeUser } from '../tests/api/lib.mjs';

const conns = Math.min(Number(process.argv[2] || 3), 10);
const pings = Math.min(Number(process.argv[3] || 1000000), 3000000);
const LIMIT_MS = 60000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const within = (ms) => new Promise((r) => setTimeout(r, ms).unref());
const rssKb = (pid) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);

function pingFrame() {
  const mask = randomBytes(4);
  const f = Buffer.alloc(131);
  f[0] = 0x89;
  f[1] = 0x80 | 125;
  mask.copy(f, 2);
  for (let i = 0; i < 125; i++) f[6 + i] = 0x61 ^ mask[i % 4];
  return f;
}

async function flooder(port, liveId, deadline) {
  const sock = net.connect(port, '127.0.0.1');
  await new Promise((r, j) => { sock.once('connect', r); sock.once('error', j); });
  sock.write(`GET /api/v1/lives/${liveId}/chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n`
    + `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  await new Promise((r) => sock.once('data', r));
  sock.pause();
  let closed = false;
  const onClose = new Promise((r) => sock.once('close', () => { closed = true; r(); }));
  sock.on('error', () => {});
  const batch = Buffer.concat(Array.from({ length: 500 }, pingFrame));
  let sent = 0;
  while (!closed && sent < pings && Date.now() < deadline) {
    sent += 500;
    if (!sock.write(batch)) await Promise.race([new Promise((r) => sock.once('drain', r)), onClose, within(deadline - Date.now())]);
  }
  await Promise.race([onClose, within(2000)]);
  sock.destroy();
  return { sent, closed };
}

const srv = await startServer({ env: { BROADCART_WS_PING_RATE: '0' } });
try {
  const seller = await makeUser(srv, 'seller');
  const p = await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: 'x', price: 1000, stock: 1 } });
  const l = await api(srv, 'POST', '/api/v1/lives', {
    token: seller.token, body: { title: 'bench', scheduled_at: '2026-12-01T10:00:00Z', product_ids: [p.body.id] },
  });
  const rss0 = rssKb(srv.proc.pid);
  let peak = rss0;
  const sampler = setInterval(() => { peak = Math.max(peak, rssKb(srv.proc.pid)); }, 50);
  const t0 = Date.now();
  const res = await Promise.all(Array.from({ length: conns }, () => flooder(srv.port, l.body.id, t0 + LIMIT_MS)));
  const dt = Date.now() - t0;
  await sleep(1000);
  clearInterval(sampler);
  console.log(`connections=${conns} pings_per_connection<=${pings} written=[${res.map((r) => r.sent).join(',')}] ` +
    `closed_by_server=${res.filter((r) => r.closed).length}/${conns} ms=${dt} ` +
    `rss_before_kb=${rss0} rss_peak_kb=${Math.max(peak, rssKb(srv.proc.pid))} rss_after_kb=${rssKb(srv.proc.pid)}`);
} finally {
  await srv.stop();
}
