/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * export.c - events, windows and happens-before edges out of a database:
 *
 *   perfetto: the Chrome trace-event JSON format, which the Perfetto UI and
 *             chrome://tracing open.  One process for the trace (pid 1),
 *             one thread per task (tid = pid, named by "M" thread_name
 *             events; pid 0, the idle task, becomes tid 0 too), events as
 *             thread-scoped instants ("ph":"i"), windows as complete slices
 *             ("ph":"X") on the writer's thread, HB edges as flow pairs
 *             ("ph":"s" at the source event, "ph":"f" with "bp":"e" at the
 *             destination, same id).  ts in microseconds with ns decimals.
 *   csv:      events (the normalized columns, event and caller by name) and
 *             windows, RFC 4180 quoting.
 *
 * Streamed: one statement per table, rows written as they are read, so
 * memory does not grow with the trace.  --window N limits everything to
 * the events start_event..end_event of window N, or on to the last loss
 * event its evidence names ($.loss_events); --from/--to to a time
 * range (found by bisecting ids, since ids follow ts).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/json.h"
#include "../core/kinds.h"
#include "../core/store.h"
#include "report.h"

struct exp {
	struct store *s;
	const struct export_opts *o;
	struct export_stats *st;
	struct ft_err *e;
	int64_t trace_id, lo, hi;	/* exported event ids lo..hi */
	char **types;			/* by event_types.id */
	int64_t ntypes;
	char **syms;
	int64_t nsyms;
};

static int fail(struct exp *x, const char *what)
{
	return ft_error(x->e, -EIO, "%s: %s: %s", x->o->db, what, sqlite3_errmsg(store_db(x->s)));
}

static int prep(struct exp *x, sqlite3_stmt **st, const char *sql, const char *what)
{
	*st = NULL;
	return sqlite3_prepare_v2(store_db(x->s), sql, -1, st, NULL) == SQLITE_OK ? 0 : fail(x, what);
}

static int load_types(struct exp *x)
{
	sqlite3_stmt *st;
	int rc, ret = prep(x, &st, "SELECT max(id) FROM event_types", "reading event types");

	if (ret < 0)
		return ret;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		x->ntypes = sqlite3_column_int64(st, 0) + 1;
	else if (rc != SQLITE_DONE)
		ret = fail(x, "reading event types");
	sqlite3_finalize(st);
	if (ret < 0)
		return ret;
	if (x->ntypes <= 0 || x->ntypes > 1 << 24)
		x->ntypes = 1;
	x->types = calloc((size_t)x->ntypes, sizeof(*x->types));
	if (!x->types)
		return ft_error(x->e, -ENOMEM, "%s: out of memory", x->o->db);
	if ((ret = prep(x, &st, "SELECT id, name FROM event_types", "reading event types")) < 0)
		return ret;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);

		if (id >= 0 && id < x->ntypes && !x->types[id])
			x->types[id] = strdup((const char *)sqlite3_column_text(st, 1));
	}
	if (rc != SQLITE_DONE)
		ret = fail(x, "reading event types");
	sqlite3_finalize(st);
	if (ret < 0)
		return ret;
	return store_symbols(x->s, &x->syms, &x->nsyms, x->e);
}

/*
 * The first event id whose ts >= ts (ids follow ts); hi + 1 if none.
 * A failed read sets *err (reported by the caller, as "reading events").
 */
static int64_t id_at(sqlite3_stmt *st, int64_t lo, int64_t hi, int64_t ts, int *err)
{
	while (lo <= hi && !*err) {
		int64_t mid = lo + (hi - lo) / 2, t = INT64_MAX;
		int rc;

		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, mid);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			t = sqlite3_column_int64(st, 0);
		else if (rc != SQLITE_DONE)
			*err = 1;
		if (t >= ts)
			hi = mid - 1;
		else
			lo = mid + 1;
	}
	return lo;
}

