/* SPDX-License-Identifier: MIT */
#include <drm_fourcc.h>

#include "formats/formats.h"
#include "gralloc/private.h"

#define RGB(fmt, bpp, alpha) \
	{ DRM_FORMAT_##fmt, #fmt, 1, { bpp }, { 1 }, 1, 1, alpha, false, -1, -1, 0, 0 }
/* Semi-planar: plane 1 holds interleaved chroma pairs of csize bytes each. */
#define SEMI(fmt, ysize, hs, vs, cbo, cro) \
	{ DRM_FORMAT_##fmt, #fmt, 2, { ysize, 2 * (ysize) }, { 1, 1 }, hs, vs, false, true, 1, 1, cbo, cro }
#define PLANAR(fmt, hs, vs, cbp, crp) \
	{ DRM_FORMAT_##fmt, #fmt, 3, { 1, 1, 1 }, { 1, 1, 1 }, hs, vs, false, true, cbp, crp, 0, 0 }
/* Packed 4:2:2: one block is two pixels. */
#define PACKED422(fmt, bytes) \
	{ DRM_FORMAT_##fmt, #fmt, 1, { bytes }, { 2 }, 2, 1, false, true, -1, -1, 0, 0 }

const struct gralloc_format_info gralloc_format_table[] = {
	RGB(ARGB8888, 4, true),
	RGB(XRGB8888, 4, false),
	RGB(ABGR8888, 4, true),
	RGB(XBGR8888, 4, false),
	RGB(RGBA8888, 4, true),
	RGB(RGBX8888, 4, false),
	RGB(BGRA8888, 4, true),
	RGB(BGRX8888, 4, false),
	RGB(RGB888, 3, false),
	RGB(BGR888, 3, false),
	RGB(RGB565, 2, false),
	RGB(BGR565, 2, false),
	RGB(ARGB2101010, 4, true),
	RGB(XRGB2101010, 4, false),
	RGB(ABGR2101010, 4, true),
	RGB(XBGR2101010, 4, false),
	RGB(RGBA1010102, 4, true),
	RGB(RGBX1010102, 4, false),
	RGB(BGRA1010102, 4, true),
	RGB(BGRX1010102, 4, false),
	RGB(ABGR16161616F, 8, true),
	RGB(XBGR16161616F, 8, false),
	RGB(R8, 1, false),
	RGB(R16, 2, false),
	RGB(GR88, 2, false),
	RGB(GR1616, 4, false),
	/* NV12: Cb first in each pair; NV21: Cr first. */
	SEMI(NV12, 1, 2, 2, 0, 1),
	SEMI(NV21, 1, 2, 2, 1, 0),
	SEMI(NV16, 1, 2, 1, 0, 1),
	SEMI(NV61, 1, 2, 1, 1, 0),
	SEMI(NV24, 1, 1, 1, 0, 1),
	SEMI(NV42, 1, 1, 1, 1, 0),
	SEMI(P010, 2, 2, 2, 0, 2),
	SEMI(P012, 2, 2, 2, 0, 2),
	SEMI(P016, 2, 2, 2, 0, 2),
	PLANAR(YUV420, 2, 2, 1, 2),
	PLANAR(YVU420, 2, 2, 2, 1),
	PLANAR(YUV422, 2, 1, 1, 2),
	PLANAR(YVU422, 2, 1, 2, 1),
	PLANAR(YUV444, 1, 1, 1, 2),
	PLANAR(YVU444, 1, 1, 2, 1),
	PACKED422(YUYV, 4),
	PACKED422(YVYU, 4),
	PACKED422(UYVY, 4),
	PACKED422(VYUY, 4),
	PACKED422(Y210, 8),
	{ DRM_FORMAT_AYUV, "AYUV", 1, { 4 }, { 1 }, 1, 1, true, true, -1, -1, 0, 0 },
	/* Bytes, not pixels: layout.c lays it out by size. */
	{ GRALLOC_FORMAT_BLOB, "BLOB", 1, { 1 }, { 1 }, 1, 1, false, false, -1, -1, 0, 0 },
};

const size_t gralloc_format_table_size = ARRAY_SIZE(gralloc_format_table);

/* Programs use one or two formats over and over: the last one found
 * answers without a walk of the table. */
static const struct gralloc_format_info *_Atomic last_found;

const struct gralloc_format_info *gralloc_format_find(uint32_t fourcc)
{
	const struct gralloc_format_info *f = last_found;

	if (f && f->fourcc == fourcc)
		return f;
	for (size_t i = 0; i < gralloc_format_table_size; i++) {
		if (gralloc_format_table[i].fourcc == fourcc) {
			last_found = &gralloc_format_table[i];
			return &gralloc_format_table[i];
		}
	}
	return NULL;
}
