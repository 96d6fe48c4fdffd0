// Benchmark: a flash sale. B buyers order 1 unit each of a product with stock S at the same
// moment. Prints the wall time, orders/s, and checks stock exactness (S orders, stock 0).
// Usage: node bench/order_burst.mjs [buyers=500] [stock=100]   (bounded: <= 2000 buyers, 120 s)
import { startServer, api, makeUser } from '../tests/api/lib.mjs';

const buyers = Math.min(Number(process.argv[2] || 500), 2000);
const stock = Number(process.argv[3] || 100);
const srv = await startServer();
const deadline = setTimeout(() => { console.error('bench timed out'); srv.stop().finally(() => process.exit(1)); }, 120000);
try {
  const seller = await makeUser(srv, 'seller');
  const p = await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: 'Flash item', price: 9900, stock } });
  const tokens = [];
  for (let i = 0; i < buyers; i++) {
    const r = await api(srv, 'POST', '/api/v1/auth/signup', { body: { email: `burst${i}@example.com`, password: 'burst1234', name: `b${i}` } });
    tokens.push(r.body.access_token);
  }
  const address = { recipient: '김민지', phone: '010-1234-5678', postcode: '06236', address1: '서울시 강남구 테헤란로 1' };
  const t0 = performance.now();
  const res = await Promise.all(tokens.map((token) => api(srv, 'POST', '/api/v1/orders', {
    token, body: { items: [{ product_id: p.body.id, quantity: 1 }], shipping_address: address } })));
  const dt = performance.now() - t0;
  const ok = res.filter((r) => r.status === 201).length;
  const sold = res.filter((r) => r.status === 409).length;
  const after = await api(srv, 'GET', `/api/v1/products/${p.body.id}`);
  console.log(`buyers=${buyers} stock=${stock} created=${ok} out_of_stock=${sold} other=${buyers - ok - sold} ` +
    `stock_after=${after.body.stock} wall_ms=${dt.toFixed(0)} requests_per_s=${Math.round(buyers / (dt / 1000))}`);
  void makeUser;
} finally {
  clearTimeout(deadline);
  await srv.stop();
}
