// Seller applications (issue 9): a buyer applies with a checksum-valid business registration
// number, an admin approves or rejects with a reason, approval makes a seller with a public store
// page and an editable shop profile; the sealed facts never sit in the database in clear. Also:
// blocking an account closes its open chat socket at once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startServer, api, makeUser, sql } from './lib.mjs';

let srv;
before(async () => { srv = await startServer(); });
after(async () => { await srv?.stop(); });

// 10 digits whose last is the check digit (weights 1,3,7,1,3,7,1,3,5 + carry of the 9th × 5).
function businessNumber(first9) {
  const w = [1, 3, 7, 1, 3, 7, 1, 3, 5];
  const d = first9.split('').map(Number);
  let sum = d.reduce((s, x, i) => s + x * w[i], 0) + Math.floor((d[8] * 5) / 10);
  return first9 + String((10 - (sum % 10)) % 10);
}

const BANK_ACCOUNT = '110-987-654321';
function application(overrides = {}) {
  return {
    shop_name: '니트공방', business_number: businessNumber('123456789'), representative: '김대표',
    contact_phone: '010-5555-7777', contact_email: 'shop@example.com', bank_name: '신한은행',
    bank_account: BANK_ACCOUNT, account_holder: '김대표', ...overrides,
  };
}

test('business numbers are checked by their check digit and bad applications change nothing', async () => {
  const buyer = await makeUser(srv, 'buyer');
  const good = businessNumber('220811234');
  const bad = good.slice(0, 9) + String((Number(good[9]) + 1) % 10);
  let r = await api(srv, 'POST', '/api/v1/seller-applications', { token: buyer.token, body: application({ business_number: bad }) });
  assert.equal(r.status, 422);
  assert.equal(r.body.error.code, 'INVALID_BUSINESS_NUMBER');
  r = await api(srv, 'POST', '/api/v1/seller-applications', { token: buyer.token, body: application({ business_number: '12345' }) });
  assert.equal(r.body.error.code, 'INVALID_BUSINESS_NUMBER');
  r = await api(srv, 'POST', '/api/v1/seller-applications', { token: buyer.token, body: application({ contact_phone: 'call me' }) });
  assert.equal(r.status, 422);
  assert.equal((await api(srv, 'GET', '/api/v1/me/seller-application', { token: buyer.token })).status, 404, 'nothing was stored');
  // hyphenated form of a valid number is accepted
  r = await api(srv, 'POST', '/api/v1/seller-applications', { token: buyer.token, body: application({ business_number: `${good.slice(0, 3)}-${good.slice(3, 5)}-${good.slice(5)}` }) });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.business_number, good);
});

