/* Checks of an announcement's body (no SQL here). */
#include "announcements.h"

static int blank(const char *s)
{
    for (; s && *s; s++)
        if (*s != ' ' && *s != '\n' && *s != '\t' && *s != '\r')
            return 0;
    return 1;
}

int bc_announce_fields_read(json_t *body, bc_announce_fields *f, char *msg, size_t msglen)
{
    json_t *title = json_object_get(body, "title"), *text = json_object_get(body, "body");
    json_t *pinned = json_object_get(body, "pinned"), *when = json_object_get(body, "published_at");
    f->title = json_string_value(title);
    f->body = json_string_value(text);
    f->pinned = json_is_boolean(pinned) ? json_is_true(pinned) : -1;
    f->published_at = -1;
    if ((title && blank(f->title)) || (text && blank(f->body))) {
        snprintf(msg, msglen, "'title' and 'body' must not be blank");
        return BC_EINVAL;
    }
    if (json_is_string(when) && bc_time_parse(json_string_value(when), &f->published_at) != BC_OK) {
        snprintf(msg, msglen, "'published_at' must be an ISO-8601 time like 2026-11-23T10:00:00Z");
        return BC_EINVAL;
    }
    return BC_OK;
}
