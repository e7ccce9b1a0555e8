// cli.c: see cli.h. Introduced in issue 3 (figures and CLI).
#include "cli.h"

#include <errno.h>
#include <float.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "fileio.h"
#include "util.h"

// The common options are described with the same CliOption records as a chapter's, plus a
// few kinds only they use.
enum {
    KIND_SEED = 100,   // unsigned long long *
    KIND_FLAG,         // int *, set to 1, takes no value
    KIND_PATH,         // char[1024] (CliCommon.out)
    KIND_HELP,
};

// Option codes returned by getopt_long: OPT_BASE + index, and OPT_NEGATED + index for
// the --no-NAME form of a CLI_BOOL.
enum { OPT_BASE = 1000, OPT_NEGATED = 3000 };

void cli_common_init(CliCommon *c, const char *chapter, unsigned long long default_seed) {
    memset(c, 0, sizeof *c);
    c->chapter = chapter;
    c->seed = default_seed;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    c->threads = cores > 0 ? (int)cores : 1;
    snprintf(c->out, sizeof c->out, "figures/%s", chapter);
}

// One list with the chapter's options first and the common ones after.
typedef struct OptionSet {
    CliOption *all;
    int n;
} OptionSet;

static void build_set(OptionSet *set, CliCommon *c, const CliOption *options) {
    int n_chapter = 0;
    while (options && options[n_chapter].name) n_chapter++;
    CliOption common[] = {
        {"seed", (CliType)KIND_SEED, &c->seed, "random seed: the same seed gives the same numbers",
         0, 0, NULL},
        {"threads", CLI_INT, &c->threads,
         "threads for the OpenMP loops (most chapters default to every core)", 1, 4096, NULL},
        {"out", (CliType)KIND_PATH, c->out, "folder for figures and CSV files", 0, 0, NULL},
        {"quick", (CliType)KIND_FLAG, &c->quick, "a small, fast run (tests, CI)", 0, 0, NULL},
        {"no-plots", (CliType)KIND_FLAG, &c->no_plots, "print the numbers, write no figures", 0, 0, NULL},
        {"pause", (CliType)KIND_FLAG, &c->pause, "wait for Enter between cells (on a terminal)", 0, 0, NULL},
        {"quiet", (CliType)KIND_FLAG, &c->quiet, "results only, no explanations or progress", 0, 0, NULL},
        {"help", (CliType)KIND_HELP, NULL, "this text", 0, 0, NULL},
    };
    int n_common = (int)(sizeof common / sizeof common[0]);
    set->n = n_chapter + n_common;
    set->all = xmalloc((size_t)set->n * sizeof *set->all);
    for (int i = 0; i < n_chapter; i++) set->all[i] = options[i];
    for (int i = 0; i < n_common; i++) set->all[n_chapter + i] = common[i];
    // Two options with one name is a bug in the chapter's table: stop loudly.
    for (int i = 0; i < set->n; i++)
        for (int j = 0; j < i; j++) {
            const char *a = set->all[i].name, *b = set->all[j].name;
            int negates_b = set->all[j].type == CLI_BOOL && strncmp(a, "no-", 3) == 0 &&
                            strcmp(a + 3, b) == 0;
            int negates_a = set->all[i].type == CLI_BOOL && strncmp(b, "no-", 3) == 0 &&
                            strcmp(b + 3, a) == 0;
            int clash = strcmp(a, b) == 0 || negates_a || negates_b;
            if (clash) {
                fprintf(stderr, "cli: option --%s is declared twice (or clashes with --no-%s)\n", a, b);
                abort();
            }
        }
}

// ---- reading one value -------------------------------------------------------------------

static int fail(char *err, size_t errlen, const char *name, const char *fmt, const char *text) {
    char what[256];
    snprintf(what, sizeof what, fmt, text);
    snprintf(err, errlen, "--%s: %s", name, what);
    return 0;
}

static int has_range(const CliOption *o) { return o->min != 0 || o->max != 0; }

static int check_range(const CliOption *o, double v, const char *text, char *err, size_t errlen) {
    if (!has_range(o) || (v >= o->min && v <= o->max)) return 1;
    snprintf(err, errlen, "--%s: \"%s\" is out of range (allowed: %g to %g)", o->name, text, o->min, o->max);
    return 0;
}

