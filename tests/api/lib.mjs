// Test harness: starts the real broadcart binary on a free loopback port with a temporary
// data directory, and small helpers to call its API.
import { spawn, execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = process.env.BROADCART_BIN || path.join(root, 'build/broadcart');
export const ROOT = root;

// A free loopback port for a server a test starts. Picked at random below the kernel's ephemeral
// range (ip_local_port_range, 32768-60999 by default), never from it: with several test files at
// once, the outgoing connections of one take ephemeral ports, and a port handed out by listen(0)
// and released could be taken by such a connection before the server binds it.
// The ports of the Fetch Standard's "bad port" list in the range picked below.
const FETCH_BAD_PORTS = new Set([10080]);
export async function freePort() {
  const tryPort = (port) => new Promise((resolve) => {
    const s = net.createServer();
    s.unref();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
  for (let i = 0; i < 100; i++) {
    const port = 10000 + Math.floor(Math.random() * 22000);
    if (FETCH_BAD_PORTS.has(port)) continue; // fetch() refuses them ("bad port", Fetch Standard §2.9)
    if (await tryPort(port)) return port;
  }
  throw new Error('no free port found in 100 tries');
}

// The database backend of this test process: BROADCART_TEST_DATABASE=postgres runs every server
// on PostgreSQL 15 (one cluster per test process, started on first use and stopped by PID at
// exit; one database per data dir), anything else on the embedded SQLite file.
export const DB_BACKEND = process.env.BROADCART_TEST_DATABASE === 'postgres' ? 'postgres' : 'sqlite';
const PG_BIN = '/usr/lib/postgresql/15/bin';
let pg = null; // {port, dir, sock, pid}
const pgDatabases = new Map(); // data dir -> database URL
let pgSeq = 0;
const liveServers = new Set(); // server processes not yet exited

function sleepSync(ms) { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms); }

function pgStart(port) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bc-pg-'));
  chmodSync(dir, 0o711); // the postgres user must traverse it
  const data = path.join(dir, 'data'), sock = path.join(dir, 'sock');
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  for (const d of [data, sock]) { mkdirSync(d, { mode: 0o700 }); chownSync(d, uid, gid); }
  const as = (bin, args) => execFileSync('runuser', ['-u', 'postgres', '--', path.join(PG_BIN, bin), ...args],
    { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  as('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C.UTF-8']);
  // tests only: no durability (never in deploy/)
  as('pg_ctl', ['-D', data, '-l', path.join(sock, 'log'), '-w', '-s', 'start', '-o',
    `-c listen_addresses=127.0.0.1 -p ${port} -k ${sock} -c max_connections=300 -c fsync=off ` +
    '-c synchronous_commit=off -c full_page_writes=off']);
  const pid = Number(readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  return { port, dir, sock, pid };
}

function pgStop() {
  if (!pg) return;
  const { pid, dir } = pg;
  pg = null;
  try { process.kill(pid, 'SIGINT'); } catch { return; } // fast shutdown
  for (let i = 0; i < 100; i++) {
    try { process.kill(pid, 0); } catch { break; }
    sleepSync(50);
  }
  rmSync(dir, { recursive: true, force: true });
}

function psql(dbname, sql) {
  return execFileSync(path.join(PG_BIN, 'psql'), ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', pg.sock,
    '-p', String(pg.port), '-U', 'postgres', '-d', dbname, '-c', sql], { encoding: 'utf8' });
}

// The database URL for a server whose data dir is dataDir (the same database on every restart).
async function databaseUrl(dataDir) {
  if (DB_BACKEND !== 'postgres') return null;
  if (!pgDatabases.has(dataDir)) pgDatabases.set(dataDir, await newPgDatabase());
  return pgDatabases.get(dataDir);
}

// A new empty database on this process's PostgreSQL cluster (started on first use, whatever
// BROADCART_TEST_DATABASE says); returns its URL. Throws when PostgreSQL 15 is not installed.
export async function newPgDatabase() {
  if (!pg) {
    pg = pgStart(await freePort());
    process.on('exit', pgStop);
    // a test run stopped from outside (the runner's file timeout, ^C) stops the cluster too
    for (const sig of ['SIGINT', 'SIGTERM']) {
      process.once(sig, () => {
        for (const p of liveServers) p.kill('SIGKILL');
        pgStop();
        process.exit(130);
      });
    }
  }
  const name = `t_${process.pid}_${++pgSeq}`;
  psql('postgres', `CREATE DATABASE ${name} TEMPLATE template0`);
  return `postgresql://postgres@127.0.0.1:${pg.port}/${name}`;
}

// Runs one SQL statement directly on the server's database, whichever backend it is (for tests
// that set up state the API refuses to create). Returns the output text.
export function sql(srv, statement) {
  const url = srv.env.BROADCART_DATABASE_URL;
  if (url && url.startsWith('postgresql://')) return psql(url.slice(url.lastIndexOf('/') + 1), statement);
  return execFileSync('sqlite3', ['-cmd', '.timeout 5000', path.join(srv.dataDir, 'broadcart.db'), statement],
    { encoding: 'utf8' });
}

// Starts `broadcart serve ...args`. Returns {base, port, dataDir, env, stop(), stderr()}.
// Starts the server; a port another process took between the pick and the bind is picked again.
export async function startServer(opts = {}) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startServerOnce(opts);
    } catch (e) {
      if (attempt >= 3 || !/Address already in use/.test(String(e.message))) throw e;
    }
  }
}

