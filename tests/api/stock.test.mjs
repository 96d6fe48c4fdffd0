// Stock: the ledger of every stock change (who, why, delta, balance after) and its route, the
// `broadcart audit stock` check, per-product purchase limits set by the seller (per order, per
// buyer, per buyer per live), the cap on a buyer's unpaid orders, and all of it exact when many
// buyers order at once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startServer, api, makeUser, sql, BIN } from './lib.mjs';

let srv, admin, seller, seller2, buyer, buyer2;
const ADDR = { recipient: '박서준', phone: '010-3333-4444', postcode: '06236', address1: '서울 강남구 테헤란로 2' };

async function product(body, token = seller.token) {
  const r = await api(srv, 'POST', '/api/v1/products', { token, body });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}
const stockOf = async (id, s = srv) => (await api(s, 'GET', `/api/v1/products/${id}`, { token: admin.token })).body.stock;
const order = (u, body, s = srv) => api(s, 'POST', '/api/v1/orders', { token: u.token, body: { shipping_address: ADDR, ...body } });
const ledger = (id, token = seller.token, q = '') => api(srv, 'GET', `/api/v1/seller/products/${id}/stock-ledger${q}`, { token });
const limits = (id, body, token = seller.token) => api(srv, 'PUT', `/api/v1/seller/products/${id}/limits`, { token, body });
function audit(s = srv) {
  const r = spawnSync(BIN, ['audit', 'stock'], { env: s.env, encoding: 'utf8' });
  return { code: r.status, out: r.stdout + r.stderr };
}
async function live(productIds, token = seller.token) {
  const r = await api(srv, 'POST', '/api/v1/lives', {
    token, body: { title: 'Stock live', scheduled_at: '2026-12-24T11:00:00Z', product_ids: productIds },
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.id;
}

before(async () => {
  srv = await startServer();
  [admin, seller, seller2, buyer, buyer2] = await Promise.all([
    makeUser(srv, 'admin'), makeUser(srv, 'seller', 'Ledger Shop'), makeUser(srv, 'seller', 'Other Shop'),
    makeUser(srv, 'buyer'), makeUser(srv, 'buyer'),
  ]);
});
after(async () => { await srv.stop(); });

test('every stock change is a ledger row: who, why, delta, balance after; paged, newest first', async () => {
  const p = await product({ name: '원목 도마', price: 12000, stock: 10 });
  let r = await ledger(p.id);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.total, 1);
  assert.deepEqual([r.body.items[0].delta, r.body.items[0].balance_after], [10, 10]);
  assert.match(r.body.items[0].created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

  const o = await order(buyer, { items: [{ product_id: p.id, quantity: 3 }] });
  assert.equal(o.status, 201, JSON.stringify(o.body));
  assert.equal((await api(srv, 'POST', `/api/v1/orders/${o.body.id}/cancel`, { token: buyer.token, body: {} })).status, 200);
  assert.equal((await api(srv, 'PATCH', `/api/v1/products/${p.id}`, { token: seller.token, body: { stock: 15 } })).status, 200);

  r = await ledger(p.id);
  assert.equal(r.body.total, 4);
  const rows = r.body.items; // newest first
  assert.deepEqual(rows.map((x) => x.delta), [5, 3, -3, 10]);
  assert.deepEqual(rows.map((x) => x.balance_after), [15, 10, 7, 10]);
  const take = rows[2];
  assert.equal(take.reason, 'order');
  assert.equal(take.actor_id, buyer.id, 'the buyer took the stock');
  assert.equal(take.order_id, o.body.id);
  assert.equal(rows[1].order_id, o.body.id, 'the cancel gives back that order\'s units');
  assert.ok(rows[0].id > rows[1].id && rows[1].id > rows[2].id);
  // the seller's own changes name the seller: the product's creation and the edit
  assert.deepEqual([rows[3].reason, rows[3].actor_id], ['create', seller.id]);
  assert.deepEqual([rows[0].reason, rows[0].actor_id], ['adjust', seller.id]);

  // paging
  r = await ledger(p.id, seller.token, '?per_page=2&page=2');
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.items.map((x) => x.delta), [-3, 10]);
  assert.deepEqual([r.body.page, r.body.per_page, r.body.total], [2, 2, 4]);

  // who may read it: the seller and an admin; another seller 403, a buyer 403, unknown 404
  assert.equal((await ledger(p.id, admin.token)).status, 200);
  r = await ledger(p.id, seller2.token);
  assert.equal(r.status, 403);
  assert.equal(r.body.error.code, 'NOT_YOUR_PRODUCT');
  assert.equal((await ledger(p.id, buyer.token)).status, 403);
  assert.equal((await ledger(99999999)).status, 404);
  assert.equal((await api(srv, 'GET', `/api/v1/seller/products/${p.id}/stock-ledger`)).status, 401);
});

test('broadcart audit stock: exit 0 while every product balances, 1 naming the product whose stock was changed behind the ledger', async () => {
  const p = await product({ name: '감사 대상', price: 5000, stock: 4 });
  await order(buyer, { items: [{ product_id: p.id, quantity: 1 }] });
  let a = audit();
  assert.equal(a.code, 0, a.out);
  sql(srv, `UPDATE products SET stock = stock + 2 WHERE id = ${p.id}`);
  a = audit();
  assert.equal(a.code, 1, a.out);
  assert.match(a.out, new RegExp(`product ${p.id}: stock 5, ledger sum 3`));
  sql(srv, `UPDATE products SET stock = stock - 2 WHERE id = ${p.id}`);
  assert.equal(audit().code, 0);
});

test('purchase limits: per order, per buyer (units given back by a cancel count no more), per buyer per live; refusals change nothing', async () => {
  const p = await product({ name: '한정판 머그', price: 9000, stock: 50 });
  let r = await api(srv, 'GET', `/api/v1/products/${p.id}/limits`);
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, { product_id: p.id, max_per_order: 0, max_per_buyer: 0, max_per_buyer_live: 0 });
  // only the seller (or an admin) sets them; bad values are refused
  r = await limits(p.id, { max_per_order: 2, max_per_buyer: 3, max_per_buyer_live: 1 }, seller2.token);
  assert.equal(r.status, 403);
  r = await limits(p.id, { max_per_order: -1, max_per_buyer: 3, max_per_buyer_live: 1 });
  assert.equal(r.status, 422);
  r = await limits(p.id, { max_per_order: 2, max_per_buyer: 3, max_per_buyer_live: 1 });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual((await api(srv, 'GET', `/api/v1/products/${p.id}/limits`)).body,
    { product_id: p.id, max_per_order: 2, max_per_buyer: 3, max_per_buyer_live: 1 });

  r = await order(buyer, { items: [{ product_id: p.id, quantity: 3 }] });
  assert.equal(r.status, 422, JSON.stringify(r.body));
  assert.equal(r.body.error.code, 'LIMIT_PER_ORDER');
  assert.equal(r.body.error.limit, 2);
  assert.equal(await stockOf(p.id), 50);

  const first = await order(buyer, { items: [{ product_id: p.id, quantity: 2 }] });
  assert.equal(first.status, 201);
  r = await order(buyer, { items: [{ product_id: p.id, quantity: 2 }] });
  assert.equal(r.status, 409, JSON.stringify(r.body));
  assert.equal(r.body.error.code, 'LIMIT_PER_BUYER');
  assert.equal(r.body.error.limit, 3);
  assert.equal(await stockOf(p.id), 48, 'the refused order took nothing');
  // another buyer has their own allowance
  assert.equal((await order(buyer2, { items: [{ product_id: p.id, quantity: 2 }] })).status, 201);
  // a cancel gives the units back to the buyer's allowance
  assert.equal((await api(srv, 'POST', `/api/v1/orders/${first.body.id}/cancel`, { token: buyer.token, body: {} })).status, 200);
  assert.equal((await order(buyer, { items: [{ product_id: p.id, quantity: 2 }] })).status, 201);

  // per live: 1 unit per buyer through the live, the overall 3 still counts
  const q = await product({ name: '라이브 특가 머그', price: 9000, stock: 50 });
  assert.equal((await limits(q.id, { max_per_order: 0, max_per_buyer: 3, max_per_buyer_live: 1 })).status, 200);
  const lv = await live([q.id]);
  assert.equal((await order(buyer, { items: [{ product_id: q.id, quantity: 1 }], live_id: lv })).status, 201);
  r = await order(buyer, { items: [{ product_id: q.id, quantity: 1 }], live_id: lv });
  assert.equal(r.status, 409, JSON.stringify(r.body));
  assert.equal(r.body.error.code, 'LIMIT_PER_BUYER_LIVE');
  assert.equal((await order(buyer, { items: [{ product_id: q.id, quantity: 2 }] })).status, 201, 'outside the live: the overall limit');
  r = await order(buyer, { items: [{ product_id: q.id, quantity: 1 }] });
  assert.equal(r.body.error.code, 'LIMIT_PER_BUYER');
  assert.equal(await stockOf(q.id), 47);
  assert.equal(audit().code, 0);
});

