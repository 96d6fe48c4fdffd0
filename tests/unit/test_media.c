/* Unit tests of media: magic-byte detection, header-only dimensions (PNG IHDR, JPEG SOFn, WebP
 * VP8/VP8L/VP8X), the dimension limits, Content-Type parsing and atomic storage. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../src/media/media.h"

/* A PNG signature + IHDR chunk (CRC not checked by the sniffer) for w x h. */
static size_t make_png(unsigned char *b, uint32_t w, uint32_t h)
{
    static const unsigned char head[] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 'I', 'H', 'D', 'R'};
    memcpy(b, head, sizeof head);
    unsigned char *p = b + sizeof head;
    for (int i = 0; i < 4; i++) {
        p[i] = (unsigned char)(w >> (24 - 8 * i));
        p[4 + i] = (unsigned char)(h >> (24 - 8 * i));
    }
    p[8] = 8; /* bit depth */
    p[9] = 6; /* RGBA */
    p[10] = p[11] = p[12] = 0;
    memset(p + 13, 0, 4); /* CRC */
    return sizeof head + 13 + 4;
}

/* SOI, an APP0 segment, a DQT-like filler segment, fill bytes, then SOF0 (or sof) for w x h, then EOI. */
static size_t make_jpeg(unsigned char *b, unsigned char sof, uint32_t w, uint32_t h)
{
    size_t n = 0;
    const unsigned char soi_app0[] = {0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F',
                                      0,    1,    1,    0,    0,    1,    0,   1,   0,   0};
    memcpy(b, soi_app0, sizeof soi_app0);
    n = sizeof soi_app0;
    const unsigned char dht[] = {0xFF, 0xC4, 0x00, 0x04, 0xAA, 0xBB}; /* DHT is not a SOF (C4) */
    memcpy(b + n, dht, sizeof dht);
    n += sizeof dht;
    b[n++] = 0xFF; /* a fill byte before the marker */
    const unsigned char sof_seg[] = {0xFF,
                                     sof,
                                     0x00,
                                     0x0B,
                                     0x08,
                                     (unsigned char)(h >> 8),
                                     (unsigned char)h,
                                     (unsigned char)(w >> 8),
                                     (unsigned char)w,
                                     0x01,
                                     0x01,
                                     0x11,
                                     0x00};
    memcpy(b + n, sof_seg, sizeof sof_seg);
    n += sizeof sof_seg;
    b[n++] = 0xFF;
    b[n++] = 0xD9;
    return n;
}

