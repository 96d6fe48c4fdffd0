// Browser checks of reviews and the wishlist: a buyer with a delivered order writes a photo review
// from the order page and sees it (stars, text, photo, summary) on the product page; the seller
// answers it there; the photo review's points show on my page; the heart on the product page wishes the product and it shows on my page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, makeUser, payOrder } from '../api/lib.mjs';
import { makePng } from '../api/fixtures.mjs';
import { DESKTOP, ADDRESS, browserSession, uiLogin as login, teardown, until } from './browser.mjs';

const { address2: _, ...ADDR } = ADDRESS;
let srv, seller, buyer, product, order;
const session = browserSession();
const { pageErrors } = session;
const newPage = (name) => session.newPage(DESKTOP, name, { acceptDialogs: true });
const uiLogin = (page, u) => login(page, srv.base, u);

before(async () => {
  srv = await startServer();
  [seller, buyer] = await Promise.all([makeUser(srv, 'seller', '후기상점'), makeUser(srv, 'buyer', '김후기')]);
  product = (await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: '유기농 딸기', price: 12000, stock: 10 } })).body;
  const o = (await api(srv, 'POST', '/api/v1/orders', { token: buyer.token, body: { items: [{ product_id: product.id, quantity: 1 }], shipping_address: ADDR } })).body;
  order = await payOrder(srv, buyer, o);
  assert.equal((await api(srv, 'POST', `/api/v1/seller/orders/${order.id}/ship`, { token: seller.token, body: { carrier: 'CJ대한통운', tracking_number: '1111' } })).status, 200);
  assert.equal((await api(srv, 'POST', `/api/v1/seller/orders/${order.id}/deliver`, { token: seller.token, body: {} })).status, 200);
  await session.launch();
});
after(() => teardown(session, srv));

test('a buyer writes a photo review of a delivered item and sees it on the product page; the seller replies', async () => {
  const line = order.lines[0].line_id;
  const page = await newPage('buyer');
  await uiLogin(page, buyer);
  await page.goto(`${srv.base}/#/orders/${order.id}`);
  await page.click(`#review-line-${line}`);
  await page.waitForSelector('#review-sheet');
  await page.click('#review-rating-4');
  await page.fill('#review-text', '정말 달고 싱싱해요!\n또 주문할게요');
  await page.setInputFiles('#review-photos', { name: 'berry.png', mimeType: 'image/png', buffer: makePng(16, 12) });
  await page.click('#review-submit');
  await page.waitForSelector('#review-sheet', { state: 'detached' });
  // the line has its review now: no button any more
  await until('the button to go', async () => (await page.locator(`#review-line-${line}`).count()) === 0);

  await page.goto(`${srv.base}/#/product/${product.id}`);
  await page.waitForSelector('#review-list .review');
  const item = page.locator('#review-list .review').first();
  assert.match(await item.textContent(), /정말 달고 싱싱해요/);
  assert.match(await item.textContent(), /김후기/);
  assert.equal(await item.getAttribute('data-rating'), '4');
  const src = await item.locator('img.review-photo').getAttribute('src');
  assert.match(src, /^\/media\/uploads\/[A-Za-z0-9]{32}\.png$/);
  const img = await fetch(srv.base + src);
  assert.equal(img.status, 200);
  assert.equal(await page.getAttribute('#review-count', 'data-count'), '1');
  assert.equal((await page.textContent('#review-average')).trim(), '4.0');
  assert.equal(await page.getAttribute('#review-dist-4', 'data-n'), '1');
  // the server agrees
  const listed = (await api(srv, 'GET', `/api/v1/products/${product.id}/reviews`)).body;
  assert.equal(listed.summary.count, 1);
  assert.deepEqual(listed.items[0].photos, [src]);

  // the seller answers on the product page; the buyer sees the answer
  const sp = await newPage('seller');
  await uiLogin(sp, seller);
  await sp.goto(`${srv.base}/#/product/${product.id}`);
  const rid = listed.items[0].id;
  await sp.fill(`#review-reply-text-${rid}`, '감사합니다! 다음에도 맛있는 딸기로 보내드릴게요.');
  await sp.click(`#review-reply-send-${rid}`);
  await sp.waitForSelector(`#review-reply-view-${rid}`);
  await page.reload();
  await page.waitForSelector(`#review-reply-view-${rid}`);
  assert.match(await page.textContent(`#review-reply-view-${rid}`), /감사합니다/);

  // the photo review earned the photo rate (300 points by default): my page shows the balance
  assert.equal(listed.items[0].points_paid, 300);
  await page.goto(`${srv.base}/#/me`);
  await until('the points balance', async () => /300/.test(await page.textContent('#mp-points-balance')));
  assert.deepEqual(pageErrors, []);
});

test('the heart wishes the product; it is on my page (찜한 상품) and its count follows', async () => {
  const page = await newPage('wish');
  await uiLogin(page, buyer);
  await page.goto(`${srv.base}/#/product/${product.id}`);
  await page.waitForSelector('#wish-toggle');
  assert.equal(await page.getAttribute('#wish-toggle', 'aria-pressed'), 'false');
  await page.click('#wish-toggle');
  await until('wished', async () => (await page.getAttribute('#wish-toggle', 'aria-pressed')) === 'true');
  assert.match(await page.textContent('#wish-toggle'), /1/);
  assert.equal((await api(srv, 'GET', `/api/v1/products/${product.id}`)).body.wish_count, 1);
  await page.goto(`${srv.base}/#/me`);
  await page.waitForSelector('#mp-wishlist-grid .product-card');
  assert.match(await page.textContent('#mp-wishlist-grid'), /유기농 딸기/);
  assert.equal(await page.getAttribute(`#mp-wishlist-grid #wish-card-${product.id}`, 'aria-pressed'), 'true');
  // the home page's card shows the heart on too
  await page.goto(`${srv.base}/#/`);
  await until('card heart', async () => (await page.getAttribute(`#wish-card-${product.id}`, 'aria-pressed')) === 'true');
  assert.deepEqual(pageErrors, []);
});
