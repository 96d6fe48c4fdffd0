// The Debian package: `make deb` (dpkg-buildpackage with debhelper's meson build system, from a copy
// of the source tree) into a temporary directory, then the .deb is unpacked into a temporary dpkg
// root (`dpkg --root --unpack`: no maintainer script touches this machine) and checked: the
// binary runs from the package, the web client, the systemd units with the package's paths, the
// conffile, the postinst's user and modes (run against stub commands that record their
// arguments), and lintian reports no error and no warning.
//
// The package build compiles the project once (about a minute on 2 cores). The build tools come
// from the Makefile's deps step (APT_DEB); outside CI the test is skipped when they are missing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TOOLS = ['dpkg-buildpackage', 'dh', 'fakeroot', 'lintian', 'meson', 'ninja'];
const missing = TOOLS.filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0);
if (missing.length && process.env.CI) {
  throw new Error(`the package build tools are missing in CI: ${missing.join(' ')} (make deps installs APT_DEB)`);
}
const skip = missing.length ? `package build tools missing (${missing.join(' ')}): run make deps` : false;

// Runs cmd with args (bounded by ms); resolves {code, out} with stdout and stderr together.
function run(cmd, args, { env = {}, cwd = root, ms = 300000 } = {}) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    const t = setTimeout(() => { p.kill('SIGKILL'); reject(new Error(`${cmd} took more than ${ms} ms:\n${out.slice(-4000)}`)); }, ms);
    p.on('exit', (code) => { clearTimeout(t); resolve({ code, out }); });
  });
}

