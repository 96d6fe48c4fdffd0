// Media in S3-compatible storage (BROADCART_S3_*): a real s3rver on loopback that checks every
// request's AWS Signature Version 4 (tests/api/s3server.mjs). Uploads go to the bucket and
// /media/uploads/{name} redirects there; the web client's CSP allows the bucket's origin;
// `broadcart media check` stores, reads back and deletes an object; a wrong secret key is refused
// by the store (502 MEDIA_STORE_FAILED); bad settings stop the start. Without S3, replays under
// /media/replays/ are served with HLS types.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startServer, api, makeUser, BIN } from './lib.mjs';
import { makePng } from './fixtures.mjs';
import { startS3, s3Env } from './s3.mjs';

let s3, srv, seller;

before(async () => {
  s3 = await startS3();
  srv = await startServer({ env: s3Env(s3) });
  seller = await makeUser(srv, 'seller');
});
after(async () => {
  if (srv) await srv.stop();
  if (s3) await s3.stop();
});

const upload = (s, u, bytes, type) => api(s, 'POST', '/api/v1/media/images', {
  token: u.token, raw: bytes, headers: { 'content-type': type },
});

// Runs `broadcart media check` with the settings; returns {code, out}.
function mediaCheck(env) {
  try {
    const out = execFileSync(BIN, ['media', 'check'], { env: { ...srv.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { code: 0, out };
  } catch (e) {
    return { code: e.status, out: `${e.stdout}${e.stderr}` };
  }
}

test('an image upload is stored in the bucket and /media/uploads/{name} redirects to it', async () => {
  const png = makePng(9, 4);
  const r = await upload(srv, seller, png, 'image/png');
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.match(r.body.url, /^\/media\/uploads\/[A-Za-z0-9]{32}\.png$/, 'the URL stays a /media/ path (product images)');
  const name = r.body.url.split('/').pop();
  const local = path.join(srv.dataDir, 'media', 'uploads');
  assert.ok(!existsSync(local) || readdirSync(local).length === 0, 'nothing stored under the data dir');

  // in the bucket, with its type, readable without credentials (as a browser reads it)
  const obj = await fetch(`${s3.endpoint}/${s3.bucket}/uploads/${name}`);
  assert.equal(obj.status, 200);
  assert.equal(obj.headers.get('content-type'), 'image/png');
  assert.ok(Buffer.from(await obj.arrayBuffer()).equals(png), 'the object holds the uploaded bytes');

  const g = await fetch(srv.base + r.body.url, { redirect: 'manual' });
  assert.equal(g.status, 302);
  assert.equal(g.headers.get('location'), `${s3.endpoint}/${s3.bucket}/uploads/${name}`);
  const followed = await fetch(srv.base + r.body.url);
  assert.ok(Buffer.from(await followed.arrayBuffer()).equals(png), 'following the redirect gives the image');

  const missing = await fetch(`${srv.base}/media/uploads/${'A'.repeat(32)}.png`, { redirect: 'manual' });
  assert.equal(missing.status, 404, 'a name never uploaded is 404, not a redirect');

  // the image can be a product's image
  const p = await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: 'S3 lamp', price: 1000, stock: 1, images: [r.body.url] } });
  assert.equal(p.status, 201, JSON.stringify(p.body));
});

test("the web client's Content-Security-Policy allows the bucket's origin for images, media and connections", async () => {
  const csp = (await fetch(`${srv.base}/`)).headers.get('content-security-policy');
  for (const dir of ['img-src', 'media-src', 'connect-src']) {
    const d = csp.split(';').map((s) => s.trim()).find((s) => s.startsWith(`${dir} `));
    assert.ok(d && d.split(' ').includes(s3.endpoint), `${dir} lists ${s3.endpoint}: ${d}`);
  }
  assert.ok(!/script-src[^;]*127\.0\.0\.1/.test(csp), 'never scripts from the bucket');
});

