/* Notifications: the store code (the module's only SQL), the mail sender and the push poller. */
#include "notices.h"

#include <curl/curl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../accounts/accounts.h"

#define MAIL_BATCH 20
#define MAIL_CLAIM_MS 60000 /* a claimed mail whose sender died is taken again after this */
#define PUSH_BATCH 500
#define MAX_GAPS 1024
#define GAP_CHECK 16 /* gaps looked at again per look (the placeholders of poll_gaps) */

/* ---- store ---- */

/* Copies s into out (cap bytes) with CR, LF and tabs turned into spaces (a header-safe line). */
static void one_line(const char *s, char *out, size_t cap)
{
    size_t i = 0;
    for (; s && *s && i + 1 < cap; s++)
        out[i++] = (*s == '\r' || *s == '\n' || *s == '\t') ? ' ' : *s;
    out[i] = 0;
}

/* Writes the notice row and its outbox mail (to user's account e-mail) in the caller's transaction.
 * BC_OK or a store error. */
static int insert_notice(bc_db *db, const json_t *user, int64_t user_id, const char *kind, int64_t order_row_id,
                         const char *order_id, const char *text, const char *subject, const char *body)
{
    int64_t now = bc_now_ms(), id = 0;
    int rc;
    if (order_row_id > 0)
        rc = bc_db_int(db, &id,
                       "INSERT INTO notices (user_id, kind, order_row_id, order_id, text, created_at)"
                       " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                       "ititti", user_id, kind, order_row_id, order_id, text, now);
    else
        rc = bc_db_int(db, &id,
                       "INSERT INTO notices (user_id, kind, order_row_id, order_id, text, created_at)"
                       " VALUES (?, ?, NULL, ?, ?, ?) RETURNING id",
                       "ittti", user_id, kind, order_id, text, now);
    if (rc != 1)
        return rc < 0 ? rc : BC_ERR;
    const char *to = json_string_value(json_object_get(user, "email"));
    rc = bc_db_exec(db,
                    "INSERT INTO notice_mails (notice_id, to_addr, subject, body, status, next_at, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    "ittttii", id, to ? to : "", subject, body, bc_cfg.smtp_url[0] ? "PENDING" : "KEPT", now, now);
    return rc < 0 ? rc : BC_OK;
}

int bc_notice_add(bc_db *db, int64_t user_id, const char *kind, int64_t order_row_id, const char *order_id,
                  const char *text)
{
    json_t *user = NULL;
    char *subject = NULL, *body = NULL;
    int rc = BC_EINVAL;
    if (!db || user_id <= 0 || !kind || !*kind || bc_utf8_len(kind) > BC_NOTICE_KIND_MAX || !text || !*text ||
        bc_utf8_len(text) > BC_NOTICE_TEXT_MAX || order_row_id < 0 || (order_id && strlen(order_id) > 64))
        goto out;
    if ((rc = bc_accounts_user_get(db, user_id, 0, &user)) != BC_OK)
        goto out;
    char line[BC_NOTICE_TEXT_MAX * 4 + 1];
    one_line(text, line, sizeof line);
    int link = order_row_id > 0 && bc_cfg.public_url[0];
    if (asprintf(&subject, "[Broadcart] %s%s%s", line, order_id ? " - " : "", order_id ? order_id : "") < 0)
        subject = NULL;
    char url[sizeof bc_cfg.public_url + 48] = "";
    if (link)
        snprintf(url, sizeof url, "%s/#/orders/%lld\n", bc_cfg.public_url, (long long)order_row_id);
    if (asprintf(&body, "%s\n\n%s%s%s%s\n-- \nBroadcart\n", text, order_id ? "주문번호 / Order number: " : "",
                 order_id ? order_id : "", order_id ? "\n" : "", url) < 0)
        body = NULL;
    if (!subject || !body) {
        rc = BC_ENOMEM;
        goto out;
    }
    rc = insert_notice(db, user, user_id, kind, order_row_id, order_id, text, subject, body);
out:
    free(subject);
    free(body);
    json_decref(user);
    return rc;
}

int bc_notice_add_mail(bc_db *db, int64_t user_id, const char *kind, const char *text, const char *subject,
                       const char *body)
{
    json_t *user = NULL;
    int rc = BC_EINVAL;
    if (!db || user_id <= 0 || !kind || strncmp(kind, "account.", 8) != 0 || bc_utf8_len(kind) > BC_NOTICE_KIND_MAX ||
        !text || !*text || bc_utf8_len(text) > BC_NOTICE_TEXT_MAX || !subject || !body)
        goto out;
    if ((rc = bc_accounts_user_get(db, user_id, 0, &user)) != BC_OK)
        goto out;
    char line[512];
    one_line(subject, line, sizeof line);
    rc = insert_notice(db, user, user_id, kind, 0, NULL, text, line, body);
out:
    json_decref(user);
    return rc;
}

/* The body an account mail's row keeps once it left (or gave up): its link must not stay readable. */
#define MAIL_SCRUBBED "(account mail: the body with its link is not kept after sending)"
#define SCRUB_ACCOUNT_MAIL                                                                                             \
    "UPDATE notice_mails SET body = '" MAIL_SCRUBBED "' WHERE id = ? AND notice_id IN"                                 \
    " (SELECT id FROM notices WHERE kind LIKE 'account.%')"

/* Adds "read" (boolean, from read_at) to a notices row. */
static void notice_shape(json_t *row)
{
    json_object_set_new(row, "read", json_boolean(!json_is_null(json_object_get(row, "read_at"))));
}

static int unread_count(bc_db *db, int64_t user_id, int64_t *n)
{
    int rc = bc_db_int(db, n, "SELECT count(*) FROM notices WHERE user_id = ? AND read_at IS NULL", "i", user_id);
    return rc < 0 ? rc : BC_OK;
}

int bc_notice_list(bc_db *db, int64_t user_id, int64_t page, int64_t per_page, int unread_only, json_t **out)
{
    json_t *items = NULL;
    int64_t total = 0, unread = 0;
    int rc;
    *out = NULL;
    if (unread_only)
        rc = bc_db_int(db, &total, "SELECT count(*) FROM notices WHERE user_id = ? AND read_at IS NULL", "i", user_id);
    else
        rc = bc_db_int(db, &total, "SELECT count(*) FROM notices WHERE user_id = ?", "i", user_id);
    if (rc < 0)
        goto out;
    if ((rc = unread_count(db, user_id, &unread)) != BC_OK)
        goto out;
    if (unread_only)
        rc = bc_db_rows(db, &items,
                        "SELECT id, kind, order_row_id, order_id, text, read_at, created_at FROM notices"
                        " WHERE user_id = ? AND read_at IS NULL ORDER BY id DESC LIMIT ? OFFSET ?",
                        "iii", user_id, per_page, (page - 1) * per_page);
    else
        rc = bc_db_rows(db, &items,
                        "SELECT id, kind, order_row_id, order_id, text, read_at, created_at FROM notices"
                        " WHERE user_id = ? ORDER BY id DESC LIMIT ? OFFSET ?",
                        "iii", user_id, per_page, (page - 1) * per_page);
    if (rc < 0)
        goto out;
    size_t i;
    json_t *r;
    json_array_foreach (items, i, r)
        notice_shape(r);
    *out = json_pack("{s:o,s:I,s:I,s:I,s:I}", "items", items, "page", (json_int_t)page, "per_page",
                     (json_int_t)per_page, "total", (json_int_t)total, "unread_count", (json_int_t)unread);
    items = NULL;
    rc = *out ? BC_OK : BC_ENOMEM;
out:
    json_decref(items);
    return rc;
}

int bc_notice_mark_read(bc_db *db, int64_t user_id, int64_t id, json_t **out)
{
    json_t *row = NULL;
    int64_t unread = 0;
    *out = NULL;
    int rc = bc_db_exec(db, "UPDATE notices SET read_at = ? WHERE id = ? AND user_id = ? AND read_at IS NULL", "iii",
                        bc_now_ms(), id, user_id);
    if (rc < 0)
        goto out;
    rc = bc_db_row(db, &row,
                   "SELECT id, kind, order_row_id, order_id, text, read_at, created_at FROM notices"
                   " WHERE id = ? AND user_id = ?",
                   "ii", id, user_id);
    if (rc <= 0) {
        rc = rc < 0 ? rc : BC_ENOTFOUND;
        goto out;
    }
    if ((rc = unread_count(db, user_id, &unread)) != BC_OK)
        goto out;
    notice_shape(row);
    json_object_set_new(row, "unread_count", json_integer(unread));
    *out = row;
    row = NULL;
out:
    json_decref(row);
    return rc;
}

int bc_notice_mark_all_read(bc_db *db, int64_t user_id, int64_t *updated)
{
    int rc = bc_db_exec(db, "UPDATE notices SET read_at = ? WHERE user_id = ? AND read_at IS NULL", "ii", bc_now_ms(),
                        user_id);
    *updated = rc > 0 ? rc : 0;
    return rc < 0 ? rc : BC_OK;
}

int bc_notice_outbox(bc_db *db, int64_t page, int64_t per_page, const char *status, json_t **out)
{
    json_t *items = NULL;
    int64_t total = 0;
    int rc;
    *out = NULL;
    if (status)
        rc = bc_db_int(db, &total, "SELECT count(*) FROM notice_mails WHERE status = ?", "t", status);
    else
        rc = bc_db_int(db, &total, "SELECT count(*) FROM notice_mails", "");
    if (rc < 0)
        goto out;
    if (status)
        rc = bc_db_rows(db, &items,
                        "SELECT m.id, m.notice_id, n.user_id, m.to_addr AS \"to\", m.subject, m.body, m.status,"
                        " m.attempts, m.last_error, m.next_at, m.created_at, m.sent_at FROM notice_mails m"
                        " JOIN notices n ON n.id = m.notice_id WHERE m.status = ? ORDER BY m.id DESC LIMIT ? OFFSET ?",
                        "tii", status, per_page, (page - 1) * per_page);
    else
        rc = bc_db_rows(db, &items,
                        "SELECT m.id, m.notice_id, n.user_id, m.to_addr AS \"to\", m.subject, m.body, m.status,"
                        " m.attempts, m.last_error, m.next_at, m.created_at, m.sent_at FROM notice_mails m"
                        " JOIN notices n ON n.id = m.notice_id ORDER BY m.id DESC LIMIT ? OFFSET ?",
                        "ii", per_page, (page - 1) * per_page);
    if (rc < 0)
        goto out;
    *out = json_pack("{s:o,s:I,s:I,s:I}", "items", items, "page", (json_int_t)page, "per_page", (json_int_t)per_page,
                     "total", (json_int_t)total);
    items = NULL;
    rc = *out ? BC_OK : BC_ENOMEM;
out:
    json_decref(items);
    return rc;
}

/* ---- mail (RFC 5322 message, libcurl SMTP) ---- */

/* 1 when s is all ASCII. */
static int ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return 0;
    return 1;
}

/* The domain part of an address ("localhost" when none). */
static const char *domain_of(const char *addr)
{
    const char *at = strrchr(addr, '@');
    return at && at[1] ? at + 1 : "localhost";
}

char *bc_notice_mail_message(const char *from, const char *to, const char *subject, const char *body,
                             int64_t msg_id_seed, int64_t date_ms)
{
    char *msg = NULL, *subj_enc = NULL, *b64 = NULL, *wrapped = NULL;
    char line[BC_NOTICE_TEXT_MAX * 4 + 200];
    one_line(subject, line, sizeof line);
    size_t blen = strlen(body);
    if (ascii(line)) {
        subj_enc = strdup(line);
    } else {
        /* RFC 2047 §2: encoded-words of at most 75 characters, whole UTF-8 characters each,
         * folded with CRLF SP (RFC 5322 §2.2.3); 45 bytes give 60 base64 characters */
        size_t n = strlen(line), cap = (n / 30 + 2) * 96 + 1, o = 0, i = 0;
        subj_enc = malloc(cap);
        while (subj_enc && i < n) {
            size_t take = n - i < 45 ? n - i : 45;
            while (take > 0 && i + take < n && ((unsigned char)line[i + take] & 0xC0) == 0x80)
                take--;
            char enc[64];
            sodium_bin2base64(enc, sizeof enc, (const unsigned char *)line + i, take, sodium_base64_VARIANT_ORIGINAL);
            o += (size_t)snprintf(subj_enc + o, cap - o, "%s=?UTF-8?B?%s?=", o ? "\r\n " : "", enc);
            i += take;
        }
    }
    size_t b64cap = sodium_base64_ENCODED_LEN(blen, sodium_base64_VARIANT_ORIGINAL);
    b64 = malloc(b64cap);
    wrapped = malloc(b64cap + b64cap / 76 * 2 + 3);
    if (!subj_enc || !b64 || !wrapped)
        goto out;
    sodium_bin2base64(b64, b64cap, (const unsigned char *)body, blen, sodium_base64_VARIANT_ORIGINAL);
    size_t o = 0, n = strlen(b64);
    for (size_t i = 0; i < n; i += 76) { /* RFC 2045 §6.8: lines of at most 76 characters */
        size_t k = n - i < 76 ? n - i : 76;
        memcpy(wrapped + o, b64 + i, k);
        o += k;
        wrapped[o++] = '\r';
        wrapped[o++] = '\n';
    }
    wrapped[o] = 0;
    /* RFC 5322 §3.3 date-time in UTC */
    time_t t = (time_t)(date_ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    char rnd[17];
    bc_rand_token(rnd, sizeof rnd - 1);
    if (asprintf(&msg,
                 "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n"
                 "From: <%s>\r\nTo: <%s>\r\nSubject: %s\r\n"
                 "Message-ID: <notice-%lld.%s@%s>\r\nMIME-Version: 1.0\r\n"
                 "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n%s",
                 days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec,
                 from, to, subj_enc, (long long)msg_id_seed, rnd, domain_of(from), wrapped) < 0)
        msg = NULL;
out:
    free(subj_enc);
    free(b64);
    free(wrapped);
    return msg;
}

typedef struct upload {
    const char *data;
    size_t len, off;
} upload;

static size_t read_cb(char *buf, size_t size, size_t nitems, void *arg)
{
    upload *u = arg;
    size_t n = size * nitems, left = u->len - u->off;
    if (n > left)
        n = left;
    memcpy(buf, u->data + u->off, n);
    u->off += n;
    return n;
}

/* Sends one message over SMTP (bc_cfg.smtp_url) with the handle c (reset here; its open connection
 * is kept, so the mails of one sweep share a session). BC_OK, or BC_EGATEWAY with the cause in err. */
static int smtp_send(CURL *c, const char *to, const char *msg, char err[CURL_ERROR_SIZE])
{
    int rc = BC_EGATEWAY;
    char from[sizeof bc_cfg.smtp_from + 2], rcpt_addr[320];
    struct curl_slist *rcpt = NULL;
    err[0] = 0;
    if (c)
        curl_easy_reset(c); /* options only: live connections stay */
    snprintf(from, sizeof from, "<%s>", bc_cfg.smtp_from);
    snprintf(rcpt_addr, sizeof rcpt_addr, "<%s>", to);
    if (!c || !(rcpt = curl_slist_append(NULL, rcpt_addr))) {
        snprintf(err, CURL_ERROR_SIZE, "out of memory");
        goto out;
    }
    upload u = {msg, strlen(msg), 0};
    curl_easy_setopt(c, CURLOPT_URL, bc_cfg.smtp_url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY); /* STARTTLS when offered (RFC 3207) */
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(c, CURLOPT_READDATA, &u);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)u.len);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 20000L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
    if (bc_cfg.smtp_ca_file[0])
        curl_easy_setopt(c, CURLOPT_CAINFO, bc_cfg.smtp_ca_file);
    CURLcode cc = curl_easy_perform(c);
    if (cc == CURLE_OK) {
        rc = BC_OK;
    } else if (!err[0]) {
        snprintf(err, CURL_ERROR_SIZE, "%s", curl_easy_strerror(cc));
    }
out:
    curl_slist_free_all(rcpt);
    return rc;
}

