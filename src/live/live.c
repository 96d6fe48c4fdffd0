/* Store code for lives: creation with products, the live JSON shape, listing, pinning, ending and
 * the state changes driven by nginx-rtmp callbacks. No HTTP here; live_api.c calls these on a
 * worker thread with its connection. */
#include "live.h"

#include "../accounts/accounts.h"
#include "../catalog/catalog.h"
#include "../chat/chat.h"
#include "../posts/posts.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

int bc_live_product_json(bc_db *db, int64_t product_id, json_t **out)
{
    /* the catalog owns the product shape; hidden and deleted products are left out of lives */
    return bc_catalog_product_json(db, product_id, 0, out);
}

/* Checks that product_id exists (not deleted) and belongs to seller_id.
 * BC_OK, BC_ENOTFOUND, BC_EFORBIDDEN or BC_ERR. */
static int check_own_product(bc_db *db, int64_t seller_id, int64_t product_id)
{
    int64_t owner = 0;
    int deleted = 0;
    int rc = bc_catalog_product_owner(db, product_id, &owner, &deleted, NULL); /* the catalog owns products */
    if (rc != BC_OK)
        return rc == BC_ENOTFOUND ? BC_ENOTFOUND : BC_ERR;
    if (deleted)
        return BC_ENOTFOUND;
    return owner == seller_id ? BC_OK : BC_EFORBIDDEN;
}

typedef struct create_args {
    int64_t seller_id;
    const bc_live_schedule *sched;
    const char *title, *key;
    const int64_t *product_ids;
    size_t nproducts;
    int64_t id; /* out */
} create_args;

/* Appends id to ids[0..*n) unless it is there; BC_EINVAL when BC_LIVE_MAX_PRODUCTS are there. */
static int add_product(int64_t *ids, size_t *n, int64_t id)
{
    for (size_t i = 0; i < *n; i++)
        if (ids[i] == id)
            return BC_OK;
    if (*n >= BC_LIVE_MAX_PRODUCTS)
        return BC_EINVAL;
    ids[(*n)++] = id;
    return BC_OK;
}

/* The unit of work of bc_live_create, run by bc_db_tx (from scratch on each try): the products of
 * the sale posts (posts module, read in this transaction), then the ones given directly. */
static int live_create_tx(bc_db *db, void *arg)
{
    create_args *a = arg;
    const bc_live_schedule *s = a->sched;
    int64_t ids[BC_LIVE_MAX_PRODUCTS], posts[BC_LIVE_SALE_POSTS_MAX], of_post[BC_POST_PRODUCTS_MAX];
    size_t n = 0, nposts = 0;
    int rc;
    a->id = 0;
    for (size_t i = 0; i < s->nsale_posts && i < BC_LIVE_SALE_POSTS_MAX; i++) {
        int m = 0, dup = 0;
        for (size_t k = 0; k < nposts; k++)
            dup |= posts[k] == s->sale_post_ids[i];
        if (dup)
            continue;
        posts[nposts++] = s->sale_post_ids[i];
        rc = bc_post_product_ids(db, s->sale_post_ids[i], a->seller_id, of_post, BC_POST_PRODUCTS_MAX, &m);
        if (rc == BC_ENOTFOUND || rc == BC_EFORBIDDEN || rc == BC_ECONFLICT)
            return BC_ECONFLICT;
        if (rc != BC_OK)
            return rc == BC_EBUSY ? BC_EBUSY : BC_ERR;
        for (int k = 0; k < m; k++)
            if (add_product(ids, &n, of_post[k]) != BC_OK)
                return BC_EINVAL;
    }
    for (size_t i = 0; i < a->nproducts; i++) {
        if ((rc = check_own_product(db, a->seller_id, a->product_ids[i])) != BC_OK)
            return rc;
        if (add_product(ids, &n, a->product_ids[i]) != BC_OK)
            return BC_EINVAL;
    }
    if (n == 0)
        return BC_EINVAL;
    rc = bc_db_int(db, &a->id,
                   "INSERT INTO lives (seller_id, title, status, scheduled_at, stream_key, created_at, duration_min,"
                   " cover_url, region_sido, region_sigungu) VALUES (?, ?, 'SCHEDULED', ?, ?, ?, ?, ?, ?, ?)"
                   " RETURNING id",
                   "ititiittt", a->seller_id, a->title, s->scheduled_at, a->key, bc_now_ms(), (int64_t)s->duration_min,
                   s->cover_url, s->region.sido, s->region.sido && s->region.sigungu[0] ? s->region.sigungu : NULL);
    if (rc != 1)
        return rc == BC_EBUSY ? BC_EBUSY : BC_ERR;
    for (size_t i = 0; i < n; i++) {
        rc = bc_db_exec(db,
                        "INSERT INTO live_products (live_id, product_id, position) VALUES (?, ?, ?)"
                        " ON CONFLICT DO NOTHING",
                        "iii", a->id, ids[i], (int64_t)i);
        if (rc < 0)
            return rc == BC_EBUSY ? BC_EBUSY : BC_ERR;
    }
    for (size_t i = 0; i < nposts; i++) {
        rc = bc_db_exec(db, "INSERT INTO live_sale_posts (live_id, sale_post_id, position) VALUES (?, ?, ?)", "iii",
                        a->id, posts[i], (int64_t)i);
        if (rc < 0)
            return rc == BC_EBUSY ? BC_EBUSY : BC_ERR;
    }
    return BC_OK;
}

