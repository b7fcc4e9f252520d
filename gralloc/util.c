/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <linux/dma-buf.h>

#include "gralloc/private.h"

void gralloc_copy_name(char *dst, size_t len, const char *src)
{
	size_t n = 0;

	if (!len)
		return;
	/* A loop, not strnlen + memcpy: names are short, and on the
	 * allocation path two library calls cost more than the copy. */
	if (src)
		for (; n < len - 1 && src[n]; n++)
			dst[n] = src[n];
	dst[n] = '\0';
}

/* The sync op of every backend whose memory needs no more than the
 * dma-buf's own cache maintenance. */
int gralloc_dma_buf_sync_op(struct gralloc_backend *backend, const struct gralloc_buffer *buf,
			    int fd, bool start, uint64_t cpu_usage)
{
	(void)backend;
	(void)buf;
	return gralloc_dma_buf_sync(fd, start, cpu_usage);
}

/* The ABI rule of gralloc.h: a caller's struct is as big as its struct_size
 * says (0: version 1). Fields past it take their zero defaults; fields the
 * caller has and this library does not know must be zero, or the caller
 * is asking for something this library cannot give. */
int gralloc_struct_in(void *dst, size_t dst_size, const void *src, size_t v1_size,
		      const char *what)
{
	uint32_t given;
	size_t n;

	memcpy(&given, src, sizeof(given));
	n = given ? given : v1_size;
	if (n < v1_size) {
		gralloc_log(ERROR, "%s.struct_size %u is smaller than version 1 (%zu bytes)", what,
			    given, v1_size);
		return -EINVAL;
	}
	for (size_t i = dst_size; i < n; i++) {
		if (((const uint8_t *)src)[i]) {
			gralloc_log(ERROR, "%s has a field at byte %zu that this library (version "
				    "%zu bytes) does not know", what, i, dst_size);
			return -E2BIG;
		}
	}
	memset(dst, 0, dst_size);
	memcpy(dst, src, n < dst_size ? n : dst_size);
	given = (uint32_t)dst_size;
	memcpy(dst, &given, sizeof(given));
	return 0;
}

/* 4 KiB on x86, but 16 KiB or 64 KiB on many arm64 kernels. */
uint64_t gralloc_page_size(void)
{
	static _Atomic long cached;
	long p = cached;

	if (!p) {
		p = sysconf(_SC_PAGESIZE);
		if (p <= 0)
			p = 4096;
		cached = p;
	}
	return (uint64_t)p;
}

/* Sizes of dma-bufs reach 2 GiB: lseek, fstat, ftruncate and mmap offsets
 * must be 64-bit on 32-bit systems too (meson.build asks for it). */
_Static_assert(sizeof(off_t) == 8, "off_t must be 64-bit: build with _FILE_OFFSET_BITS=64");

/* Nanoseconds from a to b. In 64 bits: a long is 32 bits on i386 and
 * seconds * 1e9 overflows it after two seconds. */
int64_t gralloc_ns_between(const struct timespec *a, const struct timespec *b)
{
	return ((int64_t)b->tv_sec - (int64_t)a->tv_sec) * INT64_C(1000000000) +
	       ((int64_t)b->tv_nsec - (int64_t)a->tv_nsec);
}
