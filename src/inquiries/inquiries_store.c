/* The SQL of inquiries and product Q&A (tables inquiries, inquiry_messages, product_questions).
 * Names of people come from accounts (bc_accounts_user_names), of products from the catalog
 * (bc_catalog_product_sales), of orders from commerce (bc_order_head_get): no other table is read. */
#include <stdlib.h>
#include <string.h>

#include "../accounts/accounts.h"
#include "../catalog/catalog.h"
#include "../commerce/commerce.h"
#include "../notices/notices.h"
#include "inquiries.h"

static int row_rc(int rc) { return rc == 1 ? BC_OK : rc == 0 ? BC_ENOTFOUND : rc; }

/* ---- names ---- */

/* Sets rows[i][name_key] to the name of the user rows[i][id_key] (null when none or unknown). */
static int put_user_names(bc_db *db, json_t *rows, const char *id_key, const char *name_key)
{
    size_t n = json_array_size(rows), i, k = 0;
    int64_t *ids = calloc(n ? n : 1, sizeof *ids);
    json_t *names = NULL, *r;
    if (!ids)
        return BC_ENOMEM;
    json_array_foreach (rows, i, r)
        if (json_is_integer(json_object_get(r, id_key)))
            ids[k++] = json_integer_value(json_object_get(r, id_key));
    int rc = bc_accounts_user_names(db, ids, k, &names);
    free(ids);
    if (rc != BC_OK)
        return rc;
    json_array_foreach (rows, i, r) {
        char key[24];
        json_t *id = json_object_get(r, id_key);
        snprintf(key, sizeof key, "%lld", (long long)json_integer_value(id));
        json_t *nm = json_is_integer(id) ? json_object_get(json_object_get(names, key), "name") : NULL;
        json_object_set_new(r, name_key, nm ? json_incref(nm) : json_null());
    }
    json_decref(names);
    return BC_OK;
}

/* Sets rows[i].product_name to the name of product rows[i].product_id (null when none). */
static int put_product_names(bc_db *db, json_t *rows)
{
    size_t n = json_array_size(rows);
    bc_catalog_sale *sales = calloc(50, sizeof *sales);
    int64_t ids[50];
    int rc = sales ? BC_OK : BC_ENOMEM;
    for (size_t at = 0; rc == BC_OK && at < n; at += 50) {
        int m = (int)(n - at < 50 ? n - at : 50);
        for (int j = 0; j < m; j++)
            ids[j] = json_integer_value(json_object_get(json_array_get(rows, at + (size_t)j), "product_id"));
        if ((rc = bc_catalog_product_sales(db, ids, m, sales)) != BC_OK)
            break;
        for (int j = 0; j < m; j++) {
            json_t *r = json_array_get(rows, at + (size_t)j);
            json_object_set_new(r, "product_name",
                                ids[j] > 0 && sales[j].id == ids[j] ? json_string(sales[j].name) : json_null());
        }
    }
    free(sales);
    return rc;
}

/* ---- inquiries ---- */

#define INQ_COLS                                                                                                       \
    "id, buyer_id, seller_id, product_id, order_row_id AS order_id, category, title, status, messages AS "             \
    "message_count, created_at, updated_at"

/* Completes rows of INQ_COLS into the API shape: to, names. */
static int inquiry_shape(bc_db *db, json_t *rows)
{
    size_t i;
    json_t *r;
    json_array_foreach (rows, i, r)
        json_object_set_new(r, "to",
                            json_string(json_is_null(json_object_get(r, "seller_id")) ? "operator" : "seller"));
    int rc = put_user_names(db, rows, "buyer_id", "buyer_name");
    if (rc == BC_OK)
        rc = put_user_names(db, rows, "seller_id", "seller_name");
    if (rc == BC_OK)
        rc = put_product_names(db, rows);
    return rc;
}

