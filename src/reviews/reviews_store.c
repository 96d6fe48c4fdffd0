/* The SQL of reviews (tables reviews, review_likes, review_summaries): the only SQL of this module.
 * Order lines come from commerce (bc_order_line_get), upload owners from media, names from
 * accounts, product names from the catalog. Every write is one bc_db_tx unit that keeps
 * review_summaries right in the same transaction. */
#include "reviews.h"

#include <stdlib.h>
#include <string.h>

#include "../accounts/accounts.h"
#include "../catalog/catalog.h"
#include "../commerce/commerce.h"
#include "../media/media.h"
#include "../points/points.h"

#define REVIEW_COLS                                                                                                    \
    "SELECT id, line_id, product_id, seller_id, author_id, rating, body, photos, likes, hidden, points_paid, reply,"   \
    " reply_at, reply_updated_at, created_at, updated_at FROM reviews"

/* The row's review locked for the rest of the transaction on PostgreSQL (SQLite's BEGIN IMMEDIATE
 * holds the one write lock already). */
static const char lock_sqlite[] = "SELECT id, product_id, seller_id, author_id, rating, hidden, points_paid, reply"
                                  " FROM reviews WHERE id = ?";
static const char lock_pg[] = "SELECT id, product_id, seller_id, author_id, rating, hidden, points_paid, reply"
                              " FROM reviews WHERE id = ? FOR UPDATE";

/* 50 placeholders: the page of ids a query asks about (unused ones bound 0, never an id). */
#define Q10 "?,?,?,?,?,?,?,?,?,?,"
#define Q50 Q10 Q10 Q10 Q10 "?,?,?,?,?,?,?,?,?,?"
#define IDS_MAX 50

static int64_t jint(json_t *o, const char *k) { return json_integer_value(json_object_get(o, k)); }

static int problem(bc_review_problem *why, const char *code, int rc)
{
    if (why)
        why->code = code;
    return rc;
}

/* Adds d (+1 or -1) reviews of rating stars to product_id's summary, creating its row. */
static int summary_add(bc_db *db, int64_t product_id, int64_t rating, int64_t d)
{
    int64_t r[5] = {0};
    if (rating < 1 || rating > 5)
        return BC_EINVAL;
    r[rating - 1] = d;
    int rc = bc_db_exec(db,
                        "INSERT INTO review_summaries (product_id, count, rating_sum, r1, r2, r3, r4, r5, updated_at)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (product_id) DO UPDATE SET"
                        " count = review_summaries.count + excluded.count,"
                        " rating_sum = review_summaries.rating_sum + excluded.rating_sum,"
                        " r1 = review_summaries.r1 + excluded.r1, r2 = review_summaries.r2 + excluded.r2,"
                        " r3 = review_summaries.r3 + excluded.r3, r4 = review_summaries.r4 + excluded.r4,"
                        " r5 = review_summaries.r5 + excluded.r5, updated_at = excluded.updated_at",
                        "iiiiiiiii", product_id, d, d * rating, r[0], r[1], r[2], r[3], r[4], bc_now_ms());
    return rc < 0 ? rc : BC_OK;
}

/* Checks every photo of photos (an array of strings, or NULL) is an upload of author_id. */
static int check_photos(bc_db *db, int64_t author_id, json_t *photos, bc_review_problem *why)
{
    size_t i;
    json_t *p;
    if (!photos)
        return BC_OK;
    if (!json_is_array(photos) || json_array_size(photos) > BC_REVIEW_PHOTOS_MAX)
        return problem(why, "REVIEW_PHOTO_INVALID", BC_EINVAL);
    json_array_foreach (photos, i, p) {
        char name[64];
        int64_t owner = 0;
        const char *url = json_string_value(p);
        int rc = bc_review_photo_name(url, name, sizeof name) ? bc_media_uploader(db, name, &owner) : BC_ENOTFOUND;
        if (rc == BC_OK && owner != author_id)
            rc = BC_ENOTFOUND;
        if (rc == BC_ENOTFOUND) {
            if (why)
                snprintf(why->detail, sizeof why->detail, "%.120s", url ? url : "");
            return problem(why, "REVIEW_PHOTO_INVALID", BC_EINVAL);
        }
        if (rc != BC_OK)
            return rc;
    }
    return BC_OK;
}

