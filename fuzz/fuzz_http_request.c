/* fuzz_http_request: raw bytes of an HTTP/1.1 request → picohttpparser (phr_parse_request and
 * phr_decode_chunked, as exported by libh2o-evloop and used by h2o's HTTP/1 server) → the h2o
 * request fields Broadcart reads (lower-cased headers, query_at from h2o_url_normalize_path, the
 * entity framed by Transfer-Encoding: chunked or Content-Length) → Broadcart's request checks
 * (fz_prepare_request: route match against the real tables, body limit, loopback-only routes,
 * authorisation, body schema) → the accessors handlers use (path parameters, query decoding,
 * header lookup). Handlers are not run (they need a database).
 *
 * A request carrying the header "x-fuzz-loopback" is treated as coming from 127.0.0.1 (the
 * nginx-rtmp callbacks are loopback-only); every other one from 192.0.2.1. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

#include "fuzz_common.h"

/* picohttpparser as bundled in h2o 2.2 (libh2o-evloop exports it; Debian ships no header) */
struct phr_header {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
};
int phr_parse_request(const char *buf, size_t len, const char **method, size_t *method_len, const char **path,
                      size_t *path_len, int *minor_version, struct phr_header *headers, size_t *num_headers,
                      size_t last_len);
struct phr_chunked_decoder {
    size_t bytes_left_in_chunk;
    char consume_trailer;
    char _hex_count;
    char _state;
};
ssize_t phr_decode_chunked(struct phr_chunked_decoder *decoder, char *buf, size_t *bufsz);

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fz_init_process();
    fz_register_routes();
    /* server.c interposes phr_parse_request for the RFC 9112 §6.3 framing check: its lookup of
     * the library's parser must run before the first call */
    if (bc_http_framing_init() != BC_OK)
        abort();
    return 0;
}

static int header_is(const struct phr_header *h, const char *name)
{
    return h->name_len == strlen(name) && strncasecmp(h->name, name, h->name_len) == 0;
}

/* h2o_strtosize: decimal digits only, at most 20 of them, SIZE_MAX when malformed. */
static size_t parse_size(const char *s, size_t len)
{
    size_t v = 0;
    if (len == 0 || len > 20)
        return SIZE_MAX;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9' || v > (SIZE_MAX - 9) / 10)
            return SIZE_MAX;
        v = v * 10 + (size_t)(s[i] - '0');
    }
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data, *method, *path;
    size_t method_len, path_len, num_headers = FZ_MAX_HEADERS;
    struct phr_header phr[FZ_MAX_HEADERS];
    fz_header headers[FZ_MAX_HEADERS];
    int minor, loopback = 0;
    char *chunked = NULL;
    fz_hreq *h = NULL;
    bc_req r;
    int routed = 0;

    int hlen = phr_parse_request(buf, size, &method, &method_len, &path, &path_len, &minor, phr, &num_headers, 0);
    if (hlen < 0)
        return 0; /* -1: h2o answers 400; -2: h2o waits for more bytes */

    fz_input in = {.method = method,
                   .method_len = method_len,
                   .path = path,
                   .path_len = path_len,
                   .authority = "",
                   .authority_len = 0,
                   .headers = headers,
                   .nheaders = num_headers};
    ssize_t entity = -1; /* h2o: Transfer-Encoding wins over Content-Length; neither reaches the handler */
    size_t nh = 0;
    for (size_t i = 0; i < num_headers; i++) {
        if (phr[i].name == NULL)
            return 0; /* obs-fold continuation line: h2o answers 400 (line folding is not supported) */
        if (!header_is(&phr[i], "transfer-encoding") && !header_is(&phr[i], "content-length"))
            headers[nh++] = (fz_header){phr[i].name, phr[i].value, phr[i].name_len, phr[i].value_len};
        if (header_is(&phr[i], "host")) {
            in.authority = phr[i].value;
            in.authority_len = phr[i].value_len;
        } else if (header_is(&phr[i], "transfer-encoding")) {
            entity = (ssize_t)i;
        } else if (header_is(&phr[i], "content-length")) {
            if (entity == -1)
                entity = (ssize_t)i;
        } else if (header_is(&phr[i], "x-fuzz-loopback")) {
            loopback = 1;
        }
    }
    in.nheaders = nh;
    in.peer_loopback = loopback;
    const char *rest = buf + hlen;
    size_t rest_len = size - (size_t)hlen;
    if (entity >= 0 && header_is(&phr[entity], "transfer-encoding")) {
        if (phr[entity].value_len != 7 || strncasecmp(phr[entity].value, "chunked", 7) != 0)
            return 0; /* h2o: 400 */
        chunked = malloc(rest_len + 1);
        if (!chunked)
            return 0;
        memcpy(chunked, rest, rest_len);
        size_t n = rest_len;
        struct phr_chunked_decoder dec = {.consume_trailer = 1};
        ssize_t rc = phr_decode_chunked(&dec, chunked, &n);
        if (rc < 0) /* -1: malformed (400); -2: incomplete (h2o waits) */
            goto out;
        in.body = chunked;
        in.body_len = n;
    } else if (entity >= 0) {
        size_t cl = parse_size(phr[entity].value, phr[entity].value_len);
        if (cl == SIZE_MAX)
            return 0; /* h2o: 400 */
        if (cl > rest_len)
            return 0; /* h2o waits for the rest of the body */
        in.body = rest;
        in.body_len = cl;
    }

    h = malloc(sizeof *h);
    if (!h || fz_hreq_init(h, &in) != 0)
        goto out;
    int status = fz_prepare_request(h, &r, &routed);
    if (routed) {
        /* the first query-string name, so that any parameter name can be looked up */
        char extra[64] = "";
        if (h->req.query_at != SIZE_MAX) {
            const char *q = h->req.path.base + h->req.query_at + 1;
            size_t qlen = h->req.path.len - h->req.query_at - 1, n = 0;
            while (n < qlen && n < sizeof extra - 1 && q[n] != '=' && q[n] != '&' && q[n] != 0) {
                extra[n] = q[n];
                n++;
            }
            extra[n] = 0;
        }
        (void)status; /* the handler would run only at 0; the accessors are safe either way */
        if (status != 405)
            for (int i = 0; i < r.nparams; i++) /* a {name} segment is never empty and never spans a '/' */
                if (!*r.params[i].value || strchr(r.params[i].value, '/'))
                    abort();
        fz_read_request(&r, extra);
        bc_req_cleanup(&r);
    }
out:
    if (h)
        fz_hreq_dispose(h);
    free(h);
    free(chunked);
    return 0;
}