/* Every active admin's id (at most 100) into ids; *n set. */
static int admin_ids(bc_db *db, int64_t *ids, int max, int *n)
{
    json_t *page = NULL, *u;
    size_t i;
    *n = 0;
    int rc = bc_accounts_admin_list(db, NULL, "admin", 0, 1, max, &page);
    if (rc != BC_OK)
        return rc;
    json_array_foreach (json_object_get(page, "items"), i, u)
        if (*n < max)
            ids[(*n)++] = json_integer_value(json_object_get(u, "id"));
    json_decref(page);
    return BC_OK;
}

/* Notifies the ids[0..n) (skipping 0 and skip) with kind and text. */
static int notify_all(bc_db *db, const int64_t *ids, int n, int64_t skip, const char *kind, const char *text)
{
    for (int i = 0; i < n; i++) {
        if (ids[i] <= 0 || ids[i] == skip)
            continue;
        int rc = bc_notice_add(db, ids[i], kind, 0, NULL, text);
        if (rc != BC_OK && rc != BC_ENOTFOUND)
            return rc;
    }
    return BC_OK;
}

typedef struct create_args {
    const bc_inquiry_new *n;
    int64_t id;
} create_args;

static int create_tx(bc_db *db, void *arg)
{
    create_args *a = arg;
    const bc_inquiry_subject *s = &a->n->subject;
    int64_t now = bc_now_ms(), targets[100];
    int nt = 0;
    a->id = 0;
    bc_stmt *st = bc_db_prepare(db, "INSERT INTO inquiries (buyer_id, seller_id, product_id, order_row_id, category,"
                                    " title, body, status, messages, created_at, updated_at)"
                                    " VALUES (?, ?, ?, ?, ?, ?, ?, 'OPEN', 0, ?, ?) RETURNING id");
    if (!st)
        return BC_ERR;
    const int64_t refs[3] = {s->seller_id, s->product_id, s->order_row_id};
    bc_stmt_bind_int(st, 1, s->buyer_id);
    for (int i = 0; i < 3; i++) /* the optional references are NULL when absent */
        if (refs[i] > 0)
            bc_stmt_bind_int(st, 2 + i, refs[i]);
        else
            bc_stmt_bind_null(st, 2 + i);
    bc_stmt_bind_text(st, 5, a->n->category);
    bc_stmt_bind_text(st, 6, a->n->title);
    bc_stmt_bind_text(st, 7, a->n->body);
    bc_stmt_bind_int(st, 8, now);
    bc_stmt_bind_int(st, 9, now);
    int rc = bc_stmt_step(st);
    if (rc == 1)
        a->id = bc_stmt_int(st, 0);
    bc_stmt_reset(st);
    if (rc != 1)
        return rc < 0 ? rc : BC_ERR;
    if (s->seller_id > 0) {
        targets[0] = s->seller_id;
        nt = 1;
    } else if ((rc = admin_ids(db, targets, 100, &nt)) != BC_OK)
        return rc;
    char text[BC_NOTICE_TEXT_MAX * 4];
    snprintf(text, sizeof text, "새 1:1 문의: %s / New inquiry: %s", a->n->title, a->n->title);
    return notify_all(db, targets, nt, s->buyer_id, "inquiry.NEW", text);
}

int bc_inquiry_create(bc_db *db, const bc_inquiry_new *n, int64_t *id)
{
    if (!bc_inquiry_category_ok(n->category) || !n->title || !*n->title || !n->body || !*n->body)
        return BC_EINVAL;
    create_args a = {n, 0};
    int rc = bc_db_tx(db, create_tx, &a);
    *id = a.id;
    return rc;
}

