/* Routes of announcements: the operator's notices (public list and detail, the admin's CRUD) and
 * sellers' announcements (public per store, the seller's CRUD). No SQL here. */
#include <string.h>

#include "announcements.h"
#include "../audit/audit.h"

static void send_one(bc_req *req, int status, int64_t id, int64_t seller_id, int published_only)
{
    json_t *o = NULL;
    int rc = bc_announce_get(bc_req_db(req), id, seller_id, published_only, &o);
    if (rc == BC_ENOTFOUND)
        bc_res_error(req, 404, "ANNOUNCEMENT_NOT_FOUND", "no such announcement");
    else if (rc != BC_OK)
        bc_res_from_err(req, rc);
    else
        bc_res_json(req, status, o);
}

static void send_list(bc_req *req, int64_t seller_id, int published_only)
{
    json_t *out = NULL;
    int rc = bc_announce_list(bc_req_db(req), seller_id, published_only, (int)bc_req_query_int(req, "pinned", 0),
                              bc_req_query_int(req, "page", 1), bc_req_query_int(req, "per_page", 20), &out);
    if (rc != BC_OK)
        bc_res_from_err(req, rc);
    else
        bc_res_json(req, 200, out);
}

/* The seller whose announcements the caller manages: 0 for an admin (the operator's), else the
 * caller. */
static int64_t owner(bc_req *req)
{
    const bc_auth *a = bc_req_auth(req);
    return a->role == BC_ROLE_ADMIN ? 0 : a->user_id;
}

static int path_id(bc_req *req, int64_t *id)
{
    if (bc_req_param_id(req, "id", id) == BC_OK)
        return BC_OK;
    bc_res_error(req, 404, "ANNOUNCEMENT_NOT_FOUND", "no such announcement");
    return BC_ENOTFOUND;
}

/* Audits an admin's change of the operator's notice id right after the write (sellers' own store
 * announcements are not admin actions): before as read (borrowed, may be NULL), after as it is now
 * (NULL once deleted). */
static int audit(bc_req *req, const char *action, int64_t id, json_t *before)
{
    if (bc_req_auth(req)->role != BC_ROLE_ADMIN)
        return BC_OK;
    json_t *after = NULL;
    if (strcmp(action, "announcement.delete") != 0 && bc_announce_get(bc_req_db(req), id, 0, 0, &after) != BC_OK)
        after = NULL;
    int rc = bc_audit_record(bc_req_db(req), bc_req_auth(req), action, "announcement", id, before, after, NULL);
    json_decref(after);
    return rc;
}

static void h_public_list(bc_req *req) { send_list(req, 0, 1); }

static void h_public_get(bc_req *req)
{
    int64_t id;
    if (path_id(req, &id) == BC_OK)
        send_one(req, 200, id, 0, 1);
}

static void h_store_list(bc_req *req)
{
    int64_t id;
    if (bc_req_param_id(req, "id", &id) != BC_OK) {
        bc_res_error(req, 404, "NOT_FOUND", "no such seller");
        return;
    }
    send_list(req, id, 1);
}

static void h_own_list(bc_req *req) { send_list(req, owner(req), 0); }

static void h_own_get(bc_req *req)
{
    int64_t id;
    if (path_id(req, &id) == BC_OK)
        send_one(req, 200, id, owner(req), 0);
}

static void h_create(bc_req *req)
{
    bc_announce_fields f;
    char msg[120];
    int64_t id = 0;
    if (bc_announce_fields_read(bc_req_json(req), &f, msg, sizeof msg) != BC_OK) {
        bc_res_error(req, 422, "VALIDATION_FAILED", "%s", msg);
        return;
    }
    int rc = bc_announce_create(bc_req_db(req), owner(req), bc_req_auth(req)->user_id, &f, &id);
    rc = rc == BC_OK ? audit(req, "announcement.create", id, NULL) : rc;
    if (rc != BC_OK)
        bc_res_from_err(req, rc);
    else
        send_one(req, 201, id, owner(req), 0);
}

