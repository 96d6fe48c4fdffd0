/* Routes POST /api/v1/media/images: a seller's (or admin's) raw image upload, and GET
 * /media/uploads/{name}: the upload served back. No SQL here: the handler checks the bytes with
 * media.c, stores them under {data_dir}/media/uploads (or in the S3 bucket, media_objects.c) and
 * records them with media_store.c. */
#include "media.h"

#include <string.h>
#include <unistd.h>

static void h_image_upload(bc_req *req)
{
    size_t len = 0;
    const unsigned char *data = (const unsigned char *)bc_req_body(req, &len);
    const char *declared_ct = bc_req_header(req, "content-type");
    enum bc_media_type declared = bc_media_type_from_mime(declared_ct);
    enum bc_media_type actual;
    uint32_t w = 0, h = 0;
    char name[48];

    if (len > (size_t)bc_cfg.max_upload_bytes) { /* the http layer already refuses these; kept for direct calls */
        bc_res_error(req, 413, "PAYLOAD_TOO_LARGE", "an image may have at most %d bytes", bc_cfg.max_upload_bytes);
        return;
    }
    if (declared == BC_MEDIA_NONE) {
        bc_res_error(req, 415, "UNSUPPORTED_MEDIA_TYPE",
                     "send the image bytes with Content-Type image/jpeg, image/png or image/webp");
        return;
    }
    actual = bc_media_detect(data, len);
    if (actual == BC_MEDIA_NONE) {
        bc_res_error(req, 415, "UNSUPPORTED_MEDIA_TYPE", "the content is not a JPEG, PNG or WebP image");
        return;
    }
    if (actual != declared) {
        bc_res_error(req, 415, "UNSUPPORTED_MEDIA_TYPE", "declared %s but the content is %s", bc_media_mime(declared),
                     bc_media_mime(actual));
        return;
    }
    if (bc_media_dimensions(actual, data, len, &w, &h) != BC_OK) {
        bc_res_error(req, 422, "INVALID_IMAGE", "the %s headers are truncated or malformed", bc_media_mime(actual));
        return;
    }
    if (!bc_media_dims_ok(w, h)) {
        bc_res_error(req, 422, "INVALID_IMAGE_DIMENSIONS", "width and height must be %d to %d pixels (got %ux%u)",
                     BC_MEDIA_MIN_DIM, BC_MEDIA_MAX_DIM, w, h);
        return;
    }
    int rc = bc_media_store_upload(actual, data, len, name, sizeof name);
    if (rc == BC_EGATEWAY) {
        bc_res_error(req, 502, "MEDIA_STORE_FAILED", "the media store refused the image or could not be reached");
        return;
    }
    if (rc != BC_OK) {
        bc_res_from_err(req, BC_ERR);
        return;
    }
    bc_media_upload rec = {.name = name,
                           .content_type = bc_media_mime(actual),
                           .bytes = (int64_t)len,
                           .width = w,
                           .height = h,
                           .uploader_id = bc_req_auth(req)->user_id,
                           .created_at = bc_now_ms()};
    rc = bc_media_record(bc_req_db(req), &rec);
    if (rc != BC_OK) {
        bc_media_delete_upload(name); /* an unrecorded file would never be served */
        bc_res_from_err(req, rc == BC_ECONFLICT ? BC_ERR : rc);
        return;
    }
    char url[96];
    snprintf(url, sizeof url, "/media/uploads/%s", name);
    bc_res_json(req, 201,
                json_pack("{s:s,s:i,s:i,s:s}", "url", url, "width", (int)w, "height", (int)h, "content_type",
                          bc_media_mime(actual)));
}

/* GET /media/uploads/{name}: the stored bytes with the content type recorded at upload, never one
 * inferred from the URL; a name that was not stored is 404. Names are random and never reused, so
 * the response may be cached for good (the name is also the entity tag). With S3 the object is in
 * the bucket (stored with the same content type): 302 to its bc_media_url, cacheable for a day
 * (not for good: BROADCART_S3_PUBLIC_URL may change). */
static void h_upload_get(bc_req *req)
{
    const char *name = bc_req_param(req, "name");
    char ct[64], path[700], etag[48], key[64], url[1024];
    int rc = bc_media_lookup(bc_req_db(req), name, ct, sizeof ct);
    if (rc != BC_OK) {
        if (rc == BC_ENOTFOUND)
            bc_res_error(req, 404, "NOT_FOUND", "no such upload");
        else
            bc_res_from_err(req, rc);
        return;
    }
    snprintf(key, sizeof key, "uploads/%s", name);
    if (bc_media_origin(url, sizeof url) == BC_OK && url[0]) {
        if (bc_media_url(key, url, sizeof url) != BC_OK) {
            bc_res_from_err(req, BC_ERR);
            return;
        }
        bc_res_header(req, "Location", url);
        bc_res_header(req, "Cache-Control", "public, max-age=86400");
        bc_res_send(req, 302, "text/plain", "", 0);
        return;
    }
    snprintf(path, sizeof path, "%s/media/uploads/%s", bc_cfg.data_dir, name);
    snprintf(etag, sizeof etag, "\"%.*s\"", 32, name);
    bc_res_file(req, path, ct);
    bc_res_header(req, "ETag", etag);
    bc_res_header(req, "Cache-Control", "public, max-age=31536000, immutable");
}

const bc_route bc_media_routes[] = {
    {"POST", "/api/v1/media/images", BC_ROLE_ANY, 0, NULL, h_image_upload, "media",
     "Upload an image (a product image; a buyer's review photo): the raw bytes as the body with Content-Type "
     "image/jpeg|image/png|image/webp (checked "
     "against the content's magic bytes; 1..8000 px each side; at most BROADCART_MAX_UPLOAD bytes). Returns {url, "
     "width, "
     "height, content_type}; use url in a product's images or a review's photos (recorded with its uploader)",
     201, &bc_cfg.max_upload_bytes, .response = &bc_sc_image, .location = "{url}",
     .req_type = "image/jpeg image/png image/webp",
     .errors = (const char *const[]){"PAYLOAD_TOO_LARGE", "UNSUPPORTED_MEDIA_TYPE", "INVALID_IMAGE",
                                     "INVALID_IMAGE_DIMENSIONS", "MEDIA_STORE_FAILED", NULL}},
    {"GET", "/media/uploads/{name}", 0, 0, NULL, h_upload_get, "media",
     "An uploaded image, with the content type recorded at upload (immutable: cache for good); with S3 storage "
     "(BROADCART_S3_ENDPOINT) a 302 to the object in the bucket",
     200, .res_type = "image/*", .errors = (const char *const[]){"NOT_FOUND", NULL}},
    {NULL},
};