static int parse_int(const CliOption *o, const char *text, int *out, char *err, size_t errlen) {
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (end == text || *end != '\0' || text[0] == ' ' || text[0] == '\t')
        return fail(err, errlen, o->name, "\"%s\" is not an integer", text);
    if (errno == ERANGE || v > INT_MAX || v < INT_MIN)
        return fail(err, errlen, o->name, "\"%s\" is too large for an integer", text);
    if (!check_range(o, (double)v, text, err, errlen)) return 0;
    *out = (int)v;
    return 1;
}

static int parse_seed(const CliOption *o, const char *text, unsigned long long *out, char *err,
                      size_t errlen) {
    // strtoull would quietly turn "-1" into 18446744073709551615.
    if (text[0] < '0' || text[0] > '9')
        return fail(err, errlen, o->name, "\"%s\" is not a non-negative integer", text);
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (*end != '\0') return fail(err, errlen, o->name, "\"%s\" is not a non-negative integer", text);
    if (errno == ERANGE) return fail(err, errlen, o->name, "\"%s\" is too large (at most 2^64 - 1)", text);
    *out = v;
    return 1;
}

// A finite number; single-precision targets also reject what float cannot hold.
static int parse_real(const CliOption *o, const char *text, int single, double *out, char *err,
                      size_t errlen) {
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || text[0] == ' ' || text[0] == '\t')
        return fail(err, errlen, o->name, "\"%s\" is not a number", text);
    if (errno == ERANGE && fabs(v) > 1.0) return fail(err, errlen, o->name, "\"%s\" is too large", text);
    if (isnan(v) || isinf(v)) return fail(err, errlen, o->name, "\"%s\" is not a finite number", text);
    if (errno == ERANGE && v == 0.0)
        return fail(err, errlen, o->name, "\"%s\" is too small (underflows to 0)", text);
    if (single && fabs(v) > FLT_MAX)
        return fail(err, errlen, o->name, "\"%s\" is too large for a float", text);
    if (!check_range(o, v, text, err, errlen)) return 0;
    *out = v;
    return 1;
}

static int parse_list(const CliOption *o, const char *text, CliFloatList *out, char *err, size_t errlen) {
    CliFloatList list = {0};
    const char *p = text;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == 0) return fail(err, errlen, o->name, "\"%s\" has an empty entry", text);
        if (list.n == CLI_LIST_MAX) {
            snprintf(err, errlen, "--%s: \"%s\" has more than %d values", o->name, text, CLI_LIST_MAX);
            return 0;
        }
        char item[64];
        if (len >= sizeof item)
            return fail(err, errlen, o->name, "\"%s\" has an entry that is too long", text);
        memcpy(item, p, len);
        item[len] = '\0';
        double v;
        if (!parse_real(o, item, 1, &v, err, errlen)) return 0;
        list.v[list.n++] = (float)v;
        if (!comma) break;
        p = comma + 1;
    }
    *out = list;
    return 1;
}

static int parse_bool_word(const char *text, int *out) {
    static const char *const on[] = {"on", "yes", "true", "1"}, *const off[] = {"off", "no", "false", "0"};
    for (int i = 0; i < 4; i++) {
        if (strcmp(text, on[i]) == 0) { *out = 1; return 1; }
        if (strcmp(text, off[i]) == 0) { *out = 0; return 1; }
    }
    return 0;
}

static int parse_choice(const CliOption *o, const char *text, int *out, char *err, size_t errlen) {
    for (int i = 0; o->choices && o->choices[i]; i++)
        if (strcmp(text, o->choices[i]) == 0) {
            *out = i;
            return 1;
        }
    char list[256] = "";
    for (int i = 0; o->choices && o->choices[i]; i++) {
        size_t used = strlen(list);
        snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", o->choices[i]);
    }
    snprintf(err, errlen, "--%s: \"%s\" is not one of: %s", o->name, text, list);
    return 0;
}

