/* The address book (issue 9): routes and their checks; the SQL in addresses_store.c. The personal
 * fields follow an order's shipping address rules (bc_order_check_address, commerce). */
#include <string.h>

#include "../commerce/commerce.h"
#include "accounts.h"
#include "accounts_int.h"

static const char *const personal_keys[] = {"recipient", "phone", "postcode", "address1", "address2"};

/* The personal fields present in body as a new object (caller owns). */
static json_t *personal_of(json_t *body)
{
    json_t *o = json_object();
    for (size_t i = 0; i < sizeof personal_keys / sizeof *personal_keys; i++) {
        json_t *v = json_object_get(body, personal_keys[i]);
        if (json_is_string(v))
            json_object_set(o, personal_keys[i], v);
    }
    return o;
}

/* Answers 422 VALIDATION_FAILED with bc_order_check_address's message, its fields named as this
 * route's body names them ("shipping_address.phone ..." -> "'phone' ..."). */
static void send_invalid(bc_req *req, const char *msg)
{
    static const char pre[] = "shipping_address.";
    if (strncmp(msg, pre, sizeof pre - 1) == 0) {
        const char *f = msg + sizeof pre - 1;
        size_t n = strcspn(f, " ");
        bc_res_error(req, 422, "VALIDATION_FAILED", "'%.*s'%s", (int)n, f, f + n);
    } else {
        bc_res_error(req, 422, "VALIDATION_FAILED", "%s", msg);
    }
}

int bc_address_add(bc_db *db, int64_t user_id, const char *label, json_t *addr, int64_t *id)
{
    char msg[200];
    json_t *fields = personal_of(addr);
    *id = 0;
    int rc =
        json_object_size(fields) == json_object_size(addr) && bc_order_check_address(fields, msg, sizeof msg) == BC_OK
            ? addresses_store_add(db, user_id, label, fields, 0, 1, id)
            : BC_EINVAL;
    json_decref(fields);
    return rc;
}

static void send_not_found(bc_req *req) { bc_res_error(req, 404, "NOT_FOUND", "no such address in your address book"); }

/* Answers with address id of the caller (status 200 or 201). */
static void send_address(bc_req *req, int status, int64_t id)
{
    json_t *a = NULL;
    int rc = addresses_store_get(bc_req_db(req), bc_req_auth(req)->user_id, id, &a);
    if (rc == BC_ENOTFOUND)
        send_not_found(req);
    else if (rc != BC_OK)
        bc_res_from_err(req, rc);
    else
        bc_res_json(req, status, a);
}

/* GET /api/v1/me/addresses */
static void h_list(bc_req *req)
{
    json_t *items = NULL;
    int rc = addresses_store_list(bc_req_db(req), bc_req_auth(req)->user_id, &items);
    if (rc != BC_OK) {
        bc_res_from_err(req, rc);
        return;
    }
    bc_res_json(req, 200, json_pack("{s:o}", "items", items));
}

/* GET /api/v1/me/addresses/{id} */
static void h_get(bc_req *req)
{
    int64_t id;
    if (bc_req_param_id(req, "id", &id) != BC_OK) {
        send_not_found(req);
        return;
    }
    send_address(req, 200, id);
}

/* POST /api/v1/me/addresses {label, recipient, phone, postcode, address1, address2?, is_default?} */
static void h_add(bc_req *req)
{
    json_t *body = bc_req_json(req), *fields = personal_of(body);
    char msg[200];
    int64_t id = 0;
    if (bc_order_check_address(fields, msg, sizeof msg) != BC_OK) {
        send_invalid(req, msg);
        goto out;
    }
    int rc = addresses_store_add(bc_req_db(req), bc_req_auth(req)->user_id,
                                 json_string_value(json_object_get(body, "label")), fields,
                                 json_is_true(json_object_get(body, "is_default")), 0, &id);
    if (rc == BC_ECONFLICT)
        bc_res_error(req, 409, "ADDRESS_BOOK_FULL", "the address book holds at most %d addresses; delete one first",
                     BC_ADDRESS_BOOK_MAX);
    else if (rc != BC_OK)
        bc_res_from_err(req, rc);
    else
        send_address(req, 201, id);
out:
    json_decref(fields);
}

/* Applies an edit (label, personal fields, make_default as addresses_store_edit) and answers with
 * the address. */
static void edit(bc_req *req, const char *label, json_t *fields, int make_default)
{
    int64_t id;
    char msg[200];
    if (bc_req_param_id(req, "id", &id) != BC_OK) {
        send_not_found(req);
        return;
    }
    int rc = addresses_store_edit(bc_req_db(req), bc_req_auth(req)->user_id, id, label, fields, make_default, msg,
                                  sizeof msg);
    if (rc == BC_ENOTFOUND)
        send_not_found(req);
    else if (rc == BC_EINVAL)
        send_invalid(req, msg);
    else if (rc != BC_OK)
        bc_res_from_err(req, rc);
    else
        send_address(req, 200, id);
}

