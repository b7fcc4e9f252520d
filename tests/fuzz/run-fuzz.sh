#!/bin/sh
# Builds fuzz-handle with clang (libFuzzer + ASan + UBSan) straight from the
# library's sources and runs it for a bounded time.
#
# Usage: run-fuzz.sh BUILD_DIR SOURCE_ROOT SEED_CORPUS_DIR TARGET.c LIB_SOURCES...
# meson passes the library's own source list (lib_sources), so this never
# needs its own copy of it. FUZZ_TIME (seconds, default 60) bounds the run.
#
# Exit: 0 no crash, 1 crash or build failure, 77 no clang/libFuzzer here.
set -u

build=$1 src=$2 seeds=$3 target=$4
shift 4
time=${FUZZ_TIME:-60}
cc=${FUZZ_CC:-clang}
out=$build/fuzz-handle.d
bin=$out/fuzz-handle

if ! command -v "$cc" >/dev/null 2>&1; then
    echo "fuzz: $cc not found (apt-get install clang libclang-rt-14-dev)"
    exit 77
fi
if ! echo 'int LLVMFuzzerTestOneInput(const char *d, long n) { (void)d; return (int)n * 0; }' |
        "$cc" -x c -fsanitize=fuzzer -o /dev/null - >/dev/null 2>&1; then
    echo "fuzz: $cc cannot link -fsanitize=fuzzer (apt-get install libclang-rt-14-dev)"
    exit 77
fi

mkdir -p "$out/corpus" "$out/artifacts" || exit 1
# shellcheck disable=SC2046
"$cc" -std=c11 -D_GNU_SOURCE -DGRALLOC_BUILDING_LIBRARY -g -O1 \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -Wall -Wextra -I"$src" -I"$src/include" ${FUZZ_CFLAGS:-} $(pkg-config --cflags libdrm) \
    -o "$bin" "$target" "$@" $(pkg-config --libs libdrm) -lpthread || { echo "fuzz: build failed"; exit 1; }

# New inputs go to the build tree ($out/corpus, kept between runs); the
# seeds in the source tree are only read.
"$bin" -max_total_time="$time" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$out/artifacts/" "$out/corpus" "$seeds" 2>&1 | tee "$out/last-run.log" |
    grep -E '^(#[0-9]+[[:space:]]+(INITED|DONE)|stat::|==[0-9]+==|SUMMARY|.*(crash|leak|deadly|Test unit written))' 
status=$(grep -c -E 'ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer)|runtime error:|deadly signal|Test unit written' "$out/last-run.log")
if [ "$status" -ne 0 ]; then
    echo "fuzz: FAILED, see $out/last-run.log and $out/artifacts/"
    exit 1
fi
echo "fuzz: no crash in ${time}s; log $out/last-run.log"
exit 0
