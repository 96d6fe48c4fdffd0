// The authorization matrix, generated from the route table (the OpenAPI document's x-roles): every
// operation that names roles is called anonymously and as a buyer, a seller and an admin. Anonymous
// callers get 401 UNAUTHENTICATED, a role the route does not list gets 403 FORBIDDEN, and a listed
// role gets past the check (whatever the handler then says about the empty body or the unknown id).
// Path ids are ids that exist nowhere, and bodies are empty objects, so nothing is changed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, makeUser } from './lib.mjs';

let srv, doc, callers;
before(async () => {
  srv = await startServer();
  doc = (await api(srv, 'GET', '/api/openapi.json')).body;
  const [buyer, seller, admin] = await Promise.all([makeUser(srv, 'buyer'), makeUser(srv, 'seller'), makeUser(srv, 'admin')]);
  callers = { buyer: buyer.token, seller: seller.token, admin: admin.token };
});
after(async () => { await srv?.stop(); });

// A path with its parameters filled by values that name nothing: ids far past any row, strings that
// are no one's orderId, provider or key.
const concrete = (p) => p.replace(/\{([^}]+)\}/g, (_, name) => (/id$|Id$/.test(name) && !/orderId|paymentKey/.test(name) ? '987654321' : 'nonexistent'));

test('every role-checked route: anonymous 401, an unlisted role 403 FORBIDDEN, a listed role passes the check', async () => {
  let checked = 0;
  const problems = [];
  for (const [p, item] of Object.entries(doc.paths)) {
    for (const [m, op] of Object.entries(item)) {
      const roles = op['x-roles'];
      if (!roles || !roles.length || op['x-internal']) continue;
      const method = m.toUpperCase();
      const url = concrete(p);
      const body = op.requestBody?.content?.['application/json'] ? {} : undefined;
      const anon = await api(srv, method, url, { body });
      if (anon.status !== 401) problems.push(`${method} ${p} anonymous: ${anon.status}`);
      for (const [role, token] of Object.entries(callers)) {
        const r = await api(srv, method, url, { token, body });
        const refused = r.status === 403 && r.body?.error?.code === 'FORBIDDEN';
        if (roles.includes(role)) {
          if (r.status === 401 || refused) problems.push(`${method} ${p} as ${role} (listed): ${r.status} ${JSON.stringify(r.body).slice(0, 120)}`);
        } else if (!refused) {
          problems.push(`${method} ${p} as ${role} (not listed): ${r.status} ${JSON.stringify(r.body).slice(0, 120)}`);
        }
        checked++;
      }
    }
  }
  assert.deepEqual(problems, []);
  assert.ok(checked > 300, `only ${checked} calls: the matrix should cover every role-checked route`);
  console.log(`authorization matrix: ${checked} role × route calls`);
});
