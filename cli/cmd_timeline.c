/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cmd_timeline.c - foliotrace timeline: a per-folio timeline as text lanes.
 *
 * Design: the events come from analyze/timeline.c (one page, a window's
 * pages, or every page of an inode), are collected, then printed as one
 * cmd_table (cli/cmd.c) so that every column is as wide as its longest
 * value: nothing is cut when piped, and on a terminal a line is cut to the
 * width with a marker.  The windows shown (the one of --window, or those
 * covering --index) mark the rows inside them and get a line where they
 * open and where they close, so the event ids a window's evidence cites
 * can be found.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "../analyze/timeline.h"
#include "../core/json.h"
#include "../core/kinds.h"
#include "../core/termsafe.h"

#define MAX_ROWS	200000
#define MAX_LANES	12	/* then one lane for the other tasks */
#define MAX_MARKS	32

const char cmd_timeline_usage[] =
"usage: foliotrace timeline [--json] --ino INO [--index N] DB\n"
"       foliotrace timeline [--json] --window W [--index N] DB\n"
"\n"
"Print the timeline of page index N of inode INO: every event that touches\n"
"it (page-cache add/delete, dirtying, writeback, faults, extent changes\n"
"covering it: delalloc reservation, punch, conversion, holes) in time order,\n"
"with its event id (#N, as windows' evidence and replays cite them), one\n"
"column (lane) per task, and the page-cache state (absent, clean, dirty,\n"
"writeback) and extent state (delalloc, real, hole) of the page after each.\n"
"A fault event without an offset is placed at the index of the same task's\n"
"next iomap event.  Without --index, every page event of the inode is\n"
"listed with the pages it touches.\n"
"\n"
"--window W gives the inode and the pages of window W (from 'foliotrace\n"
"windows'): the events of those pages over the whole trace, so that what\n"
"happens after the window (a writeback over a hole) is shown too; the page\n"
"states need one page: add --index.  The windows shown (W; without\n"
"--window, every window covering page N) mark the events inside them in\n"
"the 'window' column and get a line where they open and where they close.\n"
"\n"
"The first 12 tasks get a lane each, the others share a last lane (their\n"
"events shown as comm/pid: event).  Columns are as wide as their values:\n"
"piped or redirected nothing is cut; on a terminal each line is cut to its\n"
"width, the cut marked with \"…\" and a last line saying so.\n"
"\n"
"options:\n"
"      --ino=INO     the inode (decimal, or 0x... hexadecimal)\n"
"      --index=N     the page index\n"
"      --window=W    the inode and pages of window W, its events marked\n"
"      --json        a JSON array of {id, ts, pid, comm, event, kind, first,\n"
"                    last, pc_state, ext_state, windows}: ts in trace-clock\n"
"                    ns, the states null without one page, windows the ids\n"
"                    of the windows shown that contain the event\n"
"  -v, --verbose     how DB is opened and the time taken, on stderr\n"
"  -h, --help        show this help\n"
"\n"
"Task and event names from the database are made safe for the terminal\n"
"(control characters and invalid UTF-8 shown escaped, \\x1b).\n"
"\n"
"exit status: 0 on success, 1 if DB cannot be read (or has no window W)\n"
"or the output cannot be written, 2 on a usage error.\n";

struct row {
	struct tl_entry t;
	char pc[12], ext[12];
};

struct ctx {
	struct row *rows;
	int n;
	int truncated;
};

struct mark {
	int64_t id, start, end;
	char verdict[16];
};

static int collect(void *c_, const struct tl_entry *t)
{
	struct ctx *c = c_;
	struct row *r;

	if (c->n >= MAX_ROWS) {
		c->truncated = 1;
		return 1;
	}
	r = &c->rows[c->n++];
	r->t = *t;
	snprintf(r->pc, sizeof(r->pc), "%s", t->pc ? t->pc : "");
	snprintf(r->ext, sizeof(r->ext), "%s", t->ext ? t->ext : "");
	return 0;
}

/* Set when a lookup failed (a damaged file): the command fails at the end. */
static int lookup_failed;

