// interrupt.h: stopping a training run with Ctrl-C without losing it.
// Introduced in issue 13 (hardening).
//
// A long training loop should answer Ctrl-C (SIGINT) or a polite `kill` (SIGTERM) by finishing
// the step it is in, saving a checkpoint and saying how to resume, not by dying between two
// writes. The pattern:
//
//     interrupt_install();                          // before the loop
//     for (step = start; step < steps; step++) {
//         train_one_step(...);
//         if (interrupt_requested()) {              // poll once per step
//             checkpoint_save_or_die(path, ...);    // atomic: never half-written
//             interrupt_report(path, "./bin/04_seq2seq_lstm --resume runs/04/model");
//             cleanup(...);
//             return interrupt_exit_status();       // 130 for SIGINT, 143 for SIGTERM
//         }
//     }
//     interrupt_reset();                            // after the loop: Ctrl-C kills again
//
// The first signal only sets a flag (and prints one line, so the user knows it was heard).
// A second signal means "now": the default disposition is restored and the process exits at
// once with status 128 + signal number (130 for SIGINT), without cleanup. Files still stay
// whole: every file unrolled writes goes through a temporary name and rename() (fileio.h), so
// an exit at any instant leaves the old file or the new one. The one thing an instant exit can
// leave is the temporary file itself (".NAME.tmp-PID"); wrap a save in interrupt_hold() /
// interrupt_release() and a second signal during the save waits until the save is done.
//
// Process-wide state, and why. A signal handler receives only the signal number: it cannot be
// given a context pointer, so what it sets must be a file-scope variable, and the only type C
// lets a handler write is `volatile sig_atomic_t`. interrupt.c has three such flags (signal
// seen, hold depth, exit pending) and the dispositions to restore; nothing else in unrolled
// keeps state of its own like this (STYLE.md: no global mutable state).
//
// Threads: with OpenMP the signal may arrive on any thread; the handler only touches the
// flags, so that is fine, and the loop polls on the main thread between steps. The handlers
// are installed with SA_RESTART, so a read or write in progress is resumed, not failed with
// EINTR (a checkpoint save must not fail because Ctrl-C was pressed during it).
#ifndef UNROLLED_INTERRUPT_H
#define UNROLLED_INTERRUPT_H

// Catch SIGINT and SIGTERM as above (the previous handlers are kept for interrupt_reset).
// Clears any earlier request. Call it after cli_parse: its messages start with the program
// name. Returns 1, or 0 with errno set if sigaction failed.
int interrupt_install(void);

// Nonzero once SIGINT or SIGTERM arrived after interrupt_install: the signal number.
int interrupt_requested(void);

// Put back the handlers interrupt_install replaced and forget any request: afterwards it is as
// if no signal had arrived (interrupt_requested() is 0, interrupt_exit_status() is 1), so read
// the status before resetting. Inside a hold it ends the hold: a second signal that came
// during it exits now (128 + its number), as interrupt_release would.
void interrupt_reset(void);

// Between these two, a second signal does not exit at once: it exits in interrupt_release(),
// right after the work in between (a checkpoint save) is complete. They nest.
void interrupt_hold(void);
void interrupt_release(void);

// One line on stderr: "PROGRAM: interrupted by SIGINT; saved PATH; to resume: RESUME_HINT".
// path NULL: nothing was saved; resume_hint NULL: no resume line part.
void interrupt_report(const char *path, const char *resume_hint);

// The exit status for the signal that was received: 128 + its number (130 for SIGINT,
// 143 for SIGTERM), as a shell reports a process killed by it; 1 if none was.
int interrupt_exit_status(void);

#endif
