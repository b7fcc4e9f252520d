/* SPDX-License-Identifier: MIT */
/* Layout engine through gralloc_compute_layout(): invariants for every
 * format, hand-computed values for the alignment rules, and limits. */
#include <errno.h>

#include <drm_fourcc.h>
#include <gralloc/gralloc.h>

#include "test.h"

#define PAGE 4096u

static int layout(uint32_t w, uint32_t h, uint32_t format, uint32_t layers,
		  uint64_t usage, struct gralloc_buffer_info *info)
{
	struct gralloc_buffer_desc d = {
		.width = w, .height = h, .format = format,
		.layer_count = layers, .usage = usage,
	};

	return gralloc_compute_layout(&d, info);
}

static uint64_t round_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

static uint64_t div_up(uint64_t a, uint64_t b)
{
	return (a + b - 1) / b;
}

/* The alignment rules restated independently of gralloc/layout.c, so a
 * change to its table shows up here as a failure rather than silently. */
struct rules {
	uint32_t stride, height, plane;
};

static struct rules rules_for(uint64_t usage)
{
	const uint64_t video = GRALLOC_USAGE_VIDEO_ENCODER | GRALLOC_USAGE_VIDEO_DECODER |
			       GRALLOC_USAGE_CAMERA_WRITE | GRALLOC_USAGE_CAMERA_READ;
	const uint64_t dev64 = GRALLOC_USAGE_GPU_TEXTURE | GRALLOC_USAGE_GPU_RENDER_TARGET |
			       GRALLOC_USAGE_GPU_DATA_BUFFER | GRALLOC_USAGE_SCANOUT |
			       GRALLOC_USAGE_COMPOSER_OVERLAY | GRALLOC_USAGE_CURSOR_PLANE |
			       GRALLOC_USAGE_FRONT_BUFFER;

	if (usage & video)
		return (struct rules){ 128, 16, PAGE };
	if (usage & dev64)
		return (struct rules){ 64, 1, 64 };
	return (struct rules){ 16, 1, 64 };
}

/* Checks one computed layout against the format description; returns
 * false after printing the first mismatch. */
