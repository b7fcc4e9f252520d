/* SPDX-License-Identifier: MIT */
/* Timed loops. The baselines are what a careful program would write by
 * hand with the kernel's uapi, so a ratio near 1 means the library adds
 * nothing that matters. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <linux/dma-heap.h>

#include "bench.h"

/* What the library's lock(CPU_WRITE) asks the kernel for. */
#define SYNC_WRITE DMA_BUF_SYNC_WRITE

static int raw_sync(int fd, __u64 flags)
{
	struct dma_buf_sync s = { .flags = flags };

	return ioctl(fd, DMA_BUF_IOCTL_SYNC, &s) < 0 ? -errno : 0;
}

static int raw_sync_pair(int fd)
{
	int ret = raw_sync(fd, DMA_BUF_SYNC_START | SYNC_WRITE);

	return ret ? ret : raw_sync(fd, DMA_BUF_SYNC_END | SYNC_WRITE);
}

/* The heap fd stays open across iterations, as the library keeps it. */
static int baseline_alloc(struct bench_buf *b, unsigned iters)
{
	for (unsigned i = 0; i < iters; i++) {
		struct dma_heap_allocation_data d = {
			.len = b->size,
			.fd_flags = O_RDWR | O_CLOEXEC,
		};

		if (ioctl(b->heap_fd, DMA_HEAP_IOCTL_ALLOC, &d) < 0)
			return -errno;
		close((int)d.fd);
	}
	return 0;
}

static int library_alloc(struct bench_buf *b, unsigned iters)
{
	for (unsigned i = 0; i < iters; i++) {
		struct gralloc_buffer *buf = gralloc_buffer_allocate(b->dev, &b->desc);

		if (!buf)
			return -errno;
		gralloc_buffer_free(b->dev, buf);
	}
	return 0;
}

static int baseline_sync(struct bench_buf *b, unsigned iters)
{
	for (unsigned i = 0; i < iters; i++) {
		int ret = raw_sync_pair(b->fd);

		if (ret)
			return ret;
	}
	return 0;
}

static int library_lock(struct bench_buf *b, unsigned iters)
{
	for (unsigned i = 0; i < iters; i++) {
		void *p;
		int ret = gralloc_buffer_lock(b->buf, GRALLOC_USAGE_CPU_WRITE_OFTEN, NULL, &p);

		if (ret)
			return ret;
		ret = gralloc_buffer_unlock(b->buf);
		if (ret)
			return ret;
	}
	return 0;
}

/* What a lock would cost if it mapped and unmapped every time. */
static int map_per_lock(struct bench_buf *b, unsigned iters)
{
	for (unsigned i = 0; i < iters; i++) {
		/* Fits: setup mapped the same length. */
		void *p = mmap(NULL, (size_t)b->size, PROT_READ | PROT_WRITE, MAP_SHARED, b->fd, 0);
		int ret;

		if (p == MAP_FAILED)
			return -errno;
		ret = raw_sync_pair(b->fd);
		munmap(p, (size_t)b->size);
		if (ret)
			return ret;
	}
	return 0;
}

const struct bench_case bench_cases[] = {
	{ "alloc_free", "alloc+free vs heap ioctl+close", 1.05, false, library_alloc,
	  baseline_alloc },
	{ "lock_unlock", "lock+unlock vs sync pair", 1.2, true, library_lock, baseline_sync },
	{ "map_per_lock", "mmap+sync+munmap vs sync pair", 0, true, map_per_lock,
	  baseline_sync },
};
const size_t bench_case_count = sizeof(bench_cases) / sizeof(bench_cases[0]);

int bench_map_setup(struct bench_buf *b)
{
	void *p;

	b->fd = -1;
	b->map = NULL;
	b->buf = gralloc_buffer_allocate(b->dev, &b->desc);
	if (!b->buf)
		return cli_fail("allocation failed", errno);
	/* The first lock maps; time the steady state, not that. */
	if (gralloc_buffer_lock(b->buf, GRALLOC_USAGE_CPU_WRITE_OFTEN, NULL, &p) < 0 ||
	    gralloc_buffer_unlock(b->buf) < 0) {
		cli_fail("lock failed", errno);
		goto fail;
	}
	b->fd = gralloc_buffer_export_fd(b->buf, 0);
	if (b->fd < 0) {
		cli_fail("cannot export the buffer", errno);
		goto fail;
	}
	if (b->size > SIZE_MAX) { /* 32-bit: never map a truncated length */
		cli_fail("the buffer is larger than this process can map", EOVERFLOW);
		goto fail;
	}
	b->map = mmap(NULL, (size_t)b->size, PROT_READ | PROT_WRITE, MAP_SHARED, b->fd, 0);
	if (b->map == MAP_FAILED) {
		b->map = NULL;
		fprintf(stderr, "gralloc: mmap of the exported buffer: %s\n", strerror(errno));
		goto fail;
	}
	return 0;
fail:
	bench_map_teardown(b);
	return CLI_FAILED;
}

void bench_map_teardown(struct bench_buf *b)
{
	if (b->map)
		munmap(b->map, (size_t)b->size);
	if (b->fd >= 0)
		close(b->fd);
	gralloc_buffer_free(b->dev, b->buf);
	b->map = NULL;
	b->fd = -1;
	b->buf = NULL;
}
