// BROADCART_TOSS_CHECKOUT: which payment window GET /api/v1/payments/config tells the browser to use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, api, BIN, ROOT } from './lib.mjs';

const SDK_URL = 'https://js.tosspayments.com/v2/standard';

// Starts a server with the extra env, returns its payments config and stops it.
async function configWith(env) {
  const srv = await startServer({ env });
  try {
    const r = await api(srv, 'GET', '/api/v1/payments/config');
    assert.equal(r.status, 200);
    return r.body;
  } finally {
    await srv.stop();
  }
}

test('payconfig: default (auto) with the built-in sandbox → sandbox page', async () => {
  const c = await configWith({});
  assert.equal(c.mode, 'sandbox');
  assert.equal(c.checkout_url, '/sandbox-pg/checkout');
  assert.equal(c.sdk_url, SDK_URL);
});

test('payconfig: sdk forces the Toss SDK even against the sandbox', async () => {
  const c = await configWith({ BROADCART_TOSS_CHECKOUT: 'sdk' });
  assert.equal(c.provider, 'toss');
  assert.equal(c.mode, 'toss');
  assert.equal(c.checkout_url, null);
  assert.equal(c.sdk_url, SDK_URL);
  assert.equal(c.client_key, 'test_ck_broadcart_sandbox');
});

test('payconfig: auto with a non-sandbox API base → SDK; sandbox forces the page', async () => {
  // the base is never called here (only confirm/cancel use it)
  const real = { BROADCART_TOSS_API_BASE: 'https://api.tosspayments.com' };
  const auto = await configWith({ ...real, BROADCART_TOSS_CHECKOUT: 'auto' });
  assert.equal(auto.mode, 'toss');
  assert.equal(auto.checkout_url, null);
  const forced = await configWith({ ...real, BROADCART_TOSS_CHECKOUT: 'sandbox' });
  assert.equal(forced.mode, 'sandbox');
  assert.equal(forced.checkout_url, '/sandbox-pg/checkout');
});

test('payconfig: an invalid BROADCART_TOSS_CHECKOUT makes the server refuse to start', async () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bc-test-'));
  try {
    const proc = spawn(BIN, ['serve'], {
      env: { ...process.env, BROADCART_DATA_DIR: dataDir, BROADCART_HTTP_PORT: '0', BROADCART_HTTP_HOST: '127.0.0.1',
        BROADCART_WEB_DIR: path.join(ROOT, 'web'), BROADCART_TOSS_CHECKOUT: 'popup' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '', err = '';
    proc.stdout.on('data', (d) => { out += d; });
    proc.stderr.on('data', (d) => { err += d; });
    const code = await new Promise((resolve) => {
      const t = setTimeout(() => { proc.kill('SIGKILL'); resolve('timeout'); }, 10000);
      proc.on('exit', (c) => { clearTimeout(t); resolve(c); });
    });
    assert.notEqual(code, 'timeout', `the server kept running:\n${out}`);
    assert.notEqual(code, 0);
    assert.doesNotMatch(out, /listening on/);
    assert.match(err, /BROADCART_TOSS_CHECKOUT=popup is not one of: auto, sandbox, sdk/);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
