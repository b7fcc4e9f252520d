/* SPDX-License-Identifier: MIT */
/* The backend's node token (gralloc_backend_impl.resolve): the hot request
 * keeps it and allocation then uses the node's cached fd without comparing
 * names, so a token must name exactly its node. dma-heap here over a heap
 * directory of stand-ins whose DMA_HEAP_IOCTL_ALLOC answers differ:
 * /dev/null (ENOTTY) and /dev/random (EINVAL). Which answer comes back
 * says which fd was used. White-box: calls the backend's ops. */
#include <fcntl.h>
#include <limits.h>
#include <sys/ioctl.h>

#include <linux/dma-heap.h>
#include <stdlib.h>
#include <unistd.h>

#include "test.h"
#include "core-test.h"

#include "gralloc/private.h"

/* Heap node -> what it stands for. */
static const char *const stand_ins[][2] = { { "null", "/dev/null" }, { "random", "/dev/random" } };

struct heap_dir {
	char path[64];
	struct gralloc_device *dev;
	struct gralloc_backend *heap; /* dma-heap */
};

static bool heap_dir_open(struct heap_dir *h)
{
	char link[PATH_MAX];
	struct gralloc_device_options o = {
		.udmabuf_path = "/nonexistent", .display_path = "/nonexistent",
		.ion_path = "/nonexistent", .no_config = true,
	};

	memset(h, 0, sizeof(*h));
	snprintf(h->path, sizeof(h->path), "/tmp/gralloc-token-XXXXXX");
	if (!mkdtemp(h->path))
		return false;
	for (size_t i = 0; i < sizeof(stand_ins) / sizeof(stand_ins[0]); i++) {
		snprintf(link, sizeof(link), "%s/%s", h->path, stand_ins[i][0]);
		if (symlink(stand_ins[i][1], link))
			return false;
	}
	o.heap_dir = h->path;
	h->dev = gralloc_device_create(&o);
	for (size_t i = 0; h->dev && i < gralloc_backend_impl_count; i++)
		if (!strcmp(h->dev->backends[i]->impl->name, "dma-heap"))
			h->heap = h->dev->backends[i];
	return h->heap;
}

static void heap_dir_close(struct heap_dir *h)
{
	char link[PATH_MAX];

	gralloc_device_destroy(h->dev);
	for (size_t i = 0; i < sizeof(stand_ins) / sizeof(stand_ins[0]); i++) {
		snprintf(link, sizeof(link), "%s/%s", h->path, stand_ins[i][0]);
		unlink(link);
	}
	rmdir(h->path);
}

/* The backend's answer for node (and token); never a buffer here. */
static int try_node(struct heap_dir *h, const char *node, uint32_t token)
{
	struct gralloc_buffer_desc d = { .width = 64, .height = 64, .format = DRM_FORMAT_R8 };
	struct gralloc_layout layout = { .size = 4096 };
	struct gralloc_alloc_request req = {
		.desc = &d, .heap_name = node, .heap_node = node, .size = 4096,
		.layout = &layout, .node_token = token,
	};
	int fd = -1, ret = h->heap->impl->allocate(h->heap, &req, &fd);

	if (!ret)
		close(fd);
	return ret;
}

/* What the kernel answers DMA_HEAP_IOCTL_ALLOC on path: an errno. */
static int raw_answer(const char *path)
{
	struct dma_heap_allocation_data data = { .len = 4096, .fd_flags = O_RDWR | O_CLOEXEC };
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	ret = ioctl(fd, DMA_HEAP_IOCTL_ALLOC, &data) < 0 ? -errno : 0;
	if (!ret)
		close((int)data.fd);
	close(fd);
	return ret;
}

/* Opens both stand-ins through the backend (its heap-fd cache); their
 * ioctl answers are whatever the machine says. */
static void open_both(struct heap_dir *h)
{
	try_node(h, "null", 0);
	try_node(h, "random", 0);
}

TEST(tokens_are_distinct_stable_and_zero_for_unknown_nodes)
{
	struct heap_dir h;
	uint32_t null_token, random_token;

	CHECK(heap_dir_open(&h));
	CHECK(h.heap->impl->resolve);
	/* Not opened yet: nothing to name. */
	CHECK_EQ(h.heap->impl->resolve(h.heap, "null"), 0u);
	open_both(&h);
	null_token = h.heap->impl->resolve(h.heap, "null");
	random_token = h.heap->impl->resolve(h.heap, "random");
	CHECK(null_token && random_token && null_token != random_token);
	open_both(&h);
	CHECK_EQ(h.heap->impl->resolve(h.heap, "null"), null_token);
	CHECK_EQ(h.heap->impl->resolve(h.heap, "random"), random_token);
	CHECK_EQ(h.heap->impl->resolve(h.heap, "missing"), 0u);
	CHECK_EQ(h.heap->impl->resolve(h.heap, NULL), 0u);
	heap_dir_close(&h);
}

TEST(a_token_selects_exactly_its_node)
{
	struct heap_dir h;
	uint32_t null_token, random_token;
	int fds;

	/* User-mode emulation (the i386 suite's qemu-i386) answers an ioctl it
	 * does not know itself, the same for every fd. */
	if (raw_answer("/dev/null") != -ENOTTY || raw_answer("/dev/random") != -EINVAL) {
		test_skip("this machine's ioctl answers do not tell /dev/null from /dev/random "
			  "(user-mode emulation?)");
		return;
	}
	CHECK(heap_dir_open(&h));
	CHECK_EQ(try_node(&h, "null", 0), -ENOTTY);
	CHECK_EQ(try_node(&h, "random", 0), -EINVAL);
	null_token = h.heap->impl->resolve(h.heap, "null");
	random_token = h.heap->impl->resolve(h.heap, "random");
	/* The token decides, not the name beside it; no fd opened or left. */
	fds = test_count_fds();
	CHECK_EQ(try_node(&h, "null", null_token), -ENOTTY);
	CHECK_EQ(try_node(&h, "random", random_token), -EINVAL);
	CHECK_EQ(try_node(&h, "null", random_token), -EINVAL);
	CHECK_EQ(try_node(&h, "random", null_token), -ENOTTY);
	CHECK_EQ(test_count_fds(), fds);
	heap_dir_close(&h);
}

int main(void)
{
	return test_run_all();
}
