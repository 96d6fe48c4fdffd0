// End-to-end ingest: broadcart serve --with-rtmp runs nginx-rtmp; ffmpeg publishes a synthetic
// stream; the live goes LIVE, HLS is served under /hls/, viewers get status frames, a wrong key
// and a duplicate publisher are refused, the end of the stream (or POST /end) ends the live.
// Needs /usr/sbin/nginx + libnginx-mod-rtmp and ffmpeg with libx264; skipped when missing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import WebSocket from 'ws';
import { startServer, api, makeUser, freePort } from './lib.mjs';

const haveTools = existsSync('/usr/sbin/nginx') && existsSync('/usr/lib/nginx/modules/ngx_rtmp_module.so') &&
  ['/usr/bin/ffmpeg', '/usr/local/bin/ffmpeg'].some(existsSync);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let srv, rtmpPort, seller, productId;
const procs = new Set();

// Starts ffmpeg publishing `seconds` of test pattern + tone; returns {proc, exited: Promise<code>, log()}.
function publish(liveId, key, seconds) {
  const url = `rtmp://127.0.0.1:${rtmpPort}/live/${liveId}?key=${key}`;
  const args = ['-hide_banner', '-loglevel', 'error', '-re',
    '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440',
    '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-g', '30', '-c:a', 'aac',
    '-t', String(seconds), '-f', 'flv', url];
  const proc = spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  procs.add(proc);
  let err = '';
  proc.stderr.on('data', (d) => { err += d; });
  const exited = new Promise((resolve) => proc.on('exit', (code, sig) => { procs.delete(proc); resolve(code ?? sig); }));
  return { proc, exited, log: () => err };
}

// Waits for promise at most ms; on a timeout the error carries the tail of the server's log and, with
// pub, of that ffmpeg's stderr, so a stall can be told apart from a slow machine.
async function within(promise, ms, what, pub) {
  let t;
  const timeout = new Promise((_, reject) => {
    t = setTimeout(() => reject(new Error(`timeout: ${what} (${ms} ms)\nffmpeg: ${pub ? pub.log().slice(-500) : '-'}\n` +
      `server: ${srv ? srv.stderr().slice(-3000) : '-'}`)), ms);
  });
  try { return await Promise.race([promise, timeout]); } finally { clearTimeout(t); }
}

async function poll(fn, ms, what, every = 50) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timeout: ${what} (${ms} ms)`);
    await sleep(every);
  }
}

async function viewer(liveId) {
  const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/api/v1/lives/${liveId}/chat`);
  const frames = [];
  ws.on('message', (d) => frames.push(JSON.parse(d.toString())));
  await within(new Promise((res, rej) => { ws.once('open', res); ws.once('error', rej); }), 5000, 'ws open');
  return { ws, frames, has: (type, status) => frames.some((f) => f.type === type && f.status === status) };
}

async function newLive(title) {
  const r = await api(srv, 'POST', '/api/v1/lives', {
    token: seller.token, body: { title, scheduled_at: '2026-12-01T10:00:00Z', product_ids: [productId] },
  });
  assert.equal(r.status, 201);
  return r.body;
}

const status = async (id) => (await api(srv, 'GET', `/api/v1/lives/${id}`)).body.status;

function portAccepts(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

before(async () => {
  if (!haveTools && !process.env.CI) return;
  rtmpPort = await freePort();
  // a short grace: the end of the stream interrupts the live, which ends when not republished within it
  srv = await startServer({ args: ['--with-rtmp'], env: { BROADCART_RTMP_PORT: String(rtmpPort), BROADCART_LIVE_GRACE: '5' } });
  seller = await makeUser(srv, 'seller', 'Streamer');
  const p = await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: 'Lamp', price: 30000, stock: 3 } });
  assert.equal(p.status, 201, JSON.stringify(p.body));
  productId = p.body.id;
});

after(async () => {
  for (const p of procs) p.kill('SIGKILL');
  if (srv) {
    await srv.stop();
    assert.equal(await portAccepts(rtmpPort), false, 'nginx stopped with broadcart');
  }
});

