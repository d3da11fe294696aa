/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of replay/window.c: a window's tasks and pages (what does not
 * fit is said, the window's bounds never move), the recorded schedule that
 * follows a trace's events, the step -> event mapping, the first
 * divergence, --strict.
 *
 * The traces are small synthetic 5.10 traces of one failed buffered write W
 * (pages 100-103, two copied, so the cleanup truncates and punches 102-103
 * twice: 5.10 fs/iomap/buffered-io.c:iomap_file_buffered_write runs a second
 * iomap_apply after the short copy) and one mmap write fault F on page 102.
 * Expected values come from the kernel's code and the events themselves:
 *  - a fault whose page_mkwrite found W's delalloc extent (xfs_iomap_found)
 *    before W's punch removed it leaves its dirty folio over a hole
 *    (unbacked_dirty; 5.10 fs/xfs/xfs_iomap.c:xfs_buffered_write_iomap_end
 *    punches after truncating, docs/kernel-paths.md 1.3);
 *  - a trace with no page-cache delete of 102 means W's truncate ran while
 *    102 was not cached (mm/truncate.c:truncate_pagecache_range deletes every
 *    cached folio of the range), so the replay must not drop it;
 *  - a trace whose delete of 102 comes after F dirtied it is the dropped case
 *    (dirty_dropped), and that delete event is W's truncate step's;
 *  - under 198dd8aedee6 (fix) W holds invalidate_lock exclusively across the
 *    cleanup and filemap_fault needs it shared: F's read half is blocked.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../replay/model.h"
#include "../../replay/scenario.h"
#include "../../replay/window.h"
#include "tap.h"

#define INO 131

static const char present[] =
	"\nxfs_ilock\nxfs_iunlock\nxfs_file_buffered_write\nxfs_iext_insert\nxfs_iomap_alloc\n"
	"xfs_iomap_found\nxfs_bmap_pre_update\nxfs_bmap_post_update\nmm_filemap_add_to_page_cache\n"
	"mm_filemap_delete_from_page_cache\nwriteback_dirty_page\nxfs_filemap_fault\niomap_apply\n"
	"iomap_writepage\nxfs_map_blocks_found\nxfs_map_blocks_alloc\n";

enum { W = 0, F = 1 };
enum { IOLOCK_EXCL = 1, ILOCK_EXCL = 4, ILOCK_SHARED = 8, MMAPLOCK_SHARED = 32 };

struct tr {
	struct replay_window_event ev[128];
	size_t n;
	int64_t next;
};

static int64_t add(struct tr *t, int task, const char *name, int64_t page, int flags)
{
	t->ev[t->n] = (struct replay_window_event){ .id = t->next++, .task = task,
		.pid = task == W ? 171 : 172, .page = page, .npages = 1, .flags = flags,
		.name = name };
	return t->ev[t->n++].id;
}

static void window_in(struct replay_window_in *in)
{
	memset(in, 0, sizeof(*in));
	in->ino = INO;
	in->first = 102;
	in->last = 103;
	in->nops = 2;
	in->op[0] = (struct replay_window_op){ .kind = 0, .pid = 171, .writer = 1, .first = 100,
		.last = 103, .all_first = 100, .all_last = 103, .copied = 2 };
	in->op[1] = (struct replay_window_op){ .kind = 1, .pid = 172, .first = 102, .last = 102,
		.all_first = 102, .all_last = 102 };
}

