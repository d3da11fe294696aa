/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gen_synth.c - write a large synthetic trace database for `make bench`:
 * rounds of short buffered writes with their cleanup, mmap faults racing
 * some of them, writeback and wakeups, over many inodes and tasks
 * (tests/unit/synth.h builds the events).  With --reclaim, a reclaimer
 * also evicts each round's folios 64 rounds later, as memory pressure
 * would: the page cache then stays small however long the trace is.
 * usage: gen_synth [--reclaim] EVENTS OUT.db [RELEASE]
 */
#include <stdlib.h>
#include <string.h>

#include "../tests/unit/synth.h"

int main(int argc, char **argv)
{
	struct synth y;
	unsigned long long want;
	uint64_t round = 0;
	int reclaim = argc > 1 && !strcmp(argv[1], "--reclaim");

	argc -= reclaim;
	argv += reclaim;
	if (argc < 3 || !(want = strtoull(argv[1], NULL, 10))) {
		fprintf(stderr, "usage: gen_synth [--reclaim] EVENTS OUT.db [RELEASE]\n");
		return 2;
	}
	if (synth_open(&y, argv[2], argc > 3 ? argv[3] : "5.10.223", 0) < 0) {
		fprintf(stderr, "gen_synth: %s\n", y.e.msg);
		return 1;
	}
	while (y.n < want && !y.err) {
		int w = 1000 + (int)(round % 64), f = 5000 + (int)(round % 32);
		int64_t ino = 1000 + (int64_t)(round % 4096);
		int64_t base = (int64_t)((round / 4096) % 4096) * 32;

		if (reclaim && round >= 64) {
			uint64_t old = round - 64;
			int64_t oino = 1000 + (int64_t)(old % 4096);
			int64_t obase = (int64_t)((old / 4096) % 4096) * 32;

			for (int i = 0; i < 8; i++)
				sy_trunc_delete(&y, 9, oino, obase + i);
			if (old % 16 == 0)
				sy_trunc_delete(&y, 9, oino, obase + 8);
			if (old % 4 == 0)
				sy_trunc_delete(&y, 9, oino, obase + 20);
		}
		sy_write_begin(&y, w, ino, base, 16);
		for (int i = 0; i < 8; i++)
			sy_copy(&y, w, ino, base + i);
		sy_cleanup_start(&y, w, ino, base + 8);
		if (round % 16 == 0)
			sy_fault(&y, f, ino, base + 8, 1);	/* a hit now and then */
		sy_punch(&y, w, ino, base + 8);
		sy_write_end(&y, w, ino);
		if (round % 4 == 0)
			sy_fault(&y, f, ino, base + 20, 1);
		sy_writeback(&y, 7, ino, base + (int64_t)(round % 8), 0);
		sy_wakeup(&y, w, f);
		sy_wakeup(&y, f, 7);
		round++;
	}
	if (synth_close(&y) < 0 || store_close(y.s) < 0) {
		fprintf(stderr, "gen_synth: %s\n", y.e.msg[0] ? y.e.msg : "failed");
		return 1;
	}
	printf("gen_synth: %llu events, %llu rounds\n", (unsigned long long)y.n,
	       (unsigned long long)round);
	return 0;
}
