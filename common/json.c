// json.c: see json.h. Introduced in issue 6 (data pipeline).
#include "json.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"
#include "util.h"

// ---- the parser's state -------------------------------------------------------------------

typedef struct Open {      // a container that is still open
    int node;              // its index in doc->nodes
    int last;              // its last element so far, -1 when none
    const char *key;       // OBJECT: the key read for the next member
    size_t key_len;
} Open;

typedef struct Parser {
    const char *s;
    size_t len, pos;
    Json *doc;
    size_t used;           // bytes of doc->strings in use
    Open stack[JSON_MAX_DEPTH];
    int depth;
    char *err;
    size_t errlen;
} Parser;

static int fail(Parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(Parser *p, const char *fmt, ...) {
    if (p->err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->err, p->errlen, fmt, ap);
        va_end(ap);
        if (p->errlen) one_line(p->err);   // a key may hold "\n"
    }
    return 0;
}

// "'x'" for a printable character, "byte 0x07" otherwise, "end of input" past the end.
static const char *describe(const Parser *p, char *buf, size_t n) {
    if (p->pos >= p->len) snprintf(buf, n, "end of input");
    else if (p->s[p->pos] > 0x20 && p->s[p->pos] < 0x7F) snprintf(buf, n, "'%c'", p->s[p->pos]);
    else snprintf(buf, n, "byte 0x%02x", (unsigned char)p->s[p->pos]);
    return buf;
}

static void skip_ws(Parser *p) {
    while (p->pos < p->len) {
        char c = p->s[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
        p->pos++;
    }
}

static int new_node(Parser *p, JsonType type) {
    Json *d = p->doc;
    if (d->n == d->cap) {
        d->cap = d->cap ? 2 * d->cap : 64;
        d->nodes = xrealloc(d->nodes, sizeof(JsonNode) * (size_t)d->cap);
    }
    JsonNode *node = &d->nodes[d->n];
    memset(node, 0, sizeof *node);
    node->type = type;
    node->first = node->next = -1;
    node->begin = node->end = p->pos;
    return d->n++;
}

// Link a new value into the open container (or make it the root).
static void attach(Parser *p, int idx) {
    if (p->depth == 0) return;
    Open *top = &p->stack[p->depth - 1];
    JsonNode *parent = &p->doc->nodes[top->node];
    if (top->last < 0) parent->first = idx;
    else p->doc->nodes[top->last].next = idx;
    parent->count++;
    top->last = idx;
    if (parent->type == JSON_OBJECT) {
        p->doc->nodes[idx].key = top->key;
        p->doc->nodes[idx].key_len = top->key_len;
    }
}

// ---- strings, numbers, literals -----------------------------------------------------------

static int hex4(const char *s, uint32_t *out) {
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10
              : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
        if (d < 0) return 0;
        v = v * 16 + (uint32_t)d;
    }
    *out = v;
    return 1;
}

