/* SPDX-License-Identifier: MIT */
/* Fenced CPU access against real fences (docs/fences.md).
 *
 * Device work is played by vgem: it imports the library's system-heap
 * buffer and attaches read or write fences to the dma-buf, signalled when
 * the test says so. Nothing here trusts the library's view: whether a lock
 * blocked is seen from another thread, the fences the library hands back
 * are polled directly, and what it attaches is seen through the kernel's
 * own poll() on the dma-buf. On the build machine every test skips; in the
 * guest a missing heap or vgem fails. */
#include <pthread.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>

#include <drm_fourcc.h>

#include "gralloc/fence.h"
#include "guest.h"
#include "vgem-fence.h"

#define CPU_R GRALLOC_USAGE_CPU_READ_OFTEN
#define CPU_W GRALLOC_USAGE_CPU_WRITE_OFTEN
#define CPU_RW (CPU_R | CPU_W)

struct fixture {
	int vgem;
	struct gralloc_device *dev;
	struct gralloc_buffer *buf; /* under test */
	int fd;                     /* its dma-buf, borrowed */
	uint32_t handle;            /* its vgem import */
	struct gralloc_buffer *src; /* source of unsignalled sync_files */
	int src_fd;
	uint32_t src_handle;
};

static struct gralloc_buffer *alloc_on(struct gralloc_device *dev, const char *name)
{
	struct gralloc_buffer_desc d = { .width = 256, .height = 64,
					 .format = DRM_FORMAT_XRGB8888, .usage = CPU_RW,
					 .name = name };
	struct gralloc_buffer *b = gralloc_buffer_allocate(dev, &d);

	if (!b)
		printf("#   allocate %s: %s (%s)\n", name, strerror(errno), gralloc_last_error());
	return b;
}

static int first_fd(const struct gralloc_buffer *b)
{
	struct gralloc_buffer_info info;

	return gralloc_buffer_describe(b, &info) ? -1 : info.fds[0];
}

static void fixture_fini(struct fixture *fx)
{
	/* Closing vgem signals whatever a failed test left pending. */
	if (fx->vgem >= 0)
		close(fx->vgem);
	gralloc_device_destroy(fx->dev);
}

static bool fixture_init(struct fixture *fx)
{
	struct gralloc_device_options o = { .no_config = true };

	memset(fx, 0, sizeof(*fx));
	fx->vgem = -1;
	if (access(GUEST_SYSTEM_HEAP, F_OK)) {
		guest_missing("no %s", GUEST_SYSTEM_HEAP);
		return false;
	}
	fx->vgem = guest_open_drm("vgem");
	if (fx->vgem < 0) {
		guest_missing("no DRM device driven by vgem");
		return false;
	}
	fx->dev = gralloc_device_create(&o);
	fx->buf = fx->dev ? alloc_on(fx->dev, "fence-test") : NULL;
	fx->src = fx->dev ? alloc_on(fx->dev, "fence-source") : NULL;
	if (!fx->buf || !fx->src)
		goto fail;
	fx->fd = first_fd(fx->buf);
	fx->src_fd = first_fd(fx->src);
	if (drmPrimeFDToHandle(fx->vgem, fx->fd, &fx->handle) ||
	    drmPrimeFDToHandle(fx->vgem, fx->src_fd, &fx->src_handle)) {
		printf("#   vgem PRIME import: %s\n", strerror(errno));
		goto fail;
	}
	return true;
fail:
	test_failed_flag = true;
	fixture_fini(fx);
	return false;
}

/* An unsignalled sync_file and the vgem fence behind it (*fence). */
static int pending_sync_file(struct fixture *fx, int *fence)
{
	int sf;

	*fence = vgem_fence_attach(fx->vgem, fx->src_handle, true);
	if (*fence < 0)
		return *fence;
	sf = dma_buf_writers_fence(fx->src_fd);
	if (sf < 0)
		vgem_fence_signal(fx->vgem, *fence);
	return sf;
}

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* A lock run on another thread, so the test can see whether it blocks. */
struct locker {
	pthread_t thread;
	struct gralloc_buffer *buf;
	uint64_t usage;
	bool fenced;
	int pipe[2]; /* the thread writes its result here */
};