int bc_live_create(bc_db *db, int64_t seller_id, const char *title, int64_t scheduled_at, const int64_t *product_ids,
                   size_t nproducts, int64_t *out_id)
{
    bc_live_schedule s = {.scheduled_at = scheduled_at, .duration_min = BC_LIVE_DURATION_DEFAULT};
    return bc_live_create_scheduled(db, seller_id, title, &s, product_ids, nproducts, out_id);
}

int bc_live_create_scheduled(bc_db *db, int64_t seller_id, const char *title, const bc_live_schedule *s,
                             const int64_t *product_ids, size_t nproducts, int64_t *out_id)
{
    char key[BC_LIVE_KEY_LEN + 1];
    if (s->duration_min < 1 || s->duration_min > BC_LIVE_DURATION_MAX)
        return BC_EINVAL;
    bc_rand_token(key, BC_LIVE_KEY_LEN);
    create_args a = {seller_id, s, title, key, product_ids, nproducts, 0};
    int rc = bc_db_tx(db, live_create_tx, &a);
    if (rc == BC_OK)
        *out_id = a.id;
    sodium_memzero(key, sizeof key);
    return rc;
}

int bc_live_seller(bc_db *db, int64_t id, int64_t *seller_id)
{
    int rc = bc_db_int(db, seller_id, "SELECT seller_id FROM lives WHERE id = ?", "i", id);
    return rc == 1 ? BC_OK : rc == 0 ? BC_ENOTFOUND : BC_ERR;
}

int bc_live_state(bc_db *db, int64_t id, int64_t *seller_id, char status[16])
{
    bc_stmt *st = bc_db_prepare(db, "SELECT seller_id, status FROM lives WHERE id = ?");
    if (!st)
        return BC_ERR;
    bc_stmt_bind_int(st, 1, id);
    int rc = bc_stmt_step(st);
    if (rc == 1) {
        const char *t = bc_stmt_text(st, 1);
        *seller_id = bc_stmt_int(st, 0);
        snprintf(status, 16, "%s", t ? t : "");
    }
    bc_stmt_reset(st);
    return rc == 1 ? BC_OK : rc == 0 ? BC_ENOTFOUND : rc == BC_EBUSY ? BC_EBUSY : BC_ERR;
}

int bc_live_first_scheduled(bc_db *db, int64_t seller_id, int64_t *id, char key[BC_LIVE_KEY_LEN + 1])
{
    bc_stmt *st = bc_db_prepare(
        db, "SELECT id, stream_key FROM lives WHERE seller_id = ? AND status = 'SCHEDULED' ORDER BY id LIMIT 1");
    if (!st)
        return BC_ERR;
    bc_stmt_bind_int(st, 1, seller_id);
    int rc = bc_stmt_step(st);
    if (rc == 1) {
        const char *k = bc_stmt_text(st, 1);
        *id = bc_stmt_int(st, 0);
        snprintf(key, BC_LIVE_KEY_LEN + 1, "%s", k ? k : "");
    }
    bc_stmt_reset(st);
    return rc == 1 ? BC_OK : rc == 0 ? BC_ENOTFOUND : rc == BC_EBUSY ? BC_EBUSY : BC_ERR;
}

/* The terms apply now: the live is LIVE, or ENDED and the seller kept them for the replay. */
static int offer_active(const char *status, int replay)
{
    return strcmp(status, "LIVE") == 0 || (replay && strcmp(status, "ENDED") == 0);
}

