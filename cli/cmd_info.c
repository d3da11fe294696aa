/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd_info.c - foliotrace info: summarise a database. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "../core/vocab.h"
#include "../core/json.h"
#include "../core/store.h"
#include "../core/termsafe.h"

const char cmd_info_usage[] =
"usage: foliotrace info [--json] DB\n"
"\n"
"Summarise a foliotrace database: for each trace its source, host, kernel\n"
"release, trace clock, cpus, time span, number of events and lost events\n"
"(per cpu and time range), then the event counts by type and the inodes\n"
"with the most events.  A trace whose import or recording did not finish\n"
"is marked INCOMPLETE.  Records the import skipped (of event types the\n"
"trace does not describe, or overlong) and events whose timestamp is\n"
"earlier than one before them are counted.  Text from the database is made\n"
"safe for the terminal (control characters shown escaped, \\x1b).\n"
"\n"
"options:\n"
"      --json      print one JSON object instead: {\"traces\": [...],\n"
"                  \"event_counts\": {NAME: COUNT, ...}, \"kinds\": {...},\n"
"                  \"inodes\": [...], \"lost\": [...]}; event names are\n"
"                  given without their system (\"xfs_ilock\")\n"
"  -n, --top=N     inodes to list (default 10)\n"
"  -v, --verbose   how DB is opened and the time taken, on stderr\n"
"  -h, --help      show this help\n"
"\n"
"exit status: 0 on success, 1 if DB cannot be read as a foliotrace\n"
"database, 2 on a usage error.\n";

struct q {
	sqlite3 *db;
	sqlite3_stmt *st;
};

static int q_prep(struct q *q, const char *sql, struct ft_err *e)
{
	if (sqlite3_prepare_v2(q->db, sql, -1, &q->st, NULL) != SQLITE_OK)
		return ft_error(e, -1, "query failed: %s", sqlite3_errmsg(q->db));
	return 0;
}

/* 1: a row, 0: the end, < 0: the query failed (a damaged file), in e */
static int q_row(struct q *q, struct ft_err *e)
{
	int rc = sqlite3_step(q->st);

	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return ft_error(e, -1, "query failed: %s", sqlite3_errmsg(q->db));
}

static const char *txt(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s ? (const char *)s : NULL;
}

/* Database text for the terminal: made safe, "?" for NULL. */
static const char *tt(sqlite3_stmt *st, int i)
{
	return txt(st, i) ? ft_term_s(txt(st, i)) : "?";
}

static void print_ns(int64_t ns)
{
	printf("%" PRId64 ".%09" PRId64, ns / 1000000000, ns % 1000000000);
}

/* Three columns from the trace's meta rows: skipped records, clock order. */
#define META1(k) "coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'trace:' || " \
	"traces.id || ':" k "'), 0)"
#define META3 META1("undescribed") ", " META1("overlong") ", " META1("ts_backwards")

