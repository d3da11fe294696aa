/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd_timeline.c - foliotrace timeline: a per-folio timeline as text lanes. */
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
#define MAX_LANES	8

const char cmd_timeline_usage[] =
"usage: foliotrace timeline [--json] --ino INO [--index N] DB\n"
"\n"
"Print the timeline of page index N of inode INO: every event that touches\n"
"it (page-cache add/delete, dirtying, writeback, faults, extent changes\n"
"covering it: delalloc reservation, punch, conversion, holes) in time order,\n"
"one column (lane) per task, with the page-cache state (absent, clean,\n"
"dirty, writeback) and the extent state (delalloc, real, hole) after each.\n"
"A fault event without an offset is placed at the index of the same task's\n"
"next iomap event.  Without --index, every page event of the inode is\n"
"listed with the pages it touches.\n"
"\n"
"options:\n"
"      --ino=INO     the inode (decimal, or 0x... hexadecimal)\n"
"      --index=N     the page index\n"
"      --json        a JSON array of {id, ts, pid, comm, event, kind, first,\n"
"                    last, pc_state, ext_state}\n"
"  -h, --help        show this help\n"
"\n"
"Task and event names from the database are made safe for the terminal\n"
"(control characters and invalid UTF-8 shown escaped, \\x1b).\n"
"\n"
"exit status: 0 on success, 1 if DB cannot be read or the output cannot\n"
"be written, 2 on a usage error.\n";

struct row {
	struct tl_entry t;
	char pc[12], ext[12];
};

struct ctx {
	struct row *rows;
	int n;
	int truncated;
};

static int collect(void *c_, const struct tl_entry *t)
{
	struct ctx *c = c_;

	if (c->n >= MAX_ROWS) {
		c->truncated = 1;
		return 1;
	}
	c->rows[c->n].t = *t;
	snprintf(c->rows[c->n].pc, sizeof(c->rows[c->n].pc), "%s", t->pc);
	snprintf(c->rows[c->n].ext, sizeof(c->rows[c->n].ext), "%s", t->ext);
	c->n++;
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

/* A lane heading "comm/pid" in 28 columns: the comm made safe and cut. */
static void lane_head(const char *comm, int pid)
{
	char num[16], safe[160];
	size_t cols;

	snprintf(num, sizeof(num), "/%d", pid);
	cols = ft_term_safe(safe, sizeof(safe), comm ? comm : "?", 28 - strlen(num));
	printf(" %s%s%*s", safe, num, (int)(28 - cols - strlen(num)), "");
}

#define Q_COMM "SELECT comm FROM tasks WHERE pid = ?"
#define Q_EVENT "SELECT name FROM event_types WHERE id = ?"

int cmd_timeline(int argc, char **argv, struct ft_err *e)
{
	static const struct option opts[] = {
		{ "ino", required_argument, NULL, 'i' },
		{ "index", required_argument, NULL, 'x' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct ctx c = { 0 };
	struct store *s = NULL;
	int64_t ino = -1, index = -1;
	int json = 0, ch, ret = FT_EXIT_FAIL;
	int lanes[MAX_LANES], nl = 0;
	sqlite3_stmt *q_comm = NULL, *q_event = NULL;
	char *end;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'i':
			ino = strtoll(optarg, &end, 0);
			if (*end || ino < 0)
				return cmd_usage_error("timeline", "--ino wants an inode number");
			break;
		case 'x':
			index = strtoll(optarg, &end, 0);
			if (*end || index < 0)
				return cmd_usage_error("timeline", "--index wants a page index");
			break;
		case 'j': json = 1; break;
		case 'h': return cmd_help(cmd_timeline_usage);
		default: return cmd_usage_error("timeline", "unknown option");
		}
	}
	if (optind != argc - 1 || ino < 0)
		return cmd_usage_error("timeline", "wants --ino INO and one DB");
	if (store_open(&s, argv[optind], STORE_READONLY, e) < 0)
		return FT_EXIT_FAIL;
	c.rows = malloc(MAX_ROWS * sizeof(*c.rows));
	if (!c.rows) {
		ft_error(e, -1, "out of memory");
		goto out;
	}
	if (timeline_run(s, ino, index, collect, &c, e) < 0)
		goto out;
	for (int i = 0; i < c.n && nl < MAX_LANES; i++) {
		int k;

		for (k = 0; k < nl && lanes[k] != c.rows[i].t.pid; k++)
			;
		if (k == nl)
			lanes[nl++] = c.rows[i].t.pid;
	}
	if (json)
		putchar('[');
	else {
		printf("%-18s", "time (s)");
		for (int k = 0; k < nl; k++) {
			char *comm = lookup(store_db(s), &q_comm, Q_COMM, lanes[k]);

			lane_head(comm, lanes[k]);
			free(comm);
		}
		printf(" %-13s %-9s %s\n", "pages", "cache", "extent");
	}
	for (int i = 0; i < c.n && !ferror(stdout); i++) {
		struct row *r = &c.rows[i];
		char *name = lookup(store_db(s), &q_event, Q_EVENT, r->t.type_id);

		if (json) {
			char *comm = lookup(store_db(s), &q_comm, Q_COMM, r->t.pid);

			printf("%s{\"id\":%lld,\"ts\":%lld,\"pid\":%d,\"comm\":", i ? ",\n" : "",
			       (long long)r->t.id, (long long)r->t.ts, r->t.pid);
			json_str(stdout, comm);
			printf(",\"event\":");
			json_str(stdout, name);
			printf(",\"kind\":");
			json_str(stdout, ft_kind_name(r->t.kind));
			printf(",\"first\":%lld,\"last\":%lld,\"pc_state\":\"%s\",\"ext_state\":\"%s\"}",
			       (long long)r->t.first, (long long)r->t.last, r->pc, r->ext);
			free(comm);
		} else {
			char pages[32];

			printf("%-18.9f", r->t.ts / 1e9);
			for (int k = 0; k < nl; k++) {
				putchar(' ');
				ft_term_put(stdout, lanes[k] == r->t.pid ? (name ? name : "?") : "",
					    28, 28);
			}
			snprintf(pages, sizeof(pages), "%lld-%lld", (long long)r->t.first,
				 (long long)r->t.last);
			printf(" %-13s %-9s %s\n", pages, r->pc, r->ext);
		}
		free(name);
	}
	if (lookup_failed) {
		fflush(stdout);
		ft_error(e, -1, "%s: reading task and event names: %s", argv[optind],
			 sqlite3_errmsg(store_db(s)));
		goto out;
	}
	if (json)
		printf("]\n");
	else if (c.truncated)
		printf("(stopped after %d events: give --index)\n", MAX_ROWS);
	else if (!c.n)
		printf("(no events touch inode %lld%s)\n", (long long)ino, index >= 0 ? " at that index" : "");
	ret = FT_EXIT_OK;
out:
	sqlite3_finalize(q_comm);
	sqlite3_finalize(q_event);
	free(c.rows);
	store_close(s);
	return ret;
}
