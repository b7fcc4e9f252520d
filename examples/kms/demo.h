/* SPDX-License-Identifier: MIT */
#ifndef GRALLOC_EXAMPLE_DEMO_H
#define GRALLOC_EXAMPLE_DEMO_H

/* The zero-copy scanout demo; argv[0] is the program or command name.
 * Returns an exit status (0 ok, 1 failure, 2 bad arguments). */
int kms_demo_main(int argc, char **argv);

#endif
