// Personal data sealed at rest (issue 9): a phone given at sign-up, a seller application's facts,
// an address-book entry and an order's shipping address never sit in the database in clear (on
// SQLite: the database file and its WAL, byte for byte; on PostgreSQL: every row of those tables);
// an order row from before sealing (clear JSON) is still read; `broadcart rotate-data-key` moves
// every sealed value to a new key, drops the old one, and everything still opens.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { startServer, api, makeUser, sql, cli, DB_BACKEND } from './lib.mjs';

let srv;
const PHONE = '010-9876-5432', PHONE_DIGITS = '01098765432';
const ADDR = { recipient: '성춘향', phone: '010-3141-5926', postcode: '48058', address1: '부산 해운대구 센텀중앙로 97', address2: '비밀동 777호' };
const BOOK = { label: '본가', recipient: '이몽룡', phone: '010-2718-2818', postcode: '54896', address1: '전북 남원시 요천로 1447', address2: '광한루 옆' };
const LEGACY = { recipient: '변학도', phone: '010-1111-2222', postcode: '12345', address1: '옛날 주소 99' };
const BANK_ACCOUNT = '3333-01-5550123';
let BUSINESS;

function businessNumber(first9) {
  const w = [1, 3, 7, 1, 3, 7, 1, 3, 5];
  const d = first9.split('').map(Number);
  const sum = d.reduce((s, x, i) => s + x * w[i], 0) + Math.floor((d[8] * 5) / 10);
  return first9 + String((10 - (sum % 10)) % 10);
}

// The clear values that must not be stored (each also in its digits-only form where it has one).
const secrets = () => [PHONE, PHONE_DIGITS, ADDR.recipient, ADDR.address1, ADDR.address2, ADDR.phone, BOOK.recipient,
  BOOK.address1, BOOK.address2, BOOK.phone, BANK_ACCOUNT, BANK_ACCOUNT.replace(/-/g, ''), BUSINESS, '사업자비밀계좌주',
  'private-contact@example.com'];

