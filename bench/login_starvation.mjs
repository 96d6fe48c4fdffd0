// Benchmark: does password hashing starve other requests? Measures GET /api/v1/products/{id}
// latency (p50/p99) idle, then while C clients log in concurrently in a loop, with the default
// Argon2id cost (BROADCART_PWHASH_MEMLIMIT_KIB=65536, OPSLIMIT=2). Loopback only.
// Usage: node bench/login_starvation.mjs [clients=64] [samples=200]
//        BROADCART_BIN=/path/to/other/broadcart node bench/login_starvation.mjs   (compare binaries)
// Bounded: <= 128 clients, <= 1000 samples, 40 s per sampling phase, 120 s overall.
import { startServer, api, cli } from '../tests/api/lib.mjs';

const clients = Math.min(Number(process.argv[2] || 64), 128);
const samples = Math.min(Number(process.argv[3] || 200), 1000);
const srv = await startServer({ env: { BROADCART_PWHASH_MEMLIMIT_KIB: '65536', BROADCART_PWHASH_OPSLIMIT: '2' } });
const deadline = Date.now() + 120000;
const timer = setTimeout(() => { console.error('bench timed out'); srv.stop().finally(() => process.exit(1)); }, 125000);

const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]; };
// n sequential GETs, or fewer when `seconds` run out
async function sample(path, n, seconds = 40) {
  const ms = [], end = Math.min(deadline, Date.now() + seconds * 1000);
  for (let i = 0; i < n && Date.now() < end; i++) {
    const t0 = performance.now();
    const r = await api(srv, 'GET', path);
    if (r.status !== 200) throw new Error(`GET ${path}: ${r.status}`);
    ms.push(performance.now() - t0);
  }
  return ms;
}

try {
  // users with real-cost hashes (the CLI uses the same settings); one per client, so that the
  // per-account limit (5 attempts in flight) does not turn logins into 429s
  const users = [];
  for (let i = 0; i < clients; i++) {
    const email = `bench${i}@example.com`, password = `bench-pass-${i}`;
    cli(srv, ['user', 'create', '--email', email, '--password', password, '--name', `b${i}`, '--role', i === 0 ? 'seller' : 'buyer']);
    users.push({ email, password });
  }
  const s = await api(srv, 'POST', '/api/v1/auth/login', { body: users[0] });
  const p = await api(srv, 'POST', '/api/v1/products', { token: s.body.access_token, body: { name: 'Bench mug', price: 9000, stock: 5 } });
  const path = `/api/v1/products/${p.body.id}`;
  await sample(path, 20); // warm-up
  const idle = await sample(path, samples);

  let stop = false, logins = 0, other = 0;
  const loops = users.map(async (u) => {
    while (!stop && Date.now() < deadline) {
      const r = await api(srv, 'POST', '/api/v1/auth/login', { body: u });
      if (r.status === 200) logins++; else other++;
    }
  });
  await new Promise((r) => setTimeout(r, 1000)); // let the logins pile up
  const t0 = performance.now();
  const busy = await sample(path, samples);
  const secs = (performance.now() - t0) / 1000;
  stop = true;
  await Promise.all(loops);
  const f = (x) => x.toFixed(1);
  console.log(`binary: ${process.env.BROADCART_BIN || 'build/broadcart'}`);
  console.log(`GET ${path} idle:                   p50=${f(pct(idle, 50))} ms p99=${f(pct(idle, 99))} ms (n=${idle.length})`);
  console.log(`GET ${path} with ${clients} logins running: p50=${f(pct(busy, 50))} ms p99=${f(pct(busy, 99))} ms (n=${busy.length})`);
  console.log(`logins: ${logins} ok, ${other} refused (503/429) in ~${f(secs + 1)} s`);
} finally {
  clearTimeout(timer);
  await srv.stop();
}
