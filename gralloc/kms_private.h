/* SPDX-License-Identifier: MIT */
#ifndef GRALLOC_KMS_PRIVATE_H
#define GRALLOC_KMS_PRIVATE_H

#include "gralloc/kms.h"
#include "gralloc/private.h"

/* 1 when drm_fd (borrowed) PRIME-imports a page of foreign memory from
 * dev's heap or udmabuf backends, 0 when the kernel refuses, -errno when
 * there is no foreign memory to try. `why` says what happened. */
int gralloc_kms_probe_foreign(int drm_fd, struct gralloc_device *dev, char *why, size_t len);

/* The device node path, and what the foreign-import probe found. */
const char *gralloc_kms_path(const struct gralloc_kms *kms);
const char *gralloc_kms_probe_reason(const struct gralloc_kms *kms);

/* Opens the device node behind drm_fd (borrowed) again; returns a new fd
 * the caller owns, or -errno. */
int gralloc_drm_reopen(int drm_fd);

#endif