// At an opening '"': decode the string into doc->strings. The decoded text plus its '\0'
// is never longer than the quoted source, so the buffer sized in json_parse always fits.
static int parse_string(Parser *p, const char **out, size_t *out_len) {
    size_t start = p->pos;
    char *dst = p->doc->strings + p->used, *w = dst;
    p->pos++;  // the opening quote
    for (;;) {
        if (p->pos >= p->len) return fail(p, "unterminated string starting at offset %zu", start);
        unsigned char c = (unsigned char)p->s[p->pos];
        if (c == '"') {
            p->pos++;
            break;
        }
        if (c < 0x20)
            return fail(p, "control character 0x%02x inside a string at offset %zu", c, p->pos);
        if (c >= 0x80) {
            uint32_t cp;
            int n = utf8_decode(p->s + p->pos, p->len - p->pos, &cp);
            if (n == 0) return fail(p, "invalid UTF-8 in a string at offset %zu", p->pos);
            memcpy(w, p->s + p->pos, (size_t)n);
            w += n;
            p->pos += (size_t)n;
            continue;
        }
        if (c != '\\') {
            *w++ = (char)c;
            p->pos++;
            continue;
        }
        // an escape
        size_t at = p->pos;
        if (p->pos + 1 >= p->len) return fail(p, "unterminated string starting at offset %zu", start);
        char e = p->s[p->pos + 1];
        p->pos += 2;
        static const char escaped[] = "\"\\/bfnrt", decoded[] = "\"\\/\b\f\n\r\t";
        const char *simple = e != '\0' ? strchr(escaped, e) : NULL;
        if (simple) {
            *w++ = decoded[simple - escaped];
            continue;
        }
        if (e != 'u') return fail(p, "invalid escape at offset %zu", at);
        uint32_t cp;
        if (p->pos + 4 > p->len || !hex4(p->s + p->pos, &cp))
            return fail(p, "invalid \\u escape at offset %zu", at);
        p->pos += 4;
        if (cp >= 0xDC00 && cp <= 0xDFFF) return fail(p, "unpaired surrogate \\u%04x at offset %zu", cp, at);
        if (cp >= 0xD800 && cp <= 0xDBFF) {  // must be followed by the low half
            uint32_t lo;
            if (p->pos + 6 > p->len || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u' ||
                !hex4(p->s + p->pos + 2, &lo) || lo < 0xDC00 || lo > 0xDFFF)
                return fail(p, "unpaired surrogate \\u%04x at offset %zu", cp, at);
            p->pos += 6;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        }
        w += utf8_encode(cp, w);
    }
    *w = '\0';
    *out = dst;
    *out_len = (size_t)(w - dst);
    p->used += (size_t)(w - dst) + 1;
    return 1;
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
static int parse_number(Parser *p, int idx) {
    size_t i = p->pos, start = p->pos;
    const char *s = p->s;
    if (i < p->len && s[i] == '-') i++;
    if (i < p->len && s[i] == '0') i++;
    else if (i < p->len && s[i] >= '1' && s[i] <= '9') while (i < p->len && is_digit(s[i])) i++;
    else return fail(p, "invalid number at offset %zu", start);
    if (i < p->len && s[i] == '.') {
        i++;
        if (i >= p->len || !is_digit(s[i])) return fail(p, "invalid number at offset %zu", start);
        while (i < p->len && is_digit(s[i])) i++;
    }
    if (i < p->len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < p->len && (s[i] == '+' || s[i] == '-')) i++;
        if (i >= p->len || !is_digit(s[i])) return fail(p, "invalid number at offset %zu", start);
        while (i < p->len && is_digit(s[i])) i++;
    }
    // A number is followed by a delimiter or the end, so its text plus '\0' fits too.
    char *dst = p->doc->strings + p->used;
    memcpy(dst, s + start, i - start);
    dst[i - start] = '\0';
    p->used += i - start + 1;
    JsonNode *node = &p->doc->nodes[idx];
    node->str = dst;
    node->str_len = i - start;
    node->number = strtod(dst, NULL);
    p->pos = i;
    return 1;
}

static int parse_scalar(Parser *p) {
    char c = p->s[p->pos];
    static const struct { const char *word; JsonType type; } literals[] = {
        {"true", JSON_TRUE}, {"false", JSON_FALSE}, {"null", JSON_NULL}};
    for (int k = 0; k < 3; k++) {
        size_t n = strlen(literals[k].word);
        if (c == literals[k].word[0]) {
            if (p->len - p->pos < n || memcmp(p->s + p->pos, literals[k].word, n) != 0)
                return fail(p, "invalid literal at offset %zu", p->pos);
            int idx = new_node(p, literals[k].type);
            attach(p, idx);
            p->pos += n;
            p->doc->nodes[idx].end = p->pos;
            return 1;
        }
    }
    if (c == '"') {
        int idx = new_node(p, JSON_STRING);
        attach(p, idx);
        const char *str;
        size_t n;
        if (!parse_string(p, &str, &n)) return 0;
        p->doc->nodes[idx].str = str;
        p->doc->nodes[idx].str_len = n;
        p->doc->nodes[idx].end = p->pos;
        return 1;
    }
    if (c == '-' || is_digit(c)) {
        int idx = new_node(p, JSON_NUMBER);
        attach(p, idx);
        if (!parse_number(p, idx)) return 0;
        p->doc->nodes[idx].end = p->pos;
        return 1;
    }
    char what[32];
    return fail(p, "expected a value but found %s at offset %zu", describe(p, what, sizeof what), p->pos);
}

