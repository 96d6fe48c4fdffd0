// Browser check of the seller application: a buyer applies on #/seller/apply (a wrong business
// number first, then a valid one), the admin approves it on #/admin/sellers, and the applicant's
// page shows the approval with the way into the studio, which opens for them; the new seller edits
// the shop profile on my page and the public store page shows it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, makeUser } from '../api/lib.mjs';
import { DESKTOP, browserSession, teardown, uiLogin } from './browser.mjs';

let srv, buyer, admin;
const session = browserSession();
const { pageErrors } = session;

before(async () => {
  srv = await startServer();
  buyer = await makeUser(srv, 'buyer');
  admin = await makeUser(srv, 'admin');
  await session.launch();
});
after(async () => { await teardown(session, srv); });

test('a buyer applies as a seller, the admin approves, the studio opens', async () => {
  const page = await session.newPage(DESKTOP, 'applicant');
  await uiLogin(page, srv.base, buyer);
  await page.goto(`${srv.base}/#/me`);
  await page.click('#mp-seller-apply');
  const fill = { shop_name: '뜨개상점', business_number: '123-45-67890', representative: '박대표', contact_phone: '010-2222-3333',
    contact_email: 'knit@example.com', bank_name: '국민은행', bank_account: '123456-01-234567', account_holder: '박대표' };
  for (const [k, v] of Object.entries(fill)) await page.fill(`#sa-${k}`, v);
  await page.click('#sa-submit');
  await page.waitForSelector('#sa-error:not([hidden])');
  assert.match(await page.textContent('#sa-error'), /사업자등록번호/);
  await page.fill('#sa-business_number', '123-45-67891'); // 1 is the check digit of 123456789
  await page.click('#sa-submit');
  await page.waitForSelector('#sa-status[data-status="PENDING"]');

  const adminPage = await session.newPage(DESKTOP, 'admin');
  await uiLogin(adminPage, srv.base, admin);
  await adminPage.click('#user-menu');
  await adminPage.click('#nav-admin');
  const card = adminPage.locator('.adm-app', { hasText: '뜨개상점' });
  await card.waitFor();
  assert.match(await card.textContent(), /1234567891/);
  await card.locator('.adm-approve').click();
  await adminPage.waitForSelector('.adm-app:has-text("뜨개상점")', { state: 'detached' });

  await page.reload();
  await page.waitForSelector('#sa-status[data-status="APPROVED"]');
  await page.click('#sa-studio');
  await page.waitForSelector('body[data-route="lives"]');
  await page.waitForTimeout(500);
  assert.doesNotMatch(await page.textContent('#app'), /판매자 계정만 이용할 수 있습니다/, 'the studio opened for the new seller');

  // the new seller edits the shop profile on my page; the public store page shows it
  await page.goto(`${srv.base}/#/me`);
  await page.waitForSelector('#shop-name');
  assert.equal(await page.inputValue('#shop-name'), '뜨개상점', 'the approved shop name is the profile\'s');
  await page.fill('#shop-name', '뜨개상점 본점');
  await page.fill('#shop-intro', '손뜨개 니트를 라이브로 팝니다');
  await page.fill('#shop-policy', '3만원 이상 무료배송');
  await page.click('#shop-save');
  await page.waitForSelector('#shop-saved:not([hidden])');
  await page.click('#shop-view');
  await page.waitForSelector('#store-name');
  assert.equal(await page.textContent('#store-name'), '뜨개상점 본점');
  assert.match(await page.textContent('#store-intro'), /손뜨개 니트/);
  assert.match(await page.textContent('#store-shipping'), /무료배송/);
  assert.deepEqual(pageErrors, []);
});