/* W up to its second reservation (both rounds' truncates delete nothing). */
static void writer_start(struct tr *t)
{
	add(t, W, "xfs_ilock", -1, IOLOCK_EXCL);
	add(t, W, "xfs_file_buffered_write", 100, 0);
	add(t, W, "xfs_ilock", -1, ILOCK_EXCL);
	add(t, W, "xfs_iext_insert", -1, 0);
	add(t, W, "xfs_iunlock", -1, ILOCK_EXCL);
	add(t, W, "xfs_iomap_alloc", 100, 0);
	for (int64_t p = 100; p < 102; p++) {
		add(t, W, "mm_filemap_add_to_page_cache", p, 0);
		add(t, W, "writeback_dirty_page", p, 0);
	}
	/* round 1: the punch of 102-103 */
	add(t, W, "xfs_ilock", -1, ILOCK_EXCL);
	add(t, W, "xfs_bmap_pre_update", -1, 0);
	add(t, W, "xfs_bmap_post_update", -1, 0);
	add(t, W, "xfs_iunlock", -1, ILOCK_EXCL);
	/* round 2: 102-103 reserved again */
	add(t, W, "iomap_apply", 102, 0);
	add(t, W, "xfs_ilock", -1, ILOCK_EXCL);
	add(t, W, "xfs_iunlock", -1, ILOCK_EXCL);
	add(t, W, "xfs_iomap_alloc", 102, 0);
}

/* F's fault on 102; its mkwrite lookup is xfs_iomap_found or _alloc. */
static int64_t fault(struct tr *t, const char *lookup, int64_t *dirty)
{
	int64_t page_add;

	add(t, F, "xfs_filemap_fault", -1, 0);
	add(t, F, "xfs_ilock", -1, MMAPLOCK_SHARED);
	page_add = add(t, F, "mm_filemap_add_to_page_cache", 102, 0);
	add(t, F, "xfs_ilock", -1, ILOCK_SHARED);
	add(t, F, "xfs_iunlock", -1, ILOCK_SHARED);
	add(t, F, "xfs_iomap_found", 102, 0);
	add(t, F, "xfs_iunlock", -1, MMAPLOCK_SHARED);
	add(t, F, "xfs_filemap_fault", -1, 1);
	add(t, F, "xfs_ilock", -1, MMAPLOCK_SHARED);
	add(t, F, "xfs_ilock", -1, ILOCK_EXCL);
	add(t, F, lookup, 102, 0);
	add(t, F, "xfs_iunlock", -1, ILOCK_EXCL);
	*dirty = add(t, F, "writeback_dirty_page", 102, 0);
	add(t, F, "xfs_iunlock", -1, MMAPLOCK_SHARED);
	return page_add;
}

static int64_t writer_end(struct tr *t, int with_delete, int64_t *del)
{
	int64_t punch;

	*del = with_delete ? add(t, W, "mm_filemap_delete_from_page_cache", 102, 0) : -1;
	add(t, W, "xfs_ilock", -1, ILOCK_EXCL);
	punch = add(t, W, "xfs_bmap_pre_update", -1, 0);
	add(t, W, "xfs_bmap_post_update", -1, 0);
	add(t, W, "xfs_iunlock", -1, ILOCK_EXCL);
	add(t, W, "xfs_iunlock", -1, IOLOCK_EXCL);
	return punch;
}

/* The run step that stands for event id, or -1. */
static int step_of(const struct replay_follow *f, int64_t id)
{
	for (size_t i = 0; i < f->n; i++)
		for (int k = 0; k < f->nev[i] && k < REPLAY_STEP_EVENTS; k++)
			if (f->ev[i][k] == id)
				return (int)i;
	return -1;
}

static int run(const struct scenario *sc, const char *variant, const struct replay_follow *f,
	       struct model_run *r)
{
	struct model *m;
	int ret = scenario_build(sc, variant, &m);

	if (ret < 0)
		return ret;
	ret = model_run(m, f->sched, f->n, r);
	model_free(m);
	return ret;
}

