// tokenizer.c: see tokenizer.h. Introduced in issue 6 (data pipeline).
#include "tokenizer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"
#include "util.h"

// ---- the token list -----------------------------------------------------------------------

void tokens_init(Tokens *t) { memset(t, 0, sizeof *t); }

void tokens_clear(Tokens *t) {
    t->n = 0;
    t->len = 0;
}

void tokens_free(Tokens *t) {
    free(t->text);
    free(t->start);
    memset(t, 0, sizeof *t);
}

static void text_reserve(Tokens *t, size_t extra) {
    if (t->len + extra <= t->cap) return;
    size_t cap = t->cap ? t->cap : 256;
    while (cap < t->len + extra) cap *= 2;
    t->text = xrealloc(t->text, cap);
    t->cap = cap;
}

static void text_append(Tokens *t, const char *s, size_t len) {
    text_reserve(t, len);
    memcpy(t->text + t->len, s, len);
    t->len += len;
}

// Close the token that started at byte `begin`: add its '\0' and record it.
static void token_finish(Tokens *t, size_t begin) {
    text_append(t, "", 1);
    if (t->n == t->start_cap) {
        t->start_cap = t->start_cap ? 2 * t->start_cap : 64;
        t->start = xrealloc(t->start, sizeof(size_t) * (size_t)t->start_cap);
    }
    t->start[t->n++] = begin;
}

void tokens_push(Tokens *t, const char *s, size_t len) {
    size_t begin = t->len;
    text_append(t, s, len);
    token_finish(t, begin);
}

// ---- character classes --------------------------------------------------------------------

uint32_t unicode_tolower(uint32_t c) {
    if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
    if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 32;           // À..Þ (not ×)
    if (c == 0x1E9E) return 0xDF;                                       // ẞ -> ß
    // Latin Extended-A: upper/lower pairs, upper first; the parity flips twice.
    if ((c >= 0x100 && c <= 0x12F) || (c >= 0x132 && c <= 0x137) || (c >= 0x14A && c <= 0x177))
        return (c % 2 == 0) ? c + 1 : c;
    if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) return (c % 2 == 1) ? c + 1 : c;
    if (c == 0x130) return 'i';                                         // İ
    if (c == 0x178) return 0xFF;                                        // Ÿ -> ÿ
    if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) return c + 32;          // Greek
    if (c == 0x386) return 0x3AC;
    if (c >= 0x388 && c <= 0x38A) return c + 37;
    if (c == 0x38C) return 0x3CC;
    if (c == 0x38E || c == 0x38F) return c + 63;
    if (c >= 0x410 && c <= 0x42F) return c + 32;                        // Cyrillic
    if (c >= 0x400 && c <= 0x40F) return c + 80;
    return c;
}

static int is_space(uint32_t c) {
    return c == ' ' || (c >= '\t' && c <= '\r') || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200B) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
           c == 0x205F || c == 0x3000 || c == 0xFEFF;
}

static int is_punct(uint32_t c) {
    if (c < 0x80)
        return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') ||
               (c >= '{' && c <= '~');
    if (c >= 0xA1 && c <= 0xBF)  // Latin-1 signs, except ª ² ³ µ ¹ º ¼ ½ ¾
        return !(c == 0xAA || c == 0xB2 || c == 0xB3 || c == 0xB5 || c == 0xB9 || c == 0xBA ||
                 (c >= 0xBC && c <= 0xBE));
    return c == 0xD7 || c == 0xF7 || (c >= 0x2010 && c <= 0x2027) ||
           (c >= 0x2030 && c <= 0x205E) || (c >= 0x20A0 && c <= 0x20CF) ||
           (c >= 0x3001 && c <= 0x303F);
}

static int is_digit(uint32_t c) { return c >= '0' && c <= '9'; }
static int is_apostrophe(uint32_t c) { return c == '\'' || c == 0x2019; }
// A letter, for the hyphen and apostrophe rules: anything that is not a space,
// punctuation, a control character or an ASCII digit.
static int is_letter(uint32_t c) { return c >= 0x20 && !is_space(c) && !is_punct(c) && !is_digit(c); }

