// The OpenAPI document as a contract: it lints clean (Redocly's recommended rules), every
// documented query parameter is accepted and every other one refused, real responses match the
// documented success schemas, every 201 carries a Location that resolves, the error-code table
// covers every code the sources answer with (same status) and the web client has a message for
// each, and /api/docs serves the reference page under a strict Content-Security-Policy.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, api, makeUser, ROOT } from './lib.mjs';
import { makePng } from './fixtures.mjs';

let srv, doc, tokens, ids;
before(async () => {
  srv = await startServer();
  doc = (await api(srv, 'GET', '/api/openapi.json')).body;
  const seller = await makeUser(srv, 'seller');
  tokens = { seller: seller.token, buyer: (await makeUser(srv, 'buyer')).token, admin: (await makeUser(srv, 'admin')).token };
  const p = await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: 'Contract', price: 1000, stock: 9 } });
  const l = await api(srv, 'POST', '/api/v1/lives', { token: seller.token, body: { title: 'Contract live', scheduled_at: '2030-01-01T00:00:00Z', product_ids: [p.body.id] } });
  ids = { product: p.body.id, live: l.body.id };
});
after(async () => { await srv.stop(); });

test('redocly lint (recommended rules) reports no errors', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bc-openapi-'));
  try {
    const file = path.join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(doc, null, 1));
    let out;
    try {
      out = execFileSync(path.join(ROOT, 'node_modules/.bin/redocly'), ['lint', '--extends=recommended', '--format=json', file],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' } });
    } catch (e) {
      out = e.stdout; // exit 1 when there are errors: the report says which
    }
    const report = JSON.parse(out.slice(out.indexOf('{')));
    const problems = report.problems || [];
    const errors = problems.filter((p) => p.severity === 'error');
    const warnings = problems.filter((p) => p.severity === 'warn');
    console.log(`redocly lint: ${errors.length} errors, ${warnings.length} warnings (${warnings.map((w) => w.ruleId).join(', ')})`);
    assert.deepEqual(errors.map((e) => `${e.ruleId}: ${e.message} at ${e.location?.[0]?.pointer}`), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the document has servers, security on every operation, url-safe operationIds, described tags and typed ids', () => {
  assert.ok(doc.servers?.length >= 1);
  const tagNames = new Set(doc.tags.map((t) => { assert.ok(t.description, t.name); return t.name; }));
  for (const [p, item] of Object.entries(doc.paths)) {
    for (const [m, op] of Object.entries(item)) {
      const what = `${m} ${p}`;
      assert.ok(Array.isArray(op.security), `${what} security`);
      assert.match(op.operationId, /^[A-Za-z0-9_]+$/, what);
      for (const t of op.tags) assert.ok(tagNames.has(t), `${what} tag ${t}`);
      // success is a 2xx, or a 302 for the routes a browser is sent through (social sign-in)
      const ok = Object.keys(op.responses).find((s) => /^2/.test(s) || s === '302');
      assert.ok(ok, `${what} has a success response`);
      if (ok !== '204' && ok !== '302' && !op['x-internal']) assert.ok(op.responses[ok].content, `${what} success schema`);
      assert.ok(Object.keys(op.responses).some((s) => /^4/.test(s)), `${what} documents its 4xx`);
      for (const prm of op.parameters || []) {
        if (prm.in === 'path' && /(^id$|_id$)/.test(prm.name) && !p.includes('/orders/{id}')) {
          assert.equal(prm.schema.type, 'integer', `${what} ${prm.name}`);
          assert.equal(prm.schema.minimum, 1);
        }
      }
      const walk = (s, where) => {
        if (!s || typeof s !== 'object') return;
        if (s.type === 'array' || (Array.isArray(s.type) && s.type.includes('array'))) assert.ok(s.items, `${where}: array without items`);
        for (const v of Object.values(s.properties || {})) walk(v, where);
        if (s.items) walk(s.items, where);
      };
      walk(op.requestBody?.content?.['application/json']?.schema, what);
    }
  }
  for (const [name, s] of Object.entries(doc.components.schemas)) {
    const walk = (x) => {
      if (!x || typeof x !== 'object') return;
      if (x.type === 'array') assert.ok(x.items, `${name}: array without items`);
      for (const v of Object.values(x.properties || {})) walk(v);
      if (x.items) walk(x.items);
      for (const v of x.oneOf || []) walk(v);
    };
    walk(s);
  }
});

// A token for the operation's roles, and its path with real ids.
function callerFor(op) {
  const roles = op['x-roles'] || [];
  return roles.includes('buyer') ? tokens.buyer : roles.includes('seller') ? tokens.seller : roles.length ? tokens.admin : undefined;
}
function concrete(p) {
  return p.replace('{orderId}', 'order_000000').replace('{paymentKey}', 'tsbx_none')
    .replace(/\/lives\/\{id\}/, `/lives/${ids.live}`).replace(/\{[^}]+\}/g, String(ids.product));
}
// A value the parameter's schema accepts.
function validValue(s) {
  if (s.examples) return String(s.examples[0]);
  if (s.enum) return String(s.enum[0]);
  if (s.default !== undefined) return String(s.default);
  if (s.type === 'integer') return String(s.minimum ?? 1);
  if (s.type === 'boolean') return 'true';
  return 'x'.repeat(Math.max(1, s.minLength || 0));
}
// a BC_RT_PAGE route's query refusal is the router's "Bad request" page (a page's own 400, such as
// the sandbox identity provider's unknown client, is the handler answering an accepted query)
const refusedQuery = (r, name) => (r.status === 400 && (r.body?.error?.code === 'INVALID_QUERY'
  || (/^text\/html/.test(r.headers.get('content-type') || '') && /<title>Bad request<\/title>/.test(String(r.body)))))
  || (r.status === 422 && typeof r.body?.error?.message === 'string' && r.body.error.message.includes(`'${name}'`));

