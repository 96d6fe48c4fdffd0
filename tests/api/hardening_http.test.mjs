// HTTP hardening: uploads are served only with the type recorded at upload, control bytes in a
// path are refused, Content-Security-Policy, RFC 9112 §6.3 framing, no Server banner, and the
// conventions an integrator expects (HEAD, 405 Allow, OPTIONS/CORS, ETag/304, Cache-Control, gzip,
// X-Request-Id and the access log, 415, 204 without a type).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { readFileSync, writeFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, api, makeUser, ROOT } from './lib.mjs';
import { makePng } from './fixtures.mjs';

let srv, seller;
before(async () => {
  srv = await startServer({ args: ['--demo'] });
  seller = await makeUser(srv, 'seller');
});
after(async () => { await srv.stop(); });

// Sends raw bytes on a new connection; resolves {text, closed} after the peer closes or waitMs.
function raw(port, bytes, waitMs = 1500) {
  return new Promise((resolve) => {
    let text = '', closed = false;
    const s = net.connect(port, '127.0.0.1', () => s.write(bytes));
    const done = () => { clearTimeout(t); s.destroy(); resolve({ text, closed }); };
    const t = setTimeout(done, waitMs);
    s.on('data', (d) => { text += d.toString('latin1'); });
    s.on('end', () => { closed = true; done(); });
    s.on('error', () => { closed = true; done(); });
  });
}
const statuses = (text) => [...text.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));

// GET with node:http (no automatic decompression): {status, headers, bytes}.
function rawGet(port, p, headers = {}, method = 'GET') {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: p, method, headers }, (res) => {
      const parts = [];
      res.on('data', (d) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, bytes: Buffer.concat(parts) }));
    });
    req.on('error', reject);
    req.end();
  });
}

const PNG_XSS = Buffer.concat([makePng(2, 2), Buffer.from('<script>document.title="pwned:"+localStorage.length</script>')]);

test('an uploaded PNG with script is never served as HTML: %00 tricks are 400, the type is the recorded one', async () => {
  const up = await api(srv, 'POST', '/api/v1/media/images', { token: seller.token, raw: PNG_XSS, headers: { 'content-type': 'image/png' } });
  assert.equal(up.status, 201, JSON.stringify(up.body));
  for (const ext of ['.html', '.svg', '.js']) {
    const r = await fetch(`${srv.base}${up.body.url}%00${ext}`);
    const body = await r.text();
    assert.equal(r.status, 400, `${ext}: ${r.headers.get('content-type')}`);
    assert.doesNotMatch(r.headers.get('content-type') || '', /html|svg|javascript/);
    assert.equal(JSON.parse(body).error.code, 'BAD_PATH');
  }
  const ok = await fetch(srv.base + up.body.url);
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get('content-type'), 'image/png');
  assert.match(ok.headers.get('content-security-policy'), /sandbox/);
  assert.ok(Buffer.from(await ok.arrayBuffer()).equals(PNG_XSS));
  assert.match(ok.headers.get('cache-control'), /immutable/);
  const head = await rawGet(srv.port, up.body.url, {}, 'HEAD');
  assert.equal(head.status, 200);
  assert.equal(head.bytes.length, 0);
  assert.equal(Number(head.headers['content-length']), PNG_XSS.length);
  assert.equal(head.headers['content-type'], 'image/png');
  const again = await rawGet(srv.port, up.body.url, { 'if-none-match': ok.headers.get('etag') });
  assert.equal(again.status, 304);
});

test('control bytes anywhere in the decoded path are refused before routing, static files included', async () => {
  for (const p of ['/index.html%00.js', '/api/v1/products%01', '/%7f', '/media/products/1.svg%0a', '/vendor/x%1b']) {
    const r = await api(srv, 'GET', p);
    assert.equal(r.status, 400, p);
    assert.equal(r.body.error.code, 'BAD_PATH', p);
  }
});

