/* SPDX-License-Identifier: MIT */
/* Timed loops. The baselines are what a careful program would write by
 * hand with the kernel's uapi, so a ratio near 1 means the library adds
 * nothing that matters. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
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

/* A process's first 1024 buffer structs are new memory: the library keeps
 * each freed struct from reuse until 1024 more are freed (the stale-pointer
 * quarantine, docs/architecture.md), so until then every allocation takes
 * a fresh struct and, every few, a page fault. That is a one-time cost of a
 * process, shown by the "first allocations" row; the steady-state rows
 * come after it has been paid. Small buffers: only the structs matter. */
#define PROCESS_WARM_ALLOCATIONS 1100u

static int warm_process(struct bench_buf *b)
{
	struct gralloc_buffer_desc d = b->desc;

	d.width = d.height = 32;
	for (unsigned i = 0; i < PROCESS_WARM_ALLOCATIONS; i++) {
		struct gralloc_buffer *buf = gralloc_buffer_allocate(b->dev, &d);

		if (!buf)
			return cli_fail("cannot allocate", errno);
		gralloc_buffer_free(b->dev, buf);
	}
	return 0;
}

/* The least any allocator with a registry of live buffers does around the
 * raw pair: a lock to look up a remembered request, a struct for the
 * buffer, a lock to register it and one to unregister it. No validation,
 * policy, pool or stale-pointer protection. Its ratio is what the machine
 * charges for having a library at all (under emulation, more than on
 * hardware), the floor under "alloc+free vs heap ioctl+close". */
struct bare_buffer {
	int fd;
	uint64_t id;
	char rest[520]; /* the size of the library's own buffer struct */
};

