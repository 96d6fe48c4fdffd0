/* Logging, arena, time and random helpers. */
#include "core.h"

#include <errno.h>
#include <sys/stat.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static enum bc_log_level log_level = BC_LOG_INFO;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static __thread const char *log_request_id;
static int log_json; /* bc_log_set_json */

void bc_log_set_level(enum bc_log_level level) { log_level = level; }
void bc_log_set_json(int json) { log_json = json; }
int bc_log_enabled(enum bc_log_level level) { return level >= log_level; }
void bc_log_set_request_id(const char *id) { log_request_id = id; }
const char *bc_log_request_id(void) { return log_request_id; }

/* Length of the bidi control at s (UTF-8), or 0: U+061C ALM (D8 9C), U+200E/U+200F LRM/RLM
 * (E2 80 8E/8F), U+202A..U+202E embeddings and overrides (E2 80 AA..AE), U+2066..U+2069 isolates
 * (E2 81 A6..A9) — Unicode UAX #9 §2 explicit formatting characters. */
static size_t bidi_len(const unsigned char *s)
{
    if (s[0] == 0xD8 && s[1] == 0x9C)
        return 2;
    if (s[0] == 0xE2 && s[1] == 0x80 && (s[2] == 0x8E || s[2] == 0x8F || (s[2] >= 0xAA && s[2] <= 0xAE)))
        return 3;
    if (s[0] == 0xE2 && s[1] == 0x81 && s[2] >= 0xA6 && s[2] <= 0xA9)
        return 3;
    return 0;
}

size_t bc_log_escape(const char *in, char *out, size_t outlen)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)in;
    size_t o = 0;
    if (outlen == 0)
        return 0;
    while (*s) {
        char esc[12];
        size_t n = 0, skip = 1, blen;
        if (*s < 0x20 || *s == 0x7F) {
            n = (size_t)snprintf(esc, sizeof esc, "\\x%c%c", hex[*s >> 4], hex[*s & 15]);
        } else if (*s == '\\') {
            n = (size_t)snprintf(esc, sizeof esc, "\\\\");
        } else if (s[0] == 0xC2 && s[1] >= 0x80 && s[1] <= 0x9F) { /* C1 controls U+0080..U+009F */
            n = (size_t)snprintf(esc, sizeof esc, "\\u%04x", s[1]);
            skip = 2;
        } else if ((blen = bidi_len(s)) != 0) {
            unsigned cp = blen == 2 ? 0x061C : (unsigned)((s[0] & 0x0F) << 12 | (s[1] & 0x3F) << 6 | (s[2] & 0x3F));
            n = (size_t)snprintf(esc, sizeof esc, "\\u%04x", cp);
            skip = blen;
        }
        if (n == 0) {
            if (o + 1 >= outlen)
                break;
            out[o++] = (char)*s++;
            continue;
        }
        if (o + n >= outlen)
            break;
        memcpy(out + o, esc, n);
        o += n;
        s += skip;
    }
    out[o] = 0;
    return o;
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when s does not start one (RFC 3629 §4:
 * no overlong forms, no surrogates, nothing above U+10FFFF). */
static size_t utf8_len(const unsigned char *s)
{
    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xC2 && s[0] <= 0xDF)
        return (s[1] & 0xC0) == 0x80 ? 2 : 0;
    if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        unsigned lo = s[0] == 0xE0 ? 0xA0 : 0x80, hi = s[0] == 0xED ? 0x9F : 0xBF;
        return s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80 ? 3 : 0;
    }
    if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        unsigned lo = s[0] == 0xF0 ? 0x90 : 0x80, hi = s[0] == 0xF4 ? 0x8F : 0xBF;
        return s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80 && (s[3] & 0xC0) == 0x80 ? 4 : 0;
    }
    return 0;
}

/* Appends in as the contents of a JSON string (RFC 8259 §7) to out (outlen bytes, NUL-terminated,
 * cut before an escape or character that does not fit): quote and backslash escaped, C0 controls,
 * DEL, C1 controls and the bidi controls as \uNNNN (\n, \t, \r for those), invalid UTF-8 as
 * \ufffd. Returns the new length. */