/* The live_offer JSON of a live_products row {live_price, stock_cap, replay} of a live in status. */
static json_t *row_offer_json(json_t *row, const char *status)
{
    bc_live_offer o = {json_integer_value(json_object_get(row, "live_price")),
                       json_integer_value(json_object_get(row, "stock_cap")),
                       json_integer_value(json_object_get(row, "replay")) != 0, 0};
    o.active = offer_active(status ? status : "", o.replay);
    return bc_live_offer_json(&o);
}

/* The sale_posts member of live id: the brief of each post it was scheduled with (posts module),
 * in order, as a new array *out. */
static int sale_posts_json(bc_db *db, int64_t id, json_t **out)
{
    json_t *rows = NULL, *r;
    size_t i;
    *out = NULL;
    int rc = bc_db_rows(db, &rows,
                        "SELECT sale_post_id FROM live_sale_posts WHERE live_id = ? ORDER BY position, sale_post_id",
                        "i", id);
    if (rc < 0)
        return rc == BC_EBUSY ? BC_EBUSY : BC_ERR;
    *out = json_array();
    json_array_foreach (rows, i, r) {
        json_t *p = NULL;
        rc = bc_post_brief(db, json_integer_value(json_object_get(r, "sale_post_id")), &p);
        if (rc == BC_OK)
            json_array_append_new(*out, p);
        else if (rc != BC_ENOTFOUND)
            break;
        rc = BC_OK;
    }
    json_decref(rows);
    if (rc != BC_OK) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}

/* bc_live_get with the sellers' names already looked up (names: bc_accounts_user_names' map, or
 * NULL to look this live's seller up); viewer_id (0 = anonymous) for "subscribed". */
static int live_get(bc_db *db, int64_t id, int with_secret, int64_t viewer_id, json_t *names, json_t **out)
{
    json_t *l = NULL, *rows = NULL, *products = json_array(), *pinned = NULL, *own_names = NULL, *posts = NULL;
    *out = NULL;
    int rc = bc_db_row(db, &l,
                       "SELECT id, seller_id, '' AS seller_name, title, status, scheduled_at, duration_min, cover_url,"
                       " region_sido AS region, region_sigungu, started_at, ended_at, interrupted_at,"
                       " pinned_product_id, stream_key,"
                       " (SELECT COUNT(*) FROM live_subscriptions s WHERE s.live_id = lives.id) AS subscribers,"
                       " (SELECT COUNT(*) FROM live_subscriptions s WHERE s.live_id = lives.id AND s.user_id = ?)"
                       " AS subscribed FROM lives WHERE id = ?",
                       "ii", viewer_id, id);
    if (rc != 1) {
        rc = rc == 0 ? BC_ENOTFOUND : BC_ERR;
        goto out;
    }
    /* the accounts module owns users: the seller's name comes from it */
    int64_t seller = json_integer_value(json_object_get(l, "seller_id"));
    char key[24];
    snprintf(key, sizeof key, "%lld", (long long)seller);
    if (!names || !json_object_get(names, key)) {
        if (bc_accounts_user_names(db, &seller, 1, &own_names) != BC_OK) {
            rc = BC_ERR;
            goto out;
        }
        names = own_names;
    }
    json_t *who = json_object_get(names, key);
    if (!who) {
        rc = BC_ENOTFOUND; /* as the JOIN did: a live without its seller is not shown */
        goto out;
    }
    json_object_set(l, "seller_name", json_object_get(who, "name")); /* in place: the key order stays */
    json_object_set_new(l, "region",                                 /* in place too */
                        bc_regions_json(json_string_value(json_object_get(l, "region")),
                                        json_string_value(json_object_get(l, "region_sigungu"))));
    json_object_del(l, "region_sigungu");
    if ((rc = sale_posts_json(db, id, &posts)) != BC_OK)
        goto out;
    json_object_set_new(l, "sale_posts", posts);
    posts = NULL;
    const char *status = json_string_value(json_object_get(l, "status"));
    if (bc_db_rows(db, &rows,
                   "SELECT product_id, live_price, stock_cap, replay FROM live_products WHERE live_id = ?"
                   " ORDER BY position, product_id",
                   "i", id) < 0) {
        rc = BC_ERR;
        goto out;
    }
    size_t i;
    json_t *row;
    json_array_foreach (rows, i, row) {
        json_t *p = NULL;
        int prc = bc_live_product_json(db, json_integer_value(json_object_get(row, "product_id")), &p);
        if (prc == BC_ERR) {
            rc = BC_ERR;
            goto out;
        }
        if (p) {
            json_object_set_new(p, "live_offer", row_offer_json(row, status));
            json_array_append_new(products, p);
        }
    }
    json_t *pin_id = json_object_get(l, "pinned_product_id");
    if (json_is_integer(pin_id) && bc_live_product_json(db, json_integer_value(pin_id), &pinned) == BC_ERR) {
        rc = BC_ERR;
        goto out;
    }
    if (pinned) {
        json_t *offer = json_null();
        json_array_foreach (rows, i, row)
            if (json_integer_value(json_object_get(row, "product_id")) == json_integer_value(pin_id)) {
                json_decref(offer);
                offer = row_offer_json(row, status);
            }
        json_object_set_new(pinned, "live_offer", offer);
    }
    char hls[64];
    snprintf(hls, sizeof hls, "/hls/%lld/index.m3u8", (long long)id);
    json_object_set_new(l, "hls_url", json_string(hls));
    json_object_set_new(l, "viewer_count", json_integer(bc_hub_count(id)));
    json_object_set_new(l, "unique_viewers", json_integer(bc_chat_unique_viewers(id)));
    json_object_set_new(l, "pinned_product", pinned ? pinned : json_null());
    pinned = NULL;
    json_object_set(l, "products", products);
    json_object_del(l, "pinned_product_id");
    json_object_set_new(l, "subscribed", json_boolean(json_integer_value(json_object_get(l, "subscribed")) > 0));
    if (with_secret) {
        const char *key = json_string_value(json_object_get(l, "stream_key"));
        json_object_set_new(l, "rtmp_url",
                            json_sprintf("rtmp://%s:%d/live", bc_cfg.rtmp_public_host, bc_cfg.rtmp_port));
        json_object_set_new(l, "obs_stream_key", json_sprintf("%lld?key=%s", (long long)id, key));
        json_object_set_new(l, "publish_url",
                            json_sprintf("rtmp://%s:%d/live/%lld?key=%s", bc_cfg.rtmp_public_host, bc_cfg.rtmp_port,
                                         (long long)id, key));
    } else {
        json_object_del(l, "stream_key");
    }
    json_t *replay = NULL; /* replays: the recording's state and URLs */
    if ((rc = bc_replay_json(db, id, &replay)) != BC_OK)
        goto out;
    json_object_set_new(l, "replay", replay);
    *out = l;
    l = NULL;
    rc = BC_OK;
out:
    json_decref(l);
    json_decref(rows);
    json_decref(products);
    json_decref(pinned);
    json_decref(own_names);
    json_decref(posts);
    return rc;
}

