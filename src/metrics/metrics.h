/* metrics: the process's counters, gauges and histograms, and their rendering in the Prometheus
 * text exposition format 0.0.4 (GET /metrics, src/metrics/metrics_api.c). Prefix: bc_metrics_.
 *
 * Every series exists from the start (fixed enum or a slot registered before serving): the hot
 * path is one or a few relaxed atomic additions, never a lock or an allocation. Label values come
 * from fixed sets (route table patterns, pools, providers; live ids bounded to lives on air), so the
 * number of series stays bounded whatever clients send. Any thread may call every function below
 * unless it says otherwise. */
#ifndef BC_METRICS_H
#define BC_METRICS_H

#include <stdint.h>

#include "../core/core.h"

/* The unlabelled counters (all but BC_METRIC_WS_OPEN, a gauge). */
enum bc_metric {
    BC_METRIC_DB_TX_RETRIES,  /* bc_db_tx attempts run again after a lost conflict */
    BC_METRIC_WS_OPEN,        /* gauge: WebSocket connections open now */
    BC_METRIC_WS_OPENED,      /* WebSocket connections accepted (upgraded) */
    BC_METRIC_WS_RECEIVED,    /* WebSocket text messages received */
    BC_METRIC_WS_SENT,        /* WebSocket frames queued to connections (direct and room fan-out) */
    BC_METRIC_ORDERS_CREATED, /* orders created (committed) */
    BC_METRIC_ORDERS_PAID,    /* orders that became PAID (committed) */
    BC_METRIC_REVENUE_PAID,   /* KRW of the payments that made orders PAID (committed) */
    BC_METRIC_COUNT
};

/* Adds n (may be negative for the gauge) to m at once. */
void bc_metrics_add(enum bc_metric m, int64_t n);

/* Transactional counting, for figures that must follow what the database keeps (orders, revenue):
 * inside a unit of work run by bc_db_tx, bc_metrics_tx_add stages n for m on this thread; the store
 * applies what was staged when the outermost transaction commits and drops it when the attempt
 * rolls back (so a retried or failed unit counts nothing twice or at all). Outside bc_db_tx it is
 * bc_metrics_add. Staging holds up to 16 additions per transaction (more are applied at once). */
void bc_metrics_tx_add(enum bc_metric m, int64_t n);
/* An order became PAID with a payment of amount_krw (0 for one paid in points): stages
 * BC_METRIC_ORDERS_PAID 1 and BC_METRIC_REVENUE_PAID amount_krw (bc_metrics_tx_add). */
void bc_metrics_order_paid(int64_t amount_krw);
/* For the store (bc_db_tx): an attempt of an outermost transaction begins (drops anything staged
 * and starts staging) / ends (committed 1: applies what was staged; 0: drops it). This thread. */
void bc_metrics_tx_begin(void);
void bc_metrics_tx_end(int committed);

/* One payment-gateway call (its retries included) of provider ("toss" or "portone"; any other name
 * is ignored) that went out; failed: it ended without an answer (transport error, timeout) or
 * with a 5xx answer (business refusals such as a declined card are answers, not errors). */
void bc_metrics_gateway(const char *provider, int failed);

/* ---- HTTP requests ---- */
/* The slot of requests no route matched (404/405 before routing, bad paths). */
#define BC_METRICS_UNMATCHED (-1)
/* Registers a route's series (method and path pattern, both static storage: the labels) and returns
 * its slot (>= 0), or BC_METRICS_UNMATCHED when the table is full. Before serving (one thread). */
int bc_metrics_route(const char *method, const char *pattern);
/* Counts one answered request of route slot (or BC_METRICS_UNMATCHED) with HTTP status and its
 * duration in microseconds (from the request's first byte to the response being handed to the
 * server): requests by status and the latency histogram. Never allocates or locks. */
void bc_metrics_http(int slot, int status, int64_t us);

/* ---- rendering ---- */
/* What the caller of bc_metrics_render knows at scrape time: the worker queues' lengths (jobs
 * waiting, not running) and capacities, the database backend ("sqlite"/"postgresql", or NULL when
 * unknown) and the viewers of the lives on air (live ids and this instance's WebSocket viewers of
 * each; n_lives may be 0, lives NULL). */
typedef struct bc_metrics_scrape {
    int queue_main, queue_main_cap, queue_pwhash, queue_pwhash_cap;
    const char *backend;
    int n_lives;
    const int64_t *live_ids;
    const int *live_viewers;
} bc_metrics_scrape;
/* Appends every metric in the Prometheus text format 0.0.4 (# HELP and # TYPE lines, label values
 * escaped, histograms' buckets cumulative with _sum and _count) to out. BC_OK, or BC_ENOMEM when
 * out's cap was reached (out then holds a partial text). */
int bc_metrics_render(bc_buf *out, const bc_metrics_scrape *s);
/* Escapes a label value for the text format (backslash, double quote and line feed as \\, \" and
 * \n) into out (outlen bytes, always NUL-terminated; truncated at a character boundary). Returns
 * the length written. */
size_t bc_metrics_escape_label(const char *in, char *out, size_t outlen);

/* Registers GET /metrics and GET /readyz with the http server (metrics_api.c). Call once, before
 * serving (bc_http_register gives every route of every table its series, these two included). */
void bc_metrics_register_routes(void);

#endif