/* The stored text of photos (an array; NULL = "[]"), malloc'd (caller frees), or NULL. */
static char *photos_text(json_t *photos)
{
    if (!photos)
        return strdup("[]");
    return json_dumps(photos, JSON_COMPACT);
}

typedef struct write_args {
    int64_t user_id, id, line_id;
    const bc_review_input *in;
    const char *photos; /* stored text, NULL = keep */
    const char *text;   /* reply */
    int flag;           /* like: on; reply: edit; hide: hidden */
    int64_t out;        /* create: the id; like: the count */
    bc_review_problem *why;
} write_args;

/* Pays a new review's points in its transaction (points.h, the admin's rates): a review with a
 * photo earns review_photo, one with at least BC_REVIEW_TEXT_POINTS_MIN characters of text
 * review_text, others nothing; once per review (idempotency key "review:<id>"), recorded in
 * points_paid, after which the review cannot be deleted. BC_OK or a store error. */
static int award_points(bc_db *db, int64_t review_id, int64_t author_id, const bc_review_input *in)
{
    bc_points_rates r;
    char ref[48];
    int rc = bc_points_rates_get(db, &r);
    if (rc != BC_OK)
        return rc;
    int64_t pts = json_array_size(in->photos) > 0                                  ? r.review_photo
                  : in->text && bc_utf8_len(in->text) >= BC_REVIEW_TEXT_POINTS_MIN ? r.review_text
                                                                                   : 0;
    if (pts <= 0)
        return BC_OK;
    snprintf(ref, sizeof ref, "review:%lld", (long long)review_id);
    rc = bc_points_earn(db, author_id, pts, json_array_size(in->photos) ? "포토 리뷰 / photo review" : "리뷰 / review",
                        ref, ref, NULL);
    if (rc == BC_ECONFLICT) /* paid already (a retried unit) */
        return BC_OK;
    return rc == BC_OK ? bc_review_points_add(db, review_id, pts) : rc;
}

static int create_tx(bc_db *db, void *arg)
{
    write_args *a = arg;
    bc_order_line_facts f;
    int64_t existing = 0;
    a->out = 0;
    a->why->code = NULL;
    int rc = bc_order_line_get(db, a->line_id, &f);
    if (rc == BC_ENOTFOUND || (rc == BC_OK && f.buyer_id != a->user_id))
        return problem(a->why, "LINE_NOT_FOUND", BC_ENOTFOUND);
    if (rc != BC_OK)
        return rc;
    if (strcmp(f.status, "DELIVERED") != 0 && strcmp(f.status, "PURCHASE_CONFIRMED") != 0) {
        snprintf(a->why->detail, sizeof a->why->detail, "%s", f.status);
        return problem(a->why, "REVIEW_NOT_ALLOWED", BC_ECONFLICT);
    }
    if ((rc = bc_db_int(db, &existing, "SELECT id FROM reviews WHERE line_id = ?", "i", a->line_id)) < 0)
        return rc;
    if (rc == 1)
        return problem(a->why, "REVIEW_EXISTS", BC_ECONFLICT);
    int64_t now = bc_now_ms();
    rc = bc_db_int(db, &a->out,
                   "INSERT INTO reviews (line_id, order_id, product_id, seller_id, author_id, rating, body, photos,"
                   " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                   "iiiiiittii", a->line_id, f.order_row_id, f.product_id, f.seller_id, a->user_id, a->in->rating,
                   a->in->text ? a->in->text : "", a->photos, now, now);
    if (rc == BC_ECONFLICT) /* the same line reviewed at the same moment */
        return problem(a->why, "REVIEW_EXISTS", BC_ECONFLICT);
    if (rc != 1)
        return rc < 0 ? rc : BC_ERR;
    if ((rc = summary_add(db, f.product_id, a->in->rating, 1)) != BC_OK)
        return rc;
    return award_points(db, a->out, a->user_id, a->in);
}

