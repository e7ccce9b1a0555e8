// util.h: checked system calls and one-line fatal errors.
// Introduced in the foundation (issue 2).
//
// Every failure in unrolled ends the program with ONE line on stderr that names the file or
// flag and the problem, and a non-zero exit status. The x* wrappers below do that for the
// system calls that can fail (llm.c's utils.h is the model): they pass __FILE__ and __LINE__
// so a programmer can find the call, and take an optional HINT for the user.
#ifndef UNROLLED_UTIL_H
#define UNROLLED_UTIL_H

#include <stddef.h>
#include <stdio.h>

// Exit codes used across the project.
enum { EXIT_USAGE = 2, EXIT_RUNTIME = 1 };

// Print "unrolled: <message>" (printf-style) on one line to stderr and exit(EXIT_RUNTIME).
_Noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

// The program name that die() prefixes (default "unrolled"); chapters set their own.
void set_program_name(const char *name);
const char *program_name(void);

void *xmalloc_at(size_t n, const char *file, int line);
void *xcalloc_at(size_t count, size_t size, const char *file, int line);
void *xrealloc_at(void *p, size_t n, const char *file, int line);
char *xstrdup_at(const char *s, const char *file, int line);
#define xmalloc(n) xmalloc_at((n), __FILE__, __LINE__)
#define xcalloc(c, s) xcalloc_at((c), (s), __FILE__, __LINE__)
#define xrealloc(p, n) xrealloc_at((p), (n), __FILE__, __LINE__)
#define xstrdup(s) xstrdup_at((s), __FILE__, __LINE__)

// Keep an error message to one line: each control character in msg (a "\n" inside a tensor
// name or a vocabulary token read from a file) becomes '?'. Returns msg. Introduced in issue
// 13 (found by tests/fuzz/fuzz_vocab.c); the error paths of json.c, vocab.c, safetensors.c
// and checkpoint.c put every message through it.
char *one_line(char *msg);

#endif
