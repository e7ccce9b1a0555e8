// cli.h: one command-line parser for every chapter (built on getopt_long).
// Introduced in issue 3 (figures and CLI).
//
// A chapter declares its own options in ONE table; the common ones come for free:
//
//     static struct { int hidden; float lr; CliFloatList rhos; int reverse; const char *data;
//                     int cell; } cfg = {32, 0.1f, {2, {0.9f, 1.1f}}, 0, "datasets/toy.txt", 1};
//     static const char *const cells[] = {"rnn", "lstm", "gru", NULL};
//     static CliOption options[] = {
//         {"hidden", CLI_INT, &cfg.hidden, "hidden size", .min = 1, .max = 4096},
//         {"lr", CLI_FLOAT, &cfg.lr, "learning rate", .min = 1e-6, .max = 10},
//         {"rhos", CLI_FLOAT_LIST, &cfg.rhos, "spectral radii to compare", .min = 0, .max = 4},
//         {"reverse-source", CLI_BOOL, &cfg.reverse, "feed the source backwards", .min = 0},
//         {"data", CLI_STRING, &cfg.data, "training pairs", .min = 0},
//         {"cell", CLI_CHOICE, &cfg.cell, "recurrent cell", .choices = cells},
//         {0}};
//     CliCommon common;
//     cli_common_init(&common, "01_rnn_gradients", 1234);    // name, default seed
//     cli_parse(&common, options, argc, argv, "one-line description of the chapter");
//
// Each entry: four fields, then the optional ones by name (.min, .max, .choices). gcc's
// -Wextra warns about an entry with only the four, so name at least one (`.min = 0`).
//
// The default shown by --help is the variable's value before parsing, so it cannot drift
// from the code. Errors are one line on stderr naming the option, then exit status 2:
//     01_rnn_gradients: --hidden: "abc" is not an integer (try --help)
// --help prints the usage to stdout and exits 0.
//
// Value syntax: --name VALUE or --name=VALUE. CLI_BOOL: --name (on), --no-name (off) or
// --name=on|off (also yes/no, true/false, 1/0). CLI_FLOAT_LIST: --rhos 0.5,0.9,1.1 (at most
// CLI_LIST_MAX values). A value starting with "--" counts as missing ("--out --quiet" is a
// typo, not a folder). Ranges: min and max both 0 means any value (still finite).
//
// Common options: --seed N, --threads N (default: the number of cores; sets OpenMP's thread
// count), --out DIR (default figures/<chapter>), --quick, --no-plots, --pause, --quiet, --help.
//
// getopt_long keeps its position in libc globals (optind, opterr); cli_parse_args resets
// them, so it can be called again (the tests do).
#ifndef UNROLLED_CLI_H
#define UNROLLED_CLI_H

#include <stddef.h>
#include <stdio.h>

#define CLI_LIST_MAX 16

typedef struct CliFloatList {
    int n;
    float v[CLI_LIST_MAX];
} CliFloatList;

typedef enum {
    CLI_END = 0,     // the {0} that ends a table
    CLI_INT,         // int *
    CLI_FLOAT,       // float *
    CLI_DOUBLE,      // double *
    CLI_BOOL,        // int * (0 or 1)
    CLI_STRING,      // const char ** (points into argv afterwards)
    CLI_FLOAT_LIST,  // CliFloatList *
    CLI_CHOICE,      // int *: index into .choices
} CliType;

typedef struct CliOption {
    const char *name;              // long name without the dashes: "hidden" -> --hidden
    CliType type;
    void *target;                  // the variable (its initial value is the default)
    const char *help;              // one line for --help
    double min, max;               // allowed range for numbers (both 0: unrestricted)
    const char *const *choices;    // CLI_CHOICE: NULL-terminated names
} CliOption;

typedef struct CliCommon {
    const char *chapter;           // "01_rnn_gradients": error prefix and default folder
    unsigned long long seed;       // --seed N
    int threads;                   // --threads N
    char out[1024];                // --out DIR
    int quick;                     // --quick: a smaller run (tests, CI)
    int no_plots;                  // --no-plots: print numbers, write no figures
    int pause;                     // --pause: wait for Enter between cells (on a terminal)
    int quiet;                     // --quiet: results only
} CliCommon;

enum { CLI_OK = 0, CLI_HELP = 1, CLI_ERROR = 2 };

// Defaults: the seed given, threads = cores, out = figures/<chapter>, flags off.
// Change any field before cli_parse to change its default.
void cli_common_init(CliCommon *c, const char *chapter, unsigned long long default_seed);

// Parse argv into common and the chapter's options. Returns CLI_OK, CLI_HELP (--help seen)
// or CLI_ERROR with the message in err, e.g. `--hidden: "abc" is not an integer`.
// Nothing is printed and nothing exits: this is the testable core.
int cli_parse_args(CliCommon *c, CliOption *options, int argc, char **argv, char *err, size_t errlen);

// The --help text: every option with its value placeholder, description and default.
void cli_usage(FILE *out, const CliCommon *c, const CliOption *options, const char *description);

// What a chapter calls: parse; on --help print usage and exit 0; on an error print one line
// and exit 2. Also sets the program name for die() and applies --threads to OpenMP.
void cli_parse(CliCommon *c, CliOption *options, int argc, char **argv, const char *description);

// Peeks at argv before it is parsed (--quick and --preset choose the defaults that the
// options then change): 1 when argv holds flag exactly; the value of --option VALUE or
// --option=VALUE (the last one wins), or NULL.
int cli_argv_has(int argc, char **argv, const char *flag);
const char *cli_argv_value(int argc, char **argv, const char *option);
// The command that continues this run: argv as given (quoted where needed), plus --resume.
// Printed when Ctrl-C stops a training run. Introduced in chapter 04.
void cli_resume_hint(char *buf, size_t n, int argc, char **argv);

// Create the --out folder (mkdir -p, checked writable); on failure one line and exit 1.
// Call it when the chapter is about to write its first figure.
void cli_prepare_out(const CliCommon *c);

#endif
