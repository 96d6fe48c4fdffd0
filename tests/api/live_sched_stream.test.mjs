// Schedules and status with the real ingest: broadcart serve --with-rtmp runs nginx-rtmp (with its
// control module on a Unix socket), ffmpeg publishes. A stream key rotation drops the publisher on
// the old key at once (nginx-rtmp control, not the next on_update); the seller republishes with the
// new key and the same live continues; when the stream stops it is interrupted, then ENDED after
// the grace. A restart with --with-rtmp no longer ends lives another instance ingests (their
// segments keep coming). Needs /usr/sbin/nginx + libnginx-mod-rtmp and ffmpeg; skipped when missing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import { startServer, api, makeUser, freePort, sql } from './lib.mjs';

const haveTools = existsSync('/usr/sbin/nginx') && existsSync('/usr/lib/nginx/modules/ngx_rtmp_module.so') &&
  ['/usr/bin/ffmpeg', '/usr/local/bin/ffmpeg'].some(existsSync);
const skip = !haveTools && !process.env.CI && 'nginx-rtmp/ffmpeg missing';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const ENV = { BROADCART_LIVE_GRACE: '3', BROADCART_LIVE_STALL: '4', BROADCART_LOG_LEVEL: 'info' };

let srv, rtmpPort, seller, productId;
const procs = new Set();

function publish(liveId, key, seconds) {
  const url = `rtmp://127.0.0.1:${rtmpPort}/live/${liveId}?key=${key}`;
  const args = ['-hide_banner', '-loglevel', 'error', '-re',
    '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '30', '-c:a', 'aac',
    '-t', String(seconds), '-f', 'flv', url];
  const proc = spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  procs.add(proc);
  let err = '';
  proc.stderr.on('data', (d) => { err += d; });
  const exited = new Promise((resolve) => proc.on('exit', (code, sig) => { procs.delete(proc); resolve(code ?? sig); }));
  return { proc, exited, log: () => err };
}

async function within(promise, ms, what) {
  let t;
  const timeout = new Promise((_, reject) => {
    t = setTimeout(() => reject(new Error(`timeout: ${what} (${ms} ms)\nserver: ${srv.stderr().slice(-3000)}`)), ms);
  });
  try { return await Promise.race([promise, timeout]); } finally { clearTimeout(t); }
}

async function poll(fn, ms, what) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timeout: ${what} (${ms} ms)\nserver: ${srv.stderr().slice(-3000)}`);
    await sleep(100);
  }
}

const getLive = async (id) => (await api(srv, 'GET', `/api/v1/lives/${id}`, { token: seller.token })).body;
async function newLive(title) {
  const r = await api(srv, 'POST', '/api/v1/lives', {
    token: seller.token, body: { title, scheduled_at: new Date(Date.now() + 3600e3).toISOString(), product_ids: [productId] },
  });
  assert.equal(r.status, 201);
  return r.body;
}
const playlist = async (id) => (await fetch(`${srv.base}/hls/${id}/index.m3u8`)).status === 200;

before(async () => {
  if (skip) return;
  rtmpPort = await freePort();
  srv = await startServer({ args: ['--with-rtmp'], env: { ...ENV, BROADCART_RTMP_PORT: String(rtmpPort) } });
  seller = await makeUser(srv, 'seller', 'Rotating Streamer');
  const p = await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: 'Mug', price: 9000, stock: 3 } });
  productId = p.body.id;
});

after(async () => {
  for (const p of procs) p.kill('SIGKILL');
  if (srv) await srv.stop();
});

test('key rotation drops the old publisher at once; the new key continues the same live; it ends after the grace', { skip, timeout: 90000 }, async () => {
  const live = await newLive('Rotation');
  const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/api/v1/lives/${live.id}/chat`);
  const frames = [];
  ws.on('message', (d) => frames.push(JSON.parse(d.toString())));
  await within(new Promise((res, rej) => { ws.once('open', res); ws.once('error', rej); }), 5000, 'ws open');
  try {
    const first = publish(live.id, live.stream_key, 60);
    await poll(async () => (await getLive(live.id)).status === 'LIVE', 10000, 'LIVE');
    await poll(() => playlist(live.id), 15000, 'first playlist');
    const startedAt = (await getLive(live.id)).started_at;

    const r = await api(srv, 'POST', `/api/v1/lives/${live.id}/stream-key`, { token: seller.token });
    assert.equal(r.status, 200);
    const code = await within(first.exited, 15000, 'the old publisher to be dropped');
    assert.notEqual(code, 0, 'ffmpeg was cut off');
    assert.match(srv.stderr(), new RegExp(`live ${live.id}: 1 publisher\\(s\\) dropped through the rtmp control module`),
      'dropped by the control module, not by a later on_update');
    assert.ok(frames.some((f) => f.type === 'status' && f.interrupted === true));

    const refused = publish(live.id, live.stream_key, 2);
    assert.notEqual(await within(refused.exited, 15000, 'old key refused'), 0, 'the old key no longer publishes');

    const second = publish(live.id, r.body.stream_key, 4);
    await poll(async () => { const l = await getLive(live.id); return l.status === 'LIVE' && l.interrupted_at === null; }, 10000, 'LIVE again');
    const again = await getLive(live.id);
    assert.equal(again.started_at, startedAt, 'the same live continues');
    assert.equal(await within(second.exited, 30000, 'second publisher to finish'), 0, second.log());
    // the stream stopped: interrupted at once, ENDED when the grace passes without a republish
    await poll(async () => (await getLive(live.id)).interrupted_at !== null || (await getLive(live.id)).status === 'ENDED', 5000, 'interrupted');
    await poll(async () => (await getLive(live.id)).status === 'ENDED', 10000, 'ENDED after the grace');
    assert.ok(frames.some((f) => f.type === 'status' && f.status === 'ENDED'));
  } finally {
    ws.terminate();
  }
});

test('a --with-rtmp start leaves alone a live whose segments keep coming (another ingest); the stall rule ends it', { skip, timeout: 60000 }, async () => {
  const live = await newLive('Elsewhere');
  const dir = path.join(srv.dataDir, 'hls', String(live.id));
  mkdirSync(dir, { recursive: true });
  let n = 0, writing = true;
  const writer = (async () => {
    while (writing) { writeFileSync(path.join(dir, 'index.m3u8'), `#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:${n}\n${n++}.ts\n`); await sleep(500); }
  })();
  try {
    // on air through another instance's ingest (its callbacks went there): LIVE with its publisher
    sql(srv, `UPDATE lives SET status = 'LIVE', publisher_client = 'other-ingest', started_at = ${Date.now()}, last_segment_at = ${Date.now()} WHERE id = ${live.id}`);
    const dataDir = srv.dataDir;
    await srv.stop({ keep: true });
    srv = await startServer({ dataDir, args: ['--with-rtmp'], env: { ...ENV, BROADCART_RTMP_PORT: String(rtmpPort) } });
    await sleep(2500);
    const l = await getLive(live.id);
    assert.equal(l.status, 'LIVE', 'not ended by the start of this instance\'s nginx');
    assert.equal(l.interrupted_at, null, 'its segments keep coming');
    writing = false;
    await writer;
    await poll(async () => (await getLive(live.id)).status === 'ENDED', 15000, 'ENDED once the segments stopped (stall + grace)');
  } finally {
    writing = false;
    await writer;
  }
});
