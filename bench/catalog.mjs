// Benchmark: the catalog read paths with 10,000 products over 13 categories, on SQLite and on a
// private PostgreSQL 15 cluster (tests/api/lib.mjs). The products are written straight into the
// database by sqlite3 / psql (through the schema's triggers, so the text indexes are built), then
// wrk runs, each for BENCH_SECONDS (default 5) after a short warm-up, on:
//   - product detail (GET /api/v1/products/{id}, ids cycling over all 10,000);
//   - list pages of 20 (every sort, with and without a category filter, pages 1-5, with total);
//   - Korean search: 3+ character substrings ("넥니트", "초콜릿", ...) and 1-2 character ones ("니트");
//   - search with 10,000 distinct queries (cache misses: the text index itself): `상품번호 k`, which
//     every description contains (the index cannot narrow it), and each product's full name (it can);
//   - list and search again while a loop changes one listed product's stock through the API every
//     ~5 ms (as orders do during a live sale).
// Prints req/s, p50/p99 and the server's CPU-ms per request (broadcart's own process; PostgreSQL's
// backends not counted). The load generator shares the machine: run it on a quiet one.
// Usage: node bench/catalog.mjs [sqlite|postgres|both] [connections=64]   (both: about 1.5 minutes;
// BENCH_SECONDS=n sets each run's length, 1..60)
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const which = process.argv[2] || 'both';
const conns = Math.min(Math.max(Number(process.argv[3] || 64), 1), 512);
const seconds = Math.min(Math.max(Number(process.env.BENCH_SECONDS || 5), 1), 60);
if (which === 'both') {
  for (const b of ['sqlite', 'postgres']) {
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), b, String(conns)], {
      stdio: 'inherit', env: { ...process.env, BROADCART_TEST_DATABASE: b === 'postgres' ? 'postgres' : '' },
    });
    if (r.status !== 0) process.exit(r.status || 1);
  }
  process.exit(0);
}
process.env.BROADCART_TEST_DATABASE = which === 'postgres' ? 'postgres' : '';
const { startServer, api, makeUser, DB_BACKEND } = await import('../tests/api/lib.mjs');

const PRODUCTS = 10000, CATEGORIES = 13;
const adjs = ['부드러운', '따뜻한', '가벼운', '포근한', '시원한', '고급', '데일리', '빈티지', '베이직', '프리미엄'];
const mats = ['캐시미어', '울', '면', '린넨', '가죽', '실크', '니트', '데님', '스웨이드', '코듀로이'];
const items = ['라운드넥니트', '브이넥가디건', '롱코트', '숏패딩', '와이드팬츠', '셔츠', '블라우스', '크로스백', '토트백',
  '머플러', '장갑', '비니', '양말', '스니커즈', '부츠', '원피스', '스커트', '후드티', '조끼', '초콜릿'];
const colors = ['블랙', '아이보리', '네이비', '베이지', '그레이'];

const cpuMs = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * 10; // utime + stime, in 100 Hz ticks
};

// Runs an SQL script on the server's database from another process.
function runSql(srv, script) {
  const url = srv.env.BROADCART_DATABASE_URL;
  if (url && url.startsWith('postgresql://')) {
    execFileSync('/usr/lib/postgresql/15/bin/psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', url], { input: script });
  } else {
    execFileSync('sqlite3', ['-cmd', '.timeout 10000', path.join(srv.dataDir, 'broadcart.db')], { input: script });
  }
}

