/* SPDX-License-Identifier: MIT */
/* EGLImages over gralloc memory (EGL_EXT_image_dma_buf_import). Layouts
 * are checked here first: a driver trusts pitches and offsets, and a bad
 * one reads past the end of the memory instead of failing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <drm_fourcc.h>

#include "egl_private.h"

#define MAX_ATTRIBS 64

static const EGLint plane_fd[] = { EGL_DMA_BUF_PLANE0_FD_EXT, EGL_DMA_BUF_PLANE1_FD_EXT,
				   EGL_DMA_BUF_PLANE2_FD_EXT, EGL_DMA_BUF_PLANE3_FD_EXT };
static const EGLint plane_offset[] = { EGL_DMA_BUF_PLANE0_OFFSET_EXT,
				       EGL_DMA_BUF_PLANE1_OFFSET_EXT,
				       EGL_DMA_BUF_PLANE2_OFFSET_EXT,
				       EGL_DMA_BUF_PLANE3_OFFSET_EXT };
static const EGLint plane_pitch[] = { EGL_DMA_BUF_PLANE0_PITCH_EXT, EGL_DMA_BUF_PLANE1_PITCH_EXT,
				      EGL_DMA_BUF_PLANE2_PITCH_EXT, EGL_DMA_BUF_PLANE3_PITCH_EXT };
static const EGLint plane_mod_lo[] = { EGL_DMA_BUF_PLANE0_MODIFIER_LO_EXT,
				       EGL_DMA_BUF_PLANE1_MODIFIER_LO_EXT,
				       EGL_DMA_BUF_PLANE2_MODIFIER_LO_EXT,
				       EGL_DMA_BUF_PLANE3_MODIFIER_LO_EXT };
static const EGLint plane_mod_hi[] = { EGL_DMA_BUF_PLANE0_MODIFIER_HI_EXT,
				       EGL_DMA_BUF_PLANE1_MODIFIER_HI_EXT,
				       EGL_DMA_BUF_PLANE2_MODIFIER_HI_EXT,
				       EGL_DMA_BUF_PLANE3_MODIFIER_HI_EXT };

/* fd borrowed; the file position of a dma-buf means nothing, and it is
 * put back anyway. */
static int fd_size(int fd, uint64_t *size)
{
	off_t end = lseek(fd, 0, SEEK_END);

	if (end < 0)
		return -errno;
	lseek(fd, 0, SEEK_SET);
	*size = (uint64_t)end;
	return 0;
}

static uint32_t div_up(uint32_t a, uint32_t b)
{
	return (a + b - 1) / b;
}

static int check_layout(const struct gralloc_egl *egl, const struct gralloc_egl_dmabuf *d,
			const struct gralloc_format_desc *f)
{
	char name[8];

	gralloc_egl_format_name(d->format, name);
	if (!d->width || !d->height) {
		gralloc_log(ERROR, "image size %ux%u is empty", d->width, d->height);
		return -EINVAL;
	}
	if (d->num_planes != f->num_planes) {
		gralloc_log(ERROR, "%s has %u planes, the layout gives %u", name, f->num_planes,
			    d->num_planes);
		return -EINVAL;
	}
	if (d->modifier != DRM_FORMAT_MOD_INVALID &&
	    !gralloc_egl_find_format(egl, d->format, d->modifier)) {
		gralloc_log(ERROR, "EGL display (%s) does not import format %s with modifier "
			    "0x%llx", egl->driver, name, (unsigned long long)d->modifier);
		return -ENOTSUP;
	}
	if (d->modifier != DRM_FORMAT_MOD_LINEAR && d->modifier != DRM_FORMAT_MOD_INVALID) {
		/* Tiled layouts have no pitch rule we could check. */
		return 0;
	}
	for (uint32_t i = 0; i < d->num_planes; i++) {
		uint32_t w = i ? div_up(d->width, f->hsub) : d->width;
		uint32_t rows = i ? div_up(d->height, f->vsub) : d->height;
		uint64_t min_pitch = (uint64_t)div_up(w, f->block_width[i]) * f->bytes_per_block[i];
		uint64_t size = 0, end;
		int ret;

		if (d->pitches[i] < min_pitch) {
			gralloc_log(ERROR, "plane %u pitch %u is too small for %u %s pixels "
				    "(needs %llu bytes)", i, d->pitches[i], w, name,
				    (unsigned long long)min_pitch);
			return -EINVAL;
		}
		ret = fd_size(d->fds[i], &size);
		if (ret) {
			gralloc_log(ERROR, "plane %u fd %d: cannot tell its size: %s", i, d->fds[i],
				    strerror(-ret));
			return ret == -EBADF ? -EBADF : -EINVAL;
		}
		end = d->offsets[i] + (uint64_t)d->pitches[i] * (rows - 1) + min_pitch;
		if (end > size) {
			gralloc_log(ERROR, "plane %u (offset %u, pitch %u, %u rows) ends at byte "
				    "%llu, past the end of its %llu-byte dma-buf", i, d->offsets[i],
				    d->pitches[i], rows, (unsigned long long)end,
				    (unsigned long long)size);
			return -EINVAL;
		}
	}
	return 0;
}

