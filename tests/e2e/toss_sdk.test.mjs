// The real-Toss payment path of the web client (config mode "toss": the Toss browser SDK v2), driven
// against the local sandbox gateway: the server runs with BROADCART_TOSS_CHECKOUT=sdk and the SDK
// script URL is answered by a FAKE SDK written here, which records what the page asked for and
// behaves like the payment window (approve through the sandbox, or reject as a buyer cancel).
// Chromium from the system, headless; never downloads a browser.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api } from '../api/lib.mjs';
import { PHONE, BUYER, until, browserSession, uiLogin as login, fillAddress, teardown } from './browser.mjs';

const CANCEL_TEXT = /결제가 취소되었습니다|Payment was canceled/;
const LOAD_ERROR_TEXT = /결제 모듈을 불러오지 못했습니다|Could not load the payment module/;

let srv, config, buyerToken;
const session = browserSession();
const { pageErrors } = session;

// The fake SDK. `behaviour` is "approve" or "cancel". It keeps the calls in sessionStorage
// ("fakeToss"), which survives the redirect to successUrl.
function fakeSdk(behaviour) {
  return `(() => {
  const BEHAVIOUR = ${JSON.stringify(behaviour)};
  const log = (entry) => {
    const all = JSON.parse(sessionStorage.getItem('fakeToss') || '[]');
    all.push(entry);
    sessionStorage.setItem('fakeToss', JSON.stringify(all));
  };
  const fail = (code, message) => { const e = new Error(message); e.code = code; return e; };
  function TossPayments(clientKey) {
    return {
      payment({ customerKey }) {
        return {
          async requestPayment(p) {
            log({ clientKey, customerKey, params: p });
            const bad = [];
            if (p.method !== 'CARD') bad.push('method');
            if (!p.amount || p.amount.currency !== 'KRW' || !Number.isInteger(p.amount.value) || p.amount.value < 1) bad.push('amount');
            for (const k of ['orderId', 'orderName', 'successUrl', 'failUrl']) if (typeof p[k] !== 'string' || !p[k]) bad.push(k);
            if (bad.length) throw fail('INVALID_PARAMETERS', 'bad ' + bad.join(','));
            if (BEHAVIOUR === 'cancel') throw { code: 'USER_CANCEL', message: '취소' };
            const r = await fetch('/sandbox-pg/v1/sandbox/payments', { method: 'POST', headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ orderId: p.orderId, amount: p.amount.value, orderName: p.orderName }) });
            const body = await r.json();
            if (!r.ok) throw fail(body.code || 'PAY_PROCESS_ABORTED', body.message || 'sandbox error');
            const q = new URLSearchParams({ paymentKey: body.paymentKey, orderId: p.orderId, amount: String(p.amount.value), paymentType: 'NORMAL' });
            location.href = p.successUrl + (p.successUrl.includes('?') ? '&' : '?') + q;
            return new Promise(() => {}); // redirect mode: never settles
          },
        };
      },
    };
  }
  TossPayments.ANONYMOUS = '@@ANONYMOUS';
  window.TossPayments = TossPayments;
})();`;
}

// A fresh phone context whose SDK URL is answered by `sdk` ("approve" | "cancel" | "abort").
async function newPage(name, sdk) {
  const hits = { sdk: 0 };
  const page = await session.newPage(PHONE, name, {
    async prepare(ctx) {
      // nothing else may leave the machine (registered first: later routes take precedence)
      await ctx.route(/^https?:\/\/(?!127\.0\.0\.1[:/])/, (route) => route.abort('blockedbyclient'));
      await ctx.route(config.sdk_url, (route) => {
        hits.sdk++;
        if (sdk === 'abort') return route.abort('connectionrefused');
        return route.fulfill({ status: 200, contentType: 'application/javascript; charset=utf-8', body: fakeSdk(sdk) });
      });
    },
  });
  page.hits = hits;
  return page;
}

const uiLogin = (page) => login(page, srv.base, BUYER);

// A demo product on sale with stock.
async function someProduct() {
  const r = await api(srv, 'GET', '/api/v1/products?per_page=20');
  assert.equal(r.status, 200);
  const p = r.body.items.find((x) => x.status === 'ON_SALE' && x.stock >= 3);
  assert.ok(p, 'a demo product on sale with stock');
  return p;
}

// Product page → buy now → quantity 1 → address → pay.
async function buyOne(page, product) {
  await page.goto(`${srv.base}/#/product/${product.id}`);
  await page.waitForSelector('#buy-now:not([disabled])');
  await page.fill('#product-qty', '1');
  await page.click('#buy-now');
  await page.waitForSelector('#qty');
  assert.equal(await page.inputValue('#qty'), '1');
  await fillAddress(page);
  await page.click('#checkout');
}

const recorded = (page) => page.evaluate(() => JSON.parse(sessionStorage.getItem('fakeToss') || '[]'));
const myOrders = async () => (await api(srv, 'GET', '/api/v1/orders?per_page=100', { token: buyerToken })).body.items;

