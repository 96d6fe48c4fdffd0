// Benchmark: how soon a catalog change made through one instance is served by another instance's
// cache. Two `broadcart serve` on one database (BROADCART_TEST_DATABASE=postgres: a private
// PostgreSQL 15 cluster; else the same SQLite file from two processes). Each round warms B's cached
// product detail, changes the price through A, and from the moment A answered reads the detail on B
// back to back until it shows the new price. Prints how many first reads were already fresh and
// the lag p50/p99/max (A's answer -> B's first fresh answer; the time of one read on B included).
// Usage: [BROADCART_TEST_DATABASE=postgres] node bench/catalog_cross.mjs [rounds=200]
// Bounded: at most 2,000 rounds, each read loop 2 s.
import { startServer, api, makeUser, DB_BACKEND } from '../tests/api/lib.mjs';

const rounds = Math.min(Number(process.argv[2] || 200), 2000);
const a = await startServer();
const dbUrl = a.env.BROADCART_DATABASE_URL;
const b = await startServer({ dataDir: a.dataDir, env: dbUrl ? { BROADCART_DATABASE_URL: dbUrl } : {} });
try {
  const seller = await makeUser(a, 'seller');
  const p = (await api(a, 'POST', '/api/v1/products', { token: seller.token, body: { name: '교차 인스턴스', price: 1000, stock: 5 } })).body;
  const lags = [];
  let firstFresh = 0, never = 0;
  for (let r = 0; r < rounds; r++) {
    const price = 2000 + r;
    await api(b, 'GET', `/api/v1/products/${p.id}`);
    await api(b, 'GET', `/api/v1/products/${p.id}`); // cached on B now
    const w = await api(a, 'PATCH', `/api/v1/products/${p.id}`, { token: seller.token, body: { price } });
    if (w.status !== 200) throw new Error(`PATCH ${w.status}`);
    const t0 = process.hrtime.bigint();
    for (let k = 0; ; k++) {
      const v = await api(b, 'GET', `/api/v1/products/${p.id}`);
      if (v.body.price === price) {
        if (k === 0) firstFresh++;
        lags.push(Number(process.hrtime.bigint() - t0) / 1e6);
        break;
      }
      if (Number(process.hrtime.bigint() - t0) > 2e9) { never++; break; }
    }
  }
  lags.sort((x, y) => x - y);
  const q = (f) => (lags.length ? lags[Math.min(lags.length - 1, Math.floor(f * lags.length))].toFixed(2) : '-');
  console.log(`${DB_BACKEND}\trounds ${rounds}\tfirst read on B fresh ${firstFresh}/${rounds}\tnot fresh within 2 s ${never}` +
    `\tlag p50 ${q(0.5)} ms\tp99 ${q(0.99)} ms\tmax ${lags.length ? lags[lags.length - 1].toFixed(2) : '-'} ms`);
} finally {
  await b.stop({ keep: true });
  await a.stop();
}
process.exit(0);
