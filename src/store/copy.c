/* store: `broadcart db copy` — moves an embedded (SQLite) shop into an empty PostgreSQL database
 * (store.h bc_db_copy). The statements are built at run time from the table list and the source's
 * column names; each built string stays alive until both connections are closed, because the
 * statement caches key on the address of the SQL text. */
#include "store_int.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Every table of the schema, parents before children (a row's foreign keys point at rows copied
 * earlier): lives before orders (orders.live_id) and after products (lives.pinned_product_id).
 * A new table goes here too; bc_db_copy refuses a source table missing from the list. */
static const char *const copy_tables[] = {
    "users",
    "categories",
    "products",
    "product_images",
    "cart_items",
    "lives",
    "live_products",
    "orders",
    "order_lines",
    "stock_ledger",
    "payments",
    "chat_messages",
    "refresh_tokens",
    "media_uploads",
    "catalog_clock",
    /* orders (migration 13) */
    "shipments",
    "order_events",
    "order_refunds",
    "seller_shipping",
    /* notices */
    "notices",
    "notice_mails",
    /* payments */
    "payment_attempts",
    "payment_webhooks",
    /* stock (migration 11) */
    "stock_holds",
    "product_limits",
    "buyer_product_units",
    "live_product_units",
    /* replays (migration 17) */
    "replays",
    "replay_parts",
    "live_pins",
    /* live schedules (migration 18) */
    "live_subscriptions",
    /* stream health (migration 20) */
    "live_ingest_health",
    /* chat moderation and seller follows (migration 19) */
    "chat_rooms",
    "chat_sanctions",
    "chat_sellers",
    "chat_moderators",
    "chat_banned_words",
    "chat_last_sent",
    "chat_mod_log",
    "seller_follows",
    /* the live room's per-minute figures (migration 21) */
    "live_room_minutes",
    /* accounts and identity (migration 23) */
    "user_identities",
    "oauth_states",
    "oauth_links",
    "account_tokens",
    "seller_applications",
    "seller_profiles",
    "addresses",
    "idp_sandbox_codes",
    /* social sign-in tickets (migration 24) */
    "oauth_tickets",
    /* reviews, wishlist, follower notifications (migration 25) */
    "reviews",
    "review_likes",
    "review_summaries",
    "product_wishes",
    "live_fanouts",
    /* inquiries and announcements (migration 28) */
    "inquiries",
    "inquiry_messages",
    "product_questions",
    "announcements",
    /* coupons (migration 27) */
    "coupons",
    "user_coupons",
    /* points (migration 26) */
    "points_balances",
    "points_ledger",
    "points_rates",
    "points_attendance",
    "points_charges",
    /* product options as SKUs (migration 29) */
    "product_options",
    "product_skus",
    /* subscriptions (migration 30) */
    "subscription_plans",
    "subscription_customers",
    "subscriptions",
    "subscription_payments",
    /* sale posts and the posts of lives (migration 31) */
    "sale_posts",
    "sale_post_products",
    "live_sale_posts",
    /* admin audit log (migration 33) */
    "audit_log",
};
#define NTABLES (sizeof copy_tables / sizeof copy_tables[0])
#define POOL_MAX 512 /* 3 texts per table + one per identity */
#define SQL_MAX 4096

typedef struct copy_ctx {
    bc_db *src, *dst;
    FILE *report;
    char *pool[POOL_MAX]; /* built SQL texts, freed after both connections are closed */
    int npool;
    const char *count_sql[NTABLES], *select_sql[NTABLES], *insert_sql[NTABLES];
    int64_t rows[NTABLES];
    int not_empty; /* set by the unit: the target already held rows */
} copy_ctx;

/* A copy of the text in the pool (owned by ctx), or NULL when out of room or memory. */
static const char *pooled(copy_ctx *c, const char *text)
{
    if (c->npool >= POOL_MAX)
        return NULL;
    char *s = strdup(text);
    if (s)
        c->pool[c->npool++] = s;
    return s;
}

static int known_table(const char *name)
{
    for (size_t i = 0; i < NTABLES; i++)
        if (strcmp(copy_tables[i], name) == 0)
            return 1;
    return 0;
}

/* Refuses source tables the list does not name (SQLite's own tables, schema_migrations, virtual
 * tables and their shadow tables excepted). BC_OK, BC_ENOTFOUND or BC_ERR. */
