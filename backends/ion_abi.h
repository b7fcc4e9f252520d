/* SPDX-License-Identifier: MIT */
/*
 * The ION user ABI, both generations, declared once here because Debian's
 * linux-libc-dev does not ship it: ION only ever lived in
 * drivers/staging/android and was removed in Linux 5.11. Every other kernel
 * header this project uses comes from the system; this is the one exception.
 *
 * Copied by layout (names, types, order, ioctl numbers), not by text, from:
 *  - legacy ION, Linux 3.14 to 4.11: drivers/staging/android/uapi/ion.h
 *    (handle based: ALLOC gives a handle, SHARE/MAP a dma-buf fd, FREE drops
 *    the handle, SYNC flushes through the ION device). ION_IOC_HEAP_QUERY
 *    appeared in 4.11, the last legacy release, so a legacy kernel may or
 *    may not answer it.
 *  - modern ION, Linux 4.12 to 5.10: the same file after "staging: android:
 *    ion: Remove ion_handle and ion_client" (4.12): ALLOC returns a dma-buf
 *    fd directly; FREE, MAP, SHARE, IMPORT, SYNC and CUSTOM are gone, so they
 *    fail with ENOTTY (what ABI detection relies on).
 * AOSP's libion carries the same two layouts (kernel-headers/linux/ion.h and
 * ion_4.12.h); tests/ion/test-ion-abi.c checks sizes, offsets and ioctl
 * numbers against the values those layouts give on each word size.
 */
#ifndef GRALLOC_BACKENDS_ION_ABI_H
#define GRALLOC_BACKENDS_ION_ABI_H

#include <stddef.h>

#include <linux/ioctl.h>
#include <linux/types.h>

#define ION_IOC_MAGIC 'I'

/* Heap types: identical values in both generations. */
enum ion_heap_type {
	ION_HEAP_TYPE_SYSTEM,
	ION_HEAP_TYPE_SYSTEM_CONTIG,
	ION_HEAP_TYPE_CARVEOUT,
	ION_HEAP_TYPE_CHUNK,
	ION_HEAP_TYPE_DMA,
	ION_HEAP_TYPE_CUSTOM,
};

#define ION_NUM_HEAP_IDS (sizeof(unsigned int) * 8)

/* Allocation flags. NEEDS_SYNC exists in legacy headers only; 4.12 dropped
 * it (the kernel ignores unknown flag bits it does not use). */
#define ION_FLAG_CACHED 1
#define ION_FLAG_CACHED_NEEDS_SYNC 2

/* ---- Legacy ION (up to 4.11) ---------------------------------------- */

typedef int ion_user_handle_t;

/* The legacy heap masks assume heap id == heap type, which is how the
 * reference board files registered their heaps; vendors often did not. */
#define ION_HEAP_SYSTEM_MASK (1 << ION_HEAP_TYPE_SYSTEM)
#define ION_HEAP_SYSTEM_CONTIG_MASK (1 << ION_HEAP_TYPE_SYSTEM_CONTIG)
#define ION_HEAP_CARVEOUT_MASK (1 << ION_HEAP_TYPE_CARVEOUT)
#define ION_HEAP_TYPE_DMA_MASK (1 << ION_HEAP_TYPE_DMA)

/* size_t members: the layout differs between 32- and 64-bit processes
 * (the kernel had compat_ion.c for that). Kept as the kernel declared it. */
struct ion_legacy_allocation_data {
	size_t len;
	size_t align;
	unsigned int heap_id_mask;
	unsigned int flags;
	ion_user_handle_t handle;
};

struct ion_fd_data {
	ion_user_handle_t handle;
	int fd;
};

struct ion_handle_data {
	ion_user_handle_t handle;
};

struct ion_custom_data {
	unsigned int cmd;
	unsigned long arg;
};

#define ION_IOC_LEGACY_ALLOC _IOWR(ION_IOC_MAGIC, 0, struct ion_legacy_allocation_data)
#define ION_IOC_FREE _IOWR(ION_IOC_MAGIC, 1, struct ion_handle_data)
#define ION_IOC_MAP _IOWR(ION_IOC_MAGIC, 2, struct ion_fd_data)
#define ION_IOC_SHARE _IOWR(ION_IOC_MAGIC, 4, struct ion_fd_data)
#define ION_IOC_IMPORT _IOWR(ION_IOC_MAGIC, 5, struct ion_fd_data)
#define ION_IOC_CUSTOM _IOWR(ION_IOC_MAGIC, 6, struct ion_custom_data)
#define ION_IOC_SYNC _IOWR(ION_IOC_MAGIC, 7, struct ion_fd_data)

/* ---- Modern ION (4.12 to 5.10); HEAP_QUERY also in 4.11 ------------- */

/* Fixed-width members: one layout for every word size. The kernel's name
 * is ion_allocation_data (libion calls it ion_new_allocation_data). */
struct ion_allocation_data {
	__u64 len;
	__u32 heap_id_mask;
	__u32 flags;
	__u32 fd;
	__u32 unused;
};

#define MAX_HEAP_NAME 32

struct ion_heap_data {
	char name[MAX_HEAP_NAME];
	__u32 type;
	__u32 heap_id;
	__u32 reserved0;
	__u32 reserved1;
	__u32 reserved2;
};

/* heaps is a user pointer to an array of cnt ion_heap_data. With heaps 0
 * the kernel only reports the count; reserved fields must be zero. */
struct ion_heap_query {
	__u32 cnt;
	__u32 reserved0;
	__u64 heaps;
	__u32 reserved1;
	__u32 reserved2;
};

#define ION_IOC_ALLOC _IOWR(ION_IOC_MAGIC, 0, struct ion_allocation_data)
#define ION_IOC_HEAP_QUERY _IOWR(ION_IOC_MAGIC, 8, struct ion_heap_query)

/* ---- Not kernel ABI: backends/ion.c's pure name mapping ------------- */
/* Declared here, next to the structures it reads, so that the host unit
 * tests reach it without an ION kernel. */

#include <stdint.h>

struct policy_heap;

struct ion_target {
	uint32_t heap_id_mask;
	uint32_t flags;
};

/* The ION heap mask and flags that serve one policy heap. heaps/count is
 * the kernel's heap list; heaps NULL when the kernel cannot list heaps
 * (legacy ION before 4.11): then only masks work. 0, or -errno with `why`
 * filled with a sentence. */
int gralloc_ion_resolve(const struct policy_heap *heap, const struct ion_heap_data *heaps,
			size_t count, struct ion_target *out, char *why, size_t len);

#endif