test('every documented query parameter is accepted; an undocumented one is refused', async () => {
  let documented = 0, routes = 0;
  for (const [p, item] of Object.entries(doc.paths)) {
    for (const [m, op] of Object.entries(item)) {
      const method = m.toUpperCase();
      const token = callerFor(op);
      const url = concrete(p);
      const query = (op.parameters || []).filter((x) => x.in === 'query');
      // the required ones, so that each optional one is tried in a request the route accepts
      const base = new URLSearchParams();
      for (const q of query.filter((x) => x.required)) base.set(q.name, validValue(q.schema));
      for (const q of query) {
        const qs = new URLSearchParams(base);
        qs.set(q.name, validValue(q.schema));
        const r = await api(srv, method, `${url}?${qs}`, { token, body: op.requestBody?.content?.['application/json'] ? {} : undefined });
        assert.ok(!refusedQuery(r, q.name), `${method} ${p}?${qs} refused: ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
        documented++;
      }
      const qs = new URLSearchParams(base);
      qs.set('no_such_param', '1');
      const r = await api(srv, method, `${url}?${qs}`, { token, body: op.requestBody?.content?.['application/json'] ? {} : undefined });
      assert.equal(r.status, 400, `${method} ${p} with an undocumented parameter: ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
      if (!/^text\/html/.test(r.headers.get('content-type') || '')) {
        assert.equal(r.body.error.code, 'INVALID_QUERY');
        assert.match(r.body.error.message, /no_such_param/);
      }
      routes++;
    }
  }
  assert.ok(documented >= 20, `only ${documented} documented query parameters`);
  assert.ok(routes >= 30, `only ${routes} routes`);
  // the nginx-rtmp callbacks' parameters are documented, not refused (the token check answers instead)
  const cb = await api(srv, 'POST', '/internal/rtmp/on_publish?token=x&app=live&name=1&addr=127.0.0.1&clientid=3&call=publish&tcurl=rtmp%3A%2F%2Fx&flashver=FMLE&type=live&key=k');
  assert.ok(!refusedQuery(cb, 'token'), `${cb.status}`);
  // repeated, badly encoded: 400
  assert.equal((await api(srv, 'GET', '/api/v1/products?page=1&page=2')).body.error.code, 'INVALID_QUERY');
  assert.equal((await api(srv, 'GET', '/api/v1/products?q=%zz')).body.error.code, 'INVALID_QUERY');
  assert.equal((await api(srv, 'GET', '/api/v1/products?q=%00')).body.error.code, 'INVALID_QUERY');
  // typed and bounded: 422 naming the parameter
  for (const [q, name] of [['page=0', 'page'], ['per_page=21', 'per_page'], ['sort=evil', 'sort'], ['category_id=x', 'category_id'], ['q=%ff', 'q'], ['q=a%1bb', 'q']]) {
    const r = await api(srv, 'GET', `/api/v1/products?${q}`);
    assert.equal(r.status, 422, q);
    assert.equal(r.body.error.code, 'VALIDATION_FAILED');
    assert.ok(r.body.error.message.includes(`'${name}'`), r.body.error.message);
  }
  // an empty value counts as absent; defaults apply
  const d = await api(srv, 'GET', '/api/v1/products?q=&page=&sort=');
  assert.equal(d.status, 200);
  assert.equal(d.body.per_page, 20);
  assert.equal((await api(srv, 'GET', '/api/v1/seller/products?per_page=100', { token: tokens.seller })).body.per_page, 100);
});

test('every query parameter the web client sends is documented for its route', () => {
  const documented = (p, m = 'get') => new Set((doc.paths[p]?.[m]?.parameters || []).filter((x) => x.in === 'query').map((x) => x.name));
  const files = ['web', 'web/views'].flatMap((d) => readdirSync(path.join(ROOT, d)).filter((f) => f.endsWith('.js')).map((f) => path.join(ROOT, d, f)));
  let seen = 0;
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    // literal URLs with a query: '/api/v1/seller/products?per_page=100', `/api/v1/lives/${id}/chat?limit=50`
    for (const m of text.matchAll(/['`](\/api\/v1\/[^'`?\s]+)\?([^'`\s]+)['`]/g)) {
      const route = m[1].replace(/\$\{[^}]+\}/g, '{id}');
      const p = Object.keys(doc.paths).find((x) => x.replace(/\{[^}]+\}/g, '{id}') === route);
      assert.ok(p, `${f}: ${m[1]} is not a documented path`);
      for (const [k] of new URLSearchParams(m[2])) { assert.ok(documented(p).has(k), `${f}: ${p}?${k} is not documented`); seen++; }
    }
    // the sandbox checkout URL built with searchParams.set
    if (/checkout_url/.test(text)) {
      for (const m of text.matchAll(/searchParams\.set\('([^']+)'/g)) { assert.ok(documented('/sandbox-pg/checkout').has(m[1]), `${f}: checkout ${m[1]} is not documented`); seen++; }
    }
    // the product list built with qs({...})
    for (const m of text.matchAll(/get\('(\/api\/v1\/[a-z/]+)' \+ qs\(\{([^}]*)\}/g)) {
      for (const k of m[2].matchAll(/(\w+):/g)) { assert.ok(documented(m[1]).has(k[1]), `${f}: ${m[1]}?${k[1]} is not documented`); seen++; }
    }
  }
  assert.ok(seen >= 10, `only ${seen} parameters found in the web client`);
});

// A small JSON Schema check (the subset the document uses).
function check(schema, v, where, errs) {
  if (schema.$ref) return check(doc.components.schemas[schema.$ref.split('/').pop()], v, where, errs);
  if (schema.oneOf) {
    const ok = schema.oneOf.filter((s) => { const e = []; check(s, v, where, e); return e.length === 0; });
    if (ok.length !== 1) errs.push(`${where}: matches ${ok.length} of oneOf`);
    return;
  }
  const types = schema.type === undefined ? null : [].concat(schema.type);
  const t = v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v === 'number' ? 'number' : typeof v;
  if (types && !types.includes(t) && !(t === 'integer' && types.includes('number'))) { errs.push(`${where}: ${t} is not ${types}`); return; }
  if (schema.enum && !schema.enum.includes(v)) errs.push(`${where}: ${JSON.stringify(v)} not in enum`);
  if (t === 'object') {
    for (const r of schema.required || []) if (!(r in v)) errs.push(`${where}.${r}: missing`);
    for (const [k, x] of Object.entries(v)) {
      if (schema.properties?.[k]) check(schema.properties[k], x, `${where}.${k}`, errs);
      else if (schema.properties && schema.additionalProperties !== true) errs.push(`${where}.${k}: undocumented`);
    }
  }
  if (t === 'array' && schema.items) v.forEach((x, i) => check(schema.items, x, `${where}[${i}]`, errs));
}
function assertMatches(method, p, r) {
  const op = doc.paths[p][method.toLowerCase()];
  const res = op.responses[String(r.status)];
  assert.ok(res, `${method} ${p}: status ${r.status} is not documented (${JSON.stringify(r.body).slice(0, 200)})`);
  const schema = res.content?.['application/json']?.schema;
  if (!schema) return;
  const errs = [];
  check(schema, r.body, `${method} ${p}`, errs);
  assert.deepEqual(errs, [], JSON.stringify(r.body).slice(0, 300));
}

test('real responses match the documented schemas; every 201 has a Location that resolves', async () => {
  const call = async (method, p, concretePath, opts) => {
    const r = await api(srv, method, concretePath, opts);
    assertMatches(method, p, r);
    return r;
  };
  const seller = tokens.seller, buyer = tokens.buyer;
  const signup = await call('POST', '/api/v1/auth/signup', '/api/v1/auth/signup', { body: { email: `c${Date.now()}@example.com`, password: 'Passw0rd1', name: '계약 🙂' } });
  assert.equal(signup.status, 201);
  assert.equal(signup.headers.get('location'), '/api/v1/me');
  assert.equal((await api(srv, 'GET', signup.headers.get('location'), { token: signup.body.access_token })).body.id, signup.body.user.id);
  await call('POST', '/api/v1/auth/login', '/api/v1/auth/login', { body: { email: 'nobody@example.com', password: 'x' } });
  await call('POST', '/api/v1/auth/refresh', '/api/v1/auth/refresh', { body: { refresh_token: signup.body.refresh_token } });
  await call('GET', '/api/v1/me', '/api/v1/me', { token: buyer });
  const cat = await call('POST', '/api/v1/categories', '/api/v1/categories', { token: tokens.admin, body: { name: '의류', slug: 'wear' } });
  assert.equal(cat.status, 201);
  const catGet = await call('GET', '/api/v1/categories/{id}', cat.headers.get('location'), {});
  assert.equal(catGet.body.id, cat.body.id);
  await call('GET', '/api/v1/categories', '/api/v1/categories', {});
  const img = await fetch(`${srv.base}/api/v1/media/images`, { method: 'POST', headers: { authorization: `Bearer ${seller}`, 'content-type': 'image/png' }, body: makePng(8, 8) });
  const imgBody = await img.json();
  assertMatches('POST', '/api/v1/media/images', { status: img.status, body: imgBody });
  assert.equal(img.headers.get('location'), imgBody.url);
  assert.equal((await fetch(srv.base + img.headers.get('location'))).status, 200);
  const prod = await call('POST', '/api/v1/products', '/api/v1/products', { token: seller, body: { name: '티셔츠', description: '면 100%\n두 줄', price: 5000, stock: 3, category_id: cat.body.id, images: [imgBody.url] } });
  assert.equal(prod.status, 201);
  assert.equal(prod.headers.get('location'), `/api/v1/products/${prod.body.id}`);
  assert.equal((await call('GET', '/api/v1/products/{id}', prod.headers.get('location'), {})).body.id, prod.body.id);
  await call('GET', '/api/v1/products', '/api/v1/products?sort=price_asc', {});
  await call('PUT', '/api/v1/products/{id}/wish', `/api/v1/products/${prod.body.id}/wish`, { token: buyer });
  await call('GET', '/api/v1/products/{id}', `/api/v1/products/${prod.body.id}`, { token: buyer });
  await call('GET', '/api/v1/me/wishlist', '/api/v1/me/wishlist', { token: buyer });
  await call('GET', '/api/v1/me/wishlist/ids', '/api/v1/me/wishlist/ids', { token: buyer });
  await call('GET', '/api/v1/seller/products', '/api/v1/seller/products', { token: seller });
  await call('PATCH', '/api/v1/products/{id}', `/api/v1/products/${prod.body.id}`, { token: seller, body: { stock: 4 } });
  const live = await call('POST', '/api/v1/lives', '/api/v1/lives', { token: seller, body: { title: '라이브', scheduled_at: '2030-01-01T00:00:00Z', product_ids: [prod.body.id] } });
  assert.equal(live.status, 201);
  assert.equal(live.headers.get('location'), `/api/v1/lives/${live.body.id}`);
  assert.equal((await call('GET', '/api/v1/lives/{id}', live.headers.get('location'), {})).body.id, live.body.id);
  await call('GET', '/api/v1/lives', '/api/v1/lives', {});
  await call('GET', '/api/v1/seller/lives', '/api/v1/seller/lives', { token: seller });
  await call('POST', '/api/v1/lives/{id}/pin', `/api/v1/lives/${live.body.id}/pin`, { token: seller, body: { product_id: prod.body.id } });
  await call('GET', '/api/v1/lives/{id}/chat', `/api/v1/lives/${live.body.id}/chat`, {});
  await call('PUT', '/api/v1/cart/items/{product_id}', `/api/v1/cart/items/${prod.body.id}`, { token: buyer, body: { quantity: 1 } });
  await call('GET', '/api/v1/cart', '/api/v1/cart', { token: buyer });
  const address = { recipient: '홍길동', phone: '010-1234-5678', postcode: '06236', address1: '서울 강남구 테헤란로 1' };
  const order = await call('POST', '/api/v1/orders', '/api/v1/orders', { token: buyer, body: { from_cart: true, shipping_address: address, live_id: live.body.id } });
  assert.equal(order.status, 201);
  assert.equal(order.headers.get('location'), `/api/v1/orders/${order.body.id}`);
  assert.equal((await call('GET', '/api/v1/orders/{id}', order.headers.get('location'), { token: buyer })).body.id, order.body.id);
  await call('GET', '/api/v1/orders', '/api/v1/orders', { token: buyer });
  await call('GET', '/api/v1/seller/orders', '/api/v1/seller/orders', { token: seller });
  await call('GET', '/api/v1/payments/config', '/api/v1/payments/config', {});
  const pay = await fetch(`${srv.base}/sandbox-pg/v1/sandbox/payments`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ orderId: order.body.order_id, amount: order.body.amount, orderName: 'x' }) });
  const payBody = await pay.json();
  assert.equal(pay.status, 201);
  assertMatches('POST', '/sandbox-pg/v1/sandbox/payments', { status: 201, body: payBody });
  assert.equal(pay.headers.get('location'), `/sandbox-pg/v1/payments/${payBody.paymentKey}`);
  await call('POST', '/api/v1/payments/confirm', '/api/v1/payments/confirm', { token: buyer, body: { payment_key: payBody.paymentKey, order_id: order.body.order_id, amount: order.body.amount } });
  await call('POST', '/api/v1/seller/orders/{id}/ship', `/api/v1/seller/orders/${order.body.id}/ship`, { token: seller, body: { carrier: 'CJ대한통운', tracking_number: '1234' } });
  await call('POST', '/api/v1/seller/orders/{id}/deliver', `/api/v1/seller/orders/${order.body.id}/deliver`, { token: seller });
  // reviews of the delivered line (reviews module)
  await call('GET', '/api/v1/me/reviewable', '/api/v1/me/reviewable', { token: buyer });
  const rev = await call('POST', '/api/v1/order-lines/{id}/review', `/api/v1/order-lines/${order.body.lines[0].line_id}/review`, { token: buyer, body: { rating: 4, text: '좋아요' } });
  assert.equal(rev.status, 201);
  assert.equal((await call('GET', '/api/v1/reviews/{id}', rev.headers.get('location'), {})).body.id, rev.body.id);
  await call('POST', '/api/v1/reviews/{id}/reply', `/api/v1/reviews/${rev.body.id}/reply`, { token: seller, body: { text: '감사합니다' } });
  await call('POST', '/api/v1/reviews/{id}/like', `/api/v1/reviews/${rev.body.id}/like`, { token: seller });
  await call('GET', '/api/v1/products/{id}/reviews', `/api/v1/products/${prod.body.id}/reviews?sort=likes`, {});
  await call('GET', '/api/v1/me/reviews', '/api/v1/me/reviews', { token: buyer });
  await call('POST', '/api/v1/lives/{id}/end', `/api/v1/lives/${live.body.id}/end`, { token: seller });
  await call('GET', '/healthz', '/healthz', {});
  // error answers are documented for their route too
  await call('GET', '/api/v1/products/{id}', '/api/v1/products/999999', {});
  await call('POST', '/api/v1/orders', '/api/v1/orders', { token: buyer, body: { items: [{ product_id: prod.body.id, quantity: 0 }], shipping_address: address } });
  await call('GET', '/api/v1/orders', '/api/v1/orders', {});
});

