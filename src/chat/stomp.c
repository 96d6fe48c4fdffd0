/* STOMP 1.2 framing for the live room (see stomp.h). Loop thread only. */
#include "stomp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct stomp_state {
    int64_t live;
    int connected;
    char sub[128]; /* the subscription id ("" = none) */
    uint64_t beat_ms;
    uint64_t last_sent_ms;
    uint64_t next_id;
    int dead; /* ERROR sent: nothing more in or out */
} stomp_state;

typedef struct hdr {
    char name[64];
    char value[512];
} hdr;

typedef struct frame {
    char command[16];
    hdr h[BC_STOMP_MAX_HEADERS];
    int nh;
    const char *body;
    size_t body_len;
} frame;

static uint64_t now_ms(void) { return (uint64_t)bc_now_ms(); }

/* Appends s escaped as a header value (STOMP 1.2 "Value Encoding") to out (cap bytes, NUL-terminated). */
static void escape(const char *s, char *out, size_t cap)
{
    size_t o = 0;
    for (; *s && o + 3 < cap; s++) {
        const char *e = *s == '\n' ? "\\n" : *s == '\r' ? "\\r" : *s == ':' ? "\\c" : *s == '\\' ? "\\\\" : NULL;
        if (e) {
            out[o++] = e[0];
            out[o++] = e[1];
        } else {
            out[o++] = *s;
        }
    }
    out[o] = 0;
}

static void send_frame(bc_ws *ws, const char *text, size_t len, int queue_only)
{
    stomp_state *st = bc_ws_codec_state(ws);
    st->last_sent_ms = now_ms();
    if (queue_only)
        bc_ws_queue_raw(ws, text, len);
    else
        bc_ws_send_raw(ws, text, len);
}

static const char *header(const frame *f, const char *name)
{
    for (int i = 0; i < f->nh; i++) /* the first of repeated headers wins (STOMP 1.2 "Repeated Header Entries") */
        if (strcmp(f->h[i].name, name) == 0)
            return f->h[i].value;
    return NULL;
}

/* Sends ERROR (message, with the frame's receipt when any) and closes the connection. */
static void fail(bc_ws *ws, const frame *f, const char *message)
{
    stomp_state *st = bc_ws_codec_state(ws);
    char buf[1024], msg[256], rid[160] = "";
    const char *receipt = f ? header(f, "receipt") : NULL;
    escape(message, msg, sizeof msg);
    if (receipt) {
        char r[128];
        escape(receipt, r, sizeof r);
        snprintf(rid, sizeof rid, "receipt-id:%s\n", r);
    }
    int n = snprintf(buf, sizeof buf, "ERROR\nmessage:%s\n%scontent-type:text/plain\ncontent-length:%zu\n\n%s", msg,
                     rid, strlen(message), message);
    if (n > 0 && (size_t)n < sizeof buf) {
        buf[n] = 0;
        send_frame(ws, buf, (size_t)n + 1, 0);
    }
    st->dead = 1;
    bc_ws_close(ws, 1002, "STOMP error");
}

static void receipt(bc_ws *ws, const frame *f)
{
    const char *r = header(f, "receipt");
    if (!r)
        return;
    char buf[300], e[200];
    escape(r, e, sizeof e);
    int n = snprintf(buf, sizeof buf, "RECEIPT\nreceipt-id:%s\n\n", e);
    if (n > 0 && (size_t)n < sizeof buf) {
        buf[n] = 0;
        send_frame(ws, buf, (size_t)n + 1, 0);
    }
}

/* Reads one line (up to "\n", a preceding "\r" dropped) at *pos; returns its length or -1. */
static long read_line(const char *d, size_t len, size_t *pos, const char **line)
{
    size_t s = *pos;
    const char *nl = memchr(d + s, '\n', len - s);
    if (!nl)
        return -1;
    size_t e = (size_t)(nl - d);
    *pos = e + 1;
    *line = d + s;
    if (e > s && d[e - 1] == '\r')
        e--;
    return (long)(e - s);
}

/* Copies a header name or value, undoing the escapes unless raw (CONNECT/CONNECTED). -1: bad escape or too long. */
static int unescape(const char *s, size_t n, char *out, size_t cap, int raw)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '\\' && !raw) {
            if (++i >= n)
                return -1;
            c = s[i] == 'n' ? '\n' : s[i] == 'r' ? '\r' : s[i] == 'c' ? ':' : s[i] == '\\' ? '\\' : 0;
            if (!c)
                return -1; /* "undefined escape sequences ... MUST be treated as a fatal protocol error" */
        }
        if (o + 1 >= cap || c == 0)
            return -1;
        out[o++] = c;
    }
    out[o] = 0;
    return 0;
}

