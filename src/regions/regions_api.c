/* GET /api/v1/regions: the 17 시/도 the region selects offer. No SQL. */
#include "regions.h"

static void h_regions(bc_req *req)
{
    json_t *items = json_array();
    for (int i = 0; i < BC_REGIONS_SIDO_N; i++)
        json_array_append_new(items, json_pack("{s:s,s:s}", "sido", bc_regions_sido[i], "short", bc_regions_short(i)));
    bc_res_json(req, 200, json_pack("{s:o}", "items", items));
}

const bc_field bc_regions_fields[] = {
    {"sido", BC_F_STR, 1, 1, 20, "one of the 17 시/도 by official name (GET /api/v1/regions)", .enums = bc_regions_sido,
     .code = "INVALID_REGION"},
    {"sigungu", BC_F_STR, 0, 1, BC_REGIONS_SIGUNGU_MAX, "시/군/구, e.g. 강남구 (absent or null: the whole 시/도)",
     .code = "INVALID_REGION"},
    {NULL},
};

static const bc_schema sc_regions = {
    "Regions",
    "{\"type\":\"object\",\"required\":[\"items\"],\"properties\":{\"items\":{\"type\":\"array\",\"items\":{"
    "\"type\":\"object\",\"required\":[\"sido\",\"short\"],\"properties\":{\"sido\":{\"type\":\"string\","
    "\"description\":\"official name, the value of region.sido\"},\"short\":{\"type\":\"string\",\"description\":"
    "\"short form (서울, 경기, …), also accepted by ?region=\"}}}}}}",
    NULL};

const bc_route bc_regions_routes[] = {
    {"GET", "/api/v1/regions", 0, 0, NULL, h_regions, "catalog", "The 17 시/도 a region may name", 200,
     .response = &sc_regions},
    {NULL},
};
