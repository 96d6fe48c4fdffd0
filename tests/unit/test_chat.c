/* Unit tests for src/chat: banned-word folding (bc_chat_fold: NFKC + case folding, separators,
 * punctuation, format characters and non-emoji symbols dropped). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../src/chat/chat.h"

static void expect_fold(const char *in, const char *want)
{
    char *out = NULL;
    assert_int_equal(bc_chat_fold(in, &out), BC_OK);
    assert_string_equal(out, want);
    free(out);
}

static void fold_variants(void **state)
{
    (void)state;
    expect_fold("bad", "bad");
    expect_fold("BaD", "bad");
    expect_fold("\xef\xbd\x82 \xef\xbd\x81 \xef\xbd\x84", "bad"); /* full-width, spaced out */
    expect_fold("\xef\xbc\xa2\xef\xbc\xa1\xef\xbc\xa4", "bad");   /* full-width capitals */
    expect_fold("b.a-d!", "bad");                                 /* punctuation */
    expect_fold("b\xe2\x80\x8b"
                "a\xe2\x80\x8d"
                "d",
                "bad"); /* ZWSP, ZWJ */
    expect_fold("b\xe3\x80\x80"
                "a\xc2\xa0"
                "d",
                "bad");                    /* ideographic and no-break space */
    expect_fold("b$a^d+", "bad");          /* Sc, Sk, Sm symbols */
    expect_fold("\xe2\x91\xa0", "1");      /* circled digit one (NFKC) */
    expect_fold("\xef\xac\x81ne", "fine"); /* the fi ligature */
    expect_fold("STRASSE", "strasse");
    expect_fold("Stra\xc3\x9f"
                "e",
                "strasse");               /* sharp s case-folds to ss */
    expect_fold("e\xcc\x81", "\xc3\xa9"); /* composed: e + acute -> é */
    expect_fold("\xeb\x82\x98 \xec\x81\x9c \xeb\xa7\x90", "\xeb\x82\x98\xec\x81\x9c\xeb\xa7\x90"); /* 나 쁜 말 */
    expect_fold("\xf0\x9f\x8d\x86!", "\xf0\x9f\x8d\x86"); /* an emoji (So) stays */
    expect_fold("... !!", "");
}

static void fold_refuses_invalid_utf8(void **state)
{
    (void)state;
    char *out = (char *)1;
    assert_int_equal(bc_chat_fold("\xff"
                                  "bad",
                                  &out),
                     BC_EINVAL);
    assert_null(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fold_variants),
        cmocka_unit_test(fold_refuses_invalid_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
