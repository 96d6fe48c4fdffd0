/* Checks of a sale post's request body. No SQL, no HTTP. */
#include "posts.h"

#include "../media/media.h"

#include <stdio.h>
#include <string.h>

static int blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
            return 0;
    return 1;
}

#define UPLOADS "/media/uploads/"

int bc_post_fields_read(json_t *body, int create, bc_post_fields *f, const char **code, char *msg, size_t msglen)
{
    json_t *v;
    memset(f, 0, sizeof *f);
    f->nproducts = -1;
    *code = "VALIDATION_FAILED";
    f->title = json_string_value(json_object_get(body, "title"));
    f->body = json_string_value(json_object_get(body, "body"));
    f->status = json_string_value(json_object_get(body, "status"));
    if ((f->title && blank(f->title)) || (create && !f->title)) {
        snprintf(msg, msglen, "'title' must not be blank");
        return BC_EINVAL;
    }
    if (f->status && strcmp(f->status, "DRAFT") && strcmp(f->status, "PUBLISHED") && strcmp(f->status, "CLOSED")) {
        snprintf(msg, msglen, "'status' must be DRAFT, PUBLISHED or CLOSED");
        return BC_EINVAL;
    }
    if ((v = json_object_get(body, "images")) && !json_is_null(v)) {
        size_t i;
        json_t *u;
        if (!json_is_array(v) || json_array_size(v) > BC_POST_IMAGES_MAX) {
            snprintf(msg, msglen, "'images' must be an array of at most %d uploads", BC_POST_IMAGES_MAX);
            return BC_EINVAL;
        }
        json_array_foreach (v, i, u) {
            const char *s = json_string_value(u);
            if (!s || strncmp(s, UPLOADS, sizeof UPLOADS - 1) != 0 || !bc_media_name_ok(s + sizeof UPLOADS - 1)) {
                snprintf(msg, msglen, "images[%zu] must be an upload /media/uploads/... (POST /api/v1/media/images)",
                         i);
                return BC_EINVAL;
            }
        }
        f->images = v;
    }
    if ((v = json_object_get(body, "product_ids")) && !json_is_null(v)) {
        size_t i;
        json_t *p;
        f->nproducts = 0;
        json_array_foreach (v, i, p) {
            int64_t id = json_integer_value(p);
            int dup = 0;
            if (!json_is_integer(p) || id <= 0) {
                snprintf(msg, msglen, "'product_ids' must hold positive integers");
                return BC_EINVAL;
            }
            for (int k = 0; k < f->nproducts; k++)
                dup |= f->product_ids[k] == id;
            if (dup)
                continue;
            if (f->nproducts == BC_POST_PRODUCTS_MAX) {
                snprintf(msg, msglen, "'product_ids' may hold at most %d products", BC_POST_PRODUCTS_MAX);
                return BC_EINVAL;
            }
            f->product_ids[f->nproducts++] = id;
        }
    }
    if ((create && f->nproducts <= 0) || f->nproducts == 0) {
        snprintf(msg, msglen, "'product_ids' must name at least one of your products");
        return BC_EINVAL;
    }
    if ((v = json_object_get(body, "region"))) {
        f->has_region = 1;
        if (bc_regions_from_json(v, &f->region) != BC_OK) {
            *code = "INVALID_REGION";
            snprintf(msg, msglen, "'region' must be {sido: one of the 17 시/도, sigungu?: up to %d characters}",
                     BC_REGIONS_SIGUNGU_MAX);
            return BC_EINVAL;
        }
    }
    return BC_OK;
}

int bc_post_images_owned(bc_db *db, int64_t seller_id, json_t *images)
{
    size_t i;
    json_t *u;
    json_array_foreach (images, i, u) {
        int64_t who = 0;
        const char *s = json_string_value(u);
        if (!s || strncmp(s, UPLOADS, sizeof UPLOADS - 1) != 0 ||
            bc_media_uploader(db, s + sizeof UPLOADS - 1, &who) != BC_OK || who != seller_id)
            return 0;
    }
    return 1;
}
