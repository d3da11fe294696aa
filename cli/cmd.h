/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cmd.h - the subcommand table's types, shared by main.c and cmd_*.c.
 *
 * Adding a subcommand:
 *  1. write cli/cmd_<name>.c with `int cmd_<name>(int argc, char **argv,
 *     struct ft_err *e)` shaped like the others: defaults -> parse options ->
 *     validate -> run -> `goto out` cleanup; return an FT_EXIT_* code;
 *  2. give it a usage text (CMD_USAGE_<name>) that --help prints;
 *  3. add a row to commands[] in cli/main.c with its precondition flags;
 *  4. write docs/man/foliotrace-<name>.1 (tests/t0001-help.sh checks that
 *     every implemented command has --help and a man page);
 *  5. add tests under tests/.
 */
#ifndef FT_CMD_H
#define FT_CMD_H

#include "../core/err.h"

enum {
	FT_EXIT_OK = 0,
	FT_EXIT_FAIL = 1,	/* the job failed: see the message */
	FT_EXIT_USAGE = 2,	/* bad command line */
	FT_EXIT_INTR = 130,	/* interrupted by a signal */
};

enum cmd_flags {
	CMD_NEEDS_ROOT	= 1 << 0,	/* checked by the dispatcher */
	CMD_STUB	= 1 << 1,	/* not implemented yet */
	CMD_DB_READ	= 1 << 2,	/* documentation: opens a database read-only */
	CMD_DB_WRITE	= 1 << 3,	/* documentation: creates or changes one */
};

struct cmd {
	const char *name;
	int (*run)(int argc, char **argv, struct ft_err *e);
	unsigned flags;
	const char *summary;
	const char *usage;
};

int cmd_import(int argc, char **argv, struct ft_err *e);
int cmd_info(int argc, char **argv, struct ft_err *e);
int cmd_sql(int argc, char **argv, struct ft_err *e);
int cmd_record(int argc, char **argv, struct ft_err *e);
int cmd_analyze(int argc, char **argv, struct ft_err *e);
int cmd_windows(int argc, char **argv, struct ft_err *e);
int cmd_timeline(int argc, char **argv, struct ft_err *e);
int cmd_replay(int argc, char **argv, struct ft_err *e);
int cmd_report(int argc, char **argv, struct ft_err *e);
int cmd_export(int argc, char **argv, struct ft_err *e);
int cmd_tui(int argc, char **argv, struct ft_err *e);

extern const char cmd_import_usage[], cmd_info_usage[], cmd_sql_usage[], cmd_record_usage[];
extern const char cmd_analyze_usage[], cmd_windows_usage[], cmd_timeline_usage[];
extern const char cmd_replay_usage[], cmd_report_usage[], cmd_export_usage[], cmd_tui_usage[];

/* Prints usage to stdout (for --help) and returns FT_EXIT_OK. */
int cmd_help(const char *usage);
/* Prints "foliotrace <cmd>: <msg>" and a hint, returns FT_EXIT_USAGE. */
int cmd_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Parses a size: a number with an optional suffix K, M, G, T (powers of
 * 1024; KB, MB, KiB, ... accepted).  Returns 0, or -1 when it is not one.
 */
int cmd_parse_size(const char *s, long long *out);

#endif
