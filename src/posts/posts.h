/* posts: sale posts (판매 게시글, seed 000). A seller registers products once (catalog) and
 * publishes sale posts that bundle one or more of their products with a title, a body, images and
 * a region (regions.h); a live is scheduled with sale posts (live.h: its products become the
 * posts' products, table live_sale_posts), and one post can be used by many lives.
 * Prefix bc_post_.
 *
 * Status: DRAFT (only its seller sees it) -> PUBLISHED (listed publicly; published_at is the
 * first publication) -> CLOSED (no longer listed nor schedulable, still readable by its id); a
 * seller may move a post between any two of them. A post some live was scheduled with cannot be
 * deleted (close it instead).
 *
 * Files: posts.c (checks of a request body), posts_store.c (the only SQL: tables sale_posts,
 * sale_post_products), posts_api.c (routes; no SQL). Times UTC ms in the store. */
#ifndef BC_POSTS_H
#define BC_POSTS_H

#include "../http/http.h"
#include "../regions/regions.h"

#define BC_POST_TITLE_MAX 100   /* characters */
#define BC_POST_BODY_MAX 5000   /* characters */
#define BC_POST_IMAGES_MAX 10   /* uploads (/media/uploads/...) */
#define BC_POST_PRODUCTS_MAX 20 /* products of one post */
#define BC_POST_PAGE_MAX 50     /* largest per_page of a list */

/* A create or an edit as given. NULL / -1 / has_* 0 = not given. */
typedef struct bc_post_fields {
    const char *title, *body;
    json_t *images; /* borrowed array of URL strings, or NULL */
    int nproducts;  /* -1 = not given; else product_ids[0..nproducts), duplicates removed */
    int64_t product_ids[BC_POST_PRODUCTS_MAX];
    int has_region; /* 1: region was given (region.sido NULL: clear it) */
    bc_region region;
    const char *status; /* "DRAFT" | "PUBLISHED" | "CLOSED" or NULL */
} bc_post_fields;

/* Reads a request body (validated by the route's fields) into *f: title not blank, status one of
 * the three, product ids positive (duplicates dropped), region through bc_regions_from_json,
 * images paths under /media/uploads/. create 1 also requires title and at least one product.
 * On failure sets *code (static: "INVALID_REGION" for the region, else "VALIDATION_FAILED") and
 * msg and returns BC_EINVAL; BC_OK. */
int bc_post_fields_read(json_t *body, int create, bc_post_fields *f, const char **code, char *msg, size_t msglen);

/* 1 when every image of images (an array of strings; NULL = none) is an upload recorded by
 * seller_id (media: bc_media_uploader), else 0 (also on a store error, which is logged by media). */
int bc_post_images_owned(bc_db *db, int64_t seller_id, json_t *images);

/* Creates a post of seller_id from f (title and products required; status default DRAFT) in one
 * transaction. Every product must exist, not be deleted and be the seller's. BC_OK (*id set),
 * BC_EFORBIDDEN (a product is not the seller's, or does not exist), BC_EINVAL or a store error. */
int bc_post_create(bc_db *db, int64_t seller_id, const bc_post_fields *f, int64_t *id);
/* Applies the given fields of f to post id of seller_id in one transaction (products replace the
 * list). BC_OK, BC_ENOTFOUND (no such post of the seller's), BC_EFORBIDDEN (a product) or a store
 * error. */
int bc_post_update(bc_db *db, int64_t id, int64_t seller_id, const bc_post_fields *f);
/* Deletes post id of seller_id with its product list. BC_OK, BC_ENOTFOUND, BC_ECONFLICT (a live
 * was scheduled with it: nothing changed) or a store error. */
int bc_post_delete(bc_db *db, int64_t id, int64_t seller_id);

/* Post id as JSON into *out (caller owns): {id, seller_id, seller_name, title, body, images[],
 * image_url (the first image or null), region (regions.h JSON), status, product_ids[],
 * created_at, updated_at, published_at (UTC ms or null)} plus products[] (the catalog's product
 * JSON of each product still visible, in the post's order) and lives[] ({id, title, status,
 * scheduled_at, started_at, ended_at} of every live scheduled with it, newest first). A DRAFT
 * is found only for its seller (viewer_id) or an admin (admin 1). BC_OK, BC_ENOTFOUND or a store
 * error. */
int bc_post_get(bc_db *db, int64_t id, int64_t viewer_id, int admin, json_t **out);

/* A list query: seller_id 0 = any; status NULL = any (the public list passes "PUBLISHED");
 * region.sido NULL = any 시/도, else that one; region.sigungu "" = any 시/군/구, else that one; page >= 1,
 * per_page 1..BC_POST_PAGE_MAX. */
typedef struct bc_post_query {
    int64_t seller_id;
    const char *status;
    bc_region region;
    int64_t page, per_page;
} bc_post_query;
/* One page of posts, newest first, into *out (caller owns): {items: [post JSON without products
 * and lives], page, per_page, total}. BC_OK, BC_EINVAL (paging) or a store error. */
int bc_post_list(bc_db *db, const bc_post_query *q, json_t **out);

/* For scheduling a live (live.h), inside the caller's transaction: the products of post id
 * (in the post's order, deleted ones left out) into ids[0..*n), at most max. The post must be
 * seller_id's and not CLOSED. BC_OK, BC_ENOTFOUND (no such post), BC_EFORBIDDEN (another
 * seller's), BC_ECONFLICT (CLOSED), BC_EBUSY (retry the unit) or BC_ERR. */
int bc_post_product_ids(bc_db *db, int64_t id, int64_t seller_id, int64_t *ids, int max, int *n);
/* The short JSON of post id for a live's sale_posts[] into *out (caller owns): {id, title,
 * image_url, region, status}. BC_OK, BC_ENOTFOUND or a store error. */
int bc_post_brief(bc_db *db, int64_t id, json_t **out);

extern const bc_route bc_post_routes[];

#endif
