/* SPDX-License-Identifier: MIT */
/* Shared by the Wayland guest tests: binding wl_compositor, and counting a
 * process's fds (the leak checks on both sides of the socket). */
#ifndef GRALLOC_TEST_WL_TEST_H
#define GRALLOC_TEST_WL_TEST_H

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include <wayland-client.h>

/* data: a struct wl_compositor **, set when the global shows up. */
static void wlt_global(void *data, struct wl_registry *r, uint32_t name, const char *iface,
		       uint32_t version)
{
	(void)version;
	if (!strcmp(iface, wl_compositor_interface.name))
		*(struct wl_compositor **)data = wl_registry_bind(r, name, &wl_compositor_interface, 4);
}

static void wlt_global_remove(void *data, struct wl_registry *r, uint32_t name)
{
	(void)data, (void)r, (void)name;
}

static const struct wl_registry_listener wlt_registry_listener = { wlt_global,
								    wlt_global_remove };

/* Open fds of pid, or -1 when /proc says nothing. */
static int wlt_proc_fds(pid_t pid)
{
	char path[64];
	DIR *d;
	struct dirent *e;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

#endif
