// bahdanau.c: see bahdanau.h. Introduced in chapter 07.
#include "bahdanau.h"

#include <string.h>

#include "init.h"
#include "ops.h"
#include "util.h"
#include "vocab.h"

static void *encode(Tape *tp, const Seq2SeqModel *base, const int *src, const int *src_len, int S, int B);
static Tensor *decode_step(Tape *tp, const Seq2SeqModel *base, const int *ids, int B, void *state);
static size_t tape_bytes(const Seq2SeqModel *base, int B, int S, int T);

static const Seq2SeqModelOps BAHDANAU_OPS = {BAHDANAU_NAME, encode, decode_step, tape_bytes};

// notebook 3's init_weights: 'weight' in the name -> N(0, std), everything else (biases) -> 0.
static void init_notebook3(Seq2SeqModel *m, Rng *rng, float std) {
    for (int i = 0; i < m->P.n; i++) {
        Tensor *p = m->P.list[i];
        if (strstr(p->name, "weight")) init_normal(p, rng, 0.0f, std);
        else init_constant(p, 0.0f);
    }
}

Seq2SeqModel *bahdanau_new(const Seq2SeqConfig *cfg, Rng *rng) {
    seq2seq_config_check(cfg, BAHDANAU_NAME);
    if (cfg->layers != 1)
        die("%s: --layers %d: notebook 3's encoder and decoder have one layer each", BAHDANAU_NAME, cfg->layers);
    if (cfg->variant[0] && strcmp(cfg->variant, BAHDANAU_VARIANT_NO_MASK) != 0)
        die("%s: unknown variant '%s' (known: '%s')", BAHDANAU_NAME, cfg->variant, BAHDANAU_VARIANT_NO_MASK);
    Bahdanau *m = xcalloc(1, sizeof *m);
    m->base.ops = &BAHDANAU_OPS;
    m->base.cfg = *cfg;
    m->H_e = cfg->hidden;
    m->H_d = cfg->dec_hidden > 0 ? cfg->dec_hidden : cfg->hidden;
    m->mask = strcmp(cfg->variant, BAHDANAU_VARIANT_NO_MASK) != 0;
    int E = cfg->emb, H_e = m->H_e, H_d = m->H_d;
    Params *P = &m->base.P;
    params_init(P);
    // The order of notebook 3's modules: Encoder(embedding, rnn, fc), Decoder(attention,
    // embedding, rnn, fc_out); named_parameters() lists them so.
    m->enc_emb = embedding_create(P, rng, "encoder.embedding", cfg->src_vocab, E);
    m->enc = bidirectional_create(P, rng, CELL_GRU, "encoder.rnn", E, H_e, 1, 0.0f);
    m->enc_fc = linear_create(P, rng, "encoder.fc", 2 * H_e, H_d, 1);
    m->att = attention_create(P, rng, "decoder.attention", 2 * H_e, H_d, H_d);
    m->dec_emb = embedding_create(P, rng, "decoder.embedding", cfg->tgt_vocab, E);
    m->dec = gru_create(P, rng, "decoder.rnn", E + 2 * H_e, H_d, 1, 0.0f);
    m->fc_out = linear_create(P, rng, "decoder.fc_out", H_d + 2 * H_e + E, cfg->tgt_vocab, 1);
    if (cfg->init_std > 0.0f) init_notebook3(&m->base, rng, cfg->init_std);
    else seq2seq_init_weights(&m->base, rng);   // init_range, or PyTorch's defaults as created
    return &m->base;
}

