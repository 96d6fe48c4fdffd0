/* The RTMP ingest: writes an nginx-rtmp config for {data_dir} and runs nginx as a child process.
 * The directives are those of arut/nginx-rtmp-module v1.2.2 (Debian libnginx-mod-rtmp): load_module
 * needs an absolute path (a relative one resolves against -p), access_log must sit inside rtmp{}
 * (else nginx opens /var/log/nginx/access.log), the user line only matters as root, the notify
 * callbacks are form POSTs (name = stream name, args appended), hls_nested writes {hls}/{name}/.
 * The production equivalent is deploy/nginx-rtmp.conf.example. */
#include "live.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RTMP_MODULE "/usr/lib/nginx/modules/ngx_rtmp_module.so"
#define START_TIMEOUT_MS 5000 /* nginx retries a busy port for ~2.5 s before giving up */
#define MIN_ALIVE_MS 300
#define STOP_GRACE_MS 3000

static pid_t nginx_pid;
static char rtmp_dir[PATH_MAX + 8]; /* absolute {data_dir}/rtmp */
static char hls_dir[PATH_MAX + 8];  /* absolute {data_dir}/hls */
static char rec_dir[PATH_MAX + 8];  /* absolute {data_dir}/rec: the recordings replays are made from */
/* {data_dir}/rtmp/control.sock, the child's control module (empty: none, e.g. a path too long for
 * sun_path); written before the loops start, read-only afterwards */
static char control_sock[108];

/* As root, nginx workers run as nobody:nogroup and must write {abs}/hls (streaming.md gotcha 5).
 * The hls dir is chowned to them; every ancestor must be searchable by them: data_dir itself may
 * be private (mkdtemp's 0700), then its group becomes nogroup with g+x (nothing for others).
 * Returns BC_OK, BC_EFORBIDDEN when an ancestor is closed to them (e.g. a checkout under /root,
 * whose permissions are not ours to change), or BC_ERR. */
static int grant_worker_access(const char *abs, const char *hls)
{
    struct passwd *pw = getpwnam("nobody");
    struct group *gr = getgrnam("nogroup");
    if (!pw || !gr) {
        bc_log_error("rtmp", "running as root needs the user nobody and the group nogroup");
        return BC_ERR;
    }
    if (chown(hls, pw->pw_uid, gr->gr_gid) != 0 || chown(rec_dir, pw->pw_uid, gr->gr_gid) != 0) {
        bc_log_error("rtmp", "chown %s or %s: %s", hls, rec_dir, strerror(errno));
        return BC_ERR;
    }
    struct stat st;
    if (stat(abs, &st) != 0)
        return BC_ERR;
    if (!(st.st_mode & S_IXOTH) && !(st.st_gid == gr->gr_gid && (st.st_mode & S_IXGRP))) {
        if ((st.st_mode & S_IRWXG) != 0 || chown(abs, (uid_t)-1, gr->gr_gid) != 0 ||
            chmod(abs, (st.st_mode & 07777) | S_IXGRP) != 0) {
            bc_log_warn("rtmp", "%s is not searchable by nobody:nogroup (chmod o+x, or g+x with group nogroup)", abs);
            return BC_EFORBIDDEN;
        }
    }
    char parent[PATH_MAX];
    snprintf(parent, sizeof parent, "%s", abs);
    for (char *slash; (slash = strrchr(parent, '/')) && slash != parent;) {
        *slash = 0;
        if (stat(parent, &st) != 0 || !(st.st_mode & S_IXOTH)) {
            bc_log_warn("rtmp", "%s is not searchable by nobody (chmod o+x) for the HLS output", parent);
            return BC_EFORBIDDEN;
        }
    }
    return BC_OK;
}

