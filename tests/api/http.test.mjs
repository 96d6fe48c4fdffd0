// Generic HTTP behaviour: routing errors, body limits, the OpenAPI document, static files.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer, api } from './lib.mjs';

let srv;
before(async () => { srv = await startServer(); });
after(async () => { await srv.stop(); });

test('unknown API path is a JSON 404, wrong method a JSON 405', async () => {
  const r = await api(srv, 'GET', '/api/v1/does-not-exist');
  assert.equal(r.status, 404);
  assert.equal(r.body.error.code, 'NOT_FOUND');
  const m = await api(srv, 'DELETE', '/api/v1/auth/login');
  assert.equal(m.status, 405);
  assert.equal(m.body.error.code, 'METHOD_NOT_ALLOWED');
});

test('the OpenAPI document lists the contract routes with roles and body schemas', async () => {
  const { body: doc } = await api(srv, 'GET', '/api/openapi.json');
  const expect = {
    '/api/v1/auth/signup': ['post'], '/api/v1/auth/login': ['post'], '/api/v1/auth/refresh': ['post'],
    '/api/v1/auth/logout': ['post'], '/api/v1/me': ['get'], '/api/v1/categories': ['get'],
    '/api/v1/products': ['get', 'post'], '/api/v1/products/{id}': ['get', 'patch', 'delete'],
    '/api/v1/cart': ['get', 'delete'], '/api/v1/cart/items/{product_id}': ['put', 'delete'],
    '/api/v1/orders': ['get', 'post'], '/api/v1/orders/{id}': ['get'], '/api/v1/orders/{id}/cancel': ['post'],
    '/api/v1/payments/confirm': ['post'], '/api/v1/lives': ['get', 'post'], '/api/v1/lives/{id}': ['get'],
    '/api/v1/lives/{id}/pin': ['post'],
  };
  for (const [p, methods] of Object.entries(expect)) {
    assert.ok(doc.paths[p], `missing ${p}`);
    for (const m of methods) assert.ok(doc.paths[p][m], `missing ${m.toUpperCase()} ${p}`);
  }
  const confirm = doc.paths['/api/v1/payments/confirm'].post;
  const props = confirm.requestBody.content['application/json'].schema.properties;
  assert.deepEqual(Object.keys(props).sort(), ['amount', 'order_id', 'payment_key']);
  assert.ok(confirm.security);
});

test('a body over the limit gets 413 JSON; a broken request does not hurt the server', async () => {
  const big = await api(srv, 'POST', '/api/v1/auth/login', { raw: 'x'.repeat(100000) });
  assert.equal(big.status, 413);
  // garbage on a raw socket
  await new Promise((resolve) => {
    const s = net.connect(srv.port, '127.0.0.1', () => { s.write('GARBAGE \x00\x01\x02 HTTP/9.9\r\n\r\n'); });
    s.on('data', () => {}); s.on('close', resolve); s.on('error', resolve);
    setTimeout(() => { s.destroy(); resolve(); }, 2000);
  });
  assert.equal((await api(srv, 'GET', '/healthz')).status, 200);
});

test('the web client is served', async () => {
  const r = await fetch(`${srv.base}/`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /text\/html/);
  assert.match(await r.text(), /Broadcart/);
});

test('every route is in the OpenAPI document; internal ones are marked x-internal', async () => {
  const { body: doc } = await api(srv, 'GET', '/api/openapi.json');
  assert.ok(doc.paths['/healthz'].get);
  assert.ok(doc.paths['/api/openapi.json'].get);
  for (const p of ['/internal/rtmp/on_publish', '/internal/rtmp/on_publish_done', '/internal/rtmp/on_update']) {
    assert.equal(doc.paths[p].post['x-internal'], true, p);
    assert.equal(doc.paths[p].post['x-loopback-only'], true, p);
  }
  assert.equal(doc.paths['/api/v1/products'].get['x-internal'], undefined);
});

test('responses tell browsers not to sniff types', async () => {
  for (const p of ['/', '/healthz', '/api/v1/nope']) {
    const r = await fetch(srv.base + p);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff', p);
  }
});