test('/media/uploads serves only recorded uploads: a file placed there by other means is 404', async () => {
  const dir = path.join(srv.dataDir, 'media', 'uploads');
  mkdirSync(dir, { recursive: true });
  const planted = 'A'.repeat(32);
  writeFileSync(path.join(dir, `${planted}.png`), PNG_XSS);
  writeFileSync(path.join(dir, 'evil.html'), '<script>alert(1)</script>');
  for (const p of [`/media/uploads/${planted}.png`, '/media/uploads/evil.html', '/media/uploads/evil', '/media/uploads/']) {
    const r = await fetch(srv.base + p);
    await r.arrayBuffer();
    assert.equal(r.status, 404, p);
    assert.doesNotMatch(r.headers.get('content-type') || '', /html/, p);
  }
});

test('demo images under /media keep a fixed type map and a sandboxing CSP', async () => {
  const r = await fetch(`${srv.base}/media/products/1.svg`);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'image/svg+xml');
  assert.match(r.headers.get('content-security-policy'), /default-src 'none'.*sandbox/);
  const dir = path.join(srv.dataDir, 'media', 'products');
  writeFileSync(path.join(dir, 'note.html'), '<script>alert(1)</script>');
  const h = await fetch(`${srv.base}/media/products/note.html`);
  assert.equal(h.status, 200);
  assert.equal(h.headers.get('content-type'), 'application/octet-stream');
  assert.match(h.headers.get('content-security-policy'), /sandbox/);
});

test('the web client carries a strict CSP (no inline script, no framing)', async () => {
  const r = await fetch(`${srv.base}/`);
  const csp = r.headers.get('content-security-policy');
  assert.ok(csp, 'CSP present');
  assert.match(csp, /default-src 'self'/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.match(csp, /script-src 'self' https:\/\/t1\.daumcdn\.net(;|$)/,
    'no unsafe-inline, no third-party script but the postcode search without the SDK');
  assert.match(csp, /frame-src https:\/\/postcode\.map\.daum\.net(;|$)/, 'only the postcode search is framed');
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|tosspayments/);
  const html = await r.text();
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'index.html has no inline script');
  assert.doesNotMatch(html, /\son[a-z]+=/i, 'no inline event handlers');
});

test('the CSP lets the Toss SDK in only when the SDK checkout is used', async () => {
  const sdk = await startServer({ env: { BROADCART_TOSS_CHECKOUT: 'sdk' } });
  try {
    const csp = (await fetch(`${sdk.base}/`)).headers.get('content-security-policy');
    assert.match(csp, /script-src 'self' https:\/\/t1\.daumcdn\.net https:\/\/js\.tosspayments\.com/);
    assert.match(csp, /frame-src https:\/\/postcode\.map\.daum\.net https:\/\/\*\.tosspayments\.com/);
    assert.match(csp, /frame-ancestors 'none'/);
  } finally { await sdk.stop(); }
});

test('RFC 9112 §6.3: Content-Length with Transfer-Encoding is 400 and the connection is closed', async () => {
  const smuggle = 'POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n'
    + 'Content-Type: application/json\r\n\r\n0\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n';
  const r = await raw(srv.port, smuggle);
  assert.deepEqual(statuses(r.text), [400], r.text);
  assert.ok(r.closed, 'connection closed');
});

