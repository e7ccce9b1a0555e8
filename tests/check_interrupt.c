// check_interrupt.c: Ctrl-C during training (common/interrupt.h), with real signals sent to a
// child process that runs a small training loop. Introduced in issue 13 (hardening).
//
// The child's loop is what a chapter does: each step prints "begin N", works for a while,
// prints "end N", then polls interrupt_requested(); when asked, it saves a "checkpoint"
// atomically, prints where and how to resume, and exits with interrupt_exit_status().
// The parent reads the child's progress from a pipe, sends the signals, and checks:
//   * one SIGINT: the step in progress is finished, the save runs, the report line names the
//     file and the resume command, the exit status is 130 (143 for SIGTERM);
//   * a second SIGINT: exit at once with 130, the step left unfinished;
//   * a second SIGINT during interrupt_hold(): the save completes first, then exit 130,
//     and no temporary file is left;
//   * interrupt_reset() puts the previous handler back and forgets the request (status 1), but
//     not a second signal that a hold postponed: that one still exits 130.
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

#include "fileio.h"
#include "interrupt.h"
#include "test_files.h"
#include "util.h"

static char dir[64], save_path[4096], log_path[4096];

static void setup(void) {
    make_tmp_dir(dir);
    tmp_path(save_path, dir, "model.ckpt");
    tmp_path(log_path, dir, "stderr.txt");
}
static void teardown(void) { remove_tmp_dir(dir); }

// Sleep ms milliseconds even when a signal interrupts the sleep (as a step of real work would
// simply continue).
static void work_ms(int ms) {
    struct timespec left = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&left, &left) != 0 && errno == EINTR) {}
}

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

// The "checkpoint": one line, written slowly (in `pieces` parts, ms_each apart) through the
// atomic writer, inside interrupt_hold()/interrupt_release().
static void save_checkpoint(int step, int pieces, int ms_each) {
    interrupt_hold();
    AtomicFile af;
    FILE *fp = atomic_open_or_die(&af, save_path);
    for (int i = 0; i < pieces; i++) {
        fprintf(fp, "piece %d of step %d\n", i, step);
        fflush(fp);
        work_ms(ms_each);
    }
    fprintf(fp, "complete\n");
    atomic_commit_or_die(&af);
    interrupt_release();
}

// The child's training loop. step_ms: length of one step; save_pieces: see save_checkpoint.
static _Noreturn void training_child(int progress_fd, int step_ms, int save_pieces) {
    set_program_name("trainer");
    if (!interrupt_install()) _exit(90);
    for (int step = 0; step < 1000; step++) {
        dprintf(progress_fd, "begin %d\n", step);
        work_ms(step_ms);
        dprintf(progress_fd, "end %d\n", step);
        if (interrupt_requested()) {
            dprintf(progress_fd, "saving %d\n", step);
            save_checkpoint(step, save_pieces, 100);
            dprintf(progress_fd, "saved %d\n", step);
            interrupt_report(save_path, "trainer --resume model.ckpt");
            _exit(interrupt_exit_status());
        }
    }
    _exit(0);
}

typedef struct Child {
    pid_t pid;
    int fd;              // read end of the progress pipe
    char text[8192];     // progress read so far
    size_t len;
} Child;

static void child_start(Child *c, int step_ms, int save_pieces) {
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    fflush(NULL);   // nothing buffered may be written twice
    c->pid = fork();
    ck_assert_int_ge(c->pid, 0);
    if (c->pid == 0) {
        close(fds[0]);
        int err_fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (err_fd < 0 || dup2(err_fd, STDERR_FILENO) < 0) _exit(91);
        training_child(fds[1], step_ms, save_pieces);
    }
    close(fds[1]);
    c->fd = fds[0];
    c->len = 0;
    c->text[0] = '\0';
}

// Read progress until `want` appears (1) or timeout_s passes or the pipe closes (0).
static int child_wait_for(Child *c, const char *want, double timeout_s) {
    double end = now_s() + timeout_s;
    while (!strstr(c->text, want)) {
        double left = end - now_s();
        if (left <= 0) return 0;
        struct pollfd p = {c->fd, POLLIN, 0};
        if (poll(&p, 1, (int)(left * 1000) + 1) <= 0) continue;
        ssize_t got = read(c->fd, c->text + c->len, sizeof c->text - 1 - c->len);
        if (got <= 0) return 0;
        c->len += (size_t)got;
        c->text[c->len] = '\0';
    }
    return 1;
}

