#!/bin/bash
# Puts Android's real graphics headers where tests/host/check-android-headers.py
# finds them, so that test can prove our public headers compile in the same
# translation unit as theirs. Debian packages no libhardware, so they come
# from Debian source packages, unmodified:
#   mesa   include/android_stub/  AOSP's hardware/gralloc.h, hardware.h,
#                                 cutils/native_handle.h, system/graphics.h ...
#   libdrm android/gralloc_handle.h
# The deb-src lines are made from this machine's own apt sources and kept in
# a private apt directory: the system's apt configuration is not touched.
# Cached in $GRALLOC_ANDROID_HEADERS (default /var/cache/gralloc-android-headers);
# a warm cache costs nothing. Returns non-zero (and says why) when the
# sources cannot be had; the test then skips with that reason.
gralloc_android_headers() {
	local cache=${GRALLOC_ANDROID_HEADERS:-/var/cache/gralloc-android-headers}
	[ -f "$cache/include/hardware/gralloc.h" ] && [ -f "$cache/include/android/gralloc_handle.h" ] &&
		return 0

	local work
	work=$(mktemp -d) || return 1
	mkdir -p "$work/etc" "$work/lists/partial" "$work/cache/archives/partial" "$work/src" || return 1
	local f found=0
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		# Only the Debian archive: other vendors' repositories have no such sources.
		grep -qi '^URIs:.*debian' "$f" || continue
		sed 's/^Types:.*/Types: deb-src/' "$f" >"$work/etc/$(basename "$f")" && found=1
	done
	if [ -f /etc/apt/sources.list ]; then
		sed -n 's/^deb \(.*debian.*\)/deb-src \1/p' /etc/apt/sources.list >"$work/etc/debian.list"
		[ -s "$work/etc/debian.list" ] && found=1
	fi
	if ((!found)); then
		echo "android headers: no Debian apt sources to derive deb-src lines from" >&2
		rm -rf "$work"
		return 1
	fi
	local apt=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$work/etc"
		   -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache"
		   -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
	echo "== fetching Android headers from Debian sources (mesa, libdrm)"
	if ! apt-get "${apt[@]}" -qq update >"$work/log" 2>&1 ||
	   ! (cd "$work/src" && apt-get "${apt[@]}" -qq source --download-only mesa libdrm) >>"$work/log" 2>&1; then
		echo "android headers: apt-get source mesa libdrm failed:" >&2
		tail -5 "$work/log" >&2
		rm -rf "$work"
		return 1
	fi
	local out="$cache.new"
	rm -rf "$out" && mkdir -p "$out/include/android" "$out/x" || { rm -rf "$work"; return 1; }
	(
		cd "$work/src" &&
		tar -xf mesa_*.orig.tar.?z -C "$out/x" --wildcards '*/include/android_stub/*' &&
		tar -xf libdrm_*.orig.tar.?z -C "$out/x" --wildcards '*/android/gralloc_handle.h' &&
		cp -r "$out"/x/mesa-*/include/android_stub/. "$out/include/" &&
		cp "$out"/x/libdrm-*/android/gralloc_handle.h "$out/include/android/" &&
		ls mesa_*.dsc libdrm_*.dsc >"$out/SOURCES" &&
		rm -rf "$out/x"
	) || { echo "android headers: unpacking failed" >&2; rm -rf "$work" "$out"; return 1; }
	rm -rf "$work" "$cache"
	mv "$out" "$cache"
	echo "== Android headers in $cache ($(tr '\n' ' ' <"$cache/SOURCES"))"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	gralloc_android_headers
fi
