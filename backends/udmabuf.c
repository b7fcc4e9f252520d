/* SPDX-License-Identifier: MIT */
/* udmabuf: a sealed memfd turned into a dma-buf by /dev/udmabuf. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/udmabuf.h>

#include "gralloc/private.h"

struct udmabuf_backend {
	struct gralloc_backend base;
	pthread_mutex_t lock;
	int dev_fd; /* owned; -1 until first use */
};

static struct udmabuf_backend *to_udmabuf(struct gralloc_backend *b)
{
	return (struct udmabuf_backend *)b;
}

static int udmabuf_create_backend(struct gralloc_device *dev, struct gralloc_backend **out)
{
	struct udmabuf_backend *b = calloc(1, sizeof(*b));

	if (!b)
		return -ENOMEM;
	b->base.dev = dev;
	b->dev_fd = -1;
	pthread_mutex_init(&b->lock, NULL);
	*out = &b->base;
	return 0;
}

static void udmabuf_destroy(struct gralloc_backend *base)
{
	struct udmabuf_backend *b = to_udmabuf(base);

	if (b->dev_fd >= 0)
		close(b->dev_fd);
	pthread_mutex_destroy(&b->lock);
	free(b);
}

static int udmabuf_status(struct gralloc_backend *base, const char *node, char *why,
			  size_t len)
{
	const char *path = base->dev->udmabuf_path;

	(void)node;
	if (access(path, R_OK | W_OK) < 0) {
		int err = errno;

		snprintf(why, len, "%s: %s%s", path, strerror(err),
			 err == EACCES ? ": this user may not use it (the uaccess udev tag "
					 "grants it to the seat's user: see docs/permissions.md)" : "");
		return -err;
	}
	return 0;
}

/* Returns a borrowed fd of /dev/udmabuf or -errno. */
static int device_fd(struct udmabuf_backend *b)
{
	int fd;

	pthread_mutex_lock(&b->lock);
	if (b->dev_fd < 0) {
		b->dev_fd = open(b->base.dev->udmabuf_path, O_RDWR | O_CLOEXEC);
		if (b->dev_fd < 0)
			b->dev_fd = -errno;
	}
	fd = b->dev_fd;
	if (fd < 0)
		b->dev_fd = -1;
	pthread_mutex_unlock(&b->lock);
	return fd;
}

static int udmabuf_allocate(struct gralloc_backend *base,
			    const struct gralloc_alloc_request *req, int *fd_out)
{
	struct udmabuf_create create = { 0 };
	int dev = device_fd(to_udmabuf(base));
	int memfd, ret;

	if (dev < 0)
		return dev;
	memfd = memfd_create("gralloc-udmabuf", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (memfd < 0)
		return -errno;
	/* The kernel refuses memfds that could shrink under the device. */
	if (ftruncate(memfd, (off_t)req->size) < 0 ||
	    fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK) < 0) {
		ret = -errno;
		goto out;
	}
	create.memfd = (uint32_t)memfd;
	create.flags = UDMABUF_FLAGS_CLOEXEC;
	create.offset = 0;
	create.size = req->size;
	ret = gralloc_ioctl(dev, UDMABUF_CREATE, &create);
	if (ret >= 0) {
		*fd_out = ret;
		ret = 0;
	}
out:
	/* The dma-buf holds its own reference to the pages. */
	close(memfd);
	return ret;
}

const struct gralloc_backend_impl gralloc_udmabuf_backend = {
	.name = "udmabuf",
	.recyclable = true,
	.usage_mask = GRALLOC_USAGE_ALL & ~GRALLOC_USAGE_PROTECTED_CONTENT,
	.uses_heaps = false,
	.dma_buf = true,
	.contiguous_ok = false,
	.create = udmabuf_create_backend,
	.destroy = udmabuf_destroy,
	.status = udmabuf_status,
	.allocate = udmabuf_allocate,
	.sync = gralloc_dma_buf_sync_op,
};
