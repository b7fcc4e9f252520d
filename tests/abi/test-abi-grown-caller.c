/* SPDX-License-Identifier: MIT */
/* Built with GRALLOC_ABI_GROWTH_TEST (a header from the future whose
 * structs have fields this library lacks), run by the normal library.
 * Zero new fields: the library serves the request as version 1. A
 * non-zero one asks for something it cannot do: E2BIG, not a silent
 * drop. */
#include "test.h"
#include "abi-test.h"

#ifndef GRALLOC_ABI_GROWTH_TEST
#error "this caller stands for one built against a newer header"
#endif

static int run(const struct gralloc_device_options *o, const struct gralloc_buffer_desc *d,
	       const struct gralloc_import_desc *i)
{
	const char *which = "";
	int err = abi_exercise(o, d, i, &which);

	if (err)
		printf("#   %s: %s (%s)\n", which, strerror(err), gralloc_last_error());
	return err;
}

TEST(grown_sizes_zero_tails_work)
{
	struct gralloc_device_options o = abi_options(sizeof(o));
	struct gralloc_buffer_desc d = abi_desc(sizeof(d));
	struct gralloc_import_desc i = abi_import_desc(sizeof(i));

	CHECK_EQ(run(&o, &d, &i), 0);
	o.struct_size = d.struct_size = i.struct_size = 0;
	CHECK_EQ(run(&o, &d, &i), 0);
}

TEST(options_new_field_set_is_e2big)
{
	struct gralloc_device_options o = abi_options(sizeof(o));

	o.growth_test[2] = 1;
	CHECK(gralloc_device_create(&o) == NULL);
	CHECK_EQ(errno, E2BIG);
	/* With struct_size 0 the library reads only version 1. */
	o.struct_size = 0;
	{
		struct gralloc_device *dev = gralloc_device_create(&o);

		CHECK(dev);
		gralloc_device_destroy(dev);
	}
}

TEST(desc_new_field_set_is_e2big)
{
	struct gralloc_device_options o = abi_options(0);
	struct gralloc_buffer_desc d = abi_desc(sizeof(d));
	struct gralloc_device *dev = gralloc_device_create(&o);
	struct gralloc_consumer *cpu = gralloc_consumer_create_cpu();
	struct gralloc_buffer_info info;

	CHECK(dev && cpu);
	d.growth_test[0] = 42;
	CHECK(gralloc_buffer_allocate(dev, &d) == NULL);
	CHECK_EQ(errno, E2BIG);
	CHECK(gralloc_explain(dev, &d) == NULL);
	CHECK_EQ(errno, E2BIG);
	CHECK_EQ(gralloc_compute_layout(&d, &info), -E2BIG);
	CHECK(gralloc_buffer_allocate_for(dev, &d, &cpu, 1) == NULL);
	CHECK_EQ(errno, E2BIG);
	gralloc_consumer_destroy(cpu);
	gralloc_device_destroy(dev);
}

TEST(import_new_field_set_is_e2big)
{
	struct gralloc_device_options o = abi_options(0);
	struct gralloc_import_desc i = abi_import_desc(sizeof(i));
	struct gralloc_device *dev = gralloc_device_create(&o);

	CHECK(dev);
	i.growth_test[1] = UINT64_C(1) << 63;
	CHECK(gralloc_buffer_import(dev, &i) == NULL);
	CHECK_EQ(errno, E2BIG);
	gralloc_device_destroy(dev);
}

int main(void)
{
	return test_run_all();
}
