// Browser check of social sign-in: the login page shows the providers set up (Kakao yellow), Kakao's
// button goes through the sandbox's consent page and back, and the buyer is signed in with a new
// account; my page shows Kakao linked, links Google through its consent page, and unlinks it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../api/lib.mjs';
import { DESKTOP, browserSession, teardown } from './browser.mjs';

let srv;
const session = browserSession();
const { pageErrors } = session;

before(async () => {
  srv = await startServer({ env: { BROADCART_KAKAO_CLIENT_ID: 'sandbox-kakao', BROADCART_GOOGLE_CLIENT_ID: 'sandbox-google' } });
  await session.launch();
});
after(async () => { await teardown(session, srv); });

test('sign in with Kakao through the sandbox, then link and unlink Google on my page', async () => {
  const page = await session.newPage(DESKTOP, 'buyer');
  await page.goto(`${srv.base}/#/login`);
  await page.waitForSelector('#oauth-kakao');
  assert.equal(await page.locator('#oauth-naver').count(), 0, 'Naver is not set up: no button');
  const bg = await page.$eval('#oauth-kakao', (el) => getComputedStyle(el).backgroundColor);
  assert.equal(bg, 'rgb(254, 229, 0)', 'Kakao yellow');
  await page.click('#oauth-kakao');
  await page.waitForSelector('#idp-form');
  assert.match(page.url(), /\/sandbox-idp\/kakao\/kauth\/oauth\/authorize\?/);
  await page.fill('#idp-email', 'kakao.buyer@example.com');
  await page.fill('#idp-name', '카카오 구매자');
  await page.click('#idp-approve');
  await page.waitForSelector('#user-menu', { timeout: 10000 });
  assert.doesNotMatch(page.url(), /ticket=/, 'the one-time ticket left the address bar');
  const user = await page.evaluate(() => JSON.parse(localStorage.getItem('bc.user')));
  assert.equal(user.email, 'kakao.buyer@example.com');
  assert.equal(user.name, '카카오 구매자');

  await page.goto(`${srv.base}/#/me`);
  await page.waitForSelector('.mp-identity[data-provider="kakao"] #mp-unlink-kakao');
  await page.click('#mp-link-google');
  await page.waitForSelector('#idp-form');
  await page.click('#idp-approve');
  await page.waitForSelector('#mp-unlink-google');
  assert.match(await page.textContent('#mp-identities'), /Google/);
  await page.click('#mp-unlink-google');
  await page.waitForSelector('#mp-link-google');
  // the last way in cannot be removed
  await page.click('#mp-unlink-kakao');
  await page.waitForSelector('#mp-identities .form-error:not([hidden])');
  assert.match(await page.textContent('#mp-identities .form-error'), /유일한 로그인/);
  assert.deepEqual(pageErrors, []);
});
