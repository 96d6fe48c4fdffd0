// Browser check of one checkout spending a coupon and points together: the buy sheet takes the
// coupon's discount first and the points on what is left, shows the amount to pay, the sandbox
// window charges only that, and the order records the three parts; a cancel gives both back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, makeUser, api } from '../api/lib.mjs';
import { DESKTOP, browserSession, teardown, uiLogin, fillAddress } from './browser.mjs';

let srv, buyer, seller, admin, product, coupon;
const session = browserSession();
const { pageErrors } = session;

before(async () => {
  srv = await startServer();
  [buyer, seller, admin] = await Promise.all([makeUser(srv, 'buyer'), makeUser(srv, 'seller'), makeUser(srv, 'admin')]);
  await api(srv, 'PUT', '/api/v1/seller/shipping', { token: seller.token, body: { shipping_fee: 3000, free_shipping_over: 100000 } });
  product = (await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: '쿠폰과 포인트', price: 40000, stock: 20 } })).body;
  coupon = (await api(srv, 'POST', '/api/v1/seller/coupons', { token: seller.token, body: {
    name: '2천원 할인', scope: 'product', product_id: product.id, kind: 'fixed', value: 2000,
    ends_at: new Date(Date.now() + 86400000).toISOString() } })).body;
  assert.equal((await api(srv, 'POST', `/api/v1/coupons/${coupon.id}/claim`, { token: buyer.token })).status, 201);
  const adj = await api(srv, 'PATCH', `/api/v1/admin/users/${buyer.id}/points`, { token: admin.token, body: { amount: 7000, reason: '이벤트 적립' } });
  assert.equal(adj.status, 200, JSON.stringify(adj.body));
  await session.launch();
});
after(async () => { await teardown(session, srv); });

test('a coupon and points in one checkout: 40,000 + 3,000 - 2,000 coupon - 5,000 points = 36,000 to pay', async () => {
  const mine = (await api(srv, 'GET', '/api/v1/me/coupons', { token: buyer.token })).body.items;
  const page = await session.newPage(DESKTOP, 'buyer');
  await uiLogin(page, srv.base, buyer);
  await page.goto(`${srv.base}/#/product/${product.id}`);
  await page.click('#buy-now');
  await page.waitForSelector('#coupon-field:not([hidden])');
  await page.selectOption('#coupon-select', String(mine[0].id));
  await page.waitForSelector('#buy-discount');
  await page.waitForSelector('#points-all:not([disabled])');
  await page.fill('#points-use', '5000');
  await page.dispatchEvent('#points-use', 'change');
  await page.waitForSelector('#pay-amount');
  assert.match(await page.textContent('#buy-total'), /41,000/);
  assert.match(await page.textContent('#points-discount'), /5,000/);
  assert.match(await page.textContent('#pay-amount'), /36,000/);
  await fillAddress(page);
  await page.click('#checkout');
  await page.waitForURL(/\/sandbox-pg\/checkout/, { timeout: 15000 });
  const url = new URL(page.url());
  assert.equal(url.searchParams.get('amount'), '36000', 'the gateway is asked for the rest only');
  await page.click('#pay');
  await page.waitForSelector('#order-complete', { timeout: 20000 });
  const order = (await api(srv, 'GET', '/api/v1/orders', { token: buyer.token })).body.items.find((o) => o.order_id === url.searchParams.get('orderId'));
  assert.equal(order.status, 'PAID');
  assert.deepEqual([order.subtotal, order.shipping_fee, order.coupon_discount, order.points_used, order.amount], [40000, 3000, 2000, 5000, 36000]);
  assert.equal((await api(srv, 'GET', '/api/v1/me/points', { token: buyer.token })).body.balance, 2000);
  // a cancel gives the coupon and the points back
  const c = await api(srv, 'POST', `/api/v1/orders/${order.id}/cancel`, { token: buyer.token, body: { reason: '단순 변심' } });
  assert.equal(c.status, 200, JSON.stringify(c.body));
  assert.equal((await api(srv, 'GET', '/api/v1/me/points', { token: buyer.token })).body.balance, 7000);
  const usable = (await api(srv, 'GET', '/api/v1/me/coupons', { token: buyer.token })).body.items;
  assert.equal(usable.length, 1, 'the coupon is usable again');
  assert.deepEqual(pageErrors, []);
});