// Wait for the child to end (at most timeout_s, else kill it and fail); returns its status.
static int child_finish(Child *c, double timeout_s) {
    double end = now_s() + timeout_s;
    int status = 0;
    while (waitpid(c->pid, &status, WNOHANG) == 0) {
        if (now_s() > end) {
            kill(c->pid, SIGKILL);
            waitpid(c->pid, &status, 0);
            close(c->fd);
            ck_abort_msg("the child did not exit within %.0f s of the signal", timeout_s);
        }
        work_ms(10);
    }
    child_wait_for(c, "\x01never", 0.5);   // the rest of the progress, up to EOF
    close(c->fd);
    return status;
}

// How many lines of text the file has, and whether it mentions every phrase.
static int count_lines(const char *text) {
    int n = 0;
    for (const char *p = text; *p; p++) n += *p == '\n';
    return n;
}

static void assert_no_temporary_files(void) {
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    struct dirent *e;
    while ((e = readdir(d)))
        ck_assert_msg(strstr(e->d_name, ".tmp-") == NULL, "temporary file %s left behind", e->d_name);
    closedir(d);
}

START_TEST(test_first_signal_finishes_step_saves_and_reports) {
    static const int signals[2] = {SIGINT, SIGTERM};
    int sig = signals[_i];
    Child c;
    child_start(&c, 200, 1);
    ck_assert_msg(child_wait_for(&c, "begin 2\n", 10), "the child never reached step 2: %s", c.text);
    work_ms(50);   // into the middle of step 2
    kill(c.pid, sig);
    int status = child_finish(&c, 10);
    ck_assert_msg(WIFEXITED(status), "the child was killed by signal %d instead of exiting",
                  WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    ck_assert_int_eq(WEXITSTATUS(status), 128 + sig);
    // the step in progress was finished, the save ran, nothing started after it
    ck_assert_msg(strstr(c.text, "end 2\nsaving 2\nsaved 2\n") != NULL, "progress: %s", c.text);
    ck_assert_msg(strstr(c.text, "begin 3") == NULL, "a new step started after the signal: %s", c.text);
    char *saved = read_all(save_path, NULL);
    ck_assert_str_eq(saved, "piece 0 of step 2\ncomplete\n");
    free(saved);
    assert_no_temporary_files();
    // stderr: the line the handler printed, then the report with the file and the resume command
    char *err = read_all(log_path, NULL);
    ck_assert_msg(count_lines(err) == 2, "expected 2 lines on stderr: %s", err);
    ck_assert_err_has(err, "trainer: interrupted: finishing this step", "Ctrl-C again");
    ck_assert_err_has(err, sig == SIGINT ? "interrupted by SIGINT" : "interrupted by SIGTERM", save_path,
                      "to resume: trainer --resume model.ckpt");
    free(err);
}
END_TEST

START_TEST(test_second_signal_exits_at_once) {
    Child c;
    child_start(&c, 20000, 1);   // a long step that would take 20 s to finish
    ck_assert(child_wait_for(&c, "begin 0\n", 10));
    kill(c.pid, SIGINT);
    // wait until the first one was heard, then send the second
    double until = now_s() + 5;
    size_t n = 0;
    while (now_s() < until) {
        char *err = read_all(log_path, &n);
        int heard = strstr(err, "interrupted") != NULL;
        free(err);
        if (heard) break;
        work_ms(10);
    }
    ck_assert_msg(n > 0, "the child did not report the first SIGINT");
    double sent = now_s();
    kill(c.pid, SIGINT);
    int status = child_finish(&c, 15);
    double took = now_s() - sent;
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 130);
    ck_assert_msg(took < 5.0, "the second SIGINT took %.1f s to stop the child", took);   // (valgrind is slow)
    ck_assert_msg(strstr(c.text, "end 0") == NULL, "the step was finished anyway: %s", c.text);
    ck_assert_int_ne(access(save_path, F_OK), 0);   // nothing saved, nothing half-saved
    assert_no_temporary_files();
    char *err = read_all(log_path, NULL);
    ck_assert_err_has(err, "second interrupt: stopping now");
    free(err);
}
END_TEST

