// check_bad_inputs.c: bad files and bad options, through the real programs, and the fuzzers'
// findings replayed. Introduced in issue 13 (hardening).
//
// The promise under test (util.h): every bad input is answered by ONE line on stderr that
// names the file or the option and the problem, a non-zero exit status (1 bad input, 2 bad
// usage), and no output file created or left half-written. Each case is one row of
// BAD_INPUTS below and (usually) one file under tests/bad_inputs/:
//   BLEU        bin/bleu REFERENCE HYPOTHESIS            (bin/ is $UNROLLED_BIN, tests/test_env.h)
//   CHAPTER     bin/<chapter> --out <scratch>/out OPTIONS
//   CORPUS      corpus_load_or_die(SOURCE, TARGET) and vocab_build_or_die, in a child process
//               (the C API every Seq2Seq chapter reads its data with)
//   CHECKPOINT  the model file (and a training file) copied to <scratch>/ck.safetensors
//               (ck.train.safetensors), then checkpoint_open_or_die, _check_config_or_die,
//               _load_params_or_die (and _load_train_or_die) for tests/fuzz/tiny_model.h's
//               model, in a child process
// A file name starting with "{dir}/" is made in the case's scratch folder by the row's
// generator (a 10 MB line is not committed; truncated checkpoints are cut from good ones).
// Accepted inputs (CRLF line ends and a byte order mark are stripped) are rows with status 0.
//
// Then: the atomic writer and the checkpoint writer on a full disk (/dev/full), and every
// fuzz seed and saved crash input replayed through its harness (tests/fuzz/).
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "checkpoint.h"
#include "corpus.h"
#include "fileio.h"
#include "test_env.h"
#include "test_files.h"
#include "util.h"
#include "vocab.h"

#define FUZZ_NO_MAIN
#include "fuzz/fuzz_bleu.c"
#include "fuzz/fuzz_checkpoint.c"
#include "fuzz/fuzz_cli.c"
#include "fuzz/fuzz_corpus.c"
#include "fuzz/fuzz_vocab.c"

typedef enum { BLEU, CHAPTER, CORPUS, CHECKPOINT } Via;

// Writes a generated input at path; arg is the row's.
typedef void (*MakeInput)(const char *path, long arg);

typedef struct BadInput {
    Via via;
    const char *a, *b;     // BLEU: reference, hypothesis; CORPUS: source, target; CHECKPOINT:
                           // model file, training file or NULL; CHAPTER: the chapter, NULL
    const char *args;      // CHAPTER: the options, shell syntax; "{dir}" is the scratch folder
    int status;            // expected exit status: 0 accepted, 1 bad input, 2 bad usage
    char blame;            // the error line names file 'a' or 'b' (0: the phrase names the option)
    const char *phrase;    // the error line contains this (status 0: stdout contains it, if set)
    MakeInput make;        // writes {dir}/made before the run
    const char *made;
    long arg;
} BadInput;

static void make_long_line(const char *path, long mb);
static void make_truncated(const char *path, long at);
static void make_regular_file(const char *path, long unused);

#define ROW_BLEU(ref, hyp, status, blame, phrase) {BLEU, ref, hyp, NULL, status, blame, phrase, NULL, NULL, 0}
#define ROW_CORPUS(src, tgt, status, blame, phrase) {CORPUS, src, tgt, NULL, status, blame, phrase, NULL, NULL, 0}
#define ROW_CK(model, train, status, blame, phrase) {CHECKPOINT, model, train, NULL, status, blame, phrase, NULL, NULL, 0}
#define ROW_OPT(chapter, args, phrase) {CHAPTER, chapter, NULL, args, 2, 0, phrase, NULL, NULL, 0}
#define CK(name) "checkpoints/" name ".safetensors"
#define TRUNCATED(at) {CHECKPOINT, "{dir}/cut.safetensors", NULL, NULL, 1, 'a', "truncated", make_truncated, "cut.safetensors", at}

