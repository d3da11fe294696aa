/* SPDX-License-Identifier: GPL-2.0-or-later */
/* query.c - see query.h. */
#include "query.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../analyze/window.h"
#include "../core/kinds.h"

static int fail(struct store *s, struct ft_err *e, const char *what)
{
	return ft_error(e, -EIO, "%s: %s: %s", store_path(s), what, sqlite3_errmsg(store_db(s)));
}

static int prep(struct store *s, sqlite3_stmt **st, const char *sql, const char *what,
		struct ft_err *e)
{
	*st = NULL;
	return sqlite3_prepare_v2(store_db(s), sql, -1, st, NULL) == SQLITE_OK ? 0 :
		fail(s, e, what);
}

/* A heap copy of a text column ("" for NULL); NULL only when out of memory. */
static char *col_dup(sqlite3_stmt *st, int i)
{
	const char *t = (const char *)sqlite3_column_text(st, i);

	return strdup(t ? t : "");
}

static char *col_dup_or_null(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? NULL : col_dup(st, i);
}

/* --- provenance ------------------------------------------------------- */

static int types_and_kinds(struct store *s, struct rp_doc *d, struct ft_err *e)
{
	sqlite3_stmt *st = NULL;
	int rc, ret;
	int cap = 0;

	ret = prep(s, &st, "SELECT system || ':' || name, n_events FROM event_types WHERE "
		   "trace_id = ?1 ORDER BY n_events DESC, system, name", "reading event types", e);
	if (ret < 0)
		return ret;
	sqlite3_bind_int64(st, 1, d->trace_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (d->ntypes == cap) {
			struct rp_count *n = realloc(d->types, (cap = cap ? 2 * cap : 32) * sizeof(*n));

			if (!n)
				goto nomem;
			d->types = n;
		}
		d->types[d->ntypes].name = col_dup(st, 0);
		d->types[d->ntypes].n = sqlite3_column_int64(st, 1);
		if (!d->types[d->ntypes++].name)
			goto nomem;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return fail(s, e, "reading event types");

	/* Kinds the trace has no event of: what was not recorded. */
	ret = prep(s, &st, "SELECT k.name FROM kinds k WHERE k.id > 0 AND NOT EXISTS (SELECT 1 "
		   "FROM event_types t WHERE t.trace_id = ?1 AND t.kind = k.id AND t.n_events > 0) "
		   /* 5.10's xfs_filemap_fault is typed read_fault and carries write faults */
		   "AND NOT (k.name = 'write_fault' AND EXISTS (SELECT 1 FROM event_types t WHERE "
		   "t.trace_id = ?1 AND t.name = 'xfs_filemap_fault' AND t.n_events > 0)) "
		   "ORDER BY k.id", "reading kinds", e);
	if (ret < 0)
		return ret;
	sqlite3_bind_int64(st, 1, d->trace_id);
	cap = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (d->nmissing == cap) {
			char **n = realloc(d->missing, (cap = cap ? 2 * cap : 16) * sizeof(*n));

			if (!n)
				goto nomem;
			d->missing = n;
		}
		if (!(d->missing[d->nmissing++] = col_dup(st, 0)))
			goto nomem;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : fail(s, e, "reading kinds");
nomem:
	sqlite3_finalize(st);
	return ft_error(e, -ENOMEM, "%s: out of memory", d->db);
}

int query_provenance(struct store *s, struct rp_doc *d, struct ft_err *e)
{
	sqlite3_stmt *st = NULL;
	int rc, ret;

	ret = prep(s, &st, "SELECT id, source, coalesce(source_size, -1), host, kernel_release, "
		   "uname, clock, coalesce(cpus, 0), coalesce(first_ts, 0), coalesce(last_ts, 0), "
		   "n_events, lost_events, lost_unknown, tool, (SELECT count(*) FROM lost l WHERE "
		   "l.trace_id = traces.id), (SELECT value FROM meta WHERE key = 'analysis:' || "
		   "traces.id || ':variant'), (SELECT value FROM meta WHERE key = 'analysis:' || "
		   "traces.id || ':notes') FROM traces WHERE complete = 1 ORDER BY id DESC LIMIT 1",
		   "reading the trace", e);
	if (ret < 0)
		return ret;
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		return rc == SQLITE_DONE ?
			ft_error(e, -ENOENT, "%s: no complete trace in this database", d->db) :
			fail(s, e, "reading the trace");
	}
	d->trace_id = sqlite3_column_int64(st, 0);
	d->source = col_dup(st, 1);
	d->source_size = sqlite3_column_int64(st, 2);
	d->host = col_dup(st, 3);
	d->kernel = col_dup(st, 4);
	d->uname = col_dup(st, 5);
	d->clock = col_dup(st, 6);
	d->cpus = sqlite3_column_int64(st, 7);
	d->first_ts = sqlite3_column_int64(st, 8);
	d->last_ts = sqlite3_column_int64(st, 9);
	d->n_events = sqlite3_column_int64(st, 10);
	d->lost_events = sqlite3_column_int64(st, 11);
	d->lost_unknown = sqlite3_column_int64(st, 12);
	d->tool = col_dup(st, 13);
	d->lost_rows = sqlite3_column_int64(st, 14);
	d->analysed = sqlite3_column_type(st, 15) != SQLITE_NULL;
	d->variant = col_dup(st, 15);
	d->notes = col_dup(st, 16);
	sqlite3_finalize(st);
	if (!d->source || !d->host || !d->kernel || !d->uname || !d->clock || !d->tool ||
	    !d->variant || !d->notes)
		return ft_error(e, -ENOMEM, "%s: out of memory", d->db);

	ret = prep(s, &st, "SELECT verdict, count(*) FROM windows WHERE trace_id = ?1 GROUP BY 1",
		   "counting windows", e);
	if (ret < 0)
		return ret;
	sqlite3_bind_int64(st, 1, d->trace_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int v = ft_verdict_find((const char *)sqlite3_column_text(st, 0));

		d->nwindows += sqlite3_column_int64(st, 1);
		if (v >= 0)
			d->nverdict[v] += sqlite3_column_int64(st, 1);
		else
			d->nverdict[FT_VERDICT_UNKNOWN] += sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return fail(s, e, "counting windows");
	return types_and_kinds(s, d, e);
}

/* --- the window list -------------------------------------------------- */

#define RP_UNREADABLE "(unreadable evidence)"

static const char window_cols[] =
	"SELECT id, coalesce(dev, 0), coalesce(ino, -1), coalesce(start_event, 0), "
	"coalesce(end_event, 0), coalesce(start_ns, 0), coalesce(end_ns, 0), "
	"coalesce(first_index, -1), coalesce(last_index, -1), family, verdict, "
	/* a row whose JSON is damaged is shown unreadable, not a failed report */
	"CASE WHEN json_valid(coalesce(tasks, '[]')) THEN coalesce(tasks, '[]') ELSE '[]' END, "
	"CASE WHEN json_valid(coalesce(evidence, '{}')) "
	"THEN coalesce(json_extract(evidence, '$.racing'), '') ELSE '" RP_UNREADABLE "' END, "
	"CASE WHEN json_valid(coalesce(evidence, '{}')) "
	"THEN coalesce(json_extract(evidence, '$.lock'), '') ELSE '' END, "
	"coalesce(CASE WHEN json_valid(coalesce(evidence, '{}')) THEN json_extract(evidence, "
	"'$.writer') END, CASE WHEN json_valid(coalesce(tasks, '[]')) THEN json_extract(tasks, "
	"'$[0]') END, -1), "
	"json_valid(coalesce(evidence, '{}')) AND json_valid(coalesce(tasks, '[]')) "
	"FROM windows WHERE trace_id = ?1 AND verdict = ?2 ORDER BY start_ns, id LIMIT ?3";

static int window_row(sqlite3_stmt *st, struct rp_window *w, const char *db)
{
	memset(w, 0, sizeof(*w));
	w->id = sqlite3_column_int64(st, 0);
	w->dev = sqlite3_column_int64(st, 1);
	w->ino = sqlite3_column_int64(st, 2);
	w->start_event = sqlite3_column_int64(st, 3);
	w->end_event = sqlite3_column_int64(st, 4);
	w->start_ns = sqlite3_column_int64(st, 5);
	w->end_ns = sqlite3_column_int64(st, 6);
	w->first = sqlite3_column_int64(st, 7);
	w->last = sqlite3_column_int64(st, 8);
	w->family = col_dup(st, 9);
	w->verdict = col_dup(st, 10);
	w->tasks = col_dup(st, 11);
	w->racing = col_dup(st, 12);
	w->lock = col_dup(st, 13);
	w->writer = (int)sqlite3_column_int64(st, 14);
	if (!sqlite3_column_int(st, 15))
		ft_warn("%s: window %lld (row id %lld of table windows): its evidence or tasks "
			"are not valid JSON: shown as %s", db, (long long)w->id, (long long)w->id,
			RP_UNREADABLE);
	return w->family && w->verdict && w->tasks && w->racing && w->lock ? 0 : -ENOMEM;
}

int query_windows(struct store *s, struct rp_doc *d, int max_list, struct ft_err *e)
{
	sqlite3_stmt *st = NULL;
	int64_t room = max_list, total = 0;
	int cap = 0, rc = SQLITE_DONE, ret;

	ret = prep(s, &st, window_cols, "reading windows", e);
	if (ret < 0)
		return ret;
	for (int v = 0; v < FT_VERDICT__COUNT; v++) {
		int64_t lim = ft_verdict_worth(v) ? room : RP_MAX_EXAMPLES;

		if (ft_verdict_worth(v))
			total += d->nverdict[v];
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, d->trace_id);
		sqlite3_bind_text(st, 2, ft_verdict_name(v), -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, lim);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			if (d->nwin == cap) {
				struct rp_window *n = realloc(d->win, (cap = cap ? 2 * cap : 64) * sizeof(*n));

				if (!n) {
					ret = -ENOMEM;
					break;
				}
				d->win = n;
			}
			ret = window_row(st, &d->win[d->nwin++], d->db);
			if (ret < 0)
				break;
			if (ft_verdict_worth(v))
				room--;
		}
		if (ret < 0 || rc != SQLITE_DONE)
			break;
	}
	sqlite3_finalize(st);
	if (ret < 0)
		return ft_error(e, ret, "%s: out of memory", d->db);
	if (rc != SQLITE_DONE)
		return fail(s, e, "reading windows");
	d->unlisted = total - ((int64_t)max_list - room);
	return 0;
}

