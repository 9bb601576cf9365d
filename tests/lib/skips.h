// SPDX-License-Identifier: MIT
// Outside tools a C test uses for some of its checks (tshark). A missing tool never
// lets a test pass silently: skips_need() prints which checks cannot run and why, the
// cmocka test calls skip() and the other tests run, and skips_status() makes the
// program exit 77 (meson: SKIP) when every test that ran passed but some were skipped.
// The reason is the last line of output, which scripts/test lists. The Python tests
// have the same helper in tests/lib/skips.py.
//	if (!skips_need("tshark", "tshark's reading of the capture"))
//		skip();
//	...
//	return skips_status(cmocka_run_group_tests(tests, NULL, NULL));
#ifndef DENALI_TESTS_SKIPS_H
#define DENALI_TESTS_SKIPS_H

#include <stdbool.h>

// True when `tool` is an executable on PATH; otherwise records that `what` did not run.
bool skips_need(const char *tool, const char *what);

// 1 when failed (cmocka's count of failed tests) is non-zero, else 77 when a skips_need()
// was refused, else 0. Prints the verdict for a skip as the last line.
int skips_status(int failed);

#endif
