// Browser check of the admin audit log (#/admin/audit): the admin blocks a buyer and changes the
// points rates, reaches the log from the admin nav, sees both rows newest first, opens the block's
// before/after diff (blocked false -> true), and filters by action.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, makeUser, api } from '../api/lib.mjs';
import { DESKTOP, browserSession, teardown, uiLogin } from './browser.mjs';

let srv, buyer, admin;
const session = browserSession();
const { pageErrors } = session;

before(async () => {
  srv = await startServer();
  buyer = await makeUser(srv, 'buyer', '감사 대상');
  admin = await makeUser(srv, 'admin', '감사 관리자');
  await session.launch();
});
after(async () => { await teardown(session, srv); });

test('the audit page lists admin actions, shows a before/after diff and filters by action', async () => {
  let r = await api(srv, 'PATCH', `/api/v1/admin/users/${buyer.id}`, { token: admin.token, body: { blocked: true, blocked_reason: '반복 환불' } });
  assert.equal(r.status, 200);
  r = await api(srv, 'PUT', '/api/v1/admin/points/rates', { token: admin.token, body: { attendance: 77 } });
  assert.equal(r.status, 200);
  const page = await session.newPage(DESKTOP, 'admin');
  await uiLogin(page, srv.base, admin);
  await page.goto(`${srv.base}/#/admin/sellers`);
  await page.click('#adm-nav-adminAudit');
  await page.waitForSelector('body[data-route="adminAudit"]');
  await page.locator('#aud-table .aud-row').first().waitFor();
  assert.deepEqual(await page.locator('#aud-table .aud-row').evaluateAll((rows) => rows.map((x) => x.dataset.action)),
    ['points.rates', 'user.block']);
  const block = page.locator('.aud-row[data-action="user.block"]');
  assert.match(await block.textContent(), /감사 관리자/);
  assert.match(await block.textContent(), /반복 환불/);
  await block.locator('.aud-toggle').click();
  const diff = page.locator('.aud-detail:not([hidden]) .aud-diff tr[data-field="blocked"]');
  await diff.waitFor();
  assert.equal((await diff.locator('.aud-before').textContent()).trim(), 'false');
  assert.equal((await diff.locator('.aud-after').textContent()).trim(), 'true');

  await page.fill('#aud-action', 'points.rates');
  await page.click('#aud-find');
  await page.waitForFunction(() => document.querySelectorAll('#aud-table .aud-row').length === 1);
  assert.equal(await page.locator('#aud-table .aud-row').getAttribute('data-action'), 'points.rates');
  assert.deepEqual(pageErrors, []);
});