static void put_le(unsigned char *p, uint32_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* RIFF/WEBP with a first chunk of fourcc and payload (len bytes). */
static size_t make_webp(unsigned char *b, const char *fourcc, const unsigned char *payload, size_t len)
{
    memcpy(b, "RIFF", 4);
    put_le(b + 4, (uint32_t)(4 + 8 + len), 4);
    memcpy(b + 8, "WEBP", 4);
    memcpy(b + 12, fourcc, 4);
    put_le(b + 16, (uint32_t)len, 4);
    memcpy(b + 20, payload, len);
    return 20 + len;
}

static void detect_magic(void **state)
{
    (void)state;
    unsigned char b[128];
    assert_int_equal(bc_media_detect(b, make_png(b, 1, 1)), BC_MEDIA_PNG);
    assert_int_equal(bc_media_detect(b, make_jpeg(b, 0xC0, 1, 1)), BC_MEDIA_JPEG);
    const unsigned char vp8l[5] = {0x2F, 0, 0, 0, 0};
    assert_int_equal(bc_media_detect(b, make_webp(b, "VP8L", vp8l, 5)), BC_MEDIA_WEBP);

    const char *text = "hello, I am a text file renamed to .png";
    assert_int_equal(bc_media_detect((const unsigned char *)text, strlen(text)), BC_MEDIA_NONE);
    const char *svg =
        "<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>";
    assert_int_equal(bc_media_detect((const unsigned char *)svg, strlen(svg)), BC_MEDIA_NONE);
    assert_int_equal(bc_media_detect((const unsigned char *)"GIF89a\x01\x00\x01\x00", 10), BC_MEDIA_NONE);
    assert_int_equal(bc_media_detect((const unsigned char *)"RIFF\x10\0\0\0WAVEfmt ", 16), BC_MEDIA_NONE);
    /* truncated signatures */
    assert_int_equal(bc_media_detect((const unsigned char *)"\xFF\xD8", 2), BC_MEDIA_NONE);
    make_png(b, 1, 1);
    assert_int_equal(bc_media_detect(b, 7), BC_MEDIA_NONE);
    assert_int_equal(bc_media_detect((const unsigned char *)"RIFF\0\0\0\0WEB", 11), BC_MEDIA_NONE);
    assert_int_equal(bc_media_detect(NULL, 0), BC_MEDIA_NONE);
    assert_int_equal(bc_media_detect(b, 0), BC_MEDIA_NONE);
}

static void png_dimensions(void **state)
{
    (void)state;
    unsigned char b[64];
    uint32_t w, h;
    size_t n = make_png(b, 640, 480);
    assert_int_equal(bc_media_dimensions(BC_MEDIA_PNG, b, n, &w, &h), BC_OK);
    assert_int_equal(w, 640);
    assert_int_equal(h, 480);
    n = make_png(b, 70000, 1);
    assert_int_equal(bc_media_dimensions(BC_MEDIA_PNG, b, n, &w, &h), BC_OK);
    assert_int_equal(w, 70000); /* read, then refused by bc_media_dims_ok */
    assert_false(bc_media_dims_ok(w, h));
    /* truncated IHDR */
    make_png(b, 10, 10);
    assert_int_equal(bc_media_dimensions(BC_MEDIA_PNG, b, 20, &w, &h), BC_EINVAL);
    /* first chunk not IHDR */
    make_png(b, 10, 10);
    memcpy(b + 12, "IDAT", 4);
    assert_int_equal(bc_media_dimensions(BC_MEDIA_PNG, b, n, &w, &h), BC_EINVAL);
    /* IHDR length not 13 */
    make_png(b, 10, 10);
    b[11] = 12;
    assert_int_equal(bc_media_dimensions(BC_MEDIA_PNG, b, n, &w, &h), BC_EINVAL);
    /* > 2^31-1 is invalid per spec */
    n = make_png(b, 0x80000000u, 1);
    assert_int_equal(bc_media_dimensions(BC_MEDIA_PNG, b, n, &w, &h), BC_EINVAL);
}

static void jpeg_dimensions(void **state)
{
    (void)state;
    unsigned char b[128];
    uint32_t w, h;
    static const unsigned char sofs[] = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF};
    for (size_t i = 0; i < sizeof sofs; i++) {
        size_t n = make_jpeg(b, sofs[i], 1024, 768);
        assert_int_equal(bc_media_dimensions(BC_MEDIA_JPEG, b, n, &w, &h), BC_OK);
        assert_int_equal(w, 1024);
        assert_int_equal(h, 768);
    }
    /* C8 (JPG) and CC (DAC) are not frame headers: no SOF follows, so malformed */
    size_t n = make_jpeg(b, 0xCC, 10, 10);
    assert_int_equal(bc_media_dimensions(BC_MEDIA_JPEG, b, n, &w, &h), BC_EINVAL);
    /* height 0 (DNL) refused */
    n = make_jpeg(b, 0xC0, 10, 0);
    assert_int_equal(bc_media_dimensions(BC_MEDIA_JPEG, b, n, &w, &h), BC_EINVAL);
    /* truncated inside the SOF segment / inside the APP0 segment */
    n = make_jpeg(b, 0xC0, 10, 10);
    assert_int_equal(bc_media_dimensions(BC_MEDIA_JPEG, b, n - 6, &w, &h), BC_EINVAL);
    assert_int_equal(bc_media_dimensions(BC_MEDIA_JPEG, b, 10, &w, &h), BC_EINVAL);
    /* bare SOI + EOI, SOS before SOF, garbage instead of a marker, a zero-length segment */
    assert_int_equal(bc_media_dimensions(BC_MEDIA_JPEG, (const unsigned char *)"\xFF\xD8\xFF\xD9", 4, &w, &h),
                     BC_EINVAL);
    assert_int_equal(bc_media_dimensions(BC_MEDIA_JPEG, (const unsigned char *)"\xFF\xD8\xFF\xDA\x00\x02", 6, &w, &h),
                     BC_EINVAL);
    assert_int_equal(
        bc_media_dimensions(BC_MEDIA_JPEG, (const unsigned char *)"\xFF\xD8\xFF\xE0\x00\x02\x41", 7, &w, &h),
        BC_EINVAL);
    assert_int_equal(bc_media_dimensions(BC_MEDIA_JPEG, (const unsigned char *)"\xFF\xD8\xFF\xE0\x00\x00", 6, &w, &h),
                     BC_EINVAL);
    assert_int_equal(bc_media_dimensions(BC_MEDIA_JPEG, (const unsigned char *)"\xFF\xD8\xFF\xFF\xFF", 5, &w, &h),
                     BC_EINVAL);
}