int bc_review_create(bc_db *db, int64_t author_id, int64_t line_id, const bc_review_input *in, bc_review_problem *why,
                     int64_t *id)
{
    why->code = NULL;
    why->detail[0] = 0;
    if (in->rating < 1 || in->rating > 5)
        return BC_EINVAL;
    int rc = check_photos(db, author_id, in->photos, why);
    if (rc != BC_OK)
        return rc;
    char *photos = photos_text(in->photos);
    if (!photos)
        return BC_ENOMEM;
    write_args a = {.user_id = author_id, .line_id = line_id, .in = in, .photos = photos, .why = why};
    rc = bc_db_tx(db, create_tx, &a);
    free(photos);
    if (rc == BC_OK)
        *id = a.out;
    return rc;
}

/* Reads review a->id locked into *row (caller owns). BC_OK, or REVIEW_NOT_FOUND. */
static int lock_review(bc_db *db, write_args *a, json_t **row)
{
    int rc = bc_db_row(db, row, bc_db_dialect_sql(db, lock_sqlite, lock_pg), "i", a->id);
    if (rc == 0)
        return problem(a->why, "REVIEW_NOT_FOUND", BC_ENOTFOUND);
    return rc < 0 ? rc : BC_OK;
}

/* lock_review, for the review's author only (NOT_YOUR_REVIEW otherwise; *row still the caller's). */
static int lock_own_review(bc_db *db, write_args *a, json_t **row)
{
    int rc = lock_review(db, a, row);
    if (rc == BC_OK && jint(*row, "author_id") != a->user_id)
        rc = problem(a->why, "NOT_YOUR_REVIEW", BC_EFORBIDDEN);
    return rc;
}

static int update_tx(bc_db *db, void *arg)
{
    write_args *a = arg;
    json_t *row = NULL;
    a->why->code = NULL;
    int rc = lock_own_review(db, a, &row);
    if (rc != BC_OK)
        goto out;
    int64_t old = jint(row, "rating"), rating = a->in->rating > 0 ? a->in->rating : old;
    rc = bc_db_exec(db,
                    "UPDATE reviews SET rating = ?, body = COALESCE(?, body), photos = COALESCE(?, photos),"
                    " updated_at = ? WHERE id = ?",
                    "ittii", rating, a->in->text, a->photos, bc_now_ms(), a->id);
    if (rc < 0)
        goto out;
    rc = BC_OK;
    if (rating != old && !jint(row, "hidden")) {
        int64_t product = jint(row, "product_id");
        if ((rc = summary_add(db, product, old, -1)) == BC_OK)
            rc = summary_add(db, product, rating, 1);
    }
out:
    json_decref(row);
    return rc;
}

int bc_review_update(bc_db *db, int64_t author_id, int64_t id, const bc_review_input *in, bc_review_problem *why)
{
    why->code = NULL;
    why->detail[0] = 0;
    if (in->rating < 0 || in->rating > 5)
        return BC_EINVAL;
    int rc = check_photos(db, author_id, in->photos, why);
    if (rc != BC_OK)
        return rc;
    char *photos = NULL;
    if (in->photos && !(photos = photos_text(in->photos)))
        return BC_ENOMEM;
    write_args a = {.user_id = author_id, .id = id, .in = in, .photos = photos, .why = why};
    rc = bc_db_tx(db, update_tx, &a);
    free(photos);
    return rc;
}

static int delete_tx(bc_db *db, void *arg)
{
    write_args *a = arg;
    json_t *row = NULL;
    a->why->code = NULL;
    int rc = lock_own_review(db, a, &row);
    if (rc != BC_OK)
        goto out;
    if (jint(row, "points_paid") > 0) {
        rc = problem(a->why, "REVIEW_LOCKED", BC_ECONFLICT);
        goto out;
    }
    if ((rc = bc_db_exec(db, "DELETE FROM review_likes WHERE review_id = ?", "i", a->id)) < 0 ||
        (rc = bc_db_exec(db, "DELETE FROM reviews WHERE id = ?", "i", a->id)) < 0)
        goto out;
    rc = jint(row, "hidden") ? BC_OK : summary_add(db, jint(row, "product_id"), jint(row, "rating"), -1);
out:
    json_decref(row);
    return rc;
}

