// fileio.c: see fileio.h. Introduced in the foundation (issue 2).
#define _POSIX_C_SOURCE 200809L
#include "fileio.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

const char *path_join(char *buf, size_t n, const char *dir, const char *name) {
    size_t len = strlen(dir);
    if (len == 0) snprintf(buf, n, "%s", name);
    else snprintf(buf, n, "%s%s%s", dir, dir[len - 1] == '/' ? "" : "/", name);
    return buf;
}

int atomic_open(AtomicFile *f, const char *path, char *errbuf, size_t errlen) {
    memset(f, 0, sizeof *f);
    if (strlen(path) + 32 >= sizeof f->path) {
        if (errbuf) snprintf(errbuf, errlen, "path too long: %.60s...", path);
        return 0;
    }
    snprintf(f->path, sizeof f->path, "%s", path);
    // The temporary file sits in the same folder, so the final rename never crosses a device.
    const char *slash = strrchr(path, '/');
    int dir_len = slash ? (int)(slash - path + 1) : 0;
    snprintf(f->tmp_path, sizeof f->tmp_path, "%.*s.%s.tmp-%ld", dir_len, path,
             slash ? slash + 1 : path, (long)getpid());
    f->fp = fopen(f->tmp_path, "wb");
    if (!f->fp) {
        if (errbuf) snprintf(errbuf, errlen, "cannot create %s: %s", path, strerror(errno));
        return 0;
    }
    return 1;
}

int atomic_commit(AtomicFile *f, char *errbuf, size_t errlen) {
    int ok = f->fp && fflush(f->fp) == 0 && !ferror(f->fp);
    int saved_errno = errno;
    if (f->fp && fclose(f->fp) != 0 && ok) {
        ok = 0;
        saved_errno = errno;
    }
    f->fp = NULL;
    if (!ok) {
        if (errbuf) snprintf(errbuf, errlen, "cannot write %s: %s", f->path, strerror(saved_errno));
        remove(f->tmp_path);
        return 0;
    }
    if (rename(f->tmp_path, f->path) != 0) {
        if (errbuf) snprintf(errbuf, errlen, "cannot rename into %s: %s", f->path, strerror(errno));
        remove(f->tmp_path);
        return 0;
    }
    return 1;
}

void atomic_abort(AtomicFile *f) {
    if (f->fp) fclose(f->fp);
    f->fp = NULL;
    if (f->tmp_path[0]) remove(f->tmp_path);
}

FILE *atomic_open_or_die(AtomicFile *f, const char *path) {
    char err[512];
    if (!atomic_open(f, path, err, sizeof err)) die("%s", err);
    return f->fp;
}

void atomic_commit_or_die(AtomicFile *f) {
    char err[512];
    if (!atomic_commit(f, err, sizeof err)) die("%s", err);
}

int make_dirs(const char *path, char *errbuf, size_t errlen) {
    char buf[4096];
    if (strlen(path) >= sizeof buf) {
        if (errbuf) snprintf(errbuf, errlen, "output folder path too long");
        return 0;
    }
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char saved = *p;
            *p = '\0';
            if (mkdir(buf, 0777) != 0 && errno != EEXIST) {
                if (errbuf) snprintf(errbuf, errlen, "cannot create folder %s: %s", buf, strerror(errno));
                return 0;
            }
            struct stat st;
            if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode)) {
                if (errbuf) snprintf(errbuf, errlen, "cannot create folder %s: a file of that name is in the way", buf);
                return 0;
            }
            *p = saved;
            if (saved == '\0') break;
        }
    }
    if (access(path, W_OK) != 0) {
        if (errbuf) snprintf(errbuf, errlen, "output folder %s is not writable: %s", path, strerror(errno));
        return 0;
    }
    return 1;
}

void make_dirs_or_die(const char *path) {
    char err[512];
    if (!make_dirs(path, err, sizeof err)) die("%s", err);
}
