/* Checkout: turns a buyer's items (or cart) into a PENDING_PAYMENT order in one retrying
 * transaction: lines priced from the catalog (or the live's offer), stock reserved through
 * stock.c, one shipment per seller (shipments.c). Store code of commerce (SQL allowed here). */
#include "commerce.h"

#include "../catalog/catalog.h"
#include "../chat/chat.h"
#include "../live/live.h"
#include "../metrics/metrics.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define ORDER_MAX_LINES 50

static void problem(bc_order_problem *why, const char *code, int64_t product_id, const char *name)
{
    if (!why)
        return;
    why->code = code;
    why->coupon_reason = NULL;
    why->coupon_min_order = 0;
    why->product_id = product_id;
    snprintf(why->product_name, sizeof why->product_name, "%s", name ? name : "");
}

/* A merged, priced order line. */
typedef struct line {
    int64_t product_id, quantity, unit_price, seller_id, line_total;
    int64_t sku_id;               /* product options as SKUs: the line's SKU, 0 = none */
    char label[BC_SKU_LABEL_MAX]; /* its option label, "" without */
    int64_t live_cap;             /* the live's stock cap while its offer is active, 0 = none */
    int held;                     /* 1: the line's stock is the hold's (no second take) */
    char *name;                   /* malloc'd */
} line;

typedef struct create_args {
    int64_t buyer_id, live_id, hold_id;
    const bc_order_item *items;
    size_t n;
    json_t *addr;
    bc_order_problem *why;
    int64_t *out_id;
    int64_t user_coupon_id; /* coupons: the buyer's user coupon to spend, 0 = none */
    int64_t points;         /* points: to spend on the order (order_points.c), 0 = none */
} create_args;

/* The unit of work of bc_order_create, run by bc_db_tx (from scratch on each try). Safe at READ
 * COMMITTED without a global lock: stock is taken by conditional UPDATEs (re-checked on the
 * newest row version when two buyers race), a checkout from the cart holds the buyer's cart lock. */
