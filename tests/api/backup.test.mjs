// `broadcart backup --to DIR` and `broadcart restore --from DIR` (src/store/backup.c): a busy shop
// (buyers placing orders with sealed shipping addresses, sellers editing stock, a chat history) is
// backed up while the server writes; the backup is one consistent snapshot; restored into a fresh
// data dir, a server on it has the same users, products, orders and chat, opens the sealed
// addresses (data.key came along) and accepts the old sessions (jwt.secret came along). Restore
// refuses while a server has the database open, and refuses a damaged, foreign or newer file
// with a clear message, replacing nothing. PostgreSQL: both commands point at pg_dump/pg_restore.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, writeSync, closeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, api, makeUser, sql, BIN, DB_BACKEND } from './lib.mjs';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'bc-backup-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const ADDR = { recipient: '백업고객', phone: '010-2468-1357', postcode: '06236', address1: '서울 강남구 테헤란로 152', address2: '백업동 42호' };
const sqlite = (db, q) => execFileSync('sqlite3', ['-cmd', '.timeout 5000', db, q], { encoding: 'utf8' }).trim();
const sha = (f) => createHash('sha256').update(execFileSync('cat', [f])).digest('hex');

// Runs `broadcart args` with env (the data dir's settings); resolves {code, out, err}.
function run(args, env) {
  return new Promise((resolve) => {
    const p = spawn(BIN, args, { env: { ...process.env, BROADCART_LOG_LEVEL: 'warn', ASAN_OPTIONS: 'detect_leaks=0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    const t = setTimeout(() => p.kill('SIGKILL'), 120000);
    p.on('exit', (code) => {
      clearTimeout(t);
      assert.doesNotMatch(err, /AddressSanitizer|runtime error:|LeakSanitizer/, `sanitizer report from broadcart ${args[0]}`);
      resolve({ code, out, err });
    });
  });
}

const COUNTS = ['users', 'products', 'orders', 'order_lines', 'chat_messages', 'addresses'];
const counts = (db) => Object.fromEntries(COUNTS.map((t) => [t, Number(sqlite(db, `SELECT count(*) FROM ${t}`))]));

test('a busy shop is backed up while it writes and restored into a fresh data dir', {
  skip: DB_BACKEND === 'postgres' ? 'the online backup is SQLite\'s; PostgreSQL is backed up with pg_dump (next test)' : false,
  timeout: 180000,
}, async () => {
  let srv = await startServer();
  const origDir = srv.dataDir;
  const db = path.join(srv.dataDir, 'broadcart.db');
  const seller = await makeUser(srv, 'seller');
  const buyers = [];
  for (let i = 0; i < 4; i++) buyers.push(await makeUser(srv, 'buyer'));
  const products = [];
  for (let i = 0; i < 5; i++) {
    const p = await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: `백업 상품 ${i}`, price: 1000 + i, stock: 100000 } });
    assert.equal(p.status, 201, JSON.stringify(p.body));
    products.push(p.body.id);
  }
  const first = await api(srv, 'POST', '/api/v1/orders', {
    token: buyers[0].token, body: { items: [{ product_id: products[0], quantity: 2 }], shipping_address: ADDR },
  });
  assert.equal(first.status, 201, JSON.stringify(first.body));
  const book = await api(srv, 'POST', '/api/v1/me/addresses', { token: buyers[1].token, body: { label: '집', ...ADDR } });
  assert.equal(book.status, 201, JSON.stringify(book.body));
  // a chat history of ~25 MB, so the copy takes many steps while the shop keeps writing
  const live = await api(srv, 'POST', '/api/v1/lives', {
    token: seller.token, body: { title: '백업 라이브', scheduled_at: '2030-01-01T10:00:00Z', product_ids: [products[0]] },
  });
  assert.equal(live.status, 201, JSON.stringify(live.body));
  sqlite(db, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40000)
    INSERT INTO chat_messages (live_id, user_id, text, created_at) SELECT ${live.body.id}, ${buyers[2].id}, '채팅 ' || i || ' ' || hex(randomblob(300)), i FROM n`);

  // the busy part: buyers order (sealed addresses), the seller edits stock, bounded in count and time
  let stop = false, placed = 0, failed = 0;
  const deadline = Date.now() + 60000;
  const worker = async (b, w) => {
    for (let i = 0; !stop && i < 400 && Date.now() < deadline; i++) {
      const r = await api(srv, 'POST', '/api/v1/orders', {
        token: b.token, body: { items: [{ product_id: products[(w + i) % products.length], quantity: 1 }], shipping_address: { ...ADDR, address2: `${w}-${i}` } },
      });
      if (r.status === 201) placed++; else failed++;
    }
  };
  const editor = async () => {
    for (let i = 0; !stop && i < 400 && Date.now() < deadline; i++) {
      await api(srv, 'PATCH', `/api/v1/products/${products[4]}`, { token: seller.token, body: { stock: 100000 - i } });
    }
  };
  const load = Promise.all([...buyers.map((b, w) => worker(b, w)), editor()]);
  while (placed < 20 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const before = Number(sqlite(db, 'SELECT count(*) FROM orders'));
  const dir = path.join(tmp, 'backup-1');
  const b = await run(['backup', '--to', dir], srv.env);
  const afterCount = Number(sqlite(db, 'SELECT count(*) FROM orders'));
  const placedDuring = placed;
  await new Promise((r) => setTimeout(r, 200));
  stop = true;
  await load;
  assert.equal(b.code, 0, b.err + b.out);
  assert.equal(failed, 0, 'every order of the busy loop went through while the backup ran');
  assert.match(b.out, /broadcart\.db: \d+ pages, schema version \d+/);
  assert.match(b.out, /backup complete/);
  assert.ok(placedDuring > 20, 'the shop kept writing');

  // the backup: the database and the key files, private, one consistent snapshot
  assert.deepEqual(readdirSync(dir).sort(), ['broadcart.db', 'data.key', 'jwt.secret']);
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  for (const f of readdirSync(dir)) assert.equal(statSync(path.join(dir, f)).mode & 0o777, 0o600, `${f} is 0600`);
  assert.ok(!existsSync(path.join(dir, 'broadcart.db-wal')), 'the backup is one self-contained file');
  const bdb = path.join(dir, 'broadcart.db');
  assert.equal(sqlite(bdb, 'PRAGMA journal_mode'), 'delete');
  assert.equal(sqlite(bdb, 'PRAGMA integrity_check'), 'ok');
  assert.equal(sqlite(bdb, 'PRAGMA foreign_key_check'), '', 'no row points at a row missing from the snapshot');
  const snap = counts(bdb);
  assert.ok(snap.orders >= before && snap.orders <= afterCount, `the snapshot's ${snap.orders} orders lie between ${before} and ${afterCount}`);
  assert.equal(snap.order_lines, snap.orders, 'every order of the snapshot has its line, none without its order');
  assert.equal(snap.chat_messages, 40000);
  const full = counts(db);

  // a server on the data dir: restore refuses and leaves everything as it is
  const busy = await run(['restore', '--from', dir], srv.env);
  assert.equal(busy.code, 1);
  assert.match(busy.err, /is in use \(process \d+ has it open\): stop the server first/);
  assert.equal(Number(sqlite(db, 'SELECT count(*) FROM orders')), full.orders);
  assert.ok(!readdirSync(srv.dataDir).some((f) => f.includes('restore')), 'no restore file left beside the database');
  assert.equal((await api(srv, 'GET', '/healthz')).status, 200);
  await srv.stop({ keep: true });

  // restore into a fresh data dir and serve it
  const fresh = path.join(tmp, 'fresh');
  const env = { ...srv.env, BROADCART_DATA_DIR: fresh };
  const r = await run(['restore', '--from', dir], env);
  assert.equal(r.code, 0, r.err + r.out);
  assert.match(r.out, /restore complete/);
  for (const f of ['broadcart.db', 'data.key', 'jwt.secret']) {
    assert.equal(statSync(path.join(fresh, f)).mode & 0o777, 0o600, f);
  }
  assert.deepEqual(counts(path.join(fresh, 'broadcart.db')), snap);
  srv = await startServer({ dataDir: fresh });
  try {
    // the old session still works (jwt.secret) and the sealed address opens (data.key)
    const o = await api(srv, 'GET', `/api/v1/orders/${first.body.id}`, { token: buyers[0].token });
    assert.equal(o.status, 200, JSON.stringify(o.body));
    assert.deepEqual(o.body.shipping_address, ADDR);
    const list = await api(srv, 'GET', '/api/v1/me/addresses', { token: buyers[1].token });
    assert.equal(list.body.items.length, 1);
    assert.equal(list.body.items[0].address1, ADDR.address1);
    const login = await api(srv, 'POST', '/api/v1/auth/login', { body: { email: buyers[3].email, password: buyers[3].password } });
    assert.equal(login.status, 200, 'a password still signs in');
    const p = await api(srv, 'GET', `/api/v1/products/${products[1]}`);
    assert.equal(p.status, 200);
    assert.equal(p.body.name, '백업 상품 1');
    // the restored shop takes new orders
    const more = await api(srv, 'POST', '/api/v1/orders', {
      token: buyers[2].token, body: { items: [{ product_id: products[2], quantity: 1 }], shipping_address: ADDR },
    });
    assert.equal(more.status, 201, JSON.stringify(more.body));
    assert.equal(Number(sql(srv, 'SELECT count(*) FROM orders').trim()), snap.orders + 1);
  } finally {
    await srv.stop({ keep: true });
  }
  rmSync(origDir, { recursive: true, force: true });
});

