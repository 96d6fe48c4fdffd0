// Browser: the replay page. A viewer watches a LIVE live; the live ends and, once its recording is
// in, the page becomes the replay page without a reload and plays the VOD replay. Seeking (setting
// the video's time, or a product marker on the timeline) moves the chat and the pinned product with
// the video; the buy button orders from the replay (the order carries the live, from_replay).
// The nginx-rtmp callbacks are sent by the test (on_publish, on_record_done with an FLV ffmpeg
// writes); the chat and pin times are set so that their offsets in the 8 s recording are known.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { startServer, api, makeUser, goLive, sql } from '../api/lib.mjs';
import { viewer } from '../api/room.mjs';
import { PHONE, DESKTOP, until, browserSession, uiLogin, teardown, fillAddress } from './browser.mjs';

const TOKEN = randomBytes(24).toString('hex');
const skip = !existsSync('/usr/bin/ffmpeg') && !process.env.CI && 'ffmpeg missing';
let srv;
const session = browserSession();
const { pageErrors } = session;

before(async () => {
  if (skip) return;
  srv = await startServer({ env: { BROADCART_RTMP_CALLBACK_TOKEN: TOKEN, BROADCART_REPLAY_SETTLE: '1' } });
  await session.launch();
});
after(async () => { if (!skip) await teardown(session, srv); });

