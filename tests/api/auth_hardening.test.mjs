// Issue 5, defects 3-5: login throttle (race, keyed table), per-address limits and the owner's
// way back in, trusted proxies, account checks behind tokens, refresh-token reuse detection.
// Each test starts its own server so that counters start empty; every loop is bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import WebSocket from 'ws';
import { startServer, api, makeUser, cli } from './lib.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const SECRET = 'auth-hardening-test-secret-0123456789-abcdef';
// The shipped per-address defaults (lib.mjs raises them for the other test files).
const DEFAULT_LIMITS = { BROADCART_LOGIN_RATE_PER_ADDR: '30', BROADCART_SIGNUP_RATE_PER_ADDR: '20' };

// POST JSON from a chosen loopback source address (127.0.0.0/8 all reach the server on Linux).
function postFrom(srv, localAddress, path, body, headers = {}) {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1', port: srv.port, path, method: 'POST', localAddress, agent: false,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...headers },
    }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => {
        let parsed = text;
        try { parsed = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
        resolve({ status: res.statusCode, body: parsed, headers: res.headers });
      });
    });
    req.setTimeout(20000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(payload);
  });
}

const login = (srv, from, email, password, headers) => postFrom(srv, from, '/api/v1/auth/login', { email, password }, headers);

// An HS256 JWT signed with SECRET (the server is started with BROADCART_JWT_SECRET=SECRET).
function signToken(claims) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = b64({ alg: 'HS256', typ: 'JWT' });
  const now = Math.floor(Date.now() / 1000);
  const body = b64({ iat: now, exp: now + 600, ...claims });
  const sig = crypto.createHmac('sha256', SECRET).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

