#!/bin/bash
# Runs every test: host suites (normal and ASan+UBSan builds), the fuzz run,
# the Debian package build and the real-kernel suite in the QEMU guest. Installs what it needs.
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

if build build-asan -Db_sanitize=address,undefined -Db_lundef=false; then
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		run_suites asan build-asan host cli
else
	echo "sanitizer build failed"; setup_fail=1
fi

if [ -f build/build.ninja ]; then
	run_suites fuzz build fuzz
	run_suites package build package
	results=build/vm-results run_suites vm build vm
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

python3 scripts/summarize.py "${logs[@]}"
status=$?
if ((setup_fail)); then
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
fi
exit $status
