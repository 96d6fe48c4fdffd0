/* reviews: a buyer's review of an order line they received (rating 1..5, text, up to 5 photos of
 * their own uploads), one per line; likes (one per user), the seller's reply, an admin's hiding,
 * and each product's summary (average, count, distribution) kept in review_summaries in the same
 * transaction as every write, so a product page never scans its reviews. Prefix bc_review_.
 *
 * Who may review: the buyer of an order line (commerce: bc_order_line_get) whose status is
 * DELIVERED or PURCHASE_CONFIRMED, once per line. Hidden reviews (an admin's decision) are not
 * listed publicly and not counted in the summary; their author and admins still see them.
 * Points: a new review earns points in its own transaction (points.h, the admin's rates: a photo
 * review review_photo, a text of BC_REVIEW_TEXT_POINTS_MIN characters or more review_text), kept in
 * points_paid; once it is above 0 the author can no longer delete the review (409 REVIEW_LOCKED),
 * only edit it, and an admin can still hide it.
 *
 * Files: reviews.c (pure rules: photo URLs, sorts, the summary's JSON), reviews_store.c (tables
 * reviews, review_likes, review_summaries: the only SQL of this module), reviews_api.c (routes).
 * Times UTC ms in the store, ISO-8601 in the API. */
#ifndef BC_REVIEWS_H
#define BC_REVIEWS_H

#include "../http/http.h"

#define BC_REVIEW_TEXT_MAX 2000  /* characters of a review's text */
#define BC_REVIEW_PHOTOS_MAX 5   /* photos per review */
#define BC_REVIEW_REPLY_MAX 1000 /* characters of the seller's reply */
#define BC_REVIEW_PER_PAGE_MAX 50

/* The URL prefix of a photo: an upload of this server (POST /api/v1/media/images). */
#define BC_REVIEW_PHOTO_PREFIX "/media/uploads/"

/* Writes into name (cap >= 40 bytes) the upload name of photo url "/media/uploads/{name}" and
 * returns 1 when name is one bc_media_name_ok accepts; 0 for anything else (another host, another
 * path, a query, a bad name). Pure. */
int bc_review_photo_name(const char *url, char *name, size_t cap);

/* Sort orders of a product's reviews. */
enum bc_review_sort { BC_REVIEW_NEWEST = 0, BC_REVIEW_LIKES = 1, BC_REVIEW_RATING = 2, BC_REVIEW_RATING_LOW = 3 };
/* "newest" | "likes" | "rating" (highest first) | "rating_low" -> enum bc_review_sort; -1 when unknown. */
int bc_review_sort_from_name(const char *name);

/* The summary object {average, count, distribution: {"1".."5": n}} of count visible reviews whose
 * ratings sum to sum, with r[0..4] the counts of 1..5 stars; average is sum / count rounded to
 * two decimals (0 when count is 0). New reference (caller owns), NULL when out of memory. Pure. */
json_t *bc_review_summary_json(int64_t count, int64_t sum, const int64_t r[5]);

/* What a buyer writes. text NULL = none ("" stored) on create, keep on update; photos a JSON array
 * of photo URLs (borrowed; NULL = none on create, keep on update); rating 0 = keep on update. */
/* Characters of text a review needs to earn the text review's points (a photo review earns the
 * photo rate whatever its text). */
#define BC_REVIEW_TEXT_POINTS_MIN 20

typedef struct bc_review_input {
    int64_t rating;
    const char *text;
    json_t *photos;
} bc_review_input;

/* Why a review call refused: a static API error code (src/http/errors.c) and, for a photo, which. */
typedef struct bc_review_problem {
    const char *code;
    char detail[160];
} bc_review_problem;

/* Creates author_id's review of order line line_id in one transaction: the line must be the
 * author's (else LINE_NOT_FOUND), DELIVERED or PURCHASE_CONFIRMED (else REVIEW_NOT_ALLOWED), not
 * reviewed yet (REVIEW_EXISTS, also when two arrive at once: the line is unique); every photo an
 * upload of the author (REVIEW_PHOTO_INVALID, detail names it); the product's summary counts it
 * and the author earns the review's points (see above). in->rating 1..5, text and photos already bounded by the route.
 * *id set on BC_OK. Returns BC_OK, BC_ENOTFOUND / BC_ECONFLICT / BC_EINVAL with why->code (nothing written) or a store
 * error. */
int bc_review_create(bc_db *db, int64_t author_id, int64_t line_id, const bc_review_input *in, bc_review_problem *why,
                     int64_t *id);
/* Edits review id as author_id (rating, text, photos: the present ones), keeping the summary
 * right (a rating change moves it between stars). REVIEW_NOT_FOUND, NOT_YOUR_REVIEW,
 * REVIEW_PHOTO_INVALID. Returns BC_OK, BC_ENOTFOUND / BC_EFORBIDDEN / BC_EINVAL with why->code,
 * or a store error. */
