/* SPDX-License-Identifier: MIT */
/* Zero-copy scanout demo: buffers come from the allocation policy, the CPU
 * draws into them through lock/unlock, and atomic page flips show them.
 * Nothing is copied between drawing and the display. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <drm_fourcc.h>

#include <gralloc/gralloc.h>
#include <gralloc/kms.h>

#include "demo-common.h"
#include "demo.h"
#include "modeset.h"
#include "pattern.h"

#define NUM_BUFFERS 2

static int draw(struct gralloc_buffer *buf, uint32_t frame, uint32_t w, uint32_t h,
		void *scratch)
{
	struct gralloc_buffer_info info;
	void *pixels;
	int ret = gralloc_buffer_lock(buf, GRALLOC_USAGE_CPU_WRITE_OFTEN, NULL, &pixels);

	if (ret)
		return ret;
	gralloc_buffer_describe(buf, &info);
	if (scratch) {
		pattern_fill(scratch, w * 4, w, h, frame);
		for (uint32_t y = 0; y < h; y++)
			memcpy((uint8_t *)pixels + (uint64_t)y * info.planes[0].stride,
			       (uint8_t *)scratch + (uint64_t)y * w * 4, (size_t)w * 4);
	} else {
		pattern_fill(pixels, info.planes[0].stride, w, h, frame);
	}
	return gralloc_buffer_unlock(buf);
}

static int run(const struct demo_options *o, const char *path)
{
	struct gralloc_device_options dopts = { .display_path = path };
	struct gralloc_buffer *bufs[NUM_BUFFERS] = { 0 };
	struct gralloc_device *dev = NULL;
	struct gralloc_kms *kms;
	struct gralloc_buffer_info info;
	struct modeset m;
	uint32_t fbs[NUM_BUFFERS], w, h, shown = 0;
	void *scratch = NULL;
	double t0, c0, t1, c1;
	int ret;

	kms = demo_open_display(o->prog, path, &m);
	if (!kms)
		return 1;
	w = m.mode.hdisplay;
	h = m.mode.vdisplay;
	dev = gralloc_device_create(&dopts);
	if (!dev) {
		ret = -errno;
		fprintf(stderr, "%s: %s\n", o->prog, gralloc_last_error());
		goto out;
	}
	const struct gralloc_buffer_desc desc = {
		.width = w, .height = h, .format = DRM_FORMAT_XRGB8888,
		.usage = GRALLOC_USAGE_SCANOUT | GRALLOC_USAGE_CPU_WRITE_OFTEN |
			 GRALLOC_USAGE_CPU_READ_RARELY,
		.name = "kms-demo",
	};
	printf("display: %s (%s), mode %ux%u@%u\n", path, gralloc_kms_driver_name(kms), w, h,
	       m.mode.vrefresh);
	demo_print_explanation(dev, &desc, NULL, 0);
	for (int i = 0; i < NUM_BUFFERS; i++) {
		bufs[i] = gralloc_buffer_allocate(dev, &desc);
		if (!bufs[i]) {
			ret = -errno;
			fprintf(stderr, "%s: allocate: %s\n", o->prog, gralloc_last_error());
			goto out;
		}
		ret = gralloc_kms_add_framebuffer(kms, bufs[i], &fbs[i]);
		if (ret) {
			fprintf(stderr, "%s: framebuffer: %s\n", o->prog, gralloc_last_error());
			goto out;
		}
	}
	gralloc_buffer_describe(bufs[0], &info);
	printf("buffers: %s%s%s, stride %u, %llu bytes, fb %u/%u, %s\n", info.backend,
	       info.heap[0] ? " heap " : "", info.heap, info.planes[0].stride,
	       (unsigned long long)info.size, fbs[0], fbs[1],
	       o->copy ? "drawing into malloc'd memory and copying" : "zero copy");
	if (o->copy && !(scratch = malloc((size_t)w * h * 4))) {
		ret = -ENOMEM;
		goto out;
	}

	t0 = demo_now_ms();
	c0 = demo_cpu_ms();
	for (uint32_t frame = 0; frame < o->frames; frame++) {
		uint32_t back = frame % NUM_BUFFERS;

		ret = draw(bufs[back], frame, w, h, scratch);
		if (ret) {
			fprintf(stderr, "%s: frame %u: drawing: %s\n", o->prog, frame,
				strerror(-ret));
			goto out;
		}
		ret = demo_show(o->prog, &m, fbs[back], frame);
		if (ret)
			goto out;
		shown = back;
	}
	t1 = demo_now_ms();
	c1 = demo_cpu_ms();
	if (o->frames)
		printf("frames: %u, %.2f ms per frame, %.2f ms CPU per frame\n", o->frames,
		       (t1 - t0) / o->frames, (c1 - c0) / o->frames);
	ret = demo_write_output(o->prog, o, bufs[shown]);
out:
	free(scratch);
	modeset_finish(&m);
	/* Framebuffers go with the kms object, then the memory. */
	gralloc_kms_destroy(kms);
	gralloc_device_destroy(dev);
	return ret ? 1 : 0;
}

int kms_demo_main(const char *prog, const char *usage, int argc, char **argv)
{
	struct demo_options o;
	int ret = demo_parse_options(prog, usage, true, argc, argv, &o);

	return ret >= 0 ? ret : run(&o, o.path);
}
