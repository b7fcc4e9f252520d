/* SPDX-License-Identifier: MIT */
#include "demo.h"

int main(int argc, char **argv)
{
	return kms_demo_main("kms-demo",
			     "usage: kms-demo [--device /dev/dri/cardN | --driver NAME] [--frames N]\n"
			     "                [--output frame.png] [--copy]\n",
			     argc, argv);
}
