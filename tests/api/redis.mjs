// A private redis-server for tests and benchmarks (Debian's redis-server; REDIS_SERVER overrides the
// path): a free loopback port, no persistence, a temp dir, stopped by PID. A missing binary is an error.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const REDIS = process.env.REDIS_SERVER || '/usr/bin/redis-server';

// Starts redis-server on port in its own temp dir; resolves once it accepts connections.
export async function startRedis(port) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bc-redis-'));
  const proc = spawn(REDIS, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
    '--daemonize', 'no', '--dir', dir], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stdout.on('data', (d) => { log += d; });
  proc.stderr.on('data', (d) => { log += d; });
  const exited = new Promise((r) => proc.once('exit', r));
  const spawnError = new Promise((_, reject) => proc.once('error', (e) => reject(new Error(`cannot run ${REDIS}: ${e.message}`))));
  const ready = (async () => {
    const end = Date.now() + 10000;
    for (;;) {
      const ok = await new Promise((r) => {
        const s = net.connect(port, '127.0.0.1', () => { s.write('PING\r\n'); });
        s.on('data', (d) => { s.destroy(); r(d.toString().startsWith('+PONG')); });
        s.on('error', () => r(false));
      });
      if (ok) return;
      if (Date.now() > end || proc.exitCode !== null) throw new Error(`redis-server did not start:\n${log}`);
      await sleep(50);
    }
  })();
  await Promise.race([ready, spawnError]);
  return {
    pid: proc.pid,
    async stop() {
      if (proc.exitCode === null) { proc.kill('SIGTERM'); await exited; }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

