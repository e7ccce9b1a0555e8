// corpus.c: see corpus.h. Introduced in issue 6 (data pipeline).
#include "corpus.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void corpus_init(Corpus *c) {
    memset(c, 0, sizeof *c);
    for (int s = 0; s < 2; s++) {
        tokens_init(&c->toks[s]);
        c->first[s] = xcalloc(1, sizeof(int));  // first[s][0] = 0
    }
}

void corpus_free(Corpus *c) {
    for (int s = 0; s < 2; s++) {
        tokens_free(&c->toks[s]);
        free(c->first[s]);
    }
    memset(c, 0, sizeof *c);
}

int corpus_max_len(const Corpus *c, CorpusSide s) {
    int best = 0;
    for (int i = 0; i < c->n; i++)
        if (corpus_len(c, s, i) > best) best = corpus_len(c, s, i);
    return best;
}

// Undo a half-added pair: drop the tokens past `keep` on side s.
static void truncate_side(Corpus *c, int s, int keep_tokens) {
    Tokens *t = &c->toks[s];
    if (t->n > keep_tokens) {
        t->len = t->start[keep_tokens];
        t->n = keep_tokens;
    }
}

int corpus_add_pair(Corpus *c, const char *src, size_t src_len, const char *tgt, size_t tgt_len,
                    TokenizeMode mode, int allow_empty, char *err, size_t errlen) {
    const char *text[2] = {src, tgt};
    size_t len[2] = {src_len, tgt_len};
    static const char *side_name[2] = {"source", "target"};
    char why[256];
    for (int s = 0; s < 2; s++) {
        int got = tokenize(&c->toks[s], text[s], len[s], mode, why, sizeof why);
        if (got < 0 || (got == 0 && !allow_empty)) {
            if (got < 0) snprintf(err, errlen, "%s: %s", side_name[s], why);
            else snprintf(err, errlen, "%s has no tokens", side_name[s]);
            truncate_side(c, 0, c->first[0][c->n]);
            truncate_side(c, 1, c->first[1][c->n]);
            return 0;
        }
    }
    if (c->n + 1 >= c->cap) {
        c->cap = c->cap ? 2 * c->cap : 1024;
        for (int s = 0; s < 2; s++) c->first[s] = xrealloc(c->first[s], sizeof(int) * (size_t)(c->cap + 1));
    }
    c->n++;
    for (int s = 0; s < 2; s++) c->first[s][c->n] = c->toks[s].n;
    return 1;
}

// ---- reading lines ------------------------------------------------------------------------

// One text file read line by line. A line is kept only up to max bytes: a longer one is an
// error found after reading max + 1 bytes of it, so a 10 MB line costs 64 KB of memory.
typedef struct LineReader {
    FILE *fp;
    const char *path;
    long line;           // number of the line in buf (1-based)
    char *buf;           // (max + 1) the current line, without '\n' (or "\r\n")
    size_t len, max;
    int eof;
} LineReader;

static int reader_open(LineReader *r, const char *path, size_t max, char *err, size_t errlen) {
    memset(r, 0, sizeof *r);
    r->path = path;
    r->max = max;
    r->fp = fopen(path, "rb");
    if (!r->fp) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return 0;
    }
    r->buf = xmalloc(max + 1);
    return 1;
}

static void reader_close(LineReader *r) {
    if (r->fp) fclose(r->fp);
    free(r->buf);
    memset(r, 0, sizeof *r);
}

