/* Response schemas of the API for the OpenAPI document (route rows point at these). Each is a
 * JSON Schema as JSON text describing exactly what the handlers send; tests/api/openapi.test.mjs
 * checks real responses against them. Times are ISO-8601 UTC strings with milliseconds. */
#include "http.h"

#define TIME "{\"type\":\"string\",\"format\":\"date-time\"}"
#define TIME_OR_NULL "{\"type\":[\"string\",\"null\"],\"format\":\"date-time\"}"
#define INT "{\"type\":\"integer\"}"
#define STR "{\"type\":\"string\"}"
#define STR_OR_NULL "{\"type\":[\"string\",\"null\"]}"
#define INT_OR_NULL "{\"type\":[\"integer\",\"null\"]}"
#define REF(n) "{\"$ref\":\"#/components/schemas/" n "\"}"
/* regions.h BC_REGIONS_SCHEMA (http does not include the module headers) */
#define REGION_OR_NULL                                                                                                 \
    "{\"type\":[\"object\",\"null\"],\"required\":[\"sido\",\"sigungu\"],\"description\":\"시/도 and "               \
    "시/군/구 (null: no region)\",\"properties\":{\"sido\":{\"type\":\"string\",\"description\":\"one of the "      \
    "17 시/도 (GET /api/v1/regions)\"},\"sigungu\":{\"type\":[\"string\",\"null\"],\"description\":\"시/군/구, "  \
    "null: the whole 시/도\"}}}"

const bc_schema bc_sc_user = {
    "User",
    "{\"type\":\"object\",\"required\":[\"id\",\"email\",\"name\",\"role\",\"created_at\"],\"properties\":{"
    "\"id\":" INT ",\"email\":" STR ",\"name\":" STR ",\"role\":{\"type\":\"string\",\"enum\":[\"buyer\",\"seller\","
    "\"admin\"]},\"created_at\":" TIME "}}",
    NULL};

const bc_schema bc_sc_admin_user = {
    "AdminUser",
    "{\"type\":\"object\",\"required\":[\"id\",\"email\",\"name\",\"role\",\"created_at\",\"blocked\"],"
    "\"properties\":{\"id\":" INT ",\"email\":" STR ",\"name\":" STR ",\"role\":{\"type\":\"string\",\"enum\":["
    "\"buyer\",\"seller\",\"admin\"]},\"created_at\":" TIME ",\"blocked\":{\"type\":\"boolean\",\"description\":"
    "\"a blocked account cannot sign in and its tokens are refused\"},\"blocked_reason\":" STR_OR_NULL
    ",\"blocked_at\":" TIME_OR_NULL ",\"deleted_at\":{\"type\":[\"string\",\"null\"],\"format\":\"date-time\","
    "\"description\":\"set when the account was deleted (the row stays anonymised)\"}}}",
    NULL};

const bc_schema bc_sc_tokens = {
    "Tokens",
    "{\"type\":\"object\",\"required\":[\"access_token\",\"refresh_token\",\"token_type\",\"expires_in\",\"user\"],"
    "\"properties\":{\"access_token\":{\"type\":\"string\",\"description\":\"JWT for Authorization: Bearer\"},"
    "\"refresh_token\":{\"type\":\"string\",\"description\":\"single use: POST /api/v1/auth/refresh rotates it\"},"
    "\"token_type\":{\"type\":\"string\",\"enum\":[\"Bearer\"]},\"expires_in\":{\"type\":\"integer\",\"description\":"
    "\"access token lifetime, seconds\"},\"user\":" REF("User") "}}",
    (const bc_schema *const[]){&bc_sc_user, NULL}};

const bc_schema bc_sc_category = {
    "Category",
    "{\"type\":\"object\",\"required\":[\"id\",\"name\",\"slug\",\"children\"],\"properties\":{\"id\":" INT
    ",\"name\":" STR ",\"slug\":" STR ",\"children\":{\"type\":\"array\",\"items\":" REF("Category") "}}}",
    NULL};

