// Test harness: starts the real broadcart binary on a free loopback port with a temporary
// data directory, and small helpers to call its API.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = process.env.BROADCART_BIN || path.join(root, 'build/broadcart');
export const ROOT = root;

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// Starts `broadcart serve ...args`. Returns {base, port, dataDir, env, stop(), stderr()}.
export async function startServer({ args = [], env = {}, dataDir } = {}) {
  const port = await freePort();
  dataDir = dataDir || mkdtempSync(path.join(os.tmpdir(), 'bc-test-'));
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
    BROADCART_LOG_LEVEL: 'warn',
    UBSAN_OPTIONS: 'halt_on_error=1:print_stacktrace=1',
    ASAN_OPTIONS: 'detect_leaks=0',
    ...env,
  };
  const proc = spawn(BIN, ['serve', ...args], { env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  proc.stderr.on('data', (d) => { err += d; });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${err}`)), 15000);
    proc.stdout.on('data', (d) => {
      out += d;
      if (out.includes('listening on')) { clearTimeout(timer); resolve(); }
    });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited ${code}:\n${err}`)); });
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
