/* SPDX-License-Identifier: MIT */
/* Guest tests for handles: real system-heap dma-bufs passed between two
 * processes. On the build machine (no /dev/dma_heap) every test skips
 * with the reason; in the QEMU guest (GRALLOC_VM=1) a missing heap fails.
 *
 * Oracles: pixel patterns written in one process and read in the other
 * (both directions: zero copy, not a copy), fd counts of both processes,
 * the kernel's own list of live dma-bufs (debugfs dma_buf/bufinfo, by
 * inode) and MemFree from /proc/meminfo. */
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "guest.h"
#include "handle-test.h"

#define CPU_RW (GRALLOC_USAGE_CPU_READ_OFTEN | GRALLOC_USAGE_CPU_WRITE_OFTEN)
#define BUFINFO "/sys/kernel/debug/dma_buf/bufinfo"

static struct gralloc_device *heap_device(void)
{
	struct gralloc_device_options o = { .no_config = true };

	return gralloc_device_create(&o);
}

static struct gralloc_buffer *heap_alloc(struct gralloc_device *dev, uint32_t w, uint32_t h)
{
	struct gralloc_buffer_desc d = { .width = w, .height = h,
					 .format = DRM_FORMAT_XRGB8888, .usage = CPU_RW,
					 .name = "handle-guest" };

	return gralloc_buffer_allocate(dev, &d);
}

/* The producer must really have system-heap dma-bufs, or the test proves
 * nothing about dma-bufs. */
static bool is_system_heap(const struct gralloc_buffer *b)
{
	struct gralloc_buffer_info info;

	if (gralloc_buffer_describe(b, &info))
		return false;
	if (strcmp(info.backend, "dma-heap") || strcmp(info.heap, "system") ||
	    !info.is_dma_buf) {
		printf("#   buffer came from %s heap \"%s\", not the system heap\n",
		       info.backend, info.heap);
		return false;
	}
	return true;
}

static unsigned long long buf_ino(const struct gralloc_buffer *b)
{
	struct gralloc_buffer_info info;

	return gralloc_buffer_describe(b, &info) ? 0 : guest_ino(info.fds[0]);
}

/* Child side: failures print and exit non-zero; never return into the
 * harness (its fd checks and TAP numbering belong to the parent). */
#define CHILD_CHECK(cond)                                                      \
	do {                                                                   \
		if (!(cond)) {                                                 \
			printf("#   consumer %s:%d: %s (%s)\n", __FILE__, __LINE__, \
			       #cond, gralloc_last_error());                   \
			fflush(stdout);                                        \
			_exit(1);                                              \
		}                                                              \
	} while (0)

static pid_t spawn(void (*fn)(int sock), int sock, int other)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		close(other);
		fn(sock);
		fflush(stdout);
		_exit(0);
	}
	return pid;
}

/* Waits up to timeout_ms; a child that does not exit by then is a hang:
 * killed, and reported as -1. */
static int wait_child(pid_t pid, int timeout_ms)
{
	int status;

	for (int t = 0; t < timeout_ms; t += 10) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	printf("#   child %d did not exit within %d ms\n", (int)pid, timeout_ms);
	return -1;
}

static bool read_byte(int sock, char want, int timeout_ms)
{
	struct pollfd p = { .fd = sock, .events = POLLIN };
	char c;

	if (poll(&p, 1, timeout_ms) != 1 || read(sock, &c, 1) != 1 || c != want) {
		printf("#   no '%c' from the peer\n", want);
		return false;
	}
	return true;
}

/* ---- rules that need a real dma-buf ------------------------------------ */

/* The host can only test memfds: here the dma-buf side of the kind and
 * size rules (SEEK_END on a dma-buf) meets a real kernel. */
