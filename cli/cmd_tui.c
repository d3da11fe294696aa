/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cmd_tui.c - foliotrace tui: browse a database's windows and timelines. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "../tui/tui.h"

const char cmd_tui_usage[] =
"usage: foliotrace tui [--ascii] [--mono] [--no-mouse] [--window N] DB\n"
"\n"
"Browse a database in the terminal (ncurses): the overview (trace metadata,\n"
"inodes with event counts, the windows most severe first: loss, hit,\n"
"dropped, unsafe, unknown, protected), a window's timeline (one lane per task\n"
"or per page, events as glyphs, windows as spans, happens-before edges of the\n"
"cursor event, its fields normalized and raw), and the replay pane (stored\n"
"replays under every model variant; r runs one).  Every screen reads only\n"
"what it shows, through indexes; the database is opened read-only and may be\n"
"one that 'foliotrace record' is still writing.\n"
"\n"
"keys (F1 or H shows them all; h is help on the overview, pan left in the\n"
"timeline; ? is backward search):\n"
"  Enter        timeline of the selected window     q  back / quit\n"
"  +/-  z       zoom in, out, fit the window        n/N next, previous window\n"
"  Left/Right h/l, PgUp/PgDn  pan                   j/k event cursor\n"
"  g            go to a time, #event or wN          / ? search forward, back\n"
"  f            filter: pid=N ino=N event=NAME      t  lanes: tasks or pages\n"
"  p            replay pane                         r  run the replay now\n"
"\n"
"options:\n"
"      --ascii       ASCII line drawing instead of UTF-8\n"
"      --mono        no colours (also when NO_COLOR is set)\n"
"      --no-mouse    do not ask the terminal for mouse events\n"
"      --window=N    start in the timeline of window N\n"
"  -v, --verbose     the time taken and the exit status on stderr, after\n"
"                    the screen is restored\n"
"  -h, --help        show this help\n"
"\n"
"environment: FOLIOTRACE_TUI_TIMING=FILE appends the time to the first frame\n"
"and from each key to its frame (ms) to FILE.\n"
"\n"
"exit status: 0 on quit, 1 if DB cannot be read or the terminal cannot be\n"
"used, 2 on a usage error, 128+N when signal N (SIGINT, SIGTERM) ended it.\n";

int cmd_tui(int argc, char **argv, struct ft_err *e)
{
	static const struct option opts[] = {
		{ "ascii", no_argument, NULL, 'a' },
		{ "mono", no_argument, NULL, 'm' },
		{ "no-mouse", no_argument, NULL, 'M' },
		{ "window", required_argument, NULL, 'w' },
		{ "bench-keys", required_argument, NULL, 'b' },	/* hidden: make bench */
		{ NULL, 0, NULL, 0 }
	};
	struct tui_opts o = { .mouse = 1 };
	long long v;
	int c, ret;
	struct cmd_getopt g = CMD_GETOPT("", opts, cmd_tui_usage);

	while ((c = cmd_getopt(&g, argc, argv)) != -1) {
		switch (c) {
		case 'a': o.ascii = 1; break;
		case 'm': o.mono = 1; break;
		case 'M': o.mouse = 0; break;
		case 'w':
			if (cmd_parse_int(optarg, 1, INT64_MAX, &v) < 0)
				return cmd_usage_error("tui", "--window wants a window id, got '%s'",
						       optarg);
			o.window = v;
			break;
		case 'b': o.bench_keys = optarg; break;
		case CMD_DONE: return g.status;
		}
	}
	if (optind != argc - 1)
		return cmd_usage_error("tui", "wants one DB");
	o.db = argv[optind];
	o.timing = getenv("FOLIOTRACE_TUI_TIMING");
	if (o.timing && !*o.timing)
		o.timing = NULL;
	ret = tui_run(&o, e);
	if (ret < 0)
		return FT_EXIT_FAIL;
	return ret;
}
