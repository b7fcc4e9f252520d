/* SPDX-License-Identifier: MIT */
/* Foreign dma-bufs (gralloc_buffer_import) on a real kernel: V4L2-like
 * buffers from the system heap and udmabuf with the producer's own strides
 * and chroma offsets, disjoint planes, read and written through lock,
 * exported, sent to another process as a handle, scanned out on vkms; and
 * every bad layout refused with errno and no fd left behind. */
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "gralloc/kms.h"
#include "guest.h"
#include "foreign-producer.h"

#define CPU_READ GRALLOC_USAGE_CPU_READ_OFTEN
#define CPU_RW (GRALLOC_USAGE_CPU_READ_OFTEN | GRALLOC_USAGE_CPU_WRITE_OFTEN)

static struct gralloc_device *device(void)
{
	struct gralloc_device *dev = gralloc_device_create(NULL);

	if (!dev)
		printf("#   gralloc_device_create: %s (%s)\n", strerror(errno),
		       gralloc_last_error());
	return dev;
}

static bool have_memory(enum producer_memory m)
{
	const char *node = m == FROM_HEAP ? GUEST_SYSTEM_HEAP : UDMABUF_NODE;
	struct stat st;

	if (stat(node, &st) == 0 && S_ISCHR(st.st_mode))
		return true;
	guest_missing("no %s", node);
	return false;
}

/* Allocates the fds of a layout whose planes are already set. */
static bool produce(struct producer *pr, enum producer_memory m)
{
	for (uint32_t i = 0; i < pr->num_fds; i++)
		pr->fds[i] = -1;
	for (uint32_t i = 0; i < pr->num_fds; i++) {
		pr->fds[i] = producer_fd(m, pr->fd_size[i]);
		if (pr->fds[i] < 0) {
			printf("#   %s of %llu bytes: %s\n", m == FROM_HEAP ? "heap" : "udmabuf",
			       (unsigned long long)pr->fd_size[i], strerror(-pr->fds[i]));
			producer_close(pr);
			return false;
		}
	}
	if (producer_write(pr)) {
		producer_close(pr);
		return false;
	}
	return true;
}

/* NV12 641x479, 704-byte rows, chroma where a V4L2 driver with 16-row
 * alignment and a 256-byte header might put it: nothing our engine makes. */
static bool nv12_odd(struct producer *pr, enum producer_memory m)
{
	*pr = (struct producer){ .format = DRM_FORMAT_NV12, .width = 641, .height = 479,
				 .num_fds = 1, .num_planes = 2, .seed = 1 };
	pr->planes[0] = (struct gralloc_plane_info){ .stride = 704, .offset = 0 };
	pr->planes[1] = (struct gralloc_plane_info){ .stride = 704, .offset = 704 * 496 + 256 };
	pr->fd_size[0] = producer_page_round(704 * 496 + 256 + 704 * 240);
	return produce(pr, m);
}

/* One fd per plane (V4L2's NV12M), chroma at an offset in its own fd. */
static bool nv12_disjoint(struct producer *pr, enum producer_memory m)
{
	*pr = (struct producer){ .format = DRM_FORMAT_NV12, .width = 320, .height = 240,
				 .num_fds = 2, .num_planes = 2, .seed = 2 };
	pr->planes[0] = (struct gralloc_plane_info){ .fd_index = 0, .stride = 384 };
	pr->planes[1] = (struct gralloc_plane_info){ .fd_index = 1, .stride = 448, .offset = 128 };
	pr->fd_size[0] = producer_page_round(384 * 240);
	pr->fd_size[1] = producer_page_round(128 + 448 * 120);
	return produce(pr, m);
}

/* YUV420M: three fds, odd size. cstride: the chroma strides (V's may
 * differ from U's to build the case lock_ycbcr cannot describe). */
static bool yuv420_disjoint(struct producer *pr, enum producer_memory m, uint32_t v_stride)
{
	*pr = (struct producer){ .format = DRM_FORMAT_YUV420, .width = 321, .height = 241,
				 .num_fds = 3, .num_planes = 3, .seed = 3 };
	pr->planes[0] = (struct gralloc_plane_info){ .fd_index = 0, .stride = 352 };
	pr->planes[1] = (struct gralloc_plane_info){ .fd_index = 1, .stride = 192, .offset = 64 };
	pr->planes[2] = (struct gralloc_plane_info){ .fd_index = 2, .stride = v_stride,
						     .offset = 4096 };
	pr->fd_size[0] = producer_page_round(352 * 241);
	pr->fd_size[1] = producer_page_round(64 + 192 * 121);
	pr->fd_size[2] = producer_page_round(4096 + (uint64_t)v_stride * 121);
	return produce(pr, m);
}