static void *locker_main(void *arg)
{
	struct locker *l = arg;
	void *p;
	int ret = l->fenced ? gralloc_buffer_lock_fenced(l->buf, l->usage, NULL, -1, -1, &p)
			    : gralloc_buffer_lock(l->buf, l->usage, NULL, &p);

	if (write(l->pipe[1], &ret, sizeof(ret)) != sizeof(ret))
		abort();
	return NULL;
}

static bool locker_start(struct locker *l)
{
	if (pipe2(l->pipe, O_CLOEXEC))
		return false;
	if (pthread_create(&l->thread, NULL, locker_main, l)) {
		close(l->pipe[0]);
		close(l->pipe[1]);
		return false;
	}
	return true;
}

/* The thread's lock result, or 1 when it has not returned within ms. */
static int locker_result(struct locker *l, int ms)
{
	int ret;

	if (fence_signalled(l->pipe[0], ms) != 1)
		return 1;
	return read(l->pipe[0], &ret, sizeof(ret)) == sizeof(ret) ? ret : -EIO;
}

static void locker_join(struct locker *l)
{
	pthread_join(l->thread, NULL);
	close(l->pipe[0]);
	close(l->pipe[1]);
}

/* A write fence holds a read lock back until it signals, then lets it
 * through: seen from the thread that locks. */
static void write_fence_blocks_read(bool fenced)
{
	struct locker l = { .usage = CPU_R, .fenced = fenced };
	struct fixture fx;
	int fence, ret;

	if (!fixture_init(&fx))
		return;
	l.buf = fx.buf;
	fence = vgem_fence_attach(fx.vgem, fx.handle, true);
	if (fence < 0 || !locker_start(&l)) {
		FAIL_MSG("attach write fence: %s", strerror(-fence));
		fixture_fini(&fx);
		return;
	}
	ret = locker_result(&l, 300);
	if (ret != 1)
		FAIL_MSG("read lock returned %d with an unsignalled write fence on the buffer", ret);
	if (vgem_fence_signal(fx.vgem, fence))
		FAIL_MSG("signal: %s", strerror(errno));
	if (ret == 1) {
		ret = locker_result(&l, 5000);
		if (ret)
			FAIL_MSG("read lock after the fence signalled: %d", ret);
		else
			CHECK_EQ(gralloc_buffer_unlock(fx.buf), 0);
	}
	locker_join(&l);
	fixture_fini(&fx);
}

TEST(write_fence_blocks_fenced_read_lock)
{
	write_fence_blocks_read(true);
}

/* The plain lock waits too: DMA_BUF_IOCTL_SYNC(START) waits for the same
 * fences in the kernel, with no time limit. */
TEST(write_fence_blocks_plain_read_lock)
{
	write_fence_blocks_read(false);
}

TEST(read_fence_does_not_block_read_lock_but_blocks_write_lock)
{
	struct fixture fx;
	void *p;
	int fence, ret;

	if (!fixture_init(&fx))
		return;
	fence = vgem_fence_attach(fx.vgem, fx.handle, false);
	if (fence < 0) {
		FAIL_MSG("attach read fence: %s", strerror(-fence));
		goto out;
	}
	ret = gralloc_buffer_lock_fenced(fx.buf, CPU_R, NULL, -1, 0, &p);
	if (ret)
		FAIL_MSG("read lock with only a reader pending: %d (%s)", ret, gralloc_last_error());
	else
		gralloc_buffer_unlock(fx.buf);
	ret = gralloc_buffer_lock_fenced(fx.buf, CPU_W, NULL, -1, 100, &p);
	if (ret != -ETIME)
		FAIL_MSG("write lock with a reader pending gave %d, not -ETIME", ret);
	vgem_fence_signal(fx.vgem, fence);
	ret = gralloc_buffer_lock_fenced(fx.buf, CPU_W, NULL, -1, 0, &p);
	if (ret)
		FAIL_MSG("write lock after the reader finished: %d", ret);
	else
		gralloc_buffer_unlock(fx.buf);
out:
	fixture_fini(&fx);
}