int bc_review_update(bc_db *db, int64_t author_id, int64_t id, const bc_review_input *in, bc_review_problem *why);
/* Deletes review id as author_id with its likes (and takes it out of the summary), unless points
 * were paid for it (REVIEW_LOCKED). REVIEW_NOT_FOUND, NOT_YOUR_REVIEW. Returns BC_OK, BC_ENOTFOUND
 * / BC_EFORBIDDEN / BC_ECONFLICT with why->code, or a store error. */
int bc_review_delete(bc_db *db, int64_t author_id, int64_t id, bc_review_problem *why);

/* Review id as JSON for viewer_id (0 = anonymous) with role (enum bc_role, 0 = anonymous) in *out
 * (caller owns): {id, line_id, product_id, seller_id, author: {id, name}, rating, text, photos[],
 * likes, liked, hidden, points_paid, reply: null | {text, created_at, updated_at}, created_at,
 * updated_at} (times UTC ms). A hidden review is BC_ENOTFOUND except for its author and admins.
 * BC_OK, BC_ENOTFOUND or a store error. */
int bc_review_get(bc_db *db, int64_t id, int64_t viewer_id, int role, json_t **out);
/* One page of product_id's visible reviews in sort order (enum bc_review_sort) for viewer_id (0 =
 * anonymous; for "liked"), page >= 1, per_page 1..BC_REVIEW_PER_PAGE_MAX: *out (caller owns)
 * {items: [review], page, per_page, total, summary: {average, count, distribution}}; total is the
 * summary's count (no scan). BC_OK or a store error. */
int bc_review_list(bc_db *db, int64_t product_id, int sort, int64_t page, int64_t per_page, int64_t viewer_id,
                   json_t **out);
/* product_id's summary (bc_review_summary_json; zeros without reviews) in *out (caller owns).
 * BC_OK or a store error. */
int bc_review_summary(bc_db *db, int64_t product_id, json_t **out);
/* author_id's reviews, hidden ones included, newest first, each with product_name: {items, page,
 * per_page, total}. BC_OK or a store error. */
int bc_review_mine(bc_db *db, int64_t author_id, int64_t page, int64_t per_page, json_t **out);
/* buyer_id's lines that may still be reviewed (delivered, not reviewed yet), newest first, at most
 * 100: *out (caller owns) {items: [{line_id, order_row_id, order_id, product_id, product_name,
 * seller_id, status, delivered_at}]}. BC_OK or a store error. */
int bc_review_reviewable(bc_db *db, int64_t buyer_id, json_t **out);

/* Likes (on = 1) or takes back the like (on = 0) of user_id on visible review id, once per user
 * (idempotent: a second like changes nothing); *likes gets the review's like count after.
 * REVIEW_NOT_FOUND (also hidden), OWN_REVIEW_LIKE (the author). Returns BC_OK, BC_ENOTFOUND /
 * BC_ECONFLICT with why->code, or a store error. */
int bc_review_like(bc_db *db, int64_t user_id, int64_t id, int on, int64_t *likes, bc_review_problem *why);
/* Takes back every like of user_id (account deletion), on hidden reviews too, each with its
 * review's count; *dropped = how many. BC_OK or a store error. */
int bc_review_likes_drop_user(bc_db *db, int64_t user_id, int64_t *dropped);
/* The seller's reply to review id: seller_id must be the reviewed product's seller
 * (NOT_YOUR_PRODUCT); edit 0 adds it (REPLY_EXISTS when there is one), edit 1 changes it
 * (REPLY_NOT_FOUND when none). text 1..BC_REVIEW_REPLY_MAX characters (the route's bound).
 * Returns BC_OK, BC_ENOTFOUND / BC_EFORBIDDEN / BC_ECONFLICT with why->code, or a store error. */
int bc_review_reply(bc_db *db, int64_t seller_id, int64_t id, const char *text, int edit, bc_review_problem *why);
/* Hides (hidden = 1) or shows again (0) review id as admin_id; the summary follows. Idempotent.
 * BC_OK, BC_ENOTFOUND (REVIEW_NOT_FOUND) or a store error. */
int bc_review_hide(bc_db *db, int64_t admin_id, int64_t id, int hidden);
/* For the points module, inside its open transaction: records that points (> 0, points) were
 * paid for review id (added to points_paid), which locks the review against deletion.
 * BC_OK, BC_EINVAL (points <= 0), BC_ENOTFOUND or a store error. */
int bc_review_points_add(bc_db *db, int64_t id, int64_t points);

extern const bc_route bc_review_routes[];

#endif
