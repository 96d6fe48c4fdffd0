// Blocking across instances (issue 9): an admin blocks a user with a reason through instance A
// while the user's chat socket is held by instance B; B closes it (1008) within a second, through
// the bus, and the user's login and refresh through either instance are refused with the reason.
// Needs Debian's postgresql-15, redis-server and nginx (see cluster.test.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { BIN } from '../api/lib.mjs';
import { call, seller, startCluster, viewer } from './lib.mjs';

let c, A, B;
before(async () => {
  c = await startCluster({ instances: 2 });
  [A, B] = c.instances;
});
after(async () => { await c?.stop(); });

// An admin made with instance A's CLI, signed in on A.
async function admin() {
  const email = `admin-${process.pid}-${Date.now()}@example.com`, password = 'Passw0rd!admin';
  const r0 = spawnSync(BIN, ['user', 'create', '--email', email, '--password', password, '--name', 'Cluster Admin', '--role', 'admin'],
    { env: A.env, encoding: 'utf8' });
  assert.equal(r0.status, 0, r0.stderr);
  const r = await call(A.base, 'POST', '/api/v1/auth/login', { body: { email, password } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return { id: Number(r0.stdout.trim()), token: r.body.access_token };
}

test('a block made through instance A closes the chat socket held by instance B', { timeout: 60000 }, async () => {
  const shop = await seller(c, A);
  const adm = await admin();
  const email = `blocked-${process.pid}@example.com`, password = 'Passw0rd!buyer';
  const su = await call(B.base, 'POST', '/api/v1/auth/signup', { body: { email, password, name: '차단될 사람' } });
  assert.equal(su.status, 201, JSON.stringify(su.body));
  const buyer = { id: su.body.user.id, token: su.body.access_token, refresh: su.body.refresh_token };
  const p = await call(A.base, 'POST', '/api/v1/products', { token: shop.token, body: { name: 'Cluster mug', price: 5000, stock: 5 } });
  const l = await call(A.base, 'POST', '/api/v1/lives', { token: shop.token, body: { title: 'Block live', scheduled_at: '2026-12-01T10:00:00Z', product_ids: [p.body.id] } });
  assert.equal(l.status, 201, JSON.stringify(l.body));

  const { ws } = await viewer(B.base, l.body.id, buyer.token); // retries while B does not know the live yet
  const closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: String(reason), at: Date.now() })));

  const reason = '다른 구매자에게 욕설을 반복했습니다';
  const t0 = Date.now();
  const r = await call(A.base, 'PATCH', `/api/v1/admin/users/${buyer.id}`, { token: adm.token, body: { blocked: true, blocked_reason: reason } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.blocked_reason, reason);
  const cl = await Promise.race([closed, new Promise((resolve) => setTimeout(() => resolve(null), 5000))]);
  assert.ok(cl, 'the socket on B was closed');
  assert.equal(cl.code, 1008);
  assert.match(cl.reason, /blocked/);
  assert.ok(cl.at - t0 < 1000, `closed on B ${cl.at - t0} ms after the block on A`);

  for (const inst of [A, B]) {
    const li = await call(inst.base, 'POST', '/api/v1/auth/login', { body: { email, password } });
    assert.equal(li.status, 403, `${inst.name}: ${JSON.stringify(li.body)}`);
    assert.equal(li.body.error.reason, reason);
  }
  // B forgot what it knew of the account: the old access token stops there at once too
  const me = await call(B.base, 'GET', '/api/v1/me', { token: buyer.token });
  assert.ok(me.status === 403 || me.status === 503, `GET /me on B with the old token: ${me.status}`);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal((await call(B.base, 'GET', '/api/v1/me', { token: buyer.token })).status, 403, 'refused on B');
  const rf = await call(B.base, 'POST', '/api/v1/auth/refresh', { body: { refresh_token: buyer.refresh } });
  assert.ok(rf.status === 401 || rf.status === 403, `refresh on B: ${rf.status}`);
});
