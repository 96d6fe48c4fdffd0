/* The metric registry (fixed arrays of relaxed atomics) and the text-format renderer. */
#include "metrics.h"

#include <stdatomic.h>
#include <string.h>
#include <time.h>

#ifndef BC_VERSION
#define BC_VERSION "unknown"
#endif

#define MAX_SLOTS 512 /* route slots; the unmatched slot is one more */

/* The statuses counted exactly; any other goes to slot 0 and is shown as status="other". */
static const int known_status[] = {0,   200, 201, 202, 204, 206, 301, 302, 303, 304, 307, 308, 400, 401,
                                   402, 403, 404, 405, 406, 408, 409, 410, 411, 412, 413, 414, 415, 416,
                                   417, 422, 423, 425, 426, 428, 429, 431, 451, 500, 501, 502, 503, 504};
#define NSTATUS ((int)(sizeof known_status / sizeof known_status[0]))

/* Latency histogram bounds, seconds (the last bucket, +Inf, is the count). */
static const double bucket_le[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
static const int64_t bucket_us[] = {1000,   2500,   5000,    10000,   25000,   50000,   100000,
                                    250000, 500000, 1000000, 2500000, 5000000, 10000000};
#define NBUCKETS ((int)(sizeof bucket_le / sizeof bucket_le[0]))

typedef struct route_series {
    const char *method, *pattern;
    atomic_uint_fast64_t by_status[NSTATUS];
    atomic_uint_fast64_t buckets[NBUCKETS]; /* non-cumulative: requests with le[i-1] < d <= le[i] */
    atomic_uint_fast64_t count, sum_us;
} route_series;

static route_series slots[MAX_SLOTS + 1]; /* [MAX_SLOTS]: unmatched */
static atomic_int nslots;
static unsigned char status_index[600]; /* status -> index in known_status (0: other) */
static atomic_int_fast64_t scalars[BC_METRIC_COUNT];

enum { GW_TOSS, GW_PORTONE, GW_N };
static const char *const gw_names[GW_N] = {"toss", "portone"};
static atomic_uint_fast64_t gw_calls[GW_N], gw_errors[GW_N];

static double start_time_s;

/* Set before main: the process start time and the status map. */
__attribute__((constructor)) static void metrics_init(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    start_time_s = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
    for (int i = 1; i < NSTATUS; i++)
        status_index[known_status[i]] = (unsigned char)i;
    slots[MAX_SLOTS].method = "*";
    slots[MAX_SLOTS].pattern = "(unmatched)";
}

void bc_metrics_add(enum bc_metric m, int64_t n)
{
    if ((unsigned)m < BC_METRIC_COUNT)
        atomic_fetch_add_explicit(&scalars[m], n, memory_order_relaxed);
}

/* ---- staged (transactional) additions ---- */
#define STAGE_MAX 16
static __thread struct {
    int active, n;
    enum bc_metric m[STAGE_MAX];
    int64_t v[STAGE_MAX];
} stage;

void bc_metrics_tx_add(enum bc_metric m, int64_t n)
{
    if (!stage.active || stage.n == STAGE_MAX) {
        bc_metrics_add(m, n);
        return;
    }
    stage.m[stage.n] = m;
    stage.v[stage.n++] = n;
}

void bc_metrics_order_paid(int64_t amount_krw)
{
    bc_metrics_tx_add(BC_METRIC_ORDERS_PAID, 1);
    bc_metrics_tx_add(BC_METRIC_REVENUE_PAID, amount_krw);
}

void bc_metrics_tx_begin(void)
{
    stage.active = 1;
    stage.n = 0;
}

void bc_metrics_tx_end(int committed)
{
    for (int i = 0; committed && i < stage.n; i++)
        bc_metrics_add(stage.m[i], stage.v[i]);
    stage.active = 0;
    stage.n = 0;
}

void bc_metrics_gateway(const char *provider, int failed)
{
    for (int i = 0; provider && i < GW_N; i++) {
        if (strcmp(provider, gw_names[i]) != 0)
            continue;
        atomic_fetch_add_explicit(&gw_calls[i], 1, memory_order_relaxed);
        if (failed)
            atomic_fetch_add_explicit(&gw_errors[i], 1, memory_order_relaxed);
    }
}

/* ---- HTTP ---- */
int bc_metrics_route(const char *method, const char *pattern)
{
    int i = atomic_load(&nslots);
    if (i == MAX_SLOTS)
        return BC_METRICS_UNMATCHED;
    slots[i].method = method;
    slots[i].pattern = pattern;
    atomic_store(&nslots, i + 1);
    return i;
}

void bc_metrics_http(int slot, int status, int64_t us)
{
    route_series *r = &slots[slot >= 0 && slot < MAX_SLOTS ? slot : MAX_SLOTS];
    int si = status >= 0 && status < 600 ? status_index[status] : 0;
    if (us < 0)
        us = 0;
    int b = 0;
    while (b < NBUCKETS && us > bucket_us[b])
        b++;
    atomic_fetch_add_explicit(&r->by_status[si], 1, memory_order_relaxed);
    if (b < NBUCKETS)
        atomic_fetch_add_explicit(&r->buckets[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&r->sum_us, (uint_fast64_t)us, memory_order_relaxed);
    atomic_fetch_add_explicit(&r->count, 1, memory_order_relaxed);
}

/* ---- rendering ---- */
size_t bc_metrics_escape_label(const char *in, char *out, size_t outlen)
{
    size_t o = 0;
    if (outlen == 0)
        return 0;
    for (const unsigned char *s = (const unsigned char *)in; s && *s; s++) {
        const char *esc = *s == '\\' ? "\\\\" : *s == '"' ? "\\\"" : *s == '\n' ? "\\n" : NULL;
        size_t n = esc ? 2 : 1;
        if (!esc && *s >= 0x80) { /* keep a UTF-8 sequence whole */
            n = *s >= 0xF0 ? 4 : *s >= 0xE0 ? 3 : *s >= 0xC0 ? 2 : 1;
            for (size_t k = 1; k < n; k++)
                if ((s[k] & 0xC0) != 0x80)
                    n = 1;
        }
        if (o + n >= outlen)
            break;
        if (esc) {
            memcpy(out + o, esc, 2);
        } else {
            memcpy(out + o, s, n);
            s += n - 1;
        }
        o += n;
    }
    out[o] = 0;
    return o;
}

typedef struct renderer {
    bc_buf *out;
    int rc;
} renderer;

static void put(renderer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(renderer *w, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof line || w->rc != BC_OK)
        return;
    w->rc = bc_buf_add(w->out, line, (size_t)n);
}

static void head(renderer *w, const char *name, const char *type, const char *help)
{
    put(w, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static uint64_t load(atomic_uint_fast64_t *a) { return (uint64_t)atomic_load_explicit(a, memory_order_relaxed); }

static int64_t scalar(enum bc_metric m) { return (int64_t)atomic_load_explicit(&scalars[m], memory_order_relaxed); }

/* The method and route labels of slot i, escaped: method="GET",route="/api/v1/products/{id}". */
static void route_labels(const route_series *r, char *out, size_t outlen)
{
    char m[32], p[512];
    bc_metrics_escape_label(r->method, m, sizeof m);
    bc_metrics_escape_label(r->pattern, p, sizeof p);
    snprintf(out, outlen, "method=\"%s\",route=\"%s\"", m, p);
}

static void render_http(renderer *w)
{
    int n = atomic_load(&nslots);
    char labels[600];
    head(w, "broadcart_http_requests_total", "counter",
         "HTTP requests answered, by route (the route table's method and path pattern) and status.");
    for (int i = 0; i <= n; i++) {
        route_series *r = &slots[i == n ? MAX_SLOTS : i];
        route_labels(r, labels, sizeof labels);
        for (int s = 0; s < NSTATUS; s++) {
            uint64_t c = load(&r->by_status[s]);
            if (!c)
                continue;
            if (s == 0)
                put(w, "broadcart_http_requests_total{%s,status=\"other\"} %llu\n", labels, (unsigned long long)c);
            else
                put(w, "broadcart_http_requests_total{%s,status=\"%d\"} %llu\n", labels, known_status[s],
                    (unsigned long long)c);
        }
    }
    head(w, "broadcart_http_request_duration_seconds", "histogram",
         "Time from a request's first byte to its response, by route (routes that were called).");
    for (int i = 0; i <= n; i++) {
        route_series *r = &slots[i == n ? MAX_SLOTS : i];
        /* read the buckets first: a request counted meanwhile makes count larger, never smaller */
        uint64_t b[NBUCKETS], cum = 0;
        for (int k = 0; k < NBUCKETS; k++)
            b[k] = load(&r->buckets[k]);
        uint64_t sum = load(&r->sum_us), count = load(&r->count);
        if (!count)
            continue;
        route_labels(r, labels, sizeof labels);
        for (int k = 0; k < NBUCKETS; k++) {
            cum += b[k];
            put(w, "broadcart_http_request_duration_seconds_bucket{%s,le=\"%g\"} %llu\n", labels, bucket_le[k],
                (unsigned long long)(cum < count ? cum : count));
        }
        put(w, "broadcart_http_request_duration_seconds_bucket{%s,le=\"+Inf\"} %llu\n", labels,
            (unsigned long long)count);
        put(w, "broadcart_http_request_duration_seconds_sum{%s} %.6f\n", labels, (double)sum / 1e6);
        put(w, "broadcart_http_request_duration_seconds_count{%s} %llu\n", labels, (unsigned long long)count);
    }
}

int bc_metrics_render(bc_buf *out, const bc_metrics_scrape *s)
{
    renderer w = {out, BC_OK};
    char esc[128];
    head(&w, "broadcart_build_info", "gauge", "Always 1: the version and the database backend of this instance.");
    bc_metrics_escape_label(s && s->backend ? s->backend : "unknown", esc, sizeof esc);
    put(&w, "broadcart_build_info{version=\"%s\",backend=\"%s\"} 1\n", BC_VERSION, esc);
    head(&w, "process_start_time_seconds", "gauge", "Start time of the process since the Unix epoch, seconds.");
    put(&w, "process_start_time_seconds %.3f\n", start_time_s);

    render_http(&w);

    head(&w, "broadcart_worker_queue_depth", "gauge", "Jobs waiting for a worker thread, by pool.");
    put(&w, "broadcart_worker_queue_depth{pool=\"main\"} %d\n", s ? s->queue_main : 0);
    put(&w, "broadcart_worker_queue_depth{pool=\"pwhash\"} %d\n", s ? s->queue_pwhash : 0);
    head(&w, "broadcart_worker_queue_capacity", "gauge",
         "Jobs a pool's queue holds; beyond it requests are refused with 503 BUSY.");
    put(&w, "broadcart_worker_queue_capacity{pool=\"main\"} %d\n", s ? s->queue_main_cap : 0);
    put(&w, "broadcart_worker_queue_capacity{pool=\"pwhash\"} %d\n", s ? s->queue_pwhash_cap : 0);

    head(&w, "broadcart_db_tx_retries_total", "counter",
         "Database transactions run again after losing a conflict (busy, serialization failure, deadlock).");
    put(&w, "broadcart_db_tx_retries_total %lld\n", (long long)scalar(BC_METRIC_DB_TX_RETRIES));

    head(&w, "broadcart_gateway_calls_total", "counter", "Payment-gateway calls that went out, by provider.");
    for (int i = 0; i < GW_N; i++)
        put(&w, "broadcart_gateway_calls_total{provider=\"%s\"} %llu\n", gw_names[i],
            (unsigned long long)load(&gw_calls[i]));
    head(&w, "broadcart_gateway_errors_total", "counter",
         "Payment-gateway calls that ended without an answer or with a 5xx answer, by provider.");
    for (int i = 0; i < GW_N; i++)
        put(&w, "broadcart_gateway_errors_total{provider=\"%s\"} %llu\n", gw_names[i],
            (unsigned long long)load(&gw_errors[i]));

    head(&w, "broadcart_ws_connections", "gauge", "WebSocket connections open now.");
    put(&w, "broadcart_ws_connections %lld\n", (long long)scalar(BC_METRIC_WS_OPEN));
    head(&w, "broadcart_ws_connections_opened_total", "counter", "WebSocket connections accepted.");
    put(&w, "broadcart_ws_connections_opened_total %lld\n", (long long)scalar(BC_METRIC_WS_OPENED));
    head(&w, "broadcart_ws_messages_received_total", "counter", "WebSocket text messages received.");
    put(&w, "broadcart_ws_messages_received_total %lld\n", (long long)scalar(BC_METRIC_WS_RECEIVED));
    head(&w, "broadcart_ws_messages_sent_total", "counter", "WebSocket frames queued to connections.");
    put(&w, "broadcart_ws_messages_sent_total %lld\n", (long long)scalar(BC_METRIC_WS_SENT));

    head(&w, "broadcart_live_viewers", "gauge", "WebSocket viewers of each live on air, on this instance.");
    for (int i = 0; s && i < s->n_lives; i++)
        put(&w, "broadcart_live_viewers{live_id=\"%lld\"} %d\n", (long long)s->live_ids[i], s->live_viewers[i]);

    head(&w, "broadcart_orders_created_total", "counter", "Orders created.");
    put(&w, "broadcart_orders_created_total %lld\n", (long long)scalar(BC_METRIC_ORDERS_CREATED));
    head(&w, "broadcart_orders_paid_total", "counter", "Orders that became PAID.");
    put(&w, "broadcart_orders_paid_total %lld\n", (long long)scalar(BC_METRIC_ORDERS_PAID));
    head(&w, "broadcart_revenue_krw_total", "counter", "KRW paid for orders (the payments that made them PAID).");
    put(&w, "broadcart_revenue_krw_total %lld\n", (long long)scalar(BC_METRIC_REVENUE_PAID));
    return w.rc;
}
