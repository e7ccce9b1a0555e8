// check_resume_chapters.c: Ctrl-C and --resume on the real chapter programs, as a student
// meets them (issue 13, items 5 and 6). For chapters 02, 03 and 05 (its first half, --part gru:
// the adding-problem runs of common/adding_train.c, shared with chapter 03), each run with --quick:
//  * SIGTERM once training has started (seen on its stdout): the update in progress is
//    finished, the checkpoints are saved, one line says where and how to resume, the exit
//    status is 143; every checkpoint on disk opens, and its training state loads;
//  * the same command with --resume then finishes with every checkpoint (parameters,
//    optimiser, data Rng, history) and every figure CSV byte-identical to a run never stopped;
//  * a second signal once the first was heard stops at once (143; a short step may be saved
//    before it arrives), leaving no temporary file and only whole checkpoints;
//  * --resume with another configuration, or with nothing saved, is refused with one line.
// The programs are found in $UNROLLED_BIN, their folders go to $UNROLLED_SCRATCH (test_env.h).
#define _POSIX_C_SOURCE 200809L
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "checkpoint.h"
#include "optim.h"
#include "params.h"
#include "test_env.h"
#include "test_files.h"

// The chapters, the options that pick what to train, a line on stdout that appears once
// training is under way (chapter 02's progress line of its second run, chapter 03's header of
// cell 5 and chapter 05's of cell 4: their runs in parallel), and the option of the trained
// runs' hidden size.
static const struct {
    const char *program, *args[2], *training_marker, *hidden_option;
} chapters[] = {
    {"02_gradient_clipping", {NULL, NULL}, "clip by value: ", "--hidden"},
    {"03_lstm_gates", {NULL, NULL}, "[5/5] RNN versus LSTM", "--hidden"},
    {"05_gru", {"--part", "gru"}, "[4/4] RNN, LSTM and GRU", "--adding-hidden"},
};

// The chapter's args as one string for a shell command ("" or " --part gru").
static void chapter_args(char *buf, size_t n, int i) {
    buf[0] = '\0';
    for (int k = 0; k < 2 && chapters[i].args[k]; k++)
        snprintf(buf + strlen(buf), n - strlen(buf), " %s", chapters[i].args[k]);
}

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void sleep_ms(int ms) {
    struct timespec left = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&left, &left) != 0 && errno == EINTR) {}
}

static int run(const char *cmd) {
    int st = system(cmd);
    return (st != -1 && WIFEXITED(st)) ? WEXITSTATUS(st) : -1;
}

// A fresh folder $UNROLLED_SCRATCH/resume-PROGRAM-what (at most 300 bytes).
static void fresh_dir(char *dir, const char *program, const char *what) {
    char cmd[1000];
    snprintf(dir, 300, "%.150s/resume-%.60s-%.40s", test_scratch_dir(), program, what);
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", dir, dir);
    ck_assert_int_eq(run(cmd), 0);
}

// Run chapter i's PROGRAM --quick --seed 7 --threads 2 --out DIR ARGS EXTRA; stdout and stderr
// to DIR.log.
static int run_chapter(int i, const char *dir, const char *extra) {
    char cmd[2000], args[100];
    chapter_args(args, sizeof args, i);
    snprintf(cmd, sizeof cmd, "%s/%s --quick --seed 7 --threads 2 --out '%s'%s %s > '%s.log' 2>&1", test_bin_dir(),
             chapters[i].program, dir, args, extra, dir);
    return run(cmd);
}

// ---- a chapter program as a child whose stdout we read --------------------------------------

typedef struct Child {
    pid_t pid;
    int fd;              // read end of its stdout
    char text[1 << 16];  // stdout so far
    size_t len;
} Child;

