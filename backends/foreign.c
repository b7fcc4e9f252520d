/* SPDX-License-Identifier: MIT */
/* foreign: dma-bufs made by someone else (a V4L2 driver, another
 * allocator, a compositor's client), wrapped by gralloc_buffer_import().
 * It allocates nothing, so the planner never offers it; it exists so that
 * such buffers lock, sync and travel in handles like any other. */
#include <stdio.h>
#include <stdlib.h>

#include "gralloc/private.h"

static int foreign_create(struct gralloc_device *dev, struct gralloc_backend **out)
{
	struct gralloc_backend *b = calloc(1, sizeof(*b));

	if (!b)
		return -ENOMEM;
	b->dev = dev;
	*out = b;
	return 0;
}

static void foreign_destroy(struct gralloc_backend *b)
{
	free(b);
}

static int foreign_status(struct gralloc_backend *b, const char *node, char *why, size_t len)
{
	(void)b;
	(void)node;
	snprintf(why, len, "imports only: wraps dma-bufs made elsewhere (gralloc_buffer_import)");
	return -ENOTSUP;
}

const struct gralloc_backend_impl gralloc_foreign_backend = {
	.name = "foreign",
	/* What the memory can do is its maker's business; the importer says
	 * what it will do, and lock checks the fd's real access mode. */
	.usage_mask = GRALLOC_USAGE_ALL & ~GRALLOC_USAGE_PROTECTED_CONTENT,
	.dma_buf = true,
	.import_only = true,
	.create = foreign_create,
	.destroy = foreign_destroy,
	.status = foreign_status,
	.sync = gralloc_dma_buf_sync_op,
};
