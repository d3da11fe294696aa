/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd_windows.c - foliotrace windows: list the unsafe windows of a database. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "../core/vocab.h"
#include "../analyze/analyze.h"
#include "../core/json.h"
#include "../core/termsafe.h"

const char cmd_windows_usage[] =
"usage: foliotrace windows [--verdict V] [--family F] [--json] DB\n"
"\n"
"List the windows 'foliotrace analyze' found, most severe first (loss,\n"
"hit, dropped, unsafe, unknown, protected), then in time order: id,\n"
"family, verdict, inode, page range, time span, tasks (writer first) and\n"
"the evidence (the lock that protects the window, or the racing events).\n"
"Columns are as wide as their widest value.  On a terminal each line is\n"
"cut to the terminal's width, the cut marked with \"…\" and a last line\n"
"saying so; piped or redirected, lines are complete.\n"
"\n"
"options:\n"
"      --verdict=V   only windows with this verdict\n"
"      --family=F    only windows of this race family: delalloc_punch (a short\n"
"                    write's cleanup races a page fault, fixed by 198dd8aedee6),\n"
"                    stale_iomap (a write re-creates a page under a mapping\n"
"                    writeback changed, fixed by d7b64041164c + 304a68b9c63b)\n"
"                    or folio_loss (a lost page no window explains)\n"
"      --json        a JSON array of objects with id, family, verdict, dev, ino,\n"
"                    start_ns, end_ns, start_event, end_event, first_index,\n"
"                    last_index, tasks and evidence (dev as \"MAJOR:MINOR\",\n"
"                    times in trace-clock ns)\n"
"  -v, --verbose     how DB is opened and the time taken, on stderr\n"
"  -h, --help        show this help\n"
"\n"
"Text from the database (family, tasks, evidence) is made safe for the\n"
"terminal: control characters and invalid UTF-8 are shown escaped (\\x1b);\n"
"--json keeps valid UTF-8 and escapes the rest the JSON way.\n"
"\n"
"exit status: 0 on success (also when there are no windows), 1 if DB\n"
"cannot be read (a damaged file is an error, not an empty list) or the\n"
"output cannot be written, 2 on a usage error.\n";

static const char *const heads[] = { "id", "family", "verdict", "inode", "pages", "time (s)",
				      "tasks", "evidence" };

