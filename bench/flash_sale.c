/* Flash-sale load client: one keep-alive HTTP/1.1 connection per buyer (raw sockets + epoll, one
 * thread), every buyer starting at the same moment and walking
 *   POST /api/v1/holds -> POST /api/v1/orders (hold_id) -> POST /sandbox-pg/v1/sandbox/payments
 *   -> POST /api/v1/payments/confirm
 * (without --no-hold; with it the walk starts at the order). A refusal at any step ends that buyer.
 * Prints the attempts/s of the first step and of the order step, paid/s, p50/p99 of each step and
 * the answers' status codes, and writes one line per buyer to --out for the runner's checks:
 *   <buyer index> <last step reached 0..4> <HTTP status of that step> <order pk or 0> <orderId or -> <paid 0/1>
 * Bounded: at most 20,000 buyers, every buyer done or given up after --timeout seconds.
 * Usage: flash_sale --port P --product ID --tokens FILE [--no-hold] [--timeout S] [--out FILE]
 * (bench/flash_sale.mjs starts the server, creates the buyers and runs the checks). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_BUYERS 20000
#define WBUF 4096
#define RBUF 16384
#define MAX_RETRIES 50 /* per step, after 503 BUSY */

enum { S_HOLD, S_ORDER, S_PAY, S_CONFIRM, S_DONE, NSTEPS = 4 };
static const char *const step_names[] = {"hold", "order", "sandbox_pay", "confirm"};

typedef struct conn {
    int fd, idx, step, done, status, paid;
    const char *token;
    char wbuf[WBUF];
    size_t wlen, woff;
    char rbuf[RBUF];
    size_t rlen;
    int64_t sent_us;  /* the step's first request (latency includes retries) */
    int64_t retry_at; /* 0, or when to resend the step's request after a 503 */
    int retries;
    int64_t hold_id, order_pk, amount;
    char order_id[80], order_name[256], payment_key[256];
} conn;

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t *lat[NSTEPS];
static int64_t *first_at, *first_lat; /* per buyer: when its first step was sent (us after t0), its latency */
static int nlat[NSTEPS];
static int codes[NSTEPS][600];
static int64_t t0, first_last_us, order_last_us, paid_last_us;
static int64_t first_confirm_us; /* when the first confirm was sent (0 = none yet) */
static double rate;              /* --rate: buyers started per second; 0 = all at once */
static int first_step, no_hold, product_id, port, npaid, nfirst, norder, nretries, nactive, pending_retries;
static const char *address_json =
    "{\"recipient\":\"Kim Minji\",\"phone\":\"010-1234-5678\",\"postcode\":\"06236\",\"address1\":\"Teheran-ro 1, "
    "Gangnam-gu, Seoul\"}";

/* Builds the request of c's current step into wbuf. */
static void build(conn *c)
{
    char body[1024];
    const char *path = NULL;
    int auth = 1;
    switch (c->step) {
    case S_HOLD:
        path = "/api/v1/holds";
        snprintf(body, sizeof body, "{\"product_id\":%d,\"quantity\":1}", product_id);
        break;
    case S_ORDER:
        path = "/api/v1/orders";
        if (c->hold_id)
            snprintf(body, sizeof body,
                     "{\"items\":[{\"product_id\":%d,\"quantity\":1}],\"shipping_address\":%s,\"hold_id\":%lld}",
                     product_id, address_json, (long long)c->hold_id);
        else
            snprintf(body, sizeof body, "{\"items\":[{\"product_id\":%d,\"quantity\":1}],\"shipping_address\":%s}",
                     product_id, address_json);
        break;
    case S_PAY: {
        path = "/sandbox-pg/v1/sandbox/payments";
        auth = 0;
        json_t *b = json_pack("{s:s,s:I,s:s}", "orderId", c->order_id, "amount", (json_int_t)c->amount, "orderName",
                              c->order_name);
        char *s = json_dumps(b, JSON_COMPACT);
        snprintf(body, sizeof body, "%s", s ? s : "{}");
        free(s);
        json_decref(b);
        break;
    }
    default:
        path = "/api/v1/payments/confirm";
        snprintf(body, sizeof body, "{\"payment_key\":\"%s\",\"order_id\":\"%s\",\"amount\":%lld}", c->payment_key,
                 c->order_id, (long long)c->amount);
        break;
    }
    int n = snprintf(c->wbuf, WBUF,
                     "POST %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\n%s%s%s\r\n%s",
                     path, port, strlen(body), auth ? "Authorization: Bearer " : "", auth ? c->token : "",
                     auth ? "\r\n" : "", body);
    c->wlen = n > 0 && n < WBUF ? (size_t)n : 0;
    c->woff = 0;
    c->rlen = 0;
}

