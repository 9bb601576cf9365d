// SPDX-License-Identifier: MIT
// The internal invariants of src/vmm are checked with assert (STYLE.md 4.1) in debug and
// sanitizer builds: a broken one must stop the process there, not go on silently. A child
// breaks one on purpose (removes a VM from the run queue that is not in it, and queues a
// VM twice) and must die of SIGABRT. In a release build (NDEBUG) the checks are compiled
// out and the test is skipped (exit 77).
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "vmm/sched.h"

#ifndef NDEBUG
// Runs broken(kind) in a child; true when the child died of SIGABRT.
static bool aborts(void (*broken)(enum sched_kind), enum sched_kind kind)
{
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		// An assert failure prints its message; keep the test log readable.
		if (!freopen("/dev/null", "w", stderr))
			_exit(3);
		broken(kind);
		_exit(0); // not stopped: the assert is off
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT;
}

static void remove_unqueued(enum sched_kind kind)
{
	struct sched s;
	if (sched_init(&s, kind, 4, NULL) != 0)
		_exit(2);
	sched_remove(&s, 2);
}

static void enqueue_twice(enum sched_kind kind)
{
	struct sched s;
	if (sched_init(&s, kind, 4, NULL) != 0)
		_exit(2);
	sched_enqueue(&s, 1, SCHED_TAIL);
	sched_enqueue(&s, 1, SCHED_BOOST);
}

static void test_sched_invariants(void **state)
{
	for (int k = 0; k < SCHED_KINDS; k++) {
		assert_true(aborts(remove_unqueued, (enum sched_kind)k));
		assert_true(aborts(enqueue_twice, (enum sched_kind)k));
	}
}

#endif

int main(void)
{
#ifdef NDEBUG
	printf("SKIP: a release build (NDEBUG): assertions are compiled out\n");
	return 77;
#else
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sched_invariants),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
#endif
}
