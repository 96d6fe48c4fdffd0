// Browser journey: a buyer watches a live (real RTMP → HLS), chats, sees the seller's pin, buys through the
// sandbox gateway and finds the order; plus decline and chat-escaping checks. Chromium from the system, headless.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { startServer, api, freePort } from '../api/lib.mjs';
import { PHONE, DESKTOP, BUYER, SELLER, until, browserSession, uiLogin as login, fillAddress, teardown } from './browser.mjs';

let srv, ffmpeg, liveId, streamKey, rtmpPort;
const session = browserSession();
const { pageErrors } = session;
const newPage = (opts, name) => session.newPage(opts, name);
const uiLogin = (page, user) => login(page, srv.base, user);

function startPublisher(seconds) {
  const url = `rtmp://127.0.0.1:${rtmpPort}/live/${liveId}?key=${streamKey}`;
  const p = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re',
    '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440',
    '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-g', '30', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-t', String(seconds), '-f', 'flv', url], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  p.stderr.on('data', (d) => { err += d; });
  p.errors = () => err;
  return p;
}

before(async () => {
  rtmpPort = await freePort();
  srv = await startServer({ args: ['--with-rtmp', '--demo'], env: { BROADCART_RTMP_PORT: String(rtmpPort) } });
  const envFile = `${srv.dataDir}/demo-live.env`;
  await until('demo-live.env', () => existsSync(envFile), 10000);
  const env = Object.fromEntries(readFileSync(envFile, 'utf8').split('\n').filter((l) => l.includes('='))
    .map((l) => { const i = l.indexOf('='); return [l.slice(0, i).trim(), l.slice(i + 1).trim().replace(/^["']|["']$/g, '')]; }));
  liveId = env.LIVE_ID;
  streamKey = env.STREAM_KEY;
  assert.ok(liveId && streamKey, 'demo-live.env has LIVE_ID and STREAM_KEY');
  await session.launch();
});

after(async () => {
  if (ffmpeg && ffmpeg.exitCode === null) {
    ffmpeg.kill('SIGTERM');
    const t = setTimeout(() => ffmpeg.kill('SIGKILL'), 3000);
    await new Promise((r) => { if (ffmpeg.exitCode !== null) r(); else ffmpeg.once('exit', r); });
    clearTimeout(t);
  }
  await teardown(session, srv, '/tmp/broadcart-e2e-server.log');
});

test('live shopping journey: watch, chat, pin, buy, pay, orders', { timeout: 240000 }, async () => {
  // the publisher keeps streaming for the second test too; after() stops it by PID
  ffmpeg = startPublisher(180);
  {
    // the publisher turns the live LIVE (on_publish)
    await until('live status LIVE', async () => (await api(srv, 'GET', `/api/v1/lives/${liveId}`)).body?.status === 'LIVE', 30000, 500)
      .catch((e) => { throw new Error(`${e.message}\nffmpeg: ${ffmpeg.errors()}\nserver: ${srv.stderr().slice(-2000)}`); });

    // buyer: phone, signs in through the UI, opens the live
    const buyer = await newPage(PHONE, 'buyer');
    await uiLogin(buyer, BUYER);
    await buyer.goto(`${srv.base}/#/live/${liveId}`);
    await buyer.waitForSelector('#player');
    await until('the video plays', () => buyer.evaluate(() => {
      const v = document.getElementById('player');
      return v && v.currentTime > 0 && v.readyState >= 2;
    }), 60000, 500);

    // a second (anonymous, desktop) viewer on the same live
    const viewer = await newPage(DESKTOP, 'viewer');
    await viewer.goto(`${srv.base}/#/live/${liveId}`);
    await viewer.waitForSelector('#chat-login');
    await viewer.waitForSelector('#chat-list');

    // buyer chats; the viewer sees it with the buyer's name
    const text = `안녕하세요 e2e ${Date.now()}`;
    await buyer.fill('#chat-input', text);
    await buyer.click('#chat-send');
    const line = viewer.locator('.chat-msg', { hasText: text });
    await line.first().waitFor({ timeout: 15000 });
    const buyerName = await buyer.evaluate(() => JSON.parse(localStorage.getItem('bc.user')).name);
    assert.ok((await line.first().innerText()).includes(buyerName), 'the message shows the sender name');
    await buyer.locator('.chat-msg', { hasText: text }).first().waitFor({ timeout: 10000 });

    // seller pins a product in the studio; the buyer's card updates
    const liveNow = (await api(srv, 'GET', `/api/v1/lives/${liveId}`)).body;
    assert.ok(liveNow.products.length >= 2, 'the demo live has products');
    const target = liveNow.products.find((p) => p.id !== liveNow.pinned_product?.id && p.stock >= 2 && p.status === 'ON_SALE');
    assert.ok(target, 'a product to pin');
    const seller = await newPage(DESKTOP, 'seller');
    await uiLogin(seller, SELLER);
    await seller.goto(`${srv.base}/#/studio/lives/${liveId}`);
    await seller.waitForSelector('#obs-settings');
    assert.match(await seller.locator('#obs-settings').innerText(), /키프레임 간격 1초, H\.264 \+ AAC/);
    assert.match(await seller.locator('#obs-server').innerText(), /^rtmp:\/\//);
    // the control room's stream health shows what the ingest receives (nginx-rtmp statistics)
    await seller.waitForFunction(() => document.querySelector('#health-state')?.textContent === '수신 중', null, { timeout: 15000 });
    assert.equal(await seller.locator('#health-fps').innerText(), '30 fps');
    assert.match(await seller.locator('#health-resolution').innerText(), /^640×360 H264$/);
    await seller.click(`#pin-${target.id}`);
    await buyer.waitForSelector(`#pinned-card[data-product-id="${target.id}"]`, { timeout: 10000 });
    assert.ok((await buyer.locator('#pinned-card').innerText()).includes(target.name));
    await seller.waitForSelector(`#pin-${target.id}[aria-pressed="true"]`, { timeout: 5000 });
    // the viewer's card also follows
    await viewer.waitForSelector(`#pinned-card[data-product-id="${target.id}"]`, { timeout: 10000 });

    // layout screenshots: phone and desktop
    await buyer.screenshot({ path: '/tmp/broadcart-live.png' });
    await viewer.screenshot({ path: '/tmp/broadcart-live-desktop.png' });
    const box = await buyer.evaluate(() => {
      const r = (s) => document.querySelector(s)?.getBoundingClientRect().toJSON();
      return { stage: r('.live-stage'), chat: r('.chat-list'), video: r('#player'), input: r('#chat-input') };
    });
    assert.ok(box.chat.top > box.stage.top && box.chat.bottom <= box.stage.bottom + 1, 'phone: chat overlays the video');
    assert.ok(box.input.bottom <= 844, 'phone: chat input visible');
    const dbox = await viewer.evaluate(() => {
      const r = (s) => document.querySelector(s)?.getBoundingClientRect().toJSON();
      return { stage: r('.live-stage'), side: r('.live-side') };
    });
    assert.ok(dbox.side.left >= dbox.stage.right - 1, 'desktop: chat beside the video');

    // buy: quantity 2, address, checkout → sandbox → pay → order complete
    await buyer.click('#buy-pinned');
    await buyer.waitForSelector('#qty');
    await buyer.click('#qty-inc');
    assert.equal(await buyer.inputValue('#qty'), '2');
    await fillAddress(buyer);
    await buyer.click('#checkout');
    await buyer.waitForURL(/\/sandbox-pg\/checkout/, { timeout: 15000 });
    const checkoutUrl = new URL(buyer.url());
    assert.equal(Number(checkoutUrl.searchParams.get('amount')) > 0, true);
    assert.match(checkoutUrl.searchParams.get('successUrl'), /#\/pay\/success$/);
    await buyer.click('#pay');
    await buyer.waitForSelector('#order-complete', { timeout: 20000 });
    const orderId = checkoutUrl.searchParams.get('orderId');
    const complete = await buyer.locator('#order-complete').innerText();
    assert.ok(complete.includes(orderId), 'order number shown');
    assert.ok(complete.includes(target.name) && /×\s*2/.test(complete), 'order lines shown with quantity 2');
    assert.match(complete, /주문 완료|Order complete/);

    // the order is in my orders, paid, and the server agrees
    await buyer.goto(`${srv.base}/#/orders`);
    await buyer.waitForSelector(`#order-list [data-order-id="${orderId}"]`, { timeout: 10000 });
    assert.match(await buyer.locator(`[data-order-id="${orderId}"]`).innerText(), /결제 완료/);
    const token = await buyer.evaluate(() => localStorage.getItem('bc.access'));
    const orders = (await api(srv, 'GET', '/api/v1/orders', { token })).body.items;
    const mine = orders.find((o) => o.order_id === orderId);
    assert.equal(mine.status, 'PAID');
    assert.equal(mine.lines[0].quantity, 2);
    assert.equal(mine.live_id, Number(liveId));
    assert.deepEqual(pageErrors, [], 'no uncaught page errors');
  }
});

test('declined payment shows the fail page; chat text is never markup', { timeout: 90000 }, async () => {
  const buyer = await newPage(PHONE, 'buyer2');
  await uiLogin(buyer, BUYER);
  await buyer.goto(`${srv.base}/#/live/${liveId}`);
  await buyer.waitForSelector('#chat-input');
  const watcher = await newPage(PHONE, 'watcher');
  await watcher.goto(`${srv.base}/#/live/${liveId}`);
  await watcher.waitForSelector('#chat-list');

  // hostile chat text arrives as text
  const evil = `<img src=x onerror=alert(1)> ${Date.now()}`;
  await until('chat socket open', async () => {
    await buyer.fill('#chat-input', evil);
    await buyer.click('#chat-send');
    return buyer.locator('.chat-msg', { hasText: evil }).count();
  }, 15000, 1000);
  const msg = watcher.locator('.chat-msg', { hasText: evil }).first();
  await msg.waitFor({ timeout: 15000 });
  assert.equal(await msg.locator('.chat-text').textContent(), evil);
  assert.equal(await watcher.locator('#chat-list img').count(), 0, 'no <img> injected');
  assert.equal(await buyer.locator('#chat-list img').count(), 0);

  // buy the pinned product (pin one through the API if the previous test did not)
  let live = (await api(srv, 'GET', `/api/v1/lives/${liveId}`)).body;
  if (!live.pinned_product) {
    const st = await api(srv, 'POST', '/api/v1/auth/login', { body: SELLER });
    const p = live.products.find((x) => x.stock > 0);
    await api(srv, 'POST', `/api/v1/lives/${liveId}/pin`, { token: st.body.access_token, body: { product_id: p.id } });
  }
  await buyer.waitForSelector('#buy-pinned:not([disabled])', { timeout: 15000 });
  await buyer.click('#buy-pinned');
  await buyer.waitForSelector('#qty');
  // the address was remembered from the first order (same browser storage is not shared: fill again if empty)
  if (!(await buyer.inputValue('#ship-recipient'))) await fillAddress(buyer);
  await buyer.click('#checkout');
  await buyer.waitForURL(/\/sandbox-pg\/checkout/, { timeout: 15000 });
  await buyer.click('#decline');
  await buyer.waitForSelector('#pay-fail', { timeout: 15000 });
  assert.match(buyer.url(), /#\/pay\/fail/);
  assert.match(await buyer.locator('#pay-fail').innerText(), /결제가 취소되었습니다/);
  assert.deepEqual(pageErrors, [], 'no uncaught page errors or dialogs');
});
