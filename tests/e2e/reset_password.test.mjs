// Browser check of the password reset: "reset password" from the login page, the link from the mail
// caught by the test SMTP server, a new password set on #/reset/confirm, then signing in with it
// (and the old one refused). Also checks the "keep me signed in" box: unticked keeps the refresh
// token out of localStorage.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, makeUser } from '../api/lib.mjs';
import { startSmtp } from '../api/smtp.mjs';
import { DESKTOP, browserSession, teardown } from './browser.mjs';

let srv, smtp, buyer;
const session = browserSession();
const { pageErrors } = session;

before(async () => {
  smtp = await startSmtp();
  srv = await startServer({ env: { BROADCART_SMTP_URL: smtp.url } });
  buyer = await makeUser(srv, 'buyer');
  await session.launch();
});
after(async () => { await teardown(session, srv); await smtp?.stop(); });

test('reset a password from the mailed link and sign in with the new one', async () => {
  const page = await session.newPage(DESKTOP, 'buyer');
  await page.goto(`${srv.base}/#/login`);
  await page.click('#link-reset');
  await page.fill('#reset-email', buyer.email);
  await page.click('#reset-submit');
  await page.waitForSelector('#reset-sent:not([hidden])');
  const mail = await smtp.waitFor((m) => (m.headers.to || '').includes(buyer.email) && /reset\/confirm/.test(m.body));
  const link = /(https?:\/\/\S+#\/reset\/confirm\?token=[A-Za-z0-9_-]+)/.exec(mail.body)[1];
  const token = link.slice(link.indexOf('#'));
  await page.goto(`${srv.base}/${token}`);
  await page.fill('#reset-password', 'BrandNew123');
  await page.click('#reset-confirm-submit');
  await page.waitForSelector('#reset-done:not([hidden])');
  // the link is single use
  const again = await api(srv, 'POST', '/api/v1/auth/password/reset', { body: { token: token.split('token=')[1], password: 'Another123' } });
  assert.equal(again.body.error.code, 'LINK_INVALID');

  await page.click('#reset-login');
  await page.waitForSelector('#login-email');
  await page.fill('#login-email', buyer.email);
  await page.fill('#login-password', buyer.password);
  await page.click('#login-submit');
  await page.waitForSelector('#auth-error:not([hidden])');
  await page.fill('#login-password', 'BrandNew123');
  await page.uncheck('#login-remember');
  await page.click('#login-submit');
  await page.waitForFunction(() => !location.hash.startsWith('#/login'));
  const stored = await page.evaluate(() => ({ local: localStorage.getItem('bc.refresh'), session: sessionStorage.getItem('bc.refresh') }));
  assert.equal(stored.local, null);
  assert.ok(stored.session && stored.session.length === 48);
  assert.deepEqual(pageErrors, []);
});