static bool layout_ok(const struct gralloc_format_desc *f, uint32_t w, uint32_t h,
		      uint32_t layers, uint64_t usage, const struct gralloc_buffer_info *info)
{
	struct rules r = rules_for(usage);
	uint64_t rows0 = round_up(h, r.height), end = 0;

#define EXPECT(cond)                                                                   \
	do {                                                                           \
		if (!(cond)) {                                                         \
			printf("#   %s %ux%u x%u usage 0x%llx: %s\n", f->name, w, h,   \
			       layers, (unsigned long long)usage, #cond);              \
			return false;                                                  \
		}                                                                      \
	} while (0)

	EXPECT(info->num_planes == f->num_planes);
	EXPECT(info->num_planes >= 1 && info->num_planes <= GRALLOC_MAX_PLANES);
	EXPECT(info->modifier == DRM_FORMAT_MOD_LINEAR);
	EXPECT(info->num_fds == 0);
	EXPECT(info->layer_count == (layers ? layers : 1));
	for (unsigned i = 0; i < GRALLOC_MAX_PLANES; i++)
		EXPECT(info->fds[i] == -1);
	for (unsigned p = 0; p < info->num_planes; p++) {
		const struct gralloc_plane_info *pl = &info->planes[p];
		uint64_t pw = p ? div_up(w, f->hsub) : w;
		uint64_t ph = p ? div_up(rows0, f->vsub) : rows0;
		uint64_t row = div_up(pw, f->block_width[p]) * f->bytes_per_block[p];

		EXPECT(pl->fd_index == 0);
		EXPECT(pl->stride >= row);
		EXPECT(pl->stride % r.stride == 0);
		/* No more padding than the alignment asks for. */
		EXPECT(pl->stride < row + r.stride);
		EXPECT(pl->offset % r.plane == 0);
		EXPECT(pl->offset >= end);
		EXPECT(pl->offset < end + r.plane);
		EXPECT(pl->size == (uint64_t)pl->stride * ph);
		end = pl->offset + pl->size;
	}
	EXPECT(info->layer_stride % PAGE == 0);
	EXPECT(info->layer_stride >= end);
	EXPECT(info->layer_stride < end + PAGE);
	EXPECT(info->size == info->layer_stride * (layers ? layers : 1));
	EXPECT(info->size % PAGE == 0);
#undef EXPECT
	return true;
}

TEST(every_format_every_rule)
{
	static const struct { uint32_t w, h; } sizes[] = {
		{ 1, 1 }, { 2, 2 }, { 3, 5 }, { 33, 17 }, { 64, 64 },
		{ 1920, 1080 }, { 4095, 3 }, { 1, 4097 },
	};
	static const uint64_t usages[] = {
		0,
		GRALLOC_USAGE_CPU_READ_RARELY,
		GRALLOC_USAGE_CPU_WRITE_OFTEN | GRALLOC_USAGE_LINEAR,
		GRALLOC_USAGE_GPU_TEXTURE,
		GRALLOC_USAGE_GPU_DATA_BUFFER | GRALLOC_USAGE_CPU_READ_OFTEN,
		GRALLOC_USAGE_SCANOUT,
		GRALLOC_USAGE_CURSOR_PLANE,
		GRALLOC_USAGE_FRONT_BUFFER | GRALLOC_USAGE_COMPOSER_OVERLAY,
		GRALLOC_USAGE_VIDEO_DECODER,
		GRALLOC_USAGE_VIDEO_ENCODER | GRALLOC_USAGE_SCANOUT,
		GRALLOC_USAGE_CAMERA_WRITE | GRALLOC_USAGE_CPU_READ_OFTEN,
		GRALLOC_USAGE_CAMERA_READ | GRALLOC_USAGE_GPU_TEXTURE,
		GRALLOC_USAGE_PROTECTED_CONTENT | GRALLOC_USAGE_VIDEO_DECODER,
	};
	static const uint32_t layer_counts[] = { 0, 1, 3 };
	size_t n = gralloc_format_count();

	CHECK(n >= 46);
	for (size_t i = 0; i < n; i++) {
		struct gralloc_format_desc f;

		CHECK_EQ(gralloc_format_get(i, &f), 0);
		if (f.fourcc == GRALLOC_FORMAT_BLOB)
			continue; /* bytes, not pixels: see blob_* below */
		for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
			for (size_t u = 0; u < sizeof(usages) / sizeof(usages[0]); u++)
				for (size_t l = 0; l < 3; l++) {
					struct gralloc_buffer_info info;

					CHECK_EQ(layout(sizes[s].w, sizes[s].h, f.fourcc,
							layer_counts[l], usages[u], &info), 0);
					CHECK(layout_ok(&f, sizes[s].w, sizes[s].h,
							layer_counts[l], usages[u], &info));
				}
	}
}

TEST(info_echoes_descriptor)
{
	struct gralloc_buffer_info info;

	CHECK_EQ(layout(33, 17, DRM_FORMAT_NV12, 0, GRALLOC_USAGE_GPU_TEXTURE, &info), 0);
	CHECK_EQ(info.width, 33);
	CHECK_EQ(info.height, 17);
	CHECK_EQ(info.format, DRM_FORMAT_NV12);
	CHECK_EQ(info.layer_count, 1);
	CHECK_EQ(info.usage, GRALLOC_USAGE_GPU_TEXTURE);
	CHECK_EQ(info.is_dma_buf, false);
	CHECK_STR(info.backend, "");
	CHECK_STR(info.heap, "");
}

TEST(nv12_1080p_cpu)
{
	struct gralloc_buffer_info info;

	CHECK_EQ(layout(1920, 1080, DRM_FORMAT_NV12, 1, GRALLOC_USAGE_CPU_WRITE_OFTEN, &info), 0);
	CHECK_EQ(info.num_planes, 2);
	CHECK_EQ(info.planes[0].stride, 1920);
	CHECK_EQ(info.planes[0].offset, 0);
	CHECK_EQ(info.planes[0].size, 1920 * 1080);
	CHECK_EQ(info.planes[1].stride, 1920);
	CHECK_EQ(info.planes[1].offset, 2073600);
	CHECK_EQ(info.planes[1].size, 1920 * 540);
	CHECK_EQ(info.layer_stride, 3112960);
	CHECK_EQ(info.size, 3112960);
}

TEST(nv12_1080p_video_decoder)
{
	struct gralloc_buffer_info info;

	/* 16-row macroblocks: 1080 luma rows become 1088, and the chroma
	 * plane starts on its own page. */
	CHECK_EQ(layout(1920, 1080, DRM_FORMAT_NV12, 1, GRALLOC_USAGE_VIDEO_DECODER, &info), 0);
	CHECK_EQ(info.planes[0].stride, 1920);
	CHECK_EQ(info.planes[0].size, 1920 * 1088);
	CHECK_EQ(info.planes[1].stride, 1920);
	CHECK_EQ(info.planes[1].offset, 2088960);
	CHECK_EQ(info.planes[1].size, 1920 * 544);
	CHECK_EQ(info.size, 3133440);
}

TEST(nv12_odd_size_rounds_chroma_up)
{
	struct gralloc_buffer_info info;

	/* 33x17 luma has 17x9 chroma pairs of 2 bytes: 34 bytes -> 48. */
	CHECK_EQ(layout(33, 17, DRM_FORMAT_NV12, 1, GRALLOC_USAGE_CPU_READ_OFTEN, &info), 0);
	CHECK_EQ(info.planes[0].stride, 48);
	CHECK_EQ(info.planes[0].size, 48 * 17);
	CHECK_EQ(info.planes[1].stride, 48);
	CHECK_EQ(info.planes[1].offset, 832);
	CHECK_EQ(info.planes[1].size, 48 * 9);
	CHECK_EQ(info.size, PAGE);
}

TEST(yuv420_odd_size_cpu)
{
	struct gralloc_buffer_info info;

	CHECK_EQ(layout(33, 17, DRM_FORMAT_YUV420, 1, GRALLOC_USAGE_CPU_WRITE_RARELY, &info), 0);
	CHECK_EQ(info.num_planes, 3);
	CHECK_EQ(info.planes[0].stride, 48);
	CHECK_EQ(info.planes[1].stride, 32);
	CHECK_EQ(info.planes[2].stride, 32);
	CHECK_EQ(info.planes[0].offset, 0);
	CHECK_EQ(info.planes[1].offset, 832);
	CHECK_EQ(info.planes[2].offset, 1152);
	CHECK_EQ(info.planes[1].size, 32 * 9);
	CHECK_EQ(info.planes[2].size, 32 * 9);
	CHECK_EQ(info.size, 4096);
}

TEST(p010_1080p)
{
	struct gralloc_buffer_info info;

	CHECK_EQ(layout(1920, 1080, DRM_FORMAT_P010, 1, GRALLOC_USAGE_CPU_READ_OFTEN, &info), 0);
	CHECK_EQ(info.planes[0].stride, 3840);
	CHECK_EQ(info.planes[1].stride, 3840);
	CHECK_EQ(info.planes[1].offset, 3840 * 1080);
	CHECK_EQ(info.planes[1].size, 3840 * 540);
	CHECK_EQ(info.size, round_up(3840 * 1620, PAGE));
}

TEST(xrgb_1080p_scanout)
{
	struct gralloc_buffer_info info;

	CHECK_EQ(layout(1920, 1080, DRM_FORMAT_XRGB8888, 1, GRALLOC_USAGE_SCANOUT, &info), 0);
	CHECK_EQ(info.num_planes, 1);
	CHECK_EQ(info.planes[0].stride, 7680);
	CHECK_EQ(info.size, 8294400);
}

TEST(rgb888_one_row)
{
	struct gralloc_buffer_info info;

	/* 99 bytes of pixels: 112 for the CPU, 128 for a GPU, 128 for video. */
	CHECK_EQ(layout(33, 1, DRM_FORMAT_RGB888, 1, GRALLOC_USAGE_CPU_READ_OFTEN, &info), 0);
	CHECK_EQ(info.planes[0].stride, 112);
	CHECK_EQ(info.planes[0].size, 112);
	CHECK_EQ(info.size, PAGE);
	CHECK_EQ(layout(33, 1, DRM_FORMAT_RGB888, 1, GRALLOC_USAGE_GPU_RENDER_TARGET, &info), 0);
	CHECK_EQ(info.planes[0].stride, 128);
	CHECK_EQ(layout(33, 1, DRM_FORMAT_RGB888, 1, GRALLOC_USAGE_CAMERA_WRITE, &info), 0);
	CHECK_EQ(info.planes[0].stride, 128);
	CHECK_EQ(info.planes[0].size, 128 * 16);
	/* No usage at all is treated like CPU-only. */
	CHECK_EQ(layout(33, 1, DRM_FORMAT_RGB888, 1, 0, &info), 0);
	CHECK_EQ(info.planes[0].stride, 112);
}

TEST(packed_422_blocks)
{
	struct gralloc_buffer_info info;

	/* Two pixels per block: 33 pixels are 17 blocks of 4 bytes = 68. */
	CHECK_EQ(layout(33, 2, DRM_FORMAT_YUYV, 1, GRALLOC_USAGE_CPU_READ_OFTEN, &info), 0);
	CHECK_EQ(info.num_planes, 1);
	CHECK_EQ(info.planes[0].stride, 80);
	CHECK_EQ(info.planes[0].size, 160);
	/* Y210: 17 blocks of 8 bytes = 136. */
	CHECK_EQ(layout(33, 2, DRM_FORMAT_Y210, 1, GRALLOC_USAGE_CPU_READ_OFTEN, &info), 0);
	CHECK_EQ(info.planes[0].stride, 144);
	CHECK_EQ(layout(33, 2, DRM_FORMAT_Y210, 1, GRALLOC_USAGE_SCANOUT, &info), 0);
	CHECK_EQ(info.planes[0].stride, 192);
}

TEST(layers_stack_at_page_stride)
{
	struct gralloc_buffer_info one, three;

	CHECK_EQ(layout(33, 17, DRM_FORMAT_NV12, 1, GRALLOC_USAGE_CPU_READ_OFTEN, &one), 0);
	CHECK_EQ(layout(33, 17, DRM_FORMAT_NV12, 3, GRALLOC_USAGE_CPU_READ_OFTEN, &three), 0);
	CHECK_EQ(three.layer_count, 3);
	CHECK_EQ(three.layer_stride, PAGE);
	CHECK_EQ(three.size, 3 * PAGE);
	/* Every layer has the same plane layout as a single-layer buffer. */
	CHECK(!memcmp(one.planes, three.planes, sizeof(one.planes)));

	CHECK_EQ(layout(1920, 1080, DRM_FORMAT_XRGB8888, 3, GRALLOC_USAGE_SCANOUT, &three), 0);
	CHECK_EQ(three.layer_stride, 8294400);
	CHECK_EQ(three.size, 3 * 8294400ull);
}

TEST(invalid_dimensions)
{
	struct gralloc_buffer_info info;

	errno = 0;
	CHECK_EQ(layout(0, 16, DRM_FORMAT_XRGB8888, 1, 0, &info), -EINVAL);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(layout(16, 0, DRM_FORMAT_XRGB8888, 1, 0, &info), -EINVAL);
	CHECK_EQ(layout(32769, 16, DRM_FORMAT_XRGB8888, 1, 0, &info), -EINVAL);
	CHECK_EQ(layout(16, 32769, DRM_FORMAT_XRGB8888, 1, 0, &info), -EINVAL);
	CHECK_EQ(layout(UINT32_MAX, UINT32_MAX, DRM_FORMAT_XRGB8888, 1, 0, &info), -EINVAL);
	CHECK_EQ(layout(16, 16, DRM_FORMAT_XRGB8888, 257, 0, &info), -EINVAL);
	CHECK_EQ(layout(16, 16, DRM_FORMAT_XRGB8888, UINT32_MAX, 0, &info), -EINVAL);
	CHECK_EQ(layout(16, 16, 0, 1, 0, &info), -EINVAL);
	CHECK_EQ(layout(16, 16, fourcc_code('N', 'O', 'P', 'E'), 1, 0, &info), -EINVAL);
	/* A real DRM format the table does not carry. */
	CHECK_EQ(layout(16, 16, DRM_FORMAT_C8, 1, 0, &info), -EINVAL);
	CHECK_EQ(gralloc_compute_layout(NULL, &info), -EINVAL);
	{
		struct gralloc_buffer_desc d = {
			.width = 16, .height = 16, .format = DRM_FORMAT_XRGB8888, .layer_count = 1, .usage = 0, .name = NULL,
		};

		CHECK_EQ(gralloc_compute_layout(&d, NULL), -EINVAL);
	}
}

TEST(limits_are_inclusive)
{
	struct gralloc_buffer_info info;

	CHECK_EQ(layout(32768, 1, DRM_FORMAT_R8, 1, 0, &info), 0);
	CHECK_EQ(info.planes[0].stride, 32768);
	CHECK_EQ(layout(1, 32768, DRM_FORMAT_R8, 256, 0, &info), 0);
	CHECK_EQ(info.size, 256ull * 16 * 32768);
	/* The biggest single image: 32768 * 32768 * 8 bytes = 8 GiB, which
	 * does not fit in 32 bits and must not be truncated to it. */
	CHECK_EQ(layout(32768, 32768, DRM_FORMAT_ABGR16161616F, 1, 0, &info), 0);
	CHECK_EQ(info.planes[0].stride, 262144);
	CHECK_EQ(info.size, 8ull << 30);
}

TEST(overflow_is_an_error_not_a_wrap)
{
	struct gralloc_buffer_info info;

	errno = 0;
	CHECK_EQ(layout(32768, 32768, DRM_FORMAT_ABGR16161616F, 256,
			GRALLOC_USAGE_VIDEO_DECODER, &info), -EOVERFLOW);
	CHECK_EQ(errno, EOVERFLOW);
	CHECK_EQ(layout(32768, 32768, DRM_FORMAT_ABGR16161616F, 256, 0, &info), -EOVERFLOW);
	CHECK_EQ(layout(32768, 32768, DRM_FORMAT_Y210, 256, GRALLOC_USAGE_CAMERA_READ, &info),
		 -EOVERFLOW);
	CHECK(strstr(gralloc_last_error(), "Y210") != NULL);
}

int main(void)
{
	return test_run_all();
}