static void webp_dimensions(void **state)
{
    (void)state;
    unsigned char b[64], p[16];
    uint32_t w, h;
    /* VP8 (lossy): key frame tag, start code, 14-bit width/height (upper 2 bits: scale) */
    memset(p, 0, sizeof p);
    p[0] = 0x10; /* bit 0 = 0: key frame */
    p[3] = 0x9D;
    p[4] = 0x01;
    p[5] = 0x2A;
    put_le(p + 6, 800 | (1u << 14), 2);
    put_le(p + 8, 600, 2);
    size_t n = make_webp(b, "VP8 ", p, 10);
    assert_int_equal(bc_media_dimensions(BC_MEDIA_WEBP, b, n, &w, &h), BC_OK);
    assert_int_equal(w, 800);
    assert_int_equal(h, 600);
    p[4] = 0x02; /* bad start code */
    n = make_webp(b, "VP8 ", p, 10);
    assert_int_equal(bc_media_dimensions(BC_MEDIA_WEBP, b, n, &w, &h), BC_EINVAL);
    /* VP8L (lossless): 0x2F, then width-1 (14 bits), height-1 (14 bits) */
    memset(p, 0, sizeof p);
    p[0] = 0x2F;
    put_le(p + 1, (uint32_t)(320 - 1) | (uint32_t)(240 - 1) << 14, 4);
    n = make_webp(b, "VP8L", p, 5);
    assert_int_equal(bc_media_dimensions(BC_MEDIA_WEBP, b, n, &w, &h), BC_OK);
    assert_int_equal(w, 320);
    assert_int_equal(h, 240);
    put_le(p + 1, 1u << 29, 4); /* version != 0 */
    n = make_webp(b, "VP8L", p, 5);
    assert_int_equal(bc_media_dimensions(BC_MEDIA_WEBP, b, n, &w, &h), BC_EINVAL);
    /* VP8X (extended): canvas width-1 / height-1, 24 bits each */
    memset(p, 0, sizeof p);
    put_le(p + 4, 9000 - 1, 3);
    put_le(p + 7, 2 - 1, 3);
    n = make_webp(b, "VP8X", p, 10);
    assert_int_equal(bc_media_dimensions(BC_MEDIA_WEBP, b, n, &w, &h), BC_OK);
    assert_int_equal(w, 9000);
    assert_int_equal(h, 2);
    assert_false(bc_media_dims_ok(w, h));
    assert_int_equal(bc_media_dimensions(BC_MEDIA_WEBP, b, n - 1, &w, &h), BC_EINVAL);
    /* unknown first chunk */
    n = make_webp(b, "ALPH", p, 10);
    assert_int_equal(bc_media_dimensions(BC_MEDIA_WEBP, b, n, &w, &h), BC_EINVAL);
    assert_int_equal(bc_media_dimensions(BC_MEDIA_NONE, b, n, &w, &h), BC_EINVAL);
}

