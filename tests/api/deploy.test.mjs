// The production files in deploy/ work as written: every nginx file passes `nginx -t` once its
// placeholders are filled the way its documented install steps fill them (the RTMP ingest config
// also as an unprivileged user, as broadcart-rtmp.service runs it), the proxy admits the uploads
// broadcart accepts and leaves broadcart's security headers alone, the systemd units pass
// `systemd-analyze verify` (when installed), broadcart.env.example is `broadcart config --env`,
// and no comment in the repository points at files outside it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { gunzipSync } from 'node:zlib';
import path from 'node:path';
import https from 'node:https';
import net from 'node:net';
import { BIN, ROOT, api, freePort, makeUser, startServer } from './lib.mjs';
import { makePng } from './fixtures.mjs';

const DEPLOY = path.join(ROOT, 'deploy');
const NGINX = '/usr/sbin/nginx';
const read = (name) => readFileSync(path.join(DEPLOY, name), 'utf8');
// lines that are not comments (nginx and systemd files use # comments)
const code = (text) => text.split('\n').map((l) => l.replace(/(^|\s)#.*$/, '')).join('\n');
const placeholders = (text) => new Set([...text.matchAll(/\{([A-Z][A-Z_]*)\}/g)].map((m) => m[1]));

let tmp;
before(() => { tmp = mkdtempSync(path.join(os.tmpdir(), 'bc-deploy-')); chmodSync(tmp, 0o755); });
after(() => { rmSync(tmp, { recursive: true, force: true }); });

// The `s#{NAME}#value#g` expressions of the documented sed in a file's comments, as {NAME: value}.
function documentedSed(text) {
  const out = {};
  for (const m of text.matchAll(/s#\{([A-Z_]+)\}#([^#]*)#g/g)) out[m[1]] = m[2];
  return out;
}

// Runs `nginx -t` on conf with prefix; returns {status, output}. opts.user runs it as that user.
function nginxTest(conf, prefix, { user } = {}) {
  const args = ['-t', '-p', prefix, '-c', conf, '-e', path.join(prefix, 'error.log')];
  const r = user
    ? spawnSync('setpriv', [`--reuid=${user}`, '--regid=nogroup', '--clear-groups', NGINX, ...args], { encoding: 'utf8' })
    : spawnSync(NGINX, args, { encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}${r.error ? r.error.message : ''}` };
}

// Every nginx file in deploy/, with how it is checked: 'main' files are a whole nginx.conf (the
// RTMP ingest), 'site' files go inside http {} (sites-enabled).
const nginxFiles = readdirSync(DEPLOY).filter((f) => /nginx/.test(f)).sort()
  .map((f) => ({ name: f, kind: /^\s*events\s*\{/m.test(code(read(f))) ? 'main' : 'site' }));

test('deploy/ holds the nginx files this test checks', () => {
  assert.deepEqual(nginxFiles.map((f) => `${f.name}:${f.kind}`),
    ['nginx-proxy.conf.example:site', 'nginx-rtmp.conf.example:main']);
});

test('nginx-rtmp.conf.example: the documented sed fills every placeholder; nginx -t passes', () => {
  const unit = read('broadcart-rtmp.service');
  const conf = read('nginx-rtmp.conf.example');
  const sed = documentedSed(unit);
  assert.deepEqual(Object.keys(sed).sort(), [...placeholders(conf)].sort(),
    'the sed in broadcart-rtmp.service must fill exactly the placeholders of nginx-rtmp.conf.example');
  assert.equal(sed.CALLBACK_TOKEN, '$TOKEN');
  assert.match(read('broadcart.service'), /TOKEN=\$\(openssl rand -hex 32\)/, 'the install steps define TOKEN');
  const dataDir = path.join(tmp, 'rtmp-data');
  for (const d of ['rtmp/logs', 'hls']) mkdirSync(path.join(dataDir, d), { recursive: true });
  const values = { ...sed, DATA_DIR: dataDir, CALLBACK_TOKEN: randomBytes(32).toString('hex') };
  let filled = conf;
  for (const [k, v] of Object.entries(values)) filled = filled.split(`{${k}}`).join(v);
  assert.deepEqual([...placeholders(filled)], [], 'placeholders left');
  assert.match(code(filled), /^\s*load_module \/usr\/lib\/nginx\/modules\/ngx_rtmp_module\.so;/m);
  assert.doesNotMatch(code(filled), /^\s*user\s/m, 'runs as the unit\'s user: no user line');
  const file = path.join(tmp, 'nginx-rtmp.conf');
  writeFileSync(file, filled);
  const r = nginxTest(file, path.join(dataDir, 'rtmp'));
  assert.equal(r.status, 0, r.output);
  assert.match(r.output, /test is successful/);
  assert.doesNotMatch(r.output, /\[(warn|emerg|alert)\]/, r.output);
});

test('nginx-rtmp.conf: readable by the service user with the documented permissions', { skip: process.getuid() !== 0 && 'needs root (runs nginx -t as nobody)' }, () => {
  const service = read('broadcart.service') + read('broadcart-rtmp.service');
  // /etc/broadcart: 0750 root:broadcart; the config: 0640 root:broadcart (it holds the token)
  assert.match(service, /install -d -m 0750 -o root -g broadcart \/etc\/broadcart/);
  assert.match(service, /umask 027; sed [^\n]*\n[^\n]*> \/etc\/broadcart\/nginx-rtmp\.conf\)/);
  assert.match(service, /chgrp broadcart \/etc\/broadcart\/nginx-rtmp\.conf/);
  assert.match(read('broadcart-rtmp.service'), /^User=broadcart$/m);
  // the same layout with nobody:nogroup standing in for broadcart:broadcart
  const etc = path.join(tmp, 'etc-broadcart');
  const dataDir = path.join(tmp, 'rtmp-data-nobody');
  mkdirSync(etc, { mode: 0o750 });
  chownSync(etc, 0, 65534);
  chmodSync(etc, 0o750);
  for (const d of ['rtmp/logs', 'hls']) mkdirSync(path.join(dataDir, d), { recursive: true });
  for (const d of ['', 'rtmp', 'rtmp/logs', 'hls']) chownSync(path.join(dataDir, d), 65534, 65534);
  let filled = read('nginx-rtmp.conf.example');
  const values = { ...documentedSed(read('broadcart-rtmp.service')), DATA_DIR: dataDir, CALLBACK_TOKEN: randomBytes(32).toString('hex') };
  for (const [k, v] of Object.entries(values)) filled = filled.split(`{${k}}`).join(v);
  const file = path.join(etc, 'nginx-rtmp.conf');
  writeFileSync(file, filled, { mode: 0o640 });
  chownSync(file, 0, 65534);
  chmodSync(file, 0o640);
  const r = nginxTest(file, path.join(dataDir, 'rtmp'), { user: 'nobody' });
  assert.equal(r.status, 0, r.output);
  assert.match(r.output, /test is successful/);
  // and the token stays unreadable for everyone else
  assert.equal(statSync(file).mode & 0o007, 0);
});

test('nginx-proxy.conf.example: nginx -t passes inside http {} with a test certificate', () => {
  const site = read('nginx-proxy.conf.example');
  assert.deepEqual([...placeholders(code(site))], [], 'the proxy config has no placeholders to fill');
  const dir = path.join(tmp, 'proxy');
  mkdirSync(dir);
  const cert = path.join(dir, 'cert.pem'), key = path.join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=shop.example.com'], { stdio: 'ignore' });
  const filled = site.replace(/^(\s*ssl_certificate)\s+\S+;/m, `$1 ${cert};`).replace(/^(\s*ssl_certificate_key)\s+\S+;/m, `$1 ${key};`);
  assert.notEqual(filled, site);
  writeFileSync(path.join(dir, 'site.conf'), filled);
  const temps = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `    ${t}_temp_path ${dir}/${t};`).join('\n');
  writeFileSync(path.join(dir, 'nginx.conf'), `error_log ${dir}/error.log;\npid ${dir}/nginx.pid;\nevents { worker_connections 64; }\n` +
    `http {\n    access_log ${dir}/access.log;\n${temps}\n    include ${dir}/site.conf;\n}\n`);
  const r = nginxTest(path.join(dir, 'nginx.conf'), dir);
  assert.equal(r.status, 0, r.output);
  assert.match(r.output, /test is successful/);
});

test('nginx-proxy.conf.example: admits broadcart\'s uploads, compresses text, passes broadcart\'s security headers', () => {
  const site = code(read('nginx-proxy.conf.example'));
  // the defaults of the settings table (`broadcart config`)
  const table = execFileSync(BIN, ['config'], { encoding: 'utf8', env: { PATH: process.env.PATH } });
  const def = (name) => Number(table.match(new RegExp(`^\\| \`${name}\` \\| \`(\\d+)\` \\|`, 'm'))[1]);
  const maxUpload = def('BROADCART_MAX_UPLOAD'), maxBody = def('BROADCART_MAX_BODY');
  assert.ok(maxUpload >= 5 * 1024 * 1024);
  const sizes = [...site.matchAll(/client_max_body_size\s+(\d+)([kKmMgG]?);/g)]
    .map(([, n, u]) => Number(n) * ({ '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 })[u.toLowerCase()]);
  assert.ok(sizes.length > 0, 'client_max_body_size is set');
  for (const s of sizes) assert.ok(s >= Math.max(maxUpload, maxBody), `client_max_body_size ${s} < ${maxUpload}`);
  assert.match(site, /^\s*gzip on;/m);
  const types = (site.match(/^\s*gzip_types([^;]*);/m) || ['', ''])[1].split(/\s+/).filter(Boolean);
  for (const t of ['application/json', 'application/javascript', 'text/css']) assert.ok(types.includes(t), `gzip_types lacks ${t}`);
  // broadcart sends these itself; a second copy from the proxy could contradict it
  for (const h of ['Content-Security-Policy', 'X-Content-Type-Options', 'Referrer-Policy', 'X-Frame-Options']) {
    assert.doesNotMatch(site, new RegExp(`add_header\\s+${h}\\b`, 'i'), `the proxy adds ${h}`);
    assert.doesNotMatch(site, new RegExp(`proxy_hide_header\\s+${h}\\b`, 'i'), `the proxy hides ${h}`);
  }
  assert.match(site, /add_header Strict-Transport-Security /);
  assert.match(site, /location \^~ \/internal\/ \{ return 404; \}/, 'the RTMP callbacks are never forwarded');
});

// One HTTPS request to 127.0.0.1:port (test certificate accepted). Resolves {status, headers, raw
// (rawHeaders: a header sent twice appears twice), body: Buffer}.
function httpsRequest(port, method, p, { headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, method, path: p, servername: 'shop.example.com', rejectUnauthorized: false,
      headers: { host: 'shop.example.com', ...headers }, timeout: 20000 }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, raw: res.rawHeaders, body: Buffer.concat(chunks) }));
    });
    req.on('timeout', () => req.destroy(new Error('https request timed out')));
    req.on('error', reject);
    req.end(body);
  });
}
const headerCount = (raw, name) => raw.filter((h, i) => i % 2 === 0 && h.toLowerCase() === name.toLowerCase()).length;

