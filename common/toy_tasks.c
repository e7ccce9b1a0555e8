// toy_tasks.c: see toy_tasks.h. Introduced in issue 6 (data pipeline).
#include "toy_tasks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "util.h"

int toy_task_default_size(Split split) { return split == SPLIT_TRAIN ? 20000 : 1000; }
const char *toy_task_names(void) { return "copy, reverse, sort, dates, dates_chars"; }

static uint64_t mix64(uint64_t z) {  // splitmix64's finaliser: a good fixed hash
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// ---- symbol tasks: copy, reverse, sort ----------------------------------------------------

static int char_cmp(const void *a, const void *b) { return *(const char *)a - *(const char *)b; }

// Which split a symbol string belongs to: 0-7 train, 8 validation, 9 test (of 10 buckets).
static Split string_split(const char *sym, int len) {
    uint64_t h = 1469598103934665603ull;
    for (int i = 0; i < len; i++) h = (h ^ (unsigned char)sym[i]) * 1099511628211ull;
    int bucket = (int)(mix64(h) % 10);
    return bucket == 9 ? SPLIT_TEST : bucket == 8 ? SPLIT_VAL : SPLIT_TRAIN;
}

// "c a j b" from the symbols.
static void spaced(char *out, const char *sym, int len) {
    for (int i = 0; i < len; i++) {
        out[2 * i] = sym[i];
        out[2 * i + 1] = i + 1 < len ? ' ' : '\0';
    }
    if (len == 0) out[0] = '\0';
}

static int make_symbol_task(Corpus *c, int task, Split split, Rng *rng, int n, const ToyOptions *o,
                            char *err, size_t errlen) {
    char *sym = xmalloc((size_t)o->max_len + 1), *tgt_sym = xmalloc((size_t)o->max_len + 1);
    char *src = xmalloc(2 * (size_t)o->max_len + 1), *tgt = xmalloc(2 * (size_t)o->max_len + 1);
    int ok = 1;
    for (int i = 0; i < n && ok; i++) {
        int len = o->min_len + (int)rng_below(rng, (uint32_t)(o->max_len - o->min_len + 1));
        // Disjoint splits only where there are enough strings: alphabet^len >= 1000.
        double space = 1;
        for (int k = 0; k < len && space < 1000; k++) space *= o->alphabet;
        for (int attempt = 0;; attempt++) {
            for (int k = 0; k < len; k++) sym[k] = (char)('a' + rng_below(rng, (uint32_t)o->alphabet));
            if (space < 1000 || attempt > 10000 || string_split(sym, len) == split) break;
        }
        for (int k = 0; k < len; k++) tgt_sym[k] = task == 1 ? sym[len - 1 - k] : sym[k];
        if (task == 2) qsort(tgt_sym, (size_t)len, 1, char_cmp);
        spaced(src, sym, len);
        spaced(tgt, tgt_sym, len);
        ok = corpus_add_pair(c, src, strlen(src), tgt, strlen(tgt), TOKENIZE_WORDS, 0, err, errlen);
    }
    free(sym);
    free(tgt_sym);
    free(src);
    free(tgt);
    return ok;
}

// ---- dates --------------------------------------------------------------------------------

// Days since 1970-01-01 of a proleptic Gregorian date, and back (Howard Hinnant's algorithms).
static long days_from_civil(long y, int m, int d) {
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(long z, int *y, int *m, int *d) {
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static const char *const MONTH_EN[12] = {"january", "february", "march", "april", "may", "june", "july",
                                         "august", "september", "october", "november", "december"};
static const char *const MON_EN[12] = {"jan", "feb", "mar", "apr", "may", "jun",
                                       "jul", "aug", "sep", "oct", "nov", "dec"};
static const char *const MONTH_DE[12] = {"januar", "februar", "märz", "april", "mai", "juni", "juli",
                                         "august", "september", "oktober", "november", "dezember"};
static const char *const MON_DE[12] = {"jan", "feb", "mär", "apr", "mai", "jun",
                                       "jul", "aug", "sep", "okt", "nov", "dez"};
static const char *const DAY_EN[7] = {"monday", "tuesday", "wednesday", "thursday",
                                      "friday", "saturday", "sunday"};
static const char *const DY_EN[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
static const char *const DAY_DE[7] = {"montag", "dienstag", "mittwoch", "donnerstag",
                                      "freitag", "samstag", "sonntag"};

#define N_DATE_FORMATS 18

// A name, capitalised when asked (the tokenizer lowercases it again; the model never sees
// the difference, but the text looks like text).
static const char *name(const char *word, char *buf, int capital) {
    snprintf(buf, 32, "%s", word);
    if (capital && buf[0] >= 'a' && buf[0] <= 'z') buf[0] = (char)(buf[0] - 32);
    return buf;
}

static const char *ordinal(int d) {
    if (d % 10 == 1 && d != 11) return "st";
    if (d % 10 == 2 && d != 12) return "nd";
    if (d % 10 == 3 && d != 13) return "rd";
    return "th";
}

static void format_date(char *out, size_t n, int format, int y, int m, int d, int wd, Rng *rng,
                        int capitalise) {
    char a[32], b[32];
    int yy = y % 100;
    const char *th = ordinal(d);
    m -= 1;  // index into the name tables
    // Both coin flips first: the order in which function arguments are evaluated is
    // unspecified in C, so no argument below may draw from the Rng.
    int c1 = capitalise && rng_below(rng, 2), c2 = capitalise && rng_below(rng, 2);
    switch (format) {
    case 0: snprintf(out, n, "%s %d %s %d", name(DAY_EN[wd], a, c1), d, name(MONTH_EN[m], b, c2), y); break;
    case 1: snprintf(out, n, "%02d/%02d/%02d", m + 1, d, yy); break;
    case 2: snprintf(out, n, "%s %d%s, %d", name(MONTH_EN[m], a, c1), d, th, y); break;
    case 3: snprintf(out, n, "%d %s %02d", d, name(MON_EN[m], a, c1), yy); break;
    case 4: snprintf(out, n, "%d.%d.%d", d, m + 1, y); break;
    case 5: snprintf(out, n, "%02d.%02d.%02d", d, m + 1, yy); break;
    case 6: snprintf(out, n, "%s, %s %d, %d", name(DY_EN[wd], a, c1), name(MON_EN[m], b, c2), d, y); break;
    case 7: snprintf(out, n, "the %d%s of %s %d", d, th, name(MONTH_EN[m], a, c1), y); break;
    case 8: snprintf(out, n, "%s, %d. %s %d", name(DAY_DE[wd], a, c1), d, name(MONTH_DE[m], b, c2), y); break;
    case 9: snprintf(out, n, "%d. %s %02d", d, name(MONTH_DE[m], a, c1), yy); break;
    case 10: snprintf(out, n, "%d %s %d", d, name(MONTH_EN[m], a, c1), y); break;
    case 11: snprintf(out, n, "%02d/%02d/%d", m + 1, d, y); break;
    case 12: snprintf(out, n, "%s %d %d", name(MONTH_EN[m], a, c1), d, y); break;
    case 13: snprintf(out, n, "%s, %s %d, %d", name(DAY_EN[wd], a, c1), name(MONTH_EN[m], b, c2), d, y); break;
    case 14: snprintf(out, n, "%d-%s-%d", d, name(MON_EN[m], a, c1), y); break;
    case 15: snprintf(out, n, "am %d. %s %d", d, name(MONTH_DE[m], a, c1), y); break;
    case 16: snprintf(out, n, "%d%s %s %02d", d, th, name(MONTH_EN[m], a, c1), yy); break;
    default: snprintf(out, n, "%d. %s %d", d, name(MON_DE[m], a, c1), y); break;
    }
}

static int make_dates(Corpus *c, int chars, Split split, Rng *rng, int n, char *err, size_t errlen) {
    long first = days_from_civil(1950, 1, 1), last = days_from_civil(2049, 12, 31);
    int ok = 1;
    for (int i = 0; i < n && ok; i++) {
        long z;
        for (;;) {  // a day of this split: bucket 0 of 20 is test, 1 validation
            z = first + (long)rng_below(rng, (uint32_t)(last - first + 1));
            int bucket = (int)(mix64((uint64_t)z) % 20);
            Split s = bucket == 0 ? SPLIT_TEST : bucket == 1 ? SPLIT_VAL : SPLIT_TRAIN;
            if (s == split) break;
        }
        int y, m, d;
        civil_from_days(z, &y, &m, &d);
        int wd = (int)(((z % 7) + 7 + 3) % 7);  // 1970-01-01 was a Thursday (Monday = 0)
        char src[96], tgt[32];  // "YYYY-MM-DD" needs 11; room for what -Wformat-truncation fears
        format_date(src, sizeof src, (int)rng_below(rng, N_DATE_FORMATS), y, m, d, wd, rng, !chars);
        snprintf(tgt, sizeof tgt, "%04d-%02d-%02d", y, m, d);
        ok = corpus_add_pair(c, src, strlen(src), tgt, strlen(tgt),
                             chars ? TOKENIZE_CHARS : TOKENIZE_WORDS, 0, err, errlen);
    }
    return ok;
}

// ---- the entry point ----------------------------------------------------------------------

int toy_task_generate(Corpus *out, const char *name_, Split split, uint64_t seed, int n,
                      const ToyOptions *opt, char *err, size_t errlen) {
    static const char *const names[] = {"copy", "reverse", "sort", "dates", "dates_chars"};
    int task = -1;
    for (int k = 0; k < 5; k++)
        if (strcmp(name_, names[k]) == 0) task = k;
    if (task < 0) {
        snprintf(err, errlen, "unknown toy task '%s' (known: %s)", name_, toy_task_names());
        return 0;
    }
    if (split != SPLIT_TRAIN && split != SPLIT_VAL && split != SPLIT_TEST) {
        snprintf(err, errlen, "toy task '%s': unknown split %d", name_, (int)split);
        return 0;
    }
    ToyOptions o = {3, 30, 10};
    if (opt) {
        if (opt->min_len) o.min_len = opt->min_len;
        if (opt->max_len) o.max_len = opt->max_len;
        if (opt->alphabet) o.alphabet = opt->alphabet;
    }
    if (task < 3) {
        if (o.min_len < 1 || o.max_len > TOY_MAX_LEN || o.min_len > o.max_len) {
            snprintf(err, errlen, "toy task '%s': lengths %d..%d, expected 1 <= min_len <= max_len <= %d",
                     name_, o.min_len, o.max_len, TOY_MAX_LEN);
            return 0;
        }
        if (o.alphabet < 2 || o.alphabet > 26) {
            snprintf(err, errlen, "toy task '%s': alphabet %d, expected 2..26", name_, o.alphabet);
            return 0;
        }
    }
    if (n < 0) {
        snprintf(err, errlen, "toy task '%s': %d pairs asked for", name_, n);
        return 0;
    }
    if (n == 0) n = toy_task_default_size(split);
    Rng rng;
    rng_seed(&rng, seed ^ (0x243F6A8885A308D3ull * (uint64_t)(split + 1)));
    corpus_init(out);
    int ok = task < 3 ? make_symbol_task(out, task, split, &rng, n, &o, err, errlen)
                      : make_dates(out, task == 4, split, &rng, n, err, errlen);
    if (!ok) corpus_free(out);
    return ok;
}

void toy_task_generate_or_die(Corpus *out, const char *name_, Split split, uint64_t seed, int n,
                              const ToyOptions *opt) {
    char err[512];
    if (!toy_task_generate(out, name_, split, seed, n, opt, err, sizeof err)) die("%s", err);
}
