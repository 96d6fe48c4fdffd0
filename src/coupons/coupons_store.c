/* The coupons module's SQL (coupons, user_coupons): creation and edits, claims (one conditional
 * UPDATE of claimed per coupon given out, exact under concurrency on both backends), issuing to
 * followers, the lists, and the checkout's evaluate / redeem / restore. */
#include "coupons.h"

#include <stdlib.h>
#include <string.h>

#include "../accounts/accounts.h"
#include "../live/live.h"
#include "../notices/notices.h"

#define COUPON_COLS                                                                                                    \
    "c.id, c.issuer, c.name, c.scope, c.seller_id, c.product_id, c.live_id, c.kind, c.value, c.max_discount,"          \
    " c.min_order, c.starts_at, c.ends_at, c.quantity, c.claimed, c.per_user, c.downloadable, c.status,"               \
    " c.created_at, c.updated_at"

static int64_t jint(json_t *o, const char *k) { return json_integer_value(json_object_get(o, k)); }

static void copy_str(char *dst, size_t len, json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    snprintf(dst, len, "%s", s ? s : "");
}

/* The terms of a coupon row (COUPON_COLS). */
static void terms_of(json_t *r, bc_coupon_terms *t)
{
    memset(t, 0, sizeof *t);
    t->id = jint(r, "id");
    copy_str(t->kind, sizeof t->kind, r, "kind");
    copy_str(t->scope, sizeof t->scope, r, "scope");
    t->value = jint(r, "value");
    t->max_discount = jint(r, "max_discount");
    t->min_order = jint(r, "min_order");
    t->seller_id = jint(r, "seller_id");
    t->product_id = jint(r, "product_id");
    t->live_id = jint(r, "live_id");
    t->starts_at = jint(r, "starts_at");
    t->ends_at = jint(r, "ends_at");
}

/* A coupon row into the API shape, in place: downloadable boolean, remaining (null = unlimited). */
static void shape(json_t *r)
{
    json_object_set_new(r, "downloadable", json_boolean(jint(r, "downloadable") != 0));
    json_t *q = json_object_get(r, "quantity");
    json_object_set_new(r, "remaining",
                        json_is_integer(q) ? json_integer(json_integer_value(q) - jint(r, "claimed")) : json_null());
}

/* 1 when live_id is on air (LIVE); 0 when not or unknown; < 0 on a store error. */
static int live_on_air(bc_db *db, int64_t live_id)
{
    char status[16] = "";
    int64_t seller = 0;
    int rc = bc_live_state(db, live_id, &seller, status);
    if (rc == BC_ENOTFOUND)
        return 0;
    if (rc != BC_OK)
        return rc;
    return strcmp(status, "LIVE") == 0;
}

int bc_coupon_create(bc_db *db, const bc_coupon_new *c, int64_t *id)
{
    int64_t now = bc_now_ms();
    /* ids of 0 and an absent cap / quantity are stored NULL */
    int rc = bc_db_int(
        db, id,
        "INSERT INTO coupons (issuer, created_by, name, scope, seller_id, product_id, live_id, kind, value,"
        " max_discount, min_order, starts_at, ends_at, quantity, per_user, downloadable, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, NULLIF(?, 0), NULLIF(?, 0), NULLIF(?, 0), ?, ?, NULLIF(?, 0), ?, ?, ?, NULLIF(?, 0), ?, "
        "?,"
        " ?, ?) RETURNING id",
        "tittiiitiiiiiiiiii", c->issuer, c->created_by, c->name, c->terms.scope, c->terms.seller_id,
        c->terms.product_id, c->terms.live_id, c->terms.kind, c->terms.value, c->terms.max_discount, c->terms.min_order,
        c->terms.starts_at, c->terms.ends_at, c->quantity, c->per_user, (int64_t)c->downloadable, now, now);
    return rc == 1 ? BC_OK : rc < 0 ? rc : BC_ERR;
}