const bc_schema bc_sc_category_tree = {"CategoryTree", "{\"type\":\"array\",\"items\":" REF("Category") "}",
                                       (const bc_schema *const[]){&bc_sc_category, NULL}};

const bc_schema bc_sc_product = {
    "Product",
    "{\"type\":\"object\",\"required\":[\"id\",\"seller_id\",\"seller_name\",\"category_id\",\"category_name\","
    "\"name\",\"description\",\"price\",\"stock\",\"status\",\"image_url\",\"created_at\",\"updated_at\",\"images\"],"
    "\"properties\":{\"id\":" INT ",\"seller_id\":" INT ",\"seller_name\":" STR ",\"category_id\":" INT_OR_NULL
    ",\"category_name\":" STR_OR_NULL ",\"name\":" STR ",\"description\":" STR_OR_NULL
    ",\"price\":{\"type\":\"integer\",\"description\":\"KRW\"},\"stock\":" INT
    ",\"status\":{\"type\":\"string\",\"enum\":[\"ON_SALE\",\"SOLD_OUT\",\"HIDDEN\"]},\"image_url\":" STR_OR_NULL
    ",\"created_at\":" TIME ",\"updated_at\":" TIME ",\"images\":{\"type\":\"array\",\"items\":" STR
    /* catalog: the wishlist (찜) */
    "},\"wish_count\":{\"type\":\"integer\",\"description\":\"users who wished the product\"},"
    "\"wished\":{\"type\":\"boolean\",\"description\":\"one product for a signed-in caller, and the wishlist: "
    "whether the caller wished it\"},\"deleted\":{\"type\":\"boolean\",\"description\":\"only for its seller or an "
    "admin\"}"
    /* commerce: product options as SKUs */
    ",\"options\":{\"type\":\"array\",\"description\":\"option groups (at most 2; [] without options)\","
    "\"items\":{\"type\":\"object\",\"required\":[\"name\",\"values\"],\"properties\":{\"name\":" STR
    ",\"values\":{\"type\":\"array\",\"items\":" STR "}}}},\"skus\":{\"type\":\"array\",\"description\":"
    "\"one per combination of the options' values ([] without options); the product's stock is the sum of the "
    "active ones'\",\"items\":{\"type\":\"object\",\"required\":[\"id\",\"options\",\"label\",\"price\","
    "\"price_delta\",\"stock\",\"sold_out\",\"active\",\"code\"],\"properties\":{\"id\":" INT
    ",\"options\":{\"type\":\"array\",\"items\":" STR ",\"description\":\"its value of each group, in "
    "group order\"},\"label\":{\"type\":\"string\",\"description\":\"e.g. \\\"M / 블랙\\\"\"},\"price\":{"
    "\"type\":\"integer\",\"description\":\"KRW: the product's price + price_delta\"},\"price_delta\":" INT
    ",\"stock\":" INT ",\"sold_out\":{\"type\":\"boolean\",\"description\":\"stock 0 or inactive\"},"
    "\"active\":{\"type\":\"boolean\"},\"code\":" STR_OR_NULL "}}}"
    /* live: live-only terms, in a live's products and pinned product only */
    ",\"live_offer\":{\"description\":\"in a live's products, pinned product and pin frame only: the seller's "
    "live-only terms (null when none)\",\"oneOf\":[{\"type\":\"null\"},{\"type\":\"object\",\"required\":["
    "\"live_price\",\"stock_cap\",\"replay\",\"active\"],\"properties\":{\"live_price\":{\"type\":[\"integer\","
    "\"null\"],\"description\":\"KRW for orders with this live_id while active (null: the catalog price)\"},"
    "\"stock_cap\":{\"type\":[\"integer\",\"null\"],\"description\":\"most units sold through this live "
    "while active (null: none)\"},\"replay\":{\"type\":\"boolean\"},\"active\":{\"type\":\"boolean\","
    "\"description\":\"the live is LIVE, or ENDED with replay\"}}}]}}}",
    NULL};

