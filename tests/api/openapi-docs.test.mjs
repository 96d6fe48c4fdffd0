// /api/docs in a real browser (the system Chromium): Redoc renders the document under the page's
// Content-Security-Policy with no CSP violation and no page error.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { startServer } from './lib.mjs';

const CHROMIUM = process.env.BROADCART_CHROMIUM || '/usr/bin/chromium';
let srv, browser;
before(async () => {
  srv = await startServer();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'], timeout: 30000 });
});
after(async () => { await browser?.close(); await srv.stop(); });

test('the reference page renders the operations without CSP violations', { skip: !existsSync(CHROMIUM) && 'no chromium' }, async () => {
  const page = await browser.newPage();
  const problems = [];
  const requests = [];
  page.on('requestfinished', (r) => requests.push(r.url())); // a request the CSP blocked never finishes
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  await page.goto(`${srv.base}/api/docs`);
  await page.waitForFunction(() => /Place an order/.test(document.body.innerText) && /Broadcart API/.test(document.body.innerText), null, { timeout: 30000 });
  assert.ok(await page.locator('h2', { hasText: 'Place an order' }).count() > 0, 'operations are rendered');
  // Redoc always renders its attribution logo from its CDN; the page's CSP blocks it (img-src
  // 'self' data:), so nothing leaves the machine. Any other violation or error fails.
  const unexpected = problems.filter((p) => !/Loading the image 'https:\/\/cdn\.redoc\.ly\/[^']+' violates/.test(p));
  assert.deepEqual(unexpected, []);
  assert.deepEqual(requests.filter((u) => !u.startsWith(srv.base) && !u.startsWith('data:') && !u.startsWith(`blob:${srv.base}/`)), [], 'requests left the server');
  await page.close();
});
