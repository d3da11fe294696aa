/* SPDX-License-Identifier: GPL-2.0-or-later */
/* window.c - see window.h. */
#include "window.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../core/kinds.h"

static int fail(struct store *s, struct ft_err *e, const char *what)
{
	return ft_error(e, -EIO, "%s: %s: %s", store_path(s), what, sqlite3_errmsg(store_db(s)));
}

static int prep(struct store *s, sqlite3_stmt **st, const char *sql, struct ft_err *e)
{
	return sqlite3_prepare_v2(store_db(s), sql, -1, st, NULL) == SQLITE_OK ? 0 :
		fail(s, e, "reading the window");
}

static const char *text_or(sqlite3_stmt *st, int i, const char *dflt)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? (const char *)t : dflt;
}

static void add_racer(struct window_facts *f, int pid, int64_t index, int64_t ev, int before)
{
	for (int i = 0; i < f->nracers; i++)
		if (f->racer[i].pid == pid)
			return;
	if (f->nracers == WINDOW_MAX_RACERS) {
		f->racers_cut = 1;
		return;
	}
	f->racer[f->nracers++] = (struct window_racer){ .pid = pid, .index = index, .event = ev,
							.before_cleanup = before };
}

/* Racers inside the window: other tasks adding or dirtying a punched page. */
static int racers_inside(struct store *s, struct window_facts *f, struct ft_err *e)
{
	sqlite3_stmt *st = NULL;
	int rc, ret = prep(s, &st, "SELECT pid, findex, id FROM events WHERE ino = ?1 AND findex "
			   "BETWEEN ?2 AND ?3 AND id > ?4 AND id < ?5 AND pid != ?6 AND kind IN "
			   "(?7, ?8) ORDER BY id", e);

	if (ret < 0)
		return ret;
	sqlite3_bind_int64(st, 1, f->ino);
	sqlite3_bind_int64(st, 2, f->first);
	sqlite3_bind_int64(st, 3, f->last);
	sqlite3_bind_int64(st, 4, f->start_event);
	sqlite3_bind_int64(st, 5, f->end_event);
	sqlite3_bind_int(st, 6, f->writer);
	sqlite3_bind_int(st, 7, FT_K_PAGE_ADD);
	sqlite3_bind_int(st, 8, FT_K_DIRTY);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		add_racer(f, sqlite3_column_int(st, 0), sqlite3_column_int64(st, 1),
			  sqlite3_column_int64(st, 2), 0);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : fail(s, e, "reading the racing events");
}

/* Racers before the cleanup: the writer's cleanup deleted a page another
 * task had dirtied (the last dirtying of that page before the delete). */
static int racers_dropped(struct store *s, struct window_facts *f, struct ft_err *e)
{
	sqlite3_stmt *del = NULL, *dirty = NULL;
	int rc, ret = prep(s, &del, "SELECT findex, id FROM events WHERE ino = ?1 AND findex "
			   "BETWEEN ?2 AND ?3 AND id > ?4 AND id <= ?5 AND pid = ?6 AND kind = ?7 "
			   "ORDER BY id", e);

	if (ret == 0)
		ret = prep(s, &dirty, "SELECT pid, id, kind FROM events WHERE ino = ?1 AND findex = ?2 "
			   "AND id < ?3 AND kind IN (?4, ?5) ORDER BY id DESC LIMIT 1", e);
	if (ret < 0)
		goto out;
	sqlite3_bind_int64(del, 1, f->ino);
	sqlite3_bind_int64(del, 2, f->first);
	sqlite3_bind_int64(del, 3, f->last);
	sqlite3_bind_int64(del, 4, f->start_event);
	sqlite3_bind_int64(del, 5, f->end_event);
	sqlite3_bind_int(del, 6, f->writer);
	sqlite3_bind_int(del, 7, FT_K_PAGE_DELETE);
	while ((rc = sqlite3_step(del)) == SQLITE_ROW) {
		int64_t idx = sqlite3_column_int64(del, 0);

		sqlite3_bind_int64(dirty, 1, f->ino);
		sqlite3_bind_int64(dirty, 2, idx);
		sqlite3_bind_int64(dirty, 3, sqlite3_column_int64(del, 1));
		sqlite3_bind_int(dirty, 4, FT_K_DIRTY);
		sqlite3_bind_int(dirty, 5, FT_K_PAGE_DELETE);
		/* the page's last dirtying, unless a delete came after it */
		int drc = sqlite3_step(dirty);

		if (drc == SQLITE_ROW && sqlite3_column_int(dirty, 2) == FT_K_DIRTY &&
		    sqlite3_column_int(dirty, 0) != f->writer)
			add_racer(f, sqlite3_column_int(dirty, 0), idx, sqlite3_column_int64(dirty, 1), 1);
		sqlite3_reset(dirty);
		if (drc != SQLITE_ROW && drc != SQLITE_DONE) {
			rc = drc;
			break;
		}
	}
	if (rc != SQLITE_DONE)
		ret = fail(s, e, "reading the cleanup's deletions");
out:
	sqlite3_finalize(del);
	sqlite3_finalize(dirty);
	return ret;
}