test('publish -> LIVE -> HLS -> ENDED; wrong key and duplicate publisher refused', { skip: !haveTools && !process.env.CI && 'nginx-rtmp/ffmpeg missing', timeout: 90000 }, async () => {
  const live = await newLive('Streaming test');
  const v = await viewer(live.id);
  try {
    // wrong key: refused by on_publish (403), ffmpeg fails fast, the live stays SCHEDULED
    const bad = publish(live.id, 'wrongkey', 3);
    const badCode = await within(bad.exited, 15000, 'ffmpeg with a wrong key to exit', bad);
    assert.notEqual(badCode, 0, 'ffmpeg must fail with a wrong key');
    assert.equal(await status(live.id), 'SCHEDULED');
    assert.equal(existsSync(`${srv.dataDir}/hls/${live.id}`), false, 'no HLS output for a refused publisher');

    const t0 = Date.now();
    const good = publish(live.id, live.stream_key, 12);
    await poll(async () => (await status(live.id)) === 'LIVE', 10000, 'live to turn LIVE');
    const tLive = Date.now() - t0;
    await poll(() => v.has('status', 'LIVE'), 3000, 'status LIVE frame');

    let playlist;
    await poll(async () => {
      const r = await fetch(`${srv.base}/hls/${live.id}/index.m3u8`);
      if (r.status !== 200) return false;
      playlist = await r.text();
      return playlist.includes('.ts');
    }, 15000, 'first HLS playlist', 25);
    const tPlaylist = Date.now() - t0;
    assert.match(playlist, /^#EXTM3U/);
    const seg = playlist.split('\n').find((l) => l.endsWith('.ts'));
    const sr = await fetch(`${srv.base}/hls/${live.id}/${seg}`);
    assert.equal(sr.status, 200);
    assert.equal(sr.headers.get('content-type'), 'video/mp2t');
    const bytes = new Uint8Array(await sr.arrayBuffer());
    assert.ok(bytes.length > 1000, `segment has ${bytes.length} bytes`);
    assert.equal(bytes[0], 0x47, 'MPEG-TS sync byte');
    const pl = await fetch(`${srv.base}/hls/${live.id}/index.m3u8`);
    assert.equal(pl.headers.get('content-type'), 'application/vnd.apple.mpegurl');
    console.log(`measured: on_publish->LIVE visible ${tLive} ms, first playlist ${tPlaylist} ms after ffmpeg start`);

    // a second publisher with the right key while on air: refused; its publish_done must not end the live
    const dup = publish(live.id, live.stream_key, 3);
    const dupCode = await within(dup.exited, 15000, 'duplicate ffmpeg to exit', dup);
    assert.notEqual(dupCode, 0, 'duplicate publisher must be refused');
    await sleep(300);
    assert.equal(await status(live.id), 'LIVE', 'the duplicate did not end the live');
    assert.ok(!v.has('status', 'ENDED'));

    const code = await within(good.exited, 30000, 'ffmpeg to finish', good);
    assert.equal(code, 0, good.log());
    const tEnd = Date.now();
    await poll(async () => (await status(live.id)) === 'ENDED', 10000, 'live to turn ENDED');
    await poll(() => v.has('status', 'ENDED'), 3000, 'status ENDED frame');
    console.log(`measured: ffmpeg exit -> ENDED visible ${Date.now() - tEnd} ms`);
    const again = publish(live.id, live.stream_key, 2);
    assert.notEqual(await within(again.exited, 15000, 'republish to exit'), 0, 'an ended live cannot go on air again');
  } finally {
    v.ws.terminate();
  }
});

test('POST /end drops the publisher (on_update)', { skip: !haveTools && !process.env.CI && 'nginx-rtmp/ffmpeg missing', timeout: 60000 }, async () => {
  const live = await newLive('Ended by the seller');
  const v = await viewer(live.id);
  const pub = publish(live.id, live.stream_key, 40);
  try {
    await poll(async () => (await status(live.id)) === 'LIVE', 10000, 'live to turn LIVE');
    const r = await api(srv, 'POST', `/api/v1/lives/${live.id}/end`, { token: seller.token });
    assert.equal(r.status, 200);
    const t = Date.now();
    await poll(() => v.has('status', 'ENDED'), 3000, 'status ENDED frame');
    const code = await within(pub.exited, 15000, 'publisher to be dropped');
    console.log(`measured: /end -> publisher dropped after ${Date.now() - t} ms`);
    assert.notEqual(code, 0);
    assert.equal(await status(live.id), 'ENDED');
  } finally {
    pub.proc.kill('SIGKILL');
    v.ws.terminate();
  }
});

test('a forged RTMP callback without the callback token is refused', { skip: !haveTools && !process.env.CI && 'nginx-rtmp/ffmpeg missing' }, async () => {
  const live = await newLive('Forged callback');
  const form = `app=live&call=publish&name=${live.id}&key=${live.stream_key}&clientid=999`;
  const r = await fetch(`${srv.base}/internal/rtmp/on_publish`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form,
  });
  assert.equal(r.status, 403);
  const wrong = await fetch(`${srv.base}/internal/rtmp/on_publish?token=nope`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form,
  });
  assert.equal(wrong.status, 403);
  assert.equal(await status(live.id), 'SCHEDULED');
});
