/* notices: notifications to buyers and sellers about their orders, shipments and payments:
 * stored in-app, pushed to the user's open browser (/api/v1/me/events) and e-mailed over SMTP
 * when configured. Prefix bc_notice_. */
#ifndef BC_NOTICES_H
#define BC_NOTICES_H

#include "../http/http.h"

/* Records a notification for user_id inside the caller's open transaction (so a rolled-back
 * state change leaves none): kind is a dotted tag ("order.PAID", "shipment.SHIPPING",
 * "payment.REFUNDED", …), order_row_id the order it is about (0 = none), order_id its Toss
 * orderId (NULL = none), text a one-line summary for the user (copied). Delivery (push, mail)
 * happens after commit. Returns BC_OK or BC_ERR. */
int bc_notice_add(bc_db *db, int64_t user_id, const char *kind, int64_t order_row_id, const char *order_id,
                  const char *text);

#endif