// Opens the chat of live `id`; resolves 101 on success or the refused handshake's status.
function wsStatus(srv, id, token) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/api/v1/lives/${id}/chat?access_token=${encodeURIComponent(token)}`);
    const t = setTimeout(() => { ws.terminate(); reject(new Error('ws timeout')); }, 5000);
    ws.once('open', () => { clearTimeout(t); ws.terminate(); resolve(101); });
    ws.once('unexpected-response', (req, res) => { clearTimeout(t); req.destroy(); resolve(res.statusCode); });
    ws.once('error', (e) => { clearTimeout(t); reject(e); });
  });
}

test('defect 3: 40 concurrent wrong logins for one account: at most 5 are verified, the rest get 429', async () => {
  // a real hashing cost, so that the requests overlap while they verify
  const srv = await startServer({ env: { BROADCART_PWHASH_MEMLIMIT_KIB: '16384' } });
  try {
    const u = await makeUser(srv, 'buyer');
    const results = await Promise.all(Array.from({ length: 40 }, () => login(srv, '127.0.0.1', u.email, 'wrong-pass-1')));
    const statuses = results.map((r) => r.status);
    const verified = statuses.filter((s) => s === 401).length;
    assert.ok(verified <= 5, `verified ${verified} wrong passwords: ${JSON.stringify(statuses)}`);
    assert.equal(statuses.filter((s) => s === 429).length, 40 - verified, JSON.stringify(statuses));
    for (const r of results.filter((x) => x.status === 429)) {
      assert.equal(r.body.error.code, 'TOO_MANY_ATTEMPTS');
      assert.ok(Number(r.headers['retry-after']) > 0);
    }
  } finally { await srv.stop(); }
});

test('defect 4: one address is limited over many e-mails (login) and in sign-ups', async () => {
  const srv = await startServer({ env: DEFAULT_LIMITS });
  try {
    const logins = [];
    for (let i = 0; i < 60; i++) logins.push(await login(srv, '127.0.0.1', `nobody${i}@example.com`, 'wrong-pass-1'));
    const ls = logins.map((r) => r.status);
    assert.deepEqual(ls.slice(0, 30), Array(30).fill(401), JSON.stringify(ls));
    assert.deepEqual(ls.slice(30), Array(30).fill(429), JSON.stringify(ls));
    assert.equal(logins[59].body.error.code, 'RATE_LIMITED');
    assert.ok(Number(logins[59].headers['retry-after']) > 0);

    const signups = [];
    for (let i = 0; i < 30; i++) {
      signups.push(await postFrom(srv, '127.0.0.1', '/api/v1/auth/signup', { email: `s${i}-${Date.now()}@example.com`, password: 'secret123', name: `S${i}` }));
    }
    const ss = signups.map((r) => r.status);
    assert.deepEqual(ss.slice(0, 20), Array(20).fill(201), JSON.stringify(ss));
    assert.deepEqual(ss.slice(20), Array(10).fill(429), JSON.stringify(ss));
    assert.equal(signups[29].body.error.code, 'RATE_LIMITED');
    // another address is not affected
    const other = await postFrom(srv, '127.0.0.2', '/api/v1/auth/signup', { email: `other-${Date.now()}@example.com`, password: 'secret123', name: 'O' });
    assert.equal(other.status, 201);
  } finally { await srv.stop(); }
});

test('defect 4: X-Forwarded-For is believed only from BROADCART_TRUSTED_PROXIES (right-most untrusted entry)', async () => {
  const env = { BROADCART_LOGIN_RATE_PER_ADDR: '3' };
  const proxied = await startServer({ env: { ...env, BROADCART_TRUSTED_PROXIES: '127.0.0.1, 10.0.0.0/8' } });
  const direct = await startServer({ env });
  try {
    const fail = (srv, xff, i) => login(srv, '127.0.0.1', `x${i}@example.com`, 'wrong-pass-1', { 'x-forwarded-for': xff });
    // through the trusted proxy: the client is 198.51.100.1 (10.1.2.3 is a trusted hop, the spoofed left entry is ignored)
    for (let i = 0; i < 3; i++) assert.equal((await fail(proxied, `1.2.3.${i}, 198.51.100.1, 10.1.2.3`, i)).status, 401);
    assert.equal((await fail(proxied, '9.9.9.9, 198.51.100.1, 10.1.2.3', 3)).status, 429);
    assert.equal((await fail(proxied, '198.51.100.2', 4)).status, 401, 'another client behind the proxy has its own budget');
    // a direct client cannot pick its address with the header
    for (let i = 0; i < 3; i++) assert.equal((await fail(direct, `198.51.100.${10 + i}`, i)).status, 401);
    const r = await fail(direct, '198.51.100.99', 3);
    assert.equal(r.status, 429);
    assert.equal(r.body.error.code, 'RATE_LIMITED');
  } finally { await proxied.stop(); await direct.stop(); }
  // a malformed list refuses to start
  await assert.rejects(startServer({ env: { BROADCART_TRUSTED_PROXIES: '10.0.0.0/99' } }));
});

test('defect 4: the owner still logs in from their own address while another address hammered the account', async () => {
  const srv = await startServer({ env: DEFAULT_LIMITS });
  try {
    const u = await makeUser(srv, 'buyer'); // logs in from 127.0.0.1: a known address for this account
    const hammer = [];
    for (let i = 0; i < 12; i++) hammer.push((await login(srv, '127.0.0.2', u.email, `guess-${i}-x1`)).status);
    assert.deepEqual(hammer, [...Array(5).fill(401), ...Array(7).fill(429)]);
    const owner = await login(srv, '127.0.0.1', u.email, u.password);
    assert.equal(owner.status, 200, JSON.stringify(owner.body));
    // the lock still holds for addresses that never signed in to the account, even with the right password
    const stranger = await login(srv, '127.0.0.3', u.email, u.password);
    assert.equal(stranger.status, 429);
    assert.equal(stranger.body.error.code, 'TOO_MANY_ATTEMPTS');
  } finally { await srv.stop(); }
});

test('defect 5: a signed token for a user that does not exist gets 401, not 500', async () => {
  const srv = await startServer({ env: { BROADCART_JWT_SECRET: SECRET } });
  try {
    const seller = await makeUser(srv, 'seller');
    const p = await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: 'Cup', price: 5000, stock: 3 } });
    assert.equal(p.status, 201);
    const ghost = signToken({ sub: '999999', role: 'buyer', name: 'ghost' });
    const cart = await api(srv, 'PUT', `/api/v1/cart/items/${p.body.id}`, { token: ghost, body: { quantity: 1 } });
    assert.equal(cart.status, 401, JSON.stringify(cart.body));
    assert.equal(cart.body.error.code, 'INVALID_TOKEN');
    const order = await api(srv, 'POST', '/api/v1/orders', {
      token: ghost,
      body: { items: [{ product_id: p.body.id, quantity: 1 }], shipping_address: { recipient: 'G', phone: '010-1234-5678', postcode: '12345', address1: 'Seoul' } },
    });
    assert.equal(order.status, 401, JSON.stringify(order.body));
    // a forged admin role in a validly signed token for a real buyer gives no admin powers
    const buyer = await makeUser(srv, 'buyer');
    const forged = signToken({ sub: String(buyer.id), role: 'admin', name: 'x' });
    const adm = await api(srv, 'PATCH', `/api/v1/admin/users/${buyer.id}`, { token: forged, body: { role: 'admin' } });
    assert.equal(adm.status, 403);
  } finally { await srv.stop(); }
});

test('defect 5: demoting or blocking a user applies at once (admin API), also to chat; CLI user set', async () => {
  const srv = await startServer({ env: { BROADCART_JWT_SECRET: SECRET } });
  try {
    const admin = await makeUser(srv, 'admin');
    const seller = await makeUser(srv, 'seller');
    const buyer = await makeUser(srv, 'buyer');
    const mk = await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: 'A', price: 1000, stock: 1 } });
    assert.equal(mk.status, 201);
    const p = await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: 'Mug', price: 9000, stock: 5 } });
    const live = await api(srv, 'POST', '/api/v1/lives', { token: seller.token, body: { title: 'Show', scheduled_at: '2026-12-01T10:00:00Z', product_ids: [p.body.id] } });
    assert.equal(live.status, 201);

    const demote = await api(srv, 'PATCH', `/api/v1/admin/users/${seller.id}`, { token: admin.token, body: { role: 'buyer' } });
    assert.equal(demote.status, 200, JSON.stringify(demote.body));
    assert.equal(demote.body.role, 'buyer');
    assert.equal(demote.body.blocked, false);
    const after = await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: 'B', price: 1000, stock: 1 } });
    assert.equal(after.status, 403, 'the old seller token lost its powers');

    assert.equal(await wsStatus(srv, live.body.id, buyer.token), 101);
    const block = await api(srv, 'PATCH', `/api/v1/admin/users/${buyer.id}`, { token: admin.token, body: { blocked: true, blocked_reason: 'test block' } });
    assert.equal(block.status, 200);
    assert.equal(block.body.blocked, true);
    const me = await api(srv, 'GET', '/api/v1/me', { token: buyer.token });
    assert.equal(me.status, 403);
    assert.equal(me.body.error.code, 'ACCOUNT_BLOCKED');
    assert.equal(await wsStatus(srv, live.body.id, buyer.token), 403, 'a blocked user cannot join the chat');
    assert.equal((await api(srv, 'POST', '/api/v1/auth/refresh', { body: { refresh_token: buyer.refresh } })).status, 401, 'blocking revoked the refresh tokens');
    const l = await api(srv, 'POST', '/api/v1/auth/login', { body: { email: buyer.email, password: buyer.password } });
    assert.equal(l.status, 403);
    assert.equal(l.body.error.code, 'ACCOUNT_BLOCKED');
    assert.equal((await api(srv, 'PATCH', `/api/v1/admin/users/${buyer.id}`, { token: admin.token, body: { blocked: false } })).status, 200);
    assert.equal((await api(srv, 'GET', '/api/v1/me', { token: buyer.token })).status, 200);

    // validation and edge cases
    assert.equal((await api(srv, 'PATCH', `/api/v1/admin/users/${buyer.id}`, { token: admin.token, body: { role: 'root' } })).status, 422);
    assert.equal((await api(srv, 'PATCH', `/api/v1/admin/users/${buyer.id}`, { token: admin.token, body: {} })).status, 422);
    assert.equal((await api(srv, 'PATCH', '/api/v1/admin/users/999999', { token: admin.token, body: { blocked: true, blocked_reason: 'test block' } })).status, 404);
    assert.equal((await api(srv, 'PATCH', `/api/v1/admin/users/${admin.id}`, { token: admin.token, body: { blocked: true, blocked_reason: 'test block' } })).status, 403);
    assert.equal((await api(srv, 'PATCH', `/api/v1/admin/users/${buyer.id}`, { token: buyer.token, body: { role: 'admin' } })).status, 403);

    // a user that does not exist cannot chat either (unknown to the cache: retry, then refused)
    const ghost = signToken({ sub: '888888', role: 'buyer', name: 'ghost' });
    const first = await wsStatus(srv, live.body.id, ghost);
    assert.ok(first === 503 || first === 401, String(first));
    let st = first;
    for (let i = 0; i < 50 && st !== 401; i++) { await sleep(50); st = await wsStatus(srv, live.body.id, ghost); }
    assert.equal(st, 401);

    // the CLI (another process) changes the stored account; a new login shows it
    cli(srv, ['user', 'set', '--email', buyer.email, '--role', 'seller']);
    const again = await api(srv, 'POST', '/api/v1/auth/login', { body: { email: buyer.email, password: buyer.password } });
    assert.equal(again.status, 200);
    assert.equal(again.body.user.role, 'seller');
    cli(srv, ['user', 'set', '--email', buyer.email.toUpperCase(), '--blocked', '1']);
    assert.equal((await api(srv, 'POST', '/api/v1/auth/login', { body: { email: buyer.email, password: buyer.password } })).status, 403);
    assert.throws(() => cli(srv, ['user', 'set', '--email', 'nobody@example.com', '--blocked', '1']));
    assert.throws(() => cli(srv, ['user', 'set', '--email', buyer.email, '--role', 'root']));
  } finally { await srv.stop(); }
});

test('defect 5: reusing a rotated refresh token revokes its whole family', async () => {
  const srv = await startServer();
  try {
    const u = await makeUser(srv, 'buyer');
    const other = await api(srv, 'POST', '/api/v1/auth/login', { body: { email: u.email, password: u.password } }); // another device
    assert.equal(other.status, 200);
    const r1 = await api(srv, 'POST', '/api/v1/auth/refresh', { body: { refresh_token: u.refresh } });
    assert.equal(r1.status, 200);
    const reuse = await api(srv, 'POST', '/api/v1/auth/refresh', { body: { refresh_token: u.refresh } });
    assert.equal(reuse.status, 401);
    assert.equal(reuse.body.error.code, 'INVALID_REFRESH_TOKEN');
    const successor = await api(srv, 'POST', '/api/v1/auth/refresh', { body: { refresh_token: r1.body.refresh_token } });
    assert.equal(successor.status, 401, 'the token issued by the rotation is revoked with its family');
    const device2 = await api(srv, 'POST', '/api/v1/auth/refresh', { body: { refresh_token: other.body.refresh_token } });
    assert.equal(device2.status, 200, 'another login (family) is unaffected');
  } finally { await srv.stop(); }
});
