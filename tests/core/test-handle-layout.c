/* SPDX-License-Identifier: MIT */
/* Layouts travel as data: a buffer laid out for a consumer's alignment
 * imports in another device as it is (issue #10's repro: YUV420 1920x1080
 * for a 256-byte-row consumer was refused, "stride 2048 ... expected
 * 1920"), version 1 handles (no fd sizes) still import, and a version 2
 * handle's fd sizes must match the memory. Links the static library for
 * gralloc_consumer_new() (consumer_private.h), as EGL's module does. */
#include <stdint.h>

#include "gralloc/consumer_private.h"
#include "test.h"
#include "core-test.h"

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Every row of every plane written in one buffer reads back in the other. */
static bool ycbcr_round_trip(struct gralloc_buffer *src, struct gralloc_buffer *dst,
			     uint32_t w, uint32_t h)
{
	struct gralloc_ycbcr y;
	bool ok = true;

	if (gralloc_buffer_lock_ycbcr(src, CPU_RW, NULL, &y))
		return false;
	for (uint32_t r = 0; r < h; r++)
		for (uint32_t c = 0; c < w; c++)
			((uint8_t *)y.y)[(size_t)r * y.y_stride + c] = (uint8_t)(r + 3 * c);
	for (uint32_t r = 0; r < h / 2; r++)
		for (uint32_t c = 0; c < w / 2; c++) {
			((uint8_t *)y.cb)[(size_t)r * y.c_stride + c * y.chroma_step] = (uint8_t)(r ^ c);
			((uint8_t *)y.cr)[(size_t)r * y.c_stride + c * y.chroma_step] = (uint8_t)(r + c);
		}
	gralloc_buffer_unlock(src);
	if (gralloc_buffer_lock_ycbcr(dst, GRALLOC_USAGE_CPU_READ_OFTEN, NULL, &y))
		return false;
	for (uint32_t r = 0; ok && r < h; r++)
		for (uint32_t c = 0; ok && c < w; c++)
			ok = ((uint8_t *)y.y)[(size_t)r * y.y_stride + c] == (uint8_t)(r + 3 * c);
	for (uint32_t r = 0; ok && r < h / 2; r++)
		for (uint32_t c = 0; ok && c < w / 2; c++)
			ok = ((uint8_t *)y.cb)[(size_t)r * y.c_stride + c * y.chroma_step] ==
				     (uint8_t)(r ^ c) &&
			     ((uint8_t *)y.cr)[(size_t)r * y.c_stride + c * y.chroma_step] ==
				     (uint8_t)(r + c);
	gralloc_buffer_unlock(dst);
	return ok;
}

TEST(consumer_aligned_yuv420_imports_elsewhere)
{
	struct gralloc_device *dev = test_memfd_device(), *other = test_memfd_device();
	struct gralloc_consumer *c = gralloc_consumer_new("a 256-byte-row EGL consumer");
	const struct gralloc_buffer_desc d = {
		.width = 1920, .height = 1080, .format = DRM_FORMAT_YUV420, .usage = CPU_RW,
		.name = "issue-10",
	};
	struct gralloc_buffer_info info, got;
	struct gralloc_buffer *buf, *copy;
	struct core_handle h;

	CHECK(dev && other && c);
	c->stride_align = 256;
	buf = gralloc_buffer_allocate_for(dev, &d, &c, 1);
	CHECK(buf);
	CHECK_EQ(gralloc_buffer_describe(buf, &info), 0);
	CHECK_EQ(info.planes[0].stride, 2048);
	CHECK_EQ(info.planes[1].stride % 256, 0);
	CHECK_EQ(core_serialize(buf, &h), 0);
	copy = core_import(other, &h);
	CHECK(copy);
	CHECK_EQ(gralloc_buffer_describe(copy, &got), 0);
	CHECK(test_same_layout(&info, &got));
	CHECK(ycbcr_round_trip(buf, copy, 1920, 1080));
	gralloc_buffer_free(other, copy);
	gralloc_buffer_free(dev, buf);
	gralloc_consumer_destroy(c);
	gralloc_device_destroy(other);
	gralloc_device_destroy(dev);
}

/* A version 1 handle: the first 304 bytes of version 2 with version 1's
 * header, as a peer running the old library sends it. */
