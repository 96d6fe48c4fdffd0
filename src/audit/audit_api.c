/* Route of the admin audit log: GET /api/v1/admin/audit. No SQL here. */
#include "audit.h"

/* GET /api/v1/admin/audit?actor_id=&action=&target_type=&target_id=&from=&to=&page=&per_page= */
static void h_list(bc_req *req)
{
    bc_audit_filter f = {
        .actor_id = bc_req_query_int(req, "actor_id", 0),
        .action = bc_req_query_str(req, "action"),
        .target_type = bc_req_query_str(req, "target_type"),
        .target_id = bc_req_query_int(req, "target_id", 0),
        .page = bc_req_query_int(req, "page", 1),
        .per_page = bc_req_query_int(req, "per_page", 50),
    };
    const char *from = bc_req_query_str(req, "from"), *to = bc_req_query_str(req, "to");
    if ((from && bc_time_parse(from, &f.from) != BC_OK) || (to && bc_time_parse(to, &f.to) != BC_OK)) {
        bc_res_error(req, 422, "VALIDATION_FAILED", "'from' and 'to' must be ISO-8601 times like 2026-11-23T10:00:00Z");
        return;
    }
    json_t *out = NULL;
    int rc = bc_audit_list(bc_req_db(req), &f, &out);
    if (rc != BC_OK)
        bc_res_from_err(req, rc);
    else
        bc_res_json(req, 200, out);
}

#define TIME "{\"type\":\"string\",\"format\":\"date-time\"}"
#define INT "{\"type\":\"integer\"}"
#define STR "{\"type\":\"string\"}"
#define NSTR "{\"type\":[\"string\",\"null\"]}"

static const bc_schema sc_entry = {
    "AuditEntry",
    "{\"type\":\"object\",\"required\":[\"id\",\"actor_id\",\"actor_role\",\"action\",\"target_type\",\"target_id\","
    "\"before\",\"after\",\"reason\",\"request_id\",\"created_at\"],\"properties\":{\"id\":" INT ",\"actor_id\":" INT
    ",\"actor_name\":" NSTR ",\"actor_role\":" STR ",\"action\":{\"type\":\"string\",\"description\":\"module.verb, "
    "e.g. user.block\"},\"target_type\":" STR ",\"target_id\":{\"type\":\"integer\",\"description\":\"0: no row "
    "(e.g. the points rates)\"},\"before\":{\"description\":\"the target before (any JSON; null: none)\"},"
    "\"after\":{\"description\":\"the target after, or the request's body (any JSON; null: deleted)\"},"
    "\"reason\":" NSTR ",\"request_id\":" NSTR ",\"created_at\":" TIME "}}",
    NULL};
static const bc_schema sc_page = {
    "AuditPage",
    "{\"type\":\"object\",\"required\":[\"items\",\"page\",\"per_page\",\"total\"],\"properties\":{\"items\":{"
    "\"type\":\"array\",\"items\":{\"$ref\":\"#/components/schemas/AuditEntry\"}},\"page\":" INT ",\"per_page\":" INT
    ",\"total\":" INT "}}",
    (const bc_schema *const[]){&sc_entry, NULL}};

static const bc_field list_query[] = {
    {"actor_id", BC_F_INT, 0, 1, INT64_MAX, "only this admin's actions"},
    {"action", BC_F_STR, 0, 1, BC_AUDIT_NAME_MAX, "only this action (e.g. user.block)", .text = BC_TEXT_OPAQUE},
    {"target_type", BC_F_STR, 0, 1, BC_AUDIT_NAME_MAX, "only targets of this type (e.g. user)", .text = BC_TEXT_OPAQUE},
    {"target_id", BC_F_INT, 0, 1, INT64_MAX, "only this target (with target_type)"},
    {"from", BC_F_STR, 0, 1, 40, "from this time (ISO-8601, inclusive)", .text = BC_TEXT_OPAQUE,
     .example = "\"2026-12-01T00:00:00Z\""},
    {"to", BC_F_STR, 0, 1, 40, "until this time (ISO-8601, exclusive)", .text = BC_TEXT_OPAQUE,
     .example = "\"2026-12-31T00:00:00Z\""},
    {"page", BC_F_INT, 0, 1, 100000, "page number", .def = "1"},
    {"per_page", BC_F_INT, 0, 1, 200, "page size", .def = "50"},
    {NULL},
};

const bc_route bc_audit_routes[] = {
    {"GET", "/api/v1/admin/audit", BC_ROLE_ADMIN, 0, NULL, h_list, "admin",
     "The admin audit log (who changed what, before and after), newest first", 200, .query = list_query,
     .response = &sc_page},
    {NULL},
};
