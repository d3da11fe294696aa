/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * folio.h - the page-cache state of every (inode, page index) the trace
 * touched, as the analysis pass rebuilds it.
 *
 * Folios live in chunks of FCHUNK consecutive indexes of one inode, found
 * through an open-addressing table of chunk pointers keyed by (ino, index /
 * FCHUNK): the events of a write or a writeback walk neighbouring indexes,
 * which then share a chunk (one lookup, cached in `last`, and one region of
 * memory) instead of one random probe each into a table of all folios.
 *
 * A chunk none of whose folios is cached, dirty, under writeback or watched
 * is dead: it only remembers its slots' last add/delete (for slot
 * happens-before edges).  The last FDEAD dead chunks are kept in a ring;
 * older ones are freed, so memory follows the folios that are still open,
 * plus a bounded tail.  A folio re-added after its chunk was freed gets no
 * slot edge from its old delete.
 */
#ifndef FT_ANALYZE_FOLIO_H
#define FT_ANALYZE_FOLIO_H

#include <stdint.h>

/* One page-cache index of one inode (56 bytes: millions stay cached). */
struct folio {
	int64_t slot_id;	/* event of the slot's last add/delete */
	int64_t dirty_id;	/* event that last dirtied it */
	int64_t lookup_id;	/* a fault's last mapping of it (iomap found/alloc), 0 none */
	int32_t dirtied_by;	/* pid */
	int32_t watch;		/* window (wid) that left it dirty over no extent */
	int32_t slot_task;	/* task of slot_id (hb index), -1 none */
	uint32_t slot_clock;	/* its epoch */
	uint8_t used, cached, dirty, order;
	uint8_t live;		/* a lifetime (add .. delete) is open */
	uint8_t wb;		/* writeback took it dirty; its mapping still to be seen */
};

#define FCHUNK_SHIFT 4
#define FCHUNK (1 << FCHUNK_SHIFT)

struct fchunk {
	int64_t ino, base;	/* base = index >> FCHUNK_SHIFT */
	int queued;		/* in the dead ring */
	struct folio f[FCHUNK];
};

struct fmap {
	struct fchunk **slot;
	uint64_t cap, n;	/* slots (a power of two), chunks */
	struct fchunk *last;	/* the chunk of the previous lookup */
	struct fchunk **dead;	/* ring of FDEAD */
	uint64_t dhead, dn;
	uint64_t freed;		/* chunks freed */
};

/* The folio at (ino, idx); create: make it (NULL only when out of memory).
 * Without create, NULL when the trace has not touched it (or it was freed). */
struct folio *folio_get(struct fmap *m, int64_t ino, int64_t idx, int create);
/* The folio at (ino, idx) may have left its chunk dead: queue the chunk. */
void fmap_maybe_dead(struct fmap *m, int64_t ino, int64_t idx);
/* Calls fn for every folio still in the map. */
void fmap_each(struct fmap *m, void (*fn)(void *ctx, int64_t ino, int64_t idx, struct folio *f),
	       void *ctx);
void fmap_free(struct fmap *m);

#endif
