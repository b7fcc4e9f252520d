/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/dma-buf.h>

#include "gralloc/private.h"

/* Signals and the heap's own retry hint must not turn into failed
 * allocations: the kernel asks us to repeat the call. */
int gralloc_ioctl(int fd, unsigned long request, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, request, arg);
	} while (ret == -1 && (errno == EINTR || errno == EAGAIN));
	return ret == -1 ? -errno : ret;
}

void gralloc_copy_name(char *dst, size_t len, const char *src)
{
	if (!len)
		return;
	if (!src)
		src = "";
	strncpy(dst, src, len - 1);
	dst[len - 1] = '\0';
}

uint64_t gralloc_cpu_sync_flags(uint64_t cpu_usage)
{
	uint64_t flags = 0;

	if (cpu_usage & GRALLOC_USAGE_CPU_READ)
		flags |= DMA_BUF_SYNC_READ;
	if (cpu_usage & GRALLOC_USAGE_CPU_WRITE)
		flags |= DMA_BUF_SYNC_WRITE;
	return flags;
}

/* fd is borrowed. */
int gralloc_dma_buf_sync(int fd, bool start, uint64_t cpu_usage)
{
	struct dma_buf_sync sync = {
		.flags = gralloc_cpu_sync_flags(cpu_usage) |
			 (start ? DMA_BUF_SYNC_START : DMA_BUF_SYNC_END),
	};

	return gralloc_ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync);
}
