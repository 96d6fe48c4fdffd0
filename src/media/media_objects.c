/* The object store behind bc_media_put/put_file/delete/url (media.h): files under
 * {data_dir}/media/{key} by default. Written atomically (temporary file + rename). */
#include "media.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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

int bc_media_put(const char *key, const void *data, size_t len, const char *content_type)
{
    char path[PATH_MAX], tmp[PATH_MAX + 16];
    if (!bc_media_key_ok(key) || !content_type || (!data && len))
        return BC_EINVAL;
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

int bc_media_put_file(const char *key, const char *path, const char *content_type)
{
    if (!bc_media_key_ok(key) || !path || !content_type)
        return BC_EINVAL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return errno == ENOENT ? BC_ENOTFOUND : BC_ERR;
    int rc = BC_ERR;
    char *buf = NULL;
    struct stat sb;
    if (fstat(fileno(f), &sb) != 0 || sb.st_size < 0)
        goto out;
    buf = malloc((size_t)sb.st_size + 1);
    if (!buf)
        abort(); /* the out-of-memory policy: abort, as bc_arena_alloc */
    if (fread(buf, 1, (size_t)sb.st_size, f) != (size_t)sb.st_size)
        goto out;
    rc = bc_media_put(key, buf, (size_t)sb.st_size, content_type);
out:
    free(buf);
    fclose(f);
    return rc;
}

int bc_media_delete(const char *key)
{
    char path[PATH_MAX];
    if (!bc_media_key_ok(key))
        return BC_EINVAL;
    if (local_path(key, path, sizeof path, 0) != BC_OK)
        return BC_ERR;
    return unlink(path) == 0 || errno == ENOENT ? BC_OK : BC_ERR;
}

int bc_media_url(const char *key, char *out, size_t n)
{
    if (!bc_media_key_ok(key))
        return BC_EINVAL;
    int w = snprintf(out, n, "/media/%s", key);
    return w < 0 || (size_t)w >= n ? BC_ERR : BC_OK;
}
