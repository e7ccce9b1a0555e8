// util.c: see util.h. Introduced in the foundation (issue 2).
#include "util.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

// The only process-wide setting: which name error lines start with. It is written once,
// at the top of main(), before anything can fail.
static const char *g_program_name = "unrolled";

void set_program_name(const char *name) { g_program_name = name; }
const char *program_name(void) { return g_program_name; }

void die(const char *fmt, ...) {
    fflush(stdout);
    fprintf(stderr, "%s: ", g_program_name);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(EXIT_RUNTIME);
}

void *xmalloc_at(size_t n, const char *file, int line) {
    void *p = malloc(n ? n : 1);
    if (!p) die("out of memory allocating %zu bytes (%s:%d)", n, file, line);
    return p;
}

void *xcalloc_at(size_t count, size_t size, const char *file, int line) {
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p) die("out of memory allocating %zu x %zu bytes (%s:%d)", count, size, file, line);
    return p;
}

void *xrealloc_at(void *p, size_t n, const char *file, int line) {
    void *q = realloc(p, n ? n : 1);
    if (!q) die("out of memory reallocating to %zu bytes (%s:%d)", n, file, line);
    return q;
}

char *one_line(char *msg) {
    for (char *p = msg; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f) *p = '?';
    return msg;
}

char *xstrdup_at(const char *s, const char *file, int line) {
    size_t n = strlen(s) + 1;
    char *d = xmalloc_at(n, file, line);
    memcpy(d, s, n);
    return d;
}