static int check_source_tables(copy_ctx *c)
{
    bc_stmt *st = bc_db_prepare(
        c->src, "SELECT name FROM sqlite_master m WHERE type = 'table' AND name NOT LIKE 'sqlite!_%' ESCAPE '!'"
                " AND name <> 'schema_migrations' AND sql NOT LIKE 'CREATE VIRTUAL TABLE%'"
                " AND NOT EXISTS (SELECT 1 FROM sqlite_master v WHERE v.type = 'table'"
                " AND v.sql LIKE 'CREATE VIRTUAL TABLE%' AND substr(m.name, 1, length(v.name) + 1) = v.name || '_')"
                " ORDER BY name");
    if (!st)
        return BC_ERR;
    int rc, out = BC_OK;
    while ((rc = bc_stmt_step(st)) == 1) {
        const char *name = bc_stmt_text(st, 0);
        if (name && !known_table(name)) {
            fprintf(stderr, "db copy: the source has a table the copy does not know: %s\n", name);
            out = BC_ENOTFOUND;
        }
    }
    bc_stmt_reset(st);
    return rc < 0 ? BC_ERR : out;
}

/* Builds INSERT INTO t ("a", "b") VALUES (?, ?) from the columns of the source row st is on. */
static const char *build_insert(copy_ctx *c, const char *table, bc_stmt *st)
{
    char cols[SQL_MAX / 2], marks[SQL_MAX / 2], sql[SQL_MAX];
    size_t cl = 0, ml = 0;
    int n = bc_stmt_column_count(st);
    cols[0] = marks[0] = '\0';
    for (int i = 0; i < n; i++) {
        const char *name = bc_stmt_column_name(st, i);
        if (!name || strchr(name, '"'))
            return NULL;
        int a = snprintf(cols + cl, sizeof cols - cl, "%s\"%s\"", i ? ", " : "", name);
        int b = snprintf(marks + ml, sizeof marks - ml, "%s?", i ? ", " : "");
        if (a < 0 || b < 0 || (size_t)a >= sizeof cols - cl || (size_t)b >= sizeof marks - ml)
            return NULL;
        cl += (size_t)a;
        ml += (size_t)b;
    }
    if ((size_t)snprintf(sql, sizeof sql, "INSERT INTO %s (%s) VALUES (%s)", table, cols, marks) >= sizeof sql)
        return NULL;
    return pooled(c, sql);
}

/* Copies one table's rows, source order by rowid (a category's parent precedes it). */
static int copy_rows(copy_ctx *c, size_t t)
{
    bc_stmt *st = bc_db_prepare(c->src, c->select_sql[t]);
    if (!st)
        return BC_ERR;
    int rc;
    while ((rc = bc_stmt_step(st)) == 1) {
        if (!c->insert_sql[t] && !(c->insert_sql[t] = build_insert(c, copy_tables[t], st))) {
            rc = BC_ERR;
            break;
        }
        bc_stmt *ins = bc_db_prepare(c->dst, c->insert_sql[t]);
        if (!ins) {
            rc = BC_ERR;
            break;
        }
        int n = bc_stmt_column_count(st);
        for (int i = 0; i < n; i++) {
            switch (bc_stmt_column_type(st, i)) {
            case BC_COL_NULL:
                bc_stmt_bind_null(ins, i + 1);
                break;
            case BC_COL_INT:
                bc_stmt_bind_int(ins, i + 1, bc_stmt_int(st, i));
                break;
            default:
                bc_stmt_bind_text(ins, i + 1, bc_stmt_text(st, i));
            }
        }
        int irc;
        while ((irc = bc_stmt_step(ins)) == 1)
            ;
        bc_stmt_reset(ins);
        if (irc < 0) {
            fprintf(stderr, "db copy: cannot insert a row of %s (%s)\n", copy_tables[t],
                    irc == BC_ECONFLICT ? "a constraint refused it" : "database error, see the log");
            rc = irc;
            break;
        }
        c->rows[t]++;
    }
    bc_stmt_reset(st);
    return rc < 0 ? rc : BC_OK;
}

/* Moves every identity of the copied tables past its max: the next generated value is max + 1
 * (PostgreSQL 15 docs §9.17 setval with is_called false). */
