/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of analyze/: a labelled corpus of synthetic traces (synth.h)
 * whose window verdicts are known by construction, classified by
 * analyze_run(); precision and recall must both be 100% for every verdict.
 * Plus the happens-before engine on its own, and idempotence.
 */
#include <stdlib.h>
#include <string.h>

#include "../../analyze/analyze.h"
#include "../../analyze/hb.h"
#include "synth.h"
#include "tap.h"

#define W 100		/* writer pid */
#define F 200		/* faulting pid */
#define B 300		/* writeback pid */
#define INO 131

typedef void (*scenario_fn)(struct synth *y);

/* Pre-fix short write of [0,16): copies 0..7, cleanup, punch 8..15. */
static void short_write(struct synth *y, int64_t ino, void (*in_window)(struct synth *y))
{
	sy_write_begin(y, W, ino, 0, 16);
	for (int i = 0; i < 8; i++)
		sy_copy(y, W, ino, i);
	sy_cleanup_start(y, W, ino, 8);
	if (in_window)
		in_window(y);
	sy_punch(y, W, ino, 8);
}

static void fault_8(struct synth *y) { sy_fault(y, F, INO, 8, 1); }

/* short_write() whose fault comes between the punch's request and grant. */
static void short_write_preempted(struct synth *y)
{
	sy_write_begin(y, W, INO, 0, 16);
	for (int i = 0; i < 8; i++)
		sy_copy(y, W, INO, i);
	sy_cleanup_start(y, W, INO, 8);
	sy_punch_request(y, W, INO);
	fault_8(y);
	sy_punch_granted(y, W, INO, 8);
}
static void lost_here(struct synth *y) { sy_lost(y, 17); }

static void sc_prefix_loss(struct synth *y)
{
	short_write(y, INO, fault_8);
	sy_write_end(y, W, INO);
	sy_writeback(y, B, INO, 8, 1);
}

static void sc_prefix_hit(struct synth *y)
{
	short_write(y, INO, fault_8);
	sy_write_end(y, W, INO);
}

/* A short write nobody races: its verdict depends only on the kernel. */
static void sc_no_fault(struct synth *y)
{
	short_write(y, INO, NULL);
	sy_write_end(y, W, INO);
}

static void sc_fault_after_punch(struct synth *y)
{
	short_write(y, INO, NULL);
	sy_fault(y, F, INO, 8, 1);	/* sees a hole: reserves its own: fine */
	sy_write_end(y, W, INO);
	sy_writeback(y, B, INO, 8, 0);
}

static void sc_fault_outside_range(struct synth *y)
{
	sy_write_begin(y, W, INO, 0, 16);
	for (int i = 0; i < 8; i++)
		sy_copy(y, W, INO, i);
	sy_cleanup_start(y, W, INO, 8);
	sy_fault(y, F, INO, 40, 1);	/* another region of the file */
	sy_punch(y, W, INO, 8);
	sy_write_end(y, W, INO);
}

static void sc_traced_mmaplock(struct synth *y)
{
	/* 5.10 code, but the writer holds MMAPLOCK_EXCL (traced) across. */
	sy_lock(y, W, 0, INO, L_MX, S_WRITE);
	short_write(y, INO, NULL);
	sy_lock(y, W, 1, INO, L_MX, S_WRITE);
	sy_write_end(y, W, INO);
}

static void sc_lost_unknown(struct synth *y)
{
	short_write(y, INO, lost_here);
	sy_write_end(y, W, INO);
}

static void sc_dropped(struct synth *y)
{
	/* F dirties page 10 of the new reservation before the write fails;
	 * the cleanup's truncate deletes it (198dd8aedee6 alone). */
	sy_write_begin(y, W, INO, 0, 16);
	for (int i = 0; i < 8; i++)
		sy_copy(y, W, INO, i);
	sy_fault(y, F, INO, 10, 1);
	sy_cleanup_start(y, W, INO, 8);
	sy_trunc_delete(y, W, INO, 10);
	sy_punch(y, W, INO, 8);
	sy_write_end(y, W, INO);
}

