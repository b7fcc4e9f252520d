/* SPDX-License-Identifier: MIT */
/* Usage names and usage validation: bad descriptors are refused before the
 * library touches any device. */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <gralloc/gralloc.h>

#include "test.h"
#include "memfd-device.h"

static const struct {
	const char *name;
	uint64_t bit;
} canonical[] = {
	{ "cpu_read_rarely", GRALLOC_USAGE_CPU_READ_RARELY },
	{ "cpu_read_often", GRALLOC_USAGE_CPU_READ_OFTEN },
	{ "cpu_write_rarely", GRALLOC_USAGE_CPU_WRITE_RARELY },
	{ "cpu_write_often", GRALLOC_USAGE_CPU_WRITE_OFTEN },
	{ "gpu_texture", GRALLOC_USAGE_GPU_TEXTURE },
	{ "gpu_render_target", GRALLOC_USAGE_GPU_RENDER_TARGET },
	{ "gpu_data_buffer", GRALLOC_USAGE_GPU_DATA_BUFFER },
	{ "composer_overlay", GRALLOC_USAGE_COMPOSER_OVERLAY },
	{ "scanout", GRALLOC_USAGE_SCANOUT },
	{ "cursor", GRALLOC_USAGE_CURSOR_PLANE },
	{ "video_encoder", GRALLOC_USAGE_VIDEO_ENCODER },
	{ "video_decoder", GRALLOC_USAGE_VIDEO_DECODER },
	{ "camera_write", GRALLOC_USAGE_CAMERA_WRITE },
	{ "camera_read", GRALLOC_USAGE_CAMERA_READ },
	{ "protected", GRALLOC_USAGE_PROTECTED_CONTENT },
	{ "front_buffer", GRALLOC_USAGE_FRONT_BUFFER },
	{ "linear", GRALLOC_USAGE_LINEAR },
};
#define NUM_CANONICAL (sizeof(canonical) / sizeof(canonical[0]))

TEST(every_bit_has_one_name)
{
	uint64_t all = 0;

	for (size_t i = 0; i < NUM_CANONICAL; i++) {
		char buf[64];
		uint64_t u = 0;

		CHECK_EQ(gralloc_usage_to_string(canonical[i].bit, buf, sizeof(buf)),
			 strlen(canonical[i].name));
		CHECK_STR(buf, canonical[i].name);
		CHECK_EQ(gralloc_usage_from_string(canonical[i].name, &u), 0);
		CHECK_EQ(u, canonical[i].bit);
		all |= canonical[i].bit;
	}
	/* The header's ALL is exactly the named bits. */
	CHECK_EQ(all, GRALLOC_USAGE_ALL);
}

TEST(round_trip_combinations)
{
	static const uint64_t cases[] = {
		GRALLOC_USAGE_ALL,
		GRALLOC_USAGE_CPU,
		GRALLOC_USAGE_SCANOUT | GRALLOC_USAGE_GPU_RENDER_TARGET,
		GRALLOC_USAGE_PROTECTED_CONTENT | GRALLOC_USAGE_VIDEO_DECODER | GRALLOC_USAGE_SCANOUT,
		GRALLOC_USAGE_LINEAR | GRALLOC_USAGE_CPU_READ_RARELY,
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[512];
		uint64_t u = 0;
		int n = gralloc_usage_to_string(cases[i], buf, sizeof(buf));

		CHECK(n > 0 && (size_t)n < sizeof(buf));
		CHECK_EQ(strlen(buf), n);
		CHECK_EQ(gralloc_usage_from_string(buf, &u), 0);
		CHECK_EQ(u, cases[i]);
	}
	/* A scanout|gpu_render_target string names bits in bit order. */
	{
		char buf[64];

		gralloc_usage_to_string(GRALLOC_USAGE_SCANOUT | GRALLOC_USAGE_GPU_RENDER_TARGET,
					buf, sizeof(buf));
		CHECK_STR(buf, "gpu_render_target,scanout");
	}
}

/* to_string(0) writes "none"; parsing what the library printed must give
 * the value back. */
