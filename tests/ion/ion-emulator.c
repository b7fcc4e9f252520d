/* SPDX-License-Identifier: MIT */
/*
 * ION EMULATOR, for tests only: an LD_PRELOAD interposer that makes
 * open("/dev/ion") succeed on kernels without ION (every kernel since 5.11,
 * including the test guest's 6.12) and answers the ION ioctls on that fd,
 * legacy or modern ABI, with REAL dma-bufs allocated from the system
 * dma-buf heap. The library under test runs its own open()/ioctl() code
 * unchanged; only the kernel side is played by this file. See
 * ion-emulator.h for the knobs and docs/porting.md for why not CUSE.
 *
 * What it does not emulate: memory placement (every ION heap, CMA included,
 * is system-heap memory here), per-client handle namespaces (handles are
 * process wide), a fresh dma-buf per legacy SHARE (it dups one), the
 * compat (32-bit on 64-bit) ioctl layouts.
 */
/* The interposed names must be the plain libc symbols: no large-file
 * redirection of open to open64, no fortify wrappers. */
#undef _TIME_BITS /* would redirect ioctl to __ioctl_time64 on 32-bit */
#undef _FILE_OFFSET_BITS
#undef _FORTIFY_SOURCE

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/dma-buf.h>
#include <linux/dma-heap.h>
#include <linux/magic.h>

#include "backends/ion_abi.h"
#include "ion-emulator.h"

#define EXPORT __attribute__((visibility("default")))
#define MAX_CLIENTS 64
#define MAX_HANDLES 256

enum abi { ABI_MODERN, ABI_LEGACY };

struct emu_heap {
	const char *name;
	enum ion_heap_type type;
	unsigned id;
};

/* Modern ION numbers heaps in registration order, so ids need not match
 * types: these do not, to catch a library that assumes they do. */
static const struct emu_heap modern_heaps[] = {
	{ "ion_system_contig_heap", ION_HEAP_TYPE_SYSTEM_CONTIG, 0 },
	{ "vendor_carveout", ION_HEAP_TYPE_CARVEOUT, 1 },
	{ "ion_system_heap", ION_HEAP_TYPE_SYSTEM, 3 },
	{ "linux,cma", ION_HEAP_TYPE_DMA, 5 },
};
/* Legacy board files conventionally registered id == type. */
static const struct emu_heap legacy_heaps[] = {
	{ "system", ION_HEAP_TYPE_SYSTEM, ION_HEAP_TYPE_SYSTEM },
	{ "system_contig", ION_HEAP_TYPE_SYSTEM_CONTIG, ION_HEAP_TYPE_SYSTEM_CONTIG },
	{ "linux,cma", ION_HEAP_TYPE_DMA, ION_HEAP_TYPE_DMA },
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct ion_emulator_stats stats;
/* An emulated ION fd is a memfd; its inode identifies it, so the fd number
 * can be closed and reused without this file tracking close(). */
static struct {
	dev_t dev;
	ino_t ino;
	enum abi abi;
} clients[MAX_CLIENTS];
static size_t num_clients;
static struct {
	int handle; /* 0 = free slot */
	int fd;     /* owned: the dma-buf behind the handle */
} handles[MAX_HANDLES];
static int next_handle = 1;

static int (*real_open)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static int (*real_ioctl)(int, unsigned long, ...);

static void resolve_real(void)
{
	if (!real_open) {
		real_open = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open");
		real_openat = (int (*)(int, const char *, int, ...))dlsym(RTLD_NEXT, "openat");
		real_ioctl = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
	}
}

static const char *env_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);

	return v && *v ? v : fallback;
}

static bool fault(const char *name)
{
	return !strcmp(env_or("ION_EMULATOR_FAULT", ""), name);
}

/* ---- open ------------------------------------------------------------ */

static bool is_ion_path(int dirfd, const char *path)
{
	(void)dirfd; /* only absolute paths name the device */
	return path && !strcmp(path, env_or("ION_EMULATOR_PATH", "/dev/ion"));
}

/* Returns a new fd standing for an ION client, or -1 with errno. */
static int emu_open(int flags)
{
	const char *abi_name = env_or("ION_EMULATOR_ABI", "modern");
	enum abi abi;
	struct stat st;
	int fd;

	if (!strcmp(abi_name, "none")) {
		errno = ENOENT;
		return -1;
	}
	if (!strcmp(abi_name, "legacy"))
		abi = ABI_LEGACY;
	else if (!strcmp(abi_name, "modern"))
		abi = ABI_MODERN;
	else {
		fprintf(stderr, "ion-emulator: ION_EMULATOR_ABI=%s: expected modern, legacy "
			"or none\n", abi_name);
		errno = EINVAL;
		return -1;
	}
	fd = memfd_create(abi == ABI_LEGACY ? "ion-emulator-legacy" : "ion-emulator-modern",
			  flags & O_CLOEXEC ? MFD_CLOEXEC : 0);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return -1;
	}
	pthread_mutex_lock(&lock);
	if (num_clients == MAX_CLIENTS) {
		pthread_mutex_unlock(&lock);
		close(fd);
		errno = EMFILE;
		return -1;
	}
	clients[num_clients].dev = st.st_dev;
	clients[num_clients].ino = st.st_ino;
	clients[num_clients++].abi = abi;
	stats.opens++;
	pthread_mutex_unlock(&lock);
	return fd;
}

