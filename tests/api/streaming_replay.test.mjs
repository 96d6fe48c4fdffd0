// The replay of a real broadcast: broadcart serve --with-rtmp runs nginx-rtmp (record all +
// on_record_done), ffmpeg publishes a few seconds of test pattern while a viewer chats and the
// seller pins, the stream ends, and the replay is played back: its playlist is a VOD playlist with
// EXT-X-ENDLIST whose segments cover the broadcast, the poster is a JPEG, and the chat replay
// carries offsets within the recording in the order the messages were sent.
// Needs /usr/sbin/nginx + libnginx-mod-rtmp and ffmpeg with libx264; skipped when missing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { startServer, api, makeUser, freePort } from './lib.mjs';
import { viewer } from './room.mjs';

const haveTools = existsSync('/usr/sbin/nginx') && existsSync('/usr/lib/nginx/modules/ngx_rtmp_module.so') &&
  existsSync('/usr/bin/ffmpeg') && existsSync('/usr/bin/ffprobe');
const skip = !haveTools && !process.env.CI && 'nginx-rtmp/ffmpeg missing';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let srv, rtmpPort, seller, buyer, productId;
const procs = new Set();

function publish(liveId, key, seconds) {
  const args = ['-hide_banner', '-loglevel', 'error', '-re',
    '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440',
    '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-g', '30', '-c:a', 'aac',
    '-t', String(seconds), '-f', 'flv', `rtmp://127.0.0.1:${rtmpPort}/live/${liveId}?key=${key}`];
  const proc = spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  procs.add(proc);
  let err = '';
  proc.stderr.on('data', (d) => { err += d; });
  const exited = new Promise((resolve) => proc.on('exit', (code, sig) => { procs.delete(proc); resolve(code ?? sig); }));
  return { exited, log: () => err };
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

const getLive = async (id) => (await api(srv, 'GET', `/api/v1/lives/${id}`)).body;

before(async () => {
  if (skip) return;
  rtmpPort = await freePort();
  srv = await startServer({ args: ['--with-rtmp'], env: { BROADCART_RTMP_PORT: String(rtmpPort), BROADCART_LOG_LEVEL: 'info' } });
  seller = await makeUser(srv, 'seller', 'Streamer');
  buyer = await makeUser(srv, 'buyer', 'Watcher');
  const p = await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: 'Lamp', price: 30000, stock: 3 } });
  productId = p.body.id;
});

after(async () => {
  for (const p of procs) p.kill('SIGKILL');
  if (srv) await srv.stop();
});

test('publish, chat, pin, end -> the replay plays back: VOD playlist with ENDLIST, poster, chat replay offsets', { skip, timeout: 90000 }, async () => {
  const r = await api(srv, 'POST', '/api/v1/lives', { token: seller.token, body: { title: 'Recorded', scheduled_at: '2026-12-01T10:00:00Z', product_ids: [productId] } });
  const live = r.body;
  const v = await viewer(srv, live.id, buyer.token);
  try {
    const pub = publish(live.id, live.stream_key, 6);
    await poll(async () => (await getLive(live.id)).status === 'LIVE', 10000, 'LIVE');
    assert.equal((await getLive(live.id)).replay, null, 'nothing recorded until a session ends');
    await sleep(1000);
    v.chat('early');
    await v.waitFor((f) => f.type === 'chat' && f.text === 'early');
    assert.equal((await api(srv, 'POST', `/api/v1/lives/${live.id}/pin`, { token: seller.token, body: { product_id: productId } })).status, 200);
    await sleep(2000);
    v.chat('late');
    await v.waitFor((f) => f.type === 'chat' && f.text === 'late');
    assert.equal(await pub.exited, 0, pub.log());
    // the stream stopping only interrupts the live (it may be republished within the grace); the
    // seller ends it, as the studio's end button does
    await poll(async () => (await getLive(live.id)).interrupted_at, 10000, 'interrupted');
    assert.equal((await api(srv, 'POST', `/api/v1/lives/${live.id}/end`, { token: seller.token })).status, 200);
    await poll(async () => (await getLive(live.id)).status === 'ENDED', 10000, 'ENDED');
    const replay = (await poll(async () => {
      const l = await getLive(live.id);
      assert.notEqual(l.replay?.status, 'FAILED', srv.stderr().slice(-2000));
      return l.replay?.status === 'READY' && l.replay;
    }, 20000, 'replay READY'));
    await v.waitFor((f) => f.type === 'replay' && f.replay.status === 'READY', 3000);
    assert.ok(replay.duration_ms >= 5000 && replay.duration_ms <= 7500, `duration ${replay.duration_ms}`);

    const text = await (await fetch(srv.base + replay.playlist_url)).text();
    assert.match(text, /#EXT-X-PLAYLIST-TYPE:VOD/);
    assert.match(text, /#EXT-X-ENDLIST\s*$/);
    const segs = text.split('\n').filter((l) => l.endsWith('.ts'));
    assert.ok(segs.length >= 1);
    const sum = text.split('\n').filter((l) => l.startsWith('#EXTINF:')).reduce((a, l) => a + parseFloat(l.slice(8)), 0);
    assert.ok(Math.abs(sum * 1000 - replay.duration_ms) < 50, `EXTINF sum ${sum} s`);
    for (const s of segs) {
      const sr = await fetch(new URL(s, srv.base + replay.playlist_url));
      assert.equal(sr.status, 200);
      assert.equal(sr.headers.get('content-type'), 'video/mp2t');
    }
    const poster = new Uint8Array(await (await fetch(srv.base + replay.poster_url)).arrayBuffer());
    assert.deepEqual([poster[0], poster[1]], [0xff, 0xd8], 'the poster is a JPEG');

    const chat = (await api(srv, 'GET', `/api/v1/lives/${live.id}/chat/replay`)).body.items;
    assert.deepEqual(chat.map((m) => m.text), ['early', 'late']);
    const [early, late] = chat;
    // sent ~1 s and ~3 s into the broadcast: within the recording, about 2 s apart
    assert.ok(early.offset_ms >= 300 && early.offset_ms <= 3000, `early at ${early.offset_ms}`);
    assert.ok(late.offset_ms - early.offset_ms >= 1500 && late.offset_ms <= replay.duration_ms, `late at ${late.offset_ms}`);
    const pins = (await api(srv, 'GET', `/api/v1/lives/${live.id}/pins`)).body.items;
    assert.equal(pins.length, 1);
    assert.ok(pins[0].offset_ms >= early.offset_ms && pins[0].offset_ms <= late.offset_ms, `pin at ${pins[0].offset_ms}`);
    // the recording stays (a later part would make the replay again); the work files are gone
    assert.equal(readdirSync(`${srv.dataDir}/rec`).filter((f) => f.startsWith(`${live.id}-`)).length, 1);
    assert.deepEqual(readdirSync(`${srv.dataDir}/replay-work`), []);
  } finally {
    v.close();
  }
});