int bc_review_delete(bc_db *db, int64_t author_id, int64_t id, bc_review_problem *why)
{
    why->code = NULL;
    why->detail[0] = 0;
    write_args a = {.user_id = author_id, .id = id, .why = why};
    return bc_db_tx(db, delete_tx, &a);
}

static int like_tx(bc_db *db, void *arg)
{
    write_args *a = arg;
    json_t *row = NULL;
    a->why->code = NULL;
    a->out = 0;
    int rc = bc_db_row(db, &row, "SELECT author_id, hidden FROM reviews WHERE id = ?", "i", a->id);
    if (rc <= 0) {
        rc = rc == 0 ? problem(a->why, "REVIEW_NOT_FOUND", BC_ENOTFOUND) : rc;
        goto out;
    }
    if (jint(row, "hidden")) {
        rc = problem(a->why, "REVIEW_NOT_FOUND", BC_ENOTFOUND);
        goto out;
    }
    if (a->flag && jint(row, "author_id") == a->user_id) {
        rc = problem(a->why, "OWN_REVIEW_LIKE", BC_ECONFLICT);
        goto out;
    }
    if (a->flag) {
        rc = bc_db_exec(db,
                        "INSERT INTO review_likes (review_id, user_id, created_at) VALUES (?, ?, ?)"
                        " ON CONFLICT DO NOTHING",
                        "iii", a->id, a->user_id, bc_now_ms());
        if (rc == 1)
            rc = bc_db_exec(db, "UPDATE reviews SET likes = likes + 1 WHERE id = ?", "i", a->id);
    } else {
        rc = bc_db_exec(db, "DELETE FROM review_likes WHERE review_id = ? AND user_id = ?", "ii", a->id, a->user_id);
        if (rc == 1)
            rc = bc_db_exec(db, "UPDATE reviews SET likes = likes - 1 WHERE id = ? AND likes > 0", "i", a->id);
    }
    if (rc < 0)
        goto out;
    rc = bc_db_int(db, &a->out, "SELECT likes FROM reviews WHERE id = ?", "i", a->id);
    rc = rc == 1 ? BC_OK : rc < 0 ? rc : BC_ERR;
out:
    json_decref(row);
    return rc;
}

int bc_review_like(bc_db *db, int64_t user_id, int64_t id, int on, int64_t *likes, bc_review_problem *why)
{
    why->code = NULL;
    why->detail[0] = 0;
    write_args a = {.user_id = user_id, .id = id, .flag = on, .why = why};
    int rc = bc_db_tx(db, like_tx, &a);
    if (rc == BC_OK)
        *likes = a.out;
    return rc;
}

/* One like of a->user_id on review a->id taken back, hidden or not (account deletion). */
static int unlike_tx(bc_db *db, void *arg)
{
    write_args *a = arg;
    int rc = bc_db_exec(db, "DELETE FROM review_likes WHERE review_id = ? AND user_id = ?", "ii", a->id, a->user_id);
    if (rc == 1)
        rc = bc_db_exec(db, "UPDATE reviews SET likes = likes - 1 WHERE id = ? AND likes > 0", "i", a->id);
    return rc < 0 ? rc : BC_OK;
}

int bc_review_likes_drop_user(bc_db *db, int64_t user_id, int64_t *dropped)
{
    int64_t after = 0;
    bc_review_problem why = {0};
    *dropped = 0;
    for (;;) {
        json_t *rows = NULL, *r;
        size_t i;
        int rc = bc_db_rows(db, &rows,
                            "SELECT review_id FROM review_likes WHERE user_id = ? AND review_id > ?"
                            " ORDER BY review_id LIMIT 100",
                            "ii", user_id, after);
        if (rc < 0)
            return rc;
        size_t n = json_array_size(rows);
        rc = BC_OK;
        json_array_foreach (rows, i, r) {
            after = json_integer_value(json_object_get(r, "review_id"));
            write_args a = {.user_id = user_id, .id = after, .why = &why};
            if ((rc = bc_db_tx(db, unlike_tx, &a)) != BC_OK)
                break;
            ++*dropped;
        }
        json_decref(rows);
        if (rc != BC_OK || n < 100)
            return rc;
    }
}

