/* SPDX-License-Identifier: MIT */
/*
 * EGL import: gralloc buffers as EGLImages, GLES textures and render
 * targets, zero copy (EGL_EXT_image_dma_buf_import), and the EGL display
 * as a consumer for gralloc_buffer_allocate_for().
 *
 * Lives in libgralloc-egl so that libgralloc itself never depends on
 * libEGL. Every call that takes an EGLDisplay expects it initialised.
 *
 * Lifetimes: an image dies with whichever goes first of
 * gralloc_egl_image_destroy(), freeing its buffer, or destroying the
 * gralloc_egl it came from; the EGLImage is always destroyed before the
 * buffer's memory is released. GL textures and renderbuffers made from an
 * image belong to the caller: GL keeps their storage alive (EGLImage
 * sibling rule) until the caller deletes them, so deleting them late is
 * safe but holds the memory.
 *
 * fds: EGL never owns ours. Buffer fds stay the buffer's; fds given to
 * gralloc_egl_image_create_dmabuf() stay the caller's, open and valid,
 * whether creation succeeds or fails and after the image is destroyed.
 */
#ifndef GRALLOC_EGL_H
#define GRALLOC_EGL_H

#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <GLES2/gl2.h>
#include <GLES2/gl2ext.h> /* GL_TEXTURE_EXTERNAL_OES, GLeglImageOES */

#include <gralloc/consumer.h>
#include <gralloc/gralloc.h>