int bc_inquiry_head_get(bc_db *db, int64_t id, bc_inquiry_head *out)
{
    memset(out, 0, sizeof *out);
    bc_stmt *st = bc_db_prepare(db, "SELECT id, buyer_id, seller_id, status FROM inquiries WHERE id = ?");
    if (!st)
        return BC_ERR;
    bc_stmt_bind_int(st, 1, id);
    int rc = row_rc(bc_stmt_step(st));
    if (rc == BC_OK) {
        out->id = bc_stmt_int(st, 0);
        out->buyer_id = bc_stmt_int(st, 1);
        out->seller_id = bc_stmt_is_null(st, 2) ? 0 : bc_stmt_int(st, 2);
        snprintf(out->status, sizeof out->status, "%s", bc_stmt_text(st, 3) ? bc_stmt_text(st, 3) : "");
    }
    bc_stmt_reset(st);
    return rc;
}

int bc_inquiry_get(bc_db *db, int64_t id, json_t **out)
{
    json_t *row = NULL, *rows = NULL, *msgs = NULL;
    *out = NULL;
    int rc = row_rc(bc_db_row(db, &row, "SELECT " INQ_COLS ", body FROM inquiries WHERE id = ?", "i", id));
    if (rc != BC_OK)
        goto out;
    rows = json_pack("[O]", row);
    if ((rc = inquiry_shape(db, rows)) != BC_OK)
        goto out;
    if ((rc = bc_db_rows(db, &msgs,
                         "SELECT id, author_id, author_role, body, created_at FROM inquiry_messages"
                         " WHERE inquiry_id = ? ORDER BY id",
                         "i", id)) < 0)
        goto out;
    if ((rc = put_user_names(db, msgs, "author_id", "author_name")) != BC_OK)
        goto out;
    json_object_set(row, "messages", msgs);
    json_t *oid = json_object_get(row, "order_id");
    json_object_set_new(row, "order_number", json_null());
    if (json_is_integer(oid)) {
        bc_order_head h;
        if ((rc = bc_order_head_get(db, json_integer_value(oid), &h)) == BC_OK)
            json_object_set_new(row, "order_number", json_string(h.order_id));
        else if (rc != BC_ENOTFOUND)
            goto out;
    }
    rc = BC_OK;
    *out = json_incref(row);
out:
    json_decref(row);
    json_decref(rows);
    json_decref(msgs);
    return rc;
}

int bc_inquiry_list(bc_db *db, const bc_inquiry_query *q, json_t **out)
{
    json_t *rows = NULL;
    int64_t total = 0, off = (q->page - 1) * q->per_page, scope = q->buyer_id > 0 || q->seller_id > 0 ? 0 : q->scope;
    const char *status = q->status ? q->status : "";
    *out = NULL;
#define INQ_WHERE                                                                                                      \
    " WHERE (? = 0 OR buyer_id = ?) AND (? = 0 OR seller_id = ?) AND (? <> 1 OR seller_id IS NOT NULL)"                \
    " AND (? <> 2 OR seller_id IS NULL) AND (? = '' OR status = ?)"
    int rc = bc_db_int(db, &total, "SELECT count(*) FROM inquiries" INQ_WHERE, "iiiiiitt", q->buyer_id, q->buyer_id,
                       q->seller_id, q->seller_id, scope, scope, status, status);
    if (rc < 0)
        return rc;
    rc = bc_db_rows(db, &rows, "SELECT " INQ_COLS " FROM inquiries" INQ_WHERE " ORDER BY id DESC LIMIT ? OFFSET ?",
                    "iiiiiittii", q->buyer_id, q->buyer_id, q->seller_id, q->seller_id, scope, scope, status, status,
                    q->per_page, off);
#undef INQ_WHERE
    if (rc < 0)
        return rc;
    if ((rc = inquiry_shape(db, rows)) != BC_OK) {
        json_decref(rows);
        return rc;
    }
    *out = json_pack("{s:o,s:I,s:I,s:I}", "items", rows, "page", (json_int_t)q->page, "per_page",
                     (json_int_t)q->per_page, "total", (json_int_t)total);
    return *out ? BC_OK : BC_ENOMEM;
}