int bc_coupon_get(bc_db *db, int64_t id, json_t **out)
{
    *out = NULL;
    int rc = bc_db_row(db, out, "SELECT " COUPON_COLS " FROM coupons c WHERE c.id = ?", "i", id);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return BC_ENOTFOUND;
    shape(*out);
    return BC_OK;
}

int bc_coupon_list(bc_db *db, int64_t seller_id, json_t **out)
{
    json_t *rows = NULL;
    int rc = seller_id > 0
                 ? bc_db_rows(db, &rows,
                              "SELECT " COUPON_COLS " FROM coupons c WHERE c.issuer = 'seller'"
                              " AND c.seller_id = ? ORDER BY c.id DESC LIMIT 500",
                              "i", seller_id)
                 : bc_db_rows(db, &rows, "SELECT " COUPON_COLS " FROM coupons c ORDER BY c.id DESC LIMIT 500", "");
    if (rc < 0)
        return rc;
    size_t i;
    json_t *r;
    json_array_foreach (rows, i, r)
        shape(r);
    *out = json_pack("{s:o}", "items", rows);
    return *out ? BC_OK : BC_ENOMEM;
}

typedef struct update_args {
    int64_t id;
    const bc_coupon_patch *p;
} update_args;

static int update_tx(bc_db *db, void *arg)
{
    update_args *a = arg;
    const bc_coupon_patch *p = a->p;
    json_t *row = NULL;
    int rc = bc_db_row(db, &row,
                       bc_db_dialect_sql(db, "SELECT starts_at, ends_at, quantity, claimed FROM coupons WHERE id = ?",
                                         "SELECT starts_at, ends_at, quantity, claimed FROM coupons WHERE id = ?"
                                         " FOR UPDATE"),
                       "i", a->id);
    if (rc <= 0) {
        rc = rc < 0 ? rc : BC_ENOTFOUND;
        goto out;
    }
    int64_t starts = p->starts_at > 0 ? p->starts_at : jint(row, "starts_at");
    int64_t ends = p->ends_at > 0 ? p->ends_at : jint(row, "ends_at");
    int64_t quantity = p->quantity >= 0 ? p->quantity : jint(row, "quantity"); /* 0 = unlimited (NULL) */
    if (ends <= starts || (quantity > 0 && quantity < jint(row, "claimed"))) {
        rc = BC_EINVAL;
        goto out;
    }
    rc = bc_db_exec(db,
                    "UPDATE coupons SET name = COALESCE(?, name), starts_at = ?, ends_at = ?, quantity = NULLIF(?, 0),"
                    " per_user = CASE WHEN ? > 0 THEN ? ELSE per_user END,"
                    " downloadable = CASE WHEN ? >= 0 THEN ? ELSE downloadable END,"
                    " status = COALESCE(?, status), updated_at = ? WHERE id = ?",
                    "tiiiiiiitii", p->name, starts, ends, quantity, p->per_user, p->per_user, (int64_t)p->downloadable,
                    (int64_t)p->downloadable, p->status, bc_now_ms(), a->id);
    rc = rc < 0 ? rc : rc == 1 ? BC_OK : BC_ENOTFOUND;
out:
    json_decref(row);
    return rc;
}

int bc_coupon_update(bc_db *db, int64_t id, const bc_coupon_patch *p)
{
    update_args a = {id, p};
    return bc_db_tx(db, update_tx, &a);
}

/* ---- claims ---- */

typedef struct claim_args {
    int64_t coupon_id, user_id, now;
    const char *source;  /* "claim" | "followers" */
    const char *code;    /* out: the refusal */
    int64_t user_coupon; /* out */
} claim_args;

/* The coupon's distribution checks for a claim or an issue at now: BC_OK, or BC_ECONFLICT /
 * BC_ENOTFOUND with *code. */