test('apply → one open application → reject with a reason → apply again → approve → seller with a store', async () => {
  const buyer = await makeUser(srv, 'buyer');
  const admin = await makeUser(srv, 'admin');
  let r = await api(srv, 'POST', '/api/v1/seller-applications', { token: buyer.token, body: application() });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const first = r.body;
  assert.equal(first.status, 'PENDING');
  assert.equal(first.bank_account, BANK_ACCOUNT);
  r = await api(srv, 'POST', '/api/v1/seller-applications', { token: buyer.token, body: application() });
  assert.equal(r.status, 409);
  assert.equal(r.body.error.code, 'APPLICATION_PENDING');

  // the sealed facts are not in the table in clear
  const rows = sql(srv, `SELECT sealed, business_hash FROM seller_applications WHERE id = ${first.id}`);
  assert.ok(rows.includes('bcs1.'), rows);
  for (const secret of ['987-654321', '987654321', first.business_number, '5555']) assert.ok(!rows.includes(secret), `${secret} in clear`);

  // only admins see and decide
  assert.equal((await api(srv, 'GET', '/api/v1/admin/seller-applications', { token: buyer.token })).status, 403);
  r = await api(srv, 'GET', '/api/v1/admin/seller-applications?status=PENDING', { token: admin.token });
  assert.equal(r.status, 200);
  assert.ok(r.body.items.some((a) => a.id === first.id));
  r = await api(srv, 'POST', `/api/v1/admin/seller-applications/${first.id}/reject`, { token: admin.token, body: { reason: '사업자 정보가 일치하지 않습니다' } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.status, 'REJECTED');
  r = await api(srv, 'POST', `/api/v1/admin/seller-applications/${first.id}/approve`, { token: admin.token });
  assert.equal(r.status, 409, 'a decided application stays decided');
  assert.equal(r.body.error.code, 'APPLICATION_NOT_PENDING');
  r = await api(srv, 'GET', '/api/v1/me/seller-application', { token: buyer.token });
  assert.equal(r.body.status, 'REJECTED');
  assert.equal(r.body.reason, '사업자 정보가 일치하지 않습니다');
  r = await api(srv, 'GET', '/api/v1/notifications', { token: buyer.token });
  assert.ok(r.body.items.some((n) => n.kind === 'seller.REJECTED'), JSON.stringify(r.body));
  assert.equal((await api(srv, 'POST', '/api/v1/products', { token: buyer.token, body: { name: 'x', price: 1000, stock: 1 } })).status, 403);

  r = await api(srv, 'POST', '/api/v1/seller-applications', { token: buyer.token, body: application({ shop_name: '니트공방 2호점' }) });
  assert.equal(r.status, 201);
  const second = r.body;
  r = await api(srv, 'POST', `/api/v1/admin/seller-applications/${second.id}/approve`, { token: admin.token });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.status, 'APPROVED');

  // the access token names its role: the next refreshed one is a seller's, who lists a product
  r = await api(srv, 'POST', '/api/v1/auth/refresh', { body: { refresh_token: buyer.refresh } });
  assert.equal(r.status, 200);
  assert.equal(r.body.user.role, 'seller');
  buyer.token = r.body.access_token;
  r = await api(srv, 'POST', '/api/v1/products', { token: buyer.token, body: { name: '핸드메이드 니트', price: 39000, stock: 4 } });
  assert.equal(r.status, 201, JSON.stringify(r.body));

  r = await api(srv, 'GET', `/api/v1/sellers/${buyer.id}`);
  assert.equal(r.status, 200);
  assert.equal(r.body.shop_name, '니트공방 2호점');
  assert.equal(r.body.followers, 0);
  assert.equal(r.body.bank_account, undefined, 'the public page shows no settlement facts');

  r = await api(srv, 'PATCH', '/api/v1/me/shop', { token: buyer.token, body: { intro: '손으로 뜨는 니트', shipping_policy: '3만원 이상 무료배송' } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  r = await api(srv, 'GET', `/api/v1/sellers/${buyer.id}`);
  assert.equal(r.body.intro, '손으로 뜨는 니트');
  assert.equal(r.body.shipping_policy, '3만원 이상 무료배송');
  assert.equal((await api(srv, 'GET', `/api/v1/sellers/${admin.id}`)).status, 404, 'an admin has no store');
});

test('blocking an account closes its open chat socket at once', async () => {
  const seller = await makeUser(srv, 'seller');
  const admin = await makeUser(srv, 'admin');
  const buyer = await makeUser(srv, 'buyer');
  const p = await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: 'Mug', price: 9000, stock: 5 } });
  const live = await api(srv, 'POST', '/api/v1/lives', { token: seller.token, body: { title: 'Block test', scheduled_at: '2026-12-01T10:00:00Z', product_ids: [p.body.id] } });
  assert.equal(live.status, 201, JSON.stringify(live.body));
  const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/api/v1/lives/${live.body.id}/chat?access_token=${encodeURIComponent(buyer.token)}`);
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  const closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: String(reason), at: Date.now() })));
  const t0 = Date.now();
  const r = await api(srv, 'PATCH', `/api/v1/admin/users/${buyer.id}`, { token: admin.token, body: { blocked: true, blocked_reason: 'test block' } });
  assert.equal(r.status, 200);
  const c = await Promise.race([closed, new Promise((resolve) => setTimeout(() => resolve(null), 5000))]);
  assert.ok(c, 'the socket was closed');
  assert.equal(c.code, 1008);
  assert.match(c.reason, /blocked/);
  assert.ok(c.at - t0 < 2000, `closed ${c.at - t0} ms after the block`);
});
