/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rate.c - generate tracepoint load at a set rate: getppid() system calls,
 * each firing raw_syscalls:sys_enter and sys_exit (2 events), issued in
 * bursts every millisecond.  Prints the rate achieved.
 * usage: rate EVENTS_PER_SECOND SECONDS
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double rate, secs, t0, t;
	unsigned long long calls = 0;

	if (argc != 3 || (rate = atof(argv[1])) <= 0 || (secs = atof(argv[2])) <= 0) {
		fprintf(stderr, "usage: rate EVENTS_PER_SECOND SECONDS\n");
		return 2;
	}
	t0 = now();
	while ((t = now()) - t0 < secs) {
		unsigned long long due = (unsigned long long)((t - t0) * rate / 2);

		while (calls < due) {
			syscall(SYS_getppid);
			calls++;
		}
		usleep(1000);
	}
	printf("rate: %llu events in %.2f s = %.0f events/s\n", calls * 2, now() - t0,
	       (double)calls * 2 / (now() - t0));
	return 0;
}
