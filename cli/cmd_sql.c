/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd_sql.c - foliotrace sql: one read-only query, printed as a table. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "../core/json.h"
#include "../core/store.h"
#include "../core/termsafe.h"

const char cmd_sql_usage[] =
"usage: foliotrace sql [--csv | --json] [--timeout T] [--max-memory SIZE]\n"
"                      DB QUERY\n"
"\n"
"Run one read-only SQL statement on a foliotrace database and print the\n"
"result.  The database is opened read-only: statements that would change\n"
"it are refused, and so are ATTACH, DETACH, fts3_tokenizer(),\n"
"load_extension() and pragmas that lift the protections (SQLite's\n"
"defensive mode is on).  Useful tables and views: events_v (events with\n"
"names), events, event_types, event_fields, tasks, traces, lost, kinds,\n"
"symbols; docs/schema.md describes them.  ft_field(type_id, payload, 'name')\n"
"decodes any recorded field from an event's raw payload.\n"
"\n"
"The table output makes text safe for the terminal: control characters,\n"
"C1 controls and invalid UTF-8 are shown escaped (\\x1b, \\u009b), a\n"
"backslash as \\\\.  --csv writes the database's bytes exactly when stdout is\n"
"not a terminal (a file, a pipe) and the escaped form on a terminal;\n"
"--json keeps valid UTF-8 and escapes controls (\\u001b), invalid bytes\n"
"become \\ufffd.  The table's columns are as wide as their values in the\n"
"first 1000 rows (60 columns at most); on a terminal each line is cut to\n"
"its width, the cut marked with \"…\" and a last line saying so; piped or\n"
"redirected, lines are whole.\n"
"\n"
"options:\n"
"      --csv       comma-separated values with a header line (RFC 4180)\n"
"      --json      a JSON array with one object per row\n"
"      --timeout=T stop the query after T, seconds with an optional unit\n"
"                  (default 300; 1.5s, 200ms; 0: no limit)\n"
"      --max-memory=SIZE\n"
"                  stop the query when SQLite holds more than SIZE of memory\n"
"                  (K, M, G suffixes; default 2G; 0: no limit)\n"
"  -v, --verbose   how DB is opened and the time taken, on stderr\n"
"  -h, --help      show this help\n"
"\n"
"exit status: 0 on success, 1 if the query fails, goes beyond a limit or\n"
"the output cannot be written, 2 on a usage error.\n"
"\n"
"example:\n"
"  foliotrace sql trace.db \"SELECT event, count(*) FROM events_v GROUP BY 1\"\n";

enum fmt { FMT_TABLE, FMT_CSV, FMT_JSON };

#define TABLE_SAMPLE 2000

static char *cell_text(sqlite3_stmt *st, int i)
{
	char *out = NULL;

	switch (sqlite3_column_type(st, i)) {
	case SQLITE_NULL:
		return strdup("NULL");
	case SQLITE_BLOB: {
		const unsigned char *b = sqlite3_column_blob(st, i);
		int n = sqlite3_column_bytes(st, i), shown = n > 32 ? 32 : n;

		out = malloc((size_t)shown * 2 + 8);
		if (!out)
			return NULL;
		strcpy(out, "x'");
		for (int k = 0; k < shown; k++)
			sprintf(out + 2 + k * 2, "%02x", b[k]);
		strcat(out, n > shown ? "..'" : "'");
		return out;
	}
	default:
		return strdup((const char *)sqlite3_column_text(st, i));
	}
}

/* A cell for the table: made safe for the terminal. */
static char *cell_safe(sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_TEXT) {
		const char *t = (const char *)sqlite3_column_text(st, i);

		return ft_term_dupn(t, t ? (size_t)sqlite3_column_bytes(st, i) : 0);
	}
	return cell_text(st, i);
}

/* A safe cell, padded to w columns. */
static void put_padded(FILE *f, const char *t, int w)
{
	size_t cols = ft_term_width(t);

	fputs(t, f);
	for (size_t k = cols; k < (size_t)(w > 0 ? w : 0); k++)
		fputc(' ', f);
}

/*
 * The table's lines: each is built whole, then cut to the terminal's width
 * (width > 0: stdout is one) with the marker; piped, it is printed whole.
 */
struct tline {
	char *buf;
	size_t len;
	FILE *f;
	int width;
	size_t cut;
};