test('make deb builds a lintian-clean package with the documented layout', { skip, timeout: 420000 }, async (t) => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'bc-deb-'));
  t.after(() => rmSync(tmp, { recursive: true, force: true }));
  const debDir = path.join(tmp, 'out');

  // the unit tests already ran in this suite: nocheck keeps the package build to one compile
  const built = await run('make', ['deb', `DEB_DIR=${debDir}`], {
    env: { DEB_BUILD_OPTIONS: 'nocheck parallel=2' }, ms: 360000,
  });
  assert.equal(built.code, 0, `make deb failed:\n${built.out.slice(-6000)}`);
  assert.ok(!existsSync(path.join(root, 'obj-x86_64-linux-gnu')), 'the package build left obj-* in the source tree');
  assert.ok(!existsSync(path.join(root, 'debian/broadcart')), 'the package build left debian/broadcart in the source tree');
  const debs = readdirSync(debDir).filter((f) => /^broadcart_[^_]+_[a-z0-9]+\.deb$/.test(f));
  assert.equal(debs.length, 1, `one broadcart .deb in ${readdirSync(debDir).join(' ')}`);
  const deb = path.join(debDir, debs[0]);

  // control: Depends carries the runtime tools and the shared libraries found by dh_shlibdeps
  const control = execFileSync('dpkg-deb', ['-f', deb], { encoding: 'utf8' });
  const depends = /^Depends: (.*)$/m.exec(control)[1].split(',').map((d) => d.trim().split(' ')[0]);
  for (const d of ['nginx', 'libnginx-mod-rtmp', 'ffmpeg', 'adduser', 'libsqlite3-0', 'libsodium23', 'libc6']) {
    assert.ok(depends.includes(d), `Depends has ${d}: ${depends.join(', ')}`);
  }

  // control archive: the conffile and the maintainer scripts
  const ctrl = path.join(tmp, 'ctrl');
  mkdirSync(ctrl);
  execFileSync('dpkg-deb', ['-e', deb, ctrl]);
  assert.deepEqual(readFileSync(path.join(ctrl, 'conffiles'), 'utf8').trim().split('\n'), ['/etc/broadcart/broadcart.env']);

  // unpacked into a private dpkg root (only unpack: the postinst is run below against stubs)
  const inst = path.join(tmp, 'root');
  for (const d of ['var/lib/dpkg/info', 'var/lib/dpkg/updates', 'var/lib/dpkg/triggers']) {
    mkdirSync(path.join(inst, d), { recursive: true });
  }
  writeFileSync(path.join(inst, 'var/lib/dpkg/status'), '');
  writeFileSync(path.join(inst, 'var/lib/dpkg/available'), '');
  const unpacked = await run('dpkg', [`--root=${inst}`, '--force-not-root', '--force-script-chrootless',
    '--log=/dev/null', '--unpack', deb], { ms: 60000 });
  assert.equal(unpacked.code, 0, unpacked.out);
  const status = execFileSync('dpkg', [`--root=${inst}`, '-s', 'broadcart'], { encoding: 'utf8' });
  assert.match(status, /^Conffiles:\n \/etc\/broadcart\/broadcart\.env /m, 'dpkg records the conffile');
  const files = execFileSync('dpkg', [`--root=${inst}`, '-L', 'broadcart'], { encoding: 'utf8' }).split('\n');
  for (const f of ['/usr/bin/broadcart', '/usr/share/broadcart/web/index.html', '/usr/share/broadcart/web/app.js',
    '/usr/share/broadcart/web/vendor/hls.min.js', '/lib/systemd/system/broadcart.service',
    '/lib/systemd/system/broadcart-rtmp.service', '/lib/systemd/system/broadcart@.service',
    '/usr/share/man/man1/broadcart.1.gz', '/usr/share/doc/broadcart/copyright']) {
    assert.ok(files.includes(f), `the package has ${f}`);
  }
  assert.ok(!files.some((f) => f.startsWith('/usr/local')), 'nothing under /usr/local');
  // dpkg leaves a new conffile as .dpkg-new until configure
  const env = readFileSync(path.join(inst, 'etc/broadcart/broadcart.env.dpkg-new'), 'utf8');
  assert.match(env, /^BROADCART_DATA_DIR=\/var\/lib\/broadcart$/m);
  assert.match(env, /^#BROADCART_RTMP_CALLBACK_TOKEN=$/m, 'no placeholder token is shipped as a live value');
  assert.ok(!env.includes('{CALLBACK_TOKEN}'));

  // the units run the packaged binary as the broadcart user with the packaged settings
  for (const u of ['broadcart.service', 'broadcart@.service', 'broadcart-rtmp.service']) {
    const unit = readFileSync(path.join(inst, 'lib/systemd/system', u), 'utf8');
    assert.ok(!unit.includes('/usr/local'), `${u} has no /usr/local path`);
    assert.match(unit, /^User=broadcart$/m, u);
    assert.match(unit, /^Documentation=man:broadcart\(1\)$/m, u);
    if (u !== 'broadcart-rtmp.service') assert.match(unit, /^ExecStart=\/usr\/bin\/broadcart serve$/m, u);
  }
  assert.match(readFileSync(path.join(inst, 'lib/systemd/system/broadcart.service'), 'utf8'),
    /^EnvironmentFile=\/etc\/broadcart\/broadcart\.env$/m);
  if (spawnSync('sh', ['-c', 'command -v systemd-analyze']).status === 0) {
    const v = spawnSync('systemd-analyze', ['verify', '--man=no', '--root', inst, '/lib/systemd/system/broadcart.service'],
      { encoding: 'utf8' });
    // ExecStart's binary is inside the root; complaints about the host (no user broadcart) are not the unit's
    assert.ok(!/Unknown (section|key)|Invalid|Failed to parse/i.test(v.stderr), v.stderr);
  }

  // the packaged binary runs: its settings listing is the committed example, and it serves the
  // packaged web client
  const bin = path.join(inst, 'usr/bin/broadcart');
  const cfg = execFileSync(bin, ['config', '--env'], { encoding: 'utf8', env: { PATH: process.env.PATH } });
  assert.equal(cfg, readFileSync(path.join(root, 'deploy/broadcart.env.example'), 'utf8'));
  const data = path.join(tmp, 'data');
  mkdirSync(data);
  const srv = spawn(bin, ['serve'], {
    env: {
      PATH: process.env.PATH, BROADCART_DATA_DIR: data, BROADCART_HTTP_PORT: '0', BROADCART_HTTP_HOST: '127.0.0.1',
      BROADCART_WEB_DIR: path.join(inst, 'usr/share/broadcart/web'), BROADCART_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => srv.kill('SIGKILL'));
  let out = '', err = '';
  srv.stderr.on('data', (d) => { err += d; });
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`packaged server did not start:\n${err}`)), 15000);
    srv.stdout.on('data', (d) => {
      out += d;
      const m = /listening on http:\/\/[^\s:]+:(\d+)/.exec(out);
      if (out.includes('listening on') && m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
    srv.on('exit', (code) => { clearTimeout(timer); reject(new Error(`packaged server exited ${code}:\n${err}`)); });
  });
  const health = await fetch(`http://127.0.0.1:${port}/healthz`);
  assert.equal(health.status, 200);
  const index = await (await fetch(`http://127.0.0.1:${port}/`)).text();
  assert.equal(index, readFileSync(path.join(inst, 'usr/share/broadcart/web/index.html'), 'utf8'));
  srv.kill('SIGTERM');

  // postinst configure of a first install, against stubs recording their arguments
  // (dpkg-statoverride: no override; deb-systemd-helper: no unit was installed or enabled before)
  const stubs = path.join(tmp, 'stubs');
  const log = path.join(tmp, 'calls.log');
  mkdirSync(stubs);
  for (const c of ['adduser', 'install', 'chown', 'chmod', 'deb-systemd-helper', 'dpkg-statoverride']) {
    const rc = c === 'dpkg-statoverride' ? 'exit 1' : c === 'deb-systemd-helper' ? 'case "$*" in *was-enabled*|*debian-installed*) exit 1;; esac' : 'exit 0';
    writeFileSync(path.join(stubs, c), `#!/bin/sh\necho "${c} $*" >> '${log}'\n${rc}\n`);
    chmodSync(path.join(stubs, c), 0o755);
  }
  const post = spawnSync('sh', [path.join(ctrl, 'postinst'), 'configure', ''], {
    encoding: 'utf8', env: { PATH: `${stubs}:/usr/bin:/bin`, DPKG_MAINTSCRIPT_PACKAGE: 'broadcart' },
  });
  assert.equal(post.status, 0, post.stderr);
  const calls = readFileSync(log, 'utf8').split('\n');
  const adduser = calls.find((c) => c.startsWith('adduser '));
  assert.ok(adduser, `postinst runs adduser: ${calls.join('\n')}`);
  for (const a of ['--system', '--group', '--home /var/lib/broadcart']) assert.ok(adduser.includes(a), adduser);
  assert.ok(adduser.endsWith(' broadcart'), adduser);
  if (!existsSync('/var/lib/broadcart')) {
    assert.ok(calls.includes('install -d -m 0750 -o broadcart -g broadcart /var/lib/broadcart'), calls.join('\n'));
  }
  assert.ok(calls.includes('chown root:broadcart /etc/broadcart/broadcart.env'), calls.join('\n'));
  assert.ok(calls.includes('chmod 0640 /etc/broadcart/broadcart.env'), calls.join('\n'));
  assert.ok(calls.includes('chmod 0750 /etc/broadcart'), calls.join('\n'));
  assert.ok(calls.some((c) => c.startsWith('deb-systemd-helper update-state broadcart.service')), calls.join('\n'));
  assert.ok(!calls.some((c) => /^deb-systemd-helper (enable|start)|deb-systemd-invoke/.test(c)),
    `installing enables and starts nothing: ${calls.join('\n')}`);

  // lintian: no error, no warning (informational tags are fine)
  const li = await run('lintian', [deb], { ms: 120000 });
  const bad = li.out.split('\n').filter((l) => /^[EW]: /.test(l));
  assert.deepEqual(bad, [], li.out);
  assert.equal(statSync(deb).isFile(), true);
});