test('many buyers at once: per-buyer limits never exceeded, exactly the stock sold, stock and ledger balanced', async () => {
  const p = await product({ name: '선착순 20개', price: 1000, stock: 20 });
  assert.equal((await limits(p.id, { max_per_order: 1, max_per_buyer: 2, max_per_buyer_live: 0 })).status, 200);
  const buyers = await Promise.all(Array.from({ length: 15 }, () => makeUser(srv, 'buyer')));
  // every buyer tries 4 orders of 1 at the same time: 60 attempts for 20 units, 2 per buyer
  const attempts = buyers.flatMap((b) => Array.from({ length: 4 }, () => order(b, { items: [{ product_id: p.id, quantity: 1 }] }).then((r) => ({ b, r }))));
  const res = await Promise.all(attempts);
  const won = res.filter((x) => x.r.status === 201);
  for (const x of res) {
    if (x.r.status !== 201) {
      assert.equal(x.r.status, 409, JSON.stringify(x.r.body));
      assert.ok(['LIMIT_PER_BUYER', 'OUT_OF_STOCK'].includes(x.r.body.error.code), x.r.body.error.code);
    }
  }
  assert.equal(won.length, 20, 'exactly the stock was sold');
  const per = new Map();
  for (const x of won) per.set(x.b.id, (per.get(x.b.id) || 0) + 1);
  assert.ok([...per.values()].every((n) => n <= 2), 'no buyer got more than 2');
  assert.equal(await stockOf(p.id), 0);
  const l = await ledger(p.id, seller.token, '?per_page=100');
  assert.equal(l.body.items.reduce((s, x) => s + x.delta, 0), 0, 'ledger sums to the stock');
  assert.equal(l.body.items[0].balance_after, 0);
  assert.equal(audit().code, 0);
});