static void finish(conn *c, int status)
{
    if (c->retry_at)
        pending_retries--;
    c->retry_at = 0;
    nactive -= !c->done;
    c->done = 1;
    c->status = status;
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
}

static void flush_out(conn *c)
{
    while (c->woff < c->wlen) {
        ssize_t w = send(c->fd, c->wbuf + c->woff, c->wlen - c->woff, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EAGAIN)
                return;
            finish(c, -1);
            return;
        }
        c->woff += (size_t)w;
    }
}

static void start_step(conn *c)
{
    build(c);
    c->sent_us = now_us();
    if (c->step == S_CONFIRM && !first_confirm_us)
        first_confirm_us = c->sent_us;
    c->retries = 0;
    flush_out(c);
}

/* Resends the current step's request (after a 503: the server shed it unprocessed). */
static void resend(conn *c)
{
    build(c);
    c->retry_at = 0;
    flush_out(c);
}

/* A full response in rbuf: *status and the body (NUL-terminated in place); 0 when incomplete. */
static int parse(conn *c, int *status, char **body)
{
    c->rbuf[c->rlen < RBUF ? c->rlen : RBUF - 1] = 0;
    char *end = strstr(c->rbuf, "\r\n\r\n");
    if (!end)
        return 0;
    *status = atoi(c->rbuf + 9);
    size_t hlen = (size_t)(end - c->rbuf) + 4;
    long clen = -1;
    int chunked = 0;
    for (char *l = strstr(c->rbuf, "\r\n"); l && l < end; l = strstr(l + 2, "\r\n")) {
        if (strncasecmp(l + 2, "content-length:", 15) == 0)
            clen = atol(l + 17);
        if (strncasecmp(l + 2, "transfer-encoding:", 18) == 0 && strstr(l + 20, "chunked") < end)
            chunked = 1;
    }
    if (!chunked) {
        if (clen < 0)
            clen = 0;
        if (c->rlen < hlen + (size_t)clen)
            return 0;
        c->rbuf[hlen + (size_t)clen] = 0;
        *body = c->rbuf + hlen;
        return 1;
    }
    /* chunked: decode in place once the terminating chunk has arrived */
    if (!strstr(c->rbuf + hlen, "\r\n0\r\n\r\n") && strncmp(c->rbuf + hlen, "0\r\n\r\n", 5) != 0)
        return 0;
    char *r = c->rbuf + hlen, *w = r;
    for (;;) {
        long n = strtol(r, &r, 16);
        r = strstr(r, "\r\n") + 2;
        if (n <= 0)
            break;
        memmove(w, r, (size_t)n);
        w += n;
        r += n + 2;
    }
    *w = 0;
    *body = c->rbuf + hlen;
    return 1;
}

static void on_response(conn *c, int status, const char *body)
{
    int64_t t = now_us();
    int s = c->step;
    codes[s][status > 0 && status < 600 ? status : 0]++;
    if (status == 503 && c->retries < MAX_RETRIES) { /* BUSY: retry like a client would, bounded */
        c->retries++;
        nretries++;
        const char *ra = strcasestr(c->rbuf, "\r\nretry-after:");
        int64_t wait_ms = ra ? atol(ra + 15) * 1000 : 0;
        pending_retries++;
        c->retry_at = t + (wait_ms > 0 && wait_ms <= 2000 ? wait_ms : 20 + (c->idx % 80)) * 1000;
        c->rlen = 0;
        return;
    }
    lat[s][nlat[s]++] = t - c->sent_us;
    if (s == first_step) {
        first_at[c->idx] = c->sent_us - t0;
        first_lat[c->idx] = t - c->sent_us;
        nfirst++;
        first_last_us = t;
    }
    if (s == S_ORDER) {
        norder++;
        order_last_us = t;
    }
    int ok = (s == S_HOLD || s == S_ORDER) ? status == 201 : status == 200 || status == 201;
    json_t *j = ok ? json_loads(body, 0, NULL) : NULL;
    if (!ok || !j) {
        finish(c, status);
        return;
    }
    switch (s) {
    case S_HOLD:
        c->hold_id = json_integer_value(json_object_get(j, "id"));
        break;
    case S_ORDER:
        c->order_pk = json_integer_value(json_object_get(j, "id"));
        c->amount = json_integer_value(json_object_get(j, "amount"));
        snprintf(c->order_id, sizeof c->order_id, "%s", json_string_value(json_object_get(j, "order_id")) ?: "");
        snprintf(c->order_name, sizeof c->order_name, "%s", json_string_value(json_object_get(j, "order_name")) ?: "");
        break;
    case S_PAY:
        snprintf(c->payment_key, sizeof c->payment_key, "%s",
                 json_string_value(json_object_get(j, "paymentKey")) ?: "");
        break;
    default: {
        const char *st = json_string_value(json_object_get(j, "status"));
        c->paid = st && strcmp(st, "PAID") == 0;
        if (c->paid) {
            npaid++;
            paid_last_us = t;
        }
        break;
    }
    }
    json_decref(j);
    c->step++;
    if (c->step == S_DONE) {
        finish(c, status);
        c->step = S_CONFIRM;
        return;
    }
    start_step(c);
}

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static double pct(int s, double p)
{
    if (nlat[s] == 0)
        return 0;
    int i = (int)(p * (nlat[s] - 1) + 0.5);
    return lat[s][i] / 1000.0;
}

