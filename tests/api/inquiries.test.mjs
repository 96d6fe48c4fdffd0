// 1:1 inquiries (issue 10): a buyer writes to a seller about a product or an order of theirs, or to
// the operator; only the participants (the author, the seller, admins) see an inquiry, others get
// 404; answers move the status and notify the other side; a closed inquiry takes no more messages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, makeUser, sql } from './lib.mjs';

let srv, admin, admin2, seller, seller2, buyer, buyer2;
const ADDR = { recipient: '홍길동', phone: '010-1234-5678', postcode: '06236', address1: '서울 강남구 테헤란로 1' };

async function product(token, body) {
  const r = await api(srv, 'POST', '/api/v1/products', { token, body });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}
async function placeOrder(u, items) {
  const r = await api(srv, 'POST', '/api/v1/orders', { token: u.token, body: { items, shipping_address: ADDR } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}
const ask = (u, body) => api(srv, 'POST', '/api/v1/inquiries', { token: u.token, body: { category: 'PRODUCT', title: '문의', body: '내용', ...body } });
const get = (u, id) => api(srv, 'GET', `/api/v1/inquiries/${id}`, { token: u.token });
const write = (u, id, body) => api(srv, 'POST', `/api/v1/inquiries/${id}/messages`, { token: u.token, body: { body } });
const count = () => Number(sql(srv, 'SELECT count(*) FROM inquiries').trim());
async function notices(u) {
  const r = await api(srv, 'GET', '/api/v1/notifications?per_page=100', { token: u.token });
  assert.equal(r.status, 200);
  return r.body.items;
}

let pA, pB;
before(async () => {
  srv = await startServer();
  [admin, admin2, seller, seller2, buyer, buyer2] = await Promise.all([
    makeUser(srv, 'admin'), makeUser(srv, 'admin'), makeUser(srv, 'seller', '사과농장'), makeUser(srv, 'seller', '배농장'),
    makeUser(srv, 'buyer', '김구매'), makeUser(srv, 'buyer', '이구매'),
  ]);
  pA = await product(seller.token, { name: '사과', price: 10000, stock: 100 });
  pB = await product(seller2.token, { name: '배', price: 20000, stock: 100 });
});
after(async () => { await srv?.stop(); });

test('an inquiry about a product goes to its seller, who is notified; only participants see it', async () => {
  const r = await ask(buyer, { to: 'seller', product_id: pA.id, category: 'PRODUCT', title: '사이즈 문의', body: '몇 개 들어있나요?\n두 줄' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.headers.get('location'), `/api/v1/inquiries/${r.body.id}`);
  const q = r.body;
  assert.equal(q.to, 'seller');
  assert.equal(q.seller_id, seller.id);
  assert.equal(q.seller_name, '사과농장');
  assert.equal(q.buyer_id, buyer.id);
  assert.equal(q.buyer_name, '김구매');
  assert.equal(q.product_id, pA.id);
  assert.equal(q.product_name, '사과');
  assert.equal(q.order_id, null);
  assert.equal(q.status, 'OPEN');
  assert.equal(q.body, '몇 개 들어있나요?\n두 줄');
  assert.deepEqual(q.messages, []);
  assert.ok((await notices(seller)).some((n) => n.kind === 'inquiry.NEW' && n.text.includes('사이즈 문의')));

  assert.equal((await get(buyer, q.id)).status, 200);
  assert.equal((await get(seller, q.id)).status, 200);
  assert.equal((await get(admin, q.id)).status, 200, 'the operator oversees every inquiry');
  for (const other of [buyer2, seller2]) {
    const g = await get(other, q.id);
    assert.equal(g.status, 404);
    assert.equal(g.body.error.code, 'INQUIRY_NOT_FOUND');
    assert.equal((await write(other, q.id, '끼어들기')).status, 404);
    assert.equal((await api(srv, 'POST', `/api/v1/inquiries/${q.id}/close`, { token: other.token })).status, 404);
  }
  assert.equal((await api(srv, 'GET', `/api/v1/inquiries/${q.id}`)).status, 401);
  assert.equal((await get(buyer, 999999)).status, 404);

  // the lists: the author's, the seller's inbox; not another seller's, not another buyer's
  assert.ok((await api(srv, 'GET', '/api/v1/inquiries', { token: buyer.token })).body.items.some((i) => i.id === q.id));
  assert.ok(!(await api(srv, 'GET', '/api/v1/inquiries', { token: buyer2.token })).body.items.some((i) => i.id === q.id));
  const inbox = await api(srv, 'GET', '/api/v1/seller/inquiries?status=OPEN', { token: seller.token });
  assert.equal(inbox.status, 200);
  assert.ok(inbox.body.items.some((i) => i.id === q.id && i.product_name === '사과' && i.buyer_name === '김구매'));
  assert.ok(!(await api(srv, 'GET', '/api/v1/seller/inquiries', { token: seller2.token })).body.items.some((i) => i.id === q.id));
  assert.equal((await api(srv, 'GET', '/api/v1/seller/inquiries', { token: buyer.token })).status, 403);
  assert.equal((await api(srv, 'GET', '/api/v1/admin/inquiries', { token: seller.token })).status, 403);
});

test('a buyer writes to a seller about an order of their own only', async () => {
  const o = await placeOrder(buyer, [{ product_id: pA.id, quantity: 1 }]);
  const before = count();
  // another buyer's order: 404, nothing stored
  let r = await ask(buyer2, { to: 'seller', order_id: o.id, category: 'DELIVERY' });
  assert.equal(r.status, 404);
  assert.equal(r.body.error.code, 'ORDER_NOT_FOUND');
  r = await ask(buyer2, { to: 'operator', order_id: o.id, category: 'DELIVERY' });
  assert.equal(r.status, 404, 'not to the operator either');
  // a seller who sold nothing in the order, named or through a product
  r = await ask(buyer, { to: 'seller', order_id: o.id, seller_id: seller2.id, category: 'DELIVERY' });
  assert.equal(r.status, 422);
  r = await ask(buyer, { to: 'seller', order_id: o.id, product_id: pB.id, category: 'DELIVERY' });
  assert.equal(r.status, 422);
  // to a seller about nothing
  r = await ask(buyer, { to: 'seller', seller_id: seller.id });
  assert.equal(r.status, 422);
  r = await ask(buyer, { to: 'seller', product_id: 999999 });
  assert.equal(r.status, 404);
  assert.equal(r.body.error.code, 'PRODUCT_NOT_FOUND');
  r = await ask(buyer, { to: 'seller', product_id: pA.id, category: 'SHIPPING' });
  assert.equal(r.status, 422);
  r = await ask(buyer, { to: 'seller', product_id: pA.id, title: '   ' });
  assert.equal(r.status, 422);
  r = await ask(buyer, { to: 'seller', product_id: pA.id, body: 'x'.repeat(2001) });
  assert.equal(r.status, 422, 'a body is at most 2,000 characters');
  r = await ask(seller, { to: 'seller', product_id: pA.id });
  assert.equal(r.status, 422, 'not to oneself');
  assert.equal(count(), before, 'refused inquiries change nothing');

  // the own order: the order's only seller is found, the order named
  r = await ask(buyer, { to: 'seller', order_id: o.id, category: 'DELIVERY', title: '언제 오나요', body: '배송 문의' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.seller_id, seller.id);
  assert.equal(r.body.order_id, o.id);
  assert.equal(r.body.order_number, o.order_id);
  assert.equal(r.body.category, 'DELIVERY');
  r = await ask(buyer, { to: 'seller', order_id: o.id, product_id: pA.id, category: 'EXCHANGE_RETURN' });
  assert.equal(r.status, 201);
  assert.equal(r.body.body, '내용');
  r = await ask(buyer, { to: 'seller', product_id: pA.id, body: '가'.repeat(2000) });
  assert.equal(r.status, 201, '2,000 characters are fine');
});

test('answers notify the buyer, the buyer\'s reply the seller; statuses OPEN → ANSWERED → OPEN → CLOSED', async () => {
  const q = (await ask(buyer, { to: 'seller', product_id: pA.id, title: '색상 문의' })).body;
  let r = await write(seller, q.id, '빨간색만 있습니다');
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.status, 'ANSWERED');
  assert.equal(r.body.message_count, 1);
  assert.deepEqual(r.body.messages.map((m) => [m.author_role, m.author_name, m.body]), [['seller', '사과농장', '빨간색만 있습니다']]);
  assert.ok((await notices(buyer)).some((n) => n.kind === 'inquiry.ANSWERED' && n.text.includes('색상 문의')));

  r = await write(buyer, q.id, '초록색은 언제 들어오나요?');
  assert.equal(r.body.status, 'OPEN');
  assert.ok((await notices(seller)).some((n) => n.kind === 'inquiry.MESSAGE' && n.text.includes('색상 문의')));
  r = await write(admin, q.id, '운영자가 확인했습니다');
  assert.equal(r.body.status, 'ANSWERED');
  assert.equal(r.body.messages.at(-1).author_role, 'admin');
  assert.equal((await write(buyer, q.id, '   ')).status, 422);

  r = await api(srv, 'POST', `/api/v1/inquiries/${q.id}/close`, { token: buyer.token });
  assert.equal(r.status, 200);
  assert.equal(r.body.status, 'CLOSED');
  r = await write(seller, q.id, '추가 답변');
  assert.equal(r.status, 409);
  assert.equal(r.body.error.code, 'INQUIRY_CLOSED');
  assert.equal((await api(srv, 'POST', `/api/v1/inquiries/${q.id}/close`, { token: seller.token })).status, 409);
  assert.equal((await get(buyer, q.id)).body.messages.length, 3, 'the refused message was not stored');
  const closed = await api(srv, 'GET', '/api/v1/seller/inquiries?status=CLOSED', { token: seller.token });
  assert.ok(closed.body.items.some((i) => i.id === q.id));
  const open = await api(srv, 'GET', '/api/v1/seller/inquiries?status=OPEN', { token: seller.token });
  assert.ok(!open.body.items.some((i) => i.id === q.id));
});

test('an inquiry to the operator reaches every admin; the admin inbox lists it; sellers do not see it', async () => {
  const r = await ask(buyer2, { to: 'operator', category: 'OTHER', title: '회원 등급 문의', body: '등급은 어떻게 올라가나요' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const q = r.body;
  assert.equal(q.to, 'operator');
  assert.equal(q.seller_id, null);
  for (const a of [admin, admin2]) assert.ok((await notices(a)).some((n) => n.kind === 'inquiry.NEW' && n.text.includes('회원 등급 문의')));
  assert.equal((await get(seller, q.id)).status, 404);
  let inbox = await api(srv, 'GET', '/api/v1/admin/inquiries', { token: admin.token });
  assert.equal(inbox.status, 200);
  assert.ok(inbox.body.items.some((i) => i.id === q.id));
  assert.ok(inbox.body.items.every((i) => i.to === 'operator'), 'the default inbox is the operator\'s');
  inbox = await api(srv, 'GET', '/api/v1/admin/inquiries?to=seller', { token: admin.token });
  assert.ok(inbox.body.items.length > 0 && inbox.body.items.every((i) => i.to === 'seller'));

  const a = await write(admin2, q.id, '구매 금액에 따라 올라갑니다');
  assert.equal(a.body.status, 'ANSWERED');
  assert.ok((await notices(buyer2)).some((n) => n.kind === 'inquiry.ANSWERED'));
  // the buyer's follow-up goes to the admin who answered
  const before = (await notices(admin)).length;
  await write(buyer2, q.id, '감사합니다');
  assert.ok((await notices(admin2)).some((n) => n.kind === 'inquiry.MESSAGE'));
  assert.equal((await notices(admin)).length, before, 'not to every admin once one answered');
  const answered = await api(srv, 'GET', '/api/v1/admin/inquiries?status=OPEN&to=all', { token: admin.token });
  assert.ok(answered.body.items.some((i) => i.id === q.id));
});

test('parallel messages are all kept and counted exactly', async () => {
  const q = (await ask(buyer, { to: 'seller', product_id: pA.id })).body;
  const N = 12;
  const rs = await Promise.all(Array.from({ length: N }, (_, i) => write(i % 2 ? seller : buyer, q.id, `메시지 ${i}`)));
  assert.ok(rs.every((r) => r.status === 201), JSON.stringify(rs.map((r) => r.status)));
  const g = (await get(buyer, q.id)).body;
  assert.equal(g.message_count, N);
  assert.equal(g.messages.length, N);
  assert.equal(new Set(g.messages.map((m) => m.body)).size, N);
});
