/* audit: the admin audit log (issue 11). Every admin-only route that changes something records one
 * row: who (actor id and role), what (an action such as "user.block", the target's type and id),
 * the target before and after (JSON), the reason given, the request id and when. The table
 * audit_log (migration 33) is written only here; the admin reads it with GET /api/v1/admin/audit. */
#ifndef BC_AUDIT_H
#define BC_AUDIT_H

#include "../http/http.h"
#include "../store/store.h"

/* Longest stored action, target type and reason (characters are bytes here: ASCII names). */
#define BC_AUDIT_NAME_MAX 64
#define BC_AUDIT_REASON_MAX 1000

/* Records one admin action on db, in the caller's open transaction when there is one (a unit of
 * work run by bc_db_tx: the row commits or rolls back with the change it describes), else in its
 * own. who: the caller (bc_req_auth); action: "module.verb" (e.g. "user.block"); target_type and
 * target_id: what it acted on (target_id 0 when there is no row, e.g. the points rates); before
 * and after: the target's state (borrowed, not stolen; NULL stores SQL NULL); reason: the reason
 * given (NULL for none; longer ones are cut at BC_AUDIT_REASON_MAX bytes). The request id comes
 * from the thread's current request (bc_log_request_id). Returns BC_OK, BC_EINVAL (no who, action
 * or target_type), BC_ENOMEM or a store error. */
int bc_audit_record(bc_db *db, const bc_auth *who, const char *action, const char *target_type, int64_t target_id,
                    json_t *before, json_t *after, const char *reason);

/* A query of the log: 0 / NULL / "" leave a filter out; from and to are UTC ms (to exclusive). */
typedef struct bc_audit_filter {
    int64_t actor_id;
    const char *action;
    const char *target_type;
    int64_t target_id;
    int64_t from, to;
    int64_t page, per_page;
} bc_audit_filter;

/* One page of the log, newest first: *out = {"items":[{id, actor_id, actor_name, actor_role,
 * action, target_type, target_id, before, after (JSON values or null), reason, request_id,
 * created_at (UTC ms)}], "page", "per_page", "total"} (caller owns). Returns BC_OK, BC_ENOMEM or a
 * store error. */
int bc_audit_list(bc_db *db, const bc_audit_filter *f, json_t **out);

/* GET /api/v1/admin/audit. */
extern const bc_route bc_audit_routes[];

#endif
