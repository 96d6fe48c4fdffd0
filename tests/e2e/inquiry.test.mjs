// Browser check of product Q&A and 1:1 inquiries (issue 10): a buyer asks a secret question on a
// product page, the seller answers it in the studio's inbox, the buyer sees the answer on the
// product page, and another buyer sees only "비밀글입니다"; then a 1:1 inquiry from the product
// page is answered by the seller from the studio, and the admin's pinned notice shows on the
// home page and the notices page; the seller's announcement shows on the store page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, makeUser, api } from '../api/lib.mjs';
import { DESKTOP, browserSession, teardown, uiLogin } from './browser.mjs';

let srv, buyer, buyer2, seller, admin, product;
const session = browserSession();
const { pageErrors } = session;

before(async () => {
  srv = await startServer();
  [buyer, buyer2, seller, admin] = await Promise.all([makeUser(srv, 'buyer', '최구매'), makeUser(srv, 'buyer'), makeUser(srv, 'seller', '니트공방'), makeUser(srv, 'admin')]);
  const r = await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: '울 니트', price: 39000, stock: 5 } });
  product = r.body;
  await session.launch();
});
after(async () => { await teardown(session, srv); });

test('a secret question: asked on the product page, answered in the studio, hidden from others', async () => {
  const page = await session.newPage(DESKTOP, 'buyer');
  await uiLogin(page, srv.base, buyer);
  await page.goto(`${srv.base}/#/product/${product.id}`);
  await page.waitForSelector('#qna-empty');
  await page.fill('#qna-body', '허리 사이즈가 궁금해요 (비밀)');
  await page.check('#qna-secret');
  await page.click('#qna-submit');
  const mine = page.locator('.qna-item[data-secret="true"]');
  await mine.waitFor();
  assert.match(await mine.textContent(), /허리 사이즈가 궁금해요/);

  const sp = await session.newPage(DESKTOP, 'seller');
  await uiLogin(sp, srv.base, seller);
  await sp.goto(`${srv.base}/#/studio/inquiries`);
  const item = sp.locator('#studio-qna-list .qna-item', { hasText: '허리 사이즈가 궁금해요' });
  await item.waitFor();
  await item.locator('.qna-answer-input').fill('허리 32인치입니다');
  await item.locator('.qna-answer-submit').click();
  // answered: it leaves the "waiting" list
  await sp.waitForSelector('#studio-qna-list .qna-item', { state: 'detached' });

  await page.reload();
  const answered = page.locator('.qna-item[data-answered="true"]');
  await answered.waitFor();
  assert.match(await answered.locator('.qna-answer-text').textContent(), /허리 32인치입니다/);

  const other = await session.newPage(DESKTOP, 'other');
  await uiLogin(other, srv.base, buyer2);
  await other.goto(`${srv.base}/#/product/${product.id}`);
  const hidden = other.locator('.qna-item[data-secret="true"]');
  await hidden.waitFor();
  assert.equal((await hidden.locator('.qna-body').textContent()).trim(), '비밀글입니다');
  assert.doesNotMatch(await other.textContent('#product-qna'), /허리/, 'neither the question nor the answer shows');
  assert.equal(await other.locator('#qna-list .qna-answer-input').count(), 0, 'no answer box for a buyer');
  assert.deepEqual(pageErrors, []);
});

test('a 1:1 inquiry from the product page is answered in the studio; notices show on home and store pages', async () => {
  const page = session.contexts[0].pages()[0];
  await page.goto(`${srv.base}/#/product/${product.id}`);
  await page.click('#product-inquiry');
  await page.waitForSelector('#inq-about-product');
  await page.selectOption('#inq-category', 'EXCHANGE_RETURN');
  await page.fill('#inq-subject', '교환 문의');
  await page.fill('#inq-body', '색상을 바꾸고 싶어요');
  await page.click('#inq-submit');
  await page.waitForSelector('#inq-detail[data-status="OPEN"]');

  const sp = session.contexts[1].pages()[0];
  await sp.goto(`${srv.base}/#/studio/inquiries`);
  await sp.reload(); // the same page as before: load it again
  await sp.locator('#studio-inquiry-list .inq-item', { hasText: '교환 문의' }).click();
  await sp.waitForSelector('#inq-detail');
  await sp.fill('#inq-reply', '네, 교환 가능합니다');
  await sp.click('#inq-reply-send');
  await sp.waitForSelector('#inq-detail[data-status="ANSWERED"]');

  await page.reload();
  await page.waitForSelector('#inq-detail[data-status="ANSWERED"]');
  assert.match(await page.textContent('#inq-thread'), /교환 가능합니다/);
  await page.click('#user-menu');
  await page.click('#nav-inquiries');
  await page.waitForSelector('#inq-list .inq-item[data-status="ANSWERED"]');

  // the admin's pinned notice on the home page and the notices page; the seller's on the store page
  await api(srv, 'POST', '/api/v1/admin/announcements', { token: admin.token, body: { title: '설 연휴 배송 안내', body: '1월 27일부터 배송이 쉽니다', pinned: true } });
  await api(srv, 'POST', '/api/v1/seller/announcements', { token: seller.token, body: { title: '신상 입고', body: '겨울 니트가 들어왔어요', pinned: true } });
  await page.goto(`${srv.base}/#/`);
  await page.waitForSelector('#home-notices:not([hidden])');
  await page.click('#home-notices .ann-title');
  await page.waitForSelector('#notice-detail');
  assert.match(await page.textContent('#notice-body'), /배송이 쉽니다/);
  await page.goto(`${srv.base}/#/sellers/${seller.id}`);
  await page.waitForSelector('#store-notices:not([hidden])');
  await page.click('#store-notices .ann-head');
  assert.match(await page.textContent('#store-notices'), /겨울 니트가 들어왔어요/);
  assert.deepEqual(pageErrors, []);
});
