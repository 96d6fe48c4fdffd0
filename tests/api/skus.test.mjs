// Product options as SKUs: a seller's option grid (사이즈 × 색상) builds one SKU per combination and
// rebuilds it keeping the SKUs whose combination survives; each SKU has its own stock (changed only
// with a ledger row carrying sku_id) and price difference; holds, cart lines and order lines carry
// the SKU; SKU_REQUIRED / SKU_INVALID change nothing; a flash sale on one SKU sells exactly its
// stock and leaves the other SKUs untouched; the product is sold out only when every SKU is.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startServer, api, makeUser, sql, BIN } from './lib.mjs';

let srv, admin, seller, seller2, buyer;
const ADDR = { recipient: '김옵션', phone: '010-5555-6666', postcode: '06236', address1: '서울 강남구 테헤란로 29' };
const GRID = [{ name: '사이즈', values: ['S', 'M', 'L'] }, { name: '색상', values: ['블랙', '화이트'] }];

async function product(body, token = seller.token) {
  const r = await api(srv, 'POST', '/api/v1/products', { token, body });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}
const get = async (id, token = admin.token) => (await api(srv, 'GET', `/api/v1/products/${id}`, { token })).body;
const setOptions = (id, groups, token = seller.token) => api(srv, 'PUT', `/api/v1/products/${id}/options`, { token, body: { groups } });
const patchSku = (id, sku, body, token = seller.token) => api(srv, 'PATCH', `/api/v1/products/${id}/skus/${sku}`, { token, body });
const order = (u, body) => api(srv, 'POST', '/api/v1/orders', { token: u.token, body: { shipping_address: ADDR, ...body } });
const ledger = (id) => api(srv, 'GET', `/api/v1/seller/products/${id}/stock-ledger?per_page=100`, { token: seller.token });
const skuOf = (p, ...opts) => p.skus.find((k) => k.options.join('|') === opts.join('|'));
function audit() {
  const r = spawnSync(BIN, ['audit', 'stock'], { env: srv.env, encoding: 'utf8' });
  return { code: r.status, out: r.stdout + r.stderr };
}
const count = (q) => Number(sql(srv, q).trim());

// A product with the 3 × 2 grid and stock per SKU: {S|블랙: 5, ...} (others 0).
async function gridProduct(name, stocks = {}, price = 20000) {
  const p = await product({ name, price, stock: 7 });
  const r = await setOptions(p.id, GRID);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  for (const [key, stock] of Object.entries(stocks)) {
    const k = skuOf(r.body, ...key.split('|'));
    assert.equal((await patchSku(p.id, k.id, { stock })).status, 200);
  }
  return get(p.id);
}

before(async () => {
  srv = await startServer();
  [admin, seller, seller2, buyer] = await Promise.all([
    makeUser(srv, 'admin'), makeUser(srv, 'seller', 'Option Shop'), makeUser(srv, 'seller', 'Other Shop'), makeUser(srv, 'buyer'),
  ]);
});
after(async () => { await srv.stop(); });

