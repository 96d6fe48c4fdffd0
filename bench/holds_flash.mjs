// Benchmark: the flash-sale hold path. B buyers (default 5000, signed up first) hammer
// POST /api/v1/holds for one product with stock S (default 100) through wrk (many connections,
// each request with the next buyer's token) for D seconds; the first S holds win, every later
// attempt meets the sold-out product, which is refused from memory without a write transaction.
// Prints wrk's requests/s and latency percentiles, then checks exactly S held, stock 0 and
// `broadcart audit stock` clean.
// With mode "orders" the same load goes to POST /api/v1/orders (one line of 1 unit, no hold).
// Usage: node bench/holds_flash.mjs [buyers=5000] [stock=100] [seconds=10] [connections=256] [holds|orders]
//        (BROADCART_TEST_DATABASE=postgres for PostgreSQL). Bounded: <= 20000 buyers, <= 60 s of load.
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, api, makeUser, BIN } from '../tests/api/lib.mjs';

const buyers = Math.min(Number(process.argv[2] || 5000), 20000);
const stock = Number(process.argv[3] || 100);
const seconds = Math.min(Number(process.argv[4] || 10), 60);
const conns = Math.min(Number(process.argv[5] || 256), 1024);
const mode = process.argv[6] === 'orders' ? 'orders' : 'holds';
try { execFileSync('wrk', ['--version'], { stdio: 'ignore' }); } catch (e) {
  if (e.code === 'ENOENT') { console.error('wrk is not installed: apt-get install wrk'); process.exit(1); }
}
const srv = await startServer({ env: { BROADCART_LOG_LEVEL: 'error' } });
const tmp = mkdtempSync(path.join(os.tmpdir(), 'bc-holds-'));
const deadline = setTimeout(() => { console.error('bench timed out'); srv.stop().finally(() => process.exit(1)); }, 600000);
try {
  const seller = await makeUser(srv, 'seller');
  const p = await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: 'Flash item', price: 9900, stock } });
  const tokens = [];
  for (let i = 0; i < buyers; i += 50) { // 50 sign-ups in flight at a time
    const batch = await Promise.all(Array.from({ length: Math.min(50, buyers - i) }, (_, k) => api(srv, 'POST', '/api/v1/auth/signup',
      { body: { email: `flash${i + k}-${process.pid}@example.com`, password: 'flash1234', name: `b${i + k}` } })));
    for (const r of batch) tokens.push(r.body.access_token);
  }
  console.log(`signed up ${tokens.length} buyers`);
  writeFileSync(path.join(tmp, 'tokens.txt'), tokens.join('\n') + '\n');
  writeFileSync(path.join(tmp, 'holds.lua'), `
local tokens = {}
for line in io.lines("${path.join(tmp, 'tokens.txt')}") do tokens[#tokens + 1] = line end
local n = 0
local body = '${mode === 'orders'
    ? JSON.stringify({ items: [{ product_id: p.body.id, quantity: 1 }], shipping_address: { recipient: '김민지', phone: '010-1234-5678', postcode: '06236', address1: 'Seoul 1' } })
    : JSON.stringify({ product_id: p.body.id, quantity: 1 })}'
local codes = {}
request = function()
  n = n + 1
  local t = tokens[(n * 7919 + math.random(#tokens)) % #tokens + 1]
  return wrk.format("POST", "/api/v1/${mode}", { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. t }, body)
end
`);
  const w = spawnSync('wrk', ['-t2', `-c${conns}`, `-d${seconds}s`, '--latency', '-s', path.join(tmp, 'holds.lua'), srv.base],
    { encoding: 'utf8', timeout: (seconds + 30) * 1000 });
  const out = w.stdout || '';
  const rps = (out.match(/Requests\/sec:\s+([\d.]+)/) || [])[1];
  const pct = Object.fromEntries([...out.matchAll(/^\s+(50|75|90|99)%\s+(\S+)/gm)].map((m) => [`p${m[1]}`, m[2]]));
  const non2xx = (out.match(/Non-2xx or 3xx responses: (\d+)/) || [])[1] || 0;
  const total = (out.match(/(\d+) requests in/) || [])[1];
  // the client's pooled keep-alive connections went idle during the load: one retry each
  const again = async (f) => { try { return await f(); } catch { return f(); } };
  const after = await again(() => api(srv, 'GET', `/api/v1/products/${p.body.id}`));
  const ledger = await again(() => api(srv, 'GET', `/api/v1/seller/products/${p.body.id}/stock-ledger?per_page=100`, { token: seller.token }));
  const holds = ledger.body.items.filter((x) => x.reason === (mode === 'orders' ? 'order' : 'hold')).length;
  const audit = spawnSync(BIN, ['audit', 'stock'], { env: srv.env, encoding: 'utf8' });
  console.log(`db=${process.env.BROADCART_TEST_DATABASE === 'postgres' ? 'postgres' : 'sqlite'} mode=${mode} buyers=${buyers} stock=${stock} ` +
    `connections=${conns} seconds=${seconds} attempts=${total} refused=${non2xx} attempts_per_s=${rps} ` +
    `latency_p50=${pct.p50} p90=${pct.p90} p99=${pct.p99}`);
  console.log(`check: ${mode === 'orders' ? 'ordered' : 'held'}=${holds} (want ${stock}) ledger_total=${ledger.body.total} stock_after=${after.body.stock} (want 0) ` +
    `audit_exit=${audit.status} ${holds === stock && after.body.stock === 0 && audit.status === 0 ? 'OK' : 'FAILED'}`);
  void makeUser;
} catch (e) {
  console.error(`failed: ${e.message} ${e.cause ? e.cause.code : ''}; server exit ${srv.proc.exitCode} signal ${srv.proc.signalCode}\n${srv.stderr().slice(-3000)}`);
  process.exitCode = 1;
} finally {
  clearTimeout(deadline);
  rmSync(tmp, { recursive: true, force: true });
  await srv.stop();
}
