// Browser checks of the per-seller order page: the buyer cancels one item and then the whole order
// from "my orders" (refunded at the gateway, shown on the page); seller A ships their part of a
// two-seller order with a tracking number in the studio (without seeing seller B's item) and the
// buyer sees A's tracking on A's part while B's part is still being prepared.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, makeUser } from '../api/lib.mjs';
import { DESKTOP as DESKTOP_800, ADDRESS, browserSession, uiLogin as login, teardown, until } from './browser.mjs';

const DESKTOP = { ...DESKTOP_800, viewport: { width: 1280, height: 900 } };
const { address2: _, ...ADDR } = ADDRESS;
const SECRET = 'test_sk_orders_parts_e2e';

let srv, sellerA, sellerB, buyer, pA, pA2, pB;
const session = browserSession();
const { pageErrors } = session;
const newPage = (name) => session.newPage(DESKTOP, name, { acceptDialogs: true });
const uiLogin = (page, u) => login(page, srv.base, u);

async function paidOrder(items) {
  const o = (await api(srv, 'POST', '/api/v1/orders', { token: buyer.token, body: { items, shipping_address: ADDR } })).body;
  const sb = await api(srv, 'POST', '/sandbox-pg/v1/sandbox/payments', { body: { orderId: o.order_id, amount: o.amount, orderName: o.order_name } });
  const paid = await api(srv, 'POST', '/api/v1/payments/confirm', { token: buyer.token, body: { payment_key: sb.body.paymentKey, order_id: o.order_id, amount: o.amount } });
  assert.equal(paid.body.status, 'PAID', JSON.stringify(paid.body));
  return paid.body;
}
async function gatewayCancels(paymentKey) {
  const res = await fetch(`${srv.base}/sandbox-pg/v1/payments/${encodeURIComponent(paymentKey)}`, {
    headers: { authorization: 'Basic ' + Buffer.from(SECRET + ':').toString('base64') },
  });
  return ((await res.json()).cancels || []).map((c) => c.cancelAmount);
}
const getOrder = async (id) => (await api(srv, 'GET', `/api/v1/orders/${id}`, { token: buyer.token })).body;

before(async () => {
  srv = await startServer({ env: { BROADCART_TOSS_SECRET_KEY: SECRET } });
  [sellerA, sellerB, buyer] = await Promise.all([makeUser(srv, 'seller', 'A상점'), makeUser(srv, 'seller', 'B상점'), makeUser(srv, 'buyer')]);
  const mk = async (u, body) => (await api(srv, 'POST', '/api/v1/products', { token: u.token, body })).body;
  pA = await mk(sellerA, { name: '사과 한 상자', price: 10000, stock: 10 });
  pA2 = await mk(sellerA, { name: '포도 한 송이', price: 7000, stock: 10 });
  pB = await mk(sellerB, { name: '비밀의 배', price: 20000, stock: 10 });
  await session.launch();
});
after(() => teardown(session, srv));

test('my orders: cancel one item, then the whole order; refunds shown and made once at the gateway', async () => {
  const o = await paidOrder([{ product_id: pA.id, quantity: 1 }, { product_id: pA2.id, quantity: 1 }]);
  const grape = o.lines.find((l) => l.product_id === pA2.id);
  const page = await newPage('buyer');
  await uiLogin(page, buyer);
  await page.goto(`${srv.base}/#/orders/${o.id}`);
  await page.click(`#cancel-line-${grape.line_id}`);
  await page.waitForSelector(`#line-${grape.line_id}.canceled`);
  await page.waitForSelector('#order-refunded');
  assert.match(await page.textContent('#order-refunded'), /7,000/);
  assert.deepEqual(await gatewayCancels(o.payment_key), [7000]);
  // one open line left: no per-line cancel any more, the whole-order cancel remains
  assert.equal(await page.locator('[id^="cancel-line-"]').count(), 0);
  await page.click('#cancel-order');
  await page.waitForSelector('#order-detail .badge.status-canceled');
  await until('order canceled', async () => (await getOrder(o.id)).status === 'CANCELED');
  assert.equal(o.amount, 17000 + 3000);
  assert.match(await page.textContent('#order-refunded'), /20,000/);
  assert.deepEqual(await gatewayCancels(o.payment_key), [7000, 13000], 'the rest, once');
  assert.equal(await page.locator('#cancel-order').count(), 0);
  assert.deepEqual(pageErrors, []);
});

