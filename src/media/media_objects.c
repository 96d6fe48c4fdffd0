/* The object store behind bc_media_put/put_file/delete/url (media.h): files under
 * {data_dir}/media/{key} by default, written atomically (temporary file + rename); objects in the
 * S3 bucket (s3.c) when BROADCART_S3_ENDPOINT is set. Also the upload storage of media_api.c and
 * `broadcart media check`. */
#include "media.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/core.h"

int bc_media_key_ok(const char *key)
{
    if (!key || !*key || *key == '/' || strlen(key) > BC_MEDIA_KEY_MAX || strstr(key, ".."))
        return 0;
    for (const char *p = key; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' ||
              *p == '_' || *p == '/' || *p == '-'))
            return 0;
    return key[strlen(key) - 1] != '/';
}

/* {data_dir}/media/{key} into out; creates the parent directories when mkdir is set. */
static int local_path(const char *key, char *out, size_t n, int mkdir)
{
    int w = snprintf(out, n, "%s/media/%s", bc_cfg.data_dir, key);
    if (w < 0 || (size_t)w >= n)
        return BC_ERR;
    if (!mkdir)
        return BC_OK;
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", out);
    char *slash = strrchr(dir, '/');
    *slash = 0;
    return bc_mkdirs(dir);
}

int bc_media_init(void) { return bc_media_s3_check_config(); }

int bc_media_origin(char *out, size_t n)
{
    if (!bc_media_s3_enabled()) {
        if (n)
            out[0] = 0;
        return n ? BC_OK : BC_ERR;
    }
    return bc_media_s3_origin(out, n);
}

int bc_media_put(const char *key, const void *data, size_t len, const char *content_type)
{
    char path[PATH_MAX], tmp[PATH_MAX + 16];
    if (!bc_media_key_ok(key) || !content_type || (!data && len))
        return BC_EINVAL;
    if (bc_media_s3_enabled()) /* a PUT replaces the object at once: readers see the old or the new one */
        return bc_media_s3_put(key, data, len, content_type);
    if (local_path(key, path, sizeof path, 1) != BC_OK)
        return BC_ERR;
    snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid());
    int rc = BC_ERR;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        goto out;
    const char *p = data;
    size_t off = 0;
    while (off < len) {
        ssize_t k = write(fd, p + off, len - off);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            goto out;
        off += (size_t)k;
    }
    if (close(fd) != 0) {
        fd = -1;
        goto out;
    }
    fd = -1;
    if (rename(tmp, path) != 0)
        goto out;
    rc = BC_OK;
out:
    if (fd >= 0)
        close(fd);
    if (rc != BC_OK) {
        bc_log_error("media", "store %s: %s", key, strerror(errno));
        unlink(tmp);
    }
    return rc;
}

/* Reads the whole file at path (at most max bytes) into *data (malloc'd, NUL-terminated; the
 * caller frees) and *len. BC_OK, BC_ENOTFOUND (no file), BC_ENOMEM (larger than max) or BC_ERR. */
static int read_whole(const char *path, size_t max, char **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return errno == ENOENT ? BC_ENOTFOUND : BC_ERR;
    int rc = BC_ERR;
    char *buf = NULL;
    struct stat sb;
    if (fstat(fileno(f), &sb) != 0 || sb.st_size < 0)
        goto out;
    rc = BC_ENOMEM;
    if ((uint64_t)sb.st_size > max)
        goto out;
    rc = BC_ERR;
    if (!(buf = malloc((size_t)sb.st_size + 1)))
        abort(); /* the out-of-memory policy: abort, as bc_arena_alloc */
    if (fread(buf, 1, (size_t)sb.st_size, f) != (size_t)sb.st_size)
        goto out;
    buf[sb.st_size] = 0;
    *data = buf;
    *len = (size_t)sb.st_size;
    buf = NULL;
    rc = BC_OK;
out:
    free(buf);
    fclose(f);
    return rc;
}

int bc_media_put_file(const char *key, const char *path, const char *content_type)
{
    char *buf = NULL;
    size_t len = 0;
    if (!bc_media_key_ok(key) || !path || !content_type)
        return BC_EINVAL;
    int rc = read_whole(path, SIZE_MAX - 1, &buf, &len);
    if (rc == BC_OK)
        rc = bc_media_put(key, buf, len, content_type);
    free(buf);
    return rc;
}

int bc_media_get(const char *key, size_t max, char **data, size_t *len)
{
    char path[PATH_MAX];
    *data = NULL;
    *len = 0;
    if (!bc_media_key_ok(key))
        return BC_EINVAL;
    if (bc_media_s3_enabled())
        return bc_media_s3_get(key, max, data, len);
    if (local_path(key, path, sizeof path, 0) != BC_OK)
        return BC_ERR;
    int rc = read_whole(path, max, data, len);
    if (rc == BC_ERR)
        bc_log_error("media", "read %s: %s", key, strerror(errno));
    return rc;
}