static void push(EGLint *a, size_t *n, EGLint key, EGLint value)
{
	a[(*n)++] = key;
	a[(*n)++] = value;
}

static size_t build_attribs(const struct gralloc_egl *egl, const struct gralloc_egl_dmabuf *d,
			    const struct gralloc_egl_image_options *o, bool yuv, EGLint *a)
{
	static const EGLint spaces[] = { EGL_ITU_REC601_EXT, EGL_ITU_REC601_EXT,
					 EGL_ITU_REC709_EXT, EGL_ITU_REC2020_EXT };
	size_t n = 0;

	push(a, &n, EGL_WIDTH, (EGLint)d->width);
	push(a, &n, EGL_HEIGHT, (EGLint)d->height);
	push(a, &n, EGL_LINUX_DRM_FOURCC_EXT, (EGLint)d->format);
	for (uint32_t i = 0; i < d->num_planes; i++) {
		push(a, &n, plane_fd[i], d->fds[i]);
		push(a, &n, plane_offset[i], (EGLint)d->offsets[i]);
		push(a, &n, plane_pitch[i], (EGLint)d->pitches[i]);
		/* Without the extension the attribute is an error; with it, an
		 * explicit LINEAR keeps the driver from guessing a tiling. */
		if (egl->has_modifiers && d->modifier != DRM_FORMAT_MOD_INVALID) {
			push(a, &n, plane_mod_lo[i], (EGLint)(d->modifier & 0xffffffff));
			push(a, &n, plane_mod_hi[i], (EGLint)(d->modifier >> 32));
		}
	}
	if (yuv) {
		push(a, &n, EGL_YUV_COLOR_SPACE_HINT_EXT, spaces[o->color_space]);
		push(a, &n, EGL_SAMPLE_RANGE_HINT_EXT,
			 o->range == GRALLOC_EGL_RANGE_FULL ? EGL_YUV_FULL_RANGE_EXT
							    : EGL_YUV_NARROW_RANGE_EXT);
	}
	a[n++] = EGL_NONE;
	return n;
}

static void image_release(void *data)
{
	struct gralloc_egl_image *img = data;
	struct gralloc_egl *egl = img->egl;

	pthread_mutex_lock(&egl->lock);
	for (struct gralloc_egl_image **p = &egl->images; *p; p = &(*p)->next) {
		if (*p == img) {
			*p = img->next;
			break;
		}
	}
	pthread_mutex_unlock(&egl->lock);
	egl->destroy_image(egl->dpy, img->image);
	free(img);
}

/* Creates and registers the image; buf may be NULL. */
static struct gralloc_egl_image *create(struct gralloc_egl *egl, struct gralloc_buffer *buf,
					const struct gralloc_egl_dmabuf *d,
					const struct gralloc_egl_image_options *opts)
{
	static const struct gralloc_egl_image_options defaults = { 0 };
	const struct gralloc_egl_image_options *o = opts ? opts : &defaults;
	struct gralloc_format_desc f;
	const struct egl_format *ef;
	struct gralloc_egl_image *img;
	EGLint attribs[MAX_ATTRIBS];
	char name[8];
	int ret;

	gralloc_egl_format_name(d->format, name);
	if ((unsigned)o->color_space > GRALLOC_EGL_COLOR_SPACE_BT2020 ||
	    (unsigned)o->range > GRALLOC_EGL_RANGE_FULL) {
		gralloc_log(ERROR, "unknown colour space %d or sample range %d", o->color_space,
			    o->range);
		errno = EINVAL;
		return NULL;
	}
	if (gralloc_format_lookup(d->format, &f)) {
		gralloc_log(ERROR, "format %s (0x%08x) is not a format gralloc knows", name,
			    d->format);
		errno = EINVAL;
		return NULL;
	}
	if (d->num_planes > GRALLOC_MAX_PLANES) {
		gralloc_log(ERROR, "%u planes: at most %d", d->num_planes, GRALLOC_MAX_PLANES);
		errno = EINVAL;
		return NULL;
	}
	ret = check_layout(egl, d, &f);
	for (uint32_t i = 0; i < d->num_planes && !ret && !egl->imports_foreign; i++)
		ret = gralloc_egl_check_own_memory(egl, d->fds[i]);
	if (ret) {
		errno = -ret;
		return NULL;
	}
	img = calloc(1, sizeof(*img));
	if (!img) {
		errno = ENOMEM;
		return NULL;
	}
	build_attribs(egl, d, o, f.is_yuv, attribs);
	img->image = egl->create_image(egl->dpy, EGL_NO_CONTEXT, EGL_LINUX_DMA_BUF_EXT, NULL,
				       attribs);
	if (img->image == EGL_NO_IMAGE_KHR) {
		EGLint err = eglGetError();

		gralloc_log(ERROR, "eglCreateImageKHR(EGL_LINUX_DMA_BUF_EXT) refused %ux%u %s: %s",
			    d->width, d->height, name, gralloc_egl_error_name(err));
		free(img);
		errno = err == EGL_BAD_ALLOC ? ENOMEM : EINVAL;
		return NULL;
	}
	ef = gralloc_egl_find_format(egl, d->format, d->modifier == DRM_FORMAT_MOD_INVALID
						      ? DRM_FORMAT_MOD_LINEAR : d->modifier);
	img->target = f.is_yuv || (ef && ef->external_only) ? GL_TEXTURE_EXTERNAL_OES
							     : GL_TEXTURE_2D;
	img->egl = egl;
	img->buf = buf;
	img->format = d->format;
	if (buf && gralloc_buffer_set_user_data(buf, img, img, image_release)) {
		egl->destroy_image(egl->dpy, img->image);
		free(img);
		return NULL;
	}
	pthread_mutex_lock(&egl->lock);
	img->next = egl->images;
	egl->images = img;
	pthread_mutex_unlock(&egl->lock);
	return img;
}