static void child_start(Child *c, int i, const char *dir, const char *err_path) {
    char path[1200], seed[] = "7", threads[] = "2";
    snprintf(path, sizeof path, "%s/%s", test_bin_dir(), chapters[i].program);
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    fflush(NULL);
    c->pid = fork();
    ck_assert_int_ge(c->pid, 0);
    if (c->pid == 0) {
        close(fds[0]);
        int err_fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (err_fd < 0 || dup2(err_fd, STDERR_FILENO) < 0 || dup2(fds[1], STDOUT_FILENO) < 0) _exit(91);
        char *argv[] = {path, "--quick", "--seed", seed, "--threads", threads, "--out", (char *)dir,
                        (char *)chapters[i].args[0], (char *)chapters[i].args[1], NULL};
        execv(path, argv);
        _exit(92);
    }
    close(fds[1]);
    c->fd = fds[0];
    c->len = 0;
    c->text[0] = '\0';
}

// Read stdout until `want` appears (1), or timeout_s passes or stdout closes (0).
static int child_wait_for(Child *c, const char *want, double timeout_s) {
    double end = now_s() + timeout_s;
    while (!strstr(c->text, want)) {
        double left = end - now_s();
        if (left <= 0 || c->len + 1 >= sizeof c->text) return 0;
        struct pollfd p = {c->fd, POLLIN, 0};
        if (poll(&p, 1, (int)(left * 1000) + 1) <= 0) continue;
        ssize_t got = read(c->fd, c->text + c->len, sizeof c->text - 1 - c->len);
        if (got <= 0) return 0;
        c->len += (size_t)got;
        c->text[c->len] = '\0';
    }
    return 1;
}

// Wait for the child to end, reading its stdout (at most timeout_s, else kill it and fail).
static int child_finish(Child *c, double timeout_s) {
    double end = now_s() + timeout_s;
    int status = 0;
    while (waitpid(c->pid, &status, WNOHANG) == 0) {
        child_wait_for(c, "\x01never", 0.05);   // keep the pipe drained
        if (now_s() > end) {
            kill(c->pid, SIGKILL);
            waitpid(c->pid, &status, 0);
            close(c->fd);
            ck_abort_msg("the program did not exit within %.0f s of the signal", timeout_s);
        }
    }
    close(c->fd);
    return status;
}

// ---- what is on disk ----------------------------------------------------------------------------

// The model checkpoints (NAME.safetensors, not NAME.train.safetensors) in dir; returns how many.
static int list_models(const char *dir, char names[][256], int max) {
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < max) {
        size_t len = strlen(e->d_name);
        if (len > 12 && len < 200 && strcmp(e->d_name + len - 12, ".safetensors") == 0 &&
            !(len > 18 && strcmp(e->d_name + len - 18, ".train.safetensors") == 0))
            snprintf(names[n++], 256, "%.*s", (int)(len - 12), e->d_name);
    }
    closedir(d);
    return n;
}

static void assert_no_temporary_files(const char *dir) {
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    struct dirent *e;
    while ((e = readdir(d)))
        ck_assert_msg(strstr(e->d_name, ".tmp-") == NULL, "temporary file %s/%s left behind", dir, e->d_name);
    closedir(d);
}

// NAME opens, its parameters load, and its training file loads with them (the pair belongs
// together; Adam's moments when it has them, the data Rng). The model is rebuilt from the
// file's own tensor list, so this works for any chapter.
static void assert_checkpoint_loads(const char *name) {
    Checkpoint ck;
    char err[1200];
    ck_assert_msg(checkpoint_open(&ck, name, err, sizeof err), "%s", err);
    ck_assert_ptr_nonnull(ck.config);
    Params P;
    params_init(&P);
    for (int i = 0; i < ck.model.n; i++) {
        const StTensor *t = &ck.model.tensors[i];
        int shape[ST_MAX_DIMS];
        for (int k = 0; k < t->ndim; k++) shape[k] = (int)t->shape[k];
        params_new(&P, t->ndim, shape, "%s", t->name);
    }
    ck_assert_msg(checkpoint_load_params(&ck, &P, err, sizeof err), "%s", err);
    Adam adam = adam_create(&P, 1e-3f);
    Rng rng;
    StFile train;
    ck_assert_msg(st_read(&train, ck.train_path, err, sizeof err), "%s", err);
    int has_adam = train.n > 0;
    st_free(&train);
    ck_assert_msg(checkpoint_load_train(&ck, &P, &(TrainState){.adam = has_adam ? &adam : NULL, .rng = &rng}, err,
                                        sizeof err), "%s", err);
    if (has_adam) ck_assert_int_eq(adam.step, ck.step);
    adam_free(&adam);
    params_free(&P);
    checkpoint_close(&ck);
}