TEST(dma_buf_kind_and_size_rules)
{
	struct gralloc_device *dev;
	struct gralloc_buffer *small, *big, *imp;
	struct th_handle hs, hb;
	struct gralloc_buffer_info info;
	int memfd;

	GUEST_REQUIRE_CHR(GUEST_SYSTEM_HEAP);
	dev = heap_device();
	CHECK(dev);
	small = heap_alloc(dev, 64, 64);
	big = heap_alloc(dev, 512, 512);
	CHECK(small && big && is_system_heap(small));
	CHECK_EQ(th_serialize(small, &hs), 0);
	CHECK_EQ(th_serialize(big, &hb), 0);

	imp = gralloc_handle_import(dev, hs.data, hs.len, hs.fds, 1);
	CHECK(imp);
	CHECK_EQ(gralloc_buffer_describe(imp, &info), 0);
	CHECK(info.is_dma_buf);
	CHECK_STR(info.heap, "system");
	CHECK_EQ(gralloc_buffer_free(dev, imp), 0);

	/* The big buffer's honest layout on the small dma-buf. */
	CHECK(!gralloc_handle_import(dev, hb.data, hb.len, hs.fds, 1));
	CHECK_EQ(errno, EINVAL);
	CHECK(strstr(gralloc_last_error(), "[size]"));

	/* A dma-buf claimed as memfd memory. */
	CHECK_EQ(gralloc_handle_decode(hs.data, hs.len, &info), 0);
	strcpy(info.backend, "memfd");
	info.heap[0] = '\0';
	CHECK_EQ(gralloc_handle_encode(&info, hs.data, sizeof(hs.data)), GRALLOC_WIRE_SIZE);
	CHECK(!gralloc_handle_import(dev, hs.data, hs.len, hs.fds, 1));
	CHECK(strstr(gralloc_last_error(), "[backend-fd]"));

	/* And a sealed memfd claimed as a heap dma-buf. */
	memfd = memfd_create("fake-heap", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	CHECK(memfd >= 0);
	CHECK_EQ(ftruncate(memfd, 1 << 20), 0);
	CHECK_EQ(fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW), 0);
	CHECK(!gralloc_handle_import(dev, hb.data, hb.len, &memfd, 1));
	close(memfd);
	CHECK(strstr(gralloc_last_error(), "[backend-fd]"));
	gralloc_device_destroy(dev);
}

/* ---- producer writes, consumer verifies and answers --------------------- */

static void pattern_consumer(int sock)
{
	struct gralloc_device *dev = heap_device();
	struct gralloc_buffer *b;
	struct gralloc_buffer_info info;
	uint8_t *p;

	CHILD_CHECK(dev);
	b = gralloc_handle_receive(dev, sock);
	CHILD_CHECK(b);
	CHILD_CHECK(gralloc_buffer_describe(b, &info) == 0);
	CHILD_CHECK(info.is_dma_buf && !strcmp(info.backend, "dma-heap"));
	CHILD_CHECK(gralloc_buffer_lock(b, CPU_RW, NULL, (void **)&p) == 0);
	CHILD_CHECK(th_pattern(p, info.planes[0].stride, info.width * 4, info.height, 1,
			       true) == 0);
	th_pattern(p, info.planes[0].stride, info.width * 4, info.height, 2, false);
	CHILD_CHECK(gralloc_buffer_unlock(b) == 0);
	CHILD_CHECK(gralloc_buffer_free(dev, b) == 0);
	CHILD_CHECK(gralloc_buffer_free(dev, b) == -EINVAL);
	gralloc_device_destroy(dev);
	CHILD_CHECK(write(sock, "k", 1) == 1);
}

TEST(producer_pattern_reaches_consumer_and_back)
{
	struct gralloc_device *dev;
	struct gralloc_buffer *b;
	struct gralloc_buffer_info info;
	uint8_t *p;
	int sv[2], rc;
	pid_t pid;

	GUEST_REQUIRE_CHR(GUEST_SYSTEM_HEAP);
	dev = heap_device();
	CHECK(dev);
	b = heap_alloc(dev, 300, 200);
	CHECK(b);
	CHECK(is_system_heap(b));
	gralloc_buffer_describe(b, &info);
	CHECK_EQ(gralloc_buffer_lock(b, GRALLOC_USAGE_CPU_WRITE_OFTEN, NULL, (void **)&p), 0);
	th_pattern(p, info.planes[0].stride, 300 * 4, 200, 1, false);
	CHECK_EQ(gralloc_buffer_unlock(b), 0);

	CHECK_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	pid = spawn(pattern_consumer, sv[1], sv[0]);
	CHECK(pid > 0);
	close(sv[1]);
	CHECK_EQ(gralloc_handle_send(sv[0], b), 0);
	rc = read_byte(sv[0], 'k', 30000) ? 0 : -1;
	CHECK_EQ(wait_child(pid, 30000), 0);
	CHECK_EQ(rc, 0);
	close(sv[0]);
	/* The consumer's writes are in our memory: one buffer, zero copy. */
	CHECK_EQ(gralloc_buffer_lock(b, GRALLOC_USAGE_CPU_READ_OFTEN, NULL, (void **)&p), 0);
	CHECK_EQ(th_pattern(p, info.planes[0].stride, 300 * 4, 200, 2, true), 0);
	CHECK_EQ(gralloc_buffer_unlock(b), 0);
	gralloc_device_destroy(dev);
}

