/* SPDX-License-Identifier: MIT */
/* What an EGL display is: its driver, the DRM node behind it, the dma-buf
 * formats it imports and whether it can use memory another device made. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <xf86drm.h>

#include "egl_private.h"

const char *gralloc_egl_error_name(EGLint error)
{
	switch (error) {
	case EGL_SUCCESS: return "EGL_SUCCESS";
	case EGL_NOT_INITIALIZED: return "EGL_NOT_INITIALIZED";
	case EGL_BAD_ACCESS: return "EGL_BAD_ACCESS";
	case EGL_BAD_ALLOC: return "EGL_BAD_ALLOC";
	case EGL_BAD_ATTRIBUTE: return "EGL_BAD_ATTRIBUTE";
	case EGL_BAD_CONTEXT: return "EGL_BAD_CONTEXT";
	case EGL_BAD_DISPLAY: return "EGL_BAD_DISPLAY";
	case EGL_BAD_MATCH: return "EGL_BAD_MATCH";
	case EGL_BAD_PARAMETER: return "EGL_BAD_PARAMETER";
	default: return "EGL error";
	}
}

void gralloc_egl_format_name(uint32_t format, char out[8])
{
	for (int i = 0; i < 4; i++) {
		char c = (char)((format >> (8 * i)) & 0xff);

		out[i] = c >= 0x20 && c < 0x7f ? c : '?';
	}
	out[4] = '\0';
}

static bool has_extension(const char *list, const char *name)
{
	size_t len = strlen(name);

	for (const char *p = list; p && (p = strstr(p, name)); p += len) {
		if ((p == list || p[-1] == ' ') && (p[len] == ' ' || p[len] == '\0'))
			return true;
	}
	return false;
}

/* Software rasterisers on a KMS device (Mesa's kms_swrast) map every
 * buffer with DRM_IOCTL_MODE_MAP_DUMB; the kernel refuses that for
 * imported objects, so they can use only their own device's memory. */
static bool driver_maps_dumb(const char *driver)
{
	return !strcmp(driver, "kms_swrast") || !strcmp(driver, "swrast");
}

static void query_driver(struct gralloc_egl *egl, const char *exts)
{
	const char *(*get_name)(EGLDisplay);

	if (!has_extension(exts, "EGL_MESA_query_driver"))
		return;
	get_name = (const char *(*)(EGLDisplay))eglGetProcAddress("eglGetDisplayDriverName");
	if (get_name && get_name(egl->dpy))
		egl_copy(egl->driver, sizeof(egl->driver), get_name(egl->dpy));
}

/* The DRM node from EGL_EXT_device_query; "" when EGL does not say (a
 * software EGL device has no EGL_EXT_device_drm). */
static void query_device(struct gralloc_egl *egl)
{
	const char *client = eglQueryString(EGL_NO_DISPLAY, EGL_EXTENSIONS);
	PFNEGLQUERYDISPLAYATTRIBEXTPROC query_attrib;
	PFNEGLQUERYDEVICESTRINGEXTPROC query_string;
	EGLAttrib attr = 0;
	const char *path;

	if (!has_extension(client, "EGL_EXT_device_query") &&
	    !has_extension(client, "EGL_EXT_device_base"))
		return;
	query_attrib = (PFNEGLQUERYDISPLAYATTRIBEXTPROC)eglGetProcAddress("eglQueryDisplayAttribEXT");
	query_string = (PFNEGLQUERYDEVICESTRINGEXTPROC)eglGetProcAddress("eglQueryDeviceStringEXT");
	if (!query_attrib || !query_string || !query_attrib(egl->dpy, EGL_DEVICE_EXT, &attr) ||
	    !attr)
		return;
	if (!has_extension(query_string((EGLDeviceEXT)attr, EGL_EXTENSIONS), "EGL_EXT_device_drm"))
		return;
	path = query_string((EGLDeviceEXT)attr, EGL_DRM_DEVICE_FILE_EXT);
	if (path)
		egl_copy(egl->device, sizeof(egl->device), path);
}

static int add_format(struct gralloc_egl *egl, size_t *cap, uint32_t format, uint64_t modifier,
		      bool external_only)
{
	if (egl->num_formats == *cap) {
		size_t n = *cap ? *cap * 2 : 64;
		struct egl_format *f = realloc(egl->formats, n * sizeof(*f));

		if (!f)
			return -ENOMEM;
		egl->formats = f;
		*cap = n;
	}
	egl->formats[egl->num_formats++] = (struct egl_format){ format, modifier, external_only };
	return 0;
}

/* Without the modifiers extension EGL cannot list formats; these are the
 * ones EGL_EXT_image_dma_buf_import requires of every implementation. */
static const uint32_t baseline_formats[] = {
	DRM_FORMAT_ARGB8888, DRM_FORMAT_XRGB8888, DRM_FORMAT_ABGR8888,
	DRM_FORMAT_XBGR8888, DRM_FORMAT_RGB565,
};