static int reply_tx(bc_db *db, void *arg)
{
    write_args *a = arg;
    json_t *row = NULL;
    a->why->code = NULL;
    int rc = lock_review(db, a, &row);
    if (rc != BC_OK)
        goto out;
    if (jint(row, "hidden")) {
        rc = problem(a->why, "REVIEW_NOT_FOUND", BC_ENOTFOUND);
        goto out;
    }
    if (jint(row, "seller_id") != a->user_id) {
        rc = problem(a->why, "NOT_YOUR_PRODUCT", BC_EFORBIDDEN);
        goto out;
    }
    int has = !json_is_null(json_object_get(row, "reply")) && json_object_get(row, "reply");
    if (!a->flag && has) {
        rc = problem(a->why, "REPLY_EXISTS", BC_ECONFLICT);
        goto out;
    }
    if (a->flag && !has) {
        rc = problem(a->why, "REPLY_NOT_FOUND", BC_ENOTFOUND);
        goto out;
    }
    int64_t now = bc_now_ms();
    rc = bc_db_exec(db,
                    "UPDATE reviews SET reply = ?, reply_at = COALESCE(reply_at, ?), reply_updated_at = ? WHERE id = ?",
                    "tiii", a->text, now, now, a->id);
    rc = rc < 0 ? rc : BC_OK;
out:
    json_decref(row);
    return rc;
}

int bc_review_reply(bc_db *db, int64_t seller_id, int64_t id, const char *text, int edit, bc_review_problem *why)
{
    why->code = NULL;
    why->detail[0] = 0;
    if (!text || !*text)
        return BC_EINVAL;
    write_args a = {.user_id = seller_id, .id = id, .text = text, .flag = edit, .why = why};
    return bc_db_tx(db, reply_tx, &a);
}

static int hide_tx(bc_db *db, void *arg)
{
    write_args *a = arg;
    json_t *row = NULL;
    int rc = lock_review(db, a, &row);
    if (rc != BC_OK)
        goto out;
    if ((jint(row, "hidden") != 0) == (a->flag != 0))
        goto out; /* already so */
    int64_t now = bc_now_ms();
    if (a->flag)
        rc = bc_db_exec(db, "UPDATE reviews SET hidden = 1, hidden_by = ?, hidden_at = ? WHERE id = ?", "iii",
                        a->user_id, now, a->id);
    else
        rc = bc_db_exec(db, "UPDATE reviews SET hidden = 0, hidden_by = NULL, hidden_at = NULL WHERE id = ?", "i",
                        a->id);
    if (rc < 0)
        goto out;
    rc = summary_add(db, jint(row, "product_id"), jint(row, "rating"), a->flag ? -1 : 1);
out:
    json_decref(row);
    return rc;
}

int bc_review_hide(bc_db *db, int64_t admin_id, int64_t id, int hidden)
{
    bc_review_problem why = {0};
    write_args a = {.user_id = admin_id, .id = id, .flag = hidden, .why = &why};
    return bc_db_tx(db, hide_tx, &a);
}

int bc_review_points_add(bc_db *db, int64_t id, int64_t points)
{
    if (points <= 0)
        return BC_EINVAL;
    int rc = bc_db_exec(db, "UPDATE reviews SET points_paid = points_paid + ? WHERE id = ?", "ii", points, id);
    return rc < 0 ? rc : rc == 0 ? BC_ENOTFOUND : BC_OK;
}

/* ---- reading ---- */

/* Turns a stored row into the API's review (in place: renames, booleans, the author and reply
 * objects); names is bc_accounts_user_names' map, liked the viewer's like. */