static int text_out(sqlite3 *db, int top, struct ft_err *e)
{
	struct q q = { db, NULL };
	int ret;

	ret = q_prep(&q, "SELECT id, source, coalesce(host, '?'), coalesce(kernel_release, '?'), "
		     "coalesce(clock, '?'), cpus, file_version, compression, first_ts, last_ts, "
		     "n_events, lost_events, lost_unknown, complete, tool, created_at, "
		     "(SELECT group_concat(CASE name WHEN '' THEN '(top)' ELSE name END, ', ') "
		     " FROM buffers b WHERE b.trace_id = traces.id), " META3 " FROM traces ORDER BY id", e);
	if (ret < 0)
		return ret;
	while ((ret = q_row(&q, e)) > 0) {
		int64_t first = sqlite3_column_int64(q.st, 8), last = sqlite3_column_int64(q.st, 9);

		printf("trace %lld: %s%s\n", sqlite3_column_int64(q.st, 0), tt(q.st, 1),
		       sqlite3_column_int(q.st, 13) ? "" : "  ** INCOMPLETE **");
		printf("  host      %s\n  kernel    %s\n  clock     %s\n", tt(q.st, 2),
		       tt(q.st, 3), tt(q.st, 4));
		printf("  cpus      %d\n", sqlite3_column_int(q.st, 5));
		if (sqlite3_column_type(q.st, 6) == SQLITE_NULL)
			printf("  file      none (recorded live)\n");
		else
			printf("  file      version %d, %s\n", sqlite3_column_int(q.st, 6),
			       txt(q.st, 7) && *txt(q.st, 7) ? tt(q.st, 7) : "uncompressed");
		printf("  buffers   %s\n", txt(q.st, 16) ? tt(q.st, 16) : "-");
		printf("  span      ");
		print_ns(last - first);
		printf(" s (");
		print_ns(first);
		printf(" .. ");
		print_ns(last);
		printf(")\n  events    %lld\n", sqlite3_column_int64(q.st, 10));
		printf("  lost      %lld%s\n", sqlite3_column_int64(q.st, 11),
		       sqlite3_column_int64(q.st, 12) ? " (+ gaps of unknown size)" : "");
		printf("  made by   %s at %s\n", tt(q.st, 14), tt(q.st, 15));
		if (sqlite3_column_int64(q.st, 17) || sqlite3_column_int64(q.st, 18))
			printf("  skipped   %lld records of event types the trace does not describe, "
			       "%lld overlong records\n", sqlite3_column_int64(q.st, 17),
			       sqlite3_column_int64(q.st, 18));
		if (sqlite3_column_int64(q.st, 19))
			printf("  order     %lld events have a timestamp earlier than an event before "
			       "them (time ranges may miss them)\n", sqlite3_column_int64(q.st, 19));
	}
	sqlite3_finalize(q.st);
	if (ret < 0)
		return ret;

	ret = q_prep(&q, "SELECT l.cpu, l.kind, l.count, l.ts_before, l.ts_after, "
		     "CASE b.name WHEN '' THEN '(top)' ELSE b.name END "
		     "FROM lost l JOIN buffers b ON b.id = l.buffer_id ORDER BY l.id LIMIT 50", e);
	if (ret < 0)
		return ret;
	for (int first = 1; (ret = q_row(&q, e)) > 0; first = 0) {
		if (first)
			printf("\nlost events:\n");
		printf("  buffer %s cpu %d: %s %lld", tt(q.st, 5), sqlite3_column_int(q.st, 0),
		       tt(q.st, 1), sqlite3_column_int64(q.st, 2));
		if (sqlite3_column_type(q.st, 4) != SQLITE_NULL) {
			printf(" between ");
			if (sqlite3_column_type(q.st, 3) != SQLITE_NULL)
				print_ns(sqlite3_column_int64(q.st, 3));
			else
				printf("start");
			printf(" and ");
			print_ns(sqlite3_column_int64(q.st, 4));
		}
		printf("\n");
	}
	sqlite3_finalize(q.st);
	if (ret < 0)
		return ret;

	ret = q_prep(&q, "SELECT et.system, et.name, sum(et.n_events), k.name FROM event_types et "
		     "JOIN kinds k ON k.id = et.kind GROUP BY et.system, et.name "
		     "ORDER BY 3 DESC, 1, 2", e);
	if (ret < 0)
		return ret;
	printf("\nevent counts:\n");
	while ((ret = q_row(&q, e)) > 0)
		printf("  %10lld  %s:%s%s%s\n", sqlite3_column_int64(q.st, 2), tt(q.st, 0),
		       tt(q.st, 1), strcmp(tt(q.st, 3), "other") ? "  -> " : "",
		       strcmp(tt(q.st, 3), "other") ? tt(q.st, 3) : "");
	sqlite3_finalize(q.st);
	if (ret < 0)
		return ret;

	{
		char sql[640];	/* most severe first: core/vocab.h */

		snprintf(sql, sizeof(sql), "SELECT verdict, count(*) FROM windows GROUP BY verdict "
			 "ORDER BY %s", ft_verdict_severity_sql());
		ret = q_prep(&q, sql, e);
	}
	if (ret < 0)
		return ret;
	for (int first = 1; (ret = q_row(&q, e)) > 0; first = 0)
		printf("%s%s %lld", first ? "\nwindows (foliotrace windows lists them): " : ", ",
		       tt(q.st, 0), sqlite3_column_int64(q.st, 1));
	sqlite3_finalize(q.st);
	if (ret < 0)
		return ret;
	printf("\n");
	ret = q_prep(&q, "SELECT value FROM meta WHERE key LIKE 'analysis:%:lost_folios' "
		     "ORDER BY key DESC LIMIT 1", e);
	if (ret < 0)
		return ret;
	if ((ret = q_row(&q, e)) > 0) {
		long long lost = 0, expl = 0, unexpl = 0;

		if (sscanf(tt(q.st, 0), "%lld %lld %lld", &lost, &expl, &unexpl) == 3)
			printf("lost folios (dirty data written back over a hole, or dropped): %lld; "
			       "explained by windows %lld, by none %lld%s\n", lost, expl, unexpl,
			       unexpl ? " (family folio_loss)" : "");
	}
	sqlite3_finalize(q.st);
	if (ret < 0)
		return ret;

	ret = q_prep(&q, "SELECT dev >> 20, dev & 1048575, ino, count(*), min(ts), max(ts) "
		     "FROM events WHERE ino IS NOT NULL AND dev IS NOT NULL "
		     "GROUP BY dev, ino ORDER BY 4 DESC LIMIT ?", e);
	if (ret < 0)
		return ret;
	sqlite3_bind_int(q.st, 1, top);
	printf("\ninodes (most events first):\n");
	while ((ret = q_row(&q, e)) > 0)
		printf("  dev %d:%d ino %lld (0x%llx): %lld events\n", sqlite3_column_int(q.st, 0),
		       sqlite3_column_int(q.st, 1), sqlite3_column_int64(q.st, 2),
		       sqlite3_column_int64(q.st, 2), sqlite3_column_int64(q.st, 3));
	sqlite3_finalize(q.st);
	if (ret < 0)
		return ret;
	return 0;
}

