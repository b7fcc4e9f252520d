/* SPDX-License-Identifier: MIT */
/* The layout engine: strides, offsets and sizes from a descriptor. */
#include <errno.h>
#include <string.h>

#include <drm_fourcc.h>

#include "formats/formats.h"
#include "gralloc/private.h"

#define MAX_DIMENSION 32768u
#define MAX_LAYERS 256u
#define MAX_SIZE (UINT64_C(1) << 34) /* 16 GiB: far above any real frame */
#define PAGE 4096u

/* Per-usage alignment, as data. A request takes the largest value of every
 * rule its usage touches; plain CPU buffers get the first row. */
static const struct alignment_rule {
	uint64_t usage;
	uint32_t stride_align; /* bytes, power of two */
	uint32_t height_align; /* rows of plane 0, power of two */
	uint32_t plane_align;  /* offset of each plane, power of two */
} alignment_rules[] = {
	/* CPU: SIMD-friendly rows. */
	{ GRALLOC_USAGE_CPU | GRALLOC_USAGE_LINEAR, 16, 1, 64 },
	/* GPU samplers and render targets want 64-byte rows (Mesa's linear
	 * pitch alignment on most drivers). */
	{ GRALLOC_USAGE_GPU_TEXTURE | GRALLOC_USAGE_GPU_RENDER_TARGET |
		  GRALLOC_USAGE_GPU_DATA_BUFFER, 64, 1, 64 },
	/* Display engines fetch in 64-byte bursts. */
	{ GRALLOC_USAGE_DISPLAY, 64, 1, 64 },
	/* Codecs and ISPs work on 16-row macroblocks and want each plane on
	 * its own page. */
	{ GRALLOC_USAGE_VIDEO_ENCODER | GRALLOC_USAGE_VIDEO_DECODER |
		  GRALLOC_USAGE_CAMERA_WRITE | GRALLOC_USAGE_CAMERA_READ, 128, 16, PAGE },
};

/* Bytes of a BLOB request: `size`, or Android's width x 1. */
static uint64_t blob_bytes(const struct gralloc_buffer_desc *desc)
{
	return desc->size ? desc->size : desc->height == 1 ? desc->width : 0;
}

static int blob_validate(const struct gralloc_buffer_desc *desc,
			 const struct gralloc_format_info **format_out)
{
	uint64_t bytes = blob_bytes(desc);

	if (desc->size && (desc->width || desc->height)) {
		gralloc_log(ERROR, "BLOB of %llu bytes: width and height must be 0 with a size",
			    (unsigned long long)desc->size);
		return -EINVAL;
	}
	if (!bytes) {
		gralloc_log(ERROR, "BLOB needs a size in bytes (or width = bytes, height = 1)");
		return -EINVAL;
	}
	if (bytes > MAX_SIZE) {
		gralloc_log(ERROR, "BLOB of %llu bytes exceeds the %llu-byte limit",
			    (unsigned long long)bytes, (unsigned long long)MAX_SIZE);
		return -EOVERFLOW;
	}
	if (desc->layer_count > 1) {
		gralloc_log(ERROR, "a BLOB has no layers (layer_count %u)", desc->layer_count);
		return -EINVAL;
	}
	if (format_out)
		*format_out = gralloc_format_find(GRALLOC_FORMAT_BLOB);
	return gralloc_usage_validate(desc->usage);
}

int gralloc_desc_validate(const struct gralloc_buffer_desc *desc,
			  const struct gralloc_format_info **format_out)
{
	const struct gralloc_format_info *format;
	int ret;

	if (!desc) {
		gralloc_log(ERROR, "descriptor must not be NULL");
		return -EINVAL;
	}
	if (desc->format == GRALLOC_FORMAT_BLOB)
		return blob_validate(desc, format_out);
	if (desc->size) {
		gralloc_log(ERROR, "size %llu is for GRALLOC_FORMAT_BLOB only; pixel formats take "
			    "width and height", (unsigned long long)desc->size);
		return -EINVAL;
	}
	if (desc->width == 0 || desc->height == 0) {
		gralloc_log(ERROR, "zero size %ux%u", desc->width, desc->height);
		return -EINVAL;
	}
	if (desc->width > MAX_DIMENSION || desc->height > MAX_DIMENSION) {
		gralloc_log(ERROR, "size %ux%u exceeds the %u limit", desc->width,
			    desc->height, MAX_DIMENSION);
		return -EINVAL;
	}
	if (desc->layer_count > MAX_LAYERS) {
		gralloc_log(ERROR, "layer count %u exceeds the %u limit",
			    desc->layer_count, MAX_LAYERS);
		return -EINVAL;
	}
	format = gralloc_format_find(desc->format);
	if (!format) {
		gralloc_log(ERROR, "unsupported format 0x%08x", desc->format);
		return -EINVAL;
	}
	ret = gralloc_usage_validate(desc->usage);
	if (ret)
		return ret;
	if (format_out)
		*format_out = format;
	return 0;
}

static uint64_t div_round_up(uint64_t a, uint64_t b)
{
	return a / b + (a % b != 0);
}

int gralloc_layout_compute(const struct gralloc_buffer_desc *desc,
			   const struct gralloc_format_info *f, struct gralloc_layout *out)
{
	return gralloc_layout_compute_min(desc, f, 0, out);
}

int gralloc_layout_compute_min(const struct gralloc_buffer_desc *desc,
			       const struct gralloc_format_info *f, uint32_t min_align,
			       struct gralloc_layout *out)
{
	uint32_t stride_align = 16, height_align = 1, plane_align = 64;
	uint64_t layers = desc->layer_count ? desc->layer_count : 1;
	uint64_t height, end = 0;
	int ret = 0;

