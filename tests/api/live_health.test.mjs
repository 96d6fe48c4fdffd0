// Stream health for the studio's control room with the real ingest: broadcart serve --with-rtmp runs
// nginx-rtmp (statistics on its control socket), ffmpeg publishes 320x180 at 30 fps; GET
// /api/v1/lives/{id}/health shows it publishing with the encoder's frame rate, size, codecs and a
// measured bitrate, only to the live's seller (another seller 403, a buyer 403), and not publishing
// once the stream stops. Needs /usr/sbin/nginx + libnginx-mod-rtmp and ffmpeg; skipped when missing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { startServer, api, makeUser, freePort } from './lib.mjs';

const haveTools = existsSync('/usr/sbin/nginx') && existsSync('/usr/lib/nginx/modules/ngx_rtmp_module.so') &&
  ['/usr/bin/ffmpeg', '/usr/local/bin/ffmpeg'].some(existsSync);
const skip = !haveTools && !process.env.CI && 'nginx-rtmp/ffmpeg missing';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let srv, rtmpPort, seller, other, buyer, productId, ffmpeg;

async function poll(fn, ms, what) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timeout: ${what} (${ms} ms)\nserver: ${srv.stderr().slice(-3000)}`);
    await sleep(200);
  }
}

before(async () => {
  if (skip) return;
  rtmpPort = await freePort();
  srv = await startServer({ args: ['--with-rtmp'], env: { BROADCART_RTMP_PORT: String(rtmpPort) } });
  seller = await makeUser(srv, 'seller', 'Streamer');
  other = await makeUser(srv, 'seller', 'Other shop');
  buyer = await makeUser(srv, 'buyer', 'Viewer');
  productId = (await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: 'Lamp', price: 30000, stock: 3 } })).body.id;
});

after(async () => {
  if (ffmpeg) ffmpeg.kill('SIGKILL');
  if (srv) await srv.stop();
});

test('the control room sees the ingest: frame rate, size, codecs, bitrate; only the seller', { skip, timeout: 60000 }, async () => {
  const live = (await api(srv, 'POST', '/api/v1/lives', {
    token: seller.token, body: { title: 'Health', scheduled_at: new Date(Date.now() + 600e3).toISOString(), product_ids: [productId] },
  })).body;
  const health = () => api(srv, 'GET', `/api/v1/lives/${live.id}/health`, { token: seller.token });
  const before = await health();
  assert.equal(before.status, 200);
  assert.equal(before.body.publishing, false);
  assert.equal(before.body.sampled_at, null);

  ffmpeg = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re',
    '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '30', '-b:v', '400k', '-c:a', 'aac',
    '-t', '12', '-f', 'flv', `rtmp://127.0.0.1:${rtmpPort}/live/${live.id}?key=${live.stream_key}`], { stdio: 'ignore' });
  // two samples apart are needed for the measured bitrate
  const h = (await poll(async () => { const r = await health(); return r.body.publishing && r.body.bitrate_kbps > 0 && r; }, 20000, 'publishing with a bitrate')).body;
  assert.equal(h.live_id, live.id);
  assert.equal(h.width, 320);
  assert.equal(h.height, 180);
  assert.equal(h.fps, 30);
  assert.equal(h.video_codec, 'H264');
  assert.equal(h.audio_codec, 'AAC');
  assert.ok(h.bitrate_kbps > 50 && h.bitrate_kbps < 5000, `bitrate ${h.bitrate_kbps} kbit/s`);
  assert.ok(h.uptime_ms > 0);
  assert.match(h.sampled_at, /^\d{4}-\d\d-\d\dT/);

  for (const u of [other, buyer]) {
    const r = await api(srv, 'GET', `/api/v1/lives/${live.id}/health`, { token: u.token });
    assert.equal(r.status, 403, JSON.stringify(r.body));
    assert.equal(r.body.error.code, 'FORBIDDEN');
  }
  assert.equal((await api(srv, 'GET', `/api/v1/lives/${live.id}/health`)).status, 401);
  assert.equal((await api(srv, 'GET', '/api/v1/lives/999999/health', { token: seller.token })).status, 404);

  ffmpeg.kill('SIGKILL');
  const gone = (await poll(async () => { const r = await health(); return !r.body.publishing && r; }, 15000, 'not publishing')).body;
  assert.equal(gone.bitrate_kbps, 0);
  assert.equal(gone.video_codec, null);
});
