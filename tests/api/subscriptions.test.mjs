// Subscriptions (issue 10, seed 002): the operator's plans, subscribing with a Toss billing key
// through the sandbox (card registration → authorizations/issue → billing charge), renewal exactly
// once per period on the server's timer and `broadcart subscriptions renew-due` (several runs at
// once, and a second server on the same database), cancel at the end of the period, a declined
// renewal (PAST_DUE, notice, retry, ACTIVE), max retries (ENDED) and the billing key sealed at rest.
// Periods are made due by moving next_payment_at in the database (sql()); the renewal itself is the
// server's code: its sweeper (every second) and the CLI race for it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { startServer, api, makeUser, sql, tossSecret, BIN } from './lib.mjs';

let srv, admin, plan;

before(async () => {
  srv = await startServer({ env: { BROADCART_SUBSCRIPTION_RETRY_S: '3600', BROADCART_SUBSCRIPTION_MAX_RETRIES: '2' } });
  admin = await makeUser(srv, 'admin');
  const r = await api(srv, 'POST', '/api/v1/admin/subscription-plans', { token: admin.token, body: { name: '월간 멤버십', price: 9900, period: 'DAYS', period_days: 30 } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  plan = r.body;
});
after(async () => { await srv?.stop(); });

function renewDue(s, env = {}) {
  return new Promise((resolve) => {
    execFile(BIN, ['subscriptions', 'renew-due'], { env: { ...s.env, ...env }, encoding: 'utf8' },
      (err, stdout, stderr) => resolve({ code: err ? err.code : 0, stdout, stderr }));
  });
}

// Registers a card in the sandbox (test: {testCode, testFailFrom, testFailCount}) and subscribes.
async function subscribe(u, p = plan, testOpts = {}) {
  const ba = await api(srv, 'POST', '/api/v1/subscriptions/billing-auth', { token: u.token, body: { plan_id: p.id } });
  assert.equal(ba.status, 200, JSON.stringify(ba.body));
  const auth = await api(srv, 'POST', '/sandbox-pg/v1/sandbox/billing/authorizations', { body: { customerKey: ba.body.customer_key, ...testOpts } });
  assert.equal(auth.status, 201, JSON.stringify(auth.body));
  return api(srv, 'POST', '/api/v1/subscriptions', { token: u.token, body: { plan_id: p.id, authKey: auth.body.authKey, customerKey: ba.body.customer_key } });
}

const payments = (id) => sql(srv, `SELECT period_no || '|' || status || '|' || attempts || '|' || amount FROM subscription_payments WHERE subscription_id = ${id} ORDER BY period_no`).trim().split('\n').filter(Boolean);
const makeDue = (id) => sql(srv, `UPDATE subscriptions SET next_payment_at = ${Date.now() - 1000} WHERE id = ${id}`);
const notices = async (u, kind) => (await api(srv, 'GET', '/api/v1/notifications?per_page=100', { token: u.token })).body.items.filter((n) => n.kind === kind);
const mine = async (u, id) => (await api(srv, 'GET', `/api/v1/me/subscriptions/${id}`, { token: u.token })).body;

async function basicGet(p) {
  return api(srv, 'GET', p, { headers: { authorization: `Basic ${Buffer.from(`${tossSecret(srv)}:`).toString('base64')}` } });
}

test('plans: admin CRUD, the public list shows active plans only; bad periods are refused', async () => {
  const u = await makeUser(srv);
  assert.equal((await api(srv, 'POST', '/api/v1/admin/subscription-plans', { token: u.token, body: { name: 'x', price: 1, period: 'WEEK' } })).status, 403);
  const bad = await api(srv, 'POST', '/api/v1/admin/subscription-plans', { token: admin.token, body: { name: 'x', price: 1000, period: 'DAYS' } });
  assert.equal(bad.status, 422);
  const w = await api(srv, 'POST', '/api/v1/admin/subscription-plans', { token: admin.token, body: { name: '주간', price: 3000, period: 'WEEK' } });
  assert.equal(w.status, 201);
  assert.equal(w.headers.get('location'), `/api/v1/admin/subscription-plans/${w.body.id}`);
  assert.equal(w.body.period_days, null);
  let list = await api(srv, 'GET', '/api/v1/subscription-plans');
  assert.ok(list.body.items.some((p) => p.id === w.body.id));
  const retired = await api(srv, 'DELETE', `/api/v1/admin/subscription-plans/${w.body.id}`, { token: admin.token });
  assert.equal(retired.body.active, false);
  list = await api(srv, 'GET', '/api/v1/subscription-plans');
  assert.ok(!list.body.items.some((p) => p.id === w.body.id));
  assert.ok((await api(srv, 'GET', '/api/v1/admin/subscription-plans', { token: admin.token })).body.items.some((p) => p.id === w.body.id));
  const patched = await api(srv, 'PATCH', `/api/v1/admin/subscription-plans/${w.body.id}`, { token: admin.token, body: { price: 3500, active: true } });
  assert.equal(patched.body.price, 3500);
  assert.equal(patched.body.active, true);
  assert.equal((await api(srv, 'PATCH', '/api/v1/admin/subscription-plans/999999', { token: admin.token, body: { price: 1 } })).body.error.code, 'SUBSCRIPTION_PLAN_NOT_FOUND');
});

test('subscribe: the billing key is issued and the first period charged once; the key is sealed at rest', async () => {
  const u = await makeUser(srv);
  const r = await subscribe(u);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.status, 'ACTIVE');
  assert.equal(r.body.amount, 9900);
  assert.equal(r.body.plan_name, '월간 멤버십');
  assert.equal(r.headers.get('location'), `/api/v1/me/subscriptions/${r.body.id}`);
  assert.equal(r.body.next_payment_at, r.body.current_period_end);
  assert.equal(Date.parse(r.body.current_period_end) - Date.parse(r.body.current_period_start), 30 * 86400e3);
  assert.deepEqual(payments(r.body.id), ['1|DONE|1|9900']);
  assert.equal(r.body.payments.length, 1);
  const orderId = r.body.payments[0].order_id;
  const pg = await basicGet(`/sandbox-pg/v1/payments/orders/${orderId}`);
  assert.equal(pg.body.status, 'DONE');
  assert.equal(pg.body.type, 'BILLING');
  assert.equal(pg.body.totalAmount, 9900);
  // at rest: sealed, never the clear key
  const stored = sql(srv, `SELECT billing_key FROM subscriptions WHERE id = ${r.body.id}`).trim();
  assert.match(stored, /^bcs1\./);
  assert.doesNotMatch(sql(srv, `SELECT * FROM subscriptions WHERE id = ${r.body.id}`), /sbxbill_/);
  // one live subscription per plan
  const again = await subscribe(u);
  assert.equal(again.status, 409);
  assert.equal(again.body.error.code, 'ALREADY_SUBSCRIBED');
  assert.deepEqual(payments(r.body.id), ['1|DONE|1|9900']);
  const list = await api(srv, 'GET', '/api/v1/me/subscriptions', { token: u.token });
  assert.equal(list.body.items.length, 1);
});

test('subscribe refuses a customerKey that is not mine, a used authKey and a declined first charge', async () => {
  const u = await makeUser(srv), other = await makeUser(srv);
  const ba = await api(srv, 'POST', '/api/v1/subscriptions/billing-auth', { token: other.token, body: {} });
  assert.equal(ba.body.mode, 'sandbox');
  assert.equal(ba.body.auth_url, '/sandbox-pg/billing');
  const auth = await api(srv, 'POST', '/sandbox-pg/v1/sandbox/billing/authorizations', { body: { customerKey: ba.body.customer_key } });
  const wrong = await api(srv, 'POST', '/api/v1/subscriptions', { token: u.token, body: { plan_id: plan.id, authKey: auth.body.authKey, customerKey: ba.body.customer_key } });
  assert.equal(wrong.status, 400);
  assert.equal(wrong.body.error.code, 'CUSTOMER_KEY_MISMATCH');
  const ok = await api(srv, 'POST', '/api/v1/subscriptions', { token: other.token, body: { plan_id: plan.id, authKey: auth.body.authKey, customerKey: ba.body.customer_key } });
  assert.equal(ok.status, 201);
  await api(srv, 'POST', `/api/v1/me/subscriptions/${ok.body.id}/cancel`, { token: other.token });
  // the same authKey cannot issue a second billing key (a new plan, so not ALREADY_SUBSCRIBED)
  const p2 = (await api(srv, 'POST', '/api/v1/admin/subscription-plans', { token: admin.token, body: { name: '두번째', price: 1000, period: 'MONTH' } })).body;
  const reuse = await api(srv, 'POST', '/api/v1/subscriptions', { token: other.token, body: { plan_id: p2.id, authKey: auth.body.authKey + 'x', customerKey: ba.body.customer_key } });
  assert.equal(reuse.status, 402);
  assert.equal(reuse.body.error.gateway_code, 'INVALID_BILL_KEY_REQUEST');
  const declined = await subscribe(u, plan, { testCode: 'REJECT_CARD_COMPANY', testFailFrom: 1 });
  assert.equal(declined.status, 402);
  assert.equal(declined.body.error.code, 'PAYMENT_DECLINED');
  assert.equal(declined.body.error.gateway_code, 'REJECT_CARD_COMPANY');
  const list = (await api(srv, 'GET', '/api/v1/me/subscriptions', { token: u.token })).body.items;
  assert.equal(list.length, 1);
  assert.equal(list[0].status, 'ENDED');
  assert.equal(list[0].last_failure_code, 'REJECT_CARD_COMPANY');
  assert.deepEqual(payments(list[0].id), ['1|FAILED|1|9900']);
  // an ENDED one does not block a new subscription
  assert.equal((await subscribe(u)).status, 201);
});

test('renewal exactly once per period under repeated and concurrent sweeps (CLI runs at once, a second server on the same database)', async () => {
  const u = await makeUser(srv);
  const r = await subscribe(u);
  assert.equal(r.status, 201);
  const id = r.body.id;
  // a second instance on the same database (and data key), charging through the same gateway
  const srv2 = await startServer({ dataDir: srv.dataDir, env: { BROADCART_TOSS_API_BASE: `${srv.base}/sandbox-pg`, BROADCART_TOSS_SECRET_KEY: tossSecret(srv), BROADCART_SUBSCRIPTION_RETRY_S: '3600' } });
  try {
    makeDue(id);
    const runs = await Promise.all(Array.from({ length: 6 }, () => renewDue(srv)));
    for (const run of runs) assert.equal(run.code, 0, run.stderr);
    // the servers' sweepers race too; give them a tick, then sweep again and again
    await new Promise((res) => setTimeout(res, 1500));
    for (let i = 0; i < 3; i++) assert.equal((await renewDue(srv)).code, 0);
    assert.deepEqual(payments(id), ['1|DONE|1|9900', '2|DONE|1|9900']);
    const s = await mine(u, id);
    assert.equal(s.status, 'ACTIVE');
    assert.equal(Date.parse(s.current_period_start), Date.parse(r.body.current_period_end));
    assert.equal(Date.parse(s.next_payment_at) - Date.parse(s.current_period_start), 30 * 86400e3);
    assert.equal((await notices(u, 'subscription.RENEWED')).length, 1);
    // the gateway holds one approved charge per period
    for (const p of s.payments) assert.equal((await basicGet(`/sandbox-pg/v1/payments/orders/${p.order_id}`)).body.status, 'DONE');
    // the next period: due once more, charged once more
    makeDue(id);
    await Promise.all([renewDue(srv), renewDue(srv), renewDue(srv)]);
    assert.deepEqual(payments(id), ['1|DONE|1|9900', '2|DONE|1|9900', '3|DONE|1|9900']);
  } finally {
    await srv2.stop({ keep: true });
  }
});

test('cancel at the end of the period: stays ACTIVE, resume undoes it, then ENDED without a charge', async () => {
  const u = await makeUser(srv), other = await makeUser(srv);
  const r = await subscribe(u);
  const id = r.body.id;
  assert.equal((await api(srv, 'POST', `/api/v1/me/subscriptions/${id}/cancel`, { token: other.token })).status, 404);
  let c = await api(srv, 'POST', `/api/v1/me/subscriptions/${id}/cancel`, { token: u.token });
  assert.equal(c.status, 200);
  assert.equal(c.body.status, 'ACTIVE');
  assert.equal(c.body.cancel_at_period_end, true);
  assert.equal(c.body.next_payment_at, null);
  const res = await api(srv, 'POST', `/api/v1/me/subscriptions/${id}/resume`, { token: u.token });
  assert.equal(res.body.cancel_at_period_end, false);
  assert.equal(res.body.next_payment_at, r.body.current_period_end);
  c = await api(srv, 'POST', `/api/v1/me/subscriptions/${id}/cancel`, { token: u.token });
  assert.equal(c.body.cancel_at_period_end, true);
  makeDue(id);
  await Promise.all([renewDue(srv), renewDue(srv)]);
  const s = await mine(u, id);
  assert.equal(s.status, 'ENDED');
  assert.deepEqual(payments(id), ['1|DONE|1|9900']);
  assert.equal((await notices(u, 'subscription.ENDED')).length, 1);
  assert.equal((await renewDue(srv)).code, 0);
  assert.deepEqual(payments(id), ['1|DONE|1|9900']);
  const again = await api(srv, 'POST', `/api/v1/me/subscriptions/${id}/cancel`, { token: u.token });
  assert.equal(again.status, 409);
  assert.equal(again.body.error.code, 'SUBSCRIPTION_NOT_CANCELABLE');
  assert.equal((await api(srv, 'POST', `/api/v1/me/subscriptions/${id}/resume`, { token: u.token })).body.error.code, 'SUBSCRIPTION_NOT_RESUMABLE');
});

test('a declined renewal: PAST_DUE with a notice, retried after the interval, then ACTIVE with the period advanced', async () => {
  const u = await makeUser(srv);
  const r = await subscribe(u, plan, { testCode: 'REJECT_CARD_COMPANY', testFailFrom: 2, testFailCount: 1 });
  assert.equal(r.status, 201);
  const id = r.body.id;
  makeDue(id);
  assert.equal((await renewDue(srv)).code, 0);
  let s = await mine(u, id);
  assert.equal(s.status, 'PAST_DUE');
  assert.equal(s.retry_count, 1);
  assert.equal(s.last_failure_code, 'REJECT_CARD_COMPANY');
  const wait = Date.parse(s.next_payment_at) - Date.now();
  assert.ok(wait > 3500e3 && wait <= 3600e3, `retry in ${wait} ms`);
  assert.deepEqual(payments(id), ['1|DONE|1|9900', '2|FAILED|1|9900']);
  const n = await notices(u, 'subscription.PAST_DUE');
  assert.equal(n.length, 1);
  assert.match(n[0].text, /월간 멤버십/);
  // not due before the retry time
  assert.equal((await renewDue(srv)).code, 0);
  assert.deepEqual(payments(id), ['1|DONE|1|9900', '2|FAILED|1|9900']);
  makeDue(id);
  await Promise.all([renewDue(srv), renewDue(srv), renewDue(srv)]);
  s = await mine(u, id);
  assert.equal(s.status, 'ACTIVE');
  assert.equal(s.retry_count, 0);
  assert.equal(s.last_failure_code, null);
  assert.equal(Date.parse(s.current_period_start), Date.parse(r.body.current_period_end));
  assert.deepEqual(payments(id), ['1|DONE|1|9900', '2|DONE|2|9900']);
  assert.equal((await notices(u, 'subscription.RENEWED')).length, 1);
});

test('max retries: every retry declined ENDS the subscription with a notice; cancel of a PAST_DUE one is at once', async () => {
  const u = await makeUser(srv);
  const r = await subscribe(u, plan, { testCode: 'REJECT_CARD_PAYMENT', testFailFrom: 2 });
  const id = r.body.id;
  for (let i = 1; i <= 3; i++) {
    makeDue(id);
    assert.equal((await renewDue(srv)).code, 0);
    const s = await mine(u, id);
    assert.equal(s.status, i <= 2 ? 'PAST_DUE' : 'ENDED', `after decline ${i}`);
  }
  assert.deepEqual(payments(id), ['1|DONE|1|9900', '2|FAILED|3|9900']);
  assert.equal((await notices(u, 'subscription.PAST_DUE')).length, 2);
  assert.equal((await notices(u, 'subscription.ENDED')).length, 1);
  makeDue(id);
  assert.equal((await renewDue(srv)).code, 0);
  assert.deepEqual(payments(id), ['1|DONE|1|9900', '2|FAILED|3|9900']);
  // PAST_DUE → cancel ends it at once, no more retries
  const u2 = await makeUser(srv);
  const r2 = await subscribe(u2, plan, { testCode: 'REJECT_CARD_PAYMENT', testFailFrom: 2 });
  makeDue(r2.body.id);
  await renewDue(srv);
  assert.equal((await mine(u2, r2.body.id)).status, 'PAST_DUE');
  const c = await api(srv, 'POST', `/api/v1/me/subscriptions/${r2.body.id}/cancel`, { token: u2.token });
  assert.equal(c.body.status, 'CANCELED');
  makeDue(r2.body.id);
  await renewDue(srv);
  assert.deepEqual(payments(r2.body.id), ['1|DONE|1|9900', '2|FAILED|1|9900']);
});

test('the sandbox speaks Toss billing: Billing object, NOT_MATCHES_CUSTOMER_KEY, NOT_FOUND_BILLING, DUPLICATED_ORDER_ID', async () => {
  const auth = (await api(srv, 'POST', '/sandbox-pg/v1/sandbox/billing/authorizations', { body: { customerKey: 'ck_test_sandbox_1' } })).body;
  const basic = { authorization: `Basic ${Buffer.from(`${tossSecret(srv)}:`).toString('base64')}` };
  assert.equal((await api(srv, 'POST', '/sandbox-pg/v1/billing/authorizations/issue', { body: { authKey: auth.authKey, customerKey: 'ck_other' }, headers: basic })).body.code, 'NOT_MATCHES_CUSTOMER_KEY');
  const issued = await api(srv, 'POST', '/sandbox-pg/v1/billing/authorizations/issue', { body: { authKey: auth.authKey, customerKey: 'ck_test_sandbox_1' }, headers: basic });
  assert.equal(issued.status, 200);
  for (const k of ['mId', 'customerKey', 'authenticatedAt', 'method', 'billingKey']) assert.equal(typeof issued.body[k], 'string', k);
  assert.equal(typeof issued.body.card.number, 'string');
  assert.equal((await api(srv, 'POST', '/sandbox-pg/v1/billing/authorizations/issue', { body: { authKey: auth.authKey, customerKey: 'ck_test_sandbox_1' }, headers: basic })).body.code, 'INVALID_BILL_KEY_REQUEST');
  const bk = issued.body.billingKey;
  const charge = (body, h = {}) => api(srv, 'POST', `/sandbox-pg/v1/billing/${bk}`, { body, headers: { ...basic, ...h } });
  const ok = await charge({ customerKey: 'ck_test_sandbox_1', amount: 1000, orderId: 'sbx-test-1', orderName: '테스트' });
  assert.equal(ok.status, 200);
  assert.equal(ok.body.type, 'BILLING');
  assert.equal(ok.body.status, 'DONE');
  assert.equal((await charge({ customerKey: 'ck_test_sandbox_1', amount: 1000, orderId: 'sbx-test-1', orderName: '테스트' })).body.code, 'DUPLICATED_ORDER_ID');
  assert.equal((await charge({ customerKey: 'ck_nope', amount: 1000, orderId: 'sbx-test-2', orderName: '테스트' })).body.code, 'NOT_MATCHES_CUSTOMER_KEY');
  assert.equal((await api(srv, 'POST', '/sandbox-pg/v1/billing/sbxbill_nope', { body: { customerKey: 'ck_test_sandbox_1', amount: 1000, orderId: 'sbx-test-3', orderName: 'x' }, headers: basic })).status, 404);
  const tc = await charge({ customerKey: 'ck_test_sandbox_1', amount: 1000, orderId: 'sbx-test-4', orderName: 'x' }, { 'tosspayments-test-code': 'REJECT_CARD_COMPANY' });
  assert.equal(tc.status, 403);
  assert.equal((await api(srv, 'POST', `/sandbox-pg/v1/billing/${bk}`, { body: { customerKey: 'ck_test_sandbox_1', amount: 1000, orderId: 'sbx-test-5', orderName: 'x' } })).status, 401);
  const page = await fetch(`${srv.base}/sandbox-pg/billing?customerKey=ck_test_sandbox_1&successUrl=/%23/subscriptions/done&failUrl=/%23/subscriptions/fail`);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /id="register"/);
  assert.equal((await fetch(`${srv.base}/sandbox-pg/billing?customerKey=ck_test_sandbox_1&successUrl=https://evil.example/&failUrl=/x`)).status, 400);
});
