// Notifications: a paid order notifies its buyer in-app (list, unread count, mark read, mark all
// read), pushes it live on /api/v1/me/events (also to a socket on another instance of the same
// database) and mails it through a real SMTP server on loopback (aiosmtpd): the right order number,
// STARTTLS when the server offers it, bounded retries while the server is down; without SMTP the
// mail is only kept in the admin's outbox.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { spawn } from 'node:child_process';
import { startServer, api, makeUser, freePort, DB_BACKEND, payOrder } from './lib.mjs';
import { startSmtp } from './smtp.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const ADDR = { recipient: '홍길동', phone: '010-1234-5678', postcode: '06236', address1: '서울 강남구 테헤란로 1', address2: '101호' };

let smtp, srv, admin, seller, buyer, buyer2;
before(async () => {
  smtp = await startSmtp();
  srv = await startServer({ env: { BROADCART_SMTP_URL: smtp.url, BROADCART_SMTP_FROM: 'shop@broadcart.test' } });
  [admin, seller, buyer, buyer2] = await Promise.all([
    makeUser(srv, 'admin'), makeUser(srv, 'seller', 'Notice Shop'), makeUser(srv, 'buyer'), makeUser(srv, 'buyer'),
  ]);
});
after(async () => { await srv?.stop(); await smtp?.stop(); });

// Places an order of a new product through s (as u) and returns it (PENDING_PAYMENT).
async function placeOrder(s, u, sel = seller) {
  const p = await api(s, 'POST', '/api/v1/products', { token: sel.token, body: { name: 'Notice mug', price: 15000, stock: 5 } });
  assert.equal(p.status, 201, JSON.stringify(p.body));
  const o = await api(s, 'POST', '/api/v1/orders', { token: u.token, body: { items: [{ product_id: p.body.id, quantity: 1 }], shipping_address: ADDR } });
  assert.equal(o.status, 201, JSON.stringify(o.body));
  return o.body;
}
// Pays order o in the sandbox and confirms it (as u, through s): the order becomes PAID.
const pay = payOrder;
const list = (s, u, q = '') => api(s, 'GET', `/api/v1/notifications${q}`, { token: u.token });

// Opens u's event socket on s; records frames. Retries briefly on 503 (account not cached yet).
async function events(s, u) {
  const end = Date.now() + 5000;
  for (;;) {
    const ws = new WebSocket(`${s.base.replace(/^http/, 'ws')}/api/v1/me/events?access_token=${encodeURIComponent(u.token)}`);
    const frames = [];
    ws.on('message', (d) => frames.push(JSON.parse(d.toString())));
    try {
      await new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('unexpected-response', (req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
        ws.once('error', reject);
      });
    } catch (e) {
      ws.terminate();
      if (e.status === 503 && Date.now() < end) { await sleep(100); continue; }
      throw e;
    }
    return {
      frames, close: () => ws.close(),
      async waitFor(pred, ms = 5000) {
        const stop = Date.now() + ms;
        for (;;) {
          const f = frames.find(pred);
          if (f) return f;
          if (Date.now() > stop) throw new Error(`no such frame within ${ms} ms: ${JSON.stringify(frames)}`);
          await sleep(20);
        }
      },
    };
  }
}

async function waitOutbox(s, pred, ms = 15000) {
  const stop = Date.now() + ms;
  for (;;) {
    const r = await api(s, 'GET', '/api/v1/admin/outbox?per_page=100', { token: admin.token });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const m = r.body.items.find(pred);
    if (m) return m;
    if (Date.now() > stop) throw new Error(`no such outbox mail within ${ms} ms: ${JSON.stringify(r.body.items)}`);
    await sleep(200);
  }
}