test('the option grid: one SKU per combination at stock 0; a rebuild keeps the surviving SKUs, retires the rest; [] removes it', async () => {
  const p = await product({ name: '옵션 티셔츠', price: 20000, stock: 7 });
  assert.deepEqual([p.options, p.skus], [[], []], 'a product without options has none');
  let r = await setOptions(p.id, GRID);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body.options, GRID);
  assert.equal(r.body.skus.length, 6);
  assert.deepEqual(r.body.skus.map((k) => k.label), ['S / 블랙', 'S / 화이트', 'M / 블랙', 'M / 화이트', 'L / 블랙', 'L / 화이트']);
  assert.ok(r.body.skus.every((k) => k.stock === 0 && k.price === 20000 && k.price_delta === 0 && k.sold_out && k.active && k.code === null));
  assert.equal(r.body.stock, 0, "the product's own 7 units went to 0: the SKUs' stock is the product's");
  assert.equal(r.body.status, 'SOLD_OUT');

  const m = skuOf(r.body, 'M', '블랙');
  r = await patchSku(p.id, m.id, { stock: 4, price_delta: 3000, code: 'TS-M-BK' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual((({ stock, price, price_delta, code, sold_out }) => ({ stock, price, price_delta, code, sold_out }))(skuOf(r.body, 'M', '블랙')),
    { stock: 4, price: 23000, price_delta: 3000, code: 'TS-M-BK', sold_out: false });
  assert.equal(r.body.stock, 4);
  assert.equal(r.body.status, 'ON_SALE');
  const l = skuOf(r.body, 'L', '화이트');
  assert.equal((await patchSku(p.id, l.id, { stock: 2 })).status, 200);

  // rebuild: sizes M, L, XL, colours 블랙 only: M/블랙 and L/블랙 survive (M/블랙 with its stock, price, code)
  r = await setOptions(p.id, [{ name: '사이즈', values: ['M', 'L', 'XL'] }, { name: '색상', values: ['블랙'] }]);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body.skus.map((k) => k.label), ['M / 블랙', 'L / 블랙', 'XL / 블랙']);
  const m2 = skuOf(r.body, 'M', '블랙');
  assert.deepEqual([m2.id, m2.stock, m2.price, m2.code], [m.id, 4, 23000, 'TS-M-BK']);
  assert.equal(skuOf(r.body, 'XL', '블랙').stock, 0);
  assert.equal(r.body.stock, 4, "L / 화이트's 2 units left with its combination");
  const retired = await ledger(p.id);
  const lw = retired.body.items.find((x) => x.sku_id === l.id && x.reason === 'options');
  assert.deepEqual([lw.delta, lw.balance_after], [-2, 0]);
  assert.equal(audit().code, 0, audit().out);

  // bad grids change nothing
  const before = JSON.stringify((await get(p.id)).skus);
  for (const groups of [
    [{ name: 'a', values: ['1'] }, { name: 'b', values: ['2'] }, { name: 'c', values: ['3'] }],
    [{ name: '사이즈', values: ['S', 'S'] }],
    [{ name: '사이즈', values: Array.from({ length: 11 }, (_, i) => `v${i}`) }],
    [{ name: '사이즈', values: [] }],
    [{ name: ' ', values: ['S'] }],
    [{ name: '사이즈', values: ['S / M'] }],
  ]) {
    const bad = await setOptions(p.id, groups);
    assert.equal(bad.status, 422, JSON.stringify(groups));
    assert.equal(bad.body.error.code, 'VALIDATION_FAILED');
  }
  assert.equal(JSON.stringify((await get(p.id)).skus), before);
  // only the product's seller (or an admin)
  assert.equal((await setOptions(p.id, GRID, seller2.token)).status, 403);
  assert.equal((await patchSku(p.id, m.id, { stock: 9 }, seller2.token)).status, 403);
  // a SKU of another product, a retired one: 404 SKU_NOT_FOUND
  const other = await gridProduct('다른 상품');
  for (const k of [other.skus[0].id, l.id]) {
    const r404 = await patchSku(p.id, k, { stock: 1 });
    assert.equal(r404.status, 404);
    assert.equal(r404.body.error.code, 'SKU_NOT_FOUND');
  }
  // a price difference that would make the price < 1 KRW
  const low = await patchSku(p.id, m.id, { price_delta: -20000 });
  assert.equal(low.status, 422);
  assert.equal(low.body.error.code, 'PRICE_TOO_LOW');
  // the product's own stock cannot be set any more
  const own = await api(srv, 'PATCH', `/api/v1/products/${p.id}`, { token: seller.token, body: { stock: 50 } });
  assert.equal(own.status, 422);
  assert.equal(own.body.error.code, 'SKU_REQUIRED');

  // [] removes the options: a plain product again, at stock 0
  r = await setOptions(p.id, []);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual([r.body.options, r.body.skus, r.body.stock], [[], [], 0]);
  assert.equal((await api(srv, 'PATCH', `/api/v1/products/${p.id}`, { token: seller.token, body: { stock: 3 } })).body.stock, 3);
  assert.equal(audit().code, 0, audit().out);
});