static void make_v1(struct core_handle *h)
{
	CHECK_EQ(get32(h->data + 4), 2);
	put32(h->data + 4, 1);
	put32(h->data + 12, (GRALLOC_WIRE_SIZE_V1 - GRALLOC_WIRE_HEADER_SIZE) / 4);
	memset(h->data + GRALLOC_WIRE_SIZE_V1, 0, GRALLOC_WIRE_SIZE - GRALLOC_WIRE_SIZE_V1);
	h->len = GRALLOC_WIRE_SIZE_V1;
}

TEST(version_1_handle_imports)
{
	struct gralloc_device *dev = test_memfd_device(), *other = test_memfd_device();
	const uint32_t formats[] = { DRM_FORMAT_NV12, DRM_FORMAT_XRGB8888, DRM_FORMAT_YUV420 };

	CHECK(dev && other);
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		struct gralloc_buffer_info info, got;
		struct gralloc_buffer *buf, *copy;
		struct core_handle h;

		buf = core_alloc(dev, 33, 17, formats[i]);
		CHECK(buf);
		CHECK_EQ(gralloc_buffer_describe(buf, &info), 0);
		CHECK_EQ(core_serialize(buf, &h), 0);
		make_v1(&h);
		copy = core_import(other, &h);
		CHECK(copy);
		CHECK_EQ(gralloc_buffer_describe(copy, &got), 0);
		CHECK(test_same_layout(&info, &got));
		CHECK_EQ(got.fd_size[0], info.fd_size[0]);
		/* A version 1 length with a version 2 header, and the reverse. */
		put32(h.data + 4, 2);
		CHECK(gralloc_handle_import(other, h.data, (size_t)h.len, h.fds, h.num_fds) == NULL);
		CHECK_EQ(errno, EINVAL);
		gralloc_buffer_free(other, copy);
		gralloc_buffer_free(dev, buf);
	}
	gralloc_device_destroy(other);
	gralloc_device_destroy(dev);
}

/* Version 1 carries no fd sizes, but its plane sizes were always whole
 * rows inside the memory: another value was changed on the way. */
TEST(version_1_plane_size_must_match)
{
	struct gralloc_device *dev = test_memfd_device();
	struct gralloc_buffer *buf;
	struct core_handle h;
	uint8_t *plane0_size = NULL;

	CHECK(dev);
	buf = core_alloc(dev, 64, 64, DRM_FORMAT_XRGB8888);
	CHECK(buf);
	CHECK_EQ(core_serialize(buf, &h), 0);
	make_v1(&h);
	plane0_size = h.data + 80 + 16;
	CHECK_EQ(get32(plane0_size), 16384);
	put32(plane0_size + 4, 0x04000000); /* high bits: the fuzzer's find */
	CHECK(gralloc_handle_import(dev, h.data, (size_t)h.len, h.fds, h.num_fds) == NULL);
	CHECK_EQ(errno, EINVAL);
	CHECK(strstr(gralloc_last_error(), "[layout]"));
	put32(plane0_size + 4, 0);
	put32(plane0_size, 16384 - 256);
	CHECK(gralloc_handle_import(dev, h.data, (size_t)h.len, h.fds, h.num_fds) == NULL);
	CHECK_EQ(errno, EINVAL);
	gralloc_buffer_free(dev, buf);
	gralloc_device_destroy(dev);
}

TEST(version_2_fd_size_must_match_the_memory)
{
	struct gralloc_device *dev = test_memfd_device();
	struct gralloc_buffer *buf;
	struct core_handle h;
	uint8_t *fd_size;

	CHECK(dev);
	buf = core_alloc(dev, 64, 64, DRM_FORMAT_XRGB8888);
	CHECK(buf);
	CHECK_EQ(core_serialize(buf, &h), 0);
	fd_size = h.data + GRALLOC_WIRE_SIZE_V1;
	CHECK_EQ(get32(fd_size), 16384);
	put32(fd_size, 16384 * 2);
	CHECK(gralloc_handle_import(dev, h.data, (size_t)h.len, h.fds, h.num_fds) == NULL);
	CHECK_EQ(errno, EINVAL);
	CHECK(strstr(gralloc_last_error(), "[size]"));
	put32(fd_size, 4096);
	CHECK(gralloc_handle_import(dev, h.data, (size_t)h.len, h.fds, h.num_fds) == NULL);
	CHECK_EQ(errno, EINVAL);
	gralloc_buffer_free(dev, buf);
	gralloc_device_destroy(dev);
}

int main(void)
{
	return test_run_all();
}
