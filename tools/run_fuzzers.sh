#!/bin/sh
# run_fuzzers.sh: build the libFuzzer harnesses of tests/fuzz/ and run each for SECONDS.
# Introduced in issue 13 (hardening).
#
#   sh tools/run_fuzzers.sh [SECONDS] [NAME ...]   run every harness (or the NAMEs) SECONDS each
#   sh tools/run_fuzzers.sh --build                only build build/fuzz/fuzz_NAME
#   sh tools/run_fuzzers.sh --seeds                regenerate tests/fuzz/corpus/checkpoint/
#   FUZZ_JOBS=2 sh tools/run_fuzzers.sh 600        two harnesses at a time (one core each)
#
# Harnesses: corpus (tokenizer + corpus reader), bleu (bin/bleu's reader), vocab, checkpoint
# (safetensors + checkpoint metadata and loading), cli (the option parser).
# Each is built with clang -g -O1 -fsanitize=fuzzer,address,undefined against the common/
# sources (compiled once into build/fuzz/libunrolled_fuzz.a, without OpenMP). A run starts
# from the committed seeds (tests/fuzz/corpus/NAME/) and the saved crash inputs
# (tests/fuzz/regressions/NAME/); what it learns goes to build/fuzz/corpus/NAME/, its log to
# build/fuzz/NAME.log. A crash, leak or sanitizer report stops that harness and leaves the
# input in build/fuzz/artifacts/NAME/: fix the bug, copy the input to
# tests/fuzz/regressions/NAME/ and `make test` replays it from then on.
# Exit status: 0 when no harness found anything, 1 otherwise, 2 on bad usage.
set -u
cd "$(dirname "$0")/.." || exit 2

ALL="corpus bleu vocab checkpoint cli"
CC_FUZZ=${CC_FUZZ:-clang}
OUT=build/fuzz
JOBS=${FUZZ_JOBS:-1}

say() { echo "run_fuzzers: $*"; }
fail() { echo "run_fuzzers: $*" >&2; exit 1; }

# ---- the compiler: clang with libFuzzer's runtime ------------------------------------------
# Debian ships libFuzzer in libclang-rt-NN-dev (clang 14: libclang-rt-14-dev). Installed with
# apt-get (through sudo when not root) when missing; otherwise the exact command is printed.
need_fuzzer() {
    mkdir -p "$OUT"
    probe="$OUT/probe.c"
    printf '#include <stdint.h>\n#include <stddef.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' > "$probe"
    if "$CC_FUZZ" -fsanitize=fuzzer,address,undefined "$probe" -o "$OUT/probe" 2>/dev/null; then
        rm -f "$probe" "$OUT/probe"
        return 0
    fi
    rm -f "$probe"
    version=$("$CC_FUZZ" --version 2>/dev/null | sed -n 's/.*clang version \([0-9]*\).*/\1/p' | head -n 1)
    if [ -z "$version" ]; then pkgs="clang libclang-rt-dev"; else pkgs="libclang-rt-$version-dev"; fi
    if ! command -v apt-get >/dev/null 2>&1; then
        fail "clang cannot link -fsanitize=fuzzer; install clang with its compiler-rt (libFuzzer) runtime"
    fi
    if [ "$(id -u)" = 0 ]; then sudo=""
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo"
    else fail "clang cannot link -fsanitize=fuzzer; run: sudo apt-get update && sudo apt-get install -y $pkgs"
    fi
    say "installing with apt-get: $pkgs"
    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $pkgs ||
        fail "apt-get failed; try: sudo apt-get install -y $pkgs"
    "$CC_FUZZ" -fsanitize=fuzzer "$OUT/probe.c" -o "$OUT/probe" 2>/dev/null ||
        fail "clang still cannot link -fsanitize=fuzzer after installing $pkgs"
}

