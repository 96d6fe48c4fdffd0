// The production files in deploy/ work as written: every nginx file passes `nginx -t` once its
// placeholders are filled the way its documented install steps fill them (the RTMP ingest config
// also as an unprivileged user, as broadcart-rtmp.service runs it), the proxy admits the uploads
// broadcart accepts and leaves broadcart's security headers alone, the systemd units pass
// `systemd-analyze verify` (when installed), broadcart.env.example is `broadcart config --env`,
// and no comment in the repository points at files outside it. The cluster example
// (broadcart@.service, nginx-cluster.conf.example, cluster.env.example) is checked the same way, and
// its nginx config runs in front of two instances.
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
import WebSocket from 'ws';

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
    ['nginx-cluster.conf.example:site', 'nginx-proxy.conf.example:site', 'nginx-rtmp.conf.example:main']);
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
  assert.deepEqual(units, ['broadcart-rtmp.service', 'broadcart.service', 'broadcart@.service']);
  for (const u of units) {
    // installed as /usr/local/bin/broadcart by `meson install`; here the binary under test stands in
    writeFileSync(path.join(dir, u), read(u).split('/usr/local/bin/broadcart').join(path.resolve(BIN)));
  }
  // a template is verified as one of its instances (broadcart@1.service, loaded from broadcart@.service)
  const r = spawnSync('systemd-analyze', ['verify', '--man=no', ...units.map((u) => path.join(dir, u.replace('@.', '@1.')))], { encoding: 'utf8' });
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

// ---- the cluster example: broadcart@.service, nginx-cluster.conf.example, cluster.env.example ----

// nginx-cluster.conf.example made runnable here: the test certificate, the cache directory under
// dir and, when given, loopback listen ports and the instances' ports in place of 8081..8083.
function clusterSite(dir, { cert, key, httpPort, httpsPort, ports } = {}) {
  let site = read('nginx-cluster.conf.example')
    .replace(/^(\s*ssl_certificate)\s+\S+;/m, `$1 ${cert};`).replace(/^(\s*ssl_certificate_key)\s+\S+;/m, `$1 ${key};`)
    .split('/var/cache/nginx/broadcart-hls').join(path.join(dir, 'hls-cache'));
  if (httpPort) {
    site = site.replace(/^\s*listen \[::\]:.*$/gm, '')
      .replace(/^(\s*)listen 80;/m, `$1listen 127.0.0.1:${httpPort};`)
      .replace(/^(\s*)listen 443 /m, `$1listen 127.0.0.1:${httpsPort} `);
  }
  if (ports) {
    for (const n of [1, 2, 3]) {
      site = site.replace(new RegExp(`^(\\s*server 127\\.0\\.0\\.1:)808${n}\\b(.*)$`, 'gm'),
        (m, a, b) => (ports[n - 1] ? `${a}${ports[n - 1]}${b}` : ''));
    }
  }
  return site;
}
function testCert(dir) {
  const cert = path.join(dir, 'cert.pem'), key = path.join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=shop.example.com'], { stdio: 'ignore' });
  return { cert, key };
}
function nginxMain(dir, { daemonOff = false } = {}) {
  const temps = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `    ${t}_temp_path ${dir}/${t};`).join('\n');
  writeFileSync(path.join(dir, 'nginx.conf'), `${daemonOff ? 'daemon off;\n' : ''}error_log ${dir}/error.log;\npid ${dir}/nginx.pid;\n` +
    `events { worker_connections 256; }\nhttp {\n    access_log ${dir}/access.log;\n${temps}\n    include /etc/nginx/mime.types;\n` +
    `    include ${dir}/site.conf;\n}\n`);
  return path.join(dir, 'nginx.conf');
}

