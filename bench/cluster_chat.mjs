// Benchmark: chat across two instances through Redis (BROADCART_REDIS_URL). Starts a private
// redis-server and two `broadcart serve` on one data directory, opens N viewers split between
// them, sends M messages from a buyer on instance A (one every 10 ms) and prints the latency from
// send to arrival at the viewers on A and on B (p50/p99 over the last viewer of each message), and
// the bus's relay figures. Usage: node bench/cluster_chat.mjs [viewers=400] [messages=100]
// Bounded: at most 4000 viewers, 500 messages, 90 s.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { startServer, api, makeUser, freePort } from '../tests/api/lib.mjs';
import { startRedis } from '../tests/api/redis.mjs';

const viewers = Math.min(Number(process.argv[2] || 400), 4000);
const messages = Math.min(Number(process.argv[3] || 100), 500);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(s.length * p))]; };

const redisPort = await freePort();
const redis = await startRedis(redisPort);
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bc-bench-cluster-'));
const env = { BROADCART_REDIS_URL: `redis://127.0.0.1:${redisPort}`, BROADCART_CHAT_RATE: '1000' };
const servers = [];
const deadline = setTimeout(() => { console.error('bench timed out'); process.exit(1); }, 90000);
try {
  const A = await startServer({ dataDir, env });
  servers.push(A);
  const seller = await makeUser(A, 'seller');
  const p = await api(A, 'POST', '/api/v1/products', { token: seller.token, body: { name: 'Mug', price: 9000, stock: 5 } });
  const l = await api(A, 'POST', '/api/v1/lives', {
    token: seller.token, body: { title: 'bench', scheduled_at: '2026-12-01T10:00:00Z', product_ids: [p.body.id] },
  });
  if (l.status !== 201) throw new Error(JSON.stringify(l.body));
  const liveId = l.body.id;
  const B = await startServer({ dataDir, env });
  servers.push(B);
  const buyer = await makeUser(A, 'buyer');
  const sent = new Map(); // index -> send time
  const last = { A: new Map(), B: new Map() }; // index -> latest arrival among that side's viewers
  const socks = [];
  for (let i = 0; i < viewers; i++) {
    const side = i % 2 ? 'B' : 'A';
    const srv = side === 'A' ? A : B;
    const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/api/v1/lives/${liveId}/chat`);
    ws.on('message', (d) => {
      const s = d.toString();
      const m = /"text":"m (\d+)"/.exec(s);
      if (m) last[side].set(Number(m[1]), Date.now());
    });
    socks.push(new Promise((r, j) => { ws.once('open', () => r(ws)); ws.once('error', j); }));
  }
  const open = await Promise.all(socks);
  const sender = new WebSocket(`ws://127.0.0.1:${A.port}/api/v1/lives/${liveId}/chat?access_token=${buyer.token}`);
  await new Promise((r) => sender.once('open', r));
  await sleep(1500); // both instances subscribed and counting
  for (let i = 0; i < messages; i++) {
    sent.set(i, Date.now());
    sender.send(JSON.stringify({ type: 'chat', text: `m ${i}` }));
    await sleep(10);
  }
  await sleep(1000);
  const lat = (side) => [...sent].filter(([i]) => last[side].has(i)).map(([i, t]) => last[side].get(i) - t);
  const la = lat('A'), lb = lat('B');
  console.log(`viewers=${viewers} (half on each instance) messages=${messages} ` +
    `A: delivered=${la.length} p50_ms=${pct(la, 0.5)} p99_ms=${pct(la, 0.99)} ` +
    `B(via redis): delivered=${lb.length} p50_ms=${pct(lb, 0.5)} p99_ms=${pct(lb, 0.99)}`);
  for (const ws of open) ws.terminate();
  sender.terminate();
} finally {
  clearTimeout(deadline);
  for (const s of servers) await s.stop({ keep: true });
  await redis.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
