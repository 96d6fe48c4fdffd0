// Seller statistics: an order history seeded through the API (several buyers, two products of
// seller A, one of seller B, orders moved to given Asia/Seoul days through SQL), the expected
// figures computed here from what was created, compared with GET /api/v1/seller/stats per day and
// per month; a refund lowers revenue; another seller's data never shows; the CSV export parses
// (RFC 4180) and matches the JSON. Then a live's per-minute statistics (room rows and live orders).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, makeUser, payOrder, sql } from './lib.mjs';

let srv, admin, sellerA, sellerB, b1, b2, b3, pA1, pA2, pB;
const ADDR = { recipient: '홍길동', phone: '010-1234-5678', postcode: '06236', address1: '서울 강남구 테헤란로 1' };
const KST = 9 * 3600000;
const DAY = 86400000;

async function product(u, body) {
  const r = await api(srv, 'POST', '/api/v1/products', { token: u.token, body });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}
async function placeOrder(u, items) {
  const r = await api(srv, 'POST', '/api/v1/orders', { token: u.token, body: { items, shipping_address: ADDR } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}
const stats = (u, q) => api(srv, 'GET', `/api/v1/seller/stats?${q}`, { token: u.token });

// The Asia/Seoul date (YYYY-MM-DD) of UTC ms t, computed independently of the server's arithmetic.
const kstDate = (t) => new Date(t + KST).toISOString().slice(0, 10);
// UTC ms of a Seoul wall-clock time.
const seoul = (s) => Date.parse(`${s}+09:00`);

// RFC 4180 parser: quoted fields with doubled quotes, commas and line breaks inside quotes.
function parseCsv(text) {
  const rows = [];
  let row = [], f = '', q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (q) {
      if (c === '"' && text[i + 1] === '"') { f += '"'; i++; } else if (c === '"') q = false; else f += c;
    } else if (c === '"') q = true;
    else if (c === ',') { row.push(f); f = ''; } else if (c === '\r' && text[i + 1] === '\n') { row.push(f); rows.push(row); row = []; f = ''; i++; } else f += c;
  }
  if (f !== '' || row.length) { row.push(f); rows.push(row); }
  return rows;
}

// What was sold: one entry per paid order {paidAt, lines:[{seller, product, quantity, total}], refund: {seller: KRW}}
const history = [];
async function sale(buyer, items, paidAtSeoul) {
  const o = await payOrder(srv, buyer, await placeOrder(buyer, items));
  const t = seoul(paidAtSeoul);
  sql(srv, `UPDATE orders SET paid_at = ${t}, created_at = ${t - 60000} WHERE id = ${o.id}`);
  const prods = { [pA1.id]: pA1, [pA2.id]: pA2, [pB.id]: pB };
  const h = {
    id: o.id, lineIds: o.lines, paidAt: t, refund: {},
    lines: items.map((it) => ({ seller: prods[it.product_id].seller, product: it.product_id, quantity: it.quantity, total: prods[it.product_id].price * it.quantity })),
  };
  history.push(h);
  return { o, h };
}

// The expected figures of seller over [from, to] (Seoul dates) computed from history.
function expected(seller, from, to, month) {
  const buckets = new Map();
  const key = (t) => (month ? kstDate(t).slice(0, 7) : kstDate(t));
  for (let d = Date.parse(`${from}T00:00:00Z`); d <= Date.parse(`${to}T00:00:00Z`); d += DAY) {
    const k = new Date(d).toISOString().slice(0, month ? 7 : 10);
    if (!buckets.has(k)) buckets.set(k, { period: k, gross: 0, refunds: 0, orders: 0, units: 0 });
  }
  const products = new Map();
  for (const h of history) {
    const d = kstDate(h.paidAt);
    if (d < from || d > to) continue;
    const mine = h.lines.filter((l) => l.seller === seller);
    if (!mine.length) continue;
    const b = buckets.get(key(h.paidAt));
    b.orders++;
    for (const l of mine) {
      b.gross += l.total;
      b.units += l.quantity;
      const p = products.get(l.product) || { product_id: l.product, orders: new Set(), units: 0, gross: 0 };
      p.orders.add(h.id); p.units += l.quantity; p.gross += l.total;
      products.set(l.product, p);
    }
    b.refunds += h.refund[seller] || 0;
  }
  let cum = 0;
  const list = [...buckets.values()].map((b) => {
    const revenue = b.gross - b.refunds;
    cum += revenue;
    return { ...b, revenue, average_order_value: b.orders ? Math.floor(revenue / b.orders) : 0, cumulative_revenue: cum };
  });
  const tot = list.reduce((a, b) => ({ gross: a.gross + b.gross, refunds: a.refunds + b.refunds, orders: a.orders + b.orders, units: a.units + b.units }), { gross: 0, refunds: 0, orders: 0, units: 0 });
  tot.revenue = tot.gross - tot.refunds;
  tot.average_order_value = tot.orders ? Math.floor(tot.revenue / tot.orders) : 0;
  const prods = [...products.values()].map((p) => ({ product_id: p.product_id, orders: p.orders.size, units: p.units, gross: p.gross }))
    .sort((a, b) => b.gross - a.gross || a.product_id - b.product_id);
  return { buckets: list, totals: tot, products: prods };
}

function compare(body, exp) {
  assert.deepEqual(body.buckets.map(({ period, gross, refunds, revenue, orders, units, average_order_value, cumulative_revenue }) =>
    ({ period, gross, refunds, orders, units, revenue, average_order_value, cumulative_revenue })), exp.buckets);
  assert.deepEqual(body.totals, exp.totals);
  assert.deepEqual(body.products.map(({ product_id, orders, units, gross }) => ({ product_id, orders, units, gross })), exp.products);
}

before(async () => {
  srv = await startServer();
  [admin, sellerA, sellerB, b1, b2, b3] = await Promise.all([
    makeUser(srv, 'admin'), makeUser(srv, 'seller', 'Stats A'), makeUser(srv, 'seller', 'Stats B'),
    makeUser(srv, 'buyer'), makeUser(srv, 'buyer'), makeUser(srv, 'buyer'),
  ]);
  pA1 = { ...(await product(sellerA, { name: '사과, "특상"', price: 10000, stock: 1000 })), seller: sellerA.id };
  pA2 = { ...(await product(sellerA, { name: '포도', price: 7000, stock: 1000 })), seller: sellerA.id };
  pB = { ...(await product(sellerB, { name: '배', price: 20000, stock: 1000 })), seller: sellerB.id };
  // 2026-03-10 (Seoul): two orders; one mixes both sellers
  await sale(b1, [{ product_id: pA1.id, quantity: 2 }, { product_id: pA2.id, quantity: 1 }], '2026-03-10T10:00:00');
  await sale(b2, [{ product_id: pA1.id, quantity: 1 }, { product_id: pB.id, quantity: 1 }], '2026-03-10T23:59:00');
  // 2026-03-11 08:00 Seoul is still 2026-03-10 in UTC: it belongs to the 11th
  await sale(b3, [{ product_id: pA2.id, quantity: 3 }], '2026-03-11T08:00:00');
  await sale(b2, [{ product_id: pB.id, quantity: 2 }], '2026-03-11T09:00:00');
  // 2026-04-02: an order of which one line is then canceled (refunded)
  const { o, h } = await sale(b1, [{ product_id: pA1.id, quantity: 1 }, { product_id: pA2.id, quantity: 2 }], '2026-04-02T12:00:00');
  const line = o.lines.find((l) => l.product_id === pA2.id);
  const c = await api(srv, 'POST', `/api/v1/orders/${o.id}/lines/${line.line_id}/cancel`, { token: b1.token, body: { reason: '단순 변심' } });
  assert.equal(c.status, 200, JSON.stringify(c.body));
  const now = await api(srv, 'GET', `/api/v1/orders/${o.id}`, { token: b1.token });
  assert.equal(now.body.refunded, 14000);
  h.refund[sellerA.id] = now.body.refunded;
  // 2026-04-02 too: an order canceled whole (goods and shipping fee refunded: the fee is no revenue)
  const whole = await sale(b3, [{ product_id: pA1.id, quantity: 1 }], '2026-04-02T20:00:00');
  const wc = await api(srv, 'POST', `/api/v1/orders/${whole.o.id}/cancel`, { token: b3.token, body: { reason: '단순 변심' } });
  assert.equal(wc.status, 200, JSON.stringify(wc.body));
  const wr = (await api(srv, 'GET', `/api/v1/orders/${whole.o.id}`, { token: b3.token })).body;
  assert.equal(wr.refunded, wr.amount);
  assert.ok(wr.shipping_fee > 0, 'the order had a shipping fee');
  whole.h.refund[sellerA.id] = Math.min(wr.refunded, 10000);
  // an unpaid order counts nowhere
  await placeOrder(b3, [{ product_id: pA1.id, quantity: 5 }]);
});
after(async () => { await srv.stop(); });

test('per day: revenue, orders, units, average order value, refunds and cumulative revenue match the history', async () => {
  const r = await stats(sellerA, 'from=2026-03-09&to=2026-04-03&granularity=day');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.seller_id, sellerA.id);
  assert.equal(r.body.granularity, 'day');
  assert.equal(r.body.buckets.length, 26);
  const exp = expected(sellerA.id, '2026-03-09', '2026-04-03', false);
  compare(r.body, exp);
  // spelled out for the days that matter
  const byDay = Object.fromEntries(r.body.buckets.map((b) => [b.period, b]));
  assert.deepEqual([byDay['2026-03-10'].gross, byDay['2026-03-10'].orders, byDay['2026-03-10'].units], [37000, 2, 4]);
  assert.deepEqual([byDay['2026-03-11'].gross, byDay['2026-03-11'].orders, byDay['2026-03-11'].units], [21000, 1, 3]);
  assert.equal(byDay['2026-03-09'].gross, 0);
  // the refund lowers the day's revenue
  assert.deepEqual([byDay['2026-04-02'].gross, byDay['2026-04-02'].refunds, byDay['2026-04-02'].revenue, byDay['2026-04-02'].orders], [34000, 24000, 10000, 2]);
  assert.equal(r.body.totals.revenue, 37000 + 21000 + 10000);
  assert.equal(r.body.buckets.at(-1).cumulative_revenue, r.body.totals.revenue);
  assert.equal(byDay['2026-03-10'].average_order_value, 18500);
  // per product, and canceled value of the canceled line
  const pa2 = r.body.products.find((p) => p.product_id === pA2.id);
  assert.equal(pa2.name, '포도');
  assert.equal(pa2.canceled, 14000);
  assert.equal(r.body.products.find((p) => p.product_id === pA1.id).canceled, 10000); // the order canceled whole
});

