// check_corpus.c: loading parallel text files, every bad input, and Multi30k
// (common/corpus.h, datasets/multi30k/fetch.sh). Introduced in issue 6 (data pipeline).
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "corpus.h"
#include "test_files.h"
#include "vocab.h"

static char dir[64];
static char src_path[4096], tgt_path[4096];

static void setup(void) {
    make_tmp_dir(dir);
    tmp_path(src_path, dir, "x.de");
    tmp_path(tgt_path, dir, "x.en");
}
static void teardown(void) { remove_tmp_dir(dir); }

// Load the two files, expecting failure with an error that names `file` and `phrase`.
static void expect_load_error(const char *file, const char *phrase) {
    Corpus c;
    char err[1024] = "";
    ck_assert_msg(!corpus_load(&c, src_path, tgt_path, NULL, err, sizeof err), "loading should fail (%s)", phrase);
    ck_assert_msg(strchr(err, '\n') == NULL, "the error is more than one line: %s", err);
    ck_assert_err_has(err, file, phrase);
}

START_TEST(test_good_files_crlf_bom_last_line) {
    // A BOM on the first line, CRLF line ends, and no '\n' after the last line.
    write_text(src_path, "\xEF\xBB\xBFZwei Männer.\r\nEin Hund\r\nDrei");
    write_text(tgt_path, "Two men.\nA dog\nThree\n");
    Corpus c;
    char err[512];
    ck_assert_msg(corpus_load(&c, src_path, tgt_path, NULL, err, sizeof err), "%s", err);
    ck_assert_int_eq(c.n, 3);
    ck_assert_int_eq(corpus_len(&c, CORPUS_SRC, 0), 3);
    ck_assert_str_eq(corpus_token(&c, CORPUS_SRC, 0, 0), "zwei");      // no BOM in the token
    ck_assert_str_eq(corpus_token(&c, CORPUS_SRC, 0, 1), "männer");
    ck_assert_str_eq(corpus_token(&c, CORPUS_SRC, 1, 1), "hund");      // no '\r' left
    ck_assert_str_eq(corpus_token(&c, CORPUS_SRC, 2, 0), "drei");
    ck_assert_str_eq(corpus_token(&c, CORPUS_TGT, 2, 0), "three");
    ck_assert_int_eq(corpus_max_len(&c, CORPUS_TGT), 3);
    corpus_free(&c);

    CorpusOptions opt = {.max_pairs = 2};
    ck_assert(corpus_load(&c, src_path, tgt_path, &opt, err, sizeof err));
    ck_assert_int_eq(c.n, 2);
    corpus_free(&c);
}
END_TEST

START_TEST(test_empty_line) {
    write_text(src_path, "a\n\nc\n");
    write_text(tgt_path, "a\nb\nc\n");
    expect_load_error(src_path, ":2: empty line");
    // allowed when asked (BLEU hypotheses)
    CorpusOptions opt = {.allow_empty = 1};
    Corpus c;
    char err[512];
    ck_assert_msg(corpus_load(&c, src_path, tgt_path, &opt, err, sizeof err), "%s", err);
    ck_assert_int_eq(corpus_len(&c, CORPUS_SRC, 1), 0);
    corpus_free(&c);
}
END_TEST

START_TEST(test_whitespace_only_line) {
    write_text(src_path, "a\nb\n");
    write_text(tgt_path, "a\n \t \n");
    expect_load_error(tgt_path, ":2: line has only whitespace");
}
END_TEST

START_TEST(test_invalid_utf8) {
    write_text(src_path, "ok\nfa\xC3hrt\n");
    write_text(tgt_path, "ok\nrides\n");
    expect_load_error(src_path, ":2: invalid UTF-8 (byte 0xc3 at column 3)");
}
END_TEST

START_TEST(test_nul_byte) {
    write_bytes(src_path, "one\ntw\0o\n", 9);
    write_text(tgt_path, "one\ntwo\n");
    expect_load_error(src_path, ":2: NUL byte");
}
END_TEST

START_TEST(test_line_too_long) {
    // A 10 MB line: an error after 64 KB of it, no crash, no 10 MB buffer.
    size_t n = 10u << 20;
    char *big = malloc(n + 8);
    memset(big, 'a', n);
    memcpy(big + n, "\nb\n", 3);
    write_text(src_path, "first\n");
    FILE *fp = fopen(src_path, "ab");
    ck_assert_uint_eq(fwrite(big, 1, n + 3, fp), n + 3);
    fclose(fp);
    free(big);
    write_text(tgt_path, "first\nsecond\nthird\n");
    expect_load_error(src_path, ":2: line is longer than 65536 bytes");
    // and a custom limit
    write_text(src_path, "0123456789\n");
    write_text(tgt_path, "x\n");
    CorpusOptions opt = {.max_line_bytes = 10};
    Corpus c;
    char err[512];
    ck_assert_msg(corpus_load(&c, src_path, tgt_path, &opt, err, sizeof err), "%s", err);  // exactly 10: fine
    corpus_free(&c);
    opt.max_line_bytes = 9;
    ck_assert(!corpus_load(&c, src_path, tgt_path, &opt, err, sizeof err));
    ck_assert_err_has(err, src_path, ":1: line is longer than 9 bytes");
}
END_TEST

