/* SPDX-License-Identifier: MIT */
/* Size-only buffers (GRALLOC_FORMAT_BLOB): N bytes, one plane, allowed up
 * to the allocation limit rather than the 32768-pixel width cap; lock,
 * handles and import carry them like any buffer. */
#include <stdint.h>
#include <sys/stat.h>

#include "test.h"
#include "core-test.h"

static struct gralloc_buffer *blob(struct gralloc_device *dev, uint64_t size, uint32_t width,
				   uint32_t height)
{
	struct gralloc_buffer_desc d = {
		.format = GRALLOC_FORMAT_BLOB, .size = size, .width = width, .height = height,
		.usage = CPU_RW, .name = "blob",
	};
	struct gralloc_buffer *buf = gralloc_buffer_allocate(dev, &d);

	if (!buf)
		printf("#   BLOB size %llu %ux%u: %s (%s)\n", (unsigned long long)size, width,
		       height, strerror(errno), gralloc_last_error());
	return buf;
}

/* The bytes are all there, fd and plane agree, the memory is as big. */
static bool blob_info_ok(struct gralloc_buffer *buf, uint64_t bytes)
{
	struct gralloc_buffer_info info;
	struct stat st;

	if (gralloc_buffer_describe(buf, &info) || fstat(info.fds[0], &st))
		return false;
	printf("#   %llu bytes: size %llu, plane 0 %llu at %llu, fd_size %llu, st_size %lld\n",
	       (unsigned long long)bytes, (unsigned long long)info.size,
	       (unsigned long long)info.planes[0].size, (unsigned long long)info.planes[0].offset,
	       (unsigned long long)info.fd_size[0], (long long)st.st_size);
	return info.format == GRALLOC_FORMAT_BLOB && info.num_planes == 1 &&
	       info.num_fds == 1 && info.planes[0].offset == 0 &&
	       info.planes[0].size >= bytes && info.size >= bytes &&
	       info.fd_size[0] == info.size && (uint64_t)st.st_size == info.size;
}

TEST(blob_wider_than_the_pixel_cap)
{
	struct gralloc_device *dev = test_memfd_device(), *other = test_memfd_device();
	const uint64_t bytes = 100000; /* > 32768 */
	struct gralloc_buffer *buf, *copy;
	struct core_handle h;
	uint8_t *p;

	CHECK(dev && other);
	buf = blob(dev, bytes, 0, 0);
	CHECK(buf);
	CHECK(blob_info_ok(buf, bytes));
	CHECK_EQ(gralloc_buffer_lock(buf, CPU_RW, NULL, (void **)&p), 0);
	for (uint64_t i = 0; i < bytes; i++)
		p[i] = (uint8_t)(i * 13 + 1);
	CHECK_EQ(gralloc_buffer_unlock(buf), 0);
	/* Round trip through a handle into another device. */
	CHECK_EQ(core_serialize(buf, &h), 0);
	CHECK_EQ(h.len, GRALLOC_WIRE_SIZE);
	copy = core_import(other, &h);
	CHECK(copy);
	CHECK(blob_info_ok(copy, bytes));
	CHECK_EQ(gralloc_buffer_lock(copy, GRALLOC_USAGE_CPU_READ_OFTEN, NULL, (void **)&p), 0);
	for (uint64_t i = 0; i < bytes; i++) {
		if (p[i] != (uint8_t)(i * 13 + 1)) {
			printf("#   byte %llu differs\n", (unsigned long long)i);
			CHECK(false);
		}
	}
	CHECK_EQ(gralloc_buffer_unlock(copy), 0);
	CHECK_EQ(gralloc_buffer_free(other, copy), 0);
	CHECK_EQ(gralloc_buffer_free(dev, buf), 0);
	gralloc_device_destroy(other);
	gralloc_device_destroy(dev);
}

TEST(blob_android_width_by_one)
{
	struct gralloc_device *dev = test_memfd_device();
	struct gralloc_buffer *buf;

	CHECK(dev);
	buf = blob(dev, 0, 40000, 1);
	CHECK(buf);
	CHECK(blob_info_ok(buf, 40000));
	gralloc_buffer_free(dev, buf);
	/* A pixel format keeps the cap. */
	{
		struct gralloc_buffer_desc d = {
			.width = 40000, .height = 1, .format = DRM_FORMAT_R8, .usage = CPU_RW,
		};

		CHECK(gralloc_buffer_allocate(dev, &d) == NULL);
		CHECK_EQ(errno, EINVAL);
	}
	gralloc_device_destroy(dev);
}

/* memfd memory is only reserved, pages come on first touch: 192 MiB costs
 * the two pages written here. */
TEST(blob_over_128_mib)
{
	struct gralloc_device *dev = test_memfd_device();
	const uint64_t bytes = UINT64_C(192) << 20;
	struct gralloc_buffer *buf;
	uint8_t *p;

	CHECK(dev);
	buf = blob(dev, bytes, 0, 0);
	CHECK(buf);
	CHECK(blob_info_ok(buf, bytes));
	CHECK_EQ(gralloc_buffer_lock(buf, CPU_RW, NULL, (void **)&p), 0);
	p[0] = 1;
	p[bytes - 1] = 2;
	CHECK_EQ(gralloc_buffer_unlock(buf), 0);
	CHECK_EQ(gralloc_buffer_lock(buf, GRALLOC_USAGE_CPU_READ_OFTEN, NULL, (void **)&p), 0);
	CHECK(p[0] == 1 && p[bytes - 1] == 2);
	CHECK_EQ(gralloc_buffer_unlock(buf), 0);
	CHECK_EQ(gralloc_buffer_free(dev, buf), 0);
	gralloc_device_destroy(dev);
}

TEST(blob_bad_descriptors)
{
	struct gralloc_device *dev = test_memfd_device();
	struct gralloc_buffer_desc d = { .format = GRALLOC_FORMAT_BLOB, .usage = CPU_RW };

	CHECK(dev);
	/* No size at all. */
	CHECK(gralloc_buffer_allocate(dev, &d) == NULL);
	CHECK_EQ(errno, EINVAL);
	/* A size and a width: which one is meant? */
	d.size = 4096;
	d.width = 4096;
	CHECK(gralloc_buffer_allocate(dev, &d) == NULL);
	CHECK_EQ(errno, EINVAL);
	/* Past the limit. */
	d.width = 0;
	d.size = UINT64_MAX;
	CHECK(gralloc_buffer_allocate(dev, &d) == NULL);
	CHECK_EQ(errno, EOVERFLOW);
	/* Layers of bytes. */
	d.size = 4096;
	d.layer_count = 2;
	CHECK(gralloc_buffer_allocate(dev, &d) == NULL);
	CHECK_EQ(errno, EINVAL);
	/* size on a pixel format. */
	d = (struct gralloc_buffer_desc){
		.width = 16, .height = 16, .format = DRM_FORMAT_XRGB8888, .usage = CPU_RW,
		.size = 4096,
	};
	CHECK(gralloc_buffer_allocate(dev, &d) == NULL);
	CHECK_EQ(errno, EINVAL);
	gralloc_device_destroy(dev);
}

int main(void)
{
	return test_run_all();
}
