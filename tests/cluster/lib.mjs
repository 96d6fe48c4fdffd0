// The cluster suite's harness: PostgreSQL 15 (tests/api/lib.mjs's private cluster), a private
// redis-server (tests/api/redis.mjs), a sandbox payment gateway (a third `broadcart serve`, standing in
// for Toss: the cluster's instances call it as BROADCART_TOSS_API_BASE, so no instance holds another's
// payments in memory), N `broadcart serve` instances and Debian's nginx in front (round-robin upstream,
// WebSocket upgrade, /hls/ from every instance), all on free loopback ports in one temp dir and stopped
// by PID. Every instance has its own data dir, as on separate machines (deploy/broadcart@.service):
// {data_dir}/media and {data_dir}/hls are links to one shared directory (the shared mount of the
// deploy example) and BROADCART_JWT_SECRET is the same on all.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { BIN, ROOT, freePort, newPgDatabase, sql, startServer, tossSecret } from '../api/lib.mjs';
import { startRedis } from '../api/redis.mjs';

export { freePort, sql };
export const NGINX = process.env.BROADCART_TEST_NGINX || '/usr/sbin/nginx';
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Children still running; killed (SIGKILL) when this process exits, however it exits.
const children = new Set();
process.on('exit', () => { for (const p of children) { try { p.kill('SIGKILL'); } catch { /* gone */ } } });

// Resolves true once something accepts TCP connections on 127.0.0.1:port.
function canConnect(port) {
  return new Promise((r) => {
    const c = net.connect(port, '127.0.0.1', () => { c.destroy(); r(true); });
    c.on('error', () => r(false));
  });
}

// One `broadcart serve` of the cluster on a fixed port (kept across restarts, so nginx's upstream
// stays valid). log() is everything it wrote to stderr over all its runs, runLog() the last run's.
export class Instance {
  constructor(name, { port, dataDir, env }) {
    Object.assign(this, { name, port, dataDir, env, proc: null, logText: '', runs: 0 });
    this.base = `http://127.0.0.1:${port}`;
  }

