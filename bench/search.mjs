// Benchmark: Korean product search (GET /api/v1/products?q=) on the backend this run uses
// (BROADCART_TEST_DATABASE=postgres for a private PostgreSQL 15 cluster, else SQLite). Creates
// 10,000 products over 13 categories through the API (names and descriptions built from word
// lists), then runs wrk for 5 s on 2-character queries (LIKE path) and 5 s on 3+-character queries
// (text index path; word-list queries matching 5-15% of the products each, then product numbers
// matching one), each request taking the next query of its list. Prints searches/s, p50/p99
// and the server's CPU-ms per search (broadcart's own process; PostgreSQL's backends not counted).
// Usage: [BROADCART_TEST_DATABASE=postgres] node bench/search.mjs [connections=32]
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, api, makeUser, DB_BACKEND } from '../tests/api/lib.mjs';

const conns = Math.min(Math.max(Number(process.argv[2] || 32), 1), 256);
const PRODUCTS = 10000, CATEGORIES = 13, WRITERS = 16;
const adjs = ['부드러운', '따뜻한', '가벼운', '포근한', '시원한', '고급', '데일리', '빈티지', '베이직', '프리미엄'];
const mats = ['캐시미어', '울', '면', '린넨', '가죽', '실크', '니트', '데님', '스웨이드', '코듀로이'];
const items = ['라운드넥니트', '브이넥가디건', '롱코트', '숏패딩', '와이드팬츠', '셔츠', '블라우스', '크로스백', '토트백',
  '머플러', '장갑', '비니', '양말', '스니커즈', '부츠', '원피스', '스커트', '후드티', '조끼', '초콜릿'];
const colors = ['블랙', '아이보리', '네이비', '베이지', '그레이'];
const short = ['니트', '가방', '코트', '패딩', '셔츠', '초콜', '부츠', '장갑', '울', '넥'];
const long = ['넥니트', '캐시미어', '가디건', '와이드팬츠', '초콜릿', '크로스백', '스니커즈', '코듀로이', '숏패딩', '프리미엄 린넨'];

const cpuMs = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * 10; // utime + stime, in 100 Hz ticks
};

const srv = await startServer();
try {
  const [admin, seller] = [await makeUser(srv, 'admin'), await makeUser(srv, 'seller', '벤치 셀러')];
  const cats = [];
  for (let i = 0; i < CATEGORIES; i++) {
    const r = await api(srv, 'POST', '/api/v1/categories', { token: admin.token, body: { name: `카테고리${i}`, slug: `cat-${i}` } });
    if (r.status !== 201) throw new Error(`category: ${r.status} ${JSON.stringify(r.body)}`);
    cats.push(r.body.id);
  }
  let next = 0;
  const t0 = Date.now();
  await Promise.all(Array.from({ length: WRITERS }, async () => {
    while (next < PRODUCTS) {
      const i = next++;
      const item = items[i % items.length], mat = mats[Math.floor(i / items.length) % mats.length];
      const adj = adjs[Math.floor(i / 200) % adjs.length], color = colors[Math.floor(i / 2000) % colors.length];
      const r = await api(srv, 'POST', '/api/v1/products', {
        token: seller.token,
        body: { name: `${adj} ${mat} ${item} ${color}`, description: `${mat} 소재의 ${color} ${item}입니다. 상품번호 ${i}`,
          price: 1000 + (i % 97) * 500, stock: 10, category_id: cats[i % CATEGORIES] },
      });
      if (r.status !== 201) throw new Error(`product ${i}: ${r.status} ${JSON.stringify(r.body)}`);
    }
  }));
  console.log(`${DB_BACKEND}\tcreated ${PRODUCTS} products over ${CATEGORIES} categories in ${Date.now() - t0} ms`);
  for (const q of ['니트', '넥니트']) {
    const r = await api(srv, 'GET', `/api/v1/products?q=${encodeURIComponent(q)}`);
    console.log(`${DB_BACKEND}\tq=${q}\ttotal ${r.body.total}`);
  }
  const run = (label, queries) => {
    const lua = path.join(os.tmpdir(), `bc-search-${process.pid}.lua`);
    const paths = queries.map((q) => `/api/v1/products?q=${encodeURIComponent(q)}`);
    writeFileSync(lua, `local paths = {${paths.map((p) => JSON.stringify(p)).join(',')}}\nlocal n = 0\n` +
      'request = function()\n  n = n + 1\n  return wrk.format("GET", paths[(n % #paths) + 1])\nend\n');
    const c0 = cpuMs(srv.proc.pid);
    const out = execFileSync('wrk', ['-t1', `-c${conns}`, '-d5s', '--latency', '-s', lua, srv.base + '/'], { encoding: 'utf8' });
    const c1 = cpuMs(srv.proc.pid);
    rmSync(lua, { force: true });
    const rps = Number(out.match(/Requests\/sec:\s+([\d.]+)/)[1]);
    const total = Number(out.match(/(\d+) requests in/)[1]);
    const p50 = out.match(/^\s+50%\s+(\S+)/m)[1], p99 = out.match(/^\s+99%\s+(\S+)/m)[1];
    const non2xx = (out.match(/Non-2xx or 3xx responses: (\d+)/) || [0, '0'])[1];
    console.log(`${DB_BACKEND}\t${label}\t${rps.toFixed(0)} searches/s\tp50 ${p50}\tp99 ${p99}` +
      `\tserver ${((c1 - c0) / total).toFixed(3)} CPU-ms/search\tnon-2xx ${non2xx}`);
  };
  run('q of 2 characters (LIKE)', short.filter((q) => q.length <= 2));
  run('q of 3+ characters (index)', long);
  run('q of 3+ characters, 1 match each (index)', Array.from({ length: 10 }, (_, k) => `상품번호 ${1000 + k * 797}`));
} finally {
  await srv.stop();
}
process.exit(0);