/* One name looked up by key, with a statement prepared once (st). */
static char *lookup(sqlite3 *db, sqlite3_stmt **st, const char *sql, int64_t key)
{
	char *out = NULL;
	int rc;

	if (!*st && sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK) {
		lookup_failed = 1;
		return NULL;
	}
	sqlite3_bind_int64(*st, 1, key);
	rc = sqlite3_step(*st);
	if (rc == SQLITE_ROW && sqlite3_column_text(*st, 0))
		out = strdup((const char *)sqlite3_column_text(*st, 0));
	else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		lookup_failed = 1;
	sqlite3_reset(*st);
	return out;
}

#define Q_COMM "SELECT comm FROM tasks WHERE pid = ?"
#define Q_EVENT "SELECT name FROM event_types WHERE id = ?"

/*
 * The windows to mark: window W (its inode and pages returned), or those of
 * ino covering index.  Returns the count, or < 0 with e set.
 */
static int load_marks(struct store *s, int64_t window, int64_t *ino, int64_t index,
		      int64_t *first, int64_t *last, struct mark *m, struct ft_err *e)
{
	sqlite3_stmt *st;
	int n = 0, rc;

	if (sqlite3_prepare_v2(store_db(s), window >= 0 ?
			       "SELECT id, start_event, end_event, coalesce(verdict, ''), ino, "
			       "first_index, last_index FROM windows WHERE id = ?1" :
			       "SELECT id, start_event, end_event, coalesce(verdict, ''), ino, "
			       "first_index, last_index FROM windows WHERE ino = ?2 AND "
			       "?3 BETWEEN first_index AND last_index ORDER BY start_event, id",
			       -1, &st, NULL) != SQLITE_OK)
		return ft_error(e, -EIO, "%s: reading the windows: %s", store_path(s),
				sqlite3_errmsg(store_db(s)));
	sqlite3_bind_int64(st, 1, window);
	sqlite3_bind_int64(st, 2, *ino);
	sqlite3_bind_int64(st, 3, index);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < MAX_MARKS) {
		m[n].id = sqlite3_column_int64(st, 0);
		m[n].start = sqlite3_column_int64(st, 1);
		m[n].end = sqlite3_column_int64(st, 2);
		snprintf(m[n].verdict, sizeof(m[n].verdict), "%s",
			 (const char *)sqlite3_column_text(st, 3));
		if (window >= 0) {
			*ino = sqlite3_column_int64(st, 4);
			*first = sqlite3_column_int64(st, 5);
			*last = sqlite3_column_int64(st, 6);
		}
		n++;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		n = ft_error(e, -EIO, "%s: reading the windows: %s", store_path(s),
			     sqlite3_errmsg(store_db(s)));
	else if (window >= 0 && !n)
		n = ft_error(e, -ENOENT, "%s: no window %lld (see foliotrace windows)",
			     store_path(s), (long long)window);
	sqlite3_finalize(st);
	return n;
}

/* A line where window m opens (before row i) or closes (after it). */
static int mark_line(struct cmd_table *tab, const struct mark *m, int open)
{
	char text[160];

	snprintf(text, sizeof(text), "---- window %lld (%s) %s at event #%lld ----",
		 (long long)m->id, m->verdict, open ? "opens" : "closes",
		 (long long)(open ? m->start : m->end));
	return cmd_table_note(tab, text);
}

