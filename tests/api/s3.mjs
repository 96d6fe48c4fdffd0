// A private S3-compatible server for tests (tests/api/s3server.mjs: s3rver with the AWS Signature
// Version 4 check): a free loopback port, a temp dir, one bucket, stopped by PID.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './lib.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

// Starts it; resolves to {endpoint, bucket, accessKey, secretKey, region, pid, log(), stop()}.
export async function startS3({ bucket = 'broadcart-media', accessKey = 'BCTESTKEY', secretKey = 'bc-test-secret-0123456789', region = 'ap-northeast-2' } = {}) {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bc-s3-'));
  const proc = spawn(process.execPath, [path.join(here, 's3server.mjs'), '--port', String(port), '--dir', dir,
    '--bucket', bucket, '--access-key', accessKey, '--secret-key', secretKey, '--region', region],
  { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  proc.stderr.on('data', (d) => { err += d; });
  const exited = new Promise((r) => proc.once('exit', r));
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`s3 server did not start:\n${err}`)), 10000);
    proc.stdout.on('data', (d) => {
      out += d;
      if (out.includes('s3 listening on')) { clearTimeout(timer); resolve(); }
    });
    proc.once('exit', (code) => { clearTimeout(timer); reject(new Error(`s3 server exited ${code}:\n${err}`)); });
  });
  return {
    endpoint: `http://127.0.0.1:${port}`, bucket, accessKey, secretKey, region, pid: proc.pid,
    log: () => err,
    async stop() {
      if (proc.exitCode === null) { proc.kill('SIGTERM'); await exited; }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// The broadcart settings that put its media into s3 (overrides merge over them).
export function s3Env(s3, overrides = {}) {
  return {
    BROADCART_S3_ENDPOINT: s3.endpoint, BROADCART_S3_BUCKET: s3.bucket, BROADCART_S3_ACCESS_KEY: s3.accessKey,
    BROADCART_S3_SECRET_KEY: s3.secretKey, BROADCART_S3_REGION: s3.region, ...overrides,
  };
}
