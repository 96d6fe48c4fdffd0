// Benchmark: the same demo shop on the backend this run uses (BROADCART_TEST_DATABASE=postgres for
// a private PostgreSQL 15 cluster, else SQLite): wrk on product detail, a product page and a cart
// PUT. Prints req/s and latency per endpoint. Bounded by wrk's duration (5 s each).
// Usage: [BROADCART_TEST_DATABASE=postgres] node bench/store_backends.mjs [connections=32]
import { execFileSync } from 'node:child_process';
import { writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, makeUser, DB_BACKEND } from '../tests/api/lib.mjs';

const conns = Math.min(Number(process.argv[2] || 32), 256);
const srv = await startServer({ args: ['--demo'] });
try {
  const buyer = await makeUser(srv, 'buyer');
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
  run('PUT /api/v1/cart/items/1', '/api/v1/cart/items/1', ['-s', lua]);
  rmSync(lua, { force: true });
} finally {
  await srv.stop();
}
process.exit(0);