  async start() {
    this.runs++;
    this.runFrom = this.logText.length;
    const proc = spawn(BIN, ['serve'], { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    children.add(proc);
    const exited = new Promise((r) => proc.once('exit', (code, sig) => { children.delete(proc); r(code ?? sig); }));
    this.exited = exited;
    proc.stderr.on('data', (d) => { this.logText += d; });
    let out = '';
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name} did not start:\n${this.logText}`)), 20000);
      proc.stdout.on('data', (d) => {
        out += d;
        if (out.includes('listening on')) { clearTimeout(timer); resolve(); }
      });
      exited.then((code) => { clearTimeout(timer); reject(new Error(`${this.name} exited ${code}:\n${this.logText}`)); });
    });
    return this;
  }

  get running() { return this.proc !== null && this.proc.exitCode === null && this.proc.signalCode === null; }
  log() { return this.logText; }
  // what the current (or last) run wrote to stderr
  runLog() { return this.logText.slice(this.runFrom); }

  // kill -9: no shutdown work at all (in-flight requests and open transactions are cut).
  async kill9() {
    if (!this.running) return;
    this.proc.kill('SIGKILL');
    await this.exited;
  }

  // SIGTERM (graceful), SIGKILL after 5 s. Throws on a sanitizer report.
  async stop() {
    if (!this.running) return;
    this.proc.kill('SIGTERM');
    const t = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(t);
    if (/AddressSanitizer|runtime error:|LeakSanitizer/.test(this.logText)) {
      throw new Error(`sanitizer report from ${this.name}:\n${this.logText}`);
    }
  }
}

// nginx (daemon off, master + 1 worker) with a generated config in dir: one server on a free loopback
// port, upstream `broadcart` over the instances' ports (round-robin, keep-alive; a refused
// connection passes the request to the next instance), the chat WebSocket upgrade, /hls/ and the
// rest proxied to the same upstream. Every response carries X-Upstream ($upstream_addr: which
// instance(s) nginx tried), so tests can see how requests were split.
export async function startNginx(dir, ports) {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const temps = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `    ${t}_temp_path ${dir}/${t};`).join('\n');
  const conf = `worker_processes 1;
worker_rlimit_nofile 16384;
error_log ${dir}/error.log warn;
events { worker_connections 8192; }
http {
    access_log off;
${temps}
    upstream broadcart {
${ports.map((p) => `        server 127.0.0.1:${p} max_fails=1 fail_timeout=2s;`).join('\n')}
        keepalive 64;
    }
    map $http_upgrade $connection_upgrade {
        default upgrade;
        ''      '';
    }
    server {
        listen 127.0.0.1:${port};
        client_max_body_size 6m;
        proxy_http_version 1.1;
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header Connection "";
        proxy_connect_timeout 2s;
        proxy_read_timeout 30s;
        proxy_next_upstream error timeout;
        add_header X-Upstream $upstream_addr always;
        location ^~ /internal/ { return 404; }
        location ~ ^/api/v1/lives/[^/]+/chat$ {
            proxy_pass http://broadcart;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_buffering off;
            proxy_read_timeout 1h;
        }
        location /hls/ { proxy_pass http://broadcart; }
        location / { proxy_pass http://broadcart; }
    }
}
`;
  const file = path.join(dir, 'nginx.conf');
  writeFileSync(file, conf);
  const args = ['-p', dir, '-c', file, '-e', path.join(dir, 'error.log'), '-g', `daemon off; pid ${dir}/nginx.pid;`];
  const t = spawnSync(NGINX, ['-t', '-q', ...args], { encoding: 'utf8' });
  if (t.status !== 0) throw new Error(`nginx -t failed:\n${t.stdout}${t.stderr}\n${conf}`);
  const proc = spawn(NGINX, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  children.add(proc);
  let err = '';
  proc.stderr.on('data', (d) => { err += d; });
  const exited = new Promise((r) => proc.once('exit', () => { children.delete(proc); r(); }));
  const end = Date.now() + 10000;
  while (!(await canConnect(port))) {
    if (Date.now() > end || proc.exitCode !== null) throw new Error(`nginx did not start: ${err}`);
    await sleep(50);
  }
  return {
    port, base: `http://127.0.0.1:${port}`, conf, pid: proc.pid,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGQUIT'); // graceful; SIGKILL after 5 s
      const k = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(k);
    },
  };
}

// The whole cluster. Returns {tmp, dbUrl, redis, redisPort, gateway, instances: [A, B, …], nginx,
// base (nginx), sqlQuery(statement), stop()}. env is added to every instance's environment.
export async function startCluster({ instances = 2, env = {} } = {}) {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'bc-cluster-'));
  const c = { tmp, instances: [] };
  try {
    c.dbUrl = await newPgDatabase();
    c.redisPort = await freePort();
    c.redis = await startRedis(c.redisPort);
    // the payment gateway: the sandbox of a broadcart that is not part of the cluster
    c.gateway = await startServer({ env: { BROADCART_LOG_LEVEL: 'warn' } });
    const shared = path.join(tmp, 'shared');
    for (const d of ['media', 'hls']) mkdirSync(path.join(shared, d), { recursive: true });
    const jwt = randomBytes(32).toString('hex');
    const dataKey = randomBytes(32).toString('hex');
    const ports = [];
    for (let i = 0; i < instances; i++) ports.push(await freePort());
    c.nginxDir = path.join(tmp, 'nginx');
    c.nginx = await startNginx(c.nginxDir, ports);
    c.base = c.nginx.base;
    for (let i = 0; i < instances; i++) {
      const name = String.fromCharCode(65 + i); // A, B, …
      const dataDir = path.join(tmp, `instance-${name}`);
      mkdirSync(dataDir);
      for (const d of ['media', 'hls']) symlinkSync(path.join(shared, d), path.join(dataDir, d));
      const inst = new Instance(name, {
        port: ports[i], dataDir,
        env: {
          PATH: process.env.PATH,
          BROADCART_DATA_DIR: dataDir,
          BROADCART_HTTP_PORT: String(ports[i]),
          BROADCART_HTTP_HOST: '127.0.0.1',
          BROADCART_WEB_DIR: path.join(ROOT, 'web'),
          BROADCART_DATABASE_URL: c.dbUrl,
          BROADCART_REDIS_URL: `redis://127.0.0.1:${c.redisPort}`,
          BROADCART_JWT_SECRET: jwt,
          BROADCART_DATA_KEY: dataKey, // one key sealing personal data for every instance
          BROADCART_REQUIRE_VERIFIED_EMAIL: '0', // the suite's sign-ups check out unverified
          BROADCART_TOSS_API_BASE: `${c.gateway.base}/sandbox-pg`,
          BROADCART_TOSS_SECRET_KEY: tossSecret(c.gateway), // the gateway's per-data-dir key
          BROADCART_PUBLIC_URL: c.base,
          BROADCART_TRUSTED_PROXIES: '127.0.0.1',
          BROADCART_PWHASH_OPSLIMIT: '1',
          BROADCART_PWHASH_MEMLIMIT_KIB: '8',
          // every test client is 127.0.0.1: per-address limits are tested in tests/api
          BROADCART_SIGNUP_RATE_PER_ADDR: '100000',
          BROADCART_LOGIN_RATE_PER_ADDR: '100000',
          BROADCART_CHAT_RATE: '1000',
          BROADCART_LOG_LEVEL: 'info', // the sweeper's lease lines are INFO
          UBSAN_OPTIONS: 'halt_on_error=1:print_stacktrace=1',
          ASAN_OPTIONS: 'detect_leaks=0',
          ...env,
        },
      });
      // one at a time: the first one migrates the empty database
      await inst.start();
      c.instances.push(inst);
    }
  } catch (e) {
    await stopCluster(c);
    throw e;
  }
  c.sqlQuery = (statement) => sql({ env: { BROADCART_DATABASE_URL: c.dbUrl } }, statement).trim();
  c.stop = () => stopCluster(c);
  return c;
}

