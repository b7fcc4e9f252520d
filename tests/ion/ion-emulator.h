/* SPDX-License-Identifier: MIT */
/* What the ION emulator (libion-emulator.so, LD_PRELOADed) tells its tests.
 *
 * The emulator is not ION: it is an interposer on open()/ioctl() that
 * answers the ION ioctls of either ABI with real dma-bufs from
 * /dev/dma_heap/system. Tests find these functions with dlsym(RTLD_DEFAULT)
 * so that the same binary also runs (and skips) without it.
 *
 * Environment, read at each open of the device path (ABI) or each ioctl
 * (faults), so one process can try several configurations:
 *   ION_EMULATOR_ABI    modern (4.12+, default) | legacy (handles, no heap
 *                       query: before 4.11) | none (open fails with ENOENT)
 *   ION_EMULATOR_FAULT  enomem | enodev (ALLOC fails so) | bogus-fd (the fd
 *                       returned by ALLOC or SHARE is a pipe) | share-fails
 *                       (legacy SHARE fails with EINVAL)
 *   ION_EMULATOR_PATH   the path answered, default /dev/ion
 *   ION_EMULATOR_HEAP   the real dma-buf heap behind every ION heap,
 *                       default /dev/dma_heap/system
 *
 * Like every kernel that had ION (all before 6.0), the process has no
 * DMA_BUF_IOCTL_EXPORT_SYNC_FILE or IMPORT_SYNC_FILE: both give ENOTTY on
 * any fd. poll() on a dma-buf, which those kernels had, still works.
 */
#ifndef ION_EMULATOR_H
#define ION_EMULATOR_H

#include <stdint.h>

struct ion_emulator_stats {
	unsigned opens;        /* opens of the device path that succeeded */
	unsigned ioctls;       /* ioctls on emulated ION fds, any outcome */
	unsigned allocs;       /* ALLOCs that succeeded */
	unsigned queries;      /* ION_IOC_HEAP_QUERY calls that succeeded */
	unsigned syncs;        /* legacy ION_IOC_SYNC calls that succeeded */
	unsigned sync_file_refusals; /* DMA_BUF_IOCTL_{EX,IM}PORT_SYNC_FILE
				      * answered ENOTTY (pre-6.0 kernels) */
	int live_handles;      /* legacy handles allocated and not yet freed */
	uint32_t last_heap_mask, last_flags; /* of the last ALLOC */
	uint64_t last_len;
	char last_heap[32];    /* the emulated ION heap that served it */
};

#define ION_EMULATOR_STATS_SYMBOL "ion_emulator_get_stats"
#define ION_EMULATOR_RESET_SYMBOL "ion_emulator_reset_stats"

typedef void (*ion_emulator_get_stats_fn)(struct ion_emulator_stats *out);
typedef void (*ion_emulator_reset_stats_fn)(void);

#endif