/* ---- 1000 round trips: producer -> consumer -> producer ----------------- */

#define ROUND_TRIPS 1000

static void echo_consumer(int sock)
{
	struct gralloc_device *dev = heap_device();
	int fds_early = -1;

	CHILD_CHECK(dev);
	for (int i = 0; i < ROUND_TRIPS; i++) {
		struct gralloc_buffer *b = gralloc_handle_receive(dev, sock);
		uint32_t *p;

		CHILD_CHECK(b);
		CHILD_CHECK(gralloc_buffer_lock(b, CPU_RW, NULL, (void **)&p) == 0);
		CHILD_CHECK(p[0] == (uint32_t)i);
		p[1] = ~(uint32_t)i;
		CHILD_CHECK(gralloc_buffer_unlock(b) == 0);
		/* Re-export the import: handles of imported buffers work too. */
		CHILD_CHECK(gralloc_handle_send(sock, b) == 0);
		CHILD_CHECK(gralloc_buffer_free(dev, b) == 0);
		if (i == 1)
			fds_early = th_fd_count();
	}
	if (th_fd_count() != fds_early) {
		printf("#   consumer fds grew from %d to %d\n", fds_early, th_fd_count());
		fflush(stdout);
		_exit(2);
	}
	gralloc_device_destroy(dev);
}

TEST(thousand_round_trips_no_fd_growth)
{
	struct gralloc_device *dev;
	int sv[2], fds_early = -1, rc;
	pid_t pid;

	GUEST_REQUIRE_CHR(GUEST_SYSTEM_HEAP);
	dev = heap_device();
	CHECK(dev);
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	pid = spawn(echo_consumer, sv[1], sv[0]);
	CHECK(pid > 0);
	close(sv[1]);
	for (int i = 0; i < ROUND_TRIPS; i++) {
		struct gralloc_buffer *b = heap_alloc(dev, 64, 64), *back;
		uint32_t *p;

		if (!b || (i == 0 && !is_system_heap(b)))
			break;
		CHECK_EQ(gralloc_buffer_lock(b, GRALLOC_USAGE_CPU_WRITE_OFTEN, NULL,
					     (void **)&p), 0);
		p[0] = (uint32_t)i;
		gralloc_buffer_unlock(b);
		CHECK_EQ(gralloc_handle_send(sv[0], b), 0);
		back = gralloc_handle_receive(dev, sv[0]);
		if (!back) {
			printf("#   round trip %d: %s\n", i, gralloc_last_error());
			break;
		}
		CHECK_EQ(buf_ino(back), buf_ino(b)); /* the same dma-buf came back */
		CHECK_EQ(gralloc_buffer_lock(back, GRALLOC_USAGE_CPU_READ_OFTEN, NULL,
					     (void **)&p), 0);
		CHECK_EQ(p[1], ~(uint32_t)i);
		gralloc_buffer_unlock(back);
		CHECK_EQ(gralloc_buffer_free(dev, back), 0);
		CHECK_EQ(gralloc_buffer_free(dev, b), 0);
		if (i == 1)
			fds_early = th_fd_count();
		if (i == ROUND_TRIPS - 1) {
			CHECK_EQ(th_fd_count(), fds_early);
			printf("#   %d round trips, producer fds steady at %d\n", ROUND_TRIPS,
			       fds_early);
		}
	}
	rc = wait_child(pid, 120000);
	close(sv[0]);
	gralloc_device_destroy(dev);
	CHECK_EQ(rc, 0);
}

/* ---- consumer killed while holding buffers ----------------------------- */

#define HELD 16
#define HELD_W 1024
#define HELD_H 1024 /* 4 MiB each, 64 MiB in all */

static void holding_consumer(int sock)
{
	struct gralloc_device *dev = heap_device();

	CHILD_CHECK(dev);
	for (int i = 0; i < HELD; i++) {
		struct gralloc_buffer *b = gralloc_handle_receive(dev, sock);
		uint8_t *p;

		CHILD_CHECK(b);
		/* Mapped and locked: the kill has a mapping to tear down too. */
		CHILD_CHECK(gralloc_buffer_lock(b, CPU_RW, NULL, (void **)&p) == 0);
		p[0] = (uint8_t)i;
	}
	CHILD_CHECK(write(sock, "h", 1) == 1);
	for (;;)
		pause();
}

