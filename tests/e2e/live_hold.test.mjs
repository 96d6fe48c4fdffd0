// Browser: the buy sheet of a LIVE live holds the chosen quantity (POST /api/v1/holds) and shows the
// hold's countdown; a new quantity is re-held (the old hold released); closing the sheet gives the
// stock back; the order is placed with the hold (hold_id) and pays through the sandbox. The
// product's purchase limits bound the quantity picker, and a refusal (LIMIT_PER_BUYER) is shown in
// Korean. A hold that runs out (in the page, or first at the server) is taken again for the payment.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startServer, api, makeUser, goLive } from '../api/lib.mjs';
import { PHONE, until, browserSession, uiLogin, teardown, fillAddress } from './browser.mjs';

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

// A LIVE live of a new seller pinning one new product; returns {seller, product, liveId}.
async function liveWithPinned(name, stock, s = srv) {
  const seller = await makeUser(s, 'seller', 'Hold shop');
  const p = await api(s, 'POST', '/api/v1/products', { token: seller.token, body: { name, price: 12000, stock } });
  assert.equal(p.status, 201);
  const l = await api(s, 'POST', '/api/v1/lives', { token: seller.token, body: { title: `${name} 방송`, scheduled_at: '2026-12-01T10:00:00Z', product_ids: [p.body.id] } });
  assert.equal(l.status, 201);
  await goLive(s, CALLBACK_TOKEN, l.body);
  assert.equal((await api(s, 'POST', `/api/v1/lives/${l.body.id}/pin`, { token: seller.token, body: { product_id: p.body.id } })).status, 200);
  return { seller, product: p.body, liveId: l.body.id };
}

const stockOf = async (id, s = srv) => (await api(s, 'GET', `/api/v1/products/${id}`)).body.stock;

test('the live buy sheet holds the quantity with a countdown, re-holds, releases on close, orders with the hold', { timeout: 120000 }, async () => {
  const { product, liveId } = await liveWithPinned('선점 테스트 머그', 5);
  const buyer = await makeUser(srv, 'buyer');
  const page = await session.newPage(PHONE, 'holder');
  const holdRequests = [];
  const orderBodies = [];
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.pathname.startsWith('/api/v1/holds')) holdRequests.push(`${r.method()} ${u.pathname}`);
    if (u.pathname === '/api/v1/orders' && r.method() === 'POST') orderBodies.push(JSON.parse(r.postData()));
  });
  await uiLogin(page, srv.base, buyer);
  await page.goto(`${srv.base}/#/live/${liveId}`);
  await page.waitForSelector('#buy-pinned');

  // open: one unit held, the countdown runs
  await page.click('#buy-pinned');
  await page.waitForSelector('#hold-countdown:not([hidden])');
  const first = await page.textContent('#hold-countdown');
  assert.match(first, /[45]:\d\d 동안 수량을 확보해 두었습니다/, 'countdown of the 300 s hold');
  await until('stock 4 while held', async () => (await stockOf(product.id)) === 4, 5000, 100);
  await until('the countdown ticks', async () => (await page.textContent('#hold-countdown')) !== first, 4000, 200);

  // quantity 2: re-held (the old hold released)
  await page.click('#qty-inc');
  await until('stock 3 with 2 held', async () => (await stockOf(product.id)) === 3, 5000, 100);
  assert.equal(holdRequests.filter((r) => r.startsWith('DELETE')).length, 1, 'the first hold was released');
  assert.equal(holdRequests.filter((r) => r.startsWith('POST')).length, 2);

  // closed without ordering: the stock comes back
  await page.click('.sheet .icon-btn');
  await until('stock back to 5', async () => (await stockOf(product.id)) === 5, 5000, 100);
  assert.equal(holdRequests.filter((r) => r.startsWith('DELETE')).length, 2);

  // again, and order: the order carries the hold and the live
  await page.click('#buy-pinned');
  await page.waitForSelector('#hold-countdown:not([hidden])');
  await fillAddress(page);
  await page.click('#checkout');
  await page.waitForURL(/\/sandbox-pg\/checkout/, { timeout: 15000 });
  assert.equal(orderBodies.length, 1);
  const body = orderBodies[0];
  assert.ok(Number.isInteger(body.hold_id), 'the order names the hold');
  assert.equal(body.live_id, liveId);
  assert.deepEqual(body.items, [{ product_id: product.id, quantity: 1 }]);
  const hold = await api(srv, 'GET', `/api/v1/holds/${body.hold_id}`, { token: buyer.token });
  assert.equal(hold.status, 200);
  assert.equal(hold.body.status, 'ORDERED');
  const orderId = new URL(page.url()).searchParams.get('orderId');
  assert.equal(await stockOf(product.id), 4, 'the hold became the order\'s reservation (not taken twice)');
  await page.click('#pay');
  await page.waitForSelector('#order-complete', { timeout: 20000 });
  const orders = (await api(srv, 'GET', '/api/v1/orders', { token: buyer.token })).body.items;
  const mine = orders.find((o) => o.order_id === orderId);
  assert.equal(mine.status, 'PAID');
  assert.equal(mine.live_id, liveId);
  assert.equal(await stockOf(product.id), 4);
  assert.deepEqual(pageErrors, [], 'no uncaught page errors');
});

