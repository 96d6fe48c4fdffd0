/* inquiries: 1:1 inquiries (1:1 문의) from a buyer to a seller, about a product or an order of
 * theirs, or to the operator (the admins), each with a thread of messages; and product Q&A on the
 * product page (public or secret questions, the product's seller answers). Prefix bc_inquiry_.
 *
 * Files: inquiries.c (the rules: who takes part, what a viewer may read, whom an inquiry goes
 * to), inquiries_store.c (the only SQL of this module: tables inquiries, inquiry_messages,
 * product_questions) and inquiries_api.c (routes; no SQL). Times UTC ms in the store.
 * Notifications go through the notices outbox (bc_notice_add) in the writing transaction:
 *  - inquiry.NEW     a new inquiry, to its seller (or every admin, for the operator's)
 *  - inquiry.MESSAGE the buyer wrote again, to the seller (or the admins who answered, else all)
 *  - inquiry.ANSWERED the seller or an admin answered, to the buyer
 *  - question.NEW    a product question, to the product's seller
 *  - question.ANSWERED the seller answered, to the asker */
#ifndef BC_INQUIRIES_H
#define BC_INQUIRIES_H

#include "../http/http.h"

#define BC_INQUIRY_TITLE_MAX 100  /* characters of a title */
#define BC_INQUIRY_BODY_MAX 2000  /* characters of an inquiry's body and of each message */
#define BC_QUESTION_BODY_MAX 1000 /* characters of a product question and of its answer */
/* What a reader who may not read a secret question sees instead of its text. */
#define BC_QUESTION_SECRET_TEXT "비밀글입니다"

/* ---- rules (inquiries.c) ---- */

/* 1 when c is a category: "DELIVERY" (배송), "EXCHANGE_RETURN" (교환·반품), "PRODUCT" (상품) or
 * "OTHER" (기타); else 0 (also for NULL). */
int bc_inquiry_category_ok(const char *c);
/* 1 when s is a status: "OPEN", "ANSWERED" or "CLOSED"; else 0 (also for NULL). */
int bc_inquiry_status_ok(const char *s);
/* How user_id (with role, an enum bc_role bit) takes part in an inquiry of buyer_id to seller_id
 * (0 = the operator): "buyer" (its author), "seller" (its seller), "admin" (any admin: the
 * operator answers and oversees every inquiry), or NULL when not at all (the API answers 404).
 * The author is "buyer" even when an admin or a seller. Static strings. */
const char *bc_inquiry_participant(int64_t buyer_id, int64_t seller_id, int64_t user_id, int role);
/* The status an open inquiry takes after a message of author_role: "OPEN" for the buyer's
 * (waiting for an answer), "ANSWERED" for the seller's or an admin's. Static. */
const char *bc_inquiry_status_after(const char *author_role);
/* 1 when viewer_id (0 = anonymous; viewer_role an enum bc_role bit, 0 when anonymous) may read the
 * text and the answer of a question by author_id on a product of seller_id: a public one, anyone;
 * a secret one, only its author, that seller and admins. */
int bc_inquiry_question_readable(int secret, int64_t author_id, int64_t seller_id, int64_t viewer_id, int viewer_role);
/* Writes name masked for the public list into out (cap bytes, always NUL-terminated): its first
 * character (whole, UTF-8) then "**" ("김**"); "***" for an empty or NULL name. */
void bc_inquiry_mask_name(const char *name, char *out, size_t cap);

/* Who a new inquiry goes to. The caller fills buyer_id, to_seller (1: a seller, 0: the operator),
 * seller_id (0 = not named), product_id and order_row_id (0 = none). */
typedef struct bc_inquiry_subject {
    int64_t buyer_id;
    int to_seller;
    int64_t seller_id, product_id, order_row_id;
} bc_inquiry_subject;
/* Checks a new inquiry's subject through catalog and commerce and settles s->seller_id: the
 * product must exist (not deleted); the order must be the buyer's; an inquiry to a seller is
 * about a product (its seller) or an order (the named seller, else the order's only seller) and
 * that seller must have sold a line of the order when both are given; one may not write to
 * oneself. For the operator seller_id becomes 0. On a refusal *code is a static API code
 * ("PRODUCT_NOT_FOUND", "ORDER_NOT_FOUND" or "VALIDATION_FAILED") and msg (msglen bytes) says why.
 * Returns BC_OK, BC_ENOTFOUND / BC_EINVAL with *code set, or a store error. */
int bc_inquiry_subject_check(bc_db *db, bc_inquiry_subject *s, const char **code, char *msg, size_t msglen);

/* ---- inquiries (inquiries_store.c) ---- */

/* A new inquiry: subject settled by bc_inquiry_subject_check; category checked; title 1..100 and
 * body 1..2000 characters (the route bounds them). */
typedef struct bc_inquiry_new {
    bc_inquiry_subject subject;
    const char *category, *title, *body;
} bc_inquiry_new;
/* Stores n as an OPEN inquiry and notifies its seller (or every admin) in one transaction
 * (bc_db_tx). *id gets the new id. BC_OK, BC_EINVAL (bad category) or a store error. */
