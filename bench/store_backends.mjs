// Benchmark: the same demo shop on the backend this run uses (BROADCART_TEST_DATABASE=postgres for
// a private PostgreSQL 15 cluster, else SQLite): wrk on product detail, a product page and a cart
// PUT, by one buyer (every PUT waits for the one before: a buyer's cart writes are ordered) and by
// 32 buyers in turn (the buyers' carts are independent). Prints req/s and latency per endpoint.
// Bounded by wrk's duration (5 s each).
// Usage: [BROADCART_TEST_DATABASE=postgres] node bench/store_backends.mjs [connections=32]
import { execFileSync } from 'node:child_process';
import { writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, makeUser, DB_BACKEND } from '../tests/api/lib.mjs';

const conns = Math.min(Number(process.argv[2] || 32), 256);
// 33 sign-ups from one address: above the default per-address sign-up budget
const srv = await startServer({ args: ['--demo'], env: { BROADCART_SIGNUP_RATE_PER_ADDR: '100' } });
try {
  const buyer = await makeUser(srv, 'buyer');
  const buyers = [];
  for (let i = 0; i < 32; i++) buyers.push(await makeUser(srv, 'buyer'));
  const lua = path.join(os.tmpdir(), `bc-put-${process.pid}.lua`);
  writeFileSync(lua, `wrk.method = "PUT"\nwrk.body = '{"quantity":1}'\nwrk.headers["Content-Type"] = "application/json"\n` +
    `wrk.headers["Authorization"] = "Bearer ${buyer.token}"\n`);
  const run = (label, p, extra = []) => {
    const out = execFileSync('wrk', ['-t1', `-c${conns}`, '-d5s', '--latency', ...extra, srv.base + p], { encoding: 'utf8' });
    const rps = out.match(/Requests\/sec:\s+([\d.]+)/)[1];
    const p50 = out.match(/50%\s+(\S+)/)[1], p99 = out.match(/99%\s+(\S+)/)[1];
    const non2xx = (out.match(/Non-2xx or 3xx responses: (\d+)/) || [0, '0'])[1];
    console.log(`${DB_BACKEND}\t${label}\t${rps} req/s\tp50 ${p50}\tp99 ${p99}\tnon-2xx ${non2xx}`);
  };
  run('GET /api/v1/products/1', '/api/v1/products/1');
  run('GET /api/v1/products?per_page=20', '/api/v1/products?per_page=20');
  run('PUT /api/v1/cart/items/1 (one buyer)', '/api/v1/cart/items/1', ['-s', lua]);
  const lua32 = path.join(os.tmpdir(), `bc-put32-${process.pid}.lua`);
  writeFileSync(lua32, `local tokens = {${buyers.map((b) => `"${b.token}"`).join(',')}}\nlocal n = 0\n` +
    'request = function()\n  n = n + 1\n  return wrk.format("PUT", "/api/v1/cart/items/1", ' +
    '{["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. tokens[(n % #tokens) + 1]}, \'{"quantity":1}\')\nend\n');
  run('PUT /api/v1/cart/items/1 (32 buyers)', '/api/v1/cart/items/1', ['-s', lua32]);
  rmSync(lua, { force: true });
  rmSync(lua32, { force: true });
} finally {
  await srv.stop();
}
process.exit(0);
