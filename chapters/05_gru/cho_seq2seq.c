// cho_seq2seq.c: see cho_seq2seq.h. Chapter 05.
#include "cho_seq2seq.h"

#include <string.h>

#include "ops.h"
#include "util.h"

static void *encode(Tape *tp, const Seq2SeqModel *base, const int *src, const int *src_len, int S, int B);
static Tensor *decode_step(Tape *tp, const Seq2SeqModel *base, const int *ids, int B, void *state);
static size_t tape_bytes(const Seq2SeqModel *base, int B, int S, int T);

static const Seq2SeqModelOps CHO_SEQ2SEQ_OPS = {CHO_SEQ2SEQ_NAME, encode, decode_step, tape_bytes};

Seq2SeqModel *cho_seq2seq_new(const Seq2SeqConfig *cfg, Rng *rng) {
    seq2seq_config_check(cfg, CHO_SEQ2SEQ_NAME);
    int context = cfg->variant[0] == '\0';
    if (!context && strcmp(cfg->variant, CHO_VARIANT_NO_CONTEXT) != 0)
        die("%s: unknown variant '%s' (the model is \"\" or \"%s\")", CHO_SEQ2SEQ_NAME, cfg->variant,
            CHO_VARIANT_NO_CONTEXT);
    if (cfg->dec_hidden > 0 && cfg->dec_hidden != cfg->hidden)
        die("%s: the decoder starts from the encoder's state, so its hidden size %d must be the encoder's %d",
            CHO_SEQ2SEQ_NAME, cfg->dec_hidden, cfg->hidden);
    ChoSeq2Seq *m = xcalloc(1, sizeof *m);
    m->base.ops = &CHO_SEQ2SEQ_OPS;
    m->base.cfg = *cfg;
    m->context_every_step = context;
    Params *P = &m->base.P;
    params_init(P);
    int E = cfg->emb, H = cfg->hidden;
    // The order PyTorch's Seq2Seq(Encoder, Decoder) of notebook 2 lists them in.
    m->enc_emb = embedding_create(P, rng, "encoder.embedding", cfg->src_vocab, E);
    m->enc = gru_create(P, rng, "encoder.rnn", E, H, cfg->layers, cfg->dropout);
    m->dec_emb = embedding_create(P, rng, "decoder.embedding", cfg->tgt_vocab, E);
    m->dec = gru_create(P, rng, "decoder.rnn", context ? E + H : E, H, cfg->layers, cfg->dropout);
    m->fc_out = linear_create(P, rng, "decoder.fc_out", context ? E + 2 * H : H, cfg->tgt_vocab, 1);
    // Notebook 2's init_weights: every parameter N(0, 0.01) (cfg->init_std); or U(-a, a).
    seq2seq_init_weights(&m->base, rng);
    return &m->base;
}

Tensor *cho_seq2seq_encode(Tape *tp, const ChoSeq2Seq *m, const int *src, const int *src_len, int S, int B,
                           Tensor **h_n) {
    Tensor *emb = embedding_forward(tp, &m->enc_emb, src, 2, (int[]){S, B});   // (S, B, E)
    Tensor *x = op_dropout(tp, emb, m->base.cfg.dropout);                       // (S, B, E)
    // With the lengths, each sentence's state stops changing after its own <eos>: z is the
    // summary of exactly its words, whatever the padding around it.
    GRUOutput r = gru_forward(tp, &m->enc, x, src_len, NULL);
    *h_n = r.h_n;                                   // (L, B, H)
    return op_select(tp, r.h_n, m->enc.layers - 1);  // (B, H) the top layer: z
}

Tensor *cho_seq2seq_decode_step(Tape *tp, const ChoSeq2Seq *m, const int *ids, int B, ChoState *state) {
    Tensor *emb = embedding_forward(tp, &m->dec_emb, ids, 1, (int[]){B});   // (B, E)
    Tensor *d = op_dropout(tp, emb, m->base.cfg.dropout);                    // (B, E)
    if (!m->context_every_step) {   // chapter 04's wiring: z only through s_0
        Tensor *s = gru_step(tp, &m->dec, d, &state->s);                     // (B, H)
        return linear_forward(tp, &m->fc_out, s);                            // (B, V_tgt)
    }
    Tensor *in = op_concat(tp, 2, (Tensor *[]){d, state->z});                // (B, E + H)
    Tensor *s = gru_step(tp, &m->dec, in, &state->s);                        // (B, H)
    Tensor *out = op_concat(tp, 3, (Tensor *[]){d, s, state->z});           // (B, E + 2H)
    return linear_forward(tp, &m->fc_out, out);                              // (B, V_tgt)
}

// The Seq2SeqModel pair. z starts the decoder, as in chapter 04, and is also handed to every
// decoder step: the decoder's state no longer has to carry the source all the way.
static void *encode(Tape *tp, const Seq2SeqModel *base, const int *src, const int *src_len, int S, int B) {
    const ChoSeq2Seq *m = (const ChoSeq2Seq *)base;
    Tensor *h_n;
    ChoState *state = arena_alloc(&tp->arena, sizeof *state);
    state->z = cho_seq2seq_encode(tp, m, src, src_len, S, B, &h_n);
    state->s = gru_state_init(tp, &m->dec, B, h_n);
    return state;
}

static Tensor *decode_step(Tape *tp, const Seq2SeqModel *base, const int *ids, int B, void *state) {
    return cho_seq2seq_decode_step(tp, (const ChoSeq2Seq *)base, ids, B, state);
}

static size_t tape_bytes(const Seq2SeqModel *base, int B, int S, int T) {
    const Seq2SeqConfig *c = &base->cfg;
    // Floats per sentence and step, values and gradients (see the ops each step records):
    //   embedding + dropout 5E; per layer: the input and recurrent products 2 x 6H, the cell's
    //   h 2H and saved gates 3H, dropout and stacking 6H (32H with room to spare);
    //   decoder: the two concatenations 2 (E + H) + 2 (E + 2H), logits 2V, log-probabilities V.
    size_t E = (size_t)c->emb, H = (size_t)c->hidden, L = (size_t)c->layers, V = (size_t)c->tgt_vocab;
    size_t per_src = 5 * E + L * 32 * H + 8;
    size_t per_tgt = 5 * E + 4 * E + 6 * H + L * 32 * H + 3 * V + 8;
    size_t floats = (size_t)B * ((size_t)S * per_src + (size_t)T * per_tgt);
    size_t overhead = (size_t)(S + T) * (L + 4) * 48 * 128;   // tensor headers and alignment
    return floats * sizeof(float) * 5 / 4 + overhead + ((size_t)8 << 20);   // 25% to spare, + 8 MB
}

Seq2SeqRecipe cho_seq2seq_recipe(LstmRecipeName name) {
    Seq2SeqRecipe r = lstm_seq2seq_recipe(name);
    r.model.layers = 1;   // Cho et al. and notebook 2: one layer each
    // The chapter's data budget: three models share the classroom's three minutes (the GRU cells
    // take one), so each trains on the first 8,000 dates pairs for 5 epochs, and --quick is smaller.
    if (name == LSTM_RECIPE_CLASSROOM) r.train_pairs = 8000, r.train.epochs = 5;
    if (name == LSTM_RECIPE_QUICK) r.train_pairs = 1500, r.eval_pairs = 200, r.train.epochs = 4;
    if (name == LSTM_RECIPE_BENTREVETT) {
        r.model.init_range = 0.0f;
        r.model.init_std = 0.01f;   // notebook 2's init_weights: nn.init.normal_(param.data, 0, 0.01)
    }
    return r;
}