int query_unreplayed(struct store *s, const struct rp_doc *d, int64_t **out, int *n,
		     struct ft_err *e)
{
	sqlite3_stmt *st = NULL;
	int ret = prep(s, &st, "SELECT count(*) FROM replays WHERE window_id = ?1",
		       "reading replays", e);

	*out = NULL;
	*n = 0;
	if (ret < 0)
		return ret;
	*out = calloc((size_t)d->nwin + 1, sizeof(**out));
	if (!*out) {
		sqlite3_finalize(st);
		return ft_error(e, -ENOMEM, "%s: out of memory", d->db);
	}
	for (int i = 0; i < d->nwin; i++) {
		/* the model knows the delalloc punch race only */
		if (!d->win[i].detailed || strcmp(d->win[i].family, "delalloc_punch"))
			continue;
		sqlite3_bind_int64(st, 1, d->win[i].id);
		if (sqlite3_step(st) != SQLITE_ROW) {
			sqlite3_finalize(st);
			return fail(s, e, "reading replays");
		}
		if (sqlite3_column_int64(st, 0) == 0)
			(*out)[(*n)++] = d->win[i].id;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return 0;
}

/* --- a detailed window ------------------------------------------------ */

static int lane_of_pid(struct rp_window *w, int pid)
{
	for (int i = 0; i < w->nlanes; i++)
		if (w->lane[i].pid == pid)
			return i;
	return -1;
}

static int add_lane(struct rp_window *w, int pid, int64_t index, const char *label)
{
	if (w->nlanes == RP_MAX_LANES + RP_MAX_PAGES)
		return -1;
	w->lane[w->nlanes] = (struct rp_lane){ .pid = pid, .index = index, .label = strdup(label) };
	if (!w->lane[w->nlanes].label)
		return -ENOMEM;
	return w->nlanes++;
}

static int task_lane(struct store *s, struct rp_window *w, int pid, struct ft_err *e)
{
	sqlite3_stmt *st = NULL;
	char label[96];
	int ntask = 0, rc, ret;

	if ((ret = lane_of_pid(w, pid)) >= 0)
		return ret;
	for (int i = 0; i < w->nlanes; i++)
		ntask += w->lane[i].pid >= 0;
	if (ntask == RP_MAX_LANES) {
		w->lanes_cut = 1;
		return -1;
	}
	ret = prep(s, &st, "SELECT comm FROM tasks WHERE pid = ?1 AND comm IS NOT NULL LIMIT 1",
		   "reading tasks", e);
	if (ret < 0)
		return ret == -EIO ? -2 : ret;
	sqlite3_bind_int(st, 1, pid);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		snprintf(label, sizeof(label), "%.64s/%d", sqlite3_column_text(st, 0), pid);
	else if (rc == SQLITE_DONE)
		snprintf(label, sizeof(label), "pid %d", pid);
	else
		fail(s, e, "reading tasks");	/* before finalize: its message */
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return -3;
	ret = add_lane(w, pid, -1, label);
	return ret == -ENOMEM ? -2 : ret;
}

static struct rp_event *new_event(struct rp_window *w)
{
	if (w->nevents == RP_MAX_EVENTS) {
		w->events_cut = 1;
		return NULL;
	}
	return memset(&w->ev[w->nevents++], 0, sizeof(w->ev[0]));
}

/* Columns of an event row, shared by the two event queries below. */
#define EVENT_COLS "e.id, e.ts, e.pid, coalesce(e.findex, -1), t.name, e.kind, e.lock_class, " \
	"e.lock_mode, e.offset, e.length, s.name, e.ino, coalesce(e.forder, 0), e.ext_block " \
	"FROM events e JOIN event_types t ON t.id = e.type_id LEFT JOIN symbols s ON s.id = e.caller_id "

static int fill_event(sqlite3_stmt *st, struct rp_event *ev, int lane)
{
	char what[160] = "";
	int kind = sqlite3_column_int(st, 5);
	const char *caller = (const char *)sqlite3_column_text(st, 10);

	ev->id = sqlite3_column_int64(st, 0);
	ev->ts = sqlite3_column_int64(st, 1);
	ev->pid = sqlite3_column_int(st, 2);
	ev->findex = sqlite3_column_int64(st, 3);
	ev->lane = lane;
	ev->name = col_dup(st, 4);
	ev->kind = strdup(kind >= 0 && kind < FT_K__COUNT ? ft_kinds[kind].name : "other");
	if (sqlite3_column_type(st, 6) != SQLITE_NULL) {
		int64_t mode = sqlite3_column_int64(st, 7);

		snprintf(what, sizeof(what), "%s %s", ft_lock_class_name(sqlite3_column_int64(st, 6)),
			 mode & 1 ? "excl" : mode & 2 ? "shared" : "");
	} else if (ev->findex >= 0) {
		int64_t n = sqlite3_column_int64(st, 9) > 4096 ?
			    (sqlite3_column_int64(st, 9) + 4095) / 4096 : 1;

		if (n > 1)
			snprintf(what, sizeof(what), "pages %lld-%lld", (long long)ev->findex,
				 (long long)(ev->findex + n - 1));
		else
			snprintf(what, sizeof(what), "page %lld", (long long)ev->findex);
	}
	if (caller && *caller) {
		size_t l = strlen(what);

		snprintf(what + l, sizeof(what) - l, "%s%.80s", l ? " in " : "", caller);
	}
	ev->what = strdup(what);
	return ev->name && ev->kind && ev->what ? 0 : -ENOMEM;
}

/* Events in the window's id range (with a little context) on its inode or
 * by its tasks; task lanes are made as tasks appear, writer and racers
 * first.  task_lane: -2 out of memory, -3 a failed read (already in *e). */
static int range_events(struct store *s, struct rp_window *w, struct ft_err *e)
{
	sqlite3_stmt *st = NULL;
	int rc, ret;

	ret = prep(s, &st, "SELECT " EVENT_COLS "WHERE e.id BETWEEN ?1 AND ?2 AND "
		   "(e.ino = ?3 OR e.ino IS NULL) ORDER BY e.id LIMIT ?4", "reading window events", e);
	if (ret < 0)
		return ret;
	sqlite3_bind_int64(st, 1, w->start_event > 6 ? w->start_event - 6 : 0);
	sqlite3_bind_int64(st, 2, w->end_event + 6);
	sqlite3_bind_int64(st, 3, w->ino);
	sqlite3_bind_int(st, 4, 4 * RP_MAX_EVENTS);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int pid = sqlite3_column_int(st, 2);
		int own = sqlite3_column_type(st, 11) != SQLITE_NULL;
		int lane = lane_of_pid(w, pid);
		struct rp_event *ev;

		/* Events without an inode only for tasks already in a lane. */
		if (lane < 0 && own && pid != 0)
			lane = task_lane(s, w, pid, e);
		if (lane == -2) {
			ret = -ENOMEM;
			break;
		}
		if (lane == -3) {
			ret = -EIO;
			break;
		}
		if (lane < 0)
			continue;
		if (!(ev = new_event(w)))
			break;
		if ((ret = fill_event(st, ev, lane)) < 0)
			break;
	}
	sqlite3_finalize(st);
	if (ret == -EIO)
		return ret;
	if (ret < 0)
		return ft_error(e, ret, "window %lld: out of memory", (long long)w->id);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return fail(s, e, "reading window events");
	return 0;
}

