// seq2seq.c: see seq2seq.h. Chapter 04.
#include "seq2seq.h"

#include <string.h>

#include "init.h"
#include "ops.h"
#include "util.h"
#include "vocab.h"

void seq2seq_init(Seq2Seq *m, const Seq2SeqConfig *cfg, Rng *rng) {
    memset(m, 0, sizeof *m);
    m->cfg = *cfg;
    if (cfg->src_vocab <= VOCAB_N_SPECIALS || cfg->tgt_vocab <= VOCAB_N_SPECIALS)
        die("seq2seq: vocabularies of %d and %d tokens hold nothing but the specials", cfg->src_vocab,
            cfg->tgt_vocab);
    if (cfg->emb < 1 || cfg->hidden < 1)
        die("seq2seq: --emb %d and --hidden %d must be positive", cfg->emb, cfg->hidden);
    params_init(&m->P);
    // The order PyTorch's Seq2Seq(Encoder, Decoder) lists them in.
    m->enc_emb = embedding_create(&m->P, rng, "encoder.embedding", cfg->src_vocab, cfg->emb);
    m->enc = lstm_create(&m->P, rng, "encoder.rnn", cfg->emb, cfg->hidden, cfg->layers, cfg->dropout);
    m->dec_emb = embedding_create(&m->P, rng, "decoder.embedding", cfg->tgt_vocab, cfg->emb);
    m->dec = lstm_create(&m->P, rng, "decoder.rnn", cfg->emb, cfg->hidden, cfg->layers, cfg->dropout);
    m->fc_out = linear_create(&m->P, rng, "decoder.fc_out", cfg->hidden, cfg->tgt_vocab, 1);
    // Sutskever et al. (and bentrevett's init_weights): every weight and bias U(-0.08, 0.08).
    if (cfg->init_range > 0.0f)
        for (int i = 0; i < m->P.n; i++) init_uniform(m->P.list[i], rng, cfg->init_range);
}

void seq2seq_free(Seq2Seq *m) { params_free(&m->P); }

void seq2seq_encode(Tape *tp, const Seq2Seq *m, const int *src, const int *src_len, int S, int B,
                    Tensor **h_n, Tensor **c_n) {
    Tensor *emb = embedding_forward(tp, &m->enc_emb, src, 2, (int[]){S, B});   // (S, B, E)
    Tensor *x = op_dropout(tp, emb, m->cfg.dropout);                            // (S, B, E)
    // With the lengths, each sentence's state stops changing after its own <eos>, so h_n is
    // the summary of exactly its words, whatever the padding around it.
    LSTMOutput r = lstm_forward(tp, &m->enc, x, src_len, NULL, NULL);
    *h_n = r.h_n;   // (L, B, H)
    *c_n = r.c_n;   // (L, B, H)
}

Tensor *seq2seq_decode_step(Tape *tp, const Seq2Seq *m, const int *ids, int B, LSTMState *state) {
    Tensor *emb = embedding_forward(tp, &m->dec_emb, ids, 1, (int[]){B});   // (B, E)
    Tensor *d = op_dropout(tp, emb, m->cfg.dropout);                         // (B, E)
    Tensor *s = lstm_step(tp, &m->dec, d, state);                            // (B, H), top layer
    return linear_forward(tp, &m->fc_out, s);                                // (B, V_tgt)
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

Tensor *seq2seq_loss(Tape *tp, const Seq2Seq *m, const int *src, const int *src_len, int S,
                     const int *tgt, int T, int B, float teacher_forcing, Rng *rng) {
    if (T < 2) die("seq2seq_loss: a target needs at least <sos> and <eos> (T = %d)", T);
    if (teacher_forcing > 0.0f && teacher_forcing < 1.0f && !rng)
        die("seq2seq_loss: teacher forcing %g draws random numbers: give it an rng", teacher_forcing);
    Tensor *h_n, *c_n;
    seq2seq_encode(tp, m, src, src_len, S, B, &h_n, &c_n);
    // The fixed-size summary (h_n, c_n) is all the decoder ever learns about the source.
    LSTMState state = lstm_state_init(tp, &m->dec, B, h_n, c_n);

    // N: the target words that count (ids 1 .. T-1 that are not <pad>), for the mean.
    int N = 0;
    for (int i = B; i < T * B; i++) N += tgt[i] != VOCAB_PAD;
    int *input = arena_alloc(&tp->arena, sizeof(int) * (size_t)B);   // (B) ids read at step t
    memcpy(input, tgt, sizeof(int) * (size_t)B);                      // row 0: <sos>
    Tensor *loss = NULL;
    for (int t = 1; t < T; t++) {
        // Step t reads id t-1 and is scored against id t: the shift by one.
        Tensor *logits = seq2seq_decode_step(tp, m, input, B, &state);   // (B, V_tgt)
        const int *ref = tgt + (size_t)t * B;                             // (B) the words to predict
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

void seq2seq_greedy(Tape *tp, const Seq2Seq *m, const int *src, const int *src_len, int S, int B,
                    int max_len, int *out, int *out_len) {
    int was_training = tp->training;
    tp->training = 0;   // no dropout
    tp->no_grad++;      // record nothing
    Tensor *h_n, *c_n;
    seq2seq_encode(tp, m, src, src_len, S, B, &h_n, &c_n);
    LSTMState state = lstm_state_init(tp, &m->dec, B, h_n, c_n);
    int *input = arena_alloc(&tp->arena, sizeof(int) * (size_t)B);   // (B)
    char *done = arena_calloc(&tp->arena, (size_t)B);                 // (B) said <eos>
    for (int b = 0; b < B; b++) input[b] = VOCAB_SOS, out_len[b] = 0;
    for (int i = 0; i < max_len * B; i++) out[i] = VOCAB_PAD;
    for (int t = 0; t < max_len; t++) {
        Tensor *logits = seq2seq_decode_step(tp, m, input, B, &state);   // (B, V_tgt)
        seq2seq_argmax(input, logits);                                   // fed back in next
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

size_t seq2seq_tape_bytes(const Seq2SeqConfig *c, int B, int S, int T) {
    // Floats per sentence and step, values and gradients (see the ops each step records):
    //   embedding + dropout 5E; per layer: the input and recurrent products and their sum
    //   3 x 8H, the cell's (h, c) 4H and saved gates 5H, dropout 3H, stacking 4H;
    //   decoder output: logits 2V and the cross-entropy's log-probabilities V.
    size_t E = (size_t)c->emb, H = (size_t)c->hidden, L = (size_t)c->layers, V = (size_t)c->tgt_vocab;
    size_t per_src = 5 * E + L * 40 * H + 8, per_tgt = 5 * E + L * 40 * H + 3 * V + 8;
    size_t floats = (size_t)B * ((size_t)S * per_src + (size_t)T * per_tgt);
    size_t overhead = (size_t)(S + T) * (L + 2) * 48 * 128;   // tensor headers and alignment
    return floats * sizeof(float) * 5 / 4 + overhead + ((size_t)8 << 20);   // 25% to spare, + 8 MB
}
