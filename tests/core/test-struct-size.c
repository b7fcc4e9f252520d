/* SPDX-License-Identifier: MIT */
/* The struct_size rule of gralloc.h at every entry point that takes a
 * growing struct: 0 and sizeof work, less than version 1 is EINVAL, more
 * is fine while the bytes this library does not know are zero and E2BIG
 * when one is not. Output structs get their reserved words zeroed. */
#include <stdalign.h>
#include <stdint.h>

#include "gralloc/consumer.h"
#include "test.h"
#include "core-test.h"

#define TAIL 24

/* A caller's struct bigger than ours: ours, then TAIL bytes we do not know. */
#define GROWN(type)                                    \
	union {                                        \
		type s;                                \
		uint8_t bytes[sizeof(type) + TAIL];    \
		max_align_t align;                     \
	}

static const struct gralloc_buffer_desc base_desc = {
	.width = 64, .height = 32, .format = DRM_FORMAT_NV12, .usage = CPU_RW,
};

/* Runs every entry point that takes a buffer descriptor; returns the
 * first failure's errno, or 0 when all accept it. */
static int try_desc(struct gralloc_device *dev, const struct gralloc_buffer_desc *d)
{
	struct gralloc_consumer *cpu = gralloc_consumer_create_cpu();
	struct gralloc_buffer_info info;
	struct gralloc_explanation *e;
	struct gralloc_buffer *buf;
	int err = 0;

	buf = gralloc_buffer_allocate(dev, d);
	if (!buf)
		err = errno;
	gralloc_buffer_free(dev, buf);
	e = gralloc_explain(dev, d);
	if (!e && !err)
		err = errno;
	gralloc_explanation_destroy(e);
	if (gralloc_compute_layout(d, &info) && !err)
		err = errno;
	buf = gralloc_buffer_allocate_for(dev, d, &cpu, 1);
	if (!buf && !err)
		err = errno;
	gralloc_buffer_free(dev, buf);
	e = gralloc_explain_for(dev, d, &cpu, 1);
	if (!e && !err)
		err = errno;
	gralloc_explanation_destroy(e);
	gralloc_consumer_destroy(cpu);
	return err;
}

TEST(buffer_desc_struct_size)
{
	struct gralloc_device *dev = test_memfd_device();
	GROWN(struct gralloc_buffer_desc) g;

	CHECK(dev);
	memset(&g, 0, sizeof(g));
	g.s = base_desc;
	g.s.struct_size = 0;
	CHECK_EQ(try_desc(dev, &g.s), 0);
	g.s.struct_size = sizeof(g.s);
	CHECK_EQ(try_desc(dev, &g.s), 0);
	g.s.struct_size = 4;
	CHECK_EQ(try_desc(dev, &g.s), EINVAL);
	CHECK(strstr(gralloc_last_error(), "struct_size"));
	g.s.struct_size = sizeof(g.s) - 8;
	CHECK_EQ(try_desc(dev, &g.s), EINVAL);
	g.s.struct_size = sizeof(g.bytes);
	CHECK_EQ(try_desc(dev, &g.s), 0);
	g.bytes[sizeof(g.s) + TAIL - 1] = 1;
	CHECK_EQ(try_desc(dev, &g.s), E2BIG);
	/* A byte past what struct_size covers is not read at all. */
	g.s.struct_size = sizeof(g.s) + TAIL - 1;
	CHECK_EQ(try_desc(dev, &g.s), 0);
	g.bytes[sizeof(g.s)] = 0x80;
	CHECK_EQ(try_desc(dev, &g.s), E2BIG);
	CHECK(strstr(gralloc_last_error(), "does not know"));
	gralloc_device_destroy(dev);
}

static struct gralloc_device_options base_options(void)
{
	return (struct gralloc_device_options){
		.heap_dir = "/nonexistent", .udmabuf_path = "/nonexistent",
		.display_path = "/nonexistent", .ion_path = "/nonexistent", .no_config = true,
	};
}

static int try_options(const struct gralloc_device_options *o)
{
	struct gralloc_device *dev = gralloc_device_create(o);

	if (!dev)
		return errno;
	gralloc_device_destroy(dev);
	return 0;
}

