/* The rules of inquiries and product Q&A: categories, statuses, who takes part, who may read a
 * secret question, and whom a new inquiry goes to (through catalog's and commerce's public
 * functions). No SQL here. */
#include "inquiries.h"

#include <string.h>

#include "../catalog/catalog.h"
#include "../commerce/commerce.h"

static int one_of(const char *s, const char *const *list)
{
    for (; s && *list; list++)
        if (strcmp(s, *list) == 0)
            return 1;
    return 0;
}

int bc_inquiry_category_ok(const char *c)
{
    static const char *const cats[] = {"DELIVERY", "EXCHANGE_RETURN", "PRODUCT", "OTHER", NULL};
    return one_of(c, cats);
}

int bc_inquiry_status_ok(const char *s)
{
    static const char *const st[] = {"OPEN", "ANSWERED", "CLOSED", NULL};
    return one_of(s, st);
}

const char *bc_inquiry_participant(int64_t buyer_id, int64_t seller_id, int64_t user_id, int role)
{
    if (user_id <= 0)
        return NULL;
    if (user_id == buyer_id)
        return "buyer";
    if (seller_id > 0 && user_id == seller_id)
        return "seller";
    if (role == BC_ROLE_ADMIN)
        return "admin";
    return NULL;
}

const char *bc_inquiry_status_after(const char *author_role)
{
    return author_role && strcmp(author_role, "buyer") == 0 ? "OPEN" : "ANSWERED";
}

int bc_inquiry_question_readable(int secret, int64_t author_id, int64_t seller_id, int64_t viewer_id, int viewer_role)
{
    if (!secret)
        return 1;
    if (viewer_id <= 0)
        return 0;
    return viewer_id == author_id || viewer_id == seller_id || viewer_role == BC_ROLE_ADMIN;
}

void bc_inquiry_mask_name(const char *name, char *out, size_t cap)
{
    if (!cap)
        return;
    if (!name || !*name) {
        snprintf(out, cap, "***");
        return;
    }
    size_t n = 1; /* the first character's bytes */
    while (name[n] && ((unsigned char)name[n] & 0xC0) == 0x80)
        n++;
    snprintf(out, cap, "%.*s**", (int)n, name);
}

/* The seller of the order's only shipment, in *seller (0 when the order has several sellers). */
static int only_seller(bc_db *db, int64_t order_row_id, int64_t *seller)
{
    json_t *o = NULL;
    *seller = 0;
    int rc = bc_order_json(db, order_row_id, 0, &o);
    if (rc != BC_OK)
        return rc;
    json_t *ships = json_object_get(o, "shipments"), *s;
    size_t i;
    json_array_foreach (ships, i, s) {
        int64_t id = json_integer_value(json_object_get(s, "seller_id"));
        if (*seller && id != *seller) {
            *seller = 0;
            break;
        }
        *seller = id;
    }
    json_decref(o);
    return BC_OK;
}

static int refuse(const char **code, const char *c, char *msg, size_t msglen, const char *text, int rc)
{
    *code = c;
    snprintf(msg, msglen, "%s", text);
    return rc;
}

int bc_inquiry_subject_check(bc_db *db, bc_inquiry_subject *s, const char **code, char *msg, size_t msglen)
{
    int64_t product_seller = 0;
    int deleted = 0, rc;
    *code = NULL;
    if (s->product_id > 0) {
        rc = bc_catalog_product_owner(db, s->product_id, &product_seller, &deleted, NULL);
        if (rc == BC_ENOTFOUND || (rc == BC_OK && deleted))
            return refuse(code, "PRODUCT_NOT_FOUND", msg, msglen, "no such product", BC_ENOTFOUND);
        if (rc != BC_OK)
            return rc;
    }
    if (s->order_row_id > 0) {
        bc_order_head head;
        rc = bc_order_head_get(db, s->order_row_id, &head);
        if (rc == BC_ENOTFOUND || (rc == BC_OK && head.buyer_id != s->buyer_id))
            return refuse(code, "ORDER_NOT_FOUND", msg, msglen, "no such order of yours", BC_ENOTFOUND);
        if (rc != BC_OK)
            return rc;
    }
    if (!s->to_seller) {
        s->seller_id = 0;
        return BC_OK;
    }
    if (s->product_id <= 0 && s->order_row_id <= 0)
        return refuse(code, "VALIDATION_FAILED", msg, msglen,
                      "an inquiry to a seller is about a product ('product_id') or an order ('order_id')", BC_EINVAL);
    if (product_seller) {
        if (s->seller_id > 0 && s->seller_id != product_seller)
            return refuse(code, "VALIDATION_FAILED", msg, msglen, "'seller_id' is not the product's seller", BC_EINVAL);
        s->seller_id = product_seller;
    }
    if (s->order_row_id > 0) {
        if (s->seller_id <= 0 && (rc = only_seller(db, s->order_row_id, &s->seller_id)) != BC_OK)
            return rc;
        if (s->seller_id <= 0)
            return refuse(code, "VALIDATION_FAILED", msg, msglen,
                          "the order has several sellers: name one with 'seller_id'", BC_EINVAL);
        if (!bc_order_has_seller(db, s->order_row_id, s->seller_id))
            return refuse(code, "VALIDATION_FAILED", msg, msglen, "this seller sold nothing in the order", BC_EINVAL);
    }
    if (s->seller_id == s->buyer_id)
        return refuse(code, "VALIDATION_FAILED", msg, msglen, "you cannot send an inquiry to yourself", BC_EINVAL);
    return BC_OK;
}
