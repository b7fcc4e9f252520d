/* SPDX-License-Identifier: MIT */
/*
 * CPU access ordered with device work through sync_file fences: the shape
 * of Android's IMapper lock/unlock and AHardwareBuffer_lock/unlock, on
 * dma-buf's implicit fences (DMA_BUF_IOCTL_EXPORT_SYNC_FILE and
 * IMPORT_SYNC_FILE). See docs/fences.md.
 *
 * A fence here is a sync_file fd. Fds given to these calls are always
 * taken: the library closes them, whether the call succeeds or fails, so a
 * caller never has to guess. Fds returned are new and the caller owns them.
 */
#ifndef GRALLOC_FENCE_H
#define GRALLOC_FENCE_H

#include "gralloc/gralloc.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Waits, for at most timeout_ms milliseconds in all (negative: no limit,
 * 0: only look), for
 *   1. acquire_fence (-1: none). Taken: closed by the call in every case.
 *   2. the device work already attached to the buffer that conflicts with
 *      cpu_usage, by the kernel's rule: a read lock waits for writers, a
 *      write lock for readers and writers.
 * then locks like gralloc_buffer_lock(). Returns -ETIME when the time ran
 * out; the buffer is then NOT locked (no unlock is owed). memfd buffers
 * carry no fences: only the acquire fence is waited for. */
GRALLOC_EXPORT int gralloc_buffer_lock_fenced(struct gralloc_buffer *buf, uint64_t cpu_usage,
					      const struct gralloc_rect *region,
					      int acquire_fence, int timeout_ms, void **out);
/* The same for gralloc_buffer_lock_ycbcr(). */
GRALLOC_EXPORT int gralloc_buffer_lock_ycbcr_fenced(struct gralloc_buffer *buf,
						    uint64_t cpu_usage,
						    const struct gralloc_rect *region,
						    int acquire_fence, int timeout_ms,
						    struct gralloc_ycbcr *out);

/* Ends the innermost lock like gralloc_buffer_unlock(), then
 *   - writes_fence (-1: none; taken, closed in every case): the access
 *     made under this lock is complete only when this fence signals (work
 *     handed on to another engine). It is attached to the dma-buf, as a
 *     write fence after a write lock and a read fence after a read lock, so
 *     implicitly synchronised users (KMS, GL, another process's lock) wait
 *     for it. Where the kernel cannot attach it (memfd, kernels before
 *     6.0), unlock waits for it instead.
 *   - release_fence (NULL: not wanted): gets a new sync_file (caller owns)
 *     that signals when all device work on the buffer is complete, reads
 *     and writes, writes_fence included; or -1 when nothing can be pending
 *     (memfd) or the kernel cannot export one (before 6.0: unlock then
 *     waits for that work itself).
 * A writes_fence that is not a sync_file gives -EINVAL and the buffer
 * stays locked. Any other error is reported after the buffer is unlocked. */
GRALLOC_EXPORT int gralloc_buffer_unlock_fenced(struct gralloc_buffer *buf, int writes_fence,
						int *release_fence);

#ifdef __cplusplus
}
#endif

#endif
