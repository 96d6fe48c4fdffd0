/* The API's error codes: one row per code with its HTTP status and meaning. Handlers answer
 * with bc_res_error(req, status, "CODE", …); tests/api/openapi.test.mjs checks that every code
 * literal in src/ is listed here with the same status and that web/i18n.js has a message for
 * each. The OpenAPI document lists them as the ErrorCode enum and per route. */
#include "http.h"

#include <string.h>

const bc_error_code bc_http_errors[] = {
    /* request shape (any route) */
    {"INVALID_JSON", 400, "The body is not well-formed JSON (or repeats a key)."},
    {"INVALID_QUERY", 400, "A query parameter is undocumented, repeated or badly percent-encoded."},
    {"VALIDATION_FAILED", 422,
     "A field or query parameter has the wrong type, length, range or characters; the "
     "message names it."},
    {"PAYLOAD_TOO_LARGE", 413, "The body is larger than the route accepts."},
    {"UNSUPPORTED_MEDIA_TYPE", 415, "The body's Content-Type is not one the route accepts."},
    {"BAD_PATH", 400, "The decoded path holds a control character (e.g. %00)."},
    {"METHOD_NOT_ALLOWED", 405, "The path exists but not with this method."},
    {"NOT_FOUND", 404, "No such endpoint or resource."},
    {"CONFLICT", 409, "The resource changed meanwhile; retry."},
    {"BUSY", 503, "The server is busy; retry after Retry-After seconds."},
    {"INTERNAL", 500, "Unexpected server error."},
    /* authentication */
    {"UNAUTHENTICATED", 401, "The route needs a bearer access token."},
    {"INVALID_TOKEN", 401, "The access token is invalid or expired."},
    {"FORBIDDEN", 403, "The caller's role or relation to the resource does not allow this."},
    {"INVALID_CREDENTIALS", 401, "Wrong e-mail or password."},
    {"INVALID_REFRESH_TOKEN", 401, "The refresh token is invalid, expired or already used."},
    {"TOO_MANY_ATTEMPTS", 429, "Too many failed attempts; retry later."},
    {"RATE_LIMITED", 429,
     "Too many attempts from this client address (or chat messages); retry after Retry-After seconds."},
    {"ACCOUNT_BLOCKED", 403, "The account is blocked by an admin."},
    {"EMAIL_TAKEN", 409, "An account with this e-mail already exists."},
    {"INVALID_EMAIL", 422, "The e-mail address is not valid."},
    {"WEAK_PASSWORD", 422, "The password needs 8 to 128 characters with a letter and a digit."},
    /* catalog */
    {"PRODUCT_NOT_FOUND", 404, "No such product (or not visible to the caller)."},
    {"NOT_YOUR_PRODUCT", 403, "Only the product's seller (or an admin) may change it."},
    {"CATEGORY_NOT_FOUND", 422, "category_id is not an existing category."},
    {"SLUG_TAKEN", 409, "A category with this slug already exists."},
    {"PRICE_TOO_LOW", 422, "A product's price must be at least 1 KRW."},
    /* media */
    {"INVALID_IMAGE", 422, "The image headers are truncated or malformed."},
    {"INVALID_IMAGE_DIMENSIONS", 422, "The image is smaller or larger than allowed."},
    {"MEDIA_STORE_FAILED", 502, "The media store (S3-compatible storage) refused the object or could not be reached."},
    /* lives */
    {"INVALID_PRODUCT", 422, "A product is not one of the seller's own products."},
    /* sale posts and regions (posts.h, regions.h) */
    {"INVALID_REGION", 422,
     "A region is not one of the 17 시/도 (GET /api/v1/regions), or its 시/군/구 is empty or longer than 20 "
     "characters."},
    {"INVALID_SALE_POST", 422, "A sale post does not exist, is another seller's or is CLOSED."},
    {"SALE_POST_NOT_FOUND", 404, "No such sale post (or a DRAFT of another seller)."},
    {"SALE_POST_IN_USE", 409, "A live was scheduled with the sale post: it cannot be deleted (close it instead)."},
    {"LIVE_ENDED", 409, "The live is over: ENDED, or MISSED (never published within the grace)."},
    /* replays */
    {"REPLAY_NOT_FOUND", 404, "The live has no replay (never recorded, or deleted by its seller)."},
    {"REPLAY_NOT_READY", 409, "The replay is still being recorded or made (or making it failed)."},
    {"INVALID_TRIM", 422, "trim_start_ms must be before trim_end_ms, and both within the replay's duration."},
    /* cart and orders */
    /* coupons */
    {"COUPON_NOT_FOUND", 404, "No such coupon (or user coupon of the caller's)."},
    {"COUPON_NOT_CLAIMABLE", 409, "The coupon is disabled, outside its validity window or not downloadable."},
    {"COUPON_SOLD_OUT", 409, "Every coupon of this kind has been given out (its quantity)."},
    {"COUPON_LIMIT_REACHED", 409, "The caller already holds as many of this coupon as one user may."},
    {"COUPON_LIVE_OFF_AIR", 409, "A live coupon is claimed and used only while its live is on air."},
    {"COUPON_USED", 409, "The coupon was already spent on an order."},
    {"COUPON_EXPIRED", 409, "The coupon's validity window has ended."},
    {"COUPON_NOT_APPLICABLE", 422,
     "The coupon does not apply to this order: not started yet, no line in its scope, or below its minimum order "
     "amount (reason says which)."},
    {"OUT_OF_STOCK", 409, "Not enough stock, or the product is not on sale."},
    {"CART_FULL", 422, "The cart holds at most 50 different products."},
    {"CART_EMPTY", 422, "from_cart was given but the cart is empty."},
    {"INVALID_QUANTITY", 422, "A quantity is out of range."},
    {"TOO_MANY_LINES", 422, "An order has 1 to 50 lines."},
    {"TOTAL_TOO_LARGE", 422, "The order total exceeds 1,000,000,000 KRW."},
    {"LIVE_NOT_FOUND", 422, "live_id is not an existing live."},
    {"LIVE_PRODUCT_MISMATCH", 422, "live_id names a live that does not carry every ordered product."},
    {"ORDER_AMOUNT_ZERO", 422, "The order would cost 0 KRW (free items only) and cannot be paid."},
    {"ORDER_NOT_FOUND", 404, "No such order (or not visible to the caller)."},
    {"ORDER_NOT_CANCELABLE", 409, "The order's status does not allow canceling."},
    {"ORDER_NOT_SHIPPABLE", 409, "Only a PAID order can be shipped."},
    {"ORDER_NOT_DELIVERABLE", 409, "Only a SHIPPING order can be marked delivered."},
    /* orders: the state machine, shipments, partial refunds */
    {"ORDER_STATE_CONFLICT", 409,
     "The order state machine has no such transition from the current status (see status)."},
    {"SHIPMENT_NOT_FOUND", 404, "No such shipment in the order (or not the caller's)."},
    {"LINE_NOT_FOUND", 404, "No such line in the order (or not the caller's)."},
    {"REFUND_IN_PROGRESS", 409, "A refund of this order is in flight; retry shortly."},
    {"PAYMENT_GATEWAY_UNAVAILABLE", 503, "The payment gateway is known to be down; retry after Retry-After seconds."},
    /* stock: purchase limits, holds */
    {"LIMIT_PER_ORDER", 422, "The quantity exceeds the product's most units per order (see limit)."},
    {"LIMIT_PER_BUYER", 409, "The buyer would exceed the product's most units per buyer (see limit)."},
    {"LIMIT_PER_BUYER_LIVE", 409,
     "The buyer would exceed the product's most units per buyer in this live (see limit)."},
    {"LIVE_STOCK_CAP", 409, "The live's stock cap for the product is sold out."},
    {"UNPAID_ORDERS_LIMIT", 409, "The buyer already has the most unpaid orders and holds allowed at once."},
    {"HOLD_NOT_FOUND", 404, "No such hold (or not the caller's)."},
    {"HOLD_EXPIRED", 409, "The hold expired, was released or already became an order."},
    {"HOLD_MISMATCH", 422, "An order with hold_id must be exactly the hold's product, quantity and live."},
    /* product options as SKUs */
    {"SKU_REQUIRED", 422, "The product has options: the line needs the sku_id of one of its SKUs."},
    {"SKU_INVALID", 422, "The sku_id is not an active SKU of this product (or the product has no options)."},
    {"SKU_NOT_FOUND", 404, "No such SKU of this product."},
    /* end stock */
    /* payments */
    {"AMOUNT_MISMATCH", 400, "The paid amount differs from the order amount."},
    {"ORDER_EXPIRED", 409, "The order expired before it was paid."},
    {"ORDER_NOT_PAYABLE", 409, "The order's status does not allow paying."},
    {"PAYMENT_DECLINED", 402, "The payment gateway declined the payment (see gateway_code)."},
    {"PAYMENT_GATEWAY_ERROR", 502, "The payment gateway could not be reached or answered unexpectedly."},
    /* chat moderation */
    {"BANNED_FROM_LIVE", 403, "The caller is banned from this live's room: no chat, no orders from this live."},
    {"PROTECTED_USER", 409, "The seller, admins and moderators cannot be muted or banned."},
    /* notices */
    {"NOTIFICATION_NOT_FOUND", 404, "No such notification of the caller."},
    /* payments */
    {"INVALID_WEBHOOK", 400, "The webhook body names no payment."},
    /* accounts: verification and recovery */
    {"EMAIL_NOT_VERIFIED", 403, "The account's e-mail address is not verified yet (BROADCART_REQUIRE_VERIFIED_EMAIL)."},
    {"EMAIL_ALREADY_VERIFIED", 409, "The account's e-mail address is already verified."},
    {"LINK_INVALID", 400, "The link is unknown or was already used."},
    {"LINK_EXPIRED", 400, "The link expired; ask for a new one."},
    {"WRONG_PASSWORD", 403, "The current password is wrong."},
    {"INVALID_BUSINESS_NUMBER", 422,
     "The business registration number is not valid (10 digits with a matching check digit)."},
    {"APPLICATION_PENDING", 409, "A seller application of this account is already waiting for review."},
    {"APPLICATION_NOT_PENDING", 409, "The application was already decided."},
    /* inquiries and announcements */
    {"INQUIRY_NOT_FOUND", 404, "No such inquiry (or the caller takes no part in it)."},
    {"INQUIRY_CLOSED", 409, "The inquiry is closed: no more messages."},
    {"QUESTION_NOT_FOUND", 404, "No such product question."},
    {"ANNOUNCEMENT_NOT_FOUND", 404, "No such announcement (or not the caller's, or not published yet)."},
    /* accounts: social sign-in */
    {"OAUTH_PROVIDER_UNAVAILABLE", 404, "This sign-in provider is not set up on this server."},
    {"OAUTH_PROVIDER_ERROR", 502, "The sign-in provider could not be reached or answered something unusable."},
    {"OAUTH_STATE_INVALID", 400,
     "The sign-in did not start in this browser, or its state was already used (RFC 6749 §10.12)."},
    {"OAUTH_STATE_EXPIRED", 400, "The sign-in took longer than 10 minutes; start again."},
    {"OAUTH_DENIED", 400, "The user declined at the provider."},
    {"OAUTH_CODE_REJECTED", 400,
     "The provider refused the authorization code (used, expired or not ours: invalid_grant)."},
    {"OAUTH_ID_TOKEN_INVALID", 401,
     "The provider's ID token failed a check (signature, issuer, audience, expiry or nonce)."},
    {"OAUTH_EMAIL_REQUIRED", 422, "The provider did not share an e-mail address, which an account needs."},
    {"OAUTH_ACCOUNT_EXISTS", 409,
     "The e-mail has an account without a password: sign in the way it was made and link this provider on my page."},
    {"OAUTH_TICKET_INVALID", 400, "The sign-in ticket is unknown, used or expired."},
    {"OAUTH_LINK_INVALID", 400, "The pending link is unknown, used or expired."},
    {"IDENTITY_TAKEN", 409, "This provider's account is linked to another Broadcart account."},
    {"PROVIDER_ALREADY_LINKED", 409, "The account already has a sign-in of this provider."},
    {"LAST_SIGN_IN_METHOD", 409,
     "It is the account's only way to sign in: set a password or link another provider first."},
    /* accounts: account deletion */
    {"ACCOUNT_HAS_OPEN_ORDERS", 409,
     "The account has orders in progress (paid, not delivered, or a cancel/return under way); it can be deleted once "
     "they are finished or canceled."},
    {"ADMIN_SELF_DELETE", 403, "An admin account cannot delete itself: another admin demotes it first."},
    {"ACCOUNT_HAS_OPEN_SALES", 409,
     "The seller has orders still to fulfil, or a live on air; the account can be deleted once they are done."},
    /* accounts: address book */
    {"ADDRESS_BOOK_FULL", 409, "The address book holds its 10 addresses already; delete one first."},
    /* reviews */
    {"REVIEW_NOT_FOUND", 404, "No such review (or hidden by an admin)."},
    {"REVIEW_NOT_ALLOWED", 409, "Only a delivered (or purchase-confirmed) order line can be reviewed."},
    {"REVIEW_EXISTS", 409, "This order line has a review already; edit it instead."},
    {"REVIEW_PHOTO_INVALID", 422, "A photo is not an image you uploaded to this server (POST /api/v1/media/images)."},
    {"REVIEW_LOCKED", 409, "Points were paid for this review: it can be edited but not deleted."},
    {"NOT_YOUR_REVIEW", 403, "Only the review's author may change it."},
    {"OWN_REVIEW_LIKE", 409, "You cannot like your own review."},
    {"REPLY_EXISTS", 409, "The seller has replied already; edit the reply instead."},
    {"REPLY_NOT_FOUND", 404, "The review has no reply to edit."},
    /* points */
    {"INSUFFICIENT_POINTS", 409, "The points balance is smaller than the points to use or take; nothing changed."},
    {"POINTS_EXCEED_AMOUNT", 422, "More points than the order amount were given."},
    {"ALREADY_CHECKED_IN", 409, "The attendance check was done today already (Asia/Seoul day)."},
    {"SUBSCRIPTION_PLAN_NOT_FOUND", 404, "No such subscription plan (or it is retired, for subscribing)."},
    {"SUBSCRIPTION_NOT_FOUND", 404, "No such subscription of the caller's."},
    {"ALREADY_SUBSCRIBED", 409,
     "The caller already has a live subscription (PENDING, ACTIVE or PAST_DUE) to the plan."},
    {"CUSTOMER_KEY_MISMATCH", 400, "The customerKey is not the caller's (take it from the billing-auth answer)."},
    {"SUBSCRIPTION_NOT_CANCELABLE", 409, "The subscription has ended already."},
    {"SUBSCRIPTION_NOT_RESUMABLE", 409, "Only an ACTIVE subscription with a pending cancel can be resumed."},
    {"SUBSCRIPTION_BUSY", 409, "A payment of the subscription is in progress; try again in a moment."},
    {"CHARGE_NOT_FOUND", 404, "No such points charge of the caller."},
    {"CHARGE_NOT_PAYABLE", 409, "The points charge is already paid (with another payment)."},
    /* metrics */
    {"NOT_READY", 503, "A readiness check failed (GET /readyz): the body's checks name the database or Redis."},
    {NULL, 0, NULL},
};

const bc_error_code *bc_http_error_find(const char *code)
{
    for (const bc_error_code *e = bc_http_errors; code && e->code; e++)
        if (strcmp(e->code, code) == 0)
            return e;
    return NULL;
}