static const char *state_after(const char *prev, int kind)
{
	switch (kind) {
	case FT_K_PAGE_ADD: return "cached";
	case FT_K_PAGE_DELETE: return "absent";
	case FT_K_DIRTY: return "dirty";
	case FT_K_WRITEBACK_FOLIO: return "writeback";
	default: return prev;
	}
}

/*
 * A racing page's events (the blocks event_keys lists for the folio): from
 * its last insertion at or before the earlier of the window start and the
 * racing event, up to its first deletion after the window, at most
 * RP_MAX_STATES.  They become the page's state table and the marks of its
 * lane.
 */
static int page_events(struct store *s, struct rp_window *w, struct rp_page *p, int lane,
		       struct ft_err *e)
{
	sqlite3_stmt *st = NULL;
	int64_t from = w->start_ns;
	const char *state = "absent";
	int rc, ret;

	ret = prep(s, &st, "SELECT ts FROM events WHERE ino = ?1 AND findex = ?2 AND ts <= ?3 AND "
		   "kind = ?4 ORDER BY ts DESC LIMIT 1", "reading page events", e);
	if (ret < 0)
		return ret;
	sqlite3_bind_int64(st, 1, w->ino);
	sqlite3_bind_int64(st, 2, p->index);
	sqlite3_bind_int64(st, 3, w->start_ns);
	sqlite3_bind_int(st, 4, FT_K_PAGE_ADD);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		from = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		ret = fail(s, e, "reading page events");
	sqlite3_finalize(st);
	if (ret < 0)
		return ret;