test('per-SKU stock and ledger: an order takes the SKU, its price has the delta, its line has the SKU and label; a cancel gives it back', async () => {
  const p = await gridProduct('원피스', { 'M|블랙': 5, 'S|화이트': 3 });
  const m = skuOf(p, 'M', '블랙'), s = skuOf(p, 'S', '화이트');
  assert.equal((await patchSku(p.id, m.id, { price_delta: 2500 })).status, 200);
  assert.equal(p.stock, 8);
  const o = await order(buyer, { items: [{ product_id: p.id, sku_id: m.id, quantity: 2 }] });
  assert.equal(o.status, 201, JSON.stringify(o.body));
  const line = o.body.lines[0];
  assert.deepEqual([line.sku_id, line.option_label, line.unit_price, line.line_total], [m.id, 'M / 블랙', 22500, 45000]);
  assert.equal(o.body.subtotal, 45000);
  let q = await get(p.id);
  assert.deepEqual([skuOf(q, 'M', '블랙').stock, skuOf(q, 'S', '화이트').stock, q.stock], [3, 3, 6]);
  let l = await ledger(p.id);
  const take = l.body.items.find((x) => x.reason === 'order');
  assert.deepEqual([take.sku_id, take.delta, take.balance_after], [m.id, -2, 3]);
  assert.equal(count(`SELECT sku_id FROM order_lines WHERE id = ${line.line_id}`), m.id);

  assert.equal((await api(srv, 'POST', `/api/v1/orders/${o.body.id}/cancel`, { token: buyer.token, body: {} })).status, 200);
  q = await get(p.id);
  assert.deepEqual([skuOf(q, 'M', '블랙').stock, q.stock], [5, 8]);
  l = await ledger(p.id);
  assert.deepEqual(l.body.items.filter((x) => x.sku_id === m.id).map((x) => x.delta), [2, -2, 5], 'cancel, order, the seller\'s set');
  assert.ok(l.body.items.filter((x) => x.sku_id === s.id).every((x) => x.reason === 'adjust'));
  assert.equal(audit().code, 0, audit().out);
});

test('SKU_REQUIRED and SKU_INVALID on holds, cart and orders change nothing', async () => {
  const p = await gridProduct('가디건', { 'M|블랙': 5 });
  const plain = await product({ name: '옵션 없는 양말', price: 3000, stock: 5 });
  const other = await gridProduct('남의 옵션', { 'S|블랙': 5 });
  const m = skuOf(p, 'M', '블랙'), inactive = skuOf(p, 'L', '블랙');
  assert.equal((await patchSku(p.id, inactive.id, { stock: 5, active: false })).status, 200);
  const stateBefore = () => sql(srv, `SELECT (SELECT COUNT(*) FROM stock_ledger) || ',' || (SELECT COUNT(*) FROM stock_holds) || ',' ||
    (SELECT COUNT(*) FROM orders) || ',' || (SELECT COUNT(*) FROM cart_items) || ',' || (SELECT SUM(stock) FROM product_skus) || ',' || (SELECT SUM(stock) FROM products)`);
  const s0 = stateBefore();
  const cases = [
    [p.id, undefined, 'SKU_REQUIRED'],
    [p.id, other.skus[0].id, 'SKU_INVALID'],
    [p.id, inactive.id, 'SKU_INVALID'],
    [p.id, 987654321, 'SKU_INVALID'],
    [plain.id, m.id, 'SKU_INVALID'],
  ];
  for (const [pid, sku, code] of cases) {
    const item = { product_id: pid, quantity: 1, ...(sku ? { sku_id: sku } : {}) };
    const h = await api(srv, 'POST', '/api/v1/holds', { token: buyer.token, body: item });
    assert.deepEqual([h.status, h.body.error?.code], [422, code], `hold ${JSON.stringify(item)}`);
    const o = await order(buyer, { items: [item] });
    assert.deepEqual([o.status, o.body.error?.code], [422, code], `order ${JSON.stringify(item)}`);
    const c = await api(srv, 'PUT', `/api/v1/cart/items/${pid}`, { token: buyer.token, body: { quantity: 1, ...(sku ? { sku_id: sku } : {}) } });
    assert.deepEqual([c.status, c.body.error?.code], [422, code], `cart ${JSON.stringify(item)}`);
  }
  assert.equal(stateBefore(), s0, 'nothing changed');
  // the inactive SKU is sold out in the product and its stock is not in the product's
  const q = await get(p.id);
  assert.deepEqual([skuOf(q, 'L', '블랙').sold_out, skuOf(q, 'L', '블랙').active, q.stock], [true, false, 5]);
});