const bc_schema bc_sc_product_page = {
    "ProductPage",
    "{\"type\":\"object\",\"required\":[\"items\",\"page\",\"per_page\",\"total\"],\"properties\":{\"items\":{"
    "\"type\":\"array\",\"items\":" REF("Product") "},\"page\":" INT ",\"per_page\":" INT ",\"total\":" INT "}}",
    (const bc_schema *const[]){&bc_sc_product, NULL}};

const bc_schema bc_sc_image = {
    "UploadedImage",
    "{\"type\":\"object\",\"required\":[\"url\",\"width\",\"height\",\"content_type\"],\"properties\":{\"url\":{"
    "\"type\":\"string\",\"description\":\"/media/uploads/… path to use in a product's images\"},\"width\":" INT
    ",\"height\":" INT ",\"content_type\":{\"type\":\"string\",\"enum\":[\"image/jpeg\",\"image/png\","
    "\"image/webp\"]}}}",
    NULL};

/* replays (src/live/replay.c) */
const bc_schema bc_sc_replay = {
    "Replay",
    "{\"type\":\"object\",\"required\":[\"status\",\"playlist_url\",\"poster_url\",\"duration_ms\","
    "\"trim_start_ms\",\"trim_end_ms\"],\"properties\":{\"status\":{\"type\":\"string\",\"enum\":["
    "\"RECORDING\",\"PROCESSING\",\"READY\",\"FAILED\",\"DELETED\"],\"description\":\"RECORDING while the "
    "broadcast runs (and until its last recording is in), PROCESSING while the VOD is made, READY to play\"},"
    "\"playlist_url\":{\"type\":[\"string\",\"null\"],\"description\":\"READY only: the HLS VOD playlist "
    "(EXT-X-PLAYLIST-TYPE:VOD, EXT-X-ENDLIST)\"},\"poster_url\":{\"type\":[\"string\",\"null\"],"
    "\"description\":\"READY only: a JPEG frame of the stream\"},\"duration_ms\":{\"type\":[\"integer\","
    "\"null\"],\"description\":\"the video's duration (after a trim: of the segments it kept)\"},"
    "\"trim_start_ms\":{\"type\":\"integer\",\"description\":\"the replay starts here (ms from the first "
    "frame of its video, as offsets count)\"},\"trim_end_ms\":{\"type\":[\"integer\",\"null\"],"
    "\"description\":\"and ends here (null: at the end)\"}}}",
    NULL};

/* stream health (src/live/health.c) */
const bc_schema bc_sc_live_health = {
    "LiveHealth",
    "{\"type\":\"object\",\"required\":[\"live_id\",\"publishing\",\"bitrate_kbps\",\"video_kbps\","
    "\"audio_kbps\",\"fps\",\"width\",\"height\",\"video_codec\",\"audio_codec\",\"dropped_frames\","
    "\"avsync_ms\",\"uptime_ms\",\"sampled_at\"],\"properties\":{\"live_id\":" INT
    ",\"publishing\":{\"type\":\"boolean\",\"description\":\"a publisher is on the stream (per a sample "
    "at most 10 s old)\"},\"bitrate_kbps\":{\"type\":\"integer\",\"description\":\"ingest kbit/s over the "
    "last 2 s\"},\"video_kbps\":" INT ",\"audio_kbps\":" INT ",\"fps\":{\"type\":\"number\","
    "\"description\":\"the frame rate the encoder declared\"},\"width\":" INT ",\"height\":" INT
    ",\"video_codec\":" STR_OR_NULL ",\"audio_codec\":" STR_OR_NULL ",\"dropped_frames\":" INT ",\"avsync_ms\":" INT
    ",\"uptime_ms\":" INT ",\"sampled_at\":" TIME_OR_NULL "}}",
    NULL};

