// Chapter 06: Bidirectional encoders: reading the source both ways.
//
// NEW SINCE CHAPTER 05. Chapter 05's Cho et al. encoder reads left to right, so its state at
// position j has seen only words 1..j, and its final state leans towards the END of the
// sentence. A second GRU reading right to left gives every position a summary of the words
// after it; the two final states together have read the whole sentence from both ends.
// This chapter is about the wiring, where most people trip: which states are "final" for each
// direction, how two of them become the ONE vector the decoder expects, and what padding does
// to the right-to-left pass.
//
// THE EQUATIONS (bienc_seq2seq.h has them with every shape):
//     f_s = GRU_fwd(x_s, f_{s-1})   s = 0 .. len-1            forward final:  h_fwd = f_{len-1}
//     g_s = GRU_bwd(x_s, g_{s+1})   s = len-1 .. 0            backward final: h_bwd = g_0
//     z   = tanh(W_fc [h_fwd ; h_bwd] + b_fc)                 (B, 2H) -> (B, H), notebook 3
//     s_0 = z;  s_t = GRU_dec([d_t ; z], s_{t-1});  logits_t = W_out [d_t ; s_t ; z] + b_out
// The backward pass of each sentence in a padded batch must START at its own last real token
// (PyTorch's packed sequences; common/bidirectional.h): started at the end of the padded batch
// it reads <pad>s first, the padding trap, measured in cell 7.
//
// RUN IT:
//     make && ./bin/06_bidirectional              classroom default: dates, about 71 s (one thread)
//     ./bin/06_bidirectional --quick              seconds
//     ./bin/06_bidirectional --data multi30k --preset bentrevett --out runs/06_multi30k
//         (or two cores: one process with --no-compare-unidirectional, one with --unidirectional-only,
//         then the same command with --resume compares them: README.md, Multi30k)
//     ./bin/06_bidirectional --load runs/06_bidirectional/dates.best --translate "3. märz 1998"
//
// FIGURES (figures/06_bidirectional/): loss_curves (train and validation loss per epoch, the
// bidirectional and the unidirectional encoder), accuracy_by_position (greedy word correct at
// each output position), accuracy_by_length (exact match against source length, and the
// bidirectional model on the copy task), encoder_states (heatmap: forward and backward units
// x source tokens for one sentence), copy_by_length.csv (for chapter 07's comparison).
//
// EXPECTED (classroom default, seed 1234; README.md has the measured tables):
//     dates, 8,000 pairs, 6 epochs: test exact match 89.2% bidirectional, 93.9% unidirectional in
//     order, 92.3% reversed: on 3-6 word dates the backward direction adds cost, not accuracy;
//     the padding trap moves z of a sentence with 2 <pad>s by up to 0.468 and costs +0.005 in
//     validation loss after 2 short epochs; copy (H 128): 91.7% exact at 1-3 symbols, 0% from 10.
//     Wall time 71 s with one thread on a 2-core machine shared with two long trainings.
//     Multi30k (--preset bentrevett, 10 epochs): test PPL 37.0, BLEU 19.6 bidirectional; 35.9,
//     21.4 unidirectional (README.md: one run each, the bidirectional one still improving).
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bienc_cells.h"
#include "bienc_lesson.h"
#include "bienc_seq2seq.h"
#include "cli.h"
#include "seq2seq_chapter.h"
#include "seq2seq_io.h"
#include "util.h"

static const char *const presets[] = {"none", "bentrevett", NULL};

// --quick and --preset change the defaults; options given explicitly still win, because the
// recipe is applied before the command line is parsed.
static void apply_recipe(Ch06Options *o, BiencRecipeName name) {
    Seq2SeqRecipe r = bienc_recipe(name);
    o->emb = r.model.emb, o->hidden = r.model.hidden, o->layers = r.model.layers;
    o->dropout = r.model.dropout, o->init_range = r.model.init_range, o->init_std = r.model.init_std;
    o->lr = r.train.lr, o->clip = r.train.clip, o->teacher_forcing = r.train.teacher_forcing;
    o->batch = r.train.batch, o->epochs = r.train.epochs, o->bucket = r.train.bucket;
    o->train_pairs = r.train_pairs, o->eval_pairs = r.eval_pairs;
    int quick = name == BIENC_RECIPE_QUICK;
    o->trap_pairs = quick ? 500 : name == BIENC_RECIPE_BENTREVETT ? 0 : 4000;
    o->trap_epochs = quick ? 1 : 2;
    o->compare_reversed = name != BIENC_RECIPE_BENTREVETT;   // Multi30k: two 10-epoch runs are enough
}

static int argv_preset(int argc, char **argv) {
    const char *v = cli_argv_value(argc, argv, "--preset");
    return v && strcmp(v, "bentrevett") == 0;
}