test('a paid order notifies its buyer in-app and by mail (SMTP) with the order number', async () => {
  const before = (await list(srv, buyer)).body;
  assert.equal(before.unread_count, 0);
  const o = await placeOrder(srv, buyer);
  await pay(srv, buyer, o);
  const r = await list(srv, buyer);
  assert.equal(r.status, 200);
  const n = r.body.items.find((x) => x.kind === 'order.PAID' && x.order_id === o.order_id);
  assert.ok(n, JSON.stringify(r.body));
  assert.equal(n.order_row_id, o.id);
  assert.equal(n.read, false);
  assert.equal(n.read_at, null);
  assert.match(n.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.ok(r.body.unread_count >= 1);
  // nobody else sees it
  assert.equal((await list(srv, buyer2)).body.items.some((x) => x.order_id === o.order_id), false);

  // the buyer's mail (the order's seller gets one too, in either order)
  const mail = await smtp.waitFor((m) => m.subject.includes(o.order_id) && String(m.headers.to).includes(buyer.email));
  assert.match(mail.headers.to, new RegExp(buyer.email.replace(/[.+]/g, '\\$&')));
  assert.match(mail.headers.from, /shop@broadcart\.test/);
  assert.ok(mail.body.includes(`Order number: ${o.order_id}`), mail.body);
  assert.ok(mail.body.startsWith(n.text), mail.body); // the notification's own text
  assert.match(mail.headers['message-id'], /^<notice-\d+\.[A-Za-z0-9]+@broadcart\.test>$/);
  assert.match(mail.headers.date, /^[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d \+0000$/);

  const sent = await waitOutbox(srv, (m) => m.notice_id === n.id && m.status === 'SENT');
  assert.equal(sent.to, buyer.email);
  assert.equal(sent.attempts, 1);
  assert.equal(sent.last_error, null);
  assert.ok(sent.subject.includes(o.order_id));
  assert.match(sent.sent_at, /Z$/);
  // only an admin reads the outbox
  assert.equal((await api(srv, 'GET', '/api/v1/admin/outbox', { token: buyer.token })).status, 403);
  assert.equal((await api(srv, 'GET', '/api/v1/admin/outbox')).status, 401);
  const byStatus = await api(srv, 'GET', '/api/v1/admin/outbox?status=SENT', { token: admin.token });
  assert.ok(byStatus.body.items.length >= 1 && byStatus.body.items.every((m) => m.status === 'SENT'));
  assert.equal((await api(srv, 'GET', '/api/v1/admin/outbox?status=NOPE', { token: admin.token })).status, 422);
});

test('mark one read, mark all read, paging, and another user\'s notification is 404', async () => {
  const u = await makeUser(srv, 'buyer');
  const orders = [];
  for (let i = 0; i < 3; i++) { const o = await placeOrder(srv, u); await pay(srv, u, o); orders.push(o); }
  // other transitions (e.g. order creation) may notify too: the checks hold whatever else is there
  let r = await list(srv, u, '?per_page=100');
  const all = r.body.items, total = r.body.total;
  assert.equal(all.length, total);
  assert.equal(r.body.unread_count, total);
  assert.deepEqual(all.filter((x) => x.kind === 'order.PAID').map((x) => x.order_id), orders.map((o) => o.order_id).reverse()); // newest first
  assert.deepEqual(all.map((x) => x.id), [...all.map((x) => x.id)].sort((a, b) => b - a));
  const p1 = await list(srv, u, '?per_page=2'), p2 = await list(srv, u, '?per_page=2&page=2');
  assert.equal(p1.body.items.length, 2);
  assert.deepEqual([...p1.body.items, ...p2.body.items].map((x) => x.id), all.slice(0, 4).map((x) => x.id));
  assert.equal(p1.body.total, total);
  assert.equal((await list(srv, u, '?per_page=0')).status, 422);

  const first = all[0];
  // someone else cannot read (or learn of) it
  const other = await api(srv, 'POST', `/api/v1/notifications/${first.id}/read`, { token: buyer2.token });
  assert.equal(other.status, 404);
  assert.equal(other.body.error.code, 'NOTIFICATION_NOT_FOUND');
  assert.equal((await list(srv, u)).body.unread_count, total, 'a refused mark changed nothing');
  assert.equal((await api(srv, 'POST', '/api/v1/notifications/999999999/read', { token: u.token })).status, 404);

  r = await api(srv, 'POST', `/api/v1/notifications/${first.id}/read`, { token: u.token });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.id, first.id);
  assert.equal(r.body.read, true);
  assert.equal(r.body.unread_count, total - 1);
  const readAt = r.body.read_at;
  assert.match(readAt, /Z$/);
  await sleep(5);
  r = await api(srv, 'POST', `/api/v1/notifications/${first.id}/read`, { token: u.token });
  assert.equal(r.body.read_at, readAt, 'marking twice keeps the first time');
  assert.equal(r.body.unread_count, total - 1);
  const unread = await list(srv, u, '?unread=true&per_page=100');
  assert.equal(unread.body.total, total - 1);
  assert.ok(unread.body.items.every((x) => !x.read && x.id !== first.id));

  r = await api(srv, 'POST', '/api/v1/notifications/read-all', { token: u.token });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, { updated: total - 1, unread_count: 0 });
  r = await list(srv, u, '?per_page=100');
  assert.equal(r.body.unread_count, 0);
  assert.ok(r.body.items.every((x) => x.read));
  assert.equal((await api(srv, 'POST', '/api/v1/notifications/read-all', { token: u.token })).body.updated, 0);
  assert.equal((await api(srv, 'GET', '/api/v1/notifications')).status, 401);
  // every mail of this user's notifications is delivered exactly once (Message-ID names the outbox row)
  const mails = (await api(srv, 'GET', '/api/v1/admin/outbox?per_page=100', { token: admin.token })).body.items.filter((m) => m.to === u.email);
  assert.ok(mails.length >= 3);
  for (const o of orders) assert.ok(mails.some((m) => m.subject.includes(o.order_id)), o.order_id);
  for (const m of mails) await smtp.waitFor((x) => x.headers['message-id'].startsWith(`<notice-${m.id}.`));
  await sleep(1200);
  for (const m of mails) assert.equal(smtp.messages().filter((x) => x.headers['message-id'].startsWith(`<notice-${m.id}.`)).length, 1, `mail ${m.id}`);
});