static void h_update(bc_req *req)
{
    bc_announce_fields f;
    char msg[120];
    int64_t id;
    if (path_id(req, &id) != BC_OK)
        return;
    if (bc_announce_fields_read(bc_req_json(req), &f, msg, sizeof msg) != BC_OK) {
        bc_res_error(req, 422, "VALIDATION_FAILED", "%s", msg);
        return;
    }
    json_t *before = NULL;
    int rc = bc_announce_get(bc_req_db(req), id, owner(req), 0, &before);
    if (rc == BC_OK)
        rc = bc_announce_update(bc_req_db(req), id, owner(req), &f);
    rc = rc == BC_OK ? audit(req, "announcement.update", id, before) : rc;
    json_decref(before);
    if (rc == BC_ENOTFOUND)
        bc_res_error(req, 404, "ANNOUNCEMENT_NOT_FOUND", "no such announcement of yours");
    else if (rc != BC_OK)
        bc_res_from_err(req, rc);
    else
        send_one(req, 200, id, owner(req), 0);
}

static void h_delete(bc_req *req)
{
    int64_t id;
    if (path_id(req, &id) != BC_OK)
        return;
    json_t *before = NULL;
    int rc = bc_announce_get(bc_req_db(req), id, owner(req), 0, &before);
    if (rc == BC_OK)
        rc = bc_announce_delete(bc_req_db(req), id, owner(req));
    rc = rc == BC_OK ? audit(req, "announcement.delete", id, before) : rc;
    json_decref(before);
    if (rc == BC_ENOTFOUND)
        bc_res_error(req, 404, "ANNOUNCEMENT_NOT_FOUND", "no such announcement of yours");
    else if (rc != BC_OK)
        bc_res_from_err(req, rc);
    else
        bc_res_send(req, 204, "application/json", "", 0);
}

#define TIME "{\"type\":\"string\",\"format\":\"date-time\"}"
#define INT "{\"type\":\"integer\"}"
#define STR "{\"type\":\"string\"}"

static const bc_schema sc_announcement = {
    "Announcement",
    "{\"type\":\"object\",\"required\":[\"id\",\"seller_id\",\"title\",\"body\",\"pinned\",\"published_at\","
    "\"created_at\",\"updated_at\"],\"properties\":{\"id\":" INT ",\"seller_id\":{\"type\":[\"integer\",\"null\"],"
    "\"description\":\"the seller's store it is on; null: the operator's notice\"},\"title\":" STR ",\"body\":" STR
    ",\"pinned\":{\"type\":\"boolean\"},\"published_at\":" TIME ",\"created_at\":" TIME ",\"updated_at\":" TIME "}}",
    NULL};
static const bc_schema sc_announcement_page = {
    "AnnouncementPage",
    "{\"type\":\"object\",\"required\":[\"items\",\"page\",\"per_page\",\"total\"],\"properties\":{\"items\":{"
    "\"type\":\"array\",\"items\":{\"$ref\":\"#/components/schemas/Announcement\"}},\"page\":" INT ",\"per_page\":" INT
    ",\"total\":" INT "}}",
    (const bc_schema *const[]){&sc_announcement, NULL}};

static const bc_field list_query[] = {
    {"pinned", BC_F_BOOL, 0, 0, 0, "only the pinned ones", .def = "false"},
    {"page", BC_F_INT, 0, 1, 100000, "page number", .def = "1"},
    {"per_page", BC_F_INT, 0, 1, 100, "page size", .def = "20"},
    {NULL},
};
#define TITLE_FIELD(req)                                                                                               \
    {                                                                                                                  \
        "title", BC_F_STR, req, 1, BC_ANNOUNCE_TITLE_MAX, "the title"                                                  \
    }
#define BODY_FIELD(req)                                                                                                \
    {                                                                                                                  \
        "body", BC_F_STR, req, 1, BC_ANNOUNCE_BODY_MAX, "the text", .text = BC_TEXT_MULTI                              \
    }
#define PINNED_FIELD                                                                                                   \
    {                                                                                                                  \
        "pinned", BC_F_BOOL, 0, 0, 0, "shown first (and on the home page, for the operator's)"                         \
    }