static void shape(json_t *r, json_t *names, int liked)
{
    char key[24];
    int64_t author = jint(r, "author_id");
    snprintf(key, sizeof key, "%lld", (long long)author);
    json_t *n = json_object_get(json_object_get(names, key), "name");
    json_object_set_new(r, "author",
                        json_pack("{s:I,s:s}", "id", (json_int_t)author, "name", n ? json_string_value(n) : ""));
    json_object_del(r, "author_id");
    json_t *body = json_object_get(r, "body");
    json_object_set(r, "text", body ? body : json_string(""));
    json_object_del(r, "body");
    json_t *photos = json_loads(
        json_string_value(json_object_get(r, "photos")) ? json_string_value(json_object_get(r, "photos")) : "[]", 0,
        NULL);
    json_object_set_new(r, "photos", json_is_array(photos) ? photos : json_array());
    if (photos && !json_is_array(photos))
        json_decref(photos);
    json_object_set_new(r, "hidden", json_boolean(jint(r, "hidden") != 0));
    json_object_set_new(r, "liked", json_boolean(liked));
    json_t *reply = json_object_get(r, "reply");
    if (json_is_string(reply))
        json_object_set_new(r, "reply",
                            json_pack("{s:O,s:O,s:O}", "text", reply, "created_at", json_object_get(r, "reply_at"),
                                      "updated_at", json_object_get(r, "reply_updated_at")));
    else
        json_object_set_new(r, "reply", json_null());
    json_object_del(r, "reply_at");
    json_object_del(r, "reply_updated_at");
}

/* The ids (the "id" member, or key) of rows[0..n) into ids; returns n (at most IDS_MAX). */
static int ids_of(json_t *rows, const char *key, int64_t *ids)
{
    size_t i;
    json_t *r;
    int n = 0;
    json_array_foreach (rows, i, r)
        if (n < IDS_MAX)
            ids[n++] = jint(r, key);
    return n;
}

/* Names of the authors of rows (bc_accounts_user_names) into *names. */
static int author_names(bc_db *db, json_t *rows, json_t **names)
{
    int64_t ids[IDS_MAX];
    int n = ids_of(rows, "author_id", ids);
    return bc_accounts_user_names(db, ids, (size_t)n, names);
}

/* Of review ids[0..n), those viewer_id liked: liked[i] = 1 for ids[i]. */
static int liked_of(bc_db *db, int64_t viewer_id, const int64_t *ids, int n, int *liked)
{
    memset(liked, 0, sizeof *liked * (size_t)n);
    if (viewer_id <= 0 || n == 0)
        return BC_OK;
    bc_stmt *st = bc_db_prepare(db, "SELECT review_id FROM review_likes WHERE user_id = ? AND review_id IN (" Q50 ")");
    if (!st)
        return BC_ERR;
    bc_stmt_bind_int(st, 1, viewer_id);
    for (int i = 0; i < IDS_MAX; i++)
        bc_stmt_bind_int(st, i + 2, i < n ? ids[i] : 0);
    int rc;
    while ((rc = bc_stmt_step(st)) == 1) {
        int64_t id = bc_stmt_int(st, 0);
        for (int i = 0; i < n; i++)
            if (ids[i] == id)
                liked[i] = 1;
    }
    bc_stmt_reset(st);
    return rc < 0 ? rc : BC_OK;
}

/* Shapes every row of rows for viewer_id (names, liked). */
static int shape_rows(bc_db *db, json_t *rows, int64_t viewer_id)
{
    json_t *names = NULL;
    int64_t ids[IDS_MAX];
    int liked[IDS_MAX];
    int n = ids_of(rows, "id", ids);
    int rc = author_names(db, rows, &names);
    if (rc == BC_OK)
        rc = liked_of(db, viewer_id, ids, n, liked);
    if (rc == BC_OK) {
        size_t i;
        json_t *r;
        json_array_foreach (rows, i, r)
            shape(r, names, i < (size_t)n ? liked[i] : 0);
    }
    json_decref(names);
    return rc;
}