typedef struct reply_args {
    int64_t id, author_id;
    const char *role, *body;
} reply_args;

static int reply_tx(bc_db *db, void *arg)
{
    reply_args *a = arg;
    json_t *head = NULL, *admins = NULL;
    int64_t now = bc_now_ms(), targets[100];
    int nt = 0;
    /* the conditional update first: it locks the row, so concurrent messages count one by one */
    int rc = bc_db_exec(db,
                        "UPDATE inquiries SET status = ?, messages = messages + 1, updated_at = ?"
                        " WHERE id = ? AND status <> 'CLOSED'",
                        "tii", bc_inquiry_status_after(a->role), now, a->id);
    if (rc < 0)
        return rc;
    if (rc == 0) {
        int64_t one = 0;
        rc = bc_db_int(db, &one, "SELECT 1 FROM inquiries WHERE id = ?", "i", a->id);
        return rc < 0 ? rc : rc == 0 ? BC_ENOTFOUND : BC_ECONFLICT;
    }
    if ((rc = bc_db_exec(db,
                         "INSERT INTO inquiry_messages (inquiry_id, author_id, author_role, body, created_at)"
                         " VALUES (?, ?, ?, ?, ?)",
                         "iitti", a->id, a->author_id, a->role, a->body, now)) < 0)
        return rc;
    if ((rc = row_rc(bc_db_row(db, &head, "SELECT buyer_id, seller_id, title FROM inquiries WHERE id = ?", "i",
                               a->id))) != BC_OK)
        return rc;
    const char *title = json_string_value(json_object_get(head, "title"));
    const char *kind = "inquiry.ANSWERED";
    char text[BC_NOTICE_TEXT_MAX * 4];
    if (strcmp(a->role, "buyer") != 0) {
        targets[nt++] = json_integer_value(json_object_get(head, "buyer_id"));
        snprintf(text, sizeof text, "1:1 문의에 답변이 달렸습니다: %s / Your inquiry was answered: %s", title, title);
    } else {
        kind = "inquiry.MESSAGE";
        snprintf(text, sizeof text, "1:1 문의에 새 글이 있습니다: %s / New message in an inquiry: %s", title, title);
        json_t *seller = json_object_get(head, "seller_id");
        if (json_is_integer(seller)) {
            targets[nt++] = json_integer_value(seller);
        } else {
            /* the operator's: the admins who answered it, else every admin */
            size_t i;
            json_t *r;
            if ((rc = bc_db_rows(db, &admins,
                                 "SELECT DISTINCT author_id FROM inquiry_messages WHERE inquiry_id = ? AND"
                                 " author_role = 'admin'",
                                 "i", a->id)) < 0)
                goto out;
            json_array_foreach (admins, i, r)
                if (nt < 100)
                    targets[nt++] = json_integer_value(json_object_get(r, "author_id"));
            if (!nt && (rc = admin_ids(db, targets, 100, &nt)) != BC_OK)
                goto out;
        }
    }
    rc = notify_all(db, targets, nt, a->author_id, kind, text);
out:
    json_decref(head);
    json_decref(admins);
    return rc;
}

int bc_inquiry_reply(bc_db *db, int64_t id, int64_t author_id, const char *author_role, const char *body)
{
    if (!author_role || !body || !*body ||
        (strcmp(author_role, "buyer") != 0 && strcmp(author_role, "seller") != 0 && strcmp(author_role, "admin") != 0))
        return BC_EINVAL;
    reply_args a = {id, author_id, author_role, body};
    return bc_db_tx(db, reply_tx, &a);
}

int bc_inquiry_close(bc_db *db, int64_t id)
{
    int rc =
        bc_db_exec(db, "UPDATE inquiries SET status = 'CLOSED', updated_at = ? WHERE id = ? AND status <> 'CLOSED'",
                   "ii", bc_now_ms(), id);
    if (rc < 0)
        return rc;
    if (rc > 0)
        return BC_OK;
    int64_t one = 0;
    rc = bc_db_int(db, &one, "SELECT 1 FROM inquiries WHERE id = ?", "i", id);
    return rc < 0 ? rc : rc == 0 ? BC_ENOTFOUND : BC_ECONFLICT;
}