#define PUBLISHED_FIELD                                                                                                \
    {                                                                                                                  \
        "published_at", BC_F_STR, 0, 1, 40, "when it shows (ISO-8601; default now): a later time schedules it",        \
            .text = BC_TEXT_OPAQUE, .example = "\"2026-11-23T10:00:00Z\""                                              \
    }
static const bc_field admin_create[] = {TITLE_FIELD(1), BODY_FIELD(1), PINNED_FIELD, PUBLISHED_FIELD, {NULL}};
static const bc_field admin_patch[] = {TITLE_FIELD(0), BODY_FIELD(0), PINNED_FIELD, PUBLISHED_FIELD, {NULL}};
static const bc_field seller_create[] = {TITLE_FIELD(1), BODY_FIELD(1), PINNED_FIELD, {NULL}};
static const bc_field seller_patch[] = {TITLE_FIELD(0), BODY_FIELD(0), PINNED_FIELD, {NULL}};

#define NF                                                                                                             \
    (const char *const[]) { "ANNOUNCEMENT_NOT_FOUND", NULL }
const bc_route bc_announce_routes[] = {
    {"GET", "/api/v1/announcements", 0, 0, NULL, h_public_list, "announcements",
     "The operator's published notices (공지사항), pinned first", 200, .query = list_query,
     .response = &sc_announcement_page},
    {"GET", "/api/v1/announcements/{id}", 0, 0, NULL, h_public_get, "announcements", "One published notice", 200,
     .response = &sc_announcement, .errors = NF},
    {"GET", "/api/v1/admin/announcements", BC_ROLE_ADMIN, 0, NULL, h_own_list, "announcements",
     "The operator's notices, scheduled ones included", 200, .query = list_query, .response = &sc_announcement_page},
    {"POST", "/api/v1/admin/announcements", BC_ROLE_ADMIN, 0, admin_create, h_create, "announcements", "Write a notice",
     201, .response = &sc_announcement, .location = "/api/v1/admin/announcements/{id}"},
    {"GET", "/api/v1/admin/announcements/{id}", BC_ROLE_ADMIN, 0, NULL, h_own_get, "announcements",
     "One of the operator's notices", 200, .response = &sc_announcement, .errors = NF},
    {"PATCH", "/api/v1/admin/announcements/{id}", BC_ROLE_ADMIN, 0, admin_patch, h_update, "announcements",
     "Edit a notice (any subset of the fields)", 200, .response = &sc_announcement, .errors = NF},
    {"DELETE", "/api/v1/admin/announcements/{id}", BC_ROLE_ADMIN, 0, NULL, h_delete, "announcements", "Delete a notice",
     204, .errors = NF},
    {"GET", "/api/v1/sellers/{id}/announcements", 0, 0, NULL, h_store_list, "announcements",
     "A seller's announcements on their store page, pinned first", 200, .query = list_query,
     .response = &sc_announcement_page},
    {"GET", "/api/v1/seller/announcements", BC_ROLE_SELLER, 0, NULL, h_own_list, "announcements",
     "The caller's store announcements", 200, .query = list_query, .response = &sc_announcement_page},
    {"POST", "/api/v1/seller/announcements", BC_ROLE_SELLER, 0, seller_create, h_create, "announcements",
     "Write a store announcement", 201, .response = &sc_announcement, .location = "/api/v1/seller/announcements/{id}"},
    {"GET", "/api/v1/seller/announcements/{id}", BC_ROLE_SELLER, 0, NULL, h_own_get, "announcements",
     "One of the caller's store announcements", 200, .response = &sc_announcement, .errors = NF},
    {"PATCH", "/api/v1/seller/announcements/{id}", BC_ROLE_SELLER, 0, seller_patch, h_update, "announcements",
     "Edit one of the caller's store announcements", 200, .response = &sc_announcement, .errors = NF},
    {"DELETE", "/api/v1/seller/announcements/{id}", BC_ROLE_SELLER, 0, NULL, h_delete, "announcements",
     "Delete one of the caller's store announcements", 204, .errors = NF},
    {NULL},
};
