/* chat module internals shared by chat.c (the message path) and moderation.c (the room's
 * moderation state, its store code and routes). Not for other modules: they use chat.h. */
#ifndef BC_CHAT_INT_H
#define BC_CHAT_INT_H

#include "chat.h"

#include <stdatomic.h>

/* Chat modes of a room (chat_rooms.chat_mode). */
enum { MOD_EVERYONE = 0, MOD_FOLLOWERS = 1, MOD_BUYERS = 2 };

/* An immutable snapshot of one room's moderation state as stored (chat_rooms, chat_sanctions of
 * the live; chat_moderators, chat_banned_words of its seller), shared by reference count between
 * the loops (handshake and message pre-checks) and the workers (the authoritative check when a
 * message is stored). A change makes a new snapshot; holders keep the old one until mod_put. */
typedef struct mod_snap {
    atomic_int refs;
    int64_t live_id, seller_id;
    int64_t room_version, seller_version; /* chat_rooms.version, chat_sellers.version (0 = no row) */
    int64_t slow_mode_s;                  /* 0 = off */
    int chat_mode;                        /* MOD_* */
    int frozen;
    char *notice; /* NULL = none */
    size_t nbans, nmutes, nmods, nwords;
    int64_t *bans;       /* user ids, sorted */
    int64_t *mute_users; /* sorted, with mute_until[i] (UTC ms) */
    int64_t *mute_until;
    int64_t *mods; /* the seller's moderators, sorted */
    char **words;  /* the seller's banned words, folded (bc_chat_fold) */
} mod_snap;

/* The cached snapshot of live_id with a reference (mod_put it), or NULL when this process has not
 * loaded the room yet. Never blocks on the database: safe on a loop. Any thread. */
mod_snap *mod_get(int64_t live_id);
void mod_put(mod_snap *s);
/* Worker: the room's current snapshot (a reference: mod_put it): the cached one when the stored
 * versions still equal its versions (one query), else reloaded from the database and cached.
 * seller_id 0 = look it up (bc_live_seller). *changed (may be NULL) = 1 when it was (re)loaded.
 * BC_OK, BC_ENOTFOUND (no such live), BC_ENOMEM, BC_EBUSY or BC_ERR. */
int mod_fresh(bc_db *db, int64_t live_id, int64_t seller_id, mod_snap **out, int *changed);

/* Whether user_id (with role, enum bc_role) may moderate the room: its seller, an admin or one of
 * the seller's moderators. Privileged users skip every chat restriction. */
int mod_privileged(const mod_snap *s, int64_t user_id, int role);
int mod_banned(const mod_snap *s, int64_t user_id);
/* The end of user_id's mute (UTC ms) when it is after now, else 0. */
int64_t mod_muted_until(const mod_snap *s, int64_t user_id, int64_t now);
/* "seller", "moderator" (a moderator of the seller, or an admin) or NULL: the chat frame's badge. */
const char *mod_badge(const mod_snap *s, int64_t user_id, int role);

/* A refusal of a message: the error frame's code and message (static strings). */
typedef struct mod_refusal {
    const char *code, *message;
} mod_refusal;
/* Worker, inside the drain transaction: every rule of the room for a message of user_id (role)
 * with text at now (UTC ms): ban, mute, freeze, banned words, chat mode (followers: the accounts
 * module's follow; buyers: commerce's paid orders from the seller), then slow mode (exact across
 * instances: a conditional upsert of the user's last accepted message, chat_last_sent). Leaves
 * *why zeroed when the message may be stored. BC_OK (decided), BC_EBUSY (retry the batch) or an
 * error. */
int mod_check_message(bc_db *db, const mod_snap *s, int64_t user_id, int role, const char *text, int64_t now,
                      mod_refusal *why);

/* Starts the moderation sync: every MOD_SYNC_MS a worker job refreshes the snapshots of the rooms
 * with viewers on this instance, so a change made on another instance (a ban, a setting) is known
 * here within about that time; a ban closes the banned user's connections here. */
#define MOD_SYNC_MS 500
void mod_tick(int64_t now);

/* chat.c: closes every connection of user_id in live_id on this instance with an error frame
 * {"type":"error","code":"BANNED_FROM_LIVE"} and close code 1008 (any thread). */
void chat_close_user(int64_t live_id, int64_t user_id);
/* chat.c: closes, in live_id, the connections of this instance whose user the snapshot bans. */
void chat_close_banned(const mod_snap *s);

#endif
