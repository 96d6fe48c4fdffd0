// Browser check of the admin's user list (#/admin/users): the admin finds a buyer by e-mail, a
// block without a reason is refused in the page, a block with a reason applies (the row shows it),
// the blocked buyer's login page shows "이용이 제한된 계정입니다" with that reason, and unblocking
// lets them in again. Also the way between the admin pages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, makeUser, api } from '../api/lib.mjs';
import { DESKTOP, browserSession, teardown, uiLogin } from './browser.mjs';

let srv, buyer, admin;
const session = browserSession();
const { pageErrors } = session;

before(async () => {
  srv = await startServer();
  buyer = await makeUser(srv, 'buyer', '제한될 구매자');
  admin = await makeUser(srv, 'admin');
  await session.launch();
});
after(async () => { await teardown(session, srv); });

test('the admin blocks a user with a reason from #/admin/users; the user is told why; unblock restores', async () => {
  const page = await session.newPage(DESKTOP, 'admin');
  await uiLogin(page, srv.base, admin);
  await page.goto(`${srv.base}/#/admin/sellers`);
  await page.click('#adm-nav-adminUsers');
  await page.waitForSelector('body[data-route="adminUsers"]');
  await page.fill('#adu-q', buyer.email);
  await page.click('#adu-find');
  const row = page.locator(`.adu-user[data-id="${buyer.id}"]`);
  await row.waitFor();
  assert.equal(await page.locator('.adu-user').count(), 1, 'the search found exactly the buyer');
  assert.equal(await row.getAttribute('data-state'), 'active');

  await row.locator('.adu-block').click();
  await row.locator('.adu-block-confirm').click();
  await row.locator('.form-error:not([hidden])').waitFor();
  assert.equal((await api(srv, 'POST', '/api/v1/auth/login', { body: { email: buyer.email, password: buyer.password } })).status, 200,
    'a block without a reason was not sent');

  const reason = '주문 후 반복적으로 수령을 거부했습니다';
  await row.locator('.adu-reason').fill(reason);
  await row.locator('.adu-block-confirm').click();
  const blocked = page.locator(`.adu-user[data-id="${buyer.id}"][data-state="blocked"]`);
  await blocked.waitFor();
  assert.match(await blocked.locator('.adu-blocked-reason').textContent(), new RegExp(reason));

  // the buyer's own login page shows the block and the reason
  const user = await session.newPage(DESKTOP, 'buyer');
  await user.goto(`${srv.base}/#/login`);
  await user.fill('#login-email', buyer.email);
  await user.fill('#login-password', buyer.password);
  await user.click('#login-submit');
  await user.waitForSelector('.form-error:not([hidden])');
  const shown = await user.textContent('.form-error:not([hidden])');
  assert.match(shown, /이용이 제한된 계정입니다/);
  assert.ok(shown.includes(reason), shown);

  // unblock from the list: the buyer signs in again
  await blocked.locator('.adu-unblock').click();
  await page.locator(`.adu-user[data-id="${buyer.id}"][data-state="active"]`).waitFor();
  await uiLogin(user, srv.base, buyer);

  // and back to the seller applications
  await page.click('#adm-nav-adminSellers');
  await page.waitForSelector('body[data-route="adminSellers"]');
  assert.deepEqual(pageErrors, []);
});

test("a seller's store page and a buyer deleting their account from my page", async () => {
  const seller = await makeUser(srv, 'seller', '뜨개 상점');
  const p = await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: '손뜨개 목도리', price: 29000, stock: 3 } });
  assert.equal(p.status, 201);
  const leaver = await makeUser(srv, 'buyer', '떠나는 구매자');
  const page = await session.newPage(DESKTOP, 'leaver');
  await uiLogin(page, srv.base, leaver);
  await page.goto(`${srv.base}/#/product/${p.body.id}`);
  await page.click('#product-seller-link');
  await page.waitForSelector(`#store[data-id="${seller.id}"]`);
  await page.locator('#store-products .product-card', { hasText: '손뜨개 목도리' }).waitFor();
  await page.click('#store-follow');
  await page.waitForFunction(() => /1/.test(document.querySelector('#store-followers').textContent));

  await page.goto(`${srv.base}/#/me`);
  await page.waitForSelector('#mp-delete-warning');
  await page.fill('#mp-delete-password', 'Wrong-passw0rd');
  await page.check('#mp-delete-confirm');
  await page.click('#mp-delete-submit');
  await page.waitForSelector('#mp-delete-error:not([hidden])');
  await page.fill('#mp-delete-password', leaver.password);
  await page.click('#mp-delete-submit');
  await page.waitForSelector('body[data-route="home"]');
  await page.waitForSelector('#nav-login');
  assert.equal((await api(srv, 'POST', '/api/v1/auth/login', { body: { email: leaver.email, password: leaver.password } })).status, 401);
  assert.deepEqual(pageErrors, []);
});
