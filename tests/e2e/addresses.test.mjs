// Browser check of the address book: on my page a buyer adds an address by hand when the postcode
// search cannot load (the note says so), adds another through the search (a stand-in widget
// served for its script URL: the tests have no internet), edits, moves the default and deletes;
// then checks out from the buy sheet and from the cart picking book addresses, and the orders ship
// to them. The page's CSP lets the widget's script in (a violation would be a page error).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, makeUser, api } from '../api/lib.mjs';
import { DESKTOP, browserSession, teardown, uiLogin } from './browser.mjs';

let srv, buyer, seller, product;
const session = browserSession();
const { pageErrors } = session;
let widget = 'down'; // what the postcode script URL answers: 'down' (network error) or 'stub'

// A stand-in for the postcode widget: the loader's daum.postcode.load and a Postcode whose embed()
// picks one address at once.
const STUB = `window.daum = window.daum || {};
window.daum.postcode = { load(cb) { setTimeout(cb, 10); } };
window.daum.Postcode = function (o) { this.o = o; };
window.daum.Postcode.prototype.embed = function (el) {
  var o = this.o; setTimeout(function () { o.oncomplete({ zonecode: '06164', roadAddress: '서울 강남구 테헤란로 521', address: '' }); }, 50);
};`;

before(async () => {
  srv = await startServer();
  buyer = await makeUser(srv, 'buyer');
  seller = await makeUser(srv, 'seller');
  product = (await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: '주소록 상품', price: 12000, stock: 20 } })).body;
  await session.launch();
});
after(async () => { await teardown(session, srv); });

const book = async () => (await api(srv, 'GET', '/api/v1/me/addresses', { token: buyer.token })).body.items;

test('my page address book, then checkout picking a book address', async () => {
  const page = await session.newPage(DESKTOP, 'buyer', {
    prepare: (ctx) => ctx.route('https://t1.daumcdn.net/**', (route) => (widget === 'stub'
      ? route.fulfill({ status: 200, contentType: 'text/javascript', body: STUB })
      : route.abort('internetdisconnected'))),
  });
  await uiLogin(page, srv.base, buyer);
  await page.goto(`${srv.base}/#/me`);
  await page.waitForSelector('#mp-addr-list');
  assert.match(await page.textContent('#mp-addr-list'), /저장된 배송지가 없습니다/);

  // 1. by hand: the search cannot load, a note says so
  await page.click('#mp-addr-add');
  await page.fill('#mpa-label', '집');
  await page.fill('#mpa-recipient', '김주소');
  await page.fill('#mpa-phone', '010-2222-3333');
  await page.click('#mpa-find-postcode');
  await page.waitForSelector('#mpa-postcode-note:not([hidden])');
  assert.match(await page.textContent('#mpa-postcode-note'), /직접 입력/);
  await page.fill('#mpa-postcode', '06236');
  await page.fill('#mpa-address1', '서울 강남구 테헤란로 1');
  await page.click('#mp-addr-save');
  await page.waitForSelector('#mp-addr-list .addr-item');
  let items = await book();
  assert.equal(items.length, 1);
  assert.equal(items[0].is_default, true);
  const home = items[0];
  await page.waitForSelector(`#mp-addr-default-${home.id}`);

  // 2. through the search (the stand-in widget fills postcode and street)
  widget = 'stub';
  await page.click('#mp-addr-add');
  await page.fill('#mpa-label', '회사');
  await page.fill('#mpa-recipient', '김회사');
  await page.fill('#mpa-phone', '02-555-0101');
  await page.click('#mpa-find-postcode');
  await page.waitForFunction(() => document.querySelector('#mpa-postcode').value === '06164');
  assert.equal(await page.inputValue('#mpa-address1'), '서울 강남구 테헤란로 521');
  await page.fill('#mpa-address2', '7층');
  await page.click('#mp-addr-save');
  await page.waitForFunction(() => document.querySelectorAll('#mp-addr-list .addr-item').length === 2);
  items = await book();
  const office = items.find((a) => a.label === '회사');
  assert.deepEqual([office.postcode, office.address1, office.address2, office.is_default], ['06164', '서울 강남구 테헤란로 521', '7층', false]);

  // 3. edit, move the default
  await page.click(`#mp-addr-edit-${home.id}`);
  await page.fill('#mpa-label', '우리집');
  await page.click('#mp-addr-save');
  await page.waitForFunction((id) => /우리집/.test(document.querySelector(`#mp-addr-${id}`)?.textContent || ''), home.id);
  await page.click(`#mp-addr-make-default-${office.id}`);
  await page.waitForSelector(`#mp-addr-default-${office.id}`);
  items = await book();
  assert.deepEqual(items.filter((a) => a.is_default).map((a) => a.id), [office.id]);

  // 4. the buy sheet: the default is preselected, the buyer picks the other one
  await page.goto(`${srv.base}/#/product/${product.id}`);
  await page.click('#buy-now');
  await page.waitForSelector(`#addr-choice-${office.id}:checked`);
  assert.ok(await page.isHidden('#ship-recipient'), 'the typed form waits behind "new address"');
  await page.check(`#addr-choice-${home.id}`);
  await page.click('#checkout');
  await page.waitForURL(/\/sandbox-pg\/checkout/, { timeout: 15000 });
  let orders = (await api(srv, 'GET', '/api/v1/orders', { token: buyer.token })).body.items;
  assert.equal(orders.length, 1);
  assert.equal(orders[0].shipping_address.recipient, '김주소');
  assert.equal(orders[0].shipping_address.address1, '서울 강남구 테헤란로 1');

  // 5. the cart's checkout with the default
  await api(srv, 'PUT', `/api/v1/cart/items/${product.id}`, { token: buyer.token, body: { quantity: 2 } });
  await page.goto(`${srv.base}/#/checkout`);
  await page.waitForSelector(`#addr-choice-${office.id}:checked`);
  await page.click('#checkout');
  await page.waitForURL(/\/sandbox-pg\/checkout/, { timeout: 15000 });
  orders = (await api(srv, 'GET', '/api/v1/orders', { token: buyer.token })).body.items;
  assert.equal(orders.length, 2);
  assert.equal(orders[0].shipping_address.recipient, '김회사');
  assert.equal(orders[0].shipping_address.address2, '7층');

  // 6. delete the default on my page: the other one becomes the default
  await page.goto(`${srv.base}/#/me`);
  await page.click(`#mp-addr-delete-${office.id}`);
  await page.waitForSelector(`#mp-addr-${office.id}`, { state: 'detached' });
  await page.waitForSelector(`#mp-addr-default-${home.id}`);
  assert.deepEqual((await book()).map((a) => [a.id, a.is_default]), [[home.id, true]]);
  assert.deepEqual(pageErrors, [], 'no page errors, no CSP violation');
});