test('60 parallel buyers on a SKU with stock 10: exactly 10 orders, the other SKUs untouched, ledger and audit balanced', async () => {
  const p = await gridProduct('한정 스니커즈', { 'M|블랙': 10, 'M|화이트': 7, 'L|블랙': 3 });
  const hot = skuOf(p, 'M', '블랙');
  const buyers = await Promise.all(Array.from({ length: 20 }, () => makeUser(srv, 'buyer')));
  const res = await Promise.all(buyers.flatMap((b) => Array.from({ length: 3 }, () =>
    order(b, { items: [{ product_id: p.id, sku_id: hot.id, quantity: 1 }] }))));
  const won = res.filter((r) => r.status === 201);
  for (const r of res) if (r.status !== 201) assert.deepEqual([r.status, r.body.error.code], [409, 'OUT_OF_STOCK'], JSON.stringify(r.body));
  assert.equal(won.length, 10, 'exactly the SKU\'s stock was sold');
  assert.ok(won.every((r) => r.body.lines[0].sku_id === hot.id));
  const q = await get(p.id);
  assert.deepEqual([skuOf(q, 'M', '블랙').stock, skuOf(q, 'M', '화이트').stock, skuOf(q, 'L', '블랙').stock], [0, 7, 3]);
  assert.equal(q.stock, 10, 'the product keeps its other SKUs');
  assert.equal(q.status, 'ON_SALE', 'one SKU sold out does not sell out the product');
  assert.ok(skuOf(q, 'M', '블랙').sold_out);
  // the other SKU still sells at once (the sold-out flag is the SKU's, not the product's)
  const other = await order(buyers[0], { items: [{ product_id: p.id, sku_id: skuOf(q, 'M', '화이트').id, quantity: 1 }] });
  assert.equal(other.status, 201, JSON.stringify(other.body));
  const l = await ledger(p.id);
  assert.equal(l.body.items.filter((x) => x.sku_id === hot.id).reduce((s, x) => s + x.delta, 0), 0);
  assert.equal(l.body.items.filter((x) => x.sku_id === hot.id && x.reason === 'order').length, 10);
  assert.equal(audit().code, 0, audit().out);
});

test('a hold on a SKU: the SKU\'s stock is held, the hold-born order takes it over, a release gives it back', async () => {
  const p = await gridProduct('홀드 자켓', { 'S|블랙': 2 });
  const k = skuOf(p, 'S', '블랙');
  let h = await api(srv, 'POST', '/api/v1/holds', { token: buyer.token, body: { product_id: p.id, sku_id: k.id, quantity: 2 } });
  assert.equal(h.status, 201, JSON.stringify(h.body));
  assert.equal(h.body.sku_id, k.id);
  let q = await get(p.id);
  assert.deepEqual([skuOf(q, 'S', '블랙').stock, q.stock, q.status], [0, 0, 'SOLD_OUT'], 'every SKU out: the product is sold out');
  // another buyer: out of stock
  const b2 = await makeUser(srv, 'buyer');
  const refused = await api(srv, 'POST', '/api/v1/holds', { token: b2.token, body: { product_id: p.id, sku_id: k.id, quantity: 1 } });
  assert.deepEqual([refused.status, refused.body.error.code], [409, 'OUT_OF_STOCK']);
  // a hold-born order naming another SKU is a mismatch; the hold's SKU is the line's
  assert.equal((await patchSku(p.id, skuOf(p, 'M', '블랙').id, { stock: 1 })).status, 200);
  const mis = await order(buyer, { hold_id: h.body.id, items: [{ product_id: p.id, sku_id: skuOf(p, 'M', '블랙').id, quantity: 2 }] });
  assert.deepEqual([mis.status, mis.body.error.code], [422, 'HOLD_MISMATCH']);
  const o = await order(buyer, { hold_id: h.body.id, items: [{ product_id: p.id, sku_id: k.id, quantity: 2 }] });
  assert.equal(o.status, 201, JSON.stringify(o.body));
  assert.deepEqual([o.body.lines[0].sku_id, o.body.lines[0].option_label], [k.id, 'S / 블랙']);
  // a second hold released: its units come back to its SKU
  const m = skuOf(p, 'M', '블랙');
  h = await api(srv, 'POST', '/api/v1/holds', { token: b2.token, body: { product_id: p.id, sku_id: m.id, quantity: 1 } });
  assert.equal(h.status, 201, JSON.stringify(h.body));
  assert.equal((await get(p.id)).stock, 0);
  assert.equal((await api(srv, 'DELETE', `/api/v1/holds/${h.body.id}`, { token: b2.token })).status, 204);
  q = await get(p.id);
  assert.deepEqual([skuOf(q, 'M', '블랙').stock, q.stock, q.status], [1, 1, 'ON_SALE']);
  const l = await ledger(p.id);
  assert.deepEqual(l.body.items.filter((x) => x.sku_id === m.id).map((x) => [x.reason, x.delta]), [['hold_release', 1], ['hold', -1], ['adjust', 1]]);
  assert.equal(audit().code, 0, audit().out);
});

