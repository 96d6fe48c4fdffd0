/* Unit tests for src/metrics: label escaping, transactional staging (commit applies, rollback and
 * retries drop), the HTTP series (status slots, cumulative buckets, unmatched slot) and the text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../src/metrics/metrics.h"

/* The value of the first sample line starting with prefix (name{labels} ), or -1. */
static long long sample(const char *text, const char *prefix)
{
    for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (strncmp(p, prefix, strlen(prefix)) == 0 && p[strlen(prefix)] == ' ')
            return strtoll(p + strlen(prefix) + 1, NULL, 10);
    return -1;
}

static char *render(void)
{
    bc_buf b;
    bc_buf_init(&b, 1 << 22);
    int64_t ids[] = {7, 9};
    int viewers[] = {3, 0};
    bc_metrics_scrape s = {1, 4096, 0, 256, "sqlite", 2, ids, viewers};
    assert_int_equal(bc_metrics_render(&b, &s), BC_OK);
    char *t = strdup(b.data);
    bc_buf_free(&b);
    return t;
}

static void label_escaping(void **state)
{
    (void)state;
    char out[64];
    assert_int_equal(bc_metrics_escape_label("a\\b\"c\nd", out, sizeof out), 10);
    assert_string_equal(out, "a\\\\b\\\"c\\nd");
    assert_int_equal(bc_metrics_escape_label("/api/v1/{id}", out, sizeof out), 12);
    /* cut at a character boundary: the 3-byte character does not fit whole */
    bc_metrics_escape_label("ab\xea\xb0\x80", out, 5);
    assert_string_equal(out, "ab");
    bc_metrics_escape_label("\"", out, 2); /* an escape that does not fit is left out */
    assert_string_equal(out, "");
}

static void staging(void **state)
{
    (void)state;
    char *t0 = render();
    long long created = sample(t0, "broadcart_orders_created_total"), paid = sample(t0, "broadcart_orders_paid_total"),
              krw = sample(t0, "broadcart_revenue_krw_total");
    free(t0);
    bc_metrics_tx_begin(); /* a lost attempt: dropped */
    bc_metrics_tx_add(BC_METRIC_ORDERS_CREATED, 1);
    bc_metrics_order_paid(5000);
    bc_metrics_tx_end(0);
    bc_metrics_tx_begin(); /* the retry commits */
    bc_metrics_tx_add(BC_METRIC_ORDERS_CREATED, 1);
    bc_metrics_order_paid(5000);
    bc_metrics_tx_end(1);
    bc_metrics_tx_add(BC_METRIC_ORDERS_CREATED, 2); /* outside a transaction: at once */
    char *t = render();
    assert_int_equal(sample(t, "broadcart_orders_created_total"), created + 3);
    assert_int_equal(sample(t, "broadcart_orders_paid_total"), paid + 1);
    assert_int_equal(sample(t, "broadcart_revenue_krw_total"), krw + 5000);
    assert_int_equal(sample(t, "broadcart_live_viewers{live_id=\"7\"}"), 3);
    assert_int_equal(sample(t, "broadcart_live_viewers{live_id=\"9\"}"), 0);
    assert_int_equal(sample(t, "broadcart_worker_queue_depth{pool=\"main\"}"), 1);
    assert_int_equal(sample(t, "broadcart_build_info{version=\"" BC_VERSION "\",backend=\"sqlite\"}"), 1);
    free(t);
}

static void http_series(void **state)
{
    (void)state;
    int slot = bc_metrics_route("GET", "/t/{id}");
    assert_true(slot >= 0);
    bc_metrics_http(slot, 200, 400);      /* le 0.001 */
    bc_metrics_http(slot, 200, 30000);    /* le 0.05 */
    bc_metrics_http(slot, 404, 20000000); /* above 10 s: +Inf only */
    bc_metrics_http(slot, 299, 100);      /* a status outside the set */
    bc_metrics_http(BC_METRICS_UNMATCHED, 405, 10);
    char *t = render();
    assert_int_equal(sample(t, "broadcart_http_requests_total{method=\"GET\",route=\"/t/{id}\",status=\"200\"}"), 2);
    assert_int_equal(sample(t, "broadcart_http_requests_total{method=\"GET\",route=\"/t/{id}\",status=\"404\"}"), 1);
    assert_int_equal(sample(t, "broadcart_http_requests_total{method=\"GET\",route=\"/t/{id}\",status=\"other\"}"), 1);
    assert_int_equal(sample(t, "broadcart_http_requests_total{method=\"*\",route=\"(unmatched)\",status=\"405\"}"), 1);
    const char *b = "broadcart_http_request_duration_seconds_bucket{method=\"GET\",route=\"/t/{id}\",le=";
    char k[256];
    snprintf(k, sizeof k, "%s\"0.001\"}", b);
    assert_int_equal(sample(t, k), 2);
    snprintf(k, sizeof k, "%s\"0.025\"}", b);
    assert_int_equal(sample(t, k), 2);
    snprintf(k, sizeof k, "%s\"0.05\"}", b);
    assert_int_equal(sample(t, k), 3);
    snprintf(k, sizeof k, "%s\"10\"}", b);
    assert_int_equal(sample(t, k), 3);
    snprintf(k, sizeof k, "%s\"+Inf\"}", b);
    assert_int_equal(sample(t, k), 4);
    assert_int_equal(sample(t, "broadcart_http_request_duration_seconds_count{method=\"GET\",route=\"/t/{id}\"}"), 4);
    assert_non_null(strstr(t, "# TYPE broadcart_http_request_duration_seconds histogram\n"));
    assert_non_null(strstr(t, "# TYPE broadcart_http_requests_total counter\n"));
    free(t);
}

static void gateway(void **state)
{
    (void)state;
    bc_metrics_gateway("toss", 0);
    bc_metrics_gateway("toss", 1);
    bc_metrics_gateway("portone", 0);
    bc_metrics_gateway("elsewhere", 1); /* not a provider: ignored */
    char *t = render();
    assert_int_equal(sample(t, "broadcart_gateway_calls_total{provider=\"toss\"}"), 2);
    assert_int_equal(sample(t, "broadcart_gateway_errors_total{provider=\"toss\"}"), 1);
    assert_int_equal(sample(t, "broadcart_gateway_calls_total{provider=\"portone\"}"), 1);
    assert_int_equal(sample(t, "broadcart_gateway_errors_total{provider=\"portone\"}"), 0);
    assert_null(strstr(t, "elsewhere"));
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(label_escaping),
        cmocka_unit_test(staging),
        cmocka_unit_test(http_series),
        cmocka_unit_test(gateway),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
