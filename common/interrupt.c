// interrupt.c: see interrupt.h. Introduced in issue 13 (hardening).
#define _POSIX_C_SOURCE 200809L
#include "interrupt.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

// The process-wide state (interrupt.h says why there is any). The handler reads and writes
// only the three sig_atomic_t flags and reads the two messages, which are written by
// interrupt_install before the handler can run.
static volatile sig_atomic_t g_signal;        // the first signal's number; 0: none yet
static volatile sig_atomic_t g_hold;          // depth of interrupt_hold()
static volatile sig_atomic_t g_exit_pending;  // a second signal that came during a hold
static struct sigaction g_previous[2];        // what interrupt_install replaced
static int g_installed;
static char g_heard[256], g_stopping[256];    // what the handler prints (it cannot format)
static size_t g_heard_len, g_stopping_len;

static const int SIGNALS[2] = {SIGINT, SIGTERM};

static void say(const char *text, size_t len) {
    ssize_t ignored = write(STDERR_FILENO, text, len);   // async-signal-safe, unlike stdio
    (void)ignored;
}

// The second signal: back to the default disposition (a third one kills outright), then exit
// without running atexit handlers or flushing stdio, which are not safe in a handler.
static void exit_now(int sig) {
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    for (int i = 0; i < 2; i++) sigaction(SIGNALS[i], &dfl, NULL);
    say(g_stopping, g_stopping_len);
    _exit(128 + sig);
}

static void on_signal(int sig) {
    int saved_errno = errno;   // the interrupted code may be about to read errno
    if (g_signal == 0) {
        g_signal = sig;
        say(g_heard, g_heard_len);
    } else if (g_hold > 0) {
        g_exit_pending = sig;
    } else {
        exit_now(sig);
    }
    errno = saved_errno;
}

int interrupt_install(void) {
    g_signal = 0;
    g_hold = 0;
    g_exit_pending = 0;
    snprintf(g_heard, sizeof g_heard, "%s: interrupted: finishing this step, then saving (press Ctrl-C again to stop at once)\n",
             program_name());
    snprintf(g_stopping, sizeof g_stopping, "%s: second interrupt: stopping now\n", program_name());
    g_heard_len = strlen(g_heard);
    g_stopping_len = strlen(g_stopping);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;   // resume interrupted reads and writes instead of failing them
    sigemptyset(&sa.sa_mask);
    for (int i = 0; i < 2; i++) sigaddset(&sa.sa_mask, SIGNALS[i]);   // one handler at a time
    for (int i = 0; i < 2; i++) {
        // Installing twice keeps the handlers from before the first install for interrupt_reset.
        struct sigaction *old = g_installed ? NULL : &g_previous[i];
        if (sigaction(SIGNALS[i], &sa, old) != 0) return 0;
    }
    g_installed = 1;
    return 1;
}

int interrupt_requested(void) { return g_signal; }

// Back to the state before interrupt_install, as if no signal had arrived: no request, exit
// status 1, no hold. Two things must not get lost on the way:
//   * a second signal that came during a hold is not a request but an exit that the hold only
//     postponed; reset ends the hold, so it exits now, as interrupt_release would have;
//   * a signal that arrives while the handlers are being put back: both are blocked meanwhile,
//     so such a signal waits and then goes to the restored handler (Ctrl-C kills again),
//     instead of reaching ours after the check and being wiped with the flags.
void interrupt_reset(void) {
    sigset_t both, before;
    sigemptyset(&both);
    for (int i = 0; i < 2; i++) sigaddset(&both, SIGNALS[i]);
    sigprocmask(SIG_BLOCK, &both, &before);
    int postponed = g_exit_pending;
    g_signal = 0;
    g_hold = 0;
    g_exit_pending = 0;
    if (postponed) exit_now(postponed);
    if (g_installed)
        for (int i = 0; i < 2; i++) sigaction(SIGNALS[i], &g_previous[i], NULL);
    g_installed = 0;
    sigprocmask(SIG_SETMASK, &before, NULL);
}

void interrupt_hold(void) { g_hold = g_hold + 1; }

void interrupt_release(void) {
    if (g_hold > 0) g_hold = g_hold - 1;
    if (g_hold == 0 && g_exit_pending) exit_now(g_exit_pending);
}

static const char *signal_name(int sig) {
    if (sig == SIGINT) return "SIGINT (Ctrl-C)";
    if (sig == SIGTERM) return "SIGTERM";
    return "a signal";
}

void interrupt_report(const char *path, const char *resume_hint) {
    fflush(stdout);
    fprintf(stderr, "%s: interrupted by %s", program_name(), signal_name(g_signal));
    if (path) fprintf(stderr, "; saved %s", path);
    else fprintf(stderr, "; nothing saved");
    if (resume_hint) fprintf(stderr, "; to resume: %s", resume_hint);
    fputc('\n', stderr);
}

int interrupt_exit_status(void) { return g_signal ? 128 + g_signal : EXIT_RUNTIME; }
