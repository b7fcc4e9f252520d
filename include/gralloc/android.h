/* SPDX-License-Identifier: MIT */
/*
 * Android interop data: BufferUsage (android.hardware.graphics.common) to
 * GRALLOC_USAGE_* and back. The table and its rules are in docs/android.md;
 * the HAL pixel format map is gralloc_format_from_android() in gralloc.h.
 * Defines no Android names, so it can share a translation unit with
 * Android's hardware/gralloc.h.
 */
#ifndef GRALLOC_ANDROID_H
#define GRALLOC_ANDROID_H

#include <stdint.h>

#include <gralloc/gralloc.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Android BufferUsage bits to GRALLOC_USAGE_* bits. Every set bit must
 * have a meaning here: an unknown bit, a vendor bit (0xf0000000,
 * 0xffff000000000000), a CPU field value Android does not define or a
 * usage we cannot provide (RENDERSCRIPT, SENSOR_DIRECT_DATA,
 * GPU_MIPMAP_COMPLETE) gives -EINVAL and a message naming it; *usage is
 * then untouched. Callers that know a vendor bit is safe to drop clear it
 * first. */
GRALLOC_EXPORT int gralloc_usage_from_android(uint64_t android_usage, uint64_t *usage);

/* GRALLOC_USAGE_* bits to Android BufferUsage bits. A CPU field with both
 * RARELY and OFTEN set becomes OFTEN. GRALLOC_USAGE_LINEAR (no Android bit)
 * and unknown bits give -EINVAL naming the bit; *android_usage is then
 * untouched. */
GRALLOC_EXPORT int gralloc_usage_to_android(uint64_t usage, uint64_t *android_usage);

#ifdef __cplusplus
}
#endif

#endif
