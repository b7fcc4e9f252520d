/* SPDX-License-Identifier: MIT */
/* Sizes follow the system's page size, not 4 KiB: built three times, with
 * the real page size and with the 16 KiB and 64 KiB page doubles
 * (fake-page-size.c). Memory is really allocated (memfd) and mapped. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <gralloc/gralloc.h>

#include "test.h"

#define CPU_RW (GRALLOC_USAGE_CPU_READ_OFTEN | GRALLOC_USAGE_CPU_WRITE_OFTEN)

static uint64_t page(void)
{
	return (uint64_t)sysconf(_SC_PAGESIZE);
}

static struct gralloc_device *memfd_device(char *dir)
{
	struct gralloc_device_options o = { 0 };
	char missing[128];

	if (!mkdtemp(dir))
		return NULL;
	snprintf(missing, sizeof(missing), "%s/none", dir);
	o.heap_dir = dir;
	o.udmabuf_path = missing;
	o.display_path = missing;
	o.no_config = true;
	return gralloc_device_create(&o);
}

TEST(page_size_in_force)
{
	printf("# page size %llu\n", (unsigned long long)page());
#ifdef FAKE_PAGE_SIZE
	CHECK_EQ(page(), FAKE_PAGE_SIZE);
#endif
	CHECK(page() >= 4096 && !(page() & (page() - 1)));
}

TEST(small_buffers_take_one_page)
{
	struct gralloc_buffer_desc d = {
		.width = 33, .height = 17, .format = DRM_FORMAT_NV12, .usage = CPU_RW,
	};
	struct gralloc_buffer_info info;

	CHECK_EQ(gralloc_compute_layout(&d, &info), 0);
	CHECK_EQ(info.size, page());
	CHECK_EQ(info.layer_stride, page());
	d = (struct gralloc_buffer_desc){ .format = GRALLOC_FORMAT_BLOB, .size = 1, .usage = CPU_RW };
	CHECK_EQ(gralloc_compute_layout(&d, &info), 0);
	CHECK_EQ(info.size, page());
}

TEST(layers_start_on_pages)
{
	struct gralloc_buffer_desc d = {
		.width = 1920, .height = 1081, .format = DRM_FORMAT_XRGB8888, .layer_count = 3,
		.usage = CPU_RW | GRALLOC_USAGE_VIDEO_ENCODER,
	};
	struct gralloc_buffer_info info;

	CHECK_EQ(gralloc_compute_layout(&d, &info), 0);
	CHECK_EQ(info.layer_stride % page(), 0);
	CHECK(info.layer_stride - info.planes[0].size < page());
	CHECK_EQ(info.size, 3 * info.layer_stride);
}

TEST(memfd_buffer_is_whole_pages_and_maps)
{
	char dir[] = "/tmp/gralloc-page-XXXXXX";
	struct gralloc_device *dev = memfd_device(dir);
	struct gralloc_buffer_desc d = {
		.width = 33, .height = 17, .format = DRM_FORMAT_NV12, .layer_count = 2, .usage = CPU_RW,
	};
	struct gralloc_buffer *buf;
	struct gralloc_buffer_info info;
	struct stat st;
	void *p = NULL;
	bool ok;

	CHECK(dev);
	buf = gralloc_buffer_allocate(dev, &d);
	ok = buf && gralloc_buffer_describe(buf, &info) == 0 && fstat(info.fds[0], &st) == 0 &&
	     (uint64_t)st.st_size == 2 * page() && info.size == 2 * page() &&
	     gralloc_buffer_lock(buf, GRALLOC_USAGE_CPU_WRITE_OFTEN, NULL, &p) == 0 && p;
	if (ok) {
		/* The last byte of the second layer is mapped. */
		((volatile char *)p)[2 * page() - 1] = 1;
		ok = gralloc_buffer_unlock(buf) == 0;
	}
	gralloc_buffer_free(dev, buf);
	gralloc_device_destroy(dev);
	rmdir(dir);
	CHECK(ok);
}

int main(void)
{
	return test_run_all();
}
