// Browser check of subscriptions: the buyer picks a plan on #/subscriptions, registers a card on the
// sandbox's card registration page (Toss requestBillingAuth's stand-in), comes back subscribed
// (first period paid), sees the status and next payment date on my page, cancels there (still
// ACTIVE until the period ends) and resumes; the English page shows the same section.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, makeUser, api, sql } from '../api/lib.mjs';
import { DESKTOP, browserSession, teardown, uiLogin } from './browser.mjs';

let srv, buyer, admin, plan;
const session = browserSession();
const { pageErrors } = session;

before(async () => {
  srv = await startServer();
  [buyer, admin] = await Promise.all([makeUser(srv, 'buyer'), makeUser(srv, 'admin')]);
  plan = (await api(srv, 'POST', '/api/v1/admin/subscription-plans', { token: admin.token, body: { name: '월간 멤버십', price: 9900, period: 'MONTH' } })).body;
  await session.launch();
});
after(async () => { await teardown(session, srv); });

test('subscribe through the sandbox card page, then cancel and resume on my page', async () => {
  const page = await session.newPage(DESKTOP, 'buyer', { acceptDialogs: true });
  await uiLogin(page, srv.base, buyer);
  await page.goto(`${srv.base}/#/subscriptions`);
  await page.click(`#sub-plan-${plan.id}`);
  await page.waitForURL(/\/sandbox-pg\/billing/, { timeout: 15000 });
  await page.click('#register');
  await page.waitForSelector('#sub-done', { timeout: 15000 });
  assert.match(await page.textContent('#sub-done'), /월간 멤버십/);
  assert.match(await page.textContent('#sub-done'), /다음 결제일/);
  const subs = (await api(srv, 'GET', '/api/v1/me/subscriptions', { token: buyer.token })).body.items;
  assert.equal(subs.length, 1);
  assert.equal(subs[0].status, 'ACTIVE');
  assert.equal(subs[0].payments.length, 1);
  const id = subs[0].id;
  // a reload of the result page does not subscribe (or charge) again
  await page.reload();
  await page.waitForSelector('#sub-done');
  assert.equal(Number(sql(srv, `SELECT COUNT(*) FROM subscription_payments WHERE subscription_id = ${id}`).trim()), 1);

  await page.click('#sub-to-mypage');
  await page.waitForSelector(`#mp-sub-${id}`);
  assert.equal(await page.textContent(`#mp-sub-status-${id}`), '이용 중');
  assert.match(await page.textContent(`#mp-sub-next-${id}`), /다음 결제일/);
  await page.click(`#mp-sub-cancel-${id}`);
  await page.waitForSelector(`#mp-sub-resume-${id}`);
  assert.match(await page.textContent(`#mp-sub-ends-${id}`), /종료 예정/);
  assert.equal(await page.textContent(`#mp-sub-status-${id}`), '이용 중');
  let s = (await api(srv, 'GET', `/api/v1/me/subscriptions/${id}`, { token: buyer.token })).body;
  assert.equal(s.status, 'ACTIVE');
  assert.equal(s.cancel_at_period_end, true);
  await page.click(`#mp-sub-resume-${id}`);
  await page.waitForSelector(`#mp-sub-cancel-${id}`);
  s = (await api(srv, 'GET', `/api/v1/me/subscriptions/${id}`, { token: buyer.token })).body;
  assert.equal(s.cancel_at_period_end, false);
  await page.click(`#mp-sub-cancel-${id}`);
  await page.waitForSelector(`#mp-sub-resume-${id}`);
  assert.equal((await api(srv, 'GET', `/api/v1/me/subscriptions/${id}`, { token: buyer.token })).body.cancel_at_period_end, true);

  // English
  await page.evaluate(() => localStorage.setItem('bc.lang', 'en'));
  await page.reload();
  await page.waitForSelector(`#mp-sub-${id}`);
  assert.equal(await page.textContent(`#mp-sub-status-${id}`), 'Active');
  assert.match(await page.textContent(`#mp-sub-ends-${id}`), /Ends on/);
  assert.deepEqual(pageErrors, []);
});

test('a cancelled card registration comes back to the fail page', async () => {
  const u = await makeUser(srv);
  const page = await session.newPage(DESKTOP, 'other');
  await uiLogin(page, srv.base, u);
  await page.goto(`${srv.base}/#/subscriptions`);
  await page.click(`#sub-plan-${plan.id}`);
  await page.waitForURL(/\/sandbox-pg\/billing/, { timeout: 15000 });
  await page.click('#decline');
  await page.waitForSelector('#sub-failed');
  assert.match(await page.textContent('#sub-failed'), /취소/);
  assert.equal((await api(srv, 'GET', '/api/v1/me/subscriptions', { token: u.token })).body.items.length, 0);
  assert.deepEqual(pageErrors, []);
});
