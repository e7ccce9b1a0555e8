// safetensors.c: see safetensors.h. Introduced in issue 6 (data pipeline).
#include "safetensors.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fileio.h"
#include "util.h"

static const struct { const char *name; size_t size; } DTYPES[ST_N_DTYPES] = {
    {"BOOL", 1}, {"U8", 1}, {"I8", 1}, {"U16", 2}, {"I16", 2}, {"F16", 2}, {"BF16", 2},
    {"U32", 4}, {"I32", 4}, {"F32", 4}, {"U64", 8}, {"I64", 8}, {"F64", 8}};

const char *st_dtype_name(StDtype d) { return (unsigned)d < ST_N_DTYPES ? DTYPES[d].name : "?"; }
size_t st_dtype_size(StDtype d) { return (unsigned)d < ST_N_DTYPES ? DTYPES[d].size : 0; }

// ---- little-endian bytes <-> host values --------------------------------------------------

static int host_is_little_endian(void) {
    const uint16_t one = 1;
    return *(const unsigned char *)&one == 1;
}

// Copy count elements of `size` bytes, reversing each element's bytes on a big-endian host.
static void copy_le(unsigned char *dst, const unsigned char *src, size_t count, size_t size) {
    if (host_is_little_endian() || size == 1) {
        memcpy(dst, src, count * size);
        return;
    }
    for (size_t i = 0; i < count; i++)
        for (size_t k = 0; k < size; k++) dst[i * size + k] = src[i * size + size - 1 - k];
}

void st_copy_out(const StTensor *t, void *dst) {
    size_t size = st_dtype_size(t->dtype);
    copy_le(dst, t->data, (size_t)(t->end - t->begin) / size, size);
}

const char *st_shape_str(const StTensor *t, char *buf, size_t n) {
    size_t used = (size_t)snprintf(buf, n, "(");
    for (int k = 0; k < t->ndim && used < n; k++)
        used += (size_t)snprintf(buf + used, n - used, "%s%llu", k ? ", " : "", (unsigned long long)t->shape[k]);
    if (used < n) snprintf(buf + used, n - used, "%s)", t->ndim == 1 ? "," : "");
    return buf;
}

// ---- reading ------------------------------------------------------------------------------

