/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tap.h - assertions for C unit tests, in the format tests/run.sh counts. */
#ifndef FT_TAP_H
#define FT_TAP_H

#include <stdio.h>

static int tap_failed;

#define CHECK(cond, ...) do {						\
	if (cond) {							\
		printf("ok - ");					\
	} else {							\
		printf("not ok - %s:%d: ", __FILE__, __LINE__);		\
		tap_failed++;						\
	}								\
	printf(__VA_ARGS__);						\
	printf("\n");							\
} while (0)

#define CHECK_EQ_INT(a, b, what) do {					\
	long long _a = (long long)(a), _b = (long long)(b);		\
	CHECK(_a == _b, "%s: %lld == %lld", what, _a, _b);		\
} while (0)

static inline int tap_done(void) { return tap_failed ? 1 : 0; }

#endif
