// E-mail verification, find my ID, password reset and change, "keep me signed in" (issue 9), with
// mails caught by a real SMTP server. Expiry is tested by moving expires_at back through sql().
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, makeUser, sql } from './lib.mjs';
import { startSmtp } from './smtp.mjs';

let srv, smtp, seller;
const ADDR = { recipient: '홍길동', phone: '010-1234-5678', postcode: '06236', address1: '서울 강남구 테헤란로 1', address2: '101호' };
let seq = 0;
const mailsTo = (email) => smtp.messages().filter((m) => (m.headers.to || '').includes(email));
const tokenOf = (m, kind) => new RegExp(`#/${kind}\\?token=([A-Za-z0-9_-]+)`).exec(m.body)[1];

async function signup(extra = {}) {
  const email = `rec${++seq}-${process.pid}@gmail.com`;
  const r = await api(srv, 'POST', '/api/v1/auth/signup', { body: { email, password: 'Passw0rd1', name: `회원${seq}`, ...extra } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return { email, password: 'Passw0rd1', name: `회원${seq}`, id: r.body.user.id, token: r.body.access_token, refresh: r.body.refresh_token };
}
const waitMail = (email, pred) => smtp.waitFor((m) => (m.headers.to || '').includes(email) && pred(m));

before(async () => {
  smtp = await startSmtp();
  srv = await startServer({ env: { BROADCART_SMTP_URL: smtp.url, BROADCART_REQUIRE_VERIFIED_EMAIL: '1', BROADCART_VERIFY_MAIL_RATE: '3', BROADCART_PWRESET_RATE_PER_ADDR: '40' } });
  seller = await makeUser(srv, 'seller');
});
after(async () => { await srv?.stop(); await smtp?.stop(); });

test('sign-up mails a verification link; unverified checkout and hold refused, allowed after verifying; link single use', async () => {
  const u = await signup();
  const me = await api(srv, 'GET', '/api/v1/me', { token: u.token });
  assert.equal(me.body.email_verified, false);
  const p = await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: 'V', price: 1000, stock: 5 } });
  assert.equal(p.status, 201);
  let r = await api(srv, 'POST', '/api/v1/orders', { token: u.token, body: { shipping_address: ADDR, items: [{ product_id: p.body.id, quantity: 1 }] } });
  assert.equal(r.status, 403);
  assert.equal(r.body.error.code, 'EMAIL_NOT_VERIFIED');
  r = await api(srv, 'POST', '/api/v1/holds', { token: u.token, body: { product_id: p.body.id, quantity: 1 } });
  assert.equal(r.status, 403);
  assert.equal(r.body.error.code, 'EMAIL_NOT_VERIFIED');
  const m = await waitMail(u.email, (x) => /#\/verify\?token=/.test(x.body));
  const token = tokenOf(m, 'verify');
  // the in-app notice never carries the link, and the sent mail's body is scrubbed from the outbox
  const notes = await api(srv, 'GET', '/api/v1/notifications', { token: u.token });
  assert.ok(!JSON.stringify(notes.body).includes(token));
  // the SENT mail's body (its link) is scrubbed from the outbox right after sending
  for (let i = 0; sql(srv, `SELECT count(*) FROM notice_mails WHERE body LIKE '%${token}%'`).trim() !== '0'; i++) {
    assert.ok(i < 50, 'the sent mail still holds its link');
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(sql(srv, `SELECT count(*) FROM account_tokens WHERE token_hash LIKE '%${token}%'`).trim(), '0');
  r = await api(srv, 'POST', '/api/v1/auth/verify', { body: { token } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  r = await api(srv, 'POST', '/api/v1/auth/verify', { body: { token } });
  assert.equal(r.body.error.code, 'LINK_INVALID');
  assert.equal((await api(srv, 'GET', '/api/v1/me', { token: u.token })).body.email_verified, true);
  r = await api(srv, 'POST', '/api/v1/orders', { token: u.token, body: { shipping_address: ADDR, items: [{ product_id: p.body.id, quantity: 1 }] } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  r = await api(srv, 'POST', '/api/v1/auth/verify/send', { token: u.token });
  assert.equal(r.body.error.code, 'EMAIL_ALREADY_VERIFIED');
});

test('verification: expired link refused; resend throttled per account per hour', async () => {
  const u = await signup();
  const m = await waitMail(u.email, () => true);
  const token = tokenOf(m, 'verify');
  sql(srv, `UPDATE account_tokens SET expires_at = 1 WHERE user_id = ${u.id}`);
  let r = await api(srv, 'POST', '/api/v1/auth/verify', { body: { token } });
  assert.equal(r.body.error.code, 'LINK_EXPIRED');
  assert.equal(r.status, 400);
  // rate 3 per hour: the sign-up mail + 2 resends, then 429
  for (let i = 0; i < 2; i++) assert.equal((await api(srv, 'POST', '/api/v1/auth/verify/send', { token: u.token })).status, 202);
  r = await api(srv, 'POST', '/api/v1/auth/verify/send', { token: u.token });
  assert.equal(r.status, 429);
  assert.equal(r.body.error.code, 'RATE_LIMITED');
  await smtp.waitFor(() => mailsTo(u.email).length === 3);
  assert.equal(mailsTo(u.email).length, 3);
  // a resent link works (the expired one above does not)
  const fresh = mailsTo(u.email).map((x) => tokenOf(x, 'verify')).filter((t) => t !== token);
  assert.equal(fresh.length, 2);
  r = await api(srv, 'POST', '/api/v1/auth/verify', { body: { token: fresh[0] } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
});

test('find my ID: masked e-mail by name + phone, no enumeration, phone sealed', async () => {
  const u = await signup({ phone: '010-9876-5432' });
  let r = await api(srv, 'POST', '/api/v1/auth/find-id', { body: { name: u.name, phone: '01098765432' } });
  assert.equal(r.status, 200);
  assert.equal(r.body.items.length, 1);
  assert.equal(r.body.items[0].email, `r***@gmail.com`);
  assert.ok(!r.body.items[0].email.includes(u.email.split('@')[0]));
  r = await api(srv, 'POST', '/api/v1/auth/find-id', { body: { name: 'someone else', phone: '01098765432' } });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.items, []);
  r = await api(srv, 'POST', '/api/v1/auth/find-id', { body: { name: u.name, phone: '01000000000' } });
  assert.deepEqual(r.body.items, []);
  const row = sql(srv, `SELECT phone FROM users WHERE id = ${u.id}`);
  assert.ok(!row.includes('98765432') && row.startsWith('bcs1.'), row);
  r = await api(srv, 'POST', '/api/v1/auth/signup', { body: { email: 'x' + u.email, password: 'Passw0rd1', name: 'x', phone: '12ab' } });
  assert.equal(r.status, 422);
});

test('password reset: 202 always, single use, 30 min, revokes every refresh token, per-account throttle', async () => {
  const u = await signup();
  let r = await api(srv, 'POST', '/api/v1/auth/password/reset-request', { body: { email: 'nobody-' + u.email } });
  assert.equal(r.status, 202);
  const unknownBody = JSON.stringify(r.body);
  r = await api(srv, 'POST', '/api/v1/auth/password/reset-request', { body: { email: u.email.toUpperCase() } });
  assert.equal(r.status, 202);
  assert.equal(JSON.stringify(r.body), unknownBody);
  const m = await waitMail(u.email, (x) => /reset\/confirm/.test(x.body));
  const token = tokenOf(m, 'reset/confirm');
  // the reset link lives 30 minutes, the verification link 24 hours
  assert.equal(Number(sql(srv, `SELECT expires_at - created_at FROM account_tokens WHERE user_id = ${u.id} AND purpose = 'reset'`).trim()), 30 * 60 * 1000);
  assert.equal(Number(sql(srv, `SELECT expires_at - created_at FROM account_tokens WHERE user_id = ${u.id} AND purpose = 'verify'`).trim()), 24 * 3600 * 1000);
  // a weak password changes nothing
  r = await api(srv, 'POST', '/api/v1/auth/password/reset', { body: { token, password: 'short' } });
  assert.equal(r.body.error.code, 'WEAK_PASSWORD');
  r = await api(srv, 'POST', '/api/v1/auth/password/reset', { body: { token, password: 'NewPassw0rd' } });
  assert.equal(r.status, 204, JSON.stringify(r.body));
  r = await api(srv, 'POST', '/api/v1/auth/password/reset', { body: { token, password: 'OtherPassw0rd' } });
  assert.equal(r.body.error.code, 'LINK_INVALID');
  r = await api(srv, 'POST', '/api/v1/auth/refresh', { body: { refresh_token: u.refresh } });
  assert.equal(r.status, 401);
  assert.equal((await api(srv, 'POST', '/api/v1/auth/login', { body: { email: u.email, password: u.password } })).status, 401);
  assert.equal((await api(srv, 'POST', '/api/v1/auth/login', { body: { email: u.email, password: 'NewPassw0rd' } })).status, 200);
  // expiry
  r = await api(srv, 'POST', '/api/v1/auth/password/reset-request', { body: { email: u.email } });
  await smtp.waitFor(() => mailsTo(u.email).filter((x) => /reset\/confirm/.test(x.body)).length === 2);
  const t2 = tokenOf(mailsTo(u.email).filter((x) => /reset\/confirm/.test(x.body)).find((x) => tokenOf(x, 'reset/confirm') !== token), 'reset/confirm');
  sql(srv, `UPDATE account_tokens SET expires_at = ${Date.now() - 1000} WHERE user_id = ${u.id} AND purpose = 'reset'`);
  r = await api(srv, 'POST', '/api/v1/auth/password/reset', { body: { token: t2, password: 'NewPassw0rd2' } });
  assert.equal(r.body.error.code, 'LINK_EXPIRED');
  // per account: 3 per hour (2 so far), then silently nothing more, still 202
  for (let i = 0; i < 3; i++) assert.equal((await api(srv, 'POST', '/api/v1/auth/password/reset-request', { body: { email: u.email } })).status, 202);
  assert.equal(sql(srv, `SELECT count(*) FROM account_tokens WHERE user_id = ${u.id} AND purpose = 'reset'`).trim(), '3');
});

test('password reset: throttled per client address', async () => {
  const s = await startServer({ env: { BROADCART_SMTP_URL: smtp.url, BROADCART_PWRESET_RATE_PER_ADDR: '2' } });
  try {
    for (let i = 0; i < 2; i++) assert.equal((await api(s, 'POST', '/api/v1/auth/password/reset-request', { body: { email: `a${i}@x.com` } })).status, 202);
    const r = await api(s, 'POST', '/api/v1/auth/password/reset-request', { body: { email: 'a9@x.com' } });
    assert.equal(r.status, 429);
    assert.ok(Number(r.headers.get('retry-after')) >= 1);
  } finally { await s.stop(); }
});

test('change password: needs the current one, other sessions revoked, this one kept', async () => {
  const u = await signup();
  const other = await api(srv, 'POST', '/api/v1/auth/login', { body: { email: u.email, password: u.password } });
  let r = await api(srv, 'POST', '/api/v1/me/password', { token: u.token, body: { current_password: 'wrong1234', new_password: 'Changed123' } });
  assert.equal(r.status, 403);
  assert.equal(r.body.error.code, 'WRONG_PASSWORD');
  r = await api(srv, 'POST', '/api/v1/me/password', { token: u.token, body: { current_password: u.password, new_password: 'Changed123', refresh_token: u.refresh } });
  assert.equal(r.status, 204, JSON.stringify(r.body));
  assert.equal((await api(srv, 'POST', '/api/v1/auth/refresh', { body: { refresh_token: other.body.refresh_token } })).status, 401);
  assert.equal((await api(srv, 'POST', '/api/v1/auth/refresh', { body: { refresh_token: u.refresh } })).status, 200);
  assert.equal((await api(srv, 'POST', '/api/v1/auth/login', { body: { email: u.email, password: 'Changed123' } })).status, 200);
});

test('keep me signed in: remember=false gives a session refresh token (kept on rotation), default 14 days', async () => {
  const u = await signup({ remember: false });
  const life = (r) => Number(sql(srv, `SELECT expires_at - created_at FROM refresh_tokens WHERE user_id = ${u.id} ORDER BY created_at DESC, expires_at DESC LIMIT 1`).trim());
  assert.equal(life(), 86400 * 1000);
  const r = await api(srv, 'POST', '/api/v1/auth/login', { body: { email: u.email, password: u.password, remember: true } });
  assert.equal(r.status, 200);
  assert.equal(Number(sql(srv, `SELECT max(expires_at - created_at) FROM refresh_tokens WHERE user_id = ${u.id}`).trim()), 14 * 86400 * 1000);
  const s = await api(srv, 'POST', '/api/v1/auth/login', { body: { email: u.email, password: u.password, remember: false } });
  const rot = await api(srv, 'POST', '/api/v1/auth/refresh', { body: { refresh_token: s.body.refresh_token } });
  assert.equal(rot.status, 200);
  assert.equal(sql(srv, `SELECT persistent FROM refresh_tokens WHERE user_id = ${u.id} ORDER BY created_at DESC LIMIT 1`).trim(), '0');
});
