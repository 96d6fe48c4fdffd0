/* Seller and live statistics: store code of commerce, reading orders, order_lines and shipments
 * (the same SQL on SQLite and PostgreSQL: integer arithmetic for the Asia/Seoul day, sums cast to
 * BIGINT so that PostgreSQL answers integers). Months are built in C from the day buckets: an order
 * is paid once, so its distinct count per month is the sum of its days'. */
#include "commerce.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void bc_stats_civil(int64_t d, int *y, int *m, int *dd)
{
    /* days to civil (H. Hinnant's algorithm) */
    int64_t z = d + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *dd = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

int64_t bc_stats_days(int y, int m, int dd)
{
    int64_t yy = y - (m <= 2);
    int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
    int64_t yoe = yy - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + dd - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int bc_stats_parse_date(const char *s, int64_t *day)
{
    int y, m, d, yy, mm, ddd;
    char tail;
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return BC_EINVAL;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return BC_EINVAL;
    if (sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || y < 2000 || y > 2100 || m < 1 || m > 12 || d < 1 ||
        d > 31)
        return BC_EINVAL;
    int64_t n = bc_stats_days(y, m, d);
    bc_stats_civil(n, &yy, &mm, &ddd);
    if (yy != y || mm != m || ddd != d) /* 2026-02-30 */
        return BC_EINVAL;
    *day = n;
    return BC_OK;
}

static int64_t jint(json_t *o, const char *k) { return json_integer_value(json_object_get(o, k)); }

typedef struct bucket {
    int64_t gross, refunds, orders, units;
} bucket;

static json_t *bucket_json(const char *period, const bucket *b, int64_t *cumulative)
{
    int64_t revenue = b->gross - b->refunds;
    json_t *o =
        json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}", "gross", (json_int_t)b->gross, "refunds", (json_int_t)b->refunds,
                  "revenue", (json_int_t)revenue, "orders", (json_int_t)b->orders, "units", (json_int_t)b->units,
                  "average_order_value", (json_int_t)(b->orders ? revenue / b->orders : 0));
    if (period)
        json_object_set_new(o, "period", json_string(period));
    if (cumulative) {
        *cumulative += revenue;
        json_object_set_new(o, "cumulative_revenue", json_integer(*cumulative));
    }
    return o;
}

#define DAY_EXPR "(o.paid_at + 32400000) / 86400000"

