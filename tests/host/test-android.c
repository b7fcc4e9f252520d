/* SPDX-License-Identifier: MIT */
/* Android BufferUsage <-> GRALLOC_USAGE_*: every row of docs/android.md,
 * round trips, and the bits that must be refused by name. Android's values
 * are written out here as numbers on purpose: they are the contract. */
#include <errno.h>
#include <string.h>

#include <gralloc/android.h>
#include <gralloc/gralloc.h>

#include "test.h"

static const struct {
	uint64_t android, ours;
	bool round_trip; /* to_android(ours) gives android back */
} rows[] = {
	{ 0x2, GRALLOC_USAGE_CPU_READ_RARELY, true },
	{ 0x3, GRALLOC_USAGE_CPU_READ_OFTEN, true },
	{ 0x20, GRALLOC_USAGE_CPU_WRITE_RARELY, true },
	{ 0x30, GRALLOC_USAGE_CPU_WRITE_OFTEN, true },
	{ 0x100, GRALLOC_USAGE_GPU_TEXTURE, true },
	{ 0x200, GRALLOC_USAGE_GPU_RENDER_TARGET, true },
	{ 0x800, GRALLOC_USAGE_COMPOSER_OVERLAY, true },
	{ 0x1000, GRALLOC_USAGE_SCANOUT, true },
	{ 0x4000, GRALLOC_USAGE_PROTECTED_CONTENT, true },
	{ 0x8000, GRALLOC_USAGE_CURSOR_PLANE, true },
	{ 0x10000, GRALLOC_USAGE_VIDEO_ENCODER, true },
	{ 0x20000, GRALLOC_USAGE_CAMERA_WRITE, true },
	{ 0x40000, GRALLOC_USAGE_CAMERA_READ, true },
	{ 0x400000, GRALLOC_USAGE_VIDEO_DECODER, true },
	{ 0x1000000, GRALLOC_USAGE_GPU_DATA_BUFFER, true },
	{ 0x2000000, GRALLOC_USAGE_GPU_TEXTURE, false },   /* GPU_CUBE_MAP */
	{ 0x8000000, GRALLOC_USAGE_VIDEO_ENCODER, false }, /* HW_IMAGE_ENCODER */
	{ UINT64_C(1) << 32, GRALLOC_USAGE_FRONT_BUFFER, true },
};

static bool last_error_names(const char *what)
{
	const char *e = gralloc_last_error();

	if (!e || !strstr(e, what)) {
		printf("#   last error \"%s\" does not name %s\n", e ? e : "(null)", what);
		return false;
	}
	return true;
}

TEST(every_row_both_ways)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		uint64_t ours = ~UINT64_C(0), back = ~UINT64_C(0);

		printf("# 0x%llx\n", (unsigned long long)rows[i].android);
		CHECK_EQ(gralloc_usage_from_android(rows[i].android, &ours), 0);
		CHECK(ours == rows[i].ours);
		CHECK_EQ(gralloc_usage_to_android(rows[i].ours, &back), 0);
		if (rows[i].round_trip)
			CHECK(back == rows[i].android);
	}
}

TEST(combinations_map_bit_by_bit)
{
	/* A camera preview that the composer overlays and the CPU reads. */
	uint64_t a = 0x3 | 0x20 | 0x100 | 0x800 | 0x20000, ours, back;

	CHECK_EQ(gralloc_usage_from_android(a, &ours), 0);
	CHECK(ours == (GRALLOC_USAGE_CPU_READ_OFTEN | GRALLOC_USAGE_CPU_WRITE_RARELY |
		       GRALLOC_USAGE_GPU_TEXTURE | GRALLOC_USAGE_COMPOSER_OVERLAY |
		       GRALLOC_USAGE_CAMERA_WRITE));
	CHECK_EQ(gralloc_usage_to_android(ours, &back), 0);
	CHECK(back == a);
	CHECK_EQ(gralloc_usage_from_android(0, &ours), 0);
	CHECK(ours == 0);
}

TEST(every_one_of_our_bits_but_linear_goes_to_android_and_back)
{
	for (unsigned b = 0; b < 64; b++) {
		uint64_t bit = UINT64_C(1) << b, a = 0, back = 0;
		int ret = gralloc_usage_to_android(bit, &a);

		if (!(bit & GRALLOC_USAGE_ALL) || bit == GRALLOC_USAGE_LINEAR) {
			CHECK_EQ(ret, -EINVAL);
			continue;
		}
		CHECK_EQ(ret, 0);
		CHECK_EQ(gralloc_usage_from_android(a, &back), 0);
		CHECK(back == bit);
	}
}

TEST(often_wins_over_rarely)
{
	uint64_t a;

	CHECK_EQ(gralloc_usage_to_android(GRALLOC_USAGE_CPU_READ | GRALLOC_USAGE_CPU_WRITE, &a), 0);
	CHECK(a == 0x33);
}

TEST(unmappable_android_bits_refused_by_name)
{
	static const struct {
		uint64_t bit;
		const char *name;
	} bad[] = {
		{ 0x100000, "RENDERSCRIPT" },
		{ 0x800000, "SENSOR_DIRECT_DATA" },
		{ 0x4000000, "GPU_MIPMAP_COMPLETE" },
		{ 0x10000000, "vendor" },
		{ 0x80000000, "vendor" },
		{ UINT64_C(1) << 48, "vendor" },
		{ UINT64_C(1) << 63, "vendor" },
		{ 0x400, "0x400" },               /* gralloc0's HW_2D: not in BufferUsage */
		{ 0x2000, "0x2000" },             /* gralloc0's EXTERNAL_DISP */
		{ UINT64_C(1) << 33, "0x200000000" },
		{ 0x1, "CPU_READ value 1" },
		{ 0x4, "CPU_READ value 4" },
		{ 0x10, "CPU_WRITE value 1" },
		{ 0xf0, "CPU_WRITE value 15" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t ours = 12345;

		printf("# 0x%llx\n", (unsigned long long)bad[i].bit);
		errno = 0;
		CHECK_EQ(gralloc_usage_from_android(bad[i].bit | 0x100, &ours), -EINVAL);
		CHECK_EQ(errno, EINVAL);
		CHECK(ours == 12345);
		CHECK(last_error_names(bad[i].name));
	}
}

TEST(our_bits_without_android_meaning_refused_by_name)
{
	uint64_t a = 777;

	CHECK_EQ(gralloc_usage_to_android(GRALLOC_USAGE_LINEAR | GRALLOC_USAGE_GPU_TEXTURE, &a),
		 -EINVAL);
	CHECK(a == 777);
	CHECK(last_error_names("linear"));
	CHECK_EQ(gralloc_usage_to_android(UINT64_C(1) << 40, &a), -EINVAL);
	CHECK(last_error_names("unknown"));
}

TEST(null_result_refused)
{
	CHECK_EQ(gralloc_usage_from_android(0x3, NULL), -EINVAL);
	CHECK_EQ(gralloc_usage_to_android(GRALLOC_USAGE_GPU_TEXTURE, NULL), -EINVAL);
}

int main(void)
{
	return test_run_all();
}