static atomic_int mail_running;

int bc_notice_mail_sweep(bc_db *db, int64_t now_ms)
{
    int sent = 0, rc = BC_OK;
    CURL *curl = NULL; /* one handle (and SMTP session) for the whole sweep */
    if (!bc_cfg.smtp_url[0] || atomic_exchange(&mail_running, 1))
        return 0;
    for (int k = 0; k < MAIL_BATCH; k++) {
        json_t *m = NULL;
        int64_t now = k ? bc_now_ms() : now_ms;
        rc = bc_db_row(db, &m,
                       "UPDATE notice_mails SET claimed_until = ?, attempts = attempts + 1 WHERE id = ("
                       "SELECT id FROM notice_mails WHERE status = 'PENDING' AND next_at <= ?"
                       " AND (claimed_until IS NULL OR claimed_until < ?) ORDER BY next_at, id LIMIT 1)"
                       " AND status = 'PENDING' AND (claimed_until IS NULL OR claimed_until < ?)"
                       " RETURNING id, notice_id, to_addr, subject, body, attempts",
                       "iiii", now + MAIL_CLAIM_MS, now, now, now);
        if (rc <= 0)
            break;
        int64_t id = json_integer_value(json_object_get(m, "id"));
        int64_t attempts = json_integer_value(json_object_get(m, "attempts"));
        const char *to = json_string_value(json_object_get(m, "to_addr"));
        char err[CURL_ERROR_SIZE];
        char *msg = bc_notice_mail_message(bc_cfg.smtp_from, to, json_string_value(json_object_get(m, "subject")),
                                           json_string_value(json_object_get(m, "body")), id, now);
        if (!curl)
            curl = curl_easy_init();
        int src = msg ? smtp_send(curl, to, msg, err) : BC_ENOMEM;
        if (!msg)
            snprintf(err, sizeof err, "out of memory");
        free(msg);
        int64_t done = bc_now_ms();
        if (src == BC_OK) {
            rc = bc_db_exec(db,
                            "UPDATE notice_mails SET status = 'SENT', sent_at = ?, claimed_until = NULL,"
                            " last_error = NULL WHERE id = ?",
                            "ii", done, id);
            if (rc >= 0)
                rc = bc_db_exec(db, SCRUB_ACCOUNT_MAIL, "i", id);
            sent++;
        } else if (attempts >= BC_NOTICE_MAIL_TRIES) {
            bc_log_warn("notices", "mail %lld to %s failed for good: %s", (long long)id, to, err);
            rc = bc_db_exec(
                db, "UPDATE notice_mails SET status = 'FAILED', claimed_until = NULL, last_error = ? WHERE id = ?",
                "ti", err, id);
            if (rc >= 0)
                rc = bc_db_exec(db, SCRUB_ACCOUNT_MAIL, "i", id);
        } else {
            int64_t wait = (int64_t)BC_NOTICE_MAIL_BACKOFF_MS << (attempts - 1);
            bc_log_info("notices", "mail %lld: attempt %lld failed (%s); retrying in %lld ms", (long long)id,
                        (long long)attempts, err, (long long)wait);
            rc =
                bc_db_exec(db, "UPDATE notice_mails SET next_at = ?, claimed_until = NULL, last_error = ? WHERE id = ?",
                           "iti", done + wait, err, id);
        }
        json_decref(m);
        if (rc < 0)
            break;
    }
    if (curl)
        curl_easy_cleanup(curl);
    atomic_store(&mail_running, 0);
    return rc < 0 ? rc : sent;
}

