/* SPDX-License-Identifier: MIT */
/* Fenced CPU access: locks that wait for device work with a time limit,
 * unlocks that hand fences back (include/gralloc/fence.h). The lock
 * itself is cpu_access.c's: by the time it issues DMA_BUF_IOCTL_SYNC the
 * fences it would wait for have signalled, so it does not block. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <linux/sync_file.h>

#include "gralloc/fence.h"
#include "gralloc/private.h"

/* poll() counts in milliseconds; a deadline keeps several waits inside
 * one timeout. */
struct deadline {
	bool forever;
	bool now; /* already passed: decided without reading the clock */
	struct timespec end;
};

static void deadline_init(struct deadline *d, int timeout_ms)
{
	d->forever = timeout_ms < 0;
	d->now = false;
	clock_gettime(CLOCK_MONOTONIC, &d->end);
	if (d->forever)
		return;
	d->end.tv_sec += timeout_ms / 1000;
	d->end.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (d->end.tv_nsec >= 1000000000L) {
		d->end.tv_sec++;
		d->end.tv_nsec -= 1000000000L;
	}
}

/* -1 for no limit, else the milliseconds left, rounded up so that a wait
 * never ends before the deadline; 0 once it has passed. */
static int deadline_left_ms(const struct deadline *d)
{
	struct timespec now;
	int64_t ns;

	if (d->forever)
		return -1;
	if (d->now)
		return 0;
	/* Not free: in the TCG guest one read cost more than a whole
	 * lock+unlock, so the idle path never reads the clock. */
	clock_gettime(CLOCK_MONOTONIC, &now);
	ns = (int64_t)(d->end.tv_sec - now.tv_sec) * 1000000000LL + (d->end.tv_nsec - now.tv_nsec);
	return ns <= 0 ? 0 : (int)((ns + 999999) / 1000000);
}

static const struct deadline forever = { .forever = true };
static const struct deadline at_once = { .now = true };

/* fd is borrowed. 0 when it reports `events`, -ETIME at the deadline. */
static int wait_fd(int fd, short events, const struct deadline *d)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = events };
		int n = poll(&p, 1, deadline_left_ms(d));

		if (n > 0) {
			if (p.revents & POLLNVAL)
				return -EBADF;
			return (p.revents & events) ? 0 : -EIO;
		}
		if (n == 0)
			return -ETIME;
		if (errno != EINTR)
			return -errno;
	}
}

/* fd is borrowed. Refuses the buffer's own fds: closing one of those, as
 * fence ownership demands, would pull the memory from under the buffer. */
static int check_fence(const struct gralloc_buffer *buf, int fd, const char *what)
{
	struct sync_file_info info;

	for (uint32_t i = 0; i < buf->num_fds; i++) {
		if (buf->fds[i] == fd) {
			gralloc_log(ERROR, "%s %d is the buffer's own fd %u, not a fence", what,
				    fd, i);
			return -EBADF;
		}
	}
	memset(&info, 0, sizeof(info));
	if (gralloc_ioctl(fd, SYNC_IOC_FILE_INFO, &info)) {
		gralloc_log(ERROR, "%s %d is not a sync_file", what, fd);
		return -EINVAL;
	}
	return 0;
}

static void close_fence(const struct gralloc_buffer *buf, int fd)
{
	if (fd < 0)
		return;
	for (uint32_t i = 0; buf && i < buf->num_fds; i++)
		if (buf->fds[i] == fd)
			return;
	close(fd);
}

static uint32_t sync_flags(bool write)
{
	return write ? DMA_BUF_SYNC_WRITE : DMA_BUF_SYNC_READ;
}

/* dmabuf is borrowed. The kernel's rule for CPU access: a reader waits for
 * writers, a writer for everyone. The wait goes through a sync_file
 * (EXPORT_SYNC_FILE, 6.0): it holds the fences present now, so work queued
 * during the wait cannot starve the lock. Before 6.0, poll() on the
 * dma-buf itself (3.17) applies the same rule. */
