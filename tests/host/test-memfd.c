/* SPDX-License-Identifier: MIT */
/* End to end on the memfd backend, the one backend that really allocates
 * on a machine without dma-buf heaps or udmabuf: allocate, describe,
 * export, CPU access, free, and the error paths around them. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <gralloc/gralloc.h>

#include "test.h"
#include "memfd-device.h"

#define CPU_RW (GRALLOC_USAGE_CPU_READ_OFTEN | GRALLOC_USAGE_CPU_WRITE_OFTEN)

/* A device with an empty heap directory and no udmabuf node: every CPU-only
 * request can only be served by memfd. */
struct fixture {
	struct gralloc_device *dev;
};

static bool fixture_init(struct fixture *fx)
{
	fx->dev = test_memfd_device();
	return fx->dev != NULL;
}

static void fixture_fini(struct fixture *fx)
{
	gralloc_device_destroy(fx->dev);
}

static struct gralloc_buffer *alloc(struct fixture *fx, uint32_t w, uint32_t h,
				    uint32_t format, uint64_t usage)
{
	struct gralloc_buffer_desc d = {
		.width = w, .height = h, .format = format, .layer_count = 1, .usage = usage, .name = "host-test",
	};
	struct gralloc_buffer *buf = gralloc_buffer_allocate(fx->dev, &d);

	if (!buf)
		printf("#   allocate %ux%u 0x%08x: %s (%s)\n", w, h, format, strerror(errno),
		       gralloc_last_error());
	return buf;
}

