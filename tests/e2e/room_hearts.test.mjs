// Browser: hearts on the live page (taps batched into heart messages, the room's running total
// shown, hearts from others counted), and a chat reconnect that resumes with ?last_id: the messages
// sent while the page's socket was down appear once, without a reload.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startServer, api, makeUser, goLive } from '../api/lib.mjs';
import { viewer } from '../api/room.mjs';
import { PHONE, until, browserSession, teardown } from './browser.mjs';

const CALLBACK_TOKEN = randomBytes(24).toString('hex');
let srv;
const session = browserSession();

before(async () => {
  srv = await startServer({ env: { BROADCART_RTMP_CALLBACK_TOKEN: CALLBACK_TOKEN, BROADCART_CHAT_RATE: '100' } });
  await session.launch();
});
after(async () => { await teardown(session, srv); });

test('hearts: taps reach the room batched, the total shows, others\' hearts count; a reconnect resumes the chat', { timeout: 60000 }, async () => {
  const seller = await makeUser(srv, 'seller', 'Heart shop');
  const p = await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: '하트 머그', price: 9000, stock: 5 } });
  const l = await api(srv, 'POST', '/api/v1/lives', { token: seller.token, body: { title: '하트 방송', scheduled_at: '2026-12-01T10:00:00Z', product_ids: [p.body.id] } });
  await goLive(srv, CALLBACK_TOKEN, l.body);
  const liveId = l.body.id;
  const page = await session.newPage(PHONE, 'hearts');
  await page.addInitScript(() => { // keep the page's sockets reachable, to drop the chat's once
    const W = window.WebSocket;
    window.__sockets = [];
    window.WebSocket = class extends W { constructor(...a) { super(...a); window.__sockets.push(this); } };
  });
  const sent = [];
  page.on('websocket', (ws) => ws.on('framesent', (f) => { try { const m = JSON.parse(f.payload); if (m.type === 'heart') sent.push(m.count); } catch { /* not JSON */ } }));
  const urls = [];
  page.on('websocket', (ws) => urls.push(ws.url()));
  await page.goto(`${srv.base}/#/live/${liveId}`);
  await page.waitForSelector('#heart-btn');
  const watcher = await viewer(srv, liveId);
  await until('the page is in the room', async () => watcher.lastCount() === 2, 5000, 50);
  for (let i = 0; i < 5; i++) await page.click('#heart-btn');
  await watcher.waitFor((f) => f.type === 'hearts' && f.total === 5, 4000);
  assert.ok(sent.length >= 1 && sent.length < 5, `5 taps went out as ${sent.length} messages`);
  assert.equal(sent.reduce((a, b) => a + b, 0), 5);
  await until('the page shows 5', async () => (await page.textContent('#hearts-total')) === '5', 4000, 50);
  watcher.send({ type: 'heart', count: 7 });
  await until('the page shows 12', async () => (await page.textContent('#hearts-total')) === '12', 4000, 50);
  assert.equal(await page.locator('.heart-float').count() <= 24, true);

  // chat resume: the page's socket drops, a message is sent while it is down, the reconnect
  // (after >= 375 ms) carries ?last_id and gets it from the room's history
  const buyer = await makeUser(srv, 'buyer', 'Chatter');
  const sender = await viewer(srv, liveId, buyer.token);
  sender.chat('before the drop');
  await page.waitForSelector('text=before the drop');
  await page.evaluate(() => {
    // close every WebSocket of the page once: the chat reconnects by itself
    for (const ws of window.__sockets || []) ws.close();
  });
  await new Promise((r) => setTimeout(r, 100));
  sender.chat('after the drop');
  await page.waitForSelector('text=after the drop');
  assert.ok(urls.length >= 2 && /last_id=\d+/.test(urls.at(-1)), JSON.stringify(urls));
  assert.equal(await page.locator('text=before the drop').count(), 1);
  assert.equal(await page.locator('text=after the drop').count(), 1);
  sender.close();
  watcher.close();
});
