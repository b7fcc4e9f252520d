/* SPDX-License-Identifier: MIT */
/* Allocation remembers, per usage and consumer constraints, the routes of
 * its plan and the last request's layout (gralloc/routes.c), so that the
 * same request again skips planning, validation and layout. What is
 * remembered must never answer a different request: another size, format,
 * layer count or consumer alignment gets its own layout, and a route
 * cached for a plain request never serves a consumer it cannot (CPU-only
 * memfd memory to a consumer that needs a dma-buf). On memfd: any machine. */
#include "test.h"
#include "core-test.h"

#include "gralloc/consumer.h"

/* Neighbours differ in one field each, in both walking orders. */
#define NV12_3 .format = DRM_FORMAT_NV12, .usage = CPU_RW, .layer_count = 3
static const struct gralloc_buffer_desc requests[] = {
	{ .width = 64, .height = 64, .format = DRM_FORMAT_XRGB8888, .usage = CPU_RW },
	{ .width = 64, .height = 64, .format = DRM_FORMAT_RGB565, .usage = CPU_RW },
	{ .width = 64, .height = 64, .format = DRM_FORMAT_NV12, .usage = CPU_RW },
	{ .width = 64, .height = 64, NV12_3 },
	{ .width = 64, .height = 64, NV12_3, .flags = GRALLOC_BUFFER_FLAG_ZEROED },
	{ .width = 64, .height = 48, NV12_3, .flags = GRALLOC_BUFFER_FLAG_ZEROED },
	{ .width = 80, .height = 48, NV12_3, .flags = GRALLOC_BUFFER_FLAG_ZEROED },
	{ .format = GRALLOC_FORMAT_BLOB, .size = 5000, .usage = CPU_RW },
	{ .format = GRALLOC_FORMAT_BLOB, .size = 70000, .usage = CPU_RW },
};

/* Each request's buffer has the layout gralloc_compute_layout() gives it,
 * however the requests alternate (three rounds: the second and third find
 * a remembered request of the same usage every time, never their own). */
TEST(same_usage_other_requests_get_their_own_layout)
{
	struct gralloc_device *dev = test_memfd_device();

	CHECK(dev);
	for (int round = 0; round < 3; round++) {
		for (size_t i = 0; i < sizeof(requests) / sizeof(requests[0]); i++) {
			size_t k = round == 1 ? sizeof(requests) / sizeof(requests[0]) - 1 - i : i;
			struct gralloc_buffer_info want, got;
			struct gralloc_buffer *buf;

			CHECK_EQ(gralloc_compute_layout(&requests[k], &want), 0);
			for (int twice = 0; twice < 2; twice++) {
				buf = gralloc_buffer_allocate(dev, &requests[k]);
				CHECK(buf);
				CHECK_EQ(gralloc_buffer_describe(buf, &got), 0);
				if (!test_same_layout(&want, &got))
					FAIL_MSG("request %zu round %d: size %llu stride %u, "
						 "expected %llu stride %u", k, round,
						 (unsigned long long)got.size, got.planes[0].stride,
						 (unsigned long long)want.size, want.planes[0].stride);
				gralloc_buffer_free(dev, buf);
			}
		}
	}
	gralloc_device_destroy(dev);
}

static struct gralloc_consumer *consumer(uint32_t stride_align, bool needs_dma_buf)
{
	struct gralloc_consumer_desc d = {
		.any_format = true, .imports_foreign = true,
		.stride_align = stride_align, .needs_dma_buf = needs_dma_buf,
		.why = "route cache test",
	};

	return gralloc_consumer_create(stride_align  ? "a 256-byte-row consumer" :
				       needs_dma_buf ? "a dma-buf consumer" : "any memory", &d);
}

static uint32_t stride_of(struct gralloc_buffer *buf)
{
	struct gralloc_buffer_info info;

	return buf && !gralloc_buffer_describe(buf, &info) ? info.planes[0].stride : 0;
}

/* 100x10 XRGB8888: 400-byte rows, 512 for the aligned consumer. Two
 * consumers that differ only in alignment, alternating. */
TEST(consumer_alignment_is_part_of_the_request)
{
	struct gralloc_buffer_desc d = {
		.width = 100, .height = 10, .format = DRM_FORMAT_XRGB8888, .usage = CPU_RW,
	};
	struct gralloc_device *dev = test_memfd_device();
	struct gralloc_consumer *c = consumer(256, false), *any = consumer(0, false);

	CHECK(dev && c && any);
	for (int i = 0; i < 3; i++) {
		struct gralloc_buffer *plain = gralloc_buffer_allocate_for(dev, &d, &any, 1);
		struct gralloc_buffer *aligned = gralloc_buffer_allocate_for(dev, &d, &c, 1);

		CHECK(plain && aligned);
		printf("#   round %d: stride %u, for the aligned consumer %u\n", i,
		       stride_of(plain), stride_of(aligned));
		CHECK_EQ(stride_of(aligned), 512u);
		CHECK_EQ(stride_of(plain), 400u);
		gralloc_buffer_free(dev, plain);
		gralloc_buffer_free(dev, aligned);
	}
	gralloc_consumer_destroy(c);
	gralloc_consumer_destroy(any);
	gralloc_device_destroy(dev);
}

/* memfd is the only memory here. Plain requests and a consumer that takes
 * any memory get it; a consumer that needs a dma-buf gets an error, before
 * and after the others have cached the memfd route for the same usage. */
TEST(cached_route_never_serves_a_consumer_it_cannot)
{
	struct gralloc_buffer_desc d = {
		.width = 64, .height = 64, .format = DRM_FORMAT_XRGB8888, .usage = CPU_RW,
	};
	struct gralloc_device *dev = test_memfd_device();
	struct gralloc_consumer *c = consumer(0, true), *any = consumer(0, false);

	CHECK(dev && c && any);
	for (int i = 0; i < 3; i++) {
		struct gralloc_buffer *buf = gralloc_buffer_allocate_for(dev, &d, &c, 1);
		struct gralloc_buffer_info info;

		if (buf) {
			CHECK_EQ(gralloc_buffer_describe(buf, &info), 0);
			FAIL_MSG("round %d: a dma-buf consumer got %s memory", i, info.backend);
			gralloc_buffer_free(dev, buf);
		} else {
			printf("#   round %d: refused, errno %d: %s\n", i, errno,
			       gralloc_last_error());
		}
		for (int k = 0; k < 2; k++) {
			buf = k ? gralloc_buffer_allocate(dev, &d) :
				  gralloc_buffer_allocate_for(dev, &d, &any, 1);
			CHECK(buf);
			CHECK_EQ(gralloc_buffer_describe(buf, &info), 0);
			CHECK(!strcmp(info.backend, "memfd"));
			gralloc_buffer_free(dev, buf);
		}
	}
	gralloc_consumer_destroy(c);
	gralloc_consumer_destroy(any);
	gralloc_device_destroy(dev);
}

int main(void)
{
	return test_run_all();
}
