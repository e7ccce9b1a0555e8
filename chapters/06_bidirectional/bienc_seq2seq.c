// bienc_seq2seq.c: see bienc_seq2seq.h. Chapter 06 (bidirectional encoders).
#include "bienc_seq2seq.h"

#include <string.h>

#include "init.h"
#include "lstm_seq2seq.h"
#include "ops.h"
#include "util.h"

static void *encode(Tape *tp, const Seq2SeqModel *base, const int *src, const int *src_len, int S, int B);
static Tensor *decode_step(Tape *tp, const Seq2SeqModel *base, const int *ids, int B, void *state);
static size_t tape_bytes(const Seq2SeqModel *base, int B, int S, int T);

static const Seq2SeqModelOps BIENC_OPS = {BIENC_SEQ2SEQ_NAME, encode, decode_step, tape_bytes};

// Notebook 3's init_weights: `if 'weight' in name: normal_(0, 0.01) else: constant_(0)`.
static void init_notebook3(Seq2SeqModel *m, Rng *rng) {
    for (int i = 0; i < m->P.n; i++) {
        Tensor *p = m->P.list[i];
        if (strstr(p->name, "weight")) init_normal(p, rng, 0.0f, m->cfg.init_std);
        else init_constant(p, 0.0f);
    }
}

Seq2SeqModel *bienc_seq2seq_new(const Seq2SeqConfig *cfg, Rng *rng) {
    seq2seq_config_check(cfg, BIENC_SEQ2SEQ_NAME);
    int uni = strcmp(cfg->variant, BIENC_VARIANT_UNI) == 0, naive = strcmp(cfg->variant, BIENC_VARIANT_NAIVE) == 0;
    if (!uni && !naive && cfg->variant[0])
        die("%s: unknown variant '%s' (known: '%s', '%s')", BIENC_SEQ2SEQ_NAME, cfg->variant, BIENC_VARIANT_UNI,
            BIENC_VARIANT_NAIVE);
    if (cfg->layers < 1 || cfg->layers > BI_MAX_LAYERS)
        die("%s: --layers %d: 1 to %d encoder layers are supported", BIENC_SEQ2SEQ_NAME, cfg->layers, BI_MAX_LAYERS);
    if (cfg->dec_hidden && cfg->dec_hidden != cfg->hidden)
        die("%s: the decoder's hidden size is the encoder's (dec_hidden %d, hidden %d)", BIENC_SEQ2SEQ_NAME,
            cfg->dec_hidden, cfg->hidden);
    BiencSeq2Seq *m = xcalloc(1, sizeof *m);
    m->base.ops = &BIENC_OPS;
    m->base.cfg = *cfg;
    m->bidirectional = !uni;
    Params *P = &m->base.P;
    params_init(P);
    int E = cfg->emb, H = cfg->hidden;
    // The order PyTorch's Seq2Seq(Encoder, Decoder) lists them in.
    m->enc_emb = embedding_create(P, rng, "encoder.embedding", cfg->src_vocab, E);
    if (m->bidirectional) {
        m->enc_bi = bidirectional_create(P, rng, CELL_GRU, "encoder.rnn", E, H, cfg->layers, cfg->dropout);
        m->enc_bi.naive_reverse = naive;
        m->enc_fc = linear_create(P, rng, "encoder.fc", 2 * H, H, 1);
    } else {
        m->enc_uni = gru_create(P, rng, "encoder.rnn", E, H, cfg->layers, cfg->dropout);
    }
    m->dec_emb = embedding_create(P, rng, "decoder.embedding", cfg->tgt_vocab, E);
    m->dec = gru_create(P, rng, "decoder.rnn", E + H, H, 1, 0.0f);
    m->fc_out = linear_create(P, rng, "decoder.fc_out", E + 2 * H, cfg->tgt_vocab, 1);
    if (cfg->init_std > 0.0f) init_notebook3(&m->base, rng);
    else seq2seq_init_weights(&m->base, rng);   // U(-a, a), or the defaults given above
    return &m->base;
}

void bienc_encode(Tape *tp, const BiencSeq2Seq *m, const int *src, const int *src_len, int S, int B,
                  BiencEncoding *enc) {
    int L = m->base.cfg.layers;
    memset(enc, 0, sizeof *enc);
    Tensor *emb = embedding_forward(tp, &m->enc_emb, src, 2, (int[]){S, B});   // (S, B, E)
    Tensor *x = op_dropout(tp, emb, m->base.cfg.dropout);                       // (S, B, E)
    if (!m->bidirectional) {
        // Chapter 05's encoder: the top layer's state at each sentence's own last token.
        GRUOutput r = gru_forward(tp, &m->enc_uni, x, src_len, NULL);
        enc->out = r.out;                          // (S, B, H)
        enc->h_n = r.h_n;                          // (L, B, H)
        enc->h_fwd = op_select(tp, r.h_n, L - 1);  // (B, H)
        enc->z = enc->h_fwd;                       // (B, H): no encoder.fc
        return;
    }
    // Both directions, each sentence's backward pass starting at its own last real token.
    BiOutput r = bidirectional_forward(tp, &m->enc_bi, x, src_len, NULL, NULL);
    enc->out = r.out;                                  // (S, B, 2H)
    enc->h_n = r.h_n;                                  // (2L, B, H)
    enc->h_fwd = op_select(tp, r.h_n, 2 * L - 2);      // (B, H) hidden[-2]: read x_0 .. x_{len-1}
    enc->h_bwd = op_select(tp, r.h_n, 2 * L - 1);      // (B, H) hidden[-1]: read x_{len-1} .. x_0
    Tensor *both[2] = {enc->h_fwd, enc->h_bwd};
    enc->joined = op_concat(tp, 2, both);                        // (B, 2H), forward first
    enc->z = op_tanh(tp, linear_forward(tp, &m->enc_fc, enc->joined));   // (B, H)
}

