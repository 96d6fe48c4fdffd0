/* regions: the region of a live or a sale post, as Korean addresses name it: a 시/도 (one of the
 * 17 first-level divisions, by its official name) and optionally a 시/군/구 (free text). Pure rules
 * (no SQL, no tables) and one route, GET /api/v1/regions (the list the web client's selects use).
 * Prefix bc_regions_.
 *
 * Files: regions.c (the list, parsing, JSON), regions_api.c (the route). */
#ifndef BC_REGIONS_H
#define BC_REGIONS_H

#include "../http/http.h"

/* Number of 시/도. */
#define BC_REGIONS_SIDO_N 17
/* Most characters (UTF-8 code points) of a 시/군/구, e.g. "강남구", "성남시 분당구". */
#define BC_REGIONS_SIGUNGU_MAX 20
/* Bytes a 시/군/구 may take (4 per character) plus the NUL. */
#define BC_REGIONS_SIGUNGU_BYTES (4 * BC_REGIONS_SIGUNGU_MAX + 1)

/* The 17 시/도 by official name ("서울특별시" … "제주특별자치도"), in the customary order
 * (서울, 부산, … 경남, 제주), NULL-terminated (usable as a bc_field's enums). Static. */
extern const char *const bc_regions_sido[];

/* The official name (a static string of bc_regions_sido) of the 시/도 named by the len bytes at
 * name: the official name itself, its short form as addresses write it ("서울", "경기", "충북",
 * "전남", "제주", …) or a former name ("강원도", "전라북도", "제주도"); NULL when none. */
const char *bc_regions_sido_canon(const char *name, size_t len);

/* The short name of bc_regions_sido[i] ("서울", "경기", …), static; NULL when i is out of range. */
const char *bc_regions_short(int i);

/* A parsed region. sido NULL = no region; sigungu "" = the whole 시/도. */
typedef struct bc_region {
    const char *sido; /* static (bc_regions_sido) or NULL */
    char sigungu[BC_REGIONS_SIGUNGU_BYTES];
} bc_region;

/* 1 when s (NUL-terminated UTF-8) is an acceptable 시/군/구: 1..BC_REGIONS_SIGUNGU_MAX
 * characters, no control characters, not starting or ending with a space, no two spaces in a row. */
int bc_regions_sigungu_ok(const char *s);

/* Parses a query value: "<시/도>" or "<시/도> <시/군/구>" (split at the first space; the 시/도 in any
 * form bc_regions_sido_canon accepts; spaces around are ignored). BC_OK (*out set) or BC_EINVAL. */
int bc_regions_parse(const char *text, bc_region *out);

/* Reads a request value: JSON null or absent (v NULL) = no region (out->sido NULL), or an object
 * {sido, sigungu?} whose sido is one of bc_regions_sido (official names only) and whose sigungu,
 * when given and not null or "", passes bc_regions_sigungu_ok. BC_OK or BC_EINVAL. */
int bc_regions_from_json(json_t *v, bc_region *out);

/* The API's region JSON: {sido, sigungu (string or null)} or JSON null when sido is NULL or "";
 * sigungu NULL or "" = null. New reference (caller owns). */
json_t *bc_regions_json(const char *sido, const char *sigungu);

/* The JSON Schema text of a region or null (for response schemas). */
#define BC_REGIONS_SCHEMA                                                                                              \
    "{\"type\":[\"object\",\"null\"],\"required\":[\"sido\",\"sigungu\"],\"description\":\"시/도 and "               \
    "시/군/구 (null: no region)\",\"properties\":{\"sido\":{\"type\":\"string\",\"description\":\"one of the "      \
    "17 시/도 (GET /api/v1/regions)\"},\"sigungu\":{\"type\":[\"string\",\"null\"],\"description\":\"시/군/구, "  \
    "null: the whole 시/도\"}}}"

/* Body field rows of a region object, for route tables: {sido (required, one of the 17 official
 * names), sigungu (optional, 1..20 characters)}; refused values answer 422 INVALID_REGION. */
extern const bc_field bc_regions_fields[];

extern const bc_route bc_regions_routes[];

#endif
