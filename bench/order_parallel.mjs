// Benchmark: write parallelism of the store. B buyers each order 1 unit of their OWN product
// (different rows), then of ONE shared product, C requests in flight at a time, R rounds each;
// prints orders/s for both shapes. With one global write lock both shapes were serialised; without
// it different products run in parallel. On PostgreSQL a third phase holds a row lock on one more
// product from another session for 2 s, with one order of it waiting inside the server (a slow
// writer), and counts the orders of the buyers' own products that complete meanwhile (with the
// global lock: none until the slow writer ends). Usage (BROADCART_TEST_DATABASE=postgres):
//   node bench/order_parallel.mjs [buyers=32] [rounds=20]
// Measured (2-core VM, PostgreSQL 15 on the same machine, 32 buyers x 20 rounds): while the slow
// writer held its row for 2 s, 1,660 orders of other products completed (~800/s) without the global
// write lock and 0 with it; the plain rates (~550-610/s different, ~590-690/s shared) are CPU-bound.
// Bounded: <= 128 buyers, <= 100 rounds, 120 s.
import { spawn } from 'node:child_process';
import { startServer, api, makeUser, sql } from '../tests/api/lib.mjs';

const buyers = Math.min(Number(process.argv[2] || 32), 128);
const rounds = Math.min(Number(process.argv[3] || 20), 100);
const srv = await startServer({ env: { BROADCART_WORKERS: '16' } });
const deadline = setTimeout(() => { console.error('bench timed out'); srv.stop().finally(() => process.exit(1)); }, 120000);
const address = { recipient: '김민지', phone: '010-1234-5678', postcode: '06236', address1: '서울시 강남구 테헤란로 1' };
try {
  const seller = await makeUser(srv, 'seller');
  const mk = async (name) => (await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name, price: 9900, stock: 100000 } })).body.id;
  const shared = await mk('shared');
  const own = [], tokens = [];
  for (let i = 0; i < buyers; i++) {
    own.push(await mk(`own ${i}`));
    const r = await api(srv, 'POST', '/api/v1/auth/signup', { body: { email: `par${i}-${process.pid}@example.com`, password: 'par12345', name: `p${i}` } });
    tokens.push(r.body.access_token);
  }
  const run = async (label, productOf) => {
    let ok = 0;
    const t0 = performance.now();
    await Promise.all(tokens.map(async (token, i) => {
      for (let k = 0; k < rounds; k++) {
        const r = await api(srv, 'POST', '/api/v1/orders', { token, body: { items: [{ product_id: productOf(i), quantity: 1 }], shipping_address: address } });
        if (r.status === 201) ok++;
      }
    }));
    const dt = (performance.now() - t0) / 1000;
    console.log(`${label}: backend=${process.env.BROADCART_TEST_DATABASE === 'postgres' ? 'postgresql' : 'sqlite'} buyers=${buyers} orders=${ok}/${buyers * rounds} wall_s=${dt.toFixed(2)} orders_per_s=${Math.round(ok / dt)}`);
  };
  await run('different products', (i) => own[i]);
  await run('one shared product', () => shared);
  if (process.env.BROADCART_TEST_DATABASE === 'postgres') {
    const slow = await mk('slow');
    const holder = spawn('/usr/lib/postgresql/15/bin/psql', ['-X', '-q', '-d', srv.env.BROADCART_DATABASE_URL, '-c',
      `BEGIN; SELECT id FROM products WHERE id = ${slow} FOR NO KEY UPDATE; SELECT pg_sleep(2); COMMIT;`], { stdio: 'ignore' });
    const held = new Promise((r) => holder.once('exit', r));
    const active = (q) => Number(sql(srv, q).trim()) > 0;
    for (let i = 0; i < 200 && !active("SELECT COUNT(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(2)%' AND state = 'active' AND pid <> pg_backend_pid()"); i++)
      await new Promise((r) => setTimeout(r, 10));
    const t0 = performance.now();
    const blocked = api(srv, 'POST', '/api/v1/orders', { token: tokens[0], body: { items: [{ product_id: slow, quantity: 1 }], shipping_address: address } });
    let during = 0, stop = false;
    held.then(() => { stop = true; });
    await Promise.all(tokens.slice(1).map(async (token, i) => {
      while (!stop) {
        const r = await api(srv, 'POST', '/api/v1/orders', { token, body: { items: [{ product_id: own[i + 1], quantity: 1 }], shipping_address: address } });
        if (r.status === 201 && !stop) during++;
      }
    }));
    const dt = (performance.now() - t0) / 1000;
    await blocked;
    console.log(`while a slow writer holds another product for ${dt.toFixed(2)} s: orders of other products completed=${during} (${Math.round(during / dt)}/s)`);
  }
} finally {
  clearTimeout(deadline);
  await srv.stop();
}
