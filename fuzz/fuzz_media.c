/* fuzz_media: image sniffing on uploaded bytes, as the upload handler runs it: bc_media_detect,
 * then bc_media_dimensions for the detected type and bc_media_dims_ok. The header parsers are
 * also run for the two types the bytes were not detected as (they must refuse, never overread),
 * and bc_media_type_from_mime gets the first line of the input as a Content-Type value.
 * Each input is copied into a buffer of exactly its size, so ASan sees a read past the end. */
#include <stdlib.h>
#include <string.h>

#include "../src/media/media.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    uint32_t w = 0, h = 0;
    enum bc_media_type type = bc_media_detect(copy, size);
    if (type != BC_MEDIA_NONE) {
        if (!bc_media_mime(type) || !bc_media_ext(type))
            abort(); /* every accepted type has a MIME type and an extension */
        if (bc_media_dimensions(type, copy, size, &w, &h) == BC_OK) {
            int ok = bc_media_dims_ok(w, h);
            if (ok !=
                (w >= BC_MEDIA_MIN_DIM && w <= BC_MEDIA_MAX_DIM && h >= BC_MEDIA_MIN_DIM && h <= BC_MEDIA_MAX_DIM))
                abort();
        }
    } else if (bc_media_dimensions(type, copy, size, &w, &h) != BC_EINVAL) {
        abort(); /* BC_MEDIA_NONE has no dimensions */
    }
    for (int t = BC_MEDIA_JPEG; t <= BC_MEDIA_WEBP; t++)
        if (t != (int)type)
            bc_media_dimensions((enum bc_media_type)t, copy, size, &w, &h);

    size_t line = 0;
    while (line < size && line < 256 && copy[line] != '\n' && copy[line] != 0)
        line++;
    char mime[257];
    memcpy(mime, copy, line);
    mime[line] = 0;
    bc_media_type_from_mime(mime);
    free(copy);
    return 0;
}
