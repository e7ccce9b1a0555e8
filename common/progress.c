// progress.c: see progress.h. Introduced in issue 3 (figures and CLI).
#include "progress.h"

#include <math.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

// "nan" whatever the sign bit, so logs do not differ between -nan and nan.
static const char *loss_text(char *buf, size_t n, double loss) {
    if (isnan(loss)) snprintf(buf, n, "nan");
    else snprintf(buf, n, "%.4g", loss);
    return buf;
}

void progress_start_on(Progress *p, FILE *out, int tty, const char *label, long total, int quiet) {
    memset(p, 0, sizeof *p);
    p->out = out;
    p->tty = tty;
    p->quiet = quiet;
    snprintf(p->label, sizeof p->label, "%s", label);
    p->total = total > 0 ? total : 1;
    p->loss = NAN;
    p->t_start = now_seconds();
    p->t_last_draw = -1;
}

void progress_start(Progress *p, const char *label, long total, int quiet) {
    progress_start_on(p, stdout, isatty(fileno(stdout)), label, total, quiet);
}

void progress_skip(Progress *p, long done) { p->step = p->step0 = done; }

static void format_duration(char *buf, size_t n, double seconds) {
    long s = (long)(seconds + 0.5);
    if (s >= 3600) snprintf(buf, n, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    else snprintf(buf, n, "%ld:%02ld", s / 60, s % 60);
}

static void draw_bar(Progress *p, int final) {
    double elapsed = now_seconds() - p->t_start;
    double rate = elapsed > 0 ? (p->step - p->step0) / elapsed : 0;
    char bar[21], loss[32], timing[32], line[256];
    int filled = (int)(20 * p->step / p->total);
    for (int i = 0; i < 20; i++) bar[i] = i < filled ? '#' : '.';
    bar[20] = '\0';
    if (final) {
        format_duration(timing, sizeof timing, elapsed);
        snprintf(line, sizeof line, "%s [%s] %ld/%ld  loss %s  %.0f steps/s  took %s", p->label, bar,
                 p->step, p->total, loss_text(loss, sizeof loss, p->loss), rate, timing);
    } else {
        if (rate > 0) format_duration(timing, sizeof timing, (p->total - p->step) / rate);
        else snprintf(timing, sizeof timing, "?");
        snprintf(line, sizeof line, "%s [%s] %ld/%ld  loss %s  %.0f steps/s  ETA %s", p->label, bar,
                 p->step, p->total, loss_text(loss, sizeof loss, p->loss), rate, timing);
    }
    int width = (int)strlen(line);
    // Spaces over the rest of a longer previous line.
    fprintf(p->out, "\r%s%*s", line, p->line_width > width ? p->line_width - width : 0, "");
    p->line_width = width;
    fflush(p->out);
}

void progress_update(Progress *p, long step, double loss) {
    if (p->quiet) return;
    p->step = step;
    p->loss = loss;
    if (p->tty) {
        double t = now_seconds();
        if (p->t_last_draw < 0 || t - p->t_last_draw >= 0.1 || step >= p->total) {
            p->t_last_draw = t;
            draw_bar(p, 0);
        }
        return;
    }
    // Plain lines at each 10% mark the step has reached (several if it jumped).
    int tenths = (int)(10 * (step < p->total ? step : p->total) / p->total);
    if (tenths > p->tenths_shown) {
        char text[32];
        p->tenths_shown = tenths;
        fprintf(p->out, "%s: %ld/%ld (%d%%)  loss %s\n", p->label, step, p->total, 10 * tenths,
                loss_text(text, sizeof text, loss));
        fflush(p->out);
    }
}

void progress_end(Progress *p) {
    if (p->quiet) return;
    if (p->tty) {
        draw_bar(p, 1);
        fputc('\n', p->out);
    } else if (p->step < p->total) {
        fprintf(p->out, "%s: stopped at %ld/%ld\n", p->label, p->step, p->total);
    }
    fflush(p->out);
}