// Error codes the sources answer with, as [code, status, file].
function sourceCodes() {
  const out = [];
  const walk = (dir) => {
    for (const f of readdirSync(dir)) {
      const p = path.join(dir, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.c$/.test(f) && !p.endsWith(path.join('payments', 'sandbox.c'))) { // the sandbox speaks Toss's codes
        const text = readFileSync(p, 'utf8');
        for (const m of text.matchAll(/(?:bc_res_error|send_error_extra|send_gateway_error)\(\s*\w+,\s*(\d{3}),\s*"([A-Z_]+)"/g)) out.push([m[2], Number(m[1]), p]);
        for (const m of text.matchAll(/problem\(\s*why,\s*"([A-Z_]+)"/g)) out.push([m[1], null, p]);
        for (const m of text.matchAll(/problem\(\s*why,[^;]*\?\s*"([A-Z_]+)"\s*:\s*"([A-Z_]+)"/g)) { out.push([m[1], null, p]); out.push([m[2], null, p]); }
        for (const m of text.matchAll(/\.code = "([A-Z_]+)"/g)) out.push([m[1], null, p]);
      }
    }
  };
  walk(path.join(ROOT, 'src'));
  return out;
}
function tableCodes() {
  const text = readFileSync(path.join(ROOT, 'src/http/errors.c'), 'utf8');
  return new Map([...text.matchAll(/\{"([A-Z_]+)", (\d{3}),/g)].map((m) => [m[1], Number(m[2])]));
}

test('one error-code table: every code in src/ is in it with the same status, and the web client has a message for each', async () => {
  const table = tableCodes();
  const used = sourceCodes();
  assert.ok(used.length > 80, `only ${used.length} code literals found`);
  for (const [code, status, file] of used) {
    assert.ok(table.has(code), `${code} (${file}) is not in src/http/errors.c`);
    if (status !== null) assert.equal(table.get(code), status, `${code} answered with ${status} in ${file}, the table says ${table.get(code)}`);
  }
  assert.deepEqual(doc.components.schemas.ErrorCode.enum, [...table.keys()], 'the document lists the table');
  const { errorMessages } = await import(path.join(ROOT, 'web/i18n.js'));
  for (const code of table.keys()) {
    for (const lang of ['ko', 'en']) assert.ok(errorMessages[lang]?.[code], `web/i18n.js has no ${lang} message for ${code}`);
  }
  // each route's documented codes are table codes with their status
  for (const item of Object.values(doc.paths)) {
    for (const op of Object.values(item)) {
      for (const [st, res] of Object.entries(op.responses)) {
        const codes = res.content?.['application/json']?.schema?.properties?.error?.properties?.code?.enum || [];
        for (const c of codes) assert.equal(table.get(c), Number(st), `${op.operationId} ${c}`);
      }
    }
  }
});

test('GET /api/docs serves the reference page with its scripts in files under a strict CSP', async () => {
  const r = await api(srv, 'GET', '/api/docs');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/html/);
  const csp = r.headers.get('content-security-policy');
  assert.match(csp, /default-src 'self'/);
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.doesNotMatch(csp, /unsafe-eval|script-src[^;]*unsafe-inline/);
  const scripts = [...r.body.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
  assert.ok(scripts.length >= 2);
  for (const [, attrs, content] of scripts) {
    assert.equal(content.trim(), '', 'no inline script');
    const src = /src="([^"]+)"/.exec(attrs)[1];
    const s = await fetch(srv.base + src);
    assert.equal(s.status, 200, src);
    assert.match(s.headers.get('content-type'), /javascript/);
    await s.arrayBuffer();
  }
  assert.ok(existsSync(path.join(ROOT, 'web/api-docs.js')));
});
