/* SPDX-License-Identifier: MIT */
/* The format table through the public API: lookups, names, Android codes. */
#include <errno.h>
#include <strings.h>

#include <drm_fourcc.h>
#include <gralloc/gralloc.h>

#include "test.h"

/* What the project promises to support (see docs/formats.md). */
static const uint32_t required[] = {
	DRM_FORMAT_ARGB8888, DRM_FORMAT_XRGB8888, DRM_FORMAT_ABGR8888, DRM_FORMAT_XBGR8888,
	DRM_FORMAT_RGBA8888, DRM_FORMAT_RGBX8888, DRM_FORMAT_BGRA8888, DRM_FORMAT_BGRX8888,
	DRM_FORMAT_RGB888, DRM_FORMAT_BGR888, DRM_FORMAT_RGB565, DRM_FORMAT_BGR565,
	DRM_FORMAT_ARGB2101010, DRM_FORMAT_XRGB2101010, DRM_FORMAT_ABGR2101010,
	DRM_FORMAT_XBGR2101010, DRM_FORMAT_RGBA1010102, DRM_FORMAT_RGBX1010102,
	DRM_FORMAT_BGRA1010102, DRM_FORMAT_BGRX1010102,
	DRM_FORMAT_ABGR16161616F, DRM_FORMAT_XBGR16161616F,
	DRM_FORMAT_R8, DRM_FORMAT_R16, DRM_FORMAT_GR88, DRM_FORMAT_GR1616,
	DRM_FORMAT_NV12, DRM_FORMAT_NV21, DRM_FORMAT_NV16, DRM_FORMAT_NV61,
	DRM_FORMAT_NV24, DRM_FORMAT_NV42, DRM_FORMAT_P010, DRM_FORMAT_P012, DRM_FORMAT_P016,
	DRM_FORMAT_YUV420, DRM_FORMAT_YVU420, DRM_FORMAT_YUV422, DRM_FORMAT_YVU422,
	DRM_FORMAT_YUV444, DRM_FORMAT_YVU444,
	DRM_FORMAT_YUYV, DRM_FORMAT_YVYU, DRM_FORMAT_UYVY, DRM_FORMAT_VYUY,
	DRM_FORMAT_AYUV, DRM_FORMAT_Y210,
};

TEST(every_required_format_present)
{
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		struct gralloc_format_desc f;

		if (gralloc_format_lookup(required[i], &f)) {
			printf("#   missing fourcc 0x%08x\n", required[i]);
			CHECK(0);
		}
		CHECK_EQ(f.fourcc, required[i]);
	}
	CHECK(gralloc_format_count() >= sizeof(required) / sizeof(required[0]));
}

TEST(table_is_consistent)
{
	size_t n = gralloc_format_count();
	struct gralloc_format_desc f, g;

	for (size_t i = 0; i < n; i++) {
		CHECK_EQ(gralloc_format_get(i, &f), 0);
		CHECK(f.name && f.name[0]);
		CHECK(f.num_planes >= 1 && f.num_planes <= 3);
		CHECK(f.hsub == 1 || f.hsub == 2);
		CHECK(f.vsub == 1 || f.vsub == 2);
		/* Only YUV formats subsample. */
		CHECK(f.is_yuv || (f.hsub == 1 && f.vsub == 1 && f.num_planes == 1));
		for (unsigned p = 0; p < GRALLOC_MAX_PLANES; p++) {
			if (p < f.num_planes) {
				CHECK(f.bytes_per_block[p] >= 1 && f.bytes_per_block[p] <= 8);
				CHECK(f.block_width[p] == 1 || f.block_width[p] == 2);
			} else {
				CHECK_EQ(f.bytes_per_block[p], 0);
				CHECK_EQ(f.block_width[p], 0);
			}
		}
		/* Lookup by fourcc finds this very row, and fourccs are unique. */
		CHECK_EQ(gralloc_format_lookup(f.fourcc, &g), 0);
		CHECK_STR(g.name, f.name);
		for (size_t j = 0; j < i; j++) {
			CHECK_EQ(gralloc_format_get(j, &g), 0);
			CHECK(g.fourcc != f.fourcc);
			CHECK(strcasecmp(g.name, f.name) != 0);
		}
	}
	CHECK_EQ(gralloc_format_get(n, &f), -EINVAL);
	CHECK_EQ(gralloc_format_get(0, NULL), -EINVAL);
}