static mode_t mode_arg(int flags, va_list ap)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? va_arg(ap, mode_t) : 0;
}

EXPORT int open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	resolve_real();
	if (is_ion_path(AT_FDCWD, path))
		return emu_open(flags);
	return real_open(path, flags, mode);
}

EXPORT int open64(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	resolve_real();
	if (is_ion_path(AT_FDCWD, path))
		return emu_open(flags);
	return real_open(path, flags | O_LARGEFILE, mode);
}

EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	resolve_real();
	if (is_ion_path(dirfd, path))
		return emu_open(flags);
	return real_openat(dirfd, path, flags, mode);
}

EXPORT int openat64(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = mode_arg(flags, ap);
	va_end(ap);
	resolve_real();
	if (is_ion_path(dirfd, path))
		return emu_open(flags);
	return real_openat(dirfd, path, flags | O_LARGEFILE, mode);
}

/* The entry points _FORTIFY_SOURCE builds call instead of open(). */
EXPORT int __open_2(const char *path, int flags)
{
	return open(path, flags);
}

EXPORT int __open64_2(const char *path, int flags)
{
	return open64(path, flags);
}

EXPORT int __openat_2(int dirfd, const char *path, int flags)
{
	return openat(dirfd, path, flags);
}

EXPORT int __openat64_2(int dirfd, const char *path, int flags)
{
	return openat64(dirfd, path, flags);
}

/* ---- ioctl ----------------------------------------------------------- */

/* Which emulated client fd is, or -1. Called with lock held. */
static int client_abi(int fd)
{
	struct stat st;

	if (!num_clients || fstat(fd, &st) < 0)
		return -1;
	for (size_t i = 0; i < num_clients; i++)
		if (clients[i].dev == st.st_dev && clients[i].ino == st.st_ino)
			return (int)clients[i].abi;
	return -1;
}

static const struct emu_heap *pick_heap(enum abi abi, uint32_t mask)
{
	const struct emu_heap *heaps = abi == ABI_LEGACY ? legacy_heaps : modern_heaps;
	size_t n = abi == ABI_LEGACY ? sizeof(legacy_heaps) / sizeof(legacy_heaps[0])
				     : sizeof(modern_heaps) / sizeof(modern_heaps[0]);

	/* ION tries heaps in id order and takes the first the mask names. */
	for (unsigned id = 0; id < 32; id++) {
		if (!(mask & (1u << id)))
			continue;
		for (size_t i = 0; i < n; i++)
			if (heaps[i].id == id)
				return &heaps[i];
	}
	return NULL;
}

/* A real dma-buf of len bytes (new fd, O_CLOEXEC) or -errno. */
static int real_dma_buf(uint64_t len)
{
	struct dma_heap_allocation_data data = {
		.len = len,
		.fd_flags = O_RDWR | O_CLOEXEC,
	};
	int heap = real_open(env_or("ION_EMULATOR_HEAP", "/dev/dma_heap/system"),
			     O_RDONLY | O_CLOEXEC);
	int ret;

	if (heap < 0)
		return -errno;
	ret = real_ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &data);
	ret = ret < 0 ? -errno : (int)data.fd;
	close(heap);
	return ret;
}

/* Common ALLOC path; returns a new dma-buf fd or -errno. */
static int emu_alloc(enum abi abi, uint64_t len, uint32_t mask, uint32_t flags)
{
	const struct emu_heap *heap;
	int fd;

	if (fault("enomem"))
		return -ENOMEM;
	if (fault("enodev"))
		return -ENODEV;
	if (!len)
		return -EINVAL;
	heap = pick_heap(abi, mask);
	if (!heap)
		return -ENODEV;
	fd = real_dma_buf(len);
	if (fd < 0)
		return fd;
	stats.allocs++;
	stats.last_heap_mask = mask;
	stats.last_flags = flags;
	stats.last_len = len;
	snprintf(stats.last_heap, sizeof(stats.last_heap), "%s", heap->name);
	return fd;
}

/* What a misbehaving driver might hand back: an fd, but not a dma-buf.
 * Returns the read end of a pipe (new fd) or -errno. */
static int bogus_fd(void)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	close(p[1]);
	return p[0];
}

