// fixture.c: see fixture.h. The reader checks every length against the bytes that remain, so
// a truncated or corrupt file gives a message, never a read past the end.
#include "fixture.h"

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define FIXTURE_VERSION 1
#define FIXTURE_HINT "HINT: regenerate with `/usr/bin/python3 tests/ref/gen_fixtures.py`"

// A cursor over the file's bytes.
typedef struct Reader {
    const unsigned char *p, *end;
} Reader;

static int read_u32(Reader *r, uint32_t *v) {
    if (r->end - r->p < 4) return 0;
    *v = (uint32_t)r->p[0] | (uint32_t)r->p[1] << 8 | (uint32_t)r->p[2] << 16 | (uint32_t)r->p[3] << 24;
    r->p += 4;
    return 1;
}

static int host_is_little_endian(void) {
    uint32_t one = 1;
    unsigned char first;
    memcpy(&first, &one, 1);
    return first == 1;
}

// Parse the whole buffer into fx. Returns NULL on success, else what went wrong.
static const char *parse(Fixture *fx, const unsigned char *bytes, size_t n, char *why, size_t why_n) {
    Reader r = {bytes, bytes + n};
    uint32_t version, count;
    if (n < 4 || memcmp(bytes, "UNRF", 4) != 0) return "not a fixture file (no UNRF magic)";
    r.p += 4;
    if (!read_u32(&r, &version) || !read_u32(&r, &count)) return "truncated header";
    if (version != FIXTURE_VERSION) {
        snprintf(why, why_n, "format version %u, this reader knows %d", version, FIXTURE_VERSION);
        return why;
    }
    if (count > 100000) return "implausible tensor count";
    fx->tensors = xcalloc(count ? count : 1, sizeof(FixtureTensor));
    for (uint32_t k = 0; k < count; k++) {
        FixtureTensor *t = &fx->tensors[k];
        uint32_t name_len, dtype, ndim;
        if (!read_u32(&r, &name_len) || name_len == 0 || name_len > 1000 ||
            (size_t)(r.end - r.p) < name_len) {
            snprintf(why, why_n, "tensor %u: bad or truncated name", k);
            return why;
        }
        t->name = xmalloc(name_len + 1);
        memcpy(t->name, r.p, name_len);
        t->name[name_len] = '\0';
        r.p += name_len;
        fx->count = (int)k + 1;  // from here on fixture_free releases this tensor
        if (!read_u32(&r, &dtype) || !read_u32(&r, &ndim) || dtype > FIXTURE_I32 || ndim < 1 ||
            ndim > TENSOR_MAX_DIMS) {
            snprintf(why, why_n, "'%s': bad type or number of dimensions", t->name);
            return why;
        }
        t->dtype = (FixtureDtype)dtype;
        t->ndim = (int)ndim;
        long long size = 1;
        for (int d = 0; d < t->ndim; d++) {
            uint32_t dim;
            if (!read_u32(&r, &dim) || dim > 0x7fffffff) {
                snprintf(why, why_n, "'%s': bad or truncated shape", t->name);
                return why;
            }
            t->shape[d] = (int)dim;
            size *= dim;
        }
        if (size > (long long)(r.end - r.p) / 4) {
            snprintf(why, why_n, "'%s': data truncated (%lld values promised)", t->name, size);
            return why;
        }
        t->size = (int)size;
        t->data = xmalloc(4 * (size_t)(size ? size : 1));
        memcpy(t->data, r.p, 4 * (size_t)size);  // little-endian file, little-endian host
        r.p += 4 * size;
    }
    if (r.p != r.end) return "trailing bytes after the last tensor";
    return NULL;
}

Fixture *fixture_load(const char *path) {
    if (!host_is_little_endian()) ck_abort_msg("%s: the fixture reader assumes a little-endian host", path);
    FILE *f = fopen(path, "rb");
    if (!f)
        ck_abort_msg("cannot open fixture %s: %s (the tests run from the project root; %s)", path,
                     strerror(errno), FIXTURE_HINT);
    unsigned char *bytes = NULL;
    size_t n = 0, cap = 0, got;
    do {
        if (n == cap) bytes = xrealloc(bytes, cap = cap ? 2 * cap : 1 << 16);
        got = fread(bytes + n, 1, cap - n, f);
        n += got;
    } while (got > 0);
    int read_error = ferror(f);
    fclose(f);
    if (read_error) {
        free(bytes);
        ck_abort_msg("cannot read fixture %s", path);
    }
    Fixture *fx = xcalloc(1, sizeof(Fixture));
    snprintf(fx->path, sizeof fx->path, "%s", path);
    char why[256];
    const char *err = parse(fx, bytes, n, why, sizeof why);
    free(bytes);
    if (err) {
        char msg[512];
        snprintf(msg, sizeof msg, "fixture %s: %s (%s)", path, err, FIXTURE_HINT);
        fixture_free(fx);
        ck_abort_msg("%s", msg);
    }
    return fx;
}

void fixture_free(Fixture *fx) {
    if (!fx) return;
    for (int k = 0; k < fx->count; k++) {
        free(fx->tensors[k].name);
        free(fx->tensors[k].data);
    }
    free(fx->tensors);
    free(fx);
}

const FixtureTensor *fixture_find(const Fixture *fx, const char *name) {
    for (int k = 0; k < fx->count; k++)
        if (strcmp(fx->tensors[k].name, name) == 0) return &fx->tensors[k];
    return NULL;
}

static void shape_text(char *buf, size_t n, int ndim, const int *shape) {
    size_t at = (size_t)snprintf(buf, n, "(");
    for (int d = 0; d < ndim && at < n; d++) at += (size_t)snprintf(buf + at, n - at, d ? ", %d" : "%d", shape[d]);
    if (at < n) snprintf(buf + at, n - at, ")");
}

static const FixtureTensor *get(const Fixture *fx, const char *name, FixtureDtype dtype, int ndim,
                                const int *shape) {
    const FixtureTensor *t = fixture_find(fx, name);
    if (!t) ck_abort_msg("fixture %s has no tensor '%s' (%s)", fx->path, name, FIXTURE_HINT);
    if (t->dtype != dtype)
        ck_abort_msg("fixture %s: '%s' holds %s, the test wants %s", fx->path, name,
                     t->dtype == FIXTURE_F32 ? "float32" : "int32", dtype == FIXTURE_F32 ? "float32" : "int32");
    int same = !shape || t->ndim == ndim;
    for (int d = 0; same && shape && d < ndim; d++) same = t->shape[d] == shape[d];
    if (!same) {
        char have[64], want[64];
        shape_text(have, sizeof have, t->ndim, t->shape);
        shape_text(want, sizeof want, ndim, shape);
        ck_abort_msg("fixture %s: '%s' has shape %s, the test expects %s", fx->path, name, have, want);
    }
    return t;
}

const float *fixture_floats(const Fixture *fx, const char *name, int ndim, const int *shape) {
    return get(fx, name, FIXTURE_F32, ndim, shape)->data;
}

const int *fixture_ints(const Fixture *fx, const char *name, int ndim, const int *shape) {
    return get(fx, name, FIXTURE_I32, ndim, shape)->data;
}

Tensor *fixture_tensor(Tape *tp, const Fixture *fx, const char *name) {
    const FixtureTensor *t = get(fx, name, FIXTURE_F32, 0, NULL);
    return tensor_from(tp, t->ndim, t->shape, t->data);
}

void fixture_copy_into(const Fixture *fx, const char *name, Tensor *t) {
    const float *values = fixture_floats(fx, name, t->ndim, t->shape);
    memcpy(t->data, values, sizeof(float) * (size_t)t->size);
}