static const BadInput BAD_INPUTS[] = {
    // ---- bin/bleu ------------------------------------------------------------------------------
    ROW_BLEU("bleu/ref.txt", "bleu/ref.txt", 0, 0, "BLEU = 100.00"),
    ROW_BLEU("bleu/ref_bom_crlf.txt", "bleu/ref.txt", 0, 0, "BLEU = 100.00"),   // accepted, stripped
    ROW_BLEU("bleu/ref.txt", "bleu/hyp_empty_line.txt", 0, 0, "BLEU = "),       // the model said nothing
    ROW_BLEU("bleu/ref.txt", "bleu/hyp_two_lines.txt", 1, 'b', "line counts differ"),
    ROW_BLEU("bleu/ref_no_tokens.txt", "bleu/hyp_empty_line.txt", 1, 'a', "the reference has no tokens"),
    ROW_BLEU("bleu/ref.txt", "bleu/hyp_latin1.txt", 1, 'b', ":3: invalid UTF-8"),
    ROW_BLEU("bleu/ref.txt", "bleu/hyp_nul_byte.txt", 1, 'b', ":2: NUL byte"),
    ROW_BLEU("bleu/ref.txt", "bleu/hyp_empty.txt", 1, 'b', "file is empty"),
    ROW_BLEU("bleu/ref.txt", "bleu/no_such_file.txt", 1, 'b', "cannot open"),
    ROW_BLEU("bleu/ref.txt", "bleu", 1, 'b', "Is a directory"),
    {BLEU, "bleu/ref.txt", "{dir}/long.txt", NULL, 1, 'b', ":2: line is longer than 65536 bytes", make_long_line,
     "long.txt", 10},
    // ---- corpora (the Seq2Seq data path) --------------------------------------------------------
    ROW_CORPUS("corpus/good3.txt", "corpus/crlf.txt", 0, 0, NULL),
    ROW_CORPUS("corpus/good3.txt", "corpus/bom.txt", 0, 0, NULL),
    ROW_CORPUS("corpus/bom_crlf_no_final_newline.txt", "corpus/good3.txt", 0, 0, NULL),
    ROW_CORPUS("corpus/good3.txt", "corpus/invalid_utf8.txt", 1, 'b', ":2: invalid UTF-8 (byte 0xc3 at column 12)"),
    ROW_CORPUS("corpus/overlong_utf8.txt", "corpus/good3.txt", 1, 'a', ":2: invalid UTF-8"),
    ROW_CORPUS("corpus/surrogate_utf8.txt", "corpus/good3.txt", 1, 'a', ":3: invalid UTF-8"),
    ROW_CORPUS("corpus/truncated_utf8_at_end.txt", "corpus/good3.txt", 1, 'a', ":3: invalid UTF-8"),
    ROW_CORPUS("corpus/good3.txt", "corpus/nul_byte.txt", 1, 'b', ":2: NUL byte"),
    ROW_CORPUS("corpus/empty.txt", "corpus/good3.txt", 1, 'a', "file is empty"),
    ROW_CORPUS("corpus/good3.txt", "corpus/four_lines.txt", 1, 'b', "line counts differ"),
    ROW_CORPUS("corpus/good3.txt", "corpus/empty_line.txt", 1, 'b', ":2: empty line"),
    ROW_CORPUS("corpus/whitespace_line.txt", "corpus/good3.txt", 1, 'a', ":3: line has only whitespace"),
    ROW_CORPUS("corpus/only_newlines.txt", "corpus/good3.txt", 1, 'a', ":1: empty line"),
    {CORPUS, "{dir}/long.txt", "corpus/good3.txt", NULL, 1, 'a', ":2: line is longer than 65536 bytes",
     make_long_line, "long.txt", 10},
    // ---- checkpoints -----------------------------------------------------------------------------
    ROW_CK(CK("good"), NULL, 0, 0, NULL),
    ROW_CK(CK("good"), CK("good.train"), 0, 0, NULL),
    TRUNCATED(0), TRUNCATED(5), TRUNCATED(8), TRUNCATED(100),
    TRUNCATED(-1),   // the header and no data
    TRUNCATED(-2),   // the last byte missing
    ROW_CK(CK("header_longer_than_file"), NULL, 1, 'a', "the header length is 4096 bytes but only 8 follow"),
    ROW_CK(CK("header_over_limit"), NULL, 1, 'a', "over the limit"),
    ROW_CK(CK("header_not_json"), NULL, 1, 'a', "header is not valid JSON"),
    ROW_CK(CK("header_not_object"), NULL, 1, 'a', "header is a JSON array, expected an object"),
    ROW_CK(CK("header_nested_too_deep"), NULL, 1, 'a', "nesting deeper than 64 levels"),
    ROW_CK(CK("header_trailing_comma"), NULL, 1, 'a', "header is not valid JSON"),
    ROW_CK(CK("header_duplicate_key"), NULL, 1, 'a', "duplicate key \"a\""),
    ROW_CK(CK("header_invalid_utf8"), NULL, 1, 'a', "invalid UTF-8"),
    ROW_CK(CK("tensor_name_with_nul"), NULL, 1, 'a', "a tensor name contains a NUL byte"),
    ROW_CK(CK("unknown_dtype"), NULL, 1, 'a', "tensor 'enc.bias': unknown dtype 'F8'"),
    ROW_CK(CK("tensor_name_with_newline"), NULL, 1, 'a', "tensor 'enc?weight': unknown dtype 'F8'"),   // still one line
    ROW_CK(CK("wrong_dtype"), NULL, 1, 'a', "tensor 'enc.bias' has dtype I32, expected F32"),
    ROW_CK(CK("wrong_shape"), NULL, 1, 'a', "tensor 'enc.weight' has shape (2, 3) in the file but (3, 2) in the model"),
    ROW_CK(CK("negative_shape"), NULL, 1, 'a', "shape entries must be non-negative integers"),
    ROW_CK(CK("missing_tensor"), NULL, 1, 'a', "missing tensor 'out.weight'"),
    ROW_CK(CK("unexpected_tensor"), NULL, 1, 'a', "unexpected tensor 'dec.weight'"),
    ROW_CK(CK("overlapping_offsets"), NULL, 1, 'a', "tensors 'enc.weight' and 'enc.bias' overlap"),
    ROW_CK(CK("offsets_out_of_range"), NULL, 1, 'a', "out of range"),
    ROW_CK(CK("offsets_leave_gap"), NULL, 1, 'a', "bytes [36, 40) of the data section belong to no tensor"),
    ROW_CK(CK("offsets_reversed"), NULL, 1, 'a', "end before they begin"),
    ROW_CK(CK("data_after_last_tensor"), NULL, 1, 'a', "8 bytes after the last tensor"),
    ROW_CK(CK("other_model"), NULL, 1, 'a', "a checkpoint of another model: config 'hidden' is 4 in the file but 3 here"),
    ROW_CK(CK("config_not_json"), NULL, 1, 'a', "the config is not valid JSON"),
    ROW_CK(CK("no_config"), NULL, 1, 'a', "has no model config"),
    ROW_CK(CK("vocab_without_specials"), NULL, 1, 'a', "src_vocab: vocabulary id 0 is \"a\", expected <unk>"),
    ROW_CK(CK("vocab_token_with_newline"), NULL, 1, 'a', "src_vocab: vocabulary id 0 is \"<unk>?\", expected <unk>"),
    ROW_CK(CK("vocab_not_json"), NULL, 1, 'a', "tgt_vocab: vocabulary is not valid JSON"),
    ROW_CK(CK("step_not_integer"), NULL, 1, 'a', "metadata 'step' is not an integer"),
    ROW_CK(CK("kind_train"), NULL, 1, 'a', "is a 'train' checkpoint, not a model"),
    ROW_CK(CK("metadata_value_not_string"), NULL, 1, 'a', "__metadata__ value 'step' is a JSON number"),
    ROW_CK(CK("good"), CK("train_other_run.train"), 1, 'b', "does not belong with"),
    ROW_CK(CK("good"), CK("train_bad_order.train"), 1, 'b', "not a permutation"),
    ROW_CK(CK("good"), CK("train_other_batch.train"), 1, 'b', "batch iterator options (batch 4"),
    // ---- options: negative, zero, huge, overflowing, empty, missing ------------------------------
    ROW_OPT("01_rnn_gradients", "--hidden -3", "--hidden: \"-3\" is out of range (allowed: 1 to 512)"),
    ROW_OPT("01_rnn_gradients", "--hidden 0", "--hidden: \"0\" is out of range"),
    ROW_OPT("01_rnn_gradients", "--hidden 2147483648", "--hidden: \"2147483648\" is too large for an integer"),
    ROW_OPT("01_rnn_gradients", "--steps 99999999999999999999999", "--steps: \"99999999999999999999999\" is too large"),
    ROW_OPT("01_rnn_gradients", "--weights ''", "--weights: empty value"),
    ROW_OPT("01_rnn_gradients", "--rhos 1,,2", "--rhos: \"1,,2\" has an empty entry"),
    ROW_OPT("01_rnn_gradients", "--rhos 1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1", "--rhos: \"1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1\" has more than 16 values"),
    ROW_OPT("01_rnn_gradients", "--heatmap-rho 1e999", "--heatmap-rho: \"1e999\" is too large"),
    ROW_OPT("01_rnn_gradients", "--heatmap-rho nan", "--heatmap-rho: \"nan\" is not a finite number"),
    ROW_OPT("01_rnn_gradients", "--weights 1e-999", "--weights: \"1e-999\" is too small"),
    ROW_OPT("01_rnn_gradients", "--seed -1", "--seed: \"-1\" is not a non-negative integer"),
    ROW_OPT("01_rnn_gradients", "--seed 18446744073709551616", "--seed: \"18446744073709551616\" is too large"),
    ROW_OPT("01_rnn_gradients", "--threads -2", "--threads: \"-2\" is out of range"),
    ROW_OPT("01_rnn_gradients", "--out ''", "--out: empty value"),
    ROW_OPT("01_rnn_gradients", "--steps", "--steps: missing value"),
    ROW_OPT("01_rnn_gradients", "--steps --quick", "--steps: missing value"),
    ROW_OPT("02_gradient_clipping", "--lr 0", "--lr: \"0\" is out of range"),
    ROW_OPT("02_gradient_clipping", "--lr -0.5", "--lr: \"-0.5\" is out of range"),
    ROW_OPT("02_gradient_clipping", "--lr 1e39", "--lr: \"1e39\" is too large for a float"),
    ROW_OPT("02_gradient_clipping", "--batch 5000", "--batch: \"5000\" is out of range (allowed: 1 to 4096)"),
    ROW_OPT("02_gradient_clipping", "--hidden 1.5", "--hidden: \"1.5\" is not an integer"),
    ROW_OPT("02_gradient_clipping", "--steps ''", "--steps: empty value"),
    ROW_OPT("02_gradient_clipping", "--cliff-lr 0x", "--cliff-lr: \"0x\" is not a number"),
    // ---- an output folder that cannot be created ------------------------------------------------
    {CHAPTER, "01_rnn_gradients", NULL, "--quick --quiet --out {dir}/blocker/figures", 1, 0,
     "blocker: a file of that name is in the way", make_regular_file, "blocker", 0},
};
#define N_BAD_INPUTS ((int)(sizeof BAD_INPUTS / sizeof BAD_INPUTS[0]))

