/* announcements: the operator's notices (공지사항: title, body, pinned, a publication time, shown on
 * the home page and the notices list) and sellers' announcements on their store page (title,
 * body, pinned). Not the notifications outbox (that is src/notices/). Prefix bc_announce_.
 *
 * Files: announcements.c (checks of a body), announcements_store.c (the only SQL: table
 * announcements; seller_id NULL is the operator's) and announcements_api.c (routes; no SQL).
 * Times UTC ms in the store. Lists put pinned ones first, then the newest publication. */
#ifndef BC_ANNOUNCEMENTS_H
#define BC_ANNOUNCEMENTS_H

#include "../http/http.h"

#define BC_ANNOUNCE_TITLE_MAX 100 /* characters of a title */
#define BC_ANNOUNCE_BODY_MAX 5000 /* characters of a body */

/* One announcement's fields as given (a create or an edit). NULL / -1 = not given. */
typedef struct bc_announce_fields {
    const char *title, *body;
    int pinned;           /* 0/1, -1 not given */
    int64_t published_at; /* UTC ms, -1 not given (a create: now) */
} bc_announce_fields;

/* Reads body (validated by the route: title 1..100, body 1..5000 characters, pinned boolean,
 * published_at an ISO-8601 time) into *f: title and body must not be blank, published_at must
 * parse (bc_time_parse). On failure writes a message into msg and returns BC_EINVAL; BC_OK. */
int bc_announce_fields_read(json_t *body, bc_announce_fields *f, char *msg, size_t msglen);

/* Which announcements a call is about: seller_id 0 the operator's, > 0 that seller's. */

/* Creates an announcement of seller_id (0: the operator's) written by author_id; f->title and
 * f->body required, pinned default 0, published_at default now. *id gets its id. BC_OK, BC_EINVAL
 * or a store error. */
int bc_announce_create(bc_db *db, int64_t seller_id, int64_t author_id, const bc_announce_fields *f, int64_t *id);
/* Applies the given fields of f to announcement id of seller_id (0: the operator's), with one
 * conditional update. BC_OK, BC_ENOTFOUND (no such announcement of theirs: nothing changed) or a
 * store error. */
int bc_announce_update(bc_db *db, int64_t id, int64_t seller_id, const bc_announce_fields *f);
/* Deletes announcement id of seller_id (0: the operator's). BC_OK, BC_ENOTFOUND or a store error. */
int bc_announce_delete(bc_db *db, int64_t id, int64_t seller_id);
/* Announcement id of seller_id (0: the operator's) into *out (caller owns): {id, seller_id (null
 * for the operator's), title, body, pinned (bool), published_at, created_at, updated_at} (UTC ms).
 * published_only 1: only when published_at <= now. BC_OK, BC_ENOTFOUND or a store error. */
int bc_announce_get(bc_db *db, int64_t id, int64_t seller_id, int published_only, json_t **out);
/* One page of seller_id's (0: the operator's) announcements into *out (caller owns): {items:
 * [announcement], page, per_page, total}, pinned first, then the newest published_at, then the
 * newest id. published_only 1 leaves out those published after now; pinned_only 1 lists the
 * pinned ones only. page >= 1, per_page 1..100. BC_OK or a store error. */
int bc_announce_list(bc_db *db, int64_t seller_id, int published_only, int pinned_only, int64_t page, int64_t per_page,
                     json_t **out);

extern const bc_route bc_announce_routes[];

#endif
