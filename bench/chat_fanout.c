/* Chat fan-out load client: V WebSocket viewers in one live room (raw sockets + epoll, RFC 6455
 * client framing: masked frames out, unmasked frames in), S signed-in senders sending R chat messages
 * per second in total for D seconds (each text carries its sender, number and send time), and
 * optionally H hearts per second tapped by random viewers. Every viewer counts the chat frames it
 * receives; the delivery latency is receive time minus the send time in the text (one machine,
 * CLOCK_REALTIME). After the senders stop it waits up to --drain seconds for the last deliveries.
 * Prints: viewers connected, messages sent/accepted (echoed to their sender), deliveries, deliveries/s
 * over the send window, latency p50/p99/max, lost (accepted x viewers - delivered), duplicates,
 * viewers closed by the server, server RSS before/after connecting (per viewer) and at the end.
 * Bounded: at most 20,000 viewers, 200 senders, 120 s of sending, 1000 msg/s, 20000 hearts/s.
 * Usage: chat_fanout --port P --live ID --tokens FILE (one sender token per line) [--viewers 10000]
 *        [--rate 50] [--duration 10] [--hearts 0] [--pid SERVER_PID] [--threads 1] [--drain 5]
 * (bench/chat_fanout.mjs starts the server, creates the live and the senders). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_VIEWERS 20000
#define MAX_SENDERS 200
#define RBUF 8192
#define MAX_MSGS 200000 /* messages tracked (rate x duration) */
#define HIST_US 10      /* latency histogram bucket */
#define HIST_N 1000000  /* 10 s */

typedef struct conn {
    int fd, tid, idx, sender, open, closed;
    size_t rlen;
    char *rbuf;
} conn;

static int port, live, nviewers = 10000, rate = 50, duration = 10, hearts = 0, nthreads = 1, drain_s = 5;
static long server_pid;
static char *tokens[MAX_SENDERS];
static int nsenders;
static conn *viewers, *senders;
static uint16_t *delivered;           /* per message: viewer deliveries */
static atomic_int accepted[MAX_MSGS]; /* per message: echoed to its sender */
static atomic_uint_fast64_t hist[HIST_N + 1];
static atomic_uint_fast64_t n_deliv, n_closed, n_open, lat_max_us;
static atomic_int stop_all;
static int64_t send_start_us, send_end_us;
static atomic_llong last_deliv_us;

static int64_t real_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static long rss_kb(const char *field)
{
    char path[64], line[256];
    long v = -1;
    snprintf(path, sizeof path, "/proc/%ld/status", server_pid);
    FILE *f = server_pid ? fopen(path, "r") : NULL;
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, field, strlen(field)) == 0)
            v = atol(line + strlen(field) + 1);
    fclose(f);
    return v;
}

