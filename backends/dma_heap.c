/* SPDX-License-Identifier: MIT */
/* dma-buf heaps: /dev/dma_heap/<name>, DMA_HEAP_IOCTL_ALLOC. */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/dma-heap.h>

#include "gralloc/private.h"
#include "gralloc/protected.h"

#define MAX_OPEN_HEAPS 16

struct dma_heap_backend {
	struct gralloc_backend base;
	gralloc_mtx lock; /* serialises adding to open_heaps */
	/* Entries below it are complete and never change: allocation reads
	 * them without the lock. */
	_Atomic size_t num_open;
	struct {
		char node[GRALLOC_NAME_MAX];
		int fd; /* owned */
	} open_heaps[MAX_OPEN_HEAPS];
};

static struct dma_heap_backend *to_dma_heap(struct gralloc_backend *b)
{
	return (struct dma_heap_backend *)b;
}

static int dma_heap_create(struct gralloc_device *dev, struct gralloc_backend **out)
{
	struct dma_heap_backend *b = calloc(1, sizeof(*b));

	if (!b)
		return -ENOMEM;
	b->base.dev = dev;
	gralloc_mtx_init(&b->lock);
	*out = &b->base;
	return 0;
}

static void dma_heap_destroy(struct gralloc_backend *base)
{
	struct dma_heap_backend *b = to_dma_heap(base);

	for (size_t i = 0; i < atomic_load(&b->num_open); i++)
		close(b->open_heaps[i].fd);
	free(b);
}

static int dma_heap_status(struct gralloc_backend *base, const char *node, char *why,
			   size_t len)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", base->dev->heap_dir, node ? node : "system");
	if (stat(path, &st) < 0) {
		int err = errno;

		snprintf(why, len, "%s: %s", path, strerror(err));
		return -err;
	}
	if (!S_ISCHR(st.st_mode)) {
		snprintf(why, len, "%s is not a character device", path);
		return -ENODEV;
	}
	/* Allocation opens it read-only: what this user may do, not what
	 * exists, decides whether explain offers it. */
	if (access(path, R_OK) < 0) {
		int err = errno;

		snprintf(why, len, "%s: %s%s", path, strerror(err),
			 err == EACCES ? ": this user may not allocate from it (a udev rule "
					 "can grant a group read access: see docs/permissions.md)" : "");
		return -err;
	}
	return 0;
}

/* The index of node's cached fd, or -1; no lock taken. */
static int find_slot(struct dma_heap_backend *b, const char *node)
{
	size_t n = atomic_load_explicit(&b->num_open, memory_order_acquire);

	for (size_t i = 0; i < n; i++)
		if (!strcmp(b->open_heaps[i].node, node))
			return (int)i;
	return -1;
}

/* The cached fd of node, or -ENOENT. */
static int find_open(struct dma_heap_backend *b, const char *node)
{
	int i = find_slot(b, node);

	return i < 0 ? -ENOENT : b->open_heaps[i].fd;
}

/* Entries never change once published: an index names its heap for the
 * backend's life, and skips the name compare (~50 instructions). */
static uint32_t dma_heap_resolve(struct gralloc_backend *base, const char *node)
{
	return node ? (uint32_t)(find_slot(to_dma_heap(base), node) + 1) : 0;
}

/* Heap fds are opened once: an open per allocation would cost a path walk
 * and a file description for nothing. Called when find_open() missed, out
 * of line (its path buffer would cost every allocation a stack guard).
 * Returns an fd or -errno; *owned says whether the caller must close it
 * (the cache was full). */
static __attribute__((noinline)) int open_heap(struct dma_heap_backend *b, const char *node,
					       bool *owned)
{
	char path[512];
	size_t n;
	int fd;

	gralloc_mtx_lock(&b->lock);
	fd = find_open(b, node); /* another thread may have opened it */
	if (fd >= 0)
		goto out;
	snprintf(path, sizeof(path), "%s/%s", b->base.dev->heap_dir, node);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fd = -errno;
		gralloc_log(INFO, "open %s: %s%s", path, strerror(errno),
			    fd == -EACCES ? " (see docs/permissions.md)" : "");
		goto out;
	}
	n = atomic_load_explicit(&b->num_open, memory_order_relaxed);
	if (n == MAX_OPEN_HEAPS) {
		/* Still usable, just not cached: more heaps than any real
		 * board has, so the extra open per allocation is fine. */
		*owned = true;
		goto out;
	}
	gralloc_copy_name(b->open_heaps[n].node, GRALLOC_NAME_MAX, node);
	b->open_heaps[n].fd = fd;
	atomic_store_explicit(&b->num_open, n + 1, memory_order_release);
out:
	gralloc_mtx_unlock(&b->lock);
	return fd;
}

static int dma_heap_allocate(struct gralloc_backend *base,
			     const struct gralloc_alloc_request *req, int *fd_out)
{
	struct dma_heap_allocation_data data = {
		.len = req->size,
		.fd_flags = O_RDWR | O_CLOEXEC,
	};
	struct dma_heap_backend *b = to_dma_heap(base);
	bool owned = false;
	int heap = req->node_token ? b->open_heaps[req->node_token - 1].fd :
				     find_open(b, req->heap_node);
	int ret;

	if (heap < 0)
		heap = open_heap(b, req->heap_node, &owned);

	if (heap < 0)
		return heap;
	ret = gralloc_ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &data);
	if (owned)
		close(heap);
	if (ret < 0)
		return ret;
	/* A node can be a second name of an ordinary heap: the kernel's
	 * exporter name is what decides. */
	if (req->desc->usage & GRALLOC_USAGE_PROTECTED_CONTENT) {
		ret = gralloc_protected_check_node(base->dev, req->heap_node, (int)data.fd);
		if (ret) {
			close((int)data.fd);
			return ret;
		}
	}
	*fd_out = (int)data.fd;
	return 0;
}

const struct gralloc_backend_impl gralloc_dma_heap_backend = {
	.name = "dma-heap",
	.recyclable = true,
	.usage_mask = GRALLOC_USAGE_ALL,
	.uses_heaps = true,
	.dma_buf = true,
	/* Whether a given heap is contiguous is the policy's business
	 * (kind=cma); the backend itself serves any heap. */
	.contiguous_ok = true,
	.create = dma_heap_create,
	.resolve = dma_heap_resolve,
	.destroy = dma_heap_destroy,
	.status = dma_heap_status,
	.allocate = dma_heap_allocate,
	.sync = gralloc_dma_buf_sync_op,
};
