/* fuzz_sandbox_form: the sandbox gateway's request parsing, through its real handlers (all
 * in-memory, no database): the checkout page's form-encoded query (orderId, amount, orderName,
 * successUrl, failUrl → bc_req_query / form_lookup), the payment-window JSON, the Toss API's
 * Basic auth, Idempotency-Key and TossPayments-Test-Code headers and JSON bodies; plus
 * bc_req_form (form_lookup on an application/x-www-form-urlencoded body, as the nginx-rtmp
 * callbacks read it) on every body.
 *
 * sandbox.c is compiled into this file with small table bounds (so eviction is reached) and its
 * state is emptied after every input, so an input replays alike. An input is a sequence of
 * requests separated by lines "%%"; each request is five lines and a body:
 *   <op><path parameter>   op: C checkout, P window payment, F confirm, G get, O get by orderId,
 *                          X cancel, R receipt; "@" as the parameter = the last paymentKey
 *   <query string>
 *   <Authorization value>
 *   <Idempotency-Key value>
 *   <TossPayments-Test-Code value>
 *   <body (to the end of the request)>; "@KEY@" in it becomes the last paymentKey */
#define SBX_MAX_PAYMENTS 64
#define SBX_MAX_IDEM 64
#include "../src/payments/sandbox.c"

#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_REQUESTS 16

static const struct {
    char op;
    const char *method, *prefix, *suffix;
} ops[] = {
    {'C', "GET", "/sandbox-pg/checkout", NULL},
    {'P', "POST", "/sandbox-pg/v1/sandbox/payments", NULL},
    {'F', "POST", "/sandbox-pg/v1/payments/confirm", NULL},
    {'G', "GET", "/sandbox-pg/v1/payments/", ""},
    {'O', "GET", "/sandbox-pg/v1/payments/orders/", ""},
    {'X', "POST", "/sandbox-pg/v1/payments/", "/cancel"},
    {'R', "GET", "/sandbox-pg/receipt/", ""},
};

static char last_key[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_init_process();
    bc_http_register(bc_sandbox_routes);
    return 0;
}

/* Frees every payment and idempotency entry. */
static void sandbox_reset(void)
{
    sbx_lock();
    while (S.pay_lru.next != &S.pay_lru)
        pay_evict((sbx_payment *)S.pay_lru.next);
    while (S.idem_lru.next != &S.idem_lru)
        idem_evict((sbx_idem *)S.idem_lru.next);
    sbx_unlock();
}

/* The next line of [*p, end) (without '\n'); *p moves past it. */
static size_t next_line(const char **p, const char *end, const char **line)
{
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    size_t n = nl ? (size_t)(nl - *p) : (size_t)(end - *p);
    *line = *p;
    *p = nl ? nl + 1 : end;
    return n;
}

/* s with every "@KEY@" replaced by last_key (malloc'd, NUL-terminated; *len updated). */
static char *expand(const char *s, size_t *len)
{
    size_t klen = strlen(last_key), cap = *len + 1, o = 0;
    for (size_t i = 0; i + 5 <= *len; i++)
        if (memcmp(s + i, "@KEY@", 5) == 0)
            cap += klen;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    for (size_t i = 0; i < *len;) {
        if (i + 5 <= *len && memcmp(s + i, "@KEY@", 5) == 0) {
            memcpy(out + o, last_key, klen);
            o += klen;
            i += 5;
        } else {
            out[o++] = s[i++];
        }
    }
    out[o] = 0;
    *len = o;
    return out;
}

static void one_request(const char *s, size_t len)
{
    const char *p = s, *end = s + len, *l[5];
    size_t n[5];
    for (int i = 0; i < 5; i++)
        n[i] = next_line(&p, end, &l[i]);
    if (n[0] < 1)
        return;
    int op = -1;
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (ops[i].op == l[0][0])
            op = (int)i;
    if (op < 0)
        return;
    const char *param = l[0] + 1;
    size_t param_len = n[0] - 1;
    if (param_len == 1 && param[0] == '@') {
        param = last_key;
        param_len = strlen(last_key);
    }
    if (!ops[op].suffix)
        param_len = 0;
    char path[2048];
    int plen = snprintf(path, sizeof path, "%s%.*s%s%s%.*s", ops[op].prefix, (int)param_len, param,
                        ops[op].suffix ? ops[op].suffix : "", n[1] ? "?" : "", (int)n[1], l[1]);
    if (plen < 0 || (size_t)plen >= sizeof path)
        return;
    size_t blen = (size_t)(end - p);
    char *body = expand(p, &blen);
    if (!body)
        return;
    fz_header headers[4] = {{"Authorization", l[2], 13, n[2]},
                            {"Idempotency-Key", l[3], 15, n[3]},
                            {"TossPayments-Test-Code", l[4], 22, n[4]},
                            {"Content-Type", "application/json", 12, 16}};
    fz_input in = {.method = ops[op].method,
                   .method_len = strlen(ops[op].method),
                   .path = path,
                   .path_len = (size_t)plen,
                   .authority = "127.0.0.1:8080",
                   .authority_len = 14,
                   .headers = headers,
                   .nheaders = 4,
                   .body = strcmp(ops[op].method, "POST") == 0 ? body : NULL,
                   .body_len = blen};
    fz_hreq h;
    bc_req r;
    int routed = 0;
    if (fz_hreq_init(&h, &in) == 0 && fz_prepare_request(&h, &r, &routed) == 0) {
        r.route->fn(&r);
        if (!r.res_set)
            abort(); /* every sandbox handler answers */
        const char *k = NULL;
        if (op == 1 && r.res_status == 201) { /* remember the new paymentKey */
            json_t *j = json_loads(r.res_body, 0, NULL);
            k = json_string_value(json_object_get(j, "paymentKey"));
            if (k)
                snprintf(last_key, sizeof last_key, "%s", k);
            json_decref(j);
        }
        static const char *const form_names[] = {"clientid", "name", "key", "call", "addr", "app", NULL};
        for (int i = 0; form_names[i]; i++) {
            const char *v = bc_req_form(&r, form_names[i]);
            volatile size_t sink = v ? strlen(v) : 0;
            (void)sink;
        }
    }
    if (routed)
        bc_req_cleanup(&r);
    fz_hreq_dispose(&h);
    free(body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data, *end = s + size;
    last_key[0] = 0;
    for (int i = 0; i < MAX_REQUESTS && s < end; i++) {
        const char *sep = NULL;
        for (const char *q = s; q + 3 <= end; q++) {
            if ((q == s || q[-1] == '\n') && memcmp(q, "%%", 2) == 0 && q[2] == '\n') {
                sep = q;
                break;
            }
        }
        size_t len = sep ? (size_t)(sep - s) : (size_t)(end - s);
        if (len && s[len - 1] == '\n' && sep)
            len--; /* the newline before "%%" ends the body */
        one_request(s, len);
        s = sep ? sep + 3 : end;
    }
    sandbox_reset();
    return 0;
}
