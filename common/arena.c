// arena.c: see arena.h. Introduced in the foundation (issue 2).
#include "arena.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

void arena_init(Arena *a, const char *name, size_t capacity) {
    a->name = name;
    a->capacity = capacity;
    a->used = 0;
    a->high_water = 0;
    // aligned_alloc wants a size that is a multiple of the alignment.
    size_t rounded = (capacity + ARENA_ALIGN - 1) / ARENA_ALIGN * ARENA_ALIGN;
    a->base = aligned_alloc(ARENA_ALIGN, rounded ? rounded : ARENA_ALIGN);
    if (!a->base) die("cannot reserve %zu bytes for the %s arena", capacity, name);
}

void arena_free(Arena *a) {
    free(a->base);
    a->base = NULL;
    a->capacity = a->used = 0;
}

void *arena_alloc(Arena *a, size_t bytes) {
    size_t start = (a->used + ARENA_ALIGN - 1) / ARENA_ALIGN * ARENA_ALIGN;
    if (start + bytes > a->capacity)
        die("the %s arena is full: this step needs more than %zu bytes but the arena has %zu "
            "(HINT: raise its size, e.g. with --arena-mb)",
            a->name, start + bytes, a->capacity);
    a->used = start + bytes;
    if (a->used > a->high_water) a->high_water = a->used;
    return a->base + start;
}

void *arena_calloc(Arena *a, size_t bytes) {
    void *p = arena_alloc(a, bytes);
    memset(p, 0, bytes);
    return p;
}

void arena_reset(Arena *a) { a->used = 0; }