static FILE *line_begin(struct tline *l)
{
	l->buf = NULL;
	l->f = open_memstream(&l->buf, &l->len);
	return l->f ? l->f : stdout;
}

static void line_end(struct tline *l)
{
	if (!l->f) {
		putchar('\n');
		return;
	}
	fclose(l->f);
	if (l->width > 0)
		l->cut += (size_t)cmd_fit(&l->buf, (size_t)l->width);
	printf("%s\n", l->buf);
	free(l->buf);
}

static void csv_cell(const char *s)
{
	if (!strpbrk(s, ",\"\n\r")) {
		fputs(s, stdout);
		return;
	}
	putchar('"');
	for (; *s; s++) {
		if (*s == '"')
			putchar('"');
		putchar(*s);
	}
	putchar('"');
}

static void json_cell(sqlite3_stmt *st, int i)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_NULL: fputs("null", stdout); break;
	case SQLITE_INTEGER: printf("%lld", sqlite3_column_int64(st, i)); break;
	case SQLITE_FLOAT: printf("%.17g", sqlite3_column_double(st, i)); break;
	case SQLITE_BLOB: {
		const unsigned char *b = sqlite3_column_blob(st, i);
		int n = sqlite3_column_bytes(st, i);

		putchar('"');
		for (int k = 0; k < n; k++)
			printf("%02x", b[k]);
		putchar('"');
		break;
	}
	default:
		json_strn(stdout, (const char *)sqlite3_column_text(st, i),
			  (size_t)sqlite3_column_bytes(st, i));
	}
}

static int run_table(sqlite3_stmt *st, struct ft_err *e)
{
	int ncol = sqlite3_column_count(st), nrows = 0, rc = SQLITE_DONE, *w;
	struct tline l = { .width = cmd_out_width() };
	char **cells, **names;
	FILE *f;

	w = calloc((size_t)ncol + 1, sizeof(*w));
	names = calloc((size_t)ncol + 1, sizeof(*names));
	cells = calloc((size_t)TABLE_SAMPLE * (size_t)(ncol + 1), sizeof(*cells));
	if (!w || !cells || !names) {
		free(w);
		free(cells);
		free(names);
		return ft_error(e, -1, "out of memory");
	}
	/* column names may come from the file too (a view's) */
	for (int i = 0; i < ncol; i++) {
		const char *nm = sqlite3_column_name(st, i);

		names[i] = ft_term_dupn(nm, nm ? strlen(nm) : 0);
		w[i] = names[i] ? (int)ft_term_width(names[i]) : 0;
	}
	/* Widths come from the first TABLE_SAMPLE rows; the rest stream. */
	while (nrows < TABLE_SAMPLE && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (int i = 0; i < ncol; i++) {
			char *t = cell_safe(st, i);
			int len = t ? (int)ft_term_width(t) : 0;

			cells[(size_t)nrows * (size_t)ncol + (size_t)i] = t;
			if (len > w[i])
				w[i] = len > 60 ? 60 : len;
		}
		nrows++;
	}
	f = line_begin(&l);
	for (int i = 0; i < ncol; i++) {
		fputs(i ? "  " : "", f);
		put_padded(f, names[i] ? names[i] : "", w[i]);
	}
	line_end(&l);
	f = line_begin(&l);
	for (int i = 0; i < ncol; i++) {
		fprintf(f, "%s", i ? "  " : "");
		for (int k = 0; k < w[i]; k++)
			fputc('-', f);
	}
	line_end(&l);
	for (int r = 0; r < nrows; r++) {
		f = line_begin(&l);
		for (int i = 0; i < ncol; i++) {
			char *t = cells[(size_t)r * (size_t)ncol + (size_t)i];

			fputs(i ? "  " : "", f);
			put_padded(f, t ? t : "", w[i]);
			free(t);
		}
		line_end(&l);
	}
	if (nrows == TABLE_SAMPLE && rc == SQLITE_ROW) {
		while (!ferror(stdout) && (rc = sqlite3_step(st)) == SQLITE_ROW) {
			f = line_begin(&l);
			for (int i = 0; i < ncol; i++) {
				char *t = cell_safe(st, i);

				fputs(i ? "  " : "", f);
				put_padded(f, t ? t : "", w[i]);
				free(t);
			}
			line_end(&l);
		}
	}
	if (l.cut)
		printf("(lines cut to %d columns at " FT_TERM_CUT_MARK "; piped, they are whole)\n",
		       l.width);
	for (int i = 0; i < ncol; i++)
		free(names[i]);
	free(names);
	free(w);
	free(cells);
	if (rc == SQLITE_ROW)
		return 0;	/* stdout failed: main() reports it */
	return rc == SQLITE_DONE ? 0 : -1;
}