static int can_give(bc_db *db, json_t *c, const char *source, int64_t now, const char **code)
{
    const char *status = json_string_value(json_object_get(c, "status"));
    if (!status || strcmp(status, "ACTIVE") != 0 || now >= jint(c, "ends_at") ||
        (strcmp(source, "claim") == 0 && (now < jint(c, "starts_at") || !jint(c, "downloadable")))) {
        *code = "COUPON_NOT_CLAIMABLE";
        return BC_ECONFLICT;
    }
    const char *scope = json_string_value(json_object_get(c, "scope"));
    if (scope && strcmp(scope, "live") == 0) {
        int on = live_on_air(db, jint(c, "live_id"));
        if (on < 0)
            return on;
        if (!on) {
            *code = "COUPON_LIVE_OFF_AIR";
            return BC_ECONFLICT;
        }
    }
    return BC_OK;
}

/* One coupon given to a user inside the open transaction: the conditional UPDATE of claimed
 * (it also locks the coupon's row on PostgreSQL, so the user's count below is read after every
 * earlier claim of this coupon committed), then the per-user limit, then the row.
 * BC_OK (*uc set), BC_ECONFLICT with *code (sold out, limit), BC_EBUSY or BC_ERR. */
static int give_one(bc_db *db, int64_t coupon_id, int64_t per_user, int64_t user_id, const char *source, int64_t now,
                    const char **code, int64_t *uc)
{
    int rc = bc_db_exec(db,
                        "UPDATE coupons SET claimed = claimed + 1 WHERE id = ? AND (quantity IS NULL OR claimed < "
                        "quantity)",
                        "i", coupon_id);
    if (rc < 0)
        return rc;
    if (rc == 0) {
        *code = "COUPON_SOLD_OUT";
        return BC_ECONFLICT;
    }
    int64_t held = 0;
    if ((rc = bc_db_int(db, &held, "SELECT COUNT(*) FROM user_coupons WHERE coupon_id = ? AND user_id = ?", "ii",
                        coupon_id, user_id)) < 0)
        return rc;
    if (held >= per_user) {
        *code = "COUPON_LIMIT_REACHED";
        return BC_ECONFLICT;
    }
    rc = bc_db_int(db, uc,
                   "INSERT INTO user_coupons (coupon_id, user_id, source, created_at) VALUES (?, ?, ?, ?) RETURNING id",
                   "iiti", coupon_id, user_id, source, now);
    return rc == 1 ? BC_OK : rc < 0 ? rc : BC_ERR;
}

static int claim_tx(bc_db *db, void *arg)
{
    claim_args *a = arg;
    json_t *c = NULL;
    a->code = NULL;
    a->user_coupon = 0;
    int rc = bc_db_row(db, &c, "SELECT " COUPON_COLS " FROM coupons c WHERE c.id = ?", "i", a->coupon_id);
    if (rc <= 0) {
        if (rc == 0)
            a->code = "COUPON_NOT_FOUND";
        rc = rc < 0 ? rc : BC_ENOTFOUND;
        goto out;
    }
    if ((rc = can_give(db, c, a->source, a->now, &a->code)) != BC_OK)
        goto out;
    rc = give_one(db, a->coupon_id, jint(c, "per_user"), a->user_id, a->source, a->now, &a->code, &a->user_coupon);
out:
    json_decref(c);
    return rc;
}

int bc_coupon_claim(bc_db *db, int64_t coupon_id, int64_t user_id, int64_t now_ms, int64_t *user_coupon_id,
                    const char **code)
{
    claim_args a = {.coupon_id = coupon_id, .user_id = user_id, .now = now_ms, .source = "claim"};
    int rc = bc_db_tx(db, claim_tx, &a);
    *code = a.code;
    *user_coupon_id = a.user_coupon;
    return rc;
}

typedef struct issue_args {
    int64_t coupon_id, per_user, now;
    const int64_t *ids;
    size_t n;
    const char *text;
    int64_t issued, skipped; /* out, this page */
    int sold_out;            /* out */
} issue_args;

/* One page of followers, one transaction: a coupon each while the quantity lasts; a follower at
 * the per-user limit is skipped (the claimed count given back). */