test('the event socket carries notices only: no viewer-count frames for a user\'s own sockets', async () => {
  const u = await makeUser(srv, 'buyer');
  const a = await events(srv, u);
  const b = await events(srv, u); // a second tab: the count of the user's room changes again
  const o = await placeOrder(srv, u);
  await pay(srv, u, o);
  await a.waitFor((x) => x.type === 'notice' && x.notice.order_id === o.order_id);
  await sleep(1200); // past the viewers interval
  for (const c of [a, b]) assert.deepEqual(c.frames.filter((x) => x.type !== 'notice'), []);
  a.close();
  b.close();
});

test('the event socket pushes a new notification live to its user only; no token is 401', async () => {
  const u = await makeUser(srv, 'buyer');
  const mine = await events(srv, u);
  const theirs = await events(srv, buyer2);
  const o = await placeOrder(srv, u);
  const t0 = Date.now();
  await pay(srv, u, o);
  const f = await mine.waitFor((x) => x.type === 'notice' && x.notice.order_id === o.order_id);
  const ms = Date.now() - t0;
  assert.equal(f.notice.kind, 'order.PAID');
  assert.equal(f.notice.read, false);
  assert.ok(f.unread_count >= 1 && f.unread_count <= (await list(srv, u)).body.unread_count, String(f.unread_count));
  assert.match(f.notice.created_at, /Z$/);
  // a cancel is pushed as well
  const c = await api(srv, 'POST', `/api/v1/orders/${o.id}/cancel`, { token: u.token, body: {} });
  assert.equal(c.status, 200, JSON.stringify(c.body));
  const fc = await mine.waitFor((x) => x.type === 'notice' && x.notice.kind === 'order.CANCELED');
  assert.equal(fc.notice.order_id, o.order_id);
  assert.ok(fc.unread_count > f.unread_count);
  await sleep(300);
  assert.equal(theirs.frames.filter((x) => x.type === 'notice').length, 0, 'another user got the push');
  mine.close(); theirs.close();
  await assert.rejects(events(srv, { token: '' }), /401/);
  await assert.rejects(events(srv, { token: 'not-a-token' }), /401/);
  console.log(`# push latency after confirm: ${ms} ms`);
});

test('STARTTLS: a server that requires it gets the mail over TLS', async () => {
  const tls = await startSmtp({ starttls: true });
  const s = await startServer({ env: { BROADCART_SMTP_URL: tls.url, BROADCART_SMTP_CA_FILE: tls.caFile } });
  try {
    const [sel, u] = await Promise.all([makeUser(s, 'seller'), makeUser(s, 'buyer')]);
    const o = await placeOrder(s, u, sel);
    await pay(s, u, o);
    const m = await tls.waitFor((x) => x.subject.includes(o.order_id));
    assert.ok(m.body.includes(o.order_id));
    // the server refuses mail before STARTTLS (require_starttls), so this one came over TLS
  } finally { await s.stop(); await tls.stop(); }
});