static int query_formats(struct gralloc_egl *egl)
{
	PFNEGLQUERYDMABUFFORMATSEXTPROC query_formats;
	PFNEGLQUERYDMABUFMODIFIERSEXTPROC query_modifiers;
	EGLint n = 0, *formats;
	size_t cap = 0;
	int ret = 0;

	if (!egl->has_modifiers) {
		for (size_t i = 0; i < ARRAY_SIZE(baseline_formats) && !ret; i++)
			ret = add_format(egl, &cap, baseline_formats[i], DRM_FORMAT_MOD_LINEAR, false);
		return ret;
	}
	query_formats = (PFNEGLQUERYDMABUFFORMATSEXTPROC)eglGetProcAddress("eglQueryDmaBufFormatsEXT");
	query_modifiers =
		(PFNEGLQUERYDMABUFMODIFIERSEXTPROC)eglGetProcAddress("eglQueryDmaBufModifiersEXT");
	if (!query_formats || !query_modifiers || !query_formats(egl->dpy, 0, NULL, &n) || n < 0)
		return -EIO;
	formats = calloc((size_t)n + 1, sizeof(*formats));
	if (!formats)
		return -ENOMEM;
	if (!query_formats(egl->dpy, n, formats, &n)) {
		free(formats);
		return -EIO;
	}
	for (EGLint i = 0; i < n && !ret; i++) {
		EGLuint64KHR *mods = NULL;
		EGLBoolean *ext = NULL;
		EGLint m = 0;

		if (!query_modifiers(egl->dpy, formats[i], 0, NULL, NULL, &m) || m < 0)
			continue;
		/* No modifiers listed: implicit layout only, which for memory
		 * gralloc allocates is linear. */
		if (m == 0) {
			ret = add_format(egl, &cap, (uint32_t)formats[i], DRM_FORMAT_MOD_LINEAR, false);
			continue;
		}
		mods = calloc((size_t)m, sizeof(*mods));
		ext = calloc((size_t)m, sizeof(*ext));
		if (!mods || !ext) {
			ret = -ENOMEM;
		} else if (query_modifiers(egl->dpy, formats[i], m, mods, ext, &m)) {
			for (EGLint j = 0; j < m && !ret; j++)
				ret = add_format(egl, &cap, (uint32_t)formats[i], mods[j], ext[j]);
		}
		free(mods);
		free(ext);
	}
	free(formats);
	return ret;
}

/* A card node would make us DRM master if nobody is yet, stealing it from
 * a compositor that opens the device after us: give it up at once. */