int bc_live_get(bc_db *db, int64_t id, int with_secret, json_t **out)
{
    return bc_live_get_as(db, id, with_secret, 0, out);
}

int bc_live_get_as(bc_db *db, int64_t id, int with_secret, int64_t viewer_id, json_t **out)
{
    int rc = live_get(db, id, with_secret, viewer_id, NULL, out);
    if (rc == BC_OK) /* chat moderation: the notice pinned at the top of the chat */
        json_object_set_new(*out, "notice", bc_chat_notice_json(db, id));
    return rc;
}

/* Appends the full JSON of every live in rows (objects with "id" and "seller_id") to out, with
 * the sellers' names looked up once for all of them. */
static int append_lives(bc_db *db, json_t *rows, int with_secret, int64_t viewer_id, json_t *out)
{
    size_t i, n = json_array_size(rows);
    json_t *row, *names = NULL;
    int64_t *sellers = n ? calloc(n, sizeof *sellers) : NULL;
    int rc = n && !sellers ? BC_ENOMEM : BC_OK;
    json_array_foreach (rows, i, row)
        if (sellers)
            sellers[i] = json_integer_value(json_object_get(row, "seller_id"));
    if (rc == BC_OK && n)
        rc = bc_accounts_user_names(db, sellers, n, &names);
    json_array_foreach (rows, i, row) {
        if (rc != BC_OK)
            break;
        json_t *l = NULL;
        int r = live_get(db, json_integer_value(json_object_get(row, "id")), with_secret, viewer_id, names, &l);
        if (r == BC_ERR)
            rc = BC_ERR;
        if (l)
            json_array_append_new(out, l);
    }
    free(sellers);
    json_decref(names);
    return rc == BC_OK ? BC_OK : BC_ERR;
}

int bc_live_list(bc_db *db, const char *status, int64_t seller_id, int64_t viewer_id, json_t **out)
{
    static const char q_seller[] = "SELECT id, seller_id FROM lives WHERE seller_id = ? ORDER BY id DESC LIMIT 200";
    json_t *items = NULL, *rows = NULL;
    if (seller_id <= 0)
        return bc_live_list_public(db, status, 0, NULL, viewer_id, out);
    *out = NULL;
    items = json_array();
    if (bc_db_rows(db, &rows, q_seller, "i", seller_id) < 0 || append_lives(db, rows, 1, viewer_id, items) != BC_OK) {
        json_decref(rows);
        json_decref(items);
        return BC_ERR;
    }
    json_decref(rows);
    *out = items;
    return BC_OK;
}

