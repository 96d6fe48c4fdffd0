// Glass-to-glass latency of the live page: ffmpeg publishes a test pattern whose every frame carries
// its own capture time (the wall clock in ms, mod 2^24, drawn as 24 black/white boxes plus an 8-bit
// checksum: bench/latency_clock.mjs), broadcart serve --with-rtmp turns it into HLS, Chromium plays
// the live page (#/live/{id}, the page's own hls.js player and settings), and on every presented
// frame (requestVideoFrameCallback) the page grabs the frame into a canvas, reads the boxes back
// and records display time − capture time. Both clocks are this machine's. Prints p50/p90/min/max
// over the measuring window, stalls (the video's "waiting" events after it first played) and the
// machine's load average, which matters: the machine may be shared.
//
//   node bench/latency.mjs [seconds=30] [warmup_seconds=8]
//   BROADCART_BIN=… BROADCART_WEB_DIR=… to measure another build (e.g. the main branch's, for a
//   before/after), BENCH_GOP=frames (default 30: the 1 s keyframe interval the README tells sellers).
import { spawn } from 'node:child_process';
import os from 'node:os';
import { chromium } from 'playwright-core';
import { startServer, api, makeUser, freePort } from '../tests/api/lib.mjs';
import { clockFilter, WIDTH, HEIGHT, FPS, decodeInPage } from './latency_clock.mjs';

const seconds = Number(process.argv[2] || 30);
const warmup = Number(process.argv[3] || 8);
const gop = Number(process.env.BENCH_GOP || FPS);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');

const rtmpPort = await freePort();
const env = { BROADCART_RTMP_PORT: String(rtmpPort) };
if (process.env.BROADCART_WEB_DIR) env.BROADCART_WEB_DIR = process.env.BROADCART_WEB_DIR;
const srv = await startServer({ args: ['--with-rtmp'], env });
let ffmpeg = null, browser = null;
try {
  const seller = await makeUser(srv, 'seller', 'Latency');
  const p = await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: 'Clock', price: 1000, stock: 1 } });
  const live = (await api(srv, 'POST', '/api/v1/lives', {
    token: seller.token, body: { title: 'Latency bench', scheduled_at: new Date(Date.now() + 60000).toISOString(), product_ids: [p.body.id] },
  })).body;

  const total = seconds + warmup + 30;
  ffmpeg = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re',
    '-f', 'lavfi', '-i', `testsrc2=size=${WIDTH}x${HEIGHT}:rate=${FPS}`, '-f', 'lavfi', '-i', 'sine=frequency=440',
    '-filter:v', clockFilter(), '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-g', String(gop),
    '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-t', String(total), '-f', 'flv',
    `rtmp://127.0.0.1:${rtmpPort}/live/${live.id}?key=${live.stream_key}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let ffErr = '';
  ffmpeg.stderr.on('data', (d) => { ffErr += d; });

  browser = await chromium.launch({
    executablePath: process.env.BROADCART_CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--autoplay-policy=no-user-gesture-required'],
  });
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  await page.goto(`${srv.base}/#/live/${live.id}`);
  const t0 = Date.now();
  await page.waitForFunction(() => {
    const v = document.querySelector('#player');
    return v && v.readyState >= 2 && !v.paused && v.currentTime > 0;
  }, null, { timeout: 30000, polling: 100 }).catch((e) => { throw new Error(`the live page did not play: ${e.message}\nffmpeg: ${ffErr}\nserver: ${srv.stderr().slice(-1500)}`); });
  const tPlay = Date.now() - t0;
  await page.evaluate(decodeInPage);
  const loadBefore = load();
  await sleep(warmup * 1000);
  await page.evaluate(() => window.__g2g.reset());
  await sleep(seconds * 1000);
  const r = await page.evaluate(() => window.__g2g.result());
  const target = await page.evaluate(() => document.querySelector('#player').dataset.liveSync || '(not set: an older player)');
  const loadAfter = load();

  const lat = r.samples.slice().sort((a, b) => a - b);
  const q = (f) => lat[Math.min(lat.length - 1, Math.floor(f * lat.length))];
  console.log(`glass-to-glass on the live page over ${seconds} s (after ${warmup} s warm-up; first frame ${tPlay} ms after opening the page)`);
  if (!lat.length) {
    console.log(`no frame could be read back (${r.bad} unreadable)`);
  } else {
    console.log(`  frames read ${lat.length}, unreadable ${r.bad}`);
    console.log(`  p50 ${q(0.5)} ms  p90 ${q(0.9)} ms  min ${lat[0]} ms  max ${lat[lat.length - 1]} ms`);
    console.log(`  stalls (video "waiting" after playing) ${r.stalls}, stalled ${r.stalledMs} ms; playbackRate seen ${r.rates.join(', ')}`);
    console.log(`  player target latency at the end ${target} s (grows after stalls)`);
  }
  console.log(`  load average before ${loadBefore}, after ${loadAfter} (${os.cpus().length} cores; other jobs may share them)`);
} finally {
  if (browser) await browser.close().catch(() => {});
  if (ffmpeg && ffmpeg.exitCode === null) ffmpeg.kill('SIGKILL');
  await srv.stop();
}
