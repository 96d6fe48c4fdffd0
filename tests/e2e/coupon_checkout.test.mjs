// Browser check of coupons: on the product page the buyer downloads a coupon from the "쿠폰 받기"
// chip, picks it on the buy sheet (the sheet shows the quoted discount and the lower total), pays
// in the sandbox window, and the result page and the order show the discount in the paid amount.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, makeUser, api } from '../api/lib.mjs';
import { DESKTOP, browserSession, teardown, uiLogin, fillAddress } from './browser.mjs';

let srv, buyer, seller, product, coupon;
const session = browserSession();
const { pageErrors } = session;

before(async () => {
  srv = await startServer();
  buyer = await makeUser(srv, 'buyer');
  seller = await makeUser(srv, 'seller');
  await api(srv, 'PUT', '/api/v1/seller/shipping', { token: seller.token, body: { shipping_fee: 3000, free_shipping_over: 100000 } });
  product = (await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: '쿠폰 상품', price: 40000, stock: 20 } })).body;
  coupon = (await api(srv, 'POST', '/api/v1/seller/coupons', { token: seller.token, body: {
    name: '첫 구매 10%', scope: 'product', product_id: product.id, kind: 'percent', value: 10, max_discount: 3000,
    ends_at: new Date(Date.now() + 86400000).toISOString(), quantity: 5 } })).body;
  assert.ok(coupon.id);
  await session.launch();
});
after(async () => { await teardown(session, srv); });

test('download a coupon on the product page and use it at checkout', async () => {
  const page = await session.newPage(DESKTOP, 'buyer');
  await uiLogin(page, srv.base, buyer);
  await page.goto(`${srv.base}/#/product/${product.id}`);
  await page.waitForSelector('#coupon-chip:not([hidden])');
  assert.match(await page.textContent('#coupon-chip'), /쿠폰 받기/);
  await page.click('#coupon-chip');
  await page.click(`#coupon-claim-${coupon.id}`);
  await page.waitForSelector(`#coupon-claim-${coupon.id}:disabled`);
  const mine = (await api(srv, 'GET', '/api/v1/me/coupons', { token: buyer.token })).body.items;
  assert.equal(mine.length, 1);
  assert.equal(mine[0].coupon.id, coupon.id);
  await page.click('#coupon-sheet .icon-btn');

  // the buy sheet: 40,000 + 3,000 shipping, 10% capped at 3,000 -> 40,000
  await page.click('#buy-now');
  await page.waitForSelector('#coupon-field:not([hidden])');
  await page.selectOption('#coupon-select', String(mine[0].id));
  await page.waitForSelector('#buy-discount');
  assert.match(await page.textContent('#buy-discount'), /3,000/);
  assert.match(await page.textContent('#buy-total'), /40,000/);
  assert.match(await page.textContent('#coupon-note'), /3,000/);
  await fillAddress(page);
  await page.click('#checkout');
  await page.waitForURL(/\/sandbox-pg\/checkout/, { timeout: 15000 });
  const orderId = new URL(page.url()).searchParams.get('orderId');
  await page.click('#pay');
  await page.waitForSelector('#order-complete', { timeout: 20000 });
  assert.match(await page.textContent('#paid-discount'), /3,000/);
  assert.match(await page.textContent('#paid-amount'), /40,000/);
  const order = (await api(srv, 'GET', '/api/v1/orders', { token: buyer.token })).body.items.find((o) => o.order_id === orderId);
  assert.equal(order.status, 'PAID');
  assert.deepEqual([order.subtotal, order.shipping_fee, order.coupon_discount, order.amount], [40000, 3000, 3000, 40000]);
  const used = (await api(srv, 'GET', '/api/v1/me/coupons?state=used', { token: buyer.token })).body.items;
  assert.equal(used[0].used_order_id, order.id);

  // the order page shows it, and my page lists the coupon as used
  await page.click('#view-order');
  await page.waitForSelector('#order-coupon-discount');
  assert.match(await page.textContent('#order-coupon-discount'), /3,000/);
  await page.goto(`${srv.base}/#/me`);
  await page.click('#mp-coupons-used');
  await page.waitForSelector(`#mp-coupon-list [data-user-coupon-id="${used[0].id}"]`);
  assert.deepEqual(pageErrors, [], 'no uncaught page errors');
});

test('the studio coupons tab: create a coupon, issue it to followers, stop it', async () => {
  const fan = await makeUser(srv, 'buyer');
  assert.equal((await api(srv, 'POST', `/api/v1/sellers/${seller.id}/follow`, { token: fan.token })).status, 200);
  const page = await session.newPage(DESKTOP, 'seller');
  await uiLogin(page, srv.base, seller);
  await page.goto(`${srv.base}/#/studio/coupons`);
  await page.click('#new-coupon');
  await page.fill('#coupon-name', '팔로워 감사 쿠폰');
  await page.selectOption('#coupon-kind', 'fixed');
  await page.fill('#coupon-value', '2000');
  await page.fill('#coupon-min', '10000');
  await page.uncheck('#coupon-downloadable');
  await page.click('#coupon-create');
  await page.waitForSelector('#seller-coupons');
  const made = (await api(srv, 'GET', '/api/v1/seller/coupons', { token: seller.token })).body.items.find((c) => c.name === '팔로워 감사 쿠폰');
  assert.deepEqual([made.scope, made.kind, made.value, made.min_order, made.downloadable], ['seller', 'fixed', 2000, 10000, false]);
  await page.click(`#coupon-issue-${made.id}`);
  await page.waitForFunction(() => /1명/.test(document.body.textContent));
  const got = (await api(srv, 'GET', '/api/v1/me/coupons', { token: fan.token })).body.items;
  assert.deepEqual(got.map((u) => [u.coupon.id, u.source]), [[made.id, 'followers']]);
  await page.click(`#coupon-stop-${made.id}`);
  await page.waitForSelector(`#coupon-stop-${made.id}`, { state: 'detached' });
  assert.equal((await api(srv, 'GET', '/api/v1/seller/coupons', { token: seller.token })).body.items.find((c) => c.id === made.id).status, 'DISABLED');
  assert.deepEqual(pageErrors, [], 'no uncaught page errors');
});