static int same_file(const char *a, const char *b) {
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    int same = fa && fb;
    while (same) {
        int ca = fgetc(fa), cb = fgetc(fb);
        if (ca != cb) same = 0;
        if (ca == EOF || cb == EOF) break;
    }
    if (fa) fclose(fa);
    if (fb) fclose(fb);
    return same;
}

// Every checkpoint and CSV in want has a byte-identical twin in got; returns how many files
// were compared, and (if got_all is not NULL) whether all of them matched instead of failing.
static int compare_dirs(const char *want, const char *got, int *got_all) {
    DIR *d = opendir(want);
    ck_assert_ptr_nonnull(d);
    struct dirent *e;
    int n = 0, all = 1;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        int ours = (len > 12 && strcmp(e->d_name + len - 12, ".safetensors") == 0) ||
                   (len > 4 && strcmp(e->d_name + len - 4, ".csv") == 0);
        if (!ours || len > 250) continue;
        char a[600], b[600];
        snprintf(a, sizeof a, "%s/%s", want, e->d_name);
        snprintf(b, sizeof b, "%s/%s", got, e->d_name);
        int same = same_file(a, b);
        if (got_all) all &= same;
        else ck_assert_msg(same, "%s differs from %s (or is missing) after --resume", b, a);
        n++;
    }
    closedir(d);
    if (got_all) *got_all = all;
    return n;
}

// ---- the tests ---------------------------------------------------------------------------------

START_TEST(test_sigterm_then_resume_is_exact) {
    const char *program = chapters[_i].program;
    char straight[300], stopped[300], err_path[400];
    fresh_dir(straight, program, "straight");
    fresh_dir(stopped, program, "stopped");
    snprintf(err_path, sizeof err_path, "%s.stderr", stopped);
    ck_assert_msg(run_chapter(_i, straight, "--quiet") == 0, "%s --quick failed (see %s.log)", program, straight);

    static Child c;   // (64 KB of stdout: not on the stack)
    child_start(&c, _i, stopped, err_path);
    ck_assert_msg(child_wait_for(&c, chapters[_i].training_marker, 120), "%s never started training: %s", program,
                  c.text);
    kill(c.pid, SIGTERM);
    int status = child_finish(&c, 60);
    ck_assert_msg(WIFEXITED(status), "%s was killed by signal %d instead of exiting", program,
                  WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    ck_assert_msg(WEXITSTATUS(status) == 143, "%s: exit status %d after SIGTERM, expected 143", program,
                  WEXITSTATUS(status));
    char *err = read_all(err_path, NULL);
    ck_assert_err_has(err, "interrupted by SIGTERM", "; saved ", stopped, "; to resume: ", "--resume");
    free(err);
    assert_no_temporary_files(stopped);

    // every checkpoint written so far loads, and training was really cut short
    char names[64][256];
    int n = list_models(stopped, names, 64);
    ck_assert_int_gt(n, 0);
    for (int k = 0; k < n; k++) {
        char name[600];
        snprintf(name, sizeof name, "%.300s/%.250s", stopped, names[k]);
        assert_checkpoint_loads(name);
    }
    int all_same;
    compare_dirs(straight, stopped, &all_same);
    ck_assert_msg(!all_same, "%s: SIGTERM came after training had finished", program);

    // --resume: the same files, byte for byte, as the run never stopped
    ck_assert_msg(run_chapter(_i, stopped, "--quiet --resume") == 0, "%s --resume failed (see %s.log)", program,
                  stopped);
    int compared = compare_dirs(straight, stopped, NULL);
    ck_assert_int_gt(compared, 2 * n);
}
END_TEST

START_TEST(test_second_signal_stops_at_once) {
    const char *program = chapters[_i].program;
    char dir[300], err_path[400];
    fresh_dir(dir, program, "twice");
    snprintf(err_path, sizeof err_path, "%s.stderr", dir);
    static Child c;
    child_start(&c, _i, dir, err_path);
    ck_assert_msg(child_wait_for(&c, chapters[_i].training_marker, 120), "%s never started training", program);
    kill(c.pid, SIGTERM);
    // the second only after the first was heard (two pending SIGTERMs would merge into one)
    for (double until = now_s() + 10; now_s() < until; sleep_ms(1)) {
        char *err = read_all(err_path, NULL);
        int heard = strstr(err, "interrupted: finishing") != NULL;
        free(err);
        if (heard) break;
    }
    kill(c.pid, SIGTERM);
    int status = child_finish(&c, 60);
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 143);
    assert_no_temporary_files(dir);
    char names[64][256];
    int n = list_models(dir, names, 64);
    for (int k = 0; k < n; k++) {   // whatever was saved is whole
        char name[600];
        snprintf(name, sizeof name, "%.300s/%.250s", dir, names[k]);
        assert_checkpoint_loads(name);
    }
}
END_TEST

