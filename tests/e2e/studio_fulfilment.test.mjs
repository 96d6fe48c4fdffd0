// Browser checks of the studio additions: a product image uploaded from the product form (preview,
// refused file shown as an error, URL saved with the product), and order fulfilment (ship form for
// a PAID order, delivered button, tracking shown on the buyer's order page).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, makeUser } from '../api/lib.mjs';
import { makePng } from '../api/fixtures.mjs';
import { DESKTOP as DESKTOP_800, ADDRESS, browserSession, uiLogin as login, teardown } from './browser.mjs';

const DESKTOP = { ...DESKTOP_800, viewport: { width: 1280, height: 900 } };
const { address2: _, ...ADDR } = ADDRESS; // no second address line

let srv, seller, buyer;
const session = browserSession();
const { pageErrors } = session;
// dialogs (confirm()) are accepted in these tests, not recorded as page errors
const newPage = (name) => session.newPage(DESKTOP, name, { acceptDialogs: true });
const uiLogin = (page, u) => login(page, srv.base, u);

before(async () => {
  srv = await startServer();
  [seller, buyer] = await Promise.all([makeUser(srv, 'seller', 'UI Shop'), makeUser(srv, 'buyer')]);
  await session.launch();
});
after(() => teardown(session, srv));

test('studio product form: upload an image (preview, errors) and save it with the product', async () => {
  const page = await newPage('seller');
  await uiLogin(page, seller);
  await page.goto(`${srv.base}/#/studio/products`);
  await page.click('#new-product');
  await page.fill('#product-name', '업로드 테스트 상품');
  await page.fill('#product-price', '12000');
  await page.fill('#product-stock', '5');

  // a text file claiming to be a PNG: refused by the server, error shown, nothing added
  await page.setInputFiles('#product-image-file', { name: 'fake.png', mimeType: 'image/png', buffer: Buffer.from('not an image at all') });
  await page.waitForSelector('#image-error:not([hidden])');
  assert.match(await page.textContent('#image-error'), /JPEG, PNG, WebP/);
  assert.equal(await page.locator('#product-images img').count(), 0);

  await page.setInputFiles('#product-image-file', { name: 'real.png', mimeType: 'image/png', buffer: makePng(40, 30) });
  await page.waitForSelector('#product-images img');
  const src = await page.getAttribute('#product-images img', 'src');
  assert.match(src, /^\/media\/uploads\/[A-Za-z0-9]{32}\.png$/);
  await page.waitForFunction(() => { const i = document.querySelector('#product-images img'); return i && i.complete && i.naturalWidth === 40; });
  assert.equal(await page.isHidden('#image-error'), true, 'the error is cleared by a good upload');

  await page.click('#product-save');
  await page.waitForSelector('#seller-products');
  const list = (await api(srv, 'GET', '/api/v1/seller/products', { token: seller.token })).body.items;
  const p = list.find((x) => x.name === '업로드 테스트 상품');
  assert.ok(p, 'saved');
  assert.deepEqual(p.images, [src]);
  assert.equal(p.image_url, src);
  await page.context().close();
});

test('studio orders: ship a PAID order, then mark it delivered; the buyer sees the tracking number', async () => {
  const prod = (await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: '발송 테스트', price: 30000, stock: 5 } })).body;
  const o = (await api(srv, 'POST', '/api/v1/orders', { token: buyer.token, body: { items: [{ product_id: prod.id, quantity: 1 }], shipping_address: ADDR } })).body;
  const sb = await api(srv, 'POST', '/sandbox-pg/v1/sandbox/payments', { body: { orderId: o.order_id, amount: o.amount, orderName: o.order_name } });
  const paid = await api(srv, 'POST', '/api/v1/payments/confirm', { token: buyer.token, body: { payment_key: sb.body.paymentKey, order_id: o.order_id, amount: o.amount } });
  assert.equal(paid.body.status, 'PAID');

  const page = await newPage('seller');
  await uiLogin(page, seller);
  await page.goto(`${srv.base}/#/studio/orders`);
  await page.waitForSelector(`#ship-${o.id}`);
  // empty fields are caught in the browser
  await page.click(`#ship-${o.id}`);
  await page.waitForSelector(`#seller-order-${o.id} .form-error:not([hidden])`);
  await page.fill(`#carrier-${o.id}`, 'CJ대한통운');
  await page.fill(`#tracking-${o.id}`, '1234-5678-9012');
  await page.click(`#ship-${o.id}`);
  await page.waitForSelector(`#deliver-${o.id}`);
  assert.match(await page.textContent(`#seller-order-${o.id}`), /1234-5678-9012/);
  assert.equal((await api(srv, 'GET', `/api/v1/orders/${o.id}`, { token: buyer.token })).body.status, 'SHIPPING');

  const bpage = await newPage('buyer');
  await uiLogin(bpage, buyer);
  const sid = o.shipments[0].id;
  await bpage.goto(`${srv.base}/#/orders/${o.id}`);
  await bpage.waitForSelector(`#shipment-tracking-${sid}`);
  assert.match(await bpage.textContent(`#shipment-tracking-${sid}`), /CJ대한통운.*1234-5678-9012/);
  assert.equal(await bpage.locator('#cancel-order').count(), 0, 'no cancel button once shipped');

  await page.click(`#deliver-${o.id}`);
  await page.waitForFunction((id) => !document.querySelector(`#deliver-${id}`) && document.querySelector(`#seller-order-${id}`), o.id);
  assert.equal((await api(srv, 'GET', `/api/v1/orders/${o.id}`, { token: buyer.token })).body.status, 'DELIVERED');
  await bpage.reload();
  await bpage.waitForSelector(`#shipment-${sid} .ship-step.done:nth-child(3)`);
  assert.deepEqual(pageErrors, []);
});
