// Browser: the PortOne (Iamport v1) payment path of the web client (BROADCART_PAYMENT_PROVIDER=portone,
// config mode "portone"): web/pay.js loads the sandbox's iamport.js stand-in, registers the amount
// (POST /api/v1/payments/prepare), calls IMP.request_pay and confirms on the success page → PAID; a
// rejected card ends on the fail page with the order unpaid. And the web CSP lets production PortOne
// load https://cdn.iamport.kr (only when PortOne runs against the real gateway).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, makeUser } from '../api/lib.mjs';
import { PHONE, browserSession, uiLogin, fillAddress, teardown } from './browser.mjs';

let srv, seller;
const session = browserSession();
const { pageErrors } = session;

before(async () => {
  srv = await startServer({ env: { BROADCART_PAYMENT_PROVIDER: 'portone', BROADCART_RECONCILE_INTERVAL: '0' } });
  seller = await makeUser(srv, 'seller', 'PortOne shop');
  await session.launch();
});
after(() => teardown(session, srv));

// A phone page where nothing may leave the machine; records the payment requests it makes.
async function newPage(name, testCode) {
  const page = await session.newPage(PHONE, name, {
    async prepare(ctx) {
      await ctx.route(/^https?:\/\/(?!127\.0\.0\.1[:/])/, (route) => route.abort('blockedbyclient'));
      if (testCode) await ctx.addInitScript((c) => { window.BC_SANDBOX_TEST_CODE = c; }, testCode);
    },
  });
  page.calls = [];
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (/^\/(api\/v1\/payments|api\/v1\/orders$|sandbox-portone)/.test(u.pathname)) page.calls.push(`${r.method()} ${u.pathname}`);
  });
  return page;
}

async function buyThroughSheet(page, buyer, productId) {
  await uiLogin(page, srv.base, buyer);
  await page.goto(`${srv.base}/#/product/${productId}`);
  await page.click('#buy-now');
  await page.waitForSelector('#checkout');
  await fillAddress(page);
  await page.click('#checkout');
}

test('PortOne: iamport.js stand-in, prepare, IMP.request_pay, confirm → PAID', { timeout: 90000 }, async () => {
  const cfg = (await api(srv, 'GET', '/api/v1/payments/config')).body;
  assert.equal(cfg.mode, 'portone');
  assert.equal(cfg.sdk_url, '/sandbox-portone/iamport.js');
  const p = await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: '포트원 머그', price: 23000, stock: 5 } });
  const buyer = await makeUser(srv, 'buyer');
  const page = await newPage('portone-ok');
  await buyThroughSheet(page, buyer, p.body.id);
  await page.waitForSelector('#order-complete', { timeout: 20000 });
  const seq = page.calls.filter((c) => !c.endsWith('/config'));
  for (const c of ['POST /api/v1/orders', 'GET /sandbox-portone/iamport.js', 'POST /api/v1/payments/prepare', 'POST /sandbox-portone/v1/sandbox/payments']) {
    assert.ok(seq.includes(c), `${c} in ${seq}`);
  }
  assert.ok(seq.indexOf('POST /api/v1/payments/prepare') < seq.indexOf('POST /sandbox-portone/v1/sandbox/payments'), `prepare before request_pay: ${seq}`);
  assert.ok(seq.indexOf('POST /api/v1/orders') < seq.indexOf('POST /api/v1/payments/prepare'), `order before prepare: ${seq}`);
  assert.ok(seq.includes('POST /api/v1/payments/confirm'), `confirmed: ${seq}`);
  const orders = (await api(srv, 'GET', '/api/v1/orders', { token: buyer.token })).body.items;
  assert.equal(orders.length, 1);
  assert.equal(orders[0].status, 'PAID');
  assert.equal(orders[0].amount, 23000 + 3000);
  assert.match(orders[0].payment_key, /^imp_/, 'paid with the imp_uid');
  assert.ok((await page.textContent('#order-complete')).includes(orders[0].order_id));
  assert.deepEqual(pageErrors, [], 'no page error, no CSP violation');
});

test('PortOne: a rejected card ends on the fail page, the order stays unpaid', { timeout: 90000 }, async () => {
  const p = await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: '거절 머그', price: 8000, stock: 5 } });
  const buyer = await makeUser(srv, 'buyer');
  const page = await newPage('portone-reject', 'REJECT_CARD_COMPANY');
  await buyThroughSheet(page, buyer, p.body.id);
  await page.waitForSelector('#pay-fail', { timeout: 20000 });
  assert.match(await page.textContent('#pay-fail'), /REJECT_CARD_COMPANY/);
  assert.equal(page.calls.includes('POST /api/v1/payments/confirm'), false, 'nothing confirmed');
  const orders = (await api(srv, 'GET', '/api/v1/orders', { token: buyer.token })).body.items;
  assert.equal(orders.length, 1);
  assert.equal(orders[0].status, 'PENDING_PAYMENT');
  assert.deepEqual(pageErrors, [], 'no page error, no CSP violation');
});

test('CSP: production PortOne may load https://cdn.iamport.kr; the sandbox and Toss setups may not', { timeout: 60000 }, async () => {
  const cspOf = async (s) => (await fetch(`${s.base}/`)).headers.get('content-security-policy');
  const scriptSrc = (csp) => csp.split(';').map((d) => d.trim()).find((d) => d.startsWith('script-src '));
  assert.doesNotMatch(await cspOf(srv), /iamport/, 'the sandbox stand-in is served from this origin');
  const prod = await startServer({ env: { BROADCART_PAYMENT_PROVIDER: 'portone', BROADCART_PORTONE_API_BASE: 'https://api.iamport.kr', BROADCART_RECONCILE_INTERVAL: '0' } });
  try {
    assert.equal((await api(prod, 'GET', '/api/v1/payments/config')).body.sdk_url, 'https://cdn.iamport.kr/v1/iamport.js');
    const csp = await cspOf(prod);
    assert.equal(scriptSrc(csp), "script-src 'self' https://t1.daumcdn.net https://cdn.iamport.kr");
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
  } finally { await prod.stop(); }
  const toss = await startServer({ env: { BROADCART_PAYMENT_PROVIDER: 'toss', BROADCART_PORTONE_API_BASE: 'https://api.iamport.kr' } });
  try { assert.doesNotMatch(await cspOf(toss), /iamport/, 'Toss setups keep the old policy'); } finally { await toss.stop(); }
});
