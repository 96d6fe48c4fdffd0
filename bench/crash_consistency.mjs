// Benchmark / check: crash consistency of the money path. The payment gateway is the Toss sandbox of a
// SEPARATE broadcart process (G), so its state survives; the shop under test (S) uses it through
// BROADCART_TOSS_API_BASE. Per run: B buyers hit one product of stock S_0 (hold when POST
// /api/v1/holds exists → order → pay at G → confirm at S), S is killed with SIGKILL at a random
// moment of the sale, restarted on the same data, `broadcart reconcile` is run (skipped with a
// message when the command is missing), and then:
//   - stock + units of the product's orders still holding stock (not CANCELED / EXPIRED /
//     PAYMENT_FAILED / REFUNDED / RETURNED) = S_0 (with holds in flight: `broadcart audit stock`,
//     skipped with a message when missing, is the proof instead);
//   - every payment the gateway approved (DONE, looked up by orderId with the secret key) has a
//     PAID (or later) order, or was refunded (gateway CANCELED / order REFUNDED or CANCELED).
// Prints per run what it found and a summary; exit 1 when a check fails. Not a timed test.
// Usage: node bench/crash_consistency.mjs [--runs 10] [--db sqlite|postgres] [--buyers 400] [--stock 100]
//        (bounded: <= 5,000 buyers, <= 50 runs, each run's requests time out after 10 s)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const opts = { runs: 10, db: 'sqlite', buyers: 400, stock: 100 };
for (let i = 2; i < process.argv.length; i += 2) {
  const k = process.argv[i].replace(/^--/, ''), v = process.argv[i + 1];
  if (!(k in opts) || v === undefined) { console.error(`unknown option ${process.argv[i]}`); process.exit(2); }
  opts[k] = k === 'db' ? v : Number(v);
}
opts.buyers = Math.min(opts.buyers, 5000);
opts.runs = Math.min(opts.runs, 50);
process.env.BROADCART_TEST_DATABASE = opts.db;
const { startServer, api, makeUser, sql, BIN } = await import('../tests/api/lib.mjs');

const SECRET = 'test_sk_crash_' + Math.random().toString(36).slice(2);
const basic = 'Basic ' + Buffer.from(SECRET + ':').toString('base64');
const ADDR = { recipient: 'Kim Minji', phone: '010-1234-5678', postcode: '06236', address1: 'Teheran-ro 1, Seoul' };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const guard = setTimeout(() => { console.error('bench timed out'); process.exit(1); }, (120 + opts.runs * 120) * 1000);

// the CLI against S's data; {ok, missing, out}
function cliTry(srv, args) {
  try {
    return { ok: true, out: execFileSync(BIN, args, { env: srv.env, encoding: 'utf8', stdio: 'pipe', timeout: 60000 }) };
  } catch (e) {
    const out = `${e.stdout || ''}${e.stderr || ''}`;
    return { ok: false, missing: /^usage:/m.test(out) && e.status === 2, out };
  }
}
async function timed(p, ms) {
  return Promise.race([p, sleep(ms).then(() => ({ status: 0, body: null }))]);
}

