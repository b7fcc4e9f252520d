/* SPDX-License-Identifier: MIT */
/* Passing a buffer between processes with gralloc handles.
 *
 *   gralloc-handle-demo producer /tmp/demo.sock   # allocates, fills, sends
 *   gralloc-handle-demo consumer /tmp/demo.sock   # receives, maps, checks
 *   gralloc-handle-demo                           # both, over a socketpair
 *
 * The producer owns the memory; the consumer gets its own buffer object on
 * the same memory (a dma-buf from a heap where one exists, else a memfd). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <drm_fourcc.h>

#include <gralloc/gralloc.h>

#define W 320
#define H 240
#define FRAMES 3

static int die(const char *what)
{
	fprintf(stderr, "%s: %s (%s)\n", what, strerror(errno), gralloc_last_error());
	return 1;
}

static int producer(int sock)
{
	struct gralloc_buffer_desc desc = {
		.width = W, .height = H, .format = DRM_FORMAT_XRGB8888,
		.usage = GRALLOC_USAGE_CPU_WRITE_OFTEN | GRALLOC_USAGE_CPU_READ_OFTEN,
		.name = "handle-demo",
	};
	struct gralloc_device *dev = gralloc_device_create(NULL);
	struct gralloc_buffer_info info;

	if (!dev)
		return die("device");
	for (uint32_t frame = 0; frame < FRAMES; frame++) {
		struct gralloc_buffer *buf = gralloc_buffer_allocate(dev, &desc);
		uint32_t *px;
		char ack;

		if (!buf)
			return die("allocate");
		gralloc_buffer_describe(buf, &info);
		if (gralloc_buffer_lock(buf, GRALLOC_USAGE_CPU_WRITE_OFTEN, NULL, (void **)&px))
			return die("lock");
		for (uint32_t y = 0; y < H; y++)
			for (uint32_t x = 0; x < W; x++)
				px[y * (info.planes[0].stride / 4) + x] = frame << 16 | y << 8 | x;
		gralloc_buffer_unlock(buf);
		/* The buffer keeps its fds; the consumer gets references of its own. */
		if (gralloc_handle_send(sock, buf))
			return die("send");
		printf("producer: sent frame %u (%s %s, %llu bytes)\n", frame, info.backend,
		       info.heap, (unsigned long long)info.size);
		/* Free only after the consumer is done with the pixels. */
		if (read(sock, &ack, 1) != 1)
			return die("ack");
		gralloc_buffer_free(dev, buf);
	}
	gralloc_device_destroy(dev);
	return 0;
}

static int consumer(int sock)
{
	struct gralloc_device *dev = gralloc_device_create(NULL);
	struct gralloc_buffer *buf;
	int frames = 0;

	if (!dev)
		return die("device");
	/* NULL with ECONNRESET: the producer hung up between handles. */
	while ((buf = gralloc_handle_receive(dev, sock))) {
		struct gralloc_buffer_info info;
		uint32_t *px, bad = 0;

		gralloc_buffer_describe(buf, &info);
		if (gralloc_buffer_lock(buf, GRALLOC_USAGE_CPU_READ_OFTEN, NULL, (void **)&px))
			return die("lock");
		for (uint32_t y = 0; y < info.height; y++)
			for (uint32_t x = 0; x < info.width; x++)
				bad += (px[y * (info.planes[0].stride / 4) + x] & 0xffff) !=
				       (y << 8 | x) % 0x10000;
		printf("consumer: frame %u, %ux%u, %u bad pixels\n", px[0] >> 16, info.width,
		       info.height, bad);
		gralloc_buffer_unlock(buf);
		gralloc_buffer_free(dev, buf);
		frames++;
		if (write(sock, "k", 1) != 1 || bad)
			return 1;
	}
	if (errno != ECONNRESET)
		return die("receive");
	gralloc_device_destroy(dev);
	return frames == FRAMES ? 0 : 1;
}

static int unix_socket(const char *path, bool listen_side)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0), c;

	if (s < 0 || strlen(path) >= sizeof(a.sun_path))
		return -1;
	strcpy(a.sun_path, path);
	if (!listen_side)
		return connect(s, (struct sockaddr *)&a, sizeof(a)) ? -1 : s;
	unlink(path);
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) || listen(s, 1))
		return -1;
	c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
	close(s);
	unlink(path);
	return c;
}

int main(int argc, char **argv)
{
	int sv[2], status, ret;
	pid_t pid;

	if (argc == 3) {
		bool prod = !strcmp(argv[1], "producer");
		int s = unix_socket(argv[2], prod);

		if (s < 0)
			return die(argv[2]);
		ret = prod ? producer(s) : consumer(s);
		close(s);
		return ret;
	}
	if (argc != 1) {
		fprintf(stderr, "usage: %s [producer|consumer SOCKET]\n", argv[0]);
		return 2;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return die("socketpair");
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		ret = consumer(sv[1]);
		fflush(stdout);
		_exit(ret);
	}
	close(sv[1]);
	ret = producer(sv[0]);
	close(sv[0]); /* the consumer sees ECONNRESET and stops */
	waitpid(pid, &status, 0);
	return ret || !WIFEXITED(status) || WEXITSTATUS(status);
}