TEST(round_trip_no_usage)
{
	char buf[16];
	uint64_t u = ~UINT64_C(0);

	CHECK_EQ(gralloc_usage_to_string(0, buf, sizeof(buf)), 4);
	CHECK_STR(buf, "none");
	CHECK_EQ(gralloc_usage_from_string(buf, &u), 0);
	CHECK_EQ(u, 0);
}

TEST(aliases_and_separators)
{
	static const struct {
		const char *str;
		uint64_t bits;
	} cases[] = {
		{ "cpu_read", GRALLOC_USAGE_CPU_READ_OFTEN },
		{ "cpu_write", GRALLOC_USAGE_CPU_WRITE_OFTEN },
		{ "cpu", GRALLOC_USAGE_CPU_READ_OFTEN | GRALLOC_USAGE_CPU_WRITE_OFTEN },
		{ "texture", GRALLOC_USAGE_GPU_TEXTURE },
		{ "render", GRALLOC_USAGE_GPU_RENDER_TARGET },
		{ "overlay", GRALLOC_USAGE_COMPOSER_OVERLAY },
		{ "camera", GRALLOC_USAGE_CAMERA_WRITE },
		{ "SCANOUT", GRALLOC_USAGE_SCANOUT },
		{ "Texture,Scanout", GRALLOC_USAGE_GPU_TEXTURE | GRALLOC_USAGE_SCANOUT },
		{ "texture|scanout", GRALLOC_USAGE_GPU_TEXTURE | GRALLOC_USAGE_SCANOUT },
		{ "texture+scanout", GRALLOC_USAGE_GPU_TEXTURE | GRALLOC_USAGE_SCANOUT },
		{ " texture  scanout ", GRALLOC_USAGE_GPU_TEXTURE | GRALLOC_USAGE_SCANOUT },
		{ "texture,,texture", GRALLOC_USAGE_GPU_TEXTURE },
		{ "", 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t u = ~UINT64_C(0);

		CHECK_EQ(gralloc_usage_from_string(cases[i].str, &u), 0);
		CHECK_EQ(u, cases[i].bits);
	}
	/* Aliases are input only: output always uses canonical names. */
	{
		char buf[64];

		gralloc_usage_to_string(GRALLOC_USAGE_CPU_READ_OFTEN | GRALLOC_USAGE_CPU_WRITE_OFTEN,
					buf, sizeof(buf));
		CHECK_STR(buf, "cpu_read_often,cpu_write_often");
	}
}

TEST(unknown_names_rejected)
{
	static const char *const bad[] = {
		"bogus", "scanout,bogus", "cpu_", "scan out", "0x1", "gpu-texture",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t u = 12345;

		errno = 0;
		CHECK_EQ(gralloc_usage_from_string(bad[i], &u), -EINVAL);
		CHECK_EQ(errno, EINVAL);
		/* A failed parse leaves the result alone. */
		CHECK_EQ(u, 12345);
	}
	{
		uint64_t u;

		CHECK_EQ(gralloc_usage_from_string("bogus", &u), -EINVAL);
		CHECK(strstr(gralloc_last_error(), "bogus") != NULL);
		CHECK_EQ(gralloc_usage_from_string(NULL, &u), -EINVAL);
		CHECK_EQ(gralloc_usage_from_string("scanout", NULL), -EINVAL);
	}
}

TEST(to_string_is_snprintf_like)
{
	const uint64_t u = GRALLOC_USAGE_SCANOUT | GRALLOC_USAGE_VIDEO_DECODER;
	const char *full = "scanout,video_decoder";
	char buf[8];

	memset(buf, 'x', sizeof(buf));
	CHECK_EQ(gralloc_usage_to_string(u, buf, sizeof(buf)), strlen(full));
	CHECK_STR(buf, "scanout");
	CHECK_EQ(gralloc_usage_to_string(u, NULL, 0), strlen(full));
	CHECK_EQ(gralloc_usage_to_string(u, NULL, 4), -EINVAL);
	/* Unknown bits are shown in hex rather than dropped. */
	{
		char big[128];

		gralloc_usage_to_string(GRALLOC_USAGE_SCANOUT | (UINT64_C(1) << 40), big,
					sizeof(big));
		CHECK_STR(big, "scanout,0x10000000000");
	}
}

/* A device whose heap directory and udmabuf node do not exist: anything
 * that gets past validation could only land in memfd. */
struct fixture {
	struct gralloc_device *dev;
};

static bool fixture_init(struct fixture *fx)
{
	fx->dev = test_memfd_device();
	return fx->dev != NULL;
}

static void fixture_fini(struct fixture *fx)
{
	gralloc_device_destroy(fx->dev);
}

static bool refused(struct gralloc_device *dev, const struct gralloc_buffer_desc *d,
		    const char *needle)
{
	struct gralloc_buffer *buf;

	errno = 0;
	buf = gralloc_buffer_allocate(dev, d);
	if (buf) {
		printf("#   allocate accepted a bad descriptor\n");
		gralloc_buffer_free(dev, buf);
		return false;
	}
	if (errno != EINVAL || !strstr(gralloc_last_error(), needle)) {
		printf("#   errno %d, last error \"%s\", expected EINVAL and \"%s\"\n", errno,
		       gralloc_last_error(), needle);
		return false;
	}
	return true;
}

TEST(bad_descriptors_refused_by_layout_and_allocate)
{
	struct fixture fx;
	struct gralloc_buffer_info info;
	struct gralloc_buffer_desc d = {
		.width = 64, .height = 64, .format = DRM_FORMAT_XRGB8888, .layer_count = 1, .usage = GRALLOC_USAGE_CPU_READ_OFTEN | (UINT64_C(1) << 40), .name = "t",
	};

	CHECK(fixture_init(&fx));

	errno = 0;
	CHECK_EQ(gralloc_compute_layout(&d, &info), -EINVAL);
	CHECK_EQ(errno, EINVAL);
	CHECK(strstr(gralloc_last_error(), "unknown usage bits 0x10000000000"));
	CHECK(refused(fx.dev, &d, "unknown usage bits 0x10000000000"));

	d.usage = GRALLOC_USAGE_PROTECTED_CONTENT | GRALLOC_USAGE_CPU_READ_RARELY;
	CHECK_EQ(gralloc_compute_layout(&d, &info), -EINVAL);
	CHECK(refused(fx.dev, &d, "protected"));
	d.usage = GRALLOC_USAGE_PROTECTED_CONTENT | GRALLOC_USAGE_CPU_WRITE_OFTEN |
		  GRALLOC_USAGE_VIDEO_DECODER;
	CHECK(refused(fx.dev, &d, "CPU"));

	d.usage = GRALLOC_USAGE_CPU_READ_OFTEN;
	d.width = 0;
	CHECK_EQ(gralloc_compute_layout(&d, &info), -EINVAL);
	CHECK(refused(fx.dev, &d, "zero size"));
	d.width = 64;
	d.format = fourcc_code('N', 'O', 'P', 'E');
	CHECK(refused(fx.dev, &d, "unsupported format"));
	d.format = DRM_FORMAT_XRGB8888;
	d.layer_count = 1000;
	CHECK(refused(fx.dev, &d, "layer count"));
	d.layer_count = 1;
	d.height = 40000;
	CHECK(refused(fx.dev, &d, "exceeds"));

	CHECK(gralloc_buffer_allocate(fx.dev, NULL) == NULL);
	CHECK_EQ(errno, EINVAL);
	d.height = 64;
	CHECK(gralloc_buffer_allocate(NULL, &d) == NULL);
	CHECK_EQ(errno, EINVAL);

	/* Explain refuses the same descriptors. */
	d.usage = UINT64_C(1) << 40;
	errno = 0;
	CHECK(gralloc_explain(fx.dev, &d) == NULL);
	CHECK_EQ(errno, EINVAL);

	fixture_fini(&fx);
}

int main(void)
{
	return test_run_all();
}
