// Browser check of local lives and search: a buyer whose default address is in 강남구 sees the
// 강남구 live in the "우리동네 라이브" tab of the home page and not the 부산 one; the search page's
// price filter narrows the results (and the URL keeps it); the sale post page shows its products
// and the live that used it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, makeUser } from '../api/lib.mjs';
import { DESKTOP, ADDRESS, browserSession, uiLogin, teardown, until } from './browser.mjs';

let srv, seller, buyer;
const session = browserSession();
const { pageErrors } = session;
const iso = (ms) => new Date(ms).toISOString();

before(async () => {
  srv = await startServer();
  [seller, buyer] = await Promise.all([makeUser(srv, 'seller', 'Local Shop'), makeUser(srv, 'buyer')]);
  await session.launch();
});
after(async () => teardown(session, srv));

const product = async (name, price) => (await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name, price, stock: 5 } })).body;

test('우리동네 라이브: the lives of the default address\'s region only', async () => {
  const p = await product('동네 귤', 9000);
  const mk = async (title, region) => {
    const r = await api(srv, 'POST', '/api/v1/lives', { token: seller.token, body: { title, scheduled_at: iso(Date.now() + 3600e3), product_ids: [p.id], region } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body;
  };
  const gangnam = await mk('강남 동네 방송', { sido: '서울특별시', sigungu: '강남구' });
  const busan = await mk('부산 동네 방송', { sido: '부산광역시', sigungu: '해운대구' });
  const mapo = await mk('마포 동네 방송', { sido: '서울특별시', sigungu: '마포구' });
  // the buyer's default address: 서울특별시 강남구 테헤란로 123 (another, non-default one in 부산)
  assert.equal((await api(srv, 'POST', '/api/v1/me/addresses', { token: buyer.token, body: { label: '집', ...ADDRESS } })).status, 201);
  assert.equal((await api(srv, 'POST', '/api/v1/me/addresses', { token: buyer.token, body: { label: '본가', ...ADDRESS, address1: '부산광역시 해운대구 해운대로 1' } })).status, 201);

  const page = await session.newPage(DESKTOP, 'buyer');
  await uiLogin(page, srv.base, buyer);
  await page.goto(`${srv.base}/#/`);
  await page.waitForSelector('#lives-tab-local');
  // the all-lives tab shows all three
  await until('all lives', async () => (await page.locator(`a[href="#/live/${busan.id}"]`).count()) > 0);
  await page.click('#lives-tab-local');
  await page.waitForSelector('#local-lives');
  assert.equal(await page.getAttribute('#local-lives', 'data-region'), '서울특별시 강남구');
  await until('the 강남구 live', async () => (await page.locator(`#local-lives a[href="#/live/${gangnam.id}"]`).count()) === 1);
  assert.equal(await page.locator(`#local-lives a[href="#/live/${busan.id}"]`).count(), 0, 'not the 부산 one');
  assert.equal(await page.locator(`#local-lives a[href="#/live/${mapo.id}"]`).count(), 0, 'nor another 구');
  assert.match(await page.textContent('#local-lives'), /서울특별시 강남구/);

  // English
  await page.click('#lang-toggle');
  await page.waitForSelector('#lives-tab-local');
  assert.match(await page.textContent('#lives-tab-local'), /Local lives/);
  await page.click('#lang-toggle');
  assert.deepEqual(pageErrors, []);
});

test('the search page\'s price filter, and a sale post page with its products and live', async () => {
  for (const [name, price] of [['가격필터 소', 3000], ['가격필터 중', 15000], ['가격필터 대', 60000]]) await product(name, price);
  const page = await session.newPage(DESKTOP, 'search');
  await page.goto(`${srv.base}/#/search?q=${encodeURIComponent('가격필터')}`);
  await page.waitForSelector('#search-results .product-card');
  await until('three results', async () => (await page.locator('#search-results .product-card').count()) === 3);
  await page.fill('#search-min', '10000');
  await page.fill('#search-max', '20000');
  await page.click('#search-apply');
  await until('one result', async () => (await page.locator('#search-results .product-card').count()) === 1);
  assert.match(await page.textContent('#search-results'), /가격필터 중/);
  assert.match(page.url(), /min=10000/);
  assert.match(page.url(), /max=20000/);
  await page.selectOption('#search-sort', 'price_desc');
  await page.fill('#search-min', '');
  await page.click('#search-apply');
  await until('without the lower bound: two, dearest first', async () => (await page.locator('#search-results .product-card').count()) === 2);
  const order = await page.$$eval('#search-results .product-card .name', (els) => els.map((e) => e.textContent));
  assert.deepEqual(order, ['가격필터 중', '가격필터 소']);

  // a sale post page
  const p = await product('게시글 상품', 7000);
  const post = (await api(srv, 'POST', '/api/v1/seller/sale-posts', { token: seller.token, body: { title: '동네 장터', body: '오늘만 판매합니다', product_ids: [p.id], status: 'PUBLISHED', region: { sido: '서울특별시', sigungu: '강남구' } } })).body;
  const live = (await api(srv, 'POST', '/api/v1/lives', { token: seller.token, body: { title: '장터 라이브', scheduled_at: iso(Date.now() + 7200e3), sale_post_ids: [post.id] } })).body;
  assert.deepEqual(live.products.map((x) => x.id), [p.id]);
  await page.goto(`${srv.base}/#/posts/${post.id}`);
  await page.waitForSelector('#sale-post');
  assert.equal(await page.textContent('#post-title'), '동네 장터');
  assert.match(await page.textContent('#post-region'), /서울특별시 강남구/);
  await page.waitForSelector(`#post-buy-${p.id}`);
  await page.waitForSelector(`#post-live-${live.id}`);
  assert.deepEqual(pageErrors, []);
});

test('the studio: write a sale post, then schedule a live with it', async () => {
  const p = await product('스튜디오 게시글 상품', 12000);
  const page = await session.newPage(DESKTOP, 'seller', { acceptDialogs: true });
  await uiLogin(page, srv.base, seller);
  await page.goto(`${srv.base}/#/studio/posts`);
  await page.click('#new-post');
  await page.waitForSelector('#post-form');
  await page.fill('#post-title', '스튜디오 장터');
  await page.fill('#post-body', '두 줄\n본문');
  await page.check(`#post-product-${p.id}`);
  await page.selectOption('#post-region', '경기도');
  await page.fill('#post-sigungu', '성남시 분당구');
  await page.click('#post-save');
  await page.waitForSelector('#seller-posts');
  const mine = (await api(srv, 'GET', '/api/v1/seller/sale-posts', { token: seller.token })).body.items;
  const post = mine.find((x) => x.title === '스튜디오 장터');
  assert.ok(post, 'saved');
  assert.deepEqual(post.region, { sido: '경기도', sigungu: '성남시 분당구' });
  assert.deepEqual(post.product_ids, [p.id]);
  assert.equal(post.status, 'PUBLISHED');

  await page.goto(`${srv.base}/#/studio/lives`);
  await page.click('#new-live');
  await page.waitForSelector(`#live-post-${post.id}`);
  await page.fill('#live-title', '게시글로 편성한 방송');
  await page.check(`#live-post-${post.id}`);
  await page.selectOption('#live-region', '경기도');
  await page.click('#live-save');
  await page.waitForSelector('#obs-key');
  const id = Number(page.url().split('/').pop());
  const live = (await api(srv, 'GET', `/api/v1/lives/${id}`)).body;
  assert.deepEqual(live.products.map((x) => x.id), [p.id], "the post's products");
  assert.deepEqual(live.sale_posts.map((x) => x.id), [post.id]);
  assert.deepEqual(live.region, { sido: '경기도', sigungu: null });
  assert.deepEqual(pageErrors, []);
});