test('SMTP down: the mail is retried with a backoff and delivered once the server is up', async () => {
  const port = await freePort();
  const s = await startServer({ env: { BROADCART_SMTP_URL: `smtp://127.0.0.1:${port}` } });
  const ad = await makeUser(s, 'admin');
  let late;
  try {
    const [sel, u] = await Promise.all([makeUser(s, 'seller'), makeUser(s, 'buyer')]);
    const o = await placeOrder(s, u, sel);
    await pay(s, u, o);
    // the buyer's mail of this order (its seller gets one too)
    const getMail = async () => (await api(s, 'GET', '/api/v1/admin/outbox', { token: ad.token })).body.items.find((m) => m.subject.includes(o.order_id) && m.to === u.email);
    let m;
    // attempts counts from the claim; last_error is set once that attempt failed
    for (let i = 0; i < 100; i++) { m = await getMail(); if (m && m.attempts >= 1 && m.last_error) break; await sleep(100); }
    assert.equal(m.status, 'PENDING');
    assert.ok(m.attempts >= 1);
    assert.ok(m.last_error && m.last_error.length > 0, JSON.stringify(m));
    assert.ok(Date.parse(m.next_at) > Date.parse(m.created_at));
    late = await startSmtp({ port });
    const mine = (x) => x.subject.includes(o.order_id) && String(x.headers.to).includes(u.email);
    const got = await late.waitFor(mine, 20000);
    assert.ok(got.body.includes(o.order_id));
    for (let i = 0; i < 50; i++) { m = await getMail(); if (m.status === 'SENT') break; await sleep(100); }
    assert.equal(m.status, 'SENT');
    assert.ok(m.attempts >= 2 && m.attempts <= 5, String(m.attempts));
    assert.equal(late.messages().filter(mine).length, 1, 'sent once');
  } finally { await s.stop(); await late?.stop(); }
});

test('without SMTP the mail is kept in the outbox (not sent)', async () => {
  const s = await startServer();
  try {
    const [ad, sel, u] = await Promise.all([makeUser(s, 'admin'), makeUser(s, 'seller'), makeUser(s, 'buyer')]);
    const o = await placeOrder(s, u, sel);
    await pay(s, u, o);
    const r = await api(s, 'GET', '/api/v1/admin/outbox?status=KEPT', { token: ad.token });
    const m = r.body.items.find((x) => x.subject.includes(o.order_id) && x.to === u.email);
    assert.ok(m, JSON.stringify(r.body));
    assert.equal(m.attempts, 0);
    assert.equal(m.sent_at, null);
    assert.ok(m.body.includes(o.order_id));
    await sleep(1500); // a sweep or two later: still only kept
    const again = (await api(s, 'GET', '/api/v1/admin/outbox', { token: ad.token })).body.items.find((x) => x.id === m.id);
    assert.equal(again.status, 'KEPT');
  } finally { await s.stop(); }
});

test('two instances of one database: the socket on one gets the notification written through the other', async () => {
  const A = await startServer();
  const B = await startServer({ dataDir: A.dataDir });
  try {
    const [sel, u] = await Promise.all([makeUser(A, 'seller'), makeUser(A, 'buyer')]);
    const ev = await events(A, u);
    const o = await placeOrder(B, u, sel);
    const t0 = Date.now();
    await pay(B, u, o);
    const f = await ev.waitFor((x) => x.type === 'notice' && x.notice.order_id === o.order_id, 8000);
    assert.equal(f.notice.kind, 'order.PAID');
    console.log(`# cross-instance push latency after confirm: ${Date.now() - t0} ms`);
    ev.close();
  } finally { await B.stop({ keep: true }); await A.stop(); }
});

test('PostgreSQL: a notice committed after a later one (its id handed out first) is still pushed', { skip: DB_BACKEND !== 'postgres' && 'PostgreSQL only (SQLite hands out ids in commit order)' }, async () => {
  const u = await makeUser(srv, 'buyer');
  const ev = await events(srv, u);
  // a transaction takes an id, then stays open 2 s while a later notice commits
  const late = spawn('/usr/lib/postgresql/15/bin/psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', srv.env.BROADCART_DATABASE_URL, '-c',
    `BEGIN; INSERT INTO notices (user_id, kind, text, created_at) VALUES (${u.id}, 'payment.REFUNDED', 'late commit', ${Date.now()}); ` +
    'SELECT pg_sleep(2); COMMIT;'], { stdio: 'ignore' });
  const done = new Promise((r) => late.once('exit', r));
  await sleep(300);
  const o = await placeOrder(srv, u);
  await pay(srv, u, o);
  const first = await ev.waitFor((x) => x.type === 'notice' && x.notice.order_id === o.order_id);
  assert.equal(await done, 0);
  const f = await ev.waitFor((x) => x.type === 'notice' && x.notice.text === 'late commit', 4000);
  assert.ok(f.notice.id < first.notice.id, 'the late one has the lower id');
  ev.close();
});
