// Benchmark: social sign-in against the built-in sandbox identity provider, end to end over real
// HTTP as a browser walks it: start (302 + state cookie) -> the provider's consent page -> the
// consent form (302 with a code) -> Broadcart's callback (which exchanges the code and reads the
// profile: Kakao/Naver two provider calls, Google the token call and its ID token checked against
// the JWKS) -> POST /api/v1/auth/oauth/exchange. Each round is a new e-mail (a new account), then
// the same person again (a returning sign-in). Prints p50/p99 per provider and kind.
// Usage: [BROADCART_TEST_DATABASE=postgres] node bench/oauth_signin.mjs [rounds=50]  (at most 500)
import { startServer } from '../tests/api/lib.mjs';

const rounds = Math.min(Math.max(Number(process.argv[2] || 50), 1), 500);
const srv = await startServer({
  env: { BROADCART_KAKAO_CLIENT_ID: 'sandbox-kakao', BROADCART_NAVER_CLIENT_ID: 'sandbox-naver', BROADCART_GOOGLE_CLIENT_ID: 'sandbox-google' },
});
const decode = (s) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

async function signIn(provider, email) {
  const t0 = performance.now();
  const s = await fetch(`${srv.base}/api/v1/auth/oauth/${provider}/start`, { redirect: 'manual' });
  const cookie = s.headers.get('set-cookie').split(';')[0];
  const html = await (await fetch(s.headers.get('location'))).text();
  const form = new URLSearchParams();
  for (const m of html.matchAll(/<input type="hidden" name="([a-z_]+)" value="([^"]*)">/g)) form.set(m[1], decode(m[2]));
  form.set('email', email); form.set('name', 'Bench'); form.set('share_email', '1'); form.set('email_verified', '1'); form.set('decision', 'allow');
  const c = await fetch(`${srv.base}/sandbox-idp/consent`, { method: 'POST', body: form, redirect: 'manual' });
  const cb = await fetch(c.headers.get('location'), { headers: { cookie }, redirect: 'manual' });
  const ticket = new URLSearchParams(new URL(cb.headers.get('location')).hash.split('?')[1]).get('ticket');
  const x = await fetch(`${srv.base}/api/v1/auth/oauth/exchange`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ticket }) });
  if (x.status !== 200) throw new Error(`${provider}: exchange ${x.status} ${await x.text()}`);
  return performance.now() - t0;
}

const pct = (a, p) => a.slice().sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(a.length * p))];
try {
  for (const provider of ['kakao', 'naver', 'google']) {
    const first = [], again = [];
    for (let i = 0; i < rounds; i++) {
      const email = `${provider}.bench.${i}@example.com`;
      first.push(await signIn(provider, email));
      again.push(await signIn(provider, email));
    }
    console.log(`${provider.padEnd(6)} new account p50 ${pct(first, 0.5).toFixed(1)} ms p99 ${pct(first, 0.99).toFixed(1)} ms | returning p50 ${pct(again, 0.5).toFixed(1)} ms p99 ${pct(again, 0.99).toFixed(1)} ms (${rounds} each, ${process.env.BROADCART_TEST_DATABASE === 'postgres' ? 'PostgreSQL' : 'SQLite'})`);
  }
} finally {
  await srv.stop();
}