test('purchase limits bound the picker; a refusal is shown in Korean', { timeout: 120000 }, async () => {
  const { seller, product, liveId } = await liveWithPinned('한정 수량 머그', 20);
  const lim = await api(srv, 'PUT', `/api/v1/seller/products/${product.id}/limits`, { token: seller.token, body: { max_per_order: 3, max_per_buyer: 3, max_per_buyer_live: 0 } });
  assert.equal(lim.status, 200);
  const buyer = await makeUser(srv, 'buyer');
  const page = await session.newPage(PHONE, 'limited');
  await uiLogin(page, srv.base, buyer);
  await page.goto(`${srv.base}/#/live/${liveId}`);
  await page.waitForSelector('#buy-pinned');
  await page.click('#buy-pinned');
  await page.waitForSelector('#hold-countdown:not([hidden])');
  assert.match(await page.textContent('#qty-max'), /최대 3개/);
  await page.click('#qty-inc');
  await page.click('#qty-inc');
  assert.equal(await page.inputValue('#qty'), '3');
  assert.equal(await page.isDisabled('#qty-inc'), true, 'the picker stops at max_per_order');
  await page.fill('#qty', '9');
  await page.dispatchEvent('#qty', 'change');
  assert.equal(await page.inputValue('#qty'), '3', 'a typed quantity is bounded too');
  await until('3 held', async () => (await stockOf(product.id)) === 17, 5000, 100);
  await page.click('.sheet .icon-btn');
  await until('released', async () => (await stockOf(product.id)) === 20, 5000, 100);

  // the buyer already bought 3 elsewhere: the sheet's hold is refused, in Korean, with the limit
  const o = await api(srv, 'POST', '/api/v1/orders', { token: buyer.token, body: { items: [{ product_id: product.id, quantity: 3 }], shipping_address: ADDR } });
  assert.equal(o.status, 201);
  await page.click('#buy-pinned');
  await page.waitForSelector('#buy-error:not([hidden])');
  const msg = await page.textContent('#buy-error');
  assert.match(msg, /1인당 구매 가능 수량을 넘었습니다/);
  assert.match(msg, /한도 3개/);
  assert.equal(await page.isHidden('#hold-countdown'), true);
  assert.equal(await stockOf(product.id), 17, 'nothing held for the refused sheet');
  // paying anyway is refused the same way and creates no order
  await fillAddress(page);
  await page.click('#checkout');
  await until('the refusal again', async () => /1인당 구매 가능 수량/.test(await page.textContent('#buy-error')), 5000, 100);
  const orders = (await api(srv, 'GET', '/api/v1/orders', { token: buyer.token })).body.items;
  assert.equal(orders.length, 1);
  assert.deepEqual(pageErrors, [], 'no uncaught page errors');
});

test('an expired hold: the sheet says so and pays with a new hold; a hold gone at the server is re-taken', { timeout: 120000 }, async () => {
  const short = await startServer({ env: { BROADCART_RTMP_CALLBACK_TOKEN: CALLBACK_TOKEN, BROADCART_HOLD_TTL: '4' } });
  try {
    const { product, liveId } = await liveWithPinned('짧은 선점 머그', 4, short);
    const buyer = await makeUser(short, 'buyer');
    const page = await session.newPage(PHONE, 'expiry');
    const orderBodies = [];
    const holdIds = [];
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (u.pathname === '/api/v1/orders' && r.method() === 'POST') orderBodies.push(JSON.parse(r.postData()));
    });
    page.on('response', async (r) => {
      const u = new URL(r.url());
      if (u.pathname === '/api/v1/holds' && r.request().method() === 'POST' && r.status() === 201) holdIds.push((await r.json()).id);
    });
    await uiLogin(page, short.base, buyer);
    await page.goto(`${short.base}/#/live/${liveId}`);
    await page.click('#buy-pinned');
    await page.waitForSelector('#hold-countdown[data-state="held"]');
    assert.match(await page.textContent('#hold-countdown'), /0:0[1-4] 동안/);
    // the 4 s hold runs out: the page says so, the sweeper gives the unit back
    await page.waitForSelector('#hold-countdown[data-state="expired"]', { timeout: 8000 });
    assert.match(await page.textContent('#hold-countdown'), /확보 시간이 지났습니다/);
    await until('stock back after expiry', async () => (await stockOf(product.id, short)) === 4, 5000, 100);
    assert.equal(holdIds.length, 1);

    // a hold released behind the page's back: the order is refused HOLD_EXPIRED (in Korean), a new hold is taken
    await fillAddress(page);
    // pay now takes a fresh hold; release it at the server before the order goes out
    await page.route('**/api/v1/orders', async (route) => {
      const b = JSON.parse(route.request().postData());
      await api(short, 'DELETE', `/api/v1/holds/${b.hold_id}`, { token: buyer.token });
      await route.continue();
    }, { times: 1 });
    await page.click('#checkout');
    await page.waitForSelector('#buy-error:not([hidden])');
    assert.match(await page.textContent('#buy-error'), /선점 시간이 지났습니다/);
    await page.waitForSelector('#hold-countdown[data-state="held"]');
    assert.equal(holdIds.length, 3, 'held at pay, then again after the refusal');
    await until('one unit held again', async () => (await stockOf(product.id, short)) === 3, 5000, 100);
    await page.click('#checkout');
    await page.waitForURL(/\/sandbox-pg\/checkout/, { timeout: 15000 });
    assert.equal(orderBodies.length, 2);
    assert.equal(orderBodies[1].hold_id, holdIds[2], 'the order carries the new hold');
    assert.equal(await stockOf(product.id, short), 3);
    assert.deepEqual(pageErrors, [], 'no uncaught page errors');
  } finally { await short.stop(); }
});
