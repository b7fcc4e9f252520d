/* SPDX-License-Identifier: MIT */
/* Built against the version 1 header, run by libgralloc-grown (the same
 * sources with GRALLOC_ABI_GROWTH_TEST: every growing struct has 24 more
 * bytes). An old application against a newer library: everything works,
 * and nothing reads past the old structs (ASan watches the heap copies). */
#include "test.h"
#include "abi-test.h"

#ifdef GRALLOC_ABI_GROWTH_TEST
#error "this caller stands for one built against the version 1 header"
#endif

static void run(uint32_t options_size, uint32_t desc_size, uint32_t import_size)
{
	struct gralloc_device_options o = abi_options(options_size);
	struct gralloc_buffer_desc d = abi_desc(desc_size);
	struct gralloc_import_desc i = abi_import_desc(import_size);
	const char *which = "";
	int err = abi_exercise(&o, &d, &i, &which);

	if (err)
		printf("#   %s: %s (%s)\n", which, strerror(err), gralloc_last_error());
	CHECK_EQ(err, 0);
}

TEST(version_1_sizes)
{
	run(sizeof(struct gralloc_device_options), sizeof(struct gralloc_buffer_desc),
	    sizeof(struct gralloc_import_desc));
}

TEST(zero_sizes)
{
	run(0, 0, 0);
}

/* Proof that the library is the grown one: 24 bytes past our struct,
 * non-zero, are fields it knows (the normal library says E2BIG, see
 * test-abi-grown-caller.c). */
TEST(library_has_grown)
{
	struct gralloc_device_options o = abi_options(0);
	size_t n = sizeof(o) + 3 * sizeof(uint64_t);
	uint8_t *grown = calloc(1, n);
	struct gralloc_device *dev;

	CHECK(grown);
	o.struct_size = (uint32_t)n;
	memcpy(grown, &o, sizeof(o));
	memset(grown + sizeof(o), 0x11, n - sizeof(o));
	dev = gralloc_device_create((const struct gralloc_device_options *)grown);
	free(grown);
	CHECK(dev);
	gralloc_device_destroy(dev);
}

TEST(too_small_is_refused)
{
	struct gralloc_device_options o = abi_options(8);

	CHECK(gralloc_device_create(&o) == NULL);
	CHECK_EQ(errno, EINVAL);
}

int main(void)
{
	return test_run_all();
}