int bc_rtmp_write_config(const char *data_dir, int http_port)
{
    char abs[PATH_MAX], path[PATH_MAX + 64], tmp[PATH_MAX + 64], *hls = hls_dir;
    FILE *f = NULL;
    int rc = BC_ERR, as_root = geteuid() == 0;
    if (bc_mkdirs(data_dir) != BC_OK || !realpath(data_dir, abs)) {
        bc_log_error("rtmp", "cannot use data dir %s: %s", data_dir, strerror(errno));
        goto out;
    }
    snprintf(rtmp_dir, sizeof rtmp_dir, "%s/rtmp", abs);
    snprintf(hls_dir, sizeof hls_dir, "%s/hls", abs);
    snprintf(rec_dir, sizeof rec_dir, "%s/rec", abs);
    snprintf(path, sizeof path, "%s/logs", rtmp_dir);
    snprintf(tmp, sizeof tmp, "%s/tmp", rtmp_dir);
    if (bc_mkdirs(path) != BC_OK || bc_mkdirs(tmp) != BC_OK || bc_mkdirs(hls) != BC_OK || bc_mkdirs(rec_dir) != BC_OK) {
        bc_log_error("rtmp", "cannot create directories under %s: %s", abs, strerror(errno));
        goto out;
    }
    const char *user_line = "";
    if (as_root) {
        int g = grant_worker_access(abs, hls);
        if (g == BC_OK) {
            user_line = "user nobody nogroup;  # workers; they write hls_path\n";
        } else if (g == BC_EFORBIDDEN) {
            /* a dev checkout in a private home directory: the demo must still run. Production
             * runs nginx-rtmp as its own service (deploy/) with its own user. */
            bc_log_warn("rtmp", "nginx-rtmp workers run as root; put BROADCART_DATA_DIR where nobody can reach it "
                                "to avoid that");
            user_line = "user root root;  # the data dir is unreachable for nobody (see broadcart's log)\n";
        } else {
            goto out;
        }
    }
    snprintf(path, sizeof path, "%s/nginx.conf", rtmp_dir);
    snprintf(tmp, sizeof tmp, "%s/nginx.conf.tmp", rtmp_dir);
    if (bc_cfg.rtmp_callback_token[0] == 0) { /* the callbacks prove they come from our nginx child */
        bc_log_error("rtmp", "no callback token (bc_live_callbacks_init must run first)");
        goto out;
    }
    /* the control module (drop a publisher at once) listens on a Unix socket: no port to pick,
     * and only this user (or root) can connect to it */
    char sock[PATH_MAX + 32];
    snprintf(sock, sizeof sock, "%s/control.sock", rtmp_dir);
    size_t sock_len = strlen(sock);
    if (sock_len < sizeof control_sock) {
        memcpy(control_sock, sock, sock_len + 1);
        unlink(sock); /* a previous run's */
    } else {
        control_sock[0] = 0;
        bc_log_warn("rtmp",
                    "%s is too long for a Unix socket: no control module (key rotation drops the old "
                    "publisher at the next on_update instead)",
                    sock);
    }
    if (!(f = fopen(tmp, "w"))) {
        bc_log_error("rtmp", "cannot write %s: %s", tmp, strerror(errno));
        goto out;
    }
    fprintf(f,
            "# Written by broadcart serve --with-rtmp; regenerated at every start. Do not edit.\n"
            "load_module %s;  # absolute: a relative path resolves against -p\n"
            "daemon off;\n"
            "master_process on;  # hls_cleanup runs in the cache manager process\n"
            "worker_processes 1;  # nginx-rtmp live streams need a single worker\n"
            "%s"
            "error_log %s/logs/error.log info;\n"
            "pid %s/nginx.pid;\n"
            "events { worker_connections 1024; }\n"
            "\n"
            "rtmp {\n"
            "    access_log %s/logs/rtmp_access.log;  # else nginx opens /var/log/nginx/access.log\n"
            "    server {\n"
            "        listen %d;\n"
            "        chunk_size 4096;\n"
            "        application live {\n"
            "            live on;\n"
            "            drop_idle_publisher 10s;\n"
            "            hls on;\n"
            "            hls_path %s;\n"
            "            hls_fragment 1s;\n"
            "            hls_playlist_length 6s;\n"
            "            hls_nested on;\n"
            "            hls_cleanup on;\n"
            "            # replays: every publish session recorded whole, {name}-{unix time}.flv; the file is\n"
            "            # reported by on_record_done when the session ends\n"
            "            record all;\n"
            "            record_path %s;\n"
            "            record_unique on;\n"
            "            on_record_done http://127.0.0.1:%d/internal/rtmp/on_record_done?token=%s;\n"
            "            notify_method post;\n"
            "            on_publish http://127.0.0.1:%d/internal/rtmp/on_publish?token=%s;\n"
            "            on_publish_done http://127.0.0.1:%d/internal/rtmp/on_publish_done?token=%s;\n"
            "            # every 5 s: a 403 drops a publisher whose live was ended by its seller\n"
            "            on_update http://127.0.0.1:%d/internal/rtmp/on_update?token=%s;\n"
            "            notify_update_timeout 5s;\n"
            "        }\n"
            "    }\n"
            "}\n",
            RTMP_MODULE, user_line, rtmp_dir, rtmp_dir, rtmp_dir, bc_cfg.rtmp_port, hls, rec_dir, http_port,
            bc_cfg.rtmp_callback_token, http_port, bc_cfg.rtmp_callback_token, http_port, bc_cfg.rtmp_callback_token,
            http_port, bc_cfg.rtmp_callback_token);
    if (control_sock[0])
        fprintf(f,
                "\n"
                "# the control module (nginx-rtmp ngx_rtmp_control_module): broadcart drops a publisher at once\n"
                "# (GET /control/drop/publisher?app=live&name={live_id}) when its stream key is rotated\n"
                "http {\n"
                "    access_log off;\n"
                "    client_body_temp_path %s/tmp/body;  # the compiled-in defaults are /var/lib/nginx/*\n"
                "    proxy_temp_path %s/tmp/proxy;\n"
                "    fastcgi_temp_path %s/tmp/fastcgi;\n"
                "    uwsgi_temp_path %s/tmp/uwsgi;\n"
                "    scgi_temp_path %s/tmp/scgi;\n"
                "    server {\n"
                "        listen unix:%s;\n"
                "        location /control { rtmp_control all; }\n"
                "        location /stat { rtmp_stat all; }  # stream health (health.c)\n"
                "        location / { return 404; }\n"
                "    }\n"
                "}\n",
                rtmp_dir, rtmp_dir, rtmp_dir, rtmp_dir, rtmp_dir, control_sock);
    if (fclose(f) != 0) {
        f = NULL;
        bc_log_error("rtmp", "cannot write %s: %s", tmp, strerror(errno));
        goto out;
    }
    f = NULL;
    if (rename(tmp, path) != 0) {
        bc_log_error("rtmp", "cannot rename %s: %s", tmp, strerror(errno));
        goto out;
    }
    rc = BC_OK;
out:
    if (f)
        fclose(f);
    return rc;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* 1 when something accepts TCP connections on 127.0.0.1:port. */
static int port_open(int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return 0;
    int ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}

/* 1 when port can be bound on all addresses (nobody else listens there). */
static int port_free(int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_ANY);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), on = 1;
    if (fd < 0)
        return 0;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    int ok = bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}

