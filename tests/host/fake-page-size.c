/* SPDX-License-Identifier: MIT */
/* Test double: a kernel with FAKE_PAGE_SIZE-byte pages (arm64's 16 KiB or
 * 64 KiB), on a 4 KiB machine. Linked into the test executable, this
 * sysconf() is also the one libgralloc's calls bind to. */
#include <unistd.h>

long __sysconf(int name);

long sysconf(int name)
{
	return name == _SC_PAGESIZE ? FAKE_PAGE_SIZE : __sysconf(name);
}
