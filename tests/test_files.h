// test_files.h: scratch folders and files for the tests that read files.
// Introduced in issue 6 (data pipeline).
#ifndef UNROLLED_TEST_FILES_H
#define UNROLLED_TEST_FILES_H

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// A fresh folder /tmp/unrolled-test-XXXXXX; its name goes into dir (at least 64 bytes).
static inline void make_tmp_dir(char *dir) {
    strcpy(dir, "/tmp/unrolled-test-XXXXXX");
    ck_assert_msg(mkdtemp(dir) != NULL, "cannot create a scratch folder under /tmp");
}

// dir/name into path (4096 bytes), returned.
static inline const char *tmp_path(char *path, const char *dir, const char *name) {
    int n = snprintf(path, 4096, "%s/%s", dir, name);
    ck_assert_msg(n > 0 && n < 4096, "path too long");
    return path;
}

static inline void write_bytes(const char *path, const void *data, size_t n) {
    FILE *fp = fopen(path, "wb");
    ck_assert_msg(fp != NULL, "cannot write %s", path);
    ck_assert_uint_eq(fwrite(data, 1, n, fp), n);
    fclose(fp);
}

static inline void write_text(const char *path, const char *text) { write_bytes(path, text, strlen(text)); }

// The whole file, '\0'-terminated and malloc'd; *n gets its size.
static inline char *read_all(const char *path, size_t *n) {
    FILE *fp = fopen(path, "rb");
    ck_assert_msg(fp != NULL, "cannot read %s", path);
    fseek(fp, 0, SEEK_END);
    long size = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *buf = malloc((size_t)size + 1);
    ck_assert_uint_eq(fread(buf, 1, (size_t)size, fp), (size_t)size);
    buf[size] = '\0';
    fclose(fp);
    if (n) *n = (size_t)size;
    return buf;
}

// rm -r dir (only our own scratch folders).
static inline void remove_tmp_dir(const char *dir) {
    char cmd[4200];
    if (strncmp(dir, "/tmp/unrolled-test-", 19) != 0) return;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "warning: could not remove %s\n", dir);
}

// The error message must contain every one of the given phrases (NULL-terminated list).
#define ck_assert_err_has(err, ...) ck_err_has_at((err), __FILE__, __LINE__, __VA_ARGS__, (const char *)NULL)
static inline void ck_err_has_at(const char *err, const char *file, int line, ...) {
    va_list ap;
    va_start(ap, line);
    const char *want;
    while ((want = va_arg(ap, const char *)) != NULL)
        if (!strstr(err, want)) ck_abort_msg("%s:%d: error message \"%s\" does not mention \"%s\"", file, line, err, want);
    va_end(ap);
}

#endif
