/* SPDX-License-Identifier: MIT */
/* Handles over AF_UNIX sockets: one message, bytes + SCM_RIGHTS fds.
 * The receiving side owns whatever fds the kernel installed the moment
 * recvmsg returns, so every path out of receive closes them. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gralloc/handle.h"
#include "gralloc/private.h"

#define FDS_SPACE CMSG_SPACE(sizeof(int) * GRALLOC_WIRE_MAX_FDS)

union control {
	struct cmsghdr align;
	char buf[FDS_SPACE];
};

static int sock_type(int sock, int *type)
{
	socklen_t len = sizeof(*type);

	if (getsockopt(sock, SOL_SOCKET, SO_TYPE, type, &len) < 0)
		return -errno;
	return 0;
}

GRALLOC_EXPORT int gralloc_handle_send(int sock, const struct gralloc_buffer *buf)
{
	uint8_t data[GRALLOC_WIRE_SIZE];
	int fds[GRALLOC_WIRE_MAX_FDS];
	uint32_t num_fds = GRALLOC_WIRE_MAX_FDS;
	union control ctl;
	struct iovec iov;
	struct msghdr msg = { 0 };
	struct cmsghdr *cmsg;
	size_t done = 0;
	int len, type, ret;

	len = gralloc_handle_serialize(buf, data, sizeof(data), fds, &num_fds);
	if (len < 0)
		return len;
	ret = sock_type(sock, &type);
	if (ret) {
		gralloc_log(ERROR, "socket %d: %s", sock, strerror(-ret));
		return -(errno = -ret);
	}
	memset(&ctl, 0, sizeof(ctl));
	iov = (struct iovec){ data, (size_t)len };
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = ctl.buf;
	msg.msg_controllen = CMSG_SPACE(sizeof(int) * num_fds);
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int) * num_fds);
	memcpy(CMSG_DATA(cmsg), fds, sizeof(int) * num_fds);

	/* The fds ride with the first byte; a stream may take the rest in
	 * later writes, which must not repeat them. */
	while (done < (size_t)len) {
		ssize_t n = sendmsg(sock, &msg, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			gralloc_log(ERROR, "sending a handle failed: %s", strerror(-ret));
			return -(errno = -ret);
		}
		if (type != SOCK_STREAM && (size_t)n != (size_t)len) {
			gralloc_log(ERROR, "short datagram: %zd of %d handle bytes", n, len);
			return -(errno = EMSGSIZE);
		}
		done += (size_t)n;
		iov = (struct iovec){ data + done, (size_t)len - done };
		msg.msg_control = NULL;
		msg.msg_controllen = 0;
	}
	return 0;
}

struct rx {
	int fds[GRALLOC_WIRE_MAX_FDS];
	uint32_t num_fds;
	bool too_many; /* more fds than any handle carries: closed, error */
};

static void rx_close(struct rx *rx)
{
	for (uint32_t i = 0; i < rx->num_fds; i++)
		close(rx->fds[i]);
	rx->num_fds = 0;
}

/* Takes ownership of every fd in the control messages: kept in rx up to
 * the cap, closed beyond it. */
static void rx_collect(struct rx *rx, struct msghdr *msg)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		size_t n;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
		    c->cmsg_len < CMSG_LEN(0))
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			if (rx->num_fds < GRALLOC_WIRE_MAX_FDS) {
				rx->fds[rx->num_fds++] = fd;
			} else {
				close(fd);
				rx->too_many = true;
			}
		}
	}
}

/* One recvmsg into data[len]. Returns the bytes read, 0 at end of file,
 * or -errno; fds end up in rx whatever happens. */
