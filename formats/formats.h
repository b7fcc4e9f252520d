/* SPDX-License-Identifier: MIT */
#ifndef GRALLOC_FORMATS_H
#define GRALLOC_FORMATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One row per supported DRM fourcc. Codes come from drm_fourcc.h. */
struct gralloc_format_info {
	uint32_t fourcc;
	const char *name;
	uint8_t num_planes;
	uint8_t bytes_per_block[4];
	uint8_t block_width[4]; /* pixels (of that plane's sample grid) per block */
	uint8_t hsub, vsub;     /* subsampling of planes 1.. */
	bool has_alpha;
	bool is_yuv;
	/* For lock_ycbcr: which plane carries Cb and Cr, and the byte offset of
	 * each within a chroma sample (semi-planar formats interleave them). */
	int8_t cb_plane, cr_plane;
	uint8_t cb_offset, cr_offset;
};

extern const struct gralloc_format_info gralloc_format_table[];
extern const size_t gralloc_format_table_size;

const struct gralloc_format_info *gralloc_format_find(uint32_t fourcc);

#endif
