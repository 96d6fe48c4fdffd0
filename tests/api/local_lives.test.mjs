// Local lives (regions.h): a live's region is a 시/도 and a 시/군/구; GET /api/v1/lives?region=
// takes a 시/도 (official or short name) or a 시/도, a space and a 시/군/구, also with ?status= and
// ?seller_id=; an unknown 시/도 or a bad 시/군/구 is 422 INVALID_REGION; GET /api/v1/regions lists
// the 17 시/도.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, makeUser } from './lib.mjs';

let srv, seller, seller2, productId, product2;
const iso = (ms) => new Date(ms).toISOString();
const live = async (title, region, who = seller, pid = productId) => {
  const r = await api(srv, 'POST', '/api/v1/lives', {
    token: who.token, body: { title, scheduled_at: iso(Date.now() + 3600e3), product_ids: [pid], ...(region ? { region } : {}) },
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
};
const lives = async (q) => {
  const r = await api(srv, 'GET', `/api/v1/lives${q}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.items.map((l) => l.title);
};
const enc = encodeURIComponent;

before(async () => {
  srv = await startServer();
  [seller, seller2] = await Promise.all([makeUser(srv, 'seller'), makeUser(srv, 'seller')]);
  productId = (await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: 'Local item', price: 5000, stock: 9 } })).body.id;
  product2 = (await api(srv, 'POST', '/api/v1/products', { token: seller2.token, body: { name: 'Other item', price: 5000, stock: 9 } })).body.id;
});
after(async () => { if (srv) await srv.stop(); });

test('the 17 시/도', async () => {
  const r = await api(srv, 'GET', '/api/v1/regions');
  assert.equal(r.status, 200);
  assert.equal(r.body.items.length, 17);
  assert.deepEqual(r.body.items[0], { sido: '서울특별시', short: '서울' });
  assert.ok(r.body.items.some((x) => x.sido === '제주특별자치도'));
});

test('GET /lives?region= by 시/도 and by 시/도 + 시/군/구', async () => {
  await live('강남 라이브', { sido: '서울특별시', sigungu: '강남구' });
  await live('서초 라이브', { sido: '서울특별시', sigungu: '서초구' });
  await live('서울 전체 라이브', { sido: '서울특별시' });
  await live('부산 라이브', { sido: '부산광역시', sigungu: '해운대구' });
  await live('분당 라이브', { sido: '경기도', sigungu: '성남시 분당구' });
  await live('지역 없음');
  await live('남의 강남 라이브', { sido: '서울특별시', sigungu: '강남구' }, seller2, product2);
  const all = await lives('');
  assert.equal(all.length, 7);
  assert.equal((await api(srv, 'GET', '/api/v1/lives')).body.items.find((l) => l.title === '지역 없음').region, null);
  assert.deepEqual((await lives(`?region=${enc('서울특별시')}`)).sort(), ['강남 라이브', '남의 강남 라이브', '서울 전체 라이브', '서초 라이브']);
  assert.deepEqual((await lives(`?region=${enc('서울')}`)).length, 4, 'the short name');
  assert.deepEqual((await lives(`?region=${enc('서울특별시 강남구')}`)).sort(), ['강남 라이브', '남의 강남 라이브']);
  assert.deepEqual(await lives(`?region=${enc('서울 강남구')}&seller_id=${seller.id}`), ['강남 라이브'], 'with the seller');
  assert.deepEqual(await lives(`?region=${enc('부산광역시')}`), ['부산 라이브']);
  assert.deepEqual(await lives(`?region=${enc('경기도 성남시 분당구')}`), ['분당 라이브'], 'a two-word 시/군/구');
  assert.deepEqual(await lives(`?region=${enc('경기도 성남시')}`), [], 'a 시/군/구 matches whole');
  assert.deepEqual(await lives(`?region=${enc('제주특별자치도')}`), []);
  assert.deepEqual(await lives(`?region=${enc('서울특별시 강남구')}&status=SCHEDULED`), (await lives(`?region=${enc('서울특별시 강남구')}`)));
  assert.deepEqual(await lives(`?region=${enc('서울특별시 강남구')}&status=LIVE`), []);
  assert.equal((await lives(`?seller_id=${seller2.id}`)).length, 1);
  const one = (await api(srv, 'GET', `/api/v1/lives?region=${enc('부산 해운대구')}`)).body.items[0];
  assert.deepEqual(one.region, { sido: '부산광역시', sigungu: '해운대구' });
});

test('an invalid region is 422 INVALID_REGION', async () => {
  for (const q of ['Seoul', '서울특별', `서울 ${'가'.repeat(21)}`, 'x'.repeat(42)]) {
    const r = await api(srv, 'GET', `/api/v1/lives?region=${enc(q)}`);
    assert.equal(r.status, 422, q);
    assert.equal(r.body.error.code, 'INVALID_REGION', q);
  }
  for (const region of [{ sido: '서울' }, { sido: 'Tokyo', sigungu: '강남구' }, { sido: '서울특별시', sigungu: '' + '가'.repeat(21) }, { sido: '서울특별시', sigungu: ' 강남구' }]) {
    const r = await api(srv, 'POST', '/api/v1/lives', {
      token: seller.token, body: { title: 'Bad region', scheduled_at: iso(Date.now() + 3600e3), product_ids: [productId], region },
    });
    assert.equal(r.status, 422, JSON.stringify(region));
    assert.equal(r.body.error.code, 'INVALID_REGION', JSON.stringify(region));
  }
  assert.ok(!(await lives('')).includes('Bad region'), 'nothing scheduled');
});