static void sc_dropped_retried(struct synth *y)
{
	/* As sc_dropped, but the dirtier faults on folio 10 again after the
	 * truncate deleted it and dirties the new folio: page_mkwrite had
	 * dirtied the old one, the truncate zapped the page table entry before
	 * the store landed, and the store was retried into the new folio (a
	 * real 5.10 lab run; the guest lost nothing).  The trace cannot tell
	 * that from a store cut in the middle: unknown, and not a lost folio. */
	sy_write_begin(y, W, INO, 0, 16);
	for (int i = 0; i < 8; i++)
		sy_copy(y, W, INO, i);
	sy_fault(y, F, INO, 10, 1);
	sy_cleanup_start(y, W, INO, 8);
	sy_trunc_delete(y, W, INO, 10);
	sy_punch(y, W, INO, 8);
	sy_write_end(y, W, INO);
	sy_fault(y, F, INO, 10, 1);
}

static void sc_hit_then_dropped_dirty(struct synth *y)
{
	/* A hit whose folio a later write's cleanup deletes while still dirty:
	 * the first window is a loss, the second dropped another task's data. */
	short_write(y, INO, fault_8);
	sy_write_end(y, W, INO);
	sy_write_begin(y, W, INO, 0, 16);
	sy_cleanup_start(y, W, INO, 0);
	sy_trunc_delete(y, W, INO, 8);
	sy_punch(y, W, INO, 0);
	sy_write_end(y, W, INO);
}

static void sc_two_inodes(struct synth *y)
{
	/* Two writers on two inodes, interleaved; the fault hits only the
	 * second inode's window. */
	sy_write_begin(y, W, INO, 0, 16);
	for (int i = 0; i < 8; i++)
		sy_copy(y, W, INO, i);
	sy_cleanup_start(y, W, INO, 8);
	sy_punch(y, W, INO, 8);
	sy_write_end(y, W, INO);
	sy_write_begin(y, W + 1, INO + 1, 0, 16);
	sy_copy(y, W + 1, INO + 1, 0);
	sy_cleanup_start(y, W + 1, INO + 1, 1);
	sy_fault(y, F, INO + 1, 3, 1);
	sy_punch(y, W + 1, INO + 1, 1);
	sy_write_end(y, W + 1, INO + 1);
}

static void sc_upstream_fault_before_lock(struct synth *y)
{
	/* The fault dirties folio 8 before the cleanup takes invalidate_lock;
	 * the upstream release scan keeps the dirty folio and punches only the
	 * clean rest of the range (9-15). */
	sy_write_begin(y, W, INO, 0, 16);
	for (int i = 0; i < 8; i++)
		sy_copy(y, W, INO, i);
	sy_cleanup_start(y, W, INO, 8);
	fault_8(y);
	sy_punch(y, W, INO, 9);
	sy_write_end(y, W, INO);
}

static void sc_punch_middle(struct synth *y)
{
	/* v6.2 code: a fault dirtied folio 10 before the cleanup's lock; the
	 * release scan punches [8, 10) only: xfs_bmap_del_extent_delay keeps
	 * the head (post-update [0, 8)) and re-inserts the right part [10, 16)
	 * (xfs_iext_insert).  The removed range is 8-9: the dirty folio keeps
	 * its extent. */
	sy_write_begin(y, W, INO, 0, 16);
	for (int i = 0; i < 8; i++)
		sy_copy(y, W, INO, i);
	sy_fault(y, F, INO, 10, 1);
	sy_cleanup_start(y, W, INO, 8);
	sy_punch_request(y, W, INO);
	sy_ev(y, W, T_PRE, FT_C_DEV, I64(SY_DEV), FT_C_INO, I64(INO), FT_C_EXT_OFF, I64(0),
	      FT_C_EXT_LEN, I64(16), FT_C_EXT_BLOCK, I64(SY_DELAY(4)),
	      FT_C_CALLER, y->sym_ids[S_DELDELAY], -1);
	sy_ev(y, W, T_POST, FT_C_DEV, I64(SY_DEV), FT_C_INO, I64(INO), FT_C_EXT_OFF, I64(0),
	      FT_C_EXT_LEN, I64(8), FT_C_EXT_BLOCK, I64(SY_DELAY(2)),
	      FT_C_CALLER, y->sym_ids[S_DELDELAY], -1);
	sy_ev(y, W, T_INSERT, FT_C_DEV, I64(SY_DEV), FT_C_INO, I64(INO), FT_C_EXT_OFF, I64(10),
	      FT_C_EXT_LEN, I64(6), FT_C_EXT_BLOCK, I64(SY_DELAY(2)),
	      FT_C_CALLER, y->sym_ids[S_DELDELAY], -1);
	sy_lock(y, W, 1, INO, L_IX, S_PUNCH);
	sy_write_end(y, W, INO);
}

