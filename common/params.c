// params.c: see params.h. Introduced in the foundation (issue 2).
#include "params.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define PARAM_ALIGN_FLOATS 16  // 64 bytes

void params_init(Params *p) { memset(p, 0, sizeof *p); }

void params_free(Params *p) {
    for (int i = 0; i < p->n; i++) {
        free((char *)p->list[i]->name);
        free(p->list[i]);
    }
    free(p->list);
    free(p->data);
    free(p->grad);
    memset(p, 0, sizeof *p);
}

static float *grow_buffer(float *old, size_t used, size_t capacity) {
    float *fresh = aligned_alloc(64, capacity * sizeof(float));
    if (!fresh) die("out of memory growing the parameters to %zu floats", capacity);
    if (used) memcpy(fresh, old, used * sizeof(float));
    memset(fresh + used, 0, (capacity - used) * sizeof(float));
    free(old);
    return fresh;
}

Tensor *params_new(Params *p, int ndim, const int *shape, const char *fmt, ...) {
    char name[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(name, sizeof name, fmt, ap);
    va_end(ap);
    if (params_find(p, name)) die("parameter '%s' is declared twice", name);

    size_t count = (size_t)shape_size(ndim, shape);
    size_t start = (p->size + PARAM_ALIGN_FLOATS - 1) / PARAM_ALIGN_FLOATS * PARAM_ALIGN_FLOATS;
    if (start + count > p->capacity) {
        size_t cap = p->capacity ? p->capacity : 4096;
        while (cap < start + count) cap *= 2;
        cap = (cap + PARAM_ALIGN_FLOATS - 1) / PARAM_ALIGN_FLOATS * PARAM_ALIGN_FLOATS;
        float *old_data = p->data, *old_grad = p->grad;
        p->data = grow_buffer(p->data, p->size, cap);
        p->grad = grow_buffer(p->grad, p->size, cap);
        p->capacity = cap;
        // The buffers moved: point every existing tensor at its new home.
        for (int i = 0; i < p->n; i++) {
            Tensor *t = p->list[i];
            t->data = p->data + (t->data - old_data);
            t->grad = p->grad + (t->grad - old_grad);
        }
    }
    if (p->n == p->cap) {
        p->cap = p->cap ? 2 * p->cap : 16;
        p->list = xrealloc(p->list, sizeof(Tensor *) * (size_t)p->cap);
    }
    Tensor *t = xcalloc(1, sizeof(Tensor));
    t->ndim = ndim;
    memcpy(t->shape, shape, sizeof(int) * (size_t)ndim);
    t->size = (int)count;
    t->data = p->data + start;
    t->grad = p->grad + start;
    t->name = xstrdup(name);
    p->size = start + count;
    p->list[p->n++] = t;
    return t;
}

Tensor *params_find(const Params *p, const char *name) {
    for (int i = 0; i < p->n; i++)
        if (strcmp(p->list[i]->name, name) == 0) return p->list[i];
    return NULL;
}

void params_zero_grad(Params *p) {
    if (p->size) memset(p->grad, 0, p->size * sizeof(float));
}

size_t params_count(const Params *p) {
    size_t n = 0;
    for (int i = 0; i < p->n; i++) n += (size_t)p->list[i]->size;
    return n;
}
