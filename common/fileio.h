// fileio.h: atomic output files and output folders.
// Introduced in the foundation (issue 2); used by every figure, CSV and checkpoint.
//
// Nothing unrolled writes is ever half-written: a file is written under a temporary name in
// the same folder (".NAME.tmp-PID") and renamed over NAME only when every byte is out and
// flushed. rename() within one folder is atomic on POSIX, so a reader (or an interrupted run)
// sees the old file or the new one, never a mix.
#ifndef UNROLLED_FILEIO_H
#define UNROLLED_FILEIO_H

#include <stdio.h>

typedef struct AtomicFile {
    FILE *fp;              // write to this
    char path[4096];       // the final name
    char tmp_path[4096];   // where the bytes go until atomic_commit
} AtomicFile;

// Open PATH for writing through a temporary file. On failure returns 0 and, when errbuf is
// given, puts a one-line reason there ("cannot create figures/x.csv: Permission denied").
int atomic_open(AtomicFile *f, const char *path, char *errbuf, size_t errlen);
// Flush, check for write errors (a full disk), close, rename over the final name. On failure
// the temporary file is removed, the old file (if any) is untouched, and 0 is returned.
int atomic_commit(AtomicFile *f, char *errbuf, size_t errlen);
// Give up: close and remove the temporary file.
void atomic_abort(AtomicFile *f);

// The dying variants: one-line error naming the file, exit 1.
FILE *atomic_open_or_die(AtomicFile *f, const char *path);
void atomic_commit_or_die(AtomicFile *f);

// mkdir -p. Returns 0 and fills errbuf if a component cannot be created or is not a folder,
// or if the folder is not writable.
int make_dirs(const char *path, char *errbuf, size_t errlen);
void make_dirs_or_die(const char *path);

// Join a folder and a file name into buf ("figures/01" + "x.csv" -> "figures/01/x.csv").
const char *path_join(char *buf, size_t n, const char *dir, const char *name);

#endif
