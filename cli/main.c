/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * main.c - the foliotrace command dispatcher.  See cmd.h for the checklist
 * to add a subcommand.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "../core/store.h"

/*
 * The database flags are enforced: cmd_db_open() opens in the mode they
 * give, and a CMD_DB_WRITE command checks the file is writable before any
 * work (cmd.h).  replay changes its database (the window replays are
 * stored) and only with DB --window; report runs and stores the replays it
 * lacks (read-only: it shows the stored ones and says so).
 */
static const struct cmd commands[] = {
	{ "import", cmd_import, CMD_DB_CREATE,
	  "decode a trace-cmd trace.dat file into a new database", cmd_import_usage },
	{ "info", cmd_info, CMD_DB_READ,
	  "summarise a database: its trace, event counts, inodes, lost events",
	  cmd_info_usage },
	{ "sql", cmd_sql, CMD_DB_READ,
	  "run a read-only SQL query on a database", cmd_sql_usage },
	{ "record", cmd_record, CMD_NEEDS_ROOT | CMD_DB_CREATE,
	  "record tracepoints live into a database (root)", cmd_record_usage },
	{ "analyze", cmd_analyze, CMD_DB_WRITE,
	  "build happens-before, folio lifetimes and unsafe windows", cmd_analyze_usage },
	{ "windows", cmd_windows, CMD_DB_READ,
	  "list the unsafe windows an analysis found", cmd_windows_usage },
	{ "timeline", cmd_timeline, CMD_DB_READ,
	  "print the timeline of a page, a window's pages or an inode", cmd_timeline_usage },
	{ "replay", cmd_replay, CMD_DB_WRITE | CMD_DB_OPTIONAL,
	  "replay a scenario or a window in the kernel-path model",
	  cmd_replay_usage },
	{ "tui", cmd_tui, CMD_DB_READ,
	  "browse windows, timelines and replays interactively (ncurses)", cmd_tui_usage },
	{ "report", cmd_report, CMD_DB_WRITE,
	  "write a postmortem report (HTML or Markdown)", cmd_report_usage },
	{ "export", cmd_export, CMD_DB_READ,
	  "export events and windows to Perfetto JSON or CSV", cmd_export_usage },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static int run_main(int argc, char **argv);

static const struct cmd *find(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

/* --help is answered for everyone, whatever the command's preconditions. */
static int wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return 1;
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: foliotrace [-V] [-h] [-v] <command> [<args>]\n"
		"\n"
		"Find, explain and replay page-cache/extent races from kernel traces.\n"
		"\n"
		"commands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "   %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f,
		"\n"
		"options:\n"
		"  -V, --version   print the version and the database schema version\n"
		"  -h, --help      this help; 'foliotrace help <command>' is <command> --help\n"
		"  -v, --verbose   details on stderr: how the database is opened (read-only\n"
		"                  or read-write), import's paths and limits, and at the\n"
		"                  end the time taken and the exit status (every command\n"
		"                  also takes -v after its name)\n"
		"\n"
		"Conventions shared by every command: times are seconds with an optional\n"
		"unit (1.5, 1.5s, 200ms, 30us, 100ns); devices are MAJOR:MINOR; an output\n"
		"file that exists is replaced only with -f; --json prints one JSON document\n"
		"whose shape the command's --help gives; a usage error is one line on\n"
		"stderr (with a suggestion when a command or option is near a valid one)\n"
		"and exit status 2.\n"
		"\n"
		"'foliotrace <command> --help' describes a command; man foliotrace-<command>\n"
		"has the details.  A typical session:\n"
		"   foliotrace import trace.dat -o trace.db\n"
		"   foliotrace info trace.db\n"
		"   foliotrace analyze trace.db\n"
		"   foliotrace windows trace.db\n"
		"   foliotrace timeline --window 36 trace.db\n"
		"   foliotrace replay trace.db --window 36\n"
		"   foliotrace sql trace.db \"SELECT event, count(*) FROM events_v GROUP BY 1\"\n");
}

/*
 * A closed standard descriptor would be handed to the next file opened (a
 * trace, an output file) and our output written into it: hold it with
 * /dev/null opened read-only, so that writing fails (EBADF) and the check
 * at exit reports it.
 */
static void hold_std_fds(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		int n = open("/dev/null", O_RDONLY);

		if (n >= 0 && n != fd) {
			dup2(n, fd);
			close(n);
		}
	}
}