const bc_schema bc_sc_live = {
    "Live",
    "{\"type\":\"object\",\"required\":[\"id\",\"seller_id\",\"seller_name\",\"title\",\"status\",\"scheduled_at\","
    "\"started_at\",\"ended_at\",\"hls_url\",\"viewer_count\",\"unique_viewers\",\"pinned_product\",\"products\","
    "\"duration_min\",\"cover_url\",\"region\",\"sale_posts\",\"interrupted_at\",\"subscribers\",\"subscribed\"],"
    "\"properties\":{"
    "\"id\":" INT ",\"seller_id\":" INT ",\"seller_name\":" STR ",\"title\":" STR
    ",\"status\":{\"type\":\"string\",\"enum\":[\"SCHEDULED\",\"LIVE\",\"ENDED\",\"MISSED\"],\"description\":"
    "\"MISSED: never published within BROADCART_LIVE_GRACE of its start\"},\"scheduled_at\":" TIME
    /* live schedules */
    ",\"duration_min\":{\"type\":\"integer\",\"description\":\"expected length, minutes\"},\"cover_url\":" STR_OR_NULL
    ",\"region\":" REGION_OR_NULL ",\"sale_posts\":{\"type\":\"array\",\"description\":\"the sale posts "
    "it was scheduled with (their products are among products)\",\"items\":{\"type\":\"object\",\"required\":["
    "\"id\",\"title\",\"image_url\",\"region\",\"status\"],\"properties\":{\"id\":" INT ",\"title\":" STR
    ",\"image_url\":" STR_OR_NULL ",\"region\":" REGION_OR_NULL ",\"status\":" STR
    "}}},\"interrupted_at\":{\"type\":[\"string\",\"null\"],\"format\":\"date-time\","
    "\"description\":\"LIVE whose ingest stopped at this time: it continues when republished within "
    "BROADCART_LIVE_GRACE, else it ends\"},\"subscribers\":{\"type\":\"integer\",\"description\":\"notify-me "
    "subscriptions\"},\"subscribed\":{\"type\":\"boolean\",\"description\":\"the caller has one (false when "
    "anonymous)\"}"
    ",\"started_at\":" TIME_OR_NULL ",\"ended_at\":" TIME_OR_NULL ",\"hls_url\":" STR ",\"viewer_count\":" INT
    ",\"unique_viewers\":{\"type\":\"integer\",\"description\":\"distinct viewers of the live so far (each "
    "signed-in user once, each anonymous connection once; cluster-wide with BROADCART_REDIS_URL)\"}"
    ",\"notice\":{\"type\":[\"string\",\"null\"],\"description\":\"the notice pinned at the top of the chat\"}"
    ",\"pinned_product\":{\"oneOf\":[" REF(
        "Product") ",{\"type\":\"null\"}]},\"products\":{\"type\":\"array\","
                   "\"items\":" REF(
                       "Product") "},\"stream_key\":{\"type\":\"string\",\"description\":\"seller and admin only\"},"
                                  "\"rtmp_url\":{\"type\":\"string\",\"description\":\"seller and admin only: OBS "
                                  "server\"},"
                                  "\"obs_stream_key\":{\"type\":\"string\",\"description\":\"seller and admin only: "
                                  "OBS stream key\"},"
                                  "\"publish_url\":{\"type\":\"string\",\"description\":\"seller and admin only: full "
                                  "RTMP publish URL\"},"
                                  /* replays */
                                  "\"replay\":{\"description\":\"the recording of the broadcast (null: never "
                                  "recorded)\",\"oneOf\":[" REF("Replay") ",{\"type\":\"null\"}]}}}",
    (const bc_schema *const[]){&bc_sc_product, &bc_sc_replay, NULL}};

const bc_schema bc_sc_live_list = {
    "LiveList",
    "{\"type\":\"object\",\"required\":[\"items\"],\"properties\":{\"items\":{\"type\":\"array\","
    "\"items\":" REF("Live") "}}}",
    (const bc_schema *const[]){&bc_sc_live, NULL}};