test('nginx-cluster.conf.example: nginx -t passes inside http {} with a test certificate and its cache directory', () => {
  const site = read('nginx-cluster.conf.example');
  assert.deepEqual([...placeholders(code(site))], [], 'the cluster config has no placeholders to fill');
  const dir = path.join(tmp, 'cluster-t');
  mkdirSync(dir);
  const filled = clusterSite(dir, testCert(dir));
  assert.notEqual(filled, site);
  assert.doesNotMatch(filled, /\/var\/cache\/nginx/);
  writeFileSync(path.join(dir, 'site.conf'), filled);
  const r = nginxTest(nginxMain(dir), dir);
  assert.equal(r.status, 0, r.output);
  assert.match(r.output, /test is successful/);
  assert.doesNotMatch(r.output, /\[(warn|emerg|alert)\]/, r.output);
});

test('nginx-cluster.conf.example: the unit\'s three ports, chat upgrade, HLS cache TTLs, forwarded client address', () => {
  const site = code(read('nginx-cluster.conf.example'));
  const unit = code(read('broadcart@.service'));
  assert.match(unit, /^Environment=BROADCART_HTTP_PORT=808%i$/m);
  const upstream = (name) => (site.match(new RegExp(`upstream ${name} \\{([^}]*)\\}`)) || [])[1] || '';
  const servers = (name) => [...upstream(name).matchAll(/^\s*server (\S+?)[;\s]/gm)].map((m) => m[1]);
  assert.deepEqual(servers('broadcart_cluster'), ['127.0.0.1:8081', '127.0.0.1:8082', '127.0.0.1:8083']);
  assert.doesNotMatch(upstream('broadcart_cluster'), /\b(ip_hash|hash|least_conn|random)\b/, 'round-robin');
  assert.match(upstream('broadcart_cluster'), /keepalive \d+;/);
  assert.ok(servers('broadcart_hls').length >= 1);
  // the chat WebSocket: upgraded, unbuffered, long-lived, to every instance
  const chat = (site.match(/location ~ \^\/api\/v1\/lives\/\[\^\/\]\+\/chat\$ \{([^}]*)\}/) || [])[1];
  assert.ok(chat, 'a location for /api/v1/lives/{id}/chat');
  assert.match(chat, /proxy_pass http:\/\/broadcart_cluster;/);
  assert.match(chat, /proxy_set_header Upgrade \$http_upgrade;/);
  assert.match(chat, /proxy_set_header Connection \$connection_upgrade;/);
  assert.match(chat, /proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;/);
  assert.match(chat, /proxy_buffering off;/);
  assert.match(site, /map \$http_upgrade \$connection_upgrade \{\s*default upgrade;\s*''\s*'';\s*\}/);
  // HLS: playlists cached for about a second, segments far longer; broadcart's no-cache is overridden
  const loc = (re) => (site.match(new RegExp(`location ~ ${re} \\{([^}]*)\\}`)) || [])[1] || '';
  const ttl = (block) => {
    const m = block.match(/proxy_cache_valid 200 (\d+)([smh]);/);
    return m ? Number(m[1]) * { s: 1, m: 60, h: 3600 }[m[2]] : 0;
  };
  const playlist = loc('\\^/hls/\\[\\^/\\]\\+/\\[\\^/\\]\\+\\\\\\.m3u8\\$'), segment = loc('\\^/hls/\\[\\^/\\]\\+/\\[\\^/\\]\\+\\\\\\.ts\\$');
  for (const [name, b] of [['playlist', playlist], ['segment', segment]]) {
    assert.match(b, /proxy_pass http:\/\/broadcart_hls;/, name);
    assert.match(b, /proxy_cache broadcart_hls;/, name);
    assert.match(b, /proxy_ignore_headers Cache-Control Expires;/, name);
    assert.match(b, /add_header Strict-Transport-Security /, `${name}: a location with add_header repeats HSTS`);
  }
  assert.ok(ttl(playlist) >= 1 && ttl(playlist) <= 2, `playlist TTL ${ttl(playlist)} s`);
  assert.ok(ttl(segment) >= 30 * ttl(playlist), `segment TTL ${ttl(segment)} s`);
  assert.match(site, /proxy_cache_path \S+ [^;]*keys_zone=broadcart_hls:/);
  // the client's address reaches broadcart, which believes it from BROADCART_TRUSTED_PROXIES
  assert.match(site, /^\s*proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;/m);
  assert.match(read('cluster.env.example'), /^BROADCART_TRUSTED_PROXIES=\S+$/m);
  assert.match(site, /location \^~ \/internal\/ \{ return 404; \}/, 'the RTMP callbacks are never forwarded');
  const table = execFileSync(BIN, ['config'], { encoding: 'utf8', env: { PATH: process.env.PATH } });
  const maxUpload = Number(table.match(/^\| `BROADCART_MAX_UPLOAD` \| `(\d+)` \|/m)[1]);
  const size = site.match(/client_max_body_size\s+(\d+)m;/);
  assert.ok(size && Number(size[1]) * 1024 * 1024 >= maxUpload, 'admits the largest upload');
});

