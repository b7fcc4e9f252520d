/* SPDX-License-Identifier: MIT */
/* Minimal TAP test harness shared by host and guest tests.
 *
 *   TEST(name) { ... CHECK(cond); CHECK_EQ(a, b); ... }
 *   int main(void) { return test_run_all(); }
 *
 * Each TEST is a fixture-free function registered at load time; the runner
 * prints TAP ("ok N - name", "not ok N - name", "# SKIP reason"). A test
 * calls test_skip("reason") to skip. The program exits 1 if any test
 * failed, 77 if every test skipped (the machine lacks the thing), else 0.
 * Every test is also checked for fd leaks: the open fd count after the
 * test must equal the count before it.
 */
#ifndef GRALLOC_TEST_H
#define GRALLOC_TEST_H

#include <dirent.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct test_case {
	const char *name;
	void (*fn)(void);
};

#define TEST_MAX 256
static struct test_case test_cases[TEST_MAX];
static int test_count;
static bool test_failed_flag, test_skipped_flag;
static char test_skip_reason[256];

#define TEST(fn_name)                                                          \
	static void test_##fn_name(void);                                      \
	__attribute__((constructor)) static void register_##fn_name(void)     \
	{                                                                      \
		if (test_count < TEST_MAX)                                     \
			test_cases[test_count++] = (struct test_case){         \
				#fn_name, test_##fn_name };                    \
	}                                                                      \
	static void test_##fn_name(void)

/* Prints a diagnostic line and fails the current test. */
#define FAIL_MSG(...)                                                          \
	do {                                                                   \
		printf("#   %s:%d: ", __FILE__, __LINE__);                     \
		printf(__VA_ARGS__);                                           \
		printf("\n");                                                  \
		test_failed_flag = true;                                       \
	} while (0)

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			printf("#   %s:%d: check failed: %s\n", __FILE__,      \
			       __LINE__, #cond);                               \
			test_failed_flag = true;                               \
			return;                                                \
		}                                                              \
	} while (0)

#define CHECK_EQ(a, b)                                                         \
	do {                                                                   \
		long long a_ = (long long)(a), b_ = (long long)(b);            \
		if (a_ != b_) {                                                \
			printf("#   %s:%d: %s == %lld, expected %s == %lld\n",  \
			       __FILE__, __LINE__, #a, a_, #b, b_);            \
			test_failed_flag = true;                               \
			return;                                                \
		}                                                              \
	} while (0)

#define CHECK_STR(a, b)                                                        \
	do {                                                                   \
		const char *a_ = (a), *b_ = (b);                               \
		if (!a_ || !b_ || strcmp(a_, b_)) {                            \
			printf("#   %s:%d: %s is \"%s\", expected \"%s\"\n",    \
			       __FILE__, __LINE__, #a, a_ ? a_ : "(null)",     \
			       b_ ? b_ : "(null)");                            \
			test_failed_flag = true;                               \
			return;                                                \
		}                                                              \
	} while (0)

/* The emulator a cross build's tests run under (GRALLOC_EXE_WRAPPER, set by
 * tests/meson.build from the cross file), or NULL when they run natively:
 * what user-mode emulation cannot reproduce is skipped, long loops shrink. */
static inline const char *test_emulator(void)
{
	const char *e = getenv("GRALLOC_EXE_WRAPPER");

	return e && *e ? e : NULL;
}

static inline void test_skip(const char *reason)
{
	test_skipped_flag = true;
	snprintf(test_skip_reason, sizeof(test_skip_reason), "%s", reason);
}

/* Open fds of this process, for leak checks. */
static inline int test_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1; /* the DIR's own fd */
}

static inline int test_run_all(void)
{
	int failed = 0, skipped = 0;

	printf("TAP version 13\n1..%d\n", test_count);
	for (int i = 0; i < test_count; i++) {
		int fds_before = test_count_fds(), fds_after;

		test_failed_flag = test_skipped_flag = false;
		test_cases[i].fn();
		fds_after = test_count_fds();
		if (!test_failed_flag && !test_skipped_flag && fds_after != fds_before) {
			printf("#   fd leak: %d open before, %d after\n", fds_before, fds_after);
			test_failed_flag = true;
		}
		if (test_failed_flag) {
			printf("not ok %d - %s\n", i + 1, test_cases[i].name);
			failed++;
		} else if (test_skipped_flag) {
			printf("ok %d - %s # SKIP %s\n", i + 1, test_cases[i].name,
			       test_skip_reason);
			skipped++;
		} else {
			printf("ok %d - %s\n", i + 1, test_cases[i].name);
		}
		fflush(stdout);
	}
	if (failed)
		return 1;
	if (test_count && skipped == test_count) {
		printf("# all tests skipped: %s\n", test_skip_reason);
		return 77;
	}
	return 0;
}

#endif