int bc_live_list_public(bc_db *db, const char *status, int64_t seller_id, const bc_region *region, int64_t viewer_id,
                        json_t **out)
{
    /* each query yields ids in display order; statements must be literals (cached by address).
     * Parameters: seller twice, 시/도 twice, 시/군/구 twice ("" = any). */
#define LIST_FILTER " AND (? = 0 OR seller_id = ?) AND (? = '' OR region_sido = ?) AND (? = '' OR region_sigungu = ?)"
    static const char q_live[] = "SELECT id, seller_id FROM lives WHERE status = 'LIVE'" LIST_FILTER
                                 " ORDER BY started_at DESC, id DESC LIMIT 100";
    static const char q_sched[] =
        "SELECT id, seller_id FROM lives WHERE status = 'SCHEDULED'" LIST_FILTER " ORDER BY scheduled_at, id LIMIT 100";
    static const char q_ended_all[] = "SELECT id, seller_id FROM lives WHERE status = 'ENDED'" LIST_FILTER
                                      " ORDER BY ended_at DESC, id DESC LIMIT 100";
    static const char q_ended_recent[] = "SELECT id, seller_id FROM lives WHERE status = 'ENDED'" LIST_FILTER
                                         " ORDER BY ended_at DESC, id DESC LIMIT 20";
    static const char q_missed[] = "SELECT id, seller_id FROM lives WHERE status = 'MISSED'" LIST_FILTER
                                   " ORDER BY scheduled_at DESC, id DESC LIMIT 100";
#undef LIST_FILTER
    const char *queries[3] = {NULL, NULL, NULL};
    const char *sido = region && region->sido ? region->sido : "", *sg = region && region->sido ? region->sigungu : "";
    json_t *items = json_array(), *rows = NULL;
    int rc = BC_OK;
    *out = NULL;
    if (seller_id < 0)
        seller_id = 0;
    if (!status) {
        queries[0] = q_live;
        queries[1] = q_sched;
        queries[2] = q_ended_recent;
    } else if (strcmp(status, "LIVE") == 0) {
        queries[0] = q_live;
    } else if (strcmp(status, "SCHEDULED") == 0) {
        queries[0] = q_sched;
    } else if (strcmp(status, "ENDED") == 0) {
        queries[0] = q_ended_all;
    } else if (strcmp(status, "MISSED") == 0) {
        queries[0] = q_missed;
    } else {
        rc = BC_EINVAL;
        goto out;
    }
    for (int q = 0; q < 3 && queries[q]; q++) {
        json_decref(rows);
        rows = NULL;
        if (bc_db_rows(db, &rows, queries[q], "iitttt", seller_id, seller_id, sido, sido, sg, sg) < 0 ||
            append_lives(db, rows, 0, viewer_id, items) != BC_OK) {
            rc = BC_ERR;
            goto out;
        }
    }
    *out = items;
    items = NULL;
out:
    json_decref(items);
    json_decref(rows);
    return rc;
}

int bc_live_sale_post_uses(bc_db *db, int64_t post_id, int64_t *n)
{
    int rc = bc_db_int(db, n, "SELECT COUNT(*) FROM live_sale_posts WHERE sale_post_id = ?", "i", post_id);
    return rc == 1 ? BC_OK : rc == BC_EBUSY ? BC_EBUSY : BC_ERR;
}

int bc_live_sale_post_lives(bc_db *db, int64_t post_id, json_t **out)
{
    int rc =
        bc_db_rows(db, out,
                   "SELECT l.id, l.title, l.status, l.scheduled_at, l.started_at, l.ended_at FROM live_sale_posts lp"
                   " JOIN lives l ON l.id = lp.live_id WHERE lp.sale_post_id = ? ORDER BY l.id DESC LIMIT 100",
                   "i", post_id);
    return rc >= 0 ? BC_OK : rc == BC_EBUSY ? BC_EBUSY : BC_ERR;
}

typedef struct pin_args {
    int64_t live_id, seller_id, product_id;
    json_t *product; /* out: the pinned product's JSON (owned), NULL when unpinned */
} pin_args;

