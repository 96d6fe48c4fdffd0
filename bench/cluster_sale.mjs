// Benchmark: a flash sale through nginx over a cluster (tests/cluster/lib.mjs: PostgreSQL 15 +
// Redis + N `broadcart serve` + nginx round-robin, all private on loopback). B buyers (signed up
// beforehand) order 1 unit each of a product with stock S at the same moment, R rounds (a new
// product each). Prints per round the wall time, order requests/s, p50/p99 latency, how nginx split
// them, and checks stock exactness (S orders, stock 0, ledger sum = stock).
// Usage: node bench/cluster_sale.mjs [buyers=1000] [stock=100] [instances=2] [rounds=3]
// Bounded: at most 4000 buyers, 3 instances, 10 rounds, 180 s.
import { ADDRESS, buyers as signUp, call, pct, seller, startCluster } from '../tests/cluster/lib.mjs';

const nBuyers = Math.min(Number(process.argv[2] || 1000), 4000);
const stock = Math.max(1, Number(process.argv[3] || 100));
const nInst = Math.min(Math.max(1, Number(process.argv[4] || 2)), 3);
const rounds = Math.min(Number(process.argv[5] || 3), 10);
const deadline = setTimeout(() => { console.error('bench timed out'); process.exit(1); }, 180000);
const c = await startCluster({ instances: nInst, env: { BROADCART_LOG_LEVEL: 'warn' } });
try {
  const shop = await seller(c, c.instances[0]);
  const tokens = (await signUp(c.base, nBuyers, 'bench')).map((b) => b.token);
  for (let round = 1; round <= rounds; round++) {
    const p = await call(c.base, 'POST', '/api/v1/products', { token: shop.token, body: { name: `Flash ${round}`, price: 9900, stock } });
    if (p.status !== 201) throw new Error(JSON.stringify(p.body));
    const lat = [];
    const t0 = performance.now();
    const res = await Promise.all(tokens.map(async (token) => {
      const s = performance.now();
      const r = await call(c.base, 'POST', '/api/v1/orders',
        { token, body: { items: [{ product_id: p.body.id, quantity: 1 }], shipping_address: ADDRESS } });
      lat.push(performance.now() - s);
      return r;
    }));
    const ms = performance.now() - t0;
    const created = res.filter((r) => r.status === 201).length;
    const sold = res.filter((r) => r.status === 409).length;
    const split = c.instances.map((i) => `${i.name}=${res.filter((r) => r.upstream === i.port).length}`).join(' ');
    const after = Number(c.sqlQuery(`SELECT stock FROM products WHERE id = ${p.body.id}`));
    const ledger = Number(c.sqlQuery(`SELECT coalesce(sum(delta), 0) FROM stock_ledger WHERE product_id = ${p.body.id}`));
    console.log(`round=${round} instances=${nInst} buyers=${nBuyers} stock=${stock} created=${created} out_of_stock=${sold} ` +
      `other=${nBuyers - created - sold} stock_after=${after} ledger=${ledger} wall_ms=${ms.toFixed(0)} ` +
      `requests_per_s=${Math.round(nBuyers / (ms / 1000))} p50_ms=${pct(lat, 0.5).toFixed(0)} p99_ms=${pct(lat, 0.99).toFixed(0)} split: ${split}` +
      `${created === stock && after === 0 && ledger === 0 ? '' : ' STOCK MISMATCH'}`);
  }
} finally {
  clearTimeout(deadline);
  await c.stop();
}
