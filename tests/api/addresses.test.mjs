// The address book (issue 9): CRUD with exactly one default, the 10-address limit (also under
// parallel requests), other users' ids, refused input changing nothing, and checkout with
// address_id instead of a typed shipping_address.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, makeUser, sql } from './lib.mjs';

let srv, seller, product;
const HOME = { label: '집', recipient: '홍길동', phone: '010-1234-5678', postcode: '06236', address1: '서울 강남구 테헤란로 1', address2: '101호' };
const OFFICE = { label: '회사', recipient: '김영희', phone: '02-555-0101', postcode: '04524', address1: '서울 중구 세종대로 110' };

before(async () => {
  srv = await startServer();
  seller = await makeUser(srv, 'seller');
  product = (await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: '주소 테스트', price: 3000, stock: 100 } })).body;
});
after(async () => { await srv?.stop(); });

const book = async (u) => {
  const r = await api(srv, 'GET', '/api/v1/me/addresses', { token: u.token });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.items;
};
const add = (u, body) => api(srv, 'POST', '/api/v1/me/addresses', { token: u.token, body });
const defaults = (items) => items.filter((a) => a.is_default).map((a) => a.id);

test('add, list (default first), edit, set default, delete: always exactly one default', async () => {
  const u = await makeUser(srv, 'buyer');
  assert.deepEqual(await book(u), []);
  const home = await add(u, HOME);
  assert.equal(home.status, 201, JSON.stringify(home.body));
  assert.equal(home.headers.get('location'), `/api/v1/me/addresses/${home.body.id}`);
  assert.equal(home.body.is_default, true, 'the first address is the default');
  for (const k of Object.keys(HOME)) assert.equal(home.body[k], HOME[k], k);
  assert.match(home.body.created_at, /^\d{4}-\d\d-\d\dT/);
  const office = await add(u, OFFICE);
  assert.equal(office.status, 201, JSON.stringify(office.body));
  assert.equal(office.body.is_default, false);
  assert.equal(office.body.address2, '');
  let items = await book(u);
  assert.deepEqual(items.map((a) => a.id), [home.body.id, office.body.id], 'the default first');
  // a new default through POST ... is_default
  const third = await add(u, { ...OFFICE, label: '본가', is_default: true });
  assert.equal(third.body.is_default, true);
  items = await book(u);
  assert.deepEqual(defaults(items), [third.body.id]);
  assert.equal(items[0].id, third.body.id);
  // edit a subset
  let r = await api(srv, 'PATCH', `/api/v1/me/addresses/${office.body.id}`, { token: u.token, body: { address2: '12층', phone: '010-9999-0000' } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.address2, '12층');
  assert.equal(r.body.phone, '010-9999-0000');
  assert.equal(r.body.recipient, OFFICE.recipient, 'the other fields stay');
  assert.equal(r.body.label, OFFICE.label);
  r = await api(srv, 'PATCH', `/api/v1/me/addresses/${office.body.id}`, { token: u.token, body: { label: '사무실', is_default: true } });
  assert.equal(r.status, 200);
  assert.equal(r.body.label, '사무실');
  assert.deepEqual(defaults(await book(u)), [office.body.id]);
  // is_default false on the default is refused (the book would have none)
  r = await api(srv, 'PATCH', `/api/v1/me/addresses/${office.body.id}`, { token: u.token, body: { is_default: false } });
  assert.equal(r.status, 422);
  assert.deepEqual(defaults(await book(u)), [office.body.id]);
  r = await api(srv, 'POST', `/api/v1/me/addresses/${home.body.id}/default`, { token: u.token });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.is_default, true);
  assert.deepEqual(defaults(await book(u)), [home.body.id]);
  r = await api(srv, 'GET', `/api/v1/me/addresses/${third.body.id}`, { token: u.token });
  assert.equal(r.status, 200);
  assert.equal(r.body.label, '본가');
  // deleting the default makes the newest remaining one the default
  r = await api(srv, 'DELETE', `/api/v1/me/addresses/${home.body.id}`, { token: u.token });
  assert.equal(r.status, 204);
  items = await book(u);
  assert.deepEqual(items.map((a) => a.id).sort(), [office.body.id, third.body.id].sort());
  assert.deepEqual(defaults(items), [third.body.id], 'the newest remaining one');
  // deleting a non-default keeps the default
  r = await api(srv, 'DELETE', `/api/v1/me/addresses/${office.body.id}`, { token: u.token });
  assert.equal(r.status, 204);
  assert.deepEqual(defaults(await book(u)), [third.body.id]);
  r = await api(srv, 'DELETE', `/api/v1/me/addresses/${third.body.id}`, { token: u.token });
  assert.equal(r.status, 204);
  assert.deepEqual(await book(u), []);
  assert.equal((await add(u, OFFICE)).body.is_default, true, 'an emptied book starts again with a default');
});

