// fuzz_bleu.c: what bin/bleu does with its two files (tools/bleu.c), short of printing.
// Introduced in issue 13 (hardening).
//
// bin/bleu reads REFERENCE and HYPOTHESIS with corpus_load (whitespace tokens, empty lines
// allowed), feeds every pair to bleu_add_tokens and formats bleu_compute's result. That loop
// lives in tools/bleu.c's main(), so it is repeated here line for line, over the same common/
// functions. Input: byte 0 is unused (kept so inputs can be shared with fuzz_corpus), byte 1
// splits the rest into the reference and the hypothesis.
// Checked promises: corpus_load fails with one line naming a file, or every score is a
// number in [0, 1] (sentence BLEU too) and the lengths add up.
#include "fuzz_util.h"

#include <math.h>

#include "bleu.h"
#include "corpus.h"

static int fuzz_bleu(const uint8_t *data, size_t size) {
    FuzzSplit s;
    if (!fuzz_split(&s, data, size)) return 0;
    const char *ref_path = fuzz_scratch_path("bleu.ref"), *hyp_path = fuzz_scratch_path("bleu.hyp");
    fuzz_write_file(ref_path, s.a, s.a_len);
    fuzz_write_file(hyp_path, s.b, s.b_len);

    // From here on as in tools/bleu.c.
    CorpusOptions opt = {.mode = TOKENIZE_WHITESPACE, .allow_empty = 1};
    Corpus c;
    char err[1024];
    if (!corpus_load(&c, hyp_path, ref_path, &opt, err, sizeof err)) {
        FUZZ_CHECK(fuzz_one_line(err));
        FUZZ_CHECK(strstr(err, ref_path) || strstr(err, hyp_path));
        return 0;
    }
    BleuStats st = {0};
    const char **hyp = NULL, **ref = NULL;
    int cap = 0;
    long long hyp_total = 0, ref_total = 0;
    for (int i = 0; i < c.n; i++) {
        int hn = corpus_len(&c, CORPUS_SRC, i), rn = corpus_len(&c, CORPUS_TGT, i);
        if (hn > cap || rn > cap) {
            cap = 2 * (hn > rn ? hn : rn);
            hyp = realloc(hyp, sizeof(char *) * (size_t)cap);
            ref = realloc(ref, sizeof(char *) * (size_t)cap);
            FUZZ_CHECK(hyp && ref);
        }
        for (int k = 0; k < hn; k++) hyp[k] = corpus_token(&c, CORPUS_SRC, i, k);
        for (int k = 0; k < rn; k++) ref[k] = corpus_token(&c, CORPUS_TGT, i, k);
        bleu_add_tokens(&st, hyp, hn, ref, rn);
        double sb = sentence_bleu_tokens(hyp, hn, ref, rn);
        FUZZ_CHECK(sb >= 0.0 && sb <= 1.0 + 1e-12);
        hyp_total += hn;
        ref_total += rn;
    }
    FUZZ_CHECK(st.hyp_len == hyp_total && st.ref_len == ref_total);
    for (int n = 0; n < 4; n++) FUZZ_CHECK(st.match[n] >= 0 && st.match[n] <= st.total[n]);
    if (st.ref_len > 0) {   // bin/bleu refuses a reference without tokens
        Bleu b = bleu_compute(&st);
        FUZZ_CHECK(b.bleu >= 0.0 && b.bleu <= 1.0 + 1e-12);
        FUZZ_CHECK(b.bp >= 0.0 && b.bp <= 1.0);
        for (int n = 0; n < 4; n++) FUZZ_CHECK(b.precision[n] >= 0.0 && b.precision[n] <= 1.0);
        FUZZ_CHECK(isfinite(b.ratio));
        char line[256];
        bleu_format(&b, line, sizeof line);
        FUZZ_CHECK(strncmp(line, "BLEU = ", 7) == 0 && strchr(line, '\n') == NULL);
    }
    free(hyp);
    free(ref);
    corpus_free(&c);
    return 0;
}

FUZZ_ENTRY(fuzz_bleu)