test('the cart holds two SKUs of one product as two lines with their labels and prices; checkout takes each SKU', async () => {
  const p = await gridProduct('장바구니 셔츠', { 'S|블랙': 4, 'L|화이트': 4 }, 15000);
  const s = skuOf(p, 'S', '블랙'), l = skuOf(p, 'L', '화이트');
  assert.equal((await patchSku(p.id, l.id, { price_delta: -1000 })).status, 200);
  const b = await makeUser(srv, 'buyer');
  assert.equal((await api(srv, 'PUT', `/api/v1/cart/items/${p.id}`, { token: b.token, body: { quantity: 2, sku_id: s.id } })).status, 200);
  let c = await api(srv, 'PUT', `/api/v1/cart/items/${p.id}`, { token: b.token, body: { quantity: 1, sku_id: l.id } });
  assert.equal(c.status, 200, JSON.stringify(c.body));
  assert.deepEqual(c.body.lines.map((x) => [x.sku_id, x.option_label, x.unit_price, x.quantity, x.line_total, x.stock]),
    [[s.id, 'S / 블랙', 15000, 2, 30000, 4], [l.id, 'L / 화이트', 14000, 1, 14000, 4]]);
  assert.equal(c.body.subtotal, 44000);
  // more than the SKU's stock
  const over = await api(srv, 'PUT', `/api/v1/cart/items/${p.id}`, { token: b.token, body: { quantity: 5, sku_id: s.id } });
  assert.deepEqual([over.status, over.body.error.code], [409, 'OUT_OF_STOCK']);
  // remove one SKU's line only
  c = await api(srv, 'DELETE', `/api/v1/cart/items/${p.id}?sku_id=${l.id}`, { token: b.token });
  assert.deepEqual(c.body.lines.map((x) => x.sku_id), [s.id]);
  assert.equal((await api(srv, 'PUT', `/api/v1/cart/items/${p.id}`, { token: b.token, body: { quantity: 1, sku_id: l.id } })).status, 200);
  const o = await order(b, { from_cart: true });
  assert.equal(o.status, 201, JSON.stringify(o.body));
  assert.deepEqual(o.body.lines.map((x) => [x.sku_id, x.option_label, x.unit_price, x.quantity]).sort((a, z) => a[0] - z[0]),
    [[s.id, 'S / 블랙', 15000, 2], [l.id, 'L / 화이트', 14000, 1]].sort((a, z) => a[0] - z[0]));
  const q = await get(p.id);
  assert.deepEqual([skuOf(q, 'S', '블랙').stock, skuOf(q, 'L', '화이트').stock, q.stock], [2, 3, 5]);
  assert.deepEqual((await api(srv, 'GET', '/api/v1/cart', { token: b.token })).body.lines, []);
  assert.equal(audit().code, 0, audit().out);
});

test('sold out only when every SKU is: the list and the product show the total; deactivating the last SKU with stock sells it out', async () => {
  const p = await gridProduct('품절 테스트', { 'S|블랙': 1, 'M|화이트': 1 });
  const a = skuOf(p, 'S', '블랙'), z = skuOf(p, 'M', '화이트');
  assert.equal((await order(buyer, { items: [{ product_id: p.id, sku_id: a.id, quantity: 1 }] })).status, 201);
  let q = await get(p.id, undefined);
  assert.deepEqual([q.status, q.stock, skuOf(q, 'S', '블랙').sold_out, skuOf(q, 'M', '화이트').sold_out], ['ON_SALE', 1, true, false]);
  const list = await api(srv, 'GET', `/api/v1/seller/products?q=${encodeURIComponent('품절 테스트')}`, { token: seller.token });
  const row = list.body.items.find((x) => x.id === p.id);
  assert.deepEqual([row.stock, row.status, row.skus.length], [1, 'ON_SALE', 6]);
  assert.equal((await patchSku(p.id, z.id, { active: false })).status, 200);
  q = await get(p.id, undefined);
  assert.deepEqual([q.status, q.stock], ['SOLD_OUT', 0]);
  assert.equal((await patchSku(p.id, z.id, { active: true })).status, 200);
  q = await get(p.id, undefined);
  assert.deepEqual([q.status, q.stock], ['ON_SALE', 1]);
  assert.equal(audit().code, 0, audit().out);
});