// ---- the three modes ----------------------------------------------------------------------

// The code point after position i (0 at the end; the text is already validated).
static uint32_t peek(const char *s, size_t len, size_t i) {
    uint32_t cp = 0;
    if (i < len && utf8_decode(s + i, len - i, &cp) == 0) cp = 0;
    return cp;
}

static void append_cp(Tokens *t, uint32_t cp) {
    char buf[4];
    int n = utf8_encode(cp, buf);
    text_append(t, buf, (size_t)n);
}

static void tokenize_words(Tokens *out, const char *s, size_t len) {
    int in_word = 0;       // a word is open; it started at byte word_begin of out->text
    size_t word_begin = 0;
    uint32_t last = 0;     // the last code point put into the open word
    size_t i = 0;
    while (i < len) {
        uint32_t c;
        int w = utf8_decode(s + i, len - i, &c);
        uint32_t next = peek(s, len, i + (size_t)w);
        i += (size_t)w;
        if (is_space(c)) {
            if (in_word) token_finish(out, word_begin);
            in_word = 0;
            continue;
        }
        if (is_apostrophe(c) && in_word && (is_letter(last) || is_digit(last)) && is_letter(next)) {
            // A clitic: "man's" -> man 's. For n't the n moves over: "don't" -> do n't.
            uint32_t after = peek(s, len, i + 1);
            int nt = last == 'n' && next == 't' && !is_letter(after) && !is_digit(after) &&
                     out->len - word_begin > 1;
            if (nt) out->len--;  // take the 'n' off "don"
            token_finish(out, word_begin);
            word_begin = out->len;
            if (nt) text_append(out, "n", 1);
            text_append(out, "'", 1);
            last = '\'';
            continue;
        }
        if (c == '-' && in_word && is_letter(last) && is_letter(next)) {
            text_append(out, "-", 1);  // a hyphenated word stays one token
            last = c;
            continue;
        }
        if (is_punct(c)) {
            if (in_word) token_finish(out, word_begin);
            in_word = 0;
            size_t begin = out->len;
            if (is_apostrophe(c)) text_append(out, "'", 1);
            else append_cp(out, c);
            token_finish(out, begin);
            continue;
        }
        if (!in_word) {
            in_word = 1;
            word_begin = out->len;
        }
        last = unicode_tolower(c);
        append_cp(out, last);
    }
    if (in_word) token_finish(out, word_begin);
}

static void tokenize_whitespace(Tokens *out, const char *s, size_t len) {
    size_t i = 0;
    while (i < len) {
        while (i < len && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r'))) i++;
        size_t begin = i;
        while (i < len && !(s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r'))) i++;
        if (i > begin) tokens_push(out, s + begin, i - begin);
    }
}

static void tokenize_chars(Tokens *out, const char *s, size_t len) {
    int pending_space = 0;
    size_t i = 0;
    while (i < len) {
        uint32_t c;
        int w = utf8_decode(s + i, len - i, &c);
        if (is_space(c)) {
            pending_space = out->n > 0;  // never a leading space token
        } else {
            if (pending_space) tokens_push(out, "\xE2\x96\x81", 3);  // ▁
            pending_space = 0;
            tokens_push(out, s + i, (size_t)w);
        }
        i += (size_t)w;
    }
}

int tokenize(Tokens *out, const char *text, size_t len, TokenizeMode mode, char *err,
             size_t errlen) {
    const void *nul = memchr(text, '\0', len);
    if (nul) {
        if (err) snprintf(err, errlen, "NUL byte at column %zu", (size_t)((const char *)nul - text) + 1);
        return -1;
    }
    size_t valid = utf8_valid_prefix(text, len);
    if (valid < len) {
        if (err) snprintf(err, errlen, "invalid UTF-8 (byte 0x%02x at column %zu)",
                          (unsigned char)text[valid], valid + 1);
        return -1;
    }
    int before = out->n;
    if (mode == TOKENIZE_WORDS) tokenize_words(out, text, len);
    else if (mode == TOKENIZE_WHITESPACE) tokenize_whitespace(out, text, len);
    else tokenize_chars(out, text, len);
    return out->n - before;
}