test('per month, and a range cut at its ends', async () => {
  const r = await stats(sellerA, 'from=2026-03-01&to=2026-04-30&granularity=month');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body.buckets.map((b) => b.period), ['2026-03', '2026-04']);
  compare(r.body, expected(sellerA.id, '2026-03-01', '2026-04-30', true));
  assert.deepEqual(r.body.buckets.map((b) => b.revenue), [58000, 10000]);
  // one day only: the 11th (Seoul), not the UTC date
  const one = await stats(sellerA, 'from=2026-03-11&to=2026-03-11');
  compare(one.body, expected(sellerA.id, '2026-03-11', '2026-03-11', false));
  assert.equal(one.body.totals.orders, 1);
  assert.equal(one.body.totals.units, 3);
});

test("another seller's data never shows; admins pass seller_id; others are refused", async () => {
  const b = await stats(sellerB, 'from=2026-03-01&to=2026-04-30&granularity=month');
  assert.equal(b.status, 200);
  compare(b.body, expected(sellerB.id, '2026-03-01', '2026-04-30', true));
  assert.deepEqual(b.body.products.map((p) => p.product_id), [pB.id]);
  assert.equal(b.body.totals.gross, 60000);
  const a = await stats(sellerA, 'from=2026-03-01&to=2026-04-30');
  assert.ok(!a.body.products.some((p) => p.product_id === pB.id));
  assert.equal(a.body.totals.gross, 37000 + 21000 + 24000 + 10000);
  // a seller may not read another seller's figures
  const other = await stats(sellerA, `from=2026-03-01&to=2026-04-30&seller_id=${sellerB.id}`);
  assert.equal(other.status, 403);
  assert.equal(other.body.error.code, 'FORBIDDEN');
  // admin: with seller_id, that seller's figures; without, 422
  const ad = await stats(admin, `from=2026-03-01&to=2026-04-30&granularity=month&seller_id=${sellerB.id}`);
  assert.equal(ad.status, 200);
  assert.deepEqual(ad.body, b.body);
  assert.equal((await stats(admin, 'from=2026-03-01&to=2026-04-30')).status, 422);
  assert.equal((await stats(b1, 'from=2026-03-01&to=2026-04-30')).status, 403);
  assert.equal((await api(srv, 'GET', '/api/v1/seller/stats')).status, 401);
});