/* PATCH /api/v1/me/addresses/{id}: any subset of the fields */
static void h_patch(bc_req *req)
{
    json_t *body = bc_req_json(req), *fields = personal_of(body), *def = json_object_get(body, "is_default");
    edit(req, json_string_value(json_object_get(body, "label")), fields,
         json_is_true(def)    ? 1
         : json_is_false(def) ? 0
                              : -1);
    json_decref(fields);
}

/* POST /api/v1/me/addresses/{id}/default */
static void h_default(bc_req *req) { edit(req, NULL, NULL, 1); }

/* DELETE /api/v1/me/addresses/{id} */
static void h_delete(bc_req *req)
{
    int64_t id;
    int rc = bc_req_param_id(req, "id", &id) == BC_OK
                 ? addresses_store_delete(bc_req_db(req), bc_req_auth(req)->user_id, id)
                 : BC_ENOTFOUND;
    if (rc == BC_ENOTFOUND)
        send_not_found(req);
    else if (rc != BC_OK)
        bc_res_from_err(req, rc);
    else
        bc_res_send(req, 204, "application/json", "", 0);
}

#define STR "{\"type\":\"string\"}"
#define TIME "{\"type\":\"string\",\"format\":\"date-time\"}"
static const bc_schema sc_address = {
    "Address",
    "{\"type\":\"object\",\"required\":[\"id\",\"label\",\"is_default\",\"recipient\",\"phone\",\"postcode\","
    "\"address1\",\"address2\",\"created_at\",\"updated_at\"],\"properties\":{\"id\":{\"type\":\"integer\"},"
    "\"label\":" STR ",\"is_default\":{\"type\":\"boolean\",\"description\":\"exactly one address of a non-empty book "
    "is the default\"},\"recipient\":" STR ",\"phone\":" STR ",\"postcode\":" STR ",\"address1\":" STR
    ",\"address2\":" STR ",\"created_at\":" TIME ",\"updated_at\":" TIME "}}",
    NULL};
static const bc_schema sc_address_list = {
    "AddressList",
    "{\"type\":\"object\",\"required\":[\"items\"],\"properties\":{\"items\":{\"type\":\"array\",\"description\":"
    "\"the default first, then newest first\",\"items\":{\"$ref\":\"#/components/schemas/Address\"}}}}",
    (const bc_schema *const[]){&sc_address, NULL}};

static const bc_field add_body[] = {
    {"label", BC_F_STR, 1, 1, 30, "a name for the address, e.g. 집 / 회사", .example = "\"집\""},
    BC_ORDER_ADDRESS_FIELDS(1),
    {"is_default", BC_F_BOOL, 0, 0, 0, "make it the default (the first address always is)"},
    {NULL},
};
static const bc_field patch_body[] = {
    {"label", BC_F_STR, 0, 1, 30, "a name for the address"},
    BC_ORDER_ADDRESS_FIELDS(0),
    {"is_default", BC_F_BOOL, 0, 0, 0,
     "true makes it the default; false is refused on the default (make another one the default instead)"},
    {NULL},
};

const bc_route bc_address_routes[] = {
    {"GET", "/api/v1/me/addresses", BC_ROLE_ANY, 0, NULL, h_list, "auth", "My address book, the default first", 200,
     .response = &sc_address_list},
    {"POST", "/api/v1/me/addresses", BC_ROLE_ANY, 0, add_body, h_add, "auth",
     "Add an address (the first becomes the default; at most 10)", 201, .response = &sc_address,
     .location = "/api/v1/me/addresses/{id}", .errors = (const char *const[]){"ADDRESS_BOOK_FULL", NULL}},
    {"GET", "/api/v1/me/addresses/{id}", BC_ROLE_ANY, 0, NULL, h_get, "auth", "One address of my address book", 200,
     .response = &sc_address, .errors = (const char *const[]){"NOT_FOUND", NULL}},
    {"PATCH", "/api/v1/me/addresses/{id}", BC_ROLE_ANY, 0, patch_body, h_patch, "auth",
     "Edit an address (any subset of its fields)", 200, .response = &sc_address,
     .errors = (const char *const[]){"NOT_FOUND", NULL}},
    {"DELETE", "/api/v1/me/addresses/{id}", BC_ROLE_ANY, 0, NULL, h_delete, "auth",
     "Delete an address (deleting the default makes the newest remaining one the default)", 204,
     .errors = (const char *const[]){"NOT_FOUND", NULL}},
    {"POST", "/api/v1/me/addresses/{id}/default", BC_ROLE_ANY, 0, NULL, h_default, "auth",
     "Make an address the default", 200, .response = &sc_address, .errors = (const char *const[]){"NOT_FOUND", NULL}},
    {NULL},
};