static ssize_t rx_chunk(int sock, struct rx *rx, uint8_t *data, size_t len)
{
	union control ctl;
	struct iovec iov = { data, len };
	struct msghdr msg = { 0 };
	ssize_t n;

	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = ctl.buf;
	msg.msg_controllen = sizeof(ctl.buf);
	do {
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	rx_collect(rx, &msg);
	if (msg.msg_flags & MSG_CTRUNC) {
		gralloc_log(ERROR, "handle came with a truncated control message (more "
			    "than %d fds?)", GRALLOC_WIRE_MAX_FDS);
		return -EPROTO;
	}
	if (rx->too_many) {
		gralloc_log(ERROR, "more than %d fds came with a handle", GRALLOC_WIRE_MAX_FDS);
		return -EPROTO;
	}
	if (msg.msg_flags & MSG_TRUNC) {
		gralloc_log(ERROR, "message longer than the %zu bytes a handle may have", len);
		return -EPROTO;
	}
	return n;
}

/* Reads until data[want] is full; 0 or -errno. `got` is the bytes already
 * there. End of file before the first byte is ECONNRESET, after it EPROTO. */
static int rx_fill(int sock, struct rx *rx, uint8_t *data, size_t got, size_t want)
{
	while (got < want) {
		ssize_t n = rx_chunk(sock, rx, data + got, want - got);

		if (n < 0)
			return (int)n;
		if (n == 0) {
			if (!got) {
				gralloc_log(ERROR, "peer closed the socket before a handle");
				return -ECONNRESET;
			}
			gralloc_log(ERROR, "short handle: %zu of %zu bytes, then end of file",
				    got, want);
			return -EPROTO;
		}
		got += (size_t)n;
	}
	return 0;
}

/* A stream has no message boundaries: the header says how much follows. */
static int rx_stream(int sock, struct rx *rx, uint8_t *data, size_t cap, size_t *len)
{
	uint32_t ints;
	uint64_t total;
	int ret;

	ret = rx_fill(sock, rx, data, 0, GRALLOC_WIRE_HEADER_SIZE);
	if (ret)
		return ret;
	/* num_ints, little-endian at offset 12; bounded before any read. */
	ints = (uint32_t)data[12] | (uint32_t)data[13] << 8 | (uint32_t)data[14] << 16 |
	       (uint32_t)data[15] << 24;
	if (gralloc_mul64(ints, 4, &total) ||
	    gralloc_add64(total, GRALLOC_WIRE_HEADER_SIZE, &total) || total > cap) {
		gralloc_log(ERROR, "handle header announces %u ints, more than a handle "
			    "(%zu bytes) holds", ints, cap);
		return -EPROTO;
	}
	ret = rx_fill(sock, rx, data, GRALLOC_WIRE_HEADER_SIZE, (size_t)total);
	if (ret == -ECONNRESET)
		ret = -EPROTO; /* the header had arrived: this is a short handle */
	*len = (size_t)total;
	return ret;
}

/* Datagrams and seqpackets carry the whole handle or are cut (MSG_TRUNC). */
static int rx_packet(int sock, struct rx *rx, uint8_t *data, size_t cap, size_t *len)
{
	ssize_t n = rx_chunk(sock, rx, data, cap);

	if (n < 0)
		return (int)n;
	if (n == 0 && !rx->num_fds) {
		gralloc_log(ERROR, "peer closed the socket before a handle");
		return -ECONNRESET;
	}
	*len = (size_t)n;
	return 0;
}

GRALLOC_EXPORT struct gralloc_buffer *gralloc_handle_receive(struct gralloc_device *dev,
							     int sock)
{
	uint8_t data[GRALLOC_WIRE_SIZE];
	struct rx rx = { .num_fds = 0 };
	struct gralloc_buffer *buf = NULL;
	size_t len = 0;
	int type, ret;

	if (!dev) {
		gralloc_log(ERROR, "device must not be NULL");
		errno = EINVAL;
		return NULL;
	}
	ret = sock_type(sock, &type);
	if (ret) {
		gralloc_log(ERROR, "socket %d: %s", sock, strerror(-ret));
		errno = -ret;
		return NULL;
	}
	if (type == SOCK_STREAM)
		ret = rx_stream(sock, &rx, data, sizeof(data), &len);
	else
		ret = rx_packet(sock, &rx, data, sizeof(data), &len);
	if (!ret) {
		/* Import checks the fd count against the handle and dups
		 * what it keeps; ours are closed below either way. */
		buf = gralloc_handle_import(dev, data, len, rx.fds, rx.num_fds);
		if (!buf)
			ret = -errno;
	} else if (ret != -ECONNRESET && ret != -EPROTO) {
		gralloc_log(ERROR, "receiving a handle failed: %s", strerror(-ret));
	}
	rx_close(&rx);
	if (ret)
		errno = -ret;
	return buf;
}
