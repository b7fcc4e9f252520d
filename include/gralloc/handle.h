/* SPDX-License-Identifier: MIT */
/*
 * gralloc handles: a buffer described as bytes + fds, for another process.
 *
 * The bytes have a fixed little-endian layout (docs/handles.md); the fds
 * travel beside them (SCM_RIGHTS). The receiving side treats both as
 * untrusted: gralloc_handle_import() checks every field, every fd and the
 * layout before it builds a buffer.
 *
 * Same conventions as gralloc.h: constructors return NULL and set errno,
 * other calls return a non-negative value or -errno (errno set too), and
 * gralloc_last_error() names the rule a rejected handle broke.
 */
#ifndef GRALLOC_HANDLE_H
#define GRALLOC_HANDLE_H

#include "gralloc/gralloc.h"

#ifdef __cplusplus
extern "C" {
#endif

/* First four bytes of every handle: "GRhd". */
#define GRALLOC_WIRE_MAGIC UINT32_C(0x64685247)
/* The version this library writes. It reads version 1 too (docs/handles.md):
 * version 2 adds the real size of each fd to the layout. */
#define GRALLOC_WIRE_VERSION 2
/* Bytes of the fixed header (magic, version, num_fds, num_ints). */
#define GRALLOC_WIRE_HEADER_SIZE 16
/* Bytes of a whole version 2 handle; a buffer of this size always fits
 * a handle of any version this library reads. */
#define GRALLOC_WIRE_SIZE 336
#define GRALLOC_WIRE_SIZE_V1 304
#define GRALLOC_WIRE_MAX_FDS GRALLOC_MAX_PLANES

/* Writes the handle of `info` (fds ignored: they are not part of the bytes).
 * Returns the bytes written (GRALLOC_WIRE_SIZE), -ENOSPC if len is too
 * small, -EINVAL for an info no handle can carry. Mostly for tests and
 * tools; gralloc_handle_serialize() is the usual entry point. */
GRALLOC_EXPORT int gralloc_handle_encode(const struct gralloc_buffer_info *info,
					 void *data, size_t len);

/* Parses untrusted bytes and checks their structure (magic, version,
 * counts, plane fd indices, names, known backend). Does not look at fds or
 * recompute the layout: that is import's job. On success info has every
 * field of the handle, including the producer's `id`; fds are -1 and
 * is_dma_buf follows the backend. Returns 0 or -EINVAL. */
GRALLOC_EXPORT int gralloc_handle_decode(const void *data, size_t len,
					 struct gralloc_buffer_info *info);

/* Serialises a buffer: bytes into data[len], its fds into fds[]. On entry
 * *num_fds is the capacity of fds (GRALLOC_WIRE_MAX_FDS always fits), on
 * return the count used. The fds are borrowed: they are the buffer's own,
 * valid until it is freed; do not close them. Returns the bytes written,
 * or -ENOSPC (data or fds too small; *num_fds then says how many fds are
 * needed) or -EINVAL. */
GRALLOC_EXPORT int gralloc_handle_serialize(const struct gralloc_buffer *buf, void *data,
					    size_t len, int *fds, uint32_t *num_fds);

/* Builds a buffer of `dev` from a handle received from anyone. Every rule
 * of docs/handles.md is checked; a failure returns NULL with errno EINVAL
 * (EBADF when an fd is closed or is not a dma-buf / sealed memfd) and
 * gralloc_last_error() naming the rule.
 *
 * fds are borrowed: import duplicates them (O_CLOEXEC) and never takes
 * ownership, so the caller closes its fds in every case, success or not.
 * Importing one handle twice gives two independent buffers. The result is
 * an ordinary buffer of dev: lock, export and free work as on an allocated
 * one, and gralloc_device_destroy() frees it. Its id is a new id of dev
 * (unique within dev, like any other); the producer's id stays readable
 * with gralloc_handle_decode(). */
GRALLOC_EXPORT struct gralloc_buffer *
gralloc_handle_import(struct gralloc_device *dev, const void *data, size_t len,
		      const int *fds, uint32_t num_fds);

/* Sends buf's handle as one message with its fds (SCM_RIGHTS) over an
 * AF_UNIX socket (stream, seqpacket or datagram). buf keeps its fds: the
 * kernel passes the peer its own references. No SIGPIPE (MSG_NOSIGNAL).
 * Returns 0 or -errno. */
GRALLOC_EXPORT int gralloc_handle_send(int sock, const struct gralloc_buffer *buf);

/* Receives one handle sent by gralloc_handle_send() and imports it into
 * dev. Received fds are close-on-exec from the start (MSG_CMSG_CLOEXEC) and
 * closed before return in every case (import holds its own duplicates).
 * Errors: ECONNRESET the peer closed before a handle began; EPROTO a
 * truncated control message (more fds than a handle may carry), a short
 * or oversized payload, or a handle header this version cannot size;
 * import's errors otherwise (EINVAL, EBADF). After any error on a stream
 * socket the stream position is unknown: close the connection. This call
 * blocks like recvmsg(); set SO_RCVTIMEO against a peer that stalls. */
GRALLOC_EXPORT struct gralloc_buffer *gralloc_handle_receive(struct gralloc_device *dev,
							     int sock);

#ifdef __cplusplus
}
#endif

#endif
