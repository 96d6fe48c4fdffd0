// Browser: chat moderation on the live page. A viewer (phone) and the seller (desktop) in two
// browsers: the viewer's message shows up for the seller, who deletes it from the message menu, and
// it disappears in the viewer's browser; a question is tagged "질문" and lands in the question list,
// where the seller marks it answered; the seller's notice appears pinned above the viewer's chat;
// the seller's own messages carry the seller badge; a ban from the menu ends the viewer's chat.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, makeUser } from '../api/lib.mjs';
import { PHONE, DESKTOP, until, browserSession, uiLogin, teardown } from './browser.mjs';

let srv;
const session = browserSession();
const { pageErrors } = session;

before(async () => {
  srv = await startServer();
  await session.launch();
});
after(async () => { await teardown(session, srv); });

// Sends text from page's chat form once its socket is open (the form clears the input only then).
async function say(page, text) {
  await until(`sent ${text}`, async () => {
    await page.fill('#chat-input', text);
    await page.click('#chat-send');
    return (await page.inputValue('#chat-input')) === '';
  }, 10000, 300);
}
const msgs = (page) => page.$$eval('#chat-list .chat-msg .chat-text', (els) => els.map((e) => e.textContent));

test('a message deleted by the seller disappears in the viewer\'s browser; questions, notice, badge, ban', { timeout: 120000 }, async () => {
  const seller = await makeUser(srv, 'seller', '모더 상점');
  const buyer = await makeUser(srv, 'buyer', '시청자');
  const p = await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: '머그', price: 9000, stock: 9 } });
  const l = await api(srv, 'POST', '/api/v1/lives', { token: seller.token, body: { title: '관리 방송', scheduled_at: '2026-12-01T10:00:00Z', product_ids: [p.body.id] } });
  assert.equal(l.status, 201);
  const liveId = l.body.id;

  const viewer = await session.newPage(PHONE, 'viewer');
  await uiLogin(viewer, srv.base, { email: buyer.email, password: buyer.password });
  await viewer.goto(`${srv.base}/#/live/${liveId}`);
  await viewer.waitForSelector('#chat-input');
  const host = await session.newPage(DESKTOP, 'seller');
  await uiLogin(host, srv.base, { email: seller.email, password: seller.password });
  await host.goto(`${srv.base}/#/live/${liveId}`);
  await host.waitForSelector('#chat-input');
  await host.waitForSelector('#mod-open', { state: 'visible' });
  assert.equal(await viewer.isVisible('#mod-open'), false, 'viewers get no moderation tools');

  // the viewer says something the seller deletes from the message menu
  await say(viewer, '이건 지워질 메시지');
  await until('the seller sees it', async () => (await msgs(host)).includes('이건 지워질 메시지'), 5000, 50);
  await until('viewer sees it', async () => (await msgs(viewer)).includes('이건 지워질 메시지'), 5000, 50);
  assert.equal(await viewer.isVisible('#chat-list .chat-more'), false, 'no menu for a viewer');
  const row = host.locator('#chat-list .chat-msg', { hasText: '이건 지워질 메시지' }).first();
  await row.locator('.chat-more').click();
  await host.click('#mod-delete');
  await until('gone in the viewer\'s browser', async () => !(await msgs(viewer)).includes('이건 지워질 메시지'), 5000, 50);
  await until('gone for the seller too', async () => !(await msgs(host)).includes('이건 지워질 메시지'), 5000, 50);
  // and stays gone after a reload (the history leaves deleted messages out)
  await viewer.reload();
  await viewer.waitForSelector('#chat-input');
  await viewer.waitForTimeout(500);
  assert.ok(!(await msgs(viewer)).includes('이건 지워질 메시지'));

  // a question: tagged, in the list; the seller marks it answered
  await viewer.click('#chat-question');
  await say(viewer, '사이즈 있나요?');
  await until('the seller sees the question', async () => (await msgs(host)).includes('사이즈 있나요?'), 5000, 50);
  const q = host.locator('#chat-list .chat-msg.is-question', { hasText: '사이즈 있나요?' });
  assert.equal(await q.locator('.chat-q').textContent(), '질문');
  await host.click('#q-toggle');
  await host.waitForSelector('#q-list .q-row .q-answer');
  await host.click('#q-list .q-row .q-answer');
  await host.waitForSelector('#q-list .q-row.answered');

  // the notice from the moderation panel, pinned above the viewer's chat
  await host.click('#mod-open');
  await host.fill('#mod-notice', '오늘만 무료배송!');
  await host.click('#mod-save');
  await until('notice shown', async () => (await viewer.textContent('#chat-notice').catch(() => '')).includes('오늘만 무료배송!'), 5000, 50);

  // the seller's message carries the seller badge for the viewer
  await say(host, '판매자 인사');
  const sm = viewer.locator('#chat-list .chat-msg.is-seller', { hasText: '판매자 인사' });
  await sm.waitFor();
  assert.equal(await sm.locator('.chat-badge').textContent(), '판매자');

  // a ban from the menu ends the viewer's chat
  await say(viewer, '마지막 말');
  const last = host.locator('#chat-list .chat-msg', { hasText: '마지막 말' }).first();
  await last.waitFor();
  await last.locator('.chat-more').click();
  await host.click('#mod-ban');
  await viewer.waitForSelector('#chat-banned');
  const o = await api(srv, 'POST', '/api/v1/orders', { token: buyer.token, body: { items: [{ product_id: p.body.id, quantity: 1 }], shipping_address: { recipient: '홍길동', phone: '010-1234-5678', postcode: '06236', address1: '서울' }, live_id: liveId } });
  assert.equal(o.body.error.code, 'BANNED_FROM_LIVE');
  assert.deepEqual(pageErrors, []);
});
