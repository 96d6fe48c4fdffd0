// Social sign-in (issue 9): Kakao, Naver and Google through the sandbox identity provider that
// Broadcart serves, reached over real HTTP exactly as the real providers would be. Each test walks
// the browser's part by hand: start (302 + state cookie) -> the provider's consent page -> the
// consent form's 302 back to the callback -> the callback's 302 into the web client -> exchange.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, makeUser, sql } from './lib.mjs';

let srv;
before(async () => {
  srv = await startServer({
    env: {
      BROADCART_KAKAO_CLIENT_ID: 'sandbox-kakao', BROADCART_KAKAO_CLIENT_SECRET: 'kakao-secret',
      BROADCART_NAVER_CLIENT_ID: 'sandbox-naver', BROADCART_NAVER_CLIENT_SECRET: 'naver-secret',
      BROADCART_GOOGLE_CLIENT_ID: 'sandbox-google.apps.googleusercontent.com', BROADCART_GOOGLE_CLIENT_SECRET: 'google-secret',
    },
  });
});
after(async () => { await srv?.stop(); });

const decode = (s) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
let seq = 0;
const count = (statement) => Number(sql(srv, statement).trim());
const uniqueEmail = (p) => `${p}.${process.pid}.${++seq}@example.com`;

// start: returns the provider's authorization URL and the state cookie
async function start(provider, { remember = true, next } = {}) {
  const q = new URLSearchParams({ remember: String(remember) });
  if (next) q.set('next', next);
  const r = await fetch(`${srv.base}/api/v1/auth/oauth/${provider}/start?${q}`, { redirect: 'manual' });
  assert.equal(r.status, 302, await r.text());
  const setCookie = r.headers.get('set-cookie');
  assert.match(setCookie, /HttpOnly/);
  assert.match(setCookie, /SameSite=Lax/);
  return { authorize: r.headers.get('location'), cookie: setCookie.split(';')[0] };
}

// the consent page, filled and submitted as a browser would: returns the callback URL
async function consent(authorize, { email, name = '테스트', share = true, verified = true, mode, decision = 'allow' } = {}) {
  const page = await fetch(authorize);
  const html = await page.text();
  assert.equal(page.status, 200, html);
  assert.match(page.headers.get('content-security-policy'), /frame-ancestors 'none'/);
  const form = new URLSearchParams();
  for (const m of html.matchAll(/<input type="hidden" name="([a-z_]+)" value="([^"]*)">/g)) form.set(m[1], decode(m[2]));
  form.set('email', email);
  form.set('name', name);
  if (share) form.set('share_email', '1');
  if (verified) form.set('email_verified', '1');
  if (mode) form.set('id_token_mode', mode);
  form.set('decision', decision);
  const r = await fetch(`${srv.base}/sandbox-idp/consent`, { method: 'POST', body: form, redirect: 'manual' });
  assert.equal(r.status, 302, await r.text());
  return r.headers.get('location');
}

// the callback: returns the web client route it redirects to, as {route, params}
async function callback(url, cookie) {
  const r = await fetch(url, { headers: cookie ? { cookie } : {}, redirect: 'manual' });
  assert.equal(r.status, 302, await r.text());
  const loc = new URL(r.headers.get('location'));
  assert.equal(loc.origin, srv.base, 'back into this server\'s web client');
  const [route, query = ''] = loc.hash.slice(1).split('?');
  return { route, params: Object.fromEntries(new URLSearchParams(query)) };
}

async function signIn(provider, opts = {}) {
  const s = await start(provider, opts);
  const cb = await consent(s.authorize, opts);
  return callback(cb, s.cookie);
}

async function exchange(ticket) { return api(srv, 'POST', '/api/v1/auth/oauth/exchange', { body: { ticket } }); }

test('the login page lists the providers that are set up', async () => {
  const r = await api(srv, 'GET', '/api/v1/auth/providers');
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.items.map((p) => p.provider), ['kakao', 'naver', 'google']);
  assert.equal(r.body.items[0].start_url, '/api/v1/auth/oauth/kakao/start');
  // a server without settings hides them all and refuses to start
  const bare = await startServer();
  try {
    assert.deepEqual((await api(bare, 'GET', '/api/v1/auth/providers')).body.items, []);
    const s = await api(bare, 'GET', '/api/v1/auth/oauth/kakao/start');
    assert.equal(s.status, 404);
    assert.equal(s.body.error.code, 'OAUTH_PROVIDER_UNAVAILABLE');
  } finally { await bare.stop(); }
});