before(async () => {
  srv = await startServer({ args: ['--demo'], env: { BROADCART_TOSS_CHECKOUT: 'sdk' } });
  config = (await api(srv, 'GET', '/api/v1/payments/config')).body;
  assert.equal(config.mode, 'toss');
  assert.equal(config.checkout_url, null);
  assert.match(config.sdk_url, /^https:\/\//);
  const login = await api(srv, 'POST', '/api/v1/auth/login', { body: BUYER });
  assert.equal(login.status, 200);
  buyerToken = login.body.access_token;
  await session.launch();
});

after(() => teardown(session, srv, '/tmp/broadcart-e2e-toss-sdk-server.log'));

test('toss sdk: buy now → requestPayment → success redirect → order complete', { timeout: 90000 }, async () => {
  const page = await newPage('approve', 'approve');
  await uiLogin(page);
  const product = await someProduct();
  await buyOne(page, product);
  await page.waitForSelector('#order-complete', { timeout: 20000 });
  assert.match(page.url(), /#\/pay\/success\?paymentKey=/);

  const calls = await recorded(page);
  assert.equal(calls.length, 1, 'requestPayment called once');
  const { clientKey, customerKey, params } = calls[0];
  assert.equal(clientKey, config.client_key);
  assert.equal(customerKey, '@@ANONYMOUS', 'customerKey = TossPayments.ANONYMOUS');
  assert.equal(params.method, 'CARD');
  assert.equal(params.amount.currency, 'KRW');
  assert.equal(params.successUrl, `${srv.base}/#/pay/success`);
  assert.equal(params.failUrl, `${srv.base}/#/pay/fail`);
  assert.equal(params.customerEmail, BUYER.email);
  assert.equal(typeof params.customerName, 'string');
  assert.ok(params.customerName.length > 0);

  const order = (await myOrders()).find((o) => o.order_id === params.orderId);
  assert.ok(order, 'orderId is one of my orders');
  assert.equal(params.amount.value, order.amount);
  assert.equal(params.orderName, order.order_name);
  assert.equal(order.status, 'PAID');
  assert.equal(order.lines.length, 1);
  assert.equal(order.lines[0].product_id, product.id);
  assert.equal(order.lines[0].quantity, 1);
  assert.ok((await page.locator('#order-number').innerText()).includes(order.order_id));
  assert.equal(await page.locator('script[data-toss-sdk]').count(), 1, 'the SDK script is loaded once');
  assert.equal(page.hits.sdk, 1, 'the SDK was fetched once');
  assert.deepEqual(pageErrors, [], 'no uncaught page errors');
});

test('toss sdk: buyer closes the window → cancel message, order stays PENDING_PAYMENT, retry reuses it', { timeout: 90000 }, async () => {
  const page = await newPage('cancel', 'cancel');
  await uiLogin(page);
  const product = await someProduct();
  await buyOne(page, product);
  const err = page.locator('#buy-error');
  await err.waitFor({ state: 'visible', timeout: 15000 });
  assert.match(await err.innerText(), CANCEL_TEXT);
  await page.waitForSelector('#checkout:not([disabled])', { timeout: 5000 });
  assert.match(page.url(), /#\/product\//, 'still on the product page');

  const calls = await recorded(page);
  assert.equal(calls.length, 1);
  const orderId = calls[0].params.orderId;
  const order = (await myOrders()).find((o) => o.order_id === orderId);
  assert.ok(order, 'the order exists');
  assert.equal(order.status, 'PENDING_PAYMENT');
  assert.equal(calls[0].params.amount.value, order.amount);

  // paying again from the same sheet reopens the window for the same order (no second order)
  const before = (await myOrders()).length;
  await page.click('#checkout');
  await until('second requestPayment', async () => (await recorded(page)).length === 2, 10000, 200);
  const again = await recorded(page);
  assert.equal(again[1].params.orderId, orderId);
  await page.waitForSelector('#checkout:not([disabled])', { timeout: 5000 });
  assert.equal((await myOrders()).length, before, 'no new order');
  assert.equal((await myOrders()).find((o) => o.order_id === orderId).status, 'PENDING_PAYMENT');
  assert.deepEqual(pageErrors, [], 'no uncaught page errors');
});

test('toss sdk: the SDK script cannot load → clear error, no order created', { timeout: 60000 }, async () => {
  const page = await newPage('abort', 'abort');
  await uiLogin(page);
  const product = await someProduct();
  const before = (await myOrders()).length;
  await buyOne(page, product);
  const err = page.locator('#buy-error');
  await err.waitFor({ state: 'visible', timeout: 15000 });
  assert.match(await err.innerText(), LOAD_ERROR_TEXT);
  assert.ok(page.hits.sdk >= 1, 'the SDK URL was requested');
  assert.equal(await page.evaluate(() => typeof window.TossPayments), 'undefined');
  assert.equal(await page.locator('script[data-toss-sdk]').count(), 0, 'the failed script element is removed');
  await page.waitForSelector('#checkout:not([disabled])', { timeout: 5000 });
  assert.equal((await myOrders()).length, before, 'no order holds stock');
  assert.deepEqual(pageErrors, [], 'no uncaught page errors');
});