// After '{' or ',' inside an object: a key and its ':'.
static int parse_key(Parser *p) {
    skip_ws(p);
    char what[32];
    if (p->pos >= p->len || p->s[p->pos] != '"')
        return fail(p, "expected a string key but found %s at offset %zu", describe(p, what, sizeof what), p->pos);
    Open *top = &p->stack[p->depth - 1];
    if (!parse_string(p, &top->key, &top->key_len)) return 0;
    skip_ws(p);
    if (p->pos >= p->len || p->s[p->pos] != ':')
        return fail(p, "expected ':' but found %s at offset %zu", describe(p, what, sizeof what), p->pos);
    p->pos++;
    return 1;
}

static int key_cmp(const void *a, const void *b) {
    const JsonNode *x = *(const JsonNode *const *)a, *y = *(const JsonNode *const *)b;
    size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
    int c = memcmp(x->key, y->key, n);
    if (c) return c;
    return (x->key_len > y->key_len) - (x->key_len < y->key_len);
}

// The closing bracket was just consumed: finish the container on top of the stack.
static int close_container(Parser *p) {
    int idx = p->stack[p->depth - 1].node;
    p->depth--;
    JsonNode *node = &p->doc->nodes[idx];
    node->end = p->pos;
    if (node->type != JSON_OBJECT || node->count < 2) return 1;
    // Duplicate keys: sort the members by key and look at neighbours (n log n, so a
    // header with a million keys is not a quadratic trap).
    const JsonNode **members = xmalloc(sizeof(JsonNode *) * (size_t)node->count);
    int k = 0;
    for (int c = node->first; c >= 0; c = p->doc->nodes[c].next) members[k++] = &p->doc->nodes[c];
    qsort(members, (size_t)k, sizeof *members, key_cmp);
    int ok = 1;
    for (int i = 1; i < k && ok; i++)
        if (key_cmp(&members[i - 1], &members[i]) == 0) {
            fail(p, "duplicate key \"%.40s\" in the object at offset %zu", members[i]->key, node->begin);
            ok = 0;
        }
    free(members);
    return ok;
}

// ---- the main loop ------------------------------------------------------------------------

static int parse(Parser *p) {
    char what[32];
    for (;;) {
        // 1. A value is expected here.
        skip_ws(p);
        if (p->pos >= p->len) return fail(p, "unexpected end of input: expected a value");
        char c = p->s[p->pos];
        if (c == '{' || c == '[') {
            if (p->depth == JSON_MAX_DEPTH)
                return fail(p, "nesting deeper than %d levels at offset %zu", JSON_MAX_DEPTH, p->pos);
            int idx = new_node(p, c == '{' ? JSON_OBJECT : JSON_ARRAY);
            attach(p, idx);
            p->stack[p->depth++] = (Open){.node = idx, .last = -1};
            p->pos++;
            skip_ws(p);
            char close = c == '{' ? '}' : ']';
            if (p->pos < p->len && p->s[p->pos] == close) {
                p->pos++;
                if (!close_container(p)) return 0;
            } else {
                if (c == '{' && !parse_key(p)) return 0;
                continue;  // the first element
            }
        } else if (!parse_scalar(p)) {
            return 0;
        }
        // 2. A value is complete: a ',', a closing bracket, or (at the top) the end.
        for (;;) {
            skip_ws(p);
            if (p->depth == 0) {
                if (p->pos != p->len)
                    return fail(p, "unexpected %s after the JSON value at offset %zu",
                                describe(p, what, sizeof what), p->pos);
                return 1;
            }
            int is_object = p->doc->nodes[p->stack[p->depth - 1].node].type == JSON_OBJECT;
            char close = is_object ? '}' : ']';
            if (p->pos < p->len && p->s[p->pos] == ',') {
                p->pos++;
                if (is_object && !parse_key(p)) return 0;
                break;  // to the next value
            }
            if (p->pos < p->len && p->s[p->pos] == close) {
                p->pos++;
                if (!close_container(p)) return 0;
                continue;
            }
            return fail(p, "expected ',' or '%c' but found %s at offset %zu", close,
                        describe(p, what, sizeof what), p->pos);
        }
    }
}

int json_parse(Json *doc, const char *text, size_t len, char *err, size_t errlen) {
    memset(doc, 0, sizeof *doc);
    Parser p = {.s = text, .len = len, .doc = doc, .err = err, .errlen = errlen};
    doc->strings = xmalloc(len + 1);
    if (!parse(&p)) {
        json_free(doc);
        return 0;
    }
    return 1;
}

void json_free(Json *doc) {
    free(doc->nodes);
    free(doc->strings);
    memset(doc, 0, sizeof *doc);
}