static int issue_tx(bc_db *db, void *arg)
{
    issue_args *a = arg;
    a->issued = a->skipped = 0;
    a->sold_out = 0;
    for (size_t i = 0; i < a->n; i++) {
        const char *code = NULL;
        int64_t uc = 0;
        int rc = give_one(db, a->coupon_id, a->per_user, a->ids[i], "followers", a->now, &code, &uc);
        if (rc == BC_ECONFLICT && code && strcmp(code, "COUPON_SOLD_OUT") == 0) {
            a->sold_out = 1;
            break;
        }
        if (rc == BC_ECONFLICT) {
            if ((rc = bc_db_exec(db, "UPDATE coupons SET claimed = claimed - 1 WHERE id = ?", "i", a->coupon_id)) < 0)
                return rc;
            a->skipped++;
            continue;
        }
        if (rc != BC_OK)
            return rc;
        if ((rc = bc_notice_add(db, a->ids[i], "coupon.issued", 0, NULL, a->text)) != BC_OK && rc != BC_ENOTFOUND)
            return rc;
        a->issued++;
    }
    return BC_OK;
}

int bc_coupon_issue_followers(bc_db *db, int64_t coupon_id, int64_t seller_id, int64_t now_ms, int64_t *issued,
                              int64_t *skipped, int *sold_out, const char **code)
{
    json_t *c = NULL;
    int64_t ids[100], after = 0;
    char text[300];
    *issued = *skipped = 0;
    *sold_out = 0;
    *code = NULL;
    int rc = bc_db_row(db, &c, "SELECT " COUPON_COLS " FROM coupons c WHERE c.id = ?", "i", coupon_id);
    if (rc <= 0) {
        rc = rc < 0 ? rc : BC_ENOTFOUND;
        goto out;
    }
    const char *issuer = json_string_value(json_object_get(c, "issuer"));
    if (!issuer || strcmp(issuer, "seller") != 0 || jint(c, "seller_id") != seller_id) {
        rc = BC_ENOTFOUND;
        goto out;
    }
    if ((rc = can_give(db, c, "followers", now_ms, code)) != BC_OK)
        goto out;
    snprintf(text, sizeof text, "팔로우한 판매자가 쿠폰을 보냈습니다 / A seller you follow sent you a coupon: %.120s",
             json_string_value(json_object_get(c, "name")));
    for (;;) {
        int got = 0;
        if ((rc = bc_accounts_followers_after(db, seller_id, after, 100, ids, &got)) != BC_OK || got == 0)
            break;
        size_t n = (size_t)got;
        issue_args a = {
            .coupon_id = coupon_id, .per_user = jint(c, "per_user"), .now = now_ms, .ids = ids, .n = n, .text = text};
        if ((rc = bc_db_tx(db, issue_tx, &a)) != BC_OK)
            break;
        *issued += a.issued;
        *skipped += a.skipped;
        if (a.sold_out) {
            *sold_out = 1;
            break;
        }
        after = ids[n - 1];
    }
out:
    json_decref(c);
    return rc;
}

/* ---- lists ---- */

