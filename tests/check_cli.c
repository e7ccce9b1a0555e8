// check_cli.c: the option parser every chapter uses (common/cli.h).
// Introduced in issue 3 (figures and CLI).
//
// Valid input of every type lands in the variables; each class of bad input is rejected with
// a message naming the option; --help and errors exit with 0 and 2 from cli_parse.
#include <check.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "test_files.h"

// A chapter's configuration, as a chapter would declare it.
typedef struct Config {
    int hidden;
    float lr;
    double clip;
    CliFloatList rhos;
    int reverse;
    const char *data;
    int cell;
} Config;

static const char *const CELLS[] = {"rnn", "lstm", "gru", NULL};

static void setup_options(Config *cfg, CliOption *options) {
    *cfg = (Config){32, 0.1f, 5.0, {2, {0.9f, 1.1f}}, 0, "datasets/toy.txt", 1};
    CliOption table[] = {
        {"hidden", CLI_INT, &cfg->hidden, "hidden size", .min = 1, .max = 4096},
        {"lr", CLI_FLOAT, &cfg->lr, "learning rate", .min = 0},
        {"clip", CLI_DOUBLE, &cfg->clip, "gradient clipping norm", .min = 0, .max = 100},
        {"rhos", CLI_FLOAT_LIST, &cfg->rhos, "spectral radii", .min = 0, .max = 10},
        {"reverse-source", CLI_BOOL, &cfg->reverse, "feed the source backwards", .min = 0},
        {"data", CLI_STRING, &cfg->data, "training pairs", .min = 0},
        {"cell", CLI_CHOICE, &cfg->cell, "recurrent cell", .choices = CELLS},
        {0},
    };
    memcpy(options, table, sizeof table);
}

// Parse a NULL-terminated argument list (the program name is added).
static int parse(CliCommon *common, Config *cfg, char *err, const char *const *args) {
    static CliOption options[8];
    setup_options(cfg, options);
    cli_common_init(common, "01_test", 1234);
    char *argv[64] = {"01_test"};
    int argc = 1;
    while (args[argc - 1]) {
        argv[argc] = (char *)args[argc - 1];
        argc++;
    }
    err[0] = '\0';
    return cli_parse_args(common, options, argc, argv, err, 512);
}

START_TEST(test_cli_defaults) {
    CliCommon c;
    Config cfg;
    char err[512];
    const char *args[] = {NULL};
    ck_assert_int_eq(parse(&c, &cfg, err, args), CLI_OK);
    ck_assert_int_eq(cfg.hidden, 32);
    ck_assert_uint_eq(c.seed, 1234);
    ck_assert_int_ge(c.threads, 1);
    ck_assert_str_eq(c.out, "figures/01_test");
    ck_assert(!c.quick && !c.no_plots && !c.pause && !c.quiet);
}
END_TEST

START_TEST(test_cli_accepts_valid_values) {
    CliCommon c;
    Config cfg;
    char err[512];
    const char *args[] = {"--hidden=64", "--lr", "0.5", "--clip", "1e-3", "--rhos", "0.5,0.9,1.1",
                          "--reverse-source", "--data", "pairs.tsv", "--cell", "gru", "--seed",
                          "18446744073709551615", "--threads", "3", "--out", "/tmp/x",
                          "--quick", "--no-plots", "--pause", "--quiet", NULL};
    ck_assert_msg(parse(&c, &cfg, err, args) == CLI_OK, "%s", err);
    ck_assert_int_eq(cfg.hidden, 64);
    ck_assert(cfg.lr == 0.5f);
    ck_assert(cfg.clip == 1e-3);
    ck_assert_int_eq(cfg.rhos.n, 3);
    ck_assert(cfg.rhos.v[0] == 0.5f && cfg.rhos.v[1] == 0.9f && cfg.rhos.v[2] == 1.1f);
    ck_assert_int_eq(cfg.reverse, 1);
    ck_assert_str_eq(cfg.data, "pairs.tsv");
    ck_assert_int_eq(cfg.cell, 2);
    ck_assert(c.seed == 18446744073709551615ULL);
    ck_assert_int_eq(c.threads, 3);
    ck_assert_str_eq(c.out, "/tmp/x");
    ck_assert(c.quick && c.no_plots && c.pause && c.quiet);

    // The on/off spellings of a boolean, and negative numbers.
    const char *on_off[][3] = {{"--reverse-source=off", NULL}, {"--reverse-source", "off", NULL},
                               {"--no-reverse-source", NULL}, {"--reverse-source=yes", NULL}};
    const int expect[] = {0, 0, 0, 1};
    for (int i = 0; i < 4; i++) {
        ck_assert_msg(parse(&c, &cfg, err, on_off[i]) == CLI_OK, "%s: %s", on_off[i][0], err);
        ck_assert_int_eq(cfg.reverse, expect[i]);
    }
    const char *negative[] = {"--lr", "-0.25", NULL};
    ck_assert(parse(&c, &cfg, err, negative) == CLI_OK && cfg.lr == -0.25f);
    const char *single[] = {"--rhos", "2", NULL};
    ck_assert(parse(&c, &cfg, err, single) == CLI_OK && cfg.rhos.n == 1 && cfg.rhos.v[0] == 2.0f);
}
END_TEST