	/* the page-cache life of the page: insertion, dirtying, writeback and
	 * its mapping, invalidation, deletion */
	ret = prep(s, &st, "SELECT " EVENT_COLS "WHERE e.ino = ?1 AND e.findex = ?2 AND e.ts >= ?3 "
		   "AND e.kind IN (?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) "
		   "ORDER BY e.ts, e.id LIMIT ?4", "reading page events", e);
	if (ret < 0)
		return ret;
	sqlite3_bind_int64(st, 1, w->ino);
	sqlite3_bind_int64(st, 2, p->index);
	sqlite3_bind_int64(st, 3, from);
	sqlite3_bind_int(st, 4, RP_MAX_STATES + 1);
	sqlite3_bind_int(st, 5, FT_K_PAGE_ADD);
	sqlite3_bind_int(st, 6, FT_K_PAGE_DELETE);
	sqlite3_bind_int(st, 7, FT_K_DIRTY);
	sqlite3_bind_int(st, 8, FT_K_WRITEBACK_FOLIO);
	sqlite3_bind_int(st, 9, FT_K_MAP_BLOCKS_FOUND);
	sqlite3_bind_int(st, 10, FT_K_MAP_BLOCKS_ALLOC);
	sqlite3_bind_int(st, 11, FT_K_INVALIDATE_FOLIO);
	sqlite3_bind_int(st, 12, FT_K_RELEASE_FOLIO);
	sqlite3_bind_int(st, 13, FT_K_FILEMAP_FAULT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int kind = sqlite3_column_int(st, 5);
		struct rp_state *ps;
		struct rp_event *ev;

		if (p->nstates == RP_MAX_STATES) {
			p->states_cut = 1;
			break;
		}
		ps = &p->state[p->nstates++];
		ps->id = sqlite3_column_int64(st, 0);
		ps->ts = sqlite3_column_int64(st, 1);
		ps->pid = sqlite3_column_int(st, 2);
		ps->name = col_dup(st, 4);
		/* the loss the trace shows: the page deleted while dirty (a
		 * truncate, 5.10 truncate_inode_pages_range), or written back
		 * where the mapping is a hole (HOLESTARTBLOCK, -2: the writeback
		 * lookup found no block, xfs_map_blocks) */
		if (!p->loss_event && kind == FT_K_PAGE_DELETE && !strcmp(state, "dirty"))
			p->loss_how = "deleted while dirty";
		else if (!p->loss_event && kind == FT_K_MAP_BLOCKS_FOUND &&
			 sqlite3_column_type(st, 13) != SQLITE_NULL && sqlite3_column_int64(st, 13) == -2)
			p->loss_how = "written back over a hole";
		if (p->loss_how && !p->loss_event) {
			p->loss_event = ps->id;
			p->loss_ts = ps->ts;
		}
		ps->state = state = state_after(state, kind);
		if (!ps->name) {
			ret = -ENOMEM;
			break;
		}
		if ((ev = new_event(w))) {
			if ((ret = fill_event(st, ev, lane)) < 0)
				break;
			ev->racing = ev->id == p->event;
		}
		if (kind == FT_K_PAGE_DELETE && ps->ts > w->end_ns)
			break;
	}
	sqlite3_finalize(st);
	if (ret < 0)
		return ft_error(e, ret, "window %lld: out of memory", (long long)w->id);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return fail(s, e, "reading page events");
	return 0;
}

