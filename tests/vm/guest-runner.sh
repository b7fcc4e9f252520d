#!/bin/sh
# Runs inside the guest, chrooted into the host's root, as the child of init.sh.
# Usage: guest-runner.sh run|exec|shell
#
# Everything it produces goes to $GRALLOC_VM_OUT (the host's --out directory);
# the host decides pass/fail from those files, so a guest that dies half-way
# leaves evidence rather than a false result.

mode=$1
OUT=${GRALLOC_VM_OUT:?not set}
# job.env is written by vm.py on the host (already shell-quoted).
. "$OUT/job.env"
export GRALLOC_VM GRALLOC_VM_OUT GRALLOC_VM_MONITOR GRALLOC_VM_GPU
for v in ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS; do
    eval "[ -n \"\${$v+x}\" ]" && export "$v"
done
export XDG_RUNTIME_DIR=/run/user/0
mkdir -p /run/user && mkdir -m 700 "$XDG_RUNTIME_DIR"

: > "$OUT/runner-started"

record_env() {
    echo "== uname -a"
    uname -a
    echo "== kernel command line"
    cat /proc/cmdline
    echo "== ls -l /dev/dma_heap /dev/dri /dev/udmabuf"
    ls -l /dev/dma_heap /dev/dri /dev/udmabuf 2>&1
    echo "== DRM cards (card, driver, major:minor)"
    for card in /sys/class/drm/card*; do
        case ${card##*/} in *-*) continue ;; esac
        echo "${card##*/} $(drm_driver "$card") $(cat "$card/dev")"
    done
    echo "== DRM connectors"
    for conn in /sys/class/drm/card*-*; do
        [ -e "$conn" ] && echo "${conn##*/} $(cat "$conn/status" 2>/dev/null)"
    done
    echo "== module loading and mounts (init)"
    cat /run/gralloc-vm/modload.log
    echo "== /proc/modules"
    cat /proc/modules
    echo "== mounts"
    cat /proc/mounts
}

# drm_driver CARD_DIR: shared with the guest smoke tests.
. "$(dirname "$0")/guest/drm-driver.sh"

record_facts() {
    if [ -c /dev/dma_heap/system ]; then
        echo "dma_heap_system=$(cat /sys/class/dma_heap/system/dev 2>/dev/null || echo present)"
    else
        echo "dma_heap_system=missing"
    fi
}

record_env > "$OUT/guest-env.txt" 2>&1
record_facts > "$OUT/guest-facts.txt"

run_tests() {
    mkdir -p "$OUT/tests"
    tab=$(printf '\t')
    while IFS="$tab" read -r name path args; do
        [ -n "$name" ] || continue
        echo "gralloc-vm: running $name"
        # The .rc file is written last: its absence means the guest died or hung
        # during this test.
        (
            cd /tmp || exit 125
            # args are split on whitespace on purpose: the list is TAB-separated
            # and has no quoting.
            # shellcheck disable=SC2086
            exec timeout -k 10 "$GVM_TEST_TIMEOUT" "$path" $args
        ) > "$OUT/tests/$name.log" 2>&1 < /dev/null
        rc=$?
        echo "$rc" > "$OUT/tests/$name.rc.tmp"
        mv "$OUT/tests/$name.rc.tmp" "$OUT/tests/$name.rc"
        echo "gralloc-vm: $name exited with $rc"
    done < "$OUT/tests.tsv"
}

case "$mode" in
    run)
        run_tests
        ;;
    exec)
        cd "$GVM_CWD" 2>/dev/null || cd /tmp || exit 125
        sh "$OUT/exec.sh" > "$OUT/exec.out" 2>&1 < /dev/null
        echo "$?" > "$OUT/exec.rc"
        ;;
    shell)
        stty -F /dev/ttyS0 rows "${GVM_ROWS:-24}" cols "${GVM_COLS:-80}" 2>/dev/null
        export TERM="${GVM_TERM:-vt100}"
        echo "gralloc-vm shell: host root is read-only, /tmp and /run are RAM."
        echo "Results share: $GRALLOC_VM_OUT.  Leave with 'exit' (powers off) or Ctrl-A X."
        sed -n '/^== ls -l/,/^== DRM connectors/{/^== DRM connectors/!p}' "$OUT/guest-env.txt"
        cd "$GVM_CWD" 2>/dev/null || cd /tmp || exit 125
        # ttyS0, not /dev/console, so that the shell gets a controlling terminal
        # (job control, Ctrl-C).
        # --norc: the host user's rc files may do slow or host-specific things
        # (pyenv, agents) that make no sense on a read-only guest root.
        export PS1='gralloc-vm:\w# '
        setsid -w -c /bin/bash --norc -i < /dev/ttyS0 > /dev/ttyS0 2>&1
        ;;
    *)
        echo "guest-runner: unknown mode '$mode'" >&2
        exit 2
        ;;
esac

dmesg > "$OUT/dmesg.txt" 2>&1
: > "$OUT/runner-finished"
sync