// Each bad class: the arguments and words the one-line message must contain.
typedef struct BadCase {
    const char *args[4];
    const char *must_say[3];
} BadCase;

static const BadCase BAD[] = {
    {{"--nope", NULL}, {"unknown option", "--nope", NULL}},
    {{"-x", NULL}, {"unknown option", "-x", NULL}},
    {{"--hidden", NULL}, {"--hidden", "missing value", NULL}},
    {{"--out", "--quiet", NULL}, {"--out", "missing value", NULL}},
    {{"--hidden", "abc", NULL}, {"--hidden", "\"abc\" is not an integer", NULL}},
    {{"--hidden", "12abc", NULL}, {"--hidden", "12abc", NULL}},
    {{"--hidden", "1.5", NULL}, {"--hidden", "not an integer", NULL}},
    {{"--hidden", "0", NULL}, {"--hidden", "out of range", "4096"}},
    {{"--hidden", "99999999999999999999", NULL}, {"--hidden", "too large", NULL}},
    {{"--hidden=", NULL}, {"--hidden", "empty", NULL}},
    {{"--data", "", NULL}, {"--data", "empty", NULL}},
    {{"--lr", "nan", NULL}, {"--lr", "finite", NULL}},
    {{"--lr", "inf", NULL}, {"--lr", "finite", NULL}},
    {{"--lr", "1e39", NULL}, {"--lr", "too large for a float", NULL}},
    {{"--clip", "1e400", NULL}, {"--clip", "too large", NULL}},
    {{"--clip", "101", NULL}, {"--clip", "out of range", NULL}},
    {{"--lr", "0.1x", NULL}, {"--lr", "not a number", NULL}},
    {{"--rhos", "0.5,,1", NULL}, {"--rhos", "empty entry", NULL}},
    {{"--rhos", "0.5,", NULL}, {"--rhos", "empty entry", NULL}},
    {{"--rhos", "0.5,abc", NULL}, {"--rhos", "abc", NULL}},
    {{"--rhos", "1,2,3,4,5,6,7,8,9,1,2,3,4,5,6,7,8", NULL}, {"--rhos", "more than 16", NULL}},
    {{"--rhos", "0.5,11", NULL}, {"--rhos", "out of range", NULL}},
    {{"--reverse-source=maybe", NULL}, {"--reverse-source", "on or off", NULL}},
    {{"--cell", "tree", NULL}, {"--cell", "rnn, lstm, gru", NULL}},
    {{"--seed", "-1", NULL}, {"--seed", "non-negative", NULL}},
    {{"--seed", "99999999999999999999999", NULL}, {"--seed", "too large", NULL}},
    {{"--threads", "0", NULL}, {"--threads", "out of range", NULL}},
    {{"--quick=yes", NULL}, {"--quick", "takes no value", NULL}},
    {{"stray", NULL}, {"unexpected argument", "stray", NULL}},
    {{"--q", NULL}, {"ambiguous", "--quick", "--quiet"}},
};