GRALLOC_EXPORT struct gralloc_egl_image *
gralloc_egl_image_create_dmabuf(struct gralloc_egl *egl, const struct gralloc_egl_dmabuf *d,
				const struct gralloc_egl_image_options *opts)
{
	if (!egl || !d) {
		gralloc_log(ERROR, "egl and the dma-buf layout must not be NULL");
		errno = EINVAL;
		return NULL;
	}
	return create(egl, NULL, d, opts);
}

GRALLOC_EXPORT struct gralloc_egl_image *
gralloc_egl_image_create(struct gralloc_egl *egl, struct gralloc_buffer *buf,
			 const struct gralloc_egl_image_options *opts)
{
	struct gralloc_buffer_info info;
	struct gralloc_egl_dmabuf d = { 0 };
	uint32_t layer = opts ? opts->layer : 0;
	int ret;

	if (!egl || !buf) {
		gralloc_log(ERROR, "egl and buffer must not be NULL");
		errno = EINVAL;
		return NULL;
	}
	ret = gralloc_buffer_describe(buf, &info);
	if (ret) {
		errno = -ret;
		return NULL;
	}
	if (!info.is_dma_buf) {
		gralloc_log(ERROR, "buffer %llu is %s memory, not a dma-buf: EGL cannot import it",
			    (unsigned long long)info.id, info.backend);
		errno = ENOTSUP;
		return NULL;
	}
	if (layer >= info.layer_count) {
		gralloc_log(ERROR, "layer %u of a %u-layer buffer", layer, info.layer_count);
		errno = EINVAL;
		return NULL;
	}
	d.width = info.width;
	d.height = info.height;
	d.format = info.format;
	d.modifier = info.modifier;
	d.num_planes = info.num_planes;
	for (uint32_t i = 0; i < info.num_planes; i++) {
		uint64_t offset = info.planes[i].offset + (uint64_t)layer * info.layer_stride;

		if (offset > INT32_MAX) {
			gralloc_log(ERROR, "plane %u offset %llu does not fit EGL's 32-bit attribute",
				    i, (unsigned long long)offset);
			errno = EOVERFLOW;
			return NULL;
		}
		d.fds[i] = info.fds[info.planes[i].fd_index];
		d.offsets[i] = (uint32_t)offset;
		d.pitches[i] = info.planes[i].stride;
	}
	return create(egl, buf, &d, opts);
}

GRALLOC_EXPORT void gralloc_egl_image_destroy(struct gralloc_egl_image *img)
{
	if (!img)
		return;
	/* No slot means the buffer's release already owns the image. */
	if (img->buf && gralloc_buffer_set_user_data(img->buf, img, NULL, NULL))
		return;
	image_release(img);
}

GRALLOC_EXPORT EGLImageKHR gralloc_egl_image_get(const struct gralloc_egl_image *img)
{
	return img ? img->image : EGL_NO_IMAGE_KHR;
}

GRALLOC_EXPORT GLenum gralloc_egl_image_texture_target(const struct gralloc_egl_image *img)
{
	return img ? img->target : GL_NONE;
}
