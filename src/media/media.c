/* Image sniffing (magic bytes), header-only dimension parsing and atomic storage of uploads.
 * No SQL and no http here, so the unit tests can call everything directly. */
#include "media.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

static uint32_t be16(const unsigned char *p) { return (uint32_t)p[0] << 8 | p[1]; }
static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static uint32_t le16(const unsigned char *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t le24(const unsigned char *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16; }
static uint32_t le32(const unsigned char *p) { return le24(p) | (uint32_t)p[3] << 24; }

enum bc_media_type bc_media_detect(const unsigned char *data, size_t len)
{
    static const unsigned char png_sig[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
    if (!data)
        return BC_MEDIA_NONE;
    if (len >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF)
        return BC_MEDIA_JPEG;
    if (len >= 8 && memcmp(data, png_sig, 8) == 0)
        return BC_MEDIA_PNG;
    if (len >= 12 && memcmp(data, "RIFF", 4) == 0 && memcmp(data + 8, "WEBP", 4) == 0)
        return BC_MEDIA_WEBP;
    return BC_MEDIA_NONE;
}

/* PNG spec §11.2.2: signature (8), then the IHDR chunk: length (4, BE, = 13), "IHDR", width (4,
 * BE), height (4, BE), ... Widths/heights above 2^31-1 are invalid per spec. */
static int png_dims(const unsigned char *d, size_t len, uint32_t *w, uint32_t *h)
{
    if (len < 8 + 8 + 13 || be32(d + 8) != 13 || memcmp(d + 12, "IHDR", 4) != 0)
        return BC_EINVAL;
    *w = be32(d + 16);
    *h = be32(d + 20);
    return (*w & 0x80000000u) || (*h & 0x80000000u) ? BC_EINVAL : BC_OK;
}

/* 1 for the start-of-frame markers SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC). */
static int jpeg_is_sof(unsigned char m) { return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC; }

/* ITU-T T.81 B.1.1 / B.2.2: after SOI, marker segments FF xx [Lf(2, BE, includes itself) ...].
 * Fill bytes FF may precede a marker; RSTn (D0..D7) and TEM (01) have no length. The frame
 * header SOFn is Lf(2) P(1) Y(2) X(2) Nf(1) ...; Y = 0 (height given later by DNL) is refused. */
static int jpeg_dims(const unsigned char *d, size_t len, uint32_t *w, uint32_t *h)
{
    size_t i = 2;
    while (i < len) {
        if (d[i] != 0xFF)
            return BC_EINVAL;
        while (i < len && d[i] == 0xFF)
            i++;
        if (i >= len)
            return BC_EINVAL;
        unsigned char m = d[i++];
        if (m == 0x01 || (m >= 0xD0 && m <= 0xD7))
            continue;
        if (m == 0x00 || m == 0xD8 || m == 0xD9 || m == 0xDA)
            return BC_EINVAL; /* stuffed byte, second SOI, EOI or scan data before any frame header */
        if (len - i < 2)
            return BC_EINVAL;
        size_t seg = be16(d + i);
        if (seg < 2 || seg > len - i)
            return BC_EINVAL;
        if (jpeg_is_sof(m)) {
            if (seg < 8)
                return BC_EINVAL;
            *h = be16(d + i + 3);
            *w = be16(d + i + 5);
            return *h == 0 ? BC_EINVAL : BC_OK;
        }
        i += seg;
    }
    return BC_EINVAL;
}

/* WebP container spec: "RIFF" size(4, LE) "WEBP", then the first chunk: FourCC(4) size(4, LE)
 * payload from offset 20.
 * "VP8 ": frame tag (3 bytes, bit 0 of byte 0 = 0 for a key frame), start code 9D 01 2A, then
 *         width and height, 2 bytes LE each, low 14 bits (RFC 6386 §9.1).
 * "VP8L": signature 0x2F, then a 32-bit LE word: bits 0..13 width-1, 14..27 height-1, 29..31
 *         version (must be 0).
 * "VP8X": flags(1) reserved(3) canvas width-1 (24-bit LE) canvas height-1 (24-bit LE). */
static int webp_dims(const unsigned char *d, size_t len, uint32_t *w, uint32_t *h)
{
    if (len < 20)
        return BC_EINVAL;
    const unsigned char *fourcc = d + 12, *p = d + 20;
    uint32_t chunk = le32(d + 16);
    if (memcmp(fourcc, "VP8 ", 4) == 0) {
        if (len < 30 || chunk < 10 || (p[0] & 1) != 0 || p[3] != 0x9D || p[4] != 0x01 || p[5] != 0x2A)
            return BC_EINVAL;
        *w = le16(p + 6) & 0x3FFF;
        *h = le16(p + 8) & 0x3FFF;
        return BC_OK;
    }
    if (memcmp(fourcc, "VP8L", 4) == 0) {
        if (len < 25 || chunk < 5 || p[0] != 0x2F)
            return BC_EINVAL;
        uint32_t bits = le32(p + 1);
        if (bits >> 29)
            return BC_EINVAL;
        *w = (bits & 0x3FFF) + 1;
        *h = ((bits >> 14) & 0x3FFF) + 1;
        return BC_OK;
    }
    if (memcmp(fourcc, "VP8X", 4) == 0) {
        if (len < 30 || chunk < 10)
            return BC_EINVAL;
        *w = le24(p + 4) + 1;
        *h = le24(p + 7) + 1;
        return BC_OK;
    }
    return BC_EINVAL;
}

int bc_media_dimensions(enum bc_media_type type, const unsigned char *data, size_t len, uint32_t *width,
                        uint32_t *height)
{
    *width = *height = 0;
    if (!data)
        return BC_EINVAL;
    switch (type) {
    case BC_MEDIA_PNG:
        return png_dims(data, len, width, height);
    case BC_MEDIA_JPEG:
        return jpeg_dims(data, len, width, height);
    case BC_MEDIA_WEBP:
        return webp_dims(data, len, width, height);
    default:
        return BC_EINVAL;
    }
}

int bc_media_dims_ok(uint32_t width, uint32_t height)
{
    return width >= BC_MEDIA_MIN_DIM && width <= BC_MEDIA_MAX_DIM && height >= BC_MEDIA_MIN_DIM &&
           height <= BC_MEDIA_MAX_DIM;
}

enum bc_media_type bc_media_type_from_mime(const char *ct)
{
    static const struct {
        const char *mime;
        enum bc_media_type type;
    } known[] = {{"image/jpeg", BC_MEDIA_JPEG}, {"image/png", BC_MEDIA_PNG}, {"image/webp", BC_MEDIA_WEBP}};
    if (!ct)
        return BC_MEDIA_NONE;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    size_t n = strcspn(ct, ";");
    while (n > 0 && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
        n--;
    for (size_t i = 0; i < sizeof known / sizeof *known; i++)
        if (strlen(known[i].mime) == n && strncasecmp(ct, known[i].mime, n) == 0)
            return known[i].type;
    return BC_MEDIA_NONE;
}

const char *bc_media_mime(enum bc_media_type type)
{
    switch (type) {
    case BC_MEDIA_JPEG:
        return "image/jpeg";
    case BC_MEDIA_PNG:
        return "image/png";
    case BC_MEDIA_WEBP:
        return "image/webp";
    default:
        return NULL;
    }
}

const char *bc_media_ext(enum bc_media_type type)
{
    switch (type) {
    case BC_MEDIA_JPEG:
        return "jpg";
    case BC_MEDIA_PNG:
        return "png";
    case BC_MEDIA_WEBP:
        return "webp";
    default:
        return NULL;
    }
}

int bc_media_store(const char *dir, enum bc_media_type type, const unsigned char *data, size_t len, char *name,
                   size_t name_len)
{
    const char *ext = bc_media_ext(type);
    char rnd[33], tmp_path[700] = "", final_path[700];
    int fd = -1, rc = BC_ERR;
    if (!ext || name_len < 40)
        return BC_EINVAL;
    name[0] = 0;
    if (bc_mkdirs(dir) != BC_OK) {
        bc_log_error("media", "cannot create %s: %s", dir, strerror(errno));
        goto out;
    }
    bc_rand_token(rnd, 32);
    snprintf(final_path, sizeof final_path, "%s/%s.%s", dir, rnd, ext);
    snprintf(tmp_path, sizeof tmp_path, "%s/.%s.%s.tmp", dir, rnd, ext);
    fd = open(tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        bc_log_error("media", "cannot create %s: %s", tmp_path, strerror(errno));
        tmp_path[0] = 0; /* not ours: never unlink it */
        goto out;
    }
    for (size_t off = 0; off < len;) {
        ssize_t n = write(fd, data + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            bc_log_error("media", "cannot write %s: %s", tmp_path, strerror(errno));
            goto out;
        }
        off += (size_t)n;
    }
    int bad = fsync(fd) != 0;
    bad |= close(fd) != 0;
    fd = -1;
    if (bad) {
        bc_log_error("media", "cannot write %s: %s", tmp_path, strerror(errno));
        goto out;
    }
    if (rename(tmp_path, final_path) != 0) {
        bc_log_error("media", "cannot rename %s: %s", tmp_path, strerror(errno));
        goto out;
    }
    tmp_path[0] = 0;
    snprintf(name, name_len, "%s.%s", rnd, ext);
    rc = BC_OK;
out:
    if (fd >= 0)
        close(fd);
    if (tmp_path[0])
        unlink(tmp_path);
    return rc;
}

int bc_media_name_ok(const char *name)
{
    if (!name)
        return 0;
    for (int i = 0; i < 32; i++)
        if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= 'A' && name[i] <= 'Z') ||
              (name[i] >= '0' && name[i] <= '9')))
            return 0;
    const char *ext = name + 32;
    return strcmp(ext, ".jpg") == 0 || strcmp(ext, ".png") == 0 || strcmp(ext, ".webp") == 0;
}
