#!/usr/bin/env node
// Runs Node test files one at a time, each in its own `node --test` process, and prints one closing
// line "node-tests: N passed, N failed, N skipped". Works with Node 18 (Debian 12's nodejs) and
// newer: it uses only flags Node 18.15+ has (no --test-concurrency, which 18 lacks; one file per
// process makes it moot). Exit status 0 only when no test failed and every file's process exited 0.
//
//   node scripts/run-node-tests.mjs [paths...]   (a directory stands for its *.test.mjs files)
//
// Environment: BROADCART_TEST_FILE_TIMEOUT_S (default 900) bounds each file's run (the process is
// killed and the file counts as failed); BROADCART_TEST_JOBS (default 1, at most 8) files run at once
// (their reports are printed whole as each ends); BROADCART_TEST_TALLY names a file to which the totals are
// appended as one line "passed failed skipped" (scripts/test-all.sh adds them up).
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 18 || (major === 18 && minor < 15)) {
  console.error(`node-tests: Node ${process.versions.node} is too old; Node 18.15 or newer is needed`);
  process.exit(2);
}

// The test files under each argument, in a stable (sorted) order.
function collect(args) {
  const files = [];
  const walk = (p) => {
    if (statSync(p).isDirectory()) {
      for (const e of readdirSync(p).sort()) {
        const q = path.join(p, e);
        if (statSync(q).isDirectory()) walk(q);
        else if (e.endsWith('.test.mjs')) files.push(q);
      }
    } else {
      files.push(p);
    }
  };
  for (const a of args) walk(a);
  return files;
}

// The totals of one TAP report (its last "# pass N" etc. lines are the file's summary).
function tapCounts(text) {
  const get = (k) => {
    const all = [...text.matchAll(new RegExp(`^# ${k} (\\d+)$`, 'gm'))];
    return all.length ? Number(all[all.length - 1][1]) : 0;
  };
  return {
    passed: get('pass'),
    failed: get('fail') + get('cancelled'),
    skipped: get('skipped') + get('todo'),
    seen: /^# tests \d+$/m.test(text),
  };
}

const files = collect(process.argv.slice(2).length ? process.argv.slice(2) : ['tests/api']);
if (files.length === 0) {
  console.error('node-tests: no test files found');
  process.exit(2);
}
const timeoutS = Number(process.env.BROADCART_TEST_FILE_TIMEOUT_S || 900);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'bc-node-tests-'));
const total = { passed: 0, failed: 0, skipped: 0 };
const rows = [];

// One file in its own process; with several at once (BROADCART_TEST_JOBS > 1) each file's report is
// held back and printed whole when the file ends, so the reports do not interleave.
async function runFile(file, index, alone) {
  const tap = path.join(tmp, `${index}.tap`);
  const started = Date.now();
  const child = spawn(process.execPath, ['--test', '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tap}`, file], { stdio: ['ignore', alone ? 'inherit' : 'pipe', alone ? 'inherit' : 'pipe'] });
  const held = [];
  if (!alone) {
    child.stdout.on('data', (d) => held.push(d));
    child.stderr.on('data', (d) => held.push(d));
  }
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutS * 1000);
  const code = await new Promise((resolve) => child.on('close', (c, sig) => resolve(c ?? sig)));
  clearTimeout(timer);
  if (!alone) process.stdout.write(`--- ${file}\n${Buffer.concat(held).toString()}`);
  let text = '';
  try { text = readFileSync(tap, 'utf8'); } catch { /* the process died before writing */ }
  const c = tapCounts(text);
  // a process that failed without a failing test (crash, load error, timeout) is one failure
  if ((code !== 0 || !c.seen) && c.failed === 0) c.failed = 1;
  total.passed += c.passed;
  total.failed += c.failed;
  total.skipped += c.skipped;
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  const note = timedOut ? ` (killed after ${timeoutS} s)` : code !== 0 ? ` (exit ${code})` : '';
  rows[index] = `${c.failed ? 'FAIL' : 'ok  '} ${file}: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped, ${secs} s${note}`;
}

const jobs = Math.max(1, Math.min(8, Number(process.env.BROADCART_TEST_JOBS || 1) || 1));
let next = 0;
await Promise.all(Array.from({ length: Math.min(jobs, files.length) }, async () => {
  while (next < files.length) {
    const i = next++;
    await runFile(files[i], i, jobs === 1);
  }
}));
rmSync(tmp, { recursive: true, force: true });

console.log(`\nnode-tests (node ${process.versions.node}):`);
for (const r of rows) console.log(`  ${r}`);
console.log(`node-tests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
if (process.env.BROADCART_TEST_TALLY) {
  appendFileSync(process.env.BROADCART_TEST_TALLY, `${total.passed} ${total.failed} ${total.skipped}\n`);
}
process.exit(total.failed ? 1 : 0);
