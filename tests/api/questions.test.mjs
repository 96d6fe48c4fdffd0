// Product Q&A (issue 10): anyone signed in asks on a product page, publicly or secretly; a secret
// question's text (and its answer) is shown only to its author, the product's seller and admins,
// everyone else reads "비밀글입니다"; only the product's seller answers, and the asker is notified.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, makeUser, sql } from './lib.mjs';

let srv, admin, seller, seller2, buyer, buyer2, product, hidden;
const SECRET = '비밀글입니다';
const list = (u, id = product.id) => api(srv, 'GET', `/api/v1/products/${id}/questions`, { token: u?.token });
const ask = (u, body, id = product.id) => api(srv, 'POST', `/api/v1/products/${id}/questions`, { token: u.token, body });
const answer = (u, id, text) => api(srv, 'POST', `/api/v1/questions/${id}/answer`, { token: u.token, body: { answer: text } });
const find = async (u, id) => (await list(u)).body.items.find((q) => q.id === id);

before(async () => {
  srv = await startServer();
  [admin, seller, seller2, buyer, buyer2] = await Promise.all([
    makeUser(srv, 'admin'), makeUser(srv, 'seller', '과일가게'), makeUser(srv, 'seller'), makeUser(srv, 'buyer', '박질문'), makeUser(srv, 'buyer'),
  ]);
  let r = await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: '복숭아', price: 9000, stock: 10 } });
  product = r.body;
  r = await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: '숨김', price: 9000, stock: 10, status: 'HIDDEN' } });
  hidden = r.body;
});
after(async () => { await srv?.stop(); });

test('a secret question is hidden from others and readable by its author, the seller and admins', async () => {
  let r = await ask(buyer, { body: '전화번호 010-0000-0000 으로 연락 주세요', secret: true });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.headers.get('location'), `/api/v1/questions/${r.body.id}`);
  const secret = r.body;
  assert.equal(secret.secret, true);
  assert.equal(secret.mine, true);
  assert.equal(secret.author_name, '박**');
  r = await ask(buyer2, { body: '당도가 어떤가요?' });
  const open = r.body;
  assert.equal(open.secret, false);

  for (const viewer of [undefined, buyer2, seller2]) {
    const s = await find(viewer, secret.id);
    assert.equal(s.body, SECRET, 'hidden text');
    assert.equal(s.readable, false);
    assert.equal(s.answer, null);
    assert.equal(JSON.stringify((await list(viewer)).body).includes('010-0000-0000'), false, 'the text never leaves');
    assert.equal((await find(viewer, open.id)).body, '당도가 어떤가요?', 'a public question is public');
    const one = await api(srv, 'GET', `/api/v1/questions/${secret.id}`, { token: viewer?.token });
    assert.equal(one.body.body, SECRET);
  }
  for (const viewer of [buyer, seller, admin]) {
    const s = await find(viewer, secret.id);
    assert.equal(s.body, '전화번호 010-0000-0000 으로 연락 주세요');
    assert.equal(s.readable, true);
  }
  assert.equal((await find(buyer, secret.id)).mine, true);
  assert.equal((await find(seller, secret.id)).mine, false);
  assert.equal((await find(seller, secret.id)).author_name, '박**');
  assert.ok((await api(srv, 'GET', '/api/v1/notifications', { token: seller.token })).body.items.some((n) => n.kind === 'question.NEW' && n.text.includes('복숭아')));
});

test('only the product\'s seller answers; the asker is notified; a secret answer stays hidden', async () => {
  const q = (await ask(buyer, { body: '배송은 언제 되나요?', secret: true })).body;
  let r = await answer(seller2, q.id, '남의 답');
  assert.equal(r.status, 403);
  assert.equal(r.body.error.code, 'NOT_YOUR_PRODUCT');
  assert.equal((await answer(buyer, q.id, '내가 답')).status, 403);
  assert.equal((await answer(admin, q.id, '관리자 답')).status, 403);
  assert.equal((await answer(seller, q.id, '  ')).status, 422);
  assert.equal((await answer(seller, 999999, '없는 질문')).status, 404);
  assert.equal(sql(srv, `SELECT count(*) FROM product_questions WHERE id = ${q.id} AND answer IS NOT NULL`).trim(), '0', 'refusals change nothing');

  r = await answer(seller, q.id, '내일 출발합니다');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.answer, '내일 출발합니다');
  assert.equal(r.body.answered, true);
  assert.ok(r.body.answered_at);
  const n = (await api(srv, 'GET', '/api/v1/notifications', { token: buyer.token })).body.items;
  assert.ok(n.some((x) => x.kind === 'question.ANSWERED' && x.text.includes('복숭아')));
  assert.equal((await find(buyer, q.id)).answer, '내일 출발합니다');
  const other = await find(buyer2, q.id);
  assert.equal(other.answered, true);
  assert.equal(other.answer, null, 'the answer to a secret question is hidden too');
  // answering again replaces it
  r = await answer(seller, q.id, '오늘 출발했습니다');
  assert.equal(r.body.answer, '오늘 출발했습니다');

  // the seller's list of questions, unanswered only
  const waiting = await api(srv, 'GET', '/api/v1/seller/questions?answered=false', { token: seller.token });
  assert.equal(waiting.status, 200);
  assert.ok(waiting.body.items.every((x) => !x.answered));
  assert.ok(!waiting.body.items.some((x) => x.id === q.id));
  const done = await api(srv, 'GET', '/api/v1/seller/questions?answered=true', { token: seller.token });
  assert.ok(done.body.items.some((x) => x.id === q.id && x.product_name === '복숭아' && x.body === '배송은 언제 되나요?'));
  assert.equal((await api(srv, 'GET', '/api/v1/seller/questions', { token: seller2.token })).body.total, 0);
});

test('unknown and hidden products have no Q&A for the public; bad questions change nothing', async () => {
  assert.equal((await list(undefined, 999999)).status, 404);
  assert.equal((await list(undefined, hidden.id)).status, 404);
  assert.equal((await list(buyer, hidden.id)).status, 404);
  assert.equal((await list(seller, hidden.id)).status, 200, 'its seller still reads it');
  assert.equal((await ask(buyer, { body: '숨김?' }, hidden.id)).status, 404);
  const before = sql(srv, 'SELECT count(*) FROM product_questions').trim();
  assert.equal((await ask(buyer, { body: '   ' })).status, 422);
  assert.equal((await ask(buyer, { body: 'x'.repeat(1001) })).status, 422);
  assert.equal((await ask(buyer, { body: '질문', secret: 'yes' })).status, 422);
  assert.equal((await api(srv, 'POST', `/api/v1/products/${product.id}/questions`, { body: { body: '익명' } })).status, 401);
  assert.equal(sql(srv, 'SELECT count(*) FROM product_questions').trim(), before);
  const page = await api(srv, 'GET', `/api/v1/products/${product.id}/questions?per_page=1&page=2`);
  assert.equal(page.body.items.length, 1);
  assert.ok(page.body.total >= 3);
});