static int bare_alloc(struct bench_buf *b, unsigned iters)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	static struct bare_buffer *live[64];
	static uint64_t next_id;

	for (unsigned i = 0; i < iters; i++) {
		struct dma_heap_allocation_data d = {
			.len = b->size,
			.fd_flags = O_RDWR | O_CLOEXEC,
		};
		struct bare_buffer *buf;
		size_t slot;
		bool same;

		pthread_mutex_lock(&lock);
		same = b->desc.width && b->desc.height && b->desc.format && b->desc.usage;
		pthread_mutex_unlock(&lock);
		buf = same ? malloc(sizeof(*buf)) : NULL;
		if (!buf)
			return -ENOMEM;
		if (ioctl(b->heap_fd, DMA_HEAP_IOCTL_ALLOC, &d) < 0) {
			free(buf);
			return -errno;
		}
		buf->fd = (int)d.fd;
		pthread_mutex_lock(&lock);
		slot = ((uintptr_t)buf >> 4) & 63;
		while (live[slot])
			slot = (slot + 1) & 63;
		live[slot] = buf;
		buf->id = next_id++;
		pthread_mutex_unlock(&lock);

		pthread_mutex_lock(&lock);
		live[slot] = NULL;
		pthread_mutex_unlock(&lock);
		close(buf->fd);
		free(buf);
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

/* Allocates b->buf through the library, locks it once (the library maps on
 * first lock) and maps a dup for the baseline. Errors are printed. */
static int bench_map_setup(struct bench_buf *b);
static void bench_map_teardown(struct bench_buf *b);

/* Memory from the pool against fresh memory from the same library: what
 * recycling saves (mostly the kernel zeroing new pages). */
static int pooled_alloc(struct bench_buf *b, unsigned iters)
{
	for (unsigned i = 0; i < iters; i++) {
		struct gralloc_buffer *buf = gralloc_buffer_allocate(b->pooled, &b->desc);

		if (!buf)
			return -errno;
		gralloc_buffer_free(b->pooled, buf);
	}
	return 0;
}

/* b->param buffers live; the library side frees and replaces the oldest,
 * the baseline does the same with one live buffer. Small buffers: the
 * point is the bookkeeping, not the memory. */
static int live_setup(struct bench_buf *b)
{
	b->desc.width = b->desc.height = 32;
	b->live = calloc(b->param, sizeof(*b->live));
	if (!b->live)
		return cli_fail("out of memory", ENOMEM);
	for (unsigned i = 0; i < b->param; i++)
		if (!(b->live[i] = gralloc_buffer_allocate(b->dev, &b->desc)))
			return cli_fail("cannot allocate the live buffers", errno);
	b->one = gralloc_buffer_allocate(b->dev, &b->desc);
	return b->one ? 0 : cli_fail("cannot allocate", errno);
}

static void live_teardown(struct bench_buf *b)
{
	for (unsigned i = 0; b->live && i < b->param; i++)
		gralloc_buffer_free(b->dev, b->live[i]);
	free(b->live);
	gralloc_buffer_free(b->dev, b->one);
	b->live = NULL;
	b->one = NULL;
}

static int replace(struct gralloc_device *dev, struct gralloc_buffer **slot,
		   const struct gralloc_buffer_desc *desc)
{
	gralloc_buffer_free(dev, *slot);
	*slot = gralloc_buffer_allocate(dev, desc);
	return *slot ? 0 : -errno;
}

static int free_at_n(struct bench_buf *b, unsigned iters)
{
	for (unsigned i = 0; i < iters; i++) {
		int ret = replace(b->dev, &b->live[b->next], &b->desc);

		if (ret)
			return ret;
		b->next = (b->next + 1) % b->param;
	}
	return 0;
}

static int free_at_one(struct bench_buf *b, unsigned iters)
{
	for (unsigned i = 0; i < iters; i++) {
		int ret = replace(b->dev, &b->one, &b->desc);

		if (ret)
			return ret;
	}
	return 0;
}

struct thread_job {
	struct bench_buf *b;
	unsigned iters;
	int ret;
};

static void *alloc_thread(void *arg)
{
	struct thread_job *j = arg;

	j->ret = library_alloc(j->b, j->iters);
	return NULL;
}

/* The same number of allocations, shared by two threads on one device:
 * below 1 the device lock lets them run in parallel. */
static int two_threads(struct bench_buf *b, unsigned iters)
{
	struct thread_job j[2] = { { b, iters / 2, 0 }, { b, iters - iters / 2, 0 } };
	pthread_t t;

	if (pthread_create(&t, NULL, alloc_thread, &j[0]))
		return -EAGAIN;
	alloc_thread(&j[1]);
	pthread_join(t, NULL);
	return j[0].ret ? j[0].ret : j[1].ret;
}

static int socket_setup(struct bench_buf *b)
{
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, b->sock) < 0)
		return cli_fail("socketpair", errno);
	b->buf = gralloc_buffer_allocate(b->dev, &b->desc);
	if (!b->buf)
		return cli_fail("allocation failed", errno);
	b->fd = gralloc_buffer_export_fd(b->buf, 0);
	return b->fd < 0 ? cli_fail("cannot export the buffer", errno) : 0;
}

static void socket_teardown(struct bench_buf *b)
{
	close(b->sock[0]);
	close(b->sock[1]);
	if (b->fd >= 0)
		close(b->fd);
	gralloc_buffer_free(b->dev, b->buf);
	b->buf = NULL;
	b->fd = -1;
}

static int library_handle(struct bench_buf *b, unsigned iters)
{
	for (unsigned i = 0; i < iters; i++) {
		struct gralloc_buffer *got;
		int ret = gralloc_handle_send(b->sock[0], b->buf);

		if (ret)
			return ret;
		got = gralloc_handle_receive(b->dev, b->sock[1]);
		if (!got)
			return -errno;
		gralloc_buffer_free(b->dev, got);
	}
	return 0;
}

/* One fd and as many bytes as a handle, by hand: sendmsg with SCM_RIGHTS,
 * recvmsg, close. */
