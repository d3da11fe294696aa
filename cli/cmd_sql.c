/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd_sql.c - foliotrace sql: one read-only query, printed as a table. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "../core/json.h"
#include "../core/store.h"

const char cmd_sql_usage[] =
"usage: foliotrace sql [--csv | --json] DB QUERY\n"
"\n"
"Run one read-only SQL statement on a foliotrace database and print the\n"
"result.  The database is opened read-only: statements that would change\n"
"it are refused.  Useful tables and views: events_v (events with names),\n"
"events, event_types, event_fields, tasks, traces, lost, kinds, symbols;\n"
"docs/schema.md describes them.  ft_field(type_id, payload, 'name') decodes\n"
"any recorded field from an event's raw payload.\n"
"\n"
"options:\n"
"      --csv       comma-separated values with a header line (RFC 4180)\n"
"      --json      a JSON array with one object per row\n"
"  -h, --help      show this help\n"
"\n"
"exit status: 0 on success, 1 if the query fails, 2 on a usage error.\n"
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
	int ncol = sqlite3_column_count(st), nrows = 0, rc, *w;
	char **cells;

	w = calloc((size_t)ncol + 1, sizeof(*w));
	cells = calloc((size_t)TABLE_SAMPLE * (size_t)(ncol + 1), sizeof(*cells));
	if (!w || !cells) {
		free(w);
		free(cells);
		return ft_error(e, -1, "out of memory");
	}
	for (int i = 0; i < ncol; i++)
		w[i] = (int)strlen(sqlite3_column_name(st, i));
	/* Widths come from the first TABLE_SAMPLE rows; the rest stream. */
	while (nrows < TABLE_SAMPLE && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (int i = 0; i < ncol; i++) {
			char *t = cell_text(st, i);
			int len = t ? (int)strlen(t) : 0;

			cells[(size_t)nrows * (size_t)ncol + (size_t)i] = t;
			if (len > w[i])
				w[i] = len > 60 ? 60 : len;
		}
		nrows++;
	}
	for (int i = 0; i < ncol; i++)
		printf("%s%-*s", i ? "  " : "", w[i], sqlite3_column_name(st, i));
	putchar('\n');
	for (int i = 0; i < ncol; i++) {
		printf("%s", i ? "  " : "");
		for (int k = 0; k < w[i]; k++)
			putchar('-');
	}
	putchar('\n');
	for (int r = 0; r < nrows; r++) {
		for (int i = 0; i < ncol; i++) {
			char *t = cells[(size_t)r * (size_t)ncol + (size_t)i];

			printf("%s%-*s", i ? "  " : "", w[i], t ? t : "");
			free(t);
		}
		putchar('\n');
	}
	if (nrows == TABLE_SAMPLE) {
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			for (int i = 0; i < ncol; i++) {
				char *t = cell_text(st, i);

				printf("%s%-*s", i ? "  " : "", w[i], t ? t : "");
				free(t);
			}
			putchar('\n');
		}
	}
	free(w);
	free(cells);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int run(sqlite3_stmt *st, enum fmt fmt, struct ft_err *e)
{
	int ncol = sqlite3_column_count(st), rc, first = 1;

	if (fmt == FMT_TABLE)
		return run_table(st, e);
	if (fmt == FMT_CSV) {
		for (int i = 0; i < ncol; i++) {
			if (i)
				putchar(',');
			csv_cell(sqlite3_column_name(st, i));
		}
		printf("\r\n");
	} else {
		putchar('[');
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (fmt == FMT_CSV) {
			for (int i = 0; i < ncol; i++) {
				char *t = sqlite3_column_type(st, i) == SQLITE_NULL ? strdup("") :
					  cell_text(st, i);

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
	if (fmt == FMT_JSON)
		printf("]\n");
	return rc == SQLITE_DONE ? 0 : -1;
}

int cmd_sql(int argc, char **argv, struct ft_err *e)
{
	static const struct option opts[] = {
		{ "csv", no_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	enum fmt fmt = FMT_TABLE;
	struct store *s = NULL;
	sqlite3_stmt *st = NULL;
	const char *tail = NULL, *db_path, *query;
	int c, ret = FT_EXIT_FAIL;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': fmt = FMT_CSV; break;
		case 'j': fmt = FMT_JSON; break;
		case 'h': return cmd_help(cmd_sql_usage);
		default: return cmd_usage_error("sql", "unknown option");
		}
	}
	if (argc - optind != 2)
		return cmd_usage_error("sql", "wants DB and QUERY");
	db_path = argv[optind];
	query = argv[optind + 1];
	if (store_open(&s, db_path, STORE_READONLY, e) < 0)
		return FT_EXIT_FAIL;
	if (sqlite3_prepare_v2(store_db(s), query, -1, &st, &tail) != SQLITE_OK) {
		ft_error(e, -1, "%s: %s", db_path, sqlite3_errmsg(store_db(s)));
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