static void limits_and_mime(void **state)
{
    (void)state;
    assert_true(bc_media_dims_ok(1, 1));
    assert_true(bc_media_dims_ok(8000, 8000));
    assert_false(bc_media_dims_ok(0, 10));
    assert_false(bc_media_dims_ok(10, 0));
    assert_false(bc_media_dims_ok(8001, 10));
    assert_false(bc_media_dims_ok(10, 8001));
    assert_int_equal(bc_media_type_from_mime("image/png"), BC_MEDIA_PNG);
    assert_int_equal(bc_media_type_from_mime(" Image/JPEG ; charset=binary"), BC_MEDIA_JPEG);
    assert_int_equal(bc_media_type_from_mime("image/webp"), BC_MEDIA_WEBP);
    assert_int_equal(bc_media_type_from_mime("image/svg+xml"), BC_MEDIA_NONE);
    assert_int_equal(bc_media_type_from_mime("image/jpg"), BC_MEDIA_NONE);
    assert_int_equal(bc_media_type_from_mime("image/pngx"), BC_MEDIA_NONE);
    assert_int_equal(bc_media_type_from_mime("text/plain"), BC_MEDIA_NONE);
    assert_int_equal(bc_media_type_from_mime(""), BC_MEDIA_NONE);
    assert_int_equal(bc_media_type_from_mime(NULL), BC_MEDIA_NONE);
    assert_string_equal(bc_media_mime(BC_MEDIA_PNG), "image/png");
    assert_string_equal(bc_media_ext(BC_MEDIA_JPEG), "jpg");
    assert_string_equal(bc_media_ext(BC_MEDIA_WEBP), "webp");
    assert_null(bc_media_ext(BC_MEDIA_NONE));
}

static void store_atomically(void **state)
{
    (void)state;
    char base[] = "/tmp/bc-media-XXXXXX", dir[300], name[48], path[400];
    unsigned char b[64], back[64];
    assert_non_null(mkdtemp(base));
    snprintf(dir, sizeof dir, "%s/media/uploads", base); /* created with parents */
    size_t n = make_png(b, 2, 3);
    assert_int_equal(bc_media_store(dir, BC_MEDIA_PNG, b, n, name, sizeof name), BC_OK);
    assert_int_equal(strlen(name), 36);
    assert_string_equal(name + 32, ".png");
    for (int i = 0; i < 32; i++)
        assert_true((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= 'A' && name[i] <= 'Z') ||
                    (name[i] >= '0' && name[i] <= '9'));
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fread(back, 1, sizeof back, f), n);
    fclose(f);
    assert_memory_equal(back, b, n);
    /* only the final file is left (no temporaries) */
    DIR *d = opendir(dir);
    int files = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            files++;
    closedir(d);
    assert_int_equal(files, 1);
    assert_int_equal(bc_media_store(dir, BC_MEDIA_NONE, b, n, name, sizeof name), BC_EINVAL);
    assert_int_equal(bc_media_store(dir, BC_MEDIA_PNG, b, n, name, 20), BC_EINVAL);
    unlink(path);
    rmdir(dir);
    snprintf(path, sizeof path, "%s/media", base);
    rmdir(path);
    rmdir(base);
}

/* Only names bc_media_store produces are ever looked up or served. */
static void upload_names(void **state)
{
    (void)state;
    const char *r32 = "aZ09aZ09aZ09aZ09aZ09aZ09aZ09aZ09";
    char name[64];
    for (const char *const *e = (const char *const[]){".png", ".jpg", ".webp", NULL}; *e; e++) {
        snprintf(name, sizeof name, "%s%s", r32, *e);
        assert_true(bc_media_name_ok(name));
    }
    const char *bad[] = {"aZ09aZ09aZ09aZ09aZ09aZ09aZ09aZ0.png",
                         "aZ09aZ09aZ09aZ09aZ09aZ09aZ09aZ09a.png",
                         "aZ09aZ09aZ09aZ09aZ09aZ09aZ09aZ09.html",
                         "aZ09aZ09aZ09aZ09aZ09aZ09aZ09aZ09.png.html",
                         "aZ09aZ09aZ09aZ09aZ09aZ09aZ09aZ0/.png",
                         ".Z09aZ09aZ09aZ09aZ09aZ09aZ09aZ09.png",
                         "aZ09aZ09aZ09aZ09aZ09aZ09aZ09aZ09.svg",
                         "",
                         NULL};
    for (int i = 0; bad[i]; i++)
        assert_false(bc_media_name_ok(bad[i]));
    assert_false(bc_media_name_ok(NULL));
}