static int wait_implicit(int dmabuf, bool write, const struct deadline *d)
{
	struct dma_buf_export_sync_file x = { .flags = sync_flags(write), .fd = -1 };
	short events = write ? POLLOUT : POLLIN;
	int ret;

	ret = gralloc_ioctl(dmabuf, DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &x);
	if (ret == -ENOTTY)
		return wait_fd(dmabuf, events, d);
	if (ret) {
		gralloc_log(ERROR, "DMA_BUF_IOCTL_EXPORT_SYNC_FILE: %s", strerror(-ret));
		return ret;
	}
	ret = wait_fd(x.fd, POLLIN, d);
	close(x.fd);
	return ret;
}

/* Nothing pending that a lock in this direction would wait for: the
 * common case, answered with one poll per fd and no clock. */
static bool implicit_idle(const struct gralloc_buffer *buf, bool write)
{
	if (!buf->backend->impl->dma_buf)
		return true;
	for (uint32_t i = 0; i < buf->num_fds; i++)
		if (wait_fd(buf->fds[i], write ? POLLOUT : POLLIN, &at_once))
			return false;
	return true;
}

/* Takes acquire_fence. */
static int lock_wait(struct gralloc_buffer *buf, uint64_t cpu_usage, int acquire_fence,
		     int timeout_ms)
{
	bool write = cpu_usage & GRALLOC_USAGE_CPU_WRITE;
	struct deadline d;
	int ret = 0;

	if (!(cpu_usage & GRALLOC_USAGE_CPU) || (cpu_usage & ~GRALLOC_USAGE_CPU)) {
		gralloc_log(ERROR, "lock usage must be CPU read/write bits only (got 0x%llx)",
			    (unsigned long long)cpu_usage);
		close_fence(buf, acquire_fence);
		return -EINVAL;
	}
	if (acquire_fence < 0 && implicit_idle(buf, write))
		return 0;
	deadline_init(&d, timeout_ms);
	if (acquire_fence >= 0) {
		ret = check_fence(buf, acquire_fence, "acquire fence");
		if (!ret) {
			ret = wait_fd(acquire_fence, POLLIN, &d);
			if (ret == -ETIME)
				gralloc_log(ERROR, "acquire fence not signalled within %d ms",
					    timeout_ms);
		}
		close_fence(buf, acquire_fence);
	}
	if (ret || !buf->backend->impl->dma_buf)
		return ret;
	for (uint32_t i = 0; i < buf->num_fds && !ret; i++) {
		ret = wait_implicit(buf->fds[i], write, &d);
		if (ret == -ETIME)
			gralloc_log(ERROR, "device %s still pending on the buffer after %d ms",
				    write ? "reads or writes" : "writes", timeout_ms);
	}
	return ret;
}

GRALLOC_EXPORT int gralloc_buffer_lock_fenced(struct gralloc_buffer *buf, uint64_t cpu_usage,
					      const struct gralloc_rect *region,
					      int acquire_fence, int timeout_ms, void **out)
{
	int ret;

	if (!buf || !out) {
		gralloc_log(ERROR, "buffer and out must not be NULL");
		close_fence(buf, acquire_fence);
		return -(errno = EINVAL);
	}
	ret = lock_wait(buf, cpu_usage, acquire_fence, timeout_ms);
	if (ret)
		return -(errno = -ret);
	return gralloc_buffer_lock(buf, cpu_usage, region, out);
}

GRALLOC_EXPORT int gralloc_buffer_lock_ycbcr_fenced(struct gralloc_buffer *buf,
						    uint64_t cpu_usage,
						    const struct gralloc_rect *region,
						    int acquire_fence, int timeout_ms,
						    struct gralloc_ycbcr *out)
{
	int ret;

	if (!buf || !out) {
		gralloc_log(ERROR, "buffer and out must not be NULL");
		close_fence(buf, acquire_fence);
		return -(errno = EINVAL);
	}
	ret = lock_wait(buf, cpu_usage, acquire_fence, timeout_ms);
	if (ret)
		return -(errno = -ret);
	return gralloc_buffer_lock_ycbcr(buf, cpu_usage, region, out);
}