# ---- building -------------------------------------------------------------------------------
FLAGS="-g -O1 -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -Wno-unknown-pragmas -fno-sanitize-recover=all"
build() {
    need_fuzzer
    sh tools/deps.sh || exit 1
    png_cflags=$(pkg-config --cflags libpng)
    png_libs=$(pkg-config --libs libpng)
    mkdir -p "$OUT/obj"
    rm -f "$OUT"/obj/*.o "$OUT/libunrolled_fuzz.a"
    say "compiling common/*.c with -fsanitize=fuzzer-no-link,address,undefined"
    for src in common/*.c; do
        echo "$src"
    done | xargs -P 2 -I{} sh -c '
        obj="$0/obj/$(basename {} .c).o"
        $1 $2 -fsanitize=fuzzer-no-link,address,undefined -Icommon $3 -c {} -o "$obj" || exit 255
    ' "$OUT" "$CC_FUZZ" "$FLAGS" "$png_cflags" || fail "compiling common/ failed"
    ar rcs "$OUT/libunrolled_fuzz.a" "$OUT"/obj/*.o || fail "ar failed"
    for name in $NAMES; do
        src=tests/fuzz/fuzz_$name.c
        [ -f "$src" ] || fail "no harness $src (harnesses: $ALL)"
        $CC_FUZZ $FLAGS -fsanitize=fuzzer,address,undefined -Icommon -Itests/fuzz $png_cflags "$src" \
            "$OUT/libunrolled_fuzz.a" $png_libs -lm -o "$OUT/fuzz_$name" || fail "building $src failed"
        say "built $OUT/fuzz_$name"
    done
}

# ---- running --------------------------------------------------------------------------------
# libFuzzer's options: inputs up to 16 KB for the checkpoint (its seeds are 1.6 KB) and 4 KB
# otherwise; 10 s per input at most; the final statistics printed.
run_one() {
    name=$1
    seconds=$2
    max_len=4096
    [ "$name" = checkpoint ] && max_len=16384
    dict=""
    [ -f "tests/fuzz/$name.dict" ] && dict="-dict=tests/fuzz/$name.dict"
    # Scratch files (the readers take file names) on tmpfs when there is one: 4x the speed.
    tmp="$PWD/$OUT/tmp/$name"
    [ -d /dev/shm ] && [ -w /dev/shm ] && tmp="/dev/shm/unrolled-fuzz-$name-$$"
    mkdir -p "$OUT/corpus/$name" "$OUT/artifacts/$name" "$tmp" "tests/fuzz/regressions/$name"
    TMPDIR="$tmp" "./$OUT/fuzz_$name" -max_total_time="$seconds" -print_final_stats=1 \
        -timeout=10 -rss_limit_mb=2048 -max_len=$max_len $dict -artifact_prefix="$OUT/artifacts/$name/" \
        "$OUT/corpus/$name" "tests/fuzz/corpus/$name" "tests/fuzz/regressions/$name" > "$OUT/$name.log" 2>&1
    echo $? > "$OUT/$name.status"
    rm -rf "$tmp"
}

# One summary line from a harness's log.
report_one() {
    name=$1
    log="$OUT/$name.log"
    status=$(cat "$OUT/$name.status" 2>/dev/null || echo "?")
    last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
    ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
    corp=$(echo "$last" | sed -n 's/.* corp: \([0-9]*\/[0-9a-zA-Z]*\).*/\1/p')
    if [ "$status" = 0 ]; then result="no findings"
    else
        result="FOUND A BUG (exit $status): $(grep -m 1 -E 'ERROR: |runtime error|broken promise|deadly signal' "$log" | cut -c 1-100)"
        artifact=$(ls -t "$OUT/artifacts/$name/" 2>/dev/null | head -n 1)
        [ -n "$artifact" ] && result="$result; input: $OUT/artifacts/$name/$artifact"
    fi
    printf '%-11s execs %-10s exec/s %-7s cov %-6s ft %-7s corpus %-12s %s\n' "$name" "${execs:-?}" \
        "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$result"
    echo "  final stats line: ${last:-none} (log: $log)"
    [ "$status" = 0 ]
}

# ---- main -----------------------------------------------------------------------------------
case "${1:-}" in
--build) shift; NAMES=${*:-$ALL}; build; exit 0 ;;
--seeds)
    make -s build/libunrolled.a || exit 1
    cc -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -Icommon -Itests/fuzz tests/fuzz/make_seeds.c build/libunrolled.a \
        $(pkg-config --libs libpng) -lm -fopenmp -o build/make_seeds || exit 1
    exec build/make_seeds tests/fuzz/corpus/checkpoint ;;
-h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
esac
SECONDS_EACH=${1:-60}
case "$SECONDS_EACH" in
''|*[!0-9]*|0) echo "run_fuzzers: SECONDS must be a positive whole number, not '$SECONDS_EACH'" >&2; exit 2 ;;
esac
[ $# -gt 0 ] && shift
NAMES=${*:-$ALL}
build
say "running $(echo $NAMES | wc -w) harness(es) for $SECONDS_EACH s each, $JOBS at a time"
running=0
for name in $NAMES; do
    run_one "$name" "$SECONDS_EACH" &
    running=$((running + 1))
    if [ "$running" -ge "$JOBS" ]; then wait; running=0; fi
done
wait
found=0
for name in $NAMES; do report_one "$name" || found=1; done
[ "$found" = 0 ] && say "no findings" || say "findings above: fix, then keep each input in tests/fuzz/regressions/NAME/"
exit $found
