// check_json.c: the strict JSON reader and the string writer (common/json.h).
// Introduced in issue 6 (data pipeline).
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "rng.h"

START_TEST(test_valid_documents) {
    const char *text = " {\"a\": [1, -2.5e3, true, false, null], \"s\": \"x\\\"\\\\\\/\\b\\f\\n\\r\\t\", "
                       "\"u\": \"\\u00e4\\ud83d\\ude00\", \"o\": {}, \"e\": [], \"k\\u00fc\": 0} ";
    Json doc;
    char err[256];
    ck_assert_msg(json_parse(&doc, text, strlen(text), err, sizeof err), "%s", err);
    const JsonNode *root = json_root(&doc);
    ck_assert_int_eq(root->type, JSON_OBJECT);
    ck_assert_int_eq(root->count, 6);
    const JsonNode *a = json_get(&doc, root, "a");
    ck_assert_int_eq(a->count, 5);
    const JsonNode *e = json_first(&doc, a);
    ck_assert_double_eq(e->number, 1.0);
    e = json_next(&doc, e);
    ck_assert_double_eq(e->number, -2500.0);
    ck_assert_str_eq(e->str, "-2.5e3");
    ck_assert_int_eq(json_next(&doc, e)->type, JSON_TRUE);
    ck_assert_str_eq(json_get(&doc, root, "s")->str, "x\"\\/\b\f\n\r\t");
    ck_assert_str_eq(json_get(&doc, root, "u")->str, "ä\xF0\x9F\x98\x80");   // surrogate pair -> U+1F600
    ck_assert_int_eq(json_get(&doc, root, "o")->count, 0);
    ck_assert_ptr_null(json_first(&doc, json_get(&doc, root, "e")));
    ck_assert_ptr_nonnull(json_get(&doc, root, "kü"));
    ck_assert_ptr_null(json_get(&doc, root, "missing"));
    json_free(&doc);

    ck_assert(json_parse(&doc, "\"a\\u0000b\"", 10, err, sizeof err));
    ck_assert_int_eq(json_root(&doc)->str_len, 3);   // an embedded NUL, counted
    json_free(&doc);
}
END_TEST

static void expect_invalid(const char *text, size_t len, const char *phrase) {
    Json doc;
    char err[256] = "";
    ck_assert_msg(!json_parse(&doc, text, len, err, sizeof err), "accepted: %.60s", text);
    ck_assert_msg(strstr(err, phrase) != NULL, "parsing %.60s: error \"%s\" does not mention \"%s\"", text, err, phrase);
}
#define INVALID(text, phrase) expect_invalid((text), strlen(text), (phrase))

START_TEST(test_strictness) {
    INVALID("", "unexpected end of input");
    INVALID("   ", "unexpected end of input");
    INVALID("[1,]", "expected a value but found ']'");
    INVALID("{\"a\":1,}", "expected a string key");
    INVALID("{'a':1}", "expected a string key");
    INVALID("{\"a\" 1}", "expected ':'");
    INVALID("[1 2]", "expected ',' or ']'");
    INVALID("[01]", "expected ',' or ']'");
    INVALID("[1.]", "invalid number");
    INVALID("[-]", "invalid number");
    INVALID("[.5]", "expected a value");
    INVALID("[1e]", "invalid number");
    INVALID("[+1]", "expected a value");
    INVALID("[NaN]", "expected a value");
    INVALID("[tru]", "invalid literal");
    INVALID("[nul]", "invalid literal");
    INVALID("/* c */ []", "expected a value");
    INVALID("[1] x", "after the JSON value");
    INVALID("[1]]", "after the JSON value");
    INVALID("[\"\\x\"]", "invalid escape");
    INVALID("[\"a\nb\"]", "control character 0x0a");
    INVALID("[\"abc", "unterminated string");
    INVALID("[\"\\u12\"]", "invalid \\u escape");
    INVALID("[\"\\ud800\"]", "unpaired surrogate \\ud800");
    INVALID("[\"\\udc00\"]", "unpaired surrogate \\udc00");
    INVALID("[\"\\ud800\\u0041\"]", "unpaired surrogate");
    INVALID("[\"\xff\"]", "invalid UTF-8");
    INVALID("[\"\xC0\x80\"]", "invalid UTF-8");
    INVALID("{\"a\":1,\"b\":2,\"a\":3}", "duplicate key \"a\"");
    expect_invalid("[1]\0", 4, "after the JSON value");
}
END_TEST

// Nesting is limited (and never recursive): 64 levels parse, 65 do not, a million neither.
START_TEST(test_depth_limit) {
    size_t n = 1000000;
    char *deep = malloc(2 * n + 1);
    memset(deep, '[', n);
    memset(deep + n, ']', n);
    Json doc;
    char err[256];
    ck_assert(!json_parse(&doc, deep, 2 * n, err, sizeof err));
    ck_assert_msg(strstr(err, "nesting deeper than 64"), "%s", err);
    ck_assert(json_parse(&doc, deep + n - 64, 128, err, sizeof err));
    json_free(&doc);
    ck_assert(!json_parse(&doc, deep + n - 65, 130, err, sizeof err));
    free(deep);
}
END_TEST