/* The extent a block number names (the tracepoints print the in-core
 * extent's startblock): HOLESTARTBLOCK (-2), DELAYSTARTBLOCK (-1) or
 * nullstartblock(indlen) (bits 17-51 all set: xfs_bmap_btree.h
 * STARTBLOCKMASK) are a hole and delalloc; else a real block. */
static void extent_of(char *buf, size_t n, int64_t block)
{
	const uint64_t mask = 0x000FFFFFFFFE0000ull;

	if (block == -2)
		snprintf(buf, n, "hole");
	else if (block == -1 || ((uint64_t)block & mask) == mask)
		snprintf(buf, n, "delalloc");
	else
		snprintf(buf, n, "block %lld", (long long)block);
}

/* The kinds of events that carry an extent mapping (ext_off/len/block):
 * bound as ?first .. ?first+5. */
static void bind_extent_kinds(sqlite3_stmt *st, int first)
{
	static const int kind[] = { FT_K_IOMAP_ALLOC, FT_K_IOMAP_FOUND, FT_K_MAP_BLOCKS_FOUND,
				    FT_K_MAP_BLOCKS_ALLOC, FT_K_BMAP_PRE_UPDATE, FT_K_BMAP_POST_UPDATE };

	for (int k = 0; k < 6; k++)
		sqlite3_bind_int(st, first + k, kind[k]);
}