/*
 * Every command's output is checked at exit: a full disk, a closed or
 * broken stdout make the command fail (status 1) with a message, never a
 * silently truncated output with status 0.  A reader that went away (EPIPE,
 * with SIGPIPE ignored) fails quietly, as with the default SIGPIPE.
 */
static int finish_output(const char *name, int ret)
{
	int bad = fflush(stdout) != 0 || ferror(stdout);
	int err = errno;

	if (fclose(stdout) != 0 && !bad) {
		bad = 1;
		err = errno;
	}
	if (!bad)
		return ret;
	if (err != EPIPE)
		fprintf(stderr, "foliotrace%s%s: writing the output failed: %s\n", name ? " " : "",
			name ? name : "", err ? strerror(err) : "write error");
	return ret == FT_EXIT_OK ? FT_EXIT_FAIL : ret;
}

int main(int argc, char **argv)
{
	hold_std_fds();
	return finish_output(argc > 1 && find(argv[1]) ? argv[1] : NULL, run_main(argc, argv));
}

static int unknown_command(const char *name)
{
	const char *names[NCOMMANDS];
	const char *best;

	for (size_t i = 0; i < NCOMMANDS; i++)
		names[i] = commands[i].name;
	best = cmd_suggest(name, names, (int)NCOMMANDS);
	if (best)
		fprintf(stderr, "foliotrace: '%s' is not a foliotrace command (did you mean '%s'?); "
			"see 'foliotrace --help'\n", name, best);
	else
		fprintf(stderr, "foliotrace: '%s' is not a foliotrace command; see 'foliotrace "
			"--help'\n", name);
	return FT_EXIT_USAGE;
}

static int run_main(int argc, char **argv)
{
	struct ft_err e = FT_ERR_INIT;
	struct timespec t0, t1;
	const struct cmd *c;
	int ret;

	/* the dispatcher's own options come before the command */
	while (argc > 1 && argv[1][0] == '-') {
		if (!strcmp(argv[1], "-v") || !strcmp(argv[1], "--verbose")) {
			cmd_verbose++;
		} else if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
			printf("foliotrace %s (schema %d)\n", FT_VERSION, FT_SCHEMA_VERSION);
			return FT_EXIT_OK;
		} else if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
			break;
		} else {
			static const char *const opts[] = { "version", "help", "verbose" };
			const char *best = !strncmp(argv[1], "--", 2) ?
				cmd_suggest(argv[1] + 2, opts, 3) : NULL;

			if (best)
				return cmd_usage_error("", "unknown option '%s' (did you mean '--%s'?)",
						       argv[1], best);
			return cmd_usage_error("", "unknown option '%s'", argv[1]);
		}
		argc--;
		argv++;
	}
	if (argc < 2)
		return cmd_usage_error("", "a command is missing (import, analyze, windows, ...)");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		if (argc > 2 && find(argv[2])) {
			char *sub[] = { argv[2], (char *)"--help", NULL };

			cmd_name = argv[2];
			return find(argv[2])->run(2, sub, &e);
		}
		if (argc > 2)
			return unknown_command(argv[2]);
		usage(stdout);
		return FT_EXIT_OK;
	}
	if (!strcmp(argv[1], "version")) {
		printf("foliotrace %s (schema %d)\n", FT_VERSION, FT_SCHEMA_VERSION);
		return FT_EXIT_OK;
	}
	c = find(argv[1]);
	if (!c)
		return unknown_command(argv[1]);
	cmd_name = c->name;
	cmd_db_flags = c->flags;
	if ((c->flags & CMD_NEEDS_ROOT) && geteuid() != 0 && !wants_help(argc - 1, argv + 1)) {
		fprintf(stderr, "foliotrace: %s: needs root (tracefs and tracing instances); "
			"trace-cmd files recorded elsewhere can be read with 'foliotrace import'\n",
			c->name);
		return FT_EXIT_FAIL;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = c->run(argc - 1, argv + 1, &e);
	if (ret != FT_EXIT_OK && e.code)
		ft_err_print(&e);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	cmd_info_msg("done in %.3f s, exit status %d", (double)(t1.tv_sec - t0.tv_sec) +
		     (double)(t1.tv_nsec - t0.tv_nsec) / 1e9, ret);
	return ret;
}
