/* SPDX-License-Identifier: MIT */
/* Android BufferUsage <-> GRALLOC_USAGE_*, as data. Values are those of
 * android.hardware.graphics.common BufferUsage; docs/android.md has the
 * table and the reasons for every rule. */
#include <errno.h>

#include "gralloc/android.h"
#include "gralloc/private.h"

#define A_CPU_READ_MASK UINT64_C(0xf)
#define A_CPU_WRITE_MASK UINT64_C(0xf0)
#define A_CPU_RARELY 2u /* in either CPU field, shifted */
#define A_CPU_OFTEN 3u
#define A_VENDOR_MASK UINT64_C(0xf0000000)
#define A_VENDOR_MASK_HI UINT64_C(0xffff000000000000)

/* One Android bit each. ours == 0: Android's bit is known but we cannot
 * provide what it asks for. to_android: this entry is the one our bit
 * maps back to (two Android bits may land on one of ours). */
static const struct {
	uint64_t android;
	uint64_t ours;
	const char *name;
	bool to_android;
} android_bits[] = {
	{ UINT64_C(1) << 8, GRALLOC_USAGE_GPU_TEXTURE, "GPU_TEXTURE", true },
	{ UINT64_C(1) << 9, GRALLOC_USAGE_GPU_RENDER_TARGET, "GPU_RENDER_TARGET", true },
	{ UINT64_C(1) << 11, GRALLOC_USAGE_COMPOSER_OVERLAY, "COMPOSER_OVERLAY", true },
	/* The client target is the framebuffer the composer scans out. */
	{ UINT64_C(1) << 12, GRALLOC_USAGE_SCANOUT, "COMPOSER_CLIENT_TARGET", true },
	{ UINT64_C(1) << 14, GRALLOC_USAGE_PROTECTED_CONTENT, "PROTECTED", true },
	{ UINT64_C(1) << 15, GRALLOC_USAGE_CURSOR_PLANE, "COMPOSER_CURSOR", true },
	{ UINT64_C(1) << 16, GRALLOC_USAGE_VIDEO_ENCODER, "VIDEO_ENCODER", true },
	{ UINT64_C(1) << 17, GRALLOC_USAGE_CAMERA_WRITE, "CAMERA_OUTPUT", true },
	{ UINT64_C(1) << 18, GRALLOC_USAGE_CAMERA_READ, "CAMERA_INPUT", true },
	{ UINT64_C(1) << 20, 0, "RENDERSCRIPT", false },
	{ UINT64_C(1) << 22, GRALLOC_USAGE_VIDEO_DECODER, "VIDEO_DECODER", true },
	{ UINT64_C(1) << 23, 0, "SENSOR_DIRECT_DATA", false },
	{ UINT64_C(1) << 24, GRALLOC_USAGE_GPU_DATA_BUFFER, "GPU_DATA_BUFFER", true },
	/* Six faces are six layers of one texture: layer_count says so. */
	{ UINT64_C(1) << 25, GRALLOC_USAGE_GPU_TEXTURE, "GPU_CUBE_MAP", false },
	/* A mip chain needs memory our layouts do not lay out. */
	{ UINT64_C(1) << 26, 0, "GPU_MIPMAP_COMPLETE", false },
	/* HEIC/JPEG encoders are fed like the video encoder. */
	{ UINT64_C(1) << 27, GRALLOC_USAGE_VIDEO_ENCODER, "HW_IMAGE_ENCODER", false },
	{ UINT64_C(1) << 32, GRALLOC_USAGE_FRONT_BUFFER, "FRONT_BUFFER", true },
};

static int cpu_from_android(uint64_t field, uint64_t rarely, uint64_t often, const char *what,
			    uint64_t *out)
{
	if (field == 0)
		return 0;
	if (field == A_CPU_RARELY || field == A_CPU_OFTEN) {
		*out |= field == A_CPU_OFTEN ? often : rarely;
		return 0;
	}
	gralloc_log(ERROR, "Android usage: %s value %llu is not NEVER (0), RARELY (2) or OFTEN (3)",
		    what, (unsigned long long)field);
	return -EINVAL;
}

static uint64_t lowest_bit(uint64_t v)
{
	return v & -v;
}

GRALLOC_EXPORT int gralloc_usage_from_android(uint64_t android_usage, uint64_t *usage)
{
	uint64_t ours = 0, rest;
	int ret;

	if (!usage) {
		gralloc_log(ERROR, "result pointer must not be NULL");
		return -(errno = EINVAL);
	}
	ret = cpu_from_android(android_usage & A_CPU_READ_MASK, GRALLOC_USAGE_CPU_READ_RARELY,
			       GRALLOC_USAGE_CPU_READ_OFTEN, "CPU_READ", &ours);
	if (!ret)
		ret = cpu_from_android((android_usage & A_CPU_WRITE_MASK) >> 4,
				       GRALLOC_USAGE_CPU_WRITE_RARELY,
				       GRALLOC_USAGE_CPU_WRITE_OFTEN, "CPU_WRITE", &ours);
	if (ret)
		return -(errno = -ret);
	rest = android_usage & ~(A_CPU_READ_MASK | A_CPU_WRITE_MASK);
	for (size_t i = 0; i < ARRAY_SIZE(android_bits); i++) {
		if (!(rest & android_bits[i].android))
			continue;
		if (!android_bits[i].ours) {
			gralloc_log(ERROR, "Android usage %s (0x%llx) has no gralloc usage",
				    android_bits[i].name,
				    (unsigned long long)android_bits[i].android);
			return -(errno = EINVAL);
		}
		ours |= android_bits[i].ours;
		rest &= ~android_bits[i].android;
	}
	if (rest) {
		uint64_t bit = lowest_bit(rest);

		gralloc_log(ERROR, "Android usage bit 0x%llx is %s: no meaning here",
			    (unsigned long long)bit,
			    bit & (A_VENDOR_MASK | A_VENDOR_MASK_HI) ? "a vendor bit" : "unknown");
		return -(errno = EINVAL);
	}
	*usage = ours;
	return 0;
}

GRALLOC_EXPORT int gralloc_usage_to_android(uint64_t usage, uint64_t *android_usage)
{
	uint64_t out = 0, rest = usage;

	if (!android_usage) {
		gralloc_log(ERROR, "result pointer must not be NULL");
		return -(errno = EINVAL);
	}
	/* OFTEN wins when a caller set both: it is the stronger promise. */
	if (rest & GRALLOC_USAGE_CPU_READ)
		out |= rest & GRALLOC_USAGE_CPU_READ_OFTEN ? A_CPU_OFTEN : A_CPU_RARELY;
	if (rest & GRALLOC_USAGE_CPU_WRITE)
		out |= (uint64_t)(rest & GRALLOC_USAGE_CPU_WRITE_OFTEN ? A_CPU_OFTEN : A_CPU_RARELY)
		       << 4;
	rest &= ~GRALLOC_USAGE_CPU;
	for (size_t i = 0; i < ARRAY_SIZE(android_bits); i++) {
		if (android_bits[i].to_android && (rest & android_bits[i].ours)) {
			out |= android_bits[i].android;
			rest &= ~android_bits[i].ours;
		}
	}
	if (rest) {
		uint64_t bit = lowest_bit(rest);
		char name[64];

		gralloc_usage_to_string(bit, name, sizeof(name));
		gralloc_log(ERROR, "usage %s (0x%llx) has no Android BufferUsage bit",
			    bit & GRALLOC_USAGE_ALL ? name : "unknown", (unsigned long long)bit);
		return -(errno = EINVAL);
	}
	*android_usage = out;
	return 0;
}
