// Account lifecycle (issue 9): blocking with a reason (the admin's user list, the login that tells
// the owner why, refresh and access tokens refused, the chat socket closed, unblocking) and account
// deletion (회원 탈퇴: password or open orders refuse it and change nothing; afterwards the row is
// anonymised, sign-in and old tokens fail, the e-mail signs up anew, orders stay readable by the
// seller and admin, the address book and the phone are gone), plus the retention purge of old
// order addresses of deleted accounts (the sweep's daily job, run at the server's first sweep).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { startServer, api, makeUser, payOrder, goLive, sql } from './lib.mjs';

const CALLBACK_TOKEN = randomBytes(24).toString('hex');
const ADDR = { recipient: '홍길동', phone: '010-1234-5678', postcode: '06236', address1: '서울 강남구 테헤란로 1', address2: '101호' };
let srv, admin, seller, product;

before(async () => {
  srv = await startServer({ env: { BROADCART_RTMP_CALLBACK_TOKEN: CALLBACK_TOKEN } });
  admin = await makeUser(srv, 'admin');
  seller = await makeUser(srv, 'seller', '라이프 상점');
  const p = await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: '머그컵', price: 9000, stock: 100 } });
  assert.equal(p.status, 201, JSON.stringify(p.body));
  product = p.body;
});
after(async () => { await srv?.stop(); });

const login = (u, password = u.password) => api(srv, 'POST', '/api/v1/auth/login', { body: { email: u.email, password } });
const order = (u) => api(srv, 'POST', '/api/v1/orders', { token: u.token, body: { shipping_address: ADDR, items: [{ product_id: product.id, quantity: 1 }] } });
const patchUser = (id, body) => api(srv, 'PATCH', `/api/v1/admin/users/${id}`, { token: admin.token, body });
const one = (out) => out.trim();

