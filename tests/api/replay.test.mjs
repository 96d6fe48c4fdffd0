// Replays without nginx: the nginx-rtmp callbacks are sent by the test (on_publish through goLive,
// on_record_done with a recording ffmpeg writes into {data_dir}/rec), so the replay is made from a
// real FLV: VOD playlist (EXT-X-PLAYLIST-TYPE:VOD + EXT-X-ENDLIST), segments and poster in the media
// object store, the chat replay with offsets (deleted messages left out), the pin timeline, trim,
// a destructive trim by segment (a new playlist object, the cut segments removed, offsets from the
// first kept segment), delete, a part arriving after the replay was made (a new generation), the settle rule for a live
// whose last recording came before its end, orders from the replay (from_replay), and who may do what.
// Needs ffmpeg/ffprobe with libx264; skipped when missing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { startServer, api, makeUser, goLive, sql } from './lib.mjs';
import { viewer } from './room.mjs';
import { recording as rec, recordDone as recDone, replayReady as ready, segmentsOf } from './recording.mjs';

const haveTools = existsSync('/usr/bin/ffmpeg') && existsSync('/usr/bin/ffprobe');
const skip = !haveTools && !process.env.CI && 'ffmpeg missing';
const TOKEN = randomBytes(24).toString('hex');
const ADDR = { recipient: '홍길동', phone: '010-1234-5678', postcode: '06236', address1: '서울 강남구 테헤란로 1' };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let srv, seller, other, buyer, p1, p2;

before(async () => {
  if (skip) return;
  srv = await startServer({ env: { BROADCART_RTMP_CALLBACK_TOKEN: TOKEN, BROADCART_REPLAY_SETTLE: '1' } });
  seller = await makeUser(srv, 'seller', 'Replay Seller');
  other = await makeUser(srv, 'seller', 'Other Seller');
  buyer = await makeUser(srv, 'buyer', 'Replay Buyer');
  const mk = async (name) => (await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name, price: 10000, stock: 50 } })).body.id;
  p1 = await mk('Mug');
  p2 = await mk('Teapot');
});

after(async () => { if (srv) await srv.stop(); });

const recording = (name, seconds) => rec(srv, name, seconds);
const recordDone = (id, path, token = TOKEN) => recDone(srv, token, id, path);
const getLive = async (id) => (await api(srv, 'GET', `/api/v1/lives/${id}`)).body;
const replayReady = (id, gen) => ready(srv, id, gen);