/* ---- product Q&A ---- */

typedef struct question_args {
    int64_t product_id, seller_id, user_id, id;
    const char *product_name, *body;
    int secret;
} question_args;

static int question_tx(bc_db *db, void *arg)
{
    question_args *a = arg;
    a->id = 0;
    int rc =
        bc_db_int(db, &a->id,
                  "INSERT INTO product_questions (product_id, seller_id, user_id, body, secret, created_at)"
                  " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                  "iiitii", a->product_id, a->seller_id, a->user_id, a->body, (int64_t)(a->secret != 0), bc_now_ms());
    if (rc != 1)
        return rc < 0 ? rc : BC_ERR;
    if (a->seller_id == a->user_id)
        return BC_OK;
    char text[BC_NOTICE_TEXT_MAX * 4];
    const char *name = a->product_name ? a->product_name : "";
    snprintf(text, sizeof text, "상품 문의가 등록되었습니다: %.200s / New question on %.200s", name, name);
    rc = bc_notice_add(db, a->seller_id, "question.NEW", 0, NULL, text);
    return rc == BC_ENOTFOUND ? BC_OK : rc;
}

int bc_inquiry_question_add(bc_db *db, int64_t product_id, int64_t seller_id, const char *product_name, int64_t user_id,
                            const char *body, int secret, int64_t *id)
{
    if (product_id <= 0 || seller_id <= 0 || user_id <= 0 || !body || !*body)
        return BC_EINVAL;
    question_args a = {product_id, seller_id, user_id, 0, product_name, body, secret};
    int rc = bc_db_tx(db, question_tx, &a);
    *id = a.id;
    return rc;
}

#define Q_COLS "id, product_id, seller_id, user_id, body, secret, answer, answered_at, created_at"

/* Turns rows of Q_COLS into the API shape for the viewer (drops seller_id and user_id). */
static int question_shape(bc_db *db, json_t *rows, int64_t viewer_id, int viewer_role)
{
    int rc = put_user_names(db, rows, "user_id", "author_name");
    if (rc == BC_OK)
        rc = put_product_names(db, rows);
    if (rc != BC_OK)
        return rc;
    size_t i;
    json_t *r;
    json_array_foreach (rows, i, r) {
        int secret = json_integer_value(json_object_get(r, "secret")) != 0;
        int64_t author = json_integer_value(json_object_get(r, "user_id"));
        int64_t seller = json_integer_value(json_object_get(r, "seller_id"));
        int readable = bc_inquiry_question_readable(secret, author, seller, viewer_id, viewer_role);
        char masked[64];
        bc_inquiry_mask_name(json_string_value(json_object_get(r, "author_name")), masked, sizeof masked);
        json_object_set_new(r, "author_name", json_string(masked));
        json_object_set_new(r, "secret", json_boolean(secret));
        json_object_set_new(r, "readable", json_boolean(readable));
        json_object_set_new(r, "mine", json_boolean(viewer_id > 0 && viewer_id == author));
        json_object_set_new(r, "answered", json_boolean(!json_is_null(json_object_get(r, "answer"))));
        if (!readable) {
            json_object_set_new(r, "body", json_string(BC_QUESTION_SECRET_TEXT));
            json_object_set_new(r, "answer", json_null());
        }
        json_object_del(r, "user_id");
        json_object_del(r, "seller_id");
    }
    return BC_OK;
}

int bc_inquiry_questions(bc_db *db, const bc_question_query *q, json_t **out)
{
    json_t *rows = NULL;
    int64_t total = 0, off = (q->page - 1) * q->per_page, ans = q->answered;
    *out = NULL;
#define Q_WHERE                                                                                                        \
    " WHERE (? = 0 OR product_id = ?) AND (? = 0 OR seller_id = ?) AND (? <> 0 OR answer IS NULL)"                     \
    " AND (? <> 1 OR answer IS NOT NULL)"
    int rc = bc_db_int(db, &total, "SELECT count(*) FROM product_questions" Q_WHERE, "iiiiii", q->product_id,
                       q->product_id, q->seller_id, q->seller_id, ans, ans);
    if (rc < 0)
        return rc;
    rc = bc_db_rows(db, &rows, "SELECT " Q_COLS " FROM product_questions" Q_WHERE " ORDER BY id DESC LIMIT ? OFFSET ?",
                    "iiiiiiii", q->product_id, q->product_id, q->seller_id, q->seller_id, ans, ans, q->per_page, off);
#undef Q_WHERE
    if (rc < 0)
        return rc;
    if ((rc = question_shape(db, rows, q->viewer_id, q->viewer_role)) != BC_OK) {
        json_decref(rows);
        return rc;
    }
    *out = json_pack("{s:o,s:I,s:I,s:I}", "items", rows, "page", (json_int_t)q->page, "per_page",
                     (json_int_t)q->per_page, "total", (json_int_t)total);
    return *out ? BC_OK : BC_ENOMEM;
}

int bc_inquiry_question_get(bc_db *db, int64_t id, int64_t viewer_id, int viewer_role, json_t **out)
{
    json_t *rows = NULL;
    *out = NULL;
    int rc = bc_db_rows(db, &rows, "SELECT " Q_COLS " FROM product_questions WHERE id = ?", "i", id);
    if (rc < 0)
        return rc;
    if (rc == 0) {
        json_decref(rows);
        return BC_ENOTFOUND;
    }
    if ((rc = question_shape(db, rows, viewer_id, viewer_role)) == BC_OK)
        *out = json_incref(json_array_get(rows, 0));
    json_decref(rows);
    return rc;
}

typedef struct answer_args {
    int64_t id, seller_id;
    const char *answer;
} answer_args;

static int answer_tx(bc_db *db, void *arg)
{
    answer_args *a = arg;
    json_t *q = NULL;
    int rc = bc_db_exec(db, "UPDATE product_questions SET answer = ?, answered_at = ? WHERE id = ? AND seller_id = ?",
                        "tiii", a->answer, bc_now_ms(), a->id, a->seller_id);
    if (rc < 0)
        return rc;
    if ((rc = row_rc(bc_db_row(db, &q, "SELECT user_id, seller_id, product_id FROM product_questions WHERE id = ?", "i",
                               a->id))) != BC_OK)
        return rc;
    int64_t asker = json_integer_value(json_object_get(q, "user_id"));
    int64_t owner = json_integer_value(json_object_get(q, "seller_id"));
    int64_t pid = json_integer_value(json_object_get(q, "product_id"));
    json_decref(q);
    if (owner != a->seller_id)
        return BC_EFORBIDDEN;
    if (asker == a->seller_id)
        return BC_OK;
    bc_catalog_sale sale;
    const char *name = bc_catalog_product_sale(db, pid, &sale) == BC_OK ? sale.name : "";
    char text[BC_NOTICE_TEXT_MAX * 4];
    snprintf(text, sizeof text, "상품 문의에 답변이 달렸습니다: %.200s / Your question on %.200s was answered", name,
             name);
    rc = bc_notice_add(db, asker, "question.ANSWERED", 0, NULL, text);
    return rc == BC_ENOTFOUND ? BC_OK : rc;
}

int bc_inquiry_question_answer(bc_db *db, int64_t id, int64_t seller_id, const char *answer)
{
    if (!answer || !*answer || seller_id <= 0)
        return BC_EINVAL;
    answer_args a = {id, seller_id, answer};
    return bc_db_tx(db, answer_tx, &a);
}