test('broadcart media check stores, reads back and deletes an object; BROADCART_S3_PUBLIC_URL names the read URL', () => {
  const ok = mediaCheck({});
  assert.equal(ok.code, 0, ok.out);
  assert.match(ok.out, new RegExp(`read back from ${s3.endpoint}/${s3.bucket}/checks/probe-[A-Za-z0-9]+\\.txt`));
  assert.match(ok.out, /deleted it \(now HTTP 404\)\nOK/);
  const pub = mediaCheck({ BROADCART_S3_PUBLIC_URL: `${s3.endpoint}/${s3.bucket}/` });
  assert.equal(pub.code, 0, pub.out);
  const wrongPub = mediaCheck({ BROADCART_S3_PUBLIC_URL: `${s3.endpoint}/elsewhere` });
  assert.equal(wrongPub.code, 1, 'a public URL that does not serve the bucket fails the check');
  assert.match(wrongPub.out, /FAIL: reading it back from .*\/elsewhere\/checks\//);
});

test('a wrong secret key: the store refuses the signature; uploads answer 502 MEDIA_STORE_FAILED', async () => {
  const bad = mediaCheck({ BROADCART_S3_SECRET_KEY: 'not-the-secret' });
  assert.equal(bad.code, 1);
  assert.match(bad.out, /HTTP 403 SignatureDoesNotMatch/);
  const wrongRegion = mediaCheck({ BROADCART_S3_REGION: 'us-east-1' });
  assert.equal(wrongRegion.code, 1, 'the region is part of the signature scope');

  const other = await startServer({ env: s3Env(s3, { BROADCART_S3_SECRET_KEY: 'not-the-secret' }) });
  try {
    const u = await makeUser(other, 'seller');
    const r = await upload(other, u, makePng(3, 3), 'image/png');
    assert.equal(r.status, 502, JSON.stringify(r.body));
    assert.equal(r.body.error.code, 'MEDIA_STORE_FAILED');
    assert.match(other.stderr(), /S3 PUT uploads\/[A-Za-z0-9]{32}\.png: HTTP 403 SignatureDoesNotMatch/);
  } finally {
    await other.stop();
  }
  assert.match(s3.log(), /refused PUT .*SignatureDoesNotMatch/, 'the store itself refused it');
});

test('S3 settings are checked at start: an incomplete or malformed configuration is refused', () => {
  const cases = [
    [{ BROADCART_S3_ENDPOINT: '', BROADCART_S3_BUCKET: 'b-without-endpoint' }, /need BROADCART_S3_ENDPOINT/],
    [{ BROADCART_S3_ENDPOINT: 'ftp://127.0.0.1:1' }, /BROADCART_S3_ENDPOINT must be http/],
    [{ BROADCART_S3_ENDPOINT: `${s3.endpoint}/some/path` }, /BROADCART_S3_ENDPOINT must be http/],
    [{ BROADCART_S3_BUCKET: 'Bad_Bucket' }, /BROADCART_S3_BUCKET must be a bucket name/],
    [{ BROADCART_S3_SECRET_KEY: '' }, /needs BROADCART_S3_ACCESS_KEY .* and BROADCART_S3_SECRET_KEY/],
    [{ BROADCART_S3_REGION: 'eu west' }, /BROADCART_S3_REGION must be a region name/],
    [{ BROADCART_S3_PUBLIC_URL: 'javascript:alert(1)' }, /BROADCART_S3_PUBLIC_URL must be an http/],
  ];
  for (const [env, msg] of cases) {
    const r = mediaCheck(env);
    assert.equal(r.code, 1, JSON.stringify(env));
    assert.match(r.out, msg);
  }
  let serveErr = '';
  try {
    execFileSync(BIN, ['serve'], { env: { ...srv.env, BROADCART_HTTP_PORT: '0', BROADCART_S3_BUCKET: 'Bad_Bucket' }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10000 });
  } catch (e) { serveErr = `${e.status} ${e.stderr}`; }
  assert.match(serveErr, /^1 .*BROADCART_S3_BUCKET must be a bucket name/s, 'serve does not start');
});

test('without S3: replays under /media/replays are served with HLS types, and media check uses the data dir', async () => {
  const local = await startServer();
  try {
    const dir = path.join(local.dataDir, 'media', 'replays', '7');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'index.m3u8'), '#EXTM3U\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXTINF:1.0,\n0.ts\n#EXT-X-ENDLIST\n');
    writeFileSync(path.join(dir, '0.ts'), Buffer.alloc(188, 0x47));
    writeFileSync(path.join(dir, 'poster.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xd9]));
    const pl = await fetch(`${local.base}/media/replays/7/index.m3u8`);
    assert.equal(pl.status, 200);
    assert.equal(pl.headers.get('content-type'), 'application/vnd.apple.mpegurl');
    assert.match(await pl.text(), /#EXT-X-ENDLIST/);
    const seg = await fetch(`${local.base}/media/replays/7/0.ts`);
    assert.equal(seg.headers.get('content-type'), 'video/mp2t');
    const poster = await fetch(`${local.base}/media/replays/7/poster.jpg`);
    assert.equal(poster.headers.get('content-type'), 'image/jpeg');
    assert.match(poster.headers.get('content-security-policy'), /sandbox/, 'media never run as a document');
    const csp = (await fetch(`${local.base}/`)).headers.get('content-security-policy');
    assert.match(csp, /media-src 'self' blob:;/, 'no extra origin without S3');
    const chk = execFileSync(BIN, ['media', 'check'], { env: local.env, encoding: 'utf8' });
    assert.match(chk, /files under \{data_dir\}\/media\nstored checks\/probe-\w+\.txt\nread back from \/media\/checks\/probe-\w+\.txt\ndeleted it/);
  } finally {
    await local.stop();
  }
});
