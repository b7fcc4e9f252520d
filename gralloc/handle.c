/* SPDX-License-Identifier: MIT */
/* Handle bytes: the fixed little-endian wire layout, written and parsed
 * field by field so that neither the compiler's struct padding nor the
 * host's byte order ever reaches the wire. Parsing trusts nothing. */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "gralloc/handle.h"
#include "gralloc/private.h"

/* Byte offsets (docs/handles.md has the table). Version 2 is version 1
 * plus the fd sizes at the end. */
enum {
	OFF_MAGIC = 0,
	OFF_VERSION = 4,
	OFF_NUM_FDS = 8,
	OFF_NUM_INTS = 12,
	OFF_WIDTH = 16,
	OFF_HEIGHT = 20,
	OFF_FORMAT = 24,
	OFF_LAYER_COUNT = 28,
	OFF_USAGE = 32,
	OFF_MODIFIER = 40,
	OFF_SIZE = 48,
	OFF_LAYER_STRIDE = 56,
	OFF_ID = 64,
	OFF_NUM_PLANES = 72,
	OFF_RESERVED = 76,
	OFF_PLANES = 80,
	PLANE_SIZE = 24, /* fd_index u32, stride u32, offset u64, size u64 */
	OFF_BACKEND = OFF_PLANES + GRALLOC_MAX_PLANES * PLANE_SIZE,
	OFF_HEAP = OFF_BACKEND + GRALLOC_NAME_MAX,
	WIRE_SIZE_V1 = OFF_HEAP + GRALLOC_NAME_MAX,
	OFF_FD_SIZES = WIRE_SIZE_V1,
	WIRE_SIZE = OFF_FD_SIZES + GRALLOC_WIRE_MAX_FDS * 8,
	/* Android's "numInts": 32-bit words after the header. */
	WIRE_INTS_V1 = (WIRE_SIZE_V1 - GRALLOC_WIRE_HEADER_SIZE) / 4,
	WIRE_INTS = (WIRE_SIZE - GRALLOC_WIRE_HEADER_SIZE) / 4,
};

_Static_assert(WIRE_SIZE == GRALLOC_WIRE_SIZE, "handle.h's size is out of date");
_Static_assert(WIRE_SIZE_V1 == GRALLOC_WIRE_SIZE_V1, "handle.h's v1 size is out of date");
_Static_assert(WIRE_SIZE % 4 == 0, "the payload must be whole 32-bit words");

#define REJECT(...) gralloc_log(ERROR, "handle rejected " __VA_ARGS__)

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

/* Whole words: one load and, on big-endian hosts only, a byte swap. */
static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return le32toh(v);
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return le64toh(v);
}

static const uint8_t zeros[GRALLOC_NAME_MAX];

static const struct gralloc_backend_impl *find_backend(const char *name)
{
	for (size_t i = 0; i < gralloc_backend_impl_count; i++)
		if (!strcmp(gralloc_backend_impls[i]->name, name))
			return gralloc_backend_impls[i];
	return NULL;
}

GRALLOC_EXPORT int gralloc_handle_encode(const struct gralloc_buffer_info *info, void *data,
					 size_t len)
{
	uint8_t *p = data;

	if (!info || !data) {
		gralloc_log(ERROR, "info and data must not be NULL");
		return -(errno = EINVAL);
	}
	if (len < WIRE_SIZE) {
		gralloc_log(ERROR, "a handle needs %d bytes, the buffer has %zu", WIRE_SIZE, len);
		return -(errno = ENOSPC);
	}
	if (info->num_planes < 1 || info->num_planes > GRALLOC_MAX_PLANES ||
	    info->num_fds < 1 || info->num_fds > GRALLOC_WIRE_MAX_FDS) {
		gralloc_log(ERROR, "%u planes and %u fds cannot be put in a handle",
			    info->num_planes, info->num_fds);
		return -(errno = EINVAL);
	}
	/* Zero first: unused planes, the reserved word and name padding are
	 * zero on the wire, so equal buffers give equal bytes. */
	memset(p, 0, WIRE_SIZE);
	put32(p + OFF_MAGIC, GRALLOC_WIRE_MAGIC);
	put32(p + OFF_VERSION, GRALLOC_WIRE_VERSION);
	put32(p + OFF_NUM_FDS, info->num_fds);
	put32(p + OFF_NUM_INTS, WIRE_INTS);
	put32(p + OFF_WIDTH, info->width);
	put32(p + OFF_HEIGHT, info->height);
	put32(p + OFF_FORMAT, info->format);
	put32(p + OFF_LAYER_COUNT, info->layer_count);
	put64(p + OFF_USAGE, info->usage);
	put64(p + OFF_MODIFIER, info->modifier);
	put64(p + OFF_SIZE, info->size);
	put64(p + OFF_LAYER_STRIDE, info->layer_stride);
	put64(p + OFF_ID, info->id);
	put32(p + OFF_NUM_PLANES, info->num_planes);
	for (uint32_t i = 0; i < info->num_planes; i++) {
		uint8_t *pl = p + OFF_PLANES + i * PLANE_SIZE;

		put32(pl, info->planes[i].fd_index);
		put32(pl + 4, info->planes[i].stride);
		put64(pl + 8, info->planes[i].offset);
		put64(pl + 16, info->planes[i].size);
	}
	/* strnlen: info's names are not trusted to be terminated. */
	memcpy(p + OFF_BACKEND, info->backend, strnlen(info->backend, GRALLOC_NAME_MAX - 1));
	memcpy(p + OFF_HEAP, info->heap, strnlen(info->heap, GRALLOC_NAME_MAX - 1));
	for (uint32_t i = 0; i < info->num_fds; i++)
		put64(p + OFF_FD_SIZES + 8 * i, info->fd_size[i]);
	return WIRE_SIZE;
}

