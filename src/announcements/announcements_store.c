/* The SQL of announcements (table announcements; seller_id NULL: the operator's). The owner of a
 * row is matched as COALESCE(seller_id, 0) = ?, so one statement serves the operator and sellers. */
#include <string.h>

#include "announcements.h"

#define COLS "id, seller_id, title, body, pinned, published_at, created_at, updated_at"

/* pinned as a boolean. */
static void shape(json_t *row)
{
    json_object_set_new(row, "pinned", json_boolean(json_integer_value(json_object_get(row, "pinned")) != 0));
}

int bc_announce_create(bc_db *db, int64_t seller_id, int64_t author_id, const bc_announce_fields *f, int64_t *id)
{
    int64_t now = bc_now_ms();
    *id = 0;
    if (!f->title || !*f->title || !f->body || !*f->body || author_id <= 0 || seller_id < 0)
        return BC_EINVAL;
    bc_stmt *st =
        bc_db_prepare(db, "INSERT INTO announcements (seller_id, author_id, title, body, pinned, published_at,"
                          " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id");
    if (!st)
        return BC_ERR;
    if (seller_id > 0)
        bc_stmt_bind_int(st, 1, seller_id);
    else
        bc_stmt_bind_null(st, 1);
    bc_stmt_bind_int(st, 2, author_id);
    bc_stmt_bind_text(st, 3, f->title);
    bc_stmt_bind_text(st, 4, f->body);
    bc_stmt_bind_int(st, 5, f->pinned > 0);
    bc_stmt_bind_int(st, 6, f->published_at >= 0 ? f->published_at : now);
    bc_stmt_bind_int(st, 7, now);
    bc_stmt_bind_int(st, 8, now);
    int rc = bc_stmt_step(st);
    if (rc == 1)
        *id = bc_stmt_int(st, 0);
    bc_stmt_reset(st);
    return rc == 1 ? BC_OK : rc < 0 ? rc : BC_ERR;
}

int bc_announce_update(bc_db *db, int64_t id, int64_t seller_id, const bc_announce_fields *f)
{
    bc_stmt *st = bc_db_prepare(db, "UPDATE announcements SET title = COALESCE(?, title), body = COALESCE(?, body),"
                                    " pinned = COALESCE(?, pinned), published_at = COALESCE(?, published_at),"
                                    " updated_at = ? WHERE id = ? AND COALESCE(seller_id, 0) = ?");
    if (!st)
        return BC_ERR;
    bc_stmt_bind_text(st, 1, f->title);
    bc_stmt_bind_text(st, 2, f->body);
    if (f->pinned >= 0)
        bc_stmt_bind_int(st, 3, f->pinned > 0);
    else
        bc_stmt_bind_null(st, 3);
    if (f->published_at >= 0)
        bc_stmt_bind_int(st, 4, f->published_at);
    else
        bc_stmt_bind_null(st, 4);
    bc_stmt_bind_int(st, 5, bc_now_ms());
    bc_stmt_bind_int(st, 6, id);
    bc_stmt_bind_int(st, 7, seller_id);
    int rc = bc_stmt_step(st);
    bc_stmt_reset(st);
    if (rc < 0)
        return rc;
    return bc_db_changes(db) > 0 ? BC_OK : BC_ENOTFOUND;
}

int bc_announce_delete(bc_db *db, int64_t id, int64_t seller_id)
{
    int rc =
        bc_db_exec(db, "DELETE FROM announcements WHERE id = ? AND COALESCE(seller_id, 0) = ?", "ii", id, seller_id);
    return rc < 0 ? rc : rc == 0 ? BC_ENOTFOUND : BC_OK;
}

int bc_announce_get(bc_db *db, int64_t id, int64_t seller_id, int published_only, json_t **out)
{
    *out = NULL;
    int rc = bc_db_row(db, out,
                       "SELECT " COLS " FROM announcements WHERE id = ? AND COALESCE(seller_id, 0) = ?"
                       " AND (? = 0 OR published_at <= ?)",
                       "iiii", id, seller_id, (int64_t)published_only, bc_now_ms());
    if (rc < 0)
        return rc;
    if (rc == 0)
        return BC_ENOTFOUND;
    shape(*out);
    return BC_OK;
}

int bc_announce_list(bc_db *db, int64_t seller_id, int published_only, int pinned_only, int64_t page, int64_t per_page,
                     json_t **out)
{
    json_t *rows = NULL, *r;
    int64_t total = 0, now = bc_now_ms(), pub = published_only != 0, pin = pinned_only != 0;
    size_t i;
    *out = NULL;
#define WHERE " WHERE COALESCE(seller_id, 0) = ? AND (? = 0 OR published_at <= ?) AND (? = 0 OR pinned = 1)"
    int rc = bc_db_int(db, &total, "SELECT count(*) FROM announcements" WHERE, "iiii", seller_id, pub, now, pin);
    if (rc < 0)
        return rc;
    rc = bc_db_rows(db, &rows,
                    "SELECT " COLS " FROM announcements" WHERE
                    " ORDER BY pinned DESC, published_at DESC, id DESC LIMIT ? OFFSET ?",
                    "iiiiii", seller_id, pub, now, pin, per_page, (page - 1) * per_page);
#undef WHERE
    if (rc < 0)
        return rc;
    json_array_foreach (rows, i, r)
        shape(r);
    *out = json_pack("{s:o,s:I,s:I,s:I}", "items", rows, "page", (json_int_t)page, "per_page", (json_int_t)per_page,
                     "total", (json_int_t)total);
    return *out ? BC_OK : BC_ENOMEM;
}
