// Reviews: only the buyer of a delivered order line may review it, once; rating, text and photo
// limits (photos must be the author's own uploads); likes once per user under parallel likes; the
// seller's reply (that seller only, once, then edits); an admin's hiding takes a review out of the
// list and the summary; sorts; deletion refused once points were paid; my reviews and my lines
// still to review. The summary is kept in review_summaries (checked against the rows).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, makeUser, payOrder, sql } from './lib.mjs';
import { makePng } from './fixtures.mjs';

let srv, admin, seller, seller2, buyer, buyer2;
let pA, pB;
const ADDR = { recipient: '홍길동', phone: '010-1234-5678', postcode: '06236', address1: '서울 강남구 테헤란로 1' };

async function product(token, body) {
  const r = await api(srv, 'POST', '/api/v1/products', { token, body });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}
async function paidOrder(u, items) {
  const r = await api(srv, 'POST', '/api/v1/orders', { token: u.token, body: { items, shipping_address: ADDR } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return payOrder(srv, u, r.body);
}
async function deliver(s, o) {
  const sh = await api(srv, 'POST', `/api/v1/seller/orders/${o.id}/ship`, { token: s.token, body: { carrier: 'CJ대한통운', tracking_number: '1234-5678' } });
  assert.equal(sh.status, 200, JSON.stringify(sh.body));
  const d = await api(srv, 'POST', `/api/v1/seller/orders/${o.id}/deliver`, { token: s.token, body: {} });
  assert.equal(d.status, 200, JSON.stringify(d.body));
  return d.body;
}
// A delivered order of one unit of product p by u; returns its line id.
async function deliveredLine(u, p, s = seller) {
  const o = await paidOrder(u, [{ product_id: p.id, quantity: 1 }]);
  await deliver(s, o);
  return o.lines[0].line_id;
}
async function upload(u) {
  const r = await fetch(`${srv.base}/api/v1/media/images`, { method: 'POST', headers: { authorization: `Bearer ${u.token}`, 'content-type': 'image/png' }, body: makePng(4, 4) });
  assert.equal(r.status, 201);
  return (await r.json()).url;
}
const review = (u, line, body) => api(srv, 'POST', `/api/v1/order-lines/${line}/review`, { token: u && u.token, body });
const list = async (p, q = '', u) => api(srv, 'GET', `/api/v1/products/${p.id}/reviews${q}`, { token: u && u.token });
// The summary recomputed from the rows (visible reviews only).
function rowsSummary(productId) {
  const out = sql(srv, `SELECT count(*), COALESCE(sum(rating), 0) FROM reviews WHERE product_id = ${productId} AND hidden = 0`).trim();
  const [count, sum] = out.split(/[|\s]+/).filter(Boolean).map(Number);
  return { count, sum };
}

before(async () => {
  srv = await startServer();
  [admin, seller, seller2, buyer, buyer2] = await Promise.all([
    makeUser(srv, 'admin'), makeUser(srv, 'seller', '리뷰상점'), makeUser(srv, 'seller', '다른상점'),
    makeUser(srv, 'buyer', '구매자'), makeUser(srv, 'buyer', '구매자2'),
  ]);
  pA = await product(seller.token, { name: '리뷰 사과', price: 10000, stock: 500 });
  pB = await product(seller.token, { name: '리뷰 배', price: 20000, stock: 500 });
});
after(async () => { await srv.stop(); });

test('only after delivery, only the buyer, once per line', async () => {
  const r0 = await api(srv, 'POST', '/api/v1/orders', { token: buyer.token, body: { items: [{ product_id: pA.id, quantity: 1 }], shipping_address: ADDR } });
  const line = r0.body.lines[0].line_id;
  const early = await review(buyer, line, { rating: 5, text: '아직' });
  assert.equal(early.status, 409);
  assert.equal(early.body.error.code, 'REVIEW_NOT_ALLOWED');
  const paid = await payOrder(srv, buyer, r0.body);
  assert.equal((await review(buyer, line, { rating: 5 })).body.error.code, 'REVIEW_NOT_ALLOWED');
  await api(srv, 'POST', `/api/v1/seller/orders/${paid.id}/ship`, { token: seller.token, body: { carrier: 'CJ대한통운', tracking_number: '1' } });
  assert.equal((await review(buyer, line, { rating: 5 })).body.error.code, 'REVIEW_NOT_ALLOWED', 'shipping is not delivered');
  assert.equal((await api(srv, 'GET', '/api/v1/me/reviewable', { token: buyer.token })).body.items.some((l) => l.line_id === line), false);
  await api(srv, 'POST', `/api/v1/seller/orders/${paid.id}/deliver`, { token: seller.token, body: {} });
  const able = (await api(srv, 'GET', '/api/v1/me/reviewable', { token: buyer.token })).body.items;
  const mine = able.find((l) => l.line_id === line);
  assert.ok(mine, 'a delivered line is reviewable');
  assert.equal(mine.product_id, pA.id);
  assert.equal(mine.status, 'DELIVERED');

  // somebody else's line, an unknown line, anonymous
  assert.equal((await review(buyer2, line, { rating: 4 })).body.error.code, 'LINE_NOT_FOUND');
  assert.equal((await review(buyer2, 99999999, { rating: 4 })).status, 404);
  assert.equal((await review(null, line, { rating: 4 })).status, 401);
  assert.equal(sql(srv, `SELECT count(*) FROM reviews WHERE line_id = ${line}`).trim(), '0');

  const ok = await review(buyer, line, { rating: 5, text: '맛있어요\n또 살게요' });
  assert.equal(ok.status, 201, JSON.stringify(ok.body));
  assert.equal(ok.headers.get('location'), `/api/v1/reviews/${ok.body.id}`);
  assert.equal(ok.body.rating, 5);
  assert.equal(ok.body.text, '맛있어요\n또 살게요');
  assert.equal(ok.body.author.id, buyer.id);
  assert.equal(ok.body.author.name, '구매자');
  assert.equal(ok.body.points_paid, 0);
  assert.equal(ok.body.reply, null);
  const again = await review(buyer, line, { rating: 1, text: '두 번' });
  assert.equal(again.status, 409);
  assert.equal(again.body.error.code, 'REVIEW_EXISTS');
  assert.equal((await api(srv, 'GET', '/api/v1/me/reviewable', { token: buyer.token })).body.items.some((l) => l.line_id === line), false);
  const me = (await api(srv, 'GET', '/api/v1/me/reviews', { token: buyer.token })).body;
  assert.equal(me.items[0].id, ok.body.id);
  assert.equal(me.items[0].product_name, '리뷰 사과');

  // a purchase-confirmed line may be reviewed too
  const o2 = await paidOrder(buyer, [{ product_id: pB.id, quantity: 1 }]);
  await deliver(seller, o2);
  const c = await api(srv, 'POST', `/api/v1/orders/${o2.id}/shipments/${o2.shipments[0].id}/confirm`, { token: buyer.token, body: {} });
  assert.equal(c.status, 200, JSON.stringify(c.body));
  assert.equal((await review(buyer, o2.lines[0].line_id, { rating: 4 })).status, 201);
});

test('two reviews of one line at once: exactly one is written', async () => {
  const line = await deliveredLine(buyer, pA);
  const rs = await Promise.all(Array.from({ length: 8 }, (_, i) => review(buyer, line, { rating: 1 + (i % 5), text: `동시 ${i}` })));
  assert.equal(rs.filter((r) => r.status === 201).length, 1, JSON.stringify(rs.map((r) => r.status)));
  for (const r of rs.filter((x) => x.status !== 201)) assert.equal(r.body.error.code, 'REVIEW_EXISTS');
  assert.equal(sql(srv, `SELECT count(*) FROM reviews WHERE line_id = ${line}`).trim(), '1');
  const s = (await list(pA)).body.summary;
  assert.deepEqual({ count: s.count }, { count: rowsSummary(pA.id).count });
});

test('rating, text and photo limits; refused input changes nothing', async () => {
  const line = await deliveredLine(buyer, pB);
  const before = (await list(pB)).body.summary;
  const own = await Promise.all(Array.from({ length: 6 }, () => upload(buyer)));
  const theirs = await upload(seller);
  const bad = [
    [{ rating: 0 }, 'VALIDATION_FAILED'], [{ rating: 6 }, 'VALIDATION_FAILED'], [{ text: '평점 없음' }, 'VALIDATION_FAILED'],
    [{ rating: 3, text: 'x'.repeat(2001) }, 'VALIDATION_FAILED'],
    [{ rating: 3, photos: own }, 'VALIDATION_FAILED'], // six photos
    [{ rating: 3, photos: [theirs] }, 'REVIEW_PHOTO_INVALID'],
    [{ rating: 3, photos: ['https://evil.example.com/a.png'] }, 'REVIEW_PHOTO_INVALID'],
    [{ rating: 3, photos: ['/media/uploads/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.png'] }, 'REVIEW_PHOTO_INVALID'],
    [{ rating: 3, photos: [`${own[0]}?x=1`] }, 'REVIEW_PHOTO_INVALID'],
  ];
  for (const [body, code] of bad) {
    const r = await review(buyer, line, body);
    assert.equal(r.body.error && r.body.error.code, code, `${JSON.stringify(body).slice(0, 80)}: ${r.status} ${JSON.stringify(r.body)}`);
  }
  assert.equal(sql(srv, `SELECT count(*) FROM reviews WHERE line_id = ${line}`).trim(), '0');
  assert.deepEqual((await list(pB)).body.summary, before);
  const ok = await review(buyer, line, { rating: 3, text: '가'.repeat(2000), photos: own.slice(0, 5) });
  assert.equal(ok.status, 201, JSON.stringify(ok.body));
  assert.deepEqual(ok.body.photos, own.slice(0, 5));
  assert.equal([...ok.body.text].length, 2000);
  // editing: the same checks; a photo of someone else is refused and nothing changes
  const e1 = await api(srv, 'PATCH', `/api/v1/reviews/${ok.body.id}`, { token: buyer.token, body: { photos: [theirs] } });
  assert.equal(e1.body.error.code, 'REVIEW_PHOTO_INVALID');
  const e2 = await api(srv, 'PATCH', `/api/v1/reviews/${ok.body.id}`, { token: buyer2.token, body: { rating: 1 } });
  assert.equal(e2.status, 403);
  assert.equal(e2.body.error.code, 'NOT_YOUR_REVIEW');
  const e3 = await api(srv, 'PATCH', `/api/v1/reviews/${ok.body.id}`, { token: buyer.token, body: { rating: 4, text: '수정', photos: [own[5]] } });
  assert.equal(e3.status, 200, JSON.stringify(e3.body));
  assert.equal(e3.body.rating, 4);
  assert.equal(e3.body.text, '수정');
  assert.deepEqual(e3.body.photos, [own[5]]);
  const s = (await list(pB)).body.summary;
  const rows = rowsSummary(pB.id);
  assert.equal(s.count, rows.count);
  assert.equal(Math.round(s.average * s.count), rows.sum);
});

test('likes: one per user under 20 parallel likes; a user liking many times at once counts once', async () => {
  const line = await deliveredLine(buyer2, pA);
  const r = (await review(buyer2, line, { rating: 4, text: '좋아요 받을 리뷰' })).body;
  const likers = await Promise.all(Array.from({ length: 20 }, () => makeUser(srv, 'buyer')));
  const rs = await Promise.all(likers.map((u) => api(srv, 'POST', `/api/v1/reviews/${r.id}/like`, { token: u.token })));
  for (const x of rs) assert.equal(x.status, 200, JSON.stringify(x.body));
  assert.equal((await api(srv, 'GET', `/api/v1/reviews/${r.id}`)).body.likes, 20);
  const same = await Promise.all(Array.from({ length: 10 }, () => api(srv, 'POST', `/api/v1/reviews/${r.id}/like`, { token: buyer.token })));
  assert.ok(same.every((x) => x.status === 200));
  assert.equal((await api(srv, 'GET', `/api/v1/reviews/${r.id}`)).body.likes, 21);
  assert.equal(sql(srv, `SELECT count(*) FROM review_likes WHERE review_id = ${r.id}`).trim(), '21');
  assert.equal((await api(srv, 'GET', `/api/v1/reviews/${r.id}`, { token: buyer.token })).body.liked, true);
  assert.equal((await api(srv, 'GET', `/api/v1/reviews/${r.id}`, { token: seller.token })).body.liked, false);
  const un = await Promise.all(Array.from({ length: 5 }, () => api(srv, 'DELETE', `/api/v1/reviews/${r.id}/like`, { token: buyer.token })));
  assert.ok(un.every((x) => x.status === 200));
  assert.equal((await api(srv, 'GET', `/api/v1/reviews/${r.id}`)).body.likes, 20);
  const own = await api(srv, 'POST', `/api/v1/reviews/${r.id}/like`, { token: buyer2.token });
  assert.equal(own.status, 409);
  assert.equal(own.body.error.code, 'OWN_REVIEW_LIKE');
  assert.equal((await api(srv, 'POST', `/api/v1/reviews/${r.id}/like`)).status, 401);
  assert.equal((await api(srv, 'POST', '/api/v1/reviews/99999999/like', { token: buyer.token })).status, 404);
});

test("the seller's reply: the product's seller only, once, then edits", async () => {
  const line = await deliveredLine(buyer, pA);
  const r = (await review(buyer, line, { rating: 2, text: '배송이 늦어요' })).body;
  const other = await api(srv, 'POST', `/api/v1/reviews/${r.id}/reply`, { token: seller2.token, body: { text: '남의 리뷰' } });
  assert.equal(other.status, 403);
  assert.equal(other.body.error.code, 'NOT_YOUR_PRODUCT');
  assert.equal((await api(srv, 'POST', `/api/v1/reviews/${r.id}/reply`, { token: buyer.token, body: { text: '구매자' } })).status, 403);
  assert.equal((await api(srv, 'PATCH', `/api/v1/reviews/${r.id}/reply`, { token: seller.token, body: { text: '아직 없음' } })).body.error.code, 'REPLY_NOT_FOUND');
  const rep = await api(srv, 'POST', `/api/v1/reviews/${r.id}/reply`, { token: seller.token, body: { text: '죄송합니다.\n빨리 보내드릴게요' } });
  assert.equal(rep.status, 201, JSON.stringify(rep.body));
  assert.equal(rep.body.reply.text, '죄송합니다.\n빨리 보내드릴게요');
  assert.match(rep.body.reply.created_at, /^\d{4}-\d\d-\d\dT/);
  const twice = await api(srv, 'POST', `/api/v1/reviews/${r.id}/reply`, { token: seller.token, body: { text: '두 번' } });
  assert.equal(twice.status, 409);
  assert.equal(twice.body.error.code, 'REPLY_EXISTS');
  const ed = await api(srv, 'PATCH', `/api/v1/reviews/${r.id}/reply`, { token: seller.token, body: { text: '수정된 답변' } });
  assert.equal(ed.status, 200);
  assert.equal(ed.body.reply.text, '수정된 답변');
  assert.equal(ed.body.reply.created_at, rep.body.reply.created_at);
  const listed = (await list(pA, '?per_page=50')).body.items.find((x) => x.id === r.id);
  assert.equal(listed.reply.text, '수정된 답변');
});

test('sorts, summary and distribution; hidden by an admin disappears and the average changes', async () => {
  const p = await product(seller.token, { name: '정렬 상품', price: 1000, stock: 100 });
  const made = [];
  for (const [u, rating] of [[buyer, 5], [buyer2, 1], [buyer, 3]]) {
    const line = await deliveredLine(u, p);
    made.push((await review(u, line, { rating, text: `별 ${rating}` })).body);
  }
  const [r5, r1, r3] = made;
  // likes: r1 gets 2, r3 gets 1
  await api(srv, 'POST', `/api/v1/reviews/${r1.id}/like`, { token: buyer.token });
  await api(srv, 'POST', `/api/v1/reviews/${r1.id}/like`, { token: seller.token });
  await api(srv, 'POST', `/api/v1/reviews/${r3.id}/like`, { token: buyer2.token });
  const ids = async (sort) => (await list(p, `?sort=${sort}`)).body.items.map((x) => x.id);
  assert.deepEqual(await ids('newest'), [r3.id, r1.id, r5.id]);
  assert.deepEqual(await ids('likes'), [r1.id, r3.id, r5.id]);
  assert.deepEqual(await ids('rating'), [r5.id, r3.id, r1.id]);
  assert.deepEqual(await ids('rating_low'), [r1.id, r3.id, r5.id]);
  assert.equal((await list(p, '?sort=best')).status, 422);
  const page = (await list(p, '?per_page=2&page=2')).body;
  assert.deepEqual(page.items.map((x) => x.id), [r5.id]);
  assert.equal(page.total, 3);
  let s = (await list(p)).body.summary;
  assert.deepEqual(s, { average: 3, count: 3, distribution: { 1: 1, 2: 0, 3: 1, 4: 0, 5: 1 } });

  const anonAsAdmin = await api(srv, 'PATCH', `/api/v1/admin/reviews/${r1.id}`, { token: seller.token, body: { hidden: true } });
  assert.equal(anonAsAdmin.status, 403);
  const hide = await api(srv, 'PATCH', `/api/v1/admin/reviews/${r1.id}`, { token: admin.token, body: { hidden: true } });
  assert.equal(hide.status, 200, JSON.stringify(hide.body));
  assert.equal(hide.body.hidden, true);
  await api(srv, 'PATCH', `/api/v1/admin/reviews/${r1.id}`, { token: admin.token, body: { hidden: true } }); // idempotent
  const after1 = (await list(p)).body;
  assert.deepEqual(after1.items.map((x) => x.id), [r3.id, r5.id]);
  assert.deepEqual(after1.summary, { average: 4, count: 2, distribution: { 1: 0, 2: 0, 3: 1, 4: 0, 5: 1 } });
  assert.equal((await api(srv, 'GET', `/api/v1/reviews/${r1.id}`)).status, 404);
  assert.equal((await api(srv, 'GET', `/api/v1/reviews/${r1.id}`, { token: buyer.token })).status, 404);
  assert.equal((await api(srv, 'GET', `/api/v1/reviews/${r1.id}`, { token: buyer2.token })).body.hidden, true, 'the author still sees it');
  assert.equal((await api(srv, 'POST', `/api/v1/reviews/${r1.id}/like`, { token: seller2.token })).status, 404);
  // a rating change of a hidden review does not touch the summary
  await api(srv, 'PATCH', `/api/v1/reviews/${r1.id}`, { token: buyer2.token, body: { rating: 2 } });
  assert.equal((await list(p)).body.summary.count, 2);
  await api(srv, 'PATCH', `/api/v1/admin/reviews/${r1.id}`, { token: admin.token, body: { hidden: false } });
  s = (await list(p)).body.summary;
  assert.deepEqual(s, { average: 3.33, count: 3, distribution: { 1: 0, 2: 1, 3: 1, 4: 0, 5: 1 } });
  assert.deepEqual({ count: s.count, sum: 10 }, rowsSummary(p.id));
  assert.equal((await api(srv, 'GET', '/api/v1/products/99999999/reviews')).status, 404);
});

test('delete: the author only; refused once points were paid for the review', async () => {
  const p = await product(seller.token, { name: '삭제 상품', price: 1000, stock: 100 });
  const r1 = (await review(buyer, await deliveredLine(buyer, p), { rating: 5, text: '지울 리뷰' })).body;
  const r2 = (await review(buyer, await deliveredLine(buyer, p), { rating: 1, text: '포인트 받은 리뷰' })).body;
  await api(srv, 'POST', `/api/v1/reviews/${r1.id}/like`, { token: buyer2.token });
  assert.equal((await api(srv, 'DELETE', `/api/v1/reviews/${r1.id}`, { token: buyer2.token })).body.error.code, 'NOT_YOUR_REVIEW');
  const d = await api(srv, 'DELETE', `/api/v1/reviews/${r1.id}`, { token: buyer.token });
  assert.equal(d.status, 204);
  assert.equal((await api(srv, 'GET', `/api/v1/reviews/${r1.id}`)).status, 404);
  assert.deepEqual((await list(p)).body.summary, { average: 1, count: 1, distribution: { 1: 1, 2: 0, 3: 0, 4: 0, 5: 0 } });
  // the line can be reviewed again after its review was deleted
  assert.ok((await api(srv, 'GET', '/api/v1/me/reviewable', { token: buyer.token })).body.items.some((l) => l.line_id === r1.line_id));

  sql(srv, `UPDATE reviews SET points_paid = 500 WHERE id = ${r2.id}`);
  const locked = await api(srv, 'DELETE', `/api/v1/reviews/${r2.id}`, { token: buyer.token });
  assert.equal(locked.status, 409);
  assert.equal(locked.body.error.code, 'REVIEW_LOCKED');
  assert.equal((await api(srv, 'GET', `/api/v1/reviews/${r2.id}`)).body.points_paid, 500);
  const edit = await api(srv, 'PATCH', `/api/v1/reviews/${r2.id}`, { token: buyer.token, body: { text: '수정은 됩니다' } });
  assert.equal(edit.status, 200);
  const hide = await api(srv, 'PATCH', `/api/v1/admin/reviews/${r2.id}`, { token: admin.token, body: { hidden: true } });
  assert.equal(hide.status, 200);
  assert.equal((await list(p)).body.summary.count, 0);
});

test('a review earns the admin\'s points once: photo rate, text rate for 20+ characters, nothing for a short one; then it is locked', async () => {
  const u = await makeUser(srv, 'buyer', '포인트구매자');
  const p = await product(seller.token, { name: '포인트 리뷰 상품', price: 2000, stock: 100 });
  const rates = await api(srv, 'PUT', '/api/v1/admin/points/rates', { token: admin.token, body: { purchase_bp: 0, review_text: 150, review_photo: 400, attendance: 10 } });
  assert.equal(rates.status, 200, JSON.stringify(rates.body));
  const balance = async () => (await api(srv, 'GET', '/api/v1/me/points', { token: u.token })).body.balance;
  assert.equal(await balance(), 0);
  const short = (await review(u, await deliveredLine(u, p), { rating: 4, text: '좋아요' })).body;
  assert.equal(short.points_paid, 0, 'a short text earns nothing');
  const text = (await review(u, await deliveredLine(u, p), { rating: 5, text: '배송이 빠르고 포장도 꼼꼼했어요. 또 살게요!' })).body;
  assert.equal(text.points_paid, 150);
  assert.equal(await balance(), 150);
  const photo = (await review(u, await deliveredLine(u, p), { rating: 5, text: '사진', photos: [await upload(u)] })).body;
  assert.equal(photo.points_paid, 400);
  assert.equal(await balance(), 550);
  const hist = (await api(srv, 'GET', '/api/v1/me/points/history', { token: u.token })).body.items;
  assert.deepEqual(hist.filter((x) => x.kind === 'EARN').map((x) => x.ref).sort(), [`review:${photo.id}`, `review:${text.id}`].sort());
  // paid reviews cannot be deleted; the unpaid one can
  assert.equal((await api(srv, 'DELETE', `/api/v1/reviews/${photo.id}`, { token: u.token })).body.error.code, 'REVIEW_LOCKED');
  assert.equal((await api(srv, 'DELETE', `/api/v1/reviews/${short.id}`, { token: u.token })).status, 204);
  assert.equal(await balance(), 550);
});