async function stopCluster(c) {
  const errors = [];
  await c.nginx?.stop();
  for (const i of c.instances) { try { await i.stop(); } catch (e) { errors.push(e); } }
  try { await c.gateway?.stop(); } catch (e) { errors.push(e); }
  await c.redis?.stop();
  rmSync(c.tmp, { recursive: true, force: true });
  if (errors.length) throw errors[0];
}

// An HTTP call to base (nginx or one instance). Returns {status, body, headers, upstream (the port
// nginx passed it to, last tried), error (a network error instead of a response)}.
export async function call(base, method, p, { token, body, headers = {}, timeout = 20000 } = {}) {
  const h = { ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  let payload;
  if (body !== undefined) { payload = JSON.stringify(body); h['content-type'] = 'application/json'; }
  try {
    const res = await fetch(base + p, { method, headers: h, body: payload, signal: AbortSignal.timeout(timeout) });
    const text = await res.text();
    let parsed = text;
    try { parsed = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
    const up = res.headers.get('x-upstream');
    const upstream = up ? Number(up.split(/[\s,:]+/).filter(Boolean).pop()) : null;
    return { status: res.status, body: parsed, headers: res.headers, upstream };
  } catch (e) {
    return { status: 0, body: null, headers: new Headers(), upstream: null, error: e };
  }
}

// Runs fn(i) for i in 0..n-1 with at most `limit` running at once; resolves the results in order.
export async function pool(n, limit, fn) {
  const out = new Array(n);
  let next = 0;
  const worker = async () => { while (next < n) { const i = next++; out[i] = await fn(i); } };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker));
  return out;
}

// A seller (created through the CLI of instance inst, signed in through base).
export async function seller(c, inst, name = 'Cluster Seller') {
  const email = `seller-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;
  const password = 'Passw0rd!seller';
  const r0 = spawnSync(BIN, ['user', 'create', '--email', email, '--password', password, '--name', name, '--role', 'seller'],
    { env: inst.env, encoding: 'utf8' });
  if (r0.status !== 0) throw new Error(`user create: ${r0.stderr}`);
  const r = await call(c.base, 'POST', '/api/v1/auth/login', { body: { email, password } });
  if (r.status !== 200) throw new Error(`login: ${JSON.stringify(r.body)}`);
  return { id: Number(r0.stdout.trim()), token: r.body.access_token };
}

// n buyers signed up through base (limit at once). Returns [{id, token}] (throws on any failure).
export async function buyers(base, n, tag, limit = 32) {
  return pool(n, limit, async (i) => {
    for (let attempt = 0; ; attempt++) {
      const r = await call(base, 'POST', '/api/v1/auth/signup',
        { body: { email: `${tag}-${i}-${process.pid}@example.com`, password: 'buyer1234!', name: `${tag} ${i}` } });
      if (r.status === 201 || r.status === 200) return { id: r.body.user?.id, token: r.body.access_token };
      if (attempt >= 2 || (r.status !== 0 && r.status < 500)) throw new Error(`signup ${i}: ${r.status} ${JSON.stringify(r.body)}`);
      await sleep(100);
    }
  });
}

export const ADDRESS = { recipient: '김민지', phone: '010-1234-5678', postcode: '06236', address1: '서울시 강남구 테헤란로 1' };

// The percentile p (0..1) of xs.
export const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(s.length * p))]; };

// A WebSocket chat viewer of a live at base (nginx or an instance): tests/api/room.mjs; its upstream is
// the instance port nginx chose (X-Upstream of the 101), if any.
export { viewer } from '../api/room.mjs';
