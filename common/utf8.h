// utf8.h: strict UTF-8 decoding, validation and encoding.
// Introduced in issue 6 (data pipeline); the tokenizer, the corpus loader and the JSON
// reader all read UTF-8 through these three functions, so they agree on what is valid.
//
// "Valid" is RFC 3629: at most 4 bytes, no overlong forms (C0 80 for NUL), no UTF-16
// surrogates (U+D800..U+DFFF) and nothing above U+10FFFF.
#ifndef UNROLLED_UTF8_H
#define UNROLLED_UTF8_H

#include <stddef.h>
#include <stdint.h>

// Decode the code point that starts at s[0] (n bytes available). Returns its length in
// bytes (1..4) and stores it in *cp, or returns 0 when the bytes there are not valid UTF-8.
int utf8_decode(const char *s, size_t n, uint32_t *cp);

// Length of the longest valid prefix of s: n when all of s is valid. So
// `utf8_valid_prefix(s, n) == n` is the validity test and its value otherwise is the byte
// offset to report.
size_t utf8_valid_prefix(const char *s, size_t n);

// Write code point cp (must be <= U+10FFFF and not a surrogate) into out[0..3]; returns
// the number of bytes written, 0 when cp is not encodable.
int utf8_encode(uint32_t cp, char out[4]);

// Characters (code points) in the NUL-terminated s, counting every byte that does not continue
// a sequence: what a terminal column or a line of text is measured in ("fährt" is 5).
int utf8_count(const char *s);

#endif