// Store `text` into option o's variable.
static int apply_value(const CliOption *o, const char *text, char *err, size_t errlen) {
    if (text == NULL || strncmp(text, "--", 2) == 0) {
        snprintf(err, errlen, "--%s: missing value", o->name);
        return 0;
    }
    if (text[0] == '\0') {
        snprintf(err, errlen, "--%s: empty value", o->name);
        return 0;
    }
    double v;
    switch ((int)o->type) {
    case CLI_INT: return parse_int(o, text, o->target, err, errlen);
    case CLI_FLOAT:
        if (!parse_real(o, text, 1, &v, err, errlen)) return 0;
        *(float *)o->target = (float)v;
        return 1;
    case CLI_DOUBLE: return parse_real(o, text, 0, o->target, err, errlen);
    case CLI_BOOL:
        if (parse_bool_word(text, o->target)) return 1;
        return fail(err, errlen, o->name, "\"%s\" is not on or off", text);
    case CLI_STRING: *(const char **)o->target = text; return 1;
    case CLI_FLOAT_LIST: return parse_list(o, text, o->target, err, errlen);
    case CLI_CHOICE: return parse_choice(o, text, o->target, err, errlen);
    case KIND_SEED: return parse_seed(o, text, o->target, err, errlen);
    case KIND_PATH:
        if (strlen(text) >= sizeof ((CliCommon *)0)->out)
            return fail(err, errlen, o->name, "the path \"%.40s...\" is too long", text);
        snprintf(o->target, sizeof ((CliCommon *)0)->out, "%s", text);
        return 1;
    default: break;
    }
    snprintf(err, errlen, "--%s: unknown option type %d", o->name, (int)o->type);
    return 0;
}

// ---- the parser --------------------------------------------------------------------------

// "--q" matched nothing or several options: say which.
static void unknown_option(const OptionSet *set, const char *arg, char *err, size_t errlen) {
    char name[128];
    const char *start = arg + strspn(arg, "-");
    size_t len = strcspn(start, "=");
    snprintf(name, sizeof name, "%.*s", (int)(len < 100 ? len : 100), start);
    char candidates[256] = "";
    int matches = 0;
    for (int i = 0; i < set->n && strncmp(arg, "--", 2) == 0; i++)
        if (len > 0 && strncmp(set->all[i].name, name, len) == 0) {
            size_t used = strlen(candidates);
            snprintf(candidates + used, sizeof candidates - used, "%s--%s", matches ? ", " : "",
                     set->all[i].name);
            matches++;
        }
    const char *dashes = arg[1] == '-' ? "--" : "-";
    if (matches > 1) snprintf(err, errlen, "%s%s is ambiguous (%s)", dashes, name, candidates);
    else snprintf(err, errlen, "unknown option %s%s", dashes, name);
}

int cli_parse_args(CliCommon *c, CliOption *options, int argc, char **argv, char *err, size_t errlen) {
    OptionSet set;
    build_set(&set, c, options);
    // getopt_long's table: each option, plus --no-NAME for booleans.
    struct option *table = xcalloc((size_t)(2 * set.n + 1), sizeof *table);
    char **negated_names = xcalloc((size_t)set.n, sizeof *negated_names);
    int n_table = 0;
    for (int i = 0; i < set.n; i++) {
        const CliOption *o = &set.all[i];
        int takes_value = !(o->type == CLI_BOOL || (int)o->type == KIND_FLAG || (int)o->type == KIND_HELP);
        table[n_table++] = (struct option){o->name, takes_value ? required_argument
                                           : o->type == CLI_BOOL ? optional_argument : no_argument,
                                           NULL, OPT_BASE + i};
        if (o->type == CLI_BOOL) {
            size_t n = strlen(o->name) + 4;
            negated_names[i] = xmalloc(n);
            snprintf(negated_names[i], n, "no-%s", o->name);
            table[n_table++] = (struct option){negated_names[i], no_argument, NULL, OPT_NEGATED + i};
        }
    }
    optind = 0;  // glibc: 0 restarts the scan from scratch
    opterr = 0;  // we print our own messages
    int result = CLI_OK;
    for (;;) {
        int code = getopt_long(argc, argv, "+:h", table, NULL);
        if (code == -1) break;
        if (code == 'h') { result = CLI_HELP; break; }
        if (code == '?' || code == ':') {
            const char *arg = argv[optind - 1];
            if (optopt >= OPT_BASE && optopt < OPT_BASE + set.n) {
                const CliOption *o = &set.all[optopt - OPT_BASE];
                if (code == ':') snprintf(err, errlen, "--%s: missing value", o->name);
                else snprintf(err, errlen, "--%s takes no value", o->name);
            } else if (optopt >= OPT_NEGATED && optopt < OPT_NEGATED + set.n) {
                snprintf(err, errlen, "--no-%s takes no value", set.all[optopt - OPT_NEGATED].name);
            } else if (optopt) {
                snprintf(err, errlen, "unknown option -%c", optopt);
            } else {
                unknown_option(&set, arg, err, errlen);
            }
            result = CLI_ERROR;
            break;
        }
        if (code >= OPT_NEGATED) {
            *(int *)set.all[code - OPT_NEGATED].target = 0;
            continue;
        }
        const CliOption *o = &set.all[code - OPT_BASE];
        if ((int)o->type == KIND_HELP) { result = CLI_HELP; break; }
        if ((int)o->type == KIND_FLAG) { *(int *)o->target = 1; continue; }
        if (o->type == CLI_BOOL && !optarg) {
            // "--reverse-source off" as well as "--reverse-source=off" and "--reverse-source".
            int value = 1;
            if (optind < argc && parse_bool_word(argv[optind], &value)) optind++;
            *(int *)o->target = value;
            continue;
        }
        if (!apply_value(o, optarg, err, errlen)) { result = CLI_ERROR; break; }
    }
    if (result == CLI_OK && optind < argc) {
        snprintf(err, errlen, "unexpected argument \"%s\" (options start with --)", argv[optind]);
        result = CLI_ERROR;
    }
    // Most messages quote what was typed, and an argument may hold a newline or an escape
    // sequence (--data $'a\nb'): the message must stay one line all the same.
    if (result == CLI_ERROR && errlen) one_line(err);
    for (int i = 0; i < set.n; i++) free(negated_names[i]);
    free(negated_names);
    free(table);
    free(set.all);
    return result;
}

