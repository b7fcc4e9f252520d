/* SPDX-License-Identifier: MIT */
/* `gralloc demo`: the zero-copy scanout demo of examples/kms, as a command. */
#include "cli.h"
#include "demo.h"

int cmd_demo(int argc, char **argv)
{
	return kms_demo_main(argc, argv);
}
