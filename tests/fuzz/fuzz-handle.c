/* SPDX-License-Identifier: MIT */
/* libFuzzer target: handle decode and import on untrusted bytes.
 *
 * Input: 5 bytes that pick the fds, then the handle bytes.
 *   byte 0      number of fds passed (0..7: above 4 exercises the cap)
 *   bytes 1..4  which fd of the pool goes in each slot (mod POOL)
 * The pool has real sealed memfds of the sizes the seed handles describe,
 * so mutations reach the layout and size rules, plus fds of wrong kinds.
 *
 * Oracles beyond the sanitizers: an accepted handle re-serialises to the
 * same bytes except the id (import keeps nothing it did not check), and
 * the process's fd count never grows. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <drm_fourcc.h>

#include "gralloc/gralloc.h"
#include "gralloc/handle.h"

#define POOL 8
#define PREFIX 5
#define ID_OFFSET 64

static struct gralloc_device *dev;
static int pool[POOL];
static long execs;
static int base_fds;
static struct stat pool_st[POOL];

/* Open fds that refer to a file of the pool: every fd import can create is
 * a duplicate of one of those. (Counting all fds would also count the
 * sanitizers' symbolizer pipes, which come and go.) */
static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		abort();
	while ((e = readdir(d))) {
		struct stat st;

		if (e->d_name[0] == '.' || fstatat(dirfd(d), e->d_name, &st, 0))
			continue;
		for (int i = 0; i < POOL; i++)
			n += pool_st[i].st_ino == st.st_ino && pool_st[i].st_dev == st.st_dev;
	}
	closedir(d);
	return n;
}

static void list_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char path[300], target[256] = "";

		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		if (readlink(path, target, sizeof(target) - 1) > 0)
			fprintf(stderr, "  fd %s -> %s\n", e->d_name, target);
	}
	if (d)
		closedir(d);
}

static int buffer_fd(uint32_t w, uint32_t h, uint32_t format)
{
	struct gralloc_buffer_desc d = {
		.width = w, .height = h, .format = format,
		.usage = GRALLOC_USAGE_CPU_READ_OFTEN | GRALLOC_USAGE_CPU_WRITE_OFTEN,
	};
	struct gralloc_buffer *b = gralloc_buffer_allocate(dev, &d);

	if (!b)
		abort();
	return gralloc_buffer_export_fd(b, 0); /* the buffer stays alive */
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static char heap_dir[] = "/tmp/gralloc-fuzz-heaps-XXXXXX";
	struct gralloc_device_options o = {
		.udmabuf_path = "/nonexistent/udmabuf",
		.no_config = true,
	};
	int p[2];

	(void)argc;
	(void)argv;
	/* memfd only: an empty heap directory, removed at once (the device
	 * just finds no heaps there). */
	if (!mkdtemp(heap_dir))
		abort();
	o.heap_dir = heap_dir;
	dev = gralloc_device_create(&o);
	rmdir(heap_dir);
	if (!dev || pipe2(p, O_CLOEXEC))
		abort();
	/* Sizes match the seed handles (gen-corpus.c). */
	pool[0] = buffer_fd(64, 64, DRM_FORMAT_XRGB8888);
	pool[1] = buffer_fd(100, 50, DRM_FORMAT_NV12);
	pool[2] = buffer_fd(1024, 1024, DRM_FORMAT_XRGB8888);
	pool[3] = buffer_fd(33, 17, DRM_FORMAT_YUV420);
	pool[4] = p[0];
	pool[5] = open("/dev/null", O_RDWR | O_CLOEXEC);
	pool[6] = memfd_create("unsealed", MFD_CLOEXEC); /* no seals */
	pool[7] = -1;
	if (pool[6] < 0 || ftruncate(pool[6], 1 << 22))
		abort();
	for (int i = 0; i < POOL; i++)
		if (pool[i] >= 0 && fstat(pool[i], &pool_st[i]))
			abort();
	base_fds = count_fds();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gralloc_buffer_info info;
	struct gralloc_buffer *b;
	int fds[8];
	uint32_t n;

	if (size < PREFIX)
		return 0;
	n = data[0] & 7;
	for (uint32_t i = 0; i < n; i++)
		fds[i] = pool[data[1 + (i & 3)] % POOL];
	data += PREFIX;
	size -= PREFIX;

	(void)gralloc_handle_decode(data, size, &info);
	b = gralloc_handle_import(dev, data, size, fds, n);
	if (b) {
		uint8_t again[GRALLOC_WIRE_SIZE];
		int out_fds[GRALLOC_WIRE_MAX_FDS];
		uint32_t out_n = GRALLOC_WIRE_MAX_FDS;
		int len = gralloc_handle_serialize(b, again, sizeof(again), out_fds, &out_n);
		void *p;

		/* A version 1 handle comes back as version 2 (fd sizes added,
		 * sizes the real ones): that one must then be a fixpoint. */
		if (size == GRALLOC_WIRE_SIZE_V1 && len == GRALLOC_WIRE_SIZE && out_n == n) {
			struct gralloc_buffer *b2 = gralloc_handle_import(dev, again, (size_t)len,
									  out_fds, out_n);
			uint8_t third[GRALLOC_WIRE_SIZE];
			int fds3[GRALLOC_WIRE_MAX_FDS];
			uint32_t n3 = GRALLOC_WIRE_MAX_FDS;

			if (!b2 || gralloc_handle_serialize(b2, third, sizeof(third), fds3, &n3) != len ||
			    memcmp(third, again, ID_OFFSET) ||
			    memcmp(third + ID_OFFSET + 8, again + ID_OFFSET + 8,
				   (size_t)len - ID_OFFSET - 8)) {
				fprintf(stderr, "a version 1 handle's version 2 form is no fixpoint\n");
				abort();
			}
			gralloc_buffer_free(dev, b2);
		} else if (len != (int)size || out_n != n ||
		    memcmp(again, data, ID_OFFSET) ||
		    memcmp(again + ID_OFFSET + 8, data + ID_OFFSET + 8, size - ID_OFFSET - 8)) {
			fprintf(stderr, "accepted handle does not re-serialise to itself\n");
			abort();
		}
		/* Touch every byte the buffer claims: a size rule that let a
		 * short fd through would SIGBUS here. */
		if (gralloc_buffer_lock(b, GRALLOC_USAGE_CPU_READ_OFTEN, NULL, &p) == 0) {
			struct gralloc_buffer_info bi;
			volatile uint8_t sum = 0;
			uint64_t end;

			/* p is plane 0's first byte inside its fd's mapping. */
			gralloc_buffer_describe(b, &bi);
			end = bi.fd_size[bi.planes[0].fd_index] - bi.planes[0].offset;
			for (uint64_t o = 0; o < end; o += 4096)
				sum += ((uint8_t *)p)[o];
			sum += ((uint8_t *)p)[end - 1];
			(void)sum;
			gralloc_buffer_unlock(b);
		}
		if (gralloc_buffer_free(dev, b) || gralloc_buffer_free(dev, b) != -EINVAL)
			abort();
	}
	if (++execs % 4096 == 0 && count_fds() != base_fds) {
		fprintf(stderr, "fd leak: %d open, %d at start\n", count_fds(), base_fds);
		list_fds();
		abort();
	}
	return 0;
}
