/* SPDX-License-Identifier: GPL-2.0-or-later */
/* window.c - see window.h. */
#include "window.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
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

/* Whether each racer dirtied its page inside the window (before the punch
 * that closes it), and whether it reserved a block of its own for it first
 * (xfs_iomap_alloc covering the page, by the racer, before that dirtying):
 * then the page is backed. */
static int racer_backing(struct store *s, struct window_facts *f, struct ft_err *e)
{
	sqlite3_stmt *st = NULL;
	int ret = prep(s, &st, "SELECT d.id, (SELECT count(*) FROM events a WHERE a.pid = ?1 AND "
		       "a.ino = ?2 AND a.kind = ?5 AND a.id > ?3 AND a.id < d.id AND a.offset <= "
		       "?4 * ?6 AND a.offset + a.length > ?4 * ?6) FROM events d WHERE d.ino = ?2 AND "
		       "d.findex = ?4 AND d.pid = ?1 AND d.kind = ?7 AND d.id > ?3 AND d.id < ?8 "
		       "ORDER BY d.ts, d.id LIMIT 1", e);

	if (ret < 0)
		return ret;
	for (int i = 0; i < f->nracers && ret == 0; i++) {
		int rc;

		sqlite3_bind_int(st, 1, f->racer[i].pid);
		sqlite3_bind_int64(st, 2, f->ino);
		sqlite3_bind_int64(st, 3, f->start_event);
		sqlite3_bind_int64(st, 4, f->racer[i].index);
		sqlite3_bind_int(st, 5, FT_K_IOMAP_ALLOC);
		sqlite3_bind_int64(st, 6, (int64_t)1 << f->page_shift);
		sqlite3_bind_int(st, 7, FT_K_DIRTY);
		sqlite3_bind_int64(st, 8, f->end_event);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			f->racer[i].dirtied = 1;
			f->racer[i].reserved = sqlite3_column_int(st, 1) > 0;
		} else if (rc != SQLITE_DONE) {
			ret = fail(s, e, "reading the racers' pages");
		}
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
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
	ret = prep(s, &st, "SELECT offset, length, id FROM events WHERE pid = ?1 AND kind = ?2 AND "
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
		if (f->write_known)
			f->write_event = sqlite3_column_int64(st, 2);
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
	if (ret == 0)
		ret = racer_backing(s, f, e);
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

/* --- the window's events, cut into operations (window_trace_load) --------- */

static const char *const op_kind_names[WOP__COUNT] = {
	"write", "fault", "read_fault", "writeback", "punch", "truncate",
};

const char *window_op_kind_name(enum window_op_kind k)
{
	return (unsigned)k < WOP__COUNT ? op_kind_names[k] : "?";
}

void window_trace_free(struct window_trace *t)
{
	free(t->ev);
	free(t->present);
	t->ev = NULL;
	t->present = NULL;
	t->nev = 0;
}

/* One int64 from a query with up to three int64 parameters; dflt when NULL
 * or no row.  Returns 0 or a negative code. */
static int one_i64(struct store *s, const char *sql, int64_t a, int64_t b, int64_t c, int64_t dflt,
		   int64_t *out, struct ft_err *e)
{
	sqlite3_stmt *st = NULL;
	int rc, ret = prep(s, &st, sql, e);

	if (ret < 0)
		return ret;
	sqlite3_bind_int64(st, 1, a);
	sqlite3_bind_int64(st, 2, b);
	sqlite3_bind_int64(st, 3, c);
	rc = sqlite3_step(st);
	*out = rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL ?
		sqlite3_column_int64(st, 0) : dflt;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : fail(s, e, "reading the window's events");
}

static int is_sched(int kind)
{
	return kind == FT_K_SCHED_SWITCH || kind == FT_K_SCHED_WAKEUP || kind == FT_K_SCHED_WAKING;
}

struct pidstate {
	int pid;
	int cur;		/* its current operation, -1 */
	int64_t fault_at;	/* its last fault event not yet given a page, 0 */
	int64_t iolock_x;	/* its last IOLOCK_EXCL request, 0 */
	int64_t dirtied;	/* its last dirtying, 0 */
	int fault_write;
};

static struct pidstate *pid_state(struct pidstate *ps, int *n, int cap, int pid)
{
	for (int i = 0; i < *n; i++)
		if (ps[i].pid == pid)
			return &ps[i];
	if (*n == cap)
		return NULL;
	ps[*n] = (struct pidstate){ .pid = pid, .cur = -1 };
	return &ps[(*n)++];
}

static int new_op(struct window_trace *t, enum window_op_kind k, int pid, int64_t page,
		  int64_t ev_first)
{
	if (t->nops == WINDOW_MAX_OPS) {
		t->ops_cut++;
		return -1;
	}
	t->op[t->nops] = (struct window_op){ .kind = k, .pid = pid, .first = page, .last = page,
		.all_first = page, .all_last = page, .ev_first = ev_first, .ev_last = ev_first };
	return t->nops++;
}

static void op_page(struct window_op *o, int64_t page, int in)
{
	if (page < 0)
		return;
	if (in) {
		o->first = page < o->first ? page : o->first;
		o->last = page > o->last ? page : o->last;
	}
	o->all_first = page < o->all_first ? page : o->all_first;
	o->all_last = page > o->all_last ? page : o->all_last;
}

/* The pid's current operation becomes op (or none) at event id: the one it
 * had ends there. */
static void set_cur(struct window_trace *t, struct pidstate *p, int op, int64_t id)
{
	if (p->cur >= 0 && p->cur != op && !t->op[p->cur].ev_stop)
		t->op[p->cur].ev_stop = id;
	p->cur = op;
}

static int cmp_order(const void *a, const void *b)
{
	const struct window_event *x = a, *y = b;

	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

/* Whether W's cleanup (the writer's events in [ws, we]) deleted page from
 * the page cache between event id `from` and the i-th event's fault. */
static int deleted_since(const struct window_trace *t, size_t i, int64_t from, int64_t page,
			 int writer, int64_t ws, int64_t we)
{
	int pid = t->ev[i].pid;
	size_t j;

	/* up to the new fault's first page event: the truncate zaps the mapping
	 * before it deletes the folio, so the store may fault again first */
	for (j = i + 1; j < t->nev && !(t->ev[j].pid == pid && t->ev[j].page >= 0); j++)
		;
	while (j-- > 0 && t->ev[j].id >= from)
		if (t->ev[j].kind == FT_K_PAGE_DELETE && t->ev[j].page == page &&
		    t->ev[j].pid == writer && t->ev[j].id >= ws && t->ev[j].id <= we)
			return 1;
	return 0;
}

/* Cuts the pids' events into operations (see window.h) and gives every
 * event of the inode its operation. */
static void cut_operations(struct window_trace *t, const struct window_facts *f, int64_t wstart,
			   int64_t wend, int page_shift)
{
	struct pidstate ps[256];
	int nps = 0;

	/* pass 1: the operations and where each starts */
	t->nops = 0;
	new_op(t, WOP_WRITE, f->writer, f->first, wstart);
	t->op[0].writer = 1;
	t->op[0].first = t->op[0].all_first = f->write_first;
	t->op[0].last = t->op[0].all_last = f->write_first + f->write_pages - 1;
	t->op[0].copied = f->first - f->write_first;
	t->op[0].ev_last = wend;
	for (size_t i = 0; i < t->nev; i++) {
		struct window_event *ev = &t->ev[i];
		struct pidstate *p;
		int64_t pg = ev->page;
		int in = pg >= t->page_lo && pg <= t->page_hi;
		struct window_op *cur;

		if (ev->pid == f->writer && ev->id >= wstart && ev->id <= wend)
			continue;
		p = pid_state(ps, &nps, (int)(sizeof(ps) / sizeof(ps[0])), ev->pid);
		if (!p)
			continue;
		cur = p->cur >= 0 ? &t->op[p->cur] : NULL;
		switch (ev->kind) {
		case FT_K_BUFFERED_WRITE:
			set_cur(t, p, -1, ev->id);
			p->fault_at = 0;
			if (in) {
				set_cur(t, p, new_op(t, WOP_WRITE, ev->pid, pg, ev->id), ev->id);
				if (p->cur >= 0)
					t->op[p->cur].copied = -1;	/* counted below */
			}
			break;
		case FT_K_READ_FAULT:
		case FT_K_WRITE_FAULT:
			/* a fault after a completed write fault is a new one, unless W's
			 * cleanup deleted the page since (the store is retried: the
			 * model's fault task retries itself) */
			if (cur && cur->kind == WOP_FAULT && ev->kind == FT_K_READ_FAULT &&
			    !deleted_since(t, i, p->dirtied, cur->last, f->writer, wstart, wend)) {
				set_cur(t, p, -1, ev->id);
				cur = NULL;
				p->fault_at = 0;
				p->fault_write = 0;
			}
			if (!p->fault_at || (cur && ev->kind == FT_K_WRITE_FAULT))
				p->fault_at = ev->id;
			p->fault_write |= ev->kind == FT_K_WRITE_FAULT;
			break;
		case FT_K_PAGE_ADD:
		case FT_K_DIRTY:
			if (ev->kind == FT_K_DIRTY)
				p->dirtied = ev->id;
			/* fall through */
		case FT_K_IOMAP_FOUND:
		case FT_K_IOMAP_ALLOC:
		case FT_K_IOMAP_ITER:
			if (pg < 0)
				break;
			if (p->fault_at) {
				int fault_op = cur && (cur->kind == WOP_FAULT || cur->kind == WOP_READ_FAULT);

				if (!in) {
					set_cur(t, p, -1, ev->id);
				} else if (fault_op && (pg == cur->last || pg == cur->last + 1)) {
					op_page(cur, pg, 1);
				} else {
					set_cur(t, p, new_op(t, WOP_READ_FAULT, ev->pid, pg, p->fault_at), ev->id);
					p->fault_write = ev->kind == FT_K_DIRTY || p->fault_write;
				}
				if (p->cur >= 0 && p->fault_write)
					t->op[p->cur].kind = WOP_FAULT;
				p->fault_at = 0;
				p->fault_write = 0;
			} else if (cur && (cur->kind == WOP_WRITEBACK || cur->kind == WOP_PUNCH ||
					   cur->kind == WOP_TRUNCATE)) {
				/* not writeback's or a punch's: a lookup (seek, fiemap) */
				set_cur(t, p, -1, ev->id);
			} else if (cur && in) {
				if (cur->kind == WOP_READ_FAULT && ev->kind == FT_K_DIRTY)
					cur->kind = WOP_FAULT;
				op_page(cur, pg, 1);
			}
			break;
		case FT_K_WRITEBACK_FOLIO:
			p->fault_at = 0;
			if (cur && cur->kind == WOP_WRITEBACK)
				op_page(cur, pg, in);
			else if (in)
				set_cur(t, p, new_op(t, WOP_WRITEBACK, ev->pid, pg, ev->id), ev->id);
			else
				set_cur(t, p, -1, ev->id);
			break;
		case FT_K_PAGE_DELETE:
			if (cur && (cur->kind == WOP_PUNCH || cur->kind == WOP_TRUNCATE))
				op_page(cur, pg, in);
			else if (in && p->iolock_x)	/* from its IOLOCK_EXCL request; a
							 * delete without it is a cache drop */
				set_cur(t, p, new_op(t, WOP_PUNCH, ev->pid, pg, p->iolock_x), ev->id);
			break;
		case FT_K_ILOCK:
			if (ev->flags & 1)
				p->iolock_x = ev->id;
			break;
		case FT_K_IUNLOCK:
			/* a punch or truncate ends with its IOLOCK_EXCL release */
			if ((ev->flags & 1) && cur && (cur->kind == WOP_PUNCH ||
						       cur->kind == WOP_TRUNCATE))
				set_cur(t, p, -1, ev->id + 1);
			if (ev->flags & 1)
				p->iolock_x = 0;
			break;
		default:
			break;
		}
	}
	/* W's copy: up to the last page it added or dirtied in its write (a
	 * release scan may keep a racer's dirty page, so the punched range can
	 * start past it) */
	{
		int64_t top = f->write_first - 1;

		for (size_t i = 0; i < t->nev; i++) {
			const struct window_event *ev = &t->ev[i];
			int64_t end = ev->page + ((int64_t)1 << ev->forder) - 1;

			if (ev->pid != f->writer || ev->id < wstart || ev->id > wend || ev->page < 0 ||
			    (ev->kind != FT_K_DIRTY && ev->kind != FT_K_PAGE_ADD))
				continue;
			if (ev->page >= f->write_first && ev->page < f->write_first + f->write_pages)
				top = end > top ? end : top;
		}
		if (top >= f->write_first && top < f->first)
			t->op[0].copied = top - f->write_first + 1;
	}
	/* a buffered write's range and copy: its pages dirtied in the window */
	for (int o = 1; o < t->nops; o++) {
		struct window_op *op = &t->op[o];

		if (op->kind != WOP_WRITE)
			continue;
		op->copied = 0;
		for (size_t i = 0; i < t->nev; i++)
			if (t->ev[i].pid == op->pid && t->ev[i].id >= op->ev_first &&
			    t->ev[i].kind == FT_K_DIRTY && t->ev[i].page >= t->page_lo &&
			    t->ev[i].page <= t->page_hi)
				op->copied++;
	}
	(void)page_shift;
	/* pass 2: every event to the operation of its pid that started last
	 * before it; page-less events only while the pid's last page was in
	 * the window's pages */
	for (int i = 0; i < nps; i++)
		ps[i].fault_write = 1;	/* reused: "the last page was inside" */
	for (size_t i = 0; i < t->nev; i++) {
		struct window_event *ev = &t->ev[i];
		struct pidstate *p = NULL;
		int best = -1;

		ev->op = -1;
		if (ev->pid == f->writer && ev->id >= wstart && ev->id <= wend) {
			ev->op = 0;
			t->op[0].nevents++;
			continue;
		}
		for (int o = 1; o < t->nops; o++)
			if (t->op[o].pid == ev->pid && t->op[o].ev_first <= ev->id &&
			    (!t->op[o].ev_stop || ev->id < t->op[o].ev_stop) &&
			    (best < 0 || t->op[o].ev_first > t->op[best].ev_first))
				best = o;
		for (int k = 0; k < nps; k++)
			if (ps[k].pid == ev->pid)
				p = &ps[k];
		if (best < 0 || !p)
			continue;
		if (t->op[best].ev_first == ev->id)
			p->fault_write = 1;
		if (ev->page >= 0)
			p->fault_write = ev->page >= t->page_lo && ev->page <= t->page_hi;
		/* a writeback's page-less events belong to the page it is at; a
		 * punch's (its locks, its bunmap) to the whole punch */
		if (!p->fault_write && (t->op[best].kind == WOP_WRITEBACK || ev->page >= 0))
			continue;
		ev->op = best;
		t->op[best].nevents++;
		t->op[best].ev_last = ev->id;
	}
}

int window_trace_load(struct store *s, const struct window_facts *f, struct window_trace *t,
		      struct ft_err *e)
{
	sqlite3_stmt *st = NULL;
	int64_t wstart, wend, hi, n = 0, nkeep = 0;
	size_t cap = 0;
	char sql[256];
	int rc, ret;
	struct window_event *all = NULL;

	memset(t, 0, sizeof(*t));
	t->page_lo = f->write_first < f->first ? f->write_first : f->first;
	t->page_hi = f->write_first + f->write_pages - 1 > f->last ?
		f->write_first + f->write_pages - 1 : f->last;
	/* W: its IOLOCK_EXCL request before the buffered write, to the release */
	wstart = f->write_event ? f->write_event : f->start_event;
	snprintf(sql, sizeof(sql), "SELECT max(id) FROM events WHERE pid = ?1 AND kind = %d AND "
		 "(flags & 1) AND id < ?2 AND id >= ?2 - 64 AND ino = ?3", FT_K_ILOCK);
	ret = one_i64(s, sql, f->writer, wstart, f->ino, wstart, &wstart, e);
	/* (SELECT id ... ORDER BY id LIMIT 1), not min(id): the events table
	 * serves id order and stops at the first row; min() would read all */
	snprintf(sql, sizeof(sql), "SELECT (SELECT id FROM events WHERE pid = ?1 AND kind = %d AND "
		 "(flags & 1) AND id > ?2 AND ino = ?3 ORDER BY id LIMIT 1)", FT_K_IUNLOCK);
	if (ret == 0)
		ret = one_i64(s, sql, f->writer, f->end_event, f->ino, f->end_event, &wend, e);
	if (ret < 0)
		return ret;
	hi = wend;
	/* the writeback of every page another task dirtied in the window's pages */
	ret = prep(s, &st, "SELECT d.findex, (SELECT w.id FROM events w WHERE w.ino = d.ino AND "
		   "w.findex = d.findex AND w.kind = ?5 AND w.ts >= (SELECT ts FROM events WHERE "
		   "id = ?4) AND w.id > ?4 ORDER BY w.ts, w.id LIMIT 1) FROM events d WHERE "
		   "d.ino = ?1 AND d.findex BETWEEN ?2 AND ?3 AND d.id BETWEEN ?6 AND ?4 AND "
		   "d.kind = ?7 AND d.pid != ?8 GROUP BY d.findex", e);
	if (ret < 0)
		return ret;
	sqlite3_bind_int64(st, 1, f->ino);
	sqlite3_bind_int64(st, 2, t->page_lo);
	sqlite3_bind_int64(st, 3, t->page_hi);
	sqlite3_bind_int64(st, 4, wend);
	sqlite3_bind_int(st, 5, FT_K_WRITEBACK_FOLIO);
	sqlite3_bind_int64(st, 6, wstart);
	sqlite3_bind_int(st, 7, FT_K_DIRTY);
	sqlite3_bind_int(st, 8, f->writer);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (sqlite3_column_type(st, 1) != SQLITE_NULL) {
			int64_t wb = sqlite3_column_int64(st, 1);

			hi = wb > hi ? wb : hi;
		}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return fail(s, e, "reading the window's writeback");
	/* the map_blocks event that follows the last of those writebacks */
	snprintf(sql, sizeof(sql), "SELECT (SELECT id FROM events WHERE pid = (SELECT pid FROM "
		 "events WHERE id = ?1) AND id > ?1 AND id <= ?1 + ?2 AND kind IN (%d, %d) AND "
		 "?3 = ?3 ORDER BY id LIMIT 1)", FT_K_MAP_BLOCKS_FOUND, FT_K_MAP_BLOCKS_ALLOC);
	if (hi > wend)
		ret = one_i64(s, sql, hi, 4096, 0, hi, &hi, e);
	if (ret < 0)
		return ret;
	t->lo = wstart;
	t->hi = hi;
	if (t->hi - t->lo + 1 > WINDOW_MAX_EVENTS) {
		t->events_cut = t->hi - t->lo + 1 - WINDOW_MAX_EVENTS;
		t->hi = t->lo + WINDOW_MAX_EVENTS - 1;
	}
	ret = prep(s, &st, "SELECT e.id, e.pid, e.kind, coalesce(e.ino, -1), coalesce(e.findex, -1), "
		   "coalesce(e.flags, 0), et.name, coalesce(e.forder, 0) FROM events e JOIN "
		   "event_types et ON "
		   "et.id = e.type_id WHERE e.id BETWEEN ?1 AND ?2 ORDER BY e.id", e);
	if (ret < 0)
		return ret;
	sqlite3_bind_int64(st, 1, t->lo);
	sqlite3_bind_int64(st, 2, t->hi);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct window_event *ev;
		int64_t ino = sqlite3_column_int64(st, 3);

		if ((size_t)n == cap) {
			size_t nc = cap ? 2 * cap : 1024;
			struct window_event *p = realloc(all, nc * sizeof(*p));

			if (!p) {
				sqlite3_finalize(st);
				free(all);
				return ft_error(e, -ENOMEM, "%s: out of memory", store_path(s));
			}
			all = p;
			cap = nc;
		}
		ev = &all[n++];
		memset(ev, 0, sizeof(*ev));
		ev->id = sqlite3_column_int64(st, 0);
		ev->pid = sqlite3_column_int(st, 1);
		ev->kind = sqlite3_column_int(st, 2);
		ev->page = ino == f->ino ? sqlite3_column_int64(st, 4) : -1;
		ev->flags = sqlite3_column_int(st, 5);
		ev->forder = sqlite3_column_int(st, 7);
		ev->forder = ev->forder < 0 || ev->forder > 20 ? 0 : ev->forder;
		ev->op = ino == f->ino ? 0 : -2;	/* -2: another inode or none */
		snprintf(ev->name, sizeof(ev->name), "%s", text_or(st, 6, "?"));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(all);
		return fail(s, e, "reading the window's events");
	}
	/* happens-before order: a lock request at its grant, the task's next
	 * non-scheduler event (of any inode) */
	for (int64_t i = 0; i < n; i++) {
		all[i].order = 2 * all[i].id;
		if (all[i].kind != FT_K_ILOCK && all[i].kind != FT_K_ILOCK_NOWAIT)
			continue;
		for (int64_t j = i + 1; j < n; j++)
			if (all[j].pid == all[i].pid && !is_sched(all[j].kind)) {
				all[i].order = 2 * all[j].id - 1;
				break;
			}
	}
	for (int64_t i = 0; i < n; i++)
		if (all[i].op == 0 && !is_sched(all[i].kind))
			all[nkeep++] = all[i];
	t->ev = all;
	t->nev = (size_t)nkeep;
	cut_operations(t, f, wstart, wend, f->page_shift);
	qsort(t->ev, t->nev, sizeof(*t->ev), cmp_order);
	/* the event types the trace has: what a model step's tracepoint can show */
	{
		size_t len = 0;
		FILE *m = open_memstream(&t->present, &len);

		if (!m)
			return ft_error(e, -ENOMEM, "%s: out of memory", store_path(s));
		fputc('\n', m);
		ret = prep(s, &st, "SELECT DISTINCT name FROM event_types WHERE trace_id = ?", e);
		if (ret == 0) {
			sqlite3_bind_int64(st, 1, f->trace_id);
			while ((rc = sqlite3_step(st)) == SQLITE_ROW)
				fprintf(m, "%s\n", text_or(st, 0, ""));
			sqlite3_finalize(st);
			if (rc != SQLITE_DONE)
				ret = fail(s, e, "reading the trace's event types");
		}
		fclose(m);
	}
	return ret;
}