#ifdef __cplusplus
extern "C" {
#endif

struct gralloc_egl;
struct gralloc_egl_image;

/* Probes `dpy` (borrowed, must outlive the result): driver, dma-buf
 * import, formats and modifiers, the DRM node behind it and whether it
 * can use dma-bufs that another device exported. `drm_device_path` names
 * that node when EGL cannot tell (EGL_EXT_device_drm missing, or a
 * software device); NULL to ask EGL. ENOTSUP when the display lacks
 * EGL_EXT_image_dma_buf_import; EINVAL when it is not initialised. */
GRALLOC_EXPORT struct gralloc_egl *gralloc_egl_create(EGLDisplay dpy,
						      const char *drm_device_path);
/* Destroys every image still made from `egl` (detaching it from its
 * buffer); GL objects made from them stay the caller's. Accepts NULL. */
GRALLOC_EXPORT void gralloc_egl_destroy(struct gralloc_egl *egl);
/* "kms_swrast", "iris", ...; "" when EGL_MESA_query_driver is missing. */
GRALLOC_EXPORT const char *gralloc_egl_driver_name(const struct gralloc_egl *egl);
/* The DRM node the display renders with; "" when unknown. */
GRALLOC_EXPORT const char *gralloc_egl_device_path(const struct gralloc_egl *egl);
/* Whether the display's driver can use dma-bufs another device exported.
 * kms_swrast cannot: it maps every buffer with DRM_IOCTL_MODE_MAP_DUMB,
 * which the kernel refuses for imported objects (Mesa then crashes). */
GRALLOC_EXPORT bool gralloc_egl_imports_foreign(const struct gralloc_egl *egl);
/* 1 if the display imports (format, modifier), 0 if not, -errno. */
GRALLOC_EXPORT int gralloc_egl_supports(const struct gralloc_egl *egl, uint32_t format,
					uint64_t modifier);

/* The consumer that describes `dpy` (see gralloc_egl_create() for the
 * arguments): its formats with their modifiers and, for a driver that
 * cannot import foreign dma-bufs, imports_foreign false and the DRM node
 * whose own memory it can use. Free with gralloc_consumer_destroy(). */
GRALLOC_EXPORT struct gralloc_consumer *gralloc_consumer_create_egl(EGLDisplay dpy,
								   const char *drm_device_path);
/* The same, from an existing probe (no new queries). */
GRALLOC_EXPORT struct gralloc_consumer *gralloc_egl_create_consumer(const struct gralloc_egl *egl);

/* YUV sampling hints (EGL_YUV_COLOR_SPACE_HINT_EXT and
 * EGL_SAMPLE_RANGE_HINT_EXT); ignored for RGB formats. */
enum gralloc_egl_color_space {
	GRALLOC_EGL_COLOR_SPACE_DEFAULT = 0, /* BT.601 */
	GRALLOC_EGL_COLOR_SPACE_BT601,
	GRALLOC_EGL_COLOR_SPACE_BT709,
	GRALLOC_EGL_COLOR_SPACE_BT2020,
};
enum gralloc_egl_sample_range {
	GRALLOC_EGL_RANGE_DEFAULT = 0, /* limited ("narrow", 16-235) */
	GRALLOC_EGL_RANGE_LIMITED,
	GRALLOC_EGL_RANGE_FULL,
};

/* Zero-initialise; zero means the default. */
struct gralloc_egl_image_options {
	enum gralloc_egl_color_space color_space;
	enum gralloc_egl_sample_range range;
	uint32_t layer; /* layer of a multi-layer buffer */
};

/* Makes an EGLImage of `buf` (borrowed; the image is tied to it, see
 * above). opts may be NULL. Refuses (ENOTSUP) memory the display cannot
 * use safely, such as heap memory on kms_swrast, rather than let the
 * driver crash on first use; EINVAL for an unsupported format or layer. */
GRALLOC_EXPORT struct gralloc_egl_image *
gralloc_egl_image_create(struct gralloc_egl *egl, struct gralloc_buffer *buf,
			 const struct gralloc_egl_image_options *opts);

/* An explicit dma-buf layout, for memory gralloc did not allocate (an fd
 * received from another process). fds are borrowed: read during the
 * call, never closed or kept. */
struct gralloc_egl_dmabuf {
	uint32_t width, height, format;
	uint64_t modifier; /* DRM_FORMAT_MOD_LINEAR, or INVALID for implicit */
	uint32_t num_planes;
	int fds[GRALLOC_MAX_PLANES];
	uint32_t offsets[GRALLOC_MAX_PLANES];
	uint32_t pitches[GRALLOC_MAX_PLANES];
};

/* Checks the layout against the format and the fds' sizes (a pitch too
 * small or a plane past the end: EINVAL naming the plane), then creates
 * the image. Not tied to any buffer: destroy it before the memory goes. */
GRALLOC_EXPORT struct gralloc_egl_image *
gralloc_egl_image_create_dmabuf(struct gralloc_egl *egl, const struct gralloc_egl_dmabuf *d,
				const struct gralloc_egl_image_options *opts);
/* Accepts NULL, and an image whose buffer was freed must not be passed
 * (it is gone with the buffer). Not concurrently with freeing its buffer. */
GRALLOC_EXPORT void gralloc_egl_image_destroy(struct gralloc_egl_image *img);
/* Borrowed: valid until the image dies. */
GRALLOC_EXPORT EGLImageKHR gralloc_egl_image_get(const struct gralloc_egl_image *img);
/* GL_TEXTURE_2D, or GL_TEXTURE_EXTERNAL_OES for YUV and for formats the
 * display reports as external-only. */
GRALLOC_EXPORT GLenum gralloc_egl_image_texture_target(const struct gralloc_egl_image *img);

/* The calls below need a GLES2 context of the image's display current on
 * the calling thread, and leave GL bindings as they found them. */

/* A new texture (caller owns: glDeleteTextures) backed by the image, on
 * *target (see gralloc_egl_image_texture_target()), nearest filtering,
 * clamped. */
GRALLOC_EXPORT int gralloc_egl_image_texture(struct gralloc_egl_image *img, GLuint *texture,
					     GLenum *target);
/* A new complete framebuffer object whose colour attachment is the image:
 * a renderbuffer (glEGLImageTargetRenderbufferStorageOES) where the driver
 * allows, else a GL_TEXTURE_2D texture. The caller owns *fbo and
 * *attachment (glDeleteFramebuffers, then glDeleteRenderbuffers or
 * glDeleteTextures as *attachment_type says: GL_RENDERBUFFER or
 * GL_TEXTURE). ENOTSUP when the format is not renderable. */
GRALLOC_EXPORT int gralloc_egl_image_framebuffer(struct gralloc_egl_image *img, GLuint *fbo,
						 GLuint *attachment, GLenum *attachment_type);

#ifdef __cplusplus
}
#endif

#endif
