// Announcements (issue 10): the operator's notices (pinned first, scheduled ones shown from their
// publication time) and sellers' announcements on their store page; only admins write the
// operator's, and a seller writes and changes only their own.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, makeUser } from './lib.mjs';

let srv, admin, seller, seller2, buyer;
before(async () => {
  srv = await startServer();
  [admin, seller, seller2, buyer] = await Promise.all([makeUser(srv, 'admin'), makeUser(srv, 'seller'), makeUser(srv, 'seller'), makeUser(srv, 'buyer')]);
});
after(async () => { await srv?.stop(); });

const post = (u, p, body) => api(srv, 'POST', p, { token: u.token, body });

test('the operator\'s notices: pinned first, then the newest; scheduled ones wait; only admins write', async () => {
  const mk = async (body) => {
    const r = await post(admin, '/api/v1/admin/announcements', body);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.headers.get('location'), `/api/v1/admin/announcements/${r.body.id}`);
    return r.body;
  };
  const old = await mk({ title: '오래된 공지', body: '본문', published_at: '2024-01-01T00:00:00Z' });
  const pinned = await mk({ title: '배송 지연 안내', body: '설 연휴 배송 지연\n두 줄', pinned: true, published_at: '2024-06-01T00:00:00Z' });
  const fresh = await mk({ title: '새 기능', body: '라이브 알림' });
  const later = await mk({ title: '예약 공지', body: '아직', published_at: '2099-01-01T00:00:00Z' });
  assert.equal(pinned.pinned, true);
  assert.equal(pinned.seller_id, null);
  assert.equal(old.published_at, '2024-01-01T00:00:00.000Z');

  let r = await api(srv, 'GET', '/api/v1/announcements');
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.items.map((a) => a.id), [pinned.id, fresh.id, old.id]);
  assert.equal(r.body.total, 3);
  r = await api(srv, 'GET', '/api/v1/announcements?pinned=true');
  assert.deepEqual(r.body.items.map((a) => a.id), [pinned.id]);
  assert.equal((await api(srv, 'GET', `/api/v1/announcements/${pinned.id}`)).body.body, '설 연휴 배송 지연\n두 줄');
  assert.equal((await api(srv, 'GET', `/api/v1/announcements/${later.id}`)).status, 404, 'not published yet');
  r = await api(srv, 'GET', '/api/v1/admin/announcements', { token: admin.token });
  assert.ok(r.body.items.some((a) => a.id === later.id), 'the admin sees the scheduled one');

  // only admins write
  for (const u of [seller, buyer]) {
    assert.equal((await post(u, '/api/v1/admin/announcements', { title: 'x', body: 'y' })).status, 403);
    assert.equal((await api(srv, 'PATCH', `/api/v1/admin/announcements/${old.id}`, { token: u.token, body: { pinned: true } })).status, 403);
    assert.equal((await api(srv, 'DELETE', `/api/v1/admin/announcements/${old.id}`, { token: u.token })).status, 403);
  }
  assert.equal((await post(admin, '/api/v1/admin/announcements', { title: ' ', body: 'y' })).status, 422);
  assert.equal((await post(admin, '/api/v1/admin/announcements', { title: 'x', body: 'y', published_at: 'tomorrow' })).status, 422);
  assert.equal((await api(srv, 'GET', '/api/v1/announcements')).body.total, 3, 'refusals wrote nothing');

  // pin the old one: it comes first among the pinned by its publication time
  r = await api(srv, 'PATCH', `/api/v1/admin/announcements/${old.id}`, { token: admin.token, body: { pinned: true, title: '다시 본 공지' } });
  assert.equal(r.status, 200);
  assert.equal(r.body.title, '다시 본 공지');
  assert.equal(r.body.body, '본문', 'fields not given stay');
  r = await api(srv, 'GET', '/api/v1/announcements');
  assert.deepEqual(r.body.items.map((a) => a.id), [pinned.id, old.id, fresh.id]);
  assert.equal((await api(srv, 'DELETE', `/api/v1/admin/announcements/${fresh.id}`, { token: admin.token })).status, 204);
  assert.equal((await api(srv, 'GET', `/api/v1/announcements/${fresh.id}`)).status, 404);
  assert.equal((await api(srv, 'DELETE', `/api/v1/admin/announcements/${fresh.id}`, { token: admin.token })).status, 404);
});

test('a seller\'s announcements on the store page: pinned first; only the seller changes them', async () => {
  const a1 = (await post(seller, '/api/v1/seller/announcements', { title: '휴무 안내', body: '월요일 휴무' })).body;
  const a2 = (await post(seller, '/api/v1/seller/announcements', { title: '이벤트', body: '사은품 증정', pinned: true })).body;
  const a3 = (await post(seller, '/api/v1/seller/announcements', { title: '신상품', body: '입고' })).body;
  assert.equal(a1.seller_id, seller.id);
  const other = (await post(seller2, '/api/v1/seller/announcements', { title: '다른 가게', body: '...' })).body;

  let r = await api(srv, 'GET', `/api/v1/sellers/${seller.id}/announcements`);
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.items.map((a) => a.id), [a2.id, a3.id, a1.id]);
  assert.ok(!r.body.items.some((a) => a.id === other.id));
  assert.ok(!(await api(srv, 'GET', '/api/v1/announcements')).body.items.some((a) => a.id === a1.id), 'not the operator\'s notices');

  // another seller, the admin and a buyer change none of them
  assert.equal((await api(srv, 'PATCH', `/api/v1/seller/announcements/${a1.id}`, { token: seller2.token, body: { title: '해킹' } })).status, 404);
  assert.equal((await api(srv, 'DELETE', `/api/v1/seller/announcements/${a1.id}`, { token: seller2.token })).status, 404);
  assert.equal((await api(srv, 'GET', `/api/v1/seller/announcements/${a1.id}`, { token: seller2.token })).status, 404);
  assert.equal((await api(srv, 'PATCH', `/api/v1/admin/announcements/${a1.id}`, { token: admin.token, body: { title: '해킹' } })).status, 404);
  assert.equal((await post(buyer, '/api/v1/seller/announcements', { title: 'x', body: 'y' })).status, 403);
  assert.equal((await api(srv, 'GET', `/api/v1/sellers/${seller.id}/announcements`)).body.items.find((a) => a.id === a1.id).title, '휴무 안내');
  assert.equal((await post(seller, '/api/v1/seller/announcements', { title: 'x', body: 'y', published_at: '2099-01-01T00:00:00Z' })).status, 422, 'a seller\'s show at once');

  r = await api(srv, 'PATCH', `/api/v1/seller/announcements/${a1.id}`, { token: seller.token, body: { pinned: true } });
  assert.equal(r.status, 200);
  assert.equal(r.body.pinned, true);
  r = await api(srv, 'GET', `/api/v1/seller/announcements`, { token: seller.token });
  assert.deepEqual(r.body.items.map((a) => a.id), [a2.id, a1.id, a3.id], 'both pinned, the newer first; then the rest');
  assert.equal((await api(srv, 'DELETE', `/api/v1/seller/announcements/${a3.id}`, { token: seller.token })).status, 204);
  assert.equal((await api(srv, 'GET', `/api/v1/sellers/${seller.id}/announcements`)).body.total, 2);
  assert.equal((await api(srv, 'GET', '/api/v1/sellers/999999/announcements')).body.total, 0);
});
