// Replays in S3-compatible storage (BROADCART_S3_*): a real s3rver on loopback that checks every
// request's AWS Signature Version 4 (tests/api/s3server.mjs). The replay flow of replay.test.mjs
// (the nginx-rtmp callbacks sent by the test, an ffmpeg recording) with the media store in the
// bucket: the live's playlist_url and poster_url name the bucket, the playlist, a segment and the
// poster are read from there (anonymously, as a browser does) with their HLS/JPEG types, a trim
// writes a new playlist object and removes the cut segments from the bucket, and DELETE /replay
// leaves no object of the replay in it. Needs ffmpeg/ffprobe with libx264; skipped when missing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { startServer, api, makeUser, goLive } from './lib.mjs';
import { startS3, s3Env } from './s3.mjs';
import { recording, recordDone, replayReady, segmentsOf } from './recording.mjs';

const haveTools = existsSync('/usr/bin/ffmpeg') && existsSync('/usr/bin/ffprobe');
const skip = !haveTools && !process.env.CI && 'ffmpeg missing';
const TOKEN = randomBytes(24).toString('hex');

let s3, srv, seller;

before(async () => {
  if (skip) return;
  s3 = await startS3();
  srv = await startServer({ env: s3Env(s3, { BROADCART_RTMP_CALLBACK_TOKEN: TOKEN, BROADCART_REPLAY_SETTLE: '1' }) });
  seller = await makeUser(srv, 'seller', 'S3 Replay Seller');
});
after(async () => {
  if (srv) await srv.stop();
  if (s3) await s3.stop();
});

// The keys under prefix in the bucket (ListObjectsV2, anonymously: the test bucket is public-read).
async function keys(prefix) {
  const r = await fetch(`${s3.endpoint}/${s3.bucket}?list-type=2&prefix=${encodeURIComponent(prefix)}`);
  assert.equal(r.status, 200, await r.clone().text());
  return [...(await r.text()).matchAll(/<Key>([^<]+)<\/Key>/g)].map((m) => m[1]).sort();
}

test('a replay stored in the bucket: playlist, segments and poster read from there; trim and delete remove objects', { skip, timeout: 60000 }, async () => {
  const p = await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: 'S3 mug', price: 1000, stock: 5 } });
  const lr = await api(srv, 'POST', '/api/v1/lives', { token: seller.token, body: { title: 'S3 replay', scheduled_at: '2026-12-01T10:00:00Z', product_ids: [p.body.id] } });
  assert.equal(lr.status, 201, JSON.stringify(lr.body));
  const live = lr.body;
  await goLive(srv, TOKEN, live);
  const path = recording(srv, `${live.id}-1`, 10);
  assert.equal((await api(srv, 'POST', `/api/v1/lives/${live.id}/end`, { token: seller.token })).status, 200);
  assert.equal((await recordDone(srv, TOKEN, live.id, path)).status, 200);
  const replay = await replayReady(srv, live.id);

  const bucket = `${s3.endpoint}/${s3.bucket}/replays/${live.id}/1/`;
  assert.ok(replay.playlist_url.startsWith(bucket) && replay.playlist_url.endsWith('.m3u8'), replay.playlist_url);
  assert.ok(replay.poster_url.startsWith(bucket) && replay.poster_url.endsWith('.jpg'), replay.poster_url);
  assert.equal((await api(srv, 'GET', `/api/v1/lives/${live.id}`)).body.replay.playlist_url, replay.playlist_url);

  const pl = await fetch(replay.playlist_url);
  assert.equal(pl.status, 200);
  assert.match(pl.headers.get('content-type'), /^application\/vnd\.apple\.mpegurl/);
  const text = await pl.text();
  assert.match(text, /#EXT-X-PLAYLIST-TYPE:VOD/);
  assert.match(text, /#EXT-X-ENDLIST/);
  const segs = segmentsOf(text);
  assert.ok(segs.length >= 3, `a 10 s recording in 4 s segments: ${text}`);
  const sr = await fetch(new URL(segs[1].uri, replay.playlist_url));
  assert.equal(sr.status, 200);
  assert.equal(sr.headers.get('content-type'), 'video/mp2t');
  const bytes = new Uint8Array(await sr.arrayBuffer());
  assert.ok(bytes.length > 188 && bytes.length % 188 === 0, `${bytes.length} bytes of MPEG-TS packets`);
  assert.equal(bytes[0], 0x47, 'MPEG-TS sync byte');
  assert.equal(bytes[188], 0x47, 'the next packet too');
  const po = await fetch(replay.poster_url);
  assert.equal(po.status, 200);
  assert.equal(po.headers.get('content-type'), 'image/jpeg');
  const poster = new Uint8Array(await po.arrayBuffer());
  assert.deepEqual([poster[0], poster[1]], [0xff, 0xd8], 'the poster is a JPEG');

  // a trim keeping the middle segment only: a new playlist object, the others gone from the bucket
  const mid = segs[0].ms + 100;
  const t = await api(srv, 'PUT', `/api/v1/lives/${live.id}/replay`, { token: seller.token, body: { trim_start_ms: mid, trim_end_ms: mid + 1000 } });
  assert.equal(t.status, 200, JSON.stringify(t.body));
  assert.notEqual(t.body.playlist_url, replay.playlist_url, 'a new playlist object');
  assert.ok(t.body.playlist_url.startsWith(bucket), t.body.playlist_url);
  assert.equal(t.body.duration_ms, segs[1].ms);
  assert.equal(t.body.trim_start_ms, 100);
  assert.equal(t.body.trim_end_ms, 1100);
  const trimmed = await (await fetch(t.body.playlist_url)).text();
  assert.match(trimmed, /#EXT-X-PLAYLIST-TYPE:VOD/);
  assert.match(trimmed, /#EXT-X-ENDLIST/);
  assert.deepEqual(segmentsOf(trimmed).map((s) => s.uri), [segs[1].uri]);
  assert.equal((await fetch(replay.playlist_url)).status, 404, 'the old playlist object is removed');
  for (const s of [segs[0], segs[segs.length - 1]]) assert.equal((await fetch(new URL(s.uri, replay.playlist_url))).status, 404, `${s.uri} removed`);
  assert.equal((await fetch(new URL(segs[1].uri, t.body.playlist_url))).status, 200);
  const left = await keys(`replays/${live.id}/`);
  assert.deepEqual(left, [`replays/${live.id}/1/${segs[1].uri}`, new URL(t.body.playlist_url).pathname.slice(`/${s3.bucket}/`.length),
    new URL(replay.poster_url).pathname.slice(`/${s3.bucket}/`.length)].sort());

  // delete: no object of the replay is left in the bucket
  assert.equal((await api(srv, 'DELETE', `/api/v1/lives/${live.id}/replay`, { token: seller.token })).status, 204);
  assert.deepEqual(await keys(`replays/${live.id}/`), []);
  assert.equal((await fetch(t.body.playlist_url)).status, 404);
  assert.equal((await fetch(replay.poster_url)).status, 404);
  assert.equal(existsSync(path), false, 'the recording is removed');
});
