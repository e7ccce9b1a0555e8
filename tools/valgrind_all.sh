#!/bin/sh
# valgrind_all.sh: the test suite, every chapter and bin/bleu under valgrind's memcheck.
# Introduced in issue 13 (hardening).
#
#   sh tools/valgrind_all.sh            everything (the test suite takes the longest)
#   sh tools/valgrind_all.sh chapters   only the chapter programs and bin/bleu
#   sh tools/valgrind_all.sh tests      only the test suite
#   sh tools/valgrind_all.sh ci         what CI runs every time (a few minutes): chapter 01's
#                                       --quick, bin/bleu, and the suites of the file readers
#                                       (the fuzzed code); make sanitize covers every chapter
#
# A separate single-threaded build goes to build/valgrind/ (make OPENMP=0 BUILD=build/valgrind
# BINDIR=build/valgrind/bin: OpenMP's thread pool shows up in valgrind as "possibly lost"
# memory and slows it down; bin/ of the normal build is left alone). Then, each under
#     valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=1
#   * each Check suite in one process (CK_FORK=no, CK_RUN_SUITE=name); the suites that run
#     programs run build/valgrind/bin/'s, not under valgrind (UNROLLED_BIN);
#   * every chapter with --quick --out <scratch folder>;
#   * bin/bleu on a good pair and on a bad one (error exit: valgrind's code is 97 there).
# Memory errors and definitely or indirectly lost blocks fail the run; "still reachable" at
# exit (e.g. gnuplot's pipe buffers) does not. Logs: build/valgrind/logs/. Exit status 0 when
# every run is clean, 1 otherwise.
set -u
cd "$(dirname "$0")/.." || exit 2
B=build/valgrind
LOGS=$B/logs
WHAT=${1:-all}
case "$WHAT" in all|tests|chapters|ci) ;; *) echo "usage: valgrind_all.sh [all|tests|chapters|ci]" >&2; exit 2 ;; esac

# ---- valgrind itself ------------------------------------------------------------------------
if ! command -v valgrind >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then sudo=""
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo"
    else echo "valgrind_all: valgrind is missing; run: sudo apt-get install -y valgrind" >&2; exit 1
    fi
    command -v apt-get >/dev/null 2>&1 || { echo "valgrind_all: install valgrind, then run this again" >&2; exit 1; }
    echo "valgrind_all: installing valgrind with apt-get"
    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq valgrind ||
        { echo "valgrind_all: apt-get failed; try: sudo apt-get install -y valgrind" >&2; exit 1; }
fi

# ---- the build ------------------------------------------------------------------------------
make -s -j"${VALGRIND_JOBS:-2}" OPENMP=0 BUILD=$B BINDIR=$B/bin all || { echo "valgrind_all: build failed" >&2; exit 1; }
mkdir -p "$LOGS"
chapters=$(for m in chapters/*/main.c; do [ -f "$m" ] && basename "$(dirname "$m")"; done)
suites=$(sed -n 's/^SUITE(\([a-z0-9_]*\))$/\1/p' $B/tests/suites.h)
if [ "$WHAT" = ci ]; then
    chapters=01_rnn_gradients
    suites="tokenizer corpus vocab json checkpoint bleu cli seq2seq_report"
fi

# ---- the runs -------------------------------------------------------------------------------
VG="valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect"
failed=0
scratch=$(mktemp -d /tmp/unrolled-valgrind-XXXXXX)
trap 'rm -rf "$scratch"' EXIT

# run NAME EXPECTED_STATUS VALGRIND_ERROR_CODE COMMAND...: one line of summary per run.
run() {
    name=$1 expect=$2 code=$3
    shift 3
    log=$LOGS/$name.log
    start=$(date +%s)
    $VG --error-exitcode="$code" --log-file="$log.vg" "$@" > "$log" 2>&1
    status=$?
    took=$(( $(date +%s) - start ))
    # the worst of the process and the children it forked (each writes its own summary)
    errors=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$log.vg" | sort -n | tail -n 1)
    lost=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$log.vg" | tr -d , | sort -n | tail -n 1)
    indirect=$(sed -n 's/.*indirectly lost: \([0-9,]*\) bytes.*/\1/p' "$log.vg" | tr -d , | sort -n | tail -n 1)
    if [ "$status" = "$expect" ] && [ "${errors:-0}" = 0 ]; then verdict="clean"
    else verdict="FAILED (exit $status, expected $expect)"; failed=1
    fi
    printf '%-28s %-8s %5ss  errors %-4s definitely lost %-8s indirectly lost %-8s %s\n' "$name" "$verdict" \
        "$took" "${errors:-?}" "${lost:-0}" "${indirect:-0}" "$log.vg"
}

if [ "$WHAT" != tests ]; then
    for c in $chapters; do
        run "$c" 0 1 $B/bin/"$c" --quick --quiet --threads 1 --out "$scratch/$c"
    done
    if [ -x $B/bin/bleu ]; then
        run bleu_good 0 97 $B/bin/bleu tests/bad_inputs/bleu/ref.txt tests/bad_inputs/bleu/hyp_empty_line.txt
        run bleu_bad 1 97 $B/bin/bleu tests/bad_inputs/bleu/ref.txt tests/bad_inputs/bleu/hyp_two_lines.txt
    fi
fi
if [ "$WHAT" != chapters ]; then
    # One valgrind process per suite: in one process a failed test leaks what it held, and
    # every child a later test forks inherits that leak and exits with valgrind's error code.
    export CK_FORK=no UNROLLED_BIN=$B/bin UNROLLED_SCRATCH=$B/test-runs
    for suite in $suites; do
        CK_RUN_SUITE=$suite
        export CK_RUN_SUITE
        run "suite_$suite" 0 1 $B/check_unrolled
    done
fi
[ "$failed" = 0 ] && echo "valgrind_all: clean" || echo "valgrind_all: problems above (details in the .vg logs)"
exit $failed