test('RFC 9112 §6.3: two different Content-Length values are 400 and the connection is closed', async () => {
  const req = 'POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n'
    + 'Content-Length: 40\r\n\r\n{}GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n';
  const r = await raw(srv.port, req);
  assert.deepEqual(statuses(r.text), [400], r.text);
  assert.ok(r.closed, 'connection closed');
  // the same value twice is one length (RFC 9112 §6.3 item 5 allows treating it so)
  const same = await raw(srv.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
  assert.deepEqual(statuses(same.text), [200], same.text);
});

test('no Server banner', async () => {
  for (const p of ['/', '/healthz', '/api/v1/products/1', '/nope.txt']) {
    const r = await fetch(srv.base + p);
    await r.arrayBuffer();
    assert.equal(r.headers.get('server'), null, p);
  }
});

test('HEAD works on every GET route: same status and headers, no body', async () => {
  for (const p of ['/api/v1/products/1', '/api/v1/products', '/api/v1/categories', '/api/v1/lives', '/healthz', '/api/openapi.json', '/']) {
    const g = await rawGet(srv.port, p);
    const h = await rawGet(srv.port, p, {}, 'HEAD');
    assert.equal(h.status, g.status, p);
    assert.equal(h.status, 200, p);
    assert.equal(h.bytes.length, 0, p);
    assert.equal(h.headers['content-type'], g.headers['content-type'], p);
    assert.equal(h.headers['content-length'], g.headers['content-length'], p);
    assert.equal(h.headers.etag, g.headers.etag, p);
  }
});

test('405 carries an Allow header with the path\'s methods', async () => {
  const r = await api(srv, 'DELETE', '/api/v1/auth/login');
  assert.equal(r.status, 405);
  assert.equal(r.headers.get('allow'), 'POST, OPTIONS');
  const p = await api(srv, 'PUT', '/api/v1/products/1');
  assert.equal(p.status, 405);
  assert.equal(p.headers.get('allow'), 'GET, HEAD, PATCH, DELETE, OPTIONS');
  const s = await api(srv, 'POST', '/index.html');
  assert.equal(s.status, 405);
  assert.equal(s.headers.get('allow'), 'GET, HEAD, OPTIONS');
});

test('OPTIONS answers 204 with Allow and, by default, no CORS headers', async () => {
  const r = await fetch(`${srv.base}/api/v1/products`, { method: 'OPTIONS', headers: { origin: 'https://elsewhere.example', 'access-control-request-method': 'POST' } });
  assert.equal(r.status, 204);
  assert.equal(r.headers.get('allow'), 'GET, HEAD, POST, OPTIONS');
  assert.equal(r.headers.get('access-control-allow-origin'), null);
  assert.equal(r.headers.get('content-type'), null);
  assert.equal((await r.text()), '');
  const st = await fetch(`${srv.base}/style.css`, { method: 'OPTIONS' });
  assert.equal(st.status, 204);
  assert.equal(st.headers.get('allow'), 'GET, HEAD, OPTIONS');
  const g = await fetch(`${srv.base}/api/v1/products/1`, { headers: { origin: 'https://elsewhere.example' } });
  assert.equal(g.headers.get('access-control-allow-origin'), null);
});

test('BROADCART_CORS_ORIGINS allows the listed origins (preflight and actual requests), and * any', async () => {
  const c = await startServer({ env: { BROADCART_CORS_ORIGINS: 'https://shop.example, http://127.0.0.1:5173' } });
  try {
    const pre = await fetch(`${c.base}/api/v1/orders`, { method: 'OPTIONS', headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' } });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), 'https://shop.example');
    assert.match(pre.headers.get('access-control-allow-methods'), /POST/);
    assert.match(pre.headers.get('access-control-allow-headers'), /Authorization/i);
    assert.match(pre.headers.get('vary'), /origin/i);
    const get = await fetch(`${c.base}/api/v1/categories`, { headers: { origin: 'http://127.0.0.1:5173' } });
    assert.equal(get.headers.get('access-control-allow-origin'), 'http://127.0.0.1:5173');
    assert.match(get.headers.get('access-control-expose-headers'), /X-Request-Id/);
    const other = await fetch(`${c.base}/api/v1/categories`, { headers: { origin: 'https://evil.example' } });
    assert.equal(other.headers.get('access-control-allow-origin'), null);
  } finally { await c.stop(); }
  const badDir = mkdtempSync(path.join(os.tmpdir(), 'bc-test-'));
  await assert.rejects(startServer({ dataDir: badDir, env: { BROADCART_CORS_ORIGINS: 'shop.example' } }), /BROADCART_CORS_ORIGINS/);
  rmSync(badDir, { recursive: true, force: true });
  const any = await startServer({ env: { BROADCART_CORS_ORIGINS: '*' } });
  try {
    const r = await fetch(`${any.base}/api/v1/categories`, { headers: { origin: 'https://whoever.example' } });
    assert.equal(r.headers.get('access-control-allow-origin'), '*');
  } finally { await any.stop(); }
});

test('public catalog GETs carry an ETag and answer If-None-Match with 304; a change changes the tag', async () => {
  const live = (await api(srv, 'GET', '/api/v1/lives')).body;
  const liveId = (live.items || live)[0].id;
  for (const p of ['/api/v1/products', '/api/v1/products/1', '/api/v1/categories', '/api/v1/lives', `/api/v1/lives/${liveId}`]) {
    const a = await rawGet(srv.port, p);
    assert.equal(a.status, 200, p);
    assert.match(a.headers.etag || '', /^W\/"[0-9a-f]{16}"$/, p);
    assert.equal(a.headers['cache-control'], 'no-cache', p);
    const b = await rawGet(srv.port, p, { 'if-none-match': a.headers.etag });
    assert.equal(b.status, 304, p);
    assert.equal(b.bytes.length, 0, p);
    assert.equal(b.headers.etag, a.headers.etag, p);
    assert.equal(b.headers['content-type'], undefined, p);
    const c = await rawGet(srv.port, p, { 'if-none-match': '"something-else", W/"0000000000000000"' });
    assert.equal(c.status, 200, p);
  }
  const p = await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: 'ETag probe', price: 1000, stock: 3 } });
  assert.equal(p.status, 201, JSON.stringify(p.body));
  const before = (await rawGet(srv.port, `/api/v1/products/${p.body.id}`)).headers.etag;
  assert.equal((await api(srv, 'PATCH', `/api/v1/products/${p.body.id}`, { token: seller.token, body: { price: 2000 } })).status, 200);
  const after = await rawGet(srv.port, `/api/v1/products/${p.body.id}`, { 'if-none-match': before });
  assert.equal(after.status, 200);
  assert.notEqual(after.headers.etag, before);
  // private answers are never stored by caches
  assert.equal((await api(srv, 'GET', '/api/v1/me', { token: seller.token })).headers.get('cache-control'), 'no-store');
});

