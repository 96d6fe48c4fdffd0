// Shared setup of the browser tests: the system Chromium (never a downloaded browser), a session that
// keeps every context it opens and every page error, polling, the demo accounts, a UI login and the
// common teardown. Not a test file itself (its name matches no test pattern).
import { writeFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.BROADCART_CHROMIUM || '/usr/bin/chromium';
export const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'ko-KR' };
export const DESKTOP = { viewport: { width: 1280, height: 800 }, locale: 'ko-KR' };
// the accounts `broadcart serve --demo` seeds
export const BUYER = { email: 'buyer@broadcart.local', password: 'buyer1234' };
export const SELLER = { email: 'seller@broadcart.local', password: 'seller1234' };
export const ADDRESS = { recipient: '김구매', phone: '010-1234-5678', postcode: '06236', address1: '서울특별시 강남구 테헤란로 123', address2: '4층' };

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Polls fn until it returns a truthy value; throws with the label after timeoutMs.
export async function until(label, fn, timeoutMs = 15000, everyMs = 250) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    try { last = await fn(); if (last) return last; } catch (e) { last = e; }
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${label}${last instanceof Error ? `: ${last.message}` : ''}`);
}

// A browser session: create it at module level (so `pageErrors` can be taken from it right away),
// launch() it in before(), open pages with newPage(), and pass it to teardown() in after().
export function browserSession() {
  const session = {
    browser: null,
    contexts: [],
    pageErrors: [],
    async launch() {
      session.browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
          '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required'],
        timeout: 30000,
      });
      return session.browser;
    },
    // A page in a fresh context with `opts`. Uncaught page errors are recorded as "[name] message".
    // Dialogs are unexpected (recorded as errors, dismissed) unless acceptDialogs is set (then
    // accepted silently). prepare(ctx) runs before the page is opened (e.g. to add routes).
    async newPage(opts, name, { acceptDialogs = false, prepare } = {}) {
      const ctx = await session.browser.newContext(opts);
      ctx.setDefaultTimeout(15000);
      ctx.setDefaultNavigationTimeout(15000);
      session.contexts.push(ctx);
      if (prepare) await prepare(ctx);
      // Content-Security-Policy violations count as page errors (the server sends a strict CSP)
      await ctx.addInitScript(() => {
        document.addEventListener('securitypolicyviolation', (e) => {
          console.error(`Content Security Policy violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`);
        });
      });
      const page = await ctx.newPage();
      page.on('pageerror', (e) => session.pageErrors.push(`[${name}] ${e.message}`));
      page.on('console', (m) => {
        if (m.type() === 'error' && /Content.Security.Policy/i.test(m.text())) session.pageErrors.push(`[${name}] ${m.text()}`);
      });
      if (acceptDialogs) page.on('dialog', (d) => d.accept().catch(() => {}));
      else page.on('dialog', (d) => { session.pageErrors.push(`[${name}] unexpected dialog: ${d.message()}`); d.dismiss().catch(() => {}); });
      return page;
    },
  };
  return session;
}

// Signs in through the login form and waits for the user menu.
export async function uiLogin(page, base, { email, password }) {
  await page.goto(`${base}/#/login`);
  await page.fill('#login-email', email);
  await page.fill('#login-password', password);
  await page.click('#login-submit');
  await page.waitForSelector('#user-menu', { timeout: 10000 });
}

// Fills the checkout sheet's shipping fields with ADDRESS.
export async function fillAddress(page) {
  for (const [k, v] of Object.entries(ADDRESS)) await page.fill(`#ship-${k}`, v);
}

// Closes the session's contexts and browser, reports a server that died early, keeps the server's
// stderr in logFile (when given), stops the server (which throws on a sanitizer report) and prints
// the page errors seen.
export async function teardown(session, srv, logFile) {
  for (const c of session.contexts) await c.close().catch(() => {});
  if (session.browser) await session.browser.close().catch(() => {});
  if (srv) {
    if (srv.proc.exitCode !== null || srv.proc.signalCode) console.log(`server exited early (${srv.proc.exitCode ?? srv.proc.signalCode}):\n${srv.stderr().slice(-4000)}`);
    if (logFile) writeFileSync(logFile, srv.stderr());
    await srv.stop();
  }
  if (session.pageErrors.length) console.log('page errors:\n' + session.pageErrors.join('\n'));
}
