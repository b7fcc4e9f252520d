/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "gralloc/private.h"

static const struct {
	const char *name;
	uint64_t bits;
} usage_names[] = {
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
	/* Short aliases for the command line; never printed. */
	{ "cpu_read", GRALLOC_USAGE_CPU_READ_OFTEN },
	{ "cpu_write", GRALLOC_USAGE_CPU_WRITE_OFTEN },
	{ "cpu", GRALLOC_USAGE_CPU_READ_OFTEN | GRALLOC_USAGE_CPU_WRITE_OFTEN },
	{ "texture", GRALLOC_USAGE_GPU_TEXTURE },
	{ "render", GRALLOC_USAGE_GPU_RENDER_TARGET },
	{ "overlay", GRALLOC_USAGE_COMPOSER_OVERLAY },
	{ "camera", GRALLOC_USAGE_CAMERA_WRITE },
	{ "none", 0 }, /* what to_string prints for an empty mask */
};
#define CANONICAL_USAGE_NAMES 17

int gralloc_usage_validate(uint64_t usage)
{
	if (usage & ~GRALLOC_USAGE_ALL) {
		gralloc_log(ERROR, "unknown usage bits 0x%llx",
			    (unsigned long long)(usage & ~GRALLOC_USAGE_ALL));
		return -EINVAL;
	}
	if ((usage & GRALLOC_USAGE_PROTECTED_CONTENT) && (usage & GRALLOC_USAGE_CPU)) {
		gralloc_log(ERROR, "protected buffers cannot have CPU usage: the CPU "
			    "must not see protected content");
		return -EINVAL;
	}
	return 0;
}

GRALLOC_EXPORT int gralloc_usage_from_string(const char *str, uint64_t *usage)
{
	char token[64];
	uint64_t bits = 0;

	if (!str || !usage) {
		gralloc_log(ERROR, "usage string and result must not be NULL");
		return -(errno = EINVAL);
	}
	while (*str) {
		size_t len = strcspn(str, ",|+ ");
		size_t i;

		if (len == 0) {
			str++;
			continue;
		}
		if (len >= sizeof(token)) {
			gralloc_log(ERROR, "usage name too long near '%.20s'", str);
			return -(errno = EINVAL);
		}
		memcpy(token, str, len);
		token[len] = '\0';
		for (i = 0; i < ARRAY_SIZE(usage_names); i++)
			if (!strcasecmp(token, usage_names[i].name))
				break;
		if (i == ARRAY_SIZE(usage_names)) {
			gralloc_log(ERROR, "unknown usage '%s'", token);
			return -(errno = EINVAL);
		}
		bits |= usage_names[i].bits;
		str += len;
	}
	*usage = bits;
	return 0;
}

GRALLOC_EXPORT int gralloc_usage_to_string(uint64_t usage, char *buf, size_t len)
{
	size_t used = 0;
	int n;

	if (!buf && len) {
		gralloc_log(ERROR, "NULL buffer with non-zero length");
		return -(errno = EINVAL);
	}
	if (len)
		buf[0] = '\0';
	for (size_t i = 0; i < CANONICAL_USAGE_NAMES; i++) {
		if (!(usage & usage_names[i].bits))
			continue;
		n = snprintf(used < len ? buf + used : NULL, used < len ? len - used : 0,
			     "%s%s", used ? "," : "", usage_names[i].name);
		used += (size_t)n;
	}
	if (usage & ~GRALLOC_USAGE_ALL) {
		n = snprintf(used < len ? buf + used : NULL, used < len ? len - used : 0,
			     "%s0x%llx", used ? "," : "",
			     (unsigned long long)(usage & ~GRALLOC_USAGE_ALL));
		used += (size_t)n;
	}
	if (!used) {
		n = snprintf(len ? buf : NULL, len, "none");
		used = (size_t)n;
	}
	return (int)used;
}
