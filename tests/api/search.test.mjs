// Product search (GET /products?q=): Korean substrings of 1-2 characters (plain LIKE path) and
// of 3+ characters (text index path: SQLite FTS5 trigram, PostgreSQL pg_trgm), name matches
// ranked before description-only matches, user input taken literally (LIKE wildcards, FTS5
// syntax), and the index kept in step with every update, hide and delete. Black-box.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, makeUser } from './lib.mjs';

let srv, admin, seller, cat;

async function product(body) {
  const r = await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { price: 1000, stock: 5, ...body } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}
async function search(q, extra = '', token) {
  const r = await api(srv, 'GET', `/api/v1/products?q=${encodeURIComponent(q)}&per_page=20${extra}`, token ? { token } : {});
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.total, r.body.items.length);
  return r.body.items.map((p) => p.name);
}

before(async () => {
  srv = await startServer();
  [admin, seller] = await Promise.all([makeUser(srv, 'admin'), makeUser(srv, 'seller', '검색 셀러')]);
  cat = (await api(srv, 'POST', '/api/v1/categories', { token: admin.token, body: { name: '의류', slug: 'wear' } })).body;
  for (const name of ['라운드넥니트', '꽈배기 니트 조끼', '브이넥 가디건', '초콜릿 쿠키', '다크초콜릿', '가죽 가방', '에코백'])
    await product({ name, category_id: name.includes('니트') ? cat.id : undefined });
});
after(async () => { await srv.stop(); });

test('Korean substrings of 1-2 characters are found (LIKE path)', async () => {
  assert.deepEqual((await search('니트')).sort(), ['꽈배기 니트 조끼', '라운드넥니트']);
  assert.deepEqual((await search('초콜')).sort(), ['다크초콜릿', '초콜릿 쿠키']);
  assert.deepEqual(await search('가방'), ['가죽 가방']);
  assert.deepEqual((await search('넥')).sort(), ['라운드넥니트', '브이넥 가디건']);
  assert.deepEqual(await search('없음'), []);
});

test('Korean substrings of 3+ characters are found (index path), with category filter and paging', async () => {
  assert.deepEqual(await search('넥니트'), ['라운드넥니트']);
  assert.deepEqual((await search('초콜릿')).sort(), ['다크초콜릿', '초콜릿 쿠키']);
  assert.deepEqual(await search('릿 쿠'), ['초콜릿 쿠키']);
  assert.deepEqual(await search('배기 니트'), ['꽈배기 니트 조끼']);
  assert.deepEqual(await search('니트 조끼 없음'), []);
  assert.deepEqual(await search('초콜릿', `&category_id=${cat.id}`), []);
  assert.deepEqual(await search(' 니트', `&category_id=${cat.id}`), ['꽈배기 니트 조끼']);
  const p1 = (await api(srv, 'GET', `/api/v1/products?q=${encodeURIComponent('초콜릿')}&per_page=1`)).body;
  const p2 = (await api(srv, 'GET', `/api/v1/products?q=${encodeURIComponent('초콜릿')}&per_page=1&page=2`)).body;
  assert.equal(p1.total, 2);
  assert.equal(p2.total, 2);
  assert.deepEqual([p1.items[0].name, p2.items[0].name].sort(), ['다크초콜릿', '초콜릿 쿠키']);
});

test('name matches rank before description-only matches, then the requested sort', async () => {
  const named = await product({ name: '캐시미어 머플러', price: 9000 });
  const named2 = await product({ name: '캐시미어 장갑', price: 3000 });
  const described = await product({ name: '겨울 목도리', description: '부드러운 캐시미어 혼방', price: 1000 });
  for (const q of ['캐시', '캐시미어']) {
    let r = (await api(srv, 'GET', `/api/v1/products?q=${encodeURIComponent(q)}`)).body;
    assert.equal(r.total, 3, q);
    assert.deepEqual(r.items.map((p) => p.id), [named2.id, named.id, described.id], `${q}: names first, newest first`);
    r = (await api(srv, 'GET', `/api/v1/products?q=${encodeURIComponent(q)}&sort=price_asc`)).body;
    assert.deepEqual(r.items.map((p) => p.id), [named2.id, named.id, described.id], `${q}: names first, then price`);
    r = (await api(srv, 'GET', `/api/v1/products?q=${encodeURIComponent(q)}&sort=price_desc`)).body;
    assert.deepEqual(r.items.map((p) => p.id), [named.id, named2.id, described.id], `${q}: names first, then price desc`);
  }
});

test('LIKE wildcards and FTS5 syntax in q are literal', async () => {
  for (const name of ['50% 할인 양말', '500 할인 양말', '5_0 특가 양말', '역슬래시\\상품', '"따옴표" 모자', '니트 OR 가방 세트'])
    await product({ name });
  assert.deepEqual(await search('50%'), ['50% 할인 양말']);
  assert.deepEqual(await search('%'), ['50% 할인 양말']);
  assert.deepEqual(await search('5_0'), ['5_0 특가 양말']);
  assert.deepEqual(await search('_'), ['5_0 특가 양말']);
  assert.deepEqual(await search('\\'), ['역슬래시\\상품']);
  assert.deepEqual(await search('시\\상'), ['역슬래시\\상품']);
  assert.deepEqual(await search('"따옴표"'), ['"따옴표" 모자']);
  assert.deepEqual(await search('"'), ['"따옴표" 모자']);
  assert.deepEqual(await search('니트 OR 가방'), ['니트 OR 가방 세트']);
  assert.deepEqual(await search('니트*'), []);
  assert.deepEqual(await search('NEAR(니트 가방)'), []);
});

test('an updated name or description is found at once by the new text, not the old', async () => {
  const p = await product({ name: '구스다운패딩', description: '따뜻한 겨울옷' });
  assert.deepEqual(await search('다운패'), ['구스다운패딩']);
  const r = await api(srv, 'PATCH', `/api/v1/products/${p.id}`, { token: seller.token, body: { name: '울코트롱', description: '봄 신상' } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(await search('울코트'), ['울코트롱']);
  assert.deepEqual(await search('코트'), ['울코트롱']);
  assert.deepEqual(await search('다운패'), []);
  assert.deepEqual(await search('패딩'), []);
  assert.deepEqual(await search('겨울옷'), []);
  assert.deepEqual(await search('봄 신상'), ['울코트롱']);
});

test('hidden and deleted products are not found by the public', async () => {
  const h = await product({ name: '비밀한정판모자' });
  const d = await product({ name: '삭제될신발끈' });
  assert.deepEqual(await search('한정판'), ['비밀한정판모자']);
  assert.deepEqual(await search('신발끈'), ['삭제될신발끈']);
  assert.equal((await api(srv, 'PATCH', `/api/v1/products/${h.id}`, { token: seller.token, body: { status: 'HIDDEN' } })).status, 200);
  assert.equal((await api(srv, 'DELETE', `/api/v1/products/${d.id}`, { token: seller.token })).status, 204);
  for (const q of ['한정판', '한정', '신발끈', '신발']) assert.deepEqual(await search(q), [], q);
  const mine = (await api(srv, 'GET', `/api/v1/seller/products?q=${encodeURIComponent('한정판')}`, { token: seller.token })).body;
  assert.deepEqual(mine.items.map((p) => p.id), [h.id], 'the seller still finds a hidden product');
});
