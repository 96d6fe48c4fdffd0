/* Points: the pure rules (Asia/Seoul dates, kinds and signs, earn rate, charge ids), the
 * sweeper's timer and the `broadcart points expire` command. No SQL here (points_store.c). */
#include "points.h"
#include "points_int.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../app.h"

#define KST_OFFSET_MS (9LL * 3600 * 1000)

void bc_points_kst_date(int64_t utc_ms, char out[11])
{
    int64_t ms = utc_ms + KST_OFFSET_MS;
    /* floor division, so times before 1970 land on the right day too */
    int64_t days = ms >= 0 ? ms / 86400000LL : -((-ms + 86400000LL - 1) / 86400000LL);
    time_t s = (time_t)(days * 86400);
    struct tm tm;
    gmtime_r(&s, &tm);
    unsigned y = (unsigned)(tm.tm_year + 1900) % 10000u, m = (unsigned)tm.tm_mon % 12u + 1,
             d = (unsigned)tm.tm_mday % 32u;
    snprintf(out, 11, "%04u-%02u-%02u", y, m, d);
}

/* Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int bc_points_kst_day_start(const char *date, int64_t *out)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (!date || strlen(date) != 10 || date[4] != '-' || date[7] != '-')
        return BC_EINVAL;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (date[i] < '0' || date[i] > '9'))
            return BC_EINVAL;
    int y = atoi(date), m = atoi(date + 5), d = atoi(date + 8);
    if (y < 1970 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        return BC_EINVAL;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (m == 2 && d == 29 && !leap)
        return BC_EINVAL;
    *out = days_from_civil(y, m, d) * 86400000LL - KST_OFFSET_MS;
    return BC_OK;
}

int bc_points_kind_valid(const char *kind)
{
    static const char *const kinds[] = {"EARN", "SPEND", "EXPIRE", "CHARGE", "ADJUST", "REFUND"};
    for (size_t i = 0; kind && i < sizeof kinds / sizeof *kinds; i++)
        if (strcmp(kind, kinds[i]) == 0)
            return 1;
    return 0;
}

int bc_points_amount_ok(const char *kind, int64_t amount)
{
    if (!bc_points_kind_valid(kind) || amount == 0 || amount > BC_POINTS_MAX || amount < -BC_POINTS_MAX)
        return 0;
    if (strcmp(kind, "ADJUST") == 0)
        return 1;
    if (strcmp(kind, "SPEND") == 0 || strcmp(kind, "EXPIRE") == 0)
        return amount < 0;
    return amount > 0;
}

int64_t bc_points_for_paid(int64_t paid, int64_t rate_bp)
{
    if (paid <= 0 || rate_bp <= 0)
        return 0;
    if (paid > BC_POINTS_MAX * 10) /* no order is that large; keeps the product in range */
        paid = BC_POINTS_MAX * 10;
    return paid * rate_bp / 10000;
}

void bc_points_make_charge_id(char *out, size_t len, int64_t now_ms)
{
    char rnd[11];
    time_t s = (time_t)(now_ms / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    bc_rand_token(rnd, 10);
    unsigned y = (unsigned)(tm.tm_year + 1900) % 10000u, m = (unsigned)tm.tm_mon % 12u + 1,
             d = (unsigned)tm.tm_mday % 32u;
    snprintf(out, len, "PT%04u%02u%02u-%s", y, m, d, rnd);
}

int bc_points_is_charge_id(const char *s)
{
    if (!s || strncmp(s, "PT", 2) != 0)
        return 0;
    size_t n = 2;
    for (; s[n]; n++) {
        char c = s[n];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return 0;
    }
    return n >= 6 && n <= 64;
}

void bc_points_sweep(bc_db *db, int64_t now_ms)
{
    static atomic_llong last_run;
    static atomic_int running;
    if (now_ms - atomic_load(&last_run) < 10000)
        return;
    if (atomic_exchange(&running, 1))
        return;
    atomic_store(&last_run, now_ms);
    int n = bc_points_expire_due(db, now_ms);
    if (n < 0)
        bc_log_warn("points", "expiring points failed (%d)", n);
    else if (n > 0)
        bc_log_info("points", "expired the rest of %d credit(s)", n);
    points_charge_settle_stale(db, now_ms);
    atomic_store(&running, 0);
}

int bc_points_expire_main(void)
{
    bc_db *db = NULL;
    if (bc_app_open_db(&db) != BC_OK)
        return 1;
    int n = bc_points_expire_due(db, bc_now_ms());
    bc_db_close(db);
    if (n < 0) {
        fprintf(stderr, "points expire: failed (%d)\n", n);
        return 1;
    }
    printf("expired %d credit(s)\n", n);
    return fflush(stdout) == 0 ? 0 : 1;
}