/* Logs the last ~1.5 KB of a file, line by line. */
static void log_tail(const char *file)
{
    char buf[1536];
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    off_t end = lseek(fd, 0, SEEK_END);
    off_t from = end > (off_t)sizeof buf - 1 ? end - (off_t)sizeof buf + 1 : 0;
    ssize_t n = pread(fd, buf, sizeof buf - 1, from);
    close(fd);
    if (n <= 0)
        return;
    buf[n] = 0;
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
        bc_log_error("rtmp", "%s: %s", file, line);
}

int bc_rtmp_start(const char *data_dir)
{
    (void)data_dir; /* rtmp_dir was resolved by bc_rtmp_write_config */
    char conf[PATH_MAX + 64], out_log[PATH_MAX + 64], err_log[PATH_MAX + 64];
    int rc = BC_ERR;
    snprintf(conf, sizeof conf, "%s/nginx.conf", rtmp_dir);
    snprintf(out_log, sizeof out_log, "%s/logs/nginx.stderr.log", rtmp_dir);
    snprintf(err_log, sizeof err_log, "%s/logs/error.log", rtmp_dir);
    if (rtmp_dir[0] == 0 || nginx_pid > 0) {
        bc_log_error("rtmp", "bc_rtmp_start: write the config first, and start only once");
        goto out;
    }
    if (access(bc_cfg.nginx_bin, X_OK) != 0 || access(RTMP_MODULE, R_OK) != 0) {
        bc_log_error("rtmp", "need %s and %s (apt-get install nginx libnginx-mod-rtmp)", bc_cfg.nginx_bin, RTMP_MODULE);
        goto out;
    }
    if (!port_free(bc_cfg.rtmp_port)) {
        bc_log_error("rtmp", "RTMP port %d is already in use (BROADCART_RTMP_PORT)", bc_cfg.rtmp_port);
        goto out;
    }
    /* everything the child needs is prepared before fork (only async-signal-safe calls after) */
    char *const argv[] = {bc_cfg.nginx_bin, "-p", rtmp_dir, "-c", conf, "-e", err_log, NULL};
    int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    int outfd = open(out_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    pid_t parent = getpid();
    pid_t pid = devnull >= 0 && outfd >= 0 ? fork() : -1;
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM); /* nginx: TERM = fast shutdown, workers included */
        if (getppid() != parent)
            _exit(127); /* the parent died before prctl took effect */
        setpgid(0, 0);  /* our own group: bc_rtmp_stop can kill stray workers too */
        dup2(devnull, 0);
        dup2(outfd, 1);
        dup2(outfd, 2);
        execv(argv[0], argv);
        _exit(127);
    }
    if (devnull >= 0)
        close(devnull);
    if (outfd >= 0)
        close(outfd);
    if (pid < 0) {
        bc_log_error("rtmp", "cannot start nginx: %s", strerror(errno));
        goto out;
    }
    nginx_pid = pid;
    /* alive for at least MIN_ALIVE_MS and accepting RTMP connections */
    int status, waited = 0;
    for (;;) {
        sleep_ms(50);
        waited += 50;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            nginx_pid = 0;
            bc_log_error("rtmp", "nginx exited at start (status %d); its logs:", status);
            log_tail(out_log);
            log_tail(err_log);
            goto out;
        }
        if (waited >= MIN_ALIVE_MS && port_open(bc_cfg.rtmp_port))
            break;
        if (waited >= START_TIMEOUT_MS) {
            bc_log_error("rtmp", "nginx does not accept RTMP on port %d after %d ms; its logs:", bc_cfg.rtmp_port,
                         waited);
            log_tail(out_log);
            log_tail(err_log);
            bc_rtmp_stop();
            goto out;
        }
    }
    bc_log_info("rtmp", "nginx-rtmp (pid %d) ingesting on rtmp://0.0.0.0:%d/live after %d ms, HLS in %s", (int)pid,
                bc_cfg.rtmp_port, waited, hls_dir);
    /* lives left LIVE by a previous run are not ended here: another instance's nginx may ingest
     * them; the sweep's stall rule finds those whose segments stopped (live.h) */
    rc = BC_OK;