static int print_text(sqlite3 *db, const struct ctx *c, const struct mark *m, int nm,
		      int64_t ino, int64_t index, int states, struct ft_err *e)
{
	struct cmd_table tab = { .ncols = 0 };
	int lanes[MAX_LANES], nl = 0, others = 0, ret = -ENOMEM;
	int opened[MAX_MARKS] = { 0 }, closed[MAX_MARKS] = { 0 };
	const char *cells[CMD_TABLE_MAXCOLS];
	char heads[MAX_LANES + 1][192];
	sqlite3_stmt *q_comm = NULL, *q_event = NULL;
	char *comm = NULL;

	for (int i = 0; i < c->n; i++) {
		int k;

		for (k = 0; k < nl && lanes[k] != c->rows[i].t.pid; k++)
			;
		if (k == nl && nl < MAX_LANES)
			lanes[nl++] = c->rows[i].t.pid;
		else if (k == nl)
			others = 1;
	}
	/* time, event id, window, lanes (and the others'), pages, cache, extent */
	tab.ncols = 3 + nl + others + 3;
	tab.right[1] = 1;
	cells[0] = "time (s)";
	cells[1] = "event";
	cells[2] = "window";
	for (int k = 0; k < nl; k++) {
		comm = lookup(db, &q_comm, Q_COMM, lanes[k]);
		snprintf(heads[k], sizeof(heads[k]), "%s/%d", comm ? comm : "?", lanes[k]);
		free(comm);
		cells[3 + k] = heads[k];
	}
	if (others)
		cells[3 + nl] = "other tasks";
	cells[tab.ncols - 3] = "pages";
	cells[tab.ncols - 2] = states ? "cache" : "";
	cells[tab.ncols - 1] = states ? "extent" : "";
	if (cmd_table_add(&tab, cells) < 0)
		goto out;
	for (int i = 0; i < c->n; i++) {
		const struct row *r = &c->rows[i];
		char ts[32], id[24], win[64] = "", pages[48], other[192];
		char *name = lookup(db, &q_event, Q_EVENT, r->t.type_id);
		int k, rc;

		for (int j = 0; j < nm; j++) {
			if (!opened[j] && r->t.id >= m[j].start) {
				opened[j] = 1;
				if (mark_line(&tab, &m[j], 1) < 0)
					goto fail;
			}
			if (opened[j] && !closed[j] && r->t.id > m[j].end) {
				closed[j] = 1;
				if (mark_line(&tab, &m[j], 0) < 0)
					goto fail;
			}
			if (r->t.id >= m[j].start && r->t.id <= m[j].end && strlen(win) < 40)
				snprintf(win + strlen(win), sizeof(win) - strlen(win), "%s%lld",
					 win[0] ? "," : "", (long long)m[j].id);
		}
		snprintf(ts, sizeof(ts), "%.9f", r->t.ts / 1e9);
		snprintf(id, sizeof(id), "#%lld", (long long)r->t.id);
		snprintf(pages, sizeof(pages), "%lld-%lld", (long long)r->t.first,
			 (long long)r->t.last);
		cells[0] = ts;
		cells[1] = id;
		cells[2] = win;
		for (k = 0; k < nl + others; k++)
			cells[3 + k] = "";
		for (k = 0; k < nl && lanes[k] != r->t.pid; k++)
			;
		if (k < nl) {
			cells[3 + k] = name ? name : "?";
		} else {
			comm = lookup(db, &q_comm, Q_COMM, r->t.pid);
			snprintf(other, sizeof(other), "%s/%d: %s", comm ? comm : "?", r->t.pid,
				 name ? name : "?");
			free(comm);
			cells[3 + nl] = other;
		}
		cells[tab.ncols - 3] = pages;
		cells[tab.ncols - 2] = r->pc;
		cells[tab.ncols - 1] = r->ext;
		rc = cmd_table_add(&tab, cells);
		free(name);
		if (rc < 0)
			goto out;
	}
	for (int j = 0; j < nm; j++)
		if (opened[j] && !closed[j] && mark_line(&tab, &m[j], 0) < 0)
			goto out;
	if (lookup_failed) {
		ret = ft_error(e, -EIO, "reading task and event names: %s", sqlite3_errmsg(db));
		goto out;
	}
	cmd_table_print(&tab, stdout, cmd_out_width());
	if (!c->n)
		printf("(no events touch inode %lld%s)\n", (long long)ino,
		       index >= 0 ? " at that index" : "");
	ret = 0;
	goto out;
fail:
	ret = -ENOMEM;
out:
	if (ret == -ENOMEM)
		ft_error(e, ret, "timeline: out of memory");
	sqlite3_finalize(q_comm);
	sqlite3_finalize(q_event);
	cmd_table_free(&tab);
	return ret;
}

static int print_json(sqlite3 *db, const struct ctx *c, const struct mark *m, int nm,
		      struct ft_err *e)
{
	sqlite3_stmt *q_comm = NULL, *q_event = NULL;