/* ETIME after (not before) the timeout, the acquire fence closed, and the
 * buffer not locked: no unlock is owed and the next lock works. */
TEST(timeout_gives_etime_and_leaves_buffer_unlocked)
{
	struct fixture fx;
	int fence, sf, sf_fence, fds, ret;
	double t0, took;
	void *p;

	if (!fixture_init(&fx))
		return;
	fence = vgem_fence_attach(fx.vgem, fx.handle, true);
	sf = pending_sync_file(&fx, &sf_fence);
	CHECK(fence >= 0 && sf >= 0);
	fds = test_count_fds();
	t0 = now_ms();
	errno = 0;
	ret = gralloc_buffer_lock_fenced(fx.buf, CPU_R, NULL, -1, 200, &p);
	took = now_ms() - t0;
	if (ret != -ETIME || errno != ETIME)
		FAIL_MSG("lock gave %d errno %d, expected -ETIME", ret, errno);
	if (took < 199 || took > 3000)
		FAIL_MSG("200 ms timeout took %.1f ms", took);
	if (gralloc_buffer_unlock(fx.buf) != -EINVAL)
		FAIL_MSG("the timed-out buffer was left locked");
	/* Timing out on the acquire fence closes it too. */
	ret = gralloc_buffer_lock_fenced(fx.buf, CPU_R, NULL, sf, 50, &p);
	if (ret != -ETIME)
		FAIL_MSG("lock on an unsignalled acquire fence gave %d, not -ETIME", ret);
	if (test_count_fds() != fds - 1)
		FAIL_MSG("acquire fence not closed: %d fds, expected %d", test_count_fds(), fds - 1);
	vgem_fence_signal(fx.vgem, fence);
	vgem_fence_signal(fx.vgem, sf_fence);
	ret = gralloc_buffer_lock_fenced(fx.buf, CPU_RW, NULL, -1, 0, &p);
	if (ret)
		FAIL_MSG("lock once everything signalled: %d (%s)", ret, gralloc_last_error());
	else
		CHECK_EQ(gralloc_buffer_unlock(fx.buf), 0);
	fixture_fini(&fx);
}

TEST(acquire_fence_is_waited_for)
{
	struct fixture fx;
	int sf, fence, ret;
	void *p;

	if (!fixture_init(&fx))
		return;
	sf = pending_sync_file(&fx, &fence);
	CHECK(sf >= 0);
	ret = gralloc_buffer_lock_fenced(fx.buf, CPU_W, NULL, sf, 100, &p);
	if (ret != -ETIME)
		FAIL_MSG("unsignalled acquire fence: %d, not -ETIME", ret);
	vgem_fence_signal(fx.vgem, fence);
	/* The same fence again, now signalled: a new fd for it. */
	sf = dma_buf_writers_fence(fx.src_fd);
	CHECK(sf >= 0);
	ret = gralloc_buffer_lock_fenced(fx.buf, CPU_W, NULL, sf, 1000, &p);
	if (ret)
		FAIL_MSG("signalled acquire fence: %d (%s)", ret, gralloc_last_error());
	else
		CHECK_EQ(gralloc_buffer_unlock(fx.buf), 0);
	fixture_fini(&fx);
}

/* The release fence stands for all work on the buffer: a display still
 * reading it (a read fence) keeps it unsignalled. */
