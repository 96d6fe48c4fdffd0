/* The 17 시/도, their short and former names, and the parsing of a region. No SQL, no HTTP. */
#include "regions.h"

#include <string.h>

const char *const bc_regions_sido[] = {
    "서울특별시",     "부산광역시",     "대구광역시", "인천광역시",     "광주광역시",     "대전광역시",
    "울산광역시",     "세종특별자치시", "경기도",     "강원특별자치도", "충청북도",       "충청남도",
    "전북특별자치도", "전라남도",       "경상북도",   "경상남도",       "제주특별자치도", NULL,
};

/* Other names of each 시/도 (same index as bc_regions_sido): the short forms addresses use
 * (e.g. a postcode search's "서울 강남구 …") and the names before 2023/2024 (강원도, 전라북도). */
static const char *const aliases[BC_REGIONS_SIDO_N][3] = {
    {"서울", "서울시", NULL},   {"부산", "부산시", NULL}, {"대구", "대구시", NULL}, {"인천", "인천시", NULL},
    {"광주", NULL, NULL},       {"대전", "대전시", NULL}, {"울산", "울산시", NULL}, {"세종", "세종시", NULL},
    {"경기", NULL, NULL},       {"강원", "강원도", NULL}, {"충북", NULL, NULL},     {"충남", NULL, NULL},
    {"전북", "전라북도", NULL}, {"전남", NULL, NULL},     {"경북", NULL, NULL},     {"경남", NULL, NULL},
    {"제주", "제주도", NULL},
};

static int same(const char *a, const char *s, size_t len) { return strlen(a) == len && memcmp(a, s, len) == 0; }

const char *bc_regions_sido_canon(const char *name, size_t len)
{
    if (!name)
        return NULL;
    for (int i = 0; i < BC_REGIONS_SIDO_N; i++) {
        if (same(bc_regions_sido[i], name, len))
            return bc_regions_sido[i];
        for (int k = 0; k < 3 && aliases[i][k]; k++)
            if (same(aliases[i][k], name, len))
                return bc_regions_sido[i];
    }
    return NULL;
}

int bc_regions_sigungu_ok(const char *s)
{
    size_t chars = 0, n = s ? strlen(s) : 0;
    if (n == 0 || s[0] == ' ' || s[n - 1] == ' ')
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f || (c == ' ' && s[i + 1] == ' '))
            return 0;
        chars += (c & 0xC0) != 0x80;
    }
    return chars <= BC_REGIONS_SIGUNGU_MAX && n < BC_REGIONS_SIGUNGU_BYTES;
}

int bc_regions_parse(const char *text, bc_region *out)
{
    memset(out, 0, sizeof *out);
    if (!text)
        return BC_EINVAL;
    while (*text == ' ')
        text++;
    size_t n = strlen(text);
    while (n > 0 && text[n - 1] == ' ')
        n--;
    const char *sp = memchr(text, ' ', n);
    size_t head = sp ? (size_t)(sp - text) : n;
    if (!(out->sido = bc_regions_sido_canon(text, head)))
        return BC_EINVAL;
    if (!sp)
        return BC_OK;
    const char *rest = sp;
    while (*rest == ' ')
        rest++;
    size_t rn = n - (size_t)(rest - text);
    if (rn == 0 || rn >= sizeof out->sigungu) {
        out->sido = NULL;
        return BC_EINVAL;
    }
    memcpy(out->sigungu, rest, rn);
    out->sigungu[rn] = '\0';
    if (!bc_regions_sigungu_ok(out->sigungu)) {
        memset(out, 0, sizeof *out);
        return BC_EINVAL;
    }
    return BC_OK;
}

int bc_regions_from_json(json_t *v, bc_region *out)
{
    memset(out, 0, sizeof *out);
    if (!v || json_is_null(v))
        return BC_OK;
    const char *sido = json_string_value(json_object_get(v, "sido"));
    json_t *sg = json_object_get(v, "sigungu");
    if (!json_is_object(v) || !sido)
        return BC_EINVAL;
    for (int i = 0; i < BC_REGIONS_SIDO_N; i++)
        if (strcmp(bc_regions_sido[i], sido) == 0)
            out->sido = bc_regions_sido[i];
    if (!out->sido)
        return BC_EINVAL;
    if (sg && !json_is_null(sg)) {
        const char *s = json_string_value(sg);
        if (!s) {
            out->sido = NULL;
            return BC_EINVAL;
        }
        if (*s) {
            if (!bc_regions_sigungu_ok(s)) {
                out->sido = NULL;
                return BC_EINVAL;
            }
            strcpy(out->sigungu, s);
        }
    }
    return BC_OK;
}

json_t *bc_regions_json(const char *sido, const char *sigungu)
{
    if (!sido || !*sido)
        return json_null();
    return json_pack("{s:s,s:o}", "sido", sido, "sigungu", sigungu && *sigungu ? json_string(sigungu) : json_null());
}

const char *bc_regions_short(int i) { return i >= 0 && i < BC_REGIONS_SIDO_N ? aliases[i][0] : NULL; }
