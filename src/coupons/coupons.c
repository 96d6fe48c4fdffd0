/* The pure rules of coupons: which order lines a coupon covers and how much it takes off. */
#include "coupons.h"

#include <string.h>

int bc_coupon_line_in_scope(const bc_coupon_terms *t, const bc_coupon_line *l, const int64_t *live_products, int n)
{
    if (strcmp(t->scope, "shop") == 0)
        return 1;
    if (strcmp(t->scope, "seller") == 0)
        return l->seller_id == t->seller_id;
    if (strcmp(t->scope, "product") == 0)
        return l->product_id == t->product_id;
    if (strcmp(t->scope, "live") == 0) {
        for (int i = 0; i < n; i++)
            if (live_products[i] == l->product_id)
                return 1;
        return 0;
    }
    return 0;
}

int64_t bc_coupon_discount(const bc_coupon_terms *t, int64_t in_scope)
{
    if (in_scope <= 0 || t->value <= 0)
        return 0;
    int64_t d;
    if (strcmp(t->kind, "percent") == 0) {
        int64_t pct = t->value > 100 ? 100 : t->value;
        d = in_scope / 100 * pct + in_scope % 100 * pct / 100; /* floor(in_scope * pct / 100), no overflow */
        if (t->max_discount > 0 && d > t->max_discount)
            d = t->max_discount;
    } else {
        d = t->value;
    }
    return d > in_scope ? in_scope : d;
}
