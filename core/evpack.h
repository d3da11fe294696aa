/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * evpack.h - event blocks: the normalized columns of a run of consecutive
 * events packed into one byte string.  This is where the events are
 * stored (event_blocks.data; the payloads are beside it, store.c), read at
 * memory speed by whole-trace passes (analyze) and by the events virtual
 * table (evtab.c) for SQL.
 *
 * A block holds n events with ids first_id .. first_id + n - 1 of one
 * trace.
 *
 * Byte format, per event, every number an LEB128 varint (at most 10
 * bytes), "z" meaning zigzag-encoded signed:
 *
 *   z(ts - prev ts)  z(cpu)  z(pid)  kind  type_id  present
 *   then for each bit c set in present, low bit first:
 *   z(v[c] - prev v[c])
 *
 * "prev" is the previous event's value of the same column (whether or not
 * that event had the column: the last value seen), 0 at the start of a run.
 * Two layouts of a block's runs:
 *
 *   - version 1 (schema 2 and 3): one run of the n events;
 *   - version 2 (written since schema 4): the bytes 0x80 0x00 (an overlong
 *     varint, which version 1's encoder never writes), then runs of
 *     EVPACK_SUB events each (the last one the rest), then the byte length
 *     of every run but the last, 2 bytes each, little-endian.  A reader
 *     jumps to the run that holds event k and decodes at most EVPACK_SUB
 *     events to reach it, instead of k.
 *
 * A block is exactly n events: trailing bytes, a short block or run, run
 * lengths that do not add up, an overlong varint (but the marker) or a bit
 * above FT_C__COUNT in present make it corrupt.  The decoder never reads
 * outside the byte string it is given.
 */
#ifndef FT_EVPACK_H
#define FT_EVPACK_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

/* events per run of a version-2 block (a power of 2) */
#define EVPACK_SUB	128
#define EVPACK_SUB_SHIFT 7

/*
 * Encoder.  evpack_init'd by the caller; evpack_release frees the buffer.
 * It writes version 2 (version 1 when v1 is set before the first add, for
 * tests of old databases); evpack_finish completes the block.
 */
struct evpack {
	uint8_t *buf;
	size_t len, cap;
	int v1;
	int finished;
	uint32_t *run_end;	/* byte offset after each finished run */
	uint32_t nrun, run_cap;
	int64_t trace_id;
	int64_t first_id;	/* id of the block's first event */
	uint32_t n;		/* events in the block */
	uint64_t prev_ts;
	int64_t prev_v[FT_C__COUNT];
};

void evpack_init(struct evpack *p);
void evpack_release(struct evpack *p);
/* Empties the block (keeps the buffer and v1). */
void evpack_reset(struct evpack *p);
/*
 * Completes the block in buf/len (version 2: appends the run lengths);
 * evpack_add fails after it until evpack_reset.  Returns 0 or -ENOMEM.
 */
int evpack_finish(struct evpack *p);
/*
 * Appends one event.  The caller keeps blocks consecutive: when p->n > 0,
 * id must be p->first_id + p->n and trace_id p->trace_id (flush first
 * otherwise).  Returns 0, -ENOMEM, or -EINVAL on a non-consecutive id.
 */
int evpack_add(struct evpack *p, int64_t trace_id, int64_t id, int64_t type_id,
	       const struct ft_event *ev);

/* Decoder over a borrowed byte string. */
struct evpack_reader {
	const uint8_t *p, *end;	/* in the current run: end is its end */
	const uint8_t *body, *lens;	/* version 2: the first run, the run lengths */
	int64_t first_id, next_id;
	uint32_t n, left;	/* events in the block, not yet decoded */
	uint32_t run_left;	/* of the current run */
	uint32_t run;		/* which run */
	uint32_t run_size;	/* events per run (version 1: n, and at least 1) */
	uint32_t nrun;
	int bad;		/* the layout is corrupt: every call fails */
	uint64_t ts;
	int64_t prev_v[FT_C__COUNT];
};

/*
 * Starts at the block's first event; which version the bytes are is read
 * from them.  A corrupt layout is found here (bad) or by evpack_next.
 */
void evpack_reader_init(struct evpack_reader *r, const void *data, size_t len,
			int64_t first_id, uint32_t n);
/*
 * Decodes the next event into *ev (no payload) and its id and type_id.
 * Returns 1, 0 at the end of a well-formed block, -EINVAL when the block
 * is corrupt (see the format above).
 */
int evpack_next(struct evpack_reader *r, int64_t *id, int64_t *type_id,
		struct ft_event *ev);
/*
 * Moves to the start of run j (events j * run_size ...): the next
 * evpack_next decodes its first event.  Returns 0, or -EINVAL when there is
 * no run j or the layout is corrupt.
 */
int evpack_reader_run(struct evpack_reader *r, uint32_t j);
/* After a run's last event: 0 when the run ends exactly there, else -EINVAL. */
int evpack_run_end(const struct evpack_reader *r);

#endif
