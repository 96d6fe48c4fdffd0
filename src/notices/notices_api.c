/* Notifications API: the user's list, mark read, mark all read; the admin's mail outbox. */
#include "notices.h"

#define TIME "{\"type\":\"string\",\"format\":\"date-time\"}"
#define TIME_OR_NULL "{\"type\":[\"string\",\"null\"],\"format\":\"date-time\"}"
#define INT "{\"type\":\"integer\"}"
#define STR "{\"type\":\"string\"}"
#define STR_OR_NULL "{\"type\":[\"string\",\"null\"]}"
#define INT_OR_NULL "{\"type\":[\"integer\",\"null\"]}"
#define REF(n) "{\"$ref\":\"#/components/schemas/" n "\"}"
#define NOTICE_PROPS                                                                                                   \
    "\"id\":" INT ",\"kind\":{\"type\":\"string\",\"description\":\"order.<STATUS>, shipment.<STATUS> or "             \
    "payment.<STATUS>\"},\"order_row_id\":" INT_OR_NULL ",\"order_id\":" STR_OR_NULL ",\"text\":" STR                  \
    ",\"read\":{\"type\":\"boolean\"},\"read_at\":" TIME_OR_NULL ",\"created_at\":" TIME
#define NOTICE_REQ "\"id\",\"kind\",\"order_row_id\",\"order_id\",\"text\",\"read\",\"read_at\",\"created_at\""

static const bc_schema sc_notice = {
    "Notification", "{\"type\":\"object\",\"required\":[" NOTICE_REQ "],\"properties\":{" NOTICE_PROPS "}}", NULL};

static const bc_schema sc_notice_read = {"NotificationRead",
                                         "{\"type\":\"object\",\"required\":[" NOTICE_REQ
                                         ",\"unread_count\"],\"properties\":{" NOTICE_PROPS ",\"unread_count\":" INT
                                         "}}",
                                         NULL};

static const bc_schema sc_notice_page = {
    "NotificationPage",
    "{\"type\":\"object\",\"required\":[\"items\",\"page\",\"per_page\",\"total\",\"unread_count\"],\"properties\":{"
    "\"items\":{\"type\":\"array\",\"items\":" REF(
        "Notification") "},\"page\":" INT ",\"per_page\":" INT ",\"total\":" INT
                        ",\"unread_count\":{\"type\":\"integer\",\"description\":\"the caller's unread "
                        "notifications (all pages)\"}}}",
    (const bc_schema *const[]){&sc_notice, NULL}};

static const bc_schema sc_read_all = {
    "NotificationsReadAll",
    "{\"type\":\"object\",\"required\":[\"updated\",\"unread_count\"],\"properties\":{\"updated\":" INT
    ",\"unread_count\":" INT "}}",
    NULL};

static const bc_schema sc_mail = {
    "OutboxMail",
    "{\"type\":\"object\",\"required\":[\"id\",\"notice_id\",\"user_id\",\"to\",\"subject\",\"body\",\"status\","
    "\"attempts\",\"last_error\",\"next_at\",\"created_at\",\"sent_at\"],\"properties\":{\"id\":" INT
    ",\"notice_id\":" INT ",\"user_id\":" INT ",\"to\":" STR ",\"subject\":" STR ",\"body\":" STR
    ",\"status\":{\"type\":\"string\",\"enum\":[\"PENDING\",\"SENT\",\"FAILED\",\"KEPT\"],\"description\":\"KEPT: "
    "no SMTP server was configured, the mail is only kept here\"},\"attempts\":" INT ",\"last_error\":" STR_OR_NULL
    ",\"next_at\":" TIME ",\"created_at\":" TIME ",\"sent_at\":" TIME_OR_NULL "}}",
    NULL};

