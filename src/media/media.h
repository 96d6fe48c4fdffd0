/* media: user image uploads, checked by content. The server decides the type from the magic
 * bytes (never from the declared Content-Type or a file name), reads the dimensions from the
 * format's own headers, and stores the bytes unchanged under {data_dir}/media/uploads, which the
 * http module serves at /media/uploads/. Only JPEG, PNG and WebP are accepted; SVG never is (it
 * can carry script). Prefix: bc_media_.
 *
 * Files: media.c (sniffing, dimensions, storage; pure C, no SQL, no http), media_store.c (the
 * upload records: name, type, size, dimensions, uploader; the type uploads are served with),
 * media_api.c (routes: upload, and GET /media/uploads/{name} with the recorded type).
 * Format references: PNG — ISO/IEC 15948 / W3C PNG spec §5.2 (signature) and §11.2.2 (IHDR);
 * JPEG — ITU-T T.81 Annex B (B.1.1.3 markers, B.2.2 frame header SOFn); WebP — Google "WebP
 * Container Specification" (RIFF header, VP8/VP8L/VP8X chunks) and RFC 6386 §9.1 (VP8 key frame
 * header). */
#ifndef BC_MEDIA_H
#define BC_MEDIA_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../http/http.h"

/* The image types accepted from users. */
enum bc_media_type { BC_MEDIA_NONE = 0, BC_MEDIA_JPEG = 1, BC_MEDIA_PNG = 2, BC_MEDIA_WEBP = 3 };

/* Width and height limits in pixels, inclusive. */
#define BC_MEDIA_MIN_DIM 1
#define BC_MEDIA_MAX_DIM 8000

/* The type of data (len bytes) from its magic bytes alone:
 * JPEG  FF D8 FF (SOI marker followed by the next marker's FF, T.81 B.1.1.3),
 * PNG   89 50 4E 47 0D 0A 1A 0A (PNG spec §5.2),
 * WebP  "RIFF" <4-byte little-endian size> "WEBP" (WebP container spec, RIFF header).
 * Returns BC_MEDIA_NONE for anything else (including SVG/XML, text, GIF, short input). */
enum bc_media_type bc_media_detect(const unsigned char *data, size_t len);

/* Reads width and height in pixels from the headers of data (len bytes) of the given type:
 * PNG   the first chunk must be IHDR (length 13); width/height are 4-byte big-endian (§11.2.2).
 * JPEG  walks the marker segments from SOI to the first SOFn (C0–C3, C5–C7, C9–CB, CD–CF):
 *       frame header Lf(2) P(1) Y(2)=height X(2)=width (T.81 B.2.2); SOS/EOI before a SOF or a
 *       segment running past the end is malformed.
 * WebP  the first chunk: "VP8 " (key frame start code 9D 01 2A, then 14-bit width/height LE,
 *       RFC 6386 §9.1), "VP8L" (signature 0x2F, then 14-bit width-1 and height-1) or "VP8X"
 *       (24-bit canvas width-1 and height-1 at chunk offsets 4 and 7).
 * Only headers are read, never the compressed image data. Returns BC_OK with *width and *height
 * set (not range-checked: see bc_media_dims_ok), or BC_EINVAL when the headers are truncated or
 * malformed or type is BC_MEDIA_NONE. */
int bc_media_dimensions(enum bc_media_type type, const unsigned char *data, size_t len, uint32_t *width,
                        uint32_t *height);

/* 1 when both width and height are in BC_MEDIA_MIN_DIM..BC_MEDIA_MAX_DIM, else 0. */
int bc_media_dims_ok(uint32_t width, uint32_t height);

/* The type named by a Content-Type header value: "image/jpeg", "image/png" or "image/webp",
 * case-insensitive, parameters after ';' and surrounding spaces ignored. Anything else
 * (including NULL, "image/svg+xml", "image/jpg") is BC_MEDIA_NONE. */
