/* SPDX-License-Identifier: MIT */
/* The dma-heap backend against the real system heap of a 6.12 kernel: what
 * the library reports about a buffer must match what the kernel says about
 * the same fd (size, exporter, name), and CPU access through the library
 * must agree with an independent mapping of the exported dma-buf. */
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <drm_fourcc.h>
#include <linux/dma-buf.h>

#include "gralloc/gralloc.h"
#include "guest.h"

#define W 1920
#define H 1080
#define CPU_RW (GRALLOC_USAGE_CPU_READ_OFTEN | GRALLOC_USAGE_CPU_WRITE_OFTEN)

static struct gralloc_device *open_device(void)
{
	/* NULL options on purpose: the default heap directory is what an
	 * application gets. */
	return gralloc_device_create(NULL);
}

static struct gralloc_buffer *alloc_xrgb(struct gralloc_device *dev, const char *name)
{
	struct gralloc_buffer_desc d = {
		.width = W, .height = H, .format = DRM_FORMAT_XRGB8888,
		.usage = CPU_RW, .name = name,
	};

	return gralloc_buffer_allocate(dev, &d);
}

static int dma_buf_sync(int fd, uint64_t flags)
{
	struct dma_buf_sync s = { .flags = flags };

	return ioctl(fd, DMA_BUF_IOCTL_SYNC, &s) < 0 ? -errno : 0;
}

/* fds of this process whose target is the system heap node. */
static int count_heap_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char path[300], target[256];
		ssize_t len;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		len = readlink(path, target, sizeof(target) - 1);
		if (len < 0)
			continue;
		target[len] = '\0';
		n += !strcmp(target, GUEST_SYSTEM_HEAP);
	}
	closedir(d);
	return n;
}

static void check_describe(struct gralloc_buffer *buf)
{
	struct gralloc_buffer_info info;
	char v[64];

	CHECK_EQ(gralloc_buffer_describe(buf, &info), 0);
	CHECK_STR(info.backend, "dma-heap");
	CHECK_STR(info.heap, "system");
	CHECK(info.is_dma_buf);
	CHECK_EQ(info.num_fds, 1);
	CHECK_EQ(info.num_planes, 1);
	CHECK_EQ(info.modifier, DRM_FORMAT_MOD_LINEAR);
	CHECK(info.planes[0].stride >= W * 4);
	CHECK(info.size >= (uint64_t)info.planes[0].stride * H);
	CHECK_EQ(info.size % 4096, 0);
	/* The kernel's idea of the size, from two independent places. */
	CHECK_EQ(lseek(info.fds[0], 0, SEEK_END), (long long)info.size);
	CHECK_EQ(lseek(info.fds[0], 0, SEEK_SET), 0);
	CHECK_EQ(guest_fdinfo(info.fds[0], "size", v, sizeof(v)), 0);
	CHECK_EQ(strtoull(v, NULL, 10), info.size);
	CHECK_EQ(guest_fdinfo(info.fds[0], "exp_name", v, sizeof(v)), 0);
	CHECK_STR(v, "system");
}

TEST(allocate_from_system_heap)
{
	struct gralloc_device *dev;
	struct gralloc_buffer *buf;

	GUEST_REQUIRE_CHR(GUEST_SYSTEM_HEAP);
	dev = open_device();
	CHECK(dev);
	buf = alloc_xrgb(dev, "describe");
	if (!buf)
		FAIL_MSG("allocate: %s (%s)", strerror(errno), gralloc_last_error());
	else
		check_describe(buf);
	gralloc_device_destroy(dev);
}

static void check_zeroed(struct gralloc_buffer *buf)
{
	struct gralloc_buffer_info info;
	const uint8_t *p;
	void *map;
	uint64_t nonzero = 0;

	CHECK_EQ(gralloc_buffer_describe(buf, &info), 0);
	CHECK_EQ(gralloc_buffer_lock(buf, GRALLOC_USAGE_CPU_READ_OFTEN, NULL, &map), 0);
	p = map;
	/* Every byte of the allocation, padding included: stale kernel memory
	 * in a padding byte is still a leak to whoever gets the buffer. */
	for (uint64_t i = 0; i < info.size; i++)
		nonzero += p[i] != 0;
	CHECK_EQ(gralloc_buffer_unlock(buf), 0);
	CHECK_EQ(nonzero, 0);
}