test('broadcart@.service: per-instance port and env file after the shared one, the same hardening as broadcart.service', () => {
  const unit = code(read('broadcart@.service'));
  const lines = unit.split('\n').map((l) => l.trim()).filter(Boolean);
  const at = (re) => lines.findIndex((l) => re.test(l));
  // later assignments win: the unit's defaults, then cluster.env, then the optional instance-N.env
  assert.ok(at(/^Environment=BROADCART_HTTP_PORT=808%i$/) >= 0);
  assert.ok(at(/^EnvironmentFile=\/etc\/broadcart\/cluster\.env$/) > at(/^Environment=BROADCART_HTTP_PORT=/));
  assert.ok(at(/^EnvironmentFile=-\/etc\/broadcart\/instance-%i\.env$/) > at(/^EnvironmentFile=\/etc\/broadcart\/cluster\.env$/));
  assert.match(unit, /^ExecStart=\/usr\/local\/bin\/broadcart serve$/m, 'no --with-rtmp: the ingest is its own unit');
  // every hardening and process setting of the single-instance unit is here too
  const single = code(read('broadcart.service')).split('\n').map((l) => l.trim())
    .filter((l) => /^(NoNewPrivileges|CapabilityBoundingSet|AmbientCapabilities|Protect\w+|Private\w+|ProcSubset|Restrict\w+|LockPersonality|MemoryDenyWriteExecute|RemoveIPC|SystemCall\w+|User|Group|UMask|LimitNOFILE|KillSignal|Restart)=/.test(l));
  assert.ok(single.length > 20);
  for (const l of single) assert.ok(lines.includes(l), `broadcart@.service lacks ${l}`);
});