static int written_back(struct store *s, struct window_facts *f, struct ft_err *e)
{
	sqlite3_stmt *st = NULL;
	int ret = prep(s, &st, "SELECT count(*) FROM (SELECT 1 FROM events WHERE ino = ?1 AND "
		       "id > ?2 AND kind IN (?3, ?4, ?5) AND offset <= ?6 AND offset + length > ?6 "
		       "LIMIT 1)", e);

	if (ret < 0)
		return ret;
	for (int i = 0; i < f->nracers && ret == 0; i++) {
		sqlite3_bind_int64(st, 1, f->ino);
		sqlite3_bind_int64(st, 2, f->end_event);
		sqlite3_bind_int(st, 3, FT_K_WRITEBACK_FOLIO);
		sqlite3_bind_int(st, 4, FT_K_MAP_BLOCKS_FOUND);
		sqlite3_bind_int(st, 5, FT_K_MAP_BLOCKS_ALLOC);
		sqlite3_bind_int64(st, 6, f->racer[i].index << f->page_shift);
		if (sqlite3_step(st) == SQLITE_ROW)
			f->racer[i].written_back = sqlite3_column_int(st, 0) > 0;
		else
			ret = fail(s, e, "reading the writeback");
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return ret;
}

int window_facts_load(struct store *s, int64_t id, struct window_facts *f, struct ft_err *e)
{
	sqlite3_stmt *st = NULL;
	int64_t ps = 4096;
	int rc, ret;

	memset(f, 0, sizeof(*f));
	f->id = id;
	ret = prep(s, &st, "SELECT w.trace_id, coalesce(w.dev, 0), w.ino, w.start_event, "
		   "w.end_event, w.first_index, w.last_index, w.verdict, w.family, "
		   "coalesce(CASE WHEN json_valid(w.evidence) THEN json_extract(w.evidence, "
		   "'$.writer') END, CASE WHEN json_valid(w.tasks) THEN json_extract(w.tasks, "
		   "'$[0]') END, 0), "
		   "coalesce(t.page_size, 4096), (SELECT value FROM meta WHERE key = "
		   "'analysis:' || w.trace_id || ':variant') FROM windows w JOIN traces t ON "
		   "t.id = w.trace_id WHERE w.id = ?", e);
	if (ret < 0)
		return ret;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		f->trace_id = sqlite3_column_int64(st, 0);
		f->dev = sqlite3_column_int64(st, 1);
		f->ino = sqlite3_column_int64(st, 2);
		f->start_event = sqlite3_column_int64(st, 3);
		f->end_event = sqlite3_column_int64(st, 4);
		f->first = sqlite3_column_int64(st, 5);
		f->last = sqlite3_column_int64(st, 6);
		snprintf(f->verdict, sizeof(f->verdict), "%s", text_or(st, 7, ""));
		snprintf(f->family, sizeof(f->family), "%s", text_or(st, 8, ""));
		f->writer = sqlite3_column_int(st, 9);
		ps = sqlite3_column_int64(st, 10);
		if (sqlite3_column_type(st, 11) == SQLITE_TEXT)
			snprintf(f->variant, sizeof(f->variant), "%s", text_or(st, 11, ""));
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return ft_error(e, -ENOENT, "%s: no window %lld (see foliotrace windows)",
				store_path(s), (long long)id);
	if (rc != SQLITE_ROW)
		return fail(s, e, "reading the window");
	if (f->first < 0 || f->last < f->first || f->last - f->first > (1 << 20) ||
	    ps <= 0 || (ps & (ps - 1)))
		return ft_error(e, -EINVAL, "%s: window %lld has an absurd range (%lld..%lld) or "
				"page size %lld", store_path(s), (long long)id, (long long)f->first,
				(long long)f->last, (long long)ps);
	f->page_shift = __builtin_ctzll((unsigned long long)ps);

	/* The writer's buffered write: its last one before the window. */
	ret = prep(s, &st, "SELECT offset, length FROM events WHERE pid = ?1 AND kind = ?2 AND "
		   "ino = ?3 AND id <= ?4 AND ts <= (SELECT ts FROM events WHERE id = ?4) AND "
		   "offset >= 0 AND length > 0 ORDER BY ts DESC, id DESC LIMIT 1", e);
	if (ret < 0)
		return ret;
	sqlite3_bind_int(st, 1, f->writer);
	sqlite3_bind_int(st, 2, FT_K_BUFFERED_WRITE);
	sqlite3_bind_int64(st, 3, f->ino);
	sqlite3_bind_int64(st, 4, f->start_event);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		sqlite3_finalize(st);
		return fail(s, e, "reading the writer's buffered write");
	}
	if (rc == SQLITE_ROW) {
		int64_t off = sqlite3_column_int64(st, 0), len = sqlite3_column_int64(st, 1);
		int64_t end = (off + len + ps - 1) >> f->page_shift;

		f->write_first = off >> f->page_shift;
		f->write_pages = end - f->write_first;
		f->write_known = f->write_first <= f->first && end > f->last;
	}
	sqlite3_finalize(st);
	if (!f->write_known) {	/* not recorded: the write is the punched range */
		f->write_first = f->first;
		f->write_pages = f->last - f->first + 1;
	}
	ret = racers_dropped(s, f, e);
	if (ret == 0)
		ret = racers_inside(s, f, e);
	if (ret == 0)
		ret = written_back(s, f, e);
	return ret;
}