static void test_scenario(void)
{
	struct replay_window_in in;
	struct replay_window_map map;
	struct scenario sc;
	char note[512];

	window_in(&in);
	CHECK_EQ_INT(replay_window_scenario(&in, &sc, &map, note, sizeof(note)), 0, "scenario");
	CHECK(sc.base_index == 100 && sc.npages == 4 && sc.ntasks == 2 && !note[0],
	      "W's write and F's page: pages 100-103, tasks W, F, nothing left out (note '%s')",
	      note);
	CHECK(sc.task[0].letter == 'W' && sc.task[0].copied_bytes == 2 * 4096 &&
	      sc.task[1].letter == 'F' && sc.task[1].kind == MODEL_TASK_FAULT &&
	      sc.task[1].index == 102, "W copies two pages, F faults page 102");

	/* wider than the model: the punched range stays, a far racer is out */
	in.first = 150;
	in.last = 199;
	in.op[0].first = 0;
	in.op[0].last = 199;
	in.op[0].copied = 150;
	in.op[1].first = in.op[1].last = 10;
	replay_window_scenario(&in, &sc, &map, note, sizeof(note));
	CHECK(sc.base_index == 150 && sc.npages == 50, "a window of 50 pages and a racer 140 "
	      "pages below it: the model keeps the window's bounds (pages %llu-%llu)",
	      (unsigned long long)sc.base_index,
	      (unsigned long long)(sc.base_index + sc.npages - 1));
	CHECK(map.task[1] < 0 && strstr(note, "fault of pid 172 on pages 10-10 is outside") &&
	      strstr(note, "pages 0-199 (200) are wider than the model's 64: pages 150-199 are modelled, 150 left out"),
	      "the racer left out, and how much is wider, said: '%s'", note);

	/* a racer below the window within 64 pages: it is modelled */
	in.op[1].first = in.op[1].last = 140;
	replay_window_scenario(&in, &sc, &map, note, sizeof(note));
	CHECK(sc.base_index == 136 && sc.npages == 64 && map.task[1] == 1 &&
	      strstr(note, "pages 0-199 (200) are wider") && strstr(note, "136 left out"),
	      "racer at 140, window 150-199: 64 pages 136-199, W's copy cut from below: '%s'",
	      note);

	/* more tasks than the model takes: said, with how many */
	window_in(&in);
	in.op[0].first = 0;
	in.op[0].last = 63;
	in.first = 32;
	in.last = 63;
	in.op[0].copied = 32;
	in.nops = REPLAY_WINDOW_OPS;
	for (int i = 1; i < in.nops; i++)
		in.op[i] = (struct replay_window_op){ .kind = 1, .pid = 200 + i, .first = 32 + i,
			.last = 32 + i, .all_first = 32 + i, .all_last = 32 + i };
	in.ops_cut = 3;
	replay_window_scenario(&in, &sc, &map, note, sizeof(note));
	CHECK(sc.ntasks == REPLAY_WINDOW_OPS && strstr(note, "3 more tasks than the model's 16"),
	      "16 tasks and 3 the loader cut: said ('%s')", note);
}