static int run(sqlite3_stmt *st, enum fmt fmt, struct ft_err *e)
{
	int ncol = sqlite3_column_count(st), rc, first = 1;
	/* CSV is the data, byte for byte, unless a terminal shows it */
	int safe = fmt == FMT_CSV && isatty(STDOUT_FILENO);

	if (fmt == FMT_TABLE)
		return run_table(st, e);
	if (fmt == FMT_CSV) {
		for (int i = 0; i < ncol; i++) {
			const char *nm = sqlite3_column_name(st, i);
			char *t = safe ? ft_term_dupn(nm, nm ? strlen(nm) : 0) : NULL;

			if (i)
				putchar(',');
			csv_cell(t ? t : nm ? nm : "");
			free(t);
		}
		printf("\r\n");
	} else {
		putchar('[');
	}
	while (!ferror(stdout) && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (fmt == FMT_CSV) {
			for (int i = 0; i < ncol; i++) {
				char *t = sqlite3_column_type(st, i) == SQLITE_NULL ? strdup("") :
					  safe ? cell_safe(st, i) : cell_text(st, i);

				if (i)
					putchar(',');
				csv_cell(t ? t : "");
				free(t);
			}
			printf("\r\n");
			continue;
		}
		printf("%s{", first ? "" : ",\n");
		for (int i = 0; i < ncol; i++) {
			if (i)
				putchar(',');
			json_str(stdout, sqlite3_column_name(st, i));
			putchar(':');
			json_cell(st, i);
		}
		putchar('}');
		first = 0;
	}
	if (ferror(stdout))
		return 0;	/* main() reports it */
	if (fmt == FMT_JSON && rc == SQLITE_DONE)
		printf("]\n");
	return rc == SQLITE_DONE ? 0 : -1;
}

/* The query's limits: a deadline checked by the progress handler. */
static struct timespec deadline;

static int past_deadline(void *unused)
{
	struct timespec now;

	(void)unused;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > deadline.tv_sec ||
	       (now.tv_sec == deadline.tv_sec && now.tv_nsec >= deadline.tv_nsec);
}

/*
 * What a query on a hostile file may not do, on top of the read-only
 * connection: attach other files, read or set tokenizer pointers, load
 * code, or lift the connection's protections.
 */
static int authorize(void *unused, int action, const char *a1, const char *a2,
		     const char *db, const char *trigger)
{
	static const char *const pragmas[] = {
		"query_only", "trusted_schema", "writable_schema", "hard_heap_limit",
		"soft_heap_limit", "mmap_size", NULL,
	};

	(void)unused; (void)db; (void)trigger;
	switch (action) {
	case SQLITE_ATTACH:
	case SQLITE_DETACH:
		return SQLITE_DENY;
	case SQLITE_FUNCTION:
		if (a2 && (!strcasecmp(a2, "fts3_tokenizer") || !strcasecmp(a2, "load_extension")))
			return SQLITE_DENY;
		return SQLITE_OK;
	case SQLITE_PRAGMA:
		for (int i = 0; pragmas[i]; i++)
			if (a1 && !strcasecmp(a1, pragmas[i]))
				return SQLITE_DENY;
		return SQLITE_OK;
	default:
		return SQLITE_OK;
	}
}

/* Defensive mode, no FTS3 tokenizer pointers, no extensions, the limits. */
static int harden(sqlite3 *db, double timeout, long long max_mem)
{
	int on = -1;

	if (sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, &on) != SQLITE_OK || on != 1)
		return -1;
	if (sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_FTS3_TOKENIZER, 0, &on) != SQLITE_OK ||
	    on != 0)
		return -1;
	if (sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, &on) != SQLITE_OK ||
	    on != 0)
		return -1;
	sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, &on);
	if (sqlite3_set_authorizer(db, authorize, NULL) != SQLITE_OK)
		return -1;
	if (timeout > 0) {
		clock_gettime(CLOCK_MONOTONIC, &deadline);
		deadline.tv_sec += (time_t)timeout;
		deadline.tv_nsec += (long)((timeout - (double)(time_t)timeout) * 1e9);
		if (deadline.tv_nsec >= 1000000000) {
			deadline.tv_sec++;
			deadline.tv_nsec -= 1000000000;
		}
		sqlite3_progress_handler(db, 10000, past_deadline, NULL);
	}
	if (max_mem > 0)
		sqlite3_hard_heap_limit64(max_mem);
	return 0;
}

