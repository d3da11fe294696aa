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
 * "prev" starts at 0 in every block and is the previous event's value of
 * the same column (whether or not that event had the column: the last
 * value seen).  A block is exactly n events: trailing bytes, a short
 * block, an overlong varint or a bit above FT_C__COUNT in present make it
 * corrupt.  The decoder never reads outside the byte string it is given.
 */
#ifndef FT_EVPACK_H
#define FT_EVPACK_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

/* Encoder.  evpack_init'd by the caller; evpack_release frees the buffer. */
struct evpack {
	uint8_t *buf;
	size_t len, cap;
	int64_t trace_id;
	int64_t first_id;	/* id of the block's first event */
	uint32_t n;		/* events in the block */
	uint64_t prev_ts;
	int64_t prev_v[FT_C__COUNT];
};

void evpack_init(struct evpack *p);
void evpack_release(struct evpack *p);
/* Empties the block (keeps the buffer). */
void evpack_reset(struct evpack *p);
/*
 * Appends one event.  The caller keeps blocks consecutive: when p->n > 0,
 * id must be p->first_id + p->n and trace_id p->trace_id (flush first
 * otherwise).  Returns 0, -ENOMEM, or -EINVAL on a non-consecutive id.
 */
int evpack_add(struct evpack *p, int64_t trace_id, int64_t id, int64_t type_id,
	       const struct ft_event *ev);

/* Decoder over a borrowed byte string. */
struct evpack_reader {
	const uint8_t *p, *end;
	int64_t next_id;
	uint32_t left;
	uint64_t ts;
	int64_t prev_v[FT_C__COUNT];
};

void evpack_reader_init(struct evpack_reader *r, const void *data, size_t len,
			int64_t first_id, uint32_t n);
/*
 * Decodes the next event into *ev (no payload) and its id and type_id.
 * Returns 1, 0 at the end of a well-formed block, -EINVAL when the block
 * is corrupt (see the format above).
 */
int evpack_next(struct evpack_reader *r, int64_t *id, int64_t *type_id,
		struct ft_event *ev);

#endif