test('nginx-proxy.conf.example in front of broadcart: 5 MiB uploads pass, JSON is gzipped, headers are not doubled', { timeout: 60000 }, async () => {
  const dir = path.join(tmp, 'proxy-live');
  mkdirSync(dir);
  const cert = path.join(dir, 'cert.pem'), key = path.join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=shop.example.com'], { stdio: 'ignore' });
  const srv = await startServer();
  let nginx;
  try {
    const [httpPort, httpsPort] = [await freePort(), await freePort()];
    // only what a real install changes: the certificate, and here loopback ports for 80/443 and the upstream's port
    const site = read('nginx-proxy.conf.example')
      .replace(/^(\s*ssl_certificate)\s+\S+;/m, `$1 ${cert};`).replace(/^(\s*ssl_certificate_key)\s+\S+;/m, `$1 ${key};`)
      .replace(/^\s*listen \[::\]:.*$/gm, '')
      .replace(/^(\s*)listen 80;/m, `$1listen 127.0.0.1:${httpPort};`)
      .replace(/^(\s*)listen 443 /m, `$1listen 127.0.0.1:${httpsPort} `)
      .replace(/server 127\.0\.0\.1:8080;/, `server 127.0.0.1:${srv.port};`);
    writeFileSync(path.join(dir, 'site.conf'), site);
    const temps = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `    ${t}_temp_path ${dir}/${t};`).join('\n');
    writeFileSync(path.join(dir, 'nginx.conf'), `daemon off;\nerror_log ${dir}/error.log;\npid ${dir}/nginx.pid;\n` +
      `events { worker_connections 64; }\nhttp {\n    access_log ${dir}/access.log;\n${temps}\n    include /etc/nginx/mime.types;\n` +
      `    include ${dir}/site.conf;\n}\n`);
    nginx = spawn(NGINX, ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', path.join(dir, 'error.log')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let nginxErr = '';
    nginx.stderr.on('data', (d) => { nginxErr += d; });
    const end = Date.now() + 10000;
    while (!(await new Promise((r) => { const c = net.connect(httpsPort, '127.0.0.1', () => { c.end(); r(true); }); c.on('error', () => r(false)); }))) {
      if (Date.now() > end || nginx.exitCode !== null) throw new Error(`nginx did not start: ${nginxErr}`);
      await new Promise((r) => setTimeout(r, 50));
    }

    const seller = await makeUser(srv, 'seller');
    const png = makePng(3, 2);
    const image = Buffer.concat([png, Buffer.alloc(5242880 - png.length)]); // BROADCART_MAX_UPLOAD's default, exactly
    const up = await httpsRequest(httpsPort, 'POST', '/api/v1/media/images', {
      headers: { authorization: `Bearer ${seller.token}`, 'content-type': 'image/png' }, body: image,
    });
    assert.equal(up.status, 201, up.body.toString().slice(0, 300));
    const url = JSON.parse(up.body).url;
    const back = await httpsRequest(httpsPort, 'GET', url);
    assert.equal(back.status, 200);
    assert.equal(back.body.length, image.length);

    const doc = await httpsRequest(httpsPort, 'GET', '/api/openapi.json', { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(doc.status, 200);
    assert.equal(doc.headers['content-encoding'], 'gzip');
    assert.ok(JSON.parse(gunzipSync(doc.body)).paths);

    const direct = await api(srv, 'GET', '/');
    const page = await httpsRequest(httpsPort, 'GET', '/');
    assert.equal(page.status, 200);
    assert.equal(headerCount(page.raw, 'strict-transport-security'), 1);
    for (const h of ['content-security-policy', 'x-content-type-options', 'referrer-policy']) {
      // exactly what broadcart sent: passed through, never added or doubled
      assert.equal(headerCount(page.raw, h), direct.headers.get(h) === null ? 0 : 1, h);
      assert.equal(page.headers[h], direct.headers.get(h) ?? undefined, h);
    }
    assert.equal((await httpsRequest(httpsPort, 'POST', '/internal/rtmp/on_publish')).status, 404);
  } finally {
    if (nginx && nginx.exitCode === null) {
      const gone = new Promise((r) => nginx.once('exit', r));
      nginx.kill('SIGTERM');
      await gone;
    }
    await srv.stop();
  }
});

const haveSystemdAnalyze = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].some(existsSync);
test('systemd units pass systemd-analyze verify', { skip: !haveSystemdAnalyze && 'systemd-analyze not installed' }, () => {
  const dir = path.join(tmp, 'units');
  mkdirSync(dir);
  const units = readdirSync(DEPLOY).filter((f) => f.endsWith('.service')).sort();
  assert.deepEqual(units, ['broadcart-rtmp.service', 'broadcart.service']);
  for (const u of units) {
    // installed as /usr/local/bin/broadcart by `meson install`; here the binary under test stands in
    writeFileSync(path.join(dir, u), read(u).split('/usr/local/bin/broadcart').join(path.resolve(BIN)));
  }
  const r = spawnSync('systemd-analyze', ['verify', '--man=no', ...units.map((u) => path.join(dir, u))], { encoding: 'utf8' });
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  const complaints = `${r.stdout}${r.stderr}`.split('\n').filter((l) => l.includes('.service'));
  assert.deepEqual(complaints, []);
});

test('broadcart.env.example is the output of broadcart config --env (regenerate: make env-example)', () => {
  const out = execFileSync(BIN, ['config', '--env'], { encoding: 'utf8', env: { PATH: process.env.PATH } });
  assert.equal(read('broadcart.env.example'), out, 'deploy/broadcart.env.example is stale: run make env-example');
  const table = execFileSync(BIN, ['config'], { encoding: 'utf8', env: { PATH: process.env.PATH } });
  const names = [...table.matchAll(/^\| `(BROADCART_[A-Z0-9_]+)` \|/gm)].map((m) => m[1]);
  assert.ok(names.length > 20);
  for (const n of names) assert.match(out, new RegExp(`^#?${n}=`, 'm'), `${n} missing from config --env`);
  // the units expect these values, and the token is the placeholder the install steps fill
  assert.match(out, /^BROADCART_HTTP_HOST=127\.0\.0\.1$/m);
  assert.match(out, /^BROADCART_DATA_DIR=\/var\/lib\/broadcart$/m);
  assert.match(out, /^BROADCART_RTMP_CALLBACK_TOKEN=\{CALLBACK_TOKEN\}$/m);
  assert.deepEqual(Object.keys(documentedSed(read('broadcart.service'))), ['CALLBACK_TOKEN'],
    'the install steps fill {CALLBACK_TOKEN} in broadcart.env');
  // the file is valid as a BROADCART_CONFIG file once the placeholder is filled
  const file = path.join(tmp, 'broadcart.env');
  writeFileSync(file, out.replace('{CALLBACK_TOKEN}', randomBytes(32).toString('hex')));
  execFileSync(BIN, ['config'], { env: { PATH: process.env.PATH, BROADCART_CONFIG: file }, stdio: 'ignore' });
});

// The repository's files (git ls-files; without git, the tree less build output and node_modules).
function repoFiles() {
  const git = spawnSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' });
  if (git.status === 0 && git.stdout.trim()) return git.stdout.split('\n').filter(Boolean);
  const out = [];
  const walk = (rel) => {
    for (const e of readdirSync(path.join(ROOT, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory() && !/^(\.git|node_modules|build[^/]*|var|test-results)$/.test(r)) walk(r);
      else if (e.isFile()) out.push(r);
    }
  };
  walk('');
  return out;
}

test('no file in the repository points at paths outside it', () => {
  const files = repoFiles()
    .filter((f) => !/^(package-lock\.json|web\/vendor\/)/.test(f) && existsSync(path.join(ROOT, f)) &&
      statSync(path.join(ROOT, f)).isFile());
  assert.ok(files.length > 50);
  // written in pieces so that this file does not match itself
  const bad = new RegExp(['/' + 'work/', '\\.\\./' + 'shared/', '(^|[\\s(`"])' + 'shared/docs', '<' + 'eval-dir>',
    '/' + 'eval[-_]?dirs?/'].join('|'));
  const hits = [];
  for (const f of files) {
    const text = readFileSync(path.join(ROOT, f), 'utf8');
    text.split('\n').forEach((line, i) => { if (bad.test(line)) hits.push(`${f}:${i + 1}: ${line.trim()}`); });
  }
  assert.deepEqual(hits, []);
});