int cmd_sql(int argc, char **argv, struct ft_err *e)
{
	static const struct option opts[] = {
		{ "csv", no_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "timeout", required_argument, NULL, 't' },
		{ "max-memory", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 }
	};
	struct cmd_getopt g = CMD_GETOPT("", opts, cmd_sql_usage);
	enum fmt fmt = FMT_TABLE;
	struct store *s = NULL;
	sqlite3_stmt *st = NULL;
	const char *tail = NULL, *db_path, *query;
	int c, ret = FT_EXIT_FAIL, rc;
	double timeout = 300;
	long long max_mem = 2LL << 30;

	while ((c = cmd_getopt(&g, argc, argv)) != -1) {
		switch (c) {
		case 'c': fmt = FMT_CSV; break;
		case 'j': fmt = FMT_JSON; break;
		case 't':
			if (cmd_parse_seconds(optarg, 1e9, &timeout) < 0)
				return cmd_usage_error("sql", "--timeout wants a time such as 300, 1.5s or "
						       "200ms (0: no limit), got '%s'", optarg);
			break;
		case 'm':
			if (cmd_parse_size(optarg, &max_mem) < 0)
				return cmd_usage_error("sql", "--max-memory wants a size such as 512M or 4G "
						       "(0: no limit)");
			break;
		case CMD_DONE: return g.status;
		}
	}
	if (argc - optind != 2)
		return cmd_usage_error("sql", "wants DB and QUERY");
	db_path = argv[optind];
	query = argv[optind + 1];
	if (cmd_db_open(&s, db_path, e) < 0)
		return FT_EXIT_FAIL;
	if (harden(store_db(s), timeout, max_mem) < 0) {
		ft_error(e, -1, "%s: cannot set up the query's protections: %s", db_path,
			 sqlite3_errmsg(store_db(s)));
		goto out;
	}
	if (sqlite3_prepare_v2(store_db(s), query, -1, &st, &tail) != SQLITE_OK) {
		/* a write to a read-only virtual table (events) is refused at
		 * prepare, not by sqlite3_stmt_readonly() below: the same words */
		if (strstr(sqlite3_errmsg(store_db(s)), " may not be modified"))
			ft_error(e, -1, "%s: only read-only statements are allowed (%s)", db_path,
				 sqlite3_errmsg(store_db(s)));
		else
			ft_error(e, -1, "%s: %s%s", db_path, sqlite3_errmsg(store_db(s)),
				 sqlite3_errcode(store_db(s)) == SQLITE_AUTH ?
				 " (sql refuses ATTACH, DETACH, fts3_tokenizer(), load_extension() "
				 "and pragmas that lift its protections)" : "");
		goto out;
	}
	if (!st) {
		ft_error(e, -1, "%s: empty query", db_path);
		goto out;
	}
	while (tail && (*tail == ' ' || *tail == '\n' || *tail == '\t' || *tail == ';'))
		tail++;
	if (tail && *tail) {
		ft_error(e, -1, "%s: one statement at a time (extra text: '%.20s')", db_path, tail);
		goto out;
	}
	if (!sqlite3_stmt_readonly(st)) {
		ft_error(e, -1, "%s: only read-only statements are allowed", db_path);
		goto out;
	}
	if (run(st, fmt, e) < 0) {
		fflush(stdout);
		rc = sqlite3_errcode(store_db(s)) & 0xff;
		if (rc == SQLITE_INTERRUPT)
			ft_error(e, -1, "%s: the query ran longer than %g s (--timeout)", db_path,
				 timeout);
		else if (rc == SQLITE_NOMEM && max_mem > 0)
			ft_error(e, -1, "%s: the query needed more than %lld MiB of memory "
				 "(--max-memory)", db_path, max_mem >> 20);
		else
			ft_error(e, -1, "%s: %s", db_path, sqlite3_errmsg(store_db(s)));
		goto out;
	}
	ret = FT_EXIT_OK;
out:
	sqlite3_finalize(st);
	store_close(s);
	fflush(stdout);
	return ret;
}