TEST(known_descriptions)
{
	struct gralloc_format_desc f;

	CHECK_EQ(gralloc_format_lookup(DRM_FORMAT_NV12, &f), 0);
	CHECK_STR(f.name, "NV12");
	CHECK_EQ(f.num_planes, 2);
	CHECK_EQ(f.bytes_per_block[0], 1);
	CHECK_EQ(f.bytes_per_block[1], 2);
	CHECK_EQ(f.hsub, 2);
	CHECK_EQ(f.vsub, 2);
	CHECK(f.is_yuv && !f.has_alpha);

	CHECK_EQ(gralloc_format_lookup(DRM_FORMAT_P010, &f), 0);
	CHECK_EQ(f.bytes_per_block[0], 2);
	CHECK_EQ(f.bytes_per_block[1], 4);

	CHECK_EQ(gralloc_format_lookup(DRM_FORMAT_YVU422, &f), 0);
	CHECK_EQ(f.num_planes, 3);
	CHECK_EQ(f.hsub, 2);
	CHECK_EQ(f.vsub, 1);

	CHECK_EQ(gralloc_format_lookup(DRM_FORMAT_Y210, &f), 0);
	CHECK_EQ(f.num_planes, 1);
	CHECK_EQ(f.bytes_per_block[0], 8);
	CHECK_EQ(f.block_width[0], 2);

	CHECK_EQ(gralloc_format_lookup(DRM_FORMAT_RGB888, &f), 0);
	CHECK_EQ(f.bytes_per_block[0], 3);
	CHECK(!f.is_yuv && !f.has_alpha);

	CHECK_EQ(gralloc_format_lookup(DRM_FORMAT_ABGR16161616F, &f), 0);
	CHECK_EQ(f.bytes_per_block[0], 8);
	CHECK(f.has_alpha);

	CHECK_EQ(gralloc_format_lookup(DRM_FORMAT_AYUV, &f), 0);
	CHECK(f.has_alpha && f.is_yuv);
}

TEST(lookup_unknown)
{
	struct gralloc_format_desc f;

	errno = 0;
	CHECK_EQ(gralloc_format_lookup(0, &f), -EINVAL);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(gralloc_format_lookup(DRM_FORMAT_C8, &f), -EINVAL);
	CHECK(strstr(gralloc_last_error(), "0x20203843") != NULL);
	CHECK_EQ(gralloc_format_lookup(DRM_FORMAT_NV12, NULL), -EINVAL);
}

TEST(from_name)
{
	static const struct {
		const char *name;
		uint32_t fourcc;
	} cases[] = {
		{ "NV12", DRM_FORMAT_NV12 },
		{ "nv12", DRM_FORMAT_NV12 },
		{ "XR24", DRM_FORMAT_XRGB8888 },
		{ "XRGB8888", DRM_FORMAT_XRGB8888 },
		{ "xrgb8888", DRM_FORMAT_XRGB8888 },
		{ "AB24", DRM_FORMAT_ABGR8888 },
		{ "R8", DRM_FORMAT_R8 },
		{ "R8  ", DRM_FORMAT_R8 },
		{ "YV12", DRM_FORMAT_YVU420 },
		{ "YU12", DRM_FORMAT_YUV420 },
		{ "abgr16161616f", DRM_FORMAT_ABGR16161616F },
	};
	static const char *const bad[] = { "", "NV1", "NV123", "xr24x", "bogus", "0x3231564e" };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t fourcc = 0;

		CHECK_EQ(gralloc_format_from_name(cases[i].name, &fourcc), 0);
		CHECK_EQ(fourcc, cases[i].fourcc);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint32_t fourcc = 7;

		errno = 0;
		CHECK_EQ(gralloc_format_from_name(bad[i], &fourcc), -EINVAL);
		CHECK_EQ(errno, EINVAL);
		CHECK_EQ(fourcc, 7);
	}
	{
		uint32_t fourcc;

		CHECK_EQ(gralloc_format_from_name(NULL, &fourcc), -EINVAL);
		CHECK_EQ(gralloc_format_from_name("NV12", NULL), -EINVAL);
	}
}

