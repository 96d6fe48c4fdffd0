// Browser check of schedules: the seller schedules a live in the studio with its expected length,
// region and cover image and can issue a new stream key; a buyer finds it in the calendar
// (#/calendar, by day, region filter), turns "notify me" on there and sees it on the live page's
// upcoming state, and turns it off again; an anonymous visitor's "notify me" leads to the login.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, api, makeUser } from '../api/lib.mjs';
import { makePng } from '../api/fixtures.mjs';
import { DESKTOP, browserSession, uiLogin, teardown, until } from './browser.mjs';

let srv, seller, buyer, productId;
const session = browserSession();
const { pageErrors } = session;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'bc-cal-'));

before(async () => {
  srv = await startServer();
  [seller, buyer] = await Promise.all([makeUser(srv, 'seller', 'Calendar Shop'), makeUser(srv, 'buyer')]);
  productId = (await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: '편성 머그', price: 9000, stock: 5 } })).body.id;
  await session.launch();
});
after(async () => { rmSync(tmp, { recursive: true, force: true }); await teardown(session, srv); });

test('the studio schedules a live with length, region and cover, and issues a new stream key', async () => {
  const page = await session.newPage(DESKTOP, 'seller', { acceptDialogs: true });
  await uiLogin(page, srv.base, seller);
  await page.goto(`${srv.base}/#/studio/lives`);
  await page.click('#new-live');
  await page.fill('#live-title', '주말 편성 방송');
  await page.fill('#live-duration', '45');
  await page.selectOption('#live-region', '부산광역시');
  await page.fill('#live-sigungu', '해운대구');
  const png = path.join(tmp, 'cover.png');
  writeFileSync(png, makePng(16, 9));
  await page.setInputFiles('#live-cover', png);
  await page.check(`input[name=product][value="${productId}"]`);
  await page.click('#live-save');
  await page.waitForSelector('#obs-key');
  const id = Number(page.url().split('/').pop());
  const live = (await api(srv, 'GET', `/api/v1/lives/${id}`, { token: seller.token })).body;
  assert.equal(live.duration_min, 45);
  assert.deepEqual(live.region, { sido: '부산광역시', sigungu: '해운대구' });
  assert.match(live.cover_url, /^\/media\/uploads\/[A-Za-z0-9]{32}\.png$/);
  assert.equal(await page.textContent('#obs-key'), live.obs_stream_key);

  await page.click('#rotate-key');
  await until('the new key shown', async () => (await page.textContent('#obs-key')) !== live.obs_stream_key);
  const rotated = (await api(srv, 'GET', `/api/v1/lives/${id}`, { token: seller.token })).body;
  assert.notEqual(rotated.stream_key, live.stream_key);
  assert.equal(await page.textContent('#obs-key'), rotated.obs_stream_key);
  assert.deepEqual(pageErrors, []);
});

test('the calendar lists upcoming lives by day; notify me from the calendar and the live page', async () => {
  const at = new Date(Date.now() + 2 * 86400e3);
  at.setHours(20, 0, 0, 0);
  const mk = (title, region, when) => api(srv, 'POST', '/api/v1/lives', {
    token: seller.token, body: { title, scheduled_at: when.toISOString(), product_ids: [productId], region, duration_min: 90 },
  }).then((r) => r.body);
  const a = await mk('서울 저녁 방송', { sido: '서울특별시' }, at);
  const b = await mk('대구 밤 방송', { sido: '대구광역시', sigungu: '수성구' }, new Date(at.getTime() + 3600e3));

  // anonymous: the calendar shows it, "notify me" asks for a login
  const anon = await session.newPage(DESKTOP, 'anon');
  await anon.goto(`${srv.base}/#/calendar`);
  await anon.waitForSelector(`#cal-live-${a.id}`);
  await anon.click(`#notify-${a.id}`);
  await until('the login page', async () => anon.url().includes('#/login'));

  const page = await session.newPage(DESKTOP, 'buyer');
  await uiLogin(page, srv.base, buyer);
  await page.goto(`${srv.base}/#/calendar`);
  await page.waitForSelector(`#cal-live-${b.id}`);
  const order = await page.$$eval('.cal-live', (els) => els.map((e) => e.id));
  assert.ok(order.indexOf(`cal-live-${a.id}`) < order.indexOf(`cal-live-${b.id}`), 'by start');
  assert.match(await page.textContent(`#cal-live-${a.id}`), /서울특별시 · 90분/);

  await page.click(`#notify-${a.id}`);
  await until('subscribed', async () => (await page.getAttribute(`#notify-${a.id}`, 'aria-pressed')) === 'true');
  assert.match(await page.textContent(`#notify-${a.id}`), /· 1$/);
  assert.equal((await api(srv, 'GET', `/api/v1/lives/${a.id}`, { token: buyer.token })).body.subscribed, true);

  // the region filter
  await page.selectOption('#cal-region', '대구광역시');
  await page.click('#cal-filter');
  await until('only 대구', async () => (await page.locator(`#cal-live-${a.id}`).count()) === 0 && (await page.locator(`#cal-live-${b.id}`).count()) === 1);

  // the live page of the upcoming live shows the same toggle, already on; turn it off there
  await page.goto(`${srv.base}/#/live/${a.id}`);
  await page.waitForSelector(`#live-scheduled`);
  await until('on', async () => (await page.getAttribute(`#notify-${a.id}`, 'aria-pressed')) === 'true');
  await page.click(`#notify-${a.id}`);
  await until('off', async () => (await page.getAttribute(`#notify-${a.id}`, 'aria-pressed')) === 'false');
  assert.equal((await api(srv, 'GET', `/api/v1/lives/${a.id}`, { token: buyer.token })).body.subscribed, false);
  assert.deepEqual(pageErrors, []);
});