for (const provider of ['kakao', 'naver', 'google']) {
  test(`${provider}: full flow creates an account once, then signs the same person in`, async () => {
    const email = provider === 'naver' ? `user${process.pid}${++seq}@naver.com` : uniqueEmail(provider);
    const s = await start(provider);
    const au = new URL(s.authorize);
    assert.equal(au.searchParams.get('response_type'), 'code');
    assert.ok(au.searchParams.get('state'));
    assert.equal(s.cookie, `bc_oauth=${au.searchParams.get('state')}`, 'the state is bound to the browser');
    assert.equal(au.searchParams.get('redirect_uri'), `${srv.base}/api/v1/auth/oauth/${provider}/callback`);
    if (provider === 'naver') assert.equal(au.searchParams.get('code_challenge'), null);
    else {
      assert.equal(au.searchParams.get('code_challenge_method'), 'S256');
      assert.equal(au.searchParams.get('code_challenge').length, 43);
    }
    if (provider === 'google') assert.ok(au.searchParams.get('nonce'));
    const cb = await consent(s.authorize, { email, name: `${provider} 사용자` });
    const first = await callback(cb, s.cookie);
    assert.equal(first.route, '/oauth/done', JSON.stringify(first));
    const t = await exchange(first.params.ticket);
    assert.equal(t.status, 200, JSON.stringify(t.body));
    assert.equal(t.body.user.email, email);
    assert.equal(t.body.user.role, 'buyer');
    const me = await api(srv, 'GET', '/api/v1/me', { token: t.body.access_token });
    assert.equal(me.body.email_verified, true, 'the provider vouched for the e-mail');
    // the ticket is single use
    assert.equal((await exchange(first.params.ticket)).body.error.code, 'OAUTH_TICKET_INVALID');
    // the same person again: same account, no second one
    const again = await signIn(provider, { email });
    const t2 = await exchange(again.params.ticket);
    assert.equal(t2.body.user.id, t.body.user.id);
    const ids = await api(srv, 'GET', '/api/v1/me/identities', { token: t.body.access_token });
    assert.deepEqual(ids.body.items.map((i) => i.provider), [provider]);
    assert.equal(ids.body.has_password, false);
    // a password login does not work for a social-only account
    const pw = await api(srv, 'POST', '/api/v1/auth/login', { body: { email, password: 'anything1' } });
    assert.equal(pw.status, 401);
  });
}

test('state: another browser\'s callback, a forged state, a replayed state and a denial are refused', async () => {
  const email = uniqueEmail('kakao');
  const s = await start('kakao');
  const cb = await consent(s.authorize, { email });
  // login CSRF: the victim's browser has no (or another) state cookie
  assert.deepEqual(await callback(cb), { route: '/login', params: { oauth_error: 'OAUTH_STATE_INVALID' } });
  const other = await start('kakao');
  assert.equal((await callback(cb, other.cookie)).params.oauth_error, 'OAUTH_STATE_INVALID');
  // a state value that was never issued, even with a matching cookie
  const forged = cb.replace(/state=[^&]+/, 'state=forgedforgedforged');
  assert.equal((await callback(forged, 'bc_oauth=forgedforgedforged')).params.oauth_error, 'OAUTH_STATE_INVALID');
  // the right browser: works once; the same state again is refused
  assert.equal((await callback(cb, s.cookie)).route, '/oauth/done');
  assert.equal((await callback(cb, s.cookie)).params.oauth_error, 'OAUTH_STATE_INVALID');
  // an expired state
  const late = await start('kakao');
  const lateCb = await consent(late.authorize, { email });
  sql(srv, `UPDATE oauth_states SET expires_at = 1 WHERE used_at IS NULL`);
  assert.equal((await callback(lateCb, late.cookie)).params.oauth_error, 'OAUTH_STATE_EXPIRED');
  // the user says no at the provider
  const d = await start('naver');
  const denied = await consent(d.authorize, { email, decision: 'deny' });
  assert.match(denied, /error=access_denied/);
  assert.equal((await callback(denied, d.cookie)).params.oauth_error, 'OAUTH_DENIED');
});