/* A name field: printable ASCII, terminated inside its 64 bytes, zero
 * after the terminator (so that no hidden bytes ride along). */
static int decode_name(const uint8_t *field, const char *what, char *out)
{
	size_t n = strnlen((const char *)field, GRALLOC_NAME_MAX);

	if (n == GRALLOC_NAME_MAX) {
		REJECT("[name]: %s name is not NUL-terminated within %d bytes", what,
		       GRALLOC_NAME_MAX);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		if (field[i] < 0x20 || field[i] > 0x7e) {
			REJECT("[name]: %s name has byte 0x%02x at %zu", what, field[i], i);
			return -EINVAL;
		}
	}
	if (memcmp(field + n, zeros, GRALLOC_NAME_MAX - n)) {
		for (size_t i = n; i < GRALLOC_NAME_MAX; i++) {
			if (field[i]) {
				REJECT("[name]: %s name has non-zero padding at %zu", what, i);
				return -EINVAL;
			}
		}
	}
	memcpy(out, field, n + 1);
	return 0;
}

/* The header alone: enough to know how big the handle is and how many fds
 * come with it. Every count is bounded here, before anything is copied. */
static int decode_header(const uint8_t *p, size_t len, uint32_t *num_fds, uint32_t *version_out)
{
	uint32_t magic, version, ints, want_ints, want_size;

	if (len < GRALLOC_WIRE_HEADER_SIZE) {
		REJECT("[length]: %zu bytes, shorter than the %d-byte header", len,
		       GRALLOC_WIRE_HEADER_SIZE);
		return -EINVAL;
	}
	magic = get32(p + OFF_MAGIC);
	version = get32(p + OFF_VERSION);
	*num_fds = get32(p + OFF_NUM_FDS);
	ints = get32(p + OFF_NUM_INTS);
	if (magic != GRALLOC_WIRE_MAGIC) {
		REJECT("[magic]: 0x%08x is not a gralloc handle", magic);
		return -EINVAL;
	}
	if (version != 1 && version != GRALLOC_WIRE_VERSION) {
		REJECT("[version]: version %u, this library reads 1 and %d", version,
		       GRALLOC_WIRE_VERSION);
		return -EINVAL;
	}
	want_ints = version == 1 ? WIRE_INTS_V1 : WIRE_INTS;
	want_size = version == 1 ? WIRE_SIZE_V1 : WIRE_SIZE;
	if (ints != want_ints) {
		REJECT("[num_ints]: %u, version %u has exactly %u", ints, version, want_ints);
		return -EINVAL;
	}
	/* ints is now a small constant: no overflow in the size. */
	if (len != want_size) {
		REJECT("[length]: %zu bytes, num_ints says %u", len, want_size);
		return -EINVAL;
	}
	*version_out = version;
	if (*num_fds < 1 || *num_fds > GRALLOC_WIRE_MAX_FDS) {
		REJECT("[num_fds]: %u, must be 1..%d", *num_fds, GRALLOC_WIRE_MAX_FDS);
		return -EINVAL;
	}
	return 0;
}

