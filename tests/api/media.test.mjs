// Image uploads checked by content: POST /api/v1/media/images with the raw bytes. The type comes
// from the magic bytes (the declared Content-Type must agree), dimensions from the headers, the
// size from BROADCART_MAX_UPLOAD; accepted files are served back unchanged from /media/uploads.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { startServer, api, makeUser } from './lib.mjs';
import { makePng } from './fixtures.mjs';

// ---- real image bytes ----
// 4x2 baseline JPEG and 6x4 lossy WebP produced by ffmpeg (`-f lavfi -i color=…`), checked with ffprobe.
const JPEG = Buffer.from('/9j/4AAQSkZJRgABAgAAAQABAAD//gAQTGF2YzU5LjM3LjEwMAD/2wBDAAgUFBcUFxsbGxsbGyAeICEhISAgICAhISEkJCQqKiokJCQhISQkKCgqKi4vLisrKisvLzIyMjw8OTlGRkhWVmf/xABMAAEBAAAAAAAAAAAAAAAAAAAABgEBAQAAAAAAAAAAAAAAAAAABgcQAQAAAAAAAAAAAAAAAAAAAAARAQAAAAAAAAAAAAAAAAAAAAD/wAARCAACAAQDASIAAhEAAxEA/9oADAMBAAIRAxEAPwCLAFF/f//Z', 'base64');
const WEBP = Buffer.from('UklGRjgAAABXRUJQVlA4ICwAAACQAQCdASoGAAQAAgA0JaACdLoAA5gA/vmTb/+QH/+QH/+QH/8gP+IXeyAwAA==', 'base64');
const SVG = Buffer.from('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(document.cookie)</script></svg>');
const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

let srv, seller, buyer, admin;
const upload = (s, u, bytes, type) => api(s, 'POST', '/api/v1/media/images', {
  token: u && u.token, raw: bytes, headers: type ? { 'content-type': type } : {},
});
const uploadsDir = (s) => path.join(s.dataDir, 'media', 'uploads');
const listUploads = (s) => { try { return readdirSync(uploadsDir(s)).sort(); } catch { return []; } };

before(async () => {
  srv = await startServer();
  [seller, buyer, admin] = await Promise.all([makeUser(srv, 'seller'), makeUser(srv, 'buyer'), makeUser(srv, 'admin')]);
});
after(async () => { await srv.stop(); });

async function fetchBytes(s, url) {
  const res = await fetch(s.base + url);
  return { status: res.status, type: res.headers.get('content-type'), body: Buffer.from(await res.arrayBuffer()) };
}

test('a PNG is accepted, stored under a random name and served back byte-identical', async () => {
  const png = makePng(7, 5);
  const r = await upload(srv, seller, png, 'image/png');
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.match(r.body.url, /^\/media\/uploads\/[A-Za-z0-9]{32}\.png$/);
  assert.equal(r.body.width, 7);
  assert.equal(r.body.height, 5);
  assert.equal(r.body.content_type, 'image/png');
  const got = await fetchBytes(srv, r.body.url);
  assert.equal(got.status, 200);
  assert.match(got.type, /^image\/png/);
  assert.ok(got.body.equals(png), 'served bytes are identical');
  assert.ok(readFileSync(path.join(srv.dataDir, r.body.url.slice(1))).equals(png));
  assert.ok(listUploads(srv).every((f) => !f.startsWith('.')), 'no temporary files left');

  const r2 = await upload(srv, seller, png, 'image/png; charset=binary');
  assert.equal(r2.status, 201);
  assert.notEqual(r2.body.url, r.body.url, 'every upload gets a new name');
});