/* XRGB8888 641x479, 2600-byte rows starting 8 KiB into the fd. */
static bool xrgb_odd(struct producer *pr, enum producer_memory m)
{
	*pr = (struct producer){ .format = DRM_FORMAT_XRGB8888, .width = 641, .height = 479,
				 .num_fds = 1, .num_planes = 1, .seed = 4 };
	pr->planes[0] = (struct gralloc_plane_info){ .stride = 2600, .offset = 8192 };
	pr->fd_size[0] = producer_page_round(8192 + 2600 * 479);
	return produce(pr, m);
}

static struct gralloc_buffer *import(struct gralloc_device *dev, const struct producer *pr,
				     uint64_t usage)
{
	struct gralloc_import_desc d = producer_desc(pr, usage);
	struct gralloc_buffer *buf = gralloc_buffer_import(dev, &d);

	if (!buf)
		printf("#   import: %s (%s)\n", strerror(errno), gralloc_last_error());
	return buf;
}

/* describe reports the producer's layout, the real fd sizes and our own
 * duplicates of its fds. */
static bool describes_layout(struct gralloc_buffer *buf, const struct producer *pr)
{
	struct gralloc_buffer_info info;
	uint64_t total = 0;

#define EXPECT(cond)                                                   \
	do {                                                           \
		if (!(cond)) {                                         \
			printf("#   describe: %s\n", #cond);           \
			return false;                                  \
		}                                                      \
	} while (0)
	EXPECT(gralloc_buffer_describe(buf, &info) == 0);
	EXPECT(!strcmp(info.backend, "foreign") && info.is_dma_buf);
	EXPECT(info.format == pr->format && info.width == pr->width && info.height == pr->height);
	EXPECT(info.modifier == DRM_FORMAT_MOD_LINEAR);
	EXPECT(info.num_fds == pr->num_fds && info.num_planes == pr->num_planes);
	for (uint32_t i = 0; i < pr->num_fds; i++) {
		EXPECT(info.fds[i] >= 0 && info.fds[i] != pr->fds[i]);
		EXPECT(guest_ino(info.fds[i]) == guest_ino(pr->fds[i]));
		EXPECT(info.fd_size[i] == pr->fd_size[i]);
		EXPECT(lseek(info.fds[i], 0, SEEK_END) == (off_t)pr->fd_size[i]);
		total += pr->fd_size[i];
	}
	EXPECT(info.size == total);
	for (uint32_t p = 0; p < pr->num_planes; p++) {
		EXPECT(info.planes[p].fd_index == pr->planes[p].fd_index);
		EXPECT(info.planes[p].stride == pr->planes[p].stride);
		EXPECT(info.planes[p].offset == pr->planes[p].offset);
	}
#undef EXPECT
	return true;
}

/* Compares plane p, read through ptr/stride, with the producer's bytes.
 * `step`: bytes between samples when only every step-th byte is this
 * plane's (the Cb and Cr halves of NV12's interleaved plane). */
static bool plane_matches(const struct producer *pr, uint32_t p, const uint8_t *ptr,
			  uint32_t stride, uint32_t first, uint32_t step)
{
	uint32_t bytes, rows;

	producer_plane_extent(pr, p, &bytes, &rows);
	for (uint32_t y = 0; y < rows; y++) {
		for (uint32_t x = first; x < bytes; x += step) {
			uint8_t want = producer_byte(pr, p, x, y);
			uint8_t got = ptr[(size_t)y * stride + x - first];

			if (got != want) {
				printf("#   plane %u byte (%u, %u): %u, the producer wrote %u\n", p,
				       x, y, got, want);
				return false;
			}
		}
	}
	return true;
}

/* What lock sees is what the producer wrote, through the layout given. */
static bool reads_producer(struct gralloc_buffer *buf, const struct producer *pr)
{
	bool ok;

	if (pr->format == DRM_FORMAT_XRGB8888) {
		uint8_t *p;

		if (gralloc_buffer_lock(buf, CPU_READ, NULL, (void **)&p)) {
			printf("#   lock: %s\n", gralloc_last_error());
			return false;
		}
		ok = plane_matches(pr, 0, p, pr->planes[0].stride, 0, 1);
	} else {
		struct gralloc_ycbcr y;

		if (gralloc_buffer_lock_ycbcr(buf, CPU_READ, NULL, &y)) {
			printf("#   lock_ycbcr: %s\n", gralloc_last_error());
			return false;
		}
		ok = y.y_stride == pr->planes[0].stride && y.c_stride == pr->planes[1].stride &&
		     plane_matches(pr, 0, y.y, y.y_stride, 0, 1);
		if (pr->format == DRM_FORMAT_NV12)
			ok = ok && y.chroma_step == 2 &&
			     plane_matches(pr, 1, y.cb, y.c_stride, 0, 2) &&
			     plane_matches(pr, 1, y.cr, y.c_stride, 1, 2);
		else
			ok = ok && y.chroma_step == 1 &&
			     plane_matches(pr, 1, y.cb, y.c_stride, 0, 1) &&
			     plane_matches(pr, 2, y.cr, y.c_stride, 0, 1);
	}
	gralloc_buffer_unlock(buf);
	return ok;
}

/* A write through lock lands in the producer's memory (its own mapping of
 * its own fd reads it), at the layout's last byte of plane 0. */
static bool write_reaches_producer(struct gralloc_buffer *buf, const struct producer *pr)
{
	const struct gralloc_plane_info *pl = &pr->planes[0];
	uint32_t bytes, rows;
	uint64_t at;
	uint8_t *p, *m;
	bool ok;

	producer_plane_extent(pr, 0, &bytes, &rows);
	at = pl->offset + (uint64_t)(rows - 1) * pl->stride + bytes - 1;
	if (gralloc_buffer_lock(buf, CPU_RW, NULL, (void **)&p))
		return false;
	p[(uint64_t)(rows - 1) * pl->stride + bytes - 1] = 0x3c;
	gralloc_buffer_unlock(buf);
	m = mmap(NULL, pr->fd_size[pl->fd_index], PROT_READ, MAP_SHARED, pr->fds[pl->fd_index], 0);
	if (m == MAP_FAILED)
		return false;
	producer_sync(pr->fds[pl->fd_index], DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);
	ok = m[at] == 0x3c;
	producer_sync(pr->fds[pl->fd_index], DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
	munmap(m, pr->fd_size[pl->fd_index]);
	/* Put the producer's byte back for whoever reads next. */
	if (!gralloc_buffer_lock(buf, CPU_RW, NULL, (void **)&p)) {
		p[(uint64_t)(rows - 1) * pl->stride + bytes - 1] = producer_byte(pr, 0, bytes - 1,
										 rows - 1);
		gralloc_buffer_unlock(buf);
	}
	return ok;
}

/* A child process with a device of its own receives the handle and reads
 * the producer's content; its exit status says whether it matched. */
static bool child_reads_handle(struct gralloc_buffer *buf, const struct producer *pr)
{
	int sv[2], status = -1;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return false;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct gralloc_device *dev;
		struct gralloc_buffer *got;
		bool ok;

		close(sv[0]);
		dev = gralloc_device_create(NULL);
		got = dev ? gralloc_handle_receive(dev, sv[1]) : NULL;
		if (!got)
			printf("#   child: receive: %s\n", gralloc_last_error());
		ok = got && describes_layout(got, pr) && reads_producer(got, pr);
		gralloc_buffer_free(dev, got);
		gralloc_device_destroy(dev);
		close(sv[1]);
		fflush(stdout);
		_exit(ok ? 0 : 1);
	}
	close(sv[1]);
	if (pid > 0 && gralloc_handle_send(sv[0], buf) == 0)
		waitpid(pid, &status, 0);
	else if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	close(sv[0]);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* Everything an ordinary buffer does, on a producer's layout. */
static void full_round(bool (*make)(struct producer *, enum producer_memory),
		       enum producer_memory m)
{
	struct gralloc_device *dev;
	struct gralloc_buffer *buf;
	struct producer pr;
	int fd;

	if (!have_memory(m))
		return;
	CHECK(make(&pr, m));
	dev = device();
	CHECK(dev);
	buf = import(dev, &pr, CPU_RW);
	CHECK(buf);
	CHECK(describes_layout(buf, &pr));
	CHECK(reads_producer(buf, &pr));
	CHECK(write_reaches_producer(buf, &pr));
	fd = gralloc_buffer_export_fd(buf, pr.num_fds - 1);
	CHECK(fd >= 0);
	CHECK_EQ(guest_ino(fd), guest_ino(pr.fds[pr.num_fds - 1]));
	close(fd);
	CHECK(gralloc_buffer_export_fd(buf, pr.num_fds) < 0);
	CHECK(child_reads_handle(buf, &pr));
	/* The caller's fds are its own: closing them leaves the buffer whole. */
	producer_close(&pr);
	{
		struct gralloc_buffer_info info;

		CHECK_EQ(gralloc_buffer_describe(buf, &info), 0);
		CHECK_EQ(lseek(info.fds[0], 0, SEEK_END), (off_t)pr.fd_size[0]);
	}
	CHECK_EQ(gralloc_buffer_free(dev, buf), 0);
	gralloc_device_destroy(dev);
}

TEST(nv12_odd_stride_heap) { full_round(nv12_odd, FROM_HEAP); }
TEST(nv12_odd_stride_udmabuf) { full_round(nv12_odd, FROM_UDMABUF); }
TEST(nv12_disjoint_heap) { full_round(nv12_disjoint, FROM_HEAP); }
TEST(nv12_disjoint_udmabuf) { full_round(nv12_disjoint, FROM_UDMABUF); }
TEST(xrgb_odd_stride_offset_heap) { full_round(xrgb_odd, FROM_HEAP); }

static bool yuv420_equal_chroma(struct producer *pr, enum producer_memory m)
{
	return yuv420_disjoint(pr, m, 192);
}

TEST(yuv420_disjoint_udmabuf) { full_round(yuv420_equal_chroma, FROM_UDMABUF); }
TEST(yuv420_disjoint_heap) { full_round(yuv420_equal_chroma, FROM_HEAP); }

/* Cb and Cr rows of different lengths: gralloc_ycbcr has one c_stride, so
 * lock_ycbcr must refuse rather than hand out a Cr pointer read with Cb's
 * stride. The buffer itself is fine (KMS and EGL take per-plane pitches). */
TEST(yuv420_unequal_chroma_strides_not_ycbcr)
{
	struct gralloc_device *dev;
	struct gralloc_buffer *buf;
	struct gralloc_ycbcr y;
	struct producer pr;

	if (!have_memory(FROM_HEAP))
		return;
	CHECK(yuv420_disjoint(&pr, FROM_HEAP, 224));
	dev = device();
	CHECK(dev);
	buf = import(dev, &pr, CPU_RW);
	CHECK(buf);
	CHECK(describes_layout(buf, &pr));
	CHECK_EQ(gralloc_buffer_lock_ycbcr(buf, CPU_READ, NULL, &y), -EINVAL);
	CHECK(strstr(gralloc_last_error(), "stride"));
	gralloc_buffer_free(dev, buf);
	producer_close(&pr);
	gralloc_device_destroy(dev);
}

/* Refused with `err` and nothing left open. */
static bool refused(struct gralloc_device *dev, const struct gralloc_import_desc *d, int err,
		    const char *why)
{
	int before = test_count_fds();
	struct gralloc_buffer *buf = gralloc_buffer_import(dev, d);
	int got = errno, after = test_count_fds();

	printf("#   %s: %s\n", why, buf ? "imported" : gralloc_last_error());
	if (buf) {
		gralloc_buffer_free(dev, buf);
		return false;
	}
	if (got != err)
		printf("#   errno %s, expected %s\n", strerror(got), strerror(err));
	if (after != before)
		printf("#   fds %d before, %d after\n", before, after);
	return got == err && after == before;
}

static struct gralloc_import_desc xrgb_desc(int fd, uint32_t stride, uint64_t offset)
{
	return (struct gralloc_import_desc){
		.width = 64, .height = 64, .format = DRM_FORMAT_XRGB8888,
		.modifier = DRM_FORMAT_MOD_LINEAR, .usage = CPU_RW, .num_fds = 1,
		.fds = { fd }, .num_planes = 1,
		.planes = { { .stride = stride, .offset = offset } },
	};
}

TEST(bad_layouts_refused)
{
	struct gralloc_device *dev;
	struct gralloc_import_desc d;
	int fd, fd2, memfd, pipefd[2];
	struct gralloc_buffer *ok;

	if (!have_memory(FROM_HEAP))
		return;
	fd = producer_heap_fd(65536, O_RDWR);
	fd2 = producer_heap_fd(4096, O_RDWR);
	CHECK(fd >= 0 && fd2 >= 0);
	dev = device();
	CHECK(dev);
	/* The good one, to know the others fail for their own reason. */
	d = xrgb_desc(fd, 256, 0);
	ok = gralloc_buffer_import(dev, &d);
	CHECK(ok);
	gralloc_buffer_free(dev, ok);
	/* 64 rows of 1024 bytes from 1 KiB past the end minus one row. */
	d = xrgb_desc(fd, 1024, 65536 - 1024 * 63);
	CHECK(refused(dev, &d, EINVAL, "plane past the end"));
	d = xrgb_desc(fd, 1024, 0);
	d.height = 65;
	CHECK(refused(dev, &d, EINVAL, "rows past the end"));
	d = xrgb_desc(fd, 255, 0);
	CHECK(refused(dev, &d, EINVAL, "stride below 64 pixels x 4 bytes"));
	d = xrgb_desc(fd, 256, UINT64_MAX);
	CHECK(refused(dev, &d, EINVAL, "offset UINT64_MAX"));
	d = xrgb_desc(fd, UINT32_MAX, UINT64_MAX - 4096);
	CHECK(refused(dev, &d, EINVAL, "offset + rows overflow"));
	d = xrgb_desc(fd, 256, 0);
	d.num_fds = 0;
	CHECK(refused(dev, &d, EINVAL, "num_fds 0"));
	d.num_fds = GRALLOC_MAX_PLANES + 1;
	CHECK(refused(dev, &d, EINVAL, "num_fds 5"));
	d = xrgb_desc(fd, 256, 0);
	d.num_planes = 0;
	CHECK(refused(dev, &d, EINVAL, "num_planes 0"));
	d.num_planes = GRALLOC_MAX_PLANES + 1;
	CHECK(refused(dev, &d, EINVAL, "num_planes 5"));
	d.num_planes = 2;
	CHECK(refused(dev, &d, EINVAL, "2 planes for XRGB8888 LINEAR"));
	d = xrgb_desc(fd, 256, 0);
	d.planes[0].fd_index = 1;
	CHECK(refused(dev, &d, EINVAL, "plane names fd 1 of 1"));
	d = xrgb_desc(fd, 256, 0);
	d.num_fds = 2;
	d.fds[1] = fd2;
	CHECK(refused(dev, &d, EINVAL, "fd 1 used by no plane"));
	d = xrgb_desc(fd, 256, 0);
	d.width = 0;
	CHECK(refused(dev, &d, EINVAL, "width 0"));
	d = xrgb_desc(fd, 256, 0);
	d.format = 0x20202020;
	CHECK(refused(dev, &d, EINVAL, "unknown format"));
	d = xrgb_desc(fd, 256, 0);
	d.usage |= GRALLOC_USAGE_PROTECTED_CONTENT;
	CHECK(refused(dev, &d, EPERM, "protected content"));

	/* Not dma-bufs. */
	memfd = memfd_create("not-a-dma-buf", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	CHECK(memfd >= 0);
	CHECK_EQ(ftruncate(memfd, 65536), 0);
	d = xrgb_desc(memfd, 256, 0);
	CHECK(refused(dev, &d, EBADF, "a memfd"));
	CHECK_EQ(fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW), 0);
	CHECK(refused(dev, &d, EBADF, "a sealed memfd"));
	close(memfd);
	CHECK_EQ(pipe2(pipefd, O_CLOEXEC), 0);
	d = xrgb_desc(pipefd[0], 256, 0);
	CHECK(refused(dev, &d, EBADF, "a pipe"));
	close(pipefd[0]);
	close(pipefd[1]);
	/* A closed fd (fd2's number, after closing it). */
	close(fd2);
	d = xrgb_desc(fd2, 256, 0);
	CHECK(refused(dev, &d, EBADF, "a closed fd"));
	d = xrgb_desc(-1, 256, 0);
	CHECK(refused(dev, &d, EBADF, "fd -1"));
	CHECK(refused(dev, &d, EBADF, "fd -1 again"));
	CHECK(gralloc_buffer_import(NULL, &d) == NULL && errno == EINVAL);
	CHECK(gralloc_buffer_import(dev, NULL) == NULL && errno == EINVAL);
	/* The caller's fd is still open and still its own. */
	CHECK(fcntl(fd, F_GETFD) >= 0);
	close(fd);
	gralloc_device_destroy(dev);
}

/* A dma-buf opened read-only (exported O_RDONLY) imports for reading: it
 * locks for reading and never for writing, and asking for CPU write at
 * import is refused. */
TEST(read_only_dma_buf)
{
	struct gralloc_device *dev;
	struct gralloc_import_desc d;
	struct gralloc_buffer *buf;
	struct producer pr;
	int ro;
	void *p;

	if (!have_memory(FROM_HEAP))
		return;
	CHECK(xrgb_odd(&pr, FROM_HEAP));
	/* Reopened read-only through /proc: the same dma-buf, O_RDONLY. */
	{
		char path[64];

		snprintf(path, sizeof(path), "/proc/self/fd/%d", pr.fds[0]);
		ro = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (ro < 0) /* dma-bufs cannot be reopened: ask the heap for one */
		ro = producer_heap_fd(pr.fd_size[0], O_RDONLY);
	CHECK(ro >= 0);
	CHECK_EQ(fcntl(ro, F_GETFL) & O_ACCMODE, O_RDONLY);
	dev = device();
	CHECK(dev);
	d = producer_desc(&pr, CPU_RW);
	d.fds[0] = ro;
	CHECK(refused(dev, &d, EINVAL, "CPU write on a read-only fd"));
	d.usage = CPU_READ | GRALLOC_USAGE_GPU_TEXTURE;
	buf = gralloc_buffer_import(dev, &d);
	CHECK(buf);
	if (guest_ino(ro) == guest_ino(pr.fds[0]))
		CHECK(reads_producer(buf, &pr));
	CHECK_EQ(gralloc_buffer_lock(buf, GRALLOC_USAGE_CPU_WRITE_OFTEN, NULL, &p), -EINVAL);
	CHECK_EQ(gralloc_buffer_lock(buf, CPU_READ, NULL, &p), 0);
	CHECK_EQ(gralloc_buffer_unlock(buf), 0);
	gralloc_buffer_free(dev, buf);
	close(ro);
	producer_close(&pr);
	gralloc_device_destroy(dev);
}

/* Tiled memory (the producer's modifier) imports, and describes, but the
 * CPU cannot address its pixels: lock says ENOTSUP. */
TEST(non_linear_modifier_imports_but_does_not_lock)
{
	struct gralloc_device *dev;
	struct gralloc_import_desc d;
	struct gralloc_buffer_info info;
	struct gralloc_buffer *buf;
	int fd;
	void *p;

	if (!have_memory(FROM_HEAP))
		return;
	fd = producer_heap_fd(65536, O_RDWR);
	CHECK(fd >= 0);
	dev = device();
	CHECK(dev);
	d = xrgb_desc(fd, 512, 0);
	d.modifier = I915_FORMAT_MOD_X_TILED;
	buf = gralloc_buffer_import(dev, &d);
	CHECK(buf);
	CHECK_EQ(gralloc_buffer_describe(buf, &info), 0);
	CHECK_EQ(info.modifier, I915_FORMAT_MOD_X_TILED);
	CHECK_EQ(gralloc_buffer_lock(buf, CPU_READ, NULL, &p), -ENOTSUP);
	gralloc_buffer_free(dev, buf);
	close(fd);
	gralloc_device_destroy(dev);
}

/* A caller built against a newer header: a bigger struct with zero new
 * fields imports. */
TEST(bigger_import_desc_with_zero_tail)
{
	union {
		struct gralloc_import_desc d;
		uint8_t bytes[sizeof(struct gralloc_import_desc) + 32];
	} g;
	struct gralloc_device *dev;
	struct gralloc_buffer *buf;
	int fd;

	if (!have_memory(FROM_HEAP))
		return;
	fd = producer_heap_fd(65536, O_RDWR);
	CHECK(fd >= 0);
	dev = device();
	CHECK(dev);
	memset(&g, 0, sizeof(g));
	g.d = xrgb_desc(fd, 256, 0);
	g.d.struct_size = sizeof(g.bytes);
	buf = gralloc_buffer_import(dev, &g.d);
	CHECK(buf);
	gralloc_buffer_free(dev, buf);
	g.bytes[sizeof(g.d) + 31] = 1;
	CHECK(refused(dev, &g.d, E2BIG, "a field this library does not know"));
	close(fd);
	gralloc_device_destroy(dev);
}

/* The XRGB8888 producer buffer imported for scanout, beside a KMS object
 * of `driver`'s card. On false the test has failed or skipped (guest.h)
 * and nothing is left open. */
struct kms_case {
	struct gralloc_device *dev;
	struct gralloc_kms *kms;
	struct gralloc_buffer *buf;
	struct producer pr;
};

static void kms_case_close(struct kms_case *k);

static bool kms_case_open(struct kms_case *k, const char *driver)
{
	char path[64];

	memset(k, 0, sizeof(*k));
	if (!have_memory(FROM_HEAP))
		return false;
	if (guest_drm_path(driver, path, sizeof(path))) {
		guest_missing("no %s card", driver);
		return false;
	}
	if (!xrgb_odd(&k->pr, FROM_HEAP)) {
		test_failed_flag = true;
		return false;
	}
	k->dev = device();
	k->kms = gralloc_kms_open(path);
	k->buf = k->dev && k->kms ? import(k->dev, &k->pr, CPU_READ | GRALLOC_USAGE_SCANOUT)
				  : NULL;
	if (k->buf)
		return true;
	test_failed_flag = true;
	kms_case_close(k);
	return false;
}

static void kms_case_close(struct kms_case *k)
{
	if (k->buf)
		gralloc_buffer_free(k->dev, k->buf);
	gralloc_kms_destroy(k->kms);
	producer_close(&k->pr);
	gralloc_device_destroy(k->dev);
}

/* Zero-copy scanout of foreign memory with the producer's pitch and
 * offset: AddFB2 on vkms takes it, and freeing the buffer takes the
 * framebuffer and GEM handle with it. */
TEST(kms_addfb2_vkms)
{
	struct kms_case k;
	drmModeFB2Ptr info;
	uint32_t fb = 0;

	if (!kms_case_open(&k, "vkms"))
		return;
	CHECK_EQ(gralloc_kms_add_framebuffer(k.kms, k.buf, &fb), 0);
	info = drmModeGetFB2(gralloc_kms_get_fd(k.kms), fb);
	CHECK(info);
	printf("#   fb %u: %ux%u pitch %u offset %u\n", fb, info->width, info->height,
	       info->pitches[0], info->offsets[0]);
	CHECK(info->width == 641 && info->height == 479 && info->pitches[0] == 2600 &&
	      info->offsets[0] == 8192 && info->pixel_format == DRM_FORMAT_XRGB8888);
	drmModeFreeFB2(info);
	CHECK_EQ(gralloc_kms_gem_handle_count(k.kms), 1);
	gralloc_buffer_free(k.dev, k.buf);
	k.buf = NULL;
	CHECK_EQ(gralloc_kms_gem_handle_count(k.kms), 0);
	kms_case_close(&k);
}

/* virtio-gpu cannot import foreign dma-bufs: the library says so instead
 * of crashing, and keeps no handle. */
TEST(kms_virtio_gpu_refuses_foreign)
{
	struct kms_case k;
	uint32_t fb = 0;

	if (!kms_case_open(&k, "virtio_gpu"))
		return;
	CHECK(gralloc_kms_add_framebuffer(k.kms, k.buf, &fb) < 0);
	printf("#   virtio-gpu: %s\n", gralloc_last_error());
	CHECK_EQ(gralloc_kms_gem_handle_count(k.kms), 0);
	kms_case_close(&k);
}

int main(void)
{
	if (!guest_in_vm() && access(GUEST_SYSTEM_HEAP, F_OK) != 0) {
		printf("1..0 # SKIP no %s here: foreign import tests run in the guest rig\n",
		       GUEST_SYSTEM_HEAP);
		return 77;
	}
	return test_run_all();
}
