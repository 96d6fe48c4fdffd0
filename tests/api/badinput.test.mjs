// Bad input of every kind, generated from the OpenAPI document (the route table): malformed JSON,
// wrong body shapes, wrong field types, missing required fields and hostile path ids. Every
// answer must be a JSON error with a 4xx status — never a 5xx, never a crash — and nothing may
// change: product stock, orders and lives stay as they were.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, makeUser } from './lib.mjs';

let srv, tokens, productId;
before(async () => {
  srv = await startServer();
  const seller = await makeUser(srv, 'seller');
  tokens = { seller: seller.token, buyer: (await makeUser(srv, 'buyer')).token, admin: (await makeUser(srv, 'admin')).token };
  const p = await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: 'Guarded', price: 1000, stock: 7 } });
  assert.equal(p.status, 201);
  productId = p.body.id;
});
after(async () => { await srv.stop(); });

const wrongValues = { string: [42, true, [], {}], integer: ['1', 1.5, true, [], {}, 1e300], boolean: ['yes', 1, []], object: ['x', 1, []], array: ['x', 1, {}] };
const ids = ['0', '-1', 'abc', '99999999999999999999', '1%20OR%201=1', '%00'];

const article = { string: 'a string', integer: 'an integer', boolean: 'a boolean', object: 'an object', array: 'an array' };
const mainType = (s) => [].concat(s.type).find((t) => t !== 'null');
// A value the schema accepts (as far as the route table checks: handlers may still refuse it).
function validOf(s) {
  if (s.examples) return s.examples[0];
  if (s.enum) return s.enum.find((v) => v !== null);
  switch (mainType(s)) {
    case 'integer': return Math.max(s.minimum ?? 1, Math.min(1, s.maximum ?? 1));
    case 'boolean': return true;
    case 'array': return Array.from({ length: Math.max(1, s.minItems || 0) }, () => validOf(s.items || { type: 'string' }));
    case 'object': {
      const o = {};
      for (const [k, v] of Object.entries(s.properties || {})) o[k] = validOf(v);
      return o;
    }
    default: return 'x'.repeat(Math.max(1, s.minLength || 0));
  }
}
// Every field of an object schema as [path, schema]: top-level, nested objects ('a.b'), first array element ('a[0].b').
function fieldsOf(s, prefix = '') {
  const out = [];
  for (const [k, v] of Object.entries(s.properties || {})) {
    const p = prefix + k;
    out.push([p, v]);
    if (mainType(v) === 'object') out.push(...fieldsOf(v, `${p}.`));
    if (mainType(v) === 'array' && v.items) {
      out.push([`${p}[0]`, v.items]);
      if (mainType(v.items) === 'object') out.push(...fieldsOf(v.items, `${p}[0].`));
    }
  }
  return out;
}
// A deep copy of body with the field at path ('a.b', 'a[0].b') set to v.
function withField(body, p, v) {
  const copy = structuredClone(body);
  const keys = p.replace(/\[(\d+)\]/g, '.$1').split('.');
  let o = copy;
  for (const k of keys.slice(0, -1)) o = o[k];
  o[keys.at(-1)] = v;
  return copy;
}

function snapshot() {
  return Promise.all([
    api(srv, 'GET', `/api/v1/products/${productId}`),
    api(srv, 'GET', '/api/v1/orders', { token: tokens.buyer }),
    api(srv, 'GET', '/api/v1/lives'),
  ]).then(([p, o, l]) => JSON.stringify([p.body.stock, p.body.status, o.body.total, l.body.items.length]));
}

function assertClientError(r, what) {
  assert.ok(r.status >= 400 && r.status < 500, `${what} -> ${r.status} ${JSON.stringify(r.body)}`);
  // pages meant for a browser (the sandbox checkout and receipt) answer with an HTML error page
  if (/^text\/html/.test(r.headers.get('content-type') || '')) return;
  // payments: the PortOne sandbox answers in PortOne's envelope {code: non-zero integer, message}
  // (or Broadcart's own {error} from the HTTP layer, e.g. BAD_PATH, before the route runs)
  if (what.includes('/sandbox-portone/')) {
    const c = r.body?.code ?? r.body?.error?.code;
    assert.ok((Number.isInteger(c) && c !== 0) || typeof c === 'string', `${what} -> no PortOne error: ${JSON.stringify(r.body)}`);
    return;
  }
  // the sandbox gateway answers in Toss's own error format {code, message}
  const code = what.includes('/sandbox-pg/') ? r.body?.code ?? r.body?.error?.code : r.body?.error?.code;
  assert.equal(typeof code, 'string', `${what} -> no JSON error: ${JSON.stringify(r.body)}`);
}