int bc_inquiry_create(bc_db *db, const bc_inquiry_new *n, int64_t *id);

/* The facts access decisions need. */
typedef struct bc_inquiry_head {
    int64_t id, buyer_id, seller_id; /* seller_id 0: to the operator */
    char status[16];
} bc_inquiry_head;
/* Reads the head of inquiry id. BC_OK, BC_ENOTFOUND or a store error. */
int bc_inquiry_head_get(bc_db *db, int64_t id, bc_inquiry_head *out);
/* Inquiry id in its API shape into *out (caller owns): {id, to ("seller" | "operator"), buyer_id,
 * buyer_name, seller_id, seller_name, product_id, product_name, order_id (the order's row id),
 * order_number (its public orderId), category, title, body, status, message_count, created_at,
 * updated_at, messages: [{id, author_id, author_name, author_role, body, created_at}] oldest
 * first} (ids and names null when none; times UTC ms). BC_OK, BC_ENOTFOUND or a store error. */
int bc_inquiry_get(bc_db *db, int64_t id, json_t **out);

/* A list of inquiries. buyer_id > 0: that buyer's; seller_id > 0: to that seller; scope (when
 * neither): 0 all, 1 to sellers only, 2 to the operator only; status NULL/"" = any; page >= 1,
 * per_page 1..100. */
typedef struct bc_inquiry_query {
    int64_t buyer_id, seller_id;
    int scope;
    const char *status;
    int64_t page, per_page;
} bc_inquiry_query;
/* One page, newest first, into *out (caller owns): {items: [inquiry without body and messages],
 * page, per_page, total}. BC_OK or a store error. */
int bc_inquiry_list(bc_db *db, const bc_inquiry_query *q, json_t **out);

/* Adds a message (body 1..2000 characters) of author_id taking part as author_role ("buyer",
 * "seller" or "admin", from bc_inquiry_participant) to inquiry id in one transaction: the status
 * becomes bc_inquiry_status_after(author_role) by a conditional update (never on a CLOSED one),
 * the message is stored and the other side notified. BC_OK, BC_ENOTFOUND, BC_ECONFLICT (the
 * inquiry is CLOSED: nothing changed), BC_EINVAL or a store error. */
int bc_inquiry_reply(bc_db *db, int64_t id, int64_t author_id, const char *author_role, const char *body);
/* Closes inquiry id (any participant may): CLOSED, no more messages. BC_OK, BC_ENOTFOUND,
 * BC_ECONFLICT (already closed) or a store error. */
int bc_inquiry_close(bc_db *db, int64_t id);

/* ---- product Q&A (inquiries_store.c) ---- */

/* Stores a question (body 1..1000 characters; secret 0/1) of user_id on product_id of seller_id
 * and notifies that seller (question.NEW naming product_name, may be NULL) in one transaction.
 * *id gets the new id. BC_OK, BC_EINVAL or a store error. */
int bc_inquiry_question_add(bc_db *db, int64_t product_id, int64_t seller_id, const char *product_name, int64_t user_id,
                            const char *body, int secret, int64_t *id);
/* A list of questions: product_id > 0 that product's; seller_id > 0 those on that seller's
 * products; answered -1 any, 0 unanswered, 1 answered; read as viewer_id (0 anonymous) with
 * viewer_role (enum bc_role bit, 0 anonymous); page >= 1, per_page 1..100. */
typedef struct bc_question_query {
    int64_t product_id, seller_id;
    int answered;
    int64_t viewer_id;
    int viewer_role;
    int64_t page, per_page;
} bc_question_query;
/* One page, newest first, into *out (caller owns): {items: [{id, product_id, product_name,
 * author_name (masked, bc_inquiry_mask_name), secret (bool), readable (bool), mine (bool), body,
 * answered (bool), answer, answered_at, created_at}], page, per_page, total}. A question the
 * viewer may not read (bc_inquiry_question_readable) has body BC_QUESTION_SECRET_TEXT and answer
 * null (answered still tells whether there is one). BC_OK or a store error. */
int bc_inquiry_questions(bc_db *db, const bc_question_query *q, json_t **out);
/* One question as in bc_inquiry_questions, read by viewer_id/viewer_role. BC_OK, BC_ENOTFOUND or
 * a store error. */
int bc_inquiry_question_get(bc_db *db, int64_t id, int64_t viewer_id, int viewer_role, json_t **out);
/* Sets (or replaces) the answer (1..1000 characters) of question id on a product of seller_id and
 * notifies the asker, in one transaction. BC_OK, BC_ENOTFOUND (no such question), BC_EFORBIDDEN
 * (the question is on another seller's product: nothing changed), BC_EINVAL or a store error. */
int bc_inquiry_question_answer(bc_db *db, int64_t id, int64_t seller_id, const char *answer);

extern const bc_route bc_inquiry_routes[];

#endif