test('cluster.env.example: the documented sed fills its placeholders; every setting exists and is valid; none per instance', () => {
  const text = read('cluster.env.example');
  const sed = documentedSed(read('broadcart@.service'));
  assert.deepEqual(Object.keys(sed).sort(), [...placeholders(code(text))].sort(), 'the sed in broadcart@.service fills cluster.env.example');
  assert.deepEqual(Object.keys(sed).sort(), ['CALLBACK_TOKEN', 'JWT_SECRET']);
  const set = [...text.matchAll(/^#?(BROADCART_[A-Z0-9_]+)=(.*)$/gm)].map((m) => ({ name: m[1], value: m[2], on: !m[0].startsWith('#') }));
  const all = execFileSync(BIN, ['config', '--env'], { encoding: 'utf8', env: { PATH: process.env.PATH } });
  for (const { name } of set) assert.match(all, new RegExp(`^#?${name}=`, 'm'), `${name} is not a setting`);
  const on = Object.fromEntries(set.filter((x) => x.on).map((x) => [x.name, x.value]));
  for (const n of ['BROADCART_DATABASE_URL', 'BROADCART_REDIS_URL', 'BROADCART_JWT_SECRET', 'BROADCART_TRUSTED_PROXIES',
    'BROADCART_PUBLIC_URL', 'BROADCART_RTMP_CALLBACK_TOKEN']) assert.ok(n in on, `${n} is set`);
  for (const n of ['BROADCART_HTTP_PORT', 'BROADCART_DATA_DIR']) assert.ok(!(n in on), `${n} is per instance (the unit sets it)`);
  assert.match(on.BROADCART_DATABASE_URL, /^postgresql:\/\//);
  assert.equal(new URL(on.BROADCART_DATABASE_URL).pathname, '/broadcart');
  assert.match(on.BROADCART_REDIS_URL, /^redis:\/\//);
  // pool size vs max_connections is explained with the settings it depends on
  for (const w of ['max_connections', 'BROADCART_WORKERS', 'BROADCART_PWHASH_WORKERS']) assert.ok(text.includes(w), w);
  // where the RTMP ingest runs and how HLS reaches the other hosts
  assert.match(text, /broadcart-rtmp\.service/);
  assert.match(text, /HLS/);
  // filled as the install steps fill it, the file is a valid BROADCART_CONFIG file
  let filled = text;
  for (const k of Object.keys(sed)) filled = filled.split(`{${k}}`).join(randomBytes(32).toString('hex'));
  const file = path.join(tmp, 'cluster.env');
  writeFileSync(file, filled);
  const r = spawnSync(BIN, ['config'], { env: { PATH: process.env.PATH, BROADCART_CONFIG: file }, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});

test('nginx-cluster.conf.example in front of two instances: round-robin, chat WebSocket upgrade, HLS from the cache', { timeout: 60000 }, async () => {
  const dir = path.join(tmp, 'cluster-live');
  mkdirSync(dir);
  const { cert, key } = testCert(dir);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bc-deploy-cluster-'));
  // two instances on one data dir (one host: deploy/broadcart@.service), access lines at INFO
  const env = { BROADCART_LOG_LEVEL: 'info', BROADCART_TRUSTED_PROXIES: '127.0.0.1', BROADCART_SIGNUP_RATE_PER_ADDR: '2' };
  const A = await startServer({ dataDir, env });
  const B = await startServer({ dataDir, env });
  let nginx;
  try {
    const [httpPort, httpsPort] = [await freePort(), await freePort()];
    writeFileSync(path.join(dir, 'site.conf'), clusterSite(dir, { cert, key, httpPort, httpsPort, ports: [A.port, B.port] }));
    nginx = spawn(NGINX, ['-p', dir, '-c', nginxMain(dir, { daemonOff: true }), '-e', path.join(dir, 'error.log')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let nginxErr = '';
    nginx.stderr.on('data', (d) => { nginxErr += d; });
    const end = Date.now() + 10000;
    while (!(await new Promise((r) => { const c = net.connect(httpsPort, '127.0.0.1', () => { c.end(); r(true); }); c.on('error', () => r(false)); }))) {
      if (Date.now() > end || nginx.exitCode !== null) throw new Error(`nginx did not start: ${nginxErr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    // round-robin: both instances answer
    for (let i = 0; i < 6; i++) {
      const r = await httpsRequest(httpsPort, 'GET', '/healthz', { headers: { 'x-forwarded-for': '203.0.113.7' } });
      assert.equal(r.status, 200);
    }
    await new Promise((r) => setTimeout(r, 200));
    for (const s of [A, B]) assert.match(s.stderr(), /GET \/healthz 200/, 'both instances served /healthz');

    // the client's address reaches the instances (X-Forwarded-For, believed from the trusted proxy):
    // the per-address sign-up budget (2 here) is counted per client: six clients sign up once each
    // (all from 127.0.0.1 they would exceed it on both instances), one client is refused after at most
    // 2 (budget counted over the cluster) or 4 (per instance, round-robin over two) sign-ups
    const signup = (addr, n) => httpsRequest(httpsPort, 'POST', '/api/v1/auth/signup', {
      headers: { 'content-type': 'application/json', 'x-forwarded-for': addr },
      body: JSON.stringify({ email: `xff${n}-${process.pid}@example.com`, password: 'buyer1234!', name: `xff ${n}` }),
    });
    for (let n = 0; n < 6; n++) assert.equal((await signup(`203.0.113.${10 + n}`, n)).status, 201, `client ${n}`);
    const one = [];
    for (let n = 0; n < 5; n++) one.push((await signup('203.0.113.7', 10 + n)).status);
    assert.deepEqual(one.slice(0, 2), [201, 201], JSON.stringify(one));
    assert.ok(one.includes(429), `one client address is limited: ${one}`);

    // the chat WebSocket through the proxy
    const seller = await makeUser(A, 'seller');
    const p = await api(A, 'POST', '/api/v1/products', { token: seller.token, body: { name: 'Proxy mug', price: 9000, stock: 5 } });
    const l = await api(A, 'POST', '/api/v1/lives', {
      token: seller.token, body: { title: 'Through the proxy', scheduled_at: '2026-12-01T10:00:00Z', product_ids: [p.body.id] },
    });
    assert.equal(l.status, 201, JSON.stringify(l.body));
    // the upgraded connection carries the room's frames: the viewer count that includes this viewer.
    // The other instance learns of the new live within a second (404 until then): retry briefly.
    let ws, counted;
    for (const stop = Date.now() + 5000; ;) {
      ws = new WebSocket(`wss://127.0.0.1:${httpsPort}/api/v1/lives/${l.body.id}/chat`,
        { rejectUnauthorized: false, servername: 'shop.example.com', headers: { host: 'shop.example.com' } });
      try {
        counted = await new Promise((resolve, reject) => {
          ws.on('message', (d) => { const f = JSON.parse(d.toString()); if (f.type === 'viewers') resolve(f); });
          ws.once('unexpected-response', (req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
          ws.once('error', reject);
          setTimeout(() => reject(new Error('no viewers frame through the proxy')), 10000);
        });
        break;
      } catch (e) {
        ws.terminate();
        if (e.status !== 404 || Date.now() > stop) throw e;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    assert.equal(counted.count, 1);
    ws.terminate();

    // HLS: a playlist is cached for about a second, a segment for longer
    const live = path.join(dataDir, 'hls', 'probe');
    mkdirSync(live, { recursive: true });
    writeFileSync(path.join(live, 'index.m3u8'), '#EXTM3U\n#EXTINF:1.0,\n0.ts\n');
    writeFileSync(path.join(live, '0.ts'), Buffer.alloc(1880, 0x47));
    const get = (p2) => httpsRequest(httpsPort, 'GET', p2);
    const p1 = await get('/hls/probe/index.m3u8');
    assert.equal(p1.status, 200);
    assert.equal(p1.headers['x-cache-status'], 'MISS');
    const p2 = await get('/hls/probe/index.m3u8');
    assert.equal(p2.headers['x-cache-status'], 'HIT');
    writeFileSync(path.join(live, 'index.m3u8'), '#EXTM3U\n#EXTINF:1.0,\n0.ts\n#EXTINF:1.0,\n1.ts\n');
    await new Promise((r) => setTimeout(r, 2100));
    const p3 = await get('/hls/probe/index.m3u8');
    assert.match(p3.body.toString(), /1\.ts/, 'a new playlist is served after its TTL');
    assert.equal((await get('/hls/probe/0.ts')).headers['x-cache-status'], 'MISS');
    rmSync(path.join(live, '0.ts')); // hls_cleanup removed it; viewers still get the cached copy
    const s2 = await get('/hls/probe/0.ts');
    assert.equal(s2.status, 200);
    assert.equal(s2.headers['x-cache-status'], 'HIT');
    assert.equal(s2.body.length, 1880);
    assert.equal((await httpsRequest(httpsPort, 'POST', '/internal/rtmp/on_publish')).status, 404);
  } finally {
    if (nginx && nginx.exitCode === null) {
      const gone = new Promise((r) => nginx.once('exit', r));
      nginx.kill('SIGTERM');
      await gone;
    }
    await A.stop({ keep: true });
    await B.stop({ keep: true });
    rmSync(dataDir, { recursive: true, force: true });
  }
});

// ---- metrics: the Grafana dashboard and the Prometheus scrape example ----
const PROMTOOL = '/usr/bin/promtool';

// The metric names a PromQL expression reads: identifiers that are neither functions, keywords,
// label names (inside {} or by/without/on/ignoring lists) nor Grafana variables.
function promqlMetrics(expr) {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')                                            // strings
    .replace(/\{[^}]*\}/g, '{}')                                                     // label matchers
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ') // label lists
    .replace(/\$\{?\w+\}?/g, ' ')                                                    // $__rate_interval
    .replace(/\[[^\]]*\]/g, ' ');                                                    // ranges
  const words = [...stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*(?=\s*(\(|\{|\[|$|[^a-zA-Z0-9_:(]))/g)]
    .filter((m) => stripped[m.index + m[0].length] !== '(' && !/^\s*\(/.test(stripped.slice(m.index + m[0].length)));
  const keywords = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);
  return words.map((m) => m[0]).filter((w) => !keywords.has(w.toLowerCase()));
}

// Metric names as PromQL sees them: each family, plus _bucket/_sum/_count of histograms.
async function exportedMetricNames() {
  const srv = await startServer();
  try {
    const text = await (await fetch(`${srv.base}/metrics`)).text();
    const names = new Set();
    for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
      names.add(m[1]);
      if (m[2] === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m[1] + s);
    }
    return names;
  } finally { await srv.stop(); }
}

test('grafana-broadcart.json parses; every panel expr names only metrics the server exports (and is valid PromQL)', async () => {
  const dash = JSON.parse(read('grafana-broadcart.json'));
  assert.equal(typeof dash.title, 'string');
  assert.ok(Array.isArray(dash.panels) && dash.panels.length >= 8);
  const exprs = dash.panels.flatMap((p) => (p.targets || []).map((t) => ({ panel: p.title, expr: t.expr })));
  assert.ok(exprs.length >= 10);
  const exported = await exportedMetricNames();
  for (const { panel, expr } of exprs) {
    const names = promqlMetrics(expr);
    assert.ok(names.length > 0, `${panel}: ${expr} names no metric`);
    for (const n of names) assert.ok(exported.has(n), `${panel}: ${expr} reads ${n}, which GET /metrics does not export`);
  }
  // what the dashboard must show (the list)
  const all = exprs.map((e) => e.expr).join('\n');
  for (const m of ['broadcart_http_requests_total', 'broadcart_http_request_duration_seconds_bucket', 'broadcart_worker_queue_depth',
    'broadcart_db_tx_retries_total', 'broadcart_gateway_errors_total', 'broadcart_ws_connections', 'broadcart_live_viewers',
    'broadcart_orders_paid_total', 'broadcart_revenue_krw_total']) assert.ok(all.includes(m), `the dashboard shows ${m}`);
  assert.match(all, /histogram_quantile\(0\.99,/, 'p99 latency');
  if (existsSync(PROMTOOL)) { // the expressions as recording rules: promtool parses each one
    const rules = { groups: [{ name: 'dashboard', rules: exprs.map((e, i) => ({ record: `dashboard:expr${i}`, expr: e.expr.replaceAll('$__rate_interval', '5m') })) }] };
    const file = path.join(tmp, 'dashboard-rules.yml');
    writeFileSync(file, JSON.stringify(rules)); // JSON is YAML
    const r = spawnSync(PROMTOOL, ['check', 'rules', file], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  } else {
    assert.ok(!process.env.CI, 'promtool (Debian package prometheus) is missing');
  }
});

test('prometheus.yml.example: promtool check config passes (token file filled in); it scrapes /metrics with the bearer token', { skip: !existsSync(PROMTOOL) && !process.env.CI && 'promtool missing' }, () => {
  const conf = read('prometheus.yml.example');
  assert.match(conf, /metrics_path: \/metrics/);
  assert.match(conf, /authorization:\s*\n\s*type: Bearer\s*\n\s*credentials_file: (\S+)/);
  assert.match(conf, /BROADCART_METRICS_TOKEN/);
  const tokenFile = path.join(tmp, 'broadcart-metrics.token');
  writeFileSync(tokenFile, randomBytes(32).toString('hex') + '\n');
  const file = path.join(tmp, 'prometheus.yml');
  writeFileSync(file, conf.replace(/credentials_file: \S+/, `credentials_file: ${tokenFile}`));
  const r = spawnSync(PROMTOOL, ['check', 'config', file], { encoding: 'utf8' });
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
});
