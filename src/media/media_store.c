/* The upload records (table media_uploads, migration 5): the only SQL of the media module. */
#include "media.h"

#include <string.h>

int bc_media_record(bc_db *db, const bc_media_upload *u)
{
    if (!u || !bc_media_name_ok(u->name) || !u->content_type)
        return BC_EINVAL;
    int rc = bc_db_exec(db,
                        "INSERT INTO media_uploads (name, content_type, bytes, width, height, uploader_id, created_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?)",
                        "ttiiiii", u->name, u->content_type, u->bytes, (int64_t)u->width, (int64_t)u->height,
                        u->uploader_id, u->created_at);
    return rc < 0 ? rc : BC_OK;
}

int bc_media_lookup(bc_db *db, const char *name, char *content_type, size_t ct_len)
{
    if (!bc_media_name_ok(name) || ct_len == 0)
        return BC_ENOTFOUND;
    bc_stmt *st = bc_db_prepare(db, "SELECT content_type FROM media_uploads WHERE name = ?");
    if (!st)
        return BC_ERR;
    bc_stmt_bind_text(st, 1, name);
    int step = bc_stmt_step(st), rc = BC_ENOTFOUND;
    if (step == 1) {
        const char *ct = bc_stmt_text(st, 0);
        snprintf(content_type, ct_len, "%s", ct ? ct : "");
        rc = ct && strlen(ct) < ct_len ? BC_OK : BC_ERR;
    } else if (step < 0) {
        rc = step;
    }
    bc_stmt_reset(st);
    return rc;
}

int bc_media_uploader(bc_db *db, const char *name, int64_t *uploader_id)
{
    *uploader_id = 0;
    if (!bc_media_name_ok(name))
        return BC_ENOTFOUND;
    int rc = bc_db_int(db, uploader_id, "SELECT COALESCE(uploader_id, 0) FROM media_uploads WHERE name = ?", "t", name);
    return rc == 1 ? BC_OK : rc == 0 ? BC_ENOTFOUND : rc;
}
