// Browser check of points: the buyer checks in on my page (the balance and the calendar's day
// show it), uses points on the buy sheet ("전액 사용": the rest goes to the sandbox gateway), pays
// an order wholly with points (no gateway: straight to the order), and charges points through
// the sandbox payment window.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, makeUser, api } from '../api/lib.mjs';
import { DESKTOP, browserSession, teardown, uiLogin, fillAddress, until } from './browser.mjs';

let srv, buyer, seller, admin, product;
const session = browserSession();
const { pageErrors } = session;
const me = async () => (await api(srv, 'GET', '/api/v1/me/points', { token: buyer.token })).body;
const give = (amount) => api(srv, 'PATCH', `/api/v1/admin/users/${buyer.id}/points`, { token: admin.token, body: { amount, reason: '이벤트 지급' } });

before(async () => {
  srv = await startServer();
  [buyer, seller, admin] = await Promise.all([makeUser(srv, 'buyer'), makeUser(srv, 'seller'), makeUser(srv, 'admin')]);
  product = (await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: '포인트 상품', price: 12000, stock: 20 } })).body;
  await session.launch();
});
after(async () => { await teardown(session, srv); });

test('check in, then use points in a checkout; an order paid with points only; charge points', async () => {
  const page = await session.newPage(DESKTOP, 'buyer');
  await uiLogin(page, srv.base, buyer);
  await page.goto(`${srv.base}/#/me`);
  await page.waitForSelector('#mp-attend:not([disabled])');
  assert.equal(await page.textContent('#mp-points-balance'), '0P');
  await page.click('#mp-attend');
  await page.waitForFunction(() => document.querySelector('#mp-points-balance').textContent === '10P');
  await page.waitForSelector('#mp-attend[disabled]');
  assert.match(await page.textContent('#mp-attend'), /오늘 출석 완료/);
  const today = (await me()).today;
  const cell = `#mp-points-day-${today}`;
  await page.waitForFunction((sel) => /✓/.test(document.querySelector(sel)?.textContent || ''), cell);
  assert.match(await page.textContent(cell), /\+10/);
  await page.click(cell);
  assert.match(await page.textContent('#mp-points-day'), /출석 체크/);

  // part points: 12,000 + 3,000 shipping = 15,000; all 5,010 points, the gateway the rest
  assert.equal((await give(5000)).status, 200);
  await page.goto(`${srv.base}/#/product/${product.id}`);
  await page.click('#buy-now');
  await page.waitForFunction(() => /5,010/.test(document.querySelector('#points-balance')?.textContent || ''));
  await fillAddress(page);
  await page.click('#points-all');
  assert.equal(await page.inputValue('#points-use'), '5010');
  assert.equal(await page.textContent('#pay-amount'), '₩9,990');
  await page.click('#checkout');
  await page.waitForURL(/\/sandbox-pg\/checkout/, { timeout: 15000 });
  assert.match(page.url(), /amount=9990/);
  await page.click('#pay');
  await page.waitForSelector('#order-complete', { timeout: 15000 });
  let orders = (await api(srv, 'GET', '/api/v1/orders', { token: buyer.token })).body.items;
  assert.equal(orders[0].status, 'PAID');
  assert.deepEqual([orders[0].amount, orders[0].points_used], [9990, 5010]);
  assert.equal((await me()).balance, 0);

  // points only: no gateway, straight to the order
  assert.equal((await give(20000)).status, 200);
  await page.goto(`${srv.base}/#/product/${product.id}`);
  await page.click('#buy-now');
  await page.waitForFunction(() => /20,000/.test(document.querySelector('#points-balance')?.textContent || ''));
  await page.click('#points-all');
  assert.equal(await page.inputValue('#points-use'), '15000');
  assert.match(await page.textContent('#pay-amount'), /포인트로 전액 결제/);
  await page.click('#checkout');
  await page.waitForURL(/#\/orders\/\d+/, { timeout: 15000 });
  orders = (await api(srv, 'GET', '/api/v1/orders', { token: buyer.token })).body.items;
  assert.equal(orders.length, 2);
  assert.deepEqual([orders[0].status, orders[0].amount, orders[0].points_used], ['PAID', 0, 15000]);
  assert.equal((await me()).balance, 5000);

  // charge 3,000 points through the sandbox payment window
  await page.goto(`${srv.base}/#/me`);
  await page.waitForSelector('#mp-charge-amount');
  await page.fill('#mp-charge-amount', '3000');
  await page.click('#mp-charge');
  await page.waitForURL(/\/sandbox-pg\/checkout/, { timeout: 15000 });
  await page.click('#pay');
  await page.waitForSelector('#charge-complete', { timeout: 15000 });
  assert.equal(await page.textContent('#charge-balance'), '8,000P');
  await until('the balance', async () => (await me()).balance === 8000);
  await page.reload(); // a reload of the result page credits nothing twice
  await page.waitForSelector('#charge-complete', { timeout: 15000 });
  assert.equal((await me()).balance, 8000);
  assert.deepEqual(pageErrors, [], 'no page errors, no CSP violation');
});