static int decode_planes(const uint8_t *p, struct gralloc_buffer_info *info)
{
	bool used[GRALLOC_WIRE_MAX_FDS] = { false };

	info->num_planes = get32(p + OFF_NUM_PLANES);
	if (info->num_planes < 1 || info->num_planes > GRALLOC_MAX_PLANES) {
		REJECT("[num_planes]: %u, must be 1..%d", info->num_planes, GRALLOC_MAX_PLANES);
		return -EINVAL;
	}
	if (get32(p + OFF_RESERVED)) {
		REJECT("[reserved]: reserved word is 0x%08x, must be 0",
		       get32(p + OFF_RESERVED));
		return -EINVAL;
	}
	for (uint32_t i = 0; i < GRALLOC_MAX_PLANES; i++) {
		const uint8_t *pl = p + OFF_PLANES + i * PLANE_SIZE;
		struct gralloc_plane_info *out = &info->planes[i];

		if (i >= info->num_planes) {
			if (memcmp(pl, zeros, PLANE_SIZE)) {
				REJECT("[planes]: unused plane %u is not zero", i);
				return -EINVAL;
			}
			continue;
		}
		out->fd_index = get32(pl);
		out->stride = get32(pl + 4);
		out->offset = get64(pl + 8);
		out->size = get64(pl + 16);
		if (out->fd_index >= info->num_fds) {
			REJECT("[fd_index]: plane %u names fd %u of %u", i, out->fd_index,
			       info->num_fds);
			return -EINVAL;
		}
		used[out->fd_index] = true;
	}
	/* An fd no plane uses would be imported, kept open and never checked
	 * against a size claim. */
	for (uint32_t i = 0; i < info->num_fds; i++) {
		if (!used[i]) {
			REJECT("[fd_index]: fd %u is used by no plane", i);
			return -EINVAL;
		}
	}
	return 0;
}

GRALLOC_EXPORT int gralloc_handle_decode(const void *data, size_t len,
					 struct gralloc_buffer_info *info)
{
	const struct gralloc_backend_impl *impl;
	const uint8_t *p = data;
	uint32_t version = 0;
	int ret;

	if (!data || !info) {
		gralloc_log(ERROR, "data and info must not be NULL");
		return -(errno = EINVAL);
	}
	memset(info, 0, sizeof(*info));
	for (int i = 0; i < GRALLOC_MAX_PLANES; i++)
		info->fds[i] = -1;
	ret = decode_header(p, len, &info->num_fds, &version);
	if (ret)
		goto fail;
	info->width = get32(p + OFF_WIDTH);
	info->height = get32(p + OFF_HEIGHT);
	info->format = get32(p + OFF_FORMAT);
	info->layer_count = get32(p + OFF_LAYER_COUNT);
	info->usage = get64(p + OFF_USAGE);
	info->modifier = get64(p + OFF_MODIFIER);
	info->size = get64(p + OFF_SIZE);
	info->layer_stride = get64(p + OFF_LAYER_STRIDE);
	info->id = get64(p + OFF_ID);
	if (info->layer_count < 1) {
		/* Allocation stores 0 as 1; a handle always says which. */
		REJECT("[layer_count]: 0, must be at least 1");
		ret = -EINVAL;
		goto fail;
	}
	ret = decode_planes(p, info);
	if (ret)
		goto fail;
	ret = decode_name(p + OFF_BACKEND, "backend", info->backend);
	if (!ret)
		ret = decode_name(p + OFF_HEAP, "heap", info->heap);
	if (ret)
		goto fail;
	impl = find_backend(info->backend);
	if (!impl) {
		REJECT("[backend]: unknown backend \"%s\"", info->backend);
		ret = -EINVAL;
		goto fail;
	}
	if (impl->uses_heaps != (info->heap[0] != '\0')) {
		REJECT("[heap]: backend %s %s a heap name, handle has \"%s\"", impl->name,
		       impl->uses_heaps ? "needs" : "has no", info->heap);
		ret = -EINVAL;
		goto fail;
	}
	info->is_dma_buf = impl->dma_buf;
	/* Version 1 did not say: import then takes the fds' real sizes. */
	for (uint32_t i = 0; version >= 2 && i < GRALLOC_WIRE_MAX_FDS; i++) {
		info->fd_size[i] = get64(p + OFF_FD_SIZES + 8 * i);
		if (i >= info->num_fds && info->fd_size[i]) {
			REJECT("[fd_size]: unused fd slot %u has a size", i);
			ret = -EINVAL;
			goto fail;
		}
	}
	return 0;

fail:
	return -(errno = -ret);
}

GRALLOC_EXPORT int gralloc_handle_serialize(const struct gralloc_buffer *buf, void *data,
					    size_t len, int *fds, uint32_t *num_fds)
{
	struct gralloc_buffer_info info;
	int ret;

	if (!buf || !data || !fds || !num_fds) {
		gralloc_log(ERROR, "buffer, data, fds and num_fds must not be NULL");
		return -(errno = EINVAL);
	}
	ret = gralloc_buffer_describe(buf, &info);
	if (ret)
		return ret;
	if (*num_fds < info.num_fds) {
		gralloc_log(ERROR, "the buffer has %u fds, room for %u", info.num_fds, *num_fds);
		*num_fds = info.num_fds;
		return -(errno = ENOSPC);
	}
	ret = gralloc_handle_encode(&info, data, len);
	if (ret < 0)
		return ret;
	for (uint32_t i = 0; i < info.num_fds; i++)
		fds[i] = info.fds[i];
	*num_fds = info.num_fds;
	return ret;
}