static size_t json_escape(const char *in, char *out, size_t o, size_t outlen)
{
    static const char hex[] = "0123456789abcdef";
    for (const unsigned char *s = (const unsigned char *)in; *s;) {
        char esc[8];
        size_t n = 0, skip = utf8_len(s), blen;
        if (skip == 0) {
            n = (size_t)snprintf(esc, sizeof esc, "\\ufffd");
            skip = 1;
        } else if (*s == '"' || *s == '\\') {
            esc[0] = '\\', esc[1] = (char)*s, n = 2;
        } else if (*s == '\n' || *s == '\t' || *s == '\r') {
            esc[0] = '\\', esc[1] = *s == '\n' ? 'n' : *s == '\t' ? 't' : 'r', n = 2;
        } else if (*s < 0x20 || *s == 0x7F) {
            n = (size_t)snprintf(esc, sizeof esc, "\\u00%c%c", hex[*s >> 4], hex[*s & 15]);
        } else if (s[0] == 0xC2 && s[1] <= 0x9F) { /* C1 controls U+0080..U+009F */
            n = (size_t)snprintf(esc, sizeof esc, "\\u00%c%c", hex[s[1] >> 4], hex[s[1] & 15]);
        } else if ((blen = bidi_len(s)) != 0) {
            unsigned cp = blen == 2 ? 0x061C : (unsigned)((s[0] & 0x0F) << 12 | (s[1] & 0x3F) << 6 | (s[2] & 0x3F));
            n = (size_t)snprintf(esc, sizeof esc, "\\u%04x", cp);
        }
        const char *src = n ? esc : (const char *)s;
        size_t len = n ? n : skip;
        if (o + len >= outlen)
            break;
        memcpy(out + o, src, len);
        o += len;
        s += skip;
    }
    out[o] = 0;
    return o;
}

/* The JSON form of a log line (see bc_log_set_json). */
static void log_json_line(enum bc_log_level level, const char *module, const char *msg, const char *rid)
{
    static const char *names[] = {"debug", "info", "warn", "error"};
    char ts[32], line[8192];
    bc_time_iso(bc_now_ms(), ts, sizeof ts);
    size_t o = (size_t)snprintf(line, sizeof line, "{\"ts\":\"%s\",\"level\":\"%s\",\"module\":\"", ts, names[level]);
    o = json_escape(module, line, o, sizeof line - 64);
    o += (size_t)snprintf(line + o, sizeof line - o, "\",\"msg\":\"");
    o = json_escape(msg, line, o, sizeof line - 256);
    if (rid) {
        o += (size_t)snprintf(line + o, sizeof line - o, "\",\"request_id\":\"");
        o = json_escape(rid, line, o, sizeof line - 8);
    }
    snprintf(line + o, sizeof line - o, "\"}\n");
    pthread_mutex_lock(&log_lock);
    fputs(line, stderr);
    pthread_mutex_unlock(&log_lock);
}