/*
 * The page's extent after each of its state changes: the last extent event
 * of the inode whose range holds the page (iomap lookups and reservations,
 * writeback lookups and allocations, bmap updates), up to that change.  A
 * delalloc removal (xfs_bmap_del_extent_delay's pre-update) that holds the
 * page makes it a hole unless an update right after it still holds the page
 * (the removal kept that part).  From the last such event at or before the
 * first change (4096 events back at most), at most 4096 of them.
 */
static int page_extents(struct store *s, struct rp_window *w, struct rp_page *p,
			struct ft_err *e)
{
	sqlite3_stmt *st = NULL;
	char ext[48] = "unknown";
	int64_t from, to;
	int rc, ret, k = 0;

	if (!p->nstates)
		return 0;
	from = p->state[0].id;
	to = p->state[p->nstates - 1].id;
	/* where to start: the last such event at or before the first change,
	 * within the 4096 events before it */
	ret = prep(s, &st, "SELECT max(e.id) FROM events e WHERE e.id BETWEEN ?1 - 4096 AND ?1 AND "
		   "e.ino = ?2 AND e.ext_off <= ?3 AND e.ext_off + e.ext_len > ?3 AND e.ext_block IS "
		   "NOT NULL AND e.kind IN (?4, ?5, ?6, ?7, ?8, ?9)", "reading page extents", e);
	if (ret < 0)
		return ret;
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, w->ino);
	sqlite3_bind_int64(st, 3, p->index);
	bind_extent_kinds(st, 4);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		from = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = fail(s, e, "reading page extents");
	sqlite3_finalize(st);
	st = NULL;
	if (ret < 0)
		return ret;
	ret = prep(s, &st, "SELECT e.id, e.kind, e.ext_block, coalesce(sy.name, '') FROM events e "
		   "LEFT JOIN symbols sy ON sy.id = e.caller_id WHERE e.id BETWEEN ?1 AND ?2 AND "
		   "e.ino = ?3 AND e.ext_off <= ?4 AND e.ext_off + e.ext_len > ?4 AND e.ext_block "
		   "IS NOT NULL AND e.kind IN (?5, ?6, ?7, ?8, ?9, ?10) ORDER BY e.id LIMIT 4096",
		   "reading page extents", e);
	if (ret < 0)
		return ret;
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, to);
	sqlite3_bind_int64(st, 3, w->ino);
	sqlite3_bind_int64(st, 4, p->index);
	bind_extent_kinds(st, 5);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		int kind = sqlite3_column_int(st, 1);
		int64_t block = sqlite3_column_int64(st, 2);
		const char *caller = (const char *)sqlite3_column_text(st, 3);

		for (; k < p->nstates && p->state[k].id < id; k++)
			snprintf(p->state[k].extent, sizeof(p->state[k].extent), "%s", ext);
		if (kind == FT_K_BMAP_PRE_UPDATE) {
			if (caller && strstr(caller, "del_extent_delay"))
				snprintf(ext, sizeof(ext), "hole (punched, #%lld)", (long long)id);
			continue;	/* the other updates: the post-update says */
		}
		extent_of(ext, sizeof(ext), block);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return fail(s, e, "reading page extents");
	for (; k < p->nstates; k++)
		snprintf(p->state[k].extent, sizeof(p->state[k].extent), "%s", ext);
	return 0;
}