/* bufinfo lists every live dma-buf with its inode. debugfs is not mounted
 * by the guest's init: mount it if we can (the guest is throwaway). */
static FILE *open_bufinfo(void)
{
	FILE *f = fopen(BUFINFO, "re");

	if (!f && guest_in_vm()) {
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
		f = fopen(BUFINFO, "re");
	}
	return f;
}

/* How many of inos[] the kernel still has as dma-bufs; -1 without debugfs. */
static int live_dma_bufs(const unsigned long long *inos, int n)
{
	FILE *f = open_bufinfo();
	char line[512];
	int found = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long size, ino;
		unsigned flags, mode;
		long count;
		char exp[64];

		/* size flags mode count exp_name ino name */
		if (sscanf(line, "%llu %x %x %ld %63s %llu", &size, &flags, &mode, &count, exp,
			   &ino) != 6)
			continue;
		for (int i = 0; i < n; i++)
			found += inos[i] == ino;
	}
	fclose(f);
	return found;
}

static long long mem_free_kib(void)
{
	FILE *f = fopen("/proc/meminfo", "re");
	char line[128];
	long long v = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemFree: %lld kB", &v) == 1)
			break;
	fclose(f);
	return v;
}

TEST(consumer_killed_holding_buffers_releases_memory)
{
	struct gralloc_device *dev;
	struct gralloc_buffer *bufs[HELD] = { 0 };
	unsigned long long inos[HELD];
	long long free_held, free_after = 0;
	int sv[2], live_held, live_after = -1, rc, err;
	struct timespec t0, t1;
	pid_t pid;

	GUEST_REQUIRE_CHR(GUEST_SYSTEM_HEAP);
	dev = heap_device();
	CHECK(dev);
	CHECK_EQ(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	pid = spawn(holding_consumer, sv[1], sv[0]);
	CHECK(pid > 0);
	close(sv[1]);
	for (int i = 0; i < HELD; i++) {
		bufs[i] = heap_alloc(dev, HELD_W, HELD_H);
		CHECK(bufs[i]);
		CHECK(i || is_system_heap(bufs[i]));
		inos[i] = buf_ino(bufs[i]);
		CHECK_EQ(gralloc_handle_send(sv[0], bufs[i]), 0);
	}
	if (!read_byte(sv[0], 'h', 60000)) {
		kill(pid, SIGKILL);
		wait_child(pid, 10000);
		CHECK(!"consumer never held the buffers");
	}
	/* From here the consumer holds the only references. */
	for (int i = 0; i < HELD; i++)
		CHECK_EQ(gralloc_buffer_free(dev, bufs[i]), 0);
	live_held = live_dma_bufs(inos, HELD);
	free_held = mem_free_kib();

	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK_EQ(kill(pid, SIGKILL), 0);
	rc = wait_child(pid, 10000);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CHECK_EQ(rc, 128 + SIGKILL);
	/* The dead peer does not make the producer hang either. */
	{
		struct gralloc_buffer *late = heap_alloc(dev, 64, 64);

		CHECK(late);
		err = gralloc_handle_send(sv[0], late);
		CHECK(err == -EPIPE || err == -ECONNRESET);
	}
	close(sv[0]);

	/* Release runs in the dying task's exit path; allow the kernel a
	 * moment anyway rather than racing it. */
	for (int t = 0; t < 50; t++) {
		live_after = live_dma_bufs(inos, HELD);
		free_after = mem_free_kib();
		if (live_after <= 0 && free_after - free_held >= HELD * 4096LL * 3 / 4)
			break;
		usleep(100000);
	}
	printf("#   kill to reap: %ld ms; dma-bufs live %d -> %d (bufinfo%s); MemFree %lld -> %lld kB\n",
	       (long)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000),
	       live_held, live_after, live_held < 0 ? " unavailable" : "", free_held, free_after);
	if (live_held >= 0) {
		CHECK_EQ(live_held, HELD);
		CHECK_EQ(live_after, 0);
	}
	/* 64 MiB were pinned by the consumer; at least 3/4 must come back
	 * (the rest is slack for whatever else the guest does meanwhile). */
	CHECK(free_after - free_held >= HELD * 4096LL * 3 / 4);
	gralloc_device_destroy(dev);
}

int main(void)
{
	signal(SIGPIPE, SIG_DFL);
	return test_run_all();
}