// ---- generated inputs ---------------------------------------------------------------------------

// Three lines, the second `mb` megabytes long.
static void make_long_line(const char *path, long mb) {
    FILE *fp = fopen(path, "wb");
    ck_assert_ptr_nonnull(fp);
    fputs("A dog runs.\n", fp);
    char chunk[4096];
    memset(chunk, 'a', sizeof chunk);
    for (long i = 0; i < mb * 256; i++) ck_assert_uint_eq(fwrite(chunk, 1, sizeof chunk, fp), sizeof chunk);
    fputs("\nThree birds sing.\n", fp);
    ck_assert_int_eq(fclose(fp), 0);
}

// tests/bad_inputs/checkpoints/good.safetensors cut after `at` bytes (-1: right after the
// header; -2: all but the last byte).
static void make_truncated(const char *path, long at) {
    size_t size;
    unsigned char *good = (unsigned char *)read_all("tests/bad_inputs/" CK("good"), &size);
    size_t header_end = 8;
    for (int k = 7; k >= 0; k--) header_end += (size_t)good[k] << (8 * (size_t)k);
    size_t n = at == -1 ? header_end : at == -2 ? size - 1 : (size_t)at;
    ck_assert_uint_lt(n, size);
    write_bytes(path, good, n);
    free(good);
}