// ---- looking things up --------------------------------------------------------------------

const JsonNode *json_root(const Json *doc) { return doc->n > 0 ? &doc->nodes[0] : NULL; }

const JsonNode *json_first(const Json *doc, const JsonNode *c) {
    return (c && c->first >= 0) ? &doc->nodes[c->first] : NULL;
}

const JsonNode *json_next(const Json *doc, const JsonNode *node) {
    return (node && node->next >= 0) ? &doc->nodes[node->next] : NULL;
}

const JsonNode *json_get(const Json *doc, const JsonNode *obj, const char *key) {
    if (!obj || obj->type != JSON_OBJECT) return NULL;
    size_t n = strlen(key);
    for (const JsonNode *m = json_first(doc, obj); m; m = json_next(doc, m))
        if (m->key_len == n && memcmp(m->key, key, n) == 0) return m;
    return NULL;
}

int json_as_u64(const JsonNode *node, uint64_t *out) {
    if (!node || node->type != JSON_NUMBER || node->str_len == 0 || node->str_len > 20) return 0;
    uint64_t v = 0;
    for (size_t i = 0; i < node->str_len; i++) {
        char c = node->str[i];
        if (!is_digit(c)) return 0;  // '-', '.', 'e'
        uint64_t d = (uint64_t)(c - '0');
        if (v > (UINT64_MAX - d) / 10) return 0;
        v = v * 10 + d;
    }
    *out = v;
    return 1;
}

const char *json_type_name(JsonType t) {
    static const char *names[] = {"null", "false", "true", "number", "string", "array", "object"};
    return (unsigned)t < 7 ? names[t] : "?";
}

// ---- writing ------------------------------------------------------------------------------

void sb_init(StrBuf *b) { memset(b, 0, sizeof *b); }

void sb_free(StrBuf *b) {
    free(b->s);
    memset(b, 0, sizeof *b);
}

void sb_append(StrBuf *b, const char *s, size_t n) {
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1) cap *= 2;
        b->s = xrealloc(b->s, cap);
        b->cap = cap;
    }
    if (n) memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void sb_puts(StrBuf *b, const char *s) { sb_append(b, s, strlen(s)); }

void sb_printf(StrBuf *b, const char *fmt, ...) {
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof small) {
        sb_append(b, small, (size_t)n);
        return;
    }
    char *big = xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb_append(b, big, (size_t)n);
    free(big);
}

void json_write_string(StrBuf *b, const char *s, size_t n) {
    sb_append(b, "\"", 1);
    size_t run = 0;  // copy runs of plain bytes in one go
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        sb_append(b, s + run, i - run);
        run = i + 1;
        switch (c) {
        case '"': sb_append(b, "\\\"", 2); break;
        case '\\': sb_append(b, "\\\\", 2); break;
        case '\n': sb_append(b, "\\n", 2); break;
        case '\t': sb_append(b, "\\t", 2); break;
        case '\r': sb_append(b, "\\r", 2); break;
        case '\b': sb_append(b, "\\b", 2); break;
        case '\f': sb_append(b, "\\f", 2); break;
        default: sb_printf(b, "\\u%04x", c);
        }
    }
    sb_append(b, s + run, n - run);
    sb_append(b, "\"", 1);
}

// ---- floats that read back exactly ---------------------------------------------------------

void json_write_float_exact(StrBuf *b, float v) {
    if (isnan(v)) {
        uint32_t bits;
        memcpy(&bits, &v, sizeof bits);
        sb_printf(b, "\"nan 0x%08x\"", (unsigned)bits);
    } else if (isinf(v)) {
        sb_puts(b, v > 0 ? "\"inf\"" : "\"-inf\"");
    } else {
        sb_printf(b, "%.9g", (double)v);
    }
}

int json_read_float_exact(const JsonNode *v, float *out) {
    unsigned bits;
    if (v->type == JSON_NUMBER) *out = strtof(v->str, NULL);
    else if (v->type == JSON_STRING && strcmp(v->str, "inf") == 0) *out = INFINITY;
    else if (v->type == JSON_STRING && strcmp(v->str, "-inf") == 0) *out = -INFINITY;
    else if (v->type == JSON_STRING && sscanf(v->str, "nan 0x%8x", &bits) == 1) memcpy(out, &bits, sizeof *out);
    else return 0;
    return 1;
}
