// Browser: a viewer of a LIVE live sees the pinned product at the seller's live-only price (the
// catalog price struck through) with "N left", and "N left" follows the stock as other buyers order
// (the chat socket's stock frames), down to sold out; the buy sheet shows the live price.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startServer, api, makeUser, goLive } from '../api/lib.mjs';
import { PHONE, until, browserSession, uiLogin, teardown } from './browser.mjs';

const CALLBACK_TOKEN = randomBytes(24).toString('hex');
const ADDR = { recipient: '홍길동', phone: '010-1234-5678', postcode: '06236', address1: '서울 강남구 테헤란로 1' };
let srv;
const session = browserSession();
const { pageErrors } = session;

before(async () => {
  srv = await startServer({ env: { BROADCART_RTMP_CALLBACK_TOKEN: CALLBACK_TOKEN } });
  await session.launch();
});
after(async () => { await teardown(session, srv); });

test('pinned card: live price, "N left" pushed as others buy, sold out; the sheet charges the live price', { timeout: 120000 }, async () => {
  const seller = await makeUser(srv, 'seller', 'Live shop');
  const buyers = await Promise.all([makeUser(srv, 'buyer'), makeUser(srv, 'buyer'), makeUser(srv, 'buyer')]);
  const p = await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: '라이브 특가 머그', price: 20000, stock: 3 } });
  assert.equal(p.status, 201);
  const l = await api(srv, 'POST', '/api/v1/lives', { token: seller.token, body: { title: '특가 방송', scheduled_at: '2026-12-01T10:00:00Z', product_ids: [p.body.id] } });
  assert.equal(l.status, 201);
  const liveId = l.body.id;
  assert.equal((await api(srv, 'PUT', `/api/v1/lives/${liveId}/products/${p.body.id}/offer`, { token: seller.token, body: { live_price: 15000 } })).status, 200);
  await goLive(srv, CALLBACK_TOKEN, l.body);
  assert.equal((await api(srv, 'POST', `/api/v1/lives/${liveId}/pin`, { token: seller.token, body: { product_id: p.body.id } })).status, 200);

  const page = await session.newPage(PHONE, 'viewer');
  await uiLogin(page, srv.base, { email: buyers[0].email, password: buyers[0].password });
  await page.goto(`${srv.base}/#/live/${liveId}`);
  await page.waitForSelector('#pinned-card');
  assert.match(await page.textContent('#pinned-price'), /15,000/);
  assert.match(await page.textContent('#pinned-was'), /20,000/);
  assert.match(await page.textContent('#pinned-left'), /3개 남음/);

  const order = (u) => api(srv, 'POST', '/api/v1/orders', { token: u.token, body: { items: [{ product_id: p.body.id, quantity: 1 }], shipping_address: ADDR, live_id: liveId } });
  const o1 = await order(buyers[1]);
  assert.equal(o1.status, 201);
  assert.equal(o1.body.lines[0].unit_price, 15000, 'the server charges the live price');
  await until('2 left', async () => /2개 남음/.test(await page.textContent('#pinned-left').catch(() => '')), 5000, 50);
  assert.equal((await order(buyers[2])).status, 201);
  await until('1 left', async () => /1개 남음/.test(await page.textContent('#pinned-left').catch(() => '')), 5000, 50);

  // the buy sheet shows the live price
  await page.click('#buy-pinned');
  await page.waitForSelector('#buy-total');
  assert.match(await page.textContent('.sheet'), /15,000/);
  await page.keyboard.press('Escape').catch(() => {});

  // the last one goes elsewhere: the card turns sold out
  const cancelOff = await api(srv, 'PATCH', `/api/v1/products/${p.body.id}`, { token: seller.token, body: { stock: 0 } });
  assert.equal(cancelOff.status, 200);
  await until('sold out', async () => (await page.$('#pinned-left')) === null && await page.isDisabled('#buy-pinned'), 5000, 50);
  assert.deepEqual(pageErrors, []);
});