static int reset_identities(copy_ctx *c)
{
    json_t *cols = NULL;
    int rc = bc_db_rows(c->dst, &cols,
                        "SELECT table_name, column_name FROM information_schema.columns"
                        " WHERE table_schema = current_schema() AND is_identity = 'YES' ORDER BY table_name",
                        "");
    if (rc < 0)
        return rc;
    rc = BC_OK;
    size_t i;
    json_t *row;
    json_array_foreach (cols, i, row) {
        const char *table = json_string_value(json_object_get(row, "table_name"));
        const char *col = json_string_value(json_object_get(row, "column_name"));
        if (!table || !col || !known_table(table) || strchr(col, '"'))
            continue;
        char sql[512];
        snprintf(sql, sizeof sql,
                 "SELECT setval(pg_get_serial_sequence('%s', '%s'), COALESCE(MAX(\"%s\"), 0) + 1, false) FROM %s",
                 table, col, col, table);
        const char *s = pooled(c, sql);
        int64_t ignored;
        if (!s) {
            rc = BC_ENOMEM; /* out of pool: fail rather than leave an identity behind its copied rows */
            break;
        }
        if ((rc = bc_db_int(c->dst, &ignored, s, "")) < 0)
            break;
        rc = BC_OK;
    }
    json_decref(cols);
    return rc < 0 ? rc : BC_OK;
}

/* The unit of work on the target (bc_db_tx): emptiness check, rows, identities. */
static int copy_unit(bc_db *dst, void *arg)
{
    copy_ctx *c = arg;
    (void)dst;
    c->not_empty = 0;
    for (size_t t = 0; t < NTABLES; t++) {
        int64_t n = 0;
        c->rows[t] = 0;
        if (bc_db_int(c->dst, &n, c->count_sql[t], "") < 0)
            return BC_ERR;
        if (n > 0) {
            fprintf(stderr, "db copy: the target already holds data (%s: %lld rows); it must be an empty database\n",
                    copy_tables[t], (long long)n);
            c->not_empty = 1;
        }
    }
    if (c->not_empty)
        return BC_ECONFLICT;
    for (size_t t = 0; t < NTABLES; t++) {
        int rc = copy_rows(c, t);
        if (rc != BC_OK)
            return rc;
    }
    return reset_identities(c);
}

int bc_db_copy(const char *from_url, const char *to_url, FILE *report)
{
    copy_ctx *c = calloc(1, sizeof *c);
    int rc = BC_ERR, src_open = 0;
    if (!c)
        return BC_ENOMEM;
    c->report = report;
    if (!from_url || strncmp(from_url, "sqlite:", 7) != 0 || !to_url ||
        (strncmp(to_url, "postgresql://", 13) != 0 && strncmp(to_url, "postgres://", 11) != 0)) {
        fprintf(stderr, "db copy: --from must be sqlite:PATH and --to postgresql://...\n");
        rc = BC_EINVAL;
        goto out;
    }
    if (access(from_url + 7, R_OK) != 0) {
        fprintf(stderr, "db copy: no SQLite database at %s\n", from_url + 7);
        goto out;
    }
    if (bc_db_open(from_url, &c->src) != BC_OK || bc_db_migrate(c->src) != BC_OK) {
        fprintf(stderr, "db copy: cannot open or migrate the source (see the log)\n");
        goto out;
    }
    if (bc_db_open(to_url, &c->dst) != BC_OK || bc_db_migrate(c->dst) != BC_OK) {
        fprintf(stderr, "db copy: cannot open or migrate the target (see the log)\n");
        goto out;
    }
    if ((rc = check_source_tables(c)) != BC_OK)
        goto out;
    rc = BC_ERR;
    for (size_t t = 0; t < NTABLES; t++) {
        char sql[256];
        snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM %s", copy_tables[t]);
        if (!(c->count_sql[t] = pooled(c, sql)))
            goto out;
        snprintf(sql, sizeof sql, "SELECT * FROM %s ORDER BY rowid", copy_tables[t]);
        if (!(c->select_sql[t] = pooled(c, sql)))
            goto out;
    }
    /* one snapshot of the source (WAL: a running server keeps writing, unseen by the copy) */
    if (c->src->ops->script(c->src, "BEGIN") != BC_OK)
        goto out;
    src_open = 1;
    rc = bc_db_tx(c->dst, copy_unit, c);
    if (rc != BC_OK) {
        if (!c->not_empty)
            fprintf(stderr, "db copy: failed; the target is unchanged\n");
        goto out;
    }
    int64_t total = 0;
    for (size_t t = 0; t < NTABLES; t++) {
        fprintf(report, "%s %lld\n", copy_tables[t], (long long)c->rows[t]);
        total += c->rows[t];
    }
    fprintf(report, "copied %lld rows in %zu tables\n", (long long)total, NTABLES);
out:
    if (src_open)
        bc_db_rollback(c->src);
    bc_db_close(c->src);
    bc_db_close(c->dst);
    for (int i = 0; i < c->npool; i++)
        free(c->pool[i]);
    free(c);
    return rc;
}