Tensor *bienc_decode_step(Tape *tp, const BiencSeq2Seq *m, const int *ids, int B, BiencState *st) {
    Tensor *emb = embedding_forward(tp, &m->dec_emb, ids, 1, (int[]){B});   // (B, E)
    Tensor *d = op_dropout(tp, emb, m->base.cfg.dropout);                    // (B, E)
    Tensor *in[2] = {d, st->z};
    Tensor *s = gru_step(tp, &m->dec, op_concat(tp, 2, in), &st->s);        // (B, H) from (B, E + H)
    Tensor *feat[3] = {d, s, st->z};
    return linear_forward(tp, &m->fc_out, op_concat(tp, 3, feat));          // (B, V_tgt) from (B, E + 2H)
}

// The Seq2SeqModel pair: z starts the decoder and is handed to it again at every step.
static void *encode(Tape *tp, const Seq2SeqModel *base, const int *src, const int *src_len, int S, int B) {
    const BiencSeq2Seq *m = (const BiencSeq2Seq *)base;
    BiencEncoding enc;
    bienc_encode(tp, m, src, src_len, S, B, &enc);
    BiencState *st = arena_alloc(&tp->arena, sizeof *st);
    Tensor *z1 = op_reshape(tp, enc.z, 3, (int[]){1, B, base->cfg.hidden});   // (1, B, H): one layer
    st->s = gru_state_init(tp, &m->dec, B, z1);
    st->z = enc.z;
    return st;
}

static Tensor *decode_step(Tape *tp, const Seq2SeqModel *base, const int *ids, int B, void *state) {
    return bienc_decode_step(tp, (const BiencSeq2Seq *)base, ids, B, state);
}

static size_t tape_bytes(const Seq2SeqModel *base, int B, int S, int T) {
    const Seq2SeqConfig *c = &base->cfg;
    // Floats per sentence and step, values and gradients (see the ops each step records):
    //   embedding + dropout 5E; per encoder layer and direction: the input and recurrent
    //   products 2 x 6H, the cell's h 2H and saved gates 3H, masking and dropout 4H, and the
    //   concatenation 4H (a generous 40H for both directions together, 2x for safety);
    //   decoder: the [d ; z] input 2(E + H), the GRU 20H, [d ; s ; z] 2(E + 2H), logits 2V
    //   and the cross-entropy's log-probabilities V.
    size_t E = (size_t)c->emb, H = (size_t)c->hidden, L = (size_t)c->layers, V = (size_t)c->tgt_vocab;
    size_t per_src = 5 * E + L * 80 * H + 8, per_tgt = 9 * E + 32 * H + 3 * V + 8;
    size_t floats = (size_t)B * ((size_t)S * per_src + (size_t)T * per_tgt + 16 * H);
    size_t overhead = (size_t)(S + T) * (2 * L + 8) * 48 * 128;   // tensor headers and alignment
    return floats * sizeof(float) * 5 / 4 + overhead + ((size_t)8 << 20);   // 25% to spare, + 8 MB
}

Seq2SeqRecipe bienc_recipe(BiencRecipeName name) {
    Seq2SeqRecipe r;
    switch (name) {
    case BIENC_RECIPE_BENTREVETT:
        r = lstm_seq2seq_recipe(LSTM_RECIPE_BENTREVETT);
        r.model.layers = 1;   // notebook 3: one bidirectional layer, one decoder layer
        r.model.init_range = 0.0f, r.model.init_std = 0.01f;
        return r;
    case BIENC_RECIPE_QUICK: return lstm_seq2seq_recipe(LSTM_RECIPE_QUICK);
    case BIENC_RECIPE_COPY: return lstm_seq2seq_recipe(LSTM_RECIPE_COPY);
    case BIENC_RECIPE_COPY_QUICK: return lstm_seq2seq_recipe(LSTM_RECIPE_COPY_QUICK);
    case BIENC_RECIPE_CLASSROOM:
    default:
        r = lstm_seq2seq_recipe(LSTM_RECIPE_CLASSROOM);
        r.train_pairs = 8000, r.train.epochs = 6;
        return r;
    }
}