/* ---- push: the per-instance poller and the event socket ---- */

static char poll_url[1024];
static int64_t started_ms;       /* when bc_notice_start ran: notices from then on are pushed */
static atomic_int event_sockets; /* open /api/v1/me/events connections on this instance */

typedef struct gap {
    int64_t id, seen_ms;
} gap;

typedef struct poller {
    bc_db *db;
    int64_t hi;         /* highest id looked at (-1: not started) */
    gap gaps[MAX_GAPS]; /* in id order */
    int ngaps, gap_turn;
} poller;

static void push_one(bc_db *db, json_t *row)
{
    int64_t user_id = json_integer_value(json_object_get(row, "user_id")), unread = 0;
    if (bc_hub_local_count(BC_NOTICE_ROOM(user_id)) == 0 || unread_count(db, user_id, &unread) != BC_OK)
        return;
    json_object_del(row, "user_id");
    notice_shape(row);
    char iso[40];
    json_object_set_new(
        row, "created_at",
        json_string(bc_time_iso(json_integer_value(json_object_get(row, "created_at")), iso, sizeof iso)));
    json_t *frame = json_pack("{s:s,s:O,s:I}", "type", "notice", "notice", row, "unread_count", (json_int_t)unread);
    char *text = frame ? json_dumps(frame, JSON_COMPACT) : NULL;
    if (text)
        bc_hub_send_local(BC_NOTICE_ROOM(user_id), text, strlen(text));
    free(text);
    json_decref(frame);
}

