// arena.h: bump-pointer memory with a named lifetime.
// Introduced in the foundation (issue 2).
//
// An Arena is one block of memory handed out front to back. Nothing is freed on its own:
// arena_reset() gives the whole block back at once. unrolled uses an arena for everything
// that lives for exactly one training step (activations, their gradients, the tape's saved
// values), so a step can never leak, and memory use after step 1 equals memory use after
// step 1000 (the high-water mark is the proof; tests/check_arena.c asserts it).
//
// On overflow the arena stops the program and says how many bytes were needed and how many
// it has, like ggml does, because a silent reallocation would move tensors under our feet.
#ifndef UNROLLED_ARENA_H
#define UNROLLED_ARENA_H

#include <stddef.h>

typedef struct Arena {
    const char *name;   // shown in the overflow message, e.g. "activations"
    char *base;         // the block
    size_t capacity;    // bytes in the block
    size_t used;        // bytes handed out since the last reset
    size_t high_water;  // the most ever handed out at once
} Arena;

#define ARENA_ALIGN 64  // every allocation starts on a cache line (and a SIMD boundary)

void arena_init(Arena *a, const char *name, size_t capacity);
void arena_free(Arena *a);
// Uninitialised memory, ARENA_ALIGN-aligned. Dies with needed/available bytes on overflow.
void *arena_alloc(Arena *a, size_t bytes);
// Zeroed memory.
void *arena_calloc(Arena *a, size_t bytes);
// Forget every allocation (the memory is reused by the next step).
void arena_reset(Arena *a);

#endif
