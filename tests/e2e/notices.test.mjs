// Browser check of the notifications: a signed-in buyer gets a notification live (toast and the
// header's unread badge) when an order of theirs is paid and then canceled, without reloading; the
// #/notifications view lists them, and "mark all read" clears the badge.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, makeUser } from '../api/lib.mjs';
import { DESKTOP, ADDRESS, browserSession, uiLogin, teardown, until } from './browser.mjs';

let srv, seller, buyer;
const session = browserSession();
const { pageErrors } = session;

before(async () => {
  srv = await startServer();
  [seller, buyer] = await Promise.all([makeUser(srv, 'seller', 'Notice Shop'), makeUser(srv, 'buyer')]);
  await session.launch();
});
after(() => teardown(session, srv));

async function paidOrder() {
  const p = (await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: '알림 테스트 머그', price: 12000, stock: 5 } })).body;
  const o = (await api(srv, 'POST', '/api/v1/orders', { token: buyer.token, body: { items: [{ product_id: p.id, quantity: 1 }], shipping_address: ADDRESS } })).body;
  const w = await api(srv, 'POST', '/sandbox-pg/v1/sandbox/payments', { body: { orderId: o.order_id, amount: o.amount, orderName: o.order_name } });
  const c = await api(srv, 'POST', '/api/v1/payments/confirm', { token: buyer.token, body: { payment_key: w.body.paymentKey, order_id: o.order_id, amount: o.amount } });
  assert.equal(c.status, 200, JSON.stringify(c.body));
  return o;
}

test('the buyer gets the notification live: toast, badge, list, mark all read', async () => {
  const page = await session.newPage(DESKTOP, 'buyer', { acceptDialogs: true });
  await uiLogin(page, srv.base, buyer);
  await page.goto(`${srv.base}/#/`);
  assert.equal(await page.locator('#notice-badge').count(), 0, 'no badge before any notification');
  // the socket is open once the page has asked for the unread count; give it a moment to connect
  await until('the event socket', () => page.evaluate(() => performance.getEntriesByType('resource').some((e) => e.name.includes('/api/v1/notifications'))));
  await page.waitForTimeout(300);

  const o = await paidOrder();
  const toast = page.locator('.toast-notice', { hasText: o.order_id });
  await toast.waitFor({ timeout: 10000 });
  assert.equal(await toast.getAttribute('data-kind'), 'order.PAID');
  assert.equal(await toast.getAttribute('href'), `#/orders/${o.id}`);
  const unreadNow = async () => String((await api(srv, 'GET', '/api/v1/notifications', { token: buyer.token })).body.unread_count);
  await until('badge = unread count', async () => (await page.textContent('#notice-badge').catch(() => null)) === await unreadNow());

  const c = await api(srv, 'POST', `/api/v1/orders/${o.id}/cancel`, { token: buyer.token, body: {} });
  assert.equal(c.status, 200, JSON.stringify(c.body));
  await page.locator('.toast-notice[data-kind="order.CANCELED"]').waitFor({ timeout: 10000 });
  await until('badge = unread count after the cancel', async () => (await page.textContent('#notice-badge').catch(() => null)) === await unreadNow());
  assert.ok(Number(await unreadNow()) >= 2);

  await page.click('#notice-link');
  await page.waitForSelector('#notice-list');
  const kinds = await page.$$eval('#notice-list .notice-item', (els) => els.map((e) => [e.dataset.kind, e.dataset.orderId, e.classList.contains('unread')]));
  // newest first; other transitions of the order may have notified too
  assert.deepEqual(kinds.filter(([k]) => k === 'order.CANCELED' || k === 'order.PAID'), [['order.CANCELED', o.order_id, true], ['order.PAID', o.order_id, true]]);
  await page.click('#notices-read-all');
  await until('badge cleared', async () => (await page.locator('#notice-badge').count()) === 0);
  await until('items read', async () => (await page.locator('#notice-list .notice-item.unread').count()) === 0);
  const r = await api(srv, 'GET', '/api/v1/notifications', { token: buyer.token });
  assert.equal(r.body.unread_count, 0);
  assert.deepEqual(pageErrors, []);
});