static int modern_ioctl(unsigned long req, void *arg)
{
	if (req == ION_IOC_ALLOC) {
		struct ion_allocation_data *d = arg;
		int fd = emu_alloc(ABI_MODERN, d->len, d->heap_id_mask, d->flags);

		if (fd < 0)
			return fd;
		if (fault("bogus-fd")) {
			close(fd);
			fd = bogus_fd();
			if (fd < 0)
				return fd;
		}
		d->fd = (__u32)fd;
		return 0;
	}
	if (req == ION_IOC_HEAP_QUERY) {
		struct ion_heap_query *q = arg;
		size_t n = sizeof(modern_heaps) / sizeof(modern_heaps[0]);
		struct ion_heap_data *out = (struct ion_heap_data *)(uintptr_t)q->heaps;

		if (q->reserved0 || q->reserved1 || q->reserved2)
			return -EINVAL;
		if (out) {
			n = q->cnt < n ? q->cnt : n;
			for (size_t i = 0; i < n; i++) {
				memset(&out[i], 0, sizeof(out[i]));
				snprintf(out[i].name, sizeof(out[i].name), "%s", modern_heaps[i].name);
				out[i].type = modern_heaps[i].type;
				out[i].heap_id = modern_heaps[i].id;
			}
		}
		q->cnt = (__u32)n;
		stats.queries++;
		return 0;
	}
	/* 4.12 removed FREE, SHARE, MAP, IMPORT, SYNC, CUSTOM. */
	return -ENOTTY;
}

static int *handle_slot(int handle)
{
	for (size_t i = 0; handle > 0 && i < MAX_HANDLES; i++)
		if (handles[i].handle == handle)
			return &handles[i].handle;
	return NULL;
}

static int handle_index(int handle)
{
	int *slot = handle_slot(handle);

	return slot ? (int)(((char *)slot - (char *)handles) / sizeof(handles[0])) : -1;
}

static int legacy_ioctl(unsigned long req, void *arg)
{
	if (req == ION_IOC_LEGACY_ALLOC) {
		struct ion_legacy_allocation_data *d = arg;
		int slot = -1, fd;

		for (int i = 0; i < MAX_HANDLES && slot < 0; i++)
			if (!handles[i].handle)
				slot = i;
		if (slot < 0)
			return -ENOMEM;
		fd = emu_alloc(ABI_LEGACY, d->len, d->heap_id_mask, d->flags);
		if (fd < 0)
			return fd;
		handles[slot].handle = next_handle++;
		handles[slot].fd = fd;
		d->handle = handles[slot].handle;
		stats.live_handles++;
		return 0;
	}
	if (req == ION_IOC_FREE) {
		struct ion_handle_data *d = arg;
		int i = handle_index(d->handle);

		if (i < 0)
			return -EINVAL; /* what ion_is_legacy() sees for handle 0 */
		close(handles[i].fd);
		handles[i].handle = 0;
		stats.live_handles--;
		return 0;
	}
	if (req == ION_IOC_SHARE || req == ION_IOC_MAP) {
		struct ion_fd_data *d = arg;
		int i = handle_index(d->handle), fd;

		if (i < 0 || fault("share-fails"))
			return -EINVAL;
		fd = fault("bogus-fd") ? bogus_fd() : fcntl(handles[i].fd, F_DUPFD_CLOEXEC, 0);
		if (fd < 0)
			return fd == -1 ? -errno : fd;
		d->fd = fd;
		return 0;
	}
	if (req == ION_IOC_SYNC) {
		struct ion_fd_data *d = arg;
		struct dma_buf_sync s = { .flags = DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW };
		struct statfs sfs;

		/* The kernel looks the fd up as one of its dma-bufs. */
		if (fstatfs(d->fd, &sfs) < 0 || (unsigned long)sfs.f_type != DMA_BUF_MAGIC)
			return -EINVAL;
		/* A flush of the whole buffer, done through the real kernel. */
		if (real_ioctl(d->fd, DMA_BUF_IOCTL_SYNC, &s) < 0)
			return -errno;
		s.flags = DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW;
		if (real_ioctl(d->fd, DMA_BUF_IOCTL_SYNC, &s) < 0)
			return -errno;
		stats.syncs++;
		return 0;
	}
	/* No HEAP_QUERY: this plays a kernel before 4.11. */
	return -ENOTTY;
}

EXPORT int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;
	int abi, ret;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	resolve_real();

	pthread_mutex_lock(&lock);
	/* Every kernel that had ION predates these (6.0): refuse them on any
	 * fd, as those kernels did, so fence code takes its old-kernel path. */
	if (req == DMA_BUF_IOCTL_EXPORT_SYNC_FILE || req == DMA_BUF_IOCTL_IMPORT_SYNC_FILE) {
		stats.sync_file_refusals++;
		pthread_mutex_unlock(&lock);
		errno = ENOTTY;
		return -1;
	}
	abi = client_abi(fd);
	if (abi < 0) {
		pthread_mutex_unlock(&lock);
		return real_ioctl(fd, req, arg);
	}
	stats.ioctls++;
	ret = abi == ABI_LEGACY ? legacy_ioctl(req, arg) : modern_ioctl(req, arg);
	pthread_mutex_unlock(&lock);
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	return ret;
}

/* ---- for tests ------------------------------------------------------- */

EXPORT void ion_emulator_get_stats(struct ion_emulator_stats *out)
{
	pthread_mutex_lock(&lock);
	*out = stats;
	pthread_mutex_unlock(&lock);
}

/* Live handles are state, not a counter: they survive a reset. */
EXPORT void ion_emulator_reset_stats(void)
{
	int live;

	pthread_mutex_lock(&lock);
	live = stats.live_handles;
	memset(&stats, 0, sizeof(stats));
	stats.live_handles = live;
	pthread_mutex_unlock(&lock);
}