test('sellers and admins have an address book too; no token is 401', async () => {
  for (const role of ['seller', 'admin']) {
    const u = await makeUser(srv, role);
    assert.equal((await add(u, HOME)).status, 201, role);
    assert.equal((await book(u)).length, 1);
  }
  assert.equal((await api(srv, 'GET', '/api/v1/me/addresses')).status, 401);
});

test('at most 10 addresses: ADDRESS_BOOK_FULL, also for 11 parallel adds', async () => {
  const u = await makeUser(srv, 'buyer');
  for (let i = 0; i < 10; i++) assert.equal((await add(u, { ...HOME, label: `주소${i}` })).status, 201);
  const r = await add(u, HOME);
  assert.equal(r.status, 409);
  assert.equal(r.body.error.code, 'ADDRESS_BOOK_FULL');
  assert.equal((await book(u)).length, 10);

  const v = await makeUser(srv, 'buyer');
  const all = await Promise.all(Array.from({ length: 11 }, (_, i) => add(v, { ...OFFICE, label: `병렬${i}` })));
  assert.equal(all.filter((x) => x.status === 201).length, 10, JSON.stringify(all.map((x) => x.status)));
  assert.deepEqual(all.filter((x) => x.status !== 201).map((x) => x.body.error.code), ['ADDRESS_BOOK_FULL']);
  const items = await book(v);
  assert.equal(items.length, 10);
  assert.equal(defaults(items).length, 1, 'exactly one default after parallel adds');
  assert.equal(sql(srv, `SELECT count(*) FROM addresses WHERE user_id = ${v.id}`).trim(), '10');
});

