// Charging points through the PortOne sandbox (issue 10: "charge points through the payment
// gateway, via Toss and PortOne"): prepare registers the amount, the sandbox's request_pay pays,
// confirm post-verifies at PortOne and credits once; a payment of another amount is refused and
// credits nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, makeUser } from './lib.mjs';

let srv;
before(async () => { srv = await startServer({ env: { BROADCART_PAYMENT_PROVIDER: 'portone', BROADCART_RECONCILE_INTERVAL: '0' } }); });
after(async () => { await srv?.stop(); });

const post = (u, p, body) => api(srv, 'POST', p, { token: u.token, body });
const balance = async (u) => (await api(srv, 'GET', '/api/v1/me/points', { token: u.token })).body.balance;
async function requestPay(c, amount = c.amount) {
  const r = await api(srv, 'POST', '/sandbox-portone/v1/sandbox/payments', { body: { merchant_uid: c.order_id, amount, name: c.order_name } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.imp_uid;
}

test('prepare → request_pay → confirm credits the points once', async () => {
  const u = await makeUser(srv, 'buyer');
  const c = (await post(u, '/api/v1/me/points/charges', { amount: 10000 })).body;
  assert.equal(c.status, 'PENDING');
  const pr = await post(u, `/api/v1/me/points/charges/${c.order_id}/prepare`);
  assert.equal(pr.status, 200, JSON.stringify(pr.body));
  const imp = await requestPay(c);
  const body = { payment_key: imp, order_id: c.order_id, amount: 10000 };
  const rs = await Promise.all(Array.from({ length: 4 }, () => post(u, '/api/v1/me/points/charges/confirm', body)));
  for (const r of rs) {
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.status, 'PAID');
  }
  assert.equal(await balance(u), 10000);
  const hist = (await api(srv, 'GET', '/api/v1/me/points/history', { token: u.token })).body.items;
  assert.deepEqual(hist.map((x) => [x.kind, x.amount]), [['CHARGE', 10000]]);
});

test('a payment of another amount than the prepared one is refused and credits nothing', async () => {
  const u = await makeUser(srv, 'buyer');
  const c = (await post(u, '/api/v1/me/points/charges', { amount: 8000 })).body;
  assert.equal((await post(u, `/api/v1/me/points/charges/${c.order_id}/prepare`)).status, 200);
  // PortOne refuses a payment whose amount differs from the prepared one
  const r = await api(srv, 'POST', '/sandbox-portone/v1/sandbox/payments', { body: { merchant_uid: c.order_id, amount: 100, name: c.order_name } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.status, 'failed');
  const cf = await post(u, '/api/v1/me/points/charges/confirm', { payment_key: r.body.imp_uid, order_id: c.order_id, amount: 8000 });
  assert.equal(cf.status, 402, JSON.stringify(cf.body));
  assert.equal(cf.body.error.code, 'PAYMENT_DECLINED');
  assert.equal(await balance(u), 0);
  const list = (await api(srv, 'GET', '/api/v1/me/points/charges', { token: u.token })).body.items;
  assert.notEqual(list[0].status, 'PAID');
});