test('static files: index.html and app files revalidate, the versioned vendor bundle is immutable', async () => {
  const idx = await rawGet(srv.port, '/');
  assert.equal(idx.headers['cache-control'], 'no-cache');
  assert.ok(idx.headers.etag, 'ETag on index.html');
  assert.equal((await rawGet(srv.port, '/', { 'if-none-match': idx.headers.etag })).status, 304);
  assert.equal((await rawGet(srv.port, '/app.js')).headers['cache-control'], 'no-cache');
  // the page names the bundle with its version, so the long cache ends when the version changes
  const version = JSON.parse(readFileSync(path.join(ROOT, 'node_modules/hls.js/package.json'), 'utf8')).version;
  const m = idx.bytes.toString().match(/src="(\/vendor\/hls\.min\.js\?v=([^"]+))"/);
  assert.ok(m, 'index.html loads /vendor/hls.min.js?v=…');
  assert.equal(m[2], version, 'the ?v= in index.html is the installed hls.js version');
  const v = await rawGet(srv.port, m[1], {}, 'HEAD');
  assert.equal(v.status, 200);
  assert.match(v.headers['cache-control'], /max-age=31536000.*immutable/);
});

test('JSON, JS and CSS are gzipped when the client accepts it (hls.js shrinks by more than half)', async () => {
  const plain = await rawGet(srv.port, '/vendor/hls.min.js');
  const gz = await rawGet(srv.port, '/vendor/hls.min.js', { 'accept-encoding': 'gzip' });
  assert.equal(plain.headers['content-encoding'], undefined);
  assert.equal(gz.headers['content-encoding'], 'gzip');
  assert.ok(gz.bytes.length < plain.bytes.length / 2, `${gz.bytes.length} vs ${plain.bytes.length}`);
  const { gunzipSync } = await import('node:zlib');
  assert.ok(gunzipSync(gz.bytes).equals(plain.bytes));
  for (const p of ['/style.css', '/app.js', '/api/v1/products?per_page=20', '/api/openapi.json']) {
    const r = await rawGet(srv.port, p, { 'accept-encoding': 'gzip, deflate' });
    assert.equal(r.headers['content-encoding'], 'gzip', p);
    assert.match(r.headers.vary || '', /accept-encoding/i, p);
  }
  // images are not recompressed
  const img = await rawGet(srv.port, '/media/products/1.svg', { 'accept-encoding': 'gzip' });
  assert.equal(img.headers['content-encoding'], undefined);
});