static int open_device(struct gralloc_egl *egl)
{
	int fd;

	if (egl->drm_fd >= 0)
		return egl->drm_fd;
	fd = open(egl->device, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (drmIsMaster(fd))
		drmDropMaster(fd);
	egl->drm_fd = fd;
	return fd;
}

static int fail(struct gralloc_egl *egl, int err)
{
	gralloc_egl_destroy(egl);
	errno = err;
	return err;
}

GRALLOC_EXPORT struct gralloc_egl *gralloc_egl_create(EGLDisplay dpy, const char *drm_device_path)
{
	struct gralloc_egl *egl;
	const char *exts;
	int ret;

	if (dpy == EGL_NO_DISPLAY) {
		gralloc_log(ERROR, "EGL display must not be EGL_NO_DISPLAY");
		errno = EINVAL;
		return NULL;
	}
	exts = eglQueryString(dpy, EGL_EXTENSIONS);
	if (!exts) {
		gralloc_log(ERROR, "EGL display is not initialised (%s)",
			    gralloc_egl_error_name(eglGetError()));
		errno = EINVAL;
		return NULL;
	}
	egl = calloc(1, sizeof(*egl));
	if (!egl) {
		errno = ENOMEM;
		return NULL;
	}
	egl->dpy = dpy;
	egl->drm_fd = -1;
	pthread_mutex_init(&egl->lock, NULL);
	query_driver(egl, exts);
	query_device(egl);
	if (!egl->device[0] && drm_device_path)
		egl_copy(egl->device, sizeof(egl->device), drm_device_path);

	if (!has_extension(exts, "EGL_EXT_image_dma_buf_import") ||
	    !has_extension(exts, "EGL_KHR_image_base")) {
		gralloc_log(ERROR, "EGL display (%s) offers no EGL_EXT_image_dma_buf_import",
			    egl->driver[0] ? egl->driver : "unknown driver");
		fail(egl, ENOTSUP);
		return NULL;
	}
	egl->has_modifiers = has_extension(exts, "EGL_EXT_image_dma_buf_import_modifiers");
	egl->has_yuv_hints = true;
	egl->create_image = (PFNEGLCREATEIMAGEKHRPROC)eglGetProcAddress("eglCreateImageKHR");
	egl->destroy_image = (PFNEGLDESTROYIMAGEKHRPROC)eglGetProcAddress("eglDestroyImageKHR");
	egl->target_texture =
		(PFNGLEGLIMAGETARGETTEXTURE2DOESPROC)eglGetProcAddress("glEGLImageTargetTexture2DOES");
	egl->target_renderbuffer = (PFNGLEGLIMAGETARGETRENDERBUFFERSTORAGEOESPROC)eglGetProcAddress(
		"glEGLImageTargetRenderbufferStorageOES");
	if (!egl->create_image || !egl->destroy_image) {
		gralloc_log(ERROR, "EGL offers EGL_KHR_image_base without eglCreateImageKHR");
		fail(egl, ENOTSUP);
		return NULL;
	}
	ret = query_formats(egl);
	if (ret) {
		gralloc_log(ERROR, "cannot list the EGL display's dma-buf formats: %s",
			    strerror(-ret));
		fail(egl, -ret);
		return NULL;
	}

	egl->imports_foreign = !driver_maps_dumb(egl->driver);
	/* Opened now rather than on the first image, so that a caller's fd
	 * accounting does not see it appear later; failure only means
	 * images will be refused with the reason. */
	if (!egl->imports_foreign && egl->device[0])
		open_device(egl);
	if (!egl->imports_foreign)
		snprintf(egl->why, sizeof(egl->why),
			 "EGL driver %.32s maps buffers with DRM_IOCTL_MODE_MAP_DUMB, which fails "
			 "on imported dma-bufs: only memory of %.100s will do",
			 egl->driver, egl->device[0] ? egl->device : "its own (unknown) device");
	return egl;
}

GRALLOC_EXPORT void gralloc_egl_destroy(struct gralloc_egl *egl)
{
	if (!egl)
		return;
	/* An image whose buffer is being freed right now is that free's to
	 * release; the documented rule forbids the race, so a detach that
	 * fails here only means the image is not tied to a buffer. */
	while (egl->images) {
		struct gralloc_egl_image *img = egl->images;

		egl->images = img->next;
		if (img->buf)
			gralloc_buffer_set_user_data(img->buf, img, NULL, NULL);
		egl->destroy_image(egl->dpy, img->image);
		free(img);
	}
	if (egl->drm_fd >= 0)
		close(egl->drm_fd);
	pthread_mutex_destroy(&egl->lock);
	free(egl->formats);
	free(egl);
}

GRALLOC_EXPORT const char *gralloc_egl_driver_name(const struct gralloc_egl *egl)
{
	return egl ? egl->driver : "";
}

GRALLOC_EXPORT const char *gralloc_egl_device_path(const struct gralloc_egl *egl)
{
	return egl ? egl->device : "";
}

GRALLOC_EXPORT bool gralloc_egl_imports_foreign(const struct gralloc_egl *egl)
{
	return egl && egl->imports_foreign;
}

const struct egl_format *gralloc_egl_find_format(const struct gralloc_egl *egl, uint32_t format,
						 uint64_t modifier)
{
	for (size_t i = 0; i < egl->num_formats; i++) {
		if (egl->formats[i].format == format && egl->formats[i].modifier == modifier)
			return &egl->formats[i];
	}
	return NULL;
}

GRALLOC_EXPORT int gralloc_egl_supports(const struct gralloc_egl *egl, uint32_t format,
					uint64_t modifier)
{
	if (!egl) {
		gralloc_log(ERROR, "egl must not be NULL");
		return -(errno = EINVAL);
	}
	return gralloc_egl_find_format(egl, format, modifier) != NULL;
}

int gralloc_egl_check_own_memory(struct gralloc_egl *egl, int fd)
{
	struct drm_mode_map_dumb map = { 0 };
	struct drm_gem_close close_args = { 0 };
	int drm_fd, ret;

	if (!egl->device[0]) {
		gralloc_log(ERROR, "%s; without its DRM node (pass it to gralloc_egl_create) the "
			    "memory cannot be checked, so it is refused", egl->why);
		return -ENOTSUP;
	}
	pthread_mutex_lock(&egl->lock);
	drm_fd = open_device(egl);
	if (drm_fd < 0) {
		pthread_mutex_unlock(&egl->lock);
		gralloc_log(ERROR, "cannot open %s to check the memory: %s", egl->device,
			    strerror(-drm_fd));
		return drm_fd;
	}
	/* The driver's own path: PRIME import, then MAP_DUMB. The handle is
	 * on our private description, so closing it touches nobody else's. */
	if (drmPrimeFDToHandle(drm_fd, fd, &map.handle)) {
		ret = -errno;
		pthread_mutex_unlock(&egl->lock);
		gralloc_log(ERROR, "%s cannot import this dma-buf (%s), so EGL driver %s cannot "
			    "use it", egl->device, strerror(-ret), egl->driver);
		return -ENOTSUP;
	}
	ret = drmIoctl(drm_fd, DRM_IOCTL_MODE_MAP_DUMB, &map) ? -errno : 0;
	close_args.handle = map.handle;
	drmIoctl(drm_fd, DRM_IOCTL_GEM_CLOSE, &close_args);
	pthread_mutex_unlock(&egl->lock);
	if (ret) {
		gralloc_log(ERROR, "this dma-buf is not memory of %s (DRM_IOCTL_MODE_MAP_DUMB: %s) "
			    "and EGL driver %s would crash using it; allocate it with "
			    "gralloc_buffer_allocate_for() and the EGL consumer",
			    egl->device, strerror(-ret), egl->driver);
		return -ENOTSUP;
	}
	return 0;
}