/* 1 when id is a remembered gap (then forgets it). */
static int take_gap(poller *p, int64_t id)
{
    for (int i = 0; i < p->ngaps; i++)
        if (p->gaps[i].id == id) {
            memmove(&p->gaps[i], &p->gaps[i + 1], (size_t)(p->ngaps - i - 1) * sizeof p->gaps[0]);
            p->ngaps--;
            return 1;
        }
    return 0;
}

/* Looks again for up to GAP_CHECK of the remembered gaps (by primary key, one statement; the
 * rotating start index gives every gap its turn), pushing those now committed. BC_OK or a store
 * error. */
static int poll_gaps(poller *p)
{
    int64_t ids[GAP_CHECK] = {0}; /* 0 matches no row */
    int n = p->ngaps < GAP_CHECK ? p->ngaps : GAP_CHECK;
    if (n == 0)
        return BC_OK;
    for (int i = 0; i < n; i++)
        ids[i] = p->gaps[(p->gap_turn + i) % p->ngaps].id;
    p->gap_turn = (p->gap_turn + n) % p->ngaps;
    json_t *rows = NULL;
    int rc = bc_db_rows(p->db, &rows,
                        "SELECT id, user_id, kind, order_row_id, order_id, text, read_at, created_at FROM notices"
                        " WHERE id IN (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ORDER BY id",
                        "iiiiiiiiiiiiiiii", ids[0], ids[1], ids[2], ids[3], ids[4], ids[5], ids[6], ids[7], ids[8],
                        ids[9], ids[10], ids[11], ids[12], ids[13], ids[14], ids[15]);
    if (rc < 0)
        return rc;
    size_t i;
    json_t *r;
    json_array_foreach (rows, i, r)
        if (take_gap(p, json_integer_value(json_object_get(r, "id"))) && atomic_load(&event_sockets) > 0)
            push_one(p->db, r);
    json_decref(rows);
    if (p->gap_turn >= p->ngaps)
        p->gap_turn = 0;
    return BC_OK;
}

