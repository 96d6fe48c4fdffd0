// Points: the ledger (every change a row with balance_after; the balance is their sum and never
// below 0), the daily attendance check once per Asia/Seoul day under parallel requests, spending
// at checkout under 50 parallel checkouts, an order paid in full with points (PAID without the
// gateway), points given back on cancels and refunds (gateway first, points last), earning on
// purchase confirmation once per line, expiry, and charging points through the Toss sandbox
// credited once however often the confirm (or a webhook) comes. Runs on SQLite and PostgreSQL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, makeUser, sql, cli, payOrder } from './lib.mjs';

const SECRET = 'test_sk_points_suite_0123456789';
const ADDR = { recipient: '홍길동', phone: '010-1234-5678', postcode: '06236', address1: '서울 강남구 테헤란로 1' };
let srv, admin, seller, pApple, pGrape;

const post = (u, p, body = {}) => api(srv, 'POST', p, { token: u && u.token, body });
const get = (u, p) => api(srv, 'GET', p, { token: u && u.token });
const points = async (u) => (await get(u, '/api/v1/me/points')).body;
async function give(u, amount, reason = '테스트 지급') {
  const r = await api(srv, 'PATCH', `/api/v1/admin/users/${u.id}/points`, { token: admin.token, body: { amount, reason } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}
async function product(body) {
  const r = await post(seller, '/api/v1/products', body);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}
const order = (u, items, extra = {}) => post(u, '/api/v1/orders', { items, shipping_address: ADDR, ...extra });
// The ledger as stored: [{kind, amount, balance_after}] oldest first, and the stored balance.
function ledger(u) {
  const rows = sql(srv, `SELECT kind || '|' || amount || '|' || balance_after FROM points_ledger WHERE user_id = ${u.id} ORDER BY id`)
    .trim().split('\n').filter(Boolean).map((l) => { const [kind, amount, after] = l.split('|'); return { kind, amount: Number(amount), after: Number(after) }; });
  const bal = Number(sql(srv, `SELECT COALESCE(MAX(balance), 0) FROM points_balances WHERE user_id = ${u.id}`).trim());
  return { rows, bal };
}
// The balance equals the sum of the ledger, every balance_after the running sum, and the lots'
// remaining points add up to it too.
function assertBalanced(u) {
  const { rows, bal } = ledger(u);
  let run = 0;
  for (const r of rows) { run += r.amount; assert.equal(r.after, run, `balance_after of a ${r.kind} row`); assert.ok(run >= 0); }
  assert.equal(bal, run);
  const lots = Number(sql(srv, `SELECT COALESCE(SUM(remaining), 0) FROM points_ledger WHERE user_id = ${u.id} AND remaining > 0`).trim());
  assert.equal(lots, bal, 'the lots hold the balance');
  return bal;
}

before(async () => {
  srv = await startServer({ env: { BROADCART_TOSS_SECRET_KEY: SECRET } });
  [admin, seller] = await Promise.all([makeUser(srv, 'admin'), makeUser(srv, 'seller', 'Point Shop')]);
  pApple = await product({ name: '사과', price: 10000, stock: 1000 });
  pGrape = await product({ name: '포도', price: 7000, stock: 1000 });
});
after(async () => { await srv.stop(); });

test('the ledger: adjustments, history, balance never below 0, rates set by the admin', async () => {
  const u = await makeUser(srv, 'buyer');
  assert.deepEqual((await points(u)).balance, 0);
  await give(u, 1500);
  let r = await api(srv, 'PATCH', `/api/v1/admin/users/${u.id}/points`, { token: admin.token, body: { amount: -2000, reason: '회수' } });
  assert.equal(r.status, 409);
  assert.equal(r.body.error.code, 'INSUFFICIENT_POINTS');
  assert.equal((await give(u, -500, '회수')).balance, 1000);
  r = await api(srv, 'PATCH', `/api/v1/admin/users/${u.id}/points`, { token: u.token, body: { amount: 5, reason: 'x' } });
  assert.equal(r.status, 403);
  r = await api(srv, 'PATCH', '/api/v1/admin/users/99999999/points', { token: admin.token, body: { amount: 5, reason: 'x' } });
  assert.equal(r.status, 404);
  const me = await points(u);
  assert.equal(me.balance, 1000);
  assert.equal(me.expiring_soon, 0);
  const h = (await get(u, '/api/v1/me/points/history')).body;
  assert.deepEqual(h.items.map((x) => [x.kind, x.amount, x.balance_after]), [['ADJUST', -500, 1000], ['ADJUST', 1500, 1500]]);
  assert.equal(h.items[1].reason, '테스트 지급');
  assert.match(h.items[0].created_at, /Z$/);
  assert.match(h.items[1].expires_at, /Z$/);
  assert.equal(assertBalanced(u), 1000);
  // rates: defaults, then set by the admin (buyers may not)
  r = await get(admin, '/api/v1/admin/points/rates');
  assert.deepEqual([r.body.purchase_bp, r.body.review_text, r.body.review_photo, r.body.attendance], [100, 100, 300, 10]);
  assert.equal((await api(srv, 'PUT', '/api/v1/admin/points/rates', { token: u.token, body: { attendance: 50 } })).status, 403);
  r = await api(srv, 'PUT', '/api/v1/admin/points/rates', { token: admin.token, body: { purchase_bp: 10001 } });
  assert.equal(r.status, 422);
  r = await api(srv, 'PUT', '/api/v1/admin/points/rates', { token: admin.token, body: { review_photo: 500 } });
  assert.equal(r.status, 200);
  assert.deepEqual([r.body.purchase_bp, r.body.review_photo, r.body.attendance], [100, 500, 10]);
  assert.equal((await points(u)).rates.review_photo, 500);
});

test('attendance: once per Asia/Seoul day under 20 parallel requests', async () => {
  const u = await makeUser(srv, 'buyer');
  const rs = await Promise.all(Array.from({ length: 20 }, () => post(u, '/api/v1/me/attendance')));
  const ok = rs.filter((r) => r.status === 201);
  assert.equal(ok.length, 1, JSON.stringify(rs.map((r) => r.status)));
  assert.ok(rs.filter((r) => r.status === 409).every((r) => r.body.error.code === 'ALREADY_CHECKED_IN'));
  assert.equal(rs.filter((r) => r.status === 409).length, 19);
  // the day is Seoul's: UTC + 9 hours
  const kst = new Date(Date.now() + 9 * 3600e3).toISOString().slice(0, 10);
  assert.equal(ok[0].body.kst_date, kst);
  assert.equal(ok[0].body.points, 10);
  const me = await points(u);
  assert.equal(me.balance, 10);
  assert.equal(me.checked_in_today, true);
  assert.equal(me.today, kst);
  assert.equal(Number(sql(srv, `SELECT COUNT(*) FROM points_attendance WHERE user_id = ${u.id}`).trim()), 1);
  // the calendar's month: the attendance date and the earn row in it
  const month = kst.slice(0, 8);
  const h = (await get(u, `/api/v1/me/points/history?from=${month}01&to=${month}28`)).body;
  if (Number(kst.slice(8)) <= 28) {
    assert.deepEqual(h.attendance, [kst]);
    assert.equal(h.items.length, 1);
    assert.equal(h.items[0].kst_date, kst);
  }
  assert.equal((await get(u, '/api/v1/me/points/history?from=2025-02-30')).status, 422);
  assertBalanced(u);
});

test('50 parallel checkouts spending points: exactly the affordable ones succeed, never below 0', async () => {
  const u = await makeUser(srv, 'buyer');
  await give(u, 10 * 13000 + 5000); // ten orders of 10,000 + 3,000 shipping, and a rest
  const rs = await Promise.all(Array.from({ length: 50 }, () => order(u, [{ product_id: pApple.id, quantity: 1 }], { points: 13000 })));
  const ok = rs.filter((r) => r.status === 201);
  assert.equal(ok.length, 10, JSON.stringify(rs.map((r) => r.status)));
  for (const r of rs.filter((x) => x.status !== 201)) {
    assert.equal(r.status, 409, JSON.stringify(r.body));
    assert.equal(r.body.error.code, 'INSUFFICIENT_POINTS');
  }
  for (const r of ok) {
    // paid in full with points: PAID at once, without the gateway
    assert.equal(r.body.status, 'PAID');
    assert.equal(r.body.amount, 0);
    assert.equal(r.body.points_used, 13000);
    assert.equal(r.body.payment_key, `POINTS-${r.body.order_id}`);
  }
  assert.equal((await points(u)).balance, 5000);
  assert.equal(assertBalanced(u), 5000);
  // nothing was created for the refused ones (no order, no stock taken)
  assert.equal(Number(sql(srv, `SELECT COUNT(*) FROM orders WHERE buyer_id = ${u.id}`).trim()), 10);
  assert.equal(Number(sql(srv, `SELECT COUNT(*) FROM payments p JOIN orders o ON o.id = p.order_id WHERE o.buyer_id = ${u.id} AND p.method = 'POINTS' AND p.provider = 'points'`).trim()), 10);
  // more points than the order amount, or than the balance: refused, nothing changes
  let r = await order(u, [{ product_id: pGrape.id, quantity: 1 }], { points: 10001 });
  assert.equal(r.status, 422);
  assert.equal(r.body.error.code, 'POINTS_EXCEED_AMOUNT');
  r = await order(u, [{ product_id: pGrape.id, quantity: 1 }], { points: 5001 });
  assert.equal(r.status, 409);
  assert.equal((await points(u)).balance, 5000);
  // a cancel of a points-paid order gives all its points back
  r = await post(u, `/api/v1/orders/${ok[0].body.id}/cancel`, { reason: '단순 변심' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.status, 'CANCELED');
  assert.equal((await points(u)).balance, 18000);
  assert.equal(assertBalanced(u), 18000);
});

test('part points, part gateway: the gateway charges the rest; cancels give the points back', async () => {
  const u = await makeUser(srv, 'buyer');
  await give(u, 20000);
  // unpaid and canceled: all points back
  let r = await order(u, [{ product_id: pApple.id, quantity: 1 }], { points: 4000 });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.status, 'PENDING_PAYMENT');
  assert.equal(r.body.amount, 9000);
  assert.equal((await points(u)).balance, 16000);
  r = await post(u, `/api/v1/orders/${r.body.id}/cancel`);
  assert.equal(r.status, 200);
  assert.equal((await points(u)).balance, 20000);
  // unpaid and expired (the sweeper): all points back
  r = await order(u, [{ product_id: pApple.id, quantity: 1 }], { points: 3000 });
  sql(srv, `UPDATE orders SET expires_at = 1 WHERE id = ${r.body.id}`);
  for (let i = 0; i < 50 && (await get(u, `/api/v1/orders/${r.body.id}`)).body.status !== 'EXPIRED'; i++) await new Promise((res) => setTimeout(res, 100));
  assert.equal((await get(u, `/api/v1/orders/${r.body.id}`)).body.status, 'EXPIRED');
  assert.equal((await points(u)).balance, 20000);
  // paid: 13,000 - 5,000 points = 8,000 through the gateway; a full cancel refunds both
  r = await order(u, [{ product_id: pApple.id, quantity: 1 }], { points: 5000 });
  const paid = await payOrder(srv, u, r.body);
  assert.equal(paid.amount, 8000);
  assert.equal(paid.points_used, 5000);
  assert.equal((await points(u)).balance, 15000);
  r = await post(u, `/api/v1/orders/${paid.id}/cancel`, { reason: '단순 변심' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.status, 'CANCELED');
  assert.equal(r.body.refunded, 13000);
  assert.equal((await points(u)).balance, 20000);
  const gw = await (await fetch(`${srv.base}/sandbox-pg/v1/payments/${encodeURIComponent(paid.payment_key)}`, {
    headers: { authorization: 'Basic ' + Buffer.from(SECRET + ':').toString('base64') } })).json();
  assert.equal(gw.balanceAmount, 0);
  assert.equal(gw.cancels.reduce((s, c) => s + c.cancelAmount, 0), 8000);
  assertBalanced(u);
});

test('a partial refund takes the gateway-paid part first, the points last', async () => {
  const u = await makeUser(srv, 'buyer');
  await give(u, 15000);
  // 10,000 + 7,000 + 3,000 shipping = 20,000: 15,000 points, 5,000 through the gateway
  let r = await order(u, [{ product_id: pApple.id, quantity: 1 }, { product_id: pGrape.id, quantity: 1 }], { points: 15000 });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const o = await payOrder(srv, u, r.body);
  assert.equal(o.amount, 5000);
  assert.equal((await points(u)).balance, 0);
  const apple = o.lines.find((l) => l.product_id === pApple.id);
  r = await post(u, `/api/v1/orders/${o.id}/lines/${apple.line_id}/cancel`, { reason: '단순 변심' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  // 10,000 back: 5,000 through the gateway (all it was paid), 5,000 as points
  assert.equal(r.body.refunded, 10000);
  assert.equal((await points(u)).balance, 5000);
  const gw = await (await fetch(`${srv.base}/sandbox-pg/v1/payments/${encodeURIComponent(o.payment_key)}`, {
    headers: { authorization: 'Basic ' + Buffer.from(SECRET + ':').toString('base64') } })).json();
  assert.equal(gw.balanceAmount, 0);
  // the last line (7,000 + 3,000 shipping) is all points now
  const grape = o.lines.find((l) => l.product_id === pGrape.id);
  r = await post(u, `/api/v1/orders/${o.id}/lines/${grape.line_id}/cancel`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.status, 'CANCELED');
  assert.equal((await points(u)).balance, 15000);
  assertBalanced(u);
});

test('purchase confirmation earns the rate of the paid share, once per line', async () => {
  const u = await makeUser(srv, 'buyer');
  await give(u, 3000);
  // 10,000 + 7,000 + 3,000 = 20,000, 3,000 of it points: the gateway kept 17,000 of 20,000
  let r = await order(u, [{ product_id: pApple.id, quantity: 1 }, { product_id: pGrape.id, quantity: 1 }], { points: 3000 });
  const o = await payOrder(srv, u, r.body);
  assert.equal((await post(seller, `/api/v1/seller/orders/${o.id}/ship`, { carrier: 'CJ대한통운', tracking_number: 'P-1' })).status, 200);
  assert.equal((await post(seller, `/api/v1/seller/orders/${o.id}/deliver`)).status, 200);
  const sid = o.shipments[0].id;
  const rs = await Promise.all(Array.from({ length: 5 }, () => post(u, `/api/v1/orders/${o.id}/shipments/${sid}/confirm`)));
  assert.equal(rs.filter((x) => x.status === 200).length, 1, JSON.stringify(rs.map((x) => x.status)));
  // 1 % of 10,000 * 17/20 = 85, of 7,000 * 17/20 = 59
  const me = await points(u);
  assert.equal(me.balance, 85 + 59);
  const earn = (await get(u, '/api/v1/me/points/history')).body.items.filter((x) => x.kind === 'EARN');
  assert.deepEqual(earn.map((x) => x.amount).sort((a, b) => a - b), [59, 85]);
  assert.ok(earn.every((x) => x.ref === `order:${o.order_id}`));
  r = await post(u, `/api/v1/orders/${o.id}/shipments/${sid}/confirm`);
  assert.equal(r.status, 409);
  assert.equal((await points(u)).balance, 144);
  assertBalanced(u);
});

test('expiry: the rest of a lot expires after BROADCART_POINTS_TTL_DAYS, once, oldest first', async () => {
  const u = await makeUser(srv, 'buyer');
  await give(u, 1000);
  await give(u, 500);
  const [first] = sql(srv, `SELECT id FROM points_ledger WHERE user_id = ${u.id} ORDER BY id LIMIT 1`).trim().split('\n');
  const ttl = Number(sql(srv, `SELECT expires_at - created_at FROM points_ledger WHERE id = ${first}`).trim());
  assert.equal(ttl, 365 * 86400e3);
  // 300 spent come off the lot that expires first
  sql(srv, `UPDATE points_ledger SET expires_at = expires_at - ${300 * 86400e3} WHERE id = ${first}`);
  assert.equal((await points(u)).expiring_soon, 0);
  sql(srv, `UPDATE points_ledger SET expires_at = expires_at - ${60 * 86400e3} WHERE id = ${first}`);
  assert.equal((await points(u)).expiring_soon, 1000);
  let r = await order(u, [{ product_id: pGrape.id, quantity: 1 }], { points: 300 });
  assert.equal(r.status, 201);
  assert.equal((await points(u)).expiring_soon, 700);
  sql(srv, `UPDATE points_ledger SET expires_at = ${Date.now() - 1000} WHERE id = ${first}`);
  assert.match(cli(srv, ['points', 'expire']), /expired 1 credit/);
  assert.match(cli(srv, ['points', 'expire']), /expired 0 credit/);
  const me = await points(u);
  assert.equal(me.balance, 500);
  const h = (await get(u, '/api/v1/me/points/history')).body.items;
  assert.deepEqual([h[0].kind, h[0].amount, h[0].balance_after], ['EXPIRE', -700, 500]);
  assertBalanced(u);
});

test('charging points through the Toss sandbox credits once, however often confirm or a webhook comes', async () => {
  const u = await makeUser(srv, 'buyer');
  let r = await post(u, '/api/v1/me/points/charges', { amount: 999 });
  assert.equal(r.status, 422);
  r = await post(u, '/api/v1/me/points/charges', { amount: 5000 });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const c = r.body;
  assert.match(c.order_id, /^PT\d{8}-[A-Za-z0-9]{10}$/);
  assert.equal(c.status, 'PENDING');
  assert.equal(c.order_name, '포인트 충전 5,000P');
  // the payment window, as for an order
  const w = await api(srv, 'POST', '/sandbox-pg/v1/sandbox/payments', { body: { orderId: c.order_id, amount: c.amount, orderName: c.order_name } });
  assert.equal(w.status, 201, JSON.stringify(w.body));
  const body = { payment_key: w.body.paymentKey, order_id: c.order_id, amount: 5000 };
  r = await post(u, '/api/v1/me/points/charges/confirm', { ...body, amount: 4000 });
  assert.equal(r.status, 400);
  assert.equal(r.body.error.code, 'AMOUNT_MISMATCH');
  const other = await makeUser(srv, 'buyer');
  r = await post(other, '/api/v1/me/points/charges/confirm', body);
  assert.equal(r.status, 404);
  assert.equal(r.body.error.code, 'CHARGE_NOT_FOUND');
  // parallel confirms, then a retry, then a webhook: one credit
  const rs = await Promise.all(Array.from({ length: 5 }, () => post(u, '/api/v1/me/points/charges/confirm', body)));
  for (const x of rs) {
    assert.equal(x.status, 200, JSON.stringify(x.body));
    assert.equal(x.body.status, 'PAID');
  }
  r = await post(u, '/api/v1/me/points/charges/confirm', body);
  assert.equal(r.status, 200);
  assert.equal(r.body.balance, 5000);
  r = await api(srv, 'POST', '/api/v1/payments/webhooks/toss', { body: { eventType: 'PAYMENT_STATUS_CHANGED', data: { paymentKey: w.body.paymentKey } } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.result, 'in-step');
  assert.equal((await points(u)).balance, 5000);
  const rows = ledger(u).rows;
  assert.deepEqual(rows.map((x) => [x.kind, x.amount]), [['CHARGE', 5000]]);
  assert.equal((await get(u, '/api/v1/me/points/charges')).body.items[0].status, 'PAID');
  // a charge whose confirm never came is credited by the webhook, once
  r = await post(u, '/api/v1/me/points/charges', { amount: 2000 });
  const c2 = r.body;
  const w2 = await api(srv, 'POST', '/sandbox-pg/v1/sandbox/payments', { body: { orderId: c2.order_id, amount: 2000, orderName: c2.order_name } });
  // (the sandbox approves only on confirm: the shop's server confirms; the browser never came back)
  const conf = await fetch(`${srv.base}/sandbox-pg/v1/payments/confirm`, { method: 'POST',
    headers: { authorization: 'Basic ' + Buffer.from(SECRET + ':').toString('base64'), 'content-type': 'application/json' },
    body: JSON.stringify({ paymentKey: w2.body.paymentKey, orderId: c2.order_id, amount: 2000 }) });
  assert.equal(conf.status, 200);
  for (let i = 0; i < 2; i++) {
    r = await api(srv, 'POST', '/api/v1/payments/webhooks/toss', { body: { eventType: 'PAYMENT_STATUS_CHANGED', data: { paymentKey: w2.body.paymentKey } } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  }
  assert.equal((await points(u)).balance, 7000);
  assert.equal(assertBalanced(u), 7000);
});
