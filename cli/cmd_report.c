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
"                         [--max-list N] [--no-replay] [--replay-timeout S]\n"
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
"--no-replay is given; the report itself only reads DB.  Each replay is\n"
"given --replay-timeout seconds (default 30): one that runs over is\n"
"stopped (its process group killed), nothing of it is stored, and the\n"
"report says so: a warning on stderr naming the window, a line listing\n"
"the timed-out windows, and \"Replay timed out\" in each one's section.\n"
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
"      --replay-timeout=S  seconds each replay may run (a decimal number,\n"
"                      default 30; 0: no limit)\n"
"  -q, --quiet         no warnings\n"
"  -h, --help          show this help\n"
"\n"
"exit status: 0 when the report was written (also when replays failed or\n"
"timed out: the report says which), 1 if it could not be (no file is left\n"
"behind), 2 on a usage error, 130 or 143 when interrupted by SIGINT or\n"
"SIGTERM (a running replay is stopped too).\n";

static int parse_count(const char *s, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (!*s || *end || v < 0 || v > 1000000)
		return -1;
	*out = (int)v;
	return 0;
}

/* A decimal number of seconds, 0 to a week (0: no limit). */
static int parse_seconds(const char *s, double *out)
{
	char *end;
	double v;

	if (!*s || strspn(s, "0123456789.") != strlen(s))
		return -1;
	v = strtod(s, &end);
	if (*end || end == s || !(v >= 0 && v <= 604800))
		return -1;
	*out = v;
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
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct report_opts o = {
		.format = REPORT_HTML, .max_detail = 30, .max_list = 500, .run_replays = 1,
		.replay_timeout = RP_REPLAY_TIMEOUT,
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:fqh", opts, NULL)) != -1) {
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
			if (parse_seconds(optarg, &o.replay_timeout) < 0)
				return cmd_usage_error("report", "--replay-timeout wants seconds (0 to "
						       "604800), not '%s'", optarg);
			break;
		case 'q': o.quiet = 1; break;
		case 'h': return cmd_help(cmd_report_usage);
		default: return cmd_usage_error("report", "unknown option");
		}
	}
	if (optind != argc - 1)
		return cmd_usage_error("report", "wants one DB");
	o.db = argv[optind];
	if (!o.out)
		o.out = o.format == REPORT_MARKDOWN ? "postmortem.md" : "postmortem.html";
	durable_signals();	/* SIGINT/SIGTERM remove the temp file */
	return report_write(&o, e) < 0 ? FT_EXIT_FAIL : FT_EXIT_OK;
}