static void sc_preempted_punch(struct synth *y)
{
	/* The punch's xfs_ilock is a request: the writer is preempted before
	 * it takes ILOCK; the fault takes ILOCK, finds the delalloc extent and
	 * dirties folio 8; only then does the writer get the lock and punch.
	 * Writeback then meets the folio over a hole (the 5.10 lab's misses). */
	short_write_preempted(y);
	sy_write_end(y, W, INO);
	sy_writeback(y, B, INO, 8, 1);
}

static void sc_unexplained_over_hole(struct synth *y)
{
	/* A fault dirties folio 40 of a file no write fails on; writeback finds
	 * a hole under it.  No window of a known race explains the loss: it is
	 * reported as a window of its own (family folio_loss). */
	sy_fault(y, F, INO, 40, 1);
	sy_writeback(y, B, INO, 40, 1);
}

static void sc_unexplained_delete(struct synth *y)
{
	/* A dirty folio deleted by a task that holds no truncate's locks. */
	sy_fault(y, F, INO, 40, 1);
	sy_trunc_delete(y, B, INO, 40);
}

static void sc_contradiction(struct synth *y)
{
	/* Upstream code (implied invalidate_lock): the punch holds ILOCK_EXCL,
	 * yet the fault shows an event under ILOCK before the punch releases
	 * it, and the punch goes on under it: mutual exclusion contradicted
	 * (lost events?), so the lock cannot vouch for the window. */
	sy_write_begin(y, W, INO, 0, 16);
	for (int i = 0; i < 8; i++)
		sy_copy(y, W, INO, i);
	sy_cleanup_start(y, W, INO, 8);
	sy_punch_request(y, W, INO);
	sy_ev(y, W, T_PRE, FT_C_DEV, I64(SY_DEV), FT_C_INO, I64(INO), FT_C_EXT_OFF, I64(0),
	      FT_C_EXT_LEN, I64(16), FT_C_EXT_BLOCK, I64(SY_DELAY(4)),
	      FT_C_CALLER, y->sym_ids[S_DELDELAY], -1);
	sy_lock(y, F, 0, INO, L_IX, S_BEGIN);
	sy_ev(y, F, T_FOUND, FT_C_DEV, I64(SY_DEV), FT_C_INO, I64(INO), FT_C_OFFSET, I64(40 << 12),
	      FT_C_LENGTH, I64(4096), FT_C_EXT_OFF, I64(40), FT_C_EXT_LEN, I64(1),
	      FT_C_EXT_BLOCK, I64(123456), -1);
	sy_ev(y, W, T_POST, FT_C_DEV, I64(SY_DEV), FT_C_INO, I64(INO), FT_C_EXT_OFF, I64(0),
	      FT_C_EXT_LEN, I64(8), FT_C_EXT_BLOCK, I64(SY_DELAY(2)),
	      FT_C_CALLER, y->sym_ids[S_DELDELAY], -1);
	sy_lock(y, W, 1, INO, L_IX, S_PUNCH);
	sy_lock(y, F, 1, INO, L_IX, S_BEGIN);
	sy_write_end(y, W, INO);
}

static void sc_double_punch(struct synth *y)
{
	/* 6.x retry: the write punches twice; the fault lands in the second. */
	short_write(y, INO, NULL);
	sy_reserve(y, W, INO, 8, 8);	/* the retry reserves the tail again */
	sy_cleanup_start(y, W, INO, 8);
	sy_fault(y, F, INO, 9, 1);
	sy_punch(y, W, INO, 8);
	sy_write_end(y, W, INO);
}

struct scenario {
	const char *name;
	const char *release;
	int omit_faults;
	scenario_fn fn;
	const char *expect[4];	/* verdicts of the windows in time order */
	int first_index, last_index;	/* of the first window */
	int unexplained;		/* lost folios no race window explains */
};