TEST(release_fence_tracks_pending_device_work)
{
	struct fixture fx;
	int fence, rel = -1, ret;
	void *p;

	if (!fixture_init(&fx))
		return;
	CHECK_EQ(gralloc_buffer_lock_fenced(fx.buf, CPU_W, NULL, -1, -1, &p), 0);
	CHECK_EQ(gralloc_buffer_unlock_fenced(fx.buf, -1, &rel), 0);
	if (rel < 0 || fence_signalled(rel, 0) != 1)
		FAIL_MSG("release fence with nothing pending: fd %d, not signalled", rel);
	if (rel >= 0)
		close(rel);
	fence = vgem_fence_attach(fx.vgem, fx.handle, false);
	CHECK(fence >= 0);
	CHECK_EQ(gralloc_buffer_lock_fenced(fx.buf, CPU_R, NULL, -1, 0, &p), 0);
	ret = gralloc_buffer_unlock_fenced(fx.buf, -1, &rel);
	if (ret || rel < 0)
		FAIL_MSG("unlock_fenced: %d, release fence %d", ret, rel);
	else if (fence_signalled(rel, 50) != 0)
		FAIL_MSG("release fence signalled while a device read is pending");
	vgem_fence_signal(fx.vgem, fence);
	if (rel >= 0 && fence_signalled(rel, 2000) != 1)
		FAIL_MSG("release fence did not signal when the device read finished");
	if (rel >= 0)
		close(rel);
	fixture_fini(&fx);
}

/* Explicit to implicit: a writes fence given at unlock lands on the
 * dma-buf, where the kernel (poll) and the next lock see it. */
TEST(unlock_attaches_writes_fence_to_the_dma_buf)
{
	struct fixture fx;
	struct pollfd pfd;
	int sf, fence, rel = -1, ret;
	void *p;

	if (!fixture_init(&fx))
		return;
	sf = pending_sync_file(&fx, &fence);
	CHECK(sf >= 0);
	CHECK_EQ(gralloc_buffer_lock(fx.buf, CPU_W, NULL, &p), 0);
	ret = gralloc_buffer_unlock_fenced(fx.buf, sf, &rel);
	if (ret)
		FAIL_MSG("unlock_fenced with a writes fence: %d (%s)", ret, gralloc_last_error());
	pfd = (struct pollfd){ .fd = fx.fd, .events = POLLIN };
	if (poll(&pfd, 1, 0) != 0)
		FAIL_MSG("the kernel sees no writer on the dma-buf after unlock");
	if (rel < 0 || fence_signalled(rel, 0) != 0)
		FAIL_MSG("release fence %d does not wait for the writes fence", rel);
	ret = gralloc_buffer_lock_fenced(fx.buf, CPU_R, NULL, -1, 100, &p);
	if (ret != -ETIME)
		FAIL_MSG("read lock before the writes fence signalled: %d, not -ETIME", ret);
	vgem_fence_signal(fx.vgem, fence);
	ret = gralloc_buffer_lock_fenced(fx.buf, CPU_R, NULL, -1, 2000, &p);
	if (ret)
		FAIL_MSG("read lock after the writes fence signalled: %d", ret);
	else
		gralloc_buffer_unlock(fx.buf);
	if (rel >= 0 && fence_signalled(rel, 0) != 1)
		FAIL_MSG("release fence still unsignalled");
	if (rel >= 0)
		close(rel);
	fixture_fini(&fx);
}

/* Child: imports the handle, attaches a write fence through its own vgem
 * import, says 'A', signals on 'S', says 'D'. Never returns. */
static void fence_child(int sock)
{
	struct gralloc_device_options o = { .no_config = true };
	struct gralloc_device *dev = gralloc_device_create(&o);
	struct gralloc_buffer *b = dev ? gralloc_handle_receive(dev, sock) : NULL;
	int vgem = guest_open_drm("vgem"), fence = -1;
	uint32_t handle;
	char c = 'E';

	if (b && vgem >= 0 && !drmPrimeFDToHandle(vgem, first_fd(b), &handle))
		fence = vgem_fence_attach(vgem, handle, true);
	if (fence >= 0)
		c = 'A';
	if (write(sock, &c, 1) != 1 || c != 'A')
		_exit(1);
	if (read(sock, &c, 1) != 1 || c != 'S' || vgem_fence_signal(vgem, fence))
		_exit(2);
	c = 'D';
	_exit(write(sock, &c, 1) == 1 ? 0 : 3);
}

