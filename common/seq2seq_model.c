// seq2seq_model.c: see seq2seq_model.h. Introduced in chapter 04.
#include "seq2seq_model.h"

#include <stdlib.h>
#include <string.h>

#include "init.h"
#include "ops.h"
#include "util.h"
#include "vocab.h"

void seq2seq_config_check(const Seq2SeqConfig *cfg, const char *model) {
    if (cfg->src_vocab <= VOCAB_N_SPECIALS || cfg->tgt_vocab <= VOCAB_N_SPECIALS)
        die("%s: vocabularies of %d and %d tokens hold nothing but the specials", model, cfg->src_vocab,
            cfg->tgt_vocab);
    if (cfg->emb < 1 || cfg->hidden < 1)
        die("%s: --emb %d and --hidden %d must be positive", model, cfg->emb, cfg->hidden);
}

void seq2seq_init_weights(Seq2SeqModel *m, Rng *rng) {
    for (int i = 0; i < m->P.n; i++) {
        if (m->cfg.init_range > 0.0f) init_uniform(m->P.list[i], rng, m->cfg.init_range);
        else if (m->cfg.init_std > 0.0f) init_normal(m->P.list[i], rng, 0.0f, m->cfg.init_std);
    }
}

void seq2seq_delete(Seq2SeqModel *m) {
    if (!m) return;
    params_free(&m->P);
    free(m);   // the chapter's whole model: Seq2SeqModel is its first member
}

void seq2seq_argmax(int *ids, const Tensor *logits) {
    int B = tensor_rows(logits), V = tensor_cols(logits);
    for (int b = 0; b < B; b++) {
        const float *row = logits->data + (size_t)b * V;
        int best = 0;
        for (int v = 1; v < V; v++)
            if (row[v] > row[best]) best = v;
        ids[b] = best;
    }
}

Tensor *seq2seq_loss(Tape *tp, const Seq2SeqModel *m, const int *src, const int *src_len, int S,
                     const int *tgt, int T, int B, float teacher_forcing, Rng *rng) {
    if (T < 2) die("seq2seq_loss: a target needs at least <sos> and <eos> (T = %d)", T);
    if (teacher_forcing > 0.0f && teacher_forcing < 1.0f && !rng)
        die("seq2seq_loss: teacher forcing %g draws random numbers: give it an rng", teacher_forcing);
    void *state = m->ops->encode(tp, m, src, src_len, S, B);   // all the decoder learns of the source

    // N: the target words that count (ids 1 .. T-1 that are not <pad>), for the mean.
    int N = 0;
    for (int i = B; i < T * B; i++) N += tgt[i] != VOCAB_PAD;
    int *input = arena_alloc(&tp->arena, sizeof(int) * (size_t)B);   // (B) ids read at step t
    memcpy(input, tgt, sizeof(int) * (size_t)B);                      // row 0: <sos>
    Tensor *loss = NULL;
    for (int t = 1; t < T; t++) {
        // Step t reads id t-1 and is scored against id t: the shift by one.
        Tensor *logits = m->ops->decode_step(tp, m, input, B, state);   // (B, V_tgt)
        const int *ref = tgt + (size_t)t * B;                            // (B) the words to predict
        int n_t = 0;
        for (int b = 0; b < B; b++) n_t += ref[b] != VOCAB_PAD;
        if (n_t > 0) {
            // mean over this step's n_t words, weighted n_t / N: the mean over all N words
            Tensor *ce = op_cross_entropy(tp, logits, ref, VOCAB_PAD);
            Tensor *term = op_scale(tp, ce, (float)n_t / (float)N);
            loss = loss ? op_add(tp, loss, term) : term;
        }
        if (t == T - 1) break;
        int teacher = teacher_forcing >= 1.0f ||
                      (teacher_forcing > 0.0f && rng_uniform01(rng) < teacher_forcing);
        if (teacher) memcpy(input, ref, sizeof(int) * (size_t)B);   // the reference word
        else seq2seq_argmax(input, logits);                            // its own best guess
    }
    return loss;
}

void seq2seq_greedy(Tape *tp, const Seq2SeqModel *m, const int *src, const int *src_len, int S, int B,
                    int max_len, int *out, int *out_len) {
    int was_training = tp->training;
    tp->training = 0;   // no dropout
    tp->no_grad++;      // record nothing
    void *state = m->ops->encode(tp, m, src, src_len, S, B);
    int *input = arena_alloc(&tp->arena, sizeof(int) * (size_t)B);   // (B)
    char *done = arena_calloc(&tp->arena, (size_t)B);                 // (B) said <eos>
    for (int b = 0; b < B; b++) input[b] = VOCAB_SOS, out_len[b] = 0;
    for (int i = 0; i < max_len * B; i++) out[i] = VOCAB_PAD;
    for (int t = 0; t < max_len; t++) {
        Tensor *logits = m->ops->decode_step(tp, m, input, B, state);   // (B, V_tgt)
        seq2seq_argmax(input, logits);                                  // fed back in next
        int all_done = 1;
        for (int b = 0; b < B; b++) {
            if (done[b]) continue;
            if (input[b] == VOCAB_EOS) done[b] = 1;
            else out[(size_t)t * B + b] = input[b], out_len[b]++;
            all_done &= done[b];
        }
        if (all_done) break;
    }
    tp->no_grad--;
    tp->training = was_training;
}