test('the ended live becomes its replay: chat and pin follow seeks, markers seek, buying from the replay', { skip, timeout: 120000 }, async () => {
  const seller = await makeUser(srv, 'seller', '다시보기 상점');
  const buyer = await makeUser(srv, 'buyer', '구매자');
  const chatter = await makeUser(srv, 'buyer', '수다쟁이');
  const mk = async (name) => (await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name, price: 15000, stock: 20 } })).body.id;
  const mug = await mk('다시보기 머그');
  const pot = await mk('다시보기 주전자');
  const l = (await api(srv, 'POST', '/api/v1/lives', { token: seller.token, body: { title: '다시보기 방송', scheduled_at: '2026-12-01T10:00:00Z', product_ids: [mug, pot] } })).body;
  assert.equal((await api(srv, 'POST', `/api/v1/lives/${l.id}/pin`, { token: seller.token, body: { product_id: mug } })).status, 200);
  // the broadcast's recording: 8 s of test pattern (nginx-rtmp's record writes it as the session runs)
  mkdirSync(`${srv.dataDir}/rec`, { recursive: true });
  const flv = `${srv.dataDir}/rec/${l.id}-1.flv`;
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=15',
    '-f', 'lavfi', '-i', 'sine=frequency=440', '-t', '8', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '15', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-f', 'flv', flv]);
  await goLive(srv, TOKEN, l);

  const page = await session.newPage(PHONE, 'replay viewer', { acceptDialogs: true });
  const orderBodies = [];
  page.on('request', (r) => {
    if (new URL(r.url()).pathname === '/api/v1/orders' && r.method() === 'POST') orderBodies.push(JSON.parse(r.postData()));
  });
  await uiLogin(page, srv.base, buyer);
  await page.goto(`${srv.base}/#/live/${l.id}`);
  await page.waitForSelector('.live-page[data-status="LIVE"]');

  const c = await viewer(srv, l.id, chatter.token);
  c.chat('초반 인사');
  const early = await c.waitFor((f) => f.type === 'chat' && f.text === '초반 인사');
  c.chat('후반 질문');
  const late = await c.waitFor((f) => f.type === 'chat' && f.text === '후반 질문');
  c.close();
  assert.equal((await api(srv, 'POST', `/api/v1/lives/${l.id}/pin`, { token: seller.token, body: { product_id: pot } })).status, 200);
  // the end, and the recording reported right after it: the recording covers [t - 8 s, t]
  assert.equal((await api(srv, 'POST', `/api/v1/lives/${l.id}/end`, { token: seller.token })).status, 200);
  await page.waitForSelector('#live-ended');
  const start = Date.now() - 8000;
  sql(srv, `UPDATE chat_messages SET created_at = ${start + 1000} WHERE id = ${early.f.id}`);
  sql(srv, `UPDATE chat_messages SET created_at = ${start + 6000} WHERE id = ${late.f.id}`);
  sql(srv, `UPDATE live_pins SET at = ${start - 60000} WHERE live_id = ${l.id} AND product_id = ${mug}`);
  sql(srv, `UPDATE live_pins SET at = ${start + 4000} WHERE live_id = ${l.id} AND product_id = ${pot}`);
  const rd = await api(srv, 'POST', `/internal/rtmp/on_record_done?token=${TOKEN}`, {
    raw: new URLSearchParams({ app: 'live', name: String(l.id), clientid: '1', call: 'record_done', path: flv }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(rd.status, 200);

  // no reload: the same document turns into the replay page and plays the VOD
  await page.evaluate(() => { window.__sameDocument = true; });
  await page.waitForSelector('#replay-page', { timeout: 20000 });
  const video = '#replay-player';
  await until('the replay plays', () => page.evaluate((s) => { const v = document.querySelector(s); return v.readyState >= 2 && v.duration > 7; }, video), 20000, 100);
  assert.equal(await page.evaluate(() => window.__sameDocument), true, 'the page was not reloaded');
  await page.evaluate((s) => document.querySelector(s).pause(), video);

  const chatTexts = () => page.$$eval('#chat-list .chat-msg .chat-text', (els) => els.map((e) => e.textContent));
  const pinnedName = () => page.textContent('#pinned-card .pinned-name').catch(() => null);
  const seekTo = (s) => page.evaluate(([sel, t]) => { document.querySelector(sel).currentTime = t; }, [video, s]);

  // two product markers on the timeline: the mug from the start, the teapot at 4 s of 8
  const markers = await page.$$eval('.replay-marker', (els) => els.map((e) => ({ id: Number(e.dataset.productId), left: parseFloat(e.style.left) })));
  assert.deepEqual(markers.map((m) => m.id), [mug, pot]);
  assert.ok(markers[0].left < 2 && markers[1].left > 40 && markers[1].left < 60, JSON.stringify(markers));

  await seekTo(6.5);
  await until('both messages and the teapot at 6.5 s', async () =>
    JSON.stringify(await chatTexts()) === JSON.stringify(['초반 인사', '후반 질문']) && (await pinnedName()) === '다시보기 주전자', 5000, 100);
  await seekTo(2);
  await until('only the first message and the mug at 2 s', async () =>
    JSON.stringify(await chatTexts()) === JSON.stringify(['초반 인사']) && (await pinnedName()) === '다시보기 머그', 5000, 100);
  await seekTo(0.2);
  await until('no message yet at 0.2 s', async () => (await chatTexts()).length === 0, 5000, 100);

  // the teapot's marker seeks to where it was pinned
  await page.click(`.replay-marker[data-product-id="${pot}"]`);
  await until('the marker seeks to 4 s', async () => {
    const t = await page.evaluate((s) => document.querySelector(s).currentTime, video);
    return t >= 3.9 && t <= 4.5 && (await pinnedName()) === '다시보기 주전자';
  }, 5000, 100);
  assert.deepEqual(await chatTexts(), ['초반 인사']);

  // buy the pinned product from the replay
  await page.click('#buy-pinned');
  await page.waitForSelector('#buy-total');
  await fillAddress(page);
  await page.click('#checkout');
  await until('the order was placed', () => orderBodies.length === 1, 10000, 100);
  assert.equal(orderBodies[0].live_id, l.id);
  assert.equal(orderBodies[0].hold_id, undefined, 'no hold from a replay');
  const o = await until('the order is listed', async () =>
    (await api(srv, 'GET', '/api/v1/orders', { token: buyer.token })).body.items.find((x) => x.live_id === l.id), 10000, 100);
  assert.equal(o.from_replay, true);
  assert.equal(o.lines[0].product_id, pot);
  assert.deepEqual(pageErrors, []);

  // the seller trims the replay in the studio: from 5 s on, so its first 4 s segment is cut
  const before = (await api(srv, 'GET', `/api/v1/lives/${l.id}`)).body.replay;
  const studio = await session.newPage(DESKTOP, 'studio', { acceptDialogs: true });
  await uiLogin(studio, srv.base, seller);
  await studio.goto(`${srv.base}/#/studio/lives/${l.id}`);
  await studio.waitForSelector('#replay-card');
  await studio.fill('#trim-start', '5');
  await studio.fill('#trim-end', '7'); // the last whole second: kept to the end
  await studio.click('#trim-save');
  const after = await until('the replay is cut', async () => {
    const r = (await api(srv, 'GET', `/api/v1/lives/${l.id}`)).body.replay;
    return r.playlist_url !== before.playlist_url && r;
  }, 10000, 200);
  assert.ok(after.duration_ms < before.duration_ms, `${after.duration_ms} < ${before.duration_ms}`);
  assert.equal(after.trim_end_ms, null, 'kept to the end');
  await until('the page shows the new length', async () => (await studio.locator('#replay-length').innerText()) !== '0:00' &&
    (await studio.locator('#replay-length').innerText()) === clockOf(after.duration_ms), 5000, 100);
});

function clockOf(ms) {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