static int order_create_tx(bc_db *db, void *arg)
{
    create_args *a = arg;
    int64_t buyer_id = a->buyer_id, live_id = a->live_id, hold_id = a->hold_id, *out_id = a->out_id;
    const bc_order_item *items = a->items;
    size_t n = a->n;
    json_t *addr = a->addr;
    bc_order_problem *why = a->why;
    int rc;
    line *lines = NULL;
    size_t nl = 0;
    json_t *cart = NULL;
    char *addr_text = NULL, *addr_sealed = NULL;
    bc_order_item *cart_items = NULL;
    int64_t now = bc_now_ms(), subtotal = 0;
    problem(why, NULL, 0, NULL);

    if (!items) {
        /* the buyer's cart lock: a concurrent checkout of the same cart waits, then finds it empty */
        if ((rc = bc_db_lock(db, BC_DB_LOCK_CART, buyer_id)) != BC_OK)
            goto out;
        int cn = bc_db_rows(db, &cart,
                            "SELECT product_id, sku_id, quantity FROM cart_items WHERE user_id = ? ORDER BY product_id,"
                            " sku_id",
                            "i", buyer_id);
        if (cn < 0) {
            rc = BC_ERR;
            goto out;
        }
        if (cn == 0) {
            problem(why, "CART_EMPTY", 0, NULL);
            rc = BC_EINVAL;
            goto out;
        }
        cart_items = calloc((size_t)cn, sizeof *cart_items);
        if (!cart_items) {
            rc = BC_ENOMEM;
            goto out;
        }
        for (int i = 0; i < cn; i++) {
            json_t *r = json_array_get(cart, (size_t)i);
            cart_items[i].product_id = json_integer_value(json_object_get(r, "product_id"));
            cart_items[i].sku_id = json_integer_value(json_object_get(r, "sku_id"));
            cart_items[i].quantity = json_integer_value(json_object_get(r, "quantity"));
        }
        items = cart_items;
        n = (size_t)cn;
    }
    if (n == 0 || n > ORDER_MAX_LINES) {
        problem(why, "TOO_MANY_LINES", 0, NULL);
        rc = BC_EINVAL;
        goto out;
    }
    /* merge duplicates, check quantities */
    lines = calloc(n, sizeof *lines);
    if (!lines) {
        rc = BC_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        if (items[i].quantity <= 0 || items[i].quantity > BC_ORDER_MAX_QTY || items[i].product_id <= 0) {
            problem(why, items[i].product_id <= 0 ? "PRODUCT_NOT_FOUND" : "INVALID_QUANTITY", items[i].product_id,
                    NULL);
            rc = BC_EINVAL;
            goto out;
        }
        size_t j = 0;
        int64_t sku = items[i].sku_id > 0 ? items[i].sku_id : 0;
        while (j < nl && (lines[j].product_id != items[i].product_id || lines[j].sku_id != sku))
            j++;
        if (j == nl) {
            lines[nl].sku_id = sku;
            lines[nl++].product_id = items[i].product_id;
        }
        lines[j].quantity += items[i].quantity;
        if (lines[j].quantity > BC_ORDER_MAX_QTY) {
            problem(why, "INVALID_QUANTITY", items[i].product_id, NULL);
            rc = BC_EINVAL;
            goto out;
        }
    }
    /* a hold-born order: exactly the hold's line, through the hold's live (stock.c keeps the
     * hold's counters under that live); otherwise one more unpaid order must fit the buyer's cap */
    if (hold_id > 0) {
        int64_t hp = 0, hq = 0, hl = 0, hk = 0;
        int usable = 0;
        if ((rc = bc_hold_peek_sku(db, buyer_id, hold_id, now, &hp, &hk, &hq, &hl, &usable)) != BC_OK) {
            if (rc == BC_ENOTFOUND)
                problem(why, "HOLD_NOT_FOUND", 0, NULL);
            goto out;
        }
        if (!usable) {
            problem(why, "HOLD_EXPIRED", hp, NULL);
            rc = BC_ECONFLICT;
            goto out;
        }
        if (nl != 1 || lines[0].product_id != hp || lines[0].quantity != hq || (live_id > 0 && live_id != hl) ||
            (lines[0].sku_id > 0 && lines[0].sku_id != hk)) {
            problem(why, "HOLD_MISMATCH", hp, NULL);
            rc = BC_EINVAL;
            goto out;
        }
        live_id = hl;
        lines[0].held = 1;
        lines[0].sku_id = hk; /* the hold's SKU (an order naming none takes it) */
    } else if ((rc = bc_stock_unpaid_check(db, buyer_id, now)) != BC_OK) {
        if (rc == BC_ECONFLICT)
            problem(why, "UNPAID_ORDERS_LIMIT", 0, NULL);
        goto out;
    }
    /* chat moderation: a user banned from the live's room cannot order from that live */
    if (live_id > 0 && (rc = bc_chat_banned(db, live_id, buyer_id)) != BC_OK) {
        if (rc == BC_EFORBIDDEN)
            problem(why, "BANNED_FROM_LIVE", 0, NULL);
        goto out;
    }
    /* price every line from the database */
    for (size_t i = 0; i < nl; i++) {
        bc_catalog_sale prod;
        rc = bc_catalog_product_sale(db, lines[i].product_id, &prod);
        if (rc != BC_OK && rc != BC_ENOTFOUND)
            goto out;
        if (rc == BC_ENOTFOUND || !prod.visible) {
            problem(why, "PRODUCT_NOT_FOUND", lines[i].product_id, NULL);
            rc = BC_ENOTFOUND;
            goto out;
        }
        lines[i].name = strdup(prod.name);
        if (!lines[i].name) {
            rc = BC_ENOMEM;
            goto out;
        }
        bc_live_offer offer = {0};
        if (live_id > 0 && (rc = bc_live_offer_get(db, live_id, lines[i].product_id, &offer)) != BC_OK) {
            if (rc == BC_ENOTFOUND)
                problem(why, "LIVE_NOT_FOUND", 0, NULL);
            else if (rc == BC_ECONFLICT)
                problem(why, "LIVE_PRODUCT_MISMATCH", lines[i].product_id, lines[i].name);
            rc = rc == BC_ENOTFOUND || rc == BC_ECONFLICT ? BC_EINVAL : rc;
            goto out;
        }
        /* product options as SKUs: the line's SKU, its price difference on the unit price */
        bc_sku sku;
        const char *code = NULL;
        if ((rc = bc_sku_resolve(db, lines[i].product_id, lines[i].sku_id, &sku, &code)) != BC_OK) {
            if (rc == BC_EINVAL)
                problem(why, code, lines[i].product_id, lines[i].name);
            goto out;
        }
        snprintf(lines[i].label, sizeof lines[i].label, "%s", sku.label);
        lines[i].unit_price = (offer.active && offer.live_price > 0 ? offer.live_price : prod.price) + sku.price_delta;
        if (sku.id > 0 && lines[i].unit_price < 1) { /* the product's price was lowered past the SKU's discount */
            problem(why, "SKU_INVALID", lines[i].product_id, lines[i].name);
            rc = BC_EINVAL;
            goto out;
        }
        lines[i].live_cap = offer.active ? offer.stock_cap : 0;
        lines[i].seller_id = prod.seller_id;
        lines[i].line_total = lines[i].unit_price * lines[i].quantity; /* <= 1e8 * 1e3 */
        subtotal += lines[i].line_total;                               /* <= 50 * 1e11 */
    }
    /* shipping: one fee per seller, by that seller's rules and their part of the subtotal */
    int64_t fee = 0;
    for (size_t i = 0; i < nl; i++) {
        size_t j = 0;
        while (j < i && lines[j].seller_id != lines[i].seller_id)
            j++;
        if (j < i)
            continue; /* seller already counted */
        int64_t part = 0, part_fee = 0;
        for (size_t k = i; k < nl; k++)
            if (lines[k].seller_id == lines[i].seller_id)
                part += lines[k].line_total;
        if ((rc = bc_shipping_fee_for(db, lines[i].seller_id, part, &part_fee)) != BC_OK)
            goto out;
        fee += part_fee;
    }
    /* coupons (order_coupons.c): the buyer's coupon re-validated against the priced lines */
    int64_t coupon_discount = 0;
    if (a->user_coupon_id > 0) {
        bc_coupon_line cl[ORDER_MAX_LINES];
        for (size_t i = 0; i < nl; i++)
            cl[i] = (bc_coupon_line){lines[i].product_id, lines[i].seller_id, lines[i].line_total};
        if ((rc = bc_order_coupon_price(db, buyer_id, a->user_coupon_id, cl, nl, now, &coupon_discount, why)) != BC_OK)
            goto out;
    }
    if (subtotal + fee > BC_ORDER_MAX_AMOUNT) {
        problem(why, "TOTAL_TOO_LARGE", 0, NULL);
        rc = BC_EINVAL;
        goto out;
    }
    if (subtotal + fee - coupon_discount <= 0) {
        /* only products priced 0 before the catalog refused price 0: the gateway cannot take 0 KRW */
        problem(why, "ORDER_AMOUNT_ZERO", 0, NULL);
        rc = BC_EINVAL;
        goto out;
    }
    char order_name[420], order_id[32];
    bc_order_make_name(lines[0].name, nl, order_name, sizeof order_name);
    addr_text = json_dumps(addr, JSON_COMPACT);
    if (!addr_text) {
        rc = BC_ENOMEM;
        goto out;
    }
    /* an order_id that collides (UNIQUE) aborts the transaction on PostgreSQL: the unit reports a
     * lost conflict instead and bc_db_tx runs it again with a new random id */
    {
        bc_order_make_id(order_id, sizeof order_id, now);
        /* the address is personal data: stored sealed, the associated data naming the order */
        char ad[64];
        snprintf(ad, sizeof ad, "orders.shipping_address:%s", order_id);
        if ((rc = bc_seal(ad, addr_text, &addr_sealed)) != BC_OK)
            goto out;
        /* replays: an order naming a live that has ended comes from its replay */
        char live_status[16] = "";
        int64_t live_seller = 0;
        if (live_id > 0 && (rc = bc_live_state(db, live_id, &live_seller, live_status)) != BC_OK)
            goto out;
        if (live_id > 0)
            rc = bc_db_int(db, out_id,
                           "INSERT INTO orders (order_id, buyer_id, status, order_name, subtotal, shipping_fee, amount,"
                           " live_id, from_replay, shipping_address, created_at, expires_at, updated_at)"
                           " VALUES (?, ?, 'PENDING_PAYMENT', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                           "titiiiiitiii", order_id, buyer_id, order_name, subtotal, fee, subtotal + fee, live_id,
                           (int64_t)(strcmp(live_status, "ENDED") == 0), addr_sealed, now,
                           now + (int64_t)bc_cfg.order_ttl_s * 1000, now);
        else
            rc = bc_db_int(db, out_id,
                           "INSERT INTO orders (order_id, buyer_id, status, order_name, subtotal, shipping_fee, amount,"
                           " live_id, shipping_address, created_at, expires_at, updated_at)"
                           " VALUES (?, ?, 'PENDING_PAYMENT', ?, ?, ?, ?, NULL, ?, ?, ?, ?) RETURNING id",
                           "titiiitiii", order_id, buyer_id, order_name, subtotal, fee, subtotal + fee, addr_sealed,
                           now, now + (int64_t)bc_cfg.order_ttl_s * 1000, now);
        if (rc == BC_ECONFLICT)
            rc = BC_EBUSY;
    }
    if (rc != 1) {
        rc = rc == BC_EBUSY ? BC_EBUSY : BC_ERR;
        goto out;
    }
    for (size_t i = 0; i < nl; i++) {
        if (bc_db_exec(db,
                       "INSERT INTO order_lines (order_id, product_id, seller_id, product_name, unit_price, quantity,"
                       " line_total, sku_id, option_label) VALUES (?, ?, ?, ?, ?, ?, ?, NULLIF(?, 0), NULLIF(?, ''))",
                       "iiitiiiit", *out_id, lines[i].product_id, lines[i].seller_id, lines[i].name,
                       lines[i].unit_price, lines[i].quantity, lines[i].line_total, lines[i].sku_id,
                       lines[i].label) < 0) {
            rc = BC_ERR;
            goto out;
        }
    }
    if ((rc = bc_shipments_create(db, *out_id)) != BC_OK)
        goto out;
    /* coupons: spent on this order, its discount off the amount */
    if (a->user_coupon_id > 0 &&
        (rc = bc_order_coupon_attach(db, buyer_id, a->user_coupon_id, *out_id, coupon_discount, now, why)) != BC_OK)
        goto out;
    /* stock rows are locked in product id order (then SKU id: a product's row before its SKUs'), so
     * two orders of the same products never wait for each other in a cycle (a deadlock) on PostgreSQL */
    size_t order[ORDER_MAX_LINES];
    for (size_t k = 0; k < nl; k++) { /* insertion sort of line indexes by product id, SKU id */
        size_t j = k;
        for (; j > 0 && (lines[order[j - 1]].product_id > lines[k].product_id ||
                         (lines[order[j - 1]].product_id == lines[k].product_id &&
                          lines[order[j - 1]].sku_id > lines[k].sku_id));
             j--)
            order[j] = order[j - 1];
        order[j] = k;
    }
    for (size_t k = 0; k < nl; k++) {
        size_t i = order[k];
        const char *code = NULL;
        if (lines[i].held) {
            int64_t hp, hq, hl;
            rc = bc_hold_consume(db, buyer_id, hold_id, *out_id, &hp, &hq, &hl);
            if (rc == BC_ECONFLICT || rc == BC_ENOTFOUND)
                code = rc == BC_ECONFLICT ? "HOLD_EXPIRED" : "HOLD_NOT_FOUND";
        } else {
            bc_stock_claim c = {.buyer_id = buyer_id,
                                .product_id = lines[i].product_id,
                                .sku_id = lines[i].sku_id,
                                .quantity = lines[i].quantity,
                                .live_id = live_id,
                                .live_cap = lines[i].live_cap,
                                .order_row_id = *out_id,
                                .reason = "order"};
            rc = bc_stock_claim_take(db, &c, &code);
        }
        if (code)
            problem(why, code, lines[i].product_id, lines[i].name);
        if (rc != BC_OK)
            goto out;
    }
    if (cart_items && bc_db_exec(db, "DELETE FROM cart_items WHERE user_id = ?", "i", buyer_id) < 0) {
        rc = BC_ERR;
        goto out;
    }
    /* points (order_points.c): spent on this order inside its transaction; paid in full by them,
     * the order is PAID now */
    if (a->points > 0 && (rc = bc_order_points_apply(db, buyer_id, *out_id, a->points, why)) != BC_OK)
        goto out;
    bc_metrics_tx_add(BC_METRIC_ORDERS_CREATED, 1); /* metrics: counted when the transaction commits */
    rc = BC_OK;
out:
    for (size_t i = 0; lines && i < nl; i++)
        free(lines[i].name);
    free(lines);
    free(cart_items);
    bc_seal_free_plain(addr_text);
    free(addr_sealed);
    json_decref(cart);
    return rc;
}

