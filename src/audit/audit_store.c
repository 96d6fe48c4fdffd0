/* The SQL of the admin audit log (audit_log, migration 33). */
#include <stdlib.h>
#include <string.h>

#include "audit.h"

typedef struct record_args {
    const bc_auth *who;
    const char *action, *target_type, *reason, *rid;
    int64_t target_id;
    const char *before, *after;
} record_args;

static int record_tx(bc_db *db, void *arg)
{
    record_args *a = arg;
    const char *role = a->who->role == BC_ROLE_ADMIN ? "admin" : a->who->role == BC_ROLE_SELLER ? "seller" : "buyer";
    int rc = bc_db_exec(db,
                        "INSERT INTO audit_log (actor_id, actor_role, action, target_type, target_id, before, after,"
                        " reason, request_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        "itttitttti", a->who->user_id, role, a->action, a->target_type, a->target_id, a->before,
                        a->after, a->reason, a->rid, bc_now_ms());
    return rc < 0 ? rc : BC_OK;
}

int bc_audit_record(bc_db *db, const bc_auth *who, const char *action, const char *target_type, int64_t target_id,
                    json_t *before, json_t *after, const char *reason)
{
    if (!db || !who || !action || !*action || !target_type || !*target_type)
        return BC_EINVAL;
    char *b = before ? json_dumps(before, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY) : NULL;
    char *af = after ? json_dumps(after, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY) : NULL;
    char cut[BC_AUDIT_REASON_MAX + 1];
    int rc = BC_ENOMEM;
    if ((before && !b) || (after && !af))
        goto out;
    if (reason && strlen(reason) > BC_AUDIT_REASON_MAX) {
        size_t n = BC_AUDIT_REASON_MAX;
        while (n > 0 && ((unsigned char)reason[n] & 0xC0) == 0x80) /* not inside a UTF-8 character */
            n--;
        memcpy(cut, reason, n);
        cut[n] = 0;
        reason = cut;
    }
    record_args a = {who,       action, target_type, reason && *reason ? reason : NULL, bc_log_request_id(),
                     target_id, b,      af};
    rc = bc_db_tx(db, record_tx, &a);
out:
    free(b);
    free(af);
    return rc;
}

/* Replaces the JSON text in o[key] by its value (null when it does not parse). */
static void parse_member(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    json_t *v = s ? json_loads(s, JSON_DECODE_ANY, NULL) : NULL;
    json_object_set_new(o, key, v ? v : json_null());
}

#define AUDIT_WHERE                                                                                                    \
    " WHERE (? = 0 OR a.actor_id = ?) AND (? = '' OR a.action = ?) AND (? = '' OR a.target_type = ?)"                  \
    " AND (? = 0 OR a.target_id = ?) AND a.created_at >= ? AND a.created_at < ?"

int bc_audit_list(bc_db *db, const bc_audit_filter *f, json_t **out)
{
    *out = NULL;
    const char *action = f->action ? f->action : "", *type = f->target_type ? f->target_type : "";
    int64_t from = f->from > 0 ? f->from : 0, to = f->to > 0 ? f->to : INT64_MAX;
    int64_t per = f->per_page > 0 ? f->per_page : 50, page = f->page > 0 ? f->page : 1, total = 0;
    json_t *items = NULL;
    int rc = bc_db_int(db, &total, "SELECT count(*) FROM audit_log a" AUDIT_WHERE, "iittttiiii", f->actor_id,
                       f->actor_id, action, action, type, type, f->target_id, f->target_id, from, to);
    if (rc < 0)
        return rc;
    rc = bc_db_rows(db, &items,
                    "SELECT a.id, a.actor_id, u.name AS actor_name, a.actor_role, a.action, a.target_type, a.target_id,"
                    " a.before, a.after, a.reason, a.request_id, a.created_at FROM audit_log a"
                    " LEFT JOIN users u ON u.id = a.actor_id" AUDIT_WHERE " ORDER BY a.created_at DESC, a.id DESC"
                    " LIMIT ? OFFSET ?",
                    "iittttiiiiii", f->actor_id, f->actor_id, action, action, type, type, f->target_id, f->target_id,
                    from, to, per, (page - 1) * per);
    if (rc < 0)
        return rc;
    size_t i;
    json_t *it;
    json_array_foreach (items, i, it) {
        parse_member(it, "before");
        parse_member(it, "after");
    }
    *out = json_pack("{s:o,s:I,s:I,s:I}", "items", items, "page", (json_int_t)page, "per_page", (json_int_t)per,
                     "total", (json_int_t)total);
    return *out ? BC_OK : BC_ENOMEM;
}
