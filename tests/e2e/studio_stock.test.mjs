// Browser: the seller's studio sets a product's purchase limits (the buyer side sees them at
// GET /products/{id}/limits), shows its stock ledger (reason, delta, balance after) as orders and
// edits move the stock, and sets a live's offer for one of its products (live price, stock cap,
// replay) that the live then carries.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, makeUser } from '../api/lib.mjs';
import { DESKTOP, ADDRESS, browserSession, uiLogin, teardown, until } from './browser.mjs';

const { address2: _, ...ADDR } = ADDRESS;
let srv, seller, buyer;
const session = browserSession();
const { pageErrors } = session;

before(async () => {
  srv = await startServer();
  [seller, buyer] = await Promise.all([makeUser(srv, 'seller', 'Ledger shop'), makeUser(srv, 'buyer')]);
  await session.launch();
});
after(() => teardown(session, srv));

test('studio: purchase limits saved, the stock ledger lists each change with its balance', { timeout: 90000 }, async () => {
  const p = await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: '<b>원장</b> 머그', price: 9000, stock: 10 } });
  assert.equal(p.status, 201);
  const o = await api(srv, 'POST', '/api/v1/orders', { token: buyer.token, body: { items: [{ product_id: p.body.id, quantity: 2 }], shipping_address: ADDR } });
  assert.equal(o.status, 201);

  const page = await session.newPage(DESKTOP, 'seller');
  await uiLogin(page, srv.base, seller);
  await page.goto(`${srv.base}/#/studio/products`);
  await page.click(`#limits-${p.body.id}`);
  await page.waitForSelector('#limits-form');
  assert.match(await page.textContent('#limits-form h3'), /<b>원장<\/b> 머그/, 'the name is text, not markup');
  assert.equal(await page.locator('#limits-form b').count(), 0);
  await until('limits loaded', async () => (await page.inputValue('#limit-per-order')) === '0', 5000, 100);

  // the ledger: the initial stock and the order, newest first, with balances
  await page.waitForSelector('#stock-ledger tbody tr');
  const rows = await page.$$eval('#stock-ledger tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
  assert.equal(rows.length, 2);
  assert.equal(rows[0][1], '주문');
  assert.equal(rows[0][2], '-2');
  assert.equal(rows[0][3], '8');
  assert.equal(rows[1][2], '+10');
  assert.equal(rows[1][3], '10');

  // save limits; the buyer side sees them
  await page.fill('#limit-per-order', '2');
  await page.fill('#limit-per-buyer', '5');
  await page.fill('#limit-per-buyer-live', '1');
  await page.click('#limits-save');
  await until('limits stored', async () => {
    const r = await api(srv, 'GET', `/api/v1/products/${p.body.id}/limits`);
    return r.body.max_per_order === 2 && r.body.max_per_buyer === 5 && r.body.max_per_buyer_live === 1;
  }, 5000, 100);
  // the page has taken the answer (it refills the form from it: typing before that would be overwritten)
  await page.waitForSelector('.toast-success', { timeout: 5000 });
  // a negative number is refused in the page, nothing sent
  await page.fill('#limit-per-order', '-1');
  await page.click('#limits-save');
  await page.waitForSelector('#limits-error:not([hidden])');
  assert.equal((await api(srv, 'GET', `/api/v1/products/${p.body.id}/limits`)).body.max_per_order, 2);
  const refused = await api(srv, 'POST', '/api/v1/orders', { token: buyer.token, body: { items: [{ product_id: p.body.id, quantity: 3 }], shipping_address: ADDR } });
  assert.equal(refused.status, 422);
  assert.equal(refused.body.error.code, 'LIMIT_PER_ORDER');

  // a seller edit of the stock shows up as a new ledger row when the panel is reopened
  assert.equal((await api(srv, 'PATCH', `/api/v1/products/${p.body.id}`, { token: seller.token, body: { stock: 20 } })).status, 200);
  await page.click('#limits-close');
  await page.click(`#limits-${p.body.id}`);
  await until('3 ledger rows', async () => (await page.locator('#stock-ledger tbody tr').count()) === 3, 5000, 100);
  const top = await page.$$eval('#stock-ledger tbody tr:first-child td', (tds) => tds.map((c) => c.textContent));
  assert.equal(top[1], '판매자 수정');
  assert.equal(top[2], '+12');
  assert.equal(top[3], '20');
  assert.deepEqual(pageErrors, [], 'no uncaught page errors');
});

test('studio: a live offer (live price, stock cap, replay) is saved for one product of the live', { timeout: 90000 }, async () => {
  const p = await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: '특가 컵', price: 20000, stock: 50 } });
  const l = await api(srv, 'POST', '/api/v1/lives', { token: seller.token, body: { title: '특가 설정 방송', scheduled_at: '2026-12-01T10:00:00Z', product_ids: [p.body.id] } });
  assert.equal(l.status, 201);
  const page = await session.newPage(DESKTOP, 'seller-offer');
  await uiLogin(page, srv.base, seller);
  await page.goto(`${srv.base}/#/studio/lives/${l.body.id}`);
  await page.waitForSelector(`#offer-${p.body.id}`);
  assert.match(await page.textContent(`#offer-summary-${p.body.id}`), /특가 없음/);
  await page.click(`#offer-${p.body.id} summary`);
  await page.fill(`#offer-price-${p.body.id}`, '15000');
  await page.fill(`#offer-cap-${p.body.id}`, '30');
  await page.check(`#offer-replay-${p.body.id}`);
  await page.click(`#offer-save-${p.body.id}`);
  await until('the summary shows the offer', async () => /15,000/.test(await page.textContent(`#offer-summary-${p.body.id}`)), 5000, 100);
  const live = (await api(srv, 'GET', `/api/v1/lives/${l.body.id}`)).body;
  const offer = live.products.find((x) => x.id === p.body.id).live_offer;
  assert.equal(offer.live_price, 15000);
  assert.equal(offer.stock_cap, 30);
  assert.equal(offer.replay, true);
  assert.equal(offer.active, false, 'not active before the live starts');
  // clearing the fields removes the offer (the PUT replaces it)
  await page.click(`#offer-${p.body.id} summary`).catch(() => {});
  await page.fill(`#offer-price-${p.body.id}`, '');
  await page.fill(`#offer-cap-${p.body.id}`, '');
  await page.uncheck(`#offer-replay-${p.body.id}`);
  await page.click(`#offer-save-${p.body.id}`);
  await until('offer removed', async () => {
    const x = (await api(srv, 'GET', `/api/v1/lives/${l.body.id}`)).body.products.find((y) => y.id === p.body.id);
    return !x.live_offer || (x.live_offer.live_price == null && x.live_offer.stock_cap == null);
  }, 5000, 100);
  assert.deepEqual(pageErrors, [], 'no uncaught page errors');
});