START_TEST(test_cli_rejects_bad_input) {
    const BadCase *bad = &BAD[_i];
    CliCommon c;
    Config cfg;
    char err[512];
    ck_assert_msg(parse(&c, &cfg, err, bad->args) == CLI_ERROR, "%s was accepted", bad->args[0]);
    for (int k = 0; k < 3 && bad->must_say[k]; k++)
        ck_assert_msg(strstr(err, bad->must_say[k]) != NULL, "%s %s: message \"%s\" lacks \"%s\"",
                      bad->args[0], bad->args[1] ? bad->args[1] : "", err, bad->must_say[k]);
    ck_assert_msg(strchr(err, '\n') == NULL, "one line: \"%s\"", err);
}
END_TEST

// Arguments holding control characters (a newline from --data $'a\nb', a tab, an escape, a
// carriage return), one for each kind of message that quotes what was typed: the message is
// still one line, and says which option it is about.
static const BadCase CONTROL[] = {
    {{"--hidden", "1\n2", NULL}, {"--hidden", "\"1?2\" is not an integer", NULL}},
    {{"--hidden", "5000\n", NULL}, {"--hidden", "\"5000?\" is not an integer", NULL}},
    {{"--lr", "0.1\r", NULL}, {"--lr", "\"0.1?\" is not a number", NULL}},
    {{"--clip", "1e999\n", NULL}, {"--clip", "not a number", NULL}},
    {{"--rhos", "1,\n", NULL}, {"--rhos", "\"?\" is not a number", NULL}},
    {{"--rhos", "1,,\n", NULL}, {"--rhos", "\"1,,?\" has an empty entry", NULL}},
    {{"--cell", "a\nb", NULL}, {"--cell", "\"a?b\" is not one of", NULL}},
    {{"--reverse-source=a\nb", NULL}, {"--reverse-source", "\"a?b\" is not on or off", NULL}},
    {{"--seed", "\x1b[31m", NULL}, {"--seed", "\"?[31m\" is not a non-negative integer", NULL}},
    {{"--seed", "7\t", NULL}, {"--seed", "\"7?\"", NULL}},
    {{"--no\npe", NULL}, {"unknown option --no?pe", NULL}},
    {{"-\n", NULL}, {"unknown option -?", NULL}},
    {{"--data", "a\nb", "stray\nline"}, {"unexpected argument \"stray?line\"", NULL}},
};

START_TEST(test_cli_errors_stay_one_line) {
    const BadCase *bad = &CONTROL[_i];
    CliCommon c;
    Config cfg;
    char err[512];
    ck_assert_msg(parse(&c, &cfg, err, bad->args) == CLI_ERROR, "case %d was accepted", _i);
    for (const char *p = err; *p; p++)
        ck_assert_msg((unsigned char)*p >= 0x20 && *p != 0x7f, "case %d: control character 0x%02x in \"%s\"", _i,
                      (unsigned)(unsigned char)*p, err);
    for (int k = 0; k < 3 && bad->must_say[k]; k++)
        ck_assert_msg(strstr(err, bad->must_say[k]) != NULL, "case %d: message \"%s\" lacks \"%s\"", _i, err,
                      bad->must_say[k]);
}
END_TEST

START_TEST(test_cli_help_text) {
    CliCommon c;
    Config cfg;
    char err[512];
    const char *args[] = {"--hidden", "64", "--help", NULL};
    ck_assert_int_eq(parse(&c, &cfg, err, args), CLI_HELP);
    CliOption options[8];
    setup_options(&cfg, options);
    cli_common_init(&c, "01_test", 1234);
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    cli_usage(mem, &c, options, "a test chapter");
    fclose(mem);
    const char *must[] = {"01_test: a test chapter", "--hidden N", "hidden size (default 32; 1 to 4096)",
                          "--lr X", "(default 0.1)", "--rhos X,Y,...", "(default 0.9,1.1",
                          "--reverse-source[=on|off]", "(default off)", "--data TEXT",
                          "\"datasets/toy.txt\"", "--cell {rnn|lstm|gru}", "(default lstm)",
                          "--seed N", "(default 1234)", "--threads N", "--out DIR",
                          "figures/01_test", "--quick", "--no-plots", "--pause", "--quiet", "--help"};
    for (size_t i = 0; i < sizeof must / sizeof must[0]; i++)
        ck_assert_msg(strstr(text, must[i]) != NULL, "usage lacks \"%s\":\n%s", must[i], text);
    free(text);
}
END_TEST