TEST(fence_from_another_process_import_is_seen_by_exporter)
{
	struct fixture fx;
	int sv[2], status = -1, ret;
	char c = 0;
	pid_t pid;
	void *p;

	if (!fixture_init(&fx))
		return;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
		FAIL_MSG("socketpair: %s", strerror(errno));
		fixture_fini(&fx);
		return;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		fence_child(sv[1]);
	}
	close(sv[1]);
	if (pid < 0 || gralloc_handle_send(sv[0], fx.buf) || read(sv[0], &c, 1) != 1 ||
	    c != 'A') {
		FAIL_MSG("child did not attach its fence (got '%c')", c);
		goto out;
	}
	ret = gralloc_buffer_lock_fenced(fx.buf, CPU_R, NULL, -1, 200, &p);
	if (ret != -ETIME)
		FAIL_MSG("exporter's read lock with the child's write fence pending: %d", ret);
	c = 'S';
	if (write(sv[0], &c, 1) != 1 || read(sv[0], &c, 1) != 1 || c != 'D')
		FAIL_MSG("child did not signal");
	ret = gralloc_buffer_lock_fenced(fx.buf, CPU_R, NULL, -1, 2000, &p);
	if (ret)
		FAIL_MSG("exporter's read lock after the child signalled: %d", ret);
	else
		gralloc_buffer_unlock(fx.buf);
out:
	close(sv[0]);
	if (pid > 0 && (waitpid(pid, &status, 0) != pid || status != 0))
		FAIL_MSG("child exit status 0x%x", status);
	fixture_fini(&fx);
}

/* Every fd the calls take is closed and every one they return is the
 * caller's: 1000 cycles leave the fd count where it was. */
TEST(no_fd_growth_over_1000_cycles)
{
	struct fixture fx;
	int fds_before, i;
	void *p;

	if (!fixture_init(&fx))
		return;
	fds_before = test_count_fds();
	for (i = 0; i < 1000; i++) {
		int fence = vgem_fence_attach(fx.vgem, fx.handle, true);
		int sf_fence, sf, rel = -1;

		if (fence < 0) {
			FAIL_MSG("cycle %d: attach: %s", i, strerror(-fence));
			break;
		}
		if (gralloc_buffer_lock_fenced(fx.buf, CPU_R, NULL, -1, 0, &p) != -ETIME) {
			FAIL_MSG("cycle %d: lock did not time out", i);
			break;
		}
		sf = pending_sync_file(&fx, &sf_fence);
		vgem_fence_signal(fx.vgem, fence);
		vgem_fence_signal(fx.vgem, sf_fence);
		if (sf < 0 || gralloc_buffer_lock_fenced(fx.buf, CPU_W, NULL, sf, 1000, &p)) {
			FAIL_MSG("cycle %d: lock: %s", i, gralloc_last_error());
			break;
		}
		if (gralloc_buffer_unlock_fenced(fx.buf, -1, &rel) || rel < 0) {
			FAIL_MSG("cycle %d: unlock: %s", i, gralloc_last_error());
			break;
		}
		close(rel);
	}
	if (test_count_fds() != fds_before)
		FAIL_MSG("%d fds after 1000 cycles, %d before", test_count_fds(), fds_before);
	fixture_fini(&fx);
}

/* What waiting costs when nothing is pending: printed as a ratio against
 * the plain lock measured in the same run, never asserted. Rounds of each
 * alternate and the fastest round of each counts, so that other load on
 * the machine (TCG, shared cores) skews both alike. */
