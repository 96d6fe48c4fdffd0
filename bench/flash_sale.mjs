// Benchmark: the flash sale end to end. B buyers (pre-created accounts with tokens) hit one product
// of stock S at the same moment through the C load client (bench/flash_sale.c, one connection per
// buyer): hold → order (hold_id) → sandbox pay → confirm → PAID. Prints, per run, the attempts/s of
// the first step and of the order step, paid/s, p50/p99 of each step, then checks: exactly S sold and
// paid, stock 0, the stock ledger balanced (`broadcart audit stock`, skipped with a message when the
// command is missing), and no buyer charged twice (every created order looked up at the gateway by
// orderId with the secret key: at most one DONE payment per buyer, each DONE order PAID). When
// POST /api/v1/holds answers 404 the sale runs without holds and says so. Not a timed test.
// Usage: node bench/flash_sale.mjs [--runs 1] [--db sqlite|postgres] [--buyers 5000] [--stock 100]
//        [--timeout 60] [--rate 0]   (bounded: <= 20,000 buyers, <= 100 runs, each client run <= --timeout s;
//        --rate R starts the buyers at R per second instead of all at once: the latency at that offered load)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const opts = { runs: 1, db: 'sqlite', buyers: 5000, stock: 100, timeout: 60, rate: 0 };
for (let i = 2; i < process.argv.length; i += 2) {
  const k = process.argv[i].replace(/^--/, ''), v = process.argv[i + 1];
  if (!(k in opts) || v === undefined) { console.error(`unknown option ${process.argv[i]}`); process.exit(2); }
  opts[k] = k === 'db' ? v : Number(v);
}
if (!['sqlite', 'postgres'].includes(opts.db)) { console.error('--db sqlite|postgres'); process.exit(2); }
opts.buyers = Math.min(opts.buyers, 20000);
opts.runs = Math.min(opts.runs, 100);
process.env.BROADCART_TEST_DATABASE = opts.db; // read by the test library when it loads
const { startServer, api: apiOnce, makeUser, sql, ROOT, BIN } = await import('../tests/api/lib.mjs');
// The keep-alive connection of the calls before a client run sits idle through it, and the server may
// close it meanwhile (its idle timeout): one retry on a fresh connection when the reused one was closed.
const api = (...a) => apiOnce(...a).catch((e) => { if (e?.cause?.code === 'UND_ERR_SOCKET') return apiOnce(...a); throw e; });