int main(int argc, char **argv)
{
    const char *tokens_path = NULL, *out_path = NULL;
    int timeout_s = 60;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--port") && i + 1 < argc)
            port = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--product") && i + 1 < argc)
            product_id = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--tokens") && i + 1 < argc)
            tokens_path = argv[++i];
        else if (!strcmp(argv[i], "--out") && i + 1 < argc)
            out_path = argv[++i];
        else if (!strcmp(argv[i], "--timeout") && i + 1 < argc)
            timeout_s = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--rate") && i + 1 < argc)
            rate = atof(argv[++i]);
        else if (!strcmp(argv[i], "--no-hold"))
            no_hold = 1;
        else {
            fprintf(stderr,
                    "usage: flash_sale --port P --product ID --tokens FILE [--no-hold] [--rate R] [--timeout S] [--out F]\n");
            return 2;
        }
    }
    if (!port || !product_id || !tokens_path)
        return fprintf(stderr, "flash_sale: --port, --product and --tokens are required\n"), 2;
    FILE *tf = fopen(tokens_path, "r");
    if (!tf)
        return perror(tokens_path), 1;
    static char *tokens[MAX_BUYERS];
    int n = 0;
    char line[4096];
    while (n < MAX_BUYERS && fgets(line, sizeof line, tf)) {
        line[strcspn(line, "\r\n")] = 0;
        if (*line)
            tokens[n++] = strdup(line);
    }
    fclose(tf);
    first_step = no_hold ? S_ORDER : S_HOLD;
    conn *cs = calloc((size_t)n, sizeof *cs);
    nactive = n;
    for (int s = 0; s < NSTEPS; s++)
        lat[s] = calloc((size_t)n + 1, sizeof(int64_t));
    first_at = calloc((size_t)n + 1, sizeof(int64_t));
    first_lat = calloc((size_t)n + 1, sizeof(int64_t));
    for (int i = 0; i < n; i++)
        first_at[i] = -1;
    int ep = epoll_create1(0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    /* connect everybody first (in waves, so the listen backlog is not overrun), then start at once */
    int connected = 0;
    int64_t cstart = now_us();
    for (int i = 0; i < n; i++) {
        conn *c = &cs[i];
        c->idx = i;
        c->token = tokens[i];
        c->step = first_step;
        c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        int one = 1;
        setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (c->fd < 0 || (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) < 0 && errno != EINPROGRESS)) {
            finish(c, -2);
            continue;
        }
        struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = c};
        epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
        if ((i + 1) % 500 == 0 || i == n - 1) { /* wait for this wave */
            struct epoll_event evs[512];
            int64_t until = now_us() + 10000000;
            while (connected < i + 1 && now_us() < until) {
                int k = epoll_wait(ep, evs, 512, 100);
                for (int e = 0; e < k; e++) {
                    conn *x = evs[e].data.ptr;
                    int err = 0;
                    socklen_t len = sizeof err;
                    getsockopt(x->fd, SOL_SOCKET, SO_ERROR, &err, &len);
                    struct epoll_event none = {.events = 0, .data.ptr = x};
                    epoll_ctl(ep, EPOLL_CTL_MOD, x->fd, &none);
                    connected++;
                    if (err)
                        finish(x, -2);
                }
            }
        }
    }
    printf("connections: %d of %d open in %.0f ms\n", connected, n, (now_us() - cstart) / 1000.0);
    t0 = now_us();
    int started = 0; /* buyers started so far: all at once, or paced at --rate (buyer i at t0 + i / rate) */
    int64_t deadline = t0 + (int64_t)timeout_s * 1000000;
    struct epoll_event evs[1024];
    for (;;) {
        int64_t tnow = now_us();
        while (started < n && (rate <= 0 || t0 + (int64_t)(started * 1e6 / rate) <= tnow)) {
            conn *c = &cs[started++];
            if (c->done)
                continue;
            struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLET, .data.ptr = c};
            epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
            start_step(c);
        }
        for (int i = 0; i < n && pending_retries > 0; i++)
            if (!cs[i].done && cs[i].retry_at && cs[i].retry_at <= tnow) {
                pending_retries--;
                resend(&cs[i]);
            }
        if (nactive == 0 || tnow > deadline)
            break;
        int k = epoll_wait(ep, evs, 1024, started < n ? 1 : pending_retries ? 5 : 50);
        for (int e = 0; e < k; e++) {
            conn *c = evs[e].data.ptr;
            if (c->done)
                continue;
            if (evs[e].events & EPOLLOUT)
                flush_out(c);
            if (c->done || !(evs[e].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
                continue;
            for (;;) {
                if (c->rlen >= RBUF - 1) {
                    finish(c, -3);
                    break;
                }
                ssize_t r = recv(c->fd, c->rbuf + c->rlen, RBUF - 1 - c->rlen, 0);
                if (r < 0 && errno == EAGAIN)
                    break;
                if (r <= 0) {
                    finish(c, -4);
                    break;
                }
                c->rlen += (size_t)r;
                int status;
                char *body;
                if (parse(c, &status, &body)) {
                    on_response(c, status, body);
                    if (c->done)
                        break;
                }
            }
        }
    }
    int timed_out = 0;
    for (int i = 0; i < n; i++)
        if (!cs[i].done) {
            timed_out++;
            finish(&cs[i], -5);
        }
    double wall = (now_us() - t0) / 1e6;
    printf("buyers=%d first_step=%s%s wall_s=%.3f timed_out=%d\n", n, step_names[first_step],
           no_hold ? " (no holds: POST /api/v1/holds answered 404)" : "", wall, timed_out);
    printf("retries after 503 BUSY: %d (latencies include them; attempts/s counts each buyer's final answer)\n",
           nretries);
    double first_s = (first_last_us - t0) / 1e6, order_s = (order_last_us - t0) / 1e6,
           paid_s = (paid_last_us - t0) / 1e6;
    printf("%s attempts/s=%.0f (%d in %.3f s)\n", step_names[first_step], first_s > 0 ? nfirst / first_s : 0, nfirst,
           first_s);
    if (first_step != S_ORDER)
        printf("order attempts/s=%.0f (%d in %.3f s)\n", order_s > 0 ? norder / order_s : 0, norder, order_s);
    printf("paid=%d paid/s=%.0f (last PAID at %.3f s)\n", npaid, paid_s > 0 ? npaid / paid_s : 0, paid_s);
    double confirm_s = first_confirm_us ? (paid_last_us - first_confirm_us) / 1e6 : 0;
    printf("confirm phase: paid/s=%.0f (%d PAID in %.3f s from the first confirm sent)\n",
           confirm_s > 0 ? npaid / confirm_s : 0, npaid, confirm_s);
    if (rate > 0)
        printf("paced: buyers started at %.0f/s\n", rate);
    for (int s = first_step; s < NSTEPS; s++) {
        qsort(lat[s], (size_t)nlat[s], sizeof(int64_t), cmp64);
        printf("step %-12s n=%-5d p50=%.2f ms p99=%.2f ms max=%.2f ms codes:", step_names[s], nlat[s], pct(s, 0.50),
               pct(s, 0.99), pct(s, 1.0));
        for (int code = 0; code < 600; code++)
            if (codes[s][code])
                printf(" %d=%d", code, codes[s][code]);
        printf("\n");
    }
    if (rate > 0) { /* where the tail comes from: the first step's latency by when it was sent, 100 ms windows */
        int64_t *w = calloc((size_t)n + 1, sizeof(int64_t));
        for (int64_t from = 0;; from += 100000) {
            int k = 0, later = 0;
            for (int i = 0; i < n; i++) {
                if (first_at[i] >= from && first_at[i] < from + 100000)
                    w[k++] = first_lat[i];
                later |= first_at[i] >= from + 100000;
            }
            if (k) {
                qsort(w, (size_t)k, sizeof(int64_t), cmp64);
                printf("  %s sent at %4lld-%4lld ms: n=%-5d p50=%.2f ms p99=%.2f ms max=%.2f ms\n", step_names[first_step],
                       (long long)(from / 1000), (long long)(from / 1000 + 100), k, w[k / 2] / 1000.0,
                       w[(int)(0.99 * (k - 1) + 0.5)] / 1000.0, w[k - 1] / 1000.0);
            }
            if (!later)
                break;
        }
        free(w);
    }
    if (out_path) {
        FILE *o = fopen(out_path, "w");
        for (int i = 0; o && i < n; i++)
            fprintf(o, "%d %d %d %lld %s %d\n", i, cs[i].step, cs[i].status, (long long)cs[i].order_pk,
                    cs[i].order_id[0] ? cs[i].order_id : "-", cs[i].paid);
        if (o)
            fclose(o);
    }
    return timed_out ? 3 : 0;
}