/* The server's CPU time (user + system) in seconds, from /proc/PID/stat (fields 14 and 15). */
static double server_cpu_s(void)
{
    char path[64], buf[2048];
    snprintf(path, sizeof path, "/proc/%ld/stat", server_pid);
    FILE *f = server_pid ? fopen(path, "r") : NULL;
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    unsigned long ut = 0, st = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
        return -1;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static double self_cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static int connect_one(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0 && errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Blocking-ish write of a whole buffer on a non-blocking socket (small frames; bounded retries). */
static int write_all(int fd, const char *p, size_t n)
{
    for (int tries = 0; n > 0 && tries < 1000; tries++) {
        ssize_t w = write(fd, p, n);
        if (w > 0) {
            p += w;
            n -= (size_t)w;
        } else if (w < 0 && errno != EAGAIN && errno != EINTR) {
            return -1;
        } else {
            usleep(100);
        }
    }
    return n == 0 ? 0 : -1;
}

static int send_handshake(conn *c, const char *token)
{
    char req[2048];
    int n = snprintf(req, sizeof req,
                     "GET /api/v1/lives/%d/chat%s%s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                     "Sec-WebSocket-Version: 13\r\n\r\n",
                     live, token ? "?access_token=" : "", token ? token : "", port);
    return write_all(c->fd, req, (size_t)n);
}

/* A masked client text frame (RFC 6455 §5.3; a fixed mask is fine for a load client). */
static int send_text(conn *c, const char *text)
{
    size_t len = strlen(text);
    char buf[1024];
    size_t h = 0;
    if (len > 900)
        return -1;
    buf[h++] = (char)0x81;
    if (len < 126) {
        buf[h++] = (char)(0x80 | len);
    } else {
        buf[h++] = (char)(0x80 | 126);
        buf[h++] = (char)(len >> 8);
        buf[h++] = (char)len;
    }
    static const unsigned char mask[4] = {0x12, 0x34, 0x56, 0x78};
    memcpy(buf + h, mask, 4);
    h += 4;
    for (size_t i = 0; i < len; i++)
        buf[h + i] = (char)(text[i] ^ mask[i % 4]);
    return write_all(c->fd, buf, h + len);
}

static void on_text(conn *c, const char *p, size_t n)
{
    static const char key[] = "\"text\":\"fanout ";
    const char *t = memmem(p, n, key, sizeof key - 1);
    if (!t)
        return;
    t += sizeof key - 1;
    long s = 0, k = 0;
    long long sent = 0;
    if (sscanf(t, "%ld %ld %lld", &s, &k, &sent) != 3 || s < 0 || s >= nsenders || k < 0)
        return;
    long id = s * (MAX_MSGS / MAX_SENDERS) + k;
    if (id >= MAX_MSGS)
        return;
    if (c->sender >= 0) {
        if (c->sender == s)
            atomic_store(&accepted[id], 1);
        return;
    }
    int64_t now = real_us(), lat = now - sent;
    if (lat < 0)
        lat = 0;
    uint16_t *d = &delivered[(size_t)id];
    uint16_t prev = __atomic_fetch_add(d, 1, __ATOMIC_RELAXED);
    (void)prev;
    atomic_fetch_add(&n_deliv, 1);
    atomic_fetch_add(&hist[lat / HIST_US < HIST_N ? lat / HIST_US : HIST_N], 1);
    uint64_t m = atomic_load(&lat_max_us);
    while ((uint64_t)lat > m && !atomic_compare_exchange_weak(&lat_max_us, &m, (uint64_t)lat))
        ;
    atomic_store(&last_deliv_us, now);
}

/* Consumes the buffered input: the 101 response first, then frames. Returns -1 when closed. */
static int consume(conn *c)
{
    size_t off = 0;
    if (!c->open) {
        char *end = memmem(c->rbuf, c->rlen, "\r\n\r\n", 4);
        if (!end)
            return c->rlen >= RBUF ? -1 : 0;
        if (c->rlen < 12 || memcmp(c->rbuf + 9, "101", 3) != 0)
            return -1;
        c->open = 1;
        atomic_fetch_add(&n_open, 1);
        off = (size_t)(end - c->rbuf) + 4;
    }
    for (;;) {
        if (c->rlen - off < 2)
            break;
        unsigned char *f = (unsigned char *)c->rbuf + off;
        size_t h = 2, len = f[1] & 0x7f;
        if (len == 126) {
            if (c->rlen - off < 4)
                break;
            len = (size_t)f[2] << 8 | f[3];
            h = 4;
        } else if (len == 127) {
            if (c->rlen - off < 10)
                break;
            len = 0;
            for (int i = 0; i < 8; i++)
                len = len << 8 | f[2 + i];
            h = 10;
        }
        if (len > RBUF - 16)
            return -1;
        if (c->rlen - off < h + len)
            break;
        int op = f[0] & 0x0f;
        if (op == 1)
            on_text(c, (const char *)f + h, len);
        else if (op == 8)
            return -1;
        off += h + len;
    }
    memmove(c->rbuf, c->rbuf + off, c->rlen - off);
    c->rlen -= off;
    return 0;
}

typedef struct worker {
    int tid, epfd;
} worker;

static worker *workers;

static void *recv_main(void *arg)
{
    worker *w = arg;
    struct epoll_event ev[256];
    while (!atomic_load(&stop_all)) {
        int n = epoll_wait(w->epfd, ev, 256, 100);
        for (int i = 0; i < n; i++) {
            conn *c = ev[i].data.ptr;
            if (c->closed)
                continue;
            for (;;) {
                ssize_t r = read(c->fd, c->rbuf + c->rlen, RBUF - c->rlen);
                if (r > 0) {
                    c->rlen += (size_t)r;
                    if (consume(c) < 0) {
                        r = 0;
                    } else {
                        continue;
                    }
                }
                if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
                    c->closed = 1;
                    atomic_fetch_add(&n_closed, 1);
                    epoll_ctl(w->epfd, EPOLL_CTL_DEL, c->fd, NULL);
                }
                break;
            }
        }
    }
    return NULL;
}

static int open_conn(conn *c, int tid, const char *token)
{
    c->fd = connect_one();
    if (c->fd < 0)
        return -1;
    c->tid = tid;
    c->rbuf = malloc(RBUF);
    /* wait for the TCP connect (loopback: immediate or nearly) */
    for (int i = 0; i < 2000; i++) {
        if (send_handshake(c, token) == 0)
            break;
        usleep(500);
        if (i == 1999)
            return -1;
    }
    struct epoll_event e = {.events = EPOLLIN, .data.ptr = c};
    return epoll_ctl(workers[tid].epfd, EPOLL_CTL_ADD, c->fd, &e);
}

static int wait_open(int want, int timeout_ms)
{
    for (int i = 0; i < timeout_ms / 10 && (int)atomic_load(&n_open) < want; i++)
        usleep(10000);
    return (int)atomic_load(&n_open);
}

static int64_t percentile(uint64_t total, double p)
{
    uint64_t want = (uint64_t)(p * (double)total), acc = 0;
    for (int i = 0; i <= HIST_N; i++) {
        acc += atomic_load(&hist[i]);
        if (acc > want || (acc == total && total))
            return (int64_t)i * HIST_US;
    }
    return -1;
}

int main(int argc, char **argv)
{
    const char *tokfile = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (!strcmp(k, "--port"))
            port = atoi(v);
        else if (!strcmp(k, "--live"))
            live = atoi(v);
        else if (!strcmp(k, "--tokens"))
            tokfile = v;
        else if (!strcmp(k, "--viewers"))
            nviewers = atoi(v);
        else if (!strcmp(k, "--rate"))
            rate = atoi(v);
        else if (!strcmp(k, "--duration"))
            duration = atoi(v);
        else if (!strcmp(k, "--hearts"))
            hearts = atoi(v);
        else if (!strcmp(k, "--pid"))
            server_pid = atol(v);
        else if (!strcmp(k, "--threads"))
            nthreads = atoi(v);
        else if (!strcmp(k, "--drain"))
            drain_s = atoi(v);
        else {
            fprintf(stderr, "unknown option %s\n", k);
            return 2;
        }
    }
    if (!port || !live || !tokfile || nviewers < 1 || nviewers > MAX_VIEWERS || rate < 1 || rate > 1000 ||
        duration < 1 || duration > 120 || hearts < 0 || hearts > 20000 || nthreads < 1 || nthreads > 8 || drain_s < 0 ||
        drain_s > 60) {
        fprintf(stderr, "usage: chat_fanout --port P --live ID --tokens FILE [--viewers N<=20000] [--rate 1..1000] "
                        "[--duration 1..120] [--hearts 0..20000] [--pid PID] [--threads 1..8] [--drain 0..60]\n");
        return 2;
    }
    FILE *tf = fopen(tokfile, "r");
    char line[4096];
    while (tf && nsenders < MAX_SENDERS && fgets(line, sizeof line, tf)) {
        line[strcspn(line, "\r\n")] = 0;
        if (*line)
            tokens[nsenders++] = strdup(line);
    }
    if (tf)
        fclose(tf);
    if (nsenders == 0) {
        fprintf(stderr, "no sender tokens in %s\n", tokfile);
        return 2;
    }
    if ((long)rate * duration / nsenders >= MAX_MSGS / MAX_SENDERS) {
        fprintf(stderr, "too many messages per sender\n");
        return 2;
    }
    delivered = calloc(MAX_MSGS, sizeof *delivered);
    viewers = calloc((size_t)nviewers, sizeof *viewers);
    senders = calloc((size_t)nsenders, sizeof *senders);
    workers = calloc((size_t)nthreads, sizeof *workers);
    pthread_t th[8];
    for (int t = 0; t < nthreads; t++) {
        workers[t].tid = t;
        workers[t].epfd = epoll_create1(0);
        pthread_create(&th[t], NULL, recv_main, &workers[t]);
    }
    long rss0 = rss_kb("VmRSS");
    int64_t t0 = real_us();
    for (int i = 0; i < nviewers; i++) {
        viewers[i].idx = i;
        viewers[i].sender = -1;
        if (open_conn(&viewers[i], i % nthreads, NULL) != 0) {
            fprintf(stderr, "viewer %d: cannot connect\n", i);
            break;
        }
        if (i % 500 == 499)
            wait_open(i + 1 - 200, 5000); /* keep the accept queue short */
    }
    int opened = wait_open(nviewers, 30000);
    int64_t t_conn = real_us() - t0;
    for (int s = 0; s < nsenders; s++) {
        senders[s].sender = s;
        open_conn(&senders[s], s % nthreads, tokens[s]);
    }
    wait_open(opened + nsenders, 10000);
    usleep(1500000); /* the viewer counts settle; the server frees the handshake buffers */
    long rss1 = rss_kb("VmRSS");

    /* send: rate messages/s round-robin over the senders, hearts/s over random viewers */
    int total_msgs = rate * duration, sent = 0, hearts_sent = 0;
    int per_sender[MAX_SENDERS] = {0};
    double scpu0 = server_cpu_s(), ccpu0 = self_cpu_s();
    send_start_us = real_us();
    unsigned rnd = 12345;
    char text[256];
    while (sent < total_msgs) {
        int64_t now = real_us();
        int64_t due = send_start_us + (int64_t)sent * 1000000 / rate;
        int64_t hdue = hearts ? send_start_us + (int64_t)hearts_sent * 1000000 / hearts : INT64_MAX;
        if (now >= hdue && hearts) {
            rnd = rnd * 1103515245u + 12345u;
            conn *c = &viewers[(rnd >> 8) % (unsigned)opened];
            if (!c->closed)
                send_text(c, "{\"type\":\"heart\",\"count\":1}");
            hearts_sent++;
            continue;
        }
        if (now >= due) {
            int s = sent % nsenders;
            int k = per_sender[s]++;
            snprintf(text, sizeof text, "{\"type\":\"chat\",\"text\":\"fanout %d %d %lld\"}", s, k, (long long)now);
            if (!senders[s].closed)
                send_text(&senders[s], text);
            sent++;
            continue;
        }
        int64_t next = due < hdue ? due : hdue;
        if (next - now > 200)
            usleep((useconds_t)(next - now - 100));
    }
    send_end_us = real_us();
    /* drain: until every accepted message reached every open viewer, or drain_s pass */
    int64_t drain_end = send_end_us + (int64_t)drain_s * 1000000;
    uint64_t expected = 0;
    int nacc = 0;
    while (real_us() < drain_end) {
        nacc = 0;
        for (int s = 0; s < nsenders; s++)
            for (int k = 0; k < per_sender[s]; k++)
                nacc += atomic_load(&accepted[s * (MAX_MSGS / MAX_SENDERS) + k]);
        expected = (uint64_t)nacc * (uint64_t)(opened);
        if (atomic_load(&n_deliv) >= expected && nacc == sent)
            break;
        usleep(50000);
    }
    long rss2 = rss_kb("VmRSS"), hwm = rss_kb("VmHWM");
    double scpu = server_cpu_s() - scpu0, ccpu = self_cpu_s() - ccpu0, wall = (double)(real_us() - send_start_us) / 1e6;
    atomic_store(&stop_all, 1);
    for (int t = 0; t < nthreads; t++)
        pthread_join(th[t], NULL);
    uint64_t deliv = atomic_load(&n_deliv), dup = 0;
    for (int s = 0; s < nsenders; s++)
        for (int k = 0; k < per_sender[s]; k++) {
            long id = s * (MAX_MSGS / MAX_SENDERS) + k;
            if (delivered[id] > opened)
                dup += delivered[id] - (uint64_t)opened;
        }
    int64_t window =
        (atomic_load(&last_deliv_us) > send_end_us ? atomic_load(&last_deliv_us) : send_end_us) - send_start_us;
    printf("viewers=%d/%d senders=%d connect_s=%.1f messages_sent=%d accepted=%d hearts_sent=%d\n", opened, nviewers,
           nsenders, (double)t_conn / 1e6, sent, nacc, hearts_sent);
    printf("deliveries=%llu expected=%llu lost=%lld duplicates=%llu viewers_closed=%llu\n", (unsigned long long)deliv,
           (unsigned long long)expected, (long long)expected - (long long)(deliv - dup), (unsigned long long)dup,
           (unsigned long long)atomic_load(&n_closed));
    printf("deliveries_per_s=%.0f (over %.2f s from the first send to the last delivery)\n",
           (double)deliv / ((double)window / 1e6), (double)window / 1e6);
    printf("latency_ms p50=%.1f p99=%.1f max=%.1f\n", (double)percentile(deliv, 0.50) / 1000,
           (double)percentile(deliv, 0.99) / 1000, (double)atomic_load(&lat_max_us) / 1000);
    printf("cpu_s server=%.2f client=%.2f over %.2f s wall (%.0f%% and %.0f%% of one core)\n", scpu, ccpu, wall,
           100 * scpu / wall, 100 * ccpu / wall);
    if (rss0 > 0)
        printf("server_rss_kb before=%ld connected=%ld end=%ld peak=%ld per_viewer_kib=%.2f\n", rss0, rss1, rss2, hwm,
               (double)(rss1 - rss0) / opened);
    return 0;
}
