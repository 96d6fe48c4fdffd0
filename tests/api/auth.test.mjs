import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, makeUser } from './lib.mjs';

let srv;
before(async () => { srv = await startServer(); });
after(async () => { await srv.stop(); });

test('healthz and openapi', async () => {
  assert.equal((await api(srv, 'GET', '/healthz')).status, 200);
  const doc = await api(srv, 'GET', '/api/openapi.json');
  assert.equal(doc.status, 200);
  assert.equal(doc.body.openapi, '3.1.0');
  assert.ok(doc.body.paths['/api/v1/auth/signup'].post.requestBody);
  assert.ok(doc.body.paths['/api/v1/me'].get.security);
});

test('signup, login, me, refresh rotation, logout', async () => {
  const email = `u${Date.now()}@example.com`;
  const s = await api(srv, 'POST', '/api/v1/auth/signup', { body: { email, password: 'secret123', name: 'Kim' } });
  assert.equal(s.status, 201);
  assert.equal(s.body.user.role, 'buyer');
  assert.equal(s.body.user.password_hash, undefined);
  const dup = await api(srv, 'POST', '/api/v1/auth/signup', { body: { email: email.toUpperCase(), password: 'secret123', name: 'Kim' } });
  assert.equal(dup.status, 409);
  assert.equal(dup.body.error.code, 'EMAIL_TAKEN');

  const bad = await api(srv, 'POST', '/api/v1/auth/login', { body: { email, password: 'wrong1234' } });
  assert.equal(bad.status, 401);
  const l = await api(srv, 'POST', '/api/v1/auth/login', { body: { email, password: 'secret123' } });
  assert.equal(l.status, 200);
  assert.equal(l.body.token_type, 'Bearer');
  assert.ok(l.body.expires_in > 0);
  const me = await api(srv, 'GET', '/api/v1/me', { token: l.body.access_token });
  assert.equal(me.status, 200);
  assert.equal(me.body.email, email);

  const r1 = await api(srv, 'POST', '/api/v1/auth/refresh', { body: { refresh_token: l.body.refresh_token } });
  assert.equal(r1.status, 200);
  assert.notEqual(r1.body.refresh_token, l.body.refresh_token);
  const reuse = await api(srv, 'POST', '/api/v1/auth/refresh', { body: { refresh_token: l.body.refresh_token } });
  assert.equal(reuse.status, 401);

  const out = await api(srv, 'POST', '/api/v1/auth/logout', { token: r1.body.access_token, body: { refresh_token: r1.body.refresh_token } });
  assert.equal(out.status, 204);
  const after = await api(srv, 'POST', '/api/v1/auth/refresh', { body: { refresh_token: r1.body.refresh_token } });
  assert.equal(after.status, 401);
});

test('signup validation', async () => {
  const weak = await api(srv, 'POST', '/api/v1/auth/signup', { body: { email: 'w@example.com', password: 'short', name: 'W' } });
  assert.equal(weak.status, 422);
  const noDigit = await api(srv, 'POST', '/api/v1/auth/signup', { body: { email: 'w@example.com', password: 'longpassword', name: 'W' } });
  assert.equal(noDigit.status, 422);
  const email = await api(srv, 'POST', '/api/v1/auth/signup', { body: { email: 'not-an-email', password: 'secret123', name: 'W' } });
  assert.equal(email.status, 422);
  const type = await api(srv, 'POST', '/api/v1/auth/signup', { body: { email: 5, password: 'secret123', name: 'W' } });
  assert.equal(type.status, 422);
  const extra = await api(srv, 'POST', '/api/v1/auth/signup', { body: { email: 'x@example.com', password: 'secret123', name: 'W', role: 'admin' } });
  assert.equal(extra.status, 422, 'unknown fields (like role) are refused');
  const malformed = await api(srv, 'POST', '/api/v1/auth/signup', { raw: '{"email":', headers: { 'content-type': 'application/json' } });
  assert.equal(malformed.status, 400);
  assert.equal(malformed.body.error.code, 'INVALID_JSON');
  const huge = await api(srv, 'POST', '/api/v1/auth/signup', { raw: JSON.stringify({ email: 'h@example.com', password: 'secret123', name: 'x'.repeat(200000) }) });
  assert.equal(huge.status, 413);
});

test('tokens: forged, tampered, missing', async () => {
  const u = await makeUser(srv, 'buyer');
  const parts = u.token.split('.');
  const tampered = [parts[0], Buffer.from(JSON.stringify({ sub: '1', role: 'admin', name: 'x', exp: 9999999999 })).toString('base64url'), parts[2]].join('.');
  assert.equal((await api(srv, 'GET', '/api/v1/me', { token: tampered })).status, 401);
  const none = [Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url'), parts[1], ''].join('.');
  assert.equal((await api(srv, 'GET', '/api/v1/me', { token: none })).status, 401);
  assert.equal((await api(srv, 'GET', '/api/v1/me', { token: 'garbage' })).status, 401);
  assert.equal((await api(srv, 'GET', '/api/v1/me')).status, 401);
});

test('repeated failed logins for one e-mail are throttled (429), other accounts are not', async () => {
  const u = await makeUser(srv, 'buyer');
  for (let i = 0; i < 5; i++) {
    const r = await api(srv, 'POST', '/api/v1/auth/login', { body: { email: u.email, password: 'wrong-pass-1' } });
    assert.equal(r.status, 401);
  }
  const blocked = await api(srv, 'POST', '/api/v1/auth/login', { body: { email: u.email.toUpperCase(), password: u.password } });
  assert.equal(blocked.status, 429);
  assert.equal(blocked.body.error.code, 'TOO_MANY_ATTEMPTS');
  assert.ok(Number(blocked.headers.get('retry-after')) > 0);
  const other = await makeUser(srv, 'buyer');
  assert.equal(other.token.split('.').length, 3);
});
