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
#include <unistd.h>

#include "cmd.h"
#include "../core/store.h"

static const struct cmd commands[] = {
	{ "import", cmd_import, CMD_DB_WRITE,
	  "decode a trace-cmd trace.dat file into a new database", cmd_import_usage },
	{ "info", cmd_info, CMD_DB_READ,
	  "summarise a database: trace metadata, event counts, inodes, lost events",
	  cmd_info_usage },
	{ "sql", cmd_sql, CMD_DB_READ,
	  "run a read-only SQL query on a database", cmd_sql_usage },
	{ "record", cmd_record, CMD_NEEDS_ROOT | CMD_DB_WRITE,
	  "record tracepoints live into a database (root)", cmd_record_usage },
	{ "analyze", cmd_analyze, CMD_DB_WRITE,
	  "build happens-before, folio lifetimes and unsafe windows", cmd_analyze_usage },
	{ "windows", cmd_windows, CMD_DB_READ,
	  "list the unsafe windows an analysis found", cmd_windows_usage },
	{ "timeline", cmd_timeline, CMD_DB_READ,
	  "print the per-folio timeline of an inode", cmd_timeline_usage },
	{ "replay", cmd_replay, 0,
	  "replay a scenario in the kernel-path model, explore its interleavings",
	  cmd_replay_usage },
	{ "tui", cmd_tui, CMD_DB_READ,
	  "browse windows, timelines and replays interactively (ncurses)", cmd_tui_usage },
	{ "report", cmd_report, CMD_DB_READ,
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
		"usage: foliotrace [--version] [--help] <command> [<args>]\n"
		"\n"
		"Find, explain and replay page-cache/extent races from kernel traces.\n"
		"\n"
		"commands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "   %-10s %s%s\n", commands[i].name, commands[i].summary,
			(commands[i].flags & CMD_STUB) ? " (not implemented yet)" : "");
	fprintf(f,
		"\n"
		"'foliotrace <command> --help' describes a command; man foliotrace-<command>\n"
		"has the details.  A typical session:\n"
		"   foliotrace import trace.dat -o trace.db\n"
		"   foliotrace info trace.db\n"
		"   foliotrace sql trace.db \"SELECT event, count(*) FROM events_v GROUP BY 1\"\n");
}

int cmd_help(const char *text)
{
	fputs(text, stdout);
	return FT_EXIT_OK;
}

int cmd_parse_size(const char *s, long long *out)
{
	static const char units[] = "KMGT";
	unsigned long long v, mul = 1;
	char *end;
	const char *u;

	errno = 0;
	if (!*s || *s == '-')
		return -1;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	if (*end) {
		u = strchr(units, end[0] & ~0x20);
		if (!u || !end[0])
			return -1;
		for (const char *k = units; k <= u; k++)
			mul *= 1024;
		end++;
		if (!strcasecmp(end, "iB") || !strcasecmp(end, "B"))
			end += strlen(end);
		if (*end)
			return -1;
	}
	if (v > (unsigned long long)INT64_MAX / mul)
		return -1;
	*out = (long long)(v * mul);
	return 0;
}

int cmd_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "foliotrace %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'foliotrace %s --help'.\n", cmd);
	return FT_EXIT_USAGE;
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

static int run_main(int argc, char **argv)
{
	struct ft_err e = FT_ERR_INIT;
	const struct cmd *c;
	int ret;

	if (argc < 2) {
		usage(stderr);
		return FT_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		if (argc > 2 && find(argv[2])) {
			char *sub[] = { argv[2], (char *)"--help", NULL };

			return find(argv[2])->run(2, sub, &e);
		}
		usage(stdout);
		return FT_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("foliotrace %s (schema %d)\n", FT_VERSION, FT_SCHEMA_VERSION);
		return FT_EXIT_OK;
	}
	c = find(argv[1]);
	if (!c) {
		fprintf(stderr, "foliotrace: '%s' is not a foliotrace command\n", argv[1]);
		usage(stderr);
		return FT_EXIT_USAGE;
	}
	if ((c->flags & CMD_NEEDS_ROOT) && geteuid() != 0 && !wants_help(argc - 1, argv + 1)) {
		fprintf(stderr, "foliotrace: %s: needs root (tracefs and tracing instances); "
			"trace-cmd files recorded elsewhere can be read with 'foliotrace import'\n",
			c->name);
		return FT_EXIT_FAIL;
	}
	ret = c->run(argc - 1, argv + 1, &e);
	if (ret != FT_EXIT_OK && e.code)
		ft_err_print(&e);
	return ret;
}
