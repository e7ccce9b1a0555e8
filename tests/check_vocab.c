// check_vocab.c: building vocabularies, lookup, encoding (common/vocab.h).
// Introduced in issue 6 (data pipeline).
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus.h"
#include "vocab.h"

// A corpus from "src\ttgt" lines.
static void make_corpus(Corpus *c, const char *const *pairs, int n) {
    corpus_init(c);
    char err[256];
    for (int i = 0; i < n; i++) {
        const char *tab = strchr(pairs[i], '\t');
        ck_assert_msg(corpus_add_pair(c, pairs[i], (size_t)(tab - pairs[i]), tab + 1, strlen(tab + 1),
                                      TOKENIZE_WORDS, 0, err, sizeof err), "%s", err);
    }
}

static const char *const PAIRS[] = {
    "Ein Mann fährt Fahrrad.\tA man rides a bike.",
    "Ein Hund läuft.\tA dog runs.",
    "Eine Frau und ein Mann.\tA woman and a man.",
    "Zwei Hunde.\tTwo dogs.",
};

START_TEST(test_specials_and_order) {
    Corpus c;
    make_corpus(&c, PAIRS, 4);
    Vocab v;
    char err[256];
    ck_assert(vocab_build(&v, &c, CORPUS_SRC, 2, err, sizeof err));
    // German counts: ein 3 (Ein, Ein, ein), . 4, mann 2, everything else once.
    // Kept (>= 2): "." (4), "ein" (3), "mann" (2): most frequent first.
    ck_assert_int_eq(v.size, 4 + 3);
    const char *want[] = {"<unk>", "<pad>", "<sos>", "<eos>", ".", "ein", "mann"};
    for (int i = 0; i < 7; i++) ck_assert_str_eq(vocab_token(&v, i), want[i]);
    ck_assert_int_eq(vocab_lookup(&v, "mann"), 6);
    ck_assert_int_eq(vocab_lookup(&v, "fahrrad"), VOCAB_UNK);   // seen once: below min_freq
    ck_assert_int_eq(vocab_lookup(&v, "niemals"), VOCAB_UNK);
    ck_assert_int_eq(vocab_lookup(&v, "<pad>"), VOCAB_PAD);
    ck_assert_str_eq(vocab_token(&v, 99), "<bad id>");
    vocab_free(&v);

    // min_freq 1 keeps all 12 distinct German tokens: ein mann fährt fahrrad . hund läuft
    // eine frau und zwei hunde.
    ck_assert(vocab_build(&v, &c, CORPUS_SRC, 1, err, sizeof err));
    ck_assert_int_eq(v.size, 4 + 12);
    // Ties (count 1) in byte order: "eine" < "fahrrad" < "frau" < ... < "zwei"; umlauts
    // (bytes >= 0xC3) sort after ASCII: "läuft" after "hunde".
    ck_assert_str_eq(vocab_token(&v, 7), "eine");
    ck_assert_int_lt(vocab_lookup(&v, "hunde"), vocab_lookup(&v, "läuft"));
    vocab_free(&v);
    corpus_free(&c);
}
END_TEST

START_TEST(test_deterministic) {
    // The same pairs in another order give the same vocabulary, id for id.
    const char *reordered[] = {PAIRS[3], PAIRS[1], PAIRS[0], PAIRS[2]};
    Corpus a, b;
    make_corpus(&a, PAIRS, 4);
    make_corpus(&b, reordered, 4);
    Vocab va, vb;
    char err[256];
    ck_assert(vocab_build(&va, &a, CORPUS_TGT, 1, err, sizeof err));
    ck_assert(vocab_build(&vb, &b, CORPUS_TGT, 1, err, sizeof err));
    ck_assert_int_eq(va.size, vb.size);
    for (int i = 0; i < va.size; i++) ck_assert_str_eq(vocab_token(&va, i), vocab_token(&vb, i));
    vocab_free(&va);
    vocab_free(&vb);
    corpus_free(&a);
    corpus_free(&b);
}
END_TEST

START_TEST(test_empty_vocabulary_is_an_error) {
    Corpus c;
    make_corpus(&c, PAIRS, 4);
    Vocab v;
    char err[256] = "";
    ck_assert(!vocab_build(&v, &c, CORPUS_SRC, 100, err, sizeof err));
    ck_assert_msg(strstr(err, "vocabulary is empty") && strstr(err, "100 times"), "%s", err);
    corpus_free(&c);
    Corpus empty;
    corpus_init(&empty);
    ck_assert(!vocab_build(&v, &empty, CORPUS_SRC, 1, err, sizeof err));
    ck_assert_msg(strstr(err, "vocabulary is empty"), "%s", err);
    corpus_free(&empty);
}
END_TEST

