/* Pure rules of reviews: photo URLs, sort names, the summary's JSON. No SQL, no HTTP. */
#include "reviews.h"

#include <string.h>

#include "../media/media.h"

int bc_review_photo_name(const char *url, char *name, size_t cap)
{
    static const char prefix[] = BC_REVIEW_PHOTO_PREFIX;
    if (!url || cap < 40 || strncmp(url, prefix, sizeof prefix - 1) != 0)
        return 0;
    const char *n = url + sizeof prefix - 1;
    if (strlen(n) >= cap || !bc_media_name_ok(n))
        return 0;
    memcpy(name, n, strlen(n) + 1);
    return 1;
}

int bc_review_sort_from_name(const char *name)
{
    static const char *const names[] = {"newest", "likes", "rating", "rating_low"};
    if (!name)
        return BC_REVIEW_NEWEST;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i]) == 0)
            return (int)i;
    return -1;
}

json_t *bc_review_summary_json(int64_t count, int64_t sum, const int64_t r[5])
{
    /* hundredths rounded half up, in integers (ratings are positive) */
    double avg = count > 0 ? (double)((sum * 200 + count) / (2 * count)) / 100.0 : 0.0;
    json_t *dist = json_object();
    for (int i = 0; dist && i < 5; i++) {
        char k[2] = {(char)('1' + i), 0};
        json_object_set_new(dist, k, json_integer(r[i] > 0 ? r[i] : 0));
    }
    if (!dist)
        return NULL;
    return json_pack("{s:f,s:I,s:o}", "average", avg, "count", (json_int_t)(count > 0 ? count : 0), "distribution",
                     dist);
}