static const struct scenario corpus[] = {
	{ "pre-fix race, written back over a hole", "5.10.223", 0, sc_prefix_loss, { "loss" }, 8, 15, 0 },
	{ "pre-fix race, not yet written back", "5.10.223", 0, sc_prefix_hit, { "hit" }, 8, 15, 0 },
	{ "pre-fix, no fault", "5.10.223", 0, sc_no_fault, { "unsafe" }, 8, 15, 0 },
	{ "pre-fix, fault after the punch", "5.10.223", 0, sc_fault_after_punch, { "unsafe" }, 8, 15, 0 },
	{ "pre-fix, fault outside the range", "5.10.223", 0, sc_fault_outside_range, { "unsafe" }, 8, 15, 0 },
	{ "upstream, no fault", "6.18.44", 0, sc_no_fault, { "protected" }, 8, 15, 0 },
	/* the cleanup's lock is untraced: a fault seen in the window came before it */
	{ "upstream, fault before the implied lock", "6.18.44", 0, sc_upstream_fault_before_lock, { "protected" }, 9, 15, 0 },
	{ "v6.2, the punch removes the middle of the extent", "6.2.0", 0, sc_punch_middle, { "protected" }, 8, 9, 0 },
	{ "a loss over a hole that no window explains", "5.10.223", 0, sc_unexplained_over_hole, { "loss" }, 40, 40, 1 },
	{ "a dirty folio deleted outside any truncate", "5.10.223", 0, sc_unexplained_delete, { "loss" }, 40, 40, 1 },
	{ "upstream, the trace contradicts the punch's ILOCK", "6.18.44", 0, sc_contradiction, { "unknown" }, 8, 15, 0 },
	{ "pre-fix, fault between the punch's request and grant", "5.10.223", 0, sc_preempted_punch, { "loss" }, 8, 15, 0 },
	{ "6.1.192 (fix backported)", "6.1.192", 0, sc_no_fault, { "protected" }, 8, 15, 0 },
	{ "6.1.50 (before the backport)", "6.1.50", 0, sc_no_fault, { "unsafe" }, 8, 15, 0 },
	{ "pre-fix, writer holds MMAPLOCK_EXCL", "5.10.223", 0, sc_traced_mmaplock, { "protected" }, 8, 15, 0 },
	{ "events lost inside the window", "5.10.223", 0, sc_lost_unknown, { "unknown" }, 8, 15, 0 },
	{ "upstream, events lost inside the window", "6.18.44", 0, sc_lost_unknown, { "unknown" }, 8, 15, 0 },
	{ "fault events not recorded", "5.10.223", 1, sc_no_fault, { "unknown" }, 8, 15, 0 },
	{ "cleanup drops another task's dirty folio", "6.2.0", 0, sc_dropped, { "dropped" }, 8, 15, 0 },
	{ "dropped, but the dirtier's store was retried", "5.10.223", 0, sc_dropped_retried, { "unknown" }, 8, 15, 0 },
	{ "hit, then dropped by a later cleanup", "5.10.223", 0, sc_hit_then_dropped_dirty, { "loss", "dropped" }, 8, 15, 0 },
	{ "two inodes, one hit", "5.10.223", 0, sc_two_inodes, { "unsafe", "hit" }, 8, 15, 0 },
	{ "two punches per write, hit in the second", "5.10.223", 0, sc_double_punch, { "unsafe", "hit" }, 8, 15, 0 },
};

#define NC (sizeof(corpus) / sizeof(corpus[0]))

