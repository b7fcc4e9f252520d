/* SPDX-License-Identifier: MIT */
/* Shared by both ABI callers (include after test.h): each struct is put
 * in a heap block of exactly the caller's sizeof, so that under ASan a
 * library reading one byte past what the caller has is a report. */
#ifndef GRALLOC_ABI_TEST_H
#define GRALLOC_ABI_TEST_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <drm_fourcc.h>

#include "gralloc/consumer.h"
#include "gralloc/gralloc.h"

#define CPU_RW (GRALLOC_USAGE_CPU_READ_OFTEN | GRALLOC_USAGE_CPU_WRITE_OFTEN)

/* A heap copy of *v of exactly sizeof(*v) bytes (caller frees). */
#define ABI_EXACT(v) abi_exact(&(v), sizeof(v))
static inline void *abi_exact(const void *v, size_t n)
{
	void *p = malloc(n);

	if (p)
		memcpy(p, v, n);
	return p;
}

static inline struct gralloc_device_options abi_options(uint32_t struct_size)
{
	struct gralloc_device_options o;

	memset(&o, 0, sizeof(o));
	o.struct_size = struct_size;
	o.heap_dir = "/nonexistent";
	o.udmabuf_path = "/nonexistent";
	o.display_path = "/nonexistent";
	o.ion_path = "/nonexistent";
	o.no_config = true;
	return o;
}

static inline struct gralloc_buffer_desc abi_desc(uint32_t struct_size)
{
	struct gralloc_buffer_desc d;

	memset(&d, 0, sizeof(d));
	d.struct_size = struct_size;
	d.width = 33;
	d.height = 17;
	d.format = DRM_FORMAT_NV12;
	d.usage = CPU_RW;
	d.name = "abi";
	return d;
}

/* An import of a closed fd: every check of the struct comes first, so
 * EBADF means the struct was accepted (a dma-buf to succeed with is only
 * in the guest). */
static inline struct gralloc_import_desc abi_import_desc(uint32_t struct_size)
{
	struct gralloc_import_desc d;

	memset(&d, 0, sizeof(d));
	d.struct_size = struct_size;
	d.width = 64;
	d.height = 64;
	d.format = DRM_FORMAT_XRGB8888;
	d.modifier = DRM_FORMAT_MOD_LINEAR;
	d.usage = GRALLOC_USAGE_CPU_READ_OFTEN;
	d.num_fds = 1;
	d.fds[0] = 1000000; /* above any open fd */
	d.num_planes = 1;
	d.planes[0].stride = 256;
	return d;
}

/* Every call that takes the three growing structs, with heap copies of
 * exactly the caller's size. Returns 0, or the errno of the first call
 * that failed (*which names it). */
static inline int abi_exercise(const struct gralloc_device_options *o_in,
			       const struct gralloc_buffer_desc *d_in,
			       const struct gralloc_import_desc *i_in, const char **which)
{
	struct gralloc_device_options *o = ABI_EXACT(*o_in);
	struct gralloc_buffer_desc *d = ABI_EXACT(*d_in);
	struct gralloc_import_desc *imp = ABI_EXACT(*i_in);
	struct gralloc_consumer *cpu = gralloc_consumer_create_cpu();
	struct gralloc_device *dev = NULL;
	struct gralloc_explanation *e = NULL;
	struct gralloc_buffer *buf = NULL, *buf2 = NULL;
	struct gralloc_buffer_info info;
	int err = 0;

#define STEP(name, ok)                  \
	if (!err && !(ok)) {            \
		err = errno;            \
		*which = name;          \
	}
	STEP("malloc", o && d && imp && cpu);
	STEP("gralloc_device_create", (dev = gralloc_device_create(o)));
	STEP("gralloc_buffer_allocate", (buf = gralloc_buffer_allocate(dev, d)));
	STEP("gralloc_buffer_describe", !gralloc_buffer_describe(buf, &info));
	STEP("describe gave the descriptor", info.width == 33 && info.format == DRM_FORMAT_NV12);
	STEP("gralloc_explain", (e = gralloc_explain(dev, d)));
	STEP("gralloc_compute_layout", !gralloc_compute_layout(d, &info));
	STEP("gralloc_buffer_allocate_for", (buf2 = gralloc_buffer_allocate_for(dev, d, &cpu, 1)));
	STEP("gralloc_buffer_import", !gralloc_buffer_import(dev, imp) && errno == EBADF);
#undef STEP
	gralloc_explanation_destroy(e);
	if (buf)
		gralloc_buffer_free(dev, buf);
	if (buf2)
		gralloc_buffer_free(dev, buf2);
	gralloc_device_destroy(dev);
	gralloc_consumer_destroy(cpu);
	free(o);
	free(d);
	free(imp);
	return err;
}

#endif
