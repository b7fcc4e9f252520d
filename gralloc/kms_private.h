/* SPDX-License-Identifier: MIT */
#ifndef GRALLOC_KMS_PRIVATE_H
#define GRALLOC_KMS_PRIVATE_H

#include "gralloc/kms.h"
#include "gralloc/private.h"

/* 1 when drm_fd's (borrowed) device PRIME-imports a multi-page buffer of
 * foreign memory from dev's heap or udmabuf backends (through its render
 * node when it has one), 0 when the kernel refuses for good, -errno when
 * there is no foreign memory to try or the failure was transient (see
 * gralloc_kms_probe_verdict): then nothing may be cached. `why` says what
 * happened. */
int gralloc_kms_probe_foreign(int drm_fd, struct gralloc_device *dev, char *why, size_t len);

/* The device node path, and what the foreign-import probe found. */
const char *gralloc_kms_path(const struct gralloc_kms *kms);
const char *gralloc_kms_probe_reason(const struct gralloc_kms *kms);

/* Opens the device node behind drm_fd (borrowed) again; returns a new fd
 * the caller owns, or -errno. */
int gralloc_drm_reopen(int drm_fd);

/* drm_master.c. Drops DRM master if fd (borrowed) holds it: 0 or -errno
 * (then logged, naming path). */
int gralloc_drm_drop_master(int fd, const char *path);
/* Opens a card node read-write without keeping master: a new fd the
 * caller owns, or -errno. */
int gralloc_drm_open_card(const char *path);
/* The render node of drm_fd's (borrowed) device: a new fd the caller
 * owns, or -ENOENT when the device has none (vkms), or -errno. */
int gralloc_drm_open_render(int drm_fd);

/* kms_probe.c: what a failed PRIME import of probe memory means. 0 when
 * the device refuses foreign dma-bufs for good (ENODEV, EINVAL, ...),
 * -err when the failure says nothing about the device (ENOMEM, EINTR,
 * EAGAIN, EMFILE, ENFILE, EBUSY): never to be remembered as a capability. */
int gralloc_kms_probe_verdict(int err);

#endif
