// Benchmark: seller statistics over a year of one seller's orders (issue 11: "indexes that keep a
// year of one seller's data under 50 ms per query"). One real paid order of seller A (two lines) and
// one of seller B are made through the API, then each is cloned N times straight in the database
// (one INSERT ... SELECT over a recursive counter per table, paid_at spread over the past year), so
// A's year holds N orders / 2N lines among as many of B's. Then GET /api/v1/seller/stats for the whole
// year (granularity day and month; JSON and CSV) and for one month runs `rounds` times each.
// Prints p50/p99/max per request (three queries each: buckets, refunds, products) on this machine.
// Usage: [BROADCART_TEST_DATABASE=postgres] node bench/seller_stats.mjs [orders=15000] [rounds=30]
// Bounded: at most 100,000 orders per seller and 200 rounds.
import { startServer, api, makeUser, payOrder, sql, DB_BACKEND } from '../tests/api/lib.mjs';

const N = Math.min(Math.max(Number(process.argv[2] || 15000), 1), 100000);
const rounds = Math.min(Math.max(Number(process.argv[3] || 30), 1), 200);
const DAY = 86400000;
const ADDR = { recipient: '벤치', phone: '010-1234-5678', postcode: '06236', address1: '서울 강남구 테헤란로 1' };

const srv = await startServer();
const columns = (table) => (DB_BACKEND === 'postgres'
  ? sql(srv, `SELECT column_name FROM information_schema.columns WHERE table_name = '${table}' ORDER BY ordinal_position`).trim().split('\n')
  : sql(srv, `PRAGMA table_info(${table})`).trim().split('\n').map((l) => l.split('|')[1])).filter((c) => c && c !== 'id');

async function template(seller, buyer) {
  const ps = [];
  for (const name of ['벤치 사과', '벤치 배']) {
    ps.push((await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name, price: 12000, stock: 100 } })).body);
  }
  const o = await api(srv, 'POST', '/api/v1/orders', { token: buyer.token, body: { shipping_address: ADDR, items: ps.map((p) => ({ product_id: p.id, quantity: 1 })) } });
  if (o.status !== 201) throw new Error(JSON.stringify(o.body));
  return (await payOrder(srv, buyer, o.body)).id;
}

// Clones order row `id` (its lines and shipments too) n times under the prefix, paid over the past year.
function clone(id, prefix, n) {
  const now = Date.now();
  const oc = columns('orders');
  const expr = (c) => (c === 'order_id' ? `'${prefix}' || CAST(n.i AS TEXT)`
    : c === 'payment_key' ? `'${prefix}pk' || CAST(n.i AS TEXT)`
      : ['paid_at', 'created_at', 'updated_at'].includes(c) ? `${now} - CAST(n.i AS BIGINT) * ${Math.floor((365 * DAY) / n)}` : `o.${c}`);
  sql(srv, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${n})
    INSERT INTO orders (${oc.join(', ')}) SELECT ${oc.map(expr).join(', ')} FROM n, orders o WHERE o.id = ${id}`);
  for (const t of ['order_lines', 'shipments']) {
    const cs = columns(t);
    sql(srv, `INSERT INTO ${t} (${cs.join(', ')}) SELECT ${cs.map((c) => (c === 'order_id' ? 'o2.id' : `x.${c}`)).join(', ')}
      FROM orders o2 JOIN ${t} x ON x.order_id = ${id} WHERE o2.order_id LIKE '${prefix}%'`);
  }
  if (DB_BACKEND === 'postgres') sql(srv, 'ANALYZE orders; ANALYZE order_lines; ANALYZE shipments');
  else sql(srv, 'ANALYZE');
}

const pct = (a, p) => a.slice().sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(a.length * p))];
try {
  const [a, b, buyer] = await Promise.all([makeUser(srv, 'seller'), makeUser(srv, 'seller'), makeUser(srv, 'buyer')]);
  const ta = await template(a, buyer), tb = await template(b, buyer);
  const t0 = Date.now();
  clone(ta, 'BNA', N);
  clone(tb, 'BNB', N);
  console.log(`${DB_BACKEND}: seeded ${N} orders (${2 * N} lines) of seller A and as many of seller B in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const day = (ms) => new Date(ms + 9 * 3600000).toISOString().slice(0, 10);
  const to = day(Date.now()), from = day(Date.now() - 364 * DAY), monthFrom = day(Date.now() - 30 * DAY);
  const cases = [
    ['year by day', `from=${from}&to=${to}&granularity=day`],
    ['year by month', `from=${from}&to=${to}&granularity=month`],
    ['year by day, CSV', `from=${from}&to=${to}&granularity=day&format=csv`],
    ['last 30 days', `from=${monthFrom}&to=${to}&granularity=day`],
  ];
  for (const [name, q] of cases) {
    const times = [];
    let check = null;
    for (let i = 0; i < rounds; i++) {
      const s = performance.now();
      const r = await fetch(`${srv.base}/api/v1/seller/stats?${q}`, { headers: { authorization: `Bearer ${a.token}` } });
      const body = await r.text();
      times.push(performance.now() - s);
      if (r.status !== 200) throw new Error(`${name}: ${r.status} ${body.slice(0, 200)}`);
      check = body;
    }
    const orders = q.includes('csv') ? '' : ` (${JSON.parse(check).totals?.orders ?? '?'} orders counted)`;
    console.log(`${name.padEnd(18)} p50 ${pct(times, 0.5).toFixed(1)} ms  p99 ${pct(times, 0.99).toFixed(1)} ms  max ${Math.max(...times).toFixed(1)} ms${orders}`);
  }
} finally {
  await srv.stop();
}