TEST(device_options_struct_size)
{
	GROWN(struct gralloc_device_options) g;

	memset(&g, 0, sizeof(g));
	g.s = base_options();
	CHECK_EQ(try_options(&g.s), 0);
	g.s.struct_size = sizeof(g.s);
	CHECK_EQ(try_options(&g.s), 0);
	g.s.struct_size = 1;
	CHECK_EQ(try_options(&g.s), EINVAL);
	g.s.struct_size = sizeof(g.bytes);
	CHECK_EQ(try_options(&g.s), 0);
	g.bytes[sizeof(g.s) + 5] = 0xff;
	CHECK_EQ(try_options(&g.s), E2BIG);
}

/* Import needs a dma-buf to succeed (tests/guest/test-foreign.c); the
 * struct_size checks come before any fd is looked at. */
TEST(import_desc_struct_size)
{
	struct gralloc_device *dev = test_memfd_device();
	GROWN(struct gralloc_import_desc) g;

	CHECK(dev);
	memset(&g, 0, sizeof(g));
	g.s.width = 64;
	g.s.height = 64;
	g.s.format = DRM_FORMAT_XRGB8888;
	g.s.num_fds = 1;
	g.s.fds[0] = -1;
	g.s.num_planes = 1;
	g.s.planes[0].stride = 256;
	g.s.struct_size = 3;
	CHECK(gralloc_buffer_import(dev, &g.s) == NULL);
	CHECK_EQ(errno, EINVAL);
	CHECK(strstr(gralloc_last_error(), "struct_size"));
	g.s.struct_size = sizeof(g.bytes);
	g.bytes[sizeof(g.s)] = 1;
	CHECK(gralloc_buffer_import(dev, &g.s) == NULL);
	CHECK_EQ(errno, E2BIG);
	/* Zero tail: accepted, and the closed fd is what fails. */
	g.bytes[sizeof(g.s)] = 0;
	CHECK(gralloc_buffer_import(dev, &g.s) == NULL);
	CHECK_EQ(errno, EBADF);
	g.s.struct_size = 0;
	CHECK(gralloc_buffer_import(dev, &g.s) == NULL);
	CHECK_EQ(errno, EBADF);
	gralloc_device_destroy(dev);
}

static bool all_zero(const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (((const uint8_t *)p)[i])
			return false;
	return true;
}

/* Callers rarely initialise what the library fills: the reserved words
 * must come back zero whatever was there. */
TEST(output_reserved_words_zeroed)
{
	struct gralloc_device *dev = test_memfd_device();
	struct gralloc_buffer_info info;
	struct gralloc_ycbcr ycbcr;
	struct gralloc_candidate cand;
	struct gralloc_format_desc fmt;
	struct gralloc_explanation *e;
	struct gralloc_buffer *buf;

	CHECK(dev);
	buf = gralloc_buffer_allocate(dev, &base_desc);
	CHECK(buf);
	memset(&info, 0xff, sizeof(info));
	CHECK_EQ(gralloc_buffer_describe(buf, &info), 0);
	CHECK(all_zero(info.reserved, sizeof(info.reserved)));
	/* One fd: the sizes of the others are zero too. */
	CHECK(all_zero(&info.fd_size[1], sizeof(info.fd_size) - sizeof(info.fd_size[0])));
	memset(&info, 0xff, sizeof(info));
	CHECK_EQ(gralloc_compute_layout(&base_desc, &info), 0);
	CHECK(all_zero(info.reserved, sizeof(info.reserved)));
	memset(&ycbcr, 0xff, sizeof(ycbcr));
	CHECK_EQ(gralloc_buffer_lock_ycbcr(buf, GRALLOC_USAGE_CPU_READ_OFTEN, NULL, &ycbcr), 0);
	CHECK(all_zero(ycbcr.reserved, sizeof(ycbcr.reserved)));
	gralloc_buffer_unlock(buf);
	e = gralloc_explain(dev, &base_desc);
	CHECK(e && gralloc_explanation_count(e) > 0);
	memset(&cand, 0xff, sizeof(cand));
	CHECK_EQ(gralloc_explanation_get(e, 0, &cand), 0);
	gralloc_explanation_destroy(e);
	CHECK(all_zero(cand.reserved, sizeof(cand.reserved)));
	memset(&fmt, 0xff, sizeof(fmt));
	CHECK_EQ(gralloc_format_lookup(DRM_FORMAT_NV12, &fmt), 0);
	CHECK(all_zero(fmt.reserved, sizeof(fmt.reserved)));
	gralloc_buffer_free(dev, buf);
	gralloc_device_destroy(dev);
}

int main(void)
{
	return test_run_all();
}
