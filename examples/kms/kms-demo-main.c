/* SPDX-License-Identifier: MIT */
#include "demo.h"

int main(int argc, char **argv)
{
	return kms_demo_main(argc, argv);
}
