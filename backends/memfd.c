/* SPDX-License-Identifier: MIT */
/* memfd: plain shared memory for CPU-only buffers where no dma-buf exists.
 * It is not a dma-buf and says so: any device usage is refused. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "gralloc/private.h"

static int memfd_create_backend(struct gralloc_device *dev, struct gralloc_backend **out)
{
	struct gralloc_backend *b = calloc(1, sizeof(*b));

	if (!b)
		return -ENOMEM;
	b->dev = dev;
	*out = b;
	return 0;
}

static void memfd_destroy(struct gralloc_backend *b)
{
	free(b);
}

static int memfd_status(struct gralloc_backend *b, const char *node, char *why, size_t len)
{
	(void)b;
	(void)node;
	(void)why;
	(void)len;
	return 0;
}

static int memfd_allocate(struct gralloc_backend *b, const struct gralloc_alloc_request *req,
			  int *fd_out)
{
	int fd, ret;

	(void)b;
	fd = memfd_create("gralloc", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	/* Sealed size: an importer can trust what lseek reports. */
	if (ftruncate(fd, (off_t)req->size) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	*fd_out = fd;
	return 0;
}

const struct gralloc_backend_impl gralloc_memfd_backend = {
	.name = "memfd",
	.recyclable = true,
	.usage_mask = GRALLOC_USAGE_CPU | GRALLOC_USAGE_LINEAR,
	.uses_heaps = false,
	.dma_buf = false,
	.contiguous_ok = false,
	.create = memfd_create_backend,
	.destroy = memfd_destroy,
	.status = memfd_status,
	.allocate = memfd_allocate,
	.sync = NULL, /* ordinary cached memory: nothing to maintain */
};