/* fence is borrowed (the kernel takes its own reference). Where it cannot
 * be attached, waiting for it keeps the promise that whoever comes after
 * the unlock sees the finished access. */
static int attach_fence(struct gralloc_buffer *buf, int fence, bool write)
{
	if (!buf->backend->impl->dma_buf)
		return wait_fd(fence, POLLIN, &forever);
	for (uint32_t i = 0; i < buf->num_fds; i++) {
		struct dma_buf_import_sync_file im = { .flags = sync_flags(write), .fd = fence };
		int ret = gralloc_ioctl(buf->fds[i], DMA_BUF_IOCTL_IMPORT_SYNC_FILE, &im);

		if (ret == -ENOTTY)
			return wait_fd(fence, POLLIN, &forever);
		if (ret) {
			gralloc_log(ERROR, "DMA_BUF_IOCTL_IMPORT_SYNC_FILE: %s", strerror(-ret));
			return ret;
		}
	}
	return 0;
}

/* Takes a and b; *out is a new sync_file signalling when both have. */
static int merge_fences(int a, int b, int *out)
{
	struct sync_merge_data m = { .name = "gralloc-release", .fd2 = b, .fence = -1 };
	int ret = gralloc_ioctl(a, SYNC_IOC_MERGE, &m);

	close(a);
	close(b);
	if (ret) {
		gralloc_log(ERROR, "SYNC_IOC_MERGE: %s", strerror(-ret));
		return ret;
	}
	*out = m.fence;
	return 0;
}

/* *out: a new sync_file for every fence on the buffer, or -1 when none
 * can exist (memfd) or the kernel cannot export one (then the work has
 * been waited for here). */
static int release_fence_of(struct gralloc_buffer *buf, int *out)
{
	int merged = -1;

	*out = -1;
	if (!buf->backend->impl->dma_buf)
		return 0;
	for (uint32_t i = 0; i < buf->num_fds; i++) {
		struct dma_buf_export_sync_file x = { .flags = DMA_BUF_SYNC_WRITE, .fd = -1 };
		int ret = gralloc_ioctl(buf->fds[i], DMA_BUF_IOCTL_EXPORT_SYNC_FILE, &x);

		if (ret == -ENOTTY)
			ret = wait_fd(buf->fds[i], POLLOUT, &forever);
		else if (ret)
			gralloc_log(ERROR, "DMA_BUF_IOCTL_EXPORT_SYNC_FILE: %s", strerror(-ret));
		else if (merged < 0)
			merged = x.fd;
		else
			ret = merge_fences(merged, x.fd, &merged);
		if (ret) {
			if (merged >= 0)
				close(merged);
			return ret;
		}
	}
	*out = merged;
	return 0;
}

GRALLOC_EXPORT int gralloc_buffer_unlock_fenced(struct gralloc_buffer *buf, int writes_fence,
						int *release_fence)
{
	uint64_t usage = 0;
	int ret;

	if (release_fence)
		*release_fence = -1;
	if (!buf) {
		gralloc_log(ERROR, "buffer must not be NULL");
		close_fence(NULL, writes_fence);
		return -(errno = EINVAL);
	}
	if (writes_fence >= 0) {
		ret = check_fence(buf, writes_fence, "writes fence");
		if (ret) {
			close_fence(buf, writes_fence);
			return -(errno = -ret);
		}
	}
	if (writes_fence >= 0) {
		/* The fence is attached in the direction of the lock it ends. */
		gralloc_mtx_lock(&buf->lock);
		if (buf->lock_depth)
			usage = buf->lock_usage[buf->lock_depth - 1];
		gralloc_mtx_unlock(&buf->lock);
	}
	ret = gralloc_buffer_unlock(buf);
	if (!ret && writes_fence >= 0)
		ret = attach_fence(buf, writes_fence, usage & GRALLOC_USAGE_CPU_WRITE);
	close_fence(buf, writes_fence);
	if (!ret && release_fence)
		ret = release_fence_of(buf, release_fence);
	return ret ? -(errno = -ret) : 0;
}
