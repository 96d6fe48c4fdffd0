// Browser check of product options as SKUs: the seller builds a 사이즈 × 색상 grid in the studio's
// options editor and sets stock and a price difference per SKU; the buyer picks size and colour on
// the product page (a sold-out value is disabled, the price follows the SKU), buys it on the buy
// sheet and pays in the sandbox window; the order line carries the SKU and its label, only that
// SKU's stock went down; the cart shows the option label.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, makeUser, api } from '../api/lib.mjs';
import { DESKTOP, browserSession, teardown, uiLogin, fillAddress, until } from './browser.mjs';

let srv, buyer, seller, product;
const session = browserSession();
const { pageErrors } = session;

before(async () => {
  srv = await startServer();
  buyer = await makeUser(srv, 'buyer');
  seller = await makeUser(srv, 'seller', 'SKU Shop');
  await api(srv, 'PUT', '/api/v1/seller/shipping', { token: seller.token, body: { shipping_fee: 3000, free_shipping_over: 100000 } });
  product = (await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: '옵션 후드티', price: 30000, stock: 5 } })).body;
  await session.launch();
});
after(async () => { await teardown(session, srv); });

const sku = async (...opts) => (await api(srv, 'GET', `/api/v1/products/${product.id}`)).body.skus.find((k) => k.options.join('|') === opts.join('|'));

test('the studio options editor builds the grid; stock and price difference per SKU', async () => {
  const page = await session.newPage(DESKTOP, 'seller');
  await uiLogin(page, srv.base, seller);
  await page.goto(`${srv.base}/#/studio/products`);
  await page.click(`#options-${product.id}`);
  await page.click('#opt-group-add');
  await page.fill('#opt-group-name-0', '사이즈');
  await page.fill('#opt-group-values-0', 'S, M, L');
  await page.click('#opt-group-add');
  await page.fill('#opt-group-name-1', '색상');
  await page.fill('#opt-group-values-1', '블랙, 화이트');
  await page.click('#options-save');
  await page.waitForSelector('#sku-grid');
  assert.equal(await page.locator('#sku-grid tbody tr').count(), 6);
  const mb = await sku('M', '블랙'), mw = await sku('M', '화이트'), sb = await sku('S', '블랙');
  assert.ok(mb && mw && sb);
  await page.fill(`#sku-stock-${mb.id}`, '3');
  await page.fill(`#sku-delta-${mb.id}`, '2000');
  await page.fill(`#sku-stock-${sb.id}`, '4');
  // M / 화이트 stays at 0: sold out on the product page
  assert.match(await page.textContent(`#sku-price-${mb.id}`), /32,000/);
  await page.click('#skus-save');
  await until('the SKUs saved', async () => (await sku('M', '블랙')).stock === 3 && (await sku('S', '블랙')).stock === 4);
  assert.equal((await sku('M', '블랙')).price, 32000);
  await page.waitForSelector('#sku-total');
  assert.match(await page.textContent('#sku-total'), /7/);
  // the ledger has the SKU's set
  const l = (await api(srv, 'GET', `/api/v1/seller/products/${product.id}/stock-ledger`, { token: seller.token })).body.items;
  assert.ok(l.some((x) => x.sku_id === mb.id && x.delta === 3 && x.balance_after === 3));
  assert.deepEqual(pageErrors, [], 'no uncaught page errors');
});

test('pick size and colour on the product page, the price changes, buy it; the cart shows the option', async () => {
  const mb = await sku('M', '블랙'), sb = await sku('S', '블랙');
  const page = await session.newPage(DESKTOP, 'buyer');
  await uiLogin(page, srv.base, buyer);
  await page.goto(`${srv.base}/#/product/${product.id}`);
  await page.waitForSelector('#opt-picker');
  assert.match(await page.textContent('#product-price'), /30,000/);
  // 사이즈 M (index 1), then 색상: 화이트 (index 1) is sold out for M, 블랙 (index 0) is not
  await page.click('#opt-0-1');
  assert.equal(await page.isDisabled('#opt-1-1'), true, 'M / 화이트 has no stock');
  assert.equal(await page.isDisabled('#opt-1-0'), false);
  // L has no stock in any colour
  assert.equal(await page.isDisabled('#opt-0-2'), true);
  await page.click('#opt-1-0');
  await until('the price follows the SKU', async () => /32,000/.test(await page.textContent('#product-price')));
  assert.match(await page.textContent('#product-stock'), /3/);
  assert.match(await page.textContent('#opt-chosen'), /M \/ 블랙/);

  // into the cart too (another SKU), then buy M / 블랙 now
  await page.click('#opt-0-0'); // S (블랙 stays chosen)
  await until('S / 블랙', async () => /30,000/.test(await page.textContent('#product-price')));
  await page.click('#add-to-cart');
  await until('in the cart', async () => ((await api(srv, 'GET', '/api/v1/cart', { token: buyer.token })).body.lines || []).length === 1);
  const c = (await api(srv, 'GET', '/api/v1/cart', { token: buyer.token })).body;
  assert.deepEqual([c.lines[0].sku_id, c.lines[0].option_label], [sb.id, 'S / 블랙']);

  await page.click('#opt-0-1'); // M / 블랙 again
  await until('M / 블랙', async () => /32,000/.test(await page.textContent('#product-price')));
  await page.click('#buy-now');
  await page.waitForSelector('#sheet-opt-picker');
  assert.match(await page.textContent('#sheet-price'), /32,000/);
  assert.match(await page.textContent('#sheet-opt-chosen'), /M \/ 블랙/);
  assert.match(await page.textContent('#buy-total'), /35,000/); // 32,000 + 3,000 shipping
  await fillAddress(page);
  await page.click('#checkout');
  await page.waitForURL(/\/sandbox-pg\/checkout/, { timeout: 15000 });
  const orderId = new URL(page.url()).searchParams.get('orderId');
  await page.click('#pay');
  await page.waitForSelector('#order-complete', { timeout: 20000 });
  const order = (await api(srv, 'GET', '/api/v1/orders', { token: buyer.token })).body.items.find((o) => o.order_id === orderId);
  assert.equal(order.status, 'PAID');
  assert.deepEqual([order.lines[0].sku_id, order.lines[0].option_label, order.lines[0].unit_price, order.amount], [mb.id, 'M / 블랙', 32000, 35000]);
  assert.equal((await sku('M', '블랙')).stock, 2, 'only the SKU bought went down');
  assert.equal((await sku('S', '블랙')).stock, 4);

  // the cart page shows the option label of its line
  await page.goto(`${srv.base}/#/cart`);
  await page.waitForSelector('.cart-line .option-label');
  assert.match(await page.textContent('.cart-line .option-label'), /S \/ 블랙/);
  assert.deepEqual(pageErrors, [], 'no uncaught page errors');
});