void bc_log(enum bc_log_level level, const char *module, const char *fmt, ...)
{
    static const char *names[] = {"DEBUG", "INFO", "WARN", "ERROR"};
    if (level < log_level)
        return;
    char ts[32], msg[1024], clean[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (log_json) {
        log_json_line(level, module, msg, log_request_id);
        return;
    }
    bc_log_escape(msg, clean, sizeof clean);
    bc_time_iso(bc_now_ms(), ts, sizeof ts);
    const char *rid = log_request_id;
    pthread_mutex_lock(&log_lock);
    if (rid)
        fprintf(stderr, "%s %s %s: %s rid=%s\n", ts, names[level], module, clean, rid);
    else
        fprintf(stderr, "%s %s %s: %s\n", ts, names[level], module, clean);
    pthread_mutex_unlock(&log_lock);
}

/* ---- arena ---- */
typedef struct arena_chunk {
    struct arena_chunk *next;
    size_t used, cap;
    _Alignas(16) unsigned char data[];
} arena_chunk;

struct bc_arena {
    arena_chunk *head;
};

bc_arena *bc_arena_create(void) { return calloc(1, sizeof(bc_arena)); }

void bc_arena_destroy(bc_arena *a)
{
    if (!a)
        return;
    for (arena_chunk *c = a->head, *n; c; c = n) {
        n = c->next;
        free(c);
    }
    free(a);
}

void *bc_arena_alloc(bc_arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (!a->head || a->head->cap - a->head->used < n) {
        size_t cap = n > 3968 ? n : 3968;
        arena_chunk *c = malloc(sizeof *c + cap);
        if (!c)
            abort();
        c->cap = cap;
        c->used = 0;
        c->next = a->head;
        a->head = c;
    }
    void *p = a->head->data + a->head->used;
    a->head->used += n;
    return p;
}

char *bc_arena_strndup(bc_arena *a, const char *s, size_t n)
{
    char *p = bc_arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

char *bc_arena_strdup(bc_arena *a, const char *s) { return bc_arena_strndup(a, s, strlen(s)); }

char *bc_arena_printf(bc_arena *a, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *p = bc_arena_alloc(a, (size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return p;
}

/* ---- time ---- */
int64_t bc_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

char *bc_time_iso(int64_t ms, char *buf, size_t len)
{
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
             tm.tm_min, tm.tm_sec, (int)(ms % 1000));
    return buf;
}

static int digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if ((*p)[i] < '0' || (*p)[i] > '9')
            return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

int bc_time_parse(const char *s, int64_t *out_ms)
{
    int Y, M, D, h, m, sec = 0, ms = 0, off = 0;
    const char *p = s;
    if (!s || digits(&p, 4, &Y) || *p++ != '-' || digits(&p, 2, &M) || *p++ != '-' || digits(&p, 2, &D))
        return BC_EINVAL;
    if ((*p != 'T' && *p != ' ') || (p++, digits(&p, 2, &h)) || *p++ != ':' || digits(&p, 2, &m))
        return BC_EINVAL;
    if (*p == ':') {
        p++;
        if (digits(&p, 2, &sec))
            return BC_EINVAL;
        if (*p == '.') {
            p++;
            int frac = 0, nd = 0;
            while (*p >= '0' && *p <= '9') {
                if (nd < 3)
                    frac = frac * 10 + (*p - '0');
                nd++;
                p++;
            }
            if (nd == 0)
                return BC_EINVAL;
            for (; nd < 3; nd++)
                frac *= 10;
            ms = frac;
        }
    }
    if (*p == 'Z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1, oh, om;
        if (digits(&p, 2, &oh) || *p++ != ':' || digits(&p, 2, &om) || oh > 23 || om > 59)
            return BC_EINVAL;
        off = sign * (oh * 60 + om);
    } else {
        return BC_EINVAL;
    }
    if (*p || M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60 || Y < 1970 || Y > 9999)
        return BC_EINVAL;
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (Y % 4 == 0 && Y % 100 != 0) || Y % 400 == 0;
    if (D > mdays[M - 1] + (M == 2 && leap))
        return BC_EINVAL;
    /* days from civil (Howard Hinnant's algorithm) */
    int y = Y - (M <= 2);
    int era = y / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153u * (unsigned)(M + (M > 2 ? -3 : 9)) + 2) / 5 + (unsigned)D - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = (int64_t)era * 146097 + (int64_t)doe - 719468;
    *out_ms = ((days * 86400 + h * 3600 + m * 60 + sec) - (int64_t)off * 60) * 1000 + ms;
    return BC_OK;
}

void bc_rand_token(char *out, size_t n)
{
    static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    for (size_t i = 0; i < n; i++)
        out[i] = al[randombytes_uniform(sizeof al - 1)];
    out[n] = 0;
}

int bc_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
    if (!s || !*s)
        return BC_EINVAL;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return BC_EINVAL;
    *out = v;
    return BC_OK;
}

size_t bc_utf8_len(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

/* Decodes one UTF-8 sequence of the left (>= 1) bytes at s into *cp. Returns its length, or 0
 * for an invalid, overlong or cut-short sequence, a surrogate or a code point past U+10FFFF. */
static size_t utf8_decode(const unsigned char *s, size_t left, uint32_t *cp)
{
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    size_t n = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
    if (n == 0 || s[0] > 0xf4 || n > left)
        return 0;
    uint32_t c = s[0] & (0x3fu >> (n - 1));
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3fu);
    }
    static const uint32_t min_cp[] = {0, 0, 0x80, 0x800, 0x10000};
    if (c < min_cp[n] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return n;
}

/* Scrubs invalid UTF-8 (see core.h). */
void bc_utf8_scrub(char *s)
{
    size_t len = strlen(s);
    for (size_t i = 0; i < len;) {
        uint32_t c;
        size_t k = utf8_decode((unsigned char *)s + i, len - i, &c);
        if (k == 0) {
            s[i++] = '?';
            continue;
        }
        i += k;
    }
}

/* The one text rule (see core.h). */
int bc_utf8_check(const char *text, size_t n, enum bc_text kind, uint32_t *bad, size_t *at)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t chars = 0;
    for (size_t i = 0; i < n;) {
        uint32_t c = 0;
        size_t k = utf8_decode(s + i, n - i, &c);
        int refused;
        chars++;
        if (k == 0) {
            c = UINT32_MAX;
            refused = 1;
        } else if (kind == BC_TEXT_OPAQUE) {
            refused = c == 0;
        } else if (c < 0x20) {
            refused = !(kind == BC_TEXT_MULTI && (c == '\n' || c == '\t'));
        } else {
            refused = (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) ||
                      c == 0x2028 || c == 0x2029;
        }
        if (refused) {
            if (bad)
                *bad = c;
            if (at)
                *at = chars;
            return BC_EINVAL;
        }
        i += k;
    }
    return BC_OK;
}