test('415 for a non-JSON body on a JSON route', async () => {
  const r = await api(srv, 'POST', '/api/v1/auth/login', { raw: 'email=a@b.c&password=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  assert.equal(r.status, 415);
  assert.equal(r.body.error.code, 'UNSUPPORTED_MEDIA_TYPE');
  const t = await api(srv, 'POST', '/api/v1/auth/login', { raw: '{"email":"a@b.c","password":"x"}', headers: { 'content-type': 'text/plain' } });
  assert.equal(t.status, 415);
  const j = await api(srv, 'POST', '/api/v1/auth/login', { raw: '{"email":"a@b.c","password":"xxxxxxxx"}', headers: { 'content-type': 'application/json; charset=utf-8' } });
  assert.equal(j.status, 401);
});

test('204 responses carry no Content-Type and no body', async () => {
  const p = await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: 'to delete', price: 1000, stock: 1 } });
  const r = await rawGet(srv.port, `/api/v1/products/${p.body.id}`, { authorization: `Bearer ${seller.token}` }, 'DELETE');
  assert.equal(r.status, 204);
  assert.equal(r.headers['content-type'], undefined);
  assert.equal(r.headers['content-length'], undefined);
  assert.equal(r.bytes.length, 0);
});

test('X-Request-Id: a sane incoming id is kept, anything else is replaced; every response has one', async () => {
  const a = await fetch(`${srv.base}/api/v1/products/1`, { headers: { 'x-request-id': 'edge-42.abc:9' } });
  assert.equal(a.headers.get('x-request-id'), 'edge-42.abc:9');
  for (const bad of ['x'.repeat(65), 'a b', 'a"b', '<script>']) {
    const r = await fetch(`${srv.base}/healthz`, { headers: { 'x-request-id': bad } });
    const id = r.headers.get('x-request-id');
    assert.notEqual(id, bad);
    assert.match(id, /^[A-Za-z0-9]{8,64}$/);
  }
  const ids = new Set();
  for (const p of ['/', '/healthz', '/api/v1/nope', '/media/products/1.svg', '/nope.css', '/media/uploads/x']) {
    const r = await fetch(srv.base + p);
    await r.arrayBuffer();
    const id = r.headers.get('x-request-id');
    assert.ok(id, p);
    ids.add(id);
  }
  assert.equal(ids.size, 6, 'generated ids are unique');
});

test('access log line at info level with the request id; handler log lines carry it too', async () => {
  const s = await startServer({ env: { BROADCART_LOG_LEVEL: 'info', BROADCART_RTMP_CALLBACK_TOKEN: 'cbtoken-0123456789abcdef' } });
  try {
    await fetch(`${s.base}/api/v1/products?q=secretzzz`, { headers: { 'x-request-id': 'trace-one' } }).then((r) => r.arrayBuffer());
    await fetch(`${s.base}/style.css`, { headers: { 'x-request-id': 'trace-two' } }).then((r) => r.arrayBuffer());
    // a handler that logs (a refused RTMP callback) on a worker thread
    await fetch(`${s.base}/internal/rtmp/on_publish?token=wrong`, { method: 'POST', headers: { 'x-request-id': 'trace-three', 'content-type': 'application/x-www-form-urlencoded' }, body: 'name=1&key=k' }).then((r) => r.arrayBuffer());
    let err = '';
    for (let i = 0; i < 40 && !/trace-three/.test(err); i++) { await new Promise((r) => setTimeout(r, 50)); err = s.stderr(); }
    assert.match(err, /INFO access: GET \/api\/v1\/products 200 \d+ \d+us rid=trace-one\n/);
    assert.doesNotMatch(err, /secretzzz/, 'the query string is not logged');
    assert.match(err, /INFO access: GET \/style\.css 200 \d+ \d+us rid=trace-two\n/);
    assert.match(err, /WARN live: rtmp callback refused[^\n]* rid=trace-three\n/);
    assert.match(err, /INFO access: POST \/internal\/rtmp\/on_publish 403 \d+ \d+us rid=trace-three\n/);
  } finally { await s.stop(); }
});
