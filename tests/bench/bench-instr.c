/* SPDX-License-Identifier: MIT */
/* Instructions per call, counted by callgrind: stable where times are not
 * (a loaded CI machine, emulation). Each phase runs its loop with
 * collection on and dumps its counts under its name; instr.py runs this
 * under valgrind, divides by the iterations and prints ratios against the
 * raw calls measured the same way. Only user-space instructions count:
 * the kernel's work is the same on both sides.
 *
 * Run alone (without valgrind) it does the same work and prints nothing. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <valgrind/callgrind.h>

#include <drm_fourcc.h>
#include <gralloc/gralloc.h>

#define ITERS 1000
#define CPU_RW (GRALLOC_USAGE_CPU_READ_OFTEN | GRALLOC_USAGE_CPU_WRITE_OFTEN)

static char dir[64], none[96];

static struct gralloc_device *device(uint64_t pool_bytes)
{
	struct gralloc_device_options o = {
		.heap_dir = dir, .udmabuf_path = none, .display_path = none, .no_config = true,
		.pool_max_bytes = pool_bytes,
	};
	struct gralloc_device *dev = gralloc_device_create(&o);

	if (!dev) {
		perror("gralloc_device_create");
		exit(1);
	}
	return dev;
}

#define PHASE(name, body)                                                      \
	do {                                                                   \
		CALLGRIND_ZERO_STATS;                                          \
		CALLGRIND_TOGGLE_COLLECT;                                      \
		body;                                                          \
		CALLGRIND_TOGGLE_COLLECT;                                      \
		CALLGRIND_DUMP_STATS_AT(name);                                 \
	} while (0)

static const struct gralloc_buffer_desc desc64k = {
	.width = 128, .height = 128, .format = DRM_FORMAT_XRGB8888, .usage = CPU_RW,
};

/* What the memfd backend asks of the kernel, and nothing else. */
static void raw_alloc_free(void)
{
	int fd = memfd_create("raw", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (fd < 0 || ftruncate(fd, 65536) ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL))
		exit(1);
	close(fd);
}

static void alloc_phases(void)
{
	struct gralloc_device *fresh = device(UINT64_MAX), *pooled = device(0);
	static struct gralloc_buffer *bufs[ITERS];

	PHASE("raw alloc+free", for (int i = 0; i < ITERS; i++) raw_alloc_free());
	/* The steady state of a program that has run a while: freed buffer
	 * structs have come out of the 1024-entry quarantine (gralloc/live.c)
	 * and are reused, rather than malloc'd. */
	for (int i = 0; i < 2 * ITERS; i++)
		gralloc_buffer_free(fresh, gralloc_buffer_allocate(fresh, &desc64k));
	PHASE("alloc+free", for (int i = 0; i < ITERS; i++)
		gralloc_buffer_free(fresh, gralloc_buffer_allocate(fresh, &desc64k)));
	PHASE("alloc", for (int i = 0; i < ITERS; i++)
		bufs[i] = gralloc_buffer_allocate(fresh, &desc64k));
	PHASE("free", for (int i = 0; i < ITERS; i++) gralloc_buffer_free(fresh, bufs[i]));
	gralloc_buffer_free(pooled, gralloc_buffer_allocate(pooled, &desc64k));
	PHASE("alloc+free pool hit", for (int i = 0; i < ITERS; i++)
		gralloc_buffer_free(pooled, gralloc_buffer_allocate(pooled, &desc64k)));
	gralloc_device_destroy(fresh);
	gralloc_device_destroy(pooled);
}

static void lock_phases(void)
{
	struct gralloc_device *dev = device(0);
	struct gralloc_buffer *b = gralloc_buffer_allocate(dev, &desc64k);
	struct gralloc_buffer_info info;
	struct dma_buf_sync s0 = { DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW };
	struct dma_buf_sync s1 = { DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW };
	void *p;
	int fd;

	gralloc_buffer_lock(b, CPU_RW, NULL, &p); /* maps once */
	gralloc_buffer_unlock(b);
	gralloc_buffer_describe(b, &info);
	fd = info.fds[0];
	/* On memfd the ioctl fails at once (ENOTTY): the same user-space
	 * path as a real sync pair. */
	PHASE("raw sync pair", for (int i = 0; i < ITERS; i++) {
		(void)!ioctl(fd, DMA_BUF_IOCTL_SYNC, &s0);
		(void)!ioctl(fd, DMA_BUF_IOCTL_SYNC, &s1);
	});
	PHASE("lock+unlock", for (int i = 0; i < ITERS; i++) {
		gralloc_buffer_lock(b, CPU_RW, NULL, &p);
		gralloc_buffer_unlock(b);
	});
	gralloc_device_destroy(dev);
}

static void handle_phases(void)
{
	struct gralloc_device *dev = device(0);
	struct gralloc_buffer *b = gralloc_buffer_allocate(dev, &desc64k);
	uint8_t h[GRALLOC_WIRE_SIZE];
	int fds[GRALLOC_WIRE_MAX_FDS];
	uint32_t n = GRALLOC_WIRE_MAX_FDS;
	int len = gralloc_handle_serialize(b, h, sizeof(h), fds, &n);
	static struct gralloc_buffer *imp[ITERS];

	PHASE("raw dup+close", for (int i = 0; i < ITERS; i++) close(fcntl(fds[0], F_DUPFD_CLOEXEC, 0)));
	PHASE("handle import", for (int i = 0; i < ITERS; i++)
		imp[i] = gralloc_handle_import(dev, h, (size_t)len, fds, n));
	for (int i = 0; i < ITERS; i++)
		gralloc_buffer_free(dev, imp[i]);
	gralloc_device_destroy(dev);
}

/* Free (and replace) the oldest of `live` buffers: flat, whatever `live`. */
static void free_at(int live)
{
	struct gralloc_device *dev = device(UINT64_MAX);
	struct gralloc_buffer **bufs = calloc((size_t)live, sizeof(*bufs));
	char name[64];

	for (int i = 0; i < live; i++)
		bufs[i] = gralloc_buffer_allocate(dev, &desc64k);
	snprintf(name, sizeof(name), "free+alloc at %d live", live);
	PHASE(name, for (int i = 0; i < ITERS; i++) {
		gralloc_buffer_free(dev, bufs[i % live]);
		bufs[i % live] = gralloc_buffer_allocate(dev, &desc64k);
	});
	gralloc_device_destroy(dev);
	free(bufs);
}

int main(void)
{
	struct rlimit rl;

	/* 10000 live buffers are 10000 fds. */
	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	snprintf(dir, sizeof(dir), "/tmp/gralloc-instr-XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	snprintf(none, sizeof(none), "%s/none", dir);
	alloc_phases();
	lock_phases();
	handle_phases();
	for (int live = 1; live <= 10000; live *= 10)
		if (live == 1 || live == 100 || live == 1000 || live == 10000)
			free_at(live);
	rmdir(dir);
	return 0;
}
