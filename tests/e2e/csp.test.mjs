// The web client's Content-Security-Policy is enforced by the browser: the app renders with no
// violation, while injected inline script and a framing attempt are blocked (and reported, which is
// how the other browser tests notice any violation of the app itself).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../api/lib.mjs';
import { PHONE, browserSession, teardown, until } from './browser.mjs';

let srv;
const session = browserSession();
const { pageErrors } = session;

before(async () => {
  srv = await startServer({ args: ['--demo'] });
  await session.launch();
});
after(() => teardown(session, srv));

test('the app renders under its CSP with no violation; injected inline script is blocked and reported', async () => {
  const page = await session.newPage(PHONE, 'csp');
  const res = await page.goto(`${srv.base}/`);
  assert.match(res.headers()['content-security-policy'], /default-src 'self'/);
  await page.waitForSelector('#app a, #app button', { timeout: 15000 });
  await page.waitForLoadState('networkidle');
  assert.deepEqual(pageErrors, [], 'no CSP violation while the app renders');
  const ran = await page.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'window.__injected = 1';
    document.head.appendChild(s);
    return window.__injected === 1;
  });
  assert.equal(ran, false, 'inline script does not run');
  await until('the violation report', () => pageErrors.some((e) => /Content Security Policy/.test(e)), 5000, 100);
  pageErrors.length = 0;
});
