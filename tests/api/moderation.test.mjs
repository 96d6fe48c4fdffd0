// Chat moderation (routes under /api/v1/lives/{id}/moderation): deleting a message (gone for every
// viewer and from the history), badges, moderators, mute, ban (socket closed, handshake refused,
// checkout from that live 403 BANNED_FROM_LIVE), banned words after NFKC folding, slow mode,
// followers-only and buyers-only chat, freeze, the pinned notice, questions and the moderation log.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startServer, api, makeUser, payOrder } from './lib.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const ADDR = { recipient: 'Kim', phone: '010-1234-5678', postcode: '06236', address1: 'Teheran-ro 1' };

let srv, seller, productId;

// Connects to a live's chat and records frames; rejects with err.status on a refused handshake.
async function client(liveId, token) {
  const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/api/v1/lives/${liveId}/chat${token ? `?access_token=${encodeURIComponent(token)}` : ''}`);
  const frames = [];
  let closeCode = null;
  ws.on('message', (d) => frames.push(JSON.parse(d.toString())));
  const closed = new Promise((r) => ws.on('close', (code) => { closeCode = code; r(code); }));
  await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('ws open timeout')), 5000);
    ws.once('open', () => { clearTimeout(t); resolve(); });
    ws.once('unexpected-response', (req, res) => { clearTimeout(t); reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })); });
    ws.once('error', (e) => { clearTimeout(t); reject(e); });
  });
  return {
    frames, closed,
    get closeCode() { return closeCode; },
    chat(text, extra = {}) { ws.send(JSON.stringify({ type: 'chat', text, ...extra })); },
    async waitFor(pred, timeout = 3000) {
      const end = Date.now() + timeout;
      for (;;) {
        const f = frames.find(pred);
        if (f) return f;
        if (Date.now() > end) throw new Error(`no matching frame in ${timeout} ms; got ${JSON.stringify(frames).slice(0, 1500)}`);
        await sleep(10);
      }
    },
    // sends text and waits for its chat frame or an error frame; returns the frame
    async say(text, extra = {}) {
      const from = frames.length;
      this.chat(text, extra);
      const end = Date.now() + 3000;
      for (;;) {
        const f = frames.slice(from).find((x) => (x.type === 'chat' && x.text === text) || x.type === 'error');
        if (f) return f;
        if (Date.now() > end) throw new Error(`no answer to ${text}`);
        await sleep(10);
      }
    },
    close() { ws.terminate(); },
  };
}

async function newLive(title = 'Moderated show') {
  const l = await api(srv, 'POST', '/api/v1/lives', {
    token: seller.token, body: { title, scheduled_at: '2026-12-01T10:00:00Z', product_ids: [productId] },
  });
  assert.equal(l.status, 201, JSON.stringify(l.body));
  return l.body.id;
}

const mod = (liveId, method, sub, token, body) => api(srv, method, `/api/v1/lives/${liveId}/moderation${sub}`, { token, body });

before(async () => {
  srv = await startServer({ env: { BROADCART_CHAT_RATE: '50' } });
  seller = await makeUser(srv, 'seller', 'Mod Seller');
  const p = await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: 'Scarf', price: 12000, stock: 100 } });
  assert.equal(p.status, 201);
  productId = p.body.id;
});

after(async () => { await srv?.stop(); });

test('a deleted message disappears for every viewer and from the history; only moderators may delete', async () => {
  const liveId = await newLive();
  const buyer = await makeUser(srv, 'buyer', 'Talker');
  const other = await makeUser(srv, 'buyer', 'Other');
  const a = await client(liveId, buyer.token);
  const b = await client(liveId);
  try {
    const f = await a.say('delete me');
    assert.equal(f.type, 'chat');
    assert.equal(f.badge, null);
    assert.equal(f.question, false);
    await b.waitFor((x) => x.type === 'chat' && x.id === f.id);
    assert.equal((await mod(liveId, 'DELETE', `/messages/${f.id}`, other.token)).status, 403);
    assert.equal((await mod(liveId, 'DELETE', `/messages/${f.id}`, buyer.token)).status, 403);
    assert.equal((await mod(liveId, 'DELETE', '/messages/999999', seller.token)).status, 404);
    assert.equal((await mod(liveId, 'DELETE', `/messages/${f.id}`, seller.token)).status, 204);
    await a.waitFor((x) => x.type === 'chat_deleted' && x.id === f.id);
    await b.waitFor((x) => x.type === 'chat_deleted' && x.id === f.id);
    assert.equal((await mod(liveId, 'DELETE', `/messages/${f.id}`, seller.token)).status, 204, 'idempotent');
    const h = await api(srv, 'GET', `/api/v1/lives/${liveId}/chat`);
    assert.ok(!h.body.items.some((m) => m.id === f.id), 'gone from the history');
    const log = await mod(liveId, 'GET', '/log', seller.token);
    assert.equal(log.status, 200);
    assert.deepEqual(log.body.items.map((x) => x.action), ['delete_message'], 'logged once');
    assert.equal(log.body.items[0].message_id, f.id);
    assert.equal(log.body.items[0].target.id, buyer.id);
    assert.equal(log.body.items[0].actor.id, seller.id);
  } finally { a.close(); b.close(); }
});

test('badges: seller and appointed moderators; a moderator moderates but cannot appoint', async () => {
  const liveId = await newLive();
  const m = await makeUser(srv, 'buyer', 'Helper');
  const buyer = await makeUser(srv, 'buyer', 'Plain');
  assert.equal((await mod(liveId, 'POST', '/moderators', buyer.token, { user_id: m.id })).status, 403);
  const r = await mod(liveId, 'POST', '/moderators', seller.token, { user_id: m.id });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body.moderators, [{ id: m.id, name: 'Helper' }]);
  const s = await client(liveId, seller.token);
  const mc = await client(liveId, m.token);
  const bc = await client(liveId, buyer.token);
  try {
    const fs = await s.say('from the seller');
    assert.equal(fs.badge, 'seller');
    assert.equal(fs.is_seller, true);
    const fm = await mc.say('from the moderator');
    assert.equal(fm.badge, 'moderator');
    const fb = await bc.say('from a viewer');
    assert.equal(fb.badge, null);
    const h = await api(srv, 'GET', `/api/v1/lives/${liveId}/chat`);
    assert.deepEqual(h.body.items.map((x) => x.badge), ['seller', 'moderator', null]);
    // the moderator deletes, mutes; cannot appoint, cannot set banned words, cannot be muted
    assert.equal((await mod(liveId, 'DELETE', `/messages/${fb.id}`, m.token)).status, 204);
    assert.equal((await mod(liveId, 'POST', '/moderators', m.token, { user_id: buyer.id })).status, 403);
    assert.equal((await mod(liveId, 'PUT', '/banned-words', m.token, { words: ['x'] })).status, 403);
    const prot = await mod(liveId, 'POST', '/mutes', seller.token, { user_id: m.id, minutes: 5 });
    assert.equal(prot.status, 409);
    assert.equal(prot.body.error.code, 'PROTECTED_USER');
    assert.equal((await mod(liveId, 'POST', '/bans', m.token, { user_id: seller.id })).body.error.code, 'PROTECTED_USER');
    const g = await mod(liveId, 'GET', '', m.token);
    assert.equal(g.status, 200);
    assert.deepEqual(g.body.moderators.map((x) => x.id), [m.id]);
    // removed: the badge goes and the powers with it
    assert.equal((await mod(liveId, 'DELETE', `/moderators/${m.id}`, seller.token)).status, 204);
    assert.equal((await mc.say('plain again')).badge, null);
    assert.equal((await mod(liveId, 'GET', '', m.token)).status, 403);
  } finally { s.close(); mc.close(); bc.close(); }
});

test('mute for N minutes: MUTED until lifted; unmute lets the user chat again', async () => {
  const liveId = await newLive();
  const buyer = await makeUser(srv, 'buyer', 'Loud');
  const c = await client(liveId, buyer.token);
  try {
    assert.equal((await c.say('before')).type, 'chat');
    const r = await mod(liveId, 'POST', '/mutes', seller.token, { user_id: buyer.id, minutes: 10 });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.ok(Date.parse(r.body.until) > Date.now() + 9 * 60000);
    assert.equal((await mod(liveId, 'POST', '/mutes', seller.token, { user_id: buyer.id, minutes: 0 })).status, 422);
    const e = await c.say('while muted');
    assert.equal(e.code, 'MUTED');
    const g = await mod(liveId, 'GET', '', seller.token);
    assert.deepEqual(g.body.mutes.map((x) => x.id), [buyer.id]);
    assert.equal((await mod(liveId, 'DELETE', `/mutes/${buyer.id}`, seller.token)).status, 204);
    assert.equal((await c.say('after')).type, 'chat');
    const h = await api(srv, 'GET', `/api/v1/lives/${liveId}/chat`);
    assert.deepEqual(h.body.items.map((x) => x.text), ['before', 'after']);
  } finally { c.close(); }
});

test('ban: the socket is closed, the handshake refused, and checkout from that live is 403 BANNED_FROM_LIVE', async () => {
  const liveId = await newLive();
  const buyer = await makeUser(srv, 'buyer', 'Troll');
  const c = await client(liveId, buyer.token);
  const watcher = await client(liveId);
  const order = (live) => api(srv, 'POST', '/api/v1/orders', {
    token: buyer.token, body: { items: [{ product_id: productId, quantity: 1 }], shipping_address: ADDR, ...(live ? { live_id: live } : {}) },
  });
  try {
    assert.equal((await c.say('hi')).type, 'chat');
    const r = await mod(liveId, 'POST', '/bans', seller.token, { user_id: buyer.id });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    await c.waitFor((f) => f.type === 'error' && f.code === 'BANNED_FROM_LIVE');
    assert.equal(await Promise.race([c.closed, sleep(3000).then(() => 'open')]), 1008);
    await assert.rejects(client(liveId, buyer.token), (e) => e.status === 403);
    const o = await order(liveId);
    assert.equal(o.status, 403, JSON.stringify(o.body));
    assert.equal(o.body.error.code, 'BANNED_FROM_LIVE');
    assert.equal((await order(0)).status, 201, 'an order outside the live is fine');
    // nor hold its stock through that live (the buy sheet's hold)
    const hold = await api(srv, 'POST', '/api/v1/holds', { token: buyer.token, body: { product_id: productId, quantity: 1, live_id: liveId } });
    assert.equal(hold.status, 403, JSON.stringify(hold.body));
    assert.equal(hold.body.error.code, 'BANNED_FROM_LIVE');
    assert.equal((await order(await newLive('another live'))).status, 201, 'so is one from another live');
    assert.equal(watcher.frames.filter((f) => f.type === 'error').length, 0, 'nobody else affected');
    const g = await mod(liveId, 'GET', '', seller.token);
    assert.deepEqual(g.body.bans, [{ id: buyer.id, name: 'Troll' }]);
    assert.equal((await mod(liveId, 'DELETE', `/bans/${buyer.id}`, seller.token)).status, 204);
    assert.equal((await order(liveId)).status, 201);
    const again = await client(liveId, buyer.token);
    assert.equal((await again.say('back')).type, 'chat');
    again.close();
    const log = await mod(liveId, 'GET', '/log', seller.token);
    assert.deepEqual(log.body.items.map((x) => x.action), ['unban', 'ban']);
  } finally { c.close(); watcher.close(); }
});

test('banned words per seller match after NFKC + case folding with spaces and punctuation dropped', async () => {
  const liveId = await newLive();
  const buyer = await makeUser(srv, 'buyer', 'Sneaky');
  const c = await client(liveId, buyer.token);
  const s = await client(liveId, seller.token);
  try {
    const r = await mod(liveId, 'PUT', '/banned-words', seller.token, { words: ['Bad', '나쁜말'] });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal((await mod(liveId, 'PUT', '/banned-words', seller.token, { words: ['...'] })).status, 422);
    for (const t of ['bad', 'ｂ ａ ｄ', 'B.a-D!', 'so b a d', '나 쁜 말', 'ＢＡＤ', 'b\u200bad']) {
      const f = await c.say(t);
      assert.equal(f.code, 'BANNED_WORD', `${JSON.stringify(t)} -> ${JSON.stringify(f)}`);
    }
    assert.equal((await c.say('good')).type, 'chat');
    assert.equal((await s.say('the seller may say bad')).type, 'chat');
    // per seller: another seller's live does not know these words
    const other = await makeUser(srv, 'seller', 'Other Seller');
    const p = await api(srv, 'POST', '/api/v1/products', { token: other.token, body: { name: 'Cup', price: 1000, stock: 1 } });
    const l = await api(srv, 'POST', '/api/v1/lives', { token: other.token, body: { title: 'x', scheduled_at: '2026-12-01T10:00:00Z', product_ids: [p.body.id] } });
    const c2 = await client(l.body.id, buyer.token);
    assert.equal((await c2.say('bad')).type, 'chat');
    c2.close();
    // all of this seller's lives do
    const c3 = await client(await newLive('second'), buyer.token);
    assert.equal((await c3.say('ｂａｄ')).code, 'BANNED_WORD');
    c3.close();
    assert.deepEqual((await mod(liveId, 'GET', '', seller.token)).body.banned_words, ['Bad', '나쁜말']);
    assert.equal((await mod(liveId, 'PUT', '/banned-words', seller.token, { words: [] })).status, 200);
    assert.equal((await c.say('bad now ok')).type, 'chat');
  } finally { c.close(); s.close(); }
});

test('slow mode: one message per N seconds per user, the seller exempt', async () => {
  const liveId = await newLive();
  const buyer = await makeUser(srv, 'buyer', 'Fast');
  const viewer = await client(liveId);
  const c = await client(liveId, buyer.token);
  const s = await client(liveId, seller.token);
  try {
    const r = await mod(liveId, 'PUT', '/settings', seller.token, { slow_mode_s: 2 });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body, { live_id: liveId, slow_mode_s: 2, chat_mode: 'everyone', frozen: false, notice: null });
    await viewer.waitFor((f) => f.type === 'chat_settings' && f.slow_mode_s === 2);
    const t0 = Date.now();
    assert.equal((await c.say('one')).type, 'chat');
    assert.equal((await c.say('two')).code, 'SLOW_MODE');
    assert.equal((await s.say('seller 1')).type, 'chat');
    assert.equal((await s.say('seller 2')).type, 'chat');
    await sleep(Math.max(0, 2100 - (Date.now() - t0)));
    assert.equal((await c.say('three')).type, 'chat');
    assert.equal((await mod(liveId, 'PUT', '/settings', seller.token, { slow_mode_s: 0 })).status, 200);
    assert.equal((await c.say('four')).type, 'chat');
  } finally { viewer.close(); c.close(); s.close(); }
});

test('followers-only and buyers-only chat; freeze lets only the seller and moderators write', async () => {
  const liveId = await newLive();
  const buyer = await makeUser(srv, 'buyer', 'Fan');
  const c = await client(liveId, buyer.token);
  const s = await client(liveId, seller.token);
  try {
    assert.equal((await mod(liveId, 'PUT', '/settings', seller.token, { chat_mode: 'followers' })).body.chat_mode, 'followers');
    assert.equal((await c.say('not yet')).code, 'FOLLOWERS_ONLY');
    const f = await api(srv, 'POST', `/api/v1/sellers/${seller.id}/follow`, { token: buyer.token });
    assert.equal(f.status, 200, JSON.stringify(f.body));
    assert.deepEqual(f.body, { seller_id: seller.id, following: true, followers: 1 });
    assert.equal((await api(srv, 'POST', `/api/v1/sellers/${buyer.id}/follow`, { token: seller.token })).status, 404, 'only sellers');
    assert.equal((await c.say('now a follower')).type, 'chat');
    assert.equal((await api(srv, 'DELETE', `/api/v1/sellers/${seller.id}/follow`, { token: buyer.token })).body.following, false);
    assert.equal((await c.say('unfollowed')).code, 'FOLLOWERS_ONLY');

    assert.equal((await mod(liveId, 'PUT', '/settings', seller.token, { chat_mode: 'buyers' })).status, 200);
    assert.equal((await c.say('no order yet')).code, 'BUYERS_ONLY');
    const o = await api(srv, 'POST', '/api/v1/orders', { token: buyer.token, body: { items: [{ product_id: productId, quantity: 1 }], shipping_address: ADDR } });
    assert.equal(o.status, 201);
    assert.equal((await c.say('unpaid order')).code, 'BUYERS_ONLY');
    await payOrder(srv, buyer, o.body);
    assert.equal((await c.say('paid now')).type, 'chat');
    assert.equal((await s.say('seller any mode')).type, 'chat');

    const fr = await mod(liveId, 'PUT', '/settings', seller.token, { frozen: true, chat_mode: 'everyone' });
    assert.deepEqual([fr.body.frozen, fr.body.chat_mode, fr.body.slow_mode_s], [true, 'everyone', 0]);
    await c.waitFor((x) => x.type === 'chat_settings' && x.frozen === true);
    assert.equal((await c.say('frozen?')).code, 'CHAT_FROZEN');
    assert.equal((await s.say('seller while frozen')).type, 'chat');
    const admin = await makeUser(srv, 'admin', 'Admin');
    const ac = await client(liveId, admin.token);
    const fa = await ac.say('admin while frozen');
    assert.equal(fa.type, 'chat');
    assert.equal(fa.badge, 'moderator');
    ac.close();
    assert.equal((await mod(liveId, 'PUT', '/settings', admin.token, { frozen: false })).body.frozen, false);
    assert.equal((await c.say('thawed')).type, 'chat');
    const actions = (await mod(liveId, 'GET', '/log', admin.token)).body.items.map((x) => x.action);
    assert.deepEqual(actions, ['settings', 'settings', 'settings', 'settings']);
  } finally { c.close(); s.close(); }
});

test('notice pinned at the top: a frame to the room and "notice" in the live JSON', async () => {
  const liveId = await newLive();
  const v = await client(liveId);
  try {
    assert.equal((await api(srv, 'GET', `/api/v1/lives/${liveId}`)).body.notice, null);
    const r = await mod(liveId, 'PUT', '/notice', seller.token, { text: '오늘 8시 50% 할인 <b>!</b>' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    await v.waitFor((f) => f.type === 'notice' && f.text === '오늘 8시 50% 할인 <b>!</b>');
    assert.equal((await api(srv, 'GET', `/api/v1/lives/${liveId}`)).body.notice, '오늘 8시 50% 할인 <b>!</b>');
    assert.equal((await mod(liveId, 'PUT', '/notice', seller.token, { text: 'x'.repeat(201) })).status, 422);
    assert.equal((await mod(liveId, 'PUT', '/notice', seller.token, { text: null })).status, 200);
    await v.waitFor((f) => f.type === 'notice' && f.text === null);
    assert.equal((await api(srv, 'GET', `/api/v1/lives/${liveId}`)).body.notice, null);
  } finally { v.close(); }
});

test('questions: tagged messages, the list, answered by the seller', async () => {
  const liveId = await newLive();
  const buyer = await makeUser(srv, 'buyer', 'Curious');
  const c = await client(liveId, buyer.token);
  try {
    const q = await c.say('사이즈 있나요?', { question: true });
    assert.equal(q.type, 'chat');
    assert.equal(q.question, true);
    assert.equal((await c.say('just chatting')).question, false);
    const list = await api(srv, 'GET', `/api/v1/lives/${liveId}/questions`);
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.items.map((x) => [x.id, x.text, x.answered_at]), [[q.id, '사이즈 있나요?', null]]);
    assert.equal((await api(srv, 'POST', `/api/v1/lives/${liveId}/moderation/questions/${q.id}/answered`, { token: buyer.token })).status, 403);
    assert.equal((await api(srv, 'POST', `/api/v1/lives/${liveId}/moderation/questions/${q.id}/answered`, { token: seller.token })).status, 204);
    await c.waitFor((f) => f.type === 'question_answered' && f.id === q.id);
    const after = await api(srv, 'GET', `/api/v1/lives/${liveId}/questions`);
    assert.ok(after.body.items[0].answered_at);
    assert.equal((await api(srv, 'GET', `/api/v1/lives/${liveId}/questions?unanswered=true`)).body.items.length, 0);
    assert.equal((await api(srv, 'GET', `/api/v1/lives/999999/questions`)).status, 404);
  } finally { c.close(); }
});