// ---- --help --------------------------------------------------------------------------------

static void format_value(const CliOption *o, char *buf, size_t n) {
    switch ((int)o->type) {
    case CLI_INT: snprintf(buf, n, "%d", *(const int *)o->target); break;
    case CLI_FLOAT: snprintf(buf, n, "%g", (double)*(const float *)o->target); break;
    case CLI_DOUBLE: snprintf(buf, n, "%g", *(const double *)o->target); break;
    case CLI_BOOL: snprintf(buf, n, "%s", *(const int *)o->target ? "on" : "off"); break;
    case CLI_STRING: {
        const char *s = *(const char *const *)o->target;
        if (s) snprintf(buf, n, "\"%s\"", s);
        else snprintf(buf, n, "none");
        break;
    }
    case CLI_FLOAT_LIST: {
        const CliFloatList *l = o->target;
        buf[0] = '\0';
        for (int i = 0; i < l->n; i++) {
            size_t used = strlen(buf);
            snprintf(buf + used, n - used, "%s%g", i ? "," : "", (double)l->v[i]);
        }
        if (l->n == 0) snprintf(buf, n, "none");
        break;
    }
    case CLI_CHOICE: {
        int k = *(const int *)o->target;
        int count = 0;
        while (o->choices && o->choices[count]) count++;
        snprintf(buf, n, "%s", k >= 0 && k < count ? o->choices[k] : "?");
        break;
    }
    case KIND_SEED: snprintf(buf, n, "%llu", *(const unsigned long long *)o->target); break;
    case KIND_PATH: snprintf(buf, n, "%s", (const char *)o->target); break;
    default: buf[0] = '\0'; break;
    }
}

static void format_synopsis(const CliOption *o, char *buf, size_t n) {
    const char *value = "";
    char choices[200];
    switch ((int)o->type) {
    case CLI_INT: case KIND_SEED: value = " N"; break;
    case CLI_FLOAT: case CLI_DOUBLE: value = " X"; break;
    case CLI_BOOL: value = "[=on|off]"; break;
    case CLI_STRING: value = " TEXT"; break;
    case KIND_PATH: value = " DIR"; break;
    case CLI_FLOAT_LIST: value = " X,Y,..."; break;
    case CLI_CHOICE:
        snprintf(choices, sizeof choices, " {");
        for (int i = 0; o->choices && o->choices[i]; i++) {
            size_t used = strlen(choices);
            snprintf(choices + used, sizeof choices - used, "%s%s", i ? "|" : "", o->choices[i]);
        }
        strncat(choices, "}", sizeof choices - strlen(choices) - 1);
        value = choices;
        break;
    default: break;
    }
    snprintf(buf, n, "--%s%s", o->name, value);
}