static void test_follow(void)
{
	struct replay_window_in in;
	struct replay_window_map map;
	struct scenario sc;
	char note[256];
	struct tr *t = calloc(1, sizeof(*t));
	struct replay_follow *f = malloc(sizeof(*f));
	struct model_run *r = malloc(sizeof(*r));
	int64_t page_add, dirty, del, punch;
	int s_add, s_punch, s_del;

	window_in(&in);
	replay_window_scenario(&in, &sc, &map, note, sizeof(note));

	/* A: W's truncates delete nothing; F adds, finds W's extent, dirties;
	 * W's second punch removes it */
	t->next = 1000;
	writer_start(t);
	page_add = fault(t, "xfs_iomap_found", &dirty);
	punch = writer_end(t, 0, &del);
	CHECK_EQ_INT(replay_window_follow(&sc, "prefix", t->ev, t->n, present, 0, f), 0, "follow A");
	CHECK(f->div.kind == RDIV_NONE, "A: no divergence (%d: event %lld, %c %s: %s)", f->ndiv,
	      (long long)f->div.event, f->div.task ? f->div.task : '-', f->div.step, f->div.why);
	s_add = step_of(f, page_add);
	s_punch = step_of(f, punch);
	CHECK(s_add >= 0 && f->sched[s_add] == F && s_punch >= 0 && f->sched[s_punch] == W &&
	      s_add < s_punch, "A: F's page add (#%lld) is F's step %d, W's punch (#%lld) W's "
	      "step %d, in the trace's order", (long long)page_add, s_add + 1, (long long)punch,
	      s_punch + 1);
	CHECK_EQ_INT(run(&sc, "prefix", f, r), 0, "run A");
	CHECK(r->outcome == MODEL_UNBACKED_DIRTY && !(r->hits & (1u << MODEL_DIRTY_DROPPED)) &&
	      r->where[MODEL_UNBACKED_DIRTY].folio == 2,
	      "A under prefix: page 102 unbacked, never dropped (outcome %s)",
	      model_outcome_name(r->outcome));
	{
		int trunc_before = 0;

		for (size_t i = 0; i < (size_t)s_add; i++)
			trunc_before += f->sched[i] == W &&
				!strcmp(r->step[i].name, "truncate_pagecache");
		CHECK_EQ_INT(trunc_before, 2, "A: both of W's truncates run before F's page add");
	}

	/* B: F dirties 102 first, then W's truncate deletes it */
	memset(t, 0, sizeof(*t));
	t->next = 1000;
	writer_start(t);
	page_add = fault(t, "xfs_iomap_found", &dirty);
	punch = writer_end(t, 1, &del);
	CHECK_EQ_INT(replay_window_follow(&sc, "prefix", t->ev, t->n, present, 0, f), 0, "follow B");
	CHECK(f->div.kind == RDIV_NONE, "B: no divergence (%d: event %lld: %s)", f->ndiv,
	      (long long)f->div.event, f->div.why);
	s_del = step_of(f, del);
	CHECK_EQ_INT(run(&sc, "prefix", f, r), 0, "run B");
	CHECK(s_del >= 0 && f->sched[s_del] == W && !strcmp(r->step[s_del].name,
	      "truncate_pagecache") && s_del > step_of(f, dirty),
	      "B: the delete (#%lld) is W's truncate step, after F's dirtying", (long long)del);
	CHECK(r->outcome == MODEL_DIRTY_DROPPED && r->where[MODEL_DIRTY_DROPPED].step == s_del,
	      "B under prefix: dirty_dropped at that step (outcome %s)",
	      model_outcome_name(r->outcome));

	/* C: F's mkwrite reports a reservation of its own while W's extent is
	 * there: the model cannot do that, the divergence names it */
	memset(t, 0, sizeof(*t));
	t->next = 1000;
	writer_start(t);
	fault(t, "xfs_iomap_alloc", &dirty);
	writer_end(t, 0, &del);
	CHECK_EQ_INT(replay_window_follow(&sc, "prefix", t->ev, t->n, present, 0, f), 0, "follow C");
	CHECK(f->div.kind == RDIV_UNEXPLAINED && f->div.task == 'F' &&
	      f->div.event == dirty - 2 && !strcmp(f->div.event_name, "xfs_iomap_alloc") &&
	      f->div.event_page == 102,
	      "C: the first divergence is F's xfs_iomap_alloc #%lld (got %lld %s, task %c, %s)",
	      (long long)(dirty - 2), (long long)f->div.event, f->div.event_name,
	      f->div.task ? f->div.task : '-', f->div.why);

	/* --strict under fix: W in its cleanup holds invalidate_lock; F waits */
	{
		struct model *m;
		uint8_t sched[MODEL_MAX_RUN];
		size_t n = 0;
		char err[240];
		int ok;

		scenario_build(&sc, "fix", &m);
		{
			struct model *c = model_clone(m);
			const char *last = NULL;

			/* W's steps up to and including its invalidate_lock */
			while (c && model_next_step(c, W) && (!last || strcmp(last, "invalidate_lock"))) {
				last = model_next_step(c, W);
				model_step(c, W, NULL);
				sched[n++] = W;
			}
			model_free(c);
		}
		sched[n++] = F;
		ok = replay_window_strict(m, sched, n, err, sizeof(err));
		CHECK(ok == -EINVAL && strstr(err, "(F) is blocked") &&
		      strstr(err, "invalidate_lock") && strstr(err, "held exclusively by W"),
		      "--strict: entry %zu (F) blocked on invalidate_lock held by W: '%s'", n, err);
		n--;
		CHECK_EQ_INT(replay_window_strict(m, sched, n, err, sizeof(err)), 0,
			     "--strict: W's entries alone run");
		model_free(m);
	}
	free(t);
	free(f);
	free(r);
}

int main(void)
{
	test_scenario();
	test_follow();
	return tap_done();
}