test('JPEG and WebP are accepted with their dimensions and served with an image type', async () => {
  const j = await upload(srv, seller, JPEG, 'image/jpeg');
  assert.equal(j.status, 201, JSON.stringify(j.body));
  assert.match(j.body.url, /^\/media\/uploads\/[A-Za-z0-9]{32}\.jpg$/);
  assert.deepEqual([j.body.width, j.body.height, j.body.content_type], [4, 2, 'image/jpeg']);
  let got = await fetchBytes(srv, j.body.url);
  assert.equal(got.status, 200);
  assert.match(got.type, /^image\/jpeg/);
  assert.ok(got.body.equals(JPEG));

  const w = await upload(srv, admin, WEBP, 'image/webp');
  assert.equal(w.status, 201, JSON.stringify(w.body));
  assert.match(w.body.url, /^\/media\/uploads\/[A-Za-z0-9]{32}\.webp$/);
  assert.deepEqual([w.body.width, w.body.height, w.body.content_type], [6, 4, 'image/webp']);
  got = await fetchBytes(srv, w.body.url);
  assert.equal(got.status, 200);
  assert.match(got.type, /^image\/webp/);
  assert.ok(got.body.equals(WEBP));
});

test('content that is not JPEG/PNG/WebP is refused 415, whatever it claims', async () => {
  const before = listUploads(srv);
  const text = Buffer.from('just some text in a file someone renamed to photo.png\n');
  for (const [bytes, type, why] of [
    [text, 'image/png', 'text renamed .png'],
    [SVG, 'image/svg+xml', 'SVG declared as SVG'],
    [SVG, 'image/png', 'SVG declared as PNG'],
    [GIF, 'image/gif', 'GIF'],
    [GIF, 'image/png', 'GIF declared as PNG'],
    [Buffer.alloc(0), 'image/png', 'empty body'],
    [Buffer.from([0x89, 0x50, 0x4e, 0x47]), 'image/png', 'truncated signature'],
  ]) {
    const r = await upload(srv, seller, bytes, type);
    assert.equal(r.status, 415, `${why}: ${r.status} ${JSON.stringify(r.body)}`);
    assert.equal(r.body.error.code, 'UNSUPPORTED_MEDIA_TYPE', why);
  }
  assert.deepEqual(listUploads(srv), before, 'nothing stored');
});

test('a declared type that disagrees with the content is refused 415', async () => {
  const before = listUploads(srv);
  const png = makePng(3, 3);
  for (const [bytes, type] of [[png, 'image/jpeg'], [png, 'image/webp'], [JPEG, 'image/png'], [WEBP, 'image/jpeg'],
    [png, undefined], [png, 'application/octet-stream'], [png, 'image/jpg'], [png, 'text/html']]) {
    const r = await upload(srv, seller, bytes, type);
    assert.equal(r.status, 415, `${type}: ${r.status} ${JSON.stringify(r.body)}`);
    assert.equal(r.body.error.code, 'UNSUPPORTED_MEDIA_TYPE');
  }
  assert.deepEqual(listUploads(srv), before, 'nothing stored');
});

test('dimensions outside 1..8000 and malformed headers are refused 422', async () => {
  const before = listUploads(srv);
  for (const [bytes, type, code] of [
    [makePng(2, 2, { ihdrW: 8001 }), 'image/png', 'INVALID_IMAGE_DIMENSIONS'],
    [makePng(2, 2, { ihdrH: 9000 }), 'image/png', 'INVALID_IMAGE_DIMENSIONS'],
    [makePng(2, 2, { ihdrW: 0 }), 'image/png', 'INVALID_IMAGE_DIMENSIONS'],
    [makePng(2, 2).subarray(0, 20), 'image/png', 'INVALID_IMAGE'],
    [JPEG.subarray(0, 30), 'image/jpeg', 'INVALID_IMAGE'],
    [WEBP.subarray(0, 24), 'image/webp', 'INVALID_IMAGE'],
  ]) {
    const r = await upload(srv, seller, bytes, type);
    assert.equal(r.status, 422, `${code}: ${r.status} ${JSON.stringify(r.body)}`);
    assert.equal(r.body.error.code, code);
  }
  const edge = await upload(srv, seller, makePng(2, 2, { ihdrW: 8000, ihdrH: 1 }), 'image/png');
  assert.equal(edge.status, 201, '8000 px is allowed');
  assert.equal(edge.body.width, 8000);
  assert.equal(listUploads(srv).length, before.length + 1);
});