int bc_mkdirs(const char *path)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s", path) >= (int)sizeof tmp) {
        errno = ENAMETOOLONG;
        return BC_ERR;
    }
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
            return BC_ERR;
        *p = '/';
    }
    return mkdir(tmp, 0755) == 0 || errno == EEXIST ? BC_OK : BC_ERR;
}

void bc_buf_init(bc_buf *b, size_t cap) { *b = (bc_buf){.cap = cap}; }

int bc_buf_add(bc_buf *b, const void *p, size_t n)
{
    if (n > b->cap - b->len)
        return BC_ENOMEM;
    if (b->len + n + 1 > b->alloc) {
        size_t alloc = b->alloc ? b->alloc : 1024;
        while (alloc < b->len + n + 1)
            alloc *= 2;
        char *d = realloc(b->data, alloc);
        if (!d)
            abort();
        b->data = d;
        b->alloc = alloc;
    }
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = 0;
    return BC_OK;
}

void bc_buf_free(bc_buf *b)
{
    free(b->data);
    *b = (bc_buf){.cap = b->cap};
}

int bc_buf_add_str(bc_buf *b, const char *s) { return bc_buf_add(b, s, strlen(s)); }

int bc_buf_add_html(bc_buf *b, const char *s)
{
    int rc = BC_OK;
    for (; *s && rc == BC_OK; s++) {
        switch (*s) {
        case '&':
            rc = bc_buf_add_str(b, "&amp;");
            break;
        case '<':
            rc = bc_buf_add_str(b, "&lt;");
            break;
        case '>':
            rc = bc_buf_add_str(b, "&gt;");
            break;
        case '"':
            rc = bc_buf_add_str(b, "&quot;");
            break;
        case '\'':
            rc = bc_buf_add_str(b, "&#39;");
            break;
        default:
            rc = bc_buf_add(b, s, 1);
            break;
        }
    }
    return rc;
}

size_t bc_buf_curl_write(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    size_t n = size * nmemb;
    return bc_buf_add(userdata, ptr, n) == BC_OK ? n : 0;
}

void bc_str_copy(char *dst, size_t cap, const char *text)
{
    size_t n = text ? strlen(text) : 0;
    if (cap == 0)
        return;
    if (n >= cap) {
        n = cap - 1;
        while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80)
            n--;
    }
    if (n)
        memcpy(dst, text, n);
    dst[n] = '\0';
}
