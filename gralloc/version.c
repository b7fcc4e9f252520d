/* SPDX-License-Identifier: MIT */
/* The version this library was built as: what a program that was compiled
 * against older headers asks to learn what it really runs with. */
#include "gralloc/version.h"

GRALLOC_EXPORT const char *gralloc_version_string(void)
{
	return GRALLOC_VERSION_STRING;
}

GRALLOC_EXPORT uint32_t gralloc_version(void)
{
	return GRALLOC_VERSION;
}