test('roles: anonymous 401; buyers (review photos), sellers and admins allowed', async () => {
  const png = makePng(1, 1);
  let r = await upload(srv, buyer, png, 'image/png');
  assert.equal(r.status, 201);
  r = await upload(srv, null, png, 'image/png');
  assert.equal(r.status, 401);
  r = await upload(srv, { token: 'garbage' }, png, 'image/png');
  assert.equal(r.status, 401);
  r = await api(srv, 'GET', '/api/v1/media/images', { token: seller.token });
  assert.equal(r.status, 405);
  assert.equal((await upload(srv, admin, png, 'image/png')).status, 201);
});

test('the default limit is 5 MiB; other routes keep the small JSON limit', async () => {
  const png = makePng(4, 4);
  const big = Buffer.concat([png, Buffer.alloc(5242880 + 1 - png.length)]);
  const r = await upload(srv, seller, big, 'image/png');
  assert.equal(r.status, 413);
  assert.equal(r.body.error.code, 'PAYLOAD_TOO_LARGE');
  // a PNG just under the limit (trailing bytes after IEND) is fine
  const ok = await upload(srv, seller, Buffer.concat([png, Buffer.alloc(5242880 - png.length)]), 'image/png');
  assert.equal(ok.status, 201, JSON.stringify(ok.body));
  assert.equal((await fetchBytes(srv, ok.body.url)).body.length, 5242880);
  // JSON endpoints still refuse bodies over BROADCART_MAX_BODY (64 KiB)
  const p = await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: 'x', price: 1, stock: 1, description: 'y'.repeat(70000) } });
  assert.equal(p.status, 413);
  assert.equal(p.body.error.code, 'PAYLOAD_TOO_LARGE');
});

test('BROADCART_MAX_UPLOAD sets the limit: one byte over is 413 and nothing is stored', async () => {
  const small = await startServer({ env: { BROADCART_MAX_UPLOAD: '4096' } });
  try {
    const s = await makeUser(small, 'seller');
    const png = makePng(2, 2);
    const at = Buffer.concat([png, Buffer.alloc(4096 - png.length)]);
    const over = Buffer.concat([png, Buffer.alloc(4097 - png.length)]);
    let r = await upload(small, s, over, 'image/png');
    assert.equal(r.status, 413);
    assert.equal(r.body.error.code, 'PAYLOAD_TOO_LARGE');
    assert.deepEqual(listUploads(small), []);
    // far over the limit (past h2o's buffer of the largest route limit + 1 MiB): h2o itself answers 413
    // and closes the connection, which fetch may report as a network error while still sending
    const far = await upload(small, s, Buffer.alloc(3 * 1024 * 1024, 1), 'image/png').catch((e) => ({ status: 'reset', e }));
    assert.ok(far.status === 413 || far.status === 'reset', `far over the limit: ${far.status}`);
    assert.deepEqual(listUploads(small), []);
    r = await upload(small, s, at, 'image/png');
    assert.equal(r.status, 201, JSON.stringify(r.body));
  } finally {
    await small.stop();
  }
});

test('products take uploaded /media URLs only (no external URLs)', async () => {
  const up = await upload(srv, seller, makePng(8, 8), 'image/png');
  assert.equal(up.status, 201);
  const p = await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: '업로드 상품', price: 1000, stock: 1, images: [up.body.url] } });
  assert.equal(p.status, 201, JSON.stringify(p.body));
  assert.equal(p.body.image_url, up.body.url);
  for (const url of ['https://cdn.example.com/a.png', 'http://127.0.0.1/media/a.png', '//evil.example/a.png', 'data:image/png;base64,AAAA']) {
    const r = await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: 'x', price: 1, stock: 1, images: [url] } });
    assert.equal(r.status, 422, url);
    const patch = await api(srv, 'PATCH', `/api/v1/products/${p.body.id}`, { token: seller.token, body: { images: [url] } });
    assert.equal(patch.status, 422, url);
  }
  assert.deepEqual((await api(srv, 'GET', `/api/v1/products/${p.body.id}`)).body.images, [up.body.url], 'unchanged');
});
