/* SPDX-License-Identifier: GPL-2.0-or-later */
/* timeline.c - see timeline.h. */
#include "timeline.h"

#include <errno.h>

#include <stdlib.h>
#include <string.h>

#include "../core/kinds.h"

#define DELALLOC_MASK 0x000FFFFFFFFE0000ll

static int is_delalloc(int64_t sb)
{
	return (sb & DELALLOC_MASK) == DELALLOC_MASK;
}

/* Pages an event touches, or -1 if none. */
static int64_t pages_of(const struct ft_event *ev, int64_t *last)
{
	if (ft_event_has(ev, FT_C_FINDEX) && (ev->kind == FT_K_PAGE_ADD ||
	    ev->kind == FT_K_PAGE_DELETE || ev->kind == FT_K_DIRTY ||
	    ev->kind == FT_K_FILEMAP_FAULT)) {
		int order = ft_event_has(ev, FT_C_FORDER) ? (int)ev->v[FT_C_FORDER] : 0;

		*last = ev->v[FT_C_FINDEX] + (1LL << (order > 20 || order < 0 ? 0 : order)) - 1;
		return ev->v[FT_C_FINDEX];
	}
	if (ft_event_has(ev, FT_C_EXT_OFF) && ft_event_has(ev, FT_C_EXT_LEN) &&
	    !ft_event_has(ev, FT_C_OFFSET)) {
		*last = ev->v[FT_C_EXT_OFF] + ev->v[FT_C_EXT_LEN] - 1;	/* 4K blocks */
		return ev->v[FT_C_EXT_OFF];
	}
	if (ft_event_has(ev, FT_C_OFFSET) && ev->v[FT_C_OFFSET] >= 0) {
		int64_t len = ft_event_has(ev, FT_C_LENGTH) && ev->v[FT_C_LENGTH] > 0 ?
			      ev->v[FT_C_LENGTH] : 1;

		*last = (ev->v[FT_C_OFFSET] + len - 1) >> 12;
		return ev->v[FT_C_OFFSET] >> 12;
	}
	return -1;
}

struct pending_fault {
	int pid;
	struct store_event se;
};

/*
 * lo..hi: the pages wanted; all: every page (index < 0 of timeline_run);
 * states are given for one page, and for "all" as they always were.
 */
static int run(struct store *s, int64_t ino, int64_t lo, int64_t hi, int all, tl_fn fn,
	       void *ctx, struct ft_err *e)
{
	int states = all || lo == hi;
	struct store_iter *it = NULL;
	struct store_event se;
	struct pending_fault pf[64];
	int npf = 0, ret;
	const char *pc = "absent", *ext = "unknown";
	int64_t trace_id;
	char buf[32];
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(store_db(s), "SELECT max(id) FROM traces", -1, &st, NULL) != SQLITE_OK)
		return ft_error(e, -1, "%s: %s", store_path(s), sqlite3_errmsg(store_db(s)));
	if (sqlite3_step(st) != SQLITE_ROW) {
		ret = ft_error(e, -EIO, "%s: reading the traces: %s", store_path(s),
			       sqlite3_errmsg(store_db(s)));
		sqlite3_finalize(st);
		return ret;
	}
	trace_id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	(void)buf;
	ret = store_iter_open(s, trace_id, ino, &it, e);
	if (ret < 0)
		return ret;
	while ((ret = store_iter_next(it, &se, e)) > 0) {
		const struct ft_event *ev = &se.ev;
		struct tl_entry t;
		int64_t first, last;

		if (ev->kind == FT_K_WRITE_FAULT && !ft_event_has(ev, FT_C_OFFSET)) {
			/* Held until the task's next iomap event gives the offset. */
			if (npf < 64) {
				pf[npf].pid = ev->pid;
				pf[npf].se = se;
				npf++;
			}
			continue;
		}
		first = pages_of(ev, &last);
		if (first < 0)
			continue;
		for (int i = 0; i < npf; i++) {
			if (pf[i].pid != ev->pid || (ev->kind != FT_K_IOMAP_ITER &&
			    ev->kind != FT_K_IOMAP_FOUND && ev->kind != FT_K_IOMAP_ALLOC))
				continue;
			if (all || (first <= hi && lo <= last)) {
				memset(&t, 0, sizeof(t));
				t.id = pf[i].se.id;
				t.ts = (int64_t)pf[i].se.ev.ts;
				t.pid = pf[i].pid;
				t.kind = pf[i].se.ev.kind;
				t.type_id = pf[i].se.type_id;
				t.first = first;
				t.last = first;
				t.pc = states ? pc : NULL;
				t.ext = states ? ext : NULL;
				if ((ret = fn(ctx, &t)) != 0)
					goto out;
			}
			pf[i] = pf[--npf];
			i--;
		}
		if (!all && (hi < first || last < lo))
			continue;
		/* state after the event */
		switch (ev->kind) {
		case FT_K_PAGE_ADD: pc = "clean"; break;
		case FT_K_PAGE_DELETE: pc = "absent"; break;
		case FT_K_DIRTY: pc = "dirty"; break;
		case FT_K_WRITEBACK_FOLIO: pc = "writeback"; break;
		case FT_K_IOMAP_ALLOC: ext = "delalloc"; break;
		case FT_K_IEXT_INSERT:
		case FT_K_BMAP_POST_UPDATE:
			if (ft_event_has(ev, FT_C_EXT_BLOCK))
				ext = is_delalloc(ev->v[FT_C_EXT_BLOCK]) ? "delalloc" : "real";
			break;
		case FT_K_BMAP_PRE_UPDATE:
		case FT_K_IEXT_REMOVE:
		case FT_K_BUNMAP:
			ext = "hole";	/* a post-update that keeps the index says otherwise */
			break;
		case FT_K_MAP_BLOCKS_ALLOC: ext = "real"; break;
		case FT_K_MAP_BLOCKS_FOUND:
		case FT_K_IOMAP_FOUND:
			if (ft_event_has(ev, FT_C_EXT_BLOCK))
				ext = ev->v[FT_C_EXT_BLOCK] == -2 ? "hole" :
				      is_delalloc(ev->v[FT_C_EXT_BLOCK]) ? "delalloc" : "real";
			break;
		default: break;
		}
		memset(&t, 0, sizeof(t));
		t.id = se.id;
		t.ts = (int64_t)ev->ts;
		t.pid = ev->pid;
		t.kind = ev->kind;
		t.type_id = se.type_id;
		t.first = first;
		t.last = last;
		t.pc = states ? pc : NULL;
		t.ext = states ? ext : NULL;
		if ((ret = fn(ctx, &t)) != 0)
			break;
	}
out:
	store_iter_close(it);
	return ret < 0 ? ret : 0;
}

int timeline_run(struct store *s, int64_t ino, int64_t index, tl_fn fn, void *ctx,
		 struct ft_err *e)
{
	return run(s, ino, index, index, index < 0, fn, ctx, e);
}

int timeline_run_range(struct store *s, int64_t ino, int64_t first, int64_t last, tl_fn fn,
		       void *ctx, struct ft_err *e)
{
	return run(s, ino, first, last, 0, fn, ctx, e);
}
