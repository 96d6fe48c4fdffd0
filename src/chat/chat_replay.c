/* The chat replay query: a live's messages by send time, each with its offset in the replay, for
 * the replay page that shows the chat in step with the video (live.h "replays"). Deleted messages
 * are left out. The authors' names come from the accounts module. */
#include "chat.h"
#include "chat_int.h"

#include "../accounts/accounts.h"
#include "../live/live.h"

#include <stdlib.h>

int bc_chat_replay(bc_db *db, int64_t live_id, int64_t seller_id, const struct bc_replay_take *takes, int n,
                   int64_t from_at, int64_t to_at, int limit, json_t **out, int64_t *last_at)
{
    json_t *rows = NULL, *names = NULL, *items = json_array();
    int64_t *uids = NULL;
    mod_snap *room = NULL;
    int rc = BC_ERR;
    *out = NULL;
    *last_at = 0;
    int got = bc_db_rows(db, &rows,
                         "SELECT id, user_id, text, created_at, question FROM chat_messages WHERE live_id = ?"
                         " AND deleted_at IS NULL AND created_at >= ? AND created_at <= ?"
                         " ORDER BY created_at, id LIMIT ?",
                         "iiii", live_id, from_at, to_at, (int64_t)limit);
    if (got < 0) {
        rc = got == BC_EBUSY ? BC_EBUSY : BC_ERR;
        goto out;
    }
    size_t nrows = json_array_size(rows);
    uids = nrows ? calloc(nrows, sizeof *uids) : NULL;
    if (nrows && !uids)
        abort(); /* the out-of-memory policy */
    for (size_t i = 0; i < nrows; i++)
        uids[i] = json_integer_value(json_object_get(json_array_get(rows, i), "user_id"));
    if ((rc = bc_accounts_user_names(db, uids, nrows, &names)) != BC_OK)
        goto out;
    if ((rc = mod_fresh(db, live_id, seller_id, &room, NULL)) != BC_OK) /* the badges, as the live chat shows them */
        goto out;
    size_t i;
    json_t *r;
    json_array_foreach (rows, i, r) {
        int64_t uid = json_integer_value(json_object_get(r, "user_id"));
        int64_t at = json_integer_value(json_object_get(r, "created_at"));
        char key[24], iso[32];
        snprintf(key, sizeof key, "%lld", (long long)uid);
        *last_at = at;
        json_t *who = json_object_get(names, key);
        if (!who)
            continue; /* as the history does: a message whose author is gone is not shown */
        bc_time_iso(at, iso, sizeof iso);
        json_array_append_new(
            items,
            json_pack("{s:s,s:I,s:I,s:{s:I,s:O,s:O},s:O,s:s,s:b,s:s?,s:b,s:I}", "type", "chat", "id",
                      (json_int_t)json_integer_value(json_object_get(r, "id")), "live_id", (json_int_t)live_id, "user",
                      "id", (json_int_t)uid, "name", json_object_get(who, "name"), "role", json_object_get(who, "role"),
                      "text", json_object_get(r, "text"), "sent_at", iso, "is_seller", uid == seller_id, "badge",
                      mod_badge(room, uid, bc_role_from_name(json_string_value(json_object_get(who, "role")))),
                      "question", json_integer_value(json_object_get(r, "question")) != 0, "offset_ms",
                      (json_int_t)bc_replay_offset(takes, n, at)));
    }
    *out = items;
    items = NULL;
    rc = BC_OK;
out:
    mod_put(room);
    free(uids);
    json_decref(names);
    json_decref(rows);
    json_decref(items);
    return rc;
}