test("another user's address is 404 for every route and stays unchanged", async () => {
  const owner = await makeUser(srv, 'buyer');
  const other = await makeUser(srv, 'buyer');
  const a = (await add(owner, HOME)).body;
  await add(other, OFFICE);
  const tries = [
    ['GET', `/api/v1/me/addresses/${a.id}`],
    ['PATCH', `/api/v1/me/addresses/${a.id}`, { label: '가로채기' }],
    ['POST', `/api/v1/me/addresses/${a.id}/default`],
    ['DELETE', `/api/v1/me/addresses/${a.id}`],
    ['GET', '/api/v1/me/addresses/999999999'],
    ['DELETE', '/api/v1/me/addresses/abc'],
  ];
  for (const [m, p, body] of tries) {
    const r = await api(srv, m, p, { token: other.token, body });
    assert.equal(r.status, 404, `${m} ${p}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.error.code, 'NOT_FOUND');
  }
  const mine = await book(owner);
  assert.equal(mine.length, 1);
  assert.equal(mine[0].label, HOME.label);
  assert.equal(mine[0].is_default, true);
  assert.equal((await book(other)).length, 1);
});

test('bad fields are 422 VALIDATION_FAILED and change nothing', async () => {
  const u = await makeUser(srv, 'buyer');
  const a = (await add(u, HOME)).body;
  const bad = [
    { ...HOME, postcode: '1234' },
    { ...HOME, postcode: '12a45' },
    { ...HOME, phone: '010 1234 5678' },
    { ...HOME, recipient: '' },
    { ...HOME, recipient: '   ' },
    { ...HOME, address1: 'x'.repeat(201) },
    { ...HOME, address1: 'a\u202eb' },
    { ...HOME, label: '' },
    { ...HOME, extra: 1 },
    (({ recipient, ...rest }) => rest)(HOME),
    (({ label, ...rest }) => rest)(HOME),
  ];
  for (const body of bad) {
    const r = await add(u, body);
    assert.equal(r.status, 422, `${JSON.stringify(body)}: ${r.status} ${JSON.stringify(r.body)}`);
    assert.equal(r.body.error.code, 'VALIDATION_FAILED');
  }
  let r = await add(u, { ...HOME, phone: '010-12x4-5678' });
  assert.match(r.body.error.message, /'phone'/);
  for (const body of [{ postcode: 'abcde' }, { phone: '+82 10' }, { recipient: '' }, { address1: ' ' }, { nope: 1 }]) {
    r = await api(srv, 'PATCH', `/api/v1/me/addresses/${a.id}`, { token: u.token, body });
    assert.equal(r.status, 422, `${JSON.stringify(body)}: ${r.status} ${JSON.stringify(r.body)}`);
  }
  const items = await book(u);
  assert.equal(items.length, 1);
  for (const k of Object.keys(HOME)) assert.equal(items[0][k], HOME[k], k);
});

test('checkout with address_id: the order ships to the book address; both/neither/foreign are 422 and create nothing', async () => {
  const u = await makeUser(srv, 'buyer');
  const other = await makeUser(srv, 'buyer');
  const a = (await add(u, HOME)).body;
  const foreign = (await add(other, OFFICE)).body;
  const items = [{ product_id: product.id, quantity: 1 }];
  const order = (body) => api(srv, 'POST', '/api/v1/orders', { token: u.token, body: { items, ...body } });
  const { label, ...typed } = HOME;
  for (const [body, why] of [
    [{}, 'neither'],
    [{ address_id: a.id, shipping_address: typed }, 'both'],
    [{ address_id: foreign.id }, 'foreign'],
    [{ address_id: 987654321 }, 'unknown'],
  ]) {
    const r = await order(body);
    assert.equal(r.status, 422, `${why}: ${r.status} ${JSON.stringify(r.body)}`);
    assert.equal(r.body.error.code, 'VALIDATION_FAILED', why);
    assert.match(r.body.error.message, /address/, why);
  }
  assert.equal((await api(srv, 'GET', '/api/v1/orders', { token: u.token })).body.total, 0, 'nothing was ordered');
  const r = await order({ address_id: a.id });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.deepEqual(r.body.shipping_address, typed);
  const again = await api(srv, 'GET', `/api/v1/orders/${r.body.id}`, { token: u.token });
  assert.deepEqual(again.body.shipping_address, typed);
  // the order keeps its address when the book changes
  await api(srv, 'PATCH', `/api/v1/me/addresses/${a.id}`, { token: u.token, body: { address1: '부산 해운대구 1' } });
  await api(srv, 'DELETE', `/api/v1/me/addresses/${a.id}`, { token: u.token });
  assert.equal((await api(srv, 'GET', `/api/v1/orders/${r.body.id}`, { token: u.token })).body.shipping_address.address1, HOME.address1);
  // from the cart too
  await api(srv, 'PUT', `/api/v1/cart/items/${product.id}`, { token: u.token, body: { quantity: 2 } });
  const b = (await add(u, OFFICE)).body;
  const c = await api(srv, 'POST', '/api/v1/orders', { token: u.token, body: { from_cart: true, address_id: b.id } });
  assert.equal(c.status, 201, JSON.stringify(c.body));
  assert.equal(c.body.shipping_address.recipient, OFFICE.recipient);
  // save_address: a typed address goes into the book as well
  const s = await order({ shipping_address: { ...typed, recipient: '새 주소' }, save_address: true });
  assert.equal(s.status, 201, JSON.stringify(s.body));
  assert.ok((await book(u)).some((x) => x.recipient === '새 주소'), 'saved to the book');
});
