#!/bin/bash
# Runs every test: host suites (normal, i386 and ASan+UBSan builds), the fuzz
# run, the Debian package build, and the real-kernel suite in the QEMU guest
# with 2D virtio-gpu and with virgl (normal and ASan+UBSan builds).
# Installs what it needs.
# Last line: "N passed, N failed, N skipped". Exit status non-zero on any
# failure.
set -u
cd "$(dirname "$0")/.."
. scripts/deps.sh
gralloc_install_deps || { echo "dependency installation failed"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }

logs=()
setup_fail=0

build() { # dir, extra meson args...
	local dir=$1; shift
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" "$@" >"$dir.setup.log" 2>&1 || { cat "$dir.setup.log"; return 1; }
	fi
	ninja -C "$dir" >"$dir.build.log" 2>&1 || { tail -50 "$dir.build.log"; return 1; }
}

run_suites() { # label, dir, suites...
	local label=$1 dir=$2; shift 2
	local args=()
	for s in "$@"; do args+=(--suite "$s"); done
	echo "== $label: meson test ${args[*]}"
	meson test -C "$dir" --print-errorlogs "${args[@]}" >"$dir/$label.log" 2>&1
	tail -15 "$dir/$label.log"
	cp "$dir/meson-logs/testlog.json" "$dir/$label.testlog.json" 2>/dev/null
	logs+=("$label=$dir/$label.testlog.json${results:+:$results}")
}

if build build; then
	run_suites host build host cli
else
	echo "build failed"; setup_fail=1
fi

# 32-bit: size_t, long and pointers of 4 bytes, run under qemu-i386. Only
# set up: meson test builds just what the host and cli suites run.
if [ -f build-i386/build.ninja ] ||
   meson setup build-i386 --cross-file cross/i386-linux-gnu.ini >build-i386.setup.log 2>&1; then
	run_suites i386 build-i386 host cli
else
	cat build-i386.setup.log; echo "i386 setup failed"; setup_fail=1
fi

if build build-asan -Db_sanitize=address,undefined -Db_lundef=false; then
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		run_suites asan build-asan host cli
else
	echo "sanitizer build failed"; setup_fail=1
fi

if [ -f build/build.ninja ]; then
	# Instruction counts per call (callgrind): printed, never judged.
	run_suites bench build bench
	python3 -c 'import json, sys
for line in open(sys.argv[1]):
    print("".join(l + "\n" for l in json.loads(line).get("stdout", "").splitlines() if l.startswith("#")), end="")' build/bench.testlog.json
	run_suites fuzz build fuzz
	run_suites package build package
	results=build/vm-results run_suites vm build vm
	# Again with virtio-gpu's 3D (virgl): GL, display and transfers differ.
	results=build/vm-results-virgl run_suites vm-virgl build vm-virgl
fi
# The guest suite again, built with ASan+UBSan: the KMS, EGL and handle
# paths only run there. Mesa's own leaks are suppressed by library name;
# the ION emulator is an LD_PRELOAD ahead of the ASan runtime, by design.
if [ -f build-asan/build.ninja ]; then
	ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=1 \
	LSAN_OPTIONS=suppressions=$PWD/tests/lsan-mesa.supp:print_suppressions=0 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	results=build-asan/vm-results run_suites asan-vm build-asan vm
fi

# Release builds compile without warnings (-Werror) with gcc -O3 and with
# clang; a failure fails the run.
echo "== release build (gcc, -O3)"
build build-release --buildtype=release -Dtests=disabled || { echo "release build failed"; setup_fail=1; }
echo "== clang build"
CC=clang build build-clang -Dtests=disabled || { echo "clang build failed"; setup_fail=1; }

python3 scripts/summarize.py "${logs[@]}"
status=$?
if ((setup_fail)); then
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
fi
exit $status