const srv = await startServer({ env: { BROADCART_LOG_LEVEL: 'error' } });
try {
  const [admin, seller] = [await makeUser(srv, 'admin'), await makeUser(srv, 'seller', '벤치 셀러')];
  const cats = [];
  for (let i = 0; i < CATEGORIES; i++) {
    const r = await api(srv, 'POST', '/api/v1/categories', { token: admin.token, body: { name: `카테고리${i}`, slug: `cat-${i}` } });
    if (r.status !== 201) throw new Error(`category: ${r.status} ${JSON.stringify(r.body)}`);
    cats.push(r.body.id);
  }
  const t0 = Date.now(), now = Date.now();
  const rows = [];
  for (let i = 0; i < PRODUCTS; i++) {
    const item = items[i % items.length], mat = mats[Math.floor(i / items.length) % mats.length];
    const adj = adjs[Math.floor(i / 200) % adjs.length], color = colors[Math.floor(i / 2000) % colors.length];
    rows.push(`(${seller.id}, ${cats[i % CATEGORIES]}, '${adj} ${mat} ${item} ${color}', '${mat} 소재의 ${color} ${item}입니다. 상품번호 ${i}',` +
      ` ${1000 + (i % 97) * 500}, 10, 'ON_SALE', '/media/products/${(i % 50) + 1}.svg', ${now - i * 1000}, ${now - i * 1000})`);
  }
  let script = 'BEGIN;\n';
  for (let i = 0; i < rows.length; i += 500) {
    script += 'INSERT INTO products (seller_id, category_id, name, description, price, stock, status, image_url, created_at,' +
      ` updated_at) VALUES ${rows.slice(i, i + 500).join(',\n')};\n`;
  }
  runSql(srv, script + 'COMMIT;\n');
  const first = (await api(srv, 'GET', '/api/v1/products?per_page=1')).body;
  console.log(`${DB_BACKEND}\t${first.total} products over ${CATEGORIES} categories written in ${Date.now() - t0} ms`);
  const lo = first.items[0].id; // the first written (newest)
  for (const s of ['니트', '넥니트']) {
    const r = (await api(srv, 'GET', `/api/v1/products?q=${encodeURIComponent(s)}`)).body;
    console.log(`${DB_BACKEND}\tq=${s}\ttotal ${r.total}\tfirst: ${r.items[0]?.name}`);
  }

  // wrk over paths (each request the next path); with writer, a loop changes one listed product's
  // stock through the API meanwhile, and its rate is printed.
  const run = async (label, paths, writer, { warm = true } = {}) => {
    const lua = path.join(os.tmpdir(), `bc-catalog-${process.pid}.lua`);
    writeFileSync(lua, `local paths = {${paths.map((p) => JSON.stringify(p)).join(',')}}\nlocal n = 0\n` +
      'request = function()\n  n = n + 1\n  return wrk.format("GET", paths[(n % #paths) + 1])\nend\n');
    // warm-up: every path once or more (fills the cache), not counted
    if (warm) execFileSync('wrk', ['-t1', '-c8', `-d${Math.max(1, Math.ceil(paths.length / 4000))}s`, '-s', lua, srv.base + '/'], { encoding: 'utf8' });
    const c0 = cpuMs(srv.proc.pid);
    const job = promisify(execFile)('wrk', ['-t2', `-c${conns}`, `-d${seconds}s`, '--latency', '-s', lua, srv.base + '/'], { encoding: 'utf8' });
    let writes = 0, done = false;
    const w = writer && (async () => {
      while (!done) {
        const r = await api(srv, 'PATCH', `/api/v1/products/${writer.id}`, { token: writer.token, body: { stock: 100 + (writes % 50) } });
        if (r.status !== 200) throw new Error(`writer: ${r.status}`);
        writes++;
        await new Promise((res) => setTimeout(res, 5));
      }
    })();
    const { stdout: out } = await job;
    done = true;
    await w;
    const c1 = cpuMs(srv.proc.pid);
    rmSync(lua, { force: true });
    const rps = Number(out.match(/Requests\/sec:\s+([\d.]+)/)[1]);
    const total = Number(out.match(/(\d+) requests in/)[1]);
    const p50 = out.match(/^\s+50%\s+(\S+)/m)[1], p99 = out.match(/^\s+99%\s+(\S+)/m)[1];
    const non2xx = (out.match(/Non-2xx or 3xx responses: (\d+)/) || [0, '0'])[1];
    console.log(`${DB_BACKEND}\t${label.padEnd(40)}\t${rps.toFixed(0).padStart(7)} req/s\tp50 ${p50}\tp99 ${p99}` +
      `\tserver ${((c1 - c0) / total).toFixed(4)} CPU-ms/req\tnon-2xx ${non2xx}` +
      (writer ? `\tstock writes ${(writes / seconds).toFixed(0)}/s` : ''));
  };
  await run('detail (10,000 ids)', Array.from({ length: PRODUCTS }, (_, k) => `/api/v1/products/${lo + k}`));
  const lists = [];
  for (const sort of ['newest', 'name', 'price_asc', 'price_desc']) {
    for (const cat of [0, ...cats]) {
      for (let page = 1; page <= 5; page++) lists.push(`/api/v1/products?sort=${sort}&page=${page}${cat ? `&category_id=${cat}` : ''}`);
    }
  }
  const long = ['넥니트', '캐시미어', '가디건', '와이드팬츠', '초콜릿', '크로스백', '스니커즈', '코듀로이', '숏패딩', '프리미엄 린넨'];
  const short = ['니트', '가방', '코트', '패딩', '셔츠', '초콜', '부츠', '장갑', '넥', '울'];
  const q = (list) => list.flatMap((s) => [1, 2].map((page) => `/api/v1/products?q=${encodeURIComponent(s)}&page=${page}`));
  await run(`list of 20 (${lists.length} pages)`, lists);
  await run('search 3+ characters (20 pages)', q(long));
  await run('search 1-2 characters (20 pages)', q(short));
  // distinct queries, not warmed: mostly cache misses, i.e. the text index's own speed
  // `상품번호 k` shares a word with every description, so the index cannot narrow it: every row is read
  await run('search, 10,000 distinct 3+ char queries', Array.from({ length: PRODUCTS }, (_, k) => `/api/v1/products?q=${encodeURIComponent(`상품번호 ${k}`)}`), null, { warm: false });
  // a product's full name (unique per product): each query narrows to one row through the index
  const fullName = (i) => `${adjs[Math.floor(i / 200) % adjs.length]} ${mats[Math.floor(i / items.length) % mats.length]} ${items[i % items.length]} ${colors[Math.floor(i / 2000) % colors.length]}`;
  await run('search, 10,000 distinct full product names', Array.from({ length: PRODUCTS }, (_, k) => `/api/v1/products?q=${encodeURIComponent(fullName(k))}`), null, { warm: false });
  const writer = { id: lo, token: seller.token };
  await run(`list of 20 (${lists.length} pages), stock writes`, lists, writer);
  await run('search 3+ characters, stock writes', q(long), writer);
} finally {
  await srv.stop();
}
process.exit(0);
