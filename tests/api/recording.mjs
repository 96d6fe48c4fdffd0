// Replays without nginx, for the replay tests: ffmpeg writes an FLV recording into {data_dir}/rec
// as nginx-rtmp's `record` does, the test sends the on_record_done callback itself, and waits for
// the replay to be made. Not a test file itself.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { api } from './lib.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ffmpeg writes `seconds` of test pattern + tone (a keyframe every second) as {data_dir}/rec/{name}.flv.
export function recording(srv, name, seconds) {
  const dir = `${srv.dataDir}/rec`;
  mkdirSync(dir, { recursive: true });
  const path = `${dir}/${name}.flv`;
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=15',
    '-f', 'lavfi', '-i', 'sine=frequency=440', '-t', String(seconds), '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '15',
    '-c:a', 'aac', '-f', 'flv', path]);
  return path;
}

// nginx-rtmp's on_record_done for the recording at path of live id.
export const recordDone = (srv, token, id, path) => api(srv, 'POST', `/internal/rtmp/on_record_done?token=${token}`, {
  raw: new URLSearchParams({ app: 'live', name: String(id), clientid: '7', call: 'record_done', recorder: '', path }).toString(),
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
});

// Waits (bounded) until live id's replay is READY (of generation gen when given); resolves to it.
export async function replayReady(srv, id, gen, ms = 15000) {
  const end = Date.now() + ms;
  for (;;) {
    const l = (await api(srv, 'GET', `/api/v1/lives/${id}`)).body;
    if (l.replay?.status === 'READY' && (!gen || l.replay.playlist_url.includes(`/${gen}/`))) return l.replay;
    if (l.replay?.status === 'FAILED') throw new Error(`replay failed:\n${srv.stderr().slice(-2000)}`);
    if (Date.now() > end) throw new Error(`replay not ready: ${JSON.stringify(l.replay)}\n${srv.stderr().slice(-2000)}`);
    await sleep(100);
  }
}

// The segment URIs and EXTINF durations (ms) of an HLS media playlist's text.
export function segmentsOf(text) {
  const out = [];
  let dur = null;
  for (const line of text.split('\n').map((l) => l.trim())) {
    if (line.startsWith('#EXTINF:')) dur = Math.round(parseFloat(line.slice(8)) * 1000);
    else if (line && !line.startsWith('#')) { out.push({ uri: line, ms: dur }); dur = null; }
  }
  return out;
}