static double lock_round(struct gralloc_buffer *buf, bool fenced)
{
	double t0 = now_ms();
	void *p;

	for (int i = 0; i < 500; i++) {
		if (fenced) {
			gralloc_buffer_lock_fenced(buf, CPU_RW, NULL, -1, 1000, &p);
			gralloc_buffer_unlock_fenced(buf, -1, NULL);
		} else {
			gralloc_buffer_lock(buf, CPU_RW, NULL, &p);
			gralloc_buffer_unlock(buf);
		}
	}
	return now_ms() - t0;
}

TEST(fenced_lock_cost_ratio)
{
	double plain = 1e9, fenced = 1e9;
	struct fixture fx;

	if (!fixture_init(&fx))
		return;
	for (int r = 0; r < 7; r++) {
		double a = lock_round(fx.buf, false), b = lock_round(fx.buf, true);

		plain = a < plain ? a : plain;
		fenced = b < fenced ? b : fenced;
	}
	printf("#   lock+unlock x500, fastest of 7 rounds: plain %.2f ms, fenced %.2f ms, "
	       "ratio %.2f\n", plain, fenced, plain > 0 ? fenced / plain : 0);
	fixture_fini(&fx);
}

/* memfd carries no fences: the acquire fence is still honoured, unlock
 * gives -1 and waits for a writes fence it has nowhere to attach. */
struct delayed_signal {
	int vgem, fence, ms;
};

static void *signal_later(void *arg)
{
	struct delayed_signal *s = arg;

	usleep((useconds_t)s->ms * 1000);
	vgem_fence_signal(s->vgem, s->fence);
	return NULL;
}

TEST(memfd_buffers_without_fences)
{
	struct gralloc_device_options o = { .no_config = true };
	char dir[] = "/tmp/gralloc-fence-memfd-XXXXXX", missing[64];
	struct gralloc_device *mdev = NULL;
	struct gralloc_buffer *mbuf = NULL;
	struct gralloc_buffer_info info;
	struct delayed_signal ds;
	struct fixture fx;
	pthread_t th;
	int sf, rel = 7, ret;
	double t0, took;
	void *p;

	if (!fixture_init(&fx))
		return;
	o.heap_dir = mkdtemp(dir);
	snprintf(missing, sizeof(missing), "%s/none", dir);
	o.udmabuf_path = missing;
	o.display_path = missing;
	if (o.heap_dir)
		mdev = gralloc_device_create(&o);
	if (mdev)
		mbuf = alloc_on(mdev, "memfd-fence");
	if (!mbuf || gralloc_buffer_describe(mbuf, &info) || strcmp(info.backend, "memfd")) {
		FAIL_MSG("no memfd buffer");
		goto out;
	}
	sf = pending_sync_file(&fx, &ds.fence);
	ret = gralloc_buffer_lock_fenced(mbuf, CPU_R, NULL, sf, 100, &p);
	if (ret != -ETIME)
		FAIL_MSG("memfd lock on an unsignalled acquire fence: %d, not -ETIME", ret);
	vgem_fence_signal(fx.vgem, ds.fence);
	CHECK_EQ(gralloc_buffer_lock_fenced(mbuf, CPU_W, NULL, -1, 0, &p), 0);
	sf = pending_sync_file(&fx, &ds.fence);
	ds.vgem = fx.vgem;
	ds.ms = 200;
	if (sf < 0 || pthread_create(&th, NULL, signal_later, &ds)) {
		FAIL_MSG("no pending fence");
		goto out;
	}
	t0 = now_ms();
	ret = gralloc_buffer_unlock_fenced(mbuf, sf, &rel);
	took = now_ms() - t0;
	pthread_join(th, NULL);
	if (ret || rel != -1)
		FAIL_MSG("memfd unlock_fenced: %d, release fence %d (expected 0, -1)", ret, rel);
	if (took < 150)
		FAIL_MSG("memfd unlock returned after %.1f ms, before the writes fence signalled",
			 took);
out:
	gralloc_device_destroy(mdev);
	if (o.heap_dir)
		rmdir(dir);
	fixture_fini(&fx);
}

int main(void)
{
	return test_run_all();
}