static void make_regular_file(const char *path, long unused) {
    (void)unused;
    write_text(path, "a file, not a folder\n");
}

// ---- running one case -----------------------------------------------------------------------

static char dir[64];

static void setup(void) { make_tmp_dir(dir); }
static void teardown(void) { remove_tmp_dir(dir); }

// A row's file name -> a path: "{dir}/x" in the scratch folder, anything else under tests/bad_inputs/.
static const char *resolve(char *buf, const char *name) {
    if (!name) return NULL;
    if (strncmp(name, "{dir}/", 6) == 0) snprintf(buf, 4096, "%s/%s", dir, name + 6);
    else snprintf(buf, 4096, "tests/bad_inputs/%s", name);
    return buf;
}

// "{dir}" in text replaced by the scratch folder.
static void expand(char *out, size_t n, const char *text) {
    size_t used = 0;
    for (const char *p = text; *p && used + 1 < n;) {
        if (strncmp(p, "{dir}", 5) == 0) {
            used += (size_t)snprintf(out + used, n - used, "%s", dir);
            p += 5;
        } else {
            out[used++] = *p++;
        }
    }
    out[used < n ? used : n - 1] = '\0';
}

static void copy_file(const char *from, const char *to) {
    size_t n;
    char *bytes = read_all(from, &n);
    write_bytes(to, bytes, n);
    free(bytes);
}

