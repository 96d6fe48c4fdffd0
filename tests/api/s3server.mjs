// A private S3-compatible server for tests and benchmarks: s3rver (npm) on a loopback port, its
// objects in a temp dir, with one bucket, and in front of its routes a check of every signed
// request's AWS Signature Version 4 ("Authenticating Requests: Using the Authorization Header",
// Amazon S3 API Reference): s3rver 3.7 itself only checks that the access key id exists, that
// x-amz-content-sha256 is present and that x-amz-date is within 15 minutes; it accepts any V4
// signature. Here the signature is recomputed with the secret key, and the payload's SHA-256
// must equal x-amz-content-sha256. A mismatch answers 403 SignatureDoesNotMatch (or
// XAmzContentSHA256Mismatch) as S3 does. Anonymous GET/HEAD pass (a public-read bucket).
//
// Run: node tests/api/s3server.mjs --port P --dir D --bucket B --access-key K --secret-key S [--region R]
// Prints "s3 listening on http://127.0.0.1:P" when ready; every refusal is printed to stderr.
// Not a test file itself (its name matches no test pattern); tests/api/s3.mjs starts it.
import { createHash, createHmac } from 'node:crypto';
import { Readable } from 'node:stream';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const S3rver = require('s3rver');
const AWSAccount = require('s3rver/lib/models/account');

const { values: o } = parseArgs({
  options: {
    port: { type: 'string' }, dir: { type: 'string' }, bucket: { type: 'string' },
    'access-key': { type: 'string' }, 'secret-key': { type: 'string' }, region: { type: 'string', default: 'us-east-1' },
  },
});
const MAX_BODY = 70 * 1024 * 1024;

const sha256 = (b) => createHash('sha256').update(b).digest('hex');
const hmac = (k, s) => createHmac('sha256', k).update(s).digest();
// RFC 3986 unreserved characters stay, everything else %XX (SigV4 "UriEncode"); '/' kept in paths.
const uriEncode = (s, keepSlash) => Array.from(Buffer.from(s, 'utf8')).map((b) => {
  const c = String.fromCharCode(b);
  if (/[A-Za-z0-9\-._~]/.test(c) || (keepSlash && c === '/')) return c;
  return `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
}).join('');

function refuse(ctx, code, message) {
  process.stderr.write(`s3 refused ${ctx.method} ${ctx.url}: ${code}: ${message}\n`);
  ctx.status = 403;
  ctx.type = 'application/xml';
  ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
}

// The SigV4 check (header form only: the Authorization header).
async function verifySigV4(ctx, next) {
  const auth = ctx.get('authorization');
  if (!auth) {
    if (ctx.method === 'GET' || ctx.method === 'HEAD') return next();
    return refuse(ctx, 'AccessDenied', 'anonymous writes are not allowed');
  }
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return refuse(ctx, 'AuthorizationHeaderMalformed', `cannot parse ${auth}`);
  const [, keyId, date, region, signedHeaders, signature] = m;
  if (keyId !== o['access-key']) return refuse(ctx, 'InvalidAccessKeyId', keyId);
  if (region !== o.region) return refuse(ctx, 'AuthorizationHeaderMalformed', `region ${region}, expected ${o.region}`);
  const amzDate = ctx.get('x-amz-date');
  if (!amzDate.startsWith(date)) return refuse(ctx, 'AccessDenied', 'x-amz-date does not match the credential scope');
  const signed = signedHeaders.split(';');
  for (const h of ['host', 'x-amz-date', 'x-amz-content-sha256']) {
    if (!signed.includes(h)) return refuse(ctx, 'AccessDenied', `${h} is not signed`);
  }
  // the payload: buffered (bounded), hashed, and handed on to s3rver as a fresh stream
  const chunks = [];
  let size = 0;
  for await (const c of ctx.req) {
    size += c.length;
    if (size > MAX_BODY) return refuse(ctx, 'EntityTooLarge', 'payload too large');
    chunks.push(c);
  }
  const payload = Buffer.concat(chunks);
  const declared = ctx.get('x-amz-content-sha256');
  if (declared !== 'UNSIGNED-PAYLOAD' && declared !== sha256(payload)) {
    return refuse(ctx, 'XAmzContentSHA256Mismatch', 'x-amz-content-sha256 is not the SHA-256 of the payload');
  }
  const [rawPath, rawQuery = ''] = ctx.originalUrl.split('?');
  const canonicalUri = uriEncode(decodeURIComponent(rawPath), true);
  const canonicalQuery = rawQuery === '' ? '' : rawQuery.split('&').map((kv) => {
    const [k, v = ''] = kv.split('=');
    return [uriEncode(decodeURIComponent(k), false), uriEncode(decodeURIComponent(v), false)];
  }).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : 1)).map(([k, v]) => `${k}=${v}`).join('&');
  const canonicalHeaders = signed.map((h) => `${h}:${String(ctx.req.headers[h] ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  const canonicalRequest = [ctx.method, canonicalUri, canonicalQuery, canonicalHeaders, signedHeaders, declared].join('\n');
  const scope = `${date}/${region}/s3/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
  const kSigning = hmac(hmac(hmac(hmac(`AWS4${o['secret-key']}`, date), region), 's3'), 'aws4_request');
  const expected = createHmac('sha256', kSigning).update(stringToSign).digest('hex');
  if (expected !== signature) {
    return refuse(ctx, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.');
  }
  const body = Readable.from(payload.length ? [payload] : []);
  body.headers = ctx.req.headers;
  ctx.req = body;
  return next();
}

// s3rver's own account registry: the access key this server accepts (its built-in S3RVER key too)
AWSAccount.DUMMY_ACCOUNT.createKeyPair(o['access-key'], o['secret-key']);
const server = new S3rver({
  address: '127.0.0.1', port: Number(o.port), directory: o.dir, silent: true,
  configureBuckets: [{ name: o.bucket, configs: [] }],
});
server.middleware.unshift(verifySigV4);
await server.run();
process.stdout.write(`s3 listening on http://127.0.0.1:${o.port}\n`);
for (const sig of ['SIGTERM', 'SIGINT']) process.once(sig, () => server.close(() => process.exit(0)));
