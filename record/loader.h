/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * loader.h - wire frames -> store.  The consumer of every foliotrace stream:
 * the sandboxed trace.dat decoder's (import.c) and the live recorder's
 * (recorder.c).  It trusts nothing in a frame: ids, cpus, kinds, lengths
 * and counts are checked before use (invariant L1), and a frame that fails
 * a check ends the load with one message naming the source and the
 * decoder's last phase.
 *
 * Lifecycle: loader_new (opens the traces row, complete = 0) ->
 * loader_frame* -> loader_finish (needs the DONE frame: writes counts and
 * metadata) -> loader_free.  Marking the trace complete is the caller's
 * job (store_trace_finish), after it knows the producer ended well.
 */
#ifndef FT_LOADER_H
#define FT_LOADER_H

#include <stdint.h>

#include "../core/err.h"
#include "../core/store.h"
#include "../core/wire.h"

struct import_stats {
	uint64_t events;
	uint64_t lost;		/* counted lost events */
	uint64_t lost_gaps;	/* gaps of unknown size */
	uint64_t bytes;		/* stream bytes */
	uint64_t first_ts, last_ts;
	int64_t trace_id;
	char phase[96];		/* the producer's last announced phase */
	int done;		/* DONE frame seen */
	char fail[512];		/* the producer's FAIL message, if any */
};

struct loader;

int loader_new(struct loader **out, struct store *s, const char *label,
	       int64_t source_size, const char *tool, struct import_stats *st,
	       struct ft_err *e);
int loader_frame(struct loader *l, const struct wire_frame *f, struct ft_err *e);
/* After DONE: per-type counts, event count, time span, losses, clock. */
int loader_finish(struct loader *l, struct ft_err *e);
void loader_free(struct loader *l);

#endif
