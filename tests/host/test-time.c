/* SPDX-License-Identifier: MIT */
/* Time differences in 64 bits: with a 32-bit long (i386) a product of
 * seconds and 1e9 overflows after two seconds. Runs in the i386 build too. */
#include <time.h>

#include "gralloc/private.h"
#include "test.h"

TEST(ns_between_past_two_seconds)
{
	struct timespec a = { .tv_sec = 100, .tv_nsec = 500000000 };
	struct timespec b = { .tv_sec = 103, .tv_nsec = 400000000 };

	CHECK(gralloc_ns_between(&a, &b) == INT64_C(2900000000));
	CHECK(gralloc_ns_between(&b, &a) == -INT64_C(2900000000));
}

TEST(ns_between_far_apart)
{
	struct timespec a = { .tv_sec = 0, .tv_nsec = 0 };
	/* 2^31 seconds: past 2038 with a 32-bit time_t. */
	struct timespec b = { .tv_sec = (time_t)INT64_C(2147483648), .tv_nsec = 1 };

	if (sizeof(time_t) < 8) {
		test_skip("32-bit time_t");
		return;
	}
	CHECK(gralloc_ns_between(&a, &b) == INT64_C(2147483648) * 1000000000 + 1);
}

TEST(time_and_offsets_are_64_bit)
{
	/* meson.build asks for _TIME_BITS=64 and _FILE_OFFSET_BITS=64. */
	CHECK_EQ(sizeof(time_t), 8);
	CHECK_EQ(sizeof(off_t), 8);
}

int main(void)
{
	return test_run_all();
}
