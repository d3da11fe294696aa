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
 * A *lock* is identified exactly by (dev, ino, class): no hashing of the
 * identity into fewer bits.  A *request* is the traced xfs_ilock event: the
 * kernel fires it before it takes the lock (docs/kernel-paths.md), and the
 * task may be preempted or sleep between the two.  The *grant* is placed at
 * the task's first later event that is not a scheduler event (its first
 * event under the lock).  Another task's conflicting section seen between
 * the request and that event therefore comes first: the edge runs from its
 * release to the grant.  A *release* is the traced xfs_iunlock, which fires
 * after the lock is dropped: a grant seen while a conflicting holder has
 * not traced its release yet is accepted when that holder's next
 * non-scheduler event is the release (it was already out of the lock, its
 * tracepoint late); the holder then *owes* that release.  Anything else
 * contradicts mutual exclusion and is reported (hb_conflict_fn).  Implied
 * locks (taken by code without a tracepoint) are granted at once.
 *
 * Locks keep the clock of their last exclusive release and the join of
 * the shared releases since; page-cache slots, being many, keep only the
 * epoch of their last add/delete (hb_slot_*); wakeups carry the waker's
 * clock to the wakee's next event.  The common case costs O(1): an event
 * that is not a synchronisation point only reads its task's epoch
 * (FastTrack's observation); a join costs O(entries of the clocks joined),
 * which stays small because tasks meet few others.
 *
 * Invariants (checked by hb_check(); debug builds check them as they go):
 *  H1. Every clock is sorted by task index with no duplicates.
 *  H2. A task's own entry is at least 1 and never decreases.
 *  H3. A lock with an exclusive holder has no other holder.
 *  H4. A task has a pending request only between its request event and its
 *      next non-scheduler event; a task owes a release of a lock only while
 *      it is no longer that lock's holder.
 */
#ifndef FT_HB_H
#define FT_HB_H

#include <stdint.h>

struct hb;

/* A lock's exact identity. */
struct hb_lock {
	int64_t dev, ino;
	int cls;
};

/* How an edge came about; implied = taken by code without a tracepoint. */
enum hb_why {
	HB_LOCK,
	HB_WAKEUP,
	HB_SLOT,
};

/* Called for every edge between different tasks (src -> dst event ids). */
typedef void (*hb_edge_fn)(void *ctx, int64_t src, int64_t dst, enum hb_why why,
			   int implied);

/*
 * Called when the trace contradicts mutual exclusion on lock l: task index
 * `holder`, which held l in a conflicting mode, showed event `holder_ev`
 * under it after task `task` was granted l at event `grant_ev` (or never
 * released it: holder_ev 0 at the end).
 */
typedef void (*hb_conflict_fn)(void *ctx, const struct hb_lock *l, int holder, int64_t holder_ev,
			       int task, int64_t grant_ev);

struct hb *hb_new(hb_edge_fn fn, hb_conflict_fn cf, void *ctx);
void hb_free(struct hb *h);

/* Dense index of a pid (allocated on first use), or -1 when out of memory. */
int hb_task(struct hb *h, int pid);
/* The pid of task index t. */
int hb_pid(const struct hb *h, int t);

/*
 * Marks the start of event `id` of task t: applies any pending wakeup,
 * and, unless `sched` (a scheduler event: the task may still be waiting),
 * grants the task's pending requests here and checks its owed releases.
 * Call once per event, before the synchronisation calls below.  Returns 1
 * when it granted a request at this event.
 */
int hb_event(struct hb *h, int t, int64_t id, int sched);

/* A traced lock request (xfs_ilock; trylock: xfs_ilock_nowait, which may
 * fail: a conflicting trylock is dropped, not waited for). */
void hb_request(struct hb *h, int t, const struct hb_lock *l, int exclusive, int64_t id,
		int trylock);
/* An implied lock taken at event id (granted at once; waits if held). */
void hb_acquire(struct hb *h, int t, const struct hb_lock *l, int exclusive, int64_t id);
/* A release (traced xfs_iunlock, or implied). */
void hb_release(struct hb *h, int t, const struct hb_lock *l, int exclusive, int64_t id,
		int implied);
/* A wakeup by t of task `to`, at event id. */
void hb_wakeup(struct hb *h, int t, int to, int64_t id);
/* The trace ended: owed releases never seen are contradictions. */
void hb_finish(struct hb *h);

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
/* Whether task t holds l (in any mode) now. */
int hb_holds(struct hb *h, int t, const struct hb_lock *l);

/* Statistics: joins performed, total clock entries, edges reported,
 * contradictions reported. */
void hb_stats(const struct hb *h, uint64_t *joins, uint64_t *entries, uint64_t *edges);
uint64_t hb_conflicts(const struct hb *h);
/* Verifies H1-H4; returns 0 or -1. */
int hb_check(const struct hb *h);

#endif
