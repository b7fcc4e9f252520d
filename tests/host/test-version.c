/* SPDX-License-Identifier: MIT */
/* The version macros and the runtime version agree, and the comparisons a
 * caller writes in #if work. */
#include <stdio.h>
#include <string.h>

#include <gralloc/version.h>

#include "test.h"

TEST(runtime_version_is_the_headers)
{
	CHECK_EQ(gralloc_version(), GRALLOC_VERSION);
	CHECK(strcmp(gralloc_version_string(), GRALLOC_VERSION_STRING) == 0);
}

TEST(string_is_major_minor_micro)
{
	char want[32];

	snprintf(want, sizeof(want), "%d.%d.%d", GRALLOC_VERSION_MAJOR, GRALLOC_VERSION_MINOR,
		 GRALLOC_VERSION_MICRO);
	CHECK(strcmp(GRALLOC_VERSION_STRING, want) == 0);
}

TEST(packed_version_orders_like_the_version)
{
	CHECK(GRALLOC_VERSION_ENCODE(1, 2, 3) < GRALLOC_VERSION_ENCODE(1, 2, 4));
	CHECK(GRALLOC_VERSION_ENCODE(1, 2, 4095) < GRALLOC_VERSION_ENCODE(1, 3, 0));
	CHECK(GRALLOC_VERSION_ENCODE(1, 4095, 4095) < GRALLOC_VERSION_ENCODE(2, 0, 0));
	CHECK_EQ(gralloc_version() >> 24, GRALLOC_VERSION_MAJOR);
	CHECK_EQ((gralloc_version() >> 12) & 0xfff, GRALLOC_VERSION_MINOR);
	CHECK_EQ(gralloc_version() & 0xfff, GRALLOC_VERSION_MICRO);
}

TEST(at_least_in_preprocessor_conditions)
{
#if !GRALLOC_VERSION_AT_LEAST(GRALLOC_VERSION_MAJOR, GRALLOC_VERSION_MINOR, GRALLOC_VERSION_MICRO)
	CHECK(!"AT_LEAST(own version) is false");
#endif
#if GRALLOC_VERSION_AT_LEAST(GRALLOC_VERSION_MAJOR, GRALLOC_VERSION_MINOR, GRALLOC_VERSION_MICRO + 1)
	CHECK(!"AT_LEAST(next micro) is true");
#endif
#if GRALLOC_VERSION_AT_LEAST(GRALLOC_VERSION_MAJOR, GRALLOC_VERSION_MINOR + 1, 0)
	CHECK(!"AT_LEAST(next minor) is true");
#endif
#if GRALLOC_VERSION_AT_LEAST(GRALLOC_VERSION_MAJOR + 1, 0, 0)
	CHECK(!"AT_LEAST(next major) is true");
#endif
#if !GRALLOC_VERSION_AT_LEAST(0, 0, 0)
	CHECK(!"AT_LEAST(0.0.0) is false");
#endif
	CHECK(GRALLOC_VERSION_AT_LEAST(0, 0, 0));
}

int main(void)
{
	return test_run_all();
}