test('a replayed authorization code is refused by the provider and signs nobody in', async () => {
  const email = uniqueEmail('google');
  const a = await start('google');
  const cbA = await consent(a.authorize, { email });
  assert.equal((await callback(cbA, a.cookie)).route, '/oauth/done');
  // the same code under a fresh, valid state: the provider says invalid_grant
  const b = await start('google');
  const code = new URL(cbA).searchParams.get('code');
  const stateB = new URL(b.authorize).searchParams.get('state');
  const replay = `${srv.base}/api/v1/auth/oauth/google/callback?code=${code}&state=${stateB}`;
  assert.deepEqual(await callback(replay, b.cookie), { route: '/login', params: { oauth_error: 'OAUTH_CODE_REJECTED' } });
  // the token endpoint itself: a used code, a wrong verifier, a wrong client secret
  const c = await start('kakao');
  const cbC = await consent(c.authorize, { email: uniqueEmail('kakao') });
  const form = (over) => new URLSearchParams({
    grant_type: 'authorization_code', client_id: 'sandbox-kakao', client_secret: 'kakao-secret',
    redirect_uri: `${srv.base}/api/v1/auth/oauth/kakao/callback`, code: new URL(cbC).searchParams.get('code'),
    code_verifier: 'x'.repeat(64), ...over,
  });
  let r = await fetch(`${srv.base}/sandbox-idp/kakao/kauth/oauth/token`, { method: 'POST', body: form({ client_secret: 'wrong' }) });
  assert.equal(r.status, 401);
  assert.equal((await r.json()).error, 'invalid_client');
  r = await fetch(`${srv.base}/sandbox-idp/kakao/kauth/oauth/token`, { method: 'POST', body: form({}) });
  const body = await r.json();
  assert.equal(r.status, 400);
  assert.equal(body.error, 'invalid_grant');
  assert.equal(body.error_code, 'KOE422', 'PKCE: the verifier does not match the challenge');
});

for (const [mode, why] of [['wrong_audience', 'audience'], ['expired', 'expired'], ['wrong_issuer', 'issuer'],
  ['wrong_nonce', 'nonce'], ['bad_signature', 'signature']]) {
  test(`google: an ID token with ${why} wrong is refused`, async () => {
    const email = uniqueEmail('google');
    const r = await signIn('google', { email, mode });
    assert.deepEqual(r, { route: '/login', params: { oauth_error: 'OAUTH_ID_TOKEN_INVALID' } });
    assert.equal(count(`SELECT count(*) AS n FROM users WHERE email = '${email}'`), 0, 'no account made');
  });
}

test('an e-mail that has a password account asks for its password once, then links', async () => {
  const owner = await makeUser(srv, 'buyer');
  // a provider that does not vouch for the address still never links silently
  const r = await signIn('kakao', { email: owner.email.toUpperCase(), verified: false });
  assert.equal(r.route, '/oauth/link');
  assert.equal(r.params.provider, 'kakao');
  assert.match(r.params.email, /^.\*\*\*@/, 'masked');
  let l = await api(srv, 'POST', '/api/v1/auth/oauth/link', { body: { link: r.params.link, password: 'wrong-password1' } });
  assert.equal(l.status, 403);
  assert.equal(l.body.error.code, 'WRONG_PASSWORD');
  assert.equal(count(`SELECT count(*) AS n FROM user_identities WHERE user_id = ${owner.id}`), 0, 'nothing linked');
  l = await api(srv, 'POST', '/api/v1/auth/oauth/link', { body: { link: r.params.link, password: owner.password } });
  assert.equal(l.status, 200, JSON.stringify(l.body));
  assert.equal(l.body.user.id, owner.id);
  // used once
  const again = await api(srv, 'POST', '/api/v1/auth/oauth/link', { body: { link: r.params.link, password: owner.password } });
  assert.equal(again.body.error.code, 'OAUTH_LINK_INVALID');
  // from now on Kakao signs the owner in directly
  const direct = await signIn('kakao', { email: owner.email });
  assert.equal(direct.route, '/oauth/done');
  assert.equal((await exchange(direct.params.ticket)).body.user.id, owner.id);
  // the owner keeps the password too, so unlinking Kakao is allowed
  const del = await api(srv, 'DELETE', '/api/v1/me/identities/kakao', { token: l.body.access_token });
  assert.equal(del.status, 204);
});