START_TEST(test_empty_file) {
    write_text(src_path, "");
    write_text(tgt_path, "a\n");
    expect_load_error(src_path, "file is empty");
    write_text(src_path, "a\n");
    write_text(tgt_path, "");
    expect_load_error(tgt_path, "file is empty");
}
END_TEST

START_TEST(test_line_counts_differ) {
    write_text(src_path, "a\nb\nc\n");
    write_text(tgt_path, "a\nb\nc\nd\ne");
    expect_load_error(src_path, "line counts differ");
    expect_load_error(tgt_path, "has 3 lines");
    expect_load_error(tgt_path, "has 5");
    write_text(tgt_path, "a\nb\n");
    expect_load_error(tgt_path, "has 2");
}
END_TEST

START_TEST(test_missing_file) {
    write_text(src_path, "a\n");
    expect_load_error(tgt_path, "cannot open");
    expect_load_error(tgt_path, "No such file");
}
END_TEST

// fetch.sh --from the shared mirror into a scratch folder, then load what it unpacked.
START_TEST(test_multi30k) {
    const char *mirror = "../shared/datasets/multi30k";
    char probe[4096];
    snprintf(probe, sizeof probe, "%s/train.de.gz", mirror);
    if (access(probe, R_OK) != 0) {
        printf("note: %s not found, Multi30k test skipped\n", probe);
        return;
    }
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "sh datasets/multi30k/fetch.sh --from %s --dest %s/m30k >/dev/null", mirror, dir);
    ck_assert_int_eq(system(cmd), 0);
    static const struct { const char *split; int lines; } splits[] = {
        {"train", 29000}, {"val", 1014}, {"test_2016_flickr", 1000}};
    for (int s = 0; s < 3; s++) {
        char de[4096], en[4096];
        snprintf(de, sizeof de, "%s/m30k/%s.de", dir, splits[s].split);
        snprintf(en, sizeof en, "%s/m30k/%s.en", dir, splits[s].split);
        Corpus c;
        corpus_load_or_die(&c, de, en, NULL);
        ck_assert_int_eq(c.n, splits[s].lines);
        if (s == 0) {
            Vocab vde, ven;
            vocab_build_or_die(&vde, &c, CORPUS_SRC, 2);
            vocab_build_or_die(&ven, &c, CORPUS_TGT, 2);
            printf("Multi30k train: %d pairs; vocabulary with min_freq 2: de %d, en %d "
                   "(spaCy in bentrevett's notebooks: 7853, 5893)\n", c.n, vde.size, ven.size);
            // Ours differs from spaCy's by well under 1%.
            ck_assert_int_lt(abs(vde.size - 7853), 100);
            ck_assert_int_lt(abs(ven.size - 5893), 100);
            ck_assert_str_eq(corpus_token(&c, CORPUS_SRC, 0, 0), "zwei");
            vocab_free(&vde);
            vocab_free(&ven);
        }
        corpus_free(&c);
    }
}
END_TEST

// fetch.sh refuses a mirror whose file does not match its checksum, with one line.
START_TEST(test_fetch_bad_checksum) {
    char mirror[4096], cmd[8192];
    snprintf(mirror, sizeof mirror, "%s/mirror", dir);
    mkdir(mirror, 0777);
    const char *names[] = {"train.de.gz", "train.en.gz", "val.de.gz", "val.en.gz",
                           "test_2016_flickr.de.gz", "test_2016_flickr.en.gz"};
    char path[4096];
    for (int i = 0; i < 6; i++) write_text(tmp_path(path, mirror, names[i]), "not gzip");
    snprintf(cmd, sizeof cmd, "sh datasets/multi30k/fetch.sh --from %s --dest %s/out 2>%s/err", mirror, dir, dir);
    int status = system(cmd);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 1);
    char *err = read_all(tmp_path(path, dir, "err"), NULL);
    ck_assert_err_has(err, "train.de.gz", "SHA-256");
    ck_assert_msg(strchr(err, '\n') == strrchr(err, '\n'), "more than one line: %s", err);
    free(err);
    ck_assert_int_ne(access(tmp_path(path, dir, "out/train.de"), F_OK), 0);  // nothing unpacked
    snprintf(cmd, sizeof cmd, "sh datasets/multi30k/fetch.sh --frm x 2>/dev/null");
    status = system(cmd);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 2);
}
END_TEST

Suite *make_corpus_suite(void) {
    Suite *s = suite_create("corpus");
    TCase *tc = tcase_create("files");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_good_files_crlf_bom_last_line);
    tcase_add_test(tc, test_empty_line);
    tcase_add_test(tc, test_whitespace_only_line);
    tcase_add_test(tc, test_invalid_utf8);
    tcase_add_test(tc, test_nul_byte);
    tcase_add_test(tc, test_line_too_long);
    tcase_add_test(tc, test_empty_file);
    tcase_add_test(tc, test_line_counts_differ);
    tcase_add_test(tc, test_missing_file);
    tcase_add_test(tc, test_multi30k);
    tcase_add_test(tc, test_fetch_bad_checksum);
    suite_add_tcase(s, tc);
    return s;
}