int bc_review_get(bc_db *db, int64_t id, int64_t viewer_id, int role, json_t **out)
{
    json_t *rows = NULL;
    *out = NULL;
    int rc = bc_db_rows(db, &rows, REVIEW_COLS " WHERE id = ?", "i", id);
    if (rc < 0)
        return rc;
    json_t *r = json_array_get(rows, 0);
    if (!r || (jint(r, "hidden") && jint(r, "author_id") != viewer_id && role != BC_ROLE_ADMIN)) {
        json_decref(rows);
        return BC_ENOTFOUND;
    }
    if ((rc = shape_rows(db, rows, viewer_id)) == BC_OK)
        *out = json_incref(json_array_get(rows, 0));
    json_decref(rows);
    return rc;
}

/* product_id's summary figures: count, sum and r[0..4]. */
static int summary_get(bc_db *db, int64_t product_id, int64_t *count, int64_t *sum, int64_t r[5])
{
    *count = *sum = 0;
    memset(r, 0, sizeof *r * 5);
    bc_stmt *st = bc_db_prepare(db, "SELECT count, rating_sum, r1, r2, r3, r4, r5 FROM review_summaries"
                                    " WHERE product_id = ?");
    if (!st)
        return BC_ERR;
    bc_stmt_bind_int(st, 1, product_id);
    int rc = bc_stmt_step(st);
    if (rc == 1) {
        *count = bc_stmt_int(st, 0);
        *sum = bc_stmt_int(st, 1);
        for (int i = 0; i < 5; i++)
            r[i] = bc_stmt_int(st, 2 + i);
    }
    bc_stmt_reset(st);
    return rc < 0 ? rc : BC_OK;
}

int bc_review_summary(bc_db *db, int64_t product_id, json_t **out)
{
    int64_t count, sum, r[5];
    *out = NULL;
    int rc = summary_get(db, product_id, &count, &sum, r);
    if (rc != BC_OK)
        return rc;
    *out = bc_review_summary_json(count, sum, r);
    return *out ? BC_OK : BC_ENOMEM;
}

static const char *const list_sql[] = {
    REVIEW_COLS " WHERE product_id = ? AND hidden = 0 ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?",
    REVIEW_COLS " WHERE product_id = ? AND hidden = 0 ORDER BY likes DESC, id DESC LIMIT ? OFFSET ?",
    REVIEW_COLS " WHERE product_id = ? AND hidden = 0 ORDER BY rating DESC, id DESC LIMIT ? OFFSET ?",
    REVIEW_COLS " WHERE product_id = ? AND hidden = 0 ORDER BY rating ASC, id DESC LIMIT ? OFFSET ?",
};

int bc_review_list(bc_db *db, int64_t product_id, int sort, int64_t page, int64_t per_page, int64_t viewer_id,
                   json_t **out)
{
    json_t *rows = NULL;
    int64_t count, sum, r[5];
    *out = NULL;
    if (sort < 0 || sort > BC_REVIEW_RATING_LOW || page < 1 || per_page < 1 || per_page > BC_REVIEW_PER_PAGE_MAX)
        return BC_EINVAL;
    int rc = summary_get(db, product_id, &count, &sum, r);
    if (rc != BC_OK)
        return rc;
    if ((rc = bc_db_rows(db, &rows, list_sql[sort], "iii", product_id, per_page, (page - 1) * per_page)) < 0)
        return rc;
    if ((rc = shape_rows(db, rows, viewer_id)) == BC_OK) {
        *out = json_pack("{s:o,s:I,s:I,s:I,s:o}", "items", rows, "page", (json_int_t)page, "per_page",
                         (json_int_t)per_page, "total", (json_int_t)count, "summary",
                         bc_review_summary_json(count, sum, r));
        rows = NULL;
        rc = *out ? BC_OK : BC_ENOMEM;
    }
    json_decref(rows);
    return rc;
}

