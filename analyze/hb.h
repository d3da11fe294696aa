/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hb.h - happens-before over the tasks of a trace.
 *
 * Terms.  A *task* is a pid.  Each task has a vector clock C_t, stored
 * sparse (only the tasks it has heard of).  A task's own entry C_t[t] is
 * its *epoch*; it advances after every release or wakeup it performs, so
 * an event e of task t is identified by the epoch (t, c).  e1 ->hb e2
 * (e1 of task t1 with epoch c1) iff C_t2[t1] >= c1 at e2.
 *
 * Locks keep the clock of their last exclusive release and the join of
 * the shared releases since; page-cache slots, being many, keep only the
 * epoch of their last add/delete (hb_slot_*); wakeups carry the waker's
 * clock to the wakee's next event.  The common
 * case costs O(1): an event that is not a synchronisation point only reads
 * its task's epoch (FastTrack's observation); a join costs O(entries of
 * the clocks joined), which stays small because tasks meet few others.
 *
 * Invariants (checked by hb_check() in debug builds):
 *  H1. Every clock is sorted by task index with no duplicates.
 *  H2. A task's own entry never decreases.
 *  H3. A lock with an exclusive holder has no shared holders.
 */
#ifndef FT_HB_H
#define FT_HB_H

#include <stdint.h>

struct hb;

/* How an edge came about; implied = taken by code without a tracepoint. */
enum hb_why {
	HB_LOCK,
	HB_WAKEUP,
	HB_SLOT,
};

/* Called for every edge between different tasks (src -> dst event ids). */
typedef void (*hb_edge_fn)(void *ctx, int64_t src, int64_t dst, enum hb_why why,
			   int implied);

struct hb *hb_new(hb_edge_fn fn, void *ctx);
void hb_free(struct hb *h);

/* Dense index of a pid (allocated on first use), or -1 when out of memory. */
int hb_task(struct hb *h, int pid);

/*
 * Marks the start of event `id` of task t: applies any pending wakeup or
 * deferred lock grant (edges attach to this event).  Call once per event,
 * before the synchronisation calls below.
 */
void hb_event(struct hb *h, int t, int64_t id);

/* Lock operations on object key (any 64-bit id; see analyze.c). */
void hb_acquire(struct hb *h, int t, uint64_t key, int exclusive, int64_t id, int implied);
void hb_release(struct hb *h, int t, uint64_t key, int exclusive, int64_t id, int implied);
/* A wakeup by t of task `to`, at event id. */
void hb_wakeup(struct hb *h, int t, int to, int64_t id);

/*
 * Page-cache slots are many: they keep an epoch, not a clock.  An acquire
 * by another task that does not know that epoch yet joins the releaser's
 * current clock (an over-approximation: events the releaser performed after
 * the release are ordered too; no verdict depends on those).
 */
uint32_t hb_slot_release(struct hb *h, int t);
void hb_slot_acquire(struct hb *h, int t, int rel_task, uint32_t rel_clock,
		     int64_t rel_id, int64_t dst);

/* Epoch of task t now, and whether (t1, c1) happens before task t2 now. */
uint32_t hb_epoch(struct hb *h, int t);
int hb_ordered(struct hb *h, int t1, uint32_t c1, int t2);

/* Statistics: joins performed, total clock entries, edges reported. */
void hb_stats(const struct hb *h, uint64_t *joins, uint64_t *entries, uint64_t *edges);
/* Debug: verifies H1-H3; returns 0 or -1. */
int hb_check(const struct hb *h);

#endif