async function startServerOnce({ args = [], env = {}, dataDir } = {}) {
  const port = await freePort();
  dataDir = dataDir || mkdtempSync(path.join(os.tmpdir(), 'bc-test-'));
  const dbUrl = await databaseUrl(dataDir);
  const fullEnv = {
    ...process.env,
    BROADCART_DATA_DIR: dataDir,
    BROADCART_HTTP_PORT: String(port),
    BROADCART_HTTP_HOST: '127.0.0.1',
    BROADCART_WEB_DIR: path.join(root, 'web'),
    BROADCART_PWHASH_OPSLIMIT: '1',
    BROADCART_PWHASH_MEMLIMIT_KIB: '8',
    // every test client is 127.0.0.1: per-address limits are tested on their own (auth_hardening)
    BROADCART_SIGNUP_RATE_PER_ADDR: '100000',
    BROADCART_LOGIN_RATE_PER_ADDR: '100000',
    // a buyer's unpaid-order cap (default 3) is tested on its own (stock_limits)
    BROADCART_MAX_UNPAID_ORDERS: '1000',
    BROADCART_LOG_LEVEL: 'warn',
    BROADCART_REQUIRE_VERIFIED_EMAIL: '0', // sign-ups in tests check out unverified; recovery.test.mjs turns it on
    UBSAN_OPTIONS: 'halt_on_error=1:print_stacktrace=1',
    ASAN_OPTIONS: 'detect_leaks=0',
    ...(dbUrl ? { BROADCART_DATABASE_URL: dbUrl } : {}),
    ...env,
  };
  const proc = spawn(BIN, ['serve', ...args], { env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  liveServers.add(proc);
  proc.once('exit', () => liveServers.delete(proc));
  let out = '', err = '';
  proc.stderr.on('data', (d) => { err += d; });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${err}`)), 15000);
    proc.stdout.on('data', (d) => {
      out += d;
      if (out.includes('listening on')) { clearTimeout(timer); resolve(); }
    });
    // 'close' comes after the child's stdio streams ended, so err holds everything it printed
    // ('exit' can come first, with the refusal message still unread)
    proc.on('close', (code) => { clearTimeout(timer); reject(new Error(`server exited ${code}:\n${err}`)); });
  });
  const base = `http://127.0.0.1:${port}`;
  let stopped = false;
  return {
    base, port, dataDir, env: fullEnv, proc,
    stderr: () => err,
    stdout: () => out,
    async stop({ keep = false } = {}) {
      if (stopped) return;
      stopped = true;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
      if (!keep) rmSync(dataDir, { recursive: true, force: true });
      if (/AddressSanitizer|runtime error:|LeakSanitizer/.test(err)) {
        throw new Error(`sanitizer report from server:\n${err}`);
      }
    },
  };
}

// Calls the API. Returns {status, body (parsed JSON or text), headers}.
export async function api(srv, method, p, { token, body, raw, headers = {} } = {}) {
  const h = { ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  let payload;
  if (raw !== undefined) payload = raw;
  else if (body !== undefined) { payload = JSON.stringify(body); h['content-type'] = 'application/json'; }
  const res = await fetch(srv.base + p, { method, headers: h, body: payload, redirect: 'manual' });
  const text = await res.text();
  let parsed = text;
  try { parsed = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  return { status: res.status, body: parsed, headers: res.headers };
}

// Runs `broadcart <args>` against the server's data dir; returns stdout.
export function cli(srv, args) {
  return execFileSync(BIN, args, { env: srv.env, encoding: 'utf8' });
}

let userSeq = 0;
// Creates a user with the role through the CLI and signs in. Returns {id, email, password, token, refresh}.
export async function makeUser(srv, role = 'buyer', name) {
  userSeq++;
  const email = `${role}${userSeq}-${process.pid}-${Date.now()}@example.com`;
  const password = 'Passw0rd!' + userSeq;
  const id = Number(cli(srv, ['user', 'create', '--email', email, '--password', password, '--name', name || `${role} ${userSeq}`, '--role', role]).trim());
  const r = await api(srv, 'POST', '/api/v1/auth/login', { body: { email, password } });
  if (r.status !== 200) throw new Error(`login failed: ${JSON.stringify(r.body)}`);
  return { id, email, password, token: r.body.access_token, refresh: r.body.refresh_token };
}

// payments: the Toss secret key the server and its sandbox use (BROADCART_TOSS_SECRET_KEY, else
// the key generated into {dataDir}/toss.secret on first start).
export function tossSecret(srv) {
  return srv.env.BROADCART_TOSS_SECRET_KEY || readFileSync(path.join(srv.dataDir, 'toss.secret'), 'utf8').trim();
}

// Pays order o (the API's order JSON) of buyer u through the sandbox gateway's payment window and
// confirms it; asserts the order became PAID and returns it.
export async function payOrder(srv, u, o) {
  const w = await api(srv, 'POST', '/sandbox-pg/v1/sandbox/payments', { body: { orderId: o.order_id, amount: o.amount, orderName: o.order_name } });
  if (w.status !== 200 && w.status !== 201) throw new Error(`sandbox payment: ${w.status} ${JSON.stringify(w.body)}`);
  const r = await api(srv, 'POST', '/api/v1/payments/confirm', { token: u.token, body: { payment_key: w.body.paymentKey, order_id: o.order_id, amount: o.amount } });
  if (r.status !== 200 || r.body.status !== 'PAID') throw new Error(`confirm: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

// Puts live l ({id, stream_key}) on air the way nginx-rtmp does: its on_publish callback with the
// server's callback token (BROADCART_RTMP_CALLBACK_TOKEN). Throws unless the callback is accepted.
export async function goLive(srv, callbackToken, l, clientid = '1') {
  const r = await api(srv, 'POST', `/internal/rtmp/on_publish?token=${callbackToken}`, {
    raw: new URLSearchParams({ app: 'live', addr: '127.0.0.1', name: String(l.id), key: l.stream_key, clientid, call: 'publish', type: 'live' }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  if (r.status !== 200) throw new Error(`on_publish: ${r.status} ${JSON.stringify(r.body)}`);
}