static const bc_schema sc_outbox = {
    "OutboxPage",
    "{\"type\":\"object\",\"required\":[\"items\",\"page\",\"per_page\",\"total\"],\"properties\":{\"items\":{"
    "\"type\":\"array\",\"items\":" REF("OutboxMail") "},\"page\":" INT ",\"per_page\":" INT ",\"total\":" INT "}}",
    (const bc_schema *const[]){&sc_mail, NULL}};

static void h_list(bc_req *req)
{
    json_t *out = NULL;
    int rc = bc_notice_list(bc_req_db(req), bc_req_auth(req)->user_id, bc_req_query_int(req, "page", 1),
                            bc_req_query_int(req, "per_page", 20), (int)bc_req_query_int(req, "unread", 0), &out);
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    bc_res_json(req, 200, out);
}

static void h_read(bc_req *req)
{
    int64_t id;
    json_t *out = NULL;
    if (bc_req_param_id(req, "id", &id) != BC_OK) {
        bc_res_error(req, 404, "NOTIFICATION_NOT_FOUND", "no such notification");
        return;
    }
    int rc = bc_notice_mark_read(bc_req_db(req), bc_req_auth(req)->user_id, id, &out);
    if (rc == BC_ENOTFOUND)
        bc_res_error(req, 404, "NOTIFICATION_NOT_FOUND", "no such notification");
    else if (rc != BC_OK)
        bc_res_from_err(req, rc);
    else
        bc_res_json(req, 200, out);
}

static void h_read_all(bc_req *req)
{
    int64_t n = 0;
    int rc = bc_notice_mark_all_read(bc_req_db(req), bc_req_auth(req)->user_id, &n);
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    bc_res_json(req, 200, json_pack("{s:I,s:i}", "updated", (json_int_t)n, "unread_count", 0));
}

static void h_outbox(bc_req *req)
{
    json_t *out = NULL;
    int rc = bc_notice_outbox(bc_req_db(req), bc_req_query_int(req, "page", 1), bc_req_query_int(req, "per_page", 20),
                              bc_req_query_str(req, "status"), &out);
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    bc_res_json(req, 200, out);
}

static const bc_field list_query[] = {
    {"page", BC_F_INT, 0, 1, 100000, "page number", .def = "1"},
    {"per_page", BC_F_INT, 0, 1, 100, "page size", .def = "20"},
    {"unread", BC_F_BOOL, 0, 0, 0, "only the unread ones", .def = "false"},
    {NULL},
};

static const char *const mail_statuses[] = {"PENDING", "SENT", "FAILED", "KEPT", NULL};

static const bc_field outbox_query[] = {
    {"page", BC_F_INT, 0, 1, 100000, "page number", .def = "1"},
    {"per_page", BC_F_INT, 0, 1, 100, "page size", .def = "20"},
    {"status", BC_F_STR, 0, 0, 0, "only the mails in this state", .enums = mail_statuses},
    {NULL},
};

const bc_route bc_notice_routes[] = {
    {"GET", "/api/v1/notifications", BC_ROLE_ANY, 0, NULL, h_list, "notifications",
     "My notifications (order, shipment and payment changes), newest first, one page at a time, with the unread "
     "count; new ones are also pushed on the WebSocket /api/v1/me/events",
     200, .query = list_query, .response = &sc_notice_page},
    {"POST", "/api/v1/notifications/{id}/read", BC_ROLE_ANY, 0, NULL, h_read, "notifications",
     "Mark one of my notifications read; returns it with the new unread count", 200, .response = &sc_notice_read,
     .errors = (const char *const[]){"NOTIFICATION_NOT_FOUND", NULL}},
    {"POST", "/api/v1/notifications/read-all", BC_ROLE_ANY, 0, NULL, h_read_all, "notifications",
     "Mark all my notifications read", 200, .response = &sc_read_all},
    {"GET", "/api/v1/admin/outbox", BC_ROLE_ADMIN, 0, NULL, h_outbox, "notifications",
     "The notification mails, newest first (sent, waiting, failed, or only kept when no SMTP server is set)", 200,
     .query = outbox_query, .response = &sc_outbox},
    {NULL},
};
