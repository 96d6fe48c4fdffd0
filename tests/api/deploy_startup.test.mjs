// Start-up settings an installed broadcart depends on: the web client is found from any working
// directory (installed layout, then the source tree, then ./web) and a missing one stops the start
// with the paths tried; BROADCART_LOG_LEVEL accepts only its listed values.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, ROOT, freePort } from './lib.mjs';

let tmp;
before(() => { tmp = mkdtempSync(path.join(os.tmpdir(), 'bc-startup-')); });
after(() => { rmSync(tmp, { recursive: true, force: true }); });

// Starts `broadcart serve` in cwd with env (BROADCART_WEB_DIR only when given). Resolves
// {started: true, port, stop(), stderr()} once it listens, or {started: false, code, stderr()} when it exits first.
async function serve({ cwd, env = {} }) {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(tmp, 'data-'));
  const fullEnv = {
    ...process.env,
    BROADCART_DATA_DIR: dataDir,
    BROADCART_HTTP_PORT: String(port),
    BROADCART_HTTP_HOST: '127.0.0.1',
    BROADCART_PWHASH_OPSLIMIT: '1',
    BROADCART_PWHASH_MEMLIMIT_KIB: '8',
    ASAN_OPTIONS: 'detect_leaks=0',
    ...env,
  };
  if (!('BROADCART_WEB_DIR' in env)) delete fullEnv.BROADCART_WEB_DIR;
  const proc = spawn(path.resolve(BIN), ['serve'], { cwd, env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  proc.stderr.on('data', (d) => { err += d; });
  const exited = new Promise((r) => proc.once('exit', (code) => r(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { proc.kill('SIGKILL'); reject(new Error(`neither listening nor exited:\n${err}`)); }, 15000);
    proc.stdout.on('data', (d) => {
      out += d;
      if (!out.includes('listening on')) return;
      clearTimeout(timer);
      resolve({
        started: true, port, stderr: () => err,
        async stop() { proc.kill('SIGTERM'); await exited; },
      });
    });
    exited.then((code) => { clearTimeout(timer); resolve({ started: false, code, stderr: () => err }); });
  });
}

test('serve started outside the checkout, without BROADCART_WEB_DIR, serves the web client', async () => {
  const s = await serve({ cwd: tmp });
  assert.ok(s.started, s.stderr());
  try {
    const r = await fetch(`http://127.0.0.1:${s.port}/`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^text\/html/);
    assert.equal(await r.text(), readFileSync(path.join(ROOT, 'web/index.html'), 'utf8'));
    const js = await fetch(`http://127.0.0.1:${s.port}/app.js`);
    assert.equal(js.status, 200);
  } finally {
    await s.stop();
  }
});

test('a relative BROADCART_WEB_DIR is taken from the working directory at start', async () => {
  const s = await serve({ cwd: ROOT, env: { BROADCART_WEB_DIR: 'web' } });
  assert.ok(s.started, s.stderr());
  try {
    assert.equal((await fetch(`http://127.0.0.1:${s.port}/`)).status, 200);
  } finally {
    await s.stop();
  }
});

test('serve refuses to start when BROADCART_WEB_DIR has no index.html, naming the path', async () => {
  const empty = path.join(tmp, 'empty-web');
  mkdirSync(empty);
  for (const dir of ['/nonexistent', empty]) {
    const s = await serve({ cwd: tmp, env: { BROADCART_WEB_DIR: dir } });
    if (s.started) await s.stop();
    assert.equal(s.started, false, `serve started with BROADCART_WEB_DIR=${dir}`);
    assert.notEqual(s.code, 0);
    assert.match(s.stderr(), /no web client directory with an index\.html; tried/);
    assert.ok(s.stderr().includes(dir), s.stderr());
  }
});

test('meson install puts the web client where serve looks first ({prefix}/share/broadcart/web)', { skip: !existsSync(path.join(path.dirname(path.resolve(BIN)), 'meson-info')) && 'BIN is not in a meson build dir' }, () => {
  const build = path.dirname(path.resolve(BIN));
  const dest = path.join(tmp, 'destdir');
  const r = spawnSync('meson', ['install', '-C', build, '--no-rebuild', '--quiet', '--destdir', dest], { encoding: 'utf8' });
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  const opts = JSON.parse(readFileSync(path.join(build, 'meson-info/intro-buildoptions.json'), 'utf8'));
  const opt = (n) => opts.find((o) => o.name === n).value;
  const web = path.join(dest, opt('prefix'), opt('datadir'), 'broadcart/web');
  assert.ok(existsSync(path.join(web, 'index.html')), `${web}/index.html`);
  assert.ok(existsSync(path.join(dest, opt('prefix'), opt('bindir'), 'broadcart')));
});

test('BROADCART_LOG_LEVEL accepts only debug, info, warn and error', async () => {
  for (const bad of ['verbose', 'INFO', '']) {
    const s = await serve({ cwd: tmp, env: { BROADCART_LOG_LEVEL: bad } });
    if (s.started) await s.stop();
    assert.equal(s.started, false, `serve started with BROADCART_LOG_LEVEL=${bad}`);
    assert.equal(s.code, 1);
    assert.ok(s.stderr().includes(`BROADCART_LOG_LEVEL=${bad} is not one of: debug, info, warn, error`), s.stderr());
  }
  const cfg = spawnSync(path.resolve(BIN), ['config'], { env: { PATH: process.env.PATH, BROADCART_LOG_LEVEL: 'verbose' }, encoding: 'utf8' });
  assert.equal(cfg.status, 1);
  // a valid level is applied: at error, the start-up info lines are gone
  const quiet = await serve({ cwd: tmp, env: { BROADCART_LOG_LEVEL: 'error' } });
  assert.ok(quiet.started, quiet.stderr());
  await quiet.stop();
  assert.doesNotMatch(quiet.stderr(), / (INFO|WARN) /);
  const loud = await serve({ cwd: tmp, env: { BROADCART_LOG_LEVEL: 'info' } });
  assert.ok(loud.started, loud.stderr());
  await loud.stop();
  assert.match(loud.stderr(), / INFO /);
});