const bc_schema bc_sc_chat_history = {
    "ChatHistory",
    "{\"type\":\"object\",\"required\":[\"items\"],\"properties\":{\"items\":{\"type\":\"array\",\"items\":{"
    "\"type\":\"object\",\"required\":[\"type\",\"id\",\"live_id\",\"user\",\"text\",\"sent_at\",\"is_seller\"],"
    "\"properties\":{\"type\":{\"type\":\"string\",\"enum\":[\"chat\"]},\"id\":" INT ",\"live_id\":" INT
    ",\"user\":{\"type\":\"object\",\"required\":[\"id\",\"name\",\"role\"],\"properties\":{\"id\":" INT
    ",\"name\":" STR ",\"role\":" STR "}},\"text\":" STR ",\"sent_at\":" TIME ",\"is_seller\":{\"type\":"
    "\"boolean\"},\"badge\":{\"type\":[\"string\",\"null\"],\"enum\":[\"seller\",\"moderator\",null]},"
    "\"question\":{\"type\":\"boolean\",\"description\":\"the viewer marked it as a question\"}}}}}}",
    NULL};

const bc_schema bc_sc_cart = {
    "Cart",
    "{\"type\":\"object\",\"required\":[\"lines\",\"subtotal\",\"shipping_fee\",\"total\"],\"properties\":{"
    "\"lines\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":[\"product_id\",\"name\",\"image_url\","
    "\"unit_price\",\"quantity\",\"line_total\",\"stock\",\"status\"],\"properties\":{\"product_id\":" INT
    ",\"name\":" STR ",\"image_url\":" STR_OR_NULL ",\"unit_price\":" INT ",\"quantity\":" INT ",\"line_total\":" INT
    ",\"stock\":" INT ",\"status\":" STR ",\"sku_id\":{\"type\":[\"integer\",\"null\"],\"description\":"
    "\"the line's SKU (null: a product without options)\"},\"option_label\":" STR_OR_NULL "}}},\"subtotal\":" INT
    ",\"shipping_fee\":" INT ",\"total\":{\"type\":\"integer\",\"description\":\"KRW, shipping included\"}}}",
    NULL};

const bc_schema bc_sc_address = {
    "ShippingAddress",
    "{\"type\":\"object\",\"required\":[\"recipient\",\"phone\",\"postcode\",\"address1\"],\"properties\":{"
    "\"recipient\":" STR ",\"phone\":" STR ",\"postcode\":" STR ",\"address1\":" STR ",\"address2\":" STR "}}",
    NULL};

/* orders: the order state machine's shapes (commerce.h) */
#define ORDER_STATUS                                                                                                   \
    "{\"type\":\"string\",\"enum\":[\"PENDING_PAYMENT\",\"PAID\",\"PREPARING\",\"SHIPPING\",\"DELIVERED\",\"PURCHASE_" \
    "CONFIRMED\",\"CANCEL_REQUESTED\",\"CANCELED\",\"REFUNDED\",\"EXPIRED\",\"PAYMENT_FAILED\",\"RETURN_REQUESTED\","  \
    "\"RETURNED\"]}"
#define ORDER_LINE                                                                                                     \
    "{\"type\":\"object\",\"required\":[\"line_id\",\"product_id\",\"product_name\",\"unit_price\",\"quantity\","      \
    "\"line_total\",\"canceled\"],\"properties\":{\"line_id\":" INT ",\"product_id\":" INT ",\"product_name\":" STR    \
    ",\"seller_id\":" INT ",\"unit_price\":" INT ",\"quantity\":" INT ",\"line_total\":" INT                           \
    ",\"canceled\":{\"type\":\"boolean\"},\"sku_id\":{\"type\":[\"integer\",\"null\"],\"description\":"                \
    "\"the SKU ordered (null: a product without options)\"},\"option_label\":{\"type\":[\"string\",\"null\"],"         \
    "\"description\":\"its options as ordered, e.g. \\\"M / 블랙\\\"\"}}}"

const bc_schema bc_sc_shipment = {
    "Shipment",
    "{\"type\":\"object\",\"description\":\"one seller's part of an order\",\"required\":[\"id\",\"seller_id\","
    "\"status\",\"subtotal\",\"shipping_fee\",\"refunded\",\"carrier\",\"tracking_number\",\"shipped_at\","
    "\"delivered_at\",\"lines\"],\"properties\":{\"id\":" INT ",\"seller_id\":" INT ",\"status\":" ORDER_STATUS
    ",\"subtotal\":" INT ",\"shipping_fee\":" INT ",\"refunded\":{\"type\":\"integer\",\"description\":\"KRW "
    "refunded for this part\"},\"carrier\":" STR_OR_NULL ",\"tracking_number\":" STR_OR_NULL
    ",\"shipped_at\":" TIME_OR_NULL ",\"delivered_at\":" TIME_OR_NULL
    ",\"lines\":{\"type\":\"array\",\"items\":" ORDER_LINE "}}}",
    NULL};

const bc_schema bc_sc_order_event = {
    "OrderEvent",
    "{\"type\":\"object\",\"description\":\"one transition of the order or of one shipment\",\"required\":[\"from\","
    "\"to\",\"shipment_id\",\"seller_id\",\"actor_role\",\"actor_id\",\"reason\",\"at\"],\"properties\":{"
    "\"from\":{\"type\":[\"string\",\"null\"]},\"to\":" ORDER_STATUS ",\"shipment_id\":" INT_OR_NULL
    ",\"seller_id\":" INT_OR_NULL ",\"actor_role\":{\"type\":\"string\",\"enum\":[\"buyer\",\"seller\",\"admin\","
    "\"system\"]},\"actor_id\":" INT_OR_NULL ",\"reason\":" STR_OR_NULL ",\"at\":" TIME "}}",
    NULL};

const bc_schema bc_sc_shipping = {
    "ShippingSettings",
    "{\"type\":\"object\",\"required\":[\"shipping_fee\",\"free_shipping_over\",\"default\"],\"properties\":{"
    "\"shipping_fee\":" INT ",\"free_shipping_over\":" INT ",\"default\":{\"type\":\"boolean\",\"description\":"
    "\"true while the seller has not set their own (the BROADCART_SHIPPING_FEE / BROADCART_FREE_SHIPPING_OVER "
    "defaults)\"}}}",
    NULL};

const bc_schema bc_sc_order = {
    "Order",
    "{\"type\":\"object\",\"required\":[\"id\",\"order_id\",\"buyer_id\",\"status\",\"order_name\",\"subtotal\","
    "\"shipping_fee\",\"amount\",\"refunded\",\"live_id\",\"from_replay\",\"shipping_address\",\"payment_key\","
    "\"carrier\","
    "\"tracking_number\",\"created_at\",\"expires_at\",\"paid_at\",\"canceled_at\",\"shipped_at\",\"delivered_at\","
    "\"updated_at\",\"lines\",\"shipments\",\"history\"],\"properties\":{\"id\":" INT ",\"order_id\":{\"type\":"
    "\"string\",\"description\":\"the orderId given to the payment gateway\"},\"buyer_id\":" INT
    ",\"status\":" ORDER_STATUS ",\"order_name\":" STR ",\"subtotal\":" INT ",\"shipping_fee\":" INT
    ",\"amount\":{\"type\":\"integer\",\"description\":\"KRW to pay\"},\"refunded\":{\"type\":\"integer\","
    "\"description\":\"KRW refunded so far (points given back included)\"},\"coupon_discount\":{\"type\":"
    "\"integer\",\"description\":\"KRW taken off by the coupon the order spent\"},\"points_used\":{\"type\":"
    "\"integer\",\"description\":\"points spent on the order (amount = subtotal + shipping_fee - coupon_discount "
    "- points_used: what the gateway charges)\"},\"live_id\":" INT_OR_NULL
    ",\"from_replay\":{\"type\":\"boolean\",\"description\":\"ordered from the live's replay (live_id "
    "named a live that had ended)\"},\"shipping_address\":" REF(
        "ShippingAddress") ",\"payment_key\":" STR_OR_NULL ",\"carrier\":" STR_OR_NULL
                           ",\"tracking_number\":" STR_OR_NULL ",\"created_at\":" TIME ",\"expires_at\":" TIME_OR_NULL
                           ",\"paid_at\":" TIME_OR_NULL ",\"canceled_at\":" TIME_OR_NULL ",\"shipped_at\":" TIME_OR_NULL
                           ",\"delivered_at\":" TIME_OR_NULL ",\"updated_at\":" TIME
                           ",\"lines\":{\"type\":\"array\",\"items\":" ORDER_LINE
                           "},\"shipments\":{\"type\":\"array\",\"items\":" REF(
                               "Shipment") "},\"history\":{\"type\":\"array\",\"items\":" REF("OrderEvent") "}}}",
    (const bc_schema *const[]){&bc_sc_address, &bc_sc_shipment, &bc_sc_order_event, NULL}};

const bc_schema bc_sc_order_page = {
    "OrderPage",
    "{\"type\":\"object\",\"required\":[\"items\",\"page\",\"per_page\",\"total\"],\"properties\":{\"items\":{"
    "\"type\":\"array\",\"items\":" REF("Order") "},\"page\":" INT ",\"per_page\":" INT ",\"total\":" INT "}}",
    (const bc_schema *const[]){&bc_sc_order, NULL}};

const bc_schema bc_sc_pay_config = {
    "PaymentConfig",
    "{\"type\":\"object\",\"required\":[\"provider\",\"client_key\",\"checkout_url\",\"sdk_url\",\"mode\","
    "\"shipping_fee\",\"free_shipping_over\"],\"properties\":{\"provider\":{\"type\":\"string\",\"enum\":[\"toss\","
    "\"portone\"]},"
    "\"client_key\":" STR ",\"checkout_url\":" STR_OR_NULL ",\"sdk_url\":" STR
    ",\"mode\":{\"type\":\"string\",\"enum\":[\"sandbox\",\"toss\",\"portone\"]},\"shipping_fee\":" INT
    ",\"free_shipping_over\":" INT "}}",
    NULL};

const bc_schema bc_sc_sbx_created = {
    "SandboxPaymentCreated",
    "{\"type\":\"object\",\"required\":[\"paymentKey\",\"orderId\",\"status\"],\"properties\":{\"paymentKey\":" STR
    ",\"orderId\":" STR ",\"status\":{\"type\":\"string\",\"enum\":[\"IN_PROGRESS\"]}}}",
    NULL};

const bc_schema bc_sc_toss_payment = {
    "TossPayment",
    "{\"type\":\"object\",\"description\":\"A Toss Payments Payment object (the fields Broadcart reads are required; "
    "the rest follow Toss's documentation)\",\"required\":[\"paymentKey\",\"orderId\",\"status\",\"totalAmount\"],"
    "\"properties\":{\"paymentKey\":" STR ",\"orderId\":" STR ",\"orderName\":" STR ",\"status\":" STR
    ",\"totalAmount\":" INT ",\"balanceAmount\":" INT ",\"method\":" STR_OR_NULL ",\"approvedAt\":" STR_OR_NULL
    ",\"requestedAt\":" STR "},\"additionalProperties\":true}",
    NULL};

const bc_schema bc_sc_health = {
    "Health",
    "{\"type\":\"object\",\"required\":[\"status\",\"sweeper\"],\"properties\":{\"status\":{\"type\":"
    "\"string\",\"enum\":[\"ok\"]},\"sweeper\":{\"type\":\"boolean\",\"description\":\"whether this instance "
    "currently holds the single-run-timer lease and runs the order-expiry sweeper (always true on SQLite once "
    "started; on PostgreSQL true on exactly one instance of those sharing the database)\"}}}",
    NULL};

const bc_schema bc_sc_openapi = {"OpenApiDocument", "{\"type\":\"object\",\"description\":\"an OpenAPI 3.1 document\"}",
                                 NULL};

/* payments */
const bc_schema bc_sc_pay_webhook = {
    "PaymentWebhookResult",
    "{\"type\":\"object\",\"required\":[\"result\",\"detail\"],\"properties\":{\"result\":{\"type\":\"string\","
    "\"enum\":[\"ignored\",\"duplicate\",\"in-step\",\"marked-paid\",\"refunded\",\"canceled\",\"not-charged\","
    "\"reported\"]},\"detail\":" STR "}}",
    NULL};
const bc_schema bc_sc_portone_envelope = {
    "PortOneEnvelope",
    "{\"type\":\"object\",\"required\":[\"code\",\"message\",\"response\"],\"properties\":{\"code\":" INT
    ",\"message\":" STR_OR_NULL ",\"response\":{\"type\":[\"object\",\"null\"]}}}",
    NULL};
const bc_schema bc_sc_portone_created = {
    "PortOneSandboxPayment",
    "{\"type\":\"object\",\"required\":[\"imp_uid\",\"merchant_uid\",\"status\"],\"properties\":{\"imp_uid\":" STR
    ",\"merchant_uid\":" STR
    ",\"status\":{\"type\":\"string\",\"enum\":[\"paid\",\"failed\"]},\"fail_reason\":" STR_OR_NULL "}}",
    NULL};
const bc_schema bc_sc_pay_prepare = {
    "PaymentPrepared",
    "{\"type\":\"object\",\"required\":[\"provider\",\"order_id\",\"amount\"],\"properties\":{\"provider\":{"
    "\"type\":\"string\",\"enum\":[\"toss\",\"portone\"]},\"order_id\":" STR ",\"amount\":" INT "}}",
    NULL};
/* ---- stock ---- */

const bc_schema bc_sc_hold = {
    "Hold",
    "{\"type\":\"object\",\"required\":[\"id\",\"product_id\",\"quantity\",\"live_id\",\"status\",\"order_id\","
    "\"expires_at\",\"created_at\"],\"properties\":{\"id\":" INT ",\"product_id\":" INT ",\"quantity\":" INT
    ",\"live_id\":" INT_OR_NULL ",\"status\":{\"type\":\"string\",\"enum\":[\"HELD\",\"ORDERED\",\"RELEASED\"]},"
    "\"order_id\":" INT_OR_NULL ",\"expires_at\":" TIME ",\"created_at\":" TIME
    ",\"sku_id\":{\"type\":[\"integer\",\"null\"],\"description\":\"the held SKU (null: a product without "
    "options)\"}}}",
    NULL};

const bc_schema bc_sc_stock_ledger = {
    "StockLedgerPage",
    "{\"type\":\"object\",\"required\":[\"product_id\",\"items\",\"page\",\"per_page\",\"total\"],\"properties\":{"
    "\"product_id\":" INT ",\"items\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":[\"id\","
    "\"delta\",\"reason\",\"actor_id\",\"order_id\",\"hold_id\",\"balance_after\",\"created_at\"],\"properties\":{"
    "\"id\":" INT ",\"delta\":{\"type\":\"integer\",\"description\":\"units added (> 0) or taken (< 0)\"},"
    "\"reason\":" STR ",\"actor_id\":{\"type\":[\"integer\",\"null\"],\"description\":\"who: a user id, null for "
    "the system\"},\"order_id\":" INT_OR_NULL ",\"hold_id\":" INT_OR_NULL ",\"balance_after\":" INT_OR_NULL
    ",\"created_at\":" TIME ",\"sku_id\":{\"type\":[\"integer\",\"null\"],\"description\":\"the SKU whose "
    "stock changed (balance_after is its own); null: the product's\"}}}},\"page\":" INT ",\"per_page\":" INT
    ",\"total\":" INT "}}",
    NULL};

const bc_schema bc_sc_product_limits = {
    "ProductLimits",
    "{\"type\":\"object\",\"required\":[\"product_id\",\"max_per_order\",\"max_per_buyer\",\"max_per_buyer_live\"],"
    "\"properties\":{\"product_id\":" INT ",\"max_per_order\":{\"type\":\"integer\",\"description\":\"units per "
    "order, 0 = no limit\"},\"max_per_buyer\":{\"type\":\"integer\",\"description\":\"units one buyer may hold, "
    "reserve or buy, 0 = no limit\"},\"max_per_buyer_live\":{\"type\":\"integer\",\"description\":\"the same per "
    "live, 0 = no limit\"}}}",
    NULL};
/* ---- end stock ---- */