	for (size_t i = 0; i < ARRAY_SIZE(alignment_rules); i++) {
		const struct alignment_rule *r = &alignment_rules[i];

		if (!(desc->usage & r->usage))
			continue;
		if (r->stride_align > stride_align)
			stride_align = r->stride_align;
		if (r->height_align > height_align)
			height_align = r->height_align;
		if (r->plane_align > plane_align)
			plane_align = r->plane_align;
	}

	/* Consumers (a display, a GPU) may need more than the usage says. */
	if (min_align > stride_align)
		stride_align = min_align;
	if (min_align > plane_align)
		plane_align = min_align;

	memset(out, 0, sizeof(*out));
	out->num_planes = f->num_planes;
	out->modifier = DRM_FORMAT_MOD_LINEAR;
	if (f->fourcc == GRALLOC_FORMAT_BLOB) {
		/* One plane of bytes; stride 0 says it has no rows. */
		out->planes[0].size = blob_bytes(desc);
		if (gralloc_align64(out->planes[0].size, PAGE, &out->size))
			goto overflow;
		out->layer_stride = out->size;
		return 0;
	}
	ret |= gralloc_align64(desc->height, height_align, &height);

	for (unsigned p = 0; p < f->num_planes; p++) {
		struct gralloc_plane_info *plane = &out->planes[p];
		uint64_t pw = p ? div_round_up(desc->width, f->hsub) : desc->width;
		uint64_t ph = p ? div_round_up(height, f->vsub) : height;
		uint64_t row, stride, offset, size;

		ret |= gralloc_mul64(div_round_up(pw, f->block_width[p]),
				     f->bytes_per_block[p], &row);
		ret |= gralloc_align64(row, stride_align, &stride);
		ret |= gralloc_align64(end, plane_align, &offset);
		ret |= gralloc_mul64(stride, ph, &size);
		ret |= gralloc_add64(offset, size, &end);
		if (ret || stride > UINT32_MAX)
			goto overflow;
		plane->fd_index = 0;
		plane->stride = (uint32_t)stride;
		plane->offset = offset;
		plane->size = size;
	}
	ret |= gralloc_align64(end, PAGE, &out->layer_stride);
	ret |= gralloc_mul64(out->layer_stride, layers, &out->size);
	if (ret || out->size > MAX_SIZE)
		goto overflow;
	return 0;

overflow:
	gralloc_log(ERROR, "%ux%u %s x%llu layers needs more than %llu bytes",
		    desc->width, desc->height, f->name, (unsigned long long)layers,
		    (unsigned long long)MAX_SIZE);
	return -EOVERFLOW;
}

GRALLOC_EXPORT int gralloc_compute_layout(const struct gralloc_buffer_desc *caller_desc,
					  struct gralloc_buffer_info *info)
{
	const struct gralloc_format_info *f;
	struct gralloc_buffer_desc d, *desc = &d;
	struct gralloc_layout layout;
	int ret;

	if (!info) {
		gralloc_log(ERROR, "info must not be NULL");
		return -(errno = EINVAL);
	}
	ret = gralloc_desc_in(&d, caller_desc);
	if (!ret)
		ret = gralloc_desc_validate(desc, &f);
	if (!ret)
		ret = gralloc_layout_compute(desc, f, &layout);
	if (ret)
		return errno = -ret, ret;

	memset(info, 0, sizeof(*info));
	info->width = desc->width;
	info->height = desc->height;
	info->format = desc->format;
	info->layer_count = desc->layer_count ? desc->layer_count : 1;
	info->usage = desc->usage;
	info->modifier = layout.modifier;
	info->size = layout.size;
	info->layer_stride = layout.layer_stride;
	info->num_planes = layout.num_planes;
	info->num_fds = 0;
	for (unsigned i = 0; i < GRALLOC_MAX_PLANES; i++)
		info->fds[i] = -1;
	memcpy(info->planes, layout.planes, sizeof(info->planes));
	info->is_dma_buf = false;
	info->fd_size[0] = layout.size;
	return 0;
}

/* The engine's layout redone with one pitch for every plane: the shape a
 * display's dumb buffer has, where the driver and not we choose the pitch.
 * Rows per plane stay the engine's; planes start on a page. *used is the
 * end of the last plane of the last layer: the memory that must exist. */
int gralloc_layout_pitched(const struct gralloc_layout *engine, uint32_t layers,
			   uint32_t pitch, struct gralloc_layout *out, uint64_t *used)
{
	uint64_t end = 0, last = 0;
	int ret = 0;

	*out = *engine;
	for (uint32_t p = 0; p < engine->num_planes; p++) {
		const struct gralloc_plane_info *e = &engine->planes[p];
		uint64_t rows = e->stride ? e->size / e->stride : 0;

		if (pitch < e->stride)
			return -EINVAL;
		ret |= gralloc_align64(end, p ? gralloc_page_size() : 1, &out->planes[p].offset);
		out->planes[p].stride = pitch;
		ret |= gralloc_mul64(rows, pitch, &out->planes[p].size);
		ret |= gralloc_add64(out->planes[p].offset, out->planes[p].size, &end);
	}
	ret |= gralloc_align64(end, gralloc_page_size(), &out->layer_stride);
	ret |= gralloc_mul64(out->layer_stride, layers - 1, &last);
	ret |= gralloc_add64(last, end, used);
	ret |= gralloc_mul64(out->layer_stride, layers, &out->size);
	return ret ? -EOVERFLOW : 0;
}