TEST(new_buffer_is_zeroed)
{
	struct gralloc_device *dev;
	struct gralloc_buffer *buf;

	GUEST_REQUIRE_CHR(GUEST_SYSTEM_HEAP);
	dev = open_device();
	CHECK(dev);
	buf = alloc_xrgb(dev, "zeroed");
	if (!buf)
		FAIL_MSG("allocate: %s", strerror(errno));
	else
		check_zeroed(buf);
	gralloc_device_destroy(dev);
}

/* Writes through lock/unlock, reads through a second, independent mapping
 * of an exported fd, then the other way round. */
static void check_roundtrip(struct gralloc_buffer *buf, int fd)
{
	struct gralloc_buffer_info info;
	uint32_t stride, bad = 0;
	uint8_t *mine;
	void *lib;

	CHECK_EQ(gralloc_buffer_describe(buf, &info), 0);
	stride = info.planes[0].stride;
	CHECK(guest_ino(fd) == guest_ino(info.fds[0]));

	CHECK_EQ(gralloc_buffer_lock(buf, GRALLOC_USAGE_CPU_WRITE_OFTEN, NULL, &lib), 0);
	for (uint32_t y = 0; y < H; y++)
		for (uint32_t x = 0; x < W; x++)
			((uint32_t *)((uint8_t *)lib + (size_t)y * stride))[x] =
				guest_pattern(x, y, 1);
	CHECK_EQ(gralloc_buffer_unlock(buf), 0);

	mine = mmap(NULL, info.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(mine != MAP_FAILED);
	if (dma_buf_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW)) {
		FAIL_MSG("DMA_BUF_IOCTL_SYNC start: %s", strerror(errno));
		goto out;
	}
	for (uint32_t y = 0; y < H; y++)
		for (uint32_t x = 0; x < W; x++)
			bad += ((uint32_t *)(mine + (size_t)y * stride))[x] != guest_pattern(x, y, 1);
	/* Now the other direction: the library must see what another
	 * mapping wrote. */
	for (uint32_t y = 0; y < H; y++)
		for (uint32_t x = 0; x < W; x++)
			((uint32_t *)(mine + (size_t)y * stride))[x] = guest_pattern(x, y, 2);
	if (dma_buf_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW))
		FAIL_MSG("DMA_BUF_IOCTL_SYNC end: %s", strerror(errno));
	if (bad)
		FAIL_MSG("%u pixels differ in the independent mapping", bad);

	if (gralloc_buffer_lock(buf, GRALLOC_USAGE_CPU_READ_OFTEN, NULL, &lib)) {
		FAIL_MSG("lock for read: %s", strerror(errno));
		goto out;
	}
	bad = 0;
	for (uint32_t y = 0; y < H; y++)
		for (uint32_t x = 0; x < W; x++)
			bad += ((uint32_t *)((uint8_t *)lib + (size_t)y * stride))[x] !=
			       guest_pattern(x, y, 2);
	if (gralloc_buffer_unlock(buf))
		FAIL_MSG("unlock: %s", strerror(errno));
	if (bad)
		FAIL_MSG("%u pixels written by the other mapping differ under lock", bad);
out:
	munmap(mine, info.size);
}

TEST(lock_pattern_matches_independent_mmap)
{
	struct gralloc_device *dev;
	struct gralloc_buffer *buf;
	int fd;

	GUEST_REQUIRE_CHR(GUEST_SYSTEM_HEAP);
	dev = open_device();
	CHECK(dev);
	buf = alloc_xrgb(dev, "pattern");
	fd = buf ? gralloc_buffer_export_fd(buf, 0) : -1;
	if (fd < 0)
		FAIL_MSG("allocate/export: %s", strerror(errno));
	else
		check_roundtrip(buf, fd);
	if (fd >= 0)
		close(fd);
	gralloc_device_destroy(dev);
}