// In the child: the corpus as a Seq2Seq chapter reads it. No token may keep a '\r' or a BOM.
static _Noreturn void load_corpus_child(const char *src, const char *tgt) {
    Corpus c;
    corpus_load_or_die(&c, src, tgt, NULL);
    Vocab v[2];
    for (int s = 0; s < 2; s++) vocab_build_or_die(&v[s], &c, (CorpusSide)s, 1);
    for (int s = 0; s < 2; s++)
        for (int k = 0; k < c.toks[s].n; k++)
            if (strchr(tokens_get(&c.toks[s], k), '\r') || strstr(tokens_get(&c.toks[s], k), "\xEF\xBB\xBF")) {
                fprintf(stderr, "token %d of side %d kept a CR or a BOM\n", k, s);
                exit(3);
            }
    for (int s = 0; s < 2; s++) vocab_free(&v[s]);
    corpus_free(&c);
    exit(0);
}

// In the child: the checkpoint as a chapter's --load / --resume reads it.
static _Noreturn void load_checkpoint_child(const char *name, int with_train) {
    TinyRun run;
    tiny_run_init(&run, 0);
    Checkpoint ck;
    checkpoint_open_or_die(&ck, name);
    checkpoint_check_config_or_die(&ck, TINY_CONFIG);
    checkpoint_load_params_or_die(&ck, &run.P);
    TrainState ts = tiny_train_state(&run);
    if (with_train) checkpoint_load_train_or_die(&ck, &run.P, &ts);
    checkpoint_close(&ck);
    tiny_run_free(&run);
    exit(0);
}

// Fork; the child's stdout and stderr go to the given files. Returns the wait status.
static int run_in_child(const BadInput *c, const char *a, const char *b, const char *out_path, const char *err_path) {
    fflush(NULL);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644), err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (out < 0 || err < 0 || dup2(out, STDOUT_FILENO) < 0 || dup2(err, STDERR_FILENO) < 0) _exit(99);
        set_program_name("bad_inputs");
        if (c->via == CORPUS) load_corpus_child(a, b);
        load_checkpoint_child(a, b != NULL);
    }
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    return status;
}

// No ".NAME.tmp-PID" file in the scratch folder or its out/ subfolder.
static void assert_no_temporary_files(const char *where) {
    DIR *d = opendir(where);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d)))
        ck_assert_msg(strstr(e->d_name, ".tmp-") == NULL, "temporary file %s/%s left behind", where, e->d_name);
    closedir(d);
}

static const char *describe(const BadInput *c, char *buf, size_t n) {
    static const char *const via[] = {"bleu", "chapter", "corpus", "checkpoint"};
    snprintf(buf, n, "%s %s%s%s%s%s", via[c->via], c->a, c->b ? " " : "", c->b ? c->b : "", c->args ? " " : "",
             c->args ? c->args : "");
    return buf;
}

