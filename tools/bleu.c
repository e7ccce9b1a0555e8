// bleu.c: corpus BLEU-4 of a hypothesis file against a reference file, as multi-bleu.perl.
// Introduced in issue 6 (data pipeline).
//
//     bin/bleu REFERENCE HYPOTHESIS
//     BLEU = 25.31, 61.2/34.1/19.0/11.2 (BP=0.974, ratio=0.974, hyp_len=12113, ref_len=12437)
//
// Both files: one sentence per line, already tokenized (tokens separated by whitespace, no
// lowercasing or splitting here: multi-bleu.perl's convention), line N of one matching line N
// of the other. An empty hypothesis line is allowed (the model said nothing). The formula is
// in common/bleu.h. Exit status: 0, 1 for bad input (one line on stderr), 2 for bad usage.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bleu.h"
#include "corpus.h"
#include "util.h"

int main(int argc, char **argv) {
    set_program_name("bleu");
    if (argc != 3 || argv[1][0] == '-' || argv[2][0] == '-') {
        int help = argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0);
        fprintf(help ? stdout : stderr, "usage: bleu REFERENCE HYPOTHESIS  (one tokenized sentence per line)\n");
        return help ? 0 : EXIT_USAGE;
    }
    // One corpus with the hypotheses as "source" and the references as "target".
    CorpusOptions opt = {.mode = TOKENIZE_WHITESPACE, .allow_empty = 1};
    Corpus c;
    corpus_load_or_die(&c, argv[2], argv[1], &opt);
    BleuStats st = {0};
    const char **hyp = NULL, **ref = NULL;
    int cap = 0;
    for (int i = 0; i < c.n; i++) {
        int hn = corpus_len(&c, CORPUS_SRC, i), rn = corpus_len(&c, CORPUS_TGT, i);
        if (hn > cap || rn > cap) {
            cap = 2 * (hn > rn ? hn : rn);
            hyp = xrealloc(hyp, sizeof(char *) * (size_t)cap);
            ref = xrealloc(ref, sizeof(char *) * (size_t)cap);
        }
        for (int k = 0; k < hn; k++) hyp[k] = corpus_token(&c, CORPUS_SRC, i, k);
        for (int k = 0; k < rn; k++) ref[k] = corpus_token(&c, CORPUS_TGT, i, k);
        bleu_add_tokens(&st, hyp, hn, ref, rn);
    }
    free(hyp);
    free(ref);
    corpus_free(&c);   // before a die(): LeakSanitizer would add its report to the one line
    if (st.ref_len == 0) die("%s: the reference has no tokens", argv[1]);
    Bleu b = bleu_compute(&st);
    char line[256];
    puts(bleu_format(&b, line, sizeof line));
    return 0;
}