// One line on stderr, exit status 1, naming what is wrong.
static void assert_refused(int i, const char *dir, const char *args, const char *must_mention, const char *also) {
    const char *program = chapters[i].program;
    char cmd[2000], log[400], own[100];
    chapter_args(own, sizeof own, i);
    snprintf(log, sizeof log, "%s.refused", dir);
    snprintf(cmd, sizeof cmd, "%s/%s --quick --quiet --seed 7 --out '%s'%s %s > /dev/null 2> '%s'", test_bin_dir(),
             program, dir, own, args, log);
    int status = run(cmd);
    ck_assert_msg(status == 1, "%s %s: exit status %d, expected 1", program, args, status);
    char *err = read_all(log, NULL);
    int lines = 0;
    for (char *p = err; *p; p++) lines += *p == '\n';
    ck_assert_msg(lines == 1, "%s %s: %d lines on stderr, expected one: %s", program, args, lines, err);
    ck_assert_err_has(err, must_mention, also);
    free(err);
}

START_TEST(test_resume_refuses_what_does_not_match) {
    const char *program = chapters[_i].program;
    char dir[300];
    fresh_dir(dir, program, "refused");
    char other_hidden[100];
    snprintf(other_hidden, sizeof other_hidden, "--resume --no-plots %s 8", chapters[_i].hidden_option);
    assert_refused(_i, dir, "--resume", "--resume", "no such checkpoint");
    ck_assert_int_eq(run_chapter(_i, dir, "--quiet --no-plots --steps 5"), 0);
    assert_refused(_i, dir, other_hidden, "a checkpoint of another model", "'hidden'");
    assert_refused(_i, dir, "--resume --no-plots --steps 3", "5 updates", "3 asked for");
    ck_assert_int_eq(run_chapter(_i, dir, "--quiet --no-plots --steps 8 --resume"), 0);   // --steps may grow
}
END_TEST

Suite *make_resume_chapters_suite(void) {
    Suite *s = suite_create("resume_chapters");
    TCase *tc = tcase_create("programs");
    tcase_set_timeout(tc, 300);
    int n = (int)(sizeof chapters / sizeof chapters[0]);
    tcase_add_loop_test(tc, test_sigterm_then_resume_is_exact, 0, n);
    tcase_add_loop_test(tc, test_second_signal_stops_at_once, 0, n);
    tcase_add_loop_test(tc, test_resume_refuses_what_does_not_match, 0, n);
    suite_add_tcase(s, tc);
    return s;
}
