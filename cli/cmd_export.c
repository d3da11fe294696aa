/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd_export.c - foliotrace export: events and windows as Perfetto JSON or CSV. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/json.h"
#include "cmd.h"
#include "../report/report.h"

const char cmd_export_usage[] =
"usage: foliotrace export [--format perfetto|csv] [--what events|windows] -o OUT\n"
"                         [-f] [--window N] [--from T] [--to T] [-q] DB\n"
"\n"
"Export a database's events, windows and happens-before edges.\n"
"\n"
"perfetto (the default): Chrome trace-event JSON that the Perfetto UI\n"
"(ui.perfetto.dev, Open trace file) and chrome://tracing open: one process\n"
"for the trace, a thread per task (named from the tasks table), every event\n"
"an instant on its task's thread (name: tracepoint; category: kind; args:\n"
"event id, inode, page index, offset, length, caller), every window a slice\n"
"on its writer's thread (args: verdict, pages, events, racing evidence),\n"
"every happens-before edge a flow arrow from its source to its destination\n"
"event.  Times are microseconds of the trace clock.\n"
"\n"
"csv: events (one row per event, the normalized columns with the tracepoint\n"
"and caller by name, the device as MAJOR:MINOR, times in trace-clock ns;\n"
"RFC 4180 quoting, CRLF line ends) and windows.  Without\n"
"--what, OUT is a prefix: OUT-events.csv and OUT-windows.csv; with --what,\n"
"OUT is the one file.  Values are the trace's own (a comm or path may start\n"
"with = or +: beware of spreadsheet formulas).\n"
"\n"
"The output is written as it is read (memory does not grow with the trace)\n"
"to a temporary file beside it (OUT.tmp-PID, removed on SIGINT/SIGTERM and\n"
"by a later run if we were killed), fsynced and renamed into place when\n"
"complete.  An existing file is replaced only with -f; a character device\n"
"or FIFO (/dev/null, a named pipe, /dev/stdout) is written into, never\n"
"replaced; a directory or symbolic link is refused, and so is DB itself.\n"
"\n"
"options:\n"
"      --format=F     perfetto or csv\n"
"      --what=W       csv only: events or windows\n"
"  -o, --output=OUT   file (or prefix, see csv); - for stdout (not with a\n"
"                     prefix)\n"
"  -f, --force        replace OUT (both files with a prefix) if it is a\n"
"                     regular file\n"
"      --window=N     only the events of window N (start_event..end_event,\n"
"                     or on to the last event where it lost data, such as\n"
"                     a writeback over a hole after it closed), that window\n"
"                     and the edges between them\n"
"      --from=T, --to=T  only events with a time in this range, and the\n"
"                     windows and edges inside it; T is a trace-clock time\n"
"                     as 'windows' and 'timeline' print it, in seconds\n"
"                     with an optional unit (1234.5678, 1234.5678s,\n"
"                     1234567.8ms, 1234567800000ns)\n"
"  -q, --quiet        no summary line on stderr\n"
"      --json         the summary as one JSON object on stdout instead:\n"
"                     {\"output\", \"format\", \"events\", \"windows\",\n"
"                     \"hb_edges\", \"tasks\"} (not with -o -)\n"
"  -v, --verbose      how DB is opened and the time taken, on stderr\n"
"  -h, --help         show this help\n"
"\n"
"exit status: 0 on success, 1 if the export could not be written (no\n"
"file is left behind), 2 on a usage error, 130 or 143 when interrupted by\n"
"SIGINT or SIGTERM.\n";

int cmd_export(int argc, char **argv, struct ft_err *e)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'X' },
		{ "force", no_argument, NULL, 'f' },
		{ "what", required_argument, NULL, 'w' },
		{ "output", required_argument, NULL, 'o' },
		{ "window", required_argument, NULL, 'W' },
		{ "from", required_argument, NULL, 'F' },
		{ "to", required_argument, NULL, 'T' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	struct cmd_getopt g = CMD_GETOPT("o:fq", opts, cmd_export_usage);
	struct export_opts o = { .format = EXPORT_PERFETTO, .what = EXPORT_ALL, .window = -1,
				 .from_ns = -1, .to_ns = -1 };
	struct export_stats st;
	int c, quiet = 0, json = 0;
	long long v;

	while ((c = cmd_getopt(&g, argc, argv)) != -1) {
		switch (c) {
		case 'f': o.force = 1; break;
		case 'X':
			if (!strcmp(optarg, "perfetto"))
				o.format = EXPORT_PERFETTO;
			else if (!strcmp(optarg, "csv"))
				o.format = EXPORT_CSV;
			else
				return cmd_usage_error("export", "unknown format '%s' (perfetto, csv)", optarg);
			break;
		case 'w':
			if (!strcmp(optarg, "events"))
				o.what = EXPORT_EVENTS;
			else if (!strcmp(optarg, "windows"))
				o.what = EXPORT_WINDOWS;
			else
				return cmd_usage_error("export", "--what wants events or windows, not '%s'", optarg);
			break;
		case 'o': o.out = optarg; break;
		case 'W':
			if (cmd_parse_int(optarg, 0, INT64_MAX, &v) < 0)
				return cmd_usage_error("export", "--window wants a window id, not '%s'", optarg);
			o.window = v;
			break;
		case 'F':
			if (cmd_parse_time_ns(optarg, &o.from_ns) < 0)
				return cmd_usage_error("export", "--from wants a time in seconds with an "
						       "optional unit (12.5, 12.5s, 200ms), not '%s'", optarg);
			break;
		case 'T':
			if (cmd_parse_time_ns(optarg, &o.to_ns) < 0)
				return cmd_usage_error("export", "--to wants a time in seconds with an "
						       "optional unit (12.5, 12.5s, 200ms), not '%s'", optarg);
			break;
		case 'q': quiet = 1; break;
		case 'j': json = 1; break;
		case CMD_DONE: return g.status;
		}
	}
	if (optind != argc - 1)
		return cmd_usage_error("export", "wants one DB");
	if (!o.out)
		return cmd_usage_error("export", "wants -o OUT");
	if (o.what != EXPORT_ALL && o.format != EXPORT_CSV)
		return cmd_usage_error("export", "--what is for --format csv");
	if (o.format == EXPORT_CSV && o.what == EXPORT_ALL && !strcmp(o.out, "-"))
		return cmd_usage_error("export", "csv to stdout wants --what events or --what windows");
	if (json && !strcmp(o.out, "-"))
		return cmd_usage_error("export", "--json prints on stdout: not with -o -");
	o.db = argv[optind];
	durable_signals();	/* SIGINT/SIGTERM remove the temp files */
	if (export_write(&o, &st, e) < 0)
		return FT_EXIT_FAIL;
	if (json) {
		fputs("{\"output\":", stdout);
		json_str(stdout, o.out);
		printf(",\"format\":\"%s\",\"events\":%lld,\"windows\":%lld,\"hb_edges\":%lld,"
		       "\"tasks\":%lld}\n", o.format == EXPORT_CSV ? "csv" : "perfetto",
		       (long long)st.events, (long long)st.windows, (long long)st.edges,
		       (long long)st.tasks);
	} else if (!quiet)
		fprintf(stderr, "exported %lld events, %lld windows, %lld hb edges, %lld tasks\n",
			(long long)st.events, (long long)st.windows, (long long)st.edges,
			(long long)st.tasks);
	return FT_EXIT_OK;
}