// Everything the database holds that could carry a secret.
function rawStore() {
  if (DB_BACKEND === 'postgres') {
    return ['users', 'seller_applications', 'addresses', 'orders', 'notices', 'notice_mails', 'order_events']
      .map((t) => sql(srv, `SELECT row_to_json(t)::text FROM ${t} t`)).join('\n');
  }
  const db = path.join(srv.dataDir, 'broadcart.db');
  return [db, `${db}-wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f).toString('latin1')).join('\n');
}
const asStored = (s) => (DB_BACKEND === 'postgres' ? s : Buffer.from(s, 'utf8').toString('latin1'));

// The key ids of the sealed values of every sealed column.
function keyIds() {
  const cols = [['users', 'phone'], ['seller_applications', 'sealed'], ['addresses', 'sealed'], ['orders', 'shipping_address']];
  const out = new Set();
  for (const [t, c] of cols) {
    for (const v of sql(srv, `SELECT ${c} FROM ${t} WHERE ${c} IS NOT NULL AND ${c} <> ''`).split('\n').filter(Boolean)) {
      const m = /^bcs1\.([0-9a-f]{8})\./.exec(v);
      out.add(m ? m[1] : `clear:${t}`);
    }
  }
  return out;
}

before(async () => { srv = await startServer(); });
after(async () => { await srv?.stop(); });

test('phones, seller facts, the address book and order addresses are sealed at rest; rotate-data-key reseals them all', async () => {
  BUSINESS = businessNumber('314159265');
  // sign-up with a phone
  const email = `rest-${process.pid}@example.com`;
  const su = await api(srv, 'POST', '/api/v1/auth/signup', { body: { email, password: 'Passw0rd1', name: '보관테스트', phone: PHONE } });
  assert.equal(su.status, 201, JSON.stringify(su.body));
  const u = { token: su.body.access_token, id: su.body.user.id };
  // a seller application
  const app = await api(srv, 'POST', '/api/v1/seller-applications', {
    token: u.token, body: { shop_name: '보관상점', business_number: BUSINESS, representative: '대표자공개', contact_phone: '010-4444-8888',
      contact_email: 'private-contact@example.com', bank_name: '국민은행', bank_account: BANK_ACCOUNT, account_holder: '사업자비밀계좌주' },
  });
  assert.equal(app.status, 201, JSON.stringify(app.body));
  // an address-book entry and two orders: one typed, one from the book
  const book = await api(srv, 'POST', '/api/v1/me/addresses', { token: u.token, body: BOOK });
  assert.equal(book.status, 201, JSON.stringify(book.body));
  const seller = await makeUser(srv, 'seller');
  const p = await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: '보관 상품', price: 1000, stock: 10 } });
  const items = [{ product_id: p.body.id, quantity: 1 }];
  const o1 = await api(srv, 'POST', '/api/v1/orders', { token: u.token, body: { items, shipping_address: ADDR } });
  assert.equal(o1.status, 201, JSON.stringify(o1.body));
  const o2 = await api(srv, 'POST', '/api/v1/orders', { token: u.token, body: { items, address_id: book.body.id } });
  assert.equal(o2.status, 201, JSON.stringify(o2.body));
  // an order written before addresses were sealed holds clear JSON: still read
  const o3 = await api(srv, 'POST', '/api/v1/orders', { token: u.token, body: { items, shipping_address: ADDR } });
  sql(srv, `UPDATE orders SET shipping_address = '${JSON.stringify(LEGACY)}' WHERE id = ${o3.body.id}`);
  assert.deepEqual((await api(srv, 'GET', `/api/v1/orders/${o3.body.id}`, { token: u.token })).body.shipping_address, LEGACY);
  // a value sealed for another order does not open there
  const sealed1 = sql(srv, `SELECT shipping_address FROM orders WHERE id = ${o1.body.id}`).trim();
  assert.match(sealed1, /^bcs1\.[0-9a-f]{8}\./);
  sql(srv, `UPDATE orders SET shipping_address = '${sealed1}' WHERE id = ${o3.body.id}`);
  assert.deepEqual((await api(srv, 'GET', `/api/v1/orders/${o3.body.id}`, { token: u.token })).body.shipping_address, {});
  sql(srv, `UPDATE orders SET shipping_address = '${JSON.stringify(LEGACY)}' WHERE id = ${o3.body.id}`);

  // nothing in clear (LEGACY aside: clear on purpose, sealed by the rotation below)
  const before = keyIds();
  assert.equal(before.size, 2, `one key and the legacy row: ${[...before]}`);
  assert.ok(before.has('clear:orders'));
  const oldKid = [...before].find((k) => !k.startsWith('clear'));
  await srv.stop({ keep: true });
  const raw = rawStore();
  for (const s of ['보관테스트', '대표자공개', LEGACY.address1]) assert.ok(raw.includes(asStored(s)), `the scan does not see ${s}`);
  for (const s of secrets()) assert.ok(!raw.includes(asStored(s)), `${s} is stored in clear`);

  // rotate against the stopped server's data
  const out = cli(srv, ['rotate-data-key']);
  const m = /new data key ([0-9a-f]{8}) \(was ([0-9a-f]{8})\)/.exec(out);
  assert.ok(m, out);
  assert.equal(m[2], oldKid);
  const newKid = m[1];
  assert.notEqual(newKid, oldKid);
  assert.match(out, /resealed under key [0-9a-f]{8}: 3 account values .*, 3 order addresses/);
  assert.match(out, /older keys removed/);
  assert.equal(readFileSync(path.join(srv.dataDir, 'data.key'), 'utf8').trim().split('\n').length, 1, 'the old key is gone');
  assert.deepEqual([...keyIds()], [newKid], 'every sealed value names the new key');
  srv = await startServer({ dataDir: srv.dataDir });

  // every value still opens
  const token = (await api(srv, 'POST', '/api/v1/auth/login', { body: { email, password: 'Passw0rd1' } })).body.access_token;
  const a = await api(srv, 'GET', '/api/v1/me/seller-application', { token });
  assert.equal(a.body.bank_account, BANK_ACCOUNT);
  assert.equal(a.body.business_number, BUSINESS);
  assert.equal(a.body.account_holder, '사업자비밀계좌주');
  const found = await api(srv, 'POST', '/api/v1/auth/find-id', { body: { name: '보관테스트', phone: PHONE } });
  assert.equal(found.status, 200);
  assert.equal(found.body.items.length, 1, 'the phone lookup hash follows the new key');
  const list = (await api(srv, 'GET', '/api/v1/me/addresses', { token })).body.items;
  const { label, ...bookFields } = BOOK;
  assert.deepEqual(Object.fromEntries(Object.keys(BOOK).map((k) => [k, list[0][k]])), BOOK);
  assert.deepEqual((await api(srv, 'GET', `/api/v1/orders/${o1.body.id}`, { token })).body.shipping_address, ADDR);
  assert.deepEqual((await api(srv, 'GET', `/api/v1/orders/${o2.body.id}`, { token })).body.shipping_address, bookFields);
  assert.deepEqual((await api(srv, 'GET', `/api/v1/orders/${o3.body.id}`, { token })).body.shipping_address, LEGACY,
    'the legacy clear row is sealed now and opens');
  // new values are sealed under the new key
  const o4 = await api(srv, 'POST', '/api/v1/orders', { token, body: { items, shipping_address: ADDR } });
  assert.equal(o4.status, 201);
  assert.deepEqual([...keyIds()], [newKid]);
});

test('with BROADCART_DATA_KEY the command explains the rotation and reseals under the current key', async () => {
  const key = 'a'.repeat(64), oldKey = 'b'.repeat(64);
  let s = await startServer({ env: { BROADCART_DATA_KEY: oldKey } });
  const u = await makeUser(s, 'buyer');
  assert.equal((await api(s, 'POST', '/api/v1/me/addresses', { token: u.token, body: BOOK })).status, 201);
  await s.stop({ keep: true });
  const out = cli({ ...s, env: { ...s.env, BROADCART_DATA_KEY: key, BROADCART_DATA_KEY_OLD: oldKey } }, ['rotate-data-key']);
  assert.match(out, /BROADCART_DATA_KEY_OLD/);
  assert.match(out, /resealed under key [0-9a-f]{8}: 1 account values/);
  s = await startServer({ dataDir: s.dataDir, env: { BROADCART_DATA_KEY: key } });
  try {
    const token = (await api(s, 'POST', '/api/v1/auth/login', { body: { email: u.email, password: u.password } })).body.access_token;
    assert.equal((await api(s, 'GET', '/api/v1/me/addresses', { token })).body.items[0].address1, BOOK.address1);
    assert.ok(!existsSync(path.join(s.dataDir, 'data.key')), 'no key file with BROADCART_DATA_KEY');
  } finally {
    await s.stop();
  }
});