START_TEST(test_encode_decode_reverse) {
    Corpus c;
    make_corpus(&c, PAIRS, 4);
    Vocab v;
    char err[256];
    ck_assert(vocab_build(&v, &c, CORPUS_SRC, 2, err, sizeof err));
    // pair 0: ein mann fährt fahrrad .  ->  <sos> ein mann <unk> <unk> . <eos>
    int ids[16];
    ck_assert_int_eq(vocab_encode(&v, &c, CORPUS_SRC, 0, 0, ids), 7);
    int want[] = {VOCAB_SOS, 5, 6, VOCAB_UNK, VOCAB_UNK, 4, VOCAB_EOS};
    for (int k = 0; k < 7; k++) ck_assert_int_eq(ids[k], want[k]);
    // reversed: the words only; <sos> and <eos> stay at the ends
    ck_assert_int_eq(vocab_encode(&v, &c, CORPUS_SRC, 0, 1, ids), 7);
    int rev[] = {VOCAB_SOS, 4, VOCAB_UNK, VOCAB_UNK, 6, 5, VOCAB_EOS};
    for (int k = 0; k < 7; k++) ck_assert_int_eq(ids[k], rev[k]);
    char buf[64];
    int out[] = {VOCAB_SOS, 5, 6, VOCAB_PAD, 4, VOCAB_EOS, 5};
    ck_assert_str_eq(vocab_decode(&v, out, 7, buf, sizeof buf), "ein mann .");
    ck_assert_str_eq(vocab_decode(&v, out, 7, buf, 6), "ein");   // truncated, still a string
    vocab_free(&v);
    corpus_free(&c);
}
END_TEST

START_TEST(test_json_round_trip_and_list_errors) {
    Vocab v, back;
    vocab_init(&v);
    const char *toks[] = {"<unk>", "<pad>", "<sos>", "<eos>", "straße", "\"quote\"", "back\\slash", "ä"};
    char err[256];
    ck_assert(vocab_from_list(&v, toks, 8, err, sizeof err));
    char *json = vocab_to_json(&v);
    ck_assert_str_eq(json, "[\"<unk>\",\"<pad>\",\"<sos>\",\"<eos>\",\"straße\",\"\\\"quote\\\"\",\"back\\\\slash\",\"ä\"]");
    ck_assert(vocab_from_json(&back, json, strlen(json), err, sizeof err));
    ck_assert_int_eq(back.size, 8);
    for (int i = 0; i < 8; i++) ck_assert_str_eq(vocab_token(&back, i), toks[i]);
    ck_assert_int_eq(vocab_lookup(&back, "straße"), 4);
    free(json);
    vocab_free(&back);
    vocab_free(&v);

    const char *wrong_order[] = {"<pad>", "<unk>", "<sos>", "<eos>", "x"};
    ck_assert(!vocab_from_list(&v, wrong_order, 5, err, sizeof err));
    ck_assert_msg(strstr(err, "id 0") && strstr(err, "<unk>"), "%s", err);
    const char *twice[] = {"<unk>", "<pad>", "<sos>", "<eos>", "x", "x"};
    ck_assert(!vocab_from_list(&v, twice, 6, err, sizeof err));
    ck_assert_msg(strstr(err, "appears twice"), "%s", err);
    ck_assert(!vocab_from_list(&v, twice, 4, err, sizeof err));
    ck_assert_msg(strstr(err, "at least one more"), "%s", err);
    ck_assert(!vocab_from_json(&v, "[\"<unk>\",", 9, err, sizeof err));
    ck_assert_msg(strstr(err, "not valid JSON"), "%s", err);
    ck_assert(!vocab_from_json(&v, "{}", 2, err, sizeof err));
    ck_assert_msg(strstr(err, "expected an array"), "%s", err);
}
END_TEST

START_TEST(test_interner_grows) {
    Vocab v;
    vocab_init(&v);
    char tok[32];
    for (int i = 0; i < 10000; i++) {
        snprintf(tok, sizeof tok, "w%d", i);
        ck_assert_int_eq(vocab_add(&v, tok), i);
    }
    for (int i = 0; i < 10000; i += 7) {
        snprintf(tok, sizeof tok, "w%d", i);
        ck_assert_int_eq(vocab_find(&v, tok), i);
        ck_assert_int_eq(vocab_add(&v, tok), i);
        ck_assert_int_eq(v.count[i], 2);
    }
    ck_assert_int_eq(vocab_find(&v, "w10000"), -1);
    vocab_free(&v);
}
END_TEST

Suite *make_vocab_suite(void) {
    Suite *s = suite_create("vocab");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_specials_and_order);
    tcase_add_test(tc, test_deterministic);
    tcase_add_test(tc, test_empty_vocabulary_is_an_error);
    tcase_add_test(tc, test_encode_decode_reverse);
    tcase_add_test(tc, test_json_round_trip_and_list_errors);
    tcase_add_test(tc, test_interner_grows);
    suite_add_tcase(s, tc);
    return s;
}
