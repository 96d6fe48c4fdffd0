// Storage layout rules, checked over the C sources (no server): SQL lives in each module's store
// code and never in a `*_api.c` handler; each table is read and written only by the module that
// owns it, except the few cross-module uses listed below with their reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SRC = path.join(ROOT, 'src');

// table -> owning module (the directory under src/)
const OWNER = {
  users: 'accounts', refresh_tokens: 'accounts',
  categories: 'catalog', products: 'catalog', product_images: 'catalog', product_fts: 'catalog', catalog_clock: 'catalog',
  cart_items: 'commerce', orders: 'commerce', order_lines: 'commerce', stock_ledger: 'commerce', payments: 'commerce',
  lives: 'live', live_products: 'live', replays: 'live', replay_parts: 'live', live_pins: 'live',
  live_subscriptions: 'live', // live schedules (migration 18)
  live_ingest_health: 'live', // stream health (migration 20)
  chat_messages: 'chat',
  // chat moderation (migration 19); seller follows belong to accounts
  chat_rooms: 'chat', chat_sanctions: 'chat', chat_sellers: 'chat', chat_moderators: 'chat', chat_banned_words: 'chat',
  chat_last_sent: 'chat', chat_mod_log: 'chat', seller_follows: 'accounts',
  live_room_minutes: 'chat', // the room's per-minute figures (migration 21)
  // accounts and identity (migration 23)
  user_identities: 'accounts', oauth_states: 'accounts', oauth_links: 'accounts', account_tokens: 'accounts',
  seller_applications: 'accounts', seller_profiles: 'accounts', addresses: 'accounts', idp_sandbox_codes: 'accounts',
  oauth_tickets: 'accounts',
  // inquiries and announcements (migration 28)
  inquiries: 'inquiries', inquiry_messages: 'inquiries', product_questions: 'inquiries', announcements: 'announcements',
  // reviews, wishlist, follower notifications (migration 25)
  reviews: 'reviews', review_likes: 'reviews', review_summaries: 'reviews', product_wishes: 'catalog',
  live_fanouts: 'live',
  // points (migration 26)
  points_balances: 'points', points_ledger: 'points', points_rates: 'points', points_attendance: 'points',
  points_charges: 'points',
  media_uploads: 'media',
  // orders (migration 13)
  shipments: 'commerce', order_events: 'commerce', order_refunds: 'commerce', seller_shipping: 'commerce',
  // notices
  notices: 'notices', notice_mails: 'notices',
  // payments
  payment_attempts: 'payments', payment_webhooks: 'payments',
  // stock (migration 11)
  stock_holds: 'commerce', product_limits: 'commerce', buyer_product_units: 'commerce', live_product_units: 'commerce',
  // coupons (migration 27)
  coupons: 'coupons', user_coupons: 'coupons',
  // subscriptions (migration 30)
  subscription_plans: 'subscriptions', subscription_customers: 'subscriptions', subscriptions: 'subscriptions',
  subscription_payments: 'subscriptions',
  // sale posts; the posts a live was scheduled with belong to the live (migration 31)
  sale_posts: 'posts', sale_post_products: 'posts', live_sale_posts: 'live',
  // product options as SKUs (migration 29)
  product_options: 'commerce', product_skus: 'commerce',
  audit_log: 'audit', // admin audit log (migration 33)
  cart_items_rebuild: 'commerce', // SQLite's rebuild of cart_items with sku_id in its key, renamed to cart_items
};
// "file reads|writes table" allowed outside the owner, with why
const ALLOWED = {
  'audit/audit_store.c reads users': "the actor's name beside each audit row (one LEFT JOIN)",
  'catalog/catalog.c reads users': "a product's seller name in the product queries (one JOIN; the change feed drops cached renderings when a name changes)",
  'commerce/stock.c writes products': 'products.stock: changed only here, a conditional UPDATE with a ledger row',
  'commerce/stock.c reads products': 'products.stock: read back here after a seller sets it',
  'demo/seed.c writes categories': 'the demo seed creates its categories',
  'demo/seed.c reads categories': 'the demo seed finds the categories it made',
  'demo/seed.c writes products': 'the demo seed creates its products with fixed times',
  'demo/seed.c reads products': 'the demo seed finds the products it made to pin them',
  'demo/seed.c writes product_images': 'the demo seed attaches its generated images',
  'demo/seed.c reads users': 'the demo seed checks whether its accounts exist',
};

function cFiles(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...cFiles(p));
    else if (e.name.endsWith('.c')) out.push(p);
  }
  return out;
}

// The SQL of a C file: its string literals joined (adjacent literals form one statement).
function sqlOf(file) {
  const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, ' ');
  const lits = [];
  const re = /"((?:[^"\\\n]|\\.)*)"/g;
  let m;
  while ((m = re.exec(text))) lits.push(m[1]);
  return lits.join(' ');
}

const USE = /\b(FROM|JOIN|INTO|UPDATE|DELETE\s+FROM)\s+([a-z_]+)/gi;

test('no SQL in a *_api.c handler', () => {
  const bad = [];
  for (const f of cFiles(SRC).filter((f) => f.endsWith('_api.c'))) {
    const sql = sqlOf(f);
    for (const m of sql.matchAll(/\b(SELECT\s+[\w*(]|INSERT\s+INTO|UPDATE\s+[a-z_]+\s+SET|DELETE\s+FROM)/gi)) bad.push(`${path.relative(ROOT, f)}: ${m[0]}`);
  }
  assert.deepEqual(bad, []);
});

test("each table is used only by its module (or a listed, reasoned exception)", () => {
  const seen = new Set();
  const bad = [];
  for (const f of cFiles(SRC)) {
    const mod = path.relative(SRC, f).split(path.sep)[0];
    if (mod === 'store' || !f.includes(path.sep, SRC.length + 1)) continue; // the store itself; src/*.c wiring has no SQL
    for (const m of sqlOf(f).matchAll(USE)) {
      const table = m[2].toLowerCase();
      const owner = OWNER[table];
      if (!owner || owner === mod) continue;
      const how = /^(FROM|JOIN)$/i.test(m[1]) ? 'reads' : 'writes';
      const key = `${path.relative(SRC, f)} ${how} ${table}`;
      seen.add(key);
      if (!ALLOWED[key]) bad.push(`${path.relative(ROOT, f)}: ${key} (${m[0]})`);
    }
  }
  assert.deepEqual(bad, []);
  // every exception still in the list is still needed (a stale one would hide a new use)
  assert.deepEqual(Object.keys(ALLOWED).filter((k) => !seen.has(k)), []);
});

test('every table a migration creates has an owner here', () => {
  const mig = readFileSync(path.join(SRC, 'store/migrations.c'), 'utf8');
  const tables = new Set([...mig.matchAll(/CREATE (?:VIRTUAL )?TABLE (?:IF NOT EXISTS )?([a-z_]+)/g)].map((m) => m[1]));
  tables.delete('schema_migrations');
  assert.deepEqual([...tables].filter((t) => !OWNER[t]), []);
});