int main(int argc, char **argv) {
    Ch06Options o = {.compare = 1, .samples = 3, .data = "dates", .bottleneck = "copy"};
    apply_recipe(&o, argv_preset(argc, argv) ? BIENC_RECIPE_BENTREVETT
                     : cli_argv_has(argc, argv, "--quick") ? BIENC_RECIPE_QUICK : BIENC_RECIPE_CLASSROOM);
    CliOption options[] = {
        {"data", CLI_STRING, &o.data, "toy task (dates, dates_chars, copy, reverse, sort) or multi30k[:DIR]", 0, 0,
         NULL},
        {"emb", CLI_INT, &o.emb, "embedding size E", .min = 1, .max = 4096},
        {"hidden", CLI_INT, &o.hidden, "GRU hidden size H (each direction, and the decoder)", .min = 1, .max = 4096},
        {"layers", CLI_INT, &o.layers, "encoder layers (the decoder has one, as notebook 3)", .min = 1,
         .max = BI_MAX_LAYERS},
        {"dropout", CLI_FLOAT, &o.dropout, "dropout on the embeddings and between encoder layers", .min = 0,
         .max = 0.95},
        {"teacher-forcing", CLI_FLOAT, &o.teacher_forcing, "probability of feeding the reference word", .min = 0,
         .max = 1},
        {"lr", CLI_FLOAT, &o.lr, "Adam learning rate", .min = 1e-7, .max = 10},
        {"batch", CLI_INT, &o.batch, "sentence pairs per batch", .min = 1, .max = 65536},
        {"epochs", CLI_INT, &o.epochs, "train until this many epochs are done", .min = 1, .max = SEQ2SEQ_MAX_EPOCHS},
        {"clip", CLI_FLOAT, &o.clip, "clip the global gradient norm at this", .min = 1e-6, .max = 1e9},
        {"init-range", CLI_FLOAT, &o.init_range, "initialise every parameter U(-a, a) (0: see --init-std)", .min = 0,
         .max = 10},
        {"init-std", CLI_FLOAT, &o.init_std, "with --init-range 0: weights N(0, s), biases 0 (notebook 3); "
         "both 0: PyTorch's defaults", .min = 0, .max = 10},
        {"bucket", CLI_INT, &o.bucket, "sort chunks of this many batches by length (0: plain shuffle)", .min = 0,
         .max = 100000},
        {"reverse-source", CLI_BOOL, &o.reverse, "feed the source backwards (chapter 04; off here)", 0, 0, NULL},
        {"compare-unidirectional", CLI_BOOL, &o.compare, "also train chapter 05's unidirectional encoder, same seed",
         0, 0, NULL},
        {"compare-reversed", CLI_BOOL, &o.compare_reversed, "and the unidirectional encoder with the other "
         "--reverse-source", 0, 0, NULL},
        {"unidirectional-only", CLI_BOOL, &o.unidirectional_only, "train only the unidirectional encoder(s), to "
         "run beside the bidirectional one (--no-compare-unidirectional) in a second process; a run of both with "
         "--resume then compares the finished runs", 0, 0, NULL},
        {"train-pairs", CLI_INT, &o.train_pairs, "use the first N training pairs (0: all)", .min = 0, .max = 10000000},
        {"eval-pairs", CLI_INT, &o.eval_pairs, "use the first N validation and test pairs (0: all)", .min = 0,
         .max = 10000000},
        {"trap-pairs", CLI_INT, &o.trap_pairs, "training pairs of the padding-trap runs (0: skip those runs)", .min = 0,
         .max = 10000000},
        {"trap-epochs", CLI_INT, &o.trap_epochs, "epochs of the padding-trap runs", .min = 1, .max = 100},
        {"max-len", CLI_INT, &o.max_len, "longest greedy translation (0: 25 for Multi30k, else longest target + 3)",
         .min = 0, .max = 10000},
        {"bottleneck-task", CLI_STRING, &o.bottleneck, "toy task trained for the length experiment (none: skip; "
         "not run with multi30k)", 0, 0, NULL},
        {"samples", CLI_INT, &o.samples, "validation sentences translated after every epoch", .min = 0, .max = 16},
        {"save", CLI_STRING, &o.save, "checkpoint NAME (default runs/" CH06_CHAPTER "/DATA, or OUT/DATA with --out)",
         0, 0, NULL},
        {"resume", CLI_BOOL, &o.resume, "continue the runs saved under --save", 0, 0, NULL},
        {"load", CLI_STRING, &o.load, "a checkpoint to translate with (--translate) or test; no training", 0, 0, NULL},
        {"translate", CLI_STRING, &o.translate, "with --load: translate this sentence and stop", 0, 0, NULL},
        {"by-length-csv", CLI_STRING, &o.by_length_csv, SEQ2SEQ_BY_LENGTH_CSV_HELP, 0, 0, NULL},
        {"preset", CLI_CHOICE, &o.preset, "bentrevett: notebook 3's sizes and training", .choices = presets},
        {0}};
    CliCommon c;
    cli_common_init(&c, CH06_CHAPTER, 1234);
    // One thread by default: at these sizes (H 128, batches of 64) OpenMP's barriers cost more
    // than they save, and on a busy machine far more (measured on 2 loaded cores: one epoch of
    // the classroom model took 3.9 s with one thread, 41 s with two). --threads N still wins.
    c.threads = 1;
    cli_parse(&c, options, argc, argv, "Bidirectional encoders: a GRU read both ways, joined for Cho's decoder");
    if (seq2seq_load_options_misused(CH06_CHAPTER, o.load, o.translate, o.by_length_csv)) return EXIT_USAGE;
    if (o.unidirectional_only && (!o.compare || o.load)) {
        fprintf(stderr, "%s: --unidirectional-only: %s\n", CH06_CHAPTER,
                o.load ? "trains, so it cannot be used with --load" : "contradicts --no-compare-unidirectional");
        return EXIT_USAGE;
    }
    cli_resume_hint(o.resume_hint, sizeof o.resume_hint, argc, argv);
    Chapter06 ch;
    memset(&ch, 0, sizeof ch);
    ch.o = &o;
    ch.c = &c;
    gnuplot_init(&ch.gp);
    if (o.load) return ch06_run_loaded(&ch);
    return ch06_run_notebook(&ch);
}