int bc_coupon_claimable(bc_db *db, int64_t product_id, int64_t live_id, int64_t seller_id, int64_t viewer_id,
                        int64_t now_ms, json_t **out)
{
    json_t *rows = NULL, *items = json_array();
    int64_t live_products[BC_COUPON_LIVE_PRODUCTS];
    int nlp = 0, rc;
    *out = NULL;
    if (!items)
        return BC_ENOMEM;
    if (live_id > 0 && (rc = bc_live_product_ids(db, live_id, live_products, BC_COUPON_LIVE_PRODUCTS, &nlp)) != BC_OK)
        goto out;
    /* candidates: the shop's and the seller's (any seller when none is named); the scope is
     * narrowed below */
    rc = bc_db_rows(db, &rows,
                    "SELECT " COUPON_COLS ", (SELECT COUNT(*) FROM user_coupons u WHERE u.coupon_id = c.id AND"
                    " u.user_id = ?) AS held FROM coupons c WHERE c.status = 'ACTIVE' AND c.downloadable = 1"
                    " AND c.starts_at <= ? AND c.ends_at > ? AND (c.quantity IS NULL OR c.claimed < c.quantity)"
                    " AND (c.scope = 'shop' OR ? = 0 OR c.seller_id = ?) ORDER BY c.id DESC LIMIT 200",
                    "iiiii", viewer_id, now_ms, now_ms, seller_id, seller_id);
    if (rc < 0)
        goto out;
    size_t i;
    json_t *r;
    json_array_foreach (rows, i, r) {
        bc_coupon_terms t;
        terms_of(r, &t);
        int keep = 1;
        if (strcmp(t.scope, "product") == 0) {
            if (product_id > 0)
                keep = t.product_id == product_id;
            else if (live_id > 0) {
                keep = 0;
                for (int k = 0; k < nlp; k++)
                    keep |= live_products[k] == t.product_id;
            }
        } else if (strcmp(t.scope, "live") == 0) {
            if (live_id > 0)
                keep = t.live_id == live_id;
            else if (product_id > 0) {
                int64_t lp[BC_COUPON_LIVE_PRODUCTS];
                int n = 0;
                if ((rc = bc_live_product_ids(db, t.live_id, lp, BC_COUPON_LIVE_PRODUCTS, &n)) != BC_OK)
                    goto out;
                keep = 0;
                for (int k = 0; k < n; k++)
                    keep |= lp[k] == product_id;
            }
            if (keep) {
                int on = live_on_air(db, t.live_id);
                if (on < 0) {
                    rc = on;
                    goto out;
                }
                keep = on;
            }
        }
        if (!keep)
            continue;
        shape(r);
        json_object_set_new(r, "can_claim", json_boolean(jint(r, "held") < jint(r, "per_user")));
        json_array_append(items, r);
    }
    *out = json_pack("{s:O}", "items", items);
    rc = *out ? BC_OK : BC_ENOMEM;
out:
    json_decref(rows);
    json_decref(items);
    return rc;
}

int bc_coupon_mine(bc_db *db, int64_t user_id, const char *state, int64_t now_ms, json_t **out)
{
    json_t *rows = NULL, *items = json_array();
    *out = NULL;
    if (!items)
        return BC_ENOMEM;
    int rc =
        bc_db_rows(db, &rows,
                   "SELECT u.id AS user_coupon_id, u.source, u.used_order_id, u.used_at, u.created_at AS claimed_at,"
                   " " COUPON_COLS " FROM user_coupons u JOIN coupons c ON c.id = u.coupon_id"
                   " WHERE u.user_id = ? ORDER BY u.id DESC LIMIT 500",
                   "i", user_id);
    if (rc < 0)
        goto out;
    size_t i;
    json_t *r;
    json_array_foreach (rows, i, r) {
        const char *st = !json_is_null(json_object_get(r, "used_order_id")) ? "used"
                         : now_ms >= jint(r, "ends_at")                     ? "expired"
                                                                            : "usable";
        if (state && *state && strcmp(state, st) != 0)
            continue;
        json_t *o =
            json_pack("{s:O,s:O,s:s,s:O,s:O,s:O}", "id", json_object_get(r, "user_coupon_id"), "source",
                      json_object_get(r, "source"), "state", st, "used_order_id", json_object_get(r, "used_order_id"),
                      "used_at", json_object_get(r, "used_at"), "claimed_at", json_object_get(r, "claimed_at"));
        json_object_del(r, "user_coupon_id");
        json_object_del(r, "source");
        json_object_del(r, "used_order_id");
        json_object_del(r, "used_at");
        json_object_del(r, "claimed_at");
        shape(r);
        json_object_set(o, "coupon", r);
        json_array_append_new(items, o);
    }
    *out = json_pack("{s:O}", "items", items);
    rc = *out ? BC_OK : BC_ENOMEM;
out:
    json_decref(rows);
    json_decref(items);
    return rc;
}

/* ---- checkout ---- */

static int problem(bc_coupon_problem *why, int rc, const char *code, const char *reason, int64_t min_order)
{
    if (why) {
        why->code = code;
        why->reason = reason;
        why->min_order = min_order;
    }
    return rc;
}