test('bad ranges and dates are refused (422)', async () => {
  for (const q of ['from=2026-02-30&to=2026-03-01', 'from=2026-3-1&to=2026-03-01', 'from=2026-04-01&to=2026-03-01',
    'from=2024-01-01&to=2026-03-01', 'granularity=week', 'format=xml']) {
    const r = await stats(sellerA, q);
    assert.equal(r.status, 422, q);
    assert.equal(r.body.error.code, 'VALIDATION_FAILED', q);
  }
});

test('CSV export: text/csv with a header row, parses per RFC 4180 and matches the JSON', async () => {
  const j = (await stats(sellerA, 'from=2026-03-09&to=2026-04-03')).body;
  const r = await stats(sellerA, 'from=2026-03-09&to=2026-04-03&format=csv');
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'text/csv; charset=utf-8');
  const rows = parseCsv(r.body);
  const cols = ['period', 'gross', 'refunds', 'revenue', 'orders', 'units', 'average_order_value', 'cumulative_revenue'];
  assert.deepEqual(rows[0], cols);
  assert.equal(rows.length, j.buckets.length + 1);
  rows.slice(1).forEach((row, i) => {
    assert.deepEqual(row, cols.map((c) => String(j.buckets[i][c])));
  });
  // products: the name with a comma and quotes comes back intact
  const p = await stats(sellerA, 'from=2026-03-09&to=2026-04-03&format=csv&table=products');
  assert.equal(p.status, 200);
  assert.match(p.body, /"사과, ""특상"""/);
  const prow = parseCsv(p.body);
  assert.deepEqual(prow[0], ['product_id', 'name', 'orders', 'units', 'gross', 'canceled']);
  assert.deepEqual(prow.slice(1), j.products.map((x) => [String(x.product_id), x.name, String(x.orders), String(x.units), String(x.gross), String(x.canceled)]));
});