test('restore refuses a damaged, foreign or newer database and replaces nothing', {
  skip: DB_BACKEND === 'postgres' ? 'SQLite files; PostgreSQL: next test' : false,
}, async () => {
  const srv = await startServer();
  const seller = await makeUser(srv, 'seller');
  await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: '원본', price: 1, stock: 1 } });
  const dir = path.join(tmp, 'nightly', '2030', 'backup-2'); // missing parents are created
  const b = await run(['backup', '--to', dir], srv.env);
  assert.equal(b.code, 0, b.err);
  // a second backup into the same directory is refused
  const again = await run(['backup', '--to', dir], srv.env);
  assert.equal(again.code, 1);
  assert.match(again.err, /cannot create .*backup-2: File exists/);
  await srv.stop({ keep: true });
  const target = path.join(srv.dataDir, 'broadcart.db');
  const files = () => readdirSync(srv.dataDir).sort();
  const was = { sha: sha(target), files: files() };

  const junk = path.join(tmp, 'junk.db');
  execFileSync('sh', ['-c', `head -c 65536 /dev/urandom > '${junk}'`]);
  const foreign = path.join(tmp, 'foreign.db');
  sqlite(foreign, 'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES (\'hello\')');
  const newer = path.join(tmp, 'newer.db');
  copyFileSync(path.join(dir, 'broadcart.db'), newer);
  sqlite(newer, 'INSERT INTO schema_migrations (version, applied_at) VALUES (100000, 0)');
  // damaged: pages in the middle of the file overwritten (the header stays, so SQLite opens it)
  const damaged = path.join(tmp, 'damaged.db');
  copyFileSync(path.join(dir, 'broadcart.db'), damaged);
  const size = statSync(damaged).size;
  const fd = openSync(damaged, 'r+');
  for (let off = 8192; off < size - 4096; off += 16384) writeSync(fd, Buffer.alloc(4096, 0x5a), 0, 4096, off);
  closeSync(fd);
  // one index page's last cell overwritten: SQLite reads the file, its integrity check fails
  const badIndex = path.join(tmp, 'bad-index.db');
  copyFileSync(path.join(dir, 'broadcart.db'), badIndex);
  const root = Number(sqlite(badIndex, "SELECT rootpage FROM sqlite_master WHERE name = 'sqlite_autoindex_users_1'"));
  const pageSize = Number(sqlite(badIndex, 'PRAGMA page_size'));
  const fd2 = openSync(badIndex, 'r+');
  writeSync(fd2, Buffer.alloc(16, 0x7a), 0, 16, root * pageSize - 20);
  closeSync(fd2);
  const cases = [
    [junk, /is not a SQLite database|cannot be read as a SQLite database/],
    [foreign, /is not a Broadcart database \(it has no schema_migrations table\)/],
    [newer, /has schema version 100000; this broadcart knows 1\.\.\d+/],
    [damaged, /cannot be read as a SQLite database \(database disk image is malformed\)|fails SQLite's integrity check/],
    [badIndex, /fails SQLite's integrity check: .*(index|page)/],
    [path.join(tmp, 'missing'), /missing: No such file/],
    [tmp, /has no broadcart\.db: not a backup directory/],
  ];
  for (const [from, msg] of cases) {
    const r = await run(['restore', '--from', from], srv.env);
    assert.equal(r.code, 1, `${from} is refused`);
    assert.match(r.err, msg, `${from}: ${r.err}`);
    assert.equal(sha(target), was.sha, `${from}: the database is unchanged`);
    assert.deepEqual(files(), was.files, `${from}: nothing added or removed in the data dir`);
  }
  // the good backup restores over the stopped shop; the replaced file is kept aside
  const ok = await run(['restore', '--from', dir], srv.env);
  assert.equal(ok.code, 0, ok.err);
  assert.ok(existsSync(`${target}.before-restore`));
  assert.equal(sqlite(target, 'SELECT name FROM products'), '원본');
  rmSync(srv.dataDir, { recursive: true, force: true });
});

test('with PostgreSQL, backup and restore point at pg_dump and pg_restore', async () => {
  const env = { ...process.env, BROADCART_DATA_DIR: path.join(tmp, 'pg'), BROADCART_DATABASE_URL: 'postgresql://broadcart@127.0.0.1:1/broadcart' };
  const b = await run(['backup', '--to', path.join(tmp, 'pg-backup')], env);
  assert.equal(b.code, 1);
  assert.match(b.err, /PostgreSQL: back it up with pg_dump/);
  assert.match(b.err, /pg_dump --format=custom/);
  assert.ok(!existsSync(path.join(tmp, 'pg-backup')), 'nothing written');
  const r = await run(['restore', '--from', path.join(tmp, 'pg-backup')], env);
  assert.equal(r.code, 1);
  assert.match(r.err, /pg_restore --clean --if-exists/);
});
