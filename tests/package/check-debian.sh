#!/bin/bash
# Builds the Debian packages from a copy of the source tree with
# `dpkg-buildpackage -us -uc -b` and checks what they contain: the tool
# runs from the unpacked packages, and a program builds against the -dev
# package through pkg-config. TAP on stdout.
#
# Usage: check-debian.sh SOURCE_ROOT WORK_DIR
# Exit 77 when this is not a Debian system with debhelper.
set -u
src=$1 work=$2

for tool in dpkg-buildpackage dh dpkg-deb; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "1..0 # SKIP $tool not found (apt-get install dpkg-dev debhelper)"
		exit 0
	fi
done

rm -rf "$work"
mkdir -p "$work/src" "$work/root"
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - $1"; shift; for l in "$@"; do echo "  # $l"; done; }

echo "TAP version 13"
echo "1..5"

# The tree as git knows it (tracked and new files, not build directories),
# so the package build never sees a developer's build/ or obj-*/.
(cd "$src" && git ls-files -z --cached --others --exclude-standard) |
	(cd "$src" && tar --null -T - -cf -) | tar -xf - -C "$work/src"
start=$SECONDS
if (cd "$work/src" && dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1; then
	ok "dpkg-buildpackage -us -uc -b ($((SECONDS - start)) s)"
else
	not_ok "dpkg-buildpackage -us -uc -b" "$(tail -30 "$work/build.log")"
	echo "  # log: $work/build.log"
	exit 1
fi

arch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
version=$(cd "$work/src" && dpkg-parsechangelog -S Version)
missing=()
declare -A want=(
	[libgralloc0]="usr/lib/$arch/libgralloc.so.0"
	[libgralloc-egl0]="usr/lib/$arch/libgralloc-egl.so.0"
	[libgralloc-dev]="usr/include/gralloc/gralloc.h usr/include/gralloc/egl.h usr/lib/$arch/pkgconfig/gralloc.pc usr/lib/$arch/pkgconfig/gralloc-egl.pc usr/lib/$arch/libgralloc.so"
	[gralloc-tools]="usr/bin/gralloc usr/share/man/man1/gralloc.1.gz usr/share/bash-completion/completions/gralloc"
)
for p in "${!want[@]}"; do
	deb=$(ls "$work"/${p}_"${version}"_*.deb 2>/dev/null | head -1)
	if [ -z "$deb" ]; then
		missing+=("no package $p")
		continue
	fi
	list=$(dpkg-deb -c "$deb")
	for f in ${want[$p]}; do
		grep -q " \./$f\( \|$\)" <<<"$list" || missing+=("$p lacks /$f")
	done
	dpkg-deb -x "$deb" "$work/root"
done
if ((${#missing[@]})); then
	not_ok "packages hold their files" "${missing[@]}"
else
	ok "packages hold their files (${!want[*]})"
fi

# Nothing the issue called generic: no demos in bin/.
extra=$(ls "$work/root/usr/bin")
if [ "$extra" = gralloc ]; then
	ok "only gralloc in /usr/bin"
else
	not_ok "only gralloc in /usr/bin" "found: $extra"
fi

lib="$work/root/usr/lib/$arch"
out=$(LD_LIBRARY_PATH=$lib "$work/root/usr/bin/gralloc" --version 2>&1)
if [ "$out" = "gralloc $version" ]; then
	ok "packaged gralloc --version says $version"
else
	not_ok "packaged gralloc --version says $version" "got: $out"
fi

cat >"$work/user.c" <<'C'
#include <stdio.h>
#include <gralloc/gralloc.h>
int main(void)
{
	uint32_t f;
	return gralloc_format_from_name("NV12", &f) == 0 && f == 0x3231564e ? 0 : 1;
}
C
# pkg-config of the -dev package, pointed into the unpacked root.
pc="$lib/pkgconfig"
flags=$(PKG_CONFIG_PATH=$pc PKG_CONFIG_SYSROOT_DIR=$work/root pkg-config --cflags --libs gralloc 2>&1) &&
	cc -o "$work/user" "$work/user.c" $flags >"$work/user.log" 2>&1 &&
	LD_LIBRARY_PATH=$lib "$work/user"
rc=$?
if [ $rc = 0 ]; then
	ok "a program builds and runs against libgralloc-dev (pkg-config gralloc)"
else
	not_ok "a program builds and runs against libgralloc-dev (pkg-config gralloc)" \
		"flags: $flags" "$(cat "$work/user.log" 2>/dev/null)"
fi
exit $failed
