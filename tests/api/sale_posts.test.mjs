// Sale posts (posts.h): a seller's posts bundle their own products with a title, body, images and
// a region; CRUD with its checks, drafts only for their seller, the public list by seller and
// region, and lives scheduled with posts: the live's products come from the posts (plus the
// given ones), one post on two lives, the post page listing the lives, deletion refused then.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, makeUser } from './lib.mjs';
import { makePng } from './fixtures.mjs';

let srv, seller, other, buyer;
const iso = (ms) => new Date(ms).toISOString();
const product = async (who, name, price = 10000, stock = 5) => {
  const r = await api(srv, 'POST', '/api/v1/products', { token: who.token, body: { name, price, stock } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
};
const upload = async (who) => {
  const r = await api(srv, 'POST', '/api/v1/media/images', { token: who.token, raw: makePng(6, 4), headers: { 'content-type': 'image/png' } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.url;
};
const createPost = async (body, who = seller) => api(srv, 'POST', '/api/v1/seller/sale-posts', { token: who.token, body });

before(async () => {
  srv = await startServer();
  [seller, other, buyer] = await Promise.all([makeUser(srv, 'seller', 'Post Shop'), makeUser(srv, 'seller', 'Other Shop'), makeUser(srv, 'buyer')]);
});
after(async () => { if (srv) await srv.stop(); });

test('a seller writes, reads, edits and deletes a sale post of their own products', async () => {
  const [a, b] = [await product(seller, 'Apple box'), await product(seller, 'Pear box', 15000)];
  const img = await upload(seller);
  let r = await createPost({
    title: '제철 과일 세트', body: '아침에 딴 과일입니다.\n산지 직송.', images: [img], product_ids: [b.id, a.id, b.id],
    region: { sido: '서울특별시', sigungu: '강남구' },
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const p = r.body;
  assert.equal(p.title, '제철 과일 세트');
  assert.equal(p.status, 'DRAFT', 'a draft by default');
  assert.equal(p.published_at, null);
  assert.deepEqual(p.product_ids, [b.id, a.id], 'in order, duplicates once');
  assert.deepEqual(p.products.map((x) => x.id), [b.id, a.id]);
  assert.deepEqual(p.images, [img]);
  assert.equal(p.image_url, img);
  assert.deepEqual(p.region, { sido: '서울특별시', sigungu: '강남구' });
  assert.equal(p.seller_name, 'Post Shop');
  assert.deepEqual(p.lives, []);
  // a draft is its seller's only
  assert.equal((await api(srv, 'GET', `/api/v1/sale-posts/${p.id}`)).status, 404);
  assert.equal((await api(srv, 'GET', `/api/v1/sale-posts/${p.id}`, { token: other.token })).status, 404);
  assert.equal((await api(srv, 'GET', `/api/v1/sale-posts/${p.id}`, { token: seller.token })).status, 200);
  assert.equal((await api(srv, 'GET', `/api/v1/seller/sale-posts/${p.id}`, { token: other.token })).status, 404);
  assert.ok(!(await api(srv, 'GET', '/api/v1/sale-posts')).body.items.some((x) => x.id === p.id), 'drafts are not listed');
  // publish, edit
  r = await api(srv, 'PATCH', `/api/v1/seller/sale-posts/${p.id}`, { token: seller.token, body: { status: 'PUBLISHED', title: '제철 과일 세트 (한정)', product_ids: [a.id], region: null } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.status, 'PUBLISHED');
  assert.ok(r.body.published_at);
  assert.equal(r.body.title, '제철 과일 세트 (한정)');
  assert.equal(r.body.body, '아침에 딴 과일입니다.\n산지 직송.', 'untouched fields stay');
  assert.deepEqual(r.body.product_ids, [a.id]);
  assert.equal(r.body.region, null);
  r = await api(srv, 'GET', `/api/v1/sale-posts/${p.id}`);
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.products.map((x) => x.name), ['Apple box']);
  const own = await api(srv, 'GET', '/api/v1/seller/sale-posts', { token: seller.token });
  assert.equal(own.status, 200);
  assert.ok(own.body.items.some((x) => x.id === p.id));
  assert.equal((await api(srv, 'GET', '/api/v1/seller/sale-posts', { token: other.token })).body.total, 0);
  // only its seller edits or deletes it
  assert.equal((await api(srv, 'PATCH', `/api/v1/seller/sale-posts/${p.id}`, { token: other.token, body: { title: 'mine' } })).status, 404);
  assert.equal((await api(srv, 'DELETE', `/api/v1/seller/sale-posts/${p.id}`, { token: other.token })).status, 404);
  assert.equal((await api(srv, 'POST', '/api/v1/seller/sale-posts', { token: buyer.token, body: { title: 'x', product_ids: [a.id] } })).status, 403);
  assert.equal((await api(srv, 'DELETE', `/api/v1/seller/sale-posts/${p.id}`, { token: seller.token })).status, 204);
  assert.equal((await api(srv, 'GET', `/api/v1/sale-posts/${p.id}`)).status, 404);
});

test('a post takes only the seller\'s own products, their own uploads and a real region', async () => {
  const mine = await product(seller, 'Mine');
  const theirs = await product(other, 'Theirs');
  const theirImg = await upload(other);
  const before_ = (await api(srv, 'GET', '/api/v1/seller/sale-posts', { token: seller.token })).body.total;
  for (const [body, status, code, what] of [
    [{ title: 'x', product_ids: [theirs.id] }, 422, 'INVALID_PRODUCT', "another seller's product"],
    [{ title: 'x', product_ids: [mine.id, theirs.id] }, 422, 'INVALID_PRODUCT', 'one of them not mine'],
    [{ title: 'x', product_ids: [99999999] }, 422, 'INVALID_PRODUCT', 'no such product'],
    [{ title: 'x', product_ids: [] }, 422, 'VALIDATION_FAILED', 'no product'],
    [{ title: 'x' }, 422, 'VALIDATION_FAILED', 'products missing'],
    [{ title: '   ', product_ids: [mine.id] }, 422, 'VALIDATION_FAILED', 'blank title'],
    [{ title: 'x'.repeat(101), product_ids: [mine.id] }, 422, 'VALIDATION_FAILED', 'long title'],
    [{ title: 'x', body: 'y'.repeat(5001), product_ids: [mine.id] }, 422, 'VALIDATION_FAILED', 'long body'],
    [{ title: 'x', product_ids: Array.from({ length: 21 }, (_, i) => i + 1) }, 422, 'VALIDATION_FAILED', '21 products'],
    [{ title: 'x', product_ids: [mine.id], images: [theirImg] }, 422, 'VALIDATION_FAILED', "another's upload"],
    [{ title: 'x', product_ids: [mine.id], images: ['https://evil.example/a.png'] }, 422, 'VALIDATION_FAILED', 'external image'],
    [{ title: 'x', product_ids: [mine.id], images: Array(11).fill(theirImg) }, 422, 'VALIDATION_FAILED', '11 images'],
    [{ title: 'x', product_ids: [mine.id], region: { sido: 'Seoul' } }, 422, 'INVALID_REGION', 'not a 시/도'],
    [{ title: 'x', product_ids: [mine.id], region: { sido: '서울특별시', sigungu: '가'.repeat(21) } }, 422, 'INVALID_REGION', 'long 시/군/구'],
    [{ title: 'x', product_ids: [mine.id], status: 'OPEN' }, 422, 'VALIDATION_FAILED', 'unknown status'],
  ]) {
    const r = await createPost(body);
    assert.equal(r.status, status, `${what}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.error.code, code, what);
  }
  assert.equal((await api(srv, 'GET', '/api/v1/seller/sale-posts', { token: seller.token })).body.total, before_, 'bad input changes nothing');
  const ok = await createPost({ title: 'ok', product_ids: [mine.id] });
  assert.equal(ok.status, 201);
  const r = await api(srv, 'PATCH', `/api/v1/seller/sale-posts/${ok.body.id}`, { token: seller.token, body: { product_ids: [theirs.id] } });
  assert.equal(r.status, 422);
  assert.equal(r.body.error.code, 'INVALID_PRODUCT');
  assert.deepEqual((await api(srv, 'GET', `/api/v1/seller/sale-posts/${ok.body.id}`, { token: seller.token })).body.product_ids, [mine.id]);
});

test('the public list: published posts by seller and region, newest first', async () => {
  const s2 = await makeUser(srv, 'seller', 'Region Shop');
  const pr = await product(s2, 'Region item');
  const mk = async (title, region, status = 'PUBLISHED') => {
    const r = await createPost({ title, product_ids: [pr.id], region, status }, s2);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body;
  };
  const gangnam = await mk('강남 1', { sido: '서울특별시', sigungu: '강남구' });
  const mapo = await mk('마포', { sido: '서울특별시', sigungu: '마포구' });
  const busan = await mk('부산', { sido: '부산광역시', sigungu: '해운대구' });
  await mk('초안', { sido: '서울특별시', sigungu: '강남구' }, 'DRAFT');
  const closed = await mk('마감', { sido: '서울특별시', sigungu: '강남구' }, 'CLOSED');
  const list = async (q) => {
    const r = await api(srv, 'GET', `/api/v1/sale-posts?seller_id=${s2.id}${q}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body;
  };
  assert.deepEqual((await list('')).items.map((x) => x.title), ['부산', '마포', '강남 1']);
  assert.equal((await list('')).total, 3);
  assert.deepEqual((await list(`&region_sido=${encodeURIComponent('서울특별시')}`)).items.map((x) => x.id), [mapo.id, gangnam.id]);
  assert.deepEqual((await list(`&region_sido=${encodeURIComponent('서울')}&region_sigungu=${encodeURIComponent('강남구')}`)).items.map((x) => x.id), [gangnam.id]);
  assert.deepEqual((await list(`&region_sido=${encodeURIComponent('부산광역시')}`)).items.map((x) => x.id), [busan.id]);
  assert.deepEqual((await list('&per_page=2&page=2')).items.map((x) => x.id), [gangnam.id]);
  const item = (await list('')).items[0];
  assert.deepEqual(item.product_ids, [pr.id]);
  assert.equal(item.products, undefined, 'the list carries ids, not products');
  // a closed post is still readable by its id, not listed
  assert.equal((await api(srv, 'GET', `/api/v1/sale-posts/${closed.id}`)).body.status, 'CLOSED');
  assert.deepEqual((await list(`&region_sigungu=${encodeURIComponent('해운대구')}`)).items.map((x) => x.id), [busan.id], 'a 시/군/구 alone');
  for (const q of ['region_sido=Seoul', `region_sigungu=${encodeURIComponent('가'.repeat(21))}`, `region_sigungu=${encodeURIComponent(' 강남구')}`]) {
    const r = await api(srv, 'GET', `/api/v1/sale-posts?${q}`);
    assert.equal(r.status, 422, q);
    assert.equal(r.body.error.code, 'INVALID_REGION', q);
  }
});

test('lives scheduled with sale posts: their products, one post on two lives, the post page lists them', async () => {
  const [a, b, c, d] = [await product(seller, 'Live A'), await product(seller, 'Live B'), await product(seller, 'Live C'), await product(seller, 'Live D')];
  const p1 = (await createPost({ title: 'Post one', product_ids: [a.id, b.id], status: 'PUBLISHED', region: { sido: '경기도', sigungu: '성남시 분당구' } })).body;
  const p2 = (await createPost({ title: 'Post two', product_ids: [b.id, c.id], status: 'PUBLISHED' })).body;
  const schedule = (body, who = seller) => api(srv, 'POST', '/api/v1/lives', {
    token: who.token, body: { title: 'With posts', scheduled_at: iso(Date.now() + 3600e3), ...body },
  });
  let r = await schedule({ sale_post_ids: [p1.id, p2.id], product_ids: [d.id, a.id] });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const l1 = r.body;
  assert.deepEqual(l1.products.map((x) => x.id), [a.id, b.id, c.id, d.id], "the posts' products in order, then the given ones, each once");
  assert.deepEqual(l1.sale_posts.map((x) => x.id), [p1.id, p2.id]);
  assert.equal(l1.sale_posts[0].title, 'Post one');
  assert.deepEqual(l1.sale_posts[0].region, { sido: '경기도', sigungu: '성남시 분당구' });
  r = await schedule({ title: 'Second live', sale_post_ids: [p1.id] });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const l2 = r.body;
  assert.deepEqual(l2.products.map((x) => x.id), [a.id, b.id], 'only the post: no product_ids needed');
  // GET /lives/{id} shows them; the post shows both lives
  const g = await api(srv, 'GET', `/api/v1/lives/${l2.id}`);
  assert.deepEqual(g.body.sale_posts.map((x) => x.id), [p1.id]);
  const page = await api(srv, 'GET', `/api/v1/sale-posts/${p1.id}`);
  assert.deepEqual(page.body.lives.map((x) => x.id), [l2.id, l1.id]);
  assert.equal(page.body.lives[0].status, 'SCHEDULED');
  assert.ok(page.body.lives[0].scheduled_at.endsWith('Z'));
  // a live's products can be bought through it (the live carries them)
  const offer = await api(srv, 'PUT', `/api/v1/lives/${l2.id}/products/${b.id}/offer`, { token: seller.token, body: { live_price: 9000 } });
  assert.equal(offer.status, 200, JSON.stringify(offer.body));
  // a post used by a live cannot be deleted; closing it works, and a closed post schedules nothing
  r = await api(srv, 'DELETE', `/api/v1/seller/sale-posts/${p1.id}`, { token: seller.token });
  assert.equal(r.status, 409);
  assert.equal(r.body.error.code, 'SALE_POST_IN_USE');
  assert.equal((await api(srv, 'PATCH', `/api/v1/seller/sale-posts/${p1.id}`, { token: seller.token, body: { status: 'CLOSED' } })).status, 200);
  const livesBefore = (await api(srv, 'GET', '/api/v1/seller/lives', { token: seller.token })).body.items.length;
  for (const [body, who, code, what] of [
    [{ sale_post_ids: [p1.id] }, seller, 'INVALID_SALE_POST', 'a closed post'],
    [{ sale_post_ids: [p2.id] }, other, 'INVALID_SALE_POST', "another seller's post"],
    [{ sale_post_ids: [99999999] }, seller, 'INVALID_SALE_POST', 'no such post'],
    [{ sale_post_ids: [p2.id], product_ids: [(await product(other, 'Not yours')).id] }, seller, 'INVALID_PRODUCT', "another seller's product"],
    [{}, seller, 'VALIDATION_FAILED', 'neither posts nor products'],
  ]) {
    r = await schedule(body, who);
    assert.equal(r.status, 422, `${what}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.error.code, code, what);
  }
  assert.equal((await api(srv, 'GET', '/api/v1/seller/lives', { token: seller.token })).body.items.length, livesBefore, 'nothing scheduled');
  // a product deleted since is left out of a new live
  assert.equal((await api(srv, 'DELETE', `/api/v1/products/${c.id}`, { token: seller.token })).status, 204);
  r = await schedule({ sale_post_ids: [p2.id] });
  assert.equal(r.status, 201);
  assert.deepEqual(r.body.products.map((x) => x.id), [b.id]);
});