int bc_media_delete(const char *key)
{
    char path[PATH_MAX];
    if (!bc_media_key_ok(key))
        return BC_EINVAL;
    if (bc_media_s3_enabled())
        return bc_media_s3_delete(key);
    if (local_path(key, path, sizeof path, 0) != BC_OK)
        return BC_ERR;
    return unlink(path) == 0 || errno == ENOENT ? BC_OK : BC_ERR;
}

int bc_media_url(const char *key, char *out, size_t n)
{
    if (!bc_media_key_ok(key))
        return BC_EINVAL;
    if (bc_media_s3_enabled())
        return bc_media_s3_url(key, out, n);
    int w = snprintf(out, n, "/media/%s", key);
    return w < 0 || (size_t)w >= n ? BC_ERR : BC_OK;
}

int bc_media_store_upload(enum bc_media_type type, const unsigned char *data, size_t len, char *name, size_t name_len)
{
    char dir[PATH_MAX], rnd[33], key[64];
    if (!bc_media_s3_enabled()) {
        int w = snprintf(dir, sizeof dir, "%s/media/uploads", bc_cfg.data_dir);
        return w < 0 || (size_t)w >= sizeof dir ? BC_ERR : bc_media_store(dir, type, data, len, name, name_len);
    }
    if (!bc_media_ext(type) || name_len < 40)
        return BC_EINVAL;
    bc_rand_token(rnd, 32);
    snprintf(name, name_len, "%s.%s", rnd, bc_media_ext(type));
    snprintf(key, sizeof key, "uploads/%s", name);
    int rc = bc_media_s3_put(key, data, len, bc_media_mime(type));
    if (rc != BC_OK)
        name[0] = 0;
    return rc;
}

int bc_media_delete_upload(const char *name)
{
    char key[64];
    if (!bc_media_name_ok(name))
        return BC_EINVAL;
    snprintf(key, sizeof key, "uploads/%s", name);
    return bc_media_delete(key);
}

/* Reads the object at url back into buf (cap bytes): the local file behind /media/{key}, or an
 * anonymous GET of the bucket's URL. *status: 200 when found, 404 when not (local), else the HTTP
 * status. BC_OK when an answer came, BC_EGATEWAY/BC_ERR when not. */
static int read_back(const char *key, const char *url, char *buf, size_t cap, size_t *len, long *status)
{
    if (bc_media_s3_enabled())
        return bc_media_s3_fetch(url, buf, cap, len, status);
    char path[PATH_MAX];
    if (local_path(key, path, sizeof path, 0) != BC_OK)
        return BC_ERR;
    FILE *f = fopen(path, "rb");
    *len = 0;
    *status = f ? 200 : errno == ENOENT ? 404 : 500;
    if (f) {
        *len = fread(buf, 1, cap, f);
        fclose(f);
    }
    return *status == 500 ? BC_ERR : BC_OK;
}

int bc_media_check(FILE *out)
{
    char key[64], rnd[17], url[1024], tmp[PATH_MAX], want[80], got[96];
    size_t len = 0;
    long status = 0;
    int rc = BC_ERR, fd = -1;
    bc_rand_token(rnd, 16);
    snprintf(key, sizeof key, "checks/probe-%s.txt", rnd);
    int wn = snprintf(want, sizeof want, "broadcart media check %s\n", rnd);
    snprintf(tmp, sizeof tmp, "%s/.media-check-%s", bc_cfg.data_dir, rnd);
    if (bc_media_url(key, url, sizeof url) != BC_OK || bc_mkdirs(bc_cfg.data_dir) != BC_OK)
        goto out;
    fprintf(out, "media store: %s\n",
            bc_media_s3_enabled() ? "S3-compatible storage (BROADCART_S3_ENDPOINT)" : "files under {data_dir}/media");
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 || write(fd, want, (size_t)wn) != wn) {
        fprintf(out, "FAIL: cannot write %s: %s\n", tmp, strerror(errno));
        goto out;
    }
    if ((rc = bc_media_put_file(key, tmp, "text/plain")) != BC_OK) {
        fprintf(out, "FAIL: storing %s (see the log above)\n", key);
        goto out;
    }
    fprintf(out, "stored %s\n", key);
    rc = BC_ERR;
    if (read_back(key, url, got, sizeof got, &len, &status) != BC_OK || status != 200 || len != (size_t)wn ||
        memcmp(got, want, len) != 0) {
        fprintf(out, "FAIL: reading it back from %s gave HTTP %ld, %zu bytes (is the bucket publicly readable?)\n", url,
                status, len);
        bc_media_delete(key);
        goto out;
    }
    fprintf(out, "read back from %s\n", url);
    if ((rc = bc_media_delete(key)) != BC_OK) {
        fprintf(out, "FAIL: deleting %s\n", key);
        goto out;
    }
    rc = BC_ERR;
    if (read_back(key, url, got, sizeof got, &len, &status) != BC_OK || status == 200) {
        fprintf(out, "FAIL: %s is still there after the delete (HTTP %ld)\n", url, status);
        goto out;
    }
    fprintf(out, "deleted it (now HTTP %ld)\nOK\n", status);
    rc = BC_OK;
out:
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    return rc;
}
