/* Route POST /api/v1/media/images: a seller's (or admin's) raw image upload. No SQL here: the
 * handler checks the bytes with media.c and stores them under {data_dir}/media/uploads. */
#include "media.h"

#include <string.h>

static void h_image_upload(bc_req *req)
{
    size_t len = 0;
    const unsigned char *data = (const unsigned char *)bc_req_body(req, &len);
    const char *declared_ct = bc_req_header(req, "content-type");
    enum bc_media_type declared = bc_media_type_from_mime(declared_ct);
    enum bc_media_type actual;
    uint32_t w = 0, h = 0;
    char name[48], dir[600];

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
    snprintf(dir, sizeof dir, "%s/media/uploads", bc_cfg.data_dir);
    if (bc_media_store(dir, actual, data, len, name, sizeof name) != BC_OK) {
        bc_res_from_err(req, BC_ERR);
        return;
    }
    char url[96];
    snprintf(url, sizeof url, "/media/uploads/%s", name);
    bc_res_json(req, 201,
                json_pack("{s:s,s:i,s:i,s:s}", "url", url, "width", (int)w, "height", (int)h, "content_type",
                          bc_media_mime(actual)));
}

const bc_route bc_media_routes[] = {
    {"POST", "/api/v1/media/images", BC_ROLE_SELLER | BC_ROLE_ADMIN, 0, NULL, h_image_upload, "media",
     "Upload a product image: the raw bytes as the body with Content-Type image/jpeg|image/png|image/webp (checked "
     "against the content's magic bytes; 1..8000 px each side; at most BROADCART_MAX_UPLOAD bytes). Returns {url, "
     "width, "
     "height, content_type}; use url in a product's images",
     201, &bc_cfg.max_upload_bytes, .response = &bc_sc_image, .location = "{url}",
     .req_type = "image/jpeg image/png image/webp",
     .errors = (const char *const[]){"PAYLOAD_TOO_LARGE", "UNSUPPORTED_MEDIA_TYPE", "INVALID_IMAGE",
                                     "INVALID_IMAGE_DIMENSIONS", NULL}},
    {NULL},
};
