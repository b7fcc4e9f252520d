/* SPDX-License-Identifier: MIT */
/* In a privileged program (setuid here) the GRALLOC_* environment must not
 * choose the policy or the device nodes: the caller owns the environment.
 * The test runs a setuid copy of itself (owner 65534, started by root, so
 * the kernel sets AT_SECURE) and the plain binary with the same hostile
 * environment: only the plain one may obey it. */
#include <errno.h>
#include <fcntl.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gralloc/gralloc.h"

#include "test.h"

#define NOBODY 65534

static const char *self;

/* The child: 0 when the device was created without the environment's
 * policy file (which does not exist), 1 when it obeyed it, 2 on a
 * different failure. */
static int child(void)
{
	struct gralloc_device *dev = gralloc_device_create(NULL);
	int ret;

	if (dev) {
		gralloc_device_destroy(dev);
		return 0;
	}
	ret = errno == ENOENT && strstr(gralloc_last_error(), "/nonexistent") ? 1 : 2;
	printf("#   [AT_SECURE=%lu] device: %s\n", getauxval(AT_SECURE), gralloc_last_error());
	return ret;
}

static int run(const char *path)
{
	char *argv[] = { (char *)path, (char *)"--child", NULL };
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		setenv("GRALLOC_CONFIG", "/nonexistent/policy.conf", 1);
		setenv("GRALLOC_HEAP_DIR", "/nonexistent", 1);
		execv(path, argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static int copy_file(const char *from, const char *to)
{
	char buf[65536];
	int in = open(from, O_RDONLY | O_CLOEXEC), out;
	ssize_t n;

	if (in < 0)
		return -errno;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (out < 0) {
		close(in);
		return -errno;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			n = -1;
			break;
		}
	close(in);
	close(out);
	return n < 0 ? -EIO : 0;
}

TEST(privileged_process_ignores_environment)
{
	char dir[] = "/tmp/gralloc-suid-XXXXXX", copy[64];
	int plain, privileged;

	if (test_emulator()) {
		/* The kernel runs qemu-user, not the copy: no AT_SECURE. */
		test_skip("a setuid program cannot run under a user-mode emulator");
		return;
	}
	if (geteuid() != 0) {
		test_skip("needs root to make a setuid copy");
		return;
	}
	CHECK(mkdtemp(dir));
	snprintf(copy, sizeof(copy), "%s/child", dir);
	CHECK_EQ(chmod(dir, 0755), 0);
	CHECK_EQ(copy_file(self, copy), 0);
	CHECK_EQ(chown(copy, NOBODY, NOBODY), 0);
	CHECK_EQ(chmod(copy, 04755), 0);
	plain = run(self);
	privileged = run(copy);
	unlink(copy);
	rmdir(dir);
	/* The plain program obeys the environment (and fails: no such file). */
	CHECK_EQ(plain, 1);
	if (privileged == 1)
		printf("#   the setuid copy read GRALLOC_CONFIG from the environment\n");
	CHECK_EQ(privileged, 0);
}

int main(int argc, char **argv)
{
	/* _exit: a setuid process is not dumpable, and LeakSanitizer's exit
	 * check (ptrace of itself) would fail there for reasons of its own. */
	if (argc == 2 && !strcmp(argv[1], "--child")) {
		int ret = child();

		fflush(stdout);
		_exit(ret);
	}
	self = "/proc/self/exe";
	{
		static char path[4096];
		ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);

		if (n > 0) {
			path[n] = '\0';
			self = path;
		}
	}
	return test_run_all();
}