test('unpaid orders cap: the (N+1)th unpaid order or hold is refused, exactly N win when sent at once, a cancel frees a slot', async () => {
  const s2 = await startServer({ env: { BROADCART_MAX_UNPAID_ORDERS: '2' } });
  try {
    const [sel, b1, b2, adm] = await Promise.all([makeUser(s2, 'seller'), makeUser(s2, 'buyer'), makeUser(s2, 'buyer'), makeUser(s2, 'admin')]);
    const pr = await api(s2, 'POST', '/api/v1/products', { token: sel.token, body: { name: '미결제 테스트', price: 3000, stock: 1000 } });
    const pid = pr.body.id;
    const line = { items: [{ product_id: pid, quantity: 1 }] };
    const o1 = await order(b1, line, s2);
    assert.equal(o1.status, 201);
    assert.equal((await order(b1, line, s2)).status, 201);
    let r = await order(b1, line, s2);
    assert.equal(r.status, 409, JSON.stringify(r.body));
    assert.equal(r.body.error.code, 'UNPAID_ORDERS_LIMIT');
    r = await api(s2, 'POST', '/api/v1/holds', { token: b1.token, body: { product_id: pid, quantity: 1 } });
    assert.equal(r.status, 409, JSON.stringify(r.body)); // holds count as unpaid too
    assert.equal(r.body.error.code, 'UNPAID_ORDERS_LIMIT');
    assert.equal((await api(s2, 'POST', `/api/v1/orders/${o1.body.id}/cancel`, { token: b1.token, body: {} })).status, 200);
    assert.equal((await order(b1, line, s2)).status, 201, 'the cancel freed a slot');
    // at once: 12 orders of one buyer, exactly 2 win
    const res = await Promise.all(Array.from({ length: 12 }, () => order(b2, line, s2)));
    assert.equal(res.filter((x) => x.status === 201).length, 2, res.map((x) => x.status).join());
    assert.ok(res.filter((x) => x.status !== 201).every((x) => x.body.error.code === 'UNPAID_ORDERS_LIMIT'));
    const st = (await api(s2, 'GET', `/api/v1/products/${pid}`, { token: adm.token })).body.stock;
    assert.equal(st, 1000 - 4);
  } finally {
    await s2.stop();
  }
});