START_TEST(test_second_signal_during_save_waits_for_it) {
    Child c;
    child_start(&c, 50, 8);   // the save takes 8 x 100 ms
    ck_assert(child_wait_for(&c, "begin 1\n", 10));
    kill(c.pid, SIGINT);
    ck_assert_msg(child_wait_for(&c, "saving", 10), "no save started: %s", c.text);
    work_ms(150);
    kill(c.pid, SIGINT);   // in the middle of the save
    int status = child_finish(&c, 10);
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 130);
    // the save completed (its file is whole); the second signal then stopped the child
    // before it could print the report
    char *saved = read_all(save_path, NULL);
    ck_assert_msg(strstr(saved, "piece 7 of step") && strstr(saved, "complete\n"), "saved: %s", saved);
    free(saved);
    ck_assert_msg(strstr(c.text, "saved ") == NULL, "the child went on after the save: %s", c.text);
    assert_no_temporary_files();
}
END_TEST

// In a child too, so the handler's line does not land in the test log.
static _Noreturn void reset_child(void) {
    struct sigaction mine, seen;
    memset(&mine, 0, sizeof mine);
    mine.sa_handler = SIG_IGN;
    sigemptyset(&mine.sa_mask);
    sigaction(SIGINT, &mine, NULL);
    if (!interrupt_install() || !interrupt_install()) _exit(10);   // twice: still restorable
    if (interrupt_requested() || interrupt_exit_status() != 1) _exit(11);
    raise(SIGINT);
    if (interrupt_requested() != SIGINT || interrupt_exit_status() != 130) _exit(12);
    interrupt_reset();
    // as if no signal had arrived: no request, status 1
    if (interrupt_requested() || interrupt_exit_status() != 1) _exit(13);
    sigaction(SIGINT, NULL, &seen);
    if (seen.sa_handler != SIG_IGN) _exit(14);   // the handler from before is back
    // a hold that was open at the reset is over: after a new install, a second signal exits
    // at once again (it does not wait for a release that will never come)
    interrupt_hold();
    interrupt_reset();
    if (!interrupt_install()) _exit(15);
    raise(SIGTERM);
    if (interrupt_requested() != SIGTERM || interrupt_exit_status() != 143) _exit(16);
    raise(SIGINT);   // exits with 130 here
    _exit(17);
}

START_TEST(test_install_and_reset) {
    fflush(NULL);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);
        if (fd >= 0) dup2(fd, STDERR_FILENO);
        reset_child();
    }
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 130, "check %d failed in the child",
                  WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}
END_TEST

// A second signal during a hold, then interrupt_reset() instead of interrupt_release() (an
// error path that cleans up): the user asked to stop at once, the hold only postponed it, so
// the reset exits with 130. It used to forget that signal and carry on, ending with status 0
// (or 1 from interrupt_exit_status) although Ctrl-C had been pressed twice.
static _Noreturn void reset_in_hold_child(void) {
    if (!interrupt_install()) _exit(10);
    interrupt_hold();
    raise(SIGINT);   // heard: finish the step, save
    raise(SIGINT);   // "now", postponed by the hold
    if (interrupt_requested() != SIGINT) _exit(11);
    interrupt_reset();
    _exit(interrupt_exit_status() == 1 ? 20 : 21);   // must not get here
}

START_TEST(test_reset_during_hold_keeps_the_second_signal) {
    fflush(NULL);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0 || dup2(fd, STDERR_FILENO) < 0) _exit(91);
        set_program_name("trainer");
        reset_in_hold_child();
    }
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status), "the child was killed by signal %d", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    ck_assert_msg(WEXITSTATUS(status) == 130, "exit status %d, expected 130 (20: the reset forgot the second SIGINT)",
                  WEXITSTATUS(status));
    char *err = read_all(log_path, NULL);
    ck_assert_msg(count_lines(err) == 2, "expected 2 lines on stderr: %s", err);
    ck_assert_err_has(err, "trainer: interrupted: finishing this step", "trainer: second interrupt: stopping now");
    free(err);
}
END_TEST

Suite *make_interrupt_suite(void) {
    Suite *s = suite_create("interrupt");
    TCase *tc = tcase_create("signals");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_first_signal_finishes_step_saves_and_reports, 0, 2);
    tcase_add_test(tc, test_second_signal_exits_at_once);
    tcase_add_test(tc, test_second_signal_during_save_waits_for_it);
    tcase_add_test(tc, test_install_and_reset);
    tcase_add_test(tc, test_reset_during_hold_keeps_the_second_signal);
    suite_add_tcase(s, tc);
    return s;
}
