// check_main.c: runs every suite (libcheck's check_check_main.c layout).
// Each tests/check_<name>.c exports `Suite *make_<name>_suite(void)`; the Makefile collects
// them into suites.h, so a new test file needs no edit here.
//
//   make test                      every suite
//   CK_RUN_SUITE=gradcheck make test   one suite
//   CK_FORK=no ./build/check_unrolled  one process (for gdb or valgrind)
#include <check.h>
#include <stdlib.h>

#define SUITE(name) Suite *make_##name##_suite(void);
#include "suites.h"
#undef SUITE

int main(void) {
    SRunner *sr = srunner_create(NULL);
#define SUITE(name) srunner_add_suite(sr, make_##name##_suite());
#include "suites.h"
#undef SUITE
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