int bc_stats_seller(bc_db *db, int64_t seller_id, int64_t from_day, int64_t to_day, int month, json_t **out)
{
    *out = NULL;
    if (to_day < from_day || to_day - from_day >= BC_STATS_MAX_DAYS)
        return BC_EINVAL;
    int64_t n = to_day - from_day + 1;
    int64_t lo = from_day * BC_STATS_DAY_MS - BC_STATS_KST_MS, hi = (to_day + 1) * BC_STATS_DAY_MS - BC_STATS_KST_MS;
    json_t *lines = NULL, *refunds = NULL, *products = NULL;
    int rc = BC_ERR;
    if (bc_db_rows(db, &lines,
                   "SELECT " DAY_EXPR
                   " AS bday, COUNT(DISTINCT o.id) AS orders, CAST(SUM(l.quantity) AS BIGINT) AS units,"
                   " CAST(SUM(l.line_total) AS BIGINT) AS gross FROM order_lines l JOIN orders o ON o.id = l.order_id"
                   " WHERE l.seller_id = ? AND o.paid_at >= ? AND o.paid_at < ? GROUP BY " DAY_EXPR,
                   "iii", seller_id, lo, hi) < 0 ||
        bc_db_rows(db, &refunds,
                   "SELECT " DAY_EXPR " AS bday, CAST(SUM(CASE WHEN s.refunded > s.subtotal THEN s.subtotal"
                   " ELSE s.refunded END) AS BIGINT) AS refunds FROM shipments s"
                   " JOIN orders o ON o.id = s.order_id WHERE s.seller_id = ? AND s.refunded > 0"
                   " AND o.paid_at >= ? AND o.paid_at < ? GROUP BY " DAY_EXPR,
                   "iii", seller_id, lo, hi) < 0 ||
        bc_db_rows(db, &products,
                   "SELECT l.product_id, MIN(l.product_name) AS name, COUNT(DISTINCT o.id) AS orders,"
                   " CAST(SUM(l.quantity) AS BIGINT) AS units, CAST(SUM(l.line_total) AS BIGINT) AS gross,"
                   " CAST(SUM(CASE WHEN l.canceled_at IS NULL THEN 0 ELSE l.line_total END) AS BIGINT) AS canceled"
                   " FROM order_lines l JOIN orders o ON o.id = l.order_id"
                   " WHERE l.seller_id = ? AND o.paid_at >= ? AND o.paid_at < ?"
                   " GROUP BY l.product_id ORDER BY 5 DESC, l.product_id",
                   "iii", seller_id, lo, hi) < 0)
        goto done;
    bucket *days = calloc((size_t)n, sizeof *days);
    if (!days) {
        rc = BC_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < json_array_size(lines); i++) {
        json_t *r = json_array_get(lines, i);
        int64_t d = jint(r, "bday") - from_day;
        if (d < 0 || d >= n)
            continue;
        days[d].orders += jint(r, "orders");
        days[d].units += jint(r, "units");
        days[d].gross += jint(r, "gross");
    }
    for (size_t i = 0; i < json_array_size(refunds); i++) {
        json_t *r = json_array_get(refunds, i);
        int64_t d = jint(r, "bday") - from_day;
        if (d >= 0 && d < n)
            days[d].refunds += jint(r, "refunds");
    }
    json_t *buckets = json_array();
    bucket total = {0}, cur = {0};
    int64_t cumulative = 0;
    char period[16] = "";
    for (int64_t i = 0; i < n; i++) {
        int y, m, d;
        bc_stats_civil(from_day + i, &y, &m, &d);
        total.gross += days[i].gross;
        total.refunds += days[i].refunds;
        total.orders += days[i].orders;
        total.units += days[i].units;
        if (!month) {
            snprintf(period, sizeof period, "%04d-%02d-%02d", y, m, d);
            json_array_append_new(buckets, bucket_json(period, &days[i], &cumulative));
            continue;
        }
        cur.gross += days[i].gross;
        cur.refunds += days[i].refunds;
        cur.orders += days[i].orders;
        cur.units += days[i].units;
        int ny, nm, nd;
        bc_stats_civil(from_day + i + 1, &ny, &nm, &nd);
        if (nd == 1 || i == n - 1) { /* the month's last day, or the range's */
            snprintf(period, sizeof period, "%04d-%02d", y, m);
            json_array_append_new(buckets, bucket_json(period, &cur, &cumulative));
            memset(&cur, 0, sizeof cur);
        }
    }
    free(days);
    char from[16], to[16];
    int y, m, d;
    bc_stats_civil(from_day, &y, &m, &d);
    snprintf(from, sizeof from, "%04d-%02d-%02d", y, m, d);
    bc_stats_civil(to_day, &y, &m, &d);
    snprintf(to, sizeof to, "%04d-%02d-%02d", y, m, d);
    *out = json_pack("{s:I,s:s,s:s,s:s,s:o,s:o,s:O}", "seller_id", (json_int_t)seller_id, "from", from, "to", to,
                     "granularity", month ? "month" : "day", "buckets", buckets, "totals",
                     bucket_json(NULL, &total, NULL), "products", products);
    rc = *out ? BC_OK : BC_ENOMEM;
done:
    json_decref(lines);
    json_decref(refunds);
    json_decref(products);
    return rc;
}

int bc_stats_live_sales(bc_db *db, int64_t live_id, json_t **minutes, json_t **products)
{
    *minutes = *products = NULL;
    if (bc_db_rows(db, minutes,
                   "SELECT (o.paid_at / 60000) * 60000 AS minute_at, COUNT(DISTINCT o.id) AS orders,"
                   " CAST(SUM(l.line_total) AS BIGINT) AS revenue FROM orders o JOIN order_lines l ON l.order_id = o.id"
                   " WHERE o.live_id = ? AND o.paid_at IS NOT NULL GROUP BY (o.paid_at / 60000) * 60000 ORDER BY 1",
                   "i", live_id) < 0 ||
        bc_db_rows(db, products,
                   "SELECT l.product_id, MIN(l.product_name) AS name, COUNT(DISTINCT o.buyer_id) AS buyers,"
                   " CAST(SUM(l.quantity) AS BIGINT) AS units, CAST(SUM(l.line_total) AS BIGINT) AS revenue"
                   " FROM orders o JOIN order_lines l ON l.order_id = o.id"
                   " WHERE o.live_id = ? AND o.paid_at IS NOT NULL GROUP BY l.product_id ORDER BY 5 DESC, l.product_id",
                   "i", live_id) < 0) {
        json_decref(*minutes);
        json_decref(*products);
        *minutes = *products = NULL;
        return BC_ERR;
    }
    return BC_OK;
}