static int raw_fd_pass(struct bench_buf *b, unsigned iters)
{
	for (unsigned i = 0; i < iters; i++) {
		uint8_t payload[GRALLOC_WIRE_SIZE] = { 0 };
		char ctl[CMSG_SPACE(sizeof(int))];
		struct iovec iov = { payload, sizeof(payload) };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
				    .msg_controllen = sizeof(ctl) };
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);
		int fd;

		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &b->fd, sizeof(int));
		if (sendmsg(b->sock[0], &m, MSG_NOSIGNAL) < 0)
			return -errno;
		m.msg_controllen = sizeof(ctl);
		if (recvmsg(b->sock[1], &m, MSG_CMSG_CLOEXEC) < 0)
			return -errno;
		c = CMSG_FIRSTHDR(&m);
		if (!c || c->cmsg_type != SCM_RIGHTS)
			return -EPROTO;
		memcpy(&fd, CMSG_DATA(c), sizeof(int));
		close(fd);
	}
	return 0;
}

const struct bench_case bench_cases[] = {
	/* First: nothing before it has allocated in this process. */
	{ .name = "alloc_free_first", .label = "alloc+free, first of a process",
	  .shapes = BENCH_SMALL, .fixed_count = true,
	  .library = library_alloc, .baseline = baseline_alloc },
	{ .name = "alloc_free", .label = "alloc+free vs heap ioctl+close", .target = 1.05,
	  .shapes = BENCH_SMALL | BENCH_BIG, .setup = warm_process,
	  .library = library_alloc, .baseline = baseline_alloc },
	{ .name = "bare_wrapper", .label = "bare wrapper vs heap ioctl+close",
	  .shapes = BENCH_SMALL, .library = bare_alloc, .baseline = baseline_alloc },
	{ .name = "pool_hit", .label = "pooled alloc+free vs fresh", .shapes = BENCH_SMALL,
	  .library = pooled_alloc, .baseline = library_alloc },
	/* "A pool hit at least 100 times faster than a fresh 8 MB buffer." */
	{ .name = "pool_hit", .label = "pooled alloc+free vs fresh", .target = 0.01,
	  .shapes = BENCH_BIG, .library = pooled_alloc, .baseline = library_alloc },
	{ .name = "lock_unlock", .label = "lock+unlock vs sync pair", .target = 1.1,
	  .shapes = BENCH_SMALL | BENCH_BIG, .setup = bench_map_setup,
	  .teardown = bench_map_teardown, .library = library_lock, .baseline = baseline_sync },
	{ .name = "map_per_lock", .label = "mmap+sync+munmap vs sync pair",
	  .shapes = BENCH_SMALL | BENCH_BIG, .setup = bench_map_setup,
	  .teardown = bench_map_teardown, .library = map_per_lock, .baseline = baseline_sync },
	{ .name = "free_100_live", .label = "free+alloc, 100 live vs 1", .target = 1.2,
	  .shapes = BENCH_SMALL, .param = 100, .setup = live_setup, .teardown = live_teardown,
	  .library = free_at_n, .baseline = free_at_one },
	{ .name = "free_1000_live", .label = "free+alloc, 1000 live vs 1", .target = 1.2,
	  .shapes = BENCH_SMALL, .param = 1000, .setup = live_setup, .teardown = live_teardown,
	  .library = free_at_n, .baseline = free_at_one },
	{ .name = "free_10000_live", .label = "free+alloc, 10000 live vs 1", .target = 1.2,
	  .shapes = BENCH_SMALL, .param = 10000, .setup = live_setup,
	  .teardown = live_teardown, .library = free_at_n, .baseline = free_at_one },
	{ .name = "two_threads", .label = "alloc+free, 2 threads vs 1", .shapes = BENCH_SMALL,
	  .block = true, .library = two_threads, .baseline = library_alloc },
	{ .name = "handle_pass", .label = "handle send+receive vs SCM_RIGHTS",
	  .shapes = BENCH_SMALL, .setup = socket_setup, .teardown = socket_teardown,
	  .library = library_handle, .baseline = raw_fd_pass },
};
const size_t bench_case_count = sizeof(bench_cases) / sizeof(bench_cases[0]);

static int bench_map_setup(struct bench_buf *b)
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

static void bench_map_teardown(struct bench_buf *b)
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