/* HB edges whose two ends are among the shown events (hb_edges is keyed
 * by src: one range scan). */
static int edges(struct store *s, struct rp_window *w, struct ft_err *e)
{
	sqlite3_stmt *st = NULL;
	int64_t lo = INT64_MAX, hi = -1;
	int rc, ret;

	for (int i = 0; i < w->nevents; i++) {
		lo = w->ev[i].id < lo ? w->ev[i].id : lo;
		hi = w->ev[i].id > hi ? w->ev[i].id : hi;
	}
	if (hi < 0)
		return 0;
	ret = prep(s, &st, "SELECT src, dst, why, implied FROM hb_edges WHERE src BETWEEN ?1 AND ?2 "
		   "AND dst BETWEEN ?1 AND ?2 ORDER BY src, dst", "reading hb edges", e);
	if (ret < 0)
		return ret;
	sqlite3_bind_int64(st, 1, lo);
	sqlite3_bind_int64(st, 2, hi);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && w->nedges < RP_MAX_EDGES) {
		int64_t src = sqlite3_column_int64(st, 0), dst = sqlite3_column_int64(st, 1);
		int has_src = 0, has_dst = 0;
		struct rp_edge *ed;

		for (int i = 0; i < w->nevents; i++) {
			has_src |= w->ev[i].id == src;
			has_dst |= w->ev[i].id == dst;
		}
		if (!has_src || !has_dst)
			continue;
		ed = &w->edge[w->nedges++];
		ed->src = src;
		ed->dst = dst;
		snprintf(ed->why, sizeof(ed->why), "%s", sqlite3_column_text(st, 2));
		ed->implied = sqlite3_column_int(st, 3);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : fail(s, e, "reading hb edges");
}

/* The stored replays; "where" names the step as replay prints it (the
 * detail's where.step is already 1-based, as `replay` and the TUI show it). */