int bc_review_mine(bc_db *db, int64_t author_id, int64_t page, int64_t per_page, json_t **out)
{
    json_t *rows = NULL;
    int64_t total = 0;
    *out = NULL;
    if (page < 1 || per_page < 1 || per_page > BC_REVIEW_PER_PAGE_MAX)
        return BC_EINVAL;
    int rc = bc_db_int(db, &total, "SELECT count(*) FROM reviews WHERE author_id = ?", "i", author_id);
    if (rc < 0)
        return rc;
    if ((rc = bc_db_rows(db, &rows, REVIEW_COLS " WHERE author_id = ? ORDER BY id DESC LIMIT ? OFFSET ?", "iii",
                         author_id, per_page, (page - 1) * per_page)) < 0)
        return rc;
    int64_t pids[IDS_MAX];
    bc_catalog_sale sales[IDS_MAX];
    int n = ids_of(rows, "product_id", pids);
    if ((rc = bc_catalog_product_sales(db, pids, n, sales)) == BC_OK)
        rc = shape_rows(db, rows, author_id);
    if (rc == BC_OK) {
        size_t i;
        json_t *r;
        json_array_foreach (rows, i, r) {
            const bc_catalog_sale *s = i < (size_t)n ? &sales[i] : NULL;
            json_object_set_new(r, "product_name", json_string(s && s->id ? s->name : ""));
            json_object_set_new(r, "product_image_url",
                                s && s->id && s->image_url[0] ? json_string(s->image_url) : json_null());
        }
        *out = json_pack("{s:o,s:I,s:I,s:I}", "items", rows, "page", (json_int_t)page, "per_page", (json_int_t)per_page,
                         "total", (json_int_t)total);
        rows = NULL;
        rc = *out ? BC_OK : BC_ENOMEM;
    }
    json_decref(rows);
    return rc;
}

#define REVIEWABLE_MAX 100

int bc_review_reviewable(bc_db *db, int64_t buyer_id, json_t **out)
{
    bc_order_line_facts *lines = calloc(REVIEWABLE_MAX, sizeof *lines);
    int n = 0, rc = lines ? bc_order_lines_delivered(db, buyer_id, REVIEWABLE_MAX, lines, &n) : BC_ENOMEM;
    json_t *items = json_array();
    *out = NULL;
    if (!items)
        rc = BC_ENOMEM;
    for (int at = 0; rc == BC_OK && at < n; at += IDS_MAX) {
        int reviewed[IDS_MAX] = {0}, k = n - at < IDS_MAX ? n - at : IDS_MAX;
        bc_stmt *st = bc_db_prepare(db, "SELECT line_id FROM reviews WHERE author_id = ? AND line_id IN (" Q50 ")");
        if (!st) {
            rc = BC_ERR;
            break;
        }
        bc_stmt_bind_int(st, 1, buyer_id);
        for (int i = 0; i < IDS_MAX; i++)
            bc_stmt_bind_int(st, i + 2, i < k ? lines[at + i].line_id : 0);
        int step;
        while ((step = bc_stmt_step(st)) == 1) {
            int64_t line = bc_stmt_int(st, 0);
            for (int i = 0; i < k; i++)
                if (lines[at + i].line_id == line)
                    reviewed[i] = 1;
        }
        bc_stmt_reset(st);
        if (step < 0) {
            rc = step;
            break;
        }
        for (int i = 0; i < k; i++) {
            const bc_order_line_facts *f = &lines[at + i];
            if (reviewed[i])
                continue;
            json_array_append_new(items,
                                  json_pack("{s:I,s:I,s:s,s:I,s:s,s:I,s:s,s:I}", "line_id", (json_int_t)f->line_id,
                                            "order_row_id", (json_int_t)f->order_row_id, "order_id", f->order_id,
                                            "product_id", (json_int_t)f->product_id, "product_name", f->product_name,
                                            "seller_id", (json_int_t)f->seller_id, "status", f->status, "delivered_at",
                                            (json_int_t)f->delivered_at));
        }
    }
    free(lines);
    if (rc == BC_OK)
        *out = json_pack("{s:o}", "items", items);
    else
        json_decref(items);
    return rc == BC_OK && !*out ? BC_ENOMEM : rc;
}