/* Prints {"name": count, ...} from a query giving (name, count) rows. */
static int json_name_counts(sqlite3 *db, const char *sql, struct ft_err *e)
{
	struct q q = { db, NULL };
	int first, ret;

	if (q_prep(&q, sql, e) < 0)
		return -1;
	putchar('{');
	for (first = 1; (ret = q_row(&q, e)) > 0; first = 0) {
		printf("%s", first ? "" : ",");
		json_str(stdout, txt(q.st, 0));
		printf(":%lld", sqlite3_column_int64(q.st, 1));
	}
	putchar('}');
	sqlite3_finalize(q.st);
	if (ret < 0)
		return ret;
	return 0;
}

static int json_out(sqlite3 *db, int top, struct ft_err *e)
{
	struct q q = { db, NULL };
	int ret, first;

	printf("{\"traces\":[");
	ret = q_prep(&q, "SELECT id, source, host, kernel_release, clock, cpus, file_version, "
		     "compression, first_ts, last_ts, n_events, lost_events, lost_unknown, "
		     "complete, tool, uname, page_size, " META3 " FROM traces ORDER BY id", e);
	if (ret < 0)
		return ret;
	for (first = 1; (ret = q_row(&q, e)) > 0; first = 0) {
		printf("%s{\"id\":%lld,\"source\":", first ? "" : ",", sqlite3_column_int64(q.st, 0));
		json_str(stdout, txt(q.st, 1));
		printf(",\"host\":");
		json_str(stdout, txt(q.st, 2));
		printf(",\"kernel_release\":");
		json_str(stdout, txt(q.st, 3));
		printf(",\"clock\":");
		json_str(stdout, txt(q.st, 4));
		printf(",\"cpus\":%d,\"file_version\":%d,\"compression\":",
		       sqlite3_column_int(q.st, 5), sqlite3_column_int(q.st, 6));
		json_str(stdout, txt(q.st, 7));
		printf(",\"first_ts\":%lld,\"last_ts\":%lld,\"events\":%lld,\"lost_events\":%lld,"
		       "\"lost_unknown\":%lld,\"complete\":%s,\"tool\":",
		       sqlite3_column_int64(q.st, 8), sqlite3_column_int64(q.st, 9),
		       sqlite3_column_int64(q.st, 10), sqlite3_column_int64(q.st, 11),
		       sqlite3_column_int64(q.st, 12), sqlite3_column_int(q.st, 13) ? "true" : "false");
		json_str(stdout, txt(q.st, 14));
		printf(",\"uname\":");
		json_str(stdout, txt(q.st, 15));
		printf(",\"page_size\":%d,\"undescribed_records\":%lld,\"overlong_records\":%lld,"
		       "\"ts_backwards\":%lld}", sqlite3_column_int(q.st, 16),
		       sqlite3_column_int64(q.st, 17), sqlite3_column_int64(q.st, 18),
		       sqlite3_column_int64(q.st, 19));
	}
	sqlite3_finalize(q.st);
	if (ret < 0)
		return ret;

	printf("],\"event_counts\":");
	ret = json_name_counts(db, "SELECT name, sum(n_events) FROM event_types "
			       "GROUP BY name ORDER BY name", e);
	if (ret < 0)
		return ret;
	printf(",\"kinds\":");
	ret = json_name_counts(db, "SELECT k.name, count(*) FROM events e JOIN kinds k "
			       "ON k.id = e.kind GROUP BY e.kind ORDER BY k.name", e);
	if (ret < 0)
		return ret;

	printf(",\"windows\":");
	ret = json_name_counts(db, "SELECT verdict, count(*) FROM windows GROUP BY verdict "
			       "ORDER BY verdict", e);
	if (ret < 0)
		return ret;
	ret = q_prep(&q, "SELECT value FROM meta WHERE key LIKE 'analysis:%:lost_folios' "
		     "ORDER BY key DESC LIMIT 1", e);
	if (ret < 0)
		return ret;
	{
		long long lost = 0, expl = 0, unexpl = 0;
		int have = (ret = q_row(&q, e)) > 0 &&
			sscanf(tt(q.st, 0), "%lld %lld %lld", &lost, &expl, &unexpl) == 3;

		if (have)
			printf(",\"lost_folios\":{\"total\":%lld,\"explained\":%lld,"
			       "\"unexplained\":%lld}", lost, expl, unexpl);
		else
			printf(",\"lost_folios\":null");
	}
	sqlite3_finalize(q.st);
	if (ret < 0)
		return ret;

	printf(",\"inodes\":[");
	ret = q_prep(&q, "SELECT dev, ino, count(*) FROM events WHERE ino IS NOT NULL AND dev "
		     "IS NOT NULL GROUP BY dev, ino ORDER BY 3 DESC LIMIT ?", e);
	if (ret < 0)
		return ret;
	sqlite3_bind_int(q.st, 1, top);
	for (first = 1; (ret = q_row(&q, e)) > 0; first = 0) {
		int64_t dev = sqlite3_column_int64(q.st, 0);

		printf("%s{\"dev\":\"%lld:%lld\",\"ino\":%lld,\"events\":%lld}", first ? "" : ",",
		       (long long)(dev >> 20), (long long)(dev & 0xfffff),
		       sqlite3_column_int64(q.st, 1), sqlite3_column_int64(q.st, 2));
	}
	sqlite3_finalize(q.st);
	if (ret < 0)
		return ret;

	printf("],\"lost\":[");
	ret = q_prep(&q, "SELECT b.name, l.cpu, l.kind, l.count, l.ts_before, l.ts_after FROM lost l "
		     "JOIN buffers b ON b.id = l.buffer_id ORDER BY l.id", e);
	if (ret < 0)
		return ret;
	for (first = 1; (ret = q_row(&q, e)) > 0; first = 0) {
		printf("%s{\"buffer\":", first ? "" : ",");
		json_str(stdout, txt(q.st, 0));
		printf(",\"cpu\":%d,\"kind\":", sqlite3_column_int(q.st, 1));
		json_str(stdout, txt(q.st, 2));
		printf(",\"count\":%lld,\"ts_before\":", sqlite3_column_int64(q.st, 3));
		if (sqlite3_column_type(q.st, 4) == SQLITE_NULL)
			printf("null");
		else
			printf("%lld", sqlite3_column_int64(q.st, 4));
		printf(",\"ts_after\":");
		if (sqlite3_column_type(q.st, 5) == SQLITE_NULL)
			printf("null}");
		else
			printf("%lld}", sqlite3_column_int64(q.st, 5));
	}
	sqlite3_finalize(q.st);
	if (ret < 0)
		return ret;
	printf("]}\n");
	return 0;
}

int cmd_info(int argc, char **argv, struct ft_err *e)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "top", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	struct store *s = NULL;
	int json = 0, top = 10, c, ret;
	long long v;
	struct cmd_getopt g = CMD_GETOPT("n:", opts, cmd_info_usage);

	while ((c = cmd_getopt(&g, argc, argv)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'n':
			if (cmd_parse_int(optarg, 1, 100000, &v) < 0)
				return cmd_usage_error("info", "--top wants a count from 1 to 100000, got "
						       "'%s'", optarg);
			top = (int)v;
			break;
		case CMD_DONE: return g.status;
		}
	}
	if (optind != argc - 1)
		return cmd_usage_error("info", optind >= argc ? "missing DB" : "one database at a time");
	ret = cmd_db_open(&s, argv[optind], e);
	if (ret < 0)
		return FT_EXIT_FAIL;
	ret = json ? json_out(store_db(s), top, e) : text_out(store_db(s), top, e);
	if (ret < 0)
		ft_err_prefix(e, argv[optind]);
	store_close(s);
	fflush(stdout);
	return ret < 0 ? FT_EXIT_FAIL : FT_EXIT_OK;
}
