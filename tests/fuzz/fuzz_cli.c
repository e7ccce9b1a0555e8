// fuzz_cli.c: the option parser every chapter uses (common/cli.h).
// Introduced in issue 13 (hardening).
//
// Input: the arguments, separated by NUL bytes or newlines ("--hidden\n64\n--rhos=0.5,2").
// They are parsed with cli_parse_args against a chapter-like table holding every option type,
// then --help's text is rendered (it prints the values just parsed as the defaults).
// Checked promises: CLI_OK leaves every number in its declared range and finite, a list within
// CLI_LIST_MAX, a choice a valid index, a string pointing into argv; CLI_ERROR comes with a
// one-line message; the parser can be called again (it resets getopt's globals).
#include "fuzz_util.h"

#include <math.h>

#include "cli.h"

#define CLI_FUZZ_MAX_ARGS 64

typedef struct CliFuzzConfig {
    int hidden, count;
    float lr;
    double rho, any;
    int reverse;
    const char *data;
    CliFloatList rhos;
    int cell;
} CliFuzzConfig;

static void cli_fuzz_check(const CliFuzzConfig *cfg, const CliCommon *c, char **argv, int argc) {
    FUZZ_CHECK(cfg->hidden >= 1 && cfg->hidden <= 4096);
    FUZZ_CHECK(cfg->lr >= 1e-6f && cfg->lr <= 10.0f);
    FUZZ_CHECK(cfg->rho >= 0.01 && cfg->rho <= 2.0);
    FUZZ_CHECK(isfinite(cfg->any));
    FUZZ_CHECK(cfg->reverse == 0 || cfg->reverse == 1);
    FUZZ_CHECK(cfg->rhos.n >= 0 && cfg->rhos.n <= CLI_LIST_MAX);
    for (int i = 0; i < cfg->rhos.n; i++) FUZZ_CHECK(cfg->rhos.v[i] >= 0.0f && cfg->rhos.v[i] <= 4.0f);
    FUZZ_CHECK(cfg->cell >= 0 && cfg->cell < 3);
    if (cfg->data) {
        int found = 0;
        for (int i = 0; i < argc; i++)
            found |= cfg->data >= argv[i] && cfg->data <= argv[i] + strlen(argv[i]);
        FUZZ_CHECK(found || strcmp(cfg->data, "toy.txt") == 0);
    }
    FUZZ_CHECK(c->threads >= 1 && c->threads <= 4096);
    FUZZ_CHECK(c->out[0] != '\0' && memchr(c->out, '\0', sizeof c->out) != NULL);
    FUZZ_CHECK(c->quick <= 1 && c->no_plots <= 1 && c->pause <= 1 && c->quiet <= 1);
}

static int fuzz_cli(const uint8_t *data, size_t size) {
    // The arguments: copies with a '\0' each (argv strings must be writable and terminated).
    char *text = malloc(size + 1);
    FUZZ_CHECK(text != NULL);
    memcpy(text, data, size);
    text[size] = '\0';
    char *argv[CLI_FUZZ_MAX_ARGS + 2];
    int argc = 0;
    argv[argc++] = "fuzz_cli";
    size_t start = 0;
    for (size_t i = 0; i <= size && argc < CLI_FUZZ_MAX_ARGS + 1; i++)
        if (i == size || text[i] == '\0' || text[i] == '\n') {
            text[i] = '\0';
            if (i > start || i < size) argv[argc++] = text + start;
            start = i + 1;
        }
    argv[argc] = NULL;

    static const char *const cells[] = {"rnn", "lstm", "gru", NULL};
    CliFuzzConfig cfg = {.hidden = 32, .count = 5, .lr = 0.1f, .rho = 1.1, .any = 0.0, .reverse = 0,
                         .data = "toy.txt", .rhos = {2, {0.9f, 1.1f}}, .cell = 1};
    CliOption options[] = {
        {"hidden", CLI_INT, &cfg.hidden, "hidden size", .min = 1, .max = 4096},
        {"count", CLI_INT, &cfg.count, "any integer", .min = 0, .max = 0},
        {"lr", CLI_FLOAT, &cfg.lr, "learning rate", .min = 1e-6, .max = 10},
        {"rho", CLI_DOUBLE, &cfg.rho, "spectral radius", .min = 0.01, .max = 2},
        {"any", CLI_DOUBLE, &cfg.any, "any finite number", .min = 0, .max = 0},
        {"reverse-source", CLI_BOOL, &cfg.reverse, "feed the source backwards", .min = 0},
        {"data", CLI_STRING, &cfg.data, "training pairs", .min = 0},
        {"rhos", CLI_FLOAT_LIST, &cfg.rhos, "spectral radii", .min = 0, .max = 4},
        {"cell", CLI_CHOICE, &cfg.cell, "recurrent cell", .choices = cells},
        {0}};
    CliCommon common;
    cli_common_init(&common, "fuzz_cli", 1234);
    char err[512] = "";
    int result = cli_parse_args(&common, options, argc, argv, err, sizeof err);
    FUZZ_CHECK(result == CLI_OK || result == CLI_HELP || result == CLI_ERROR);
    if (result == CLI_ERROR) FUZZ_CHECK(fuzz_one_line(err));
    if (result == CLI_OK) {
        cli_fuzz_check(&cfg, &common, argv, argc);
        static FILE *devnull;
        if (!devnull) devnull = fopen("/dev/null", "w");
        FUZZ_CHECK(devnull != NULL);
        cli_usage(devnull, &common, options, "fuzzing");
    }
    free(text);
    return 0;
}

FUZZ_ENTRY(fuzz_cli)