BahdanauState *bahdanau_encode(Tape *tp, const Bahdanau *m, const int *src, const int *src_len, int S, int B) {
    Tensor *emb = embedding_forward(tp, &m->enc_emb, src, 2, (int[]){S, B});   // (S, B, E)
    Tensor *x = op_dropout(tp, emb, m->base.cfg.dropout);                       // (S, B, E)
    // Packed: each sentence's forward pass stops at its own last id, its backward pass starts
    // there; out is 0 at padding (bidirectional.h).
    BiOutput r = bidirectional_forward(tp, &m->enc, x, src_len, NULL, NULL);    // out (S, B, 2H_e)
    Tensor *ends[2] = {op_select(tp, r.h_n, 0), op_select(tp, r.h_n, 1)};       // f_{len-1}, g_0 (B, H_e)
    Tensor *both = op_concat(tp, 2, ends);                                      // (B, 2H_e)
    BahdanauState *st = arena_calloc(&tp->arena, sizeof *st);
    st->gru.h[0] = op_tanh(tp, linear_forward(tp, &m->enc_fc, both));           // s_0 (B, H_d)
    // W_h h_s + b for every s, once: it does not depend on the decoder step. Without the mask
    // (the ablation) the softmax runs over all S positions, padding included.
    st->mem = attention_memory(tp, &m->att, r.out, m->mask ? src_len : NULL);
    return st;
}

Tensor *bahdanau_decode_step(Tape *tp, const Bahdanau *m, const int *ids, int B, BahdanauState *st) {
    Tensor *emb = embedding_forward(tp, &m->dec_emb, ids, 1, (int[]){B});   // (B, E)
    Tensor *d = op_dropout(tp, emb, m->base.cfg.dropout);                    // (B, E)
    AttentionStep a = attention_step(tp, &m->att, &st->mem, st->gru.h[0]);  // alpha (B, S), context (B, 2H_e)
    st->last_alpha = a.alpha;
    BahdanauTrace *tr = st->trace;
    if (tr && tr->steps < tr->max_steps) {
        if (tr->B != B || tr->S != st->mem.S)
            die("bahdanau: the trace is (%d, %d), the batch (%d, %d)", tr->B, tr->S, B, st->mem.S);
        memcpy(tr->alpha + (size_t)tr->steps * B * tr->S, a.alpha->data, sizeof(float) * (size_t)B * tr->S);
        tr->steps++;
    }
    Tensor *rnn_in = op_concat(tp, 2, (Tensor *[]){d, a.context});                   // (B, E + 2H_e)
    Tensor *s = gru_step(tp, &m->dec, rnn_in, &st->gru);                              // s_t (B, H_d)
    Tensor *out_in = op_concat(tp, 3, (Tensor *[]){s, a.context, d});                 // (B, H_d + 2H_e + E)
    return linear_forward(tp, &m->fc_out, out_in);                                    // (B, V_tgt)
}