START_TEST(test_bad_input) {
    const BadInput *c = &BAD_INPUTS[_i];
    char what[512], made[4096], a_buf[4096], b_buf[4096], out_path[4096], err_path[4096], out_dir[4096];
    describe(c, what, sizeof what);
    if (c->make) c->make(tmp_path(made, dir, c->made), c->arg);
    const char *a = c->via == CHAPTER ? c->a : resolve(a_buf, c->a);
    const char *b = resolve(b_buf, c->b);
    tmp_path(out_path, dir, "stdout.txt");
    tmp_path(err_path, dir, "stderr.txt");
    tmp_path(out_dir, dir, "out");
    if (c->via == CHECKPOINT) {   // NAME.safetensors and NAME.train.safetensors side by side
        char model[4096], train[4096];
        copy_file(a, tmp_path(model, dir, "ck.safetensors"));
        if (b) copy_file(b, tmp_path(train, dir, "ck.train.safetensors"));
        a = strcpy(a_buf, model);
        b = b ? strcpy(b_buf, train) : NULL;
    }

    int status;
    if (c->via == BLEU || c->via == CHAPTER) {
        char cmd[8192], args[2048] = "";   // the paths are short: under tests/ or /tmp
        if (c->args) expand(args, sizeof args, c->args);
        const char *bin = test_bin_dir();   // bin/, or make sanitize's own
        if (c->via == BLEU)
            snprintf(cmd, sizeof cmd, "%.200s/bleu '%.1000s' '%.1000s' > %.1000s 2> %.1000s", bin, a, b, out_path, err_path);
        else
            snprintf(cmd, sizeof cmd, "%.200s/%.100s --out %.1000s %.2000s > %.1000s 2> %.1000s", bin, a, out_dir, args,
                     out_path, err_path);
        status = system(cmd);
    } else {
        status = run_in_child(c, a, b, out_path, err_path);
    }
    ck_assert_msg(WIFEXITED(status), "%s: killed by signal %d", what, WIFSIGNALED(status) ? WTERMSIG(status) : -1);
    char *out = read_all(out_path, NULL), *err = read_all(err_path, NULL);
    ck_assert_msg(WEXITSTATUS(status) == c->status, "%s: exit status %d, expected %d; stderr: %s", what,
                  WEXITSTATUS(status), c->status, err);
    if (c->status == 0) {
        ck_assert_msg(err[0] == '\0', "%s: accepted, but wrote to stderr: %s", what, err);
        if (c->phrase) ck_assert_msg(strstr(out, c->phrase), "%s: stdout lacks \"%s\": %s", what, c->phrase, out);
    } else {
        size_t len = strlen(err);
        ck_assert_msg(len > 0 && err[len - 1] == '\n' && strchr(err, '\n') == err + len - 1,
                      "%s: expected exactly one line on stderr, got: \"%s\"", what, err);
        ck_assert_msg(strstr(err, c->phrase), "%s: the error does not say \"%s\": %s", what, c->phrase, err);
        const char *blamed = c->blame == 'a' ? a : c->blame == 'b' ? b : NULL;
        if (blamed) ck_assert_msg(strstr(err, blamed), "%s: the error does not name %s: %s", what, blamed, err);
        if (c->via == BLEU) ck_assert_msg(out[0] == '\0', "%s: failed but printed: %s", what, out);
        struct stat st;
        ck_assert_msg(stat(out_dir, &st) != 0, "%s: failed but created the output folder", what);
    }
    assert_no_temporary_files(dir);
    assert_no_temporary_files(out_dir);
    free(out);
    free(err);
}
END_TEST

// ---- writes that fail ---------------------------------------------------------------------------

// Make the temporary file that atomic_open(path) will create a link to /dev/full, so every
// byte written to it fails with ENOSPC, as on a full disk.
static void full_disk_for(const char *path) {
    char tmp[4096];
    const char *slash = strrchr(path, '/');
    snprintf(tmp, sizeof tmp, "%.*s.%s.tmp-%ld", (int)(slash - path + 1), path, slash + 1, (long)getpid());
    ck_assert_int_eq(symlink("/dev/full", tmp), 0);
}

START_TEST(test_atomic_write_to_full_disk) {
    char path[4096], err[512] = "";
    tmp_path(path, dir, "figure.csv");
    write_text(path, "the old figure\n");
    full_disk_for(path);
    AtomicFile af;
    ck_assert_msg(atomic_open(&af, path, err, sizeof err), "%s", err);
    for (int i = 0; i < 1000; i++) fprintf(af.fp, "%d,%d\n", i, i * i);   // more than a buffer
    ck_assert(!atomic_commit(&af, err, sizeof err));
    ck_assert_err_has(err, "cannot write", path, "No space left on device");
    ck_assert_ptr_null(strchr(err, '\n'));
    char *text = read_all(path, NULL);
    ck_assert_str_eq(text, "the old figure\n");   // untouched
    free(text);
    assert_no_temporary_files(dir);
}
END_TEST