static int replays(struct store *s, struct rp_window *w, struct ft_err *e)
{
	sqlite3_stmt *st = NULL;
	int rc, ret;

	ret = prep(s, &st, "SELECT model, outcome, digest, schedule, coalesce(explored, -1), "
		   "coalesce(bad, -1), (SELECT printf('step %d (task %s)', json_extract(r.detail, "
		   "'$.where.step'), json_extract(r.detail, '$.where.task')) || coalesce(', "
		   "page ' || json_extract(r.detail, '$.where.page'), '') || coalesce(', dirtied by ' || "
		   "json_extract(r.detail, '$.where.other'), '') WHERE json_extract(r.detail, "
		   "'$.where.step') IS NOT NULL), (SELECT group_concat(key || ': ' || value, '; ') FROM "
		   "json_each(r.detail, '$.counterexamples')) FROM replays r WHERE window_id = ?1 "
		   "AND json_valid(coalesce(r.detail, '{}')) ORDER BY id LIMIT ?2", "reading replays", e);
	if (ret < 0)
		return ret;
	sqlite3_bind_int64(st, 1, w->id);
	sqlite3_bind_int(st, 2, RP_MAX_REPLAYS);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct rp_replay *r = &w->replay[w->nreplays++];

		r->model = col_dup(st, 0);
		r->outcome = col_dup(st, 1);
		r->digest = col_dup(st, 2);
		r->schedule = col_dup(st, 3);
		r->explored = sqlite3_column_int64(st, 4);
		r->bad = sqlite3_column_int64(st, 5);
		r->where = col_dup_or_null(st, 6);
		r->counterexamples = col_dup_or_null(st, 7);
		if (!r->model || !r->outcome || !r->digest || !r->schedule) {
			sqlite3_finalize(st);
			return ft_error(e, -ENOMEM, "window %lld: out of memory", (long long)w->id);
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : fail(s, e, "reading replays");
}

int query_window_detail(struct store *s, struct rp_window *w, struct ft_err *e)
{
	struct window_facts f;
	int ret, lane;

	w->ev = calloc(RP_MAX_EVENTS, sizeof(*w->ev));
	if (!w->ev)
		return ft_error(e, -ENOMEM, "window %lld: out of memory", (long long)w->id);
	ret = window_facts_load(s, w->id, &f, e);
	if (ret < 0)
		return ret;
	if ((ret = task_lane(s, w, f.writer, e)) == -2)
		return ft_error(e, -ENOMEM, "window %lld: out of memory", (long long)w->id);
	for (int i = 0; i < f.nracers; i++) {
		if (task_lane(s, w, f.racer[i].pid, e) == -2)
			return ft_error(e, -ENOMEM, "window %lld: out of memory", (long long)w->id);
		if (i < RP_MAX_PAGES) {
			struct rp_page *p = &w->page[w->npages++];

			p->index = f.racer[i].index;
			p->pid = f.racer[i].pid;
			p->event = f.racer[i].event;
			p->before_cleanup = f.racer[i].before_cleanup;
			p->written_back = f.racer[i].written_back;
		}
	}
	if ((ret = range_events(s, w, e)) < 0)
		return ret;
	for (int i = 0; i < w->npages; i++) {
		char label[48];

		snprintf(label, sizeof(label), "page %lld", (long long)w->page[i].index);
		if ((lane = add_lane(w, -1, w->page[i].index, label)) == -ENOMEM)
			return ft_error(e, -ENOMEM, "window %lld: out of memory", (long long)w->id);
		if ((ret = page_events(s, w, &w->page[i], lane, e)) < 0 ||
		    (ret = page_extents(s, w, &w->page[i], e)) < 0)
			return ret;
	}
	/* Racing events: the racers' events and those the evidence names. */
	for (int i = 0; i < w->nevents; i++) {
		char tag[32];

		snprintf(tag, sizeof(tag), "@%lld(", (long long)w->ev[i].id);
		for (int r = 0; r < w->npages; r++)
			w->ev[i].racing |= w->ev[i].id == w->page[r].event;
		w->ev[i].racing |= strstr(w->racing, tag) != NULL;
	}
	/* The punch: the writer's first delalloc removal in the window. */
	for (int i = 0; i < w->nevents && !w->punch_event; i++)
		if (w->ev[i].pid == w->writer && w->ev[i].id >= w->start_event &&
		    w->lane[w->ev[i].lane].pid >= 0 && !strcmp(w->ev[i].kind, "bmap_pre_update") &&
		    strstr(w->ev[i].what, "del_extent_delay"))
			w->punch_event = w->ev[i].id;
	/* The figure's time range: the window, the tasks' events around it,
	 * the racing events and each page's loss (a writeback over the hole
	 * may come milliseconds later); other page events outside it are
	 * counted at the edges. */
	w->t0 = w->start_ns;
	w->t1 = w->end_ns;
	for (int i = 0; i < w->nevents; i++) {
		int loss = 0;

		for (int p = 0; p < w->npages; p++)
			loss |= w->page[p].loss_event && w->ev[i].id == w->page[p].loss_event;
		if (w->lane[w->ev[i].lane].pid < 0 && !w->ev[i].racing && !loss)
			continue;
		w->t0 = w->ev[i].ts < w->t0 ? w->ev[i].ts : w->t0;
		w->t1 = w->ev[i].ts > w->t1 ? w->ev[i].ts : w->t1;
	}
	if ((ret = edges(s, w, e)) < 0)
		return ret;
	return replays(s, w, e);
}
