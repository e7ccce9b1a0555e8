// tokenizer.h: one line of UTF-8 text -> a list of tokens (a "spaCy-lite").
// Introduced in issue 6 (data pipeline).
//
//     Tokens toks;  tokens_init(&toks);
//     tokenize(&toks, "Ein Mann fährt Fahrrad.", 24, TOKENIZE_WORDS, err, sizeof err);
//     // toks: "ein" "mann" "fährt" "fahrrad" "."
//
// TOKENIZE_WORDS, the rules, in the order they apply:
//   * Invalid UTF-8 (see utf8.h) and NUL bytes are errors; nothing is guessed.
//   * Everything is lowercased: ASCII, Latin-1 (Ä->ä, Ö->ö, Ü->ü, É->é), Latin Extended-A,
//     basic Greek and Cyrillic, and the capital sharp s ẞ->ß. ß, ä, ö, ü stay as they are.
//     Other scripts are left unchanged.
//   * Whitespace (ASCII, no-break space, the U+2000 spaces, U+3000, zero-width space and a
//     stray BOM) separates tokens and is dropped.
//   * Punctuation is a token of its own: every ASCII punctuation character, Latin-1's
//     (¡ ¿ « » § ° ...), general punctuation (– — „ “ ” ‘ … ‰), currency signs (€) and CJK
//     punctuation. "Fahrrad." -> fahrrad . ; "(hallo)" -> ( hallo )
//   * Hyphens: a '-' between two letters stays inside the word ("t-shirt", "hip-hop-tänzer",
//     as German spaCy does; English spaCy would split it). Any other '-' is a token: dates
//     "1998-03-03" -> 1998 - 03 - 03, "3-mar" -> 3 - mar.
//   * Apostrophes (' and ’, which is written as '): after a letter or digit and before a
//     letter they start a clitic token, as in spaCy's English: "man's" -> man 's,
//     "don't" -> do n't, "can't" -> ca n't, "90's" -> 90 's. Elsewhere (quotes) ' is a token.
//   * Numbers: digits and letters together are one word ("3rd", "10am"); '.', ',' and ':'
//     between digits are split off ("3.5" -> 3 . 5, "12:30" -> 12 : 30), so "03.04.1998" is
//     03 . 04 . 1998 (spaCy would keep "3.5" whole; we keep the rule simple and uniform).
// TOKENIZE_WHITESPACE splits at ASCII whitespace only and changes nothing else (for text that
// is already tokenized, e.g. hypotheses for BLEU, as multi-bleu.perl reads them).
// TOKENIZE_CHARS makes every code point a token, unchanged, and every run of whitespace one
// "▁" (U+2581, as SentencePiece writes a space), with none at either end.
#ifndef UNROLLED_TOKENIZER_H
#define UNROLLED_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>

// A growable list of tokens that owns their bytes. Reuse one across lines: tokens_clear
// forgets the tokens and keeps the memory.
typedef struct Tokens {
    int n;             // number of tokens
    char *text;        // every token, each ending in '\0', back to back
    size_t len, cap;   // bytes used / allocated in text
    size_t *start;     // (n) token i is text + start[i]
    int start_cap;
} Tokens;

void tokens_init(Tokens *t);
void tokens_clear(Tokens *t);
void tokens_free(Tokens *t);
void tokens_push(Tokens *t, const char *s, size_t len);  // append one token (copied)
static inline const char *tokens_get(const Tokens *t, int i) { return t->text + t->start[i]; }

typedef enum { TOKENIZE_WORDS, TOKENIZE_WHITESPACE, TOKENIZE_CHARS } TokenizeMode;

// Append the tokens of text[0..len) to out. Returns how many were appended, or -1 with a
// one-line reason in err ("invalid UTF-8 (byte 0xff at column 7)"); out is then unchanged.
int tokenize(Tokens *out, const char *text, size_t len, TokenizeMode mode, char *err,
             size_t errlen);

// The lowercase of one code point (the simple Unicode mapping for the scripts above).
uint32_t unicode_tolower(uint32_t cp);

#endif
