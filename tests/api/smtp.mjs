// A real SMTP server on loopback for the notification tests: Debian's python3-aiosmtpd with its
// Maildir handler (every accepted message is one file), optionally requiring STARTTLS with a
// self-signed certificate made here for 127.0.0.1. startSmtp() -> {port, url, caFile, messages(), waitFor(), stop()}.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './lib.mjs';

const PYTHON = '/usr/bin/python3'; // Debian's, where python3-aiosmtpd is installed
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Decodes RFC 2047 encoded-words (B and Q) in a header value.
function decodeWords(v) {
  return v.replace(/\r?\n[ \t]/g, ' ').replace(/\?=\s+=\?/g, '?==?').replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_, cs, enc, text) =>
    (enc.toUpperCase() === 'B' ? Buffer.from(text, 'base64')
      : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (m, h) => String.fromCharCode(parseInt(h, 16))), 'latin1')).toString('utf8'));
}

// Parses one message file: {headers: {lowercase name: value}, body (decoded text), raw}.
export function parseMessage(raw) {
  const sep = raw.search(/\r?\n\r?\n/);
  const head = raw.slice(0, sep), rest = raw.slice(sep).replace(/^\r?\n\r?\n/, '');
  const headers = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  const cte = (headers['content-transfer-encoding'] || '').toLowerCase();
  const body = cte === 'base64' ? Buffer.from(rest.replace(/\s+/g, ''), 'base64').toString('utf8') : rest;
  return { headers, subject: decodeWords(headers.subject || ''), body, raw };
}

export async function startSmtp({ port, starttls = false } = {}) {
  port = port || await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bc-smtp-'));
  const mail = path.join(dir, 'Maildir');
  const args = ['-m', 'aiosmtpd', '-n', '-l', `127.0.0.1:${port}`, '-c', 'aiosmtpd.handlers.Mailbox'];
  let caFile = null;
  if (starttls) {
    caFile = path.join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', path.join(dir, 'key.pem'), '-out', caFile], { stdio: 'ignore' });
    args.splice(2, 0, '--tlscert', caFile, '--tlskey', path.join(dir, 'key.pem')); // STARTTLS required (the default)
  }
  args.push(mail);
  const proc = spawn(PYTHON, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr.on('data', (d) => { err += d; });
  proc.stdout.on('data', () => {});
  // ready when it accepts a connection (bounded)
  const end = Date.now() + 10000;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.end(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (ok) break;
    if (proc.exitCode !== null || Date.now() > end) throw new Error(`aiosmtpd did not start: ${err}`);
    await sleep(100);
  }
  const messages = () => {
    const out = [];
    for (const sub of ['new', 'cur']) {
      let names = [];
      try { names = readdirSync(path.join(mail, sub)); } catch { /* not made yet */ }
      for (const n of names) out.push(parseMessage(readFileSync(path.join(mail, sub, n), 'utf8')));
    }
    return out;
  };
  return {
    port, url: `smtp://127.0.0.1:${port}`, caFile, messages, log: () => err,
    // Waits (at most ms) for a message that pred accepts; returns it or throws.
    async waitFor(pred, ms = 15000) {
      const stop = Date.now() + ms;
      for (;;) {
        const m = messages().find(pred);
        if (m) return m;
        if (Date.now() > stop) throw new Error(`no such mail within ${ms} ms (${messages().length} received)\n${err}`);
        await sleep(100);
      }
    },
    async stop() {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(t);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