	putchar('[');
	for (int i = 0; i < c->n && !ferror(stdout); i++) {
		const struct row *r = &c->rows[i];
		char *name = lookup(db, &q_event, Q_EVENT, r->t.type_id);
		char *comm = lookup(db, &q_comm, Q_COMM, r->t.pid);
		int first = 1;

		printf("%s{\"id\":%lld,\"ts\":%lld,\"pid\":%d,\"comm\":", i ? ",\n" : "",
		       (long long)r->t.id, (long long)r->t.ts, r->t.pid);
		json_str(stdout, comm);
		printf(",\"event\":");
		json_str(stdout, name);
		printf(",\"kind\":");
		json_str(stdout, ft_kind_name(r->t.kind));
		printf(",\"first\":%lld,\"last\":%lld,\"pc_state\":", (long long)r->t.first,
		       (long long)r->t.last);
		json_str(stdout, r->pc[0] ? r->pc : NULL);
		printf(",\"ext_state\":");
		json_str(stdout, r->ext[0] ? r->ext : NULL);
		printf(",\"windows\":[");
		for (int j = 0; j < nm; j++)
			if (r->t.id >= m[j].start && r->t.id <= m[j].end) {
				printf("%s%lld", first ? "" : ",", (long long)m[j].id);
				first = 0;
			}
		printf("]}");
		free(comm);
		free(name);
	}
	sqlite3_finalize(q_comm);
	sqlite3_finalize(q_event);
	if (lookup_failed)
		return ft_error(e, -EIO, "reading task and event names: %s", sqlite3_errmsg(db));
	printf("]\n");
	return 0;
}

int cmd_timeline(int argc, char **argv, struct ft_err *e)
{
	static const struct option opts[] = {
		{ "ino", required_argument, NULL, 'i' },
		{ "index", required_argument, NULL, 'x' },
		{ "window", required_argument, NULL, 'w' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	struct cmd_getopt g = CMD_GETOPT("", opts, cmd_timeline_usage);
	struct mark marks[MAX_MARKS];
	struct ctx c = { 0 };
	struct store *s = NULL;
	long long ino = -1, index = -1, window = -1;
	int64_t ino64, first = -1, last = -1;
	int json = 0, ch, nm = 0, ret = FT_EXIT_FAIL;

	while ((ch = cmd_getopt(&g, argc, argv)) != -1) {
		switch (ch) {
		case 'i':
			if (cmd_parse_int(optarg, 0, INT64_MAX, &ino) < 0)
				return cmd_usage_error("timeline", "--ino wants an inode number, not '%s'",
						       optarg);
			break;
		case 'x':
			if (cmd_parse_int(optarg, 0, INT64_MAX, &index) < 0)
				return cmd_usage_error("timeline", "--index wants a page index, not '%s'",
						       optarg);
			break;
		case 'w':
			if (cmd_parse_int(optarg, 1, INT64_MAX, &window) < 0)
				return cmd_usage_error("timeline", "--window wants a window id, not '%s'",
						       optarg);
			break;
		case 'j': json = 1; break;
		case CMD_DONE: return g.status;
		}
	}
	if (optind != argc - 1 || (ino < 0 && window < 0))
		return cmd_usage_error("timeline", "wants --ino INO or --window W, and one DB");
	if (ino >= 0 && window >= 0)
		return cmd_usage_error("timeline", "--window gives the inode: --ino goes without it");
	if (cmd_db_open(&s, argv[optind], e) < 0)
		return FT_EXIT_FAIL;
	ino64 = ino;
	if (window >= 0 || index >= 0) {
		nm = load_marks(s, window, &ino64, index, &first, &last, marks, e);
		if (nm < 0)
			goto out;
	}
	c.rows = malloc(MAX_ROWS * sizeof(*c.rows));
	if (!c.rows) {
		ft_error(e, -ENOMEM, "out of memory");
		goto out;
	}
	if (index >= 0 || window < 0) {
		if (timeline_run(s, ino64, index, collect, &c, e) < 0)
			goto out;
	} else if (timeline_run_range(s, ino64, first, last, collect, &c, e) < 0) {
		goto out;
	}
	if (json ? print_json(store_db(s), &c, marks, nm, e) < 0 :
		   print_text(store_db(s), &c, marks, nm, ino64, index,
			      window < 0 || index >= 0, e) < 0) {
		fflush(stdout);
		ft_err_prefix(e, argv[optind]);
		goto out;
	}
	if (!json && c.truncated)
		printf("(stopped after %d events: give --index)\n", MAX_ROWS);
	else if (c.truncated)	/* the JSON stays one document: said on stderr */
		fprintf(stderr, "foliotrace timeline: warning: stopped after %d events: give "
			"--index\n", MAX_ROWS);
	ret = FT_EXIT_OK;
out:
	free(c.rows);
	store_close(s);
	return ret;
}
