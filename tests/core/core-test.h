/* SPDX-License-Identifier: MIT */
/* Helpers of the core contract tests (include after test.h): a device that
 * can only allocate from memfd (memfd-device.h), the layout comparison
 * (same-layout.h), and short allocation and handle helpers. Public API
 * only. */
#ifndef GRALLOC_CORE_TEST_H
#define GRALLOC_CORE_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <drm_fourcc.h>

#include "gralloc/gralloc.h"
#include "gralloc/handle.h"
#include "memfd-device.h"
#include "same-layout.h"

#define CPU_RW (GRALLOC_USAGE_CPU_READ_OFTEN | GRALLOC_USAGE_CPU_WRITE_OFTEN)

static inline struct gralloc_buffer *core_alloc(struct gralloc_device *dev, uint32_t w,
						uint32_t h, uint32_t format)
{
	struct gralloc_buffer_desc d = {
		.width = w, .height = h, .format = format, .usage = CPU_RW, .name = "core-test",
	};
	struct gralloc_buffer *buf = gralloc_buffer_allocate(dev, &d);

	if (!buf)
		printf("#   allocate %ux%u 0x%08x: %s (%s)\n", w, h, format, strerror(errno),
		       gralloc_last_error());
	return buf;
}

/* A buffer's handle as bytes plus borrowed fds. */
struct core_handle {
	uint8_t data[GRALLOC_WIRE_SIZE];
	int len;
	int fds[GRALLOC_WIRE_MAX_FDS];
	uint32_t num_fds;
};

static inline int core_serialize(const struct gralloc_buffer *buf, struct core_handle *h)
{
	h->num_fds = GRALLOC_WIRE_MAX_FDS;
	h->len = gralloc_handle_serialize(buf, h->data, sizeof(h->data), h->fds, &h->num_fds);
	return h->len < 0 ? h->len : 0;
}

static inline struct gralloc_buffer *core_import(struct gralloc_device *dev,
						 const struct core_handle *h)
{
	struct gralloc_buffer *buf =
		gralloc_handle_import(dev, h->data, (size_t)h->len, h->fds, h->num_fds);

	if (!buf)
		printf("#   import: %s (%s)\n", strerror(errno), gralloc_last_error());
	return buf;
}

/* Whether fd is open in this process. */
static inline bool core_fd_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

#endif