static int event_range(struct exp *x)
{
	sqlite3_stmt *st;
	/* first and last ids in id order (a min() would read every event) */
	int rc, ret = prep(x, &st, "SELECT id, (SELECT id FROM events ORDER BY id LIMIT 1), "
		       "(SELECT id FROM events ORDER BY id DESC LIMIT 1) FROM traces "
		       "WHERE complete = 1 ORDER BY id DESC LIMIT 1", "reading the trace");

	if (ret < 0)
		return ret;
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		ret = rc == SQLITE_DONE ? ft_error(x->e, -ENOENT, "%s: no complete trace in this "
						   "database", x->o->db) : fail(x, "reading the trace");
		sqlite3_finalize(st);
		return ret;
	}
	x->trace_id = sqlite3_column_int64(st, 0);
	x->lo = sqlite3_column_int64(st, 1);
	x->hi = sqlite3_column_type(st, 2) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 2);
	sqlite3_finalize(st);
	if (x->o->window >= 0) {
		/* on to the last loss event its evidence names (a writeback over
		 * the hole comes after the window closes) */
		ret = prep(x, &st, "SELECT start_event, max(end_event, coalesce((SELECT max(value) "
			   "FROM json_each(CASE WHEN json_valid(evidence) THEN evidence ELSE '{}' END, "
			   "'$.loss_events')), 0)) "
			   "FROM windows WHERE id = ?1", "reading the window");
		if (ret < 0)
			return ret;
		sqlite3_bind_int64(st, 1, x->o->window);
		if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
			ret = rc == SQLITE_DONE ? ft_error(x->e, -ENOENT, "%s: no window %lld (see "
							   "foliotrace windows)", x->o->db,
							   (long long)x->o->window) :
				fail(x, "reading the window");
			sqlite3_finalize(st);
			return ret;
		}
		x->lo = sqlite3_column_int64(st, 0);
		x->hi = sqlite3_column_int64(st, 1);
		sqlite3_finalize(st);
	}
	if (x->o->from_ns >= 0 || x->o->to_ns >= 0) {
		int64_t lo = x->lo, hi = x->hi;
		int err = 0;

		ret = prep(x, &st, "SELECT ts FROM events WHERE id >= ?1 ORDER BY id LIMIT 1",
			   "reading events");
		if (ret < 0)
			return ret;
		if (x->o->from_ns >= 0)
			x->lo = id_at(st, lo, hi, x->o->from_ns, &err);
		if (x->o->to_ns >= 0 && !err)
			x->hi = id_at(st, lo, hi, x->o->to_ns + 1, &err) - 1;
		if (err)
			ret = fail(x, "reading events");
		sqlite3_finalize(st);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static void us(FILE *f, int64_t ns)
{
	if (ns < 0) {
		fputc('-', f);
		ns = -ns;
	}
	fprintf(f, "%lld.%03lld", (long long)(ns / 1000), (long long)(ns % 1000));
}

/* --- perfetto ------------------------------------------------------------ */

static int perfetto_meta(struct exp *x, FILE *f)
{
	sqlite3_stmt *st;
	int rc, ret = prep(x, &st, "SELECT source, kernel_release FROM traces WHERE id = ?1",
		       "reading the trace");
	char name[512];

	if (ret < 0)
		return ret;
	sqlite3_bind_int64(st, 1, x->trace_id);
	snprintf(name, sizeof(name), "trace");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		snprintf(name, sizeof(name), "%.300s (%.100s)", sqlite3_column_text(st, 0) ?
			 (const char *)sqlite3_column_text(st, 0) : "?", sqlite3_column_text(st, 1) ?
			 (const char *)sqlite3_column_text(st, 1) : "kernel ?");
	else if (rc != SQLITE_DONE)
		ret = fail(x, "reading the trace");
	sqlite3_finalize(st);
	if (ret < 0)
		return ret;
	fputs("{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":1,\"tid\":0,\"ts\":0,\"args\":{\"name\":", f);
	json_str(f, name);
	fputs("}}", f);
	ret = prep(x, &st, "SELECT pid, coalesce(comm, 'pid ' || pid) FROM tasks WHERE trace_id = ?1 "
		   "ORDER BY pid", "reading tasks");
	if (ret < 0)
		return ret;
	sqlite3_bind_int64(st, 1, x->trace_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		fprintf(f, ",\n{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":1,\"tid\":%d,\"ts\":0,"
			"\"args\":{\"name\":", sqlite3_column_int(st, 0));
		json_str(f, (const char *)sqlite3_column_text(st, 1));
		fputs("}}", f);
		x->st->tasks++;
	}
	if (rc != SQLITE_DONE)
		ret = fail(x, "reading tasks");
	sqlite3_finalize(st);
	return ret;
}

static int perfetto_events(struct exp *x, FILE *f)
{
	sqlite3_stmt *st;
	int rc, ret = prep(x, &st, "SELECT id, ts, pid, type_id, kind, ino, findex, offset, length, "
			   "caller_id FROM events WHERE id BETWEEN ?1 AND ?2 AND trace_id = ?3 ORDER BY id",
			   "reading events");

	if (ret < 0)
		return ret;
	sqlite3_bind_int64(st, 1, x->lo);
	sqlite3_bind_int64(st, 2, x->hi);
	sqlite3_bind_int64(st, 3, x->trace_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t type = sqlite3_column_int64(st, 3), caller = sqlite3_column_int64(st, 9);
		int kind = sqlite3_column_int(st, 4);

		fputs(",\n{\"ph\":\"i\",\"s\":\"t\",\"name\":", f);
		json_str(f, type >= 0 && type < x->ntypes && x->types[type] ? x->types[type] : "?");
		fprintf(f, ",\"cat\":\"%s\",\"pid\":1,\"tid\":%d,\"ts\":",
			kind >= 0 && kind < FT_K__COUNT ? ft_kinds[kind].name : "other",
			sqlite3_column_int(st, 2));
		us(f, sqlite3_column_int64(st, 1));
		fprintf(f, ",\"args\":{\"id\":%lld", sqlite3_column_int64(st, 0));
		if (sqlite3_column_type(st, 5) != SQLITE_NULL)
			fprintf(f, ",\"ino\":%lld", sqlite3_column_int64(st, 5));
		if (sqlite3_column_type(st, 6) != SQLITE_NULL)
			fprintf(f, ",\"index\":%lld", sqlite3_column_int64(st, 6));
		if (sqlite3_column_type(st, 7) != SQLITE_NULL)
			fprintf(f, ",\"offset\":%lld", sqlite3_column_int64(st, 7));
		if (sqlite3_column_type(st, 8) != SQLITE_NULL)
			fprintf(f, ",\"length\":%lld", sqlite3_column_int64(st, 8));
		if (sqlite3_column_type(st, 9) != SQLITE_NULL && caller >= 0 && caller < x->nsyms &&
		    x->syms[caller]) {
			fputs(",\"caller\":", f);
			json_str(f, x->syms[caller]);
		}
		fputs("}}", f);
		x->st->events++;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : fail(x, "reading events");
}

static int perfetto_windows(struct exp *x, FILE *f)
{
	sqlite3_stmt *st;
	int rc, ret = prep(x, &st, "SELECT id, verdict, family, start_ns, end_ns, "
			   /* a row with damaged JSON is marked, not a failed export */
			   "coalesce(CASE WHEN json_valid(evidence) THEN json_extract(evidence, "
			   "'$.writer') END, CASE WHEN json_valid(tasks) THEN json_extract(tasks, "
			   "'$[0]') END, 0), "
			   "ino, first_index, last_index, start_event, end_event, "
			   "CASE WHEN json_valid(coalesce(evidence, '{}')) THEN "
			   "coalesce(json_extract(evidence, '$.racing'), '') "
			   "ELSE '(unreadable evidence)' END FROM windows WHERE trace_id = ?1 "
			   "AND start_event >= ?2 AND end_event <= ?3 ORDER BY id", "reading windows");

	if (ret < 0)
		return ret;
	sqlite3_bind_int64(st, 1, x->trace_id);
	sqlite3_bind_int64(st, 2, x->lo);
	sqlite3_bind_int64(st, 3, x->hi);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t t0 = sqlite3_column_int64(st, 3), t1 = sqlite3_column_int64(st, 4);
		char name[96];

		snprintf(name, sizeof(name), "window %lld %s", sqlite3_column_int64(st, 0),
			 sqlite3_column_text(st, 1) ? (const char *)sqlite3_column_text(st, 1) : "?");
		fputs(",\n{\"ph\":\"X\",\"name\":", f);
		json_str(f, name);
		fputs(",\"cat\":", f);
		json_str(f, (const char *)sqlite3_column_text(st, 2));
		fprintf(f, ",\"pid\":1,\"tid\":%d,\"ts\":", sqlite3_column_int(st, 5));
		us(f, t0);
		fputs(",\"dur\":", f);
		us(f, t1 > t0 ? t1 - t0 : 0);
		fprintf(f, ",\"args\":{\"window\":%lld,\"verdict\":", sqlite3_column_int64(st, 0));
		json_str(f, (const char *)sqlite3_column_text(st, 1));
		fprintf(f, ",\"ino\":%lld,\"pages\":\"%lld-%lld\",\"events\":\"%lld..%lld\",\"racing\":",
			sqlite3_column_int64(st, 6), sqlite3_column_int64(st, 7),
			sqlite3_column_int64(st, 8), sqlite3_column_int64(st, 9),
			sqlite3_column_int64(st, 10));
		json_str(f, (const char *)sqlite3_column_text(st, 11));
		fputs("}}", f);
		x->st->windows++;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : fail(x, "reading windows");
}

static int perfetto_edges(struct exp *x, FILE *f)
{
	sqlite3_stmt *st;
	int rc, ret = prep(x, &st, "SELECT h.src, h.dst, h.why, h.implied, a.ts, a.pid, b.ts, b.pid "
			   "FROM hb_edges h JOIN events a ON a.id = h.src JOIN events b ON b.id = h.dst "
			   "WHERE h.src BETWEEN ?1 AND ?2 AND h.dst BETWEEN ?1 AND ?2", "reading hb edges");

	if (ret < 0)
		return ret;
	sqlite3_bind_int64(st, 1, x->lo);
	sqlite3_bind_int64(st, 2, x->hi);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *why = (const char *)sqlite3_column_text(st, 2);
		int64_t id = ++x->st->edges;

		for (int end = 0; end < 2; end++) {
			fprintf(f, ",\n{\"ph\":\"%s\",\"id\":%lld,\"name\":", end ? "f" : "s", (long long)id);
			json_str(f, why ? why : "hb");
			fprintf(f, ",\"cat\":\"hb%s\",%s\"pid\":1,\"tid\":%d,\"ts\":",
				sqlite3_column_int(st, 3) ? ",implied" : "", end ? "\"bp\":\"e\"," : "",
				sqlite3_column_int(st, end ? 7 : 5));
			us(f, sqlite3_column_int64(st, end ? 6 : 4));
			fprintf(f, ",\"args\":{\"src\":%lld,\"dst\":%lld}}", sqlite3_column_int64(st, 0),
				sqlite3_column_int64(st, 1));
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : fail(x, "reading hb edges");
}

static int perfetto(struct exp *x, FILE *f)
{
	int ret;

	fputs("{\"displayTimeUnit\":\"ns\",\"otherData\":{\"generator\":\"foliotrace export\"},"
	      "\"traceEvents\":[\n", f);
	if ((ret = perfetto_meta(x, f)) < 0 || (ret = perfetto_windows(x, f)) < 0 ||
	    (ret = perfetto_events(x, f)) < 0 || (ret = perfetto_edges(x, f)) < 0)
		return ret;
	fputs("\n]}\n", f);
	return 0;
}

/* --- csv ------------------------------------------------------------------ */

static void csv_field(FILE *f, const char *s)
{
	if (!s)
		return;
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void csv_int(FILE *f, sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) != SQLITE_NULL)
		fprintf(f, "%lld", sqlite3_column_int64(st, i));
}

/* A device as MAJOR:MINOR, like every other output (dev_t: major << 20 | minor). */
static void csv_dev(FILE *f, sqlite3_stmt *st, int i)
{
	int64_t d;

	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return;
	d = sqlite3_column_int64(st, i);
	fprintf(f, "%lld:%lld", (long long)(d >> 20), (long long)(d & 0xfffff));
}

static int csv_events(struct exp *x, FILE *f)
{
	static const char *const cols[] = { "id", "ts", "cpu", "pid", "event", "kind", "dev", "ino",
		"offset", "length", "findex", "forder", "lock_class", "lock_mode", "flags", "caller",
		"caller_off", "ext_off", "ext_len", "ext_block", "addr", "peer_pid" };
	sqlite3_stmt *st;
	int rc, ret = prep(x, &st, "SELECT id, ts, cpu, pid, type_id, kind, dev, ino, offset, length, "
			   "findex, forder, lock_class, lock_mode, flags, caller_id, caller_off, ext_off, "
			   "ext_len, ext_block, addr, peer_pid FROM events WHERE id BETWEEN ?1 AND ?2 AND "
			   "trace_id = ?3 ORDER BY id", "reading events");

	if (ret < 0)
		return ret;
	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
		fprintf(f, "%s%s", i ? "," : "", cols[i]);
	fputs("\r\n", f);
	sqlite3_bind_int64(st, 1, x->lo);
	sqlite3_bind_int64(st, 2, x->hi);
	sqlite3_bind_int64(st, 3, x->trace_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (int i = 0; i < 22; i++) {
			if (i)
				fputc(',', f);
			if (i == 4) {
				int64_t t = sqlite3_column_int64(st, 4);

				csv_field(f, t >= 0 && t < x->ntypes ? x->types[t] : NULL);
			} else if (i == 5) {
				int k = sqlite3_column_int(st, 5);

				fputs(k >= 0 && k < FT_K__COUNT ? ft_kinds[k].name : "other", f);
			} else if (i == 6) {
				csv_dev(f, st, 6);
			} else if (i == 15 && sqlite3_column_type(st, 15) != SQLITE_NULL) {
				int64_t c = sqlite3_column_int64(st, 15);

				csv_field(f, c >= 0 && c < x->nsyms ? x->syms[c] : NULL);
			} else {
				csv_int(f, st, i);
			}
		}
		fputs("\r\n", f);
		x->st->events++;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : fail(x, "reading events");
}

static int csv_windows(struct exp *x, FILE *f)
{
	sqlite3_stmt *st;
	int rc, ret = prep(x, &st, "SELECT id, family, verdict, dev, ino, start_event, end_event, "
			   "start_ns, end_ns, first_index, last_index, tasks, evidence FROM windows WHERE "
			   "trace_id = ?1 AND start_event >= ?2 AND end_event <= ?3 ORDER BY id",
			   "reading windows");

	if (ret < 0)
		return ret;
	fputs("id,family,verdict,dev,ino,start_event,end_event,start_ns,end_ns,first_index,"
	      "last_index,tasks,evidence\r\n", f);
	sqlite3_bind_int64(st, 1, x->trace_id);
	sqlite3_bind_int64(st, 2, x->lo);
	sqlite3_bind_int64(st, 3, x->hi);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (int i = 0; i < 13; i++) {
			if (i)
				fputc(',', f);
			if (i == 1 || i == 2 || i == 11 || i == 12)
				csv_field(f, (const char *)sqlite3_column_text(st, i));
			else if (i == 3)
				csv_dev(f, st, 3);
			else
				csv_int(f, st, i);
		}
		fputs("\r\n", f);
		x->st->windows++;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : fail(x, "reading windows");
}

int export_write(const struct export_opts *o, struct export_stats *stats, struct ft_err *e)
{
	struct exp x = { .o = o, .st = stats, .e = e };
	struct out_file ev = { .d = { .fd = -1, .lock_fd = -1, .slot = -1 } }, win = ev;
	char *wpath = NULL;
	char *path = NULL;
	int ret;

	memset(stats, 0, sizeof(*stats));
	ret = store_open(&x.s, o->db, STORE_READONLY, e);
	if (ret < 0)
		return ret;
	if ((ret = load_types(&x)) < 0 || (ret = event_range(&x)) < 0)
		goto out;
	if (o->format == EXPORT_PERFETTO) {
		if ((ret = out_open(&ev, o->out, o->force, "export", o->db, e)) < 0)
			goto out;
		if ((ret = perfetto(&x, ev.f)) < 0)
			goto out;
		ret = out_commit(&ev, e);
		goto out;
	}
	/* Both files planned (checked, locked) before either is written. */
	if (o->what == EXPORT_ALL) {
		if (asprintf(&path, "%s-events.csv", o->out) < 0)
			path = NULL;
		if (asprintf(&wpath, "%s-windows.csv", o->out) < 0)
			wpath = NULL;
		if (!path || !wpath) {
			ret = ft_error(e, -ENOMEM, "out of memory");
			goto out;
		}
	}
	if (o->what != EXPORT_WINDOWS &&
	    (ret = out_open(&ev, path ? path : o->out, o->force, "export", o->db, e)) < 0)
		goto out;
	if (o->what != EXPORT_EVENTS &&
	    (ret = out_open(&win, wpath ? wpath : o->out, o->force, "export", o->db, e)) < 0)
		goto out;
	if (ev.f && (ret = csv_events(&x, ev.f)) < 0)
		goto out;
	if (win.f && (ret = csv_windows(&x, win.f)) < 0)
		goto out;
	/* both complete: rename both */
	if (ev.f && (ret = out_commit(&ev, e)) < 0)
		goto out;
	if (win.f)
		ret = out_commit(&win, e);
out:
	if (ev.f)
		out_abort(&ev);
	if (win.f)
		out_abort(&win);
	free(path);
	free(wpath);
	for (int64_t i = 0; x.types && i < x.ntypes; i++)
		free(x.types[i]);
	free(x.types);
	if (x.syms)
		store_symbols_free(x.syms, x.nsyms);
	store_close(x.s);
	return ret;
}