enum bc_media_type bc_media_type_from_mime(const char *content_type);
/* "image/jpeg" | "image/png" | "image/webp", or NULL for BC_MEDIA_NONE. Static storage. */
const char *bc_media_mime(enum bc_media_type type);
/* File extension without the dot: "jpg" | "png" | "webp", or NULL for BC_MEDIA_NONE. Static. */
const char *bc_media_ext(enum bc_media_type type);

/* Stores data (len bytes) in directory dir (created, with parents, when missing) under a new name
 * of 32 random [A-Za-z0-9] plus "." + bc_media_ext(type): the bytes go to a temporary file in
 * the same directory (O_EXCL, mode 0644) which is then renamed into place, so a reader never
 * sees a partial file. name (>= 40 bytes) receives the final file name (no directory).
 * Returns BC_OK, BC_EINVAL (type NONE or name too small) or BC_ERR (I/O error, logged; no
 * file is left behind). */
int bc_media_store(const char *dir, enum bc_media_type type, const unsigned char *data, size_t len, char *name,
                   size_t name_len);

/* 1 when name is what bc_media_store produces: 32 of [A-Za-z0-9], ".", then jpg, png or webp.
 * Anything else (dots, slashes, NUL, other extensions) is 0: such a name was never stored. */
int bc_media_name_ok(const char *name);

/* ---- upload records (media_store.c; table media_uploads) ---- */
/* One stored upload: its file name under {data_dir}/media/uploads, the content type its bytes
 * proved (bc_media_mime), its size in bytes, dimensions in pixels, who uploaded it and when (UTC ms). */
typedef struct bc_media_upload {
    const char *name;
    const char *content_type;
    int64_t bytes;
    uint32_t width, height;
    int64_t uploader_id;
    int64_t created_at;
} bc_media_upload;

/* Records an upload. BC_OK, BC_EINVAL (a name bc_media_name_ok refuses), BC_ECONFLICT (the name
 * exists), BC_EBUSY or BC_ERR. */
int bc_media_record(bc_db *db, const bc_media_upload *u);
/* Copies the recorded content type of upload `name` into content_type (ct_len bytes). BC_OK,
 * BC_ENOTFOUND (no such upload, or a name bc_media_name_ok refuses), BC_EBUSY or BC_ERR. */
int bc_media_lookup(bc_db *db, const char *name, char *content_type, size_t ct_len);
/* Who recorded upload `name`: *uploader_id (0 when recorded without one). For modules that accept
 * only a user's own uploads (review photos). BC_OK, BC_ENOTFOUND (no such upload, or a name
 * bc_media_name_ok refuses), BC_EBUSY or BC_ERR. */
int bc_media_uploader(bc_db *db, const char *name, int64_t *uploader_id);

/* ---- the object store (media_objects.c): replays, posters and other server-made files ----
 * Objects are named by a key of 1..200 characters of [A-Za-z0-9._/-] that neither starts with
 * '/' nor contains "..": e.g. "replays/12/seg-00001.ts". By default an object is a file
 * {data_dir}/media/{key}, served by the http module at /media/{key}; when S3-compatible storage
 * is configured (BROADCART_S3_ENDPOINT ...), objects go to its bucket instead and bc_media_url
 * names them there. Blocking I/O: call from a worker or a command, never from an event loop. */
#define BC_MEDIA_KEY_MAX 200

/* 1 when key is a valid object key (see above), else 0. */
int bc_media_key_ok(const char *key);
/* Stores the file at path (read whole) as object key with content_type (e.g. "video/mp2t"),
 * replacing an object of that key; readers never see a partial object. Returns BC_OK,
 * BC_EINVAL (bad key, NULL path/content_type), BC_ENOTFOUND (no file at path) or BC_ERR (I/O
 * or storage error, logged). */
int bc_media_put_file(const char *key, const char *path, const char *content_type);
/* Stores len bytes of data as object key, as bc_media_put_file does. Same returns. */
int bc_media_put(const char *key, const void *data, size_t len, const char *content_type);
/* Reads object key whole into *data (a new NUL-terminated buffer of *len bytes; the caller frees
 * it) when it holds at most max bytes. Returns BC_OK, BC_EINVAL (bad key), BC_ENOTFOUND (no such
 * object), BC_ENOMEM (larger than max; nothing returned) or BC_ERR (I/O or storage error, logged).
 * With S3 a signed GetObject (Amazon S3 API Reference: GetObject), BC_EGATEWAY as below. */
