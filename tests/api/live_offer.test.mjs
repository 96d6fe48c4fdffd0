// Live-only offers: the seller sets a live price / stock cap / replay flag per product of a live
// (PUT /api/v1/lives/{id}/products/{product_id}/offer); viewers see them as live_offer in the live
// JSON and the pin frame; orders carrying the live_id pay the live price while the live is LIVE,
// and during the replay only when the seller said so. Runs on SQLite and PostgreSQL.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startServer, api, makeUser, goLive } from './lib.mjs';
import { viewer } from './room.mjs';

const CALLBACK_TOKEN = randomBytes(24).toString('hex');
const ADDR = { recipient: '홍길동', phone: '010-1234-5678', postcode: '06236', address1: '서울 강남구 테헤란로 1' };
let srv, seller, seller2, buyer;

async function product(s, name, price = 30000, stock = 50) {
  const r = await api(srv, 'POST', '/api/v1/products', { token: s.token, body: { name, price, stock } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.id;
}
async function createLive(s, ids) {
  const r = await api(srv, 'POST', '/api/v1/lives', { token: s.token, body: { title: 'Flash', scheduled_at: '2026-12-01T10:00:00Z', product_ids: ids } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}
function setOffer(s, liveId, pid, body) {
  return api(srv, 'PUT', `/api/v1/lives/${liveId}/products/${pid}/offer`, { token: s?.token, body });
}
async function orderPrice(liveId, pid) {
  const r = await api(srv, 'POST', '/api/v1/orders', { token: buyer.token, body: { items: [{ product_id: pid, quantity: 1 }], shipping_address: ADDR, live_id: liveId } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const unit = r.body.lines?.[0]?.unit_price ?? r.body.items?.[0]?.unit_price;
  assert.equal((await api(srv, 'POST', `/api/v1/orders/${r.body.id}/cancel`, { token: buyer.token })).status, 200);
  return unit;
}
const offerOf = (live, pid) => live.products.find((p) => p.id === pid).live_offer;

before(async () => {
  srv = await startServer({ env: { BROADCART_RTMP_CALLBACK_TOKEN: CALLBACK_TOKEN, BROADCART_MAX_UNPAID_ORDERS: '100' } });
  [seller, seller2, buyer] = await Promise.all([makeUser(srv, 'seller', 'Live shop'), makeUser(srv, 'seller', 'Other'), makeUser(srv, 'buyer')]);
});
after(async () => { await srv.stop(); });

test('the seller sets a live offer; viewers see it in the live JSON; PUT replaces it', async () => {
  const a = await product(seller, 'Offer A'), b = await product(seller, 'Offer B');
  const l = await createLive(seller, [a, b]);
  assert.equal(offerOf(l, a), null, 'no offer yet');
  const r = await setOffer(seller, l.id, a, { live_price: 19900, stock_cap: 30, replay: true });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(offerOf(r.body, a), { live_price: 19900, stock_cap: 30, replay: true, active: false }, 'SCHEDULED: not active yet');
  assert.equal(offerOf(r.body, b), null, 'the other product is untouched');
  const pub = (await api(srv, 'GET', `/api/v1/lives/${l.id}`)).body;
  assert.deepEqual(offerOf(pub, a), { live_price: 19900, stock_cap: 30, replay: true, active: false });
  assert.equal(pub.products.find((p) => p.id === a).price, 30000, 'the catalog price stays');
  const r2 = await setOffer(seller, l.id, a, { stock_cap: 5 });
  assert.deepEqual(offerOf(r2.body, a), { live_price: null, stock_cap: 5, replay: false, active: false }, 'PUT replaces the whole offer');
  const r3 = await setOffer(seller, l.id, a, {});
  assert.equal(offerOf(r3.body, a), null, 'an empty PUT clears it');
});

test('only the live seller, only a product of the live, only valid terms; refused changes nothing', async () => {
  const a = await product(seller, 'Guarded'), other = await product(seller, 'Not in live');
  const l = await createLive(seller, [a]);
  assert.equal((await setOffer(seller, l.id, a, { live_price: 1000 })).status, 200);
  const cases = [
    [seller2, l.id, a, { live_price: 1 }, 403],
    [buyer, l.id, a, { live_price: 1 }, 403],
    [null, l.id, a, { live_price: 1 }, 401],
    [seller, l.id, other, { live_price: 1 }, 404],
    [seller, 987654, a, { live_price: 1 }, 404],
    [seller, l.id, a, { live_price: 0 }, 422],
    [seller, l.id, a, { live_price: -5 }, 422],
    [seller, l.id, a, { live_price: 100000001 }, 422],
    [seller, l.id, a, { live_price: '100' }, 422],
    [seller, l.id, a, { stock_cap: 0 }, 422],
    [seller, l.id, a, { replay: 'yes' }, 422],
    [seller, l.id, a, { extra: 1 }, 422],
  ];
  for (const [who, lid, pid, body, status] of cases) {
    const r = await setOffer(who, lid, pid, body);
    assert.equal(r.status, status, `${JSON.stringify(body)} on ${lid}/${pid}: ${JSON.stringify(r.body)}`);
    assert.ok(r.body.error?.code, 'error shape');
  }
  const now = (await api(srv, 'GET', `/api/v1/lives/${l.id}`)).body;
  assert.deepEqual(offerOf(now, a), { live_price: 1000, stock_cap: null, replay: false, active: false }, 'unchanged');
});

test('orders with the live_id pay the live price while LIVE; replay only when the seller said so', async () => {
  const keep = await product(seller, 'Replay keeps', 30000), drop = await product(seller, 'Replay drops', 30000);
  const l = await createLive(seller, [keep, drop]);
  await setOffer(seller, l.id, keep, { live_price: 21000, replay: true });
  await setOffer(seller, l.id, drop, { live_price: 22000 });
  assert.equal(await orderPrice(l.id, keep), 30000, 'SCHEDULED: catalog price');
  await goLive(srv, CALLBACK_TOKEN, l);
  const live = (await api(srv, 'GET', `/api/v1/lives/${l.id}`)).body;
  assert.equal(offerOf(live, keep).active, true);
  assert.equal(offerOf(live, drop).active, true);
  assert.equal(await orderPrice(l.id, keep), 21000, 'LIVE: live price');
  assert.equal(await orderPrice(l.id, drop), 22000, 'LIVE: live price');
  assert.equal((await api(srv, 'POST', `/api/v1/lives/${l.id}/end`, { token: seller.token })).status, 200);
  const ended = (await api(srv, 'GET', `/api/v1/lives/${l.id}`)).body;
  assert.deepEqual(offerOf(ended, keep), { live_price: 21000, stock_cap: null, replay: true, active: true });
  assert.deepEqual(offerOf(ended, drop), { live_price: 22000, stock_cap: null, replay: false, active: false });
  assert.equal(await orderPrice(l.id, keep), 21000, 'replay: live price kept');
  assert.equal(await orderPrice(l.id, drop), 30000, 'replay without the flag: catalog price');
  // the replay flag may be set after the end
  assert.equal((await setOffer(seller, l.id, drop, { live_price: 22000, replay: true })).status, 200);
  assert.equal(await orderPrice(l.id, drop), 22000);
});

test('the pinned product carries its offer in the live JSON and the pin frame; an offer change re-sends the pin', async () => {
  const a = await product(seller, 'Pinned offer');
  const l = await createLive(seller, [a]);
  await setOffer(seller, l.id, a, { live_price: 9900, stock_cap: 10 });
  const v = await viewer(srv, l.id);
  try {
    const pin = await api(srv, 'POST', `/api/v1/lives/${l.id}/pin`, { token: seller.token, body: { product_id: a } });
    assert.equal(pin.status, 200);
    assert.deepEqual(pin.body.pinned_product.live_offer, { live_price: 9900, stock_cap: 10, replay: false, active: false });
    const f = await v.waitFor((x) => x.type === 'pin' && x.product?.id === a);
    assert.deepEqual(f.f.product.live_offer, { live_price: 9900, stock_cap: 10, replay: false, active: false });
    await goLive(srv, CALLBACK_TOKEN, l);
    assert.equal((await setOffer(seller, l.id, a, { live_price: 8900, stock_cap: 10 })).status, 200);
    const g = await v.waitFor((x) => x.type === 'pin' && x.product?.live_offer?.live_price === 8900);
    assert.equal(g.f.product.live_offer.active, true);
    assert.equal(g.f.product.price, 30000);
  } finally {
    v.close();
  }
});