async function chatSocket(liveId, token) {
  const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/api/v1/lives/${liveId}/chat?access_token=${encodeURIComponent(token)}`);
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  return ws;
}

test('blocking needs a reason; the user list shows it; login tells the owner; tokens and sockets end; unblock restores', async () => {
  const buyer = await makeUser(srv, 'buyer', '차단 테스트');
  // a reason is required and bad input changes nothing
  for (const body of [{ blocked: true }, { blocked: true, blocked_reason: '   ' }, { blocked: false, blocked_reason: 'x' },
    { blocked: true, blocked_reason: 'x'.repeat(501) }]) {
    const r = await patchUser(buyer.id, body);
    assert.equal(r.status, 422, JSON.stringify(body));
  }
  assert.equal((await login(buyer)).status, 200, 'still active after the refused blocks');

  const live = await api(srv, 'POST', '/api/v1/lives', { token: seller.token, body: { title: '차단 라이브', scheduled_at: '2026-12-01T10:00:00Z', product_ids: [product.id] } });
  assert.equal(live.status, 201, JSON.stringify(live.body));
  const ws = await chatSocket(live.body.id, buyer.token);
  const closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })));

  const reason = '반복적인 허위 주문으로 이용이 제한되었습니다';
  let r = await patchUser(buyer.id, { blocked: true, blocked_reason: reason });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.blocked, true);
  assert.equal(r.body.blocked_reason, reason);
  assert.ok(Date.parse(r.body.blocked_at) > Date.now() - 60000, r.body.blocked_at);

  const c = await Promise.race([closed, new Promise((resolve) => setTimeout(() => resolve(null), 5000))]);
  assert.ok(c, 'the chat socket was closed');
  assert.equal(c.code, 1008);

  // the admin's list: search by name part and e-mail part, role and blocked filters
  r = await api(srv, 'GET', `/api/v1/admin/users?q=${encodeURIComponent('차단')}&blocked=true`, { token: admin.token });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const row = r.body.items.find((u) => u.id === buyer.id);
  assert.ok(row, JSON.stringify(r.body));
  assert.equal(row.blocked_reason, reason);
  assert.equal(row.deleted_at, null);
  r = await api(srv, 'GET', `/api/v1/admin/users?q=${encodeURIComponent(buyer.email.slice(0, 12).toUpperCase())}`, { token: admin.token });
  assert.ok(r.body.items.some((u) => u.id === buyer.id), 'e-mail substring, case-insensitive');
  r = await api(srv, 'GET', '/api/v1/admin/users?role=seller&per_page=100', { token: admin.token });
  assert.ok(r.body.items.every((u) => u.role === 'seller') && r.body.items.some((u) => u.id === seller.id));
  r = await api(srv, 'GET', '/api/v1/admin/users?q=%25', { token: admin.token });
  assert.equal(r.body.total, 0, "'%' matches itself, not everything");
  r = await api(srv, 'GET', '/api/v1/admin/users?per_page=1&page=2', { token: admin.token });
  assert.equal(r.body.items.length, 1);
  assert.ok(r.body.total >= 3);
  assert.equal((await api(srv, 'GET', '/api/v1/admin/users', { token: buyer.token })).status, 403);

  // the owner (right password) is told why; a wrong password learns nothing
  r = await login(buyer);
  assert.equal(r.status, 403);
  assert.equal(r.body.error.code, 'ACCOUNT_BLOCKED');
  assert.equal(r.body.error.reason, reason);
  r = await login(buyer, 'Wrong-passw0rd');
  assert.equal(r.status, 401);
  assert.equal(JSON.stringify(r.body).includes(reason), false);
  // refresh fails, the old access token is refused at checkout
  r = await api(srv, 'POST', '/api/v1/auth/refresh', { body: { refresh_token: buyer.refresh } });
  assert.ok(r.status === 401 || r.status === 403, `${r.status}`);
  r = await order(buyer);
  assert.equal(r.status, 403);
  assert.equal(r.body.error.code, 'ACCOUNT_BLOCKED');
  // a notice with the reason was written for the user (read back by the admin through the outbox)
  const notice = sql(srv, `SELECT text FROM notices WHERE user_id = ${buyer.id} AND kind = 'account.BLOCKED'`);
  assert.ok(notice.includes(reason), notice);

  // unblock: reason and time cleared, login works again
  r = await patchUser(buyer.id, { blocked: false });
  assert.equal(r.status, 200);
  assert.equal(r.body.blocked, false);
  assert.equal(r.body.blocked_reason, null);
  assert.equal(r.body.blocked_at, null);
  r = await login(buyer);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal((await order({ token: r.body.access_token })).status, 201);
});

test('deletion: wrong password and open orders refuse it and change nothing', async () => {
  const buyer = await makeUser(srv, 'buyer');
  let r = await api(srv, 'DELETE', '/api/v1/me', { token: buyer.token, body: { password: 'Wrong-passw0rd' } });
  assert.equal(r.status, 403);
  assert.equal(r.body.error.code, 'WRONG_PASSWORD');
  assert.equal((await api(srv, 'DELETE', '/api/v1/me', { token: buyer.token, body: {} })).status, 422);
  assert.equal((await api(srv, 'GET', '/api/v1/me', { token: buyer.token })).status, 200);
  assert.equal((await login(buyer)).status, 200);

  // a paid order not yet delivered: 409 for the buyer and (as a part to fulfil) for the seller
  const o = await order(buyer);
  assert.equal(o.status, 201, JSON.stringify(o.body));
  r = await api(srv, 'DELETE', '/api/v1/me', { token: buyer.token, body: { password: buyer.password } });
  assert.equal(r.status, 204, 'an unpaid order does not hold the account');
  const buyer2 = await makeUser(srv, 'buyer');
  const o2 = await order(buyer2);
  await payOrder(srv, buyer2, o2.body);
  r = await api(srv, 'DELETE', '/api/v1/me', { token: buyer2.token, body: { password: buyer2.password } });
  assert.equal(r.status, 409);
  assert.equal(r.body.error.code, 'ACCOUNT_HAS_OPEN_ORDERS');
  r = await api(srv, 'DELETE', '/api/v1/me', { token: seller.token, body: { password: seller.password } });
  assert.equal(r.status, 409);
  assert.equal(r.body.error.code, 'ACCOUNT_HAS_OPEN_SALES');
  assert.equal((await api(srv, 'GET', '/api/v1/me', { token: buyer2.token })).status, 200, 'nothing changed');
  assert.equal((await login(seller)).status, 200);
  // an admin is not deleted this way
  assert.equal((await api(srv, 'DELETE', '/api/v1/me', { token: admin.token, body: { password: admin.password } })).status, 403);
});

test('deletion: a seller with a live on air is refused', async () => {
  const s = await makeUser(srv, 'seller');
  const p = await api(srv, 'POST', '/api/v1/products', { token: s.token, body: { name: '방송 상품', price: 1000, stock: 5 } });
  const l = await api(srv, 'POST', '/api/v1/lives', { token: s.token, body: { title: '방송 중', scheduled_at: '2026-12-01T10:00:00Z', product_ids: [p.body.id] } });
  assert.equal(l.status, 201, JSON.stringify(l.body));
  await goLive(srv, CALLBACK_TOKEN, l.body);
  const r = await api(srv, 'DELETE', '/api/v1/me', { token: s.token, body: { password: s.password } });
  assert.equal(r.status, 409, JSON.stringify(r.body));
  assert.equal(r.body.error.code, 'ACCOUNT_HAS_OPEN_SALES');
  assert.match(r.body.error.message, /on air/);
});

test('deletion: anonymised, signed out everywhere, e-mail free again, orders kept, address book and phone gone', async () => {
  const email = `leaver-${process.pid}-${Date.now()}@example.com`, password = 'Leave-passw0rd', phone = '010-3333-4444';
  let r = await api(srv, 'POST', '/api/v1/auth/signup', { body: { email, password, name: '떠나는 사람', phone } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const u = { id: r.body.user.id, email, password, token: r.body.access_token, refresh: r.body.refresh_token };
  assert.equal((await api(srv, 'POST', '/api/v1/auth/find-id', { body: { name: '떠나는 사람', phone } })).body.items.length, 1);
  // a delivered (finished) order, and an address book entry (the table of the address book)
  const o = await order(u);
  await payOrder(srv, u, o.body);
  for (const step of ['ship', 'deliver']) {
    const body = step === 'ship' ? { carrier: 'CJ대한통운', tracking_number: '1234-5678-9012' } : {};
    const s = await api(srv, 'POST', `/api/v1/seller/orders/${o.body.id}/${step}`, { token: seller.token, body });
    assert.equal(s.status, 200, JSON.stringify(s.body));
  }
  sql(srv, `INSERT INTO addresses (user_id, label, is_default, sealed, created_at, updated_at) VALUES (${u.id}, '집', 1, 'bcs1.x', 1, 1)`);
  const ws = await chatSocket((await api(srv, 'POST', '/api/v1/lives', { token: seller.token, body: { title: '탈퇴 라이브', scheduled_at: '2026-12-02T10:00:00Z', product_ids: [product.id] } })).body.id, u.token);
  const closed = new Promise((resolve) => ws.once('close', (code) => resolve(code)));

  // a wish (찜) counts in the product's public figure
  const wishes = (await api(srv, 'GET', `/api/v1/products/${product.id}`)).body.wish_count;
  assert.equal((await api(srv, 'PUT', `/api/v1/products/${product.id}/wish`, { token: u.token })).status, 200);
  assert.equal((await api(srv, 'GET', `/api/v1/products/${product.id}`)).body.wish_count, wishes + 1);

  r = await api(srv, 'DELETE', '/api/v1/me', { token: u.token, body: { password } });
  assert.equal(r.status, 204, JSON.stringify(r.body));
  assert.equal((await api(srv, 'GET', `/api/v1/products/${product.id}`)).body.wish_count, wishes, 'the deleted account\'s wish is taken back');
  assert.equal(await Promise.race([closed, new Promise((resolve) => setTimeout(() => resolve(null), 5000))]), 1008);

  assert.equal((await login(u)).status, 401, 'the e-mail no longer names the account');
  r = await api(srv, 'GET', '/api/v1/me', { token: u.token });
  assert.ok(r.status === 401 || r.status === 403, `${r.status}`);
  r = await api(srv, 'POST', '/api/v1/auth/refresh', { body: { refresh_token: u.refresh } });
  assert.ok(r.status === 401 || r.status === 403, `${r.status}`);
  assert.equal((await api(srv, 'DELETE', '/api/v1/me', { token: u.token, body: { password } })).status, 403);

  // the row stays, anonymised; its personal data are gone
  r = await api(srv, 'GET', `/api/v1/admin/users/${u.id}`, { token: admin.token });
  assert.equal(r.status, 200);
  assert.equal(r.body.name, '탈퇴회원');
  assert.equal(r.body.email, `deleted-${u.id}@invalid`);
  assert.ok(r.body.deleted_at);
  assert.equal(r.body.blocked, true);
  assert.equal(one(sql(srv, `SELECT COUNT(*) FROM users WHERE id = ${u.id} AND phone IS NULL AND phone_hash IS NULL AND password_hash = ''`)), '1');
  assert.equal(one(sql(srv, `SELECT COUNT(*) FROM addresses WHERE user_id = ${u.id}`)), '0');
  assert.equal(one(sql(srv, `SELECT COUNT(*) FROM refresh_tokens WHERE user_id = ${u.id} AND revoked = 0`)), '0');
  assert.equal((await api(srv, 'POST', '/api/v1/auth/find-id', { body: { name: '떠나는 사람', phone } })).body.items.length, 0);
  assert.equal((await api(srv, 'PATCH', `/api/v1/admin/users/${u.id}`, { token: admin.token, body: { blocked: false } })).status, 404,
    'a deleted account cannot be unblocked back to life');

  // the order is kept: its seller and an admin still read it; its buyer is the anonymised row
  for (const who of [seller, admin]) {
    r = await api(srv, 'GET', `/api/v1/orders/${o.body.id}`, { token: who.token });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.buyer_id, u.id);
    assert.equal(r.body.status, 'DELIVERED');
  }

  // the e-mail signs up again as a new account
  r = await api(srv, 'POST', '/api/v1/auth/signup', { body: { email, password, name: '돌아온 사람' } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.notEqual(r.body.user.id, u.id);
  r = await api(srv, 'GET', '/api/v1/orders', { token: r.body.access_token });
  assert.equal(r.body.total, 0, 'the new account has none of the old orders');
});

test('retention: the sweep erases the shipping address of old orders of deleted accounts only', async () => {
  const gone = await makeUser(srv, 'buyer'), stays = await makeUser(srv, 'buyer');
  const oldGone = await order(gone), newGone = await order(gone), oldStays = await order(stays);
  for (const o of [oldGone, newGone, oldStays]) assert.equal(o.status, 201);
  assert.equal((await api(srv, 'DELETE', '/api/v1/me', { token: gone.token, body: { password: gone.password } })).status, 204);
  const longAgo = Date.now() - 1826 * 24 * 3600 * 1000; // past the default 1825 days
  sql(srv, `UPDATE orders SET created_at = ${longAgo} WHERE id IN (${oldGone.body.id}, ${oldStays.body.id})`);
  // the job runs at the first sweep after a start (then daily)
  await srv.stop({ keep: true });
  srv = await startServer({ dataDir: srv.dataDir, env: { BROADCART_RTMP_CALLBACK_TOKEN: CALLBACK_TOKEN } });
  const addr = (o) => one(sql(srv, `SELECT shipping_address FROM orders WHERE id = ${o.body.id}`));
  for (let i = 0; i < 50 && addr(oldGone) !== '{}'; i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(addr(oldGone), '{}', 'the old order of the deleted account');
  assert.notEqual(addr(newGone), '{}', 'a recent order keeps its address until its time');
  assert.notEqual(addr(oldStays), '{}', 'an active account keeps its addresses');
  admin = { ...admin, token: (await login(admin)).body.access_token };
  const r = await api(srv, 'GET', `/api/v1/orders/${oldGone.body.id}`, { token: admin.token });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.shipping_address, {});
});
