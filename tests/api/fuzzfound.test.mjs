// Defects found by the fuzz targets (fuzz/), checked against the real binary.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api } from './lib.mjs';

let srv;
before(async () => { srv = await startServer(); });
after(async () => { await srv.stop(); });

// fuzz_body_schema: jansson's error text quotes the bytes near the error and can cut a Korean
// character in half; the error message was then not UTF-8, could not be encoded, and the
// client got 500 INTERNAL instead of 400 INVALID_JSON.
test('malformed JSON next to non-ASCII text is 400 INVALID_JSON, not 500', async () => {
  const bodies = [
    Buffer.from('{"email":"니\\트","password":"x"}'), // an invalid escape right after 니
    Buffer.from('{"email":"가나다\\u12"}'), // a short \u escape
    Buffer.concat([Buffer.from('{"email":"'), Buffer.from([0xeb, 0x8b]), Buffer.from('"}')]), // cut UTF-8
  ];
  for (const raw of bodies) {
    const res = await api(srv, 'POST', '/api/v1/auth/login', { raw, headers: { 'content-type': 'application/json' } });
    assert.equal(res.status, 400, `body ${raw.toString('hex')}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.error.code, 'INVALID_JSON');
    assert.match(res.body.error.message, /^malformed JSON: /);
  }
});
