/* SPDX-License-Identifier: MIT */
/* A device that can only allocate from memfd, whatever the machine has (no
 * heaps, no udmabuf, no display, no ION, no config): the same answers on
 * the build machine and in the guest. Public API only; include after
 * test.h. */
#ifndef GRALLOC_TEST_MEMFD_DEVICE_H
#define GRALLOC_TEST_MEMFD_DEVICE_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "gralloc/gralloc.h"

/* pool_max_bytes as in gralloc_device_options: 0 the default pool,
 * UINT64_MAX none. */
static inline struct gralloc_device *test_memfd_device_pool(uint64_t pool_max_bytes)
{
	struct gralloc_device_options o = {
		.heap_dir = "/nonexistent", .udmabuf_path = "/nonexistent",
		.display_path = "/nonexistent", .ion_path = "/nonexistent",
		.no_config = true, .pool_max_bytes = pool_max_bytes,
	};
	struct gralloc_device *dev = gralloc_device_create(&o);

	if (!dev)
		printf("#   gralloc_device_create: %s (%s)\n", strerror(errno),
		       gralloc_last_error());
	return dev;
}

static inline struct gralloc_device *test_memfd_device(void)
{
	return test_memfd_device_pool(0);
}

#endif