test('every route refuses malformed and mistyped bodies and hostile ids without side effects', async () => {
  const { body: doc } = await api(srv, 'GET', '/api/openapi.json');
  const before = await snapshot();
  let calls = 0;
  const varied = new Set();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const roles = op['x-roles'] || [];
      const token = roles.includes('buyer') ? tokens.buyer : roles.includes('seller') ? tokens.seller : roles.length ? tokens.admin : tokens.buyer;
      const concrete = path.replace(/\{[^}]+\}/g, String(productId));
      const schema = op.requestBody?.content?.['application/json']?.schema;
      if (schema) {
        for (const raw of ['{', '[]', '"text"', 'null', '{"a":1,"a":2}']) {
          const r = await api(srv, method.toUpperCase(), concrete, { token, raw, headers: { 'content-type': 'application/json' } });
          assertClientError(r, `${method} ${path} raw ${raw}`);
          calls++;
        }
        // a body the validator accepts, then one field at a time made wrong (nested ones too):
        // the answer must name that field's type problem, not a missing sibling
        const base = validOf(schema);
        for (const [field, def] of fieldsOf(schema)) {
          varied.add(`${method.toUpperCase()} ${path} ${field}${def.enum ? ' (enum)' : ''}`);
          for (const v of wrongValues[mainType(def)] || []) {
            const body = withField(base, field, v);
            const r = await api(srv, method.toUpperCase(), concrete, { token, body });
            const what = `${method} ${path} ${field}=${JSON.stringify(v)}`;
            assertClientError(r, what);
            assert.equal(r.status, 422, what);
            assert.equal(r.body.error.code, 'VALIDATION_FAILED', what);
            assert.equal(r.body.error.message, `'${field}' must be ${article[mainType(def)]}`, what);
            calls++;
          }
          if (def.enum) {
            const r = await api(srv, method.toUpperCase(), concrete, { token, body: withField(base, field, 'NO_SUCH_VALUE') });
            assert.equal(r.status, 422, `${path} ${field} enum`);
            assert.match(r.body.error.message, new RegExp(`^'${field.replace(/[[\]]/g, '\\$&')}' must be one of: `), `${path} ${field} enum`);
            calls++;
          }
        }
        const r = await api(srv, method.toUpperCase(), concrete, { token, body: { no_such_field: 1 } });
        assertClientError(r, `${method} ${path} unknown field`);
        calls++;
      }
      if (path.includes('{')) {
        for (const id of ids) {
          const p = path.replace(/\{[^}]+\}/g, id);
          const r = await api(srv, method.toUpperCase(), p, { token, body: schema ? {} : undefined });
          assertClientError(r, `${method} ${p}`);
          calls++;
        }
      }
    }
  }
  assert.ok(calls > 200, `only ${calls} calls were generated`);
  // nested objects, array elements and enums are in the table, so they were varied too
  for (const f of ['POST /api/v1/orders shipping_address.phone', 'POST /api/v1/orders items[0].quantity',
    'POST /api/v1/orders items[0]', 'POST /api/v1/lives product_ids[0]', 'POST /api/v1/products images[0]',
    'POST /api/v1/products status (enum)']) {
    assert.ok(varied.has(f), `${f} was not generated from the document`);
  }
  assert.equal(await snapshot(), before, 'bad input changed state');
  assert.equal((await api(srv, 'GET', '/healthz')).status, 200);
});

test('query parameters out of range are refused', async () => {
  for (const q of ['page=0', 'page=-1', 'per_page=21', 'per_page=0', 'page=abc', 'sort=evil', 'category_id=x', `q=${'x'.repeat(101)}`]) {
    assertClientError(await api(srv, 'GET', `/api/v1/products?${q}`), q);
  }
  assertClientError(await api(srv, 'GET', '/api/v1/lives?status=PAUSED'), 'lives status');
  assertClientError(await api(srv, 'GET', '/api/v1/lives/1/chat?limit=0'), 'chat limit');
});
