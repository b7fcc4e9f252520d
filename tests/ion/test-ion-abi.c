/* SPDX-License-Identifier: MIT */
/* backends/ion_abi.h against the kernel's layouts: a wrong offset or size
 * would not fail to compile, it would make every ION ioctl number wrong
 * (the size is part of it) or scribble on the kernel's answer. The expected
 * numbers are those the staging uapi ion.h gives (3.14-4.11 legacy, 4.12+
 * modern), for ILP32 and LP64. */
#include <stddef.h>

#include "backends/ion_abi.h"
#include "test.h"

#define LP64 (sizeof(long) == 8)

TEST(legacy_allocation_data_layout)
{
	CHECK_EQ(offsetof(struct ion_legacy_allocation_data, len), 0);
	CHECK_EQ(offsetof(struct ion_legacy_allocation_data, align), LP64 ? 8 : 4);
	CHECK_EQ(offsetof(struct ion_legacy_allocation_data, heap_id_mask), LP64 ? 16 : 8);
	CHECK_EQ(offsetof(struct ion_legacy_allocation_data, flags), LP64 ? 20 : 12);
	CHECK_EQ(offsetof(struct ion_legacy_allocation_data, handle), LP64 ? 24 : 16);
	CHECK_EQ(sizeof(struct ion_legacy_allocation_data), LP64 ? 32 : 20);
}

TEST(legacy_small_structs_layout)
{
	CHECK_EQ(sizeof(ion_user_handle_t), 4);
	CHECK_EQ(offsetof(struct ion_fd_data, handle), 0);
	CHECK_EQ(offsetof(struct ion_fd_data, fd), 4);
	CHECK_EQ(sizeof(struct ion_fd_data), 8);
	CHECK_EQ(sizeof(struct ion_handle_data), 4);
	CHECK_EQ(offsetof(struct ion_custom_data, arg), LP64 ? 8 : 4);
	CHECK_EQ(sizeof(struct ion_custom_data), LP64 ? 16 : 8);
}

TEST(modern_allocation_data_layout)
{
	CHECK_EQ(offsetof(struct ion_allocation_data, len), 0);
	CHECK_EQ(offsetof(struct ion_allocation_data, heap_id_mask), 8);
	CHECK_EQ(offsetof(struct ion_allocation_data, flags), 12);
	CHECK_EQ(offsetof(struct ion_allocation_data, fd), 16);
	CHECK_EQ(offsetof(struct ion_allocation_data, unused), 20);
	CHECK_EQ(sizeof(struct ion_allocation_data), 24);
}

TEST(heap_query_layout)
{
	CHECK_EQ(MAX_HEAP_NAME, 32);
	CHECK_EQ(offsetof(struct ion_heap_data, name), 0);
	CHECK_EQ(offsetof(struct ion_heap_data, type), 32);
	CHECK_EQ(offsetof(struct ion_heap_data, heap_id), 36);
	CHECK_EQ(offsetof(struct ion_heap_data, reserved0), 40);
	CHECK_EQ(offsetof(struct ion_heap_data, reserved2), 48);
	CHECK_EQ(sizeof(struct ion_heap_data), 52);
	CHECK_EQ(offsetof(struct ion_heap_query, cnt), 0);
	CHECK_EQ(offsetof(struct ion_heap_query, reserved0), 4);
	CHECK_EQ(offsetof(struct ion_heap_query, heaps), 8);
	CHECK_EQ(offsetof(struct ion_heap_query, reserved1), 16);
	CHECK_EQ(offsetof(struct ion_heap_query, reserved2), 20);
	CHECK_EQ(sizeof(struct ion_heap_query), 24);
}

TEST(constants)
{
	CHECK_EQ(ION_HEAP_TYPE_SYSTEM, 0);
	CHECK_EQ(ION_HEAP_TYPE_SYSTEM_CONTIG, 1);
	CHECK_EQ(ION_HEAP_TYPE_CARVEOUT, 2);
	CHECK_EQ(ION_HEAP_TYPE_CHUNK, 3);
	CHECK_EQ(ION_HEAP_TYPE_DMA, 4);
	CHECK_EQ(ION_HEAP_TYPE_CUSTOM, 5);
	CHECK_EQ(ION_HEAP_SYSTEM_MASK, 0x1);
	CHECK_EQ(ION_HEAP_TYPE_DMA_MASK, 0x10);
	CHECK_EQ(ION_FLAG_CACHED, 1);
	CHECK_EQ(ION_NUM_HEAP_IDS, 32);
}

/* The asm-generic ioctl encoding (x86, arm, arm64, riscv): dir 3 (RW) in
 * bits 30-31, size in bits 16-29, type 'I', number. */
TEST(ioctl_numbers)
{
#if defined(__x86_64__) || defined(__i386__) || defined(__aarch64__) || defined(__arm__) || \
	defined(__riscv)
	CHECK_EQ(ION_IOC_ALLOC, 0xc0184900u);
	CHECK_EQ(ION_IOC_HEAP_QUERY, 0xc0184908u);
	CHECK_EQ(ION_IOC_LEGACY_ALLOC, LP64 ? 0xc0204900u : 0xc0144900u);
	CHECK_EQ(ION_IOC_FREE, 0xc0044901u);
	CHECK_EQ(ION_IOC_MAP, 0xc0084902u);
	CHECK_EQ(ION_IOC_SHARE, 0xc0084904u);
	CHECK_EQ(ION_IOC_IMPORT, 0xc0084905u);
	CHECK_EQ(ION_IOC_CUSTOM, LP64 ? 0xc0104906u : 0xc0084906u);
	CHECK_EQ(ION_IOC_SYNC, 0xc0084907u);
#else
	test_skip("ioctl encoding of this architecture not listed");
#endif
}

/* ABI detection and dispatch rely on the two ALLOCs being different
 * requests: a kernel of the other generation answers ENOTTY. */
TEST(alloc_requests_differ)
{
	CHECK(ION_IOC_ALLOC != ION_IOC_LEGACY_ALLOC);
}

int main(void)
{
	return test_run_all();
}