/* One look at the table: pushes the rows committed since the last look (new ids, then remembered
 * gaps). BC_OK or a store error. */
static int poll_once(poller *p)
{
    int64_t now = bc_now_ms();
    if (p->hi < 0) {
        int64_t max = 0;
        /* what was written before this instance started is not pushed; what was written since is */
        int rc =
            bc_db_int(p->db, &max, "SELECT COALESCE(MAX(id), 0) FROM notices WHERE created_at < ?", "i", started_ms);
        if (rc < 0)
            return rc;
        p->hi = max;
    }
    int drop = 0; /* gaps too old to wait for (kept in id order, so also in the order they were seen) */
    while (drop < p->ngaps && now - p->gaps[drop].seen_ms > BC_NOTICE_GAP_MS)
        drop++;
    if (drop) {
        memmove(p->gaps, p->gaps + drop, (size_t)(p->ngaps - drop) * sizeof p->gaps[0]);
        p->ngaps -= drop;
        p->gap_turn = 0;
    }
    for (int round = 0; round < 8; round++) { /* catch up on a burst, bounded per look */
        json_t *rows = NULL;
        int rc = bc_db_rows(p->db, &rows,
                            "SELECT id, user_id, kind, order_row_id, order_id, text, read_at, created_at FROM notices"
                            " WHERE id > ? ORDER BY id LIMIT ?",
                            "ii", p->hi, (int64_t)PUSH_BATCH);
        if (rc < 0)
            return rc;
        size_t i;
        json_t *r;
        json_array_foreach (rows, i, r) {
            int64_t id = json_integer_value(json_object_get(r, "id"));
            /* ids skipped so far may belong to a transaction still open (PostgreSQL hands identity
             * values out at insert time): remembered for BC_NOTICE_GAP_MS, the oldest forgotten
             * first when there are too many */
            for (int64_t g = id - p->hi - 1 > MAX_GAPS ? id - MAX_GAPS : p->hi + 1; g < id; g++) {
                if (p->ngaps == MAX_GAPS) {
                    memmove(p->gaps, p->gaps + 1, (MAX_GAPS - 1) * sizeof p->gaps[0]);
                    p->ngaps--;
                    p->gap_turn = 0;
                }
                p->gaps[p->ngaps++] = (gap){g, now};
            }
            p->hi = id;
            if (atomic_load(&event_sockets) > 0)
                push_one(p->db, r);
        }
        json_decref(rows);
        if (rc < PUSH_BATCH)
            break;
    }
    return poll_gaps(p);
}