int bc_order_create(bc_db *db, int64_t buyer_id, const bc_order_item *items, size_t n, json_t *addr, int64_t live_id,
                    bc_order_problem *why, int64_t *out_id)
{
    return bc_order_create_held(db, buyer_id, items, n, addr, live_id, 0, why, out_id);
}

int bc_order_create_held(bc_db *db, int64_t buyer_id, const bc_order_item *items, size_t n, json_t *addr,
                         int64_t live_id, int64_t hold_id, bc_order_problem *why, int64_t *out_id)
{
    return bc_order_create_spend(db, buyer_id, items, n, addr, live_id, hold_id, NULL, why, out_id);
}

int bc_order_create_spend(bc_db *db, int64_t buyer_id, const bc_order_item *items, size_t n, json_t *addr,
                          int64_t live_id, int64_t hold_id, const bc_order_spend *spend, bc_order_problem *why,
                          int64_t *out_id)
{
    create_args a = {buyer_id,
                     live_id,
                     hold_id,
                     items,
                     n,
                     addr,
                     why,
                     out_id,
                     spend ? spend->user_coupon_id : 0,
                     spend ? spend->points : 0};
    uint64_t epochs[ORDER_MAX_LINES];
    problem(why, NULL, 0, NULL);
    /* the flash-sale fast path: a product this process just saw sold out is refused from memory */
    for (size_t i = 0; hold_id <= 0 && items && i < n && i < ORDER_MAX_LINES; i++) {
        char name[BC_STOCK_NAME_MAX];
        if (bc_stock_known_sold_out_sku(items[i].product_id, items[i].sku_id, name, sizeof name)) {
            problem(why, "OUT_OF_STOCK", items[i].product_id, name);
            return BC_ECONFLICT;
        }
        epochs[i] = bc_stock_epoch(items[i].product_id);
    }
    int rc = bc_db_tx(db, order_create_tx, &a);
    if (rc == BC_ECONFLICT && why && why->code && strcmp(why->code, "OUT_OF_STOCK") == 0 && items && hold_id <= 0)
        for (size_t i = 0; i < n && i < ORDER_MAX_LINES; i++)
            if (items[i].product_id == why->product_id) {
                bc_stock_note_if_sold_out_sku(db, why->product_id, items[i].sku_id, epochs[i]);
                break;
            }
    return rc;
}
