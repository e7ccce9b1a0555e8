// lstm_seq2seq.c: see lstm_seq2seq.h. Introduced in chapter 04; chapter 05 compares it with the GRU.
#include "lstm_seq2seq.h"

#include <string.h>

#include "ops.h"
#include "util.h"

static void *encode(Tape *tp, const Seq2SeqModel *base, const int *src, const int *src_len, int S, int B);
static Tensor *decode_step(Tape *tp, const Seq2SeqModel *base, const int *ids, int B, void *state);
static size_t tape_bytes(const Seq2SeqModel *base, int B, int S, int T);

static const Seq2SeqModelOps LSTM_SEQ2SEQ_OPS = {LSTM_SEQ2SEQ_NAME, encode, decode_step, tape_bytes};

Seq2SeqModel *lstm_seq2seq_new(const Seq2SeqConfig *cfg, Rng *rng) {
    seq2seq_config_check(cfg, "seq2seq");
    LstmSeq2Seq *m = xcalloc(1, sizeof *m);
    m->base.ops = &LSTM_SEQ2SEQ_OPS;
    m->base.cfg = *cfg;
    Params *P = &m->base.P;
    params_init(P);
    // The order PyTorch's Seq2Seq(Encoder, Decoder) lists them in.
    m->enc_emb = embedding_create(P, rng, "encoder.embedding", cfg->src_vocab, cfg->emb);
    m->enc = lstm_create(P, rng, "encoder.rnn", cfg->emb, cfg->hidden, cfg->layers, cfg->dropout);
    m->dec_emb = embedding_create(P, rng, "decoder.embedding", cfg->tgt_vocab, cfg->emb);
    m->dec = lstm_create(P, rng, "decoder.rnn", cfg->emb, cfg->hidden, cfg->layers, cfg->dropout);
    m->fc_out = linear_create(P, rng, "decoder.fc_out", cfg->hidden, cfg->tgt_vocab, 1);
    // Sutskever et al. (and bentrevett's init_weights): every weight and bias U(-0.08, 0.08).
    seq2seq_init_weights(&m->base, rng);
    return &m->base;
}

void lstm_seq2seq_encode(Tape *tp, const LstmSeq2Seq *m, const int *src, const int *src_len, int S, int B,
                         Tensor **h_n, Tensor **c_n) {
    Tensor *emb = embedding_forward(tp, &m->enc_emb, src, 2, (int[]){S, B});   // (S, B, E)
    Tensor *x = op_dropout(tp, emb, m->base.cfg.dropout);                       // (S, B, E)
    // With the lengths, each sentence's state stops changing after its own <eos>, so h_n is
    // the summary of exactly its words, whatever the padding around it.
    LSTMOutput r = lstm_forward(tp, &m->enc, x, src_len, NULL, NULL);
    *h_n = r.h_n;   // (L, B, H)
    *c_n = r.c_n;   // (L, B, H)
}

Tensor *lstm_seq2seq_decode_step(Tape *tp, const LstmSeq2Seq *m, const int *ids, int B, LSTMState *state) {
    Tensor *emb = embedding_forward(tp, &m->dec_emb, ids, 1, (int[]){B});   // (B, E)
    Tensor *d = op_dropout(tp, emb, m->base.cfg.dropout);                    // (B, E)
    Tensor *s = lstm_step(tp, &m->dec, d, state);                            // (B, H), top layer
    return linear_forward(tp, &m->fc_out, s);                                // (B, V_tgt)
}

// The Seq2SeqModel pair: the fixed-size summary (h_n, c_n) starts the decoder, and is all the
// decoder ever learns about the source.
static void *encode(Tape *tp, const Seq2SeqModel *base, const int *src, const int *src_len, int S, int B) {
    const LstmSeq2Seq *m = (const LstmSeq2Seq *)base;
    Tensor *h_n, *c_n;
    lstm_seq2seq_encode(tp, m, src, src_len, S, B, &h_n, &c_n);
    LSTMState *state = arena_alloc(&tp->arena, sizeof *state);
    *state = lstm_state_init(tp, &m->dec, B, h_n, c_n);
    return state;
}

static Tensor *decode_step(Tape *tp, const Seq2SeqModel *base, const int *ids, int B, void *state) {
    return lstm_seq2seq_decode_step(tp, (const LstmSeq2Seq *)base, ids, B, state);
}

static size_t tape_bytes(const Seq2SeqModel *base, int B, int S, int T) {
    const Seq2SeqConfig *c = &base->cfg;
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

Seq2SeqRecipe lstm_seq2seq_recipe(LstmRecipeName name) {
    Seq2SeqRecipe r;
    memset(&r, 0, sizeof r);
    r.model.init_range = 0.08f;   // Sutskever et al.
    r.train.clip = 1.0f;
    r.train.teacher_forcing = 0.5f;
    r.train.seed = 1234;
    switch (name) {
    case LSTM_RECIPE_BENTREVETT:
        r.model.emb = 256, r.model.hidden = 512, r.model.layers = 2, r.model.dropout = 0.5f;
        r.train.lr = 1e-3f, r.train.batch = 128, r.train.epochs = 10;
        break;
    case LSTM_RECIPE_QUICK:
        r.model.emb = 32, r.model.hidden = 64, r.model.layers = 1, r.model.dropout = 0.0f;
        r.train.lr = 2e-2f, r.train.batch = 16, r.train.epochs = 6;
        r.train_pairs = 3000, r.eval_pairs = 200;
        break;
    case LSTM_RECIPE_COPY:
        r.model.emb = 32, r.model.hidden = 128, r.model.layers = 1, r.model.dropout = 0.2f;
        r.train.lr = 5e-3f, r.train.batch = 32, r.train.epochs = 4;
        r.train_pairs = 8000, r.eval_pairs = 500;
        break;
    case LSTM_RECIPE_COPY_QUICK:
        r.model.emb = 16, r.model.hidden = 32, r.model.layers = 1, r.model.dropout = 0.0f;
        r.train.lr = 1e-2f, r.train.batch = 32, r.train.epochs = 1;
        r.train_pairs = 500, r.eval_pairs = 100;
        break;
    case LSTM_RECIPE_CLASSROOM:
    default:
        r.model.emb = 64, r.model.hidden = 128, r.model.layers = 1, r.model.dropout = 0.2f;
        r.train.lr = 3e-3f, r.train.batch = 64, r.train.epochs = 10;
        break;
    }
    return r;
}