// cli_parse itself: exit 2 with one line on stderr, exit 0 with the usage on stdout (showing
// the defaults from before parsing), exit 1 when --out cannot be created.
static int run_child(const char *const *args, int prepare_out, char *out, char *errout) {
    char dir[64], out_path[4096], err_path[4096];
    make_tmp_dir(dir);
    tmp_path(out_path, dir, "stdout");
    tmp_path(err_path, dir, "stderr");
    fflush(NULL);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        if (!freopen(out_path, "w", stdout) || !freopen(err_path, "w", stderr)) _exit(99);
        CliCommon c;
        Config cfg;
        static CliOption options[8];
        setup_options(&cfg, options);
        cli_common_init(&c, "01_test", 1234);
        char *argv[16] = {"01_test"};
        int argc = 1;
        while (args[argc - 1]) {
            argv[argc] = (char *)args[argc - 1];
            argc++;
        }
        cli_parse(&c, options, argc, argv, "a test chapter");
        if (prepare_out) cli_prepare_out(&c);
        fflush(NULL);
        _exit(0);
    }
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status));
    char *text = read_all(out_path, NULL);
    snprintf(out, 4096, "%s", text);
    free(text);
    text = read_all(err_path, NULL);
    snprintf(errout, 4096, "%s", text);
    free(text);
    remove_tmp_dir(dir);
    return WEXITSTATUS(status);
}

START_TEST(test_cli_parse_exits) {
    char out[4096], err[4096];
    const char *bad[] = {"--hidden", "abc", NULL};
    ck_assert_int_eq(run_child(bad, 0, out, err), 2);
    ck_assert_str_eq(err, "01_test: --hidden: \"abc\" is not an integer (try --help)\n");
    ck_assert_str_eq(out, "");

    const char *help[] = {"--hidden", "64", "--help", NULL};
    ck_assert_int_eq(run_child(help, 0, out, err), 0);
    ck_assert_ptr_nonnull(strstr(out, "hidden size (default 32;"));
    ck_assert_str_eq(err, "");

    const char *unwritable[] = {"--out", "/proc/unrolled-no-such-folder/x", NULL};
    ck_assert_int_eq(run_child(unwritable, 1, out, err), 1);
    ck_assert_ptr_nonnull(strstr(err, "/proc/unrolled-no-such-folder"));
    ck_assert_ptr_nonnull(strstr(err, "01_test: "));

    // what the user sees: one line, ending in the only newline, also when the argument has one
    const char *newline[] = {"--cell", "a\nb", NULL};
    ck_assert_int_eq(run_child(newline, 0, out, err), 2);
    ck_assert_str_eq(err, "01_test: --cell: \"a?b\" is not one of: rnn, lstm, gru (try --help)\n");
    const char *unwritable_newline[] = {"--out", "/proc/unrolled-no-such-folder/a\nb", NULL};
    ck_assert_int_eq(run_child(unwritable_newline, 1, out, err), 1);
    ck_assert_ptr_nonnull(strstr(err, "/proc/unrolled-no-such-folder"));
    ck_assert_msg(strchr(err, '\n') == err + strlen(err) - 1, "not one line: \"%s\"", err);
}
END_TEST

Suite *make_cli_suite(void) {
    Suite *s = suite_create("cli");
    TCase *tc = tcase_create("cli");
    tcase_add_test(tc, test_cli_defaults);
    tcase_add_test(tc, test_cli_accepts_valid_values);
    tcase_add_loop_test(tc, test_cli_rejects_bad_input, 0, (int)(sizeof BAD / sizeof BAD[0]));
    tcase_add_loop_test(tc, test_cli_errors_stay_one_line, 0, (int)(sizeof CONTROL / sizeof CONTROL[0]));
    tcase_add_test(tc, test_cli_help_text);
    tcase_add_test(tc, test_cli_parse_exits);
    suite_add_tcase(s, tc);
    return s;
}
