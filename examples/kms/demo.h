/* SPDX-License-Identifier: MIT */
#ifndef GRALLOC_EXAMPLE_DEMO_H
#define GRALLOC_EXAMPLE_DEMO_H

/* The zero-copy scanout demo. `prog` prefixes every message, `usage` is
 * what --help prints, so the same demo reads right as `kms-demo` and as
 * `gralloc demo`. Returns an exit status (0 ok, 1 failure, 2 bad arguments). */
int kms_demo_main(const char *prog, const char *usage, int argc, char **argv);

#endif
