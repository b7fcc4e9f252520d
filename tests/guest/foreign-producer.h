/* SPDX-License-Identifier: MIT */
/* A stand-in for a V4L2 driver or another allocator (include after
 * guest.h): dma-bufs from the system heap or udmabuf, laid out the way
 * the producer likes (odd strides, its own chroma offsets, one fd per
 * plane), written through the producer's own mapping. */
#ifndef GRALLOC_FOREIGN_PRODUCER_H
#define GRALLOC_FOREIGN_PRODUCER_H

#include <sys/ioctl.h>
#include <sys/mman.h>

#include <drm_fourcc.h>
#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/udmabuf.h>

#include "gralloc/gralloc.h"

#define UDMABUF_NODE "/dev/udmabuf"

enum producer_memory { FROM_HEAP, FROM_UDMABUF };

/* The layout a producer chose: what gralloc_import_desc will be told. */
struct producer {
	uint32_t format, width, height;
	uint32_t num_fds, num_planes;
	int fds[GRALLOC_MAX_PLANES]; /* owned */
	uint64_t fd_size[GRALLOC_MAX_PLANES];
	struct gralloc_plane_info planes[GRALLOC_MAX_PLANES]; /* fd_index, stride, offset */
	uint8_t seed;
};

static inline uint64_t producer_page_round(uint64_t n)
{
	return (n + 4095) & ~(uint64_t)4095;
}

/* A new dma-buf of `size` bytes (a page multiple), open with `flags`
 * (O_RDWR or O_RDONLY), or -errno. */
static inline int producer_heap_fd(uint64_t size, int flags)
{
	struct dma_heap_allocation_data a = {
		.len = size, .fd_flags = (uint32_t)(flags | O_CLOEXEC),
	};
	int heap = open(GUEST_SYSTEM_HEAP, O_RDONLY | O_CLOEXEC), ret;

	if (heap < 0)
		return -errno;
	ret = ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &a) < 0 ? -errno : (int)a.fd;
	close(heap);
	return ret;
}

static inline int producer_udmabuf_fd(uint64_t size)
{
	struct udmabuf_create c = { .flags = UDMABUF_FLAGS_CLOEXEC, .size = size };
	int dev, ret;

	c.memfd = (uint32_t)memfd_create("foreign-producer", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if ((int)c.memfd < 0)
		return -errno;
	if (ftruncate((int)c.memfd, (off_t)size) ||
	    fcntl((int)c.memfd, F_ADD_SEALS, F_SEAL_SHRINK)) {
		ret = -errno;
		close((int)c.memfd);
		return ret;
	}
	dev = open(UDMABUF_NODE, O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		ret = -errno;
		close((int)c.memfd);
		return ret;
	}
	ret = ioctl(dev, UDMABUF_CREATE, &c);
	if (ret < 0)
		ret = -errno;
	close(dev);
	/* The udmabuf holds the pages; the memfd is not needed any more. */
	close((int)c.memfd);
	return ret;
}

static inline int producer_fd(enum producer_memory m, uint64_t size)
{
	return m == FROM_HEAP ? producer_heap_fd(size, O_RDWR) : producer_udmabuf_fd(size);
}

/* Plane p's bytes per row and rows, from the format. */
static inline void producer_plane_extent(const struct producer *pr, uint32_t p, uint32_t *bytes,
					 uint32_t *rows)
{
	struct gralloc_format_desc f;
	uint32_t cols;

	gralloc_format_lookup(pr->format, &f);
	cols = p ? (pr->width + f.hsub - 1) / f.hsub : pr->width;
	*rows = p ? (pr->height + f.vsub - 1) / f.vsub : pr->height;
	*bytes = (cols + f.block_width[p] - 1) / f.block_width[p] * f.bytes_per_block[p];
}

/* The producer's content: one value per byte of every row, so a wrong
 * stride, offset or plane order cannot read back equal. */
static inline uint8_t producer_byte(const struct producer *pr, uint32_t p, uint32_t x, uint32_t y)
{
	return (uint8_t)(p * 71 + x * 7 + y * 13 + (x >> 8) * 5 + pr->seed);
}

static inline int producer_sync(int fd, uint64_t flags)
{
	struct dma_buf_sync s = { .flags = flags };

	return ioctl(fd, DMA_BUF_IOCTL_SYNC, &s) < 0 ? -errno : 0;
}

/* Fills every fd with 0xee (padding stays that), then writes the rows of
 * every plane through the producer's own mappings. */
static inline int producer_write(struct producer *pr)
{
	uint8_t *map[GRALLOC_MAX_PLANES] = { 0 };
	int ret = 0;

	for (uint32_t i = 0; i < pr->num_fds && !ret; i++) {
		map[i] = mmap(NULL, pr->fd_size[i], PROT_READ | PROT_WRITE, MAP_SHARED,
			      pr->fds[i], 0);
		if (map[i] == MAP_FAILED) {
			map[i] = NULL;
			ret = -errno;
			break;
		}
		producer_sync(pr->fds[i], DMA_BUF_SYNC_START | DMA_BUF_SYNC_WRITE);
		memset(map[i], 0xee, pr->fd_size[i]);
	}
	for (uint32_t p = 0; p < pr->num_planes && !ret; p++) {
		const struct gralloc_plane_info *pl = &pr->planes[p];
		uint32_t bytes, rows;

		producer_plane_extent(pr, p, &bytes, &rows);
		for (uint32_t y = 0; y < rows; y++)
			for (uint32_t x = 0; x < bytes; x++)
				map[pl->fd_index][pl->offset + (uint64_t)y * pl->stride + x] =
					producer_byte(pr, p, x, y);
	}
	for (uint32_t i = 0; i < pr->num_fds; i++) {
		if (!map[i])
			continue;
		producer_sync(pr->fds[i], DMA_BUF_SYNC_END | DMA_BUF_SYNC_WRITE);
		munmap(map[i], pr->fd_size[i]);
	}
	return ret;
}

static inline void producer_close(struct producer *pr)
{
	for (uint32_t i = 0; i < pr->num_fds; i++)
		if (pr->fds[i] >= 0)
			close(pr->fds[i]);
	pr->num_fds = 0;
}

/* The import descriptor of pr's layout. */
static inline struct gralloc_import_desc producer_desc(const struct producer *pr, uint64_t usage)
{
	struct gralloc_import_desc d = {
		.width = pr->width, .height = pr->height, .format = pr->format,
		.modifier = DRM_FORMAT_MOD_LINEAR, .usage = usage,
		.num_fds = pr->num_fds, .num_planes = pr->num_planes, .name = "foreign-test",
	};

	for (uint32_t i = 0; i < pr->num_fds; i++)
		d.fds[i] = pr->fds[i];
	for (uint32_t p = 0; p < pr->num_planes; p++)
		d.planes[p] = pr->planes[p];
	return d;
}

#endif