int bc_media_get(const char *key, size_t max, char **data, size_t *len);
/* Removes object key; removing a missing object is BC_OK. BC_EINVAL (bad key) or BC_ERR. */
int bc_media_delete(const char *key);
/* The URL a browser fetches object key from, into out (n bytes): "/media/{key}" for the local
 * store, "{BROADCART_S3_PUBLIC_URL}/{key}" (default "{endpoint}/{bucket}/{key}") with S3. BC_OK,
 * BC_EINVAL (bad key) or BC_ERR (out too small). */
int bc_media_url(const char *key, char *out, size_t n);
/* With S3, bc_media_put/put_file/get/delete send one path-style request signed with AWS Signature
 * Version 4 by libcurl (Amazon S3 API Reference: PutObject, DeleteObject), retried once after a
 * 5xx or a transport error; they then return BC_EGATEWAY when the store refused (403
 * SignatureDoesNotMatch, NoSuchBucket…) or could not be reached (logged with S3's error code). */

/* Checks the S3 settings once at start (BROADCART_S3_*: endpoint http(s)://host[:port], a valid
 * bucket name, both keys, a region name; none of them without the endpoint). BC_OK, or BC_EINVAL
 * with the reason printed to stderr. */
int bc_media_init(void);
/* The origin (scheme://host[:port]) media objects are fetched from when that is not this server
 * (BROADCART_S3_PUBLIC_URL's or the endpoint's), for the web client's Content-Security-Policy;
 * "" for the local store. BC_OK or BC_ERR (out too small). */
int bc_media_origin(char *out, size_t n);
/* Stores an image upload already checked by the caller: bc_media_store into
 * {data_dir}/media/uploads locally, else object "uploads/{name}" with S3, under a new name as
 * bc_media_store makes (name >= 40 bytes). Served at /media/uploads/{name} either way (media_api.c
 * redirects to the object with S3). BC_OK, BC_EINVAL, BC_EGATEWAY (S3) or BC_ERR. */
int bc_media_store_upload(enum bc_media_type type, const unsigned char *data, size_t len, char *name, size_t name_len);
/* Removes a stored upload (e.g. one that could not be recorded). BC_OK, BC_EINVAL, BC_EGATEWAY or BC_ERR. */
int bc_media_delete_upload(const char *name);
/* `broadcart media check`: stores a small probe object with bc_media_put_file, reads it back from
 * its bc_media_url (anonymously, as a browser does), deletes it and checks it is gone, writing
 * each step to out. BC_OK when all steps passed, else the first failure's code. */
int bc_media_check(FILE *out);

/* ---- the S3 backend (s3.c), used by the functions above only ---- */
int bc_media_s3_enabled(void);      /* 1 when BROADCART_S3_ENDPOINT is set */
int bc_media_s3_check_config(void); /* bc_media_init's check; also strips trailing '/' of the URLs */
int bc_media_s3_url(const char *key, char *out, size_t n); /* as bc_media_url; BC_OK or BC_ERR */
int bc_media_s3_origin(char *out, size_t n);               /* as bc_media_origin */
int bc_media_s3_put(const char *key, const void *data, size_t len, const char *content_type); /* PutObject */
int bc_media_s3_delete(const char *key); /* DeleteObject; a missing key is BC_OK */
/* GetObject of key (at most max bytes) into a new buffer (caller frees): as bc_media_get. */
int bc_media_s3_get(const char *key, size_t max, char **data, size_t *len);
/* Anonymous GET of url: up to cap bytes into buf (*len), *status the HTTP status (0 without an
 * answer). BC_OK when an answer came, BC_EGATEWAY when not. */
int bc_media_s3_fetch(const char *url, char *buf, size_t cap, size_t *len, long *status);

extern const bc_route bc_media_routes[];

#endif
