// The web client's strings: each view adds its own with addStrings() into one shared dictionary,
// so two views defining one key with different texts show whichever loaded last (my page loads its
// sections in parallel: the subscription section once showed the password section's "새 비밀번호"
// as its "next payment" label). Every key may have one text per language.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './lib.mjs';

// The key: 'text' pairs of the ko and en sections of a view's addStrings({...}) call.
function strings(src) {
  const out = { ko: new Map(), en: new Map() };
  const at = src.indexOf('addStrings(');
  if (at < 0) return out;
  const block = src.slice(at, src.indexOf('\n});', at));
  const enAt = block.search(/\ben:\s*\{/);
  const parts = { ko: enAt > 0 ? block.slice(0, enAt) : block, en: enAt > 0 ? block.slice(enAt) : '' };
  for (const lang of ['ko', 'en']) {
    for (const m of parts[lang].matchAll(/'([A-Za-z]+\.[A-Za-z0-9_.]+)':\s*('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")/g)) out[lang].set(m[1], m[2]);
  }
  return out;
}

test('no two web views give one string key different texts', () => {
  const dir = path.join(ROOT, 'web/views');
  const seen = { ko: new Map(), en: new Map() };
  const clashes = [];
  let keys = 0;
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.js')).sort()) {
    const s = strings(readFileSync(path.join(dir, f), 'utf8'));
    for (const lang of ['ko', 'en']) {
      for (const [k, v] of s[lang]) {
        keys++;
        const prev = seen[lang].get(k);
        if (prev && prev.text !== v) clashes.push(`${lang} ${k}: ${prev.file} ${prev.text} vs ${f} ${v}`);
        else if (!prev) seen[lang].set(k, { file: f, text: v });
      }
    }
  }
  assert.ok(keys > 500, `only ${keys} strings read: the parser no longer finds the views' addStrings calls`);
  assert.deepEqual(clashes, []);
});