static void *poller_main(void *arg)
{
    (void)arg;
    static poller p = {.hi = -1};
    struct timespec ts = {0, BC_NOTICE_POLL_MS * 1000000L};
    for (;;) {
        nanosleep(&ts, NULL);
        if (!p.db && bc_db_open(poll_url, &p.db) != BC_OK) {
            p.db = NULL;
            sleep(1);
            continue;
        }
        if (poll_once(&p) != BC_OK) {
            bc_log_warn("notices", "push poll failed; reconnecting");
            bc_db_close(p.db);
            p.db = NULL;
        }
    }
    return NULL;
}

static int ev_open(bc_ws *ws, bc_req *req)
{
    const bc_auth *a = bc_req_auth(req);
    if (!a)
        return 401;
    atomic_fetch_add(&event_sockets, 1);
    bc_ws_set_data(ws, (void *)1);
    bc_ws_join(ws, BC_NOTICE_ROOM(a->user_id));
    return 0;
}

static void ev_message(bc_ws *ws, const char *data, size_t len)
{
    (void)ws;
    (void)data;
    (void)len; /* nothing to say to the server */
}

static void ev_close(bc_ws *ws)
{
    if (bc_ws_data(ws))
        atomic_fetch_sub(&event_sockets, 1);
    bc_ws_set_data(ws, NULL);
}

static const bc_ws_route events_ws = {"/api/v1/me/events", ev_open, ev_message, ev_close};

int bc_notice_start(const char *db_url)
{
    snprintf(poll_url, sizeof poll_url, "%s", db_url);
    started_ms = bc_now_ms();
    bc_http_register_ws(&events_ws);
    pthread_t t;
    if (pthread_create(&t, NULL, poller_main, NULL) != 0)
        return BC_ERR;
    pthread_detach(t);
    return BC_OK;
}