/* The S3 settings check, object URLs and the CSP origin (s3.c / media_objects.c), no network. */
static void s3_settings_and_urls(void **state)
{
    (void)state;
    char out[512];
    memset(&bc_cfg, 0, sizeof bc_cfg);
    assert_int_equal(bc_media_init(), BC_OK); /* nothing set: the local store */
    assert_int_equal(bc_media_url("replays/3/index.m3u8", out, sizeof out), BC_OK);
    assert_string_equal(out, "/media/replays/3/index.m3u8");
    assert_int_equal(bc_media_origin(out, sizeof out), BC_OK);
    assert_string_equal(out, "");

    strcpy(bc_cfg.s3_endpoint, "https://s3.example.com:9000/");
    strcpy(bc_cfg.s3_bucket, "shop-media");
    strcpy(bc_cfg.s3_access_key, "AKID");
    strcpy(bc_cfg.s3_secret_key, "secret");
    strcpy(bc_cfg.s3_region, "ap-northeast-2");
    assert_int_equal(bc_media_init(), BC_OK);
    assert_string_equal(bc_cfg.s3_endpoint, "https://s3.example.com:9000"); /* the trailing '/' stripped */
    assert_int_equal(bc_media_url("replays/3/index.m3u8", out, sizeof out), BC_OK);
    assert_string_equal(out, "https://s3.example.com:9000/shop-media/replays/3/index.m3u8");
    assert_int_equal(bc_media_url("../x", out, sizeof out), BC_EINVAL);
    assert_int_equal(bc_media_url("replays/3/index.m3u8", out, 20), BC_ERR);
    assert_int_equal(bc_media_origin(out, sizeof out), BC_OK);
    assert_string_equal(out, "https://s3.example.com:9000");
    strcpy(bc_cfg.s3_public_url, "https://cdn.example.com/media/");
    assert_int_equal(bc_media_init(), BC_OK);
    assert_int_equal(bc_media_url("uploads/a.png", out, sizeof out), BC_OK);
    assert_string_equal(out, "https://cdn.example.com/media/uploads/a.png");
    assert_int_equal(bc_media_origin(out, sizeof out), BC_OK);
    assert_string_equal(out, "https://cdn.example.com");

    static const struct {
        size_t off;
        const char *value;
    } bad[] = {
        {offsetof(bc_config, s3_endpoint), "s3.example.com"},
        {offsetof(bc_config, s3_endpoint), "https://s3.example.com/bucket"},
        {offsetof(bc_config, s3_endpoint), "https://user@s3.example.com"},
        {offsetof(bc_config, s3_bucket), "ab"},
        {offsetof(bc_config, s3_bucket), "Shop"},
        {offsetof(bc_config, s3_bucket), "-shop"},
        {offsetof(bc_config, s3_access_key), ""},
        {offsetof(bc_config, s3_access_key), "a:b"},
        {offsetof(bc_config, s3_secret_key), ""},
        {offsetof(bc_config, s3_region), "eu:west"},
        {offsetof(bc_config, s3_region), ""},
        {offsetof(bc_config, s3_public_url), "//cdn.example.com"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        bc_config keep = bc_cfg;
        strcpy((char *)&bc_cfg + bad[i].off, bad[i].value);
        assert_int_equal(bc_media_init(), BC_EINVAL);
        bc_cfg = keep;
    }
    bc_cfg.s3_endpoint[0] = 0; /* keys without an endpoint: refused, not silently local */
    assert_int_equal(bc_media_init(), BC_EINVAL);
    memset(&bc_cfg, 0, sizeof bc_cfg);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    bc_log_set_level(BC_LOG_ERROR);
    const struct CMUnitTest t[] = {
        cmocka_unit_test(detect_magic),    cmocka_unit_test(png_dimensions),       cmocka_unit_test(jpeg_dimensions),
        cmocka_unit_test(webp_dimensions), cmocka_unit_test(limits_and_mime),      cmocka_unit_test(store_atomically),
        cmocka_unit_test(upload_names),    cmocka_unit_test(s3_settings_and_urls),
    };
    return cmocka_run_group_tests(t, NULL, NULL);
}
