/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fiu_nth.c - makes the Nth POSIX I/O call of a process fail with EIO, on
 * top of libfiu's POSIX preload library (package fiu-utils), which wraps
 * read/write/pread/pwrite/open/fsync/... and asks libfiu whether to fail.
 * fiu-run can fail a call unconditionally or at random; the sweep in
 * tests/t9004-eio.sh needs "exactly the Nth call", so this preloaded object
 * enables the points with a callback that counts.
 *
 * FT_FIU_NTH=N      the call to fail (1-based), counted over FT_FIU_POINT
 * FT_FIU_POINT=P    libfiu point name, a trailing * matches a prefix
 *                   (default: every posix/io point)
 * FT_FIU_LOG=FILE   appends "N name" when the failure fires
 * Children inherit the environment and count their own calls.
 */
#include <errno.h>
#include <fiu.h>
#include <fiu-control.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static long nth, calls;

static int decide(const char *name, int *failnum, void **failinfo, unsigned int *flags)
{
	(void)failnum;
	(void)flags;
	if (++calls != nth)
		return 0;
	*failinfo = (void *)(intptr_t)EIO;
	{
		const char *log = getenv("FT_FIU_LOG");
		FILE *f = log ? fopen(log, "a") : NULL;

		if (f) {
			fprintf(f, "%ld %s\n", nth, name);
			fclose(f);
		}
	}
	return 1;
}

__attribute__((constructor)) static void fiu_nth_init(void)
{
	const char *n = getenv("FT_FIU_NTH"), *point = getenv("FT_FIU_POINT");

	if (!n || (nth = atol(n)) <= 0)
		return;
	fiu_init(0);
	fiu_enable_external(point ? point : "posix/io/*", 1, (void *)(intptr_t)EIO, 0, decide);
}
