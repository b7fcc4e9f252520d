/* SPDX-License-Identifier: MIT */
/* A video-style Wayland client: NV12 frames (a Y plane and interleaved
 * CbCr at half resolution, as decoders write them) filled through
 * gralloc_buffer_lock_ycbcr() and handed to the compositor, which
 * converts them to RGB while compositing. --check compares the screen
 * with the BT.601 limited-range conversion of what was written, within a
 * tolerance, away from block edges where chroma is interpolated. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <drm_fourcc.h>

#include "wl-app.h"

#define COLS 4
#define ROWS 2
#define EDGE 6 /* pixels near a block edge are not compared */

static const uint32_t palette[COLS * ROWS] = {
	0xc02020, 0x20c020, 0x2020c0, 0xc0c020, 0x20c0c0, 0xc020c0, 0x808080, 0xe0e0e0,
};

struct yuv {
	uint8_t y, u, v;
};

static uint8_t clamp8(double v)
{
	return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : lround(v));
}

static struct yuv to_yuv(uint32_t rgb)
{
	double r = (rgb >> 16) & 0xff, g = (rgb >> 8) & 0xff, b = rgb & 0xff;

	return (struct yuv){
		clamp8(16 + 0.257 * r + 0.504 * g + 0.098 * b),
		clamp8(128 - 0.148 * r - 0.291 * g + 0.439 * b),
		clamp8(128 + 0.439 * r - 0.368 * g - 0.071 * b),
	};
}

static uint32_t to_rgb(struct yuv p)
{
	double y = 1.164 * (p.y - 16), u = p.u - 128, v = p.v - 128;

	return ((uint32_t)clamp8(y + 1.596 * v) << 16) |
	       ((uint32_t)clamp8(y - 0.392 * u - 0.813 * v) << 8) | clamp8(y + 2.017 * u);
}

struct frame_ctx {
	uint32_t frame, width, height;
};

static uint32_t block_of(const struct frame_ctx *c, uint32_t x, uint32_t y, bool *edge)
{
	uint32_t bw = c->width / COLS, bh = c->height / ROWS;
	uint32_t col = x / bw < COLS ? x / bw : COLS - 1, row = y / bh < ROWS ? y / bh : ROWS - 1;
	uint32_t dx = x - col * bw, dy = y - row * bh;

	if (edge)
		*edge = dx < EDGE || dy < EDGE || dx + EDGE >= bw || dy + EDGE >= bh ||
			x >= bw * COLS || y >= bh * ROWS;
	return palette[(row * COLS + col + c->frame) % (COLS * ROWS)];
}

static uint32_t expect(uint32_t x, uint32_t y, void *data)
{
	bool edge;
	uint32_t rgb = block_of(data, x, y, &edge);

	return edge ? APP_DONT_CARE : to_rgb(to_yuv(rgb));
}

int main(int argc, char **argv)
{
	struct app a;
	struct frame_ctx ctx = { 0 };
	int ret;

	ret = app_init(&a, argc, argv, "gralloc-weston-nv12", DRM_FORMAT_NV12,
		       GRALLOC_USAGE_CPU_WRITE_OFTEN, NULL);
	if (ret)
		goto out;
	ctx.width = a.width;
	ctx.height = a.height;
	for (ctx.frame = 0; ctx.frame < a.opt.frames; ctx.frame++) {
		struct gralloc_wl_buffer *b;
		struct gralloc_ycbcr ycc;

		ret = app_begin(&a, &b);
		if (ret)
			goto out;
		ret = gralloc_buffer_lock_ycbcr(gralloc_wl_buffer_get(b),
						GRALLOC_USAGE_CPU_WRITE_OFTEN, NULL, &ycc);
		if (ret) {
			fprintf(stderr, "lock_ycbcr: %s\n", gralloc_last_error());
			goto out;
		}
		for (uint32_t y = 0; y < a.height; y++)
			for (uint32_t x = 0; x < a.width; x++)
				((uint8_t *)ycc.y)[(size_t)y * ycc.y_stride + x] =
					to_yuv(block_of(&ctx, x, y, NULL)).y;
		for (uint32_t y = 0; y < a.height / 2; y++) {
			for (uint32_t x = 0; x < a.width / 2; x++) {
				struct yuv p = to_yuv(block_of(&ctx, 2 * x, 2 * y, NULL));
				size_t off = (size_t)y * ycc.c_stride + (size_t)x * ycc.chroma_step;

				((uint8_t *)ycc.cb)[off] = p.u;
				((uint8_t *)ycc.cr)[off] = p.v;
			}
		}
		gralloc_buffer_unlock(gralloc_wl_buffer_get(b));
		if (ctx.frame == 0) {
			struct gralloc_buffer_info info;

			gralloc_buffer_describe(gralloc_wl_buffer_get(b), &info);
			printf("# first buffer: %s memory, %u planes, %s\n", info.backend,
			       info.num_planes, gralloc_wl_buffer_is_dmabuf(b) ? "dma-buf" : "wl_shm");
		}
		ret = app_end(&a, b);
		if (ret)
			goto out;
	}
	ctx.frame = a.opt.frames ? a.opt.frames - 1 : 0;
	ret = app_report(&a, expect, &ctx, 8);
out:
	app_finish(&a);
	return ret ? 1 : 0;
}
