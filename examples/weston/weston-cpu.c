/* SPDX-License-Identifier: MIT */
/* A CPU-drawn Wayland client: the KMS demo's moving pattern, written
 * through gralloc lock/unlock into buffers the compositor can use, one
 * frame per frame callback. --check compares the screen with the last
 * frame pixel for pixel. */
#include <stdio.h>
#include <string.h>

#include <drm_fourcc.h>

#include "pattern.h"
#include "wl-app.h"

struct expect_ctx {
	uint32_t frame, width, height;
};

static uint32_t expect(uint32_t x, uint32_t y, void *data)
{
	struct expect_ctx *c = data;

	return pattern_pixel(x, y, c->frame, c->width, c->height);
}

int main(int argc, char **argv)
{
	struct app a;
	struct expect_ctx ctx = { 0 };
	unsigned frame;
	int ret;

	/* wl_shm gets ARGB with opaque alpha: Weston's GL path for XRGB shm
	 * is not exact under QEMU's default CPU model (see docs/wayland.md). */
	bool shm = false;

	for (int i = 1; i < argc; i++)
		shm |= !strcmp(argv[i], "--shm");
	ret = app_init(&a, argc, argv, "gralloc-weston-cpu",
		       shm ? DRM_FORMAT_ARGB8888 : DRM_FORMAT_XRGB8888,
		       GRALLOC_USAGE_CPU_WRITE_OFTEN, NULL);
	if (ret)
		goto out;
	for (frame = 0; frame < a.opt.frames; frame++) {
		struct gralloc_wl_buffer *b;
		struct gralloc_buffer_info info;
		void *px;

		ret = app_begin(&a, &b);
		if (ret)
			goto out;
		gralloc_buffer_describe(gralloc_wl_buffer_get(b), &info);
		ret = gralloc_buffer_lock(gralloc_wl_buffer_get(b), GRALLOC_USAGE_CPU_WRITE_OFTEN,
					  NULL, &px);
		if (ret) {
			fprintf(stderr, "lock: %s\n", gralloc_last_error());
			goto out;
		}
		/* Opaque alpha in the same pass: X formats ignore it, A formats
		 * (wl_shm) need it, and both paths then cost the same. */
		for (uint32_t y = 0; y < info.height; y++) {
			uint32_t *row = (uint32_t *)((char *)px + (size_t)y * info.planes[0].stride);

			for (uint32_t x = 0; x < info.width; x++)
				row[x] = pattern_pixel(x, y, frame, info.width, info.height) |
					 0xff000000u;
		}
		gralloc_buffer_unlock(gralloc_wl_buffer_get(b));
		if (frame == 0)
			printf("# first buffer: %s memory%s%s, %s, modifier %s\n", info.backend,
			       info.heap[0] ? " of heap " : "", info.heap,
			       gralloc_wl_buffer_is_dmabuf(b) ? "dma-buf" : "wl_shm",
			       gralloc_wl_buffer_modifier(b) == DRM_FORMAT_MOD_LINEAR ? "LINEAR" :
										       "implicit");
		ret = app_end(&a, b);
		if (ret)
			goto out;
	}
	ctx.frame = a.opt.frames ? a.opt.frames - 1 : 0;
	ctx.width = a.width;
	ctx.height = a.height;
	ret = app_report(&a, expect, &ctx, 0);
out:
	app_finish(&a);
	return ret ? 1 : 0;
}