static void check_sync(int fd)
{
	CHECK_EQ(dma_buf_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ), 0);
	CHECK_EQ(dma_buf_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ), 0);
	CHECK_EQ(dma_buf_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_RW), 0);
	CHECK_EQ(dma_buf_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_RW), 0);
	/* The ioctl really reaches dma-buf code: it rejects unknown flags. */
	CHECK_EQ(dma_buf_sync(fd, 0x80), -EINVAL);
}

TEST(dma_buf_sync_ioctl_on_fd)
{
	struct gralloc_device *dev;
	struct gralloc_buffer *buf;
	struct gralloc_buffer_info info;

	GUEST_REQUIRE_CHR(GUEST_SYSTEM_HEAP);
	dev = open_device();
	CHECK(dev);
	buf = alloc_xrgb(dev, "sync");
	if (!buf || gralloc_buffer_describe(buf, &info))
		FAIL_MSG("allocate: %s", strerror(errno));
	else
		check_sync(info.fds[0]);
	gralloc_device_destroy(dev);
}

static void check_name(struct gralloc_device *dev, const char *name, const char *expect)
{
	struct gralloc_buffer *buf = alloc_xrgb(dev, name);
	struct gralloc_buffer_info info;
	char v[128] = "";

	CHECK(buf);
	CHECK_EQ(gralloc_buffer_describe(buf, &info), 0);
	if (guest_fdinfo(info.fds[0], "name", v, sizeof(v)))
		FAIL_MSG("no name: line in /proc/self/fdinfo/%d", info.fds[0]);
	else if (strcmp(v, expect))
		FAIL_MSG("fdinfo name is \"%s\", expected \"%s\"", v, expect);
	gralloc_buffer_free(dev, buf);
}

TEST(dma_buf_name_in_fdinfo)
{
	/* 19 + 11 characters: fits DMA_BUF_NAME_LEN (32 with the NUL). */
	static const char short_name[] = "compositor1";
	/* Long enough that only the first 31 characters can survive. */
	static const char long_name[] = "a-rather-long-buffer-name-for-the-kernel";
	char expect[128];
	struct gralloc_device *dev;

	GUEST_REQUIRE_CHR(GUEST_SYSTEM_HEAP);
	dev = open_device();
	CHECK(dev);
	snprintf(expect, sizeof(expect), "XRGB8888 %ux%u %s", W, H, short_name);
	check_name(dev, short_name, expect);
	if (!test_failed_flag) {
		snprintf(expect, sizeof(expect), "XRGB8888 %ux%u %s", W, H, long_name);
		expect[31] = '\0';
		check_name(dev, long_name, expect);
	}
	gralloc_device_destroy(dev);
}

static void check_nested(struct gralloc_buffer *buf)
{
	void *a, *b;

	CHECK_EQ(gralloc_buffer_lock(buf, GRALLOC_USAGE_CPU_READ_OFTEN, NULL, &a), 0);
	CHECK_EQ(gralloc_buffer_lock(buf, GRALLOC_USAGE_CPU_WRITE_OFTEN, NULL, &b), 0);
	CHECK(a == b);
	((volatile uint32_t *)b)[0] = 0x00abcdef;
	CHECK_EQ(gralloc_buffer_unlock(buf), 0);
	/* Still inside the outer lock: the mapping must still be there. */
	CHECK_EQ(((volatile uint32_t *)a)[0], 0x00abcdef);
	CHECK_EQ(gralloc_buffer_unlock(buf), 0);
	CHECK_EQ(gralloc_buffer_unlock(buf), -EINVAL);
}

TEST(nested_lock)
{
	struct gralloc_device *dev;
	struct gralloc_buffer *buf;

	GUEST_REQUIRE_CHR(GUEST_SYSTEM_HEAP);
	dev = open_device();
	CHECK(dev);
	buf = alloc_xrgb(dev, "nested");
	if (!buf)
		FAIL_MSG("allocate: %s", strerror(errno));
	else
		check_nested(buf);
	gralloc_device_destroy(dev);
}

#define NV_W 640
#define NV_H 480