const G = await startServer({ env: { BROADCART_TOSS_SECRET_KEY: SECRET, BROADCART_LOG_LEVEL: 'error' } });
let failed = 0;
const summary = [];
try {
  for (let run = 1; run <= opts.runs; run++) {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bc-crash-'));
    const env = {
      BROADCART_TOSS_SECRET_KEY: SECRET,
      BROADCART_TOSS_API_BASE: `${G.base}/sandbox-pg`,
      BROADCART_LOG_LEVEL: 'error',
    };
    let S = await startServer({ dataDir, env });
    const seller = await makeUser(S, 'seller', 'Crash shop');
    const p = await api(S, 'POST', '/api/v1/products', { token: seller.token, body: { name: `Crash item ${run}`, price: 9900, stock: opts.stock } });
    const pid = p.body.id;
    const tokens = [];
    for (let i = 0; i < opts.buyers; i += 32) {
      const batch = await Promise.all(Array.from({ length: Math.min(32, opts.buyers - i) }, (_, k) =>
        api(S, 'POST', '/api/v1/auth/signup', { body: { email: `crash${run}-${i + k}@example.com`, password: 'crash1234', name: `b${i + k}` } })));
      for (const r of batch) tokens.push(r.body.access_token);
    }
    const holds = (await api(S, 'POST', '/api/v1/holds', { token: seller.token, body: {} })).status !== 404;
    // a third of the runs die while orders are taken (a random moment), the others once a random
    // number of confirms has been sent (between the gateway's approval and PAID is the case to find)
    const duringConfirm = run % 3 !== 1;
    const killAt = 20 + Math.floor(Math.random() * 300), killAtConfirm = 1 + Math.floor(Math.random() * (opts.stock / 2));
    let kill;
    const killed = new Promise((r) => { kill = r; });
    const stats = { held: 0, ordered: 0, gatewayPaid: 0, confirmSent: 0, confirmed: 0, errors: 0 };
    const buyer = async (token) => {
      try {
        let hold_id;
        if (holds) {
          const h = await timed(api(S, 'POST', '/api/v1/holds', { token, body: { product_id: pid, quantity: 1 } }), 10000);
          if (h.status !== 201) return;
          stats.held++;
          hold_id = h.body.id;
        }
        const o = await timed(api(S, 'POST', '/api/v1/orders', { token, body: { items: [{ product_id: pid, quantity: 1 }], shipping_address: ADDR, ...(hold_id ? { hold_id } : {}) } }), 10000);
        if (o.status !== 201) return;
        stats.ordered++;
        const pay = await timed(api(G, 'POST', '/sandbox-pg/v1/sandbox/payments', { body: { orderId: o.body.order_id, amount: o.body.amount, orderName: o.body.order_name } }), 10000);
        if (!pay.body?.paymentKey) return;
        stats.gatewayPaid++;
        if (++stats.confirmSent === killAtConfirm && duringConfirm) setTimeout(kill, Math.floor(Math.random() * 5));
        const c = await timed(api(S, 'POST', '/api/v1/payments/confirm', { token, body: { payment_key: pay.body.paymentKey, order_id: o.body.order_id, amount: o.body.amount } }), 10000);
        if (c.status === 200) stats.confirmed++;
      } catch {
        stats.errors++; // the connection died with the server
      }
    };
    const t0 = Date.now();
    const all = Promise.all(tokens.map(buyer));
    if (!duringConfirm) setTimeout(kill, killAt);
    await Promise.race([killed, all]);
    S.proc.kill('SIGKILL');
    await all;
    const killedAfter = Date.now() - t0; // when the last request ended
    S = await startServer({ dataDir, env });
    const rec = cliTry(S, ['reconcile']);
    const reconcile = rec.ok ? 'ran' : rec.missing ? 'skipped (no `broadcart reconcile` in this build)' : `FAILED: ${rec.out.trim().slice(0, 200)}`;
    const audit0 = cliTry(S, ['audit', 'stock']);
    const audit = audit0.ok ? 'balanced' : audit0.missing ? 'skipped (no `broadcart audit stock` in this build)' : `UNBALANCED: ${audit0.out.trim().slice(0, 200)}`;
    const stock = (await api(S, 'GET', `/api/v1/products/${pid}`)).body.stock;
    const rows = sql(S, `SELECT o.order_id, o.status, ol.quantity FROM orders o JOIN order_lines ol ON ol.order_id = o.id WHERE ol.product_id = ${pid}`)
      .trim().split('\n').filter(Boolean).map((l) => l.split('|'));
    const released = new Set(['CANCELED', 'EXPIRED', 'PAYMENT_FAILED', 'REFUNDED', 'RETURNED']);
    const sold = rows.filter((r) => !released.has(r[1])).reduce((a, r) => a + Number(r[2]), 0);
    const paidLike = new Set(['PAID', 'PREPARING', 'SHIPPING', 'DELIVERED', 'PURCHASE_CONFIRMED']);
    let approved = 0, approvedOk = 0, orphans = [];
    for (const [orderId, status] of rows) {
      const gw = await api(G, 'GET', `/sandbox-pg/v1/payments/orders/${encodeURIComponent(orderId)}`, { headers: { authorization: basic } });
      if (gw.status !== 200) continue;
      const gs = gw.body.status;
      if (gs === 'DONE' || gs === 'CANCELED' || gs === 'PARTIAL_CANCELED') {
        approved++;
        if ((gs === 'DONE' && paidLike.has(status)) || (gs !== 'DONE' && (status === 'REFUNDED' || status === 'CANCELED'))) approvedOk++;
        else orphans.push(`${orderId}:${status}/${gs}`);
      }
    }
    const stockOk = holds ? !audit.startsWith('UNBALANCED') : stock + sold === opts.stock;
    const payOk = orphans.length === 0;
    const ok = stockOk && !audit.startsWith('UNBALANCED') && (payOk || !rec.ok);
    if (!ok) failed++;
    summary.push({ ok, payOk });
    console.log(`--- run ${run}: killed ${duringConfirm ? `after confirm #${killAtConfirm} was sent` : `${killAt} ms into the sale`} (${killedAfter} ms) ${ok ? 'CONSISTENT' : 'INCONSISTENT'}`);
    console.log(`  before the kill: held=${stats.held} ordered=${stats.ordered} authenticated_at_gateway=${stats.gatewayPaid} confirms_sent=${stats.confirmSent} confirmed=${stats.confirmed} lost_requests=${stats.errors}`);
    console.log(`  after restart: reconcile ${reconcile}; stock=${stock} sold=${sold} stock+sold=${stock + sold} (initial ${opts.stock})${holds ? ' [holds in flight: ledger audit is the proof]' : ''}; ledger ${audit}`);
    console.log(`  gateway-approved payments=${approved} with a PAID order or a refund=${approvedOk}` +
      (orphans.length ? ` WITHOUT=${orphans.length}${rec.ok ? '' : ' (expected until reconcile exists)'} e.g. ${orphans.slice(0, 3).join(' ')}` : ''));
    await S.stop();
  }
} finally {
  clearTimeout(guard);
  await G.stop();
}
console.log(`=== ${opts.db}: ${summary.filter((s) => s.ok).length}/${summary.length} runs consistent; ` +
  `${summary.filter((s) => s.payOk).length}/${summary.length} with every approved payment PAID or refunded`);
process.exit(failed ? 1 : 0);
