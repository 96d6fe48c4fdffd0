/* Versioned schema migrations, applied in order by bc_db_migrate. Never edit an applied
 * migration; append a new one. Money is INTEGER KRW; times are INTEGER UTC milliseconds. */
#include <stddef.h>

const char *const bc_migrations[] = {
    /* 1: accounts, catalog, cart, orders, stock ledger, payments, lives, chat */
    "CREATE TABLE users ("
    "  id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT NOT NULL,"
    "  role TEXT NOT NULL CHECK (role IN ('buyer','seller','admin')),"
    "  password_hash TEXT NOT NULL, created_at INTEGER NOT NULL);"
    "CREATE TABLE refresh_tokens ("
    "  token_hash TEXT PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id),"
    "  expires_at INTEGER NOT NULL, revoked INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL);"
    "CREATE INDEX refresh_tokens_user ON refresh_tokens(user_id);"
    "CREATE TABLE categories ("
    "  id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES categories(id), name TEXT NOT NULL,"
    "  slug TEXT NOT NULL UNIQUE, position INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE products ("
    "  id INTEGER PRIMARY KEY, seller_id INTEGER NOT NULL REFERENCES users(id),"
    "  category_id INTEGER REFERENCES categories(id), name TEXT NOT NULL, description TEXT NOT NULL DEFAULT '',"
    "  price INTEGER NOT NULL CHECK (price >= 0), stock INTEGER NOT NULL CHECK (stock >= 0),"
    "  status TEXT NOT NULL DEFAULT 'ON_SALE' CHECK (status IN ('ON_SALE','SOLD_OUT','HIDDEN')),"
    "  image_url TEXT, deleted INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
    "CREATE INDEX products_category ON products(category_id);"
    "CREATE INDEX products_seller ON products(seller_id);"
    "CREATE TABLE product_images ("
    "  id INTEGER PRIMARY KEY, product_id INTEGER NOT NULL REFERENCES products(id), url TEXT NOT NULL,"
    "  position INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE cart_items ("
    "  user_id INTEGER NOT NULL REFERENCES users(id), product_id INTEGER NOT NULL REFERENCES products(id),"
    "  quantity INTEGER NOT NULL CHECK (quantity > 0), updated_at INTEGER NOT NULL,"
    "  PRIMARY KEY (user_id, product_id));"
    "CREATE TABLE orders ("
    "  id INTEGER PRIMARY KEY, order_id TEXT NOT NULL UNIQUE, buyer_id INTEGER NOT NULL REFERENCES users(id),"
    "  status TEXT NOT NULL CHECK (status IN ('PENDING_PAYMENT','PAID','SHIPPED','DELIVERED','CANCELED','EXPIRED')),"
    "  order_name TEXT NOT NULL, subtotal INTEGER NOT NULL, shipping_fee INTEGER NOT NULL, amount INTEGER NOT NULL,"
    "  live_id INTEGER REFERENCES lives(id), shipping_address TEXT NOT NULL,"
    "  payment_key TEXT, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, paid_at INTEGER,"
    "  canceled_at INTEGER, updated_at INTEGER NOT NULL);"
    "CREATE INDEX orders_buyer ON orders(buyer_id, id);"
    "CREATE INDEX orders_pending ON orders(status, expires_at);"
    "CREATE TABLE order_lines ("
    "  id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL REFERENCES orders(id),"
    "  product_id INTEGER NOT NULL REFERENCES products(id), seller_id INTEGER NOT NULL REFERENCES users(id),"
    "  product_name TEXT NOT NULL, unit_price INTEGER NOT NULL, quantity INTEGER NOT NULL CHECK (quantity > 0),"
    "  line_total INTEGER NOT NULL);"
    "CREATE INDEX order_lines_order ON order_lines(order_id);"
    "CREATE INDEX order_lines_seller ON order_lines(seller_id, order_id);"
    "CREATE TABLE stock_ledger ("
    "  id INTEGER PRIMARY KEY, product_id INTEGER NOT NULL REFERENCES products(id), delta INTEGER NOT NULL,"
    "  reason TEXT NOT NULL, order_id INTEGER REFERENCES orders(id), created_at INTEGER NOT NULL);"
    "CREATE INDEX stock_ledger_product ON stock_ledger(product_id);"
    "CREATE TABLE payments ("
    "  id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL REFERENCES orders(id), payment_key TEXT NOT NULL UNIQUE,"
    "  provider TEXT NOT NULL, status TEXT NOT NULL, amount INTEGER NOT NULL, method TEXT,"
    "  approved_at INTEGER, canceled_at INTEGER, raw TEXT, created_at INTEGER NOT NULL);"
    "CREATE TABLE lives ("
    "  id INTEGER PRIMARY KEY, seller_id INTEGER NOT NULL REFERENCES users(id), title TEXT NOT NULL,"
    "  status TEXT NOT NULL CHECK (status IN ('SCHEDULED','LIVE','ENDED')), scheduled_at INTEGER NOT NULL,"
    "  stream_key TEXT NOT NULL, pinned_product_id INTEGER REFERENCES products(id), publisher_client TEXT,"
    "  started_at INTEGER, ended_at INTEGER, created_at INTEGER NOT NULL);"
    "CREATE INDEX lives_status ON lives(status, scheduled_at);"
    "CREATE TABLE live_products ("
    "  live_id INTEGER NOT NULL REFERENCES lives(id), product_id INTEGER NOT NULL REFERENCES products(id),"
    "  position INTEGER NOT NULL, PRIMARY KEY (live_id, product_id));"
    "CREATE TABLE chat_messages ("
    "  id INTEGER PRIMARY KEY, live_id INTEGER NOT NULL REFERENCES lives(id), user_id INTEGER NOT NULL REFERENCES "
    "users(id),"
    "  text TEXT NOT NULL, created_at INTEGER NOT NULL);"
    "CREATE INDEX chat_messages_live ON chat_messages(live_id, id);",
    /* 2: order fulfilment (seller ships with a carrier and tracking number, then marks it delivered) */
    "ALTER TABLE orders ADD COLUMN carrier TEXT;"
    "ALTER TABLE orders ADD COLUMN tracking_number TEXT;"
    "ALTER TABLE orders ADD COLUMN shipped_at INTEGER;"
    "ALTER TABLE orders ADD COLUMN delivered_at INTEGER;",
    /* 3: a buyer's cancel of a paid order claims it before refunding, so shipping cannot slip in */
    "ALTER TABLE orders ADD COLUMN cancel_claimed_at INTEGER;",
    /* 4: product images are read per product on every listing */
    "CREATE INDEX product_images_product ON product_images(product_id, position);",
    /* 5: an admin can block a user; refresh tokens carry the id of the login they descend
     * from, so that reusing a rotated token revokes the whole family (RFC 6819 §5.2.2.3) */
    "ALTER TABLE users ADD COLUMN blocked INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE refresh_tokens ADD COLUMN family_id TEXT;"
    "UPDATE refresh_tokens SET family_id = token_hash WHERE family_id IS NULL;"
    "CREATE INDEX refresh_tokens_family ON refresh_tokens(family_id);",
    /* 6: media owns its upload records; /media/uploads/{name} is served with the recorded type only */
    "CREATE TABLE media_uploads ("
    "  name TEXT PRIMARY KEY, content_type TEXT NOT NULL, bytes INTEGER NOT NULL,"
    "  width INTEGER NOT NULL, height INTEGER NOT NULL, uploader_id INTEGER NOT NULL REFERENCES users(id),"
    "  created_at INTEGER NOT NULL);",
    NULL,
};
