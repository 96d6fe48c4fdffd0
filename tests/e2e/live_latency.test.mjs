// The live player's latency tuning in a real browser (RTMP → HLS → hls.js): it plays with the low
// target latency (data-live-sync="1.2" on the <video>), and when the network holds a segment back
// long enough for the playhead to run out of buffer (a stall), it steps back to a bigger buffer
// (target 1.7 s) and keeps playing. Latency figures themselves come from bench/latency.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { startServer, api, makeUser, freePort } from '../api/lib.mjs';
import { DESKTOP, until, browserSession, teardown, sleep } from './browser.mjs';

let srv, ffmpeg, live;
const session = browserSession();

before(async () => {
  const rtmpPort = await freePort();
  srv = await startServer({ args: ['--with-rtmp'], env: { BROADCART_RTMP_PORT: String(rtmpPort) } });
  const seller = await makeUser(srv, 'seller');
  const p = await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: 'Lamp', price: 1000, stock: 1 } });
  live = (await api(srv, 'POST', '/api/v1/lives', {
    token: seller.token, body: { title: 'Latency', scheduled_at: '2026-12-01T10:00:00Z', product_ids: [p.body.id] },
  })).body;
  ffmpeg = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re',
    '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=30', '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency',
    '-g', '30', '-pix_fmt', 'yuv420p', '-t', '60', '-f', 'flv',
    `rtmp://127.0.0.1:${rtmpPort}/live/${live.id}?key=${live.stream_key}`], { stdio: ['ignore', 'ignore', 'ignore'] });
  await session.launch();
});

after(async () => {
  if (ffmpeg && ffmpeg.exitCode === null) ffmpeg.kill('SIGKILL');
  await teardown(session, srv);
});

test('the live player plays near the edge and steps back to a bigger buffer after a stall', { timeout: 60000 }, async () => {
  let holdSegments = false;
  const page = await session.newPage(DESKTOP, 'viewer', {
    prepare: (ctx) => ctx.route(/\/hls\/\d+\/\d+\.ts$/, async (route) => {
      if (holdSegments) await sleep(3500); // a network hiccup: segments arrive 3.5 s late
      await route.continue().catch(() => {});
    }),
  });
  await page.goto(`${srv.base}/#/live/${live.id}`);
  const playing = () => page.evaluate(() => {
    const v = document.querySelector('#player');
    return v && !v.paused && v.readyState >= 3 && v.currentTime;
  });
  await until('the live plays', playing, 25000, 100);
  assert.equal(await page.$eval('#player', (v) => v.dataset.liveSync), '1.2', 'the low-latency target');
  await sleep(1500);
  assert.equal(await page.$eval('#player', (v) => v.dataset.liveSync), '1.2', 'no stall on a stable connection');

  holdSegments = true;
  await until('the player steps back after the stall', () => page.$eval('#player', (v) => v.dataset.liveSync === '1.7'), 20000, 100);
  holdSegments = false;
  const t = await until('it plays on', playing, 15000, 100);
  await until('time advances', async () => (await playing()) > t + 1, 15000, 200);
  // segments already held back may stall it once more: at most one more step
  assert.ok(['1.7', '2.2'].includes(await page.$eval('#player', (v) => v.dataset.liveSync)), 'a step per stall');
  assert.deepEqual(session.pageErrors, []);
});