// Returns 1 with the next line in r->buf, 0 at the end of the file, -1 on an error.
static int reader_next(LineReader *r, char *err, size_t errlen) {
    if (r->eof) return 0;
    r->len = 0;
    int c, any = 0;
    while ((c = getc(r->fp)) != EOF) {
        any = 1;
        if (c == '\n') break;
        if (r->len == r->max) {
            snprintf(err, errlen, "%s:%ld: line is longer than %zu bytes", r->path, r->line + 1, r->max);
            return -1;
        }
        r->buf[r->len++] = (char)c;
    }
    if (ferror(r->fp)) {
        snprintf(err, errlen, "cannot read %s: %s", r->path, strerror(errno));
        return -1;
    }
    if (c == EOF) {
        r->eof = 1;
        if (!any) {
            if (r->line == 0) {
                snprintf(err, errlen, "%s: file is empty", r->path);
                return -1;
            }
            return 0;
        }
    }
    r->line++;
    if (r->len > 0 && r->buf[r->len - 1] == '\r') r->len--;       // CRLF
    if (r->line == 1 && r->len >= 3 && memcmp(r->buf, "\xEF\xBB\xBF", 3) == 0) {  // BOM
        memmove(r->buf, r->buf + 3, r->len - 3);
        r->len -= 3;
    }
    r->buf[r->len] = '\0';
    return 1;
}

// How many lines the rest of the file has (for the "line counts differ" message).
static long count_rest(LineReader *r) {
    long n = r->line;
    int c, pending = 0;
    while ((c = getc(r->fp)) != EOF) {
        pending = c != '\n';
        if (c == '\n') n++;
    }
    return n + pending;
}

int corpus_load(Corpus *c, const char *src_path, const char *tgt_path, const CorpusOptions *opt,
                char *err, size_t errlen) {
    CorpusOptions o = opt ? *opt : (CorpusOptions){0};
    if (o.max_line_bytes == 0) o.max_line_bytes = CORPUS_MAX_LINE_BYTES;
    corpus_init(c);
    LineReader r[2];
    memset(r, 0, sizeof r);
    const char *paths[2] = {src_path, tgt_path};
    int ok = 1;
    for (int s = 0; s < 2 && ok; s++) ok = reader_open(&r[s], paths[s], o.max_line_bytes, err, errlen);
    while (ok && (o.max_pairs <= 0 || c->n < o.max_pairs)) {
        int got[2];
        for (int s = 0; s < 2 && ok; s++) {
            got[s] = reader_next(&r[s], err, errlen);
            if (got[s] < 0) ok = 0;
        }
        if (!ok) break;
        if (!got[0] && !got[1]) break;
        if (got[0] != got[1]) {
            long n0 = got[0] ? count_rest(&r[0]) : r[0].line;
            long n1 = got[1] ? count_rest(&r[1]) : r[1].line;
            snprintf(err, errlen, "line counts differ: %s has %ld lines, %s has %ld", src_path, n0,
                     tgt_path, n1);
            ok = 0;
            break;
        }
        for (int s = 0; s < 2 && ok; s++) {
            if (r[s].len == 0 && !o.allow_empty) {
                snprintf(err, errlen, "%s:%ld: empty line", paths[s], r[s].line);
                ok = 0;
            } else if (memchr(r[s].buf, '\0', r[s].len)) {
                snprintf(err, errlen, "%s:%ld: NUL byte in the line", paths[s], r[s].line);
                ok = 0;
            }
        }
        if (!ok) break;
        char why[256];
        if (!corpus_add_pair(c, r[0].buf, r[0].len, r[1].buf, r[1].len, o.mode, o.allow_empty,
                             why, sizeof why)) {
            // why starts with "source" or "target": name that file instead
            int s = strncmp(why, "target", 6) == 0;
            const char *rest = why + 6;
            if (*rest == ':') rest++;
            while (*rest == ' ') rest++;
            if (strncmp(rest, "has no tokens", 13) == 0) rest = "line has only whitespace";
            snprintf(err, errlen, "%s:%ld: %s", paths[s], r[s].line, rest);
            ok = 0;
        }
    }
    reader_close(&r[0]);
    reader_close(&r[1]);
    if (!ok) corpus_free(c);
    return ok;
}

void corpus_load_or_die(Corpus *c, const char *src_path, const char *tgt_path,
                        const CorpusOptions *opt) {
    char err[1024];
    if (!corpus_load(c, src_path, tgt_path, opt, err, sizeof err)) die("%s", err);
}