/* Parses the frame at *pos. Returns 1 (a frame), 0 (only heart-beats left) or -1 with *why set. */
static int parse(const char *d, size_t len, size_t *pos, frame *f, const char **why)
{
    while (*pos < len && (d[*pos] == '\n' || (d[*pos] == '\r' && *pos + 1 < len && d[*pos + 1] == '\n')))
        *pos += d[*pos] == '\r' ? 2 : 1; /* heart-beats */
    if (*pos >= len)
        return 0;
    const char *line;
    long n = read_line(d, len, pos, &line);
    if (n <= 0 || (size_t)n >= sizeof f->command) {
        *why = "malformed frame: no command line";
        return -1;
    }
    memcpy(f->command, line, (size_t)n);
    f->command[n] = 0;
    int raw = strcmp(f->command, "CONNECT") == 0 || strcmp(f->command, "STOMP") == 0;
    f->nh = 0;
    for (;;) {
        n = read_line(d, len, pos, &line);
        if (n < 0) {
            *why = "malformed frame: headers not terminated";
            return -1;
        }
        if (n == 0)
            break;
        const char *colon = memchr(line, ':', (size_t)n);
        if (!colon || f->nh >= BC_STOMP_MAX_HEADERS) {
            *why = colon ? "too many headers" : "malformed header";
            return -1;
        }
        hdr *h = &f->h[f->nh];
        if (unescape(line, (size_t)(colon - line), h->name, sizeof h->name, raw) != 0 ||
            unescape(colon + 1, (size_t)(line + n - colon - 1), h->value, sizeof h->value, raw) != 0) {
            *why = "bad header escape or header too long";
            return -1;
        }
        f->nh++;
    }
    const char *cl = header(f, "content-length");
    size_t blen;
    if (cl) {
        char *end;
        unsigned long v = strtoul(cl, &end, 10);
        if (*cl < '0' || *cl > '9' || *end || v > len - *pos || *pos + v >= len || d[*pos + v] != 0) {
            *why = "content-length does not match the frame";
            return -1;
        }
        blen = v;
    } else {
        const char *nul = memchr(d + *pos, 0, len - *pos);
        if (!nul) {
            *why = "frame not terminated by NUL";
            return -1;
        }
        blen = (size_t)(nul - (d + *pos));
    }
    f->body = d + *pos;
    f->body_len = blen;
    *pos += blen + 1;
    return 1;
}

static int has_version_12(const char *v)
{
    if (!v)
        return 0;
    for (const char *p = v; (p = strstr(p, "1.2")); p += 3)
        if ((p == v || p[-1] == ',') && (p[3] == 0 || p[3] == ','))
            return 1;
    return 0;
}

static void on_connect(bc_ws *ws, stomp_state *st, const frame *f)
{
    if (st->connected) {
        fail(ws, f, "already connected");
        return;
    }
    if (!has_version_12(header(f, "accept-version"))) {
        fail(ws, f, "this server speaks STOMP 1.2 only (accept-version must list 1.2)");
        return;
    }
    unsigned long cx = 0, cy = 0;
    const char *hb = header(f, "heart-beat");
    if (hb && sscanf(hb, "%lu,%lu", &cx, &cy) != 2) {
        fail(ws, f, "malformed heart-beat header");
        return;
    }
    st->beat_ms = cy ? (cy < BC_STOMP_MIN_BEAT_MS ? BC_STOMP_MIN_BEAT_MS : cy) : 0;
    st->connected = 1;
    char buf[256];
    int n =
        snprintf(buf, sizeof buf, "CONNECTED\nversion:1.2\nheart-beat:%llu,0\nserver:broadcart/0.1\nsession:%llu\n\n",
                 (unsigned long long)st->beat_ms, (unsigned long long)bc_ws_id(ws));
    buf[n] = 0;
    send_frame(ws, buf, (size_t)n + 1, 0);
}

/* Whether dest is prefix + this live's id + suffix. */
static int is_dest(const char *dest, const char *prefix, int64_t live, const char *suffix)
{
    char want[96];
    snprintf(want, sizeof want, "%s%lld%s", prefix, (long long)live, suffix);
    return dest && strcmp(dest, want) == 0;
}