out:
    return rc;
}

/* The control endpoint's URL for path (e.g. "/control/drop/publisher?...") into url, and the Unix
 * socket to reach it through (NULL: TCP): BROADCART_RTMP_CONTROL_URL, or our nginx child's socket.
 * BC_OK, or BC_ENOTFOUND when there is no control endpoint. */
static int control_target(const char *path, char *url, size_t n, const char **unix_path)
{
    const char *base = bc_cfg.rtmp_control_url;
    *unix_path = NULL;
    if (!base[0] && control_sock[0] && nginx_pid > 0) {
        *unix_path = control_sock;
        base = "http://localhost";
    } else if (strncmp(base, "unix:", 5) == 0) {
        *unix_path = base + 5;
        base = "http://localhost";
    }
    if (!base[0])
        return BC_ENOTFOUND;
    size_t blen = strlen(base);
    while (blen > 0 && base[blen - 1] == '/')
        blen--;
    snprintf(url, n, "%.*s%s", (int)blen, base, path);
    return BC_OK;
}

/* One GET of the control endpoint's path into body (capped); *status gets the HTTP status.
 * BC_OK (an answer), BC_ENOTFOUND (no endpoint) or BC_ERR (transport, logged as what). */
static int control_get(const char *path, bc_buf *body, long *status, long timeout_ms, const char *what)
{
    char url[sizeof bc_cfg.rtmp_control_url + 128];
    const char *unix_path;
    *status = 0;
    if (control_target(path, url, sizeof url, &unix_path) != BC_OK)
        return BC_ENOTFOUND;
    CURL *c = curl_easy_init();
    if (!c)
        return BC_ERR;
    curl_easy_setopt(c, CURLOPT_URL, url);
    if (unix_path)
        curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, unix_path);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 1000L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, bc_buf_curl_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
    CURLcode cc = curl_easy_perform(c);
    if (cc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    curl_easy_cleanup(c);
    if (cc != CURLE_OK) {
        bc_log_warn("rtmp", "%s: %s", what, curl_easy_strerror(cc));
        return BC_ERR;
    }
    return BC_OK;
}