static void print_group(FILE *out, const OptionSet *set, int from, int to, int column) {
    for (int i = from; i < to; i++) {
        const CliOption *o = &set->all[i];
        char synopsis[256], value[256];
        format_synopsis(o, synopsis, sizeof synopsis);
        fprintf(out, "  %-*s  %s", column, synopsis, o->help ? o->help : "");
        int kind = (int)o->type;
        if (kind != KIND_FLAG && kind != KIND_HELP) {
            format_value(o, value, sizeof value);
            fprintf(out, " (default %s", value);
            int numeric = kind == CLI_INT || kind == CLI_FLOAT || kind == CLI_DOUBLE ||
                          kind == CLI_FLOAT_LIST;
            if (has_range(o) && numeric)
                fprintf(out, "; %g to %g", o->min, o->max);
            fputc(')', out);
        }
        fputc('\n', out);
    }
}

void cli_usage(FILE *out, const CliCommon *c, const CliOption *options, const char *description) {
    OptionSet set;
    build_set(&set, (CliCommon *)c, options);  // only read here
    int n_chapter = 0;
    while (options && options[n_chapter].name) n_chapter++;
    int column = 0;
    for (int i = 0; i < set.n; i++) {
        char synopsis[256];
        format_synopsis(&set.all[i], synopsis, sizeof synopsis);
        int w = (int)strlen(synopsis);
        if (w > column) column = w;
    }
    fprintf(out, "%s: %s\n\nusage: %s [options]\n", c->chapter, description ? description : "",
            c->chapter);
    if (n_chapter > 0) {
        fputs("\nchapter options:\n", out);
        print_group(out, &set, 0, n_chapter, column);
    }
    fputs("\ncommon options:\n", out);
    print_group(out, &set, n_chapter, set.n, column);
    free(set.all);
}

void cli_parse(CliCommon *c, CliOption *options, int argc, char **argv, const char *description) {
    set_program_name(c->chapter);
    // The usage text is rendered before parsing, so the defaults it shows are the
    // variables' initial values even for `--hidden 64 --help`.
    char *usage = NULL;
    size_t usage_len = 0;
    FILE *mem = open_memstream(&usage, &usage_len);
    if (!mem) die("cannot format the usage text: out of memory");
    cli_usage(mem, c, options, description);
    fclose(mem);
    char err[512];
    int result = cli_parse_args(c, options, argc, argv, err, sizeof err);
    if (result == CLI_HELP) {
        fputs(usage, stdout);
        free(usage);
        exit(0);
    }
    free(usage);
    if (result == CLI_ERROR) {
        fflush(stdout);
        fprintf(stderr, "%s: %s (try --help)\n", c->chapter, err);
        exit(EXIT_USAGE);
    }
#ifdef _OPENMP
    omp_set_num_threads(c->threads);
#endif
}

void cli_prepare_out(const CliCommon *c) {
    char err[512];
    // the message quotes the user's path, which may hold a newline
    if (!make_dirs(c->out, err, sizeof err)) die("%s (set another folder with --out)", one_line(err));
}

int cli_argv_has(int argc, char **argv, const char *flag) {
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], flag) == 0) return 1;
    return 0;
}

const char *cli_argv_value(int argc, char **argv, const char *option) {
    size_t n = strlen(option);
    const char *value = NULL;
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], option, n) == 0 && argv[i][n] == '=') value = argv[i] + n + 1;
        else if (strcmp(argv[i], option) == 0 && i + 1 < argc) value = argv[i + 1];
    }
    return value;
}

void cli_resume_hint(char *buf, size_t n, int argc, char **argv) {
    size_t used = 0;
    int has_resume = 0;
    buf[0] = '\0';
    for (int i = 0; i < argc && used < n; i++) {
        const char *a = argv[i];
        has_resume |= strcmp(a, "--resume") == 0;
        int plain = a[0] != '\0' && strspn(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+") ==
                                         strlen(a);
        used += (size_t)snprintf(buf + used, n - used, plain ? "%s%s" : "%s'%s'", i ? " " : "", a);
    }
    if (!has_resume && used < n) snprintf(buf + used, n - used, " --resume");
}