/* The unit of work of bc_live_pin, run by bc_db_tx (from scratch on each try). The live's row is
 * locked first (FOR UPDATE on PostgreSQL; SQLite holds its one write lock), so concurrent pins of
 * one live count its products and number their positions one after another, and an end that
 * commits first is seen. */
static int pin_tx(bc_db *db, void *arg)
{
    pin_args *a = arg;
    int64_t live_id = a->live_id, seller_id = a->seller_id, product_id = a->product_id;
    json_t *l = NULL;
    json_decref(a->product);
    a->product = NULL;
    int rc = bc_db_row(db, &l,
                       bc_db_dialect_sql(db, "SELECT seller_id, status FROM lives WHERE id = ?",
                                         "SELECT seller_id, status FROM lives WHERE id = ? FOR UPDATE"),
                       "i", live_id);
    if (rc != 1) {
        rc = rc == 0 ? BC_ENOTFOUND : rc;
        goto out;
    }
    if (json_integer_value(json_object_get(l, "seller_id")) != seller_id) {
        rc = BC_EFORBIDDEN;
        goto out;
    }
    const char *lstatus = json_string_value(json_object_get(l, "status"));
    if (strcmp(lstatus, "ENDED") == 0 || strcmp(lstatus, "MISSED") == 0) {
        rc = BC_ECONFLICT;
        goto out;
    }
    if (product_id > 0) {
        int64_t n = 0;
        rc = bc_db_int(db, &n, "SELECT COUNT(*) FROM live_products WHERE live_id = ? AND product_id = ?", "ii", live_id,
                       product_id);
        if (rc < 0)
            goto out;
        /* a live product is pinnable as long as it exists; anything else must be the seller's own */
        rc = check_own_product(db, seller_id, product_id);
        if (rc == BC_ENOTFOUND || (rc == BC_EFORBIDDEN && n == 0)) {
            rc = BC_EINVAL;
            goto out;
        }
        if (rc == BC_ERR)
            goto out;
        if (n == 0) {
            int64_t count = 0;
            if (bc_db_int(db, &count, "SELECT COUNT(*) FROM live_products WHERE live_id = ?", "i", live_id) < 0) {
                rc = BC_ERR;
                goto out;
            }
            if (count >= BC_LIVE_MAX_PRODUCTS) {
                rc = BC_EINVAL;
                goto out;
            }
            if (bc_db_exec(
                    db,
                    "INSERT INTO live_products (live_id, product_id, position)"
                    " VALUES (?, ?, (SELECT COALESCE(MAX(position), -1) + 1 FROM live_products WHERE live_id = ?))",
                    "iii", live_id, product_id, live_id) < 0) {
                rc = BC_ERR;
                goto out;
            }
        }
        if ((rc = bc_live_product_json(db, product_id, &a->product)) != BC_OK) {
            rc = rc == BC_ENOTFOUND ? BC_EINVAL : rc;
            goto out;
        }
        bc_live_offer offer;
        if ((rc = bc_live_offer_get(db, live_id, product_id, &offer)) != BC_OK)
            goto out;
        json_object_set_new(a->product, "live_offer", bc_live_offer_json(&offer));
        rc = bc_db_exec(db, "UPDATE lives SET pinned_product_id = ? WHERE id = ?", "ii", product_id, live_id);
    } else {
        rc = bc_db_exec(db, "UPDATE lives SET pinned_product_id = NULL WHERE id = ?", "i", live_id);
    }
    if (rc < 0)
        goto out;
    rc = bc_replay_note_pin(db, live_id, product_id); /* replays: the pin timeline */
out:
    json_decref(l);
    return rc;
}

int bc_live_pin(bc_db *db, int64_t live_id, int64_t seller_id, int64_t product_id, json_t **product)
{
    pin_args a = {live_id, seller_id, product_id, NULL};
    if (product)
        *product = NULL;
    int rc = bc_db_tx(db, pin_tx, &a);
    if (rc == BC_OK && product) {
        *product = a.product;
        a.product = NULL;
    }
    json_decref(a.product);
    return rc;
}

int bc_live_end(bc_db *db, int64_t live_id, int64_t seller_id, int *changed)
{
    int64_t owner = 0;
    *changed = 0;
    int rc = bc_live_seller(db, live_id, &owner);
    if (rc != BC_OK)
        return rc;
    if (owner != seller_id)
        return BC_EFORBIDDEN;
    rc =
        bc_db_exec(db,
                   "UPDATE lives SET status = 'ENDED', ended_at = ?, pinned_product_id = NULL, publisher_client = NULL,"
                   " interrupted_at = NULL WHERE id = ? AND status IN ('SCHEDULED', 'LIVE')",
                   "ii", bc_now_ms(), live_id);
    if (rc < 0)
        return BC_ERR;
    *changed = rc > 0;
    return BC_OK;
}