START_TEST(test_u64) {
    const char *text = "[0, 18446744073709551615, 18446744073709551616, -1, 1.0, 1e3]";
    Json doc;
    char err[256];
    ck_assert(json_parse(&doc, text, strlen(text), err, sizeof err));
    const JsonNode *e = json_first(&doc, json_root(&doc));
    uint64_t v;
    ck_assert(json_as_u64(e, &v) && v == 0);
    e = json_next(&doc, e);
    ck_assert(json_as_u64(e, &v) && v == UINT64_MAX);
    for (int k = 0; k < 4; k++) {   // too big, negative, a fraction, an exponent
        e = json_next(&doc, e);
        ck_assert(!json_as_u64(e, &v));
    }
    json_free(&doc);
}
END_TEST

START_TEST(test_writer_round_trip) {
    // every byte value that can stand alone in UTF-8, plus some multi-byte characters
    char s[200];
    int n = 0;
    for (int c = 1; c < 128; c++) s[n++] = (char)c;
    memcpy(s + n, "äß€\xF0\x9F\x98\x80", 11);
    n += 11;
    StrBuf b;
    sb_init(&b);
    json_write_string(&b, s, (size_t)n);
    ck_assert_ptr_null(strchr(b.s, '\n'));
    Json doc;
    char err[256];
    ck_assert_msg(json_parse(&doc, b.s, b.len, err, sizeof err), "%s", err);
    ck_assert_int_eq(json_root(&doc)->str_len, n);
    ck_assert_mem_eq(json_root(&doc)->str, s, (size_t)n);
    json_free(&doc);
    sb_free(&b);
    sb_printf(&b, "%d-%s", 42, "x");
    char big[600];
    memset(big, 'y', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    sb_printf(&b, "%s", big);
    ck_assert_uint_eq(b.len, 4 + 599);
    sb_free(&b);
}
END_TEST

// Random damage to a valid document: every outcome is a clean accept or a clean error
// (run `make sanitize` to have AddressSanitizer watch it).
START_TEST(test_mutations_never_crash) {
    const char *base = "{\"__metadata__\":{\"k\":\"v\\u00e4\"},\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],"
                       "\"data_offsets\":[0,24]},\"l\":[true,false,null,-1.5e-3,\"\\ud83d\\ude00\"]}";
    size_t n = strlen(base);
    char *buf = malloc(n);
    Rng rng;
    rng_seed(&rng, 77);
    const char alphabet[] = "{}[]:,\"\\u0123456789abcdefABCDEF.eE+-tfn \x80\xff";
    int accepted = 0;
    for (int round = 0; round < 20000; round++) {
        memcpy(buf, base, n);
        int edits = 1 + (int)rng_below(&rng, 4);
        for (int e = 0; e < edits; e++) buf[rng_below(&rng, (uint32_t)n)] = alphabet[rng_below(&rng, sizeof alphabet - 1)];
        size_t len = rng_below(&rng, 8) == 0 ? rng_below(&rng, (uint32_t)n) : n;  // sometimes cut short
        Json doc;
        char err[256];
        if (json_parse(&doc, buf, len, err, sizeof err)) {
            accepted++;
            json_free(&doc);
        }
    }
    ck_assert_int_gt(accepted, 0);
    free(buf);
}
END_TEST

// Floats written by json_write_float_exact come back bit for bit, NaN payloads included.
START_TEST(test_float_exact_round_trip) {
    uint32_t nan_bits = 0x7fc12345u, neg_zero = 0x80000000u, subnormal = 0x00000003u;
    float values[8] = {0.1f, -3.4028235e38f, 1e-30f, INFINITY, -INFINITY, 0, 0, 0};
    memcpy(&values[5], &nan_bits, 4), memcpy(&values[6], &neg_zero, 4), memcpy(&values[7], &subnormal, 4);
    StrBuf sb;
    sb_init(&sb);
    sb_puts(&sb, "[");
    for (int i = 0; i < 8; i++) {
        if (i) sb_puts(&sb, ",");
        json_write_float_exact(&sb, values[i]);
    }
    sb_puts(&sb, ",\"nonsense\",true]");
    Json doc;
    char err[256];
    ck_assert_msg(json_parse(&doc, sb.s, strlen(sb.s), err, sizeof err), "%s: %s", sb.s, err);
    int i = 0;
    for (const JsonNode *v = json_first(&doc, json_root(&doc)); v; v = json_next(&doc, v), i++) {
        float back;
        if (i < 8) {
            ck_assert_msg(json_read_float_exact(v, &back), "value %d not read", i);
            ck_assert_msg(memcmp(&back, &values[i], 4) == 0, "value %d changed: %s", i, sb.s);
        } else {
            ck_assert(!json_read_float_exact(v, &back));   // a string or a boolean is no float
        }
    }
    ck_assert_int_eq(i, 10);
    json_free(&doc);
    sb_free(&sb);
}
END_TEST

Suite *make_json_suite(void) {
    Suite *s = suite_create("json");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_valid_documents);
    tcase_add_test(tc, test_strictness);
    tcase_add_test(tc, test_depth_limit);
    tcase_add_test(tc, test_u64);
    tcase_add_test(tc, test_writer_round_trip);
    tcase_add_test(tc, test_mutations_never_crash);
    tcase_add_test(tc, test_float_exact_round_trip);
    suite_add_tcase(s, tc);
    return s;
}