START_TEST(test_checkpoint_save_to_full_disk) {
    char name[4096], model[4096], train[4096], err[512] = "";
    tmp_path(name, dir, "ck");
    tmp_path(model, dir, "ck.safetensors");
    tmp_path(train, dir, "ck.train.safetensors");
    TinyRun run;
    tiny_run_init(&run, 3);
    // the training file is written first: a full disk there stops the save before the model
    full_disk_for(train);
    ck_assert(!tiny_save(&run, name, TINY_CONFIG, 1, err, sizeof err));
    ck_assert_err_has(err, train, "No space left on device");
    ck_assert_int_ne(access(model, F_OK), 0);
    ck_assert_int_ne(access(train, F_OK), 0);
    assert_no_temporary_files(dir);
    // an existing checkpoint survives a failed save of the next one
    ck_assert_msg(tiny_save(&run, name, TINY_CONFIG, 0, err, sizeof err), "%s", err);
    size_t n_before, n_after;
    char *before = read_all(model, &n_before);
    full_disk_for(model);
    ck_assert(!tiny_save(&run, name, TINY_CONFIG, 0, err, sizeof err));
    ck_assert_err_has(err, model, "No space left on device");
    char *after = read_all(model, &n_after);
    ck_assert_uint_eq(n_before, n_after);
    ck_assert_mem_eq(before, after, n_before);
    free(before);
    free(after);
    assert_no_temporary_files(dir);
    tiny_run_free(&run);
}
END_TEST

// ---- the fuzzers' inputs ------------------------------------------------------------------------

static const struct {
    const char *name;
    int (*fn)(const uint8_t *, size_t);
} HARNESSES[] = {
    {"corpus", fuzz_corpus}, {"bleu", fuzz_bleu}, {"vocab", fuzz_vocab}, {"checkpoint", fuzz_checkpoint}, {"cli", fuzz_cli},
};

// Every file of tests/fuzz/corpus/NAME/ (the seeds) and tests/fuzz/regressions/NAME/ (inputs
// that once crashed) through the harness, each in a child process, so a crash names its file.
START_TEST(test_fuzz_inputs_replay) {
    const char *name = HARNESSES[_i].name;
    int replayed = 0;
    for (int kind = 0; kind < 2; kind++) {
        char folder[256];
        snprintf(folder, sizeof folder, "tests/fuzz/%s/%s", kind ? "regressions" : "corpus", name);
        DIR *d = opendir(folder);
        if (!d) {
            ck_assert_msg(kind == 1, "no seed folder %s", folder);
            continue;
        }
        struct dirent *e;
        while ((e = readdir(d))) {
            if (e->d_name[0] == '.') continue;
            char path[512];
            snprintf(path, sizeof path, "%s/%s", folder, e->d_name);
            size_t size;
            char *bytes = read_all(path, &size);
            fflush(NULL);
            pid_t pid = fork();
            ck_assert_int_ge(pid, 0);
            if (pid == 0) {   // (the child frees what it inherited, so valgrind sees no leak)
                closedir(d);
                HARNESSES[_i].fn((const uint8_t *)bytes, size);
                free(bytes);
                fuzz_scratch_cleanup();
                _exit(0);
            }
            int status;
            ck_assert_int_eq(waitpid(pid, &status, 0), pid);
            ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "fuzz_%s on %s: %s %d", name, path,
                          WIFSIGNALED(status) ? "killed by signal" : "exit status",
                          WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
            free(bytes);
            replayed++;
        }
        closedir(d);
    }
    ck_assert_int_gt(replayed, 0);
}
END_TEST

Suite *make_bad_inputs_suite(void) {
    Suite *s = suite_create("bad_inputs");
    TCase *tc = tcase_create("files_and_options");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_bad_input, 0, N_BAD_INPUTS);
    tcase_add_test(tc, test_atomic_write_to_full_disk);
    tcase_add_test(tc, test_checkpoint_save_to_full_disk);
    suite_add_tcase(s, tc);
    TCase *fz = tcase_create("fuzz_inputs");
    tcase_set_timeout(fz, 120);
    tcase_add_loop_test(fz, test_fuzz_inputs_replay, 0, (int)(sizeof HARNESSES / sizeof HARNESSES[0]));
    suite_add_tcase(s, fz);
    return s;
}