static int err_out(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int err_out(char *err, size_t errlen, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    if (errlen) one_line(err);   // a tensor name or key from the file may hold "\n"
    return 0;
}

// One header entry -> t. data_len is the size of the data section.
static int parse_entry(const Json *doc, const JsonNode *e, StTensor *t, uint64_t data_len, char *err,
                       size_t errlen) {
    t->name = e->key;
    if (strlen(e->key) != e->key_len) return err_out(err, errlen, "a tensor name contains a NUL byte");
    if (e->type != JSON_OBJECT)
        return err_out(err, errlen, "tensor '%.80s': entry is a JSON %s, expected an object", t->name,
                       json_type_name(e->type));
    const JsonNode *dtype = NULL, *shape = NULL, *offsets = NULL;
    for (const JsonNode *f = json_first(doc, e); f; f = json_next(doc, f)) {
        if (strcmp(f->key, "dtype") == 0) dtype = f;
        else if (strcmp(f->key, "shape") == 0) shape = f;
        else if (strcmp(f->key, "data_offsets") == 0) offsets = f;
        else return err_out(err, errlen, "tensor '%.80s': unexpected field '%.40s'", t->name, f->key);
    }
    if (!dtype || !shape || !offsets)
        return err_out(err, errlen, "tensor '%.80s': missing field '%s'", t->name,
                       !dtype ? "dtype" : !shape ? "shape" : "data_offsets");
    if (dtype->type != JSON_STRING) return err_out(err, errlen, "tensor '%.80s': dtype is not a string", t->name);
    t->dtype = ST_N_DTYPES;
    for (int d = 0; d < ST_N_DTYPES; d++)
        if (strcmp(dtype->str, DTYPES[d].name) == 0) t->dtype = (StDtype)d;
    if (t->dtype == ST_N_DTYPES)
        return err_out(err, errlen, "tensor '%.80s': unknown dtype '%.20s'", t->name, dtype->str);
    if (shape->type != JSON_ARRAY) return err_out(err, errlen, "tensor '%.80s': shape is not an array", t->name);
    if (shape->count > ST_MAX_DIMS)
        return err_out(err, errlen, "tensor '%.80s': %d dimensions, at most %d supported", t->name,
                       shape->count, ST_MAX_DIMS);
    // Elements times element size, watching for overflow (a zero anywhere makes it 0).
    uint64_t bytes = st_dtype_size(t->dtype);
    int zero = 0, overflow = 0;
    t->ndim = 0;
    for (const JsonNode *d = json_first(doc, shape); d; d = json_next(doc, d)) {
        uint64_t v;
        if (!json_as_u64(d, &v))
            return err_out(err, errlen, "tensor '%.80s': shape entries must be non-negative integers", t->name);
        t->shape[t->ndim++] = v;
        if (v == 0) zero = 1;
        else if (bytes > UINT64_MAX / v) overflow = 1;
        else bytes *= v;
    }
    if (zero) bytes = 0;
    else if (overflow) return err_out(err, errlen, "tensor '%.80s': the shape's byte count overflows 64 bits", t->name);
    uint64_t b, en;
    if (offsets->type != JSON_ARRAY || offsets->count != 2 || !json_as_u64(json_first(doc, offsets), &b) ||
        !json_as_u64(json_next(doc, json_first(doc, offsets)), &en))
        return err_out(err, errlen, "tensor '%.80s': data_offsets must be [begin, end], two non-negative integers", t->name);
    if (b > en)
        return err_out(err, errlen, "tensor '%.80s': data_offsets [%llu, %llu] end before they begin", t->name,
                       (unsigned long long)b, (unsigned long long)en);
    if (en > data_len)
        return err_out(err, errlen, "tensor '%.80s': data_offsets [%llu, %llu] out of range: the data section "
                       "has %llu bytes (file truncated?)", t->name, (unsigned long long)b, (unsigned long long)en,
                       (unsigned long long)data_len);
    if (en - b != bytes)
        return err_out(err, errlen, "tensor '%.80s': data_offsets [%llu, %llu] hold %llu bytes but shape "
                       "and dtype %s need %llu", t->name, (unsigned long long)b, (unsigned long long)en,
                       (unsigned long long)(en - b), DTYPES[t->dtype].name, (unsigned long long)bytes);
    t->begin = b;
    t->end = en;
    return 1;
}

static int by_offset(const void *a, const void *b) {
    const StTensor *x = *(const StTensor *const *)a, *y = *(const StTensor *const *)b;
    if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
    if (x->end != y->end) return x->end < y->end ? -1 : 1;
    return 0;
}

// The tensors must tile [0, data_len) exactly.
static int check_tiling(StFile *f, uint64_t data_len, char *err, size_t errlen) {
    const StTensor **sorted = xmalloc(sizeof(StTensor *) * (size_t)(f->n ? f->n : 1));
    for (int i = 0; i < f->n; i++) sorted[i] = &f->tensors[i];
    qsort(sorted, (size_t)f->n, sizeof *sorted, by_offset);
    uint64_t at = 0;
    int ok = 1;
    for (int i = 0; i < f->n && ok; i++) {
        const StTensor *t = sorted[i];
        if (t->begin < at)
            ok = err_out(err, errlen, "tensors '%.60s' and '%.60s' overlap (data_offsets [%llu, %llu] and "
                         "[%llu, %llu])", sorted[i - 1]->name, t->name, (unsigned long long)sorted[i - 1]->begin,
                         (unsigned long long)sorted[i - 1]->end, (unsigned long long)t->begin,
                         (unsigned long long)t->end);
        else if (t->begin > at)
            ok = err_out(err, errlen, "bytes [%llu, %llu) of the data section belong to no tensor",
                         (unsigned long long)at, (unsigned long long)t->begin);
        at = t->end;
    }
    if (ok && at != data_len)
        ok = err_out(err, errlen, "the data section has %llu bytes after the last tensor",
                     (unsigned long long)(data_len - at));
    free(sorted);
    return ok;
}

static uint64_t header_length(const unsigned char *b) {
    uint64_t n = 0;
    for (int k = 7; k >= 0; k--) n = (n << 8) | b[k];
    return n;
}

// The header length n must fit the limit and the file (of `size` bytes, 8 of them for n).
static int check_header_length(uint64_t n, uint64_t size, char *err, size_t errlen) {
    if (n > ST_MAX_HEADER_BYTES)
        return err_out(err, errlen, "header length %llu is over the limit of %u bytes (not a safetensors file?)",
                       (unsigned long long)n, ST_MAX_HEADER_BYTES);
    if (n > size - 8)
        return err_out(err, errlen, "file is truncated: the header length is %llu bytes but only %llu follow",
                       (unsigned long long)n, (unsigned long long)(size - 8));
    return 1;
}

int st_parse(StFile *f, const unsigned char *bytes, size_t size, char *err, size_t errlen) {
    memset(f, 0, sizeof *f);
    if (size < 8)
        return err_out(err, errlen, "file is truncated: %zu bytes, too short for the 8-byte header length", size);
    uint64_t n = header_length(bytes);
    if (!check_header_length(n, size, err, errlen)) return 0;
    char why[256];
    if (!json_parse(&f->header, (const char *)bytes + 8, (size_t)n, why, sizeof why))
        return err_out(err, errlen, "header is not valid JSON: %s", why);
    const JsonNode *root = json_root(&f->header);
    if (root->type != JSON_OBJECT) {
        err_out(err, errlen, "header is a JSON %s, expected an object", json_type_name(root->type));
        st_free(f);
        return 0;
    }
    uint64_t data_len = size - 8 - n;
    f->tensors = xcalloc((size_t)(root->count ? root->count : 1), sizeof(StTensor));
    int ok = 1;
    for (const JsonNode *e = json_first(&f->header, root); e && ok; e = json_next(&f->header, e)) {
        if (strcmp(e->key, "__metadata__") == 0 && e->key_len == 12) {
            if (e->type != JSON_OBJECT) {
                ok = err_out(err, errlen, "__metadata__ is a JSON %s, expected an object of strings",
                             json_type_name(e->type));
                break;
            }
            for (const JsonNode *m = json_first(&f->header, e); m && ok; m = json_next(&f->header, m))
                if (m->type != JSON_STRING)
                    ok = err_out(err, errlen, "__metadata__ value '%.60s' is a JSON %s, expected a string",
                                 m->key, json_type_name(m->type));
            f->metadata = e;
            continue;
        }
        StTensor *t = &f->tensors[f->n];
        ok = parse_entry(&f->header, e, t, data_len, err, errlen);
        if (ok) {
            t->data = bytes + 8 + n + t->begin;
            f->n++;
        }
    }
    if (ok) ok = check_tiling(f, data_len, err, errlen);
    if (!ok) st_free(f);
    return ok;
}

int st_read(StFile *f, const char *path, char *err, size_t errlen) {
    memset(f, 0, sizeof *f);
    FILE *fp = fopen(path, "rb");
    if (!fp) return err_out(err, errlen, "cannot open %s: %s", path, strerror(errno));
    // The size, then the header length, before anything big is allocated.
    struct stat st;
    if (fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(fp);
        return err_out(err, errlen, "cannot read %s: not a regular file", path);
    }
    off_t size = st.st_size;
    unsigned char head[8];
    size_t got = fread(head, 1, 8, fp);
    char why[512];
    if (got == 8 && !check_header_length(header_length(head), (uint64_t)size, why, sizeof why)) {
        fclose(fp);
        return err_out(err, errlen, "%s: %s", path, why);
    }
    unsigned char *bytes = xmalloc((size_t)size + 1);
    memcpy(bytes, head, got);
    size_t rest = (size_t)size - got;
    if (got == 8 && fread(bytes + 8, 1, rest, fp) != rest) {
        const char *why_not = ferror(fp) ? strerror(errno) : "the file shrank while being read";
        err_out(err, errlen, "cannot read %s: %s", path, why_not);
        fclose(fp);
        free(bytes);
        return 0;
    }
    fclose(fp);
    if (!st_parse(f, bytes, (size_t)size, why, sizeof why)) {
        free(bytes);
        return err_out(err, errlen, "%s: %s", path, why);
    }
    f->owned = bytes;
    return 1;
}

void st_free(StFile *f) {
    json_free(&f->header);
    free(f->tensors);
    free(f->owned);
    memset(f, 0, sizeof *f);
}

const StTensor *st_find(const StFile *f, const char *name) {
    for (int i = 0; i < f->n; i++)
        if (strcmp(f->tensors[i].name, name) == 0) return &f->tensors[i];
    return NULL;
}

const char *st_meta(const StFile *f, const char *key) {
    const JsonNode *m = json_get(&f->header, f->metadata, key);
    return m ? m->str : NULL;
}

// ---- writing ------------------------------------------------------------------------------

void stw_init(StWriter *w) { memset(w, 0, sizeof *w); }

void stw_free(StWriter *w) {
    for (int i = 0; i < w->n; i++) free(w->t[i].name);
    for (int i = 0; i < 2 * w->n_meta; i++) free(w->meta[i]);
    free(w->t);
    free(w->meta);
    memset(w, 0, sizeof *w);
}

void stw_meta(StWriter *w, const char *key, const char *value) {
    if (w->n_meta == w->cap_meta) {
        w->cap_meta = w->cap_meta ? 2 * w->cap_meta : 16;
        w->meta = xrealloc(w->meta, sizeof(char *) * 2 * (size_t)w->cap_meta);
    }
    w->meta[2 * w->n_meta] = xstrdup(key);
    w->meta[2 * w->n_meta + 1] = xstrdup(value);
    w->n_meta++;
}

void stw_tensor(StWriter *w, const char *name, StDtype dtype, int ndim, const uint64_t *shape,
                const void *data) {
    if (ndim < 0 || ndim > ST_MAX_DIMS) die("stw_tensor: '%s' has %d dimensions (at most %d)", name, ndim, ST_MAX_DIMS);
    if (w->n == w->cap) {
        w->cap = w->cap ? 2 * w->cap : 16;
        w->t = xrealloc(w->t, sizeof(StOut) * (size_t)w->cap);
    }
    StOut *t = &w->t[w->n++];
    memset(t, 0, sizeof *t);
    t->name = xstrdup(name);
    t->dtype = dtype;
    t->ndim = ndim;
    for (int k = 0; k < ndim; k++) t->shape[k] = shape[k];
    t->data = data;
}

static uint64_t out_bytes(const StOut *t) {
    uint64_t n = st_dtype_size(t->dtype);
    for (int k = 0; k < t->ndim; k++) n *= t->shape[k];
    return n;
}

int stw_write(const StWriter *w, const char *path, char *err, size_t errlen) {
    // Names must be unique and must not be the metadata key.
    for (int i = 0; i < w->n; i++) {
        if (strcmp(w->t[i].name, "__metadata__") == 0)
            return err_out(err, errlen, "cannot write %s: '__metadata__' is not a tensor name", path);
        for (int j = 0; j < i; j++)
            if (strcmp(w->t[i].name, w->t[j].name) == 0)
                return err_out(err, errlen, "cannot write %s: tensor '%s' appears twice", path, w->t[i].name);
    }
    StrBuf h;
    sb_init(&h);
    sb_puts(&h, "{");
    if (w->n_meta > 0) {
        sb_puts(&h, "\"__metadata__\":{");
        for (int i = 0; i < w->n_meta; i++) {
            if (i) sb_puts(&h, ",");
            json_write_string(&h, w->meta[2 * i], strlen(w->meta[2 * i]));
            sb_puts(&h, ":");
            json_write_string(&h, w->meta[2 * i + 1], strlen(w->meta[2 * i + 1]));
        }
        sb_puts(&h, "}");
    }
    uint64_t offset = 0;
    for (int i = 0; i < w->n; i++) {
        const StOut *t = &w->t[i];
        if (i || w->n_meta > 0) sb_puts(&h, ",");
        json_write_string(&h, t->name, strlen(t->name));
        sb_printf(&h, ":{\"dtype\":\"%s\",\"shape\":[", st_dtype_name(t->dtype));
        for (int k = 0; k < t->ndim; k++) sb_printf(&h, "%s%llu", k ? "," : "", (unsigned long long)t->shape[k]);
        uint64_t n = out_bytes(t);
        sb_printf(&h, "],\"data_offsets\":[%llu,%llu]}", (unsigned long long)offset,
                  (unsigned long long)(offset + n));
        offset += n;
    }
    sb_puts(&h, "}");
    while (h.len % 8 != 0) sb_puts(&h, " ");  // so the data section starts 8-aligned

    AtomicFile af;
    if (!atomic_open(&af, path, err, errlen)) {
        sb_free(&h);
        return 0;
    }
    unsigned char len_le[8];
    for (int k = 0; k < 8; k++) len_le[k] = (unsigned char)((uint64_t)h.len >> (8 * k));
    fwrite(len_le, 1, 8, af.fp);
    fwrite(h.s, 1, h.len, af.fp);
    sb_free(&h);
    unsigned char chunk[4096];
    for (int i = 0; i < w->n; i++) {
        const StOut *t = &w->t[i];
        size_t size = st_dtype_size(t->dtype), count = (size_t)(out_bytes(t) / size);
        const unsigned char *src = t->data;
        for (size_t done = 0; done < count;) {  // through a small buffer, in file byte order
            size_t m = count - done < sizeof chunk / size ? count - done : sizeof chunk / size;
            copy_le(chunk, src + done * size, m, size);
            fwrite(chunk, size, m, af.fp);
            done += m;
        }
    }
    return atomic_commit(&af, err, errlen);
}