test('live statistics: room minutes and the live\'s orders per minute, peak and unique viewers, conversion, CSV', async () => {
  const l = await api(srv, 'POST', '/api/v1/lives', {
    token: sellerA.token, body: { title: 'Stats show', scheduled_at: '2026-12-01T10:00:00Z', product_ids: [pA1.id, pA2.id] },
  });
  assert.equal(l.status, 201, JSON.stringify(l.body));
  const live = l.body.id;
  const m0 = Date.parse('2026-05-01T10:00:00Z');
  // the room's per-minute rows, as the chat module writes them
  sql(srv, `INSERT INTO live_room_minutes (live_id, minute_at, viewers, unique_viewers, messages, hearts, pins) VALUES
    (${live}, ${m0}, 3, 3, 5, 10, 1), (${live}, ${m0 + 60000}, 7, 8, 2, 4, 0), (${live}, ${m0 + 180000}, 4, 10, 0, 1, 0)`);
  // orders from the live: two in minute 1, one in minute 2 (a minute without a room row)
  const placed = [];
  for (const [u, items, at] of [[b1, [{ product_id: pA1.id, quantity: 1 }], m0 + 61000], [b2, [{ product_id: pA1.id, quantity: 2 }], m0 + 119000],
    [b3, [{ product_id: pA2.id, quantity: 1 }], m0 + 150000]]) {
    const o = await payOrder(srv, u, await placeOrder(u, items));
    sql(srv, `UPDATE orders SET live_id = ${live}, paid_at = ${at} WHERE id = ${o.id}`);
    placed.push(o);
  }
  const r = await api(srv, 'GET', `/api/v1/lives/${live}/stats`, { token: sellerA.token });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const iso = (t) => new Date(t).toISOString();
  assert.deepEqual(r.body.minutes.map((m) => [m.minute, m.viewers, m.unique_viewers, m.messages, m.hearts, m.orders, m.revenue]), [
    [iso(m0), 3, 3, 5, 10, 0, 0],
    [iso(m0 + 60000), 7, 8, 2, 4, 2, 30000],
    [iso(m0 + 120000), 0, 0, 0, 0, 1, 7000],
    [iso(m0 + 180000), 4, 10, 0, 1, 0, 0],
  ]);
  assert.deepEqual(r.body.totals, { peak_viewers: 7, unique_viewers: 10, messages: 7, hearts: 15, orders: 3, revenue: 37000 });
  const conv = Object.fromEntries(r.body.products.map((p) => [p.product_id, [p.buyers, p.units, p.revenue, p.conversion_permille]]));
  assert.deepEqual(conv[pA1.id], [2, 3, 30000, 200]);
  assert.deepEqual(conv[pA2.id], [1, 1, 7000, 100]);
  // CSV of the minutes
  const c = await api(srv, 'GET', `/api/v1/lives/${live}/stats?format=csv`, { token: sellerA.token });
  assert.equal(c.headers.get('content-type'), 'text/csv; charset=utf-8');
  const rows = parseCsv(c.body);
  assert.deepEqual(rows[0], ['minute', 'viewers', 'unique_viewers', 'messages', 'hearts', 'orders', 'revenue']);
  assert.deepEqual(rows.slice(1), r.body.minutes.map((m) => rows[0].map((k) => String(m[k]))));
  // another seller and buyers are refused; an admin may read it
  assert.equal((await api(srv, 'GET', `/api/v1/lives/${live}/stats`, { token: sellerB.token })).status, 403);
  assert.equal((await api(srv, 'GET', `/api/v1/lives/${live}/stats`, { token: b1.token })).status, 403);
  assert.equal((await api(srv, 'GET', `/api/v1/lives/${live}/stats`, { token: admin.token })).status, 200);
  assert.equal((await api(srv, 'GET', '/api/v1/lives/999999/stats', { token: admin.token })).status, 404);
});
