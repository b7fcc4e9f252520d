/* SPDX-License-Identifier: MIT */
/* The public face of the format table: copies, names, Android codes. */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include <drm_fourcc.h>

#include "formats/formats.h"
#include "gralloc/private.h"

static void fill_desc(const struct gralloc_format_info *f, struct gralloc_format_desc *out)
{
	memset(out, 0, sizeof(*out));
	out->fourcc = f->fourcc;
	out->name = f->name;
	out->num_planes = f->num_planes;
	for (unsigned i = 0; i < f->num_planes; i++) {
		out->bytes_per_block[i] = f->bytes_per_block[i];
		out->block_width[i] = f->block_width[i];
	}
	out->hsub = f->hsub;
	out->vsub = f->vsub;
	out->has_alpha = f->has_alpha;
	out->is_yuv = f->is_yuv;
}

GRALLOC_EXPORT size_t gralloc_format_count(void)
{
	return gralloc_format_table_size;
}

GRALLOC_EXPORT int gralloc_format_get(size_t index, struct gralloc_format_desc *out)
{
	if (!out || index >= gralloc_format_table_size) {
		gralloc_log(ERROR, "format index %zu out of range (have %zu)", index,
			    gralloc_format_table_size);
		return -(errno = EINVAL);
	}
	fill_desc(&gralloc_format_table[index], out);
	return 0;
}

GRALLOC_EXPORT int gralloc_format_lookup(uint32_t fourcc, struct gralloc_format_desc *out)
{
	const struct gralloc_format_info *f = gralloc_format_find(fourcc);

	if (!f || !out) {
		gralloc_log(ERROR, "unsupported format 0x%08x", fourcc);
		return -(errno = EINVAL);
	}
	fill_desc(f, out);
	return 0;
}

GRALLOC_EXPORT int gralloc_format_from_name(const char *name, uint32_t *fourcc)
{
	if (!name || !fourcc) {
		gralloc_log(ERROR, "format name and result must not be NULL");
		return -(errno = EINVAL);
	}
	for (size_t i = 0; i < gralloc_format_table_size; i++) {
		const struct gralloc_format_info *f = &gralloc_format_table[i];
		char code[5] = { (char)f->fourcc, (char)(f->fourcc >> 8),
				 (char)(f->fourcc >> 16), (char)(f->fourcc >> 24), 0 };

		if (!strcasecmp(name, f->name) || !strcmp(name, code)) {
			*fourcc = f->fourcc;
			return 0;
		}
	}
	gralloc_log(ERROR, "unknown format name '%s' (see `gralloc formats`)", name);
	return -(errno = EINVAL);
}

/* Android's HAL_PIXEL_FORMAT_* values (system/graphics.h). DRM fourccs are
 * little-endian words, Android names list bytes in memory order, hence
 * RGBA_8888 -> ABGR8888. Flexible YCBCR_420_888 is served as NV12. BLOB is a
 * byte buffer: R8 with height 1. */
static const struct {
	int32_t hal;
	uint32_t fourcc;
} android_formats[] = {
	{ 1, DRM_FORMAT_ABGR8888 },           /* RGBA_8888 */
	{ 2, DRM_FORMAT_XBGR8888 },           /* RGBX_8888 */
	{ 3, DRM_FORMAT_BGR888 },             /* RGB_888 */
	{ 4, DRM_FORMAT_RGB565 },             /* RGB_565 */
	{ 5, DRM_FORMAT_ARGB8888 },           /* BGRA_8888 */
	{ 0x11, DRM_FORMAT_NV21 },            /* YCRCB_420_SP */
	{ 0x16, DRM_FORMAT_ABGR16161616F },   /* RGBA_FP16 */
	{ 0x21, GRALLOC_FORMAT_BLOB },        /* BLOB: width = bytes, height = 1 */
	{ 0x23, DRM_FORMAT_NV12 },            /* YCBCR_420_888 */
	{ 0x2b, DRM_FORMAT_ABGR2101010 },     /* RGBA_1010102 */
	{ 0x36, DRM_FORMAT_P010 },            /* YCBCR_P010 */
	{ 0x20203859, DRM_FORMAT_R8 },        /* Y8 */
	{ 0x20363159, DRM_FORMAT_R16 },       /* Y16 */
	{ 0x32315659, DRM_FORMAT_YVU420 },    /* YV12 */
};

GRALLOC_EXPORT int gralloc_format_from_android(int32_t hal_format, uint32_t *fourcc)
{
	if (!fourcc) {
		gralloc_log(ERROR, "result pointer must not be NULL");
		return -(errno = EINVAL);
	}
	for (size_t i = 0; i < ARRAY_SIZE(android_formats); i++) {
		if (android_formats[i].hal == hal_format) {
			*fourcc = android_formats[i].fourcc;
			return 0;
		}
	}
	gralloc_log(ERROR, "Android HAL pixel format 0x%x has no DRM equivalent here",
		    (unsigned)hal_format);
	return -(errno = EINVAL);
}