int bc_coupon_evaluate(bc_db *db, int64_t user_id, int64_t user_coupon_id, const bc_coupon_line *lines, size_t n,
                       int64_t now_ms, int64_t *discount, int64_t *in_scope, bc_coupon_problem *why)
{
    json_t *r = NULL;
    int64_t live_products[BC_COUPON_LIVE_PRODUCTS];
    int nlp = 0;
    *discount = 0;
    if (in_scope)
        *in_scope = 0;
    problem(why, 0, NULL, NULL, 0);
    int rc = bc_db_row(db, &r,
                       "SELECT u.user_id AS owner, u.used_order_id, " COUPON_COLS
                       " FROM user_coupons u JOIN coupons c ON c.id = u.coupon_id WHERE u.id = ?",
                       "i", user_coupon_id);
    if (rc < 0)
        return rc;
    if (rc == 0 || jint(r, "owner") != user_id) {
        rc = problem(why, BC_ENOTFOUND, "COUPON_NOT_FOUND", "not_found", 0);
        goto out;
    }
    bc_coupon_terms t;
    terms_of(r, &t);
    if (!json_is_null(json_object_get(r, "used_order_id"))) {
        rc = problem(why, BC_ECONFLICT, "COUPON_USED", "used", 0);
        goto out;
    }
    if (now_ms >= t.ends_at) {
        rc = problem(why, BC_ECONFLICT, "COUPON_EXPIRED", "expired", 0);
        goto out;
    }
    if (now_ms < t.starts_at) {
        rc = problem(why, BC_EINVAL, "COUPON_NOT_APPLICABLE", "not_started", 0);
        goto out;
    }
    if (strcmp(t.scope, "live") == 0) {
        int on = live_on_air(db, t.live_id);
        if (on < 0) {
            rc = on;
            goto out;
        }
        if (!on) {
            rc = problem(why, BC_ECONFLICT, "COUPON_LIVE_OFF_AIR", "live_off_air", 0);
            goto out;
        }
        if ((rc = bc_live_product_ids(db, t.live_id, live_products, BC_COUPON_LIVE_PRODUCTS, &nlp)) != BC_OK)
            goto out;
    }
    int64_t total = 0;
    int matched = 0;
    for (size_t i = 0; i < n; i++)
        if (bc_coupon_line_in_scope(&t, &lines[i], live_products, nlp)) {
            matched = 1;
            total += lines[i].line_total;
        }
    if (in_scope)
        *in_scope = total;
    if (!matched) {
        rc = problem(why, BC_EINVAL, "COUPON_NOT_APPLICABLE", "scope", 0);
        goto out;
    }
    if (total < t.min_order) {
        rc = problem(why, BC_EINVAL, "COUPON_NOT_APPLICABLE", "min_order", t.min_order);
        goto out;
    }
    *discount = bc_coupon_discount(&t, total);
    rc = BC_OK;
out:
    json_decref(r);
    return rc;
}

int bc_coupon_redeem(bc_db *db, int64_t user_id, int64_t user_coupon_id, int64_t order_row_id, int64_t now_ms)
{
    int rc = bc_db_exec(db,
                        "UPDATE user_coupons SET used_order_id = ?, used_at = ? WHERE id = ? AND user_id = ?"
                        " AND used_order_id IS NULL",
                        "iiii", order_row_id, now_ms, user_coupon_id, user_id);
    return rc < 0 ? rc : rc == 1 ? BC_OK : BC_ECONFLICT;
}

int bc_coupon_restore(bc_db *db, int64_t order_row_id, int64_t now_ms, int *restored)
{
    int rc = bc_db_exec(db,
                        "UPDATE user_coupons SET used_order_id = NULL, used_at = NULL WHERE used_order_id = ?"
                        " AND coupon_id IN (SELECT id FROM coupons WHERE ends_at > ?)",
                        "ii", order_row_id, now_ms);
    if (restored)
        *restored = rc > 0;
    return rc < 0 ? rc : BC_OK;
}