static bool describe_ok(struct gralloc_buffer *buf, uint32_t w, uint32_t h, uint32_t format,
			uint64_t usage, struct gralloc_buffer_info *info)
{
	struct gralloc_buffer_desc d = {
		.width = w, .height = h, .format = format, .layer_count = 1, .usage = usage, .name = NULL,
	};
	struct gralloc_buffer_info expect;

#define EXPECT(cond)                                                            \
	do {                                                                    \
		if (!(cond)) {                                                  \
			printf("#   describe: %s\n", #cond);                    \
			return false;                                           \
		}                                                               \
	} while (0)

	EXPECT(gralloc_buffer_describe(buf, info) == 0);
	EXPECT(gralloc_compute_layout(&d, &expect) == 0);
	EXPECT(!strcmp(info->backend, "memfd"));
	EXPECT(!strcmp(info->heap, ""));
	EXPECT(!info->is_dma_buf);
	EXPECT(info->id != 0);
	EXPECT(info->width == w && info->height == h && info->format == format);
	EXPECT(info->usage == usage && info->layer_count == 1);
	EXPECT(info->modifier == DRM_FORMAT_MOD_LINEAR);
	EXPECT(info->size == expect.size && info->layer_stride == expect.layer_stride);
	EXPECT(info->num_planes == expect.num_planes);
	EXPECT(!memcmp(info->planes, expect.planes, sizeof(expect.planes)));
	EXPECT(info->num_fds == 1);
	EXPECT(info->fds[0] >= 0 && fcntl(info->fds[0], F_GETFD) >= 0);
	EXPECT(fcntl(info->fds[0], F_GETFD) & FD_CLOEXEC);
	for (int i = 1; i < GRALLOC_MAX_PLANES; i++)
		EXPECT(info->fds[i] == -1);
	EXPECT(lseek(info->fds[0], 0, SEEK_END) == (off_t)info->size);
#undef EXPECT
	return true;
}

TEST(allocate_and_describe)
{
	struct fixture fx;
	struct gralloc_buffer *a, *b;
	struct gralloc_buffer_info ia, ib;

	CHECK(fixture_init(&fx));
	a = alloc(&fx, 33, 17, DRM_FORMAT_NV12, CPU_RW);
	b = alloc(&fx, 64, 64, DRM_FORMAT_XRGB8888, GRALLOC_USAGE_CPU_WRITE_RARELY);
	CHECK(a && b);
	CHECK(describe_ok(a, 33, 17, DRM_FORMAT_NV12, CPU_RW, &ia));
	CHECK(describe_ok(b, 64, 64, DRM_FORMAT_XRGB8888, GRALLOC_USAGE_CPU_WRITE_RARELY, &ib));
	CHECK(ia.id != ib.id);
	CHECK(ia.fds[0] != ib.fds[0]);
	CHECK_EQ(ia.num_planes, 2);
	CHECK_EQ(ib.size, 16384);
	CHECK_EQ(gralloc_buffer_describe(NULL, &ia), -EINVAL);
	CHECK_EQ(gralloc_buffer_describe(a, NULL), -EINVAL);
	CHECK_EQ(gralloc_buffer_free(fx.dev, a), 0);
	CHECK_EQ(gralloc_buffer_free(fx.dev, b), 0);
	fixture_fini(&fx);
}

TEST(layers)
{
	struct fixture fx;
	struct gralloc_buffer_desc d = {
		.width = 33, .height = 17, .format = DRM_FORMAT_NV12, .layer_count = 3, .usage = CPU_RW, .name = NULL,
	};
	struct gralloc_buffer *buf;
	struct gralloc_buffer_info info;

	CHECK(fixture_init(&fx));
	buf = gralloc_buffer_allocate(fx.dev, &d);
	CHECK(buf);
	CHECK_EQ(gralloc_buffer_describe(buf, &info), 0);
	CHECK_EQ(info.layer_count, 3);
	CHECK_EQ(info.layer_stride, sysconf(_SC_PAGESIZE));
	CHECK_EQ(info.size, 3 * sysconf(_SC_PAGESIZE));
	CHECK_EQ(lseek(info.fds[0], 0, SEEK_END), 3 * sysconf(_SC_PAGESIZE));
	CHECK_EQ(gralloc_buffer_free(fx.dev, buf), 0);
	fixture_fini(&fx);
}

static uint8_t pattern(uint32_t row, uint32_t col)
{
	return (uint8_t)(row * 7 + col * 13 + 1);
}

TEST(lock_write_read_back_and_export)
{
	struct fixture fx;
	struct gralloc_buffer *buf;
	struct gralloc_buffer_info info;
	uint8_t *p, *map;
	void *v;
	int fd;

	CHECK(fixture_init(&fx));
	buf = alloc(&fx, 64, 64, DRM_FORMAT_XRGB8888, CPU_RW);
	CHECK(buf);
	CHECK_EQ(gralloc_buffer_describe(buf, &info), 0);

	CHECK_EQ(gralloc_buffer_lock(buf, GRALLOC_USAGE_CPU_WRITE_OFTEN, NULL, &v), 0);
	p = v;
	for (uint32_t y = 0; y < 64; y++)
		for (uint32_t x = 0; x < 64 * 4; x++)
			p[y * info.planes[0].stride + x] = pattern(y, x);
	CHECK_EQ(gralloc_buffer_unlock(buf), 0);

	CHECK_EQ(gralloc_buffer_lock(buf, GRALLOC_USAGE_CPU_READ_RARELY, NULL, &v), 0);
	p = v;
	for (uint32_t y = 0; y < 64; y++)
		for (uint32_t x = 0; x < 64 * 4; x++)
			CHECK_EQ(p[y * info.planes[0].stride + x], pattern(y, x));
	CHECK_EQ(gralloc_buffer_unlock(buf), 0);

	/* The exported fd is a new one the caller owns and sees the same
	 * memory, both ways. */
	fd = gralloc_buffer_export_fd(buf, 0);
	CHECK(fd >= 0);
	CHECK(fd != info.fds[0]);
	CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	CHECK_EQ(lseek(fd, 0, SEEK_END), info.size);
	map = mmap(NULL, info.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	CHECK(map != MAP_FAILED);
	for (uint32_t y = 0; y < 64; y++)
		if (map[y * info.planes[0].stride + 5] != pattern(y, 5)) {
			munmap(map, info.size);
			CHECK(0);
		}
	map[info.planes[0].stride * 10 + 3] = 0xab;
	munmap(map, info.size);
	CHECK_EQ(gralloc_buffer_lock(buf, GRALLOC_USAGE_CPU_READ_OFTEN, NULL, &v), 0);
	CHECK_EQ(((uint8_t *)v)[info.planes[0].stride * 10 + 3], 0xab);
	CHECK_EQ(gralloc_buffer_unlock(buf), 0);

	CHECK_EQ(gralloc_buffer_export_fd(buf, 1), -EINVAL);
	CHECK_EQ(gralloc_buffer_export_fd(NULL, 0), -EINVAL);
	CHECK_EQ(gralloc_buffer_free(fx.dev, buf), 0);
	fixture_fini(&fx);
}

static bool ycbcr_ok(struct fixture *fx, uint32_t format, unsigned luma_bytes, int cb_plane,
		     int cr_plane, unsigned cb_off, unsigned cr_off, unsigned step)
{
	struct gralloc_buffer *buf = alloc(fx, 33, 17, format, CPU_RW);
	struct gralloc_buffer_info info;
	struct gralloc_ycbcr yc;
	struct gralloc_rect r = { 5, 7, 10, 4 };
	uint8_t *base;
	void *v;
	bool ok = false;

	if (!buf)
		return false;
	gralloc_buffer_describe(buf, &info);
	if (gralloc_buffer_lock(buf, CPU_RW, NULL, &v))
		goto out;
	base = v; /* plane 0 starts at offset 0 */
	if (gralloc_buffer_lock_ycbcr(buf, GRALLOC_USAGE_CPU_WRITE_OFTEN, NULL, &yc))
		goto unlock1;
	ok = yc.y == base &&
	     (uint8_t *)yc.cb == base + info.planes[cb_plane].offset + cb_off &&
	     (uint8_t *)yc.cr == base + info.planes[cr_plane].offset + cr_off &&
	     yc.y_stride == info.planes[0].stride &&
	     yc.c_stride == info.planes[cb_plane].stride && yc.chroma_step == step;
	gralloc_buffer_unlock(buf);
	if (!ok) {
		printf("#   whole-buffer ycbcr of 0x%08x wrong\n", format);
		goto unlock1;
	}
	/* A region starting at (5,7): chroma sample (2,3) of 4:2:0. */
	if (gralloc_buffer_lock_ycbcr(buf, GRALLOC_USAGE_CPU_READ_OFTEN, &r, &yc)) {
		ok = false;
		goto unlock1;
	}
	ok = (uint8_t *)yc.y == base + 7 * info.planes[0].stride + 5 * luma_bytes &&
	     (uint8_t *)yc.cb == base + info.planes[cb_plane].offset +
					 3 * info.planes[cb_plane].stride + 2 * step + cb_off &&
	     (uint8_t *)yc.cr == base + info.planes[cr_plane].offset +
					 3 * info.planes[cr_plane].stride + 2 * step + cr_off;
	if (!ok)
		printf("#   region ycbcr of 0x%08x wrong\n", format);
	gralloc_buffer_unlock(buf);
unlock1:
	gralloc_buffer_unlock(buf);
out:
	gralloc_buffer_free(fx->dev, buf);
	return ok;
}

TEST(lock_ycbcr)
{
	struct fixture fx;
	struct gralloc_buffer *buf;
	struct gralloc_ycbcr yc;

	CHECK(fixture_init(&fx));
	CHECK(ycbcr_ok(&fx, DRM_FORMAT_NV12, 1, 1, 1, 0, 1, 2));
	CHECK(ycbcr_ok(&fx, DRM_FORMAT_NV21, 1, 1, 1, 1, 0, 2));
	CHECK(ycbcr_ok(&fx, DRM_FORMAT_YUV420, 1, 1, 2, 0, 0, 1));
	CHECK(ycbcr_ok(&fx, DRM_FORMAT_YVU420, 1, 2, 1, 0, 0, 1));
	/* 16-bit samples: a Cb,Cr pair is 4 bytes. */
	CHECK(ycbcr_ok(&fx, DRM_FORMAT_P010, 2, 1, 1, 0, 2, 4));

	buf = alloc(&fx, 64, 64, DRM_FORMAT_XRGB8888, CPU_RW);
	CHECK(buf);
	errno = 0;
	CHECK_EQ(gralloc_buffer_lock_ycbcr(buf, CPU_RW, NULL, &yc), -EINVAL);
	CHECK_EQ(errno, EINVAL);
	CHECK(strstr(gralloc_last_error(), "XRGB8888"));
	/* A refused lock leaves nothing to unlock. */
	CHECK_EQ(gralloc_buffer_unlock(buf), -EINVAL);
	CHECK_EQ(gralloc_buffer_free(fx.dev, buf), 0);

	/* Packed 4:2:2 has no chroma planes to point at. */
	buf = alloc(&fx, 64, 64, DRM_FORMAT_YUYV, CPU_RW);
	CHECK(buf);
	CHECK_EQ(gralloc_buffer_lock_ycbcr(buf, CPU_RW, NULL, &yc), -EINVAL);
	CHECK_EQ(gralloc_buffer_lock_ycbcr(buf, CPU_RW, NULL, NULL), -EINVAL);
	CHECK_EQ(gralloc_buffer_free(fx.dev, buf), 0);
	fixture_fini(&fx);
}

static bool region_at(struct gralloc_buffer *buf, uint8_t *base, struct gralloc_rect r,
		      size_t expected_offset)
{
	void *v = NULL;

	if (gralloc_buffer_lock(buf, GRALLOC_USAGE_CPU_READ_OFTEN, &r, &v)) {
		printf("#   region %ux%u+%u+%u refused: %s\n", r.width, r.height, r.x, r.y,
		       gralloc_last_error());
		return false;
	}
	gralloc_buffer_unlock(buf);
	if ((uint8_t *)v != base + expected_offset) {
		printf("#   region +%u+%u at offset %td, expected %zu\n", r.x, r.y,
		       (uint8_t *)v - base, expected_offset);
		return false;
	}
	return true;
}

TEST(lock_region)
{
	struct fixture fx;
	struct gralloc_buffer *xrgb, *rgb, *yuyv;
	struct gralloc_buffer_info info;
	uint8_t *base;
	void *v;

	CHECK(fixture_init(&fx));
	xrgb = alloc(&fx, 64, 64, DRM_FORMAT_XRGB8888, CPU_RW);
	rgb = alloc(&fx, 33, 9, DRM_FORMAT_RGB888, CPU_RW);
	yuyv = alloc(&fx, 33, 9, DRM_FORMAT_YUYV, CPU_RW);
	CHECK(xrgb && rgb && yuyv);

	CHECK_EQ(gralloc_buffer_lock(xrgb, GRALLOC_USAGE_CPU_READ_OFTEN, NULL, &v), 0);
	base = v;
	CHECK(region_at(xrgb, base, (struct gralloc_rect){ 3, 5, 10, 10 }, 5 * 256 + 3 * 4));
	CHECK(region_at(xrgb, base, (struct gralloc_rect){ 0, 0, 64, 64 }, 0));
	CHECK(region_at(xrgb, base, (struct gralloc_rect){ 63, 63, 1, 1 }, 63 * 256 + 63 * 4));
	gralloc_buffer_unlock(xrgb);

	CHECK_EQ(gralloc_buffer_describe(rgb, &info), 0);
	CHECK_EQ(gralloc_buffer_lock(rgb, GRALLOC_USAGE_CPU_READ_OFTEN, NULL, &v), 0);
	CHECK(region_at(rgb, v, (struct gralloc_rect){ 3, 2, 1, 1 },
			2 * info.planes[0].stride + 9));
	gralloc_buffer_unlock(rgb);

	/* Packed 4:2:2: x=3 is inside the second 2-pixel block. */
	CHECK_EQ(gralloc_buffer_describe(yuyv, &info), 0);
	CHECK_EQ(gralloc_buffer_lock(yuyv, GRALLOC_USAGE_CPU_READ_OFTEN, NULL, &v), 0);
	CHECK(region_at(yuyv, v, (struct gralloc_rect){ 3, 1, 2, 2 },
			info.planes[0].stride + 4));
	gralloc_buffer_unlock(yuyv);

	/* Outside, empty, or wrapping past 2^32: refused, nothing locked. */
	{
		static const struct gralloc_rect bad[] = {
			{ 60, 0, 5, 1 }, { 0, 60, 1, 5 }, { 0, 0, 0, 1 }, { 0, 0, 1, 0 },
			{ 64, 0, 1, 1 }, { UINT32_MAX, 0, 2, 1 }, { 0, UINT32_MAX, 1, 2 },
			{ 1, 1, UINT32_MAX, 1 },
		};

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			errno = 0;
			CHECK_EQ(gralloc_buffer_lock(xrgb, GRALLOC_USAGE_CPU_READ_OFTEN, &bad[i], &v),
				 -EINVAL);
			CHECK_EQ(errno, EINVAL);
		}
		CHECK(strstr(gralloc_last_error(), "outside"));
		CHECK_EQ(gralloc_buffer_unlock(xrgb), -EINVAL);
	}
	gralloc_buffer_free(fx.dev, xrgb);
	gralloc_buffer_free(fx.dev, rgb);
	gralloc_buffer_free(fx.dev, yuyv);
	fixture_fini(&fx);
}

TEST(lock_nesting_and_misuse)
{
	struct fixture fx;
	struct gralloc_buffer *rw, *ro, *wo;
	void *a, *b, *c;

	CHECK(fixture_init(&fx));
	rw = alloc(&fx, 16, 16, DRM_FORMAT_R8, CPU_RW);
	ro = alloc(&fx, 16, 16, DRM_FORMAT_R8, GRALLOC_USAGE_CPU_READ_OFTEN);
	wo = alloc(&fx, 16, 16, DRM_FORMAT_R8, GRALLOC_USAGE_CPU_WRITE_RARELY);
	CHECK(rw && ro && wo);

	errno = 0;
	CHECK_EQ(gralloc_buffer_unlock(rw), -EINVAL);
	CHECK_EQ(errno, EINVAL);
	CHECK(strstr(gralloc_last_error(), "not locked"));

	CHECK_EQ(gralloc_buffer_lock(rw, GRALLOC_USAGE_CPU_READ_OFTEN, NULL, &a), 0);
	CHECK_EQ(gralloc_buffer_lock(rw, GRALLOC_USAGE_CPU_WRITE_OFTEN, NULL, &b), 0);
	CHECK_EQ(gralloc_buffer_lock(rw, CPU_RW, NULL, &c), 0);
	/* One mapping, reused. */
	CHECK(a == b && b == c);
	CHECK_EQ(gralloc_buffer_unlock(rw), 0);
	CHECK_EQ(gralloc_buffer_unlock(rw), 0);
	CHECK_EQ(gralloc_buffer_unlock(rw), 0);
	CHECK_EQ(gralloc_buffer_unlock(rw), -EINVAL);

	/* Lock usage must be CPU bits and nothing else. */
	CHECK_EQ(gralloc_buffer_lock(rw, 0, NULL, &a), -EINVAL);
	CHECK_EQ(gralloc_buffer_lock(rw, GRALLOC_USAGE_GPU_TEXTURE, NULL, &a), -EINVAL);
	CHECK_EQ(gralloc_buffer_lock(rw, GRALLOC_USAGE_CPU_READ_OFTEN | GRALLOC_USAGE_SCANOUT,
				     NULL, &a), -EINVAL);
	CHECK_EQ(gralloc_buffer_lock(rw, UINT64_C(1) << 40, NULL, &a), -EINVAL);
	CHECK_EQ(gralloc_buffer_lock(rw, CPU_RW, NULL, NULL), -EINVAL);
	CHECK_EQ(gralloc_buffer_lock(NULL, CPU_RW, NULL, &a), -EINVAL);
	CHECK_EQ(gralloc_buffer_unlock(NULL), -EINVAL);
	CHECK_EQ(gralloc_buffer_unlock(rw), -EINVAL);

	/* Access the buffer was not allocated for. */
	errno = 0;
	CHECK_EQ(gralloc_buffer_lock(ro, GRALLOC_USAGE_CPU_WRITE_RARELY, NULL, &a), -EINVAL);
	CHECK_EQ(errno, EINVAL);
	CHECK(strstr(gralloc_last_error(), "write"));
	CHECK_EQ(gralloc_buffer_lock(ro, CPU_RW, NULL, &a), -EINVAL);
	CHECK_EQ(gralloc_buffer_lock(wo, GRALLOC_USAGE_CPU_READ_RARELY, NULL, &a), -EINVAL);
	/* "Rarely" and "often" are hints, not separate rights. */
	CHECK_EQ(gralloc_buffer_lock(ro, GRALLOC_USAGE_CPU_READ_RARELY, NULL, &a), 0);
	CHECK_EQ(gralloc_buffer_unlock(ro), 0);
	CHECK_EQ(gralloc_buffer_lock(wo, GRALLOC_USAGE_CPU_WRITE_OFTEN, NULL, &a), 0);
	memset(a, 0x5a, 16);
	CHECK_EQ(gralloc_buffer_unlock(wo), 0);
	CHECK_EQ(gralloc_buffer_unlock(ro), -EINVAL);

	gralloc_buffer_free(fx.dev, rw);
	gralloc_buffer_free(fx.dev, ro);
	gralloc_buffer_free(fx.dev, wo);
	fixture_fini(&fx);
}

TEST(free_misuse)
{
	struct fixture fx, other;
	struct gralloc_buffer *buf;
	int fds;
	void *v;

	CHECK(fixture_init(&fx));
	CHECK(fixture_init(&other));
	CHECK_EQ(gralloc_buffer_free(fx.dev, NULL), 0);
	CHECK_EQ(gralloc_buffer_free(NULL, NULL), 0);

	/* Another device's buffer: refused, and still alive afterwards. */
	buf = alloc(&fx, 16, 16, DRM_FORMAT_R8, CPU_RW);
	CHECK(buf);
	fds = test_count_fds();
	errno = 0;
	CHECK_EQ(gralloc_buffer_free(other.dev, buf), -EINVAL);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(gralloc_buffer_free(NULL, buf), -EINVAL);
	CHECK_EQ(test_count_fds(), fds);
	CHECK_EQ(gralloc_buffer_lock(buf, CPU_RW, NULL, &v), 0);
	CHECK_EQ(gralloc_buffer_unlock(buf), 0);

	/* Freed once for real; the second free must not close anything
	 * (the fd number may already belong to someone else). */
	CHECK_EQ(gralloc_buffer_free(fx.dev, buf), 0);
	fds = test_count_fds();
	CHECK_EQ(gralloc_buffer_free(fx.dev, buf), -EINVAL);
	CHECK(strstr(gralloc_last_error(), "already freed"));
	CHECK_EQ(test_count_fds(), fds);

	fixture_fini(&other);
	fixture_fini(&fx);
}

TEST(free_while_locked)
{
	struct fixture fx;
	struct gralloc_buffer *buf;
	void *v;

	CHECK(fixture_init(&fx));
	buf = alloc(&fx, 16, 16, DRM_FORMAT_R8, CPU_RW);
	CHECK(buf);
	CHECK_EQ(gralloc_buffer_lock(buf, CPU_RW, NULL, &v), 0);
	CHECK_EQ(gralloc_buffer_free(fx.dev, buf), 0);
	fixture_fini(&fx);
}

TEST(device_destroy_frees_live_buffers)
{
	int before = test_count_fds();
	struct fixture fx;
	void *v;

	CHECK(fixture_init(&fx));
	for (int i = 0; i < 5; i++) {
		struct gralloc_buffer *buf = alloc(&fx, 64, 64, DRM_FORMAT_NV12, CPU_RW);

		CHECK(buf);
		/* Some mapped, one left locked. */
		if (i % 2 == 0)
			CHECK_EQ(gralloc_buffer_lock(buf, CPU_RW, NULL, &v), 0);
	}
	CHECK(test_count_fds() >= before + 5);
	fixture_fini(&fx);
	CHECK_EQ(test_count_fds(), before);
	gralloc_device_destroy(NULL);
}

TEST(memfd_refuses_device_usage)
{
	static const uint64_t usages[] = {
		GRALLOC_USAGE_SCANOUT | GRALLOC_USAGE_CPU_WRITE_OFTEN,
		GRALLOC_USAGE_SCANOUT,
		GRALLOC_USAGE_GPU_TEXTURE | CPU_RW,
		GRALLOC_USAGE_VIDEO_DECODER | GRALLOC_USAGE_CPU_READ_RARELY,
		GRALLOC_USAGE_CURSOR_PLANE,
	};
	struct fixture fx;

	CHECK(fixture_init(&fx));
	for (size_t i = 0; i < sizeof(usages) / sizeof(usages[0]); i++) {
		struct gralloc_buffer_desc d = {
			.width = 64, .height = 64, .format = DRM_FORMAT_XRGB8888, .layer_count = 1, .usage = usages[i], .name = NULL,
		};

		errno = 0;
		CHECK(gralloc_buffer_allocate(fx.dev, &d) == NULL);
		CHECK_EQ(errno, ENODEV);
		CHECK(strstr(gralloc_last_error(), "no backend can serve"));
	}
	fixture_fini(&fx);
}

TEST(allocate_free_cycles_do_not_leak)
{
	struct fixture fx;
	uint64_t last_id = 0;
	int before;

	CHECK(fixture_init(&fx));
	before = test_count_fds();
	for (int i = 0; i < 1000; i++) {
		struct gralloc_buffer *buf = alloc(&fx, 33 + i % 7, 17, DRM_FORMAT_NV12, CPU_RW);
		struct gralloc_buffer_info info;
		void *v;

		CHECK(buf);
		CHECK_EQ(gralloc_buffer_describe(buf, &info), 0);
		/* Ids are never reused within a device. */
		CHECK(info.id > last_id);
		last_id = info.id;
		if (i % 10 == 0) {
			CHECK_EQ(gralloc_buffer_lock(buf, CPU_RW, NULL, &v), 0);
			CHECK_EQ(gralloc_buffer_unlock(buf), 0);
		}
		CHECK_EQ(gralloc_buffer_free(fx.dev, buf), 0);
	}
	CHECK_EQ(test_count_fds(), before);
	fixture_fini(&fx);
}

#define THREADS 4
#define PER_THREAD 200
#define LIVE 8

struct worker {
	struct gralloc_device *dev;
	uint64_t ids[PER_THREAD];
	int failures;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct gralloc_buffer *live[LIVE] = { 0 };

	for (int i = 0; i < PER_THREAD; i++) {
		struct gralloc_buffer_desc d = {
			.width = 32, .height = 32, .format = DRM_FORMAT_XRGB8888, .layer_count = 1, .usage = CPU_RW, .name = "thread",
		};
		struct gralloc_buffer_info info;
		struct gralloc_buffer *buf;
		void *v;

		/* Keep a few alive so frees interleave with other threads'
		 * allocations on the device's list. */
		if (live[i % LIVE] && gralloc_buffer_free(w->dev, live[i % LIVE]))
			w->failures++;
		live[i % LIVE] = buf = gralloc_buffer_allocate(w->dev, &d);
		if (!buf || gralloc_buffer_describe(buf, &info)) {
			w->failures++;
			continue;
		}
		w->ids[i] = info.id;
		if (gralloc_buffer_lock(buf, GRALLOC_USAGE_CPU_WRITE_OFTEN, NULL, &v)) {
			w->failures++;
			continue;
		}
		memset(v, (int)(info.id & 0xff), 32 * 4);
		if (gralloc_buffer_unlock(buf))
			w->failures++;
	}
	for (int i = 0; i < LIVE; i++)
		if (live[i] && gralloc_buffer_free(w->dev, live[i]))
			w->failures++;
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

TEST(concurrent_allocate_free)
{
	static struct worker workers[THREADS];
	static uint64_t all[THREADS * PER_THREAD];
	pthread_t t[THREADS];
	struct fixture fx;
	int failures = 0;

	CHECK(fixture_init(&fx));
	for (int i = 0; i < THREADS; i++) {
		memset(&workers[i], 0, sizeof(workers[i]));
		workers[i].dev = fx.dev;
		CHECK_EQ(pthread_create(&t[i], NULL, worker_main, &workers[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		failures += workers[i].failures;
		memcpy(all + i * PER_THREAD, workers[i].ids, sizeof(workers[i].ids));
	}
	CHECK_EQ(failures, 0);
	qsort(all, THREADS * PER_THREAD, sizeof(all[0]), cmp_u64);
	for (int i = 0; i < THREADS * PER_THREAD; i++) {
		CHECK(all[i] != 0);
		if (i)
			CHECK(all[i] != all[i - 1]);
	}
	fixture_fini(&fx);
}

int main(void)
{
	return test_run_all();
}
