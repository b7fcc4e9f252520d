/* SPDX-License-Identifier: MIT */
/* Fenced CPU access on the build machine: memfd buffers (no fences of
 * their own) and the fd-ownership rules, which must hold on every error
 * path. Real fences are tested in the guest (test-fence.c). */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <gralloc/fence.h>

#include "test.h"

#define CPU_R GRALLOC_USAGE_CPU_READ_OFTEN
#define CPU_W GRALLOC_USAGE_CPU_WRITE_OFTEN

struct fixture {
	char dir[64], missing[96];
	struct gralloc_device *dev;
	struct gralloc_buffer *buf;
};

static bool fixture_init(struct fixture *fx)
{
	struct gralloc_device_options o = { .no_config = true };
	struct gralloc_buffer_desc d = { .width = 64, .height = 64, .format = DRM_FORMAT_XRGB8888,
					 .usage = CPU_R | CPU_W, .name = "fence" };

	snprintf(fx->dir, sizeof(fx->dir), "/tmp/gralloc-fence-XXXXXX");
	if (!mkdtemp(fx->dir))
		return false;
	snprintf(fx->missing, sizeof(fx->missing), "%s/none", fx->dir);
	o.heap_dir = fx->dir;
	o.udmabuf_path = fx->missing;
	o.display_path = fx->missing;
	fx->dev = gralloc_device_create(&o);
	fx->buf = fx->dev ? gralloc_buffer_allocate(fx->dev, &d) : NULL;
	return fx->buf != NULL;
}

static void fixture_fini(struct fixture *fx)
{
	gralloc_device_destroy(fx->dev);
	rmdir(fx->dir);
}

static bool fd_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

/* Something that is an fd but not a sync_file. */
static int not_a_fence(void)
{
	return open("/dev/null", O_RDONLY | O_CLOEXEC);
}

TEST(memfd_lock_and_unlock_without_fences)
{
	struct fixture fx;
	int rel = 5;
	void *p;

	CHECK(fixture_init(&fx));
	CHECK_EQ(gralloc_buffer_lock_fenced(fx.buf, CPU_W, NULL, -1, 0, &p), 0);
	((unsigned char *)p)[0] = 0x5a;
	CHECK_EQ(gralloc_buffer_unlock_fenced(fx.buf, -1, &rel), 0);
	/* No fence can be pending on a memfd: -1 means ready now. */
	CHECK_EQ(rel, -1);
	CHECK_EQ(gralloc_buffer_lock_fenced(fx.buf, CPU_R, NULL, -1, -1, &p), 0);
	CHECK_EQ(((unsigned char *)p)[0], 0x5a);
	CHECK_EQ(gralloc_buffer_unlock_fenced(fx.buf, -1, NULL), 0);
	fixture_fini(&fx);
}

TEST(acquire_fence_that_is_not_a_sync_file_is_refused_and_closed)
{
	struct fixture fx;
	int fd = not_a_fence();
	void *p;

	CHECK(fixture_init(&fx));
	CHECK(fd >= 0);
	errno = 0;
	CHECK_EQ(gralloc_buffer_lock_fenced(fx.buf, CPU_R, NULL, fd, 0, &p), -EINVAL);
	CHECK_EQ(errno, EINVAL);
	CHECK(strstr(gralloc_last_error(), "not a sync_file"));
	CHECK(!fd_open(fd));
	/* Refused before locking: nothing to unlock. */
	CHECK_EQ(gralloc_buffer_unlock(fx.buf), -EINVAL);
	fixture_fini(&fx);
}

TEST(acquire_fence_is_closed_on_every_error)
{
	struct fixture fx;
	struct gralloc_ycbcr y;
	int fd;
	void *p;

	CHECK(fixture_init(&fx));
	fd = not_a_fence();
	CHECK_EQ(gralloc_buffer_lock_fenced(NULL, CPU_R, NULL, fd, 0, &p), -EINVAL);
	CHECK(!fd_open(fd));
	fd = not_a_fence();
	CHECK_EQ(gralloc_buffer_lock_fenced(fx.buf, CPU_R, NULL, fd, 0, NULL), -EINVAL);
	CHECK(!fd_open(fd));
	fd = not_a_fence();
	CHECK_EQ(gralloc_buffer_lock_fenced(fx.buf, UINT64_C(1) << 40, NULL, fd, 0, &p), -EINVAL);
	CHECK(!fd_open(fd));
	fd = not_a_fence();
	CHECK_EQ(gralloc_buffer_lock_ycbcr_fenced(fx.buf, CPU_R, NULL, fd, 0, NULL), -EINVAL);
	CHECK(!fd_open(fd));
	/* XR24 is not YUV: refused by the lock after the (empty) wait. */
	CHECK_EQ(gralloc_buffer_lock_ycbcr_fenced(fx.buf, CPU_R, NULL, -1, 0, &y), -EINVAL);
	fixture_fini(&fx);
}

/* The buffer's own fd passed by mistake as a fence: refused, and left
 * open, since closing it would take the memory from under the buffer. */
TEST(buffers_own_fd_is_not_taken_as_a_fence)
{
	struct gralloc_buffer_info info;
	struct fixture fx;
	void *p;

	CHECK(fixture_init(&fx));
	CHECK_EQ(gralloc_buffer_describe(fx.buf, &info), 0);
	CHECK_EQ(gralloc_buffer_lock_fenced(fx.buf, CPU_R, NULL, info.fds[0], 0, &p), -EBADF);
	CHECK(fd_open(info.fds[0]));
	CHECK_EQ(gralloc_buffer_lock(fx.buf, CPU_R, NULL, &p), 0);
	CHECK_EQ(gralloc_buffer_unlock_fenced(fx.buf, info.fds[0], NULL), -EBADF);
	CHECK(fd_open(info.fds[0]));
	CHECK_EQ(gralloc_buffer_unlock(fx.buf), 0);
	fixture_fini(&fx);
}

/* A bad writes fence fails before the unlock: the lock still holds. */
TEST(bad_writes_fence_leaves_buffer_locked)
{
	struct fixture fx;
	int fd, rel = 9;
	void *p;

	CHECK(fixture_init(&fx));
	CHECK_EQ(gralloc_buffer_lock(fx.buf, CPU_W, NULL, &p), 0);
	fd = not_a_fence();
	CHECK_EQ(gralloc_buffer_unlock_fenced(fx.buf, fd, &rel), -EINVAL);
	CHECK(!fd_open(fd));
	CHECK_EQ(rel, -1);
	CHECK_EQ(gralloc_buffer_unlock(fx.buf), 0);
	CHECK_EQ(gralloc_buffer_unlock_fenced(fx.buf, -1, &rel), -EINVAL);
	fd = not_a_fence();
	CHECK_EQ(gralloc_buffer_unlock_fenced(NULL, fd, NULL), -EINVAL);
	CHECK(!fd_open(fd));
	fixture_fini(&fx);
}

int main(void)
{
	return test_run_all();
}
