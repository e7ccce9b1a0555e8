// check_tokenizer.c: UTF-8 and the tokenizer (common/utf8.h, common/tokenizer.h).
// Introduced in issue 6 (data pipeline).
#include <check.h>
#include <string.h>

#include "tokenizer.h"
#include "utf8.h"

// Tokenize s in the given mode and compare with the expected tokens joined by '|'.
static void expect_tokens(const char *s, TokenizeMode mode, const char *want) {
    Tokens t;
    tokens_init(&t);
    char err[256] = "";
    int n = tokenize(&t, s, strlen(s), mode, err, sizeof err);
    ck_assert_msg(n >= 0, "tokenize(\"%s\") failed: %s", s, err);
    char got[1024] = "";
    for (int i = 0; i < t.n; i++) {
        if (i) strcat(got, "|");
        strcat(got, tokens_get(&t, i));
    }
    ck_assert_msg(strcmp(got, want) == 0, "tokenize(\"%s\"): got \"%s\", want \"%s\"", s, got, want);
    ck_assert_int_eq(n, t.n);
    tokens_free(&t);
}

static void expect_error(const char *s, size_t len, const char *phrase) {
    Tokens t;
    tokens_init(&t);
    tokens_push(&t, "keep", 4);
    char err[256] = "";
    ck_assert_int_eq(tokenize(&t, s, len, TOKENIZE_WORDS, err, sizeof err), -1);
    ck_assert_msg(strstr(err, phrase) != NULL, "error \"%s\" does not mention \"%s\"", err, phrase);
    ck_assert_int_eq(t.n, 1);  // nothing appended
    ck_assert_str_eq(tokens_get(&t, 0), "keep");
    tokens_free(&t);
}

START_TEST(test_german_sentence) {
    expect_tokens("Ein Mann fährt Fahrrad.", TOKENIZE_WORDS, "ein|mann|fährt|fahrrad|.");
    expect_tokens("Zwei junge weiße Männer sind im Freien.", TOKENIZE_WORDS,
                  "zwei|junge|weiße|männer|sind|im|freien|.");
}
END_TEST

START_TEST(test_uppercase_umlauts_and_sharp_s) {
    expect_tokens("ÄRGER ÖL ÜBER", TOKENIZE_WORDS, "ärger|öl|über");
    expect_tokens("STRAẞE Straße", TOKENIZE_WORDS, "straße|straße");  // ẞ (U+1E9E) -> ß
    expect_tokens("ÉLAN Ça İ Ÿ", TOKENIZE_WORDS, "élan|ça|i|ÿ");
    expect_tokens("ΑΒΓ ДОМ", TOKENIZE_WORDS, "αβγ|дом");
}
END_TEST

START_TEST(test_punctuation) {
    expect_tokens("Hallo, Welt! (ja?) \"x\"", TOKENIZE_WORDS, "hallo|,|welt|!|(|ja|?|)|\"|x|\"");
    expect_tokens("„Hallo“ – sagte er…", TOKENIZE_WORDS, "„|hallo|“|–|sagte|er|…");
    expect_tokens("a...b", TOKENIZE_WORDS, "a|.|.|.|b");
    expect_tokens("", TOKENIZE_WORDS, "");
    expect_tokens("  \t \xC2\xA0 ", TOKENIZE_WORDS, "");  // spaces, tab, no-break space
}
END_TEST

START_TEST(test_apostrophes_hyphens_numbers) {
    expect_tokens("A man's T-shirt", TOKENIZE_WORDS, "a|man|'s|t-shirt");
    expect_tokens("don't can't", TOKENIZE_WORDS, "do|n't|ca|n't");
    expect_tokens("the man’s hat", TOKENIZE_WORDS, "the|man|'s|hat");   // ’ becomes '
    expect_tokens("'quoted' 90's", TOKENIZE_WORDS, "'|quoted|'|90|'s");
    expect_tokens("Hip-Hop-Tänzer a--b -x x-", TOKENIZE_WORDS, "hip-hop-tänzer|a|-|-|b|-|x|x|-");
    expect_tokens("1998-03-03 3-mar-1998", TOKENIZE_WORDS, "1998|-|03|-|03|3|-|mar|-|1998");
    expect_tokens("3rd 10am 3.5 1,000 12:30", TOKENIZE_WORDS, "3rd|10am|3|.|5|1|,|000|12|:|30");
}
END_TEST