int bc_live_on_publish(bc_db *db, int64_t id, const char *key, const char *clientid, int *resumed)
{
    json_t *l = NULL;
    int64_t now = bc_now_ms(), grace_ms = (int64_t)bc_cfg.live_grace_s * 1000;
    if (resumed)
        *resumed = 0;
    int rc = bc_db_row(db, &l,
                       "SELECT stream_key, status, publisher_client, scheduled_at, created_at, interrupted_at"
                       " FROM lives WHERE id = ?",
                       "i", id);
    if (rc != 1) {
        rc = rc == 0 ? BC_EFORBIDDEN : BC_ERR;
        goto out;
    }
    const char *stored = json_string_value(json_object_get(l, "stream_key"));
    const char *status = json_string_value(json_object_get(l, "status"));
    size_t klen = key ? strlen(key) : 0;
    /* length is public (fixed); the content is compared in constant time */
    if (!key || !stored || klen != strlen(stored) || klen == 0 || sodium_memcmp(key, stored, klen) != 0) {
        rc = BC_EFORBIDDEN;
        goto out;
    }
    int64_t sched = json_integer_value(json_object_get(l, "scheduled_at"));
    int64_t created = json_integer_value(json_object_get(l, "created_at"));
    json_t *intr = json_object_get(l, "interrupted_at");
    /* a SCHEDULED live may start until its deadline (the sweep marks it MISSED after it) */
    int fresh = strcmp(status, "SCHEDULED") == 0 && (sched > created ? sched : created) + grace_ms >= now;
    /* an interrupted live may be republished within the grace; LIVE without a publisher and
     * without interrupted_at is a live whose ingest was lost before this rule existed */
    int again = strcmp(status, "LIVE") == 0 && json_is_null(json_object_get(l, "publisher_client")) &&
                (!json_is_integer(intr) || json_integer_value(intr) + grace_ms >= now);
    if (!fresh && !again) {
        rc = BC_EFORBIDDEN; /* ENDED, MISSED, past the grace, or LIVE with a publisher already on air */
        goto out;
    }
    rc = bc_db_exec(
        db,
        "UPDATE lives SET status = 'LIVE', started_at = COALESCE(started_at, ?), publisher_client = ?,"
        " interrupted_at = NULL, last_segment_at = ? WHERE id = ? AND status = ? AND publisher_client IS NULL",
        "itiit", now, clientid ? clientid : "", now, id, status);
    rc = rc < 0 ? BC_ERR : rc == 1 ? BC_OK : BC_EFORBIDDEN; /* 0: a concurrent publish won */
    if (rc == BC_OK && resumed)
        *resumed = again;
out:
    json_decref(l);
    return rc;
}

int bc_live_on_publish_done(bc_db *db, int64_t id, const char *clientid)
{
    if (!clientid)
        return BC_ECONFLICT;
    int rc = bc_db_exec(db,
                        "UPDATE lives SET publisher_client = NULL, interrupted_at = ?"
                        " WHERE id = ? AND status = 'LIVE' AND publisher_client = ?",
                        "iit", bc_now_ms(), id, clientid);
    return rc < 0 ? BC_ERR : rc == 1 ? BC_OK : BC_ECONFLICT;
}

int bc_live_on_update(bc_db *db, int64_t id, const char *clientid)
{
    json_t *l = NULL;
    int rc = bc_db_row(db, &l, "SELECT status, publisher_client FROM lives WHERE id = ?", "i", id);
    if (rc == 0) {
        rc = BC_EFORBIDDEN;
    } else if (rc == 1) {
        const char *pub = json_string_value(json_object_get(l, "publisher_client"));
        int live = strcmp(json_string_value(json_object_get(l, "status")), "LIVE") == 0;
        rc = live && pub && clientid && strcmp(pub, clientid) == 0 ? BC_OK : BC_EFORBIDDEN;
    } else {
        rc = BC_OK;
    }
    json_decref(l);
    return rc;
}

int bc_live_max_id(bc_db *db, int64_t *out)
{
    int rc = bc_db_int(db, out, "SELECT COALESCE(MAX(id), 0) FROM lives", "");
    return rc == 1 ? BC_OK : BC_ERR;
}