/* Both spellings of every format find that format, not an earlier row
 * whose name happens to collide with its fourcc code. */
TEST(from_name_every_format)
{
	for (size_t i = 0; i < gralloc_format_count(); i++) {
		struct gralloc_format_desc f;
		uint32_t fourcc = 0;
		char code[5];

		CHECK_EQ(gralloc_format_get(i, &f), 0);
		for (int b = 0; b < 4; b++)
			code[b] = (char)(f.fourcc >> (8 * b));
		code[4] = '\0';
		CHECK_EQ(gralloc_format_from_name(f.name, &fourcc), 0);
		CHECK_EQ(fourcc, f.fourcc);
		CHECK_EQ(gralloc_format_from_name(code, &fourcc), 0);
		CHECK_EQ(fourcc, f.fourcc);
	}
}

TEST(android_mapping)
{
	static const struct {
		int32_t hal;
		uint32_t fourcc;
	} cases[] = {
		{ 1, DRM_FORMAT_ABGR8888 },          /* RGBA_8888 */
		{ 2, DRM_FORMAT_XBGR8888 },          /* RGBX_8888 */
		{ 3, DRM_FORMAT_BGR888 },            /* RGB_888 */
		{ 4, DRM_FORMAT_RGB565 },            /* RGB_565 */
		{ 5, DRM_FORMAT_ARGB8888 },          /* BGRA_8888 */
		{ 0x23, DRM_FORMAT_NV12 },           /* YCBCR_420_888 */
		{ 0x11, DRM_FORMAT_NV21 },           /* YCRCB_420_SP */
		{ 0x32315659, DRM_FORMAT_YVU420 },   /* YV12 */
		{ 0x36, DRM_FORMAT_P010 },           /* YCBCR_P010 */
		{ 0x16, DRM_FORMAT_ABGR16161616F },  /* RGBA_FP16 */
		{ 0x2b, DRM_FORMAT_ABGR2101010 },    /* RGBA_1010102 */
		{ 0x20203859, DRM_FORMAT_R8 },       /* Y8 */
		{ 0x20363159, DRM_FORMAT_R16 },      /* Y16 */
		{ 0x21, GRALLOC_FORMAT_BLOB },       /* BLOB */
	};
	/* 0x10 YCbCr_422_SP, 0x14 YCbCr_422_I, 0x20 RAW16, 0x22
	 * IMPLEMENTATION_DEFINED, 0x24 RAW_OPAQUE: no fixed DRM equivalent;
	 * the rest are not formats at all. */
	static const int32_t unknown[] = { 0, 6, 0x10, 0x14, 0x20, 0x22, 0x24, -1, 0x7fffffff };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct gralloc_format_desc f;
		uint32_t fourcc = 0;

		CHECK_EQ(gralloc_format_from_android(cases[i].hal, &fourcc), 0);
		CHECK_EQ(fourcc, cases[i].fourcc);
		/* Whatever Android maps to must be in the table. */
		CHECK_EQ(gralloc_format_lookup(fourcc, &f), 0);
	}
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		uint32_t fourcc = 7;

		errno = 0;
		CHECK_EQ(gralloc_format_from_android(unknown[i], &fourcc), -EINVAL);
		CHECK_EQ(errno, EINVAL);
		CHECK_EQ(fourcc, 7);
	}
	CHECK_EQ(gralloc_format_from_android(1, NULL), -EINVAL);
}

int main(void)
{
	return test_run_all();
}