void bahdanau_greedy_traced(Tape *tp, const Bahdanau *m, const int *src, const int *src_len, int S, int B,
                            int max_len, int *out, int *out_len, BahdanauTrace *trace) {
    // seq2seq_greedy's loop (common/seq2seq_model.c), with the trace attached to the state.
    int was_training = tp->training;
    tp->training = 0;
    tp->no_grad++;
    BahdanauState *st = bahdanau_encode(tp, m, src, src_len, S, B);
    if (trace) {
        if (trace->max_steps < max_len || trace->B != B || trace->S != S)
            die("bahdanau_greedy_traced: the trace holds (%d, %d, %d), want (%d, %d, %d)", trace->max_steps,
                trace->B, trace->S, max_len, B, S);
        trace->steps = 0;
        st->trace = trace;
    }
    int *input = arena_alloc(&tp->arena, sizeof(int) * (size_t)B);   // (B)
    char *done = arena_calloc(&tp->arena, (size_t)B);                 // (B)
    for (int b = 0; b < B; b++) input[b] = VOCAB_SOS, out_len[b] = 0;
    for (int i = 0; i < max_len * B; i++) out[i] = VOCAB_PAD;
    for (int t = 0; t < max_len; t++) {
        Tensor *logits = bahdanau_decode_step(tp, m, input, B, st);   // (B, V_tgt)
        seq2seq_argmax(input, logits);
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

// ---- the Seq2SeqModel pair ----------------------------------------------------------------------

static void *encode(Tape *tp, const Seq2SeqModel *base, const int *src, const int *src_len, int S, int B) {
    return bahdanau_encode(tp, (const Bahdanau *)base, src, src_len, S, B);
}

static Tensor *decode_step(Tape *tp, const Seq2SeqModel *base, const int *ids, int B, void *state) {
    return bahdanau_decode_step(tp, (const Bahdanau *)base, ids, B, state);
}

static size_t tape_bytes(const Seq2SeqModel *base, int B, int S, int T) {
    const Bahdanau *m = (const Bahdanau *)base;
    size_t E = (size_t)m->base.cfg.emb, He = (size_t)m->H_e, Hd = (size_t)m->H_d, V = (size_t)m->base.cfg.tgt_vocab;
    size_t A = Hd, Ss = (size_t)S;
    // Floats per sentence and step, values and gradients (the ops each step records):
    //   source: embedding + dropout 5E; per direction the input and recurrent products,
    //   the gates and the output ~40 H_e; the outputs joined and masked 8 H_e; keys 2A
    //   target: embedding + dropout 5E; query 2A; scores, weights 6S; the tanh of every
    //   (s, a) pair saved by the scores S A; context 4 H_e; both concatenations
    //   2(E + 2H_e) + 2(H_d + 2H_e + E); the GRU step ~40 H_d; logits and log-softmax 3V
    size_t per_src = 5 * E + 80 * He + 8 * He + 2 * A + 8;
    size_t per_tgt = 5 * E + 2 * A + 6 * Ss + Ss * A + 4 * He + 4 * E + 8 * He + 2 * Hd + 40 * Hd + 3 * V + 8;
    size_t floats = (size_t)B * (Ss * per_src + (size_t)T * per_tgt);
    floats += 4 * A * (Hd + 2 * He) + 4 * Hd;   // the attn.weight blocks and s_0, once per batch
    size_t overhead = (size_t)(S + T) * 24 * 128 + (size_t)T * 16 * 128;   // tensor headers, alignment
    return floats * sizeof(float) * 5 / 4 + overhead + ((size_t)8 << 20);   // 25% to spare, + 8 MB
}

// ---- recipes --------------------------------------------------------------------------------------

Seq2SeqRecipe bahdanau_recipe(BahdanauRecipeName name) {
    Seq2SeqRecipe r;
    memset(&r, 0, sizeof r);
    r.model.layers = 1;
    r.model.init_range = 0.08f;
    r.train.clip = 1.0f;
    r.train.teacher_forcing = 0.5f;
    r.train.seed = 1234;
    switch (name) {
    case BAHDANAU_RECIPE_BENTREVETT:
        r.model.emb = 256, r.model.hidden = 512, r.model.dec_hidden = 512, r.model.dropout = 0.5f;
        r.model.init_range = 0.0f, r.model.init_std = 0.01f;
        r.train.lr = 1e-3f, r.train.batch = 128, r.train.epochs = 10;
        break;
    case BAHDANAU_RECIPE_QUICK:
        r.model.emb = 32, r.model.hidden = 32, r.model.dropout = 0.0f;
        r.train.lr = 1e-2f, r.train.batch = 32, r.train.epochs = 2;
        r.train_pairs = 3000, r.eval_pairs = 200;
        break;
    case BAHDANAU_RECIPE_COPY:   // chapter 04's LSTM_RECIPE_COPY, unchanged
        r.model.emb = 32, r.model.hidden = 128, r.model.dropout = 0.2f;
        r.train.lr = 5e-3f, r.train.batch = 32, r.train.epochs = 4;
        r.train_pairs = 8000, r.eval_pairs = 500;
        break;
    case BAHDANAU_RECIPE_COPY_QUICK:   // chapter 04's LSTM_RECIPE_COPY_QUICK
        r.model.emb = 16, r.model.hidden = 32, r.model.dropout = 0.0f;
        r.train.lr = 1e-2f, r.train.batch = 32, r.train.epochs = 1;
        r.train_pairs = 500, r.eval_pairs = 100;
        break;
    case BAHDANAU_RECIPE_CLASSROOM:
    default:
        r.model.emb = 64, r.model.hidden = 64, r.model.dropout = 0.2f;
        r.train.lr = 3e-3f, r.train.batch = 64, r.train.epochs = 3;
        break;
    }
    return r;
}