async function newLive(title, products = [p1, p2]) {
  const r = await api(srv, 'POST', '/api/v1/lives', { token: seller.token, body: { title, scheduled_at: '2026-12-01T10:00:00Z', product_ids: products } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

test('a recorded live becomes a VOD replay: playlist, segments, poster, chat replay with offsets, pin timeline, from_replay', { skip, timeout: 60000 }, async () => {
  const live = await newLive('Replay one');
  assert.equal(live.replay, null, 'no replay before anything was recorded');
  assert.equal((await api(srv, 'POST', `/api/v1/lives/${live.id}/pin`, { token: seller.token, body: { product_id: p1 } })).status, 200);
  // the session's recording (3 s), made up front: it is reported 3 s after the publish, as if
  // nginx-rtmp had recorded this session (the replay's time 0 = the publish)
  const path = recording(`${live.id}-1`, 3);
  await goLive(srv, TOKEN, live);
  const t0 = Date.now();
  const b = await viewer(srv, live.id, buyer.token);
  try {
    await sleep(300);
    b.chat('first message');
    await b.waitFor((f) => f.type === 'chat' && f.text === 'first message');
    const onAir = await api(srv, 'POST', '/api/v1/orders', { token: buyer.token, body: { items: [{ product_id: p1, quantity: 1 }], shipping_address: ADDR, live_id: live.id } });
    assert.equal(onAir.status, 201, JSON.stringify(onAir.body));
    assert.equal(onAir.body.from_replay, false);
    await sleep(600);
    assert.equal((await api(srv, 'POST', `/api/v1/lives/${live.id}/pin`, { token: seller.token, body: { product_id: p2 } })).status, 200);
    b.chat('second message');
    const second = await b.waitFor((f) => f.type === 'chat' && f.text === 'second message');
    b.chat('deleted message');
    const gone = await b.waitFor((f) => f.type === 'chat' && f.text === 'deleted message');
    sql(srv, `UPDATE chat_messages SET deleted_at = ${Date.now()} WHERE id = ${gone.f.id}`);
    await sleep(Math.max(0, t0 + 3000 - Date.now()));
    assert.equal((await api(srv, 'POST', `/api/v1/lives/${live.id}/end`, { token: seller.token })).status, 200);
    assert.equal((await recordDone(live.id, path)).status, 200);
    const replay = await replayReady(live.id);
    await b.waitFor((f) => f.type === 'replay' && f.replay.status === 'READY', 5000);
    assert.ok(replay.duration_ms >= 2500 && replay.duration_ms <= 3500, `duration ${replay.duration_ms}`);
    assert.equal(replay.trim_start_ms, 0);
    assert.equal(replay.trim_end_ms, null);
    assert.match(replay.playlist_url, new RegExp(`^/media/replays/${live.id}/1/index\\.m3u8$`));

    const pl = await fetch(srv.base + replay.playlist_url);
    assert.equal(pl.status, 200);
    const text = await pl.text();
    assert.match(text, /#EXT-X-PLAYLIST-TYPE:VOD/);
    assert.match(text, /#EXT-X-ENDLIST/);
    const seg = text.split('\n').find((l) => l.endsWith('.ts'));
    const sr = await fetch(new URL(seg, srv.base + replay.playlist_url));
    assert.equal(sr.status, 200);
    assert.equal(new Uint8Array(await sr.arrayBuffer())[0], 0x47, 'MPEG-TS sync byte');
    const poster = new Uint8Array(await (await fetch(srv.base + replay.poster_url)).arrayBuffer());
    assert.deepEqual([poster[0], poster[1]], [0xff, 0xd8], 'the poster is a JPEG');

    // chat replay: offsets from the recording's start, in order, the deleted message left out
    const cr = await api(srv, 'GET', `/api/v1/lives/${live.id}/chat/replay`);
    assert.equal(cr.status, 200, JSON.stringify(cr.body));
    const texts = cr.body.items.map((m) => m.text);
    assert.deepEqual(texts, ['first message', 'second message']);
    const [m1, m2] = cr.body.items;
    assert.ok(Number.isInteger(m1.offset_ms) && m1.offset_ms >= 0 && m1.offset_ms <= replay.duration_ms, `offset ${m1.offset_ms}`);
    assert.ok(m2.offset_ms > m1.offset_ms + 400, `${m2.offset_ms} after ${m1.offset_ms}`);
    assert.equal(m1.user.name, 'Replay Buyer');
    assert.equal(m1.badge, null, 'the live chat frame\'s badge, a buyer has none');
    assert.equal(m1.question, false);
    assert.equal(cr.body.next_from_ms, null);
    const later = await api(srv, 'GET', `/api/v1/lives/${live.id}/chat/replay?from_ms=${m1.offset_ms + 1}`);
    assert.deepEqual(later.body.items.map((m) => m.id), [second.f.id]);
    const page = await api(srv, 'GET', `/api/v1/lives/${live.id}/chat/replay?limit=1`);
    assert.deepEqual(page.body.items.map((m) => m.text), ['first message']);
    assert.equal(page.body.next_from_ms, m1.offset_ms);
    const upTo = await api(srv, 'GET', `/api/v1/lives/${live.id}/chat/replay?to_ms=${m2.offset_ms - 1}`);
    assert.deepEqual(upTo.body.items.map((m) => m.text), ['first message']);
    assert.equal((await api(srv, 'GET', `/api/v1/lives/${live.id}/chat/replay?from_ms=10&to_ms=5`)).status, 422);

    // the pin timeline: p1 before the start (offset 0), p2 during the broadcast
    const pins = await api(srv, 'GET', `/api/v1/lives/${live.id}/pins`);
    assert.equal(pins.status, 200);
    assert.deepEqual(pins.body.items.map((p) => p.product_id), [p1, p2]);
    assert.equal(pins.body.items[0].offset_ms, 0);
    assert.ok(pins.body.items[1].offset_ms > m1.offset_ms && pins.body.items[1].offset_ms <= m2.offset_ms,
      `pin at ${pins.body.items[1].offset_ms} between ${m1.offset_ms} and ${m2.offset_ms}`);
    assert.equal(pins.body.items[1].product.name, 'Teapot');

    // buying from the replay: the order carries the live and from_replay
    const o = await api(srv, 'POST', '/api/v1/orders', { token: buyer.token, body: { items: [{ product_id: p2, quantity: 1 }], shipping_address: ADDR, live_id: live.id } });
    assert.equal(o.status, 201, JSON.stringify(o.body));
    const got = await api(srv, 'GET', `/api/v1/orders/${o.body.id}`, { token: buyer.token });
    assert.equal(got.body.from_replay, true);
    assert.equal(got.body.live_id, live.id);
    assert.equal((await api(srv, 'GET', `/api/v1/orders/${onAir.body.id}`, { token: buyer.token })).body.from_replay, false);

    // trim: the seller only, within the duration
    const trim = { trim_start_ms: 500, trim_end_ms: 2000 };
    assert.equal((await api(srv, 'PUT', `/api/v1/lives/${live.id}/replay`, { token: buyer.token, body: trim })).status, 403);
    assert.equal((await api(srv, 'PUT', `/api/v1/lives/${live.id}/replay`, { token: other.token, body: trim })).status, 403);
    const bad = await api(srv, 'PUT', `/api/v1/lives/${live.id}/replay`, { token: seller.token, body: { trim_start_ms: 2000, trim_end_ms: 1000 } });
    assert.equal(bad.status, 422);
    assert.equal(bad.body.error.code, 'INVALID_TRIM');
    const past = await api(srv, 'PUT', `/api/v1/lives/${live.id}/replay`, { token: seller.token, body: { trim_start_ms: 0, trim_end_ms: replay.duration_ms + 1 } });
    assert.equal(past.body.error.code, 'INVALID_TRIM');
    const t = await api(srv, 'PUT', `/api/v1/lives/${live.id}/replay`, { token: seller.token, body: trim });
    assert.equal(t.status, 200, JSON.stringify(t.body));
    assert.equal(t.body.trim_start_ms, 500);
    assert.equal(t.body.trim_end_ms, 2000);
    assert.equal((await getLive(live.id)).replay.trim_end_ms, 2000);
    await b.waitFor((f) => f.type === 'replay' && f.replay.trim_end_ms === 2000, 3000);
    const untrim = await api(srv, 'PUT', `/api/v1/lives/${live.id}/replay`, { token: seller.token, body: { trim_start_ms: 0, trim_end_ms: null } });
    assert.equal(untrim.body.trim_end_ms, null);

    // delete: objects and recording removed, the chat replay goes with it
    assert.equal((await api(srv, 'DELETE', `/api/v1/lives/${live.id}/replay`, { token: other.token })).status, 403);
    assert.equal((await api(srv, 'DELETE', `/api/v1/lives/${live.id}/replay`, { token: seller.token })).status, 204);
    const after = await getLive(live.id);
    assert.equal(after.replay.status, 'DELETED');
    assert.equal(after.replay.playlist_url, null);
    assert.equal((await fetch(srv.base + replay.playlist_url)).status, 404);
    assert.equal(existsSync(path), false, 'the recording is removed');
    const crGone = await api(srv, 'GET', `/api/v1/lives/${live.id}/chat/replay`);
    assert.equal(crGone.status, 404);
    assert.equal(crGone.body.error.code, 'REPLAY_NOT_FOUND');
    assert.equal((await api(srv, 'DELETE', `/api/v1/lives/${live.id}/replay`, { token: seller.token })).status, 404);
    assert.equal((await api(srv, 'PUT', `/api/v1/lives/${live.id}/replay`, { token: seller.token, body: trim })).body.error.code, 'REPLAY_NOT_FOUND');
  } finally {
    b.close();
  }
});

test('a trim keeps the segments overlapping its range: a new VOD playlist, the cut segments gone, offsets from the first kept one', { skip, timeout: 60000 }, async () => {
  const live = await newLive('Replay trim');
  await goLive(srv, TOKEN, live, '31');
  const b = await viewer(srv, live.id, buyer.token);
  try {
    for (const product_id of [p1, p2, p1]) {
      assert.equal((await api(srv, 'POST', `/api/v1/lives/${live.id}/pin`, { token: seller.token, body: { product_id } })).status, 200);
    }
    assert.equal((await api(srv, 'POST', `/api/v1/lives/${live.id}/end`, { token: seller.token })).status, 200);
    const path = recording(`${live.id}-1`, 10);
    assert.equal((await recordDone(live.id, path)).status, 200);
    const replay = await replayReady(live.id);
    const text = await (await fetch(srv.base + replay.playlist_url)).text();
    const segs = segmentsOf(text);
    assert.ok(segs.length >= 3, `a 10 s recording in 4 s segments: ${text}`);
    assert.equal(segs.reduce((n, s) => n + s.ms, 0), replay.duration_ms);

    // the chat and pins at known moments of the recording (its part starts at `start`)
    const start = Number(sql(srv, `SELECT started_at FROM replay_parts WHERE live_id = ${live.id}`).trim());
    const s1 = segs[0].ms, s2 = s1 + segs[1].ms; // segment 1 is [s1, s2) of the recording
    const at = { 'cut before': s1 - 500, 'kept one': s1 + 100, 'kept two': s1 + 1500, 'cut after': s2 + 300 };
    for (const [t, ms] of Object.entries(at)) {
      sql(srv, `INSERT INTO chat_messages (live_id, user_id, text, created_at) VALUES (${live.id}, ${buyer.id}, '${t}', ${start + ms})`);
    }
    const pinIds = sql(srv, `SELECT id FROM live_pins WHERE live_id = ${live.id} ORDER BY id`).trim().split(/\s+/);
    [500, s1 + 1000, s2 + 500].forEach((ms, i) => sql(srv, `UPDATE live_pins SET at = ${start + ms} WHERE id = ${pinIds[i]}`));

    // keep segment 1 only: [s1 + 200, s2 - 200) overlaps it alone
    const t = await api(srv, 'PUT', `/api/v1/lives/${live.id}/replay`, { token: seller.token, body: { trim_start_ms: s1 + 200, trim_end_ms: s2 - 200 } });
    assert.equal(t.status, 200, JSON.stringify(t.body));
    assert.match(t.body.playlist_url, new RegExp(`^/media/replays/${live.id}/1/index-[A-Za-z0-9]+\\.m3u8$`), 'a new playlist object');
    assert.equal(t.body.duration_ms, segs[1].ms, 'the kept segment\'s duration');
    assert.equal(t.body.trim_start_ms, 200, 'from the first kept segment');
    assert.equal(t.body.trim_end_ms, segs[1].ms - 200);
    assert.deepEqual((await getLive(live.id)).replay, t.body);
    await b.waitFor((f) => f.type === 'replay' && f.replay.playlist_url === t.body.playlist_url, 3000);
    const trimmed = await fetch(srv.base + t.body.playlist_url);
    assert.equal(trimmed.status, 200);
    const ttext = await trimmed.text();
    assert.match(ttext, /^#EXTM3U\n/);
    assert.match(ttext, /#EXT-X-TARGETDURATION:\d+/);
    assert.match(ttext, /#EXT-X-PLAYLIST-TYPE:VOD/);
    assert.match(ttext, /#EXT-X-ENDLIST\n$/);
    assert.deepEqual(segmentsOf(ttext), [segs[1]], 'fewer segments: the kept one with its EXTINF');
    assert.equal((await fetch(srv.base + replay.playlist_url)).status, 404, 'the old playlist is removed');
    const seg = (s) => fetch(new URL(s.uri, srv.base + replay.playlist_url));
    for (const s of [segs[0], ...segs.slice(2)]) assert.equal((await seg(s)).status, 404, `${s.uri} is removed`);
    assert.equal((await seg(segs[1])).status, 200);

    // offsets from the first kept segment: chat outside the video left out, a pin before it at 0
    const cr = await api(srv, 'GET', `/api/v1/lives/${live.id}/chat/replay`);
    assert.deepEqual(cr.body.items.map((m) => [m.text, m.offset_ms]), [['kept one', 100], ['kept two', 1500]]);
    const later = await api(srv, 'GET', `/api/v1/lives/${live.id}/chat/replay?from_ms=101`);
    assert.deepEqual(later.body.items.map((m) => m.text), ['kept two']);
    const pins = await api(srv, 'GET', `/api/v1/lives/${live.id}/pins`);
    assert.deepEqual(pins.body.items.map((p) => [p.product_id, p.offset_ms]), [[p1, 0], [p2, 1000]]);

    // a later trim cuts the replay as it is now: nothing more to cut here, the same playlist
    const past = await api(srv, 'PUT', `/api/v1/lives/${live.id}/replay`, { token: seller.token, body: { trim_start_ms: 0, trim_end_ms: segs[1].ms + 1 } });
    assert.equal(past.body.error.code, 'INVALID_TRIM', 'within the trimmed duration');
    const all = await api(srv, 'PUT', `/api/v1/lives/${live.id}/replay`, { token: seller.token, body: { trim_start_ms: 0, trim_end_ms: null } });
    assert.equal(all.status, 200, JSON.stringify(all.body));
    assert.deepEqual([all.body.playlist_url, all.body.duration_ms, all.body.trim_start_ms, all.body.trim_end_ms], [t.body.playlist_url, segs[1].ms, 0, null]);

    // a late part makes the replay again (generation 2) from the whole recording: the seller's trim
    // (now from segment 1's start to the end) cuts it the same way
    const late = recording(`${live.id}-2`, 2);
    assert.equal((await recordDone(live.id, late)).status, 200);
    const r2 = await replayReady(live.id, 2);
    assert.match(r2.playlist_url, new RegExp(`^/media/replays/${live.id}/2/index-[A-Za-z0-9]+\\.m3u8$`));
    assert.equal((await fetch(srv.base + t.body.playlist_url)).status, 404, 'generation 1 is removed');
    const segs2 = segmentsOf(await (await fetch(srv.base + r2.playlist_url)).text());
    assert.equal(segs2[0].uri, segs[1].uri, 'segment 0 cut again');
    assert.ok(segs2.length >= 2, 'the later part is in');
    assert.deepEqual([r2.duration_ms, r2.trim_start_ms, r2.trim_end_ms], [segs2.reduce((n, x) => n + x.ms, 0), 0, null]);
    assert.deepEqual((await api(srv, 'GET', `/api/v1/lives/${live.id}/chat/replay`)).body.items.map((m) => [m.text, m.offset_ms]),
      [['kept one', 100], ['kept two', 1500], ['cut after', s2 + 300 - s1]]);

    assert.equal((await api(srv, 'DELETE', `/api/v1/lives/${live.id}/replay`, { token: seller.token })).status, 204);
    assert.equal((await fetch(srv.base + r2.playlist_url)).status, 404);
    assert.equal((await fetch(new URL(segs2[0].uri, srv.base + r2.playlist_url))).status, 404);
  } finally {
    b.close();
  }
});

test('a recording that ended before the live waits for the settle time; a later part makes a new generation', { skip, timeout: 60000 }, async () => {
  const live = await newLive('Replay two', [p1]);
  await goLive(srv, TOKEN, live, '21');
  // the publisher dropped (its recording closed) while the live stays on air
  const first = recording(`${live.id}-1`, 2);
  assert.equal((await recordDone(live.id, first)).status, 200);
  let l = await getLive(live.id);
  assert.equal(l.status, 'LIVE');
  assert.equal(l.replay.status, 'RECORDING');
  assert.equal((await api(srv, 'PUT', `/api/v1/lives/${live.id}/replay`, { token: seller.token, body: { trim_start_ms: 0 } })).body.error.code, 'REPLAY_NOT_READY');
  await sleep(1300);
  assert.equal((await getLive(live.id)).replay.status, 'RECORDING', 'not made while the live is on air');
  assert.equal((await api(srv, 'POST', `/api/v1/lives/${live.id}/end`, { token: seller.token })).status, 200);
  const r1 = await replayReady(live.id, 1);
  assert.ok(r1.duration_ms >= 1500 && r1.duration_ms <= 2500, `duration ${r1.duration_ms}`);
  // a late part (e.g. the publisher's recording closed after the end): made again, longer
  const second = recording(`${live.id}-2`, 2);
  assert.equal((await recordDone(live.id, second)).status, 200);
  const r2 = await replayReady(live.id, 2);
  assert.ok(r2.duration_ms >= r1.duration_ms + 1500, `${r2.duration_ms} after ${r1.duration_ms}`);
  assert.equal((await fetch(srv.base + r2.playlist_url)).status, 200);
  assert.equal((await fetch(srv.base + r1.playlist_url)).status, 404, 'the old generation is removed');
});

test('on_record_done: token required; files outside the recordings directory and empty files are ignored', { skip, timeout: 30000 }, async () => {
  const live = await newLive('Replay three', [p1]);
  const path = recording(`${live.id}-1`, 1);
  assert.equal((await recordDone(live.id, path, 'wrong-token-wrong-token')).status, 403);
  assert.equal((await recordDone(live.id, '/etc/passwd')).status, 200);
  assert.equal((await recordDone(live.id, `${srv.dataDir}/rec/../broadcart.flv`)).status, 200);
  execFileSync('sh', ['-c', `: > ${srv.dataDir}/rec/${live.id}-2.flv`]);
  assert.equal((await recordDone(live.id, `${srv.dataDir}/rec/${live.id}-2.flv`)).status, 200);
  assert.equal(existsSync(`${srv.dataDir}/rec/${live.id}-2.flv`), false, 'an empty recording is removed');
  assert.equal((await getLive(live.id)).replay, null, 'nothing recorded');
  assert.ok(statSync(path).size > 0);
  assert.equal((await api(srv, 'GET', `/api/v1/lives/${live.id}/chat/replay`)).body.items.length, 0);
  assert.deepEqual((await api(srv, 'GET', `/api/v1/lives/${live.id}/pins`)).body.items, []);
  assert.equal((await api(srv, 'GET', '/api/v1/lives/999999/pins')).status, 404);
  assert.equal((await api(srv, 'GET', '/api/v1/lives/999999/chat/replay')).status, 404);
  assert.equal((await api(srv, 'DELETE', `/api/v1/lives/${live.id}/replay`, { token: seller.token })).status, 404);
});