int bc_rtmp_drop_publisher(int64_t live_id, int *dropped)
{
    char path[96], what[64];
    bc_buf body;
    long status = 0;
    int rc;
    if (dropped)
        *dropped = 0;
    snprintf(path, sizeof path, "/control/drop/publisher?app=live&name=%lld", (long long)live_id);
    snprintf(what, sizeof what, "control drop of live %lld", (long long)live_id);
    bc_buf_init(&body, 64);
    rc = control_get(path, &body, &status, 2000L, what);
    if (rc != BC_OK)
        goto out;
    if (status != 200) {
        bc_log_warn("rtmp", "%s: HTTP %ld", what, status);
        rc = BC_ERR;
        goto out;
    }
    if (dropped)
        *dropped = body.data ? atoi(body.data) : 0;
out:
    bc_buf_free(&body);
    return rc;
}

int bc_rtmp_stat(bc_buf *xml)
{
    long status = 0;
    int rc = control_get("/stat", xml, &status, 1000L, "statistics");
    if (rc == BC_OK && status != 200) {
        bc_log_warn("rtmp", "statistics: HTTP %ld", status);
        rc = BC_ERR;
    }
    return rc;
}

void bc_rtmp_stop(void)
{
    pid_t pid = nginx_pid;
    int status;
    if (pid <= 0)
        return;
    kill(pid, SIGTERM); /* fast shutdown: a graceful QUIT would wait for connected publishers */
    for (int waited = 0; waited < STOP_GRACE_MS; waited += 50) {
        if (waitpid(pid, &status, WNOHANG) == pid)
            goto reaped;
        sleep_ms(50);
    }
    bc_log_warn("rtmp", "nginx did not stop within %d ms; killing it", STOP_GRACE_MS);
    kill(-pid, SIGKILL); /* the whole group: master and workers */
    waitpid(pid, &status, 0);
reaped:
    kill(-pid, SIGKILL); /* workers that outlived their master, if any (ESRCH otherwise) */
    nginx_pid = 0;
}