START_TEST(test_whitespace_and_chars_modes) {
    expect_tokens("  The  cat\tsat.\n", TOKENIZE_WHITESPACE, "The|cat|sat.");
    expect_tokens(" 3 März ", TOKENIZE_CHARS, "3|▁|M|ä|r|z");
    expect_tokens("a  b", TOKENIZE_CHARS, "a|▁|b");
}
END_TEST

START_TEST(test_invalid_utf8_rejected) {
    expect_error("bad\xff", 4, "invalid UTF-8 (byte 0xff at column 4)");
    expect_error("\x80x", 2, "column 1");                  // a lone continuation byte
    expect_error("a\xC0\x80", 3, "invalid UTF-8");         // overlong NUL
    expect_error("\xE0\x80\xAF", 3, "invalid UTF-8");      // overlong '/'
    expect_error("\xED\xA0\x80", 3, "invalid UTF-8");      // a UTF-16 surrogate
    expect_error("\xF4\x90\x80\x80", 4, "invalid UTF-8");  // above U+10FFFF
    expect_error("f\xC3", 2, "invalid UTF-8");             // cut short
    expect_error("a\0b", 3, "NUL byte at column 2");
}
END_TEST

// Every code point survives encode -> decode, and the decoder refuses the surrogates.
START_TEST(test_utf8_round_trip) {
    char buf[4];
    long bad = 0;
    uint32_t first_bad = 0;
    // (plain ifs in the loop: a ck_assert per code point would take a minute)
    for (uint32_t cp = 0; cp <= 0x10FFFF; cp++) {
        int n = utf8_encode(cp, buf);
        uint32_t back = 0;
        int ok = (cp >= 0xD800 && cp <= 0xDFFF) ? n == 0
                                                : (n > 0 && utf8_decode(buf, (size_t)n, &back) == n && back == cp);
        if (!ok && bad++ == 0) first_bad = cp;
    }
    ck_assert_msg(bad == 0, "%ld code points fail the round trip, the first U+%04X", bad, first_bad);
    ck_assert_int_eq(utf8_encode(0x110000, buf), 0);
    ck_assert_uint_eq(utf8_valid_prefix("ok\xC3\xA4\xff", 5), 4);
    // Code points, not bytes: one for each of 1-, 2-, 3- and 4-byte sequences.
    ck_assert_int_eq(utf8_count(""), 0);
    ck_assert_int_eq(utf8_count("f\xC3\xA4hrt"), 5);
    ck_assert_int_eq(utf8_count("a\xE2\x82\xAC\xF0\x9F\x98\x80"), 3);
}
END_TEST

START_TEST(test_tokens_reuse) {
    Tokens t;
    tokens_init(&t);
    char err[128];
    for (int round = 0; round < 3; round++) {
        tokens_clear(&t);
        ck_assert_int_eq(tokenize(&t, "eins zwei", 9, TOKENIZE_WORDS, err, sizeof err), 2);
        ck_assert_int_eq(tokenize(&t, "drei", 4, TOKENIZE_WORDS, err, sizeof err), 1);
        ck_assert_int_eq(t.n, 3);
        ck_assert_str_eq(tokens_get(&t, 2), "drei");
    }
    tokens_free(&t);
}
END_TEST

Suite *make_tokenizer_suite(void) {
    Suite *s = suite_create("tokenizer");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_german_sentence);
    tcase_add_test(tc, test_uppercase_umlauts_and_sharp_s);
    tcase_add_test(tc, test_punctuation);
    tcase_add_test(tc, test_apostrophes_hyphens_numbers);
    tcase_add_test(tc, test_whitespace_and_chars_modes);
    tcase_add_test(tc, test_invalid_utf8_rejected);
    tcase_add_test(tc, test_utf8_round_trip);
    tcase_add_test(tc, test_tokens_reuse);
    suite_add_tcase(s, tc);
    return s;
}