const CLIENT = path.join(ROOT, 'build/flash_sale');
if (!existsSync(CLIENT)) execFileSync('ninja', ['-C', path.join(ROOT, 'build'), 'flash_sale'], { stdio: 'inherit' });
const SECRET = 'test_sk_flash_' + Math.random().toString(36).slice(2);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'bc-flash-'));
const srv = await startServer({
  env: {
    BROADCART_TOSS_SECRET_KEY: SECRET,
    BROADCART_PWHASH_WORKERS: '2',
    BROADCART_MAX_UNPAID_ORDERS: '3',
    BROADCART_LOG_LEVEL: 'error',
  },
});
// The server process's user + system CPU seconds so far (/proc/PID/stat fields 14 and 15, in clock ticks of 1/100 s).
const serverCpuS = () => {
  const f = readFileSync(`/proc/${srv.proc.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
};
const stopAll = async () => { await srv.stop().catch(() => {}); rmSync(tmp, { recursive: true, force: true }); };
const guard = setTimeout(() => { console.error('bench timed out'); stopAll().finally(() => process.exit(1)); },
  (300 + opts.runs * (opts.timeout + 120)) * 1000);
const basic = 'Basic ' + Buffer.from(SECRET + ':').toString('base64');
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.floor((s.length - 1) / 2)] : 0; };

try {
  const seller = await makeUser(srv, 'seller', 'Flash shop');
  // the buyers: sign-ups through the API, 32 at a time
  const t0 = Date.now();
  const tokens = new Array(opts.buyers);
  let next = 0;
  await Promise.all(Array.from({ length: 32 }, async () => {
    while (next < opts.buyers) {
      const i = next++;
      const r = await api(srv, 'POST', '/api/v1/auth/signup', { body: { email: `flash${i}-${process.pid}@example.com`, password: 'flash1234', name: `buyer ${i}` } });
      if (r.status !== 201 && r.status !== 200) throw new Error(`signup ${i}: ${r.status} ${JSON.stringify(r.body)}`);
      tokens[i] = r.body.access_token;
    }
  }));
  const tokensFile = path.join(tmp, 'tokens');
  writeFileSync(tokensFile, tokens.join('\n') + '\n');
  console.log(`db=${opts.db} buyers=${opts.buyers} stock=${opts.stock} runs=${opts.runs} (accounts created in ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  const probe = await api(srv, 'POST', '/api/v1/holds', { token: seller.token, body: {} });
  const noHold = probe.status === 404;
  if (noHold) console.log('POST /api/v1/holds answers 404 (holds not available in this build): ordering without a hold');

  const runs = [];
  for (let run = 1; run <= opts.runs; run++) {
    const p = await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: `Flash item ${run}`, price: 9900, stock: opts.stock } });
    if (p.status !== 201) throw new Error(JSON.stringify(p.body));
    const pid = p.body.id, out = path.join(tmp, `run${run}`);
    const cpu0 = serverCpuS(), wall0 = Date.now();
    const res = spawnSync(CLIENT, ['--port', String(srv.port), '--product', String(pid), '--tokens', tokensFile,
      '--timeout', String(opts.timeout), '--out', out, '--rate', String(opts.rate), ...(noHold ? ['--no-hold'] : [])], { encoding: 'utf8', timeout: (opts.timeout + 30) * 1000 });
    const cpuUsed = serverCpuS() - cpu0, wallUsed = (Date.now() - wall0) / 1000;
    const text = (res.stdout || '') + `server CPU: ${cpuUsed.toFixed(2)} s in ${wallUsed.toFixed(2)} s of the client run (${(cpuUsed / wallUsed).toFixed(2)} cores)\n`;
    const num = (re) => Number((text.match(re) || [])[1] || 0);
    const fig = {
      first: num(/^(?:hold|order) attempts\/s=(\d+)/m), order: num(/^order attempts\/s=(\d+)/m), paid: num(/^paid=\d+ paid\/s=(\d+)/m), confirmPaid: num(/^confirm phase: paid\/s=(\d+)/m),
      p99: Object.fromEntries([...text.matchAll(/^step (\S+)\s+n=\d+\s+p50=([\d.]+) ms p99=([\d.]+) ms/mg)].map((m) => [m[1], [Number(m[2]), Number(m[3])]])),
    };
    // the checks
    const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => l.split(' '));
    const created = lines.filter((l) => l[3] !== '0');
    const paidLines = lines.filter((l) => l[5] === '1');
    const stockAfter = (await api(srv, 'GET', `/api/v1/products/${pid}`)).body.stock;
    const paidDb = Number(sql(srv, `SELECT COUNT(*) FROM order_lines ol JOIN orders o ON o.id = ol.order_id WHERE ol.product_id = ${pid} AND o.status = 'PAID'`).trim());
    const soldDb = Number(sql(srv, `SELECT COALESCE(SUM(ol.quantity), 0) FROM order_lines ol JOIN orders o ON o.id = ol.order_id WHERE ol.product_id = ${pid} AND o.status NOT IN ('CANCELED', 'EXPIRED', 'PAYMENT_FAILED', 'REFUNDED')`).trim());
    let audit;
    try {
      execFileSync(BIN, ['audit', 'stock'], { env: srv.env, encoding: 'utf8', stdio: 'pipe' });
      audit = 'balanced';
    } catch (e) {
      const msg = `${e.stdout || ''}${e.stderr || ''}`;
      audit = /usage|unknown/i.test(msg) && !/audit stock/.test(msg.split('\n')[0]) ? 'skipped (no `broadcart audit stock` in this build)' : `UNBALANCED: ${msg.trim().slice(0, 300)}`;
    }
    const done = new Map(); // buyer -> DONE payments at the gateway
    let doneNotPaid = 0;
    for (const l of created) {
      const g = await api(srv, 'GET', `/sandbox-pg/v1/payments/orders/${encodeURIComponent(l[4])}`, { headers: { authorization: basic } });
      if (g.status === 200 && g.body.status === 'DONE') {
        done.set(l[0], (done.get(l[0]) || 0) + 1);
        if (l[5] !== '1') doneNotPaid++;
      }
    }
    const charged = [...done.values()].reduce((a, b) => a + b, 0);
    const twice = [...done.values()].filter((n) => n > 1).length;
    const exact = created.length === opts.stock && paidLines.length === opts.stock && paidDb === opts.stock &&
      soldDb === opts.stock && stockAfter === 0 && charged === opts.stock && twice === 0 && doneNotPaid === 0 &&
      !audit.startsWith('UNBALANCED');
    runs.push({ ...fig, exact });
    console.log(`--- run ${run}: ${exact ? 'EXACT' : 'NOT EXACT'}`);
    process.stdout.write(text.split('\n').filter((l) => l && !l.startsWith('buyers=')).map((l) => `  ${l}`).join('\n') + '\n');
    console.log(`  checks: orders=${created.length} paid=${paidLines.length} paid_in_db=${paidDb} sold_in_db=${soldDb} stock_after=${stockAfter} ` +
      `gateway_DONE=${charged} buyers_charged_twice=${twice} DONE_without_PAID=${doneNotPaid} ledger=${audit}`);
    if (res.status !== 0) console.log(`  client exit ${res.status}: ${(res.stderr || '').slice(0, 300)}`);
  }
  const steps = Object.keys(runs[0].p99);
  console.log(`=== ${opts.db}: ${runs.filter((r) => r.exact).length}/${runs.length} runs exact; medians over the runs: ` +
    (noHold ? '' : `hold attempts/s=${median(runs.map((r) => r.first))} `) + `order attempts/s=${median(runs.map((r) => r.order))} ` +
    `paid/s=${median(runs.map((r) => r.paid))} confirm-phase paid/s=${median(runs.map((r) => r.confirmPaid))} ` + steps.map((s) => `${s} p50=${median(runs.map((r) => r.p99[s][0]))} ms p99=${median(runs.map((r) => r.p99[s][1]))} ms`).join(' '));
} catch (e) {
  // say why: the server's exit and the tail of its log, then the error itself
  console.error(`bench failed: server ${srv.proc.exitCode === null ? 'still running' : `exited ${srv.proc.exitCode ?? srv.proc.signalCode}`}`);
  console.error(srv.stderr().split('\n').slice(-30).join('\n'));
  throw e;
} finally {
  clearTimeout(guard);
  await stopAll();
}