test('an e-mail whose account has no password is not taken over by another provider', async () => {
  const email = uniqueEmail('both');
  const k = await signIn('kakao', { email });
  const kt = await exchange(k.params.ticket);
  const g = await signIn('google', { email });
  assert.deepEqual(g, { route: '/login', params: { oauth_error: 'OAUTH_ACCOUNT_EXISTS' } });
  // linking from my page while signed in with Kakao works
  const st = await api(srv, 'POST', '/api/v1/me/identities/google/start', { token: kt.body.access_token });
  assert.equal(st.status, 200);
  const cookie = st.headers.get('set-cookie').split(';')[0];
  const cb = await consent(st.body.url, { email });
  assert.deepEqual(await callback(cb, cookie), { route: '/me', params: { linked: 'google' } });
  const ids = await api(srv, 'GET', '/api/v1/me/identities', { token: kt.body.access_token });
  assert.deepEqual(ids.body.items.map((i) => i.provider), ['google', 'kakao']);
  // Google signs the same account in now
  const g2 = await signIn('google', { email });
  assert.equal((await exchange(g2.params.ticket)).body.user.id, kt.body.user.id);
  // unlinking one is fine, the last one is refused
  assert.equal((await api(srv, 'DELETE', '/api/v1/me/identities/google', { token: kt.body.access_token })).status, 204);
  const last = await api(srv, 'DELETE', '/api/v1/me/identities/kakao', { token: kt.body.access_token });
  assert.equal(last.status, 409);
  assert.equal(last.body.error.code, 'LAST_SIGN_IN_METHOD');
  assert.equal((await api(srv, 'DELETE', '/api/v1/me/identities/naver', { token: kt.body.access_token })).status, 404);
});

test('an identity linked to one account cannot be linked to another', async () => {
  const email = uniqueEmail('naver');
  const first = await exchange((await signIn('naver', { email })).params.ticket);
  const other = await makeUser(srv, 'buyer');
  const st = await api(srv, 'POST', '/api/v1/me/identities/naver/start', { token: other.token });
  const cb = await consent(st.body.url, { email });
  assert.deepEqual(await callback(cb, st.headers.get('set-cookie').split(';')[0]), { route: '/me', params: { oauth_error: 'IDENTITY_TAKEN' } });
  assert.equal(first.status, 200);
});

test('unverified and withheld e-mails, remember me, blocked accounts', async () => {
  // Naver does not vouch for a non-Naver address: the account starts unverified and gets a mail
  const email = uniqueEmail('naver');
  const n = await exchange((await signIn('naver', { email })).params.ticket);
  assert.equal((await api(srv, 'GET', '/api/v1/me', { token: n.body.access_token })).body.email_verified, false);
  assert.equal(count(`SELECT count(*) AS n FROM account_tokens WHERE user_id = ${n.body.user.id} AND purpose = 'verify'`), 1);
  // a withheld e-mail (Kakao's optional consent) makes no account
  assert.deepEqual(await signIn('kakao', { email: uniqueEmail('kakao'), share: false }),
    { route: '/login', params: { oauth_error: 'OAUTH_EMAIL_REQUIRED' } });
  // remember=false gives a session refresh token
  const sEmail = uniqueEmail('kakao');
  const s = await exchange((await signIn('kakao', { email: sEmail, remember: false })).params.ticket);
  const [persistent, ttl] = sql(srv, `SELECT persistent, expires_at - created_at FROM refresh_tokens WHERE user_id = ${s.body.user.id}`).trim().split('|').map(Number);
  assert.equal(persistent, 0);
  assert.ok(ttl <= 86400 * 1000, `session refresh token lives ${ttl} ms`);
  // blocked: the callback refuses, and a ticket issued before the block does not exchange
  const ticket = (await signIn('kakao', { email: sEmail })).params.ticket;
  const admin = await makeUser(srv, 'admin');
  assert.equal((await api(srv, 'PATCH', `/api/v1/admin/users/${s.body.user.id}`, { token: admin.token, body: { blocked: true, blocked_reason: 'test' } })).status, 200);
  assert.equal((await exchange(ticket)).body.error.code, 'ACCOUNT_BLOCKED');
  assert.equal((await signIn('kakao', { email: sEmail })).params.oauth_error, 'ACCOUNT_BLOCKED');
});

test('next paths: a safe one is carried through, another site is not', async () => {
  const good = await signIn('kakao', { email: uniqueEmail('kakao'), next: '/live/3' });
  assert.equal(good.params.next, '/live/3');
  const evil = await signIn('kakao', { email: uniqueEmail('kakao'), next: '//evil.example/x' });
  assert.equal(evil.route, '/oauth/done');
  assert.equal(evil.params.next, undefined);
});

test('a sandbox provider with a real client id is refused at start', async () => {
  await assert.rejects(startServer({ env: { BROADCART_KAKAO_CLIENT_ID: '1a2b3c4d5e6f' } }), /sandbox/);
});
