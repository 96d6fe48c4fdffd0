// Input hygiene from the route table (bc_field.text): user-visible text fields refuse control
// characters (C0, DEL, C1), bidi embeddings/overrides/isolates and line/paragraph separators
// with 422 VALIDATION_FAILED naming the field; multi-line fields allow \n and \t; Korean and
// emoji stay accepted. Nothing is stored for a refused request.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, makeUser } from './lib.mjs';

let srv, seller, buyer, admin, product, live;
before(async () => {
  srv = await startServer();
  [seller, buyer, admin] = [await makeUser(srv, 'seller'), await makeUser(srv, 'buyer'), await makeUser(srv, 'admin')];
  product = (await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: 'Clean', price: 1000, stock: 50 } })).body;
  live = (await api(srv, 'POST', '/api/v1/lives', { token: seller.token, body: { title: 'Clean live', scheduled_at: '2030-01-01T00:00:00Z', product_ids: [product.id] } })).body;
});
after(async () => { await srv.stop(); });

const hostile = {
  bel: 'a\u0007b', ansi: '\u001b[31mred', cr_lf: 'one\r\ntwo', nul_escape: 'a\u0000b', del: 'a\u007fb', c1_nel: 'a\u0085b',
  rlo: 'abc\u202efdp.exe', lre: '\u202aX', pdf: 'x\u202c', lri: '\u2066x', pdi: 'x\u2069', line_sep: 'a\u2028b', para_sep: 'a\u2029b',
};
const address = { recipient: '홍길동', phone: '010-1234-5678', postcode: '06236', address1: '서울 강남구 테헤란로 1' };

// [label, method, path, token, body(field value) → body, field path as named in the message]
const cases = () => [
  ['signup name', 'POST', '/api/v1/auth/signup', null, (v) => ({ email: `h${Math.random()}@example.com`, password: 'Passw0rd1', name: v }), 'name'],
  ['category name', 'POST', '/api/v1/categories', admin.token, (v) => ({ name: v, slug: `s${Date.now()}` }), 'name'],
  ['product name', 'POST', '/api/v1/products', seller.token, (v) => ({ name: v, price: 1000, stock: 1 }), 'name'],
  ['product rename', 'PATCH', `/api/v1/products/${product.id}`, seller.token, (v) => ({ name: v }), 'name'],
  ['live title', 'POST', '/api/v1/lives', seller.token, (v) => ({ title: v, scheduled_at: '2030-01-01T00:00:00Z', product_ids: [product.id] }), 'title'],
  ['recipient', 'POST', '/api/v1/orders', buyer.token, (v) => ({ items: [{ product_id: product.id, quantity: 1 }], shipping_address: { ...address, recipient: v } }), 'shipping_address.recipient'],
  ['address1', 'POST', '/api/v1/orders', buyer.token, (v) => ({ items: [{ product_id: product.id, quantity: 1 }], shipping_address: { ...address, address1: v } }), 'shipping_address.address1'],
  ['address2', 'POST', '/api/v1/orders', buyer.token, (v) => ({ items: [{ product_id: product.id, quantity: 1 }], shipping_address: { ...address, address2: v } }), 'shipping_address.address2'],
  ['carrier', 'POST', '/api/v1/seller/orders/1/ship', seller.token, (v) => ({ carrier: v, tracking_number: '1' }), 'carrier'],
];

test('user-visible text fields refuse control, bidi-control and separator characters (422 naming the field)', async () => {
  const before = JSON.stringify((await api(srv, 'GET', '/api/v1/orders', { token: buyer.token })).body.total);
  for (const [label, method, p, token, make, field] of cases()) {
    for (const [kind, v] of Object.entries(hostile)) {
      const r = await api(srv, method, p, { token, body: make(v) });
      assert.equal(r.status, 422, `${label} ${kind}: ${r.status} ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.code, 'VALIDATION_FAILED', `${label} ${kind}`);
      assert.ok(r.body.error.message.startsWith(`'${field}' must not contain`), `${label} ${kind}: ${r.body.error.message}`);
    }
  }
  assert.equal(JSON.stringify((await api(srv, 'GET', '/api/v1/orders', { token: buyer.token })).body.total), before, 'a refused order was stored');
  const names = (await api(srv, 'GET', '/api/v1/seller/products?per_page=100', { token: seller.token })).body.items.map((x) => x.name);
  assert.deepEqual(names, ['Clean'], 'a refused product was stored or renamed');
});

test('the description (multi-line) allows \\n and \\t but not the rest; query text is checked too', async () => {
  const ok = await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: '여러 줄', price: 1000, stock: 1, description: '첫 줄\n둘째 줄\t탭' } });
  assert.equal(ok.status, 201, JSON.stringify(ok.body));
  assert.equal(ok.body.description, '첫 줄\n둘째 줄\t탭');
  for (const [kind, v] of Object.entries(hostile)) {
    const r = await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: 'd', price: 1000, stock: 1, description: v } });
    assert.equal(r.status, 422, `description ${kind}`);
    assert.match(r.body.error.message, /^'description' must not contain/);
  }
  for (const v of ['a\u0007b', '\u202e', 'a\u2028b', 'x\r\ny']) {
    const r = await api(srv, 'GET', `/api/v1/products?q=${encodeURIComponent(v)}`);
    assert.equal(r.status, 422, JSON.stringify(v));
    assert.match(r.body.error.message, /^'q' must not contain/);
  }
  const bad = await api(srv, 'GET', '/api/v1/products?q=%C3%28');
  assert.equal(bad.status, 422);
  assert.match(bad.body.error.message, /^'q' is not valid UTF-8/);
});

test('Korean text and emoji stay accepted in names, titles, addresses and search', async () => {
  const name = '라이브 특가 티셔츠 🎉👍🏽 (한정)';
  const p = await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name, price: 12900, stock: 5 } });
  assert.equal(p.status, 201, JSON.stringify(p.body));
  assert.equal(p.body.name, name);
  const l = await api(srv, 'POST', '/api/v1/lives', { token: seller.token, body: { title: '오늘의 라이브 🔴', scheduled_at: '2030-01-01T00:00:00Z', product_ids: [p.body.id] } });
  assert.equal(l.status, 201, JSON.stringify(l.body));
  const o = await api(srv, 'POST', '/api/v1/orders', { token: buyer.token, body: { items: [{ product_id: p.body.id, quantity: 1 }], shipping_address: { ...address, address2: '101동 1001호 🏠' } } });
  assert.equal(o.status, 201, JSON.stringify(o.body));
  assert.equal(o.body.shipping_address.address2, '101동 1001호 🏠');
  const s = await api(srv, 'GET', `/api/v1/products?q=${encodeURIComponent('티셔츠 🎉')}`);
  assert.equal(s.status, 200);
  assert.ok(s.body.items.some((x) => x.id === p.body.id));
  const u = await api(srv, 'POST', '/api/v1/auth/signup', { body: { email: `k${Date.now()}@example.com`, password: 'Passw0rd1', name: '김철수 😀' } });
  assert.equal(u.status, 201);
  assert.equal(u.body.user.name, '김철수 😀');
  assert.ok(live.id);
});
