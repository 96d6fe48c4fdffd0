// Benchmark: chat fan-out within one node. Starts `broadcart serve`, creates a live and 20 signed-in
// senders, builds and runs the C load client (bench/chat_fanout.c): 10,000 WebSocket viewers in the
// live's room, 50 chat messages/s from the 20 senders, optionally hearts tapped by the viewers, and
// prints deliveries/s, delivery latency p50/p99/max, lost messages and the server's RSS per viewer.
// The client runs on the same machine as the server: it takes CPU from it; say so with the figures.
// Usage: node bench/chat_fanout.mjs [--viewers 10000] [--rate 50] [--duration 10] [--hearts 0]
//        [--senders 20] [--threads 1] [--flush MS (BROADCART_WS_FLUSH_MS)] [--db sqlite|postgres]
// Bounded: <= 20,000 viewers, <= 120 s of sending (the client enforces both), one run.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const opts = { viewers: 10000, rate: 50, duration: 10, hearts: 0, senders: 20, threads: 1, flush: 0, db: 'sqlite' };
for (let i = 2; i < process.argv.length; i += 2) {
  const k = process.argv[i].replace(/^--/, ''), v = process.argv[i + 1];
  if (!(k in opts) || v === undefined) { console.error(`unknown option ${process.argv[i]}`); process.exit(2); }
  opts[k] = k === 'db' ? v : Number(v);
}
process.env.BROADCART_TEST_DATABASE = opts.db;
const { startServer, api, makeUser, ROOT } = await import('../tests/api/lib.mjs');
const CLIENT = path.join(ROOT, 'build/chat_fanout');
execFileSync('ninja', ['-C', path.join(ROOT, 'build'), 'chat_fanout'], { stdio: 'ignore' });
if (!existsSync(CLIENT)) { console.error('cannot build build/chat_fanout'); process.exit(1); }
const tmp = mkdtempSync(path.join(os.tmpdir(), 'bc-fanout-'));
const srv = await startServer({ env: { BROADCART_CHAT_RATE: '1000', BROADCART_LOG_LEVEL: 'warn', BROADCART_WS_FLUSH_MS: String(opts.flush) } });
try {
  const seller = await makeUser(srv, 'seller', 'Fanout Seller');
  const p = await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: 'Bench mug', price: 1000, stock: 1 } });
  const l = await api(srv, 'POST', '/api/v1/lives', {
    token: seller.token, body: { title: 'Fan-out bench', scheduled_at: '2026-12-01T10:00:00Z', product_ids: [p.body.id] },
  });
  const tokens = [];
  for (let i = 0; i < opts.senders; i++) tokens.push((await makeUser(srv, 'buyer', `Sender ${i}`)).token);
  writeFileSync(path.join(tmp, 'tokens'), tokens.join('\n') + '\n');
  const load = (await import('node:fs')).readFileSync('/proc/loadavg', 'utf8').trim();
  console.log(`# chat fan-out: ${opts.viewers} viewers, ${opts.rate} msg/s from ${opts.senders} senders for ${opts.duration} s, ` +
    `${opts.hearts} hearts/s, BROADCART_WS_FLUSH_MS=${opts.flush}, db ${opts.db}, ${os.cpus().length} CPUs shared by server and client; loadavg before: ${load}`);
  const r = spawnSync(CLIENT, ['--port', String(srv.port), '--live', String(l.body.id), '--tokens', path.join(tmp, 'tokens'),
    '--viewers', String(opts.viewers), '--rate', String(opts.rate), '--duration', String(opts.duration),
    '--hearts', String(opts.hearts), '--pid', String(srv.proc.pid), '--threads', String(opts.threads)],
  { encoding: 'utf8', timeout: (opts.duration + 120) * 1000 });
  process.stdout.write(r.stdout || '');
  if (r.status !== 0) { process.stderr.write(r.stderr || ''); process.exitCode = 1; }
} finally {
  await srv.stop();
  rmSync(tmp, { recursive: true, force: true });
}
