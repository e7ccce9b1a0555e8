// json.h: a small, strict JSON reader and a writer, enough for safetensors headers.
// Introduced in issue 6 (data pipeline).
//
// Reading. json_parse() checks the whole text against RFC 8259 and builds a flat array of
// nodes (no recursion: nesting is tracked with an explicit stack, limited to JSON_MAX_DEPTH
// levels, so a header of 10 million '[' is an error, not a stack overflow). Strict means:
// no trailing commas, no comments, no single quotes, no leading zeros, no NaN, no control
// characters inside strings, no duplicate keys in one object, nothing after the value but
// whitespace, and every string valid UTF-8. \uXXXX escapes are decoded to UTF-8, surrogate
// pairs included; a lone surrogate is an error.
//
//     Json doc;
//     if (!json_parse(&doc, text, len, err, sizeof err)) ...   // err: "expected ':' at byte 17"
//     const JsonNode *shape = json_get(&doc, json_root(&doc), "shape");
//     for (const JsonNode *d = json_first(&doc, shape); d; d = json_next(&doc, d)) ...
//     json_free(&doc);
//
// Writing. StrBuf is a growable string; json_write_string() appends a quoted, escaped string.
#ifndef UNROLLED_JSON_H
#define UNROLLED_JSON_H

#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_DEPTH 64

typedef enum { JSON_NULL, JSON_FALSE, JSON_TRUE, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT } JsonType;

typedef struct JsonNode {
    JsonType type;
    int first;              // ARRAY/OBJECT: index of the first element, -1 when empty
    int next;               // index of the next element of the parent, -1 for the last
    int count;              // ARRAY/OBJECT: number of elements
    const char *key;        // member of an OBJECT: its key (decoded, '\0'-terminated)
    size_t key_len;
    const char *str;        // STRING: decoded UTF-8, '\0'-terminated; NUMBER: its text
    size_t str_len;         // (a string may contain "\u0000": use str_len, not strlen)
    double number;          // NUMBER: its value
    size_t begin, end;      // where the value is in the input text: [begin, end)
} JsonNode;

typedef struct Json {
    JsonNode *nodes;        // node 0 is the root
    int n, cap;
    char *strings;          // every decoded string and number text
} Json;

// Parse text[0..len). Returns 1, or 0 with a one-line reason in err (doc is then empty and
// needs no json_free, though calling it is harmless).
int json_parse(Json *doc, const char *text, size_t len, char *err, size_t errlen);
void json_free(Json *doc);

const JsonNode *json_root(const Json *doc);
const JsonNode *json_first(const Json *doc, const JsonNode *container);  // NULL when empty
const JsonNode *json_next(const Json *doc, const JsonNode *node);        // NULL at the end
// The member of an object with this key, NULL when absent or when obj is not an object.
const JsonNode *json_get(const Json *doc, const JsonNode *obj, const char *key);
// A NUMBER that is a non-negative integer written without fraction or exponent, and fits.
int json_as_u64(const JsonNode *node, uint64_t *out);
const char *json_type_name(JsonType t);   // "string", "object", ...

// ---- writing ------------------------------------------------------------------------------

typedef struct StrBuf {
    char *s;            // always '\0'-terminated once anything was appended
    size_t len, cap;
} StrBuf;

void sb_init(StrBuf *b);
void sb_free(StrBuf *b);
void sb_append(StrBuf *b, const char *s, size_t n);
void sb_puts(StrBuf *b, const char *s);
void sb_printf(StrBuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
// Append s[0..n) as a JSON string: quotes, \" \\ \n \t \r \b \f, other control characters
// as \u00XX; UTF-8 is copied as it is.
void json_write_string(StrBuf *b, const char *s, size_t n);

// A float that reads back bit for bit: %.9g when finite; JSON has no NaN or infinity, so those
// are strings ("inf", "-inf", and "nan 0x7fc00000" with the NaN's bits). Training histories
// use it: a loss that went NaN is part of the lesson. Introduced in chapter 02.
void json_write_float_exact(StrBuf *b, float v);
// Its inverse: 0 when v is none of those forms.
int json_read_float_exact(const JsonNode *v, float *out);

#endif
