// Coupons: seller and admin coupons (fixed, percent with a cap, minimum order, validity window,
// scopes), claims (quantity by one conditional update, per-user limit) under parallel requests,
// issuing to followers, the quote, and checkout: re-validated inside the order's transaction,
// spent exactly once under parallel checkouts, given back by a cancel, a failed payment or an
// expiry. Live coupons only while the live is on air. Runs on SQLite and PostgreSQL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startServer, api, makeUser, goLive, payOrder, sql } from './lib.mjs';

const CALLBACK_TOKEN = randomBytes(24).toString('hex');
const ADDR = { recipient: '홍길동', phone: '010-1234-5678', postcode: '06236', address1: '서울 강남구 테헤란로 1' };
const DAY = 24 * 3600 * 1000;
const iso = (ms) => new Date(ms).toISOString();
let srv, seller, seller2, admin, buyer;

async function product(s, name, price, stock = 100) {
  const r = await api(srv, 'POST', '/api/v1/products', { token: s.token, body: { name, price, stock } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.id;
}
async function sellerCoupon(body, s = seller) {
  const r = await api(srv, 'POST', '/api/v1/seller/coupons', { token: s.token, body: { name: 'C', ends_at: iso(Date.now() + DAY), ...body } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}
async function adminCoupon(body) {
  const r = await api(srv, 'POST', '/api/v1/admin/coupons', { token: admin.token, body: { name: 'A', ends_at: iso(Date.now() + DAY), ...body } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}
const claim = (u, c) => api(srv, 'POST', `/api/v1/coupons/${c.id}/claim`, { token: u.token });
async function claimed(u, c) {
  const r = await claim(u, c);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.id;
}
const quote = (u, ucid, items, extra = {}) => api(srv, 'POST', '/api/v1/coupons/quote', { token: u.token, body: { user_coupon_id: ucid, items, ...extra } });
const order = (u, items, couponId, extra = {}) =>
  api(srv, 'POST', '/api/v1/orders', { token: u.token, body: { items, shipping_address: ADDR, ...(couponId ? { coupon_id: couponId } : {}), ...extra } });
const mine = async (u, state) => (await api(srv, 'GET', `/api/v1/me/coupons${state ? `?state=${state}` : ''}`, { token: u.token })).body.items;
const one = (id) => sql(srv, `SELECT COALESCE(used_order_id, 0) FROM user_coupons WHERE id = ${id}`).trim();

before(async () => {
  srv = await startServer({ env: { BROADCART_RTMP_CALLBACK_TOKEN: CALLBACK_TOKEN, BROADCART_MAX_UNPAID_ORDERS: '1000' } });
  [seller, seller2, admin, buyer] = await Promise.all([makeUser(srv, 'seller', 'Coupon shop'), makeUser(srv, 'seller', 'Other shop'),
    makeUser(srv, 'admin'), makeUser(srv, 'buyer')]);
  // free shipping everywhere, so amounts below are subtotal - discount
  for (const s of [seller, seller2]) {
    assert.equal((await api(srv, 'PUT', '/api/v1/seller/shipping', { token: s.token, body: { shipping_fee: 0, free_shipping_over: 0 } })).status, 200);
  }
});
after(async () => { await srv.stop(); });

test('percent with a cap, fixed, the minimum order: the quote and the order agree', async () => {
  const p = await product(seller, 'Coat', 50000);
  const pct = await sellerCoupon({ scope: 'seller', kind: 'percent', value: 10, max_discount: 3000 });
  assert.equal(pct.issuer, 'seller');
  assert.equal(pct.seller_id, seller.id);
  assert.equal(pct.quantity, null);
  assert.equal(pct.remaining, null);
  const u = await makeUser(srv, 'buyer');
  const uc = await claimed(u, pct);
  // 10% of 20000 = 2000 (under the cap); 10% of 50000 = 5000 -> capped at 3000
  const q1 = (await quote(u, uc, [{ product_id: p, quantity: 1 }])).body;
  assert.deepEqual([q1.applicable, q1.discount, q1.in_scope_total], [true, 3000, 50000]);
  const p2 = await product(seller, 'Scarf', 20000);
  const q2 = (await quote(u, uc, [{ product_id: p2, quantity: 1 }])).body;
  assert.equal(q2.discount, 2000);
  const o = await order(u, [{ product_id: p, quantity: 1 }], uc);
  assert.equal(o.status, 201, JSON.stringify(o.body));
  assert.equal(o.body.subtotal, 50000);
  assert.equal(o.body.coupon_discount, 3000);
  assert.equal(o.body.amount, 47000);
  assert.equal(one(uc), String(o.body.id), 'the user coupon names the order');
  // fixed amount with a minimum order over the in-scope lines
  const fixed = await sellerCoupon({ scope: 'product', product_id: p2, kind: 'fixed', value: 5000, min_order: 40000 });
  const uf = await claimed(u, fixed);
  const low = (await quote(u, uf, [{ product_id: p2, quantity: 1 }, { product_id: p, quantity: 1 }])).body;
  assert.deepEqual([low.applicable, low.code, low.reason, low.min_order, low.in_scope_total], [false, 'COUPON_NOT_APPLICABLE', 'min_order', 40000, 20000],
    'the other product does not count toward the minimum');
  const refused = await order(u, [{ product_id: p2, quantity: 1 }, { product_id: p, quantity: 1 }], uf);
  assert.equal(refused.status, 422);
  assert.equal(refused.body.error.code, 'COUPON_NOT_APPLICABLE');
  assert.equal(refused.body.error.reason, 'min_order');
  assert.equal(one(uf), '0', 'a refused order spends nothing');
  const ok = await order(u, [{ product_id: p2, quantity: 2 }], uf);
  assert.equal(ok.status, 201, JSON.stringify(ok.body));
  assert.deepEqual([ok.body.subtotal, ok.body.coupon_discount, ok.body.amount], [40000, 5000, 35000]);
  // a fixed amount never takes more than the in-scope lines
  const big = await sellerCoupon({ scope: 'product', product_id: p2, kind: 'fixed', value: 90000 });
  const ub = await claimed(u, big);
  const q3 = (await quote(u, ub, [{ product_id: p2, quantity: 1 }, { product_id: p, quantity: 1 }])).body;
  assert.equal(q3.discount, 20000);
  const bad = await api(srv, 'POST', '/api/v1/seller/coupons', { token: seller.token, body: { name: 'x', scope: 'seller', kind: 'percent', value: 120, ends_at: iso(Date.now() + DAY) } });
  assert.equal(bad.status, 422);
  const capFixed = await api(srv, 'POST', '/api/v1/seller/coupons', { token: seller.token, body: { name: 'x', scope: 'seller', kind: 'fixed', value: 100, max_discount: 5, ends_at: iso(Date.now() + DAY) } });
  assert.equal(capFixed.status, 422);
});

test('scopes: seller, product, the admin shop and seller coupons; a seller cannot use another seller\'s product', async () => {
  const a = await product(seller, 'Mine', 10000), b = await product(seller2, 'Theirs', 10000);
  const u = await makeUser(srv, 'buyer');
  const notMine = await api(srv, 'POST', '/api/v1/seller/coupons', { token: seller.token, body: { name: 'x', scope: 'product', product_id: b, kind: 'fixed', value: 100, ends_at: iso(Date.now() + DAY) } });
  assert.equal(notMine.status, 422);
  assert.equal(notMine.body.error.code, 'INVALID_PRODUCT');
  const shopBySeller = await api(srv, 'POST', '/api/v1/seller/coupons', { token: seller.token, body: { name: 'x', scope: 'shop', kind: 'fixed', value: 100, ends_at: iso(Date.now() + DAY) } });
  assert.equal(shopBySeller.status, 422);
  const sc = await sellerCoupon({ scope: 'seller', kind: 'fixed', value: 1000 });
  const us = await claimed(u, sc);
  const q = (await quote(u, us, [{ product_id: b, quantity: 1 }])).body;
  assert.deepEqual([q.applicable, q.reason, q.discount], [false, 'scope', 0]);
  const o = await order(u, [{ product_id: b, quantity: 1 }], us);
  assert.equal(o.status, 422);
  assert.equal(o.body.error.code, 'COUPON_NOT_APPLICABLE');
  assert.equal((await quote(u, us, [{ product_id: a, quantity: 1 }, { product_id: b, quantity: 1 }])).body.discount, 1000);
  // the admin's: the whole shop covers both sellers' lines; a seller coupon only that seller's
  const shop = await adminCoupon({ scope: 'shop', kind: 'percent', value: 5 });
  assert.equal(shop.issuer, 'admin');
  assert.equal(shop.seller_id, null);
  const ush = await claimed(u, shop);
  assert.equal((await quote(u, ush, [{ product_id: a, quantity: 1 }, { product_id: b, quantity: 1 }])).body.discount, 1000);
  const s2 = await adminCoupon({ scope: 'seller', seller_id: seller2.id, kind: 'fixed', value: 700 });
  const us2 = await claimed(u, s2);
  const q2 = (await quote(u, us2, [{ product_id: a, quantity: 1 }, { product_id: b, quantity: 1 }])).body;
  assert.deepEqual([q2.discount, q2.in_scope_total], [700, 10000]);
  const ap = await adminCoupon({ scope: 'product', product_id: a, kind: 'fixed', value: 300 });
  assert.equal(ap.seller_id, seller.id, "a product coupon carries the product's seller");
  assert.equal((await api(srv, 'POST', '/api/v1/admin/coupons', { token: admin.token, body: { name: 'x', scope: 'seller', seller_id: buyer.id, kind: 'fixed', value: 1, ends_at: iso(Date.now() + DAY) } })).status, 422);
  // another buyer's user coupon is nobody's business
  const other = await makeUser(srv, 'buyer');
  const stolen = await order(other, [{ product_id: a, quantity: 1 }], us);
  assert.equal(stolen.status, 404);
  assert.equal(stolen.body.error.code, 'COUPON_NOT_FOUND');
  // the claimable list for a product: the shop's, its seller's and its own, not the other seller's
  const list = (await api(srv, 'GET', `/api/v1/coupons?product_id=${a}`, { token: u.token })).body.items.map((c) => c.id);
  assert.ok(list.includes(shop.id) && list.includes(sc.id) && list.includes(ap.id));
  assert.ok(!list.includes(s2.id));
  const held = (await api(srv, 'GET', `/api/v1/coupons?product_id=${a}`, { token: u.token })).body.items.find((c) => c.id === sc.id);
  assert.deepEqual([held.held, held.can_claim], [1, false]);
  // the seller sees their coupons, edits and stops them; nobody else can
  const own = (await api(srv, 'GET', '/api/v1/seller/coupons', { token: seller.token })).body.items.map((c) => c.id);
  assert.ok(own.includes(sc.id) && !own.includes(shop.id));
  assert.equal((await api(srv, 'PATCH', `/api/v1/seller/coupons/${sc.id}`, { token: seller2.token, body: { name: 'y' } })).status, 404);
  const ed = await api(srv, 'PATCH', `/api/v1/seller/coupons/${sc.id}`, { token: seller.token, body: { name: 'Renamed', quantity: 5 } });
  assert.equal(ed.status, 200, JSON.stringify(ed.body));
  assert.deepEqual([ed.body.name, ed.body.quantity, ed.body.remaining], ['Renamed', 5, 4]);
  const del = await api(srv, 'DELETE', `/api/v1/seller/coupons/${sc.id}`, { token: seller.token });
  assert.equal(del.body.status, 'DISABLED');
  const late = await claim(await makeUser(srv, 'buyer'), sc);
  assert.equal(late.status, 409);
  assert.equal(late.body.error.code, 'COUPON_NOT_CLAIMABLE');
  assert.equal((await quote(u, us, [{ product_id: a, quantity: 1 }])).body.applicable, true, 'a held coupon stays usable');
});

test('the validity window: not claimable before it starts; expired between claim and checkout', async () => {
  const p = await product(seller, 'Window', 10000);
  const later = await sellerCoupon({ scope: 'seller', kind: 'fixed', value: 1000, starts_at: iso(Date.now() + DAY), ends_at: iso(Date.now() + 2 * DAY) });
  const u = await makeUser(srv, 'buyer');
  const r = await claim(u, later);
  assert.equal(r.status, 409);
  assert.equal(r.body.error.code, 'COUPON_NOT_CLAIMABLE');
  assert.ok(!(await api(srv, 'GET', `/api/v1/coupons?product_id=${p}`)).body.items.some((c) => c.id === later.id), 'not listed');
  const c = await sellerCoupon({ scope: 'seller', kind: 'fixed', value: 1000 });
  const uc = await claimed(u, c);
  assert.equal((await mine(u, 'usable')).filter((x) => x.id === uc).length, 1);
  sql(srv, `UPDATE coupons SET starts_at = ${Date.now() - 2 * DAY}, ends_at = ${Date.now() - 1000} WHERE id = ${c.id}`);
  const o = await order(u, [{ product_id: p, quantity: 1 }], uc);
  assert.equal(o.status, 409);
  assert.equal(o.body.error.code, 'COUPON_EXPIRED');
  assert.equal((await quote(u, uc, [{ product_id: p, quantity: 1 }])).body.code, 'COUPON_EXPIRED');
  assert.equal((await mine(u, 'expired')).filter((x) => x.id === uc).length, 1);
  assert.equal(sql(srv, `SELECT COUNT(*) FROM orders WHERE buyer_id = ${u.id}`).trim(), '0', 'nothing was created');
});

test('a quantity of 10 claimed by 40 parallel buyers: exactly 10 claims', async () => {
  const c = await sellerCoupon({ scope: 'seller', kind: 'fixed', value: 500, quantity: 10 });
  const buyers = await Promise.all(Array.from({ length: 40 }, () => makeUser(srv, 'buyer')));
  const res = await Promise.all(buyers.map((u) => claim(u, c)));
  assert.equal(res.filter((r) => r.status === 201).length, 10);
  assert.ok(res.filter((r) => r.status !== 201).every((r) => r.status === 409 && r.body.error.code === 'COUPON_SOLD_OUT'));
  assert.equal(sql(srv, `SELECT COUNT(*) FROM user_coupons WHERE coupon_id = ${c.id}`).trim(), '10');
  const got = (await api(srv, 'GET', `/api/v1/seller/coupons`, { token: seller.token })).body.items.find((x) => x.id === c.id);
  assert.deepEqual([got.claimed, got.remaining], [10, 0]);
});

test('the per-user limit under 10 parallel claims of one user', async () => {
  const c = await sellerCoupon({ scope: 'seller', kind: 'fixed', value: 500, per_user: 2 });
  const u = await makeUser(srv, 'buyer');
  const res = await Promise.all(Array.from({ length: 10 }, () => claim(u, c)));
  assert.equal(res.filter((r) => r.status === 201).length, 2);
  assert.ok(res.filter((r) => r.status !== 201).every((r) => r.body.error.code === 'COUPON_LIMIT_REACHED'));
  assert.equal(sql(srv, `SELECT COUNT(*) FROM user_coupons WHERE coupon_id = ${c.id} AND user_id = ${u.id}`).trim(), '2');
  assert.equal(sql(srv, `SELECT claimed FROM coupons WHERE id = ${c.id}`).trim(), '2', 'refused claims took no quantity');
});

test('one user coupon, 5 parallel checkouts: exactly one order', async () => {
  const p = await product(seller, 'Race', 10000, 100);
  const c = await sellerCoupon({ scope: 'seller', kind: 'fixed', value: 2000 });
  const u = await makeUser(srv, 'buyer');
  const uc = await claimed(u, c);
  const res = await Promise.all(Array.from({ length: 5 }, () => order(u, [{ product_id: p, quantity: 1 }], uc)));
  const ok = res.filter((r) => r.status === 201);
  assert.equal(ok.length, 1, JSON.stringify(res.map((r) => r.status)));
  assert.ok(res.filter((r) => r.status !== 201).every((r) => r.status === 409 && r.body.error.code === 'COUPON_USED'));
  assert.equal(sql(srv, `SELECT COUNT(*) FROM orders WHERE buyer_id = ${u.id}`).trim(), '1');
  assert.equal(ok[0].body.amount, 8000);
  assert.equal((await api(srv, 'GET', `/api/v1/products/${p}`)).body.stock, 99, 'refused checkouts took no stock');
});

test('a cancel (unpaid or paid), a failed payment and an expiry give the coupon back', async () => {
  const p = await product(seller, 'Back', 10000, 100);
  const c = await sellerCoupon({ scope: 'seller', kind: 'fixed', value: 1000 });
  const u = await makeUser(srv, 'buyer');
  const uc = await claimed(u, c);
  // unpaid cancel
  const o1 = (await order(u, [{ product_id: p, quantity: 1 }], uc)).body;
  assert.equal((await mine(u, 'used')).find((x) => x.id === uc).used_order_id, o1.id);
  assert.equal((await api(srv, 'POST', `/api/v1/orders/${o1.id}/cancel`, { token: u.token })).status, 200);
  assert.equal(one(uc), '0');
  assert.ok((await mine(u, 'usable')).some((x) => x.id === uc));
  // paid, then canceled (refunded)
  const o2 = (await order(u, [{ product_id: p, quantity: 1 }], uc)).body;
  assert.equal(o2.amount, 9000);
  await payOrder(srv, u, o2);
  const cancel = await api(srv, 'POST', `/api/v1/orders/${o2.id}/cancel`, { token: u.token });
  assert.equal(cancel.status, 200, JSON.stringify(cancel.body));
  assert.equal(cancel.body.refunded, 9000, 'the refund is what was paid');
  assert.equal(one(uc), '0');
  // a declined payment
  const o3 = (await order(u, [{ product_id: p, quantity: 1 }], uc)).body;
  const w = await api(srv, 'POST', '/sandbox-pg/v1/sandbox/payments', { body: { orderId: o3.order_id, amount: o3.amount, orderName: o3.order_name, testCode: 'REJECT_CARD_COMPANY' } });
  const f = await api(srv, 'POST', '/api/v1/payments/confirm', { token: u.token, body: { payment_key: w.body.paymentKey, order_id: o3.order_id, amount: o3.amount } });
  assert.equal(f.status, 402, JSON.stringify(f.body));
  assert.equal(one(uc), '0');
  // an unpaid order that expires (the sweeper)
  const o4 = (await order(u, [{ product_id: p, quantity: 1 }], uc)).body;
  sql(srv, `UPDATE orders SET expires_at = 1 WHERE id = ${o4.id}`);
  for (let i = 0; i < 50 && one(uc) !== '0'; i++) await new Promise((r) => setTimeout(r, 200));
  assert.equal((await api(srv, 'GET', `/api/v1/orders/${o4.id}`, { token: u.token })).body.status, 'EXPIRED');
  assert.equal(one(uc), '0');
  // a cancel after the window closed keeps it spent
  const o5 = (await order(u, [{ product_id: p, quantity: 1 }], uc)).body;
  sql(srv, `UPDATE coupons SET ends_at = ${Date.now() - 1000} WHERE id = ${c.id}`);
  assert.equal((await api(srv, 'POST', `/api/v1/orders/${o5.id}/cancel`, { token: u.token })).status, 200);
  assert.equal(one(uc), String(o5.id));
});

test('live coupons: claimable and usable only while the live is on air', async () => {
  const p = await product(seller, 'On air', 20000);
  const other = await product(seller, 'Not in the live', 20000);
  const lr = await api(srv, 'POST', '/api/v1/lives', { token: seller.token, body: { title: 'Coupon live', scheduled_at: iso(Date.now() + 3600000), product_ids: [p] } });
  assert.equal(lr.status, 201, JSON.stringify(lr.body));
  const l = lr.body;
  const c = await sellerCoupon({ scope: 'live', live_id: l.id, kind: 'percent', value: 20 });
  const u = await makeUser(srv, 'buyer');
  const early = await claim(u, c);
  assert.equal(early.status, 409);
  assert.equal(early.body.error.code, 'COUPON_LIVE_OFF_AIR');
  assert.ok(!(await api(srv, 'GET', `/api/v1/coupons?live_id=${l.id}`)).body.items.some((x) => x.id === c.id));
  await goLive(srv, CALLBACK_TOKEN, l);
  assert.ok((await api(srv, 'GET', `/api/v1/coupons?live_id=${l.id}`)).body.items.some((x) => x.id === c.id));
  assert.ok((await api(srv, 'GET', `/api/v1/coupons?product_id=${p}`)).body.items.some((x) => x.id === c.id));
  assert.ok(!(await api(srv, 'GET', `/api/v1/coupons?product_id=${other}`)).body.items.some((x) => x.id === c.id));
  const uc = await claimed(u, c);
  assert.equal((await quote(u, uc, [{ product_id: other, quantity: 1 }])).body.reason, 'scope');
  assert.equal((await quote(u, uc, [{ product_id: p, quantity: 1 }])).body.discount, 4000);
  // the live goes off air between claim and checkout
  assert.equal((await api(srv, 'POST', `/api/v1/lives/${l.id}/end`, { token: seller.token })).status, 200);
  const o = await order(u, [{ product_id: p, quantity: 1 }], uc);
  assert.equal(o.status, 409);
  assert.equal(o.body.error.code, 'COUPON_LIVE_OFF_AIR');
  assert.equal(one(uc), '0');
  const late = await claim(await makeUser(srv, 'buyer'), c);
  assert.equal(late.body.error.code, 'COUPON_LIVE_OFF_AIR');
});

test('issued to followers: each follower once, within the quantity, with a notice', async () => {
  const s = await makeUser(srv, 'seller', 'Followed shop');
  const fans = await Promise.all(Array.from({ length: 4 }, () => makeUser(srv, 'buyer')));
  for (const f of fans) assert.equal((await api(srv, 'POST', `/api/v1/sellers/${s.id}/follow`, { token: f.token })).status, 200);
  const c = await sellerCoupon({ scope: 'seller', kind: 'fixed', value: 1000, downloadable: false, quantity: 3 }, s);
  assert.equal((await claim(buyer, c)).body.error.code, 'COUPON_NOT_CLAIMABLE', 'not downloadable');
  assert.equal((await api(srv, 'POST', `/api/v1/seller/coupons/${c.id}/issue-followers`, { token: seller.token })).status, 404, "only the coupon's seller");
  const r = await api(srv, 'POST', `/api/v1/seller/coupons/${c.id}/issue-followers`, { token: s.token });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual([r.body.issued, r.body.sold_out], [3, true]);
  const held = await Promise.all(fans.map(async (f) => (await mine(f)).filter((x) => x.coupon.id === c.id && x.source === 'followers').length));
  assert.deepEqual(held.sort(), [0, 1, 1, 1]);
  const n = await api(srv, 'GET', '/api/v1/notifications', { token: fans[0].token });
  assert.ok(n.body.items.some((x) => x.kind === 'coupon.issued'));
  // a second issue: no one at the limit gets another; the quantity is spent anyway
  sql(srv, `UPDATE coupons SET quantity = NULL WHERE id = ${c.id}`);
  const r2 = (await api(srv, 'POST', `/api/v1/seller/coupons/${c.id}/issue-followers`, { token: s.token })).body;
  assert.deepEqual([r2.issued, r2.skipped, r2.sold_out], [1, 3, false]);
});