static int run_scenario(const struct scenario *sc, int confusion[V__COUNT][V__COUNT])
{
	struct synth y;
	struct analyze_result r;
	struct ft_err e = FT_ERR_INIT;
	sqlite3_stmt *st = NULL;
	int n = 0, ok = 1;

	if (synth_open(&y, ":memory:", sc->release, sc->omit_faults) < 0) {
		CHECK(0, "%s: synth_open: %s", sc->name, y.e.msg);
		return 0;
	}
	sc->fn(&y);
	CHECK(synth_close(&y) == 0, "%s: trace built (%llu events)", sc->name,
	      (unsigned long long)y.n);
	CHECK(analyze_run(y.s, &r, &e) == 0, "%s: analyze_run: %s", sc->name, e.msg);
	sqlite3_prepare_v2(store_db(y.s), "SELECT count(*) FROM windows WHERE family = 'folio_loss'",
			   -1, &st, NULL);
	if (st && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	CHECK(n == sc->unexplained && (int)r.lost_unexplained == sc->unexplained &&
	      r.lost_folios == r.lost_explained + r.lost_unexplained,
	      "%s: %d lost folio(s) no window explains, each a folio_loss window", sc->name,
	      sc->unexplained);
	ok &= n == sc->unexplained;
	n = 0;
	sqlite3_prepare_v2(store_db(y.s), "SELECT verdict, first_index, last_index FROM windows "
			   "ORDER BY start_ns", -1, &st, NULL);
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		const char *got = (const char *)sqlite3_column_text(st, 0);
		const char *want = n < 4 ? sc->expect[n] : NULL;
		int gv = verdict_from_name(got), wv = want ? verdict_from_name(want) : -1;

		if (wv >= 0 && gv >= 0)
			confusion[wv][gv]++;
		if (!want || strcmp(want, got)) {
			ok = 0;
			CHECK(0, "%s: window %d is %s, expected %s", sc->name, n + 1, got,
			      want ? want : "(none)");
		}
		if (n == 0)
			CHECK(sqlite3_column_int64(st, 1) == sc->first_index &&
			      sqlite3_column_int64(st, 2) == sc->last_index,
			      "%s: range %lld-%lld", sc->name, sqlite3_column_int64(st, 1),
			      sqlite3_column_int64(st, 2));
		n++;
	}
	sqlite3_finalize(st);
	while (n < 4 && sc->expect[n]) {
		ok = 0;
		CHECK(0, "%s: expected window %d (%s) not found", sc->name, n + 1, sc->expect[n]);
		n++;
	}
	CHECK(ok, "%s: %d window(s) classified as expected", sc->name, n);
	store_close(y.s);
	return ok;
}

static void test_idempotent(void)
{
	struct synth y;
	struct analyze_result r1, r2, r3;
	struct ft_err e = FT_ERR_INIT;
	char *a = NULL, *b = NULL;

	synth_open(&y, ":memory:", "5.10.223", 0);
	sc_prefix_loss(&y);
	sc_two_inodes(&y);
	synth_close(&y);
	analyze_run(y.s, &r1, &e);
	{
		sqlite3_stmt *st;

		sqlite3_prepare_v2(store_db(y.s), "SELECT group_concat(id || verdict || start_event || "
				   "evidence, '|') || (SELECT count(*) FROM hb_edges) || (SELECT count(*) "
				   "FROM folios) FROM windows", -1, &st, NULL);
		sqlite3_step(st);
		a = strdup((const char *)sqlite3_column_text(st, 0));
		sqlite3_reset(st);
		CHECK(analyze_run(y.s, &r2, &e) == 0, "second analysis: %s", e.msg);
		sqlite3_step(st);
		b = sqlite3_column_text(st, 0) ? strdup((const char *)sqlite3_column_text(st, 0)) : NULL;
		sqlite3_reset(st);
		sqlite3_finalize(st);
		/* The blocks are the events (schema 3): a missing one is damage. */
		sqlite3_exec(store_db(y.s), "DELETE FROM event_blocks WHERE first_id = "
			     "(SELECT max(first_id) FROM event_blocks)", NULL, NULL, NULL);
		CHECK(analyze_run(y.s, &r3, &e) < 0 && strstr(e.msg, "damaged database"),
		      "without its last block the analysis fails: %s", e.msg);
	}
	CHECK(a && b && !strcmp(a, b) && r1.windows == r2.windows && r1.windows > 0,
	      "analysing twice gives the same tables (%llu windows)", (unsigned long long)r1.windows);
	CHECK(!strstr(r1.notes, "row by row"), "the analysis read event blocks");
	free(a);
	free(b);
	store_close(y.s);
}

static void edges_cb(void *ctx, int64_t src, int64_t dst, enum hb_why why, int implied)
{
	int64_t *log = ctx;

	log[0]++;
	log[1] = src;
	log[2] = dst;
	log[3] = why;
	log[4] = implied;
}

static void conflict_cb(void *ctx, const struct hb_lock *l, int holder, int64_t hev, int t,
			int64_t gev)
{
	int64_t *log = ctx;

	(void)l;
	log[0]++;
	log[1] = holder;
	log[2] = hev;
	log[3] = t;
	log[4] = gev;
}