int cmd_windows(int argc, char **argv, struct ft_err *e)
{
	static const struct option opts[] = {
		{ "verdict", required_argument, NULL, 'V' },
		{ "family", required_argument, NULL, 'F' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	struct cmd_getopt g = CMD_GETOPT("", opts, cmd_windows_usage);
	struct cmd_table tab = { .ncols = 8, .right = { 1 } };
	const char *verdict = NULL, *family = NULL;
	struct store *s = NULL;
	sqlite3_stmt *st = NULL;
	int json = 0, c, n = 0, rc, ret = FT_EXIT_FAIL;
	char sql[2048];

	while ((c = cmd_getopt(&g, argc, argv)) != -1) {
		switch (c) {
		case 'V':
			verdict = optarg;
			if (verdict_from_name(verdict) < 0)
				return cmd_usage_error("windows", "unknown verdict '%s' (%s)", verdict,
						       ft_verdict_list(0));
			break;
		case 'F':
			family = optarg;
			if (ft_family_find(family) < 0)
				return cmd_usage_error("windows", "unknown family '%s' (%s)", family,
						       ft_family_list());
			break;
		case 'j': json = 1; break;
		case CMD_DONE: return g.status;
		}
	}
	if (optind != argc - 1)
		return cmd_usage_error("windows", "wants one DB");
	if (cmd_db_open(&s, argv[optind], e) < 0)
		return FT_EXIT_FAIL;
	/* the list order: the verdicts' severity (core/vocab.h) */
	snprintf(sql, sizeof(sql),
		/* a hostile file may hold anything: NULLs, text that is not JSON */
		"SELECT id, coalesce(family, ''), coalesce(verdict, ''), dev, ino, start_ns, end_ns, "
		"start_event, end_event, first_index, last_index, "
		"CASE WHEN json_valid(tasks) THEN tasks ELSE '[]' END, "
		"CASE WHEN json_valid(evidence) THEN evidence ELSE '{}' END, "
		"CASE WHEN NOT json_valid(evidence) THEN '' "
		"WHEN verdict IN ('protected') THEN json_extract(evidence, '$.lock') "
		"WHEN json_extract(evidence, '$.racing') != '' THEN json_extract(evidence, '$.racing') "
		"WHEN verdict = 'unknown' THEN 'events lost in the window, or fault events not recorded' "
		"ELSE 'no lock held across the window excludes page faults' END FROM windows "
		"WHERE (?1 IS NULL OR verdict = ?1) AND (?2 IS NULL OR family = ?2) "
		"ORDER BY %s, start_ns, id",
		ft_verdict_severity_sql());
	if (sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL) != SQLITE_OK) {
		ft_error(e, -1, "%s: %s", argv[optind], sqlite3_errmsg(store_db(s)));
		store_close(s);
		return FT_EXIT_FAIL;
	}
	if (verdict)
		sqlite3_bind_text(st, 1, verdict, -1, SQLITE_STATIC);
	if (family)
		sqlite3_bind_text(st, 2, family, -1, SQLITE_STATIC);
	/* the heading comes with the first row: a damaged file prints nothing */
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && !ferror(stdout)) {
		if (!n && json)
			putchar('[');
		else if (!n && cmd_table_add(&tab, heads) < 0)
			goto oom;
		int64_t dev = sqlite3_column_int64(st, 3);
		const char *tasks = (const char *)sqlite3_column_text(st, 11);
		const char *evd = (const char *)sqlite3_column_text(st, 12);

		if (json) {
			printf("%s{\"id\":%lld,\"family\":", n ? ",\n" : "", sqlite3_column_int64(st, 0));
			json_str(stdout, (const char *)sqlite3_column_text(st, 1));
			printf(",\"verdict\":");
			json_str(stdout, (const char *)sqlite3_column_text(st, 2));
			printf(",\"dev\":\"%lld:%lld\",\"ino\":%lld,\"start_ns\":%lld,\"end_ns\":%lld,"
			       "\"start_event\":%lld,\"end_event\":%lld,\"first_index\":%lld,"
			       "\"last_index\":%lld,\"tasks\":",
			       (long long)(dev >> 20), (long long)(dev & 0xfffff),
			       sqlite3_column_int64(st, 4), sqlite3_column_int64(st, 5),
			       sqlite3_column_int64(st, 6), sqlite3_column_int64(st, 7),
			       sqlite3_column_int64(st, 8), sqlite3_column_int64(st, 9),
			       sqlite3_column_int64(st, 10));
			/* JSON from the file: its strings escaped like ours */
			json_raw(stdout, tasks ? tasks : "[]");
			printf(",\"evidence\":");
			json_raw(stdout, evd ? evd : "{}");
			putchar('}');
		} else {
			char id[24], inode[48], pages[48], span[64];
			const char *row[8];

			snprintf(inode, sizeof(inode), "%lld:%lld/%lld", (long long)(dev >> 20),
				 (long long)(dev & 0xfffff), sqlite3_column_int64(st, 4));
			snprintf(pages, sizeof(pages), "%lld-%lld", sqlite3_column_int64(st, 9),
				 sqlite3_column_int64(st, 10));
			snprintf(span, sizeof(span), "%.6f-%.6f", sqlite3_column_int64(st, 5) / 1e9,
				 sqlite3_column_int64(st, 6) / 1e9);
			snprintf(id, sizeof(id), "%lld", sqlite3_column_int64(st, 0));
			/* every text column may be hostile: the table makes it safe */
			row[0] = id;
			row[1] = (const char *)sqlite3_column_text(st, 1);
			row[2] = (const char *)sqlite3_column_text(st, 2);
			row[3] = inode;
			row[4] = pages;
			row[5] = span;
			row[6] = tasks;
			row[7] = (const char *)sqlite3_column_text(st, 13);
			if (cmd_table_add(&tab, row) < 0)
				goto oom;
		}
		n++;
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		/* a damaged file is an error, not "no windows" */
		fflush(stdout);
		ft_error(e, -1, "%s: reading the windows: %s", argv[optind],
			 sqlite3_errmsg(store_db(s)));
		goto out;
	}
	if (rc == SQLITE_ROW)
		goto out;	/* stdout failed: main() reports it */
	if (!n && json)
		putchar('[');
	else if (!n && cmd_table_add(&tab, heads) < 0)
		goto oom;
	if (json) {
		printf("]\n");
	} else {
		cmd_table_print(&tab, stdout, cmd_out_width());
	}
	if (!json && !n)
		printf("(no windows%s%s; run 'foliotrace analyze' first if you have not)\n",
		       verdict ? " with verdict " : "", verdict ? ft_term_s(verdict) : "");
	sqlite3_finalize(st);
	st = NULL;
	if (!json) {
		if (sqlite3_prepare_v2(store_db(s), "SELECT value FROM meta WHERE key LIKE "
				       "'analysis:%:lost_folios' ORDER BY key DESC LIMIT 1", -1, &st,
				       NULL) != SQLITE_OK ||
		    ((rc = sqlite3_step(st)) != SQLITE_ROW && rc != SQLITE_DONE)) {
			ft_error(e, -1, "%s: reading the analysis summary: %s", argv[optind],
				 sqlite3_errmsg(store_db(s)));
			goto out;
		}
		if (rc == SQLITE_ROW && sqlite3_column_text(st, 0)) {
			long long lost = 0, expl = 0, unexpl = 0;

			if (sscanf((const char *)sqlite3_column_text(st, 0), "%lld %lld %lld", &lost,
				   &expl, &unexpl) == 3)
				printf("lost folios: %lld (explained by windows %lld, by none %lld)\n",
				       lost, expl, unexpl);
		}
	}
	ret = FT_EXIT_OK;
	goto out;
oom:
	ft_error(e, -ENOMEM, "windows: out of memory");
out:
	cmd_table_free(&tab);
	sqlite3_finalize(st);
	store_close(s);
	return ret;
}