static void on_frame(bc_ws *ws, stomp_state *st, const frame *f)
{
    const char *c = f->command;
    if (strcmp(c, "CONNECT") == 0 || strcmp(c, "STOMP") == 0) {
        on_connect(ws, st, f);
        return;
    }
    if (!st->connected) {
        fail(ws, f, "send CONNECT first");
        return;
    }
    if (strcmp(c, "SUBSCRIBE") == 0) {
        const char *id = header(f, "id"), *ack = header(f, "ack");
        if (!id || !*id || strlen(id) >= sizeof st->sub) {
            fail(ws, f, "SUBSCRIBE needs an id header");
            return;
        }
        if (!is_dest(header(f, "destination"), "/topic/lives/", st->live, "")) {
            fail(ws, f, "unknown destination: subscribe to /topic/lives/{id} of this connection's live");
            return;
        }
        if (ack && strcmp(ack, "auto") != 0) {
            fail(ws, f, "only ack:auto is supported");
            return;
        }
        if (st->sub[0] && strcmp(st->sub, id) != 0) {
            fail(ws, f, "one subscription per connection");
            return;
        }
        snprintf(st->sub, sizeof st->sub, "%s", id);
    } else if (strcmp(c, "UNSUBSCRIBE") == 0) {
        const char *id = header(f, "id");
        if (!id || strcmp(id, st->sub) != 0) {
            fail(ws, f, "UNSUBSCRIBE: no subscription with this id");
            return;
        }
        st->sub[0] = 0;
    } else if (strcmp(c, "SEND") == 0) {
        if (!is_dest(header(f, "destination"), "/app/lives/", st->live, "/chat")) {
            fail(ws, f, "unknown destination: send to /app/lives/{id}/chat of this connection's live");
            return;
        }
        if (f->body_len > 0 && f->body[0] == '{') {
            bc_ws_pass(ws, f->body, f->body_len);
        } else {
            json_t *m = json_pack("{s:s,s:s%}", "type", "chat", "text", f->body, f->body_len);
            char *s = m ? json_dumps(m, JSON_COMPACT) : NULL;
            if (s)
                bc_ws_pass(ws, s, strlen(s));
            else
                bc_ws_pass(ws, "{}", 2); /* not UTF-8: answered INVALID_MESSAGE */
            free(s);
            json_decref(m);
        }
    } else if (strcmp(c, "ACK") == 0 || strcmp(c, "NACK") == 0) {
        /* ack:auto: nothing to acknowledge */
    } else if (strcmp(c, "DISCONNECT") == 0) {
        receipt(ws, f);
        st->dead = 1;
        bc_ws_close(ws, 1000, "bye");
        return;
    } else if (strcmp(c, "BEGIN") == 0 || strcmp(c, "COMMIT") == 0 || strcmp(c, "ABORT") == 0) {
        fail(ws, f, "transactions are not supported");
        return;
    } else {
        fail(ws, f, "unknown command");
        return;
    }
    receipt(ws, f);
}

static void decode(bc_ws *ws, const char *data, size_t len)
{
    stomp_state *st = bc_ws_codec_state(ws);
    size_t pos = 0;
    frame *f = malloc(sizeof *f);
    if (!f)
        return;
    while (!st->dead) {
        const char *why = NULL;
        int r = parse(data, len, &pos, f, &why);
        if (r == 0)
            break;
        if (r < 0) {
            fail(ws, NULL, why);
            break;
        }
        on_frame(ws, st, f);
    }
    free(f);
}

static void encode(bc_ws *ws, const char *json, size_t len, int64_t seq)
{
    (void)seq;
    stomp_state *st = bc_ws_codec_state(ws);
    if (!st->connected || !st->sub[0] || st->dead)
        return;
    char head[512], sub[256];
    escape(st->sub, sub, sizeof sub);
    int n = snprintf(head, sizeof head,
                     "MESSAGE\ndestination:/topic/lives/%lld\nmessage-id:%llu\nsubscription:%s\n"
                     "content-type:application/json\ncontent-length:%zu\n\n",
                     (long long)st->live, (unsigned long long)++st->next_id, sub, len);
    char *buf = malloc((size_t)n + len + 1);
    if (!buf)
        return;
    memcpy(buf, head, (size_t)n);
    memcpy(buf + n, json, len);
    buf[(size_t)n + len] = 0;
    send_frame(ws, buf, (size_t)n + len + 1, 1);
    free(buf);
}

static void tick(bc_ws *ws, uint64_t now)
{
    (void)now;
    stomp_state *st = bc_ws_codec_state(ws);
    uint64_t t = now_ms();
    if (st->connected && !st->dead && st->beat_ms && t - st->last_sent_ms + 100 >= st->beat_ms)
        send_frame(ws, "\n", 1, 0); /* a heart-beat is one EOL */
}

static void codec_close(bc_ws *ws) { free(bc_ws_codec_state(ws)); }

static const bc_ws_codec stomp_codec = {encode, decode, tick, codec_close};

void bc_stomp_attach(bc_ws *ws, int64_t live)
{
    stomp_state *st = calloc(1, sizeof *st);
    if (!st)
        return;
    st->live = live;
    st->last_sent_ms = now_ms();
    bc_ws_set_codec(ws, &stomp_codec, st);
}
