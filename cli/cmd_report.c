/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd_report.c - foliotrace report: the postmortem document of a database. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "../report/report.h"

const char cmd_report_usage[] =
"usage: foliotrace report [-o FILE] [-f] [--markdown] [--max-detail N]\n"
"                         [--max-list N] [--no-replay] [--replay-timeout T]\n"
"                         [-q] DB\n"
"\n"
"Write the postmortem of an analysed database as one self-contained HTML\n"
"file (inline CSS and SVG, no script, nothing fetched from anywhere;\n"
"printable, readable without colour), or as Markdown for a bug tracker:\n"
"the trace's provenance (file, host, kernel, span, events, lost events,\n"
"the tracepoints recorded and the event kinds not recorded), a one-sentence\n"
"verdict, the window counts per verdict, the windows worth reading (loss,\n"
"hit, dropped, unsafe) in a table and, for the most severe ones, a section\n"
"each: a timeline figure of the tasks and racing pages (window shaded,\n"
"racing events marked, happens-before edges drawn), the state changes of\n"
"each racing page, and the replay results per model variant with the\n"
"recorded and counterexample schedules.  Protected and unknown windows are\n"
"counted, with a few examples.\n"
"\n"
"Replays come from the database's replays table.  Detailed windows without\n"
"a stored replay are replayed first (foliotrace replay DB --window N\n"
"--explore, run as a child process, which stores its results in DB) unless\n"
"--no-replay is given or DB is read-only (a warning says so); the report\n"
"itself only reads DB.  Each replay is given --replay-timeout (default\n"
"30 s): one that runs over is stopped (its process group killed), nothing\n"
"of it is stored, and the report says so: a warning on stderr naming the\n"
"window, a line listing the timed-out windows, and \"Replay timed out\" in\n"
"each one's section.\n"
"\n"
"options:\n"
"  -o, --output=FILE   where to write (default: postmortem.html, or\n"
"                      postmortem.md with --markdown; - for stdout); the\n"
"                      file appears complete or not at all (FILE.tmp-PID,\n"
"                      fsynced and renamed; removed on SIGINT/SIGTERM); a\n"
"                      character device or FIFO is written into, never\n"
"                      replaced; a directory, symbolic link or DB itself\n"
"                      is refused\n"
"  -f, --force         replace FILE if it is a regular file\n"
"      --markdown      Markdown instead of HTML (no figures: the events of\n"
"                      each detailed window are listed instead)\n"
"      --max-detail=N  windows shown in detail (default 30)\n"
"      --max-list=N    loss/hit/dropped/unsafe windows listed (default 500)\n"
"      --no-replay     do not run replays; show the stored ones only\n"
"      --replay-timeout=T  time each replay may run, seconds with an\n"
"                      optional unit (default 30; 1.5s, 500ms; 0: no limit)\n"
"  -q, --quiet         no warnings\n"
"  -v, --verbose       the time taken and the exit status on stderr\n"
"  -h, --help          show this help\n"
"\n"
"exit status: 0 when the report was written (also when replays failed or\n"
"timed out: the report says which), 1 if it could not be (no file is left\n"
"behind), 2 on a usage error, 130 or 143 when interrupted by SIGINT or\n"
"SIGTERM (a running replay is stopped too).\n";

static int parse_count(const char *s, int *out)
{
	long long v;

	if (cmd_parse_int(s, 0, 1000000, &v) < 0)
		return -1;
	*out = (int)v;
	return 0;
}

int cmd_report(int argc, char **argv, struct ft_err *e)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		{ "markdown", no_argument, NULL, 'm' },
		{ "max-detail", required_argument, NULL, 'd' },
		{ "max-list", required_argument, NULL, 'l' },
		{ "no-replay", no_argument, NULL, 'n' },
		{ "replay-timeout", required_argument, NULL, 't' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 }
	};
	struct cmd_getopt g = CMD_GETOPT("o:fq", opts, cmd_report_usage);
	struct ft_err ro = FT_ERR_INIT;
	struct report_opts o = {
		.format = REPORT_HTML, .max_detail = 30, .max_list = 500, .run_replays = 1,
		.replay_timeout = RP_REPLAY_TIMEOUT,
	};
	int c;

	while ((c = cmd_getopt(&g, argc, argv)) != -1) {
		switch (c) {
		case 'o': o.out = optarg; break;
		case 'f': o.force = 1; break;
		case 'm': o.format = REPORT_MARKDOWN; break;
		case 'd':
			if (parse_count(optarg, &o.max_detail) < 0)
				return cmd_usage_error("report", "--max-detail wants a count, not '%s'", optarg);
			break;
		case 'l':
			if (parse_count(optarg, &o.max_list) < 0)
				return cmd_usage_error("report", "--max-list wants a count, not '%s'", optarg);
			break;
		case 'n': o.run_replays = 0; break;
		case 't':
			if (cmd_parse_seconds(optarg, 604800, &o.replay_timeout) < 0)
				return cmd_usage_error("report", "--replay-timeout wants a time up to a "
						       "week (30, 1.5s, 500ms; 0: no limit), not '%s'",
						       optarg);
			break;
		case 'q': o.quiet = 1; break;
		case CMD_DONE: return g.status;
		}
	}
	if (optind != argc - 1)
		return cmd_usage_error("report", "wants one DB");
	o.db = argv[optind];
	/* replays are stored in DB: a read-only one gets the stored replays only */
	if (o.run_replays && cmd_db_writable(o.db, &ro) < 0) {
		if (!o.quiet)
			fprintf(stderr, "foliotrace report: warning: %s: read-only: no replays are run, "
				"the stored ones are shown (as with --no-replay)\n", o.db);
		o.run_replays = 0;
	}
	if (!o.out)
		o.out = o.format == REPORT_MARKDOWN ? "postmortem.md" : "postmortem.html";
	durable_signals();	/* SIGINT/SIGTERM remove the temp file */
	return report_write(&o, e) < 0 ? FT_EXIT_FAIL : FT_EXIT_OK;
}