test('seller A ships their part with a tracking number; the buyer sees it on A\'s part, B\'s part still preparing', async () => {
  const o = await paidOrder([{ product_id: pA.id, quantity: 1 }, { product_id: pB.id, quantity: 1 }]);
  const sA = o.shipments.find((s) => s.seller_id === sellerA.id), sB = o.shipments.find((s) => s.seller_id === sellerB.id);
  // the buyer has the shop open while the seller ships: the notification arrives live
  const bpage = await newPage('buyer');
  await uiLogin(bpage, buyer);
  await bpage.goto(`${srv.base}/#/orders`);
  const spage = await newPage('sellerA');
  await uiLogin(spage, sellerA);
  await spage.goto(`${srv.base}/#/studio/orders`);
  await spage.waitForSelector(`#ship-${o.id}`);
  const row = await spage.textContent(`#seller-order-${o.id}`);
  assert.ok(row.includes('사과 한 상자'));
  assert.ok(!row.includes('비밀의 배'), 'seller A does not see seller B\'s item');
  assert.match(row, /13,000/, 'A sees the amount of A\'s part');
  await spage.fill(`#carrier-${o.id}`, 'CJ대한통운');
  await spage.fill(`#tracking-${o.id}`, 'A-5555-0001');
  await spage.click(`#ship-${o.id}`);
  await spage.waitForSelector(`#deliver-${o.id}`);

  const toast = bpage.locator('.toast-notice[data-kind="shipment.SHIPPING"]', { hasText: o.order_id });
  await toast.waitFor({ timeout: 10000 });
  assert.equal(await toast.getAttribute('href'), `#/orders/${o.id}`);
  await bpage.goto(`${srv.base}/#/orders/${o.id}`);
  await bpage.waitForSelector(`#shipment-tracking-${sA.id}`);
  assert.match(await bpage.textContent(`#shipment-tracking-${sA.id}`), /CJ대한통운.*A-5555-0001/);
  assert.equal(await bpage.getAttribute(`#shipment-${sA.id}`, 'data-status'), 'SHIPPING');
  assert.equal(await bpage.getAttribute(`#shipment-${sB.id}`, 'data-status'), 'PAID');
  assert.equal(await bpage.locator(`#shipment-tracking-${sB.id}`).count(), 0);
  // the buyer can still cancel B's part (A's is on its way): refund of B's part only
  await bpage.click(`#cancel-part-${sB.id}`);
  await bpage.waitForFunction((id) => document.querySelector(`#shipment-${id}`)?.dataset.status === 'CANCELED', sB.id);
  assert.equal(await bpage.locator(`#cancel-part-${sA.id}`).count(), 0, 'a shipped part cannot be canceled');
  assert.deepEqual(await gatewayCancels(o.payment_key), [23000]);
  const b = await getOrder(o.id);
  assert.equal(b.status, 'SHIPPING');
  assert.equal(b.refunded, 23000);
  assert.deepEqual(pageErrors, []);
});

test('a prepared part: the buyer asks to cancel, the seller approves it in the studio; refunded once', async () => {
  const o = await paidOrder([{ product_id: pA.id, quantity: 2 }]);
  const spage = await newPage('sellerA');
  await uiLogin(spage, sellerA);
  await spage.goto(`${srv.base}/#/studio/orders`);
  await spage.click(`#prepare-${o.id}`);
  await until('preparing', async () => (await getOrder(o.id)).status === 'PREPARING');

  const bpage = await newPage('buyer');
  await uiLogin(bpage, buyer);
  await bpage.goto(`${srv.base}/#/orders/${o.id}`);
  assert.equal(await bpage.locator('#cancel-order').count(), 0, 'no whole-order cancel once preparing');
  await bpage.click(`#cancel-part-${o.shipments[0].id}`);
  await bpage.waitForFunction((id) => document.querySelector(`#shipment-${id}`)?.dataset.status === 'CANCEL_REQUESTED', o.shipments[0].id);
  assert.deepEqual(await gatewayCancels(o.payment_key), [], 'a request refunds nothing');

  await spage.reload();
  await spage.click(`#approve-cancel-${o.id}`);
  await until('canceled', async () => (await getOrder(o.id)).status === 'CANCELED');
  assert.deepEqual(await gatewayCancels(o.payment_key), [o.amount]);
  await bpage.reload();
  await bpage.waitForSelector('#order-refunded');
  assert.match(await bpage.textContent('#order-history'), /취소 요청/);
  assert.deepEqual(pageErrors, []);
});