#define LK(ino) (&(struct hb_lock){ 7 << 20, (ino), 2 })

static void test_hb(void)
{
	int64_t log[5] = { 0 }, clog[5] = { 0 };
	struct hb *h = hb_new(edges_cb, conflict_cb, log);
	int a = hb_task(h, 1), b = hb_task(h, 2), c = hb_task(h, 3);
	uint32_t ea;

	/* a requests L exclusively (xfs_ilock fires first) and is granted at its
	 * next event; b requests while a holds it and is granted at its first
	 * event after a's release: edge release(a) -> that event. */
	hb_event(h, a, 1, 0);
	hb_request(h, a, LK(42), 1, 1, 0);
	hb_event(h, a, 2, 0);
	CHECK(hb_holds(h, a, LK(42)), "a request is granted at the task's next event");
	hb_event(h, b, 3, 0);
	hb_request(h, b, LK(42), 1, 3, 0);
	ea = hb_epoch(h, a);
	CHECK(!hb_ordered(h, a, ea, b), "a's event is not yet ordered before b");
	hb_event(h, a, 4, 0);
	hb_release(h, a, LK(42), 1, 4, 0);
	hb_event(h, b, 5, 1);
	CHECK(!hb_holds(h, b, LK(42)), "a scheduler event of the waiter is not its grant");
	hb_event(h, b, 6, 0);
	CHECK(hb_ordered(h, a, ea, b) && hb_holds(h, b, LK(42)),
	      "release(a) -> grant(b) orders a before b");
	CHECK(log[0] == 1 && log[1] == 4 && log[2] == 6 && log[3] == HB_LOCK,
	      "edge 4 -> 6 (release -> first event under the lock)");
	hb_event(h, b, 7, 0);
	hb_release(h, b, LK(42), 1, 7, 0);
	/* Request is not grant: a requests (then is preempted), c takes the
	 * lock, works under it and releases; only then does a show an event.
	 * c's section comes first: edge release(c) -> a's first event. */
	hb_event(h, a, 8, 0);
	hb_request(h, a, LK(43), 1, 8, 0);
	hb_event(h, a, 9, 1);			/* a's sched_switch: preempted */
	hb_event(h, c, 10, 0);
	hb_request(h, c, LK(43), 0, 10, 0);
	hb_event(h, c, 11, 0);
	CHECK(hb_holds(h, c, LK(43)) && !hb_holds(h, a, LK(43)),
	      "the later request is granted first when its task runs first");
	ea = hb_epoch(h, c);
	hb_event(h, c, 12, 0);
	hb_release(h, c, LK(43), 0, 12, 0);
	hb_event(h, a, 13, 0);
	CHECK(hb_holds(h, a, LK(43)) && hb_ordered(h, c, ea, a) && log[1] == 12 && log[2] == 13,
	      "the preempted requester's grant follows the other section's release (12 -> 13)");
	CHECK(!hb_ordered(h, a, hb_epoch(h, a), c), "and not the other way round");
	hb_event(h, a, 14, 0);
	hb_release(h, a, LK(43), 1, 14, 0);
	/* xfs_iunlock fires after the release: b's grant may show before a's
	 * xfs_iunlock event; accepted when a's next event is that release. */
	hb_free(h);
	h = hb_new(NULL, conflict_cb, clog);
	a = hb_task(h, 1);
	b = hb_task(h, 2);
	c = hb_task(h, 3);
	hb_event(h, a, 1, 0);
	hb_request(h, a, LK(5), 1, 1, 0);
	hb_event(h, a, 2, 0);			/* a under the lock */
	hb_event(h, b, 3, 0);
	hb_request(h, b, LK(5), 1, 3, 0);
	hb_event(h, b, 4, 0);			/* b's first event: a must be out */
	CHECK(hb_holds(h, b, LK(5)) && hb_ordered(h, a, 1, b), "a late xfs_iunlock: b is granted "
	      "after a's last event");
	hb_event(h, a, 5, 1);			/* a's wakeup of b: a scheduler event */
	hb_event(h, a, 6, 0);
	hb_release(h, a, LK(5), 1, 6, 0);	/* the owed release */
	hb_event(h, a, 7, 0);
	CHECK(clog[0] == 0, "the owed release came next: no contradiction");
	/* ... but a holder that shows another event under the lock first
	 * contradicts mutual exclusion: reported with the events. */
	hb_event(h, c, 8, 0);
	hb_request(h, c, LK(6), 1, 8, 0);
	hb_event(h, c, 9, 0);
	hb_event(h, a, 10, 0);
	hb_request(h, a, LK(6), 1, 10, 0);
	hb_event(h, a, 11, 0);			/* a granted while c holds it */
	hb_event(h, c, 12, 0);			/* c goes on under the lock */
	hb_event(h, c, 13, 0);
	CHECK(clog[0] == 1 && clog[1] == c && clog[2] == 12 && clog[3] == a && clog[4] == 11,
	      "overlapping sections are reported (holder c at 12, grant to a at 11)");
	/* A failed trylock (xfs_ilock_nowait) is dropped, not waited for. */
	hb_event(h, b, 14, 0);
	hb_request(h, b, LK(6), 1, 14, 1);
	hb_event(h, b, 15, 0);
	CHECK(!hb_holds(h, b, LK(6)) && hb_holds(h, a, LK(6)), "a conflicting trylock fails");
	/* Lock identity is exact: inodes 2^32 apart are two locks. */
	hb_event(h, c, 16, 0);
	hb_request(h, c, LK(7), 1, 16, 0);
	hb_event(h, c, 17, 0);
	hb_event(h, b, 18, 0);
	hb_request(h, b, LK(7 + (1LL << 32)), 1, 18, 0);
	hb_event(h, b, 19, 0);
	hb_event(h, c, 20, 0);
	hb_event(h, b, 21, 0);
	CHECK(hb_holds(h, b, LK(7 + (1LL << 32))) && hb_holds(h, c, LK(7)) && clog[0] == 1,
	      "inode 7 and inode 7 + 2^32 are different locks");
	CHECK(hb_check(h) == 0, "invariants H1-H4 hold");
	hb_free(h);
	/* shared holders do not order each other; an exclusive acquire after
	 * shared releases is ordered after all of them */
	h = hb_new(edges_cb, NULL, log);
	a = hb_task(h, 1);
	b = hb_task(h, 2);
	c = hb_task(h, 3);
	hb_event(h, a, 6, 0);
	hb_request(h, a, LK(77), 0, 6, 0);
	hb_event(h, c, 7, 0);
	hb_request(h, c, LK(77), 0, 7, 0);
	hb_event(h, a, 8, 0);
	hb_release(h, a, LK(77), 0, 8, 0);
	hb_event(h, c, 8, 0);
	CHECK(!hb_ordered(h, a, hb_epoch(h, a) - 1, c), "shared holders stay concurrent");
	hb_event(h, c, 9, 0);
	hb_release(h, c, LK(77), 0, 9, 0);
	hb_event(h, b, 10, 0);
	hb_request(h, b, LK(77), 1, 10, 0);
	hb_event(h, b, 11, 0);
	CHECK(hb_ordered(h, a, hb_epoch(h, a) - 1, b) && hb_ordered(h, c, hb_epoch(h, c) - 1, b),
	      "an exclusive acquire follows every shared release");
	/* wakeups */
	hb_event(h, c, 12, 0);
	ea = hb_epoch(h, c);
	hb_wakeup(h, c, a, 12);
	CHECK(hb_ordered(h, c, ea, a), "wakeup orders the waker before the wakee");
	CHECK(hb_check(h) == 0, "invariants H1-H4 hold");
	hb_free(h);
}

int main(void)
{
	int confusion[V__COUNT][V__COUNT] = { { 0 } };
	int good = 0;

	test_hb();
	for (size_t i = 0; i < NC; i++)
		good += run_scenario(&corpus[i], confusion);
	CHECK(good == (int)NC, "corpus: %d of %zu scenarios fully correct", good, NC);
	for (int v = 0; v < V__COUNT; v++) {
		int tp = confusion[v][v], fn = 0, fp = 0;

		for (int k = 0; k < V__COUNT; k++)
			if (k != v) {
				fn += confusion[v][k];
				fp += confusion[k][v];
			}
		CHECK(tp > 0 && fn == 0 && fp == 0, "verdict %s: precision and recall 100%% "
		      "(tp %d, fp %d, fn %d)", verdict_name(v), tp, fp, fn);
	}
	test_idempotent();
	return tap_done();
}
