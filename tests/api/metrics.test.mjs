// Observability: GET /metrics in the Prometheus text format 0.0.4 (checked by promtool, Debian's
// prometheus package, which `make deps` installs, and read with the strict parser below), its
// counters moving with real requests, payments, orders and WebSocket viewers; who may read it
// (loopback, behind a trusted proxy the forwarded client, BROADCART_METRICS_TOKEN); GET /readyz;
// and BROADCART_LOG_FORMAT=json.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { startServer, api, makeUser, payOrder, goLive, freePort, DB_BACKEND } from './lib.mjs';
import { viewer } from './room.mjs';
import { startRedis } from './redis.mjs';

const PROMTOOL = '/usr/bin/promtool';
const TOKEN = randomBytes(24).toString('hex');
const ADDR = { recipient: '홍길동', phone: '010-1234-5678', postcode: '06236', address1: '서울 강남구 테헤란로 1' };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- a strict reader of the text format 0.0.4 ----
// Grammar (Prometheus "Exposition formats", text format 0.0.4): lines end in \n; "# HELP name text"
// (text escapes \\ and \n), "# TYPE name counter|gauge|histogram|summary|untyped", other "#" lines are
// comments; a sample is name[{label="value",...}] value [timestamp], names [a-zA-Z_:][a-zA-Z0-9_:]*,
// label names [a-zA-Z_][a-zA-Z0-9_]*, label values with the escapes \\, \" and \n only; values are
// Go floats (NaN, +Inf, -Inf too). A TYPE line comes before the family's samples, at most once.
const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*/;
function parseExposition(text) {
  assert.ok(text.endsWith('\n'), 'the text ends with a line feed');
  const families = new Map(); // name -> {type, help, samples: [{name, labels, value}]}
  const family = (name) => {
    if (!families.has(name)) families.set(name, { type: 'untyped', help: null, samples: [] });
    return families.get(name);
  };
  const owner = (name) => {
    for (const suffix of ['_bucket', '_sum', '_count']) {
      const base = name.endsWith(suffix) ? name.slice(0, -suffix.length) : null;
      if (base && families.get(base)?.type === 'histogram') return base;
    }
    return name;
  };
  const lines = text.slice(0, -1).split('\n');
  for (const [i, line] of lines.entries()) {
    const where = `line ${i + 1}: ${line}`;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
      if (!m) continue; // a comment
      const f = family(m[2]);
      if (m[1] === 'HELP') {
        assert.equal(f.help, null, `${where}: a second HELP`);
        assert.doesNotMatch(m[3].replace(/\\[\\n]/g, ''), /\\/, `${where}: a bad escape in HELP`);
        f.help = m[3];
      } else {
        assert.ok(['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(m[3]), `${where}: type`);
        assert.equal(f.samples.length, 0, `${where}: TYPE after samples`);
        assert.ok(!f.typed, `${where}: a second TYPE`);
        f.type = m[3];
        f.typed = true;
      }
      continue;
    }
    assert.notEqual(line.trim(), '', `${where}: an empty line`);
    let rest = line;
    const name = NAME.exec(rest)?.[0];
    assert.ok(name, `${where}: metric name`);
    rest = rest.slice(name.length);
    const labels = {};
    if (rest.startsWith('{')) {
      rest = rest.slice(1);
      while (!rest.startsWith('}')) {
        const ln = LABEL.exec(rest)?.[0];
        assert.ok(ln, `${where}: label name`);
        rest = rest.slice(ln.length);
        assert.ok(rest.startsWith('="'), `${where}: ="`);
        rest = rest.slice(2);
        let v = '';
        for (;;) {
          assert.ok(rest.length, `${where}: unterminated label value`);
          const c = rest[0];
          if (c === '"') { rest = rest.slice(1); break; }
          if (c === '\\') {
            const e = rest[1];
            assert.ok(e === '\\' || e === '"' || e === 'n', `${where}: bad escape \\${e}`);
            v += e === 'n' ? '\n' : e;
            rest = rest.slice(2);
          } else { v += c; rest = rest.slice(1); }
        }
        assert.ok(!(ln in labels), `${where}: label ${ln} twice`);
        labels[ln] = v;
        if (rest.startsWith(',')) rest = rest.slice(1);
        else assert.ok(rest.startsWith('}'), `${where}: , or }`);
      }
      rest = rest.slice(1);
    }
    const m = /^ (\S+)( -?\d+)?$/.exec(rest);
    assert.ok(m, `${where}: value`);
    const value = m[1] === '+Inf' ? Infinity : m[1] === '-Inf' ? -Infinity : m[1] === 'NaN' ? NaN : Number(m[1]);
    assert.ok(m[1] === 'NaN' || !Number.isNaN(value), `${where}: value ${m[1]}`);
    family(owner(name)).samples.push({ name, labels, value });
  }
  return families;
}

// The value of the sample name{labels} (exact label set), or undefined.
function value(fams, name, labels = {}) {
  for (const f of fams.values())
    for (const s of f.samples)
      if (s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === JSON.stringify(Object.entries(labels).sort()))
        return s.value;
  return undefined;
}
const samples = (fams, name) => [...fams.values()].flatMap((f) => f.samples.filter((s) => s.name === name));
const key = (labels) => JSON.stringify(Object.entries(labels).sort());

function promtool(text) {
  const r = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

async function scrape(srv, headers = {}) {
  const r = await fetch(`${srv.base}/metrics`, { headers });
  assert.equal(r.status, 200, await r.clone().text());
  assert.equal(r.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  const text = await r.text();
  return { text, fams: parseExposition(text) };
}

let srv, seller, buyer, product;
before(async () => {
  srv = await startServer({ env: { BROADCART_RTMP_CALLBACK_TOKEN: TOKEN } });
  seller = await makeUser(srv, 'seller', 'Metrics Seller');
  buyer = await makeUser(srv, 'buyer', 'Metrics Buyer');
  const p = await api(srv, 'POST', '/api/v1/products', { token: seller.token, body: { name: 'Gauge mug', price: 12300, stock: 50 } });
  assert.equal(p.status, 201, JSON.stringify(p.body));
  product = p.body.id;
});
after(async () => { await srv?.stop(); });

test('the output is valid text format 0.0.4: promtool check metrics passes; every family has HELP and TYPE', async () => {
  await api(srv, 'GET', '/healthz');
  const { text, fams } = await scrape(srv);
  if (existsSync(PROMTOOL)) {
    const r = promtool(text);
    assert.equal(r.status, 0, r.output);
    assert.equal(r.output.trim(), '', `promtool lint findings:\n${r.output}`);
  } else {
    assert.ok(!process.env.CI, 'promtool (Debian package prometheus, make deps) is missing');
  }
  for (const [name, f] of fams) {
    assert.ok(f.help, `${name}: HELP`);
    assert.ok(f.typed, `${name}: TYPE`);
    if (f.type === 'counter') assert.match(name, /_total$/, `${name}: a counter ends in _total`);
  }
  const expected = {
    broadcart_build_info: 'gauge', process_start_time_seconds: 'gauge',
    broadcart_http_requests_total: 'counter', broadcart_http_request_duration_seconds: 'histogram',
    broadcart_worker_queue_depth: 'gauge', broadcart_db_tx_retries_total: 'counter',
    broadcart_gateway_calls_total: 'counter', broadcart_gateway_errors_total: 'counter',
    broadcart_ws_connections: 'gauge', broadcart_ws_messages_received_total: 'counter',
    broadcart_ws_messages_sent_total: 'counter', broadcart_live_viewers: 'gauge',
    broadcart_orders_created_total: 'counter', broadcart_orders_paid_total: 'counter',
    broadcart_revenue_krw_total: 'counter',
  };
  for (const [name, type] of Object.entries(expected)) assert.equal(fams.get(name)?.type, type, name);
  const build = samples(fams, 'broadcart_build_info');
  assert.equal(build.length, 1);
  assert.equal(build[0].value, 1);
  assert.match(build[0].labels.version, /^\d+\.\d+\.\d+/);
  assert.equal(build[0].labels.backend, DB_BACKEND === 'postgres' ? 'postgresql' : 'sqlite');
  const start = value(fams, 'process_start_time_seconds');
  assert.ok(start > Date.now() / 1000 - 600 && start <= Date.now() / 1000, `start time ${start}`);
  for (const pool of ['main', 'pwhash']) assert.ok(value(fams, 'broadcart_worker_queue_depth', { pool }) >= 0, pool);
});

test('a request to a route moves exactly its route/status series; labels are route patterns; histograms are cumulative', async () => {
  const before = (await scrape(srv)).fams;
  for (let i = 0; i < 3; i++) assert.equal((await api(srv, 'GET', '/api/v1/products/987654321')).status, 404);
  for (let i = 0; i < 2; i++) assert.equal((await api(srv, 'GET', '/healthz')).status, 200);
  assert.equal((await api(srv, 'GET', '/api/v1/no-such-thing')).status, 404);
  const afterText = (await scrape(srv)).text;
  const now = parseExposition(afterText);
  const was = new Map(samples(before, 'broadcart_http_requests_total').map((s) => [key(s.labels), s.value]));
  const moved = {};
  for (const s of samples(now, 'broadcart_http_requests_total')) {
    const d = s.value - (was.get(key(s.labels)) || 0);
    if (d) moved[`${s.labels.method} ${s.labels.route} ${s.labels.status}`] = d;
  }
  assert.deepEqual(moved, {
    'GET /api/v1/products/{id} 404': 3,
    'GET /healthz 200': 2,
    '* (unmatched) 404': 1,
    'GET /metrics 200': 1, // the first scrape, counted once it was answered
  });
  assert.doesNotMatch(afterText, /987654321|no-such-thing/, 'raw URLs never become labels');
  // the histogram of the route: cumulative buckets, +Inf = _count = requests, _sum > 0
  const lbl = { method: 'GET', route: '/api/v1/products/{id}' };
  const buckets = samples(now, 'broadcart_http_request_duration_seconds_bucket')
    .filter((s) => s.labels.route === lbl.route && s.labels.method === 'GET');
  assert.ok(buckets.length >= 2);
  const les = buckets.map((b) => (b.labels.le === '+Inf' ? Infinity : Number(b.labels.le)));
  assert.deepEqual(les, [...les].sort((a, b) => a - b), 'buckets in increasing le');
  assert.equal(les.at(-1), Infinity);
  for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i].value >= buckets[i - 1].value, 'cumulative');
  const count = value(now, 'broadcart_http_request_duration_seconds_count', lbl);
  assert.equal(count, 3);
  assert.equal(buckets.at(-1).value, count);
  assert.ok(value(now, 'broadcart_http_request_duration_seconds_sum', lbl) > 0);
  // every route's histogram agrees with its counters
  const byRoute = {};
  for (const s of samples(now, 'broadcart_http_requests_total')) {
    const k = `${s.labels.method} ${s.labels.route}`;
    byRoute[k] = (byRoute[k] || 0) + s.value;
  }
  for (const s of samples(now, 'broadcart_http_request_duration_seconds_count')) {
    const k = `${s.labels.method} ${s.labels.route}`;
    assert.equal(s.value, byRoute[k], k);
  }
});

test('a sandbox payment moves the gateway counter; orders created, paid and revenue follow a paid order', async () => {
  const before = (await scrape(srv)).fams;
  const o = await api(srv, 'POST', '/api/v1/orders', { token: buyer.token, body: { items: [{ product_id: product, quantity: 2 }], shipping_address: ADDR } });
  assert.equal(o.status, 201, JSON.stringify(o.body));
  const mid = (await scrape(srv)).fams;
  assert.equal(value(mid, 'broadcart_orders_created_total') - value(before, 'broadcart_orders_created_total'), 1);
  assert.equal(value(mid, 'broadcart_orders_paid_total'), value(before, 'broadcart_orders_paid_total'));
  await payOrder(srv, buyer, o.body);
  const now = (await scrape(srv)).fams;
  const d = (name, labels) => value(now, name, labels) - value(before, name, labels);
  assert.ok(d('broadcart_gateway_calls_total', { provider: 'toss' }) >= 1, 'the confirm call went to the gateway');
  assert.equal(d('broadcart_gateway_errors_total', { provider: 'toss' }), 0);
  assert.equal(d('broadcart_gateway_calls_total', { provider: 'portone' }), 0);
  assert.equal(d('broadcart_orders_created_total'), 1);
  assert.equal(d('broadcart_orders_paid_total'), 1);
  assert.equal(d('broadcart_revenue_krw_total'), o.body.amount);
  assert.ok(o.body.amount >= 24600);
  // a refused order (unknown product) creates nothing
  const bad = await api(srv, 'POST', '/api/v1/orders', { token: buyer.token, body: { items: [{ product_id: 987654321, quantity: 1 }], shipping_address: ADDR } });
  assert.ok(bad.status >= 400);
  assert.equal(value((await scrape(srv)).fams, 'broadcart_orders_created_total'), value(now, 'broadcart_orders_created_total'));
});

test('the viewers gauge follows a WebSocket viewer of a live on air joining and leaving', async () => {
  const l = await api(srv, 'POST', '/api/v1/lives', { token: seller.token, body: { title: 'Metrics live', scheduled_at: '2026-12-01T10:00:00Z', product_ids: [product] } });
  assert.equal(l.status, 201, JSON.stringify(l.body));
  const live = l.body;
  const gauge = async () => value((await scrape(srv)).fams, 'broadcart_live_viewers', { live_id: String(live.id) });
  const early = await viewer(srv, live.id, buyer.token); // watching a scheduled live: not on air
  assert.equal(await gauge(), undefined, 'only lives on air have a series');
  early.ws.close();
  await goLive(srv, TOKEN, live);
  const until = async (want) => {
    for (let i = 0; i < 50; i++) {
      if ((await gauge()) === want) return;
      await sleep(100);
    }
    assert.equal(await gauge(), want);
  };
  await until(0);
  const before = (await scrape(srv)).fams;
  const v = await viewer(srv, live.id, buyer.token);
  await until(1);
  const mid = (await scrape(srv)).fams;
  assert.ok(value(mid, 'broadcart_ws_connections') >= 1);
  assert.ok(value(mid, 'broadcart_ws_connections_opened_total') > value(before, 'broadcart_ws_connections_opened_total'));
  v.chat('hello metrics');
  for (let i = 0; i < 50 && !v.chats('hello metrics').length; i++) await sleep(50);
  assert.equal(v.chats('hello metrics').length, 1);
  const sent = (await scrape(srv)).fams;
  assert.ok(value(sent, 'broadcart_ws_messages_received_total') > value(before, 'broadcart_ws_messages_received_total'));
  assert.ok(value(sent, 'broadcart_ws_messages_sent_total') > value(before, 'broadcart_ws_messages_sent_total'));
  v.ws.close();
  await until(0);
  const end = (await scrape(srv)).fams;
  assert.equal(value(end, 'broadcart_ws_connections'), value(before, 'broadcart_ws_connections'));
});

test('access: loopback reads; behind a trusted proxy the forwarded client needs BROADCART_METRICS_TOKEN', async () => {
  // no trusted proxy: X-Forwarded-For is not believed, the loopback peer reads
  assert.equal((await fetch(`${srv.base}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.7' } })).status, 200);
  const metricsToken = randomBytes(16).toString('hex');
  const p = await startServer({ env: { BROADCART_TRUSTED_PROXIES: '127.0.0.1', BROADCART_METRICS_TOKEN: metricsToken, BROADCART_RTMP_CALLBACK_TOKEN: TOKEN } });
  try {
    const get = (headers) => api(p, 'GET', '/metrics', { headers });
    assert.equal((await get({})).status, 200, 'the proxy host itself (no X-Forwarded-For) is loopback');
    assert.equal((await get({ 'x-forwarded-for': '127.0.0.1' })).status, 200, 'a loopback client through the proxy');
    const refused = await get({ 'x-forwarded-for': '203.0.113.7' });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, 'FORBIDDEN');
    assert.equal((await get({ 'x-forwarded-for': '203.0.113.7', authorization: `Bearer ${metricsToken}x` })).status, 403);
    assert.equal((await get({ 'x-forwarded-for': '203.0.113.7', authorization: `Bearer ${metricsToken.slice(1)}` })).status, 403);
    assert.equal((await get({ 'x-forwarded-for': '203.0.113.7', authorization: `Basic ${metricsToken}` })).status, 403);
    const ok = await get({ 'x-forwarded-for': '203.0.113.7', authorization: `Bearer ${metricsToken}` });
    assert.equal(ok.status, 200);
    assert.match(ok.body, /^# HELP /);
    // the same rule guards the other loopback-only routes: a forwarded public client is not loopback
    const cb = await api(p, 'POST', `/internal/rtmp/on_publish?token=${TOKEN}`, {
      raw: 'app=live&name=1&key=x&clientid=1&call=publish', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': '203.0.113.7' },
    });
    assert.equal(cb.status, 403);
  } finally { await p.stop(); }
  // a trusted proxy without a token: forwarded public clients are refused whatever they send
  const q = await startServer({ env: { BROADCART_TRUSTED_PROXIES: '127.0.0.1' } });
  try {
    assert.equal((await api(q, 'GET', '/metrics', { headers: { 'x-forwarded-for': '198.51.100.1', authorization: 'Bearer ' } })).status, 403);
    assert.equal((await api(q, 'GET', '/metrics', { headers: { 'x-forwarded-for': '198.51.100.1' } })).status, 403);
  } finally { await q.stop(); }
});

test('GET /readyz: ready with the database; Redis checked when configured (503 NOT_READY while it is down)', async () => {
  const r = await api(srv, 'GET', '/readyz');
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, { status: 'ready', checks: { database: 'ok', redis: 'not configured' } });
  assert.equal((await api(srv, 'GET', '/healthz')).status, 200, '/healthz stays');
  const port = await freePort();
  const redis = await startRedis(port);
  const s = await startServer({ env: { BROADCART_REDIS_URL: `redis://127.0.0.1:${port}` } });
  try {
    let ok;
    for (let i = 0; i < 50; i++) {
      ok = await api(s, 'GET', '/readyz');
      if (ok.status === 200) break;
      await sleep(100);
    }
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.deepEqual(ok.body.checks, { database: 'ok', redis: 'ok' });
    await redis.stop();
    let down;
    for (let i = 0; i < 50; i++) {
      down = await api(s, 'GET', '/readyz');
      if (down.status === 503) break;
      await sleep(100);
    }
    assert.equal(down.status, 503);
    assert.equal(down.body.error.code, 'NOT_READY');
    assert.deepEqual(down.body.checks, { database: 'ok', redis: 'unreachable' });
  } finally { await s.stop(); await redis.stop(); }
});

test('GET /readyz answers 503 when the database is gone (PostgreSQL: the database is dropped)', { skip: DB_BACKEND !== 'postgres' && 'SQLite: an open database file cannot be taken away from the workers' }, async () => {
  const s = await startServer();
  try {
    assert.equal((await api(s, 'GET', '/readyz')).status, 200);
    const url = new URL(s.env.BROADCART_DATABASE_URL);
    execFileSync('/usr/lib/postgresql/15/bin/psql', ['-X', '-q', '-h', url.hostname, '-p', url.port, '-U', 'postgres', '-d', 'postgres',
      '-c', `DROP DATABASE ${url.pathname.slice(1)} WITH (FORCE)`], { encoding: 'utf8' });
    const r = await api(s, 'GET', '/readyz');
    assert.equal(r.status, 503, JSON.stringify(r.body));
    assert.equal(r.body.error.code, 'NOT_READY');
    assert.equal(r.body.checks.database, 'unreachable');
  } finally { await s.stop(); }
});

test('BROADCART_LOG_FORMAT=json: every stderr line is one JSON object with ts, level, module, msg and the request id', async () => {
  const s = await startServer({ env: { BROADCART_LOG_FORMAT: 'json', BROADCART_LOG_LEVEL: 'info' } });
  let err;
  try {
    assert.equal((await api(s, 'GET', '/healthz', { headers: { 'x-request-id': 'obs-test-1' } })).status, 200);
    // a request line with a quote, a backslash and a bidi override in the path: the access line escapes them
    await new Promise((resolve, reject) => {
      const c = net.connect(s.port, '127.0.0.1', () => c.end(Buffer.from('GET /x"y\\z\u202e HTTP/1.1\r\nHost: a\r\nX-Request-Id: obs-test-2\r\nConnection: close\r\n\r\n', 'utf8')));
      c.on('data', () => {});
      c.on('close', resolve);
      c.on('error', reject);
    });
    for (let i = 0; i < 50 && !/obs-test-2/.test(s.stderr()); i++) await sleep(50);
  } finally { await s.stop(); err = s.stderr(); }
  const lines = err.split('\n').filter((l) => l !== '');
  assert.ok(lines.length >= 3, err);
  const recs = lines.map((l) => {
    let o;
    assert.doesNotThrow(() => { o = JSON.parse(l); }, `not JSON: ${l}`);
    assert.equal(typeof o, 'object');
    assert.match(o.ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, l);
    assert.ok(['debug', 'info', 'warn', 'error'].includes(o.level), l);
    assert.equal(typeof o.module, 'string');
    assert.equal(typeof o.msg, 'string');
    for (const k of Object.keys(o)) assert.ok(['ts', 'level', 'module', 'msg', 'request_id'].includes(k), `key ${k}`);
    return o;
  });
  const access = recs.find((o) => o.module === 'access' && o.request_id === 'obs-test-1');
  assert.ok(access, 'the access line carries the request id');
  assert.match(access.msg, /^GET \/healthz 200 /);
  const odd = recs.find((o) => o.request_id === 'obs-test-2');
  assert.ok(odd, 'the odd request was logged');
  assert.ok(odd.msg.includes('/x"y\\z\u202e'), odd.msg);
  assert.ok(recs.some((o) => !('request_id' in o)), 'lines outside a request have no request_id');
});
