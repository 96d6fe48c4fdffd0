/* Versioned schema migrations, applied in order by bc_db_migrate on either backend. Never edit an
 * applied migration; append a new one. Each step is {SQLite text, PostgreSQL text}; the second is
 * NULL when the portable text serves both. Money is integer KRW and times are integer UTC
 * milliseconds: INTEGER on SQLite (64-bit), BIGINT on PostgreSQL (its INTEGER is 32-bit and a UTC
 * ms time overflows it). Ids: SQLite INTEGER PRIMARY KEY, PostgreSQL BIGINT identity. */
#include "store_int.h"

const bc_migration bc_migrations[] = {
    /* 1: accounts, catalog, cart, orders, stock ledger, payments, lives, chat */
    {"CREATE TABLE users ("
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
     /* PostgreSQL: BIGINT for ids, money and UTC-ms times; identity ids */
     "CREATE TABLE users ("
     "  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT NOT NULL,"
     "  role TEXT NOT NULL CHECK (role IN ('buyer','seller','admin')),"
     "  password_hash TEXT NOT NULL, created_at BIGINT NOT NULL);"
     "CREATE TABLE refresh_tokens ("
     "  token_hash TEXT PRIMARY KEY, user_id BIGINT NOT NULL REFERENCES users(id),"
     "  expires_at BIGINT NOT NULL, revoked BIGINT NOT NULL DEFAULT 0, created_at BIGINT NOT NULL);"
     "CREATE INDEX refresh_tokens_user ON refresh_tokens(user_id);"
     "CREATE TABLE categories ("
     "  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, parent_id BIGINT REFERENCES categories(id), name TEXT "
     "NOT NULL,"
     "  slug TEXT NOT NULL UNIQUE, position BIGINT NOT NULL DEFAULT 0);"
     "CREATE TABLE products ("
     "  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, seller_id BIGINT NOT NULL REFERENCES users(id),"
     "  category_id BIGINT REFERENCES categories(id), name TEXT NOT NULL, description TEXT NOT NULL DEFAULT '',"
     "  price BIGINT NOT NULL CHECK (price >= 0), stock BIGINT NOT NULL CHECK (stock >= 0),"
     "  status TEXT NOT NULL DEFAULT 'ON_SALE' CHECK (status IN ('ON_SALE','SOLD_OUT','HIDDEN')),"
     "  image_url TEXT, deleted BIGINT NOT NULL DEFAULT 0,"
     "  created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);"
     "CREATE INDEX products_category ON products(category_id);"
     "CREATE INDEX products_seller ON products(seller_id);"
     "CREATE TABLE product_images ("
     "  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, product_id BIGINT NOT NULL REFERENCES products(id), "
     "url TEXT NOT NULL,"
     "  position BIGINT NOT NULL DEFAULT 0);"
     "CREATE TABLE cart_items ("
     "  user_id BIGINT NOT NULL REFERENCES users(id), product_id BIGINT NOT NULL REFERENCES products(id),"
     "  quantity BIGINT NOT NULL CHECK (quantity > 0), updated_at BIGINT NOT NULL,"
     "  PRIMARY KEY (user_id, product_id));"
     "CREATE TABLE lives ("
     "  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, seller_id BIGINT NOT NULL REFERENCES users(id), title "
     "TEXT NOT NULL,"
     "  status TEXT NOT NULL CHECK (status IN ('SCHEDULED','LIVE','ENDED')), scheduled_at BIGINT NOT NULL,"
     "  stream_key TEXT NOT NULL, pinned_product_id BIGINT REFERENCES products(id), publisher_client TEXT,"
     "  started_at BIGINT, ended_at BIGINT, created_at BIGINT NOT NULL);"
     "CREATE INDEX lives_status ON lives(status, scheduled_at);"
     "CREATE TABLE live_products ("
     "  live_id BIGINT NOT NULL REFERENCES lives(id), product_id BIGINT NOT NULL REFERENCES products(id),"
     "  position BIGINT NOT NULL, PRIMARY KEY (live_id, product_id));"
     "CREATE TABLE orders ("
     "  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, order_id TEXT NOT NULL UNIQUE, buyer_id BIGINT NOT "
     "NULL REFERENCES users(id),"
     "  status TEXT NOT NULL CHECK (status IN ('PENDING_PAYMENT','PAID','SHIPPED','DELIVERED','CANCELED','EXPIRED')),"
     "  order_name TEXT NOT NULL, subtotal BIGINT NOT NULL, shipping_fee BIGINT NOT NULL, amount BIGINT NOT NULL,"
     "  live_id BIGINT REFERENCES lives(id), shipping_address TEXT NOT NULL,"
     "  payment_key TEXT, created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, paid_at BIGINT,"
     "  canceled_at BIGINT, updated_at BIGINT NOT NULL);"
     "CREATE INDEX orders_buyer ON orders(buyer_id, id);"
     "CREATE INDEX orders_pending ON orders(status, expires_at);"
     "CREATE TABLE order_lines ("
     "  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, order_id BIGINT NOT NULL REFERENCES orders(id),"
     "  product_id BIGINT NOT NULL REFERENCES products(id), seller_id BIGINT NOT NULL REFERENCES users(id),"
     "  product_name TEXT NOT NULL, unit_price BIGINT NOT NULL, quantity BIGINT NOT NULL CHECK (quantity > 0),"
     "  line_total BIGINT NOT NULL);"
     "CREATE INDEX order_lines_order ON order_lines(order_id);"
     "CREATE INDEX order_lines_seller ON order_lines(seller_id, order_id);"
     "CREATE TABLE stock_ledger ("
     "  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, product_id BIGINT NOT NULL REFERENCES products(id), "
     "delta BIGINT NOT NULL,"
     "  reason TEXT NOT NULL, order_id BIGINT REFERENCES orders(id), created_at BIGINT NOT NULL);"
     "CREATE INDEX stock_ledger_product ON stock_ledger(product_id);"
     "CREATE TABLE payments ("
     "  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, order_id BIGINT NOT NULL REFERENCES orders(id), "
     "payment_key TEXT NOT NULL UNIQUE,"
     "  provider TEXT NOT NULL, status TEXT NOT NULL, amount BIGINT NOT NULL, method TEXT,"
     "  approved_at BIGINT, canceled_at BIGINT, raw TEXT, created_at BIGINT NOT NULL);"
     "CREATE TABLE chat_messages ("
     "  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, live_id BIGINT NOT NULL REFERENCES lives(id), user_id "
     "BIGINT NOT NULL REFERENCES "
     "users(id),"
     "  text TEXT NOT NULL, created_at BIGINT NOT NULL);"
     "CREATE INDEX chat_messages_live ON chat_messages(live_id, id);"},
    /* 2: order fulfilment (seller ships with a carrier and tracking number, then marks it delivered) */
    {"ALTER TABLE orders ADD COLUMN carrier TEXT;"
     "ALTER TABLE orders ADD COLUMN tracking_number TEXT;"
     "ALTER TABLE orders ADD COLUMN shipped_at INTEGER;"
     "ALTER TABLE orders ADD COLUMN delivered_at INTEGER;",
     /* PostgreSQL: BIGINT for ids, money and UTC-ms times; identity ids */
     "ALTER TABLE orders ADD COLUMN carrier TEXT;"
     "ALTER TABLE orders ADD COLUMN tracking_number TEXT;"
     "ALTER TABLE orders ADD COLUMN shipped_at BIGINT;"
     "ALTER TABLE orders ADD COLUMN delivered_at BIGINT;"},
    /* 3: a buyer's cancel of a paid order claims it before refunding, so shipping cannot slip in */
    {"ALTER TABLE orders ADD COLUMN cancel_claimed_at INTEGER;",
     /* PostgreSQL: BIGINT for ids, money and UTC-ms times; identity ids */
     "ALTER TABLE orders ADD COLUMN cancel_claimed_at BIGINT;"},
    /* 4: product images are read per product on every listing */
    {"CREATE INDEX product_images_product ON product_images(product_id, position);", NULL},
    /* 5: an admin can block a user; refresh tokens carry the id of the login they descend
     * from, so that reusing a rotated token revokes the whole family (RFC 6819 §5.2.2.3) */
    {"ALTER TABLE users ADD COLUMN blocked INTEGER NOT NULL DEFAULT 0;"
     "ALTER TABLE refresh_tokens ADD COLUMN family_id TEXT;"
     "UPDATE refresh_tokens SET family_id = token_hash WHERE family_id IS NULL;"
     "CREATE INDEX refresh_tokens_family ON refresh_tokens(family_id);",
     /* PostgreSQL: BIGINT for ids, money and UTC-ms times; identity ids */
     "ALTER TABLE users ADD COLUMN blocked BIGINT NOT NULL DEFAULT 0;"
     "ALTER TABLE refresh_tokens ADD COLUMN family_id TEXT;"
     "UPDATE refresh_tokens SET family_id = token_hash WHERE family_id IS NULL;"
     "CREATE INDEX refresh_tokens_family ON refresh_tokens(family_id);"},
    /* 6: media owns its upload records; /media/uploads/{name} is served with the recorded type only */
    {"CREATE TABLE media_uploads ("
     "  name TEXT PRIMARY KEY, content_type TEXT NOT NULL, bytes INTEGER NOT NULL,"
     "  width INTEGER NOT NULL, height INTEGER NOT NULL, uploader_id INTEGER NOT NULL REFERENCES users(id),"
     "  created_at INTEGER NOT NULL);",
     /* PostgreSQL: BIGINT for ids, money and UTC-ms times; identity ids */
     "CREATE TABLE media_uploads ("
     "  name TEXT PRIMARY KEY, content_type TEXT NOT NULL, bytes BIGINT NOT NULL,"
     "  width BIGINT NOT NULL, height BIGINT NOT NULL, uploader_id BIGINT NOT NULL REFERENCES users(id),"
     "  created_at BIGINT NOT NULL);"},
    /* 7: product search (GET /products?q=) on a text index. SQLite: an external-content FTS5
     * table with the trigram tokenizer over name and description, kept in step with products by
     * triggers (a MATCH finds 3+ character substrings only; shorter queries use LIKE). PostgreSQL:
     * pg_trgm GIN indexes on name and description, used by ILIKE. */
    {"CREATE VIRTUAL TABLE product_fts USING fts5(name, description, content='products', content_rowid='id',"
     "  tokenize='trigram');"
     "INSERT INTO product_fts(product_fts) VALUES ('rebuild');"
     "CREATE TRIGGER product_fts_ai AFTER INSERT ON products BEGIN"
     "  INSERT INTO product_fts(rowid, name, description) VALUES (new.id, new.name, new.description); END;"
     "CREATE TRIGGER product_fts_ad AFTER DELETE ON products BEGIN"
     "  INSERT INTO product_fts(product_fts, rowid, name, description)"
     "  VALUES ('delete', old.id, old.name, old.description); END;"
     "CREATE TRIGGER product_fts_au AFTER UPDATE OF name, description ON products BEGIN"
     "  INSERT INTO product_fts(product_fts, rowid, name, description)"
     "  VALUES ('delete', old.id, old.name, old.description);"
     "  INSERT INTO product_fts(rowid, name, description) VALUES (new.id, new.name, new.description); END;",
     "CREATE EXTENSION IF NOT EXISTS pg_trgm;"
     "CREATE INDEX products_name_trgm ON products USING gin (name gin_trgm_ops);"
     "CREATE INDEX products_description_trgm ON products USING gin (description gin_trgm_ops);"},
    /* 8: change notification for the catalog's caches (store.h, notify.c). SQLite: every row
     * change of products, product_images, categories and users (update) bumps catalog_clock.n in the writer's
     * transaction, whichever process writes, so a server sees writes of other processes. PostgreSQL:
     * the same changes send pg_notify('broadcart_catalog', product id, 'r' + id when no listed or
     * ordered column changed, or '*'), delivered at commit
     * to every instance's listener; its catalog_clock stays empty (kept for db copy). */
    {"CREATE TABLE catalog_clock (id INTEGER PRIMARY KEY, n INTEGER NOT NULL);"
     "INSERT INTO catalog_clock (id, n) VALUES (1, 0);"
     "CREATE TRIGGER catalog_clock_pi AFTER INSERT ON products BEGIN UPDATE catalog_clock SET n = n + 1; END;"
     "CREATE TRIGGER catalog_clock_pu AFTER UPDATE ON products BEGIN UPDATE catalog_clock SET n = n + 1; END;"
     "CREATE TRIGGER catalog_clock_pd AFTER DELETE ON products BEGIN UPDATE catalog_clock SET n = n + 1; END;"
     "CREATE TRIGGER catalog_clock_ci AFTER INSERT ON categories BEGIN UPDATE catalog_clock SET n = n + 1; END;"
     "CREATE TRIGGER catalog_clock_cu AFTER UPDATE ON categories BEGIN UPDATE catalog_clock SET n = n + 1; END;"
     "CREATE TRIGGER catalog_clock_cd AFTER DELETE ON categories BEGIN UPDATE catalog_clock SET n = n + 1; END;"
     "CREATE TRIGGER catalog_clock_uu AFTER UPDATE ON users BEGIN UPDATE catalog_clock SET n = n + 1; END;"
     "CREATE TRIGGER catalog_clock_ii AFTER INSERT ON product_images BEGIN UPDATE catalog_clock SET n = n + 1; END;"
     "CREATE TRIGGER catalog_clock_iu AFTER UPDATE ON product_images BEGIN UPDATE catalog_clock SET n = n + 1; END;"
     "CREATE TRIGGER catalog_clock_id AFTER DELETE ON product_images BEGIN UPDATE catalog_clock SET n = n + 1; END;",
     "CREATE TABLE catalog_clock (id BIGINT PRIMARY KEY, n BIGINT NOT NULL);"
     "CREATE FUNCTION broadcart_product_notify() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
     "  IF TG_OP = 'DELETE' THEN PERFORM pg_notify('broadcart_catalog', OLD.id::text);"
     "  ELSIF TG_OP = 'INSERT' THEN PERFORM pg_notify('broadcart_catalog', NEW.id::text);"
     "  ELSIF OLD.deleted IS NOT DISTINCT FROM NEW.deleted"
     "    AND (OLD.status = 'HIDDEN') IS NOT DISTINCT FROM (NEW.status = 'HIDDEN')"
     "    AND OLD.category_id IS NOT DISTINCT FROM NEW.category_id AND OLD.seller_id = NEW.seller_id"
     "    AND OLD.name = NEW.name AND OLD.description = NEW.description AND OLD.price = NEW.price"
     "    AND OLD.created_at = NEW.created_at AND OLD.id = NEW.id THEN"
     "    PERFORM pg_notify('broadcart_catalog', 'r' || NEW.id::text);"
     "  ELSE PERFORM pg_notify('broadcart_catalog', NEW.id::text); END IF;"
     "  RETURN NULL; END $$;"
     "CREATE FUNCTION broadcart_image_notify() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
     "  IF TG_OP = 'DELETE' THEN PERFORM pg_notify('broadcart_catalog', 'r' || OLD.product_id::text);"
     "  ELSE PERFORM pg_notify('broadcart_catalog', 'r' || NEW.product_id::text); END IF;"
     "  RETURN NULL; END $$;"
     "CREATE FUNCTION broadcart_catalog_notify() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
     "  PERFORM pg_notify('broadcart_catalog', '*'); RETURN NULL; END $$;"
     "CREATE TRIGGER products_notify AFTER INSERT OR UPDATE OR DELETE ON products"
     "  FOR EACH ROW EXECUTE FUNCTION broadcart_product_notify();"
     "CREATE TRIGGER product_images_notify AFTER INSERT OR UPDATE OR DELETE ON product_images"
     "  FOR EACH ROW EXECUTE FUNCTION broadcart_image_notify();"
     "CREATE TRIGGER categories_notify AFTER INSERT OR UPDATE OR DELETE ON categories"
     "  FOR EACH STATEMENT EXECUTE FUNCTION broadcart_catalog_notify();"
     "CREATE TRIGGER users_notify AFTER UPDATE ON users"
     "  FOR EACH STATEMENT EXECUTE FUNCTION broadcart_catalog_notify();"},
    /* 9: one index per list order (GET /products without q: page ids first, in index order, stop
     * after the page) */
    {"CREATE INDEX products_list_newest ON products (created_at, id);"
     "CREATE INDEX products_list_name ON products (lower(name), created_at DESC, id DESC);"
     "CREATE INDEX products_list_price ON products (price, created_at DESC, id DESC);"
     "CREATE INDEX products_list_price_desc ON products (price DESC, created_at DESC, id DESC);",
     NULL},
    /* 10: the order state machine's statuses (commerce.h); SHIPPED becomes SHIPPING. SQLite
     * cannot alter a CHECK: the column is renamed, a new one added with the new CHECK, filled,
     * and the old one (whose CHECK is its own column constraint) dropped. PostgreSQL runs the
     * same steps, so the column order (SELECT *) stays the same on both. */
    {"DROP INDEX orders_pending;"
     "ALTER TABLE orders RENAME COLUMN status TO status_v1;"
     "ALTER TABLE orders ADD COLUMN status TEXT NOT NULL DEFAULT 'PENDING_PAYMENT' CHECK (status IN ("
     "'PENDING_PAYMENT','PAID','PREPARING','SHIPPING','DELIVERED','PURCHASE_CONFIRMED','CANCEL_REQUESTED','CANCELED','"
     "REFUNDED','EXPIRED','PAYMENT_FAILED','RETURN_REQUESTED','RETURNED'));"
     "UPDATE orders SET status = CASE status_v1 WHEN 'SHIPPED' THEN 'SHIPPING' ELSE status_v1 END;"
     "ALTER TABLE orders DROP COLUMN status_v1;"
     "CREATE INDEX orders_pending ON orders(status, expires_at);",
     NULL},
    /* ---- stock (helper stock) ---- */
    /* 11: the stock ledger says who (actor_id, NULL = the system), the hold and the balance after
     * each change; holds (stock_holds), per-product purchase limits (product_limits, 0 = none),
     * the units each buyer has reserved or bought per product (live_id 0: over everything; L:
     * through live L) and the units sold through each live (live_product_units). */
    {"ALTER TABLE stock_ledger ADD COLUMN actor_id INTEGER REFERENCES users(id);"
     "ALTER TABLE stock_ledger ADD COLUMN balance_after INTEGER;"
     "ALTER TABLE stock_ledger ADD COLUMN hold_id INTEGER;"
     "CREATE TABLE stock_holds ("
     "  id INTEGER PRIMARY KEY, product_id INTEGER NOT NULL REFERENCES products(id),"
     "  buyer_id INTEGER NOT NULL REFERENCES users(id), quantity INTEGER NOT NULL CHECK (quantity > 0),"
     "  live_id INTEGER REFERENCES lives(id),"
     "  status TEXT NOT NULL CHECK (status IN ('HELD','ORDERED','RELEASED')), order_id INTEGER REFERENCES orders(id),"
     "  created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, released_at INTEGER);"
     "CREATE INDEX stock_holds_due ON stock_holds(status, expires_at);"
     "CREATE INDEX stock_holds_buyer ON stock_holds(buyer_id, status);"
     "CREATE INDEX stock_ledger_product_id ON stock_ledger(product_id, id);"
     "CREATE TABLE product_limits ("
     "  product_id INTEGER PRIMARY KEY REFERENCES products(id), max_per_order INTEGER NOT NULL CHECK (max_per_order >= "
     "0),"
     "  max_per_buyer INTEGER NOT NULL CHECK (max_per_buyer >= 0),"
     "  max_per_buyer_live INTEGER NOT NULL CHECK (max_per_buyer_live >= 0), updated_at INTEGER NOT NULL);"
     "CREATE TABLE buyer_product_units ("
     "  buyer_id INTEGER NOT NULL REFERENCES users(id), product_id INTEGER NOT NULL REFERENCES products(id),"
     "  live_id INTEGER NOT NULL, units INTEGER NOT NULL CHECK (units >= 0),"
     "  PRIMARY KEY (buyer_id, product_id, live_id));"
     "CREATE TABLE live_product_units ("
     "  live_id INTEGER NOT NULL REFERENCES lives(id), product_id INTEGER NOT NULL REFERENCES products(id),"
     "  units INTEGER NOT NULL CHECK (units >= 0), PRIMARY KEY (live_id, product_id));",
     "ALTER TABLE stock_ledger ADD COLUMN actor_id BIGINT REFERENCES users(id);"
     "ALTER TABLE stock_ledger ADD COLUMN balance_after BIGINT;"
     "ALTER TABLE stock_ledger ADD COLUMN hold_id BIGINT;"
     "CREATE TABLE stock_holds ("
     "  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, product_id BIGINT NOT NULL REFERENCES products(id),"
     "  buyer_id BIGINT NOT NULL REFERENCES users(id), quantity BIGINT NOT NULL CHECK (quantity > 0),"
     "  live_id BIGINT REFERENCES lives(id),"
     "  status TEXT NOT NULL CHECK (status IN ('HELD','ORDERED','RELEASED')), order_id BIGINT REFERENCES orders(id),"
     "  created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, released_at BIGINT);"
     "CREATE INDEX stock_holds_due ON stock_holds(status, expires_at);"
     "CREATE INDEX stock_holds_buyer ON stock_holds(buyer_id, status);"
     "CREATE INDEX stock_ledger_product_id ON stock_ledger(product_id, id);"
     "CREATE TABLE product_limits ("
     "  product_id BIGINT PRIMARY KEY REFERENCES products(id), max_per_order BIGINT NOT NULL CHECK (max_per_order >= "
     "0),"
     "  max_per_buyer BIGINT NOT NULL CHECK (max_per_buyer >= 0),"
     "  max_per_buyer_live BIGINT NOT NULL CHECK (max_per_buyer_live >= 0), updated_at BIGINT NOT NULL);"
     "CREATE TABLE buyer_product_units ("
     "  buyer_id BIGINT NOT NULL REFERENCES users(id), product_id BIGINT NOT NULL REFERENCES products(id),"
     "  live_id BIGINT NOT NULL, units BIGINT NOT NULL CHECK (units >= 0),"
     "  PRIMARY KEY (buyer_id, product_id, live_id));"
     "CREATE TABLE live_product_units ("
     "  live_id BIGINT NOT NULL REFERENCES lives(id), product_id BIGINT NOT NULL REFERENCES products(id),"
     "  units BIGINT NOT NULL CHECK (units >= 0), PRIMARY KEY (live_id, product_id));"},
    /* ---- end stock ---- */
    {NULL, NULL},
};