int bc_live_offer_get(bc_db *db, int64_t live_id, int64_t product_id, bc_live_offer *out)
{
    memset(out, 0, sizeof *out);
    bc_stmt *st =
        bc_db_prepare(db, "SELECT l.status, lp.product_id, lp.live_price, lp.stock_cap, lp.replay"
                          " FROM lives l LEFT JOIN live_products lp ON lp.live_id = l.id AND lp.product_id = ?"
                          " WHERE l.id = ?");
    if (!st)
        return BC_ERR;
    bc_stmt_bind_int(st, 1, product_id);
    bc_stmt_bind_int(st, 2, live_id);
    int rc = bc_stmt_step(st);
    if (rc == 1) {
        const char *status = bc_stmt_text(st, 0);
        if (bc_stmt_is_null(st, 1)) {
            rc = BC_ECONFLICT;
        } else {
            out->live_price = bc_stmt_int(st, 2);
            out->stock_cap = bc_stmt_int(st, 3);
            out->replay = bc_stmt_int(st, 4) != 0;
            out->active = offer_active(status ? status : "", out->replay);
            rc = BC_OK;
        }
    } else {
        rc = rc == 0 ? BC_ENOTFOUND : rc == BC_EBUSY ? BC_EBUSY : BC_ERR;
    }
    bc_stmt_reset(st);
    return rc;
}

json_t *bc_live_offer_json(const bc_live_offer *o)
{
    if (o->live_price == 0 && o->stock_cap == 0 && !o->replay)
        return json_null();
    return json_pack("{s:o,s:o,s:b,s:b}", "live_price", o->live_price ? json_integer(o->live_price) : json_null(),
                     "stock_cap", o->stock_cap ? json_integer(o->stock_cap) : json_null(), "replay", o->replay,
                     "active", o->active);
}

typedef struct offer_args {
    int64_t live_id, seller_id, product_id;
    bc_live_offer offer; /* in: live_price, stock_cap, replay; out: active */
} offer_args;

/* The unit of work of bc_live_offer_set, run by bc_db_tx (from scratch on each try). */
static int offer_set_tx(bc_db *db, void *arg)
{
    offer_args *a = arg;
    int64_t owner = 0;
    char status[16];
    int rc = bc_live_state(db, a->live_id, &owner, status);
    if (rc != BC_OK)
        return rc;
    if (owner != a->seller_id)
        return BC_EFORBIDDEN;
    rc = bc_db_exec(db,
                    "UPDATE live_products SET live_price = ?, stock_cap = ?, replay = ?"
                    " WHERE live_id = ? AND product_id = ?",
                    "iiiii", a->offer.live_price, a->offer.stock_cap, (int64_t)(a->offer.replay != 0), a->live_id,
                    a->product_id);
    if (rc < 0)
        return rc == BC_EBUSY ? BC_EBUSY : BC_ERR;
    if (rc == 0)
        return BC_ECONFLICT;
    a->offer.active = offer_active(status, a->offer.replay);
    return BC_OK;
}

int bc_live_offer_set(bc_db *db, int64_t live_id, int64_t seller_id, int64_t product_id, bc_live_offer *offer)
{
    offer_args a = {live_id, seller_id, product_id, *offer};
    a.offer.replay = offer->replay != 0;
    int rc = bc_db_tx(db, offer_set_tx, &a);
    if (rc == BC_OK)
        *offer = a.offer;
    return rc;
}

/* Runs sql (one integer column, parameters key and max) into ids[0..max), setting *n. BC_OK,
 * BC_EBUSY or BC_ERR. */
static int read_ids(bc_db *db, const char *sql, int64_t key, int64_t *ids, int max, int *n)
{
    *n = 0;
    bc_stmt *st = bc_db_prepare(db, sql);
    if (!st)
        return BC_ERR;
    bc_stmt_bind_int(st, 1, key);
    bc_stmt_bind_int(st, 2, max);
    int rc;
    while ((rc = bc_stmt_step(st)) == 1 && *n < max)
        ids[(*n)++] = bc_stmt_int(st, 0);
    bc_stmt_reset(st);
    return rc < 0 ? (rc == BC_EBUSY ? BC_EBUSY : BC_ERR) : BC_OK;
}

int bc_live_carrying(bc_db *db, int64_t product_id, int64_t *ids, int max, int *n)
{
    return read_ids(db, "SELECT live_id FROM live_products WHERE product_id = ? ORDER BY live_id DESC LIMIT ?",
                    product_id, ids, max, n);
}

int bc_live_product_ids(bc_db *db, int64_t live_id, int64_t *ids, int max, int *n)
{
    return read_ids(db, "SELECT product_id FROM live_products WHERE live_id = ? ORDER BY position LIMIT ?", live_id,
                    ids, max, n);
}
