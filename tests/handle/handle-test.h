/* SPDX-License-Identifier: MIT */
/* Helpers shared by the handle tests (include after test.h). Public API
 * only: the tests link the shared library like any application. */
#ifndef GRALLOC_HANDLE_TEST_H
#define GRALLOC_HANDLE_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <drm_fourcc.h>

#include "gralloc/gralloc.h"
#include "gralloc/handle.h"

/* A handle as the tests hold it: bytes plus borrowed fds. */
struct th_handle {
	uint8_t data[GRALLOC_WIRE_SIZE];
	size_t len;
	int fds[GRALLOC_WIRE_MAX_FDS];
	uint32_t num_fds;
};

static inline int th_serialize(const struct gralloc_buffer *buf, struct th_handle *h)
{
	int n;

	h->num_fds = GRALLOC_WIRE_MAX_FDS;
	n = gralloc_handle_serialize(buf, h->data, sizeof(h->data), h->fds, &h->num_fds);
	if (n < 0)
		return n;
	h->len = (size_t)n;
	return 0;
}

static inline void th_put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint32_t th_get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline void th_put64(uint8_t *p, uint64_t v)
{
	th_put32(p, (uint32_t)v);
	th_put32(p + 4, (uint32_t)(v >> 32));
}

/* Fills every plane of a locked linear buffer's plane 0 rows with a
 * pattern derived from (x, y, seed); returns 0 or the first mismatch + 1
 * when `check` is set. */
static inline size_t th_pattern(uint8_t *p, uint32_t stride, uint32_t row_bytes,
				uint32_t rows, uint32_t seed, bool check)
{
	for (uint32_t y = 0; y < rows; y++) {
		for (uint32_t x = 0; x < row_bytes; x++) {
			uint8_t v = (uint8_t)(x * 7 + y * 13 + seed * 31 + (x >> 8) * 3);
			size_t at = (size_t)y * stride + x;

			if (!check)
				p[at] = v;
			else if (p[at] != v)
				return at + 1;
		}
	}
	return 0;
}

/* Number of open fds of this process. */
static inline int th_fd_count(void)
{
	return test_count_fds();
}

#endif