int window_replays_save(struct store *s, int64_t window_id, const struct window_replay *r,
			int n, struct ft_err *e)
{
	sqlite3_stmt *del = NULL, *ins = NULL;
	int ret = store_begin(s, e);

	if (ret < 0)
		return ret;
	ret = prep(s, &del, "DELETE FROM replays WHERE window_id = ?", e);
	if (ret == 0)
		ret = prep(s, &ins, "INSERT INTO replays (window_id, scenario, model, outcome, digest, "
			   "schedule, explored, bad, detail) VALUES (?, 'window', ?, ?, ?, ?, ?, ?, ?)", e);
	if (ret == 0) {
		sqlite3_bind_int64(del, 1, window_id);
		if (sqlite3_step(del) != SQLITE_DONE)
			ret = fail(s, e, "replacing replays");
	}
	for (int i = 0; ret == 0 && i < n; i++) {
		char digest[17];

		snprintf(digest, sizeof(digest), "%016llx", (unsigned long long)r[i].digest);
		sqlite3_bind_int64(ins, 1, window_id);
		sqlite3_bind_text(ins, 2, r[i].model, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 3, r[i].outcome, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 4, digest, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(ins, 5, r[i].schedule, -1, SQLITE_STATIC);
		if (r[i].explored >= 0) {
			sqlite3_bind_int64(ins, 6, r[i].explored);
			sqlite3_bind_int64(ins, 7, r[i].bad);
		} else {
			sqlite3_bind_null(ins, 6);
			sqlite3_bind_null(ins, 7);
		}
		sqlite3_bind_text(ins, 8, r[i].detail, -1, SQLITE_STATIC);
		if (sqlite3_step(ins) != SQLITE_DONE)
			ret = fail(s, e, "writing replays");
		sqlite3_reset(ins);
	}
	sqlite3_finalize(del);
	sqlite3_finalize(ins);
	if (ret == 0)
		return store_commit(s, e);
	store_rollback(s);
	return ret;
}