static void check_nv12(struct gralloc_buffer *buf, int fd)
{
	struct gralloc_buffer_info info;
	struct gralloc_ycbcr yc;
	uint8_t *m;
	uint32_t bad = 0;

	CHECK_EQ(gralloc_buffer_describe(buf, &info), 0);
	CHECK_STR(info.backend, "dma-heap");
	CHECK_EQ(info.num_planes, 2);
	CHECK_EQ(gralloc_buffer_lock_ycbcr(buf, GRALLOC_USAGE_CPU_WRITE_OFTEN, NULL, &yc), 0);
	CHECK_EQ(yc.chroma_step, 2);
	CHECK_EQ(yc.y_stride, info.planes[0].stride);
	CHECK_EQ(yc.c_stride, info.planes[1].stride);
	CHECK((uint8_t *)yc.cr == (uint8_t *)yc.cb + 1);
	CHECK((uint64_t)((uint8_t *)yc.cb - (uint8_t *)yc.y) == info.planes[1].offset);
	for (uint32_t y = 0; y < NV_H; y++)
		for (uint32_t x = 0; x < NV_W; x++)
			((uint8_t *)yc.y)[(size_t)y * yc.y_stride + x] = (uint8_t)(x + y);
	for (uint32_t y = 0; y < NV_H / 2; y++) {
		for (uint32_t x = 0; x < NV_W / 2; x++) {
			size_t o = (size_t)y * yc.c_stride + x * yc.chroma_step;

			((uint8_t *)yc.cb)[o] = (uint8_t)(x * 3);
			((uint8_t *)yc.cr)[o] = (uint8_t)(y * 5);
		}
	}
	CHECK_EQ(gralloc_buffer_unlock(buf), 0);

	/* The layout that describe() publishes (what a consumer importing
	 * the fd would use) must address the bytes lock_ycbcr wrote. */
	m = mmap(NULL, info.size, PROT_READ, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED);
	dma_buf_sync(fd, DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);
	for (uint32_t y = 0; y < NV_H; y++)
		for (uint32_t x = 0; x < NV_W; x++)
			bad += m[info.planes[0].offset + (size_t)y * info.planes[0].stride + x] !=
			       (uint8_t)(x + y);
	for (uint32_t y = 0; y < NV_H / 2; y++) {
		for (uint32_t x = 0; x < NV_W / 2; x++) {
			const uint8_t *c = m + info.planes[1].offset +
					   (size_t)y * info.planes[1].stride + 2 * x;

			bad += c[0] != (uint8_t)(x * 3) || c[1] != (uint8_t)(y * 5);
		}
	}
	dma_buf_sync(fd, DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
	munmap(m, info.size);
	if (bad)
		FAIL_MSG("%u NV12 samples differ between lock_ycbcr and the published layout", bad);
}

TEST(nv12_lock_ycbcr)
{
	struct gralloc_buffer_desc d = {
		.width = NV_W, .height = NV_H, .format = DRM_FORMAT_NV12,
		.usage = CPU_RW | GRALLOC_USAGE_VIDEO_DECODER, .name = "nv12",
	};
	struct gralloc_device *dev;
	struct gralloc_buffer *buf;
	int fd;

	GUEST_REQUIRE_CHR(GUEST_SYSTEM_HEAP);
	dev = open_device();
	CHECK(dev);
	buf = gralloc_buffer_allocate(dev, &d);
	fd = buf ? gralloc_buffer_export_fd(buf, 0) : -1;
	if (fd < 0)
		FAIL_MSG("allocate/export NV12: %s (%s)", strerror(errno), gralloc_last_error());
	else
		check_nv12(buf, fd);
	if (fd >= 0)
		close(fd);
	gralloc_device_destroy(dev);
}

TEST(allocate_free_cycles_keep_fd_count)
{
	struct gralloc_device *dev;
	struct gralloc_buffer *buf;
	int before;

	GUEST_REQUIRE_CHR(GUEST_SYSTEM_HEAP);
	dev = open_device();
	CHECK(dev);
	/* One warm-up so that the heap fd, opened once and kept, is counted
	 * in `before`. */
	buf = alloc_xrgb(dev, "warmup");
	if (!buf) {
		FAIL_MSG("allocate: %s", strerror(errno));
		gralloc_device_destroy(dev);
		return;
	}
	gralloc_buffer_free(dev, buf);
	/* The recycling pool keeps freed memory on purpose: count without it,
	 * and check below that it held one buffer for 200 identical cycles. */
	gralloc_device_trim(dev, 0);
	before = test_count_fds();
	for (int i = 0; i < 200; i++) {
		struct gralloc_buffer_desc d = {
			.width = 640, .height = 480, .format = DRM_FORMAT_XRGB8888,
			.usage = CPU_RW, .name = "cycle",
		};
		void *p;

		/* Small buffers: the kernel zeroes every page, which under TCG
		 * would make 200 full-HD cycles take most of a minute. */
		buf = gralloc_buffer_allocate(dev, &d);
		if (!buf) {
			FAIL_MSG("cycle %d: allocate: %s", i, strerror(errno));
			break;
		}
		/* Lock too, so that the mapping's teardown is covered. */
		if (i % 20 == 0 && !gralloc_buffer_lock(buf, GRALLOC_USAGE_CPU_WRITE_OFTEN, NULL, &p))
			gralloc_buffer_unlock(buf);
		gralloc_buffer_free(dev, buf);
	}
	{
		struct gralloc_pool_stats st;

		gralloc_device_pool_stats(dev, &st);
		if (st.buffers != 1 || st.hits != 199)
			FAIL_MSG("pool: %llu buffers held, %llu hits over 200 identical cycles",
				 (unsigned long long)st.buffers, (unsigned long long)st.hits);
	}
	gralloc_device_trim(dev, 0);
	if (test_count_fds() != before)
		FAIL_MSG("fds: %d before 200 cycles, %d after", before, test_count_fds());
	gralloc_device_destroy(dev);
}

TEST(heap_node_opened_once)
{
	struct gralloc_buffer *bufs[5] = { 0 };
	struct gralloc_device *dev;
	int n;

	GUEST_REQUIRE_CHR(GUEST_SYSTEM_HEAP);
	CHECK_EQ(count_heap_fds(), 0);
	dev = open_device();
	CHECK(dev);
	for (int i = 0; i < 5; i++) {
		bufs[i] = alloc_xrgb(dev, "once");
		if (!bufs[i])
			FAIL_MSG("allocation %d: %s", i, strerror(errno));
	}
	n = count_heap_fds();
	if (n != 1)
		FAIL_MSG("%d fds point at %s after 5 allocations, expected 1", n,
			 GUEST_SYSTEM_HEAP);
	gralloc_device_destroy(dev);
	/* The device owns that fd: destroying it must close it. */
	CHECK_EQ(count_heap_fds(), 0);
}

TEST(explain_selects_system_heap)
{
	struct gralloc_buffer_desc d = {
		.width = W, .height = H, .format = DRM_FORMAT_XRGB8888, .usage = CPU_RW,
	};
	struct gralloc_explanation *e;
	struct gralloc_device *dev;
	int selected = 0;

	GUEST_REQUIRE_CHR(GUEST_SYSTEM_HEAP);
	dev = open_device();
	CHECK(dev);
	e = gralloc_explain(dev, &d);
	if (!e) {
		FAIL_MSG("explain: %s", strerror(errno));
		gralloc_device_destroy(dev);
		return;
	}
	printf("# %s\n", gralloc_explanation_summary(e));
	for (size_t i = 0; i < gralloc_explanation_count(e); i++) {
		struct gralloc_candidate c;

		if (gralloc_explanation_get(e, i, &c))
			continue;
		printf("#   %s %s: %d %s\n", c.backend, c.heap, (int)c.verdict, c.reason);
		if (c.verdict != GRALLOC_VERDICT_SELECTED)
			continue;
		selected++;
		if (strcmp(c.backend, "dma-heap") || strcmp(c.heap, "system"))
			FAIL_MSG("selected %s/%s, expected dma-heap/system", c.backend, c.heap);
	}
	if (selected != 1)
		FAIL_MSG("%d candidates selected, expected exactly 1", selected);
	gralloc_explanation_destroy(e);
	gralloc_device_destroy(dev);
}

int main(void)
{
	return test_run_all();
}
