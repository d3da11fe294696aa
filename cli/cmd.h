/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cmd.h - the subcommand table's types and the front end's shared parts
 * (cli/cmd.c): option parsing, number and time parsing, help, usage errors.
 *
 * Adding a subcommand:
 *  1. write cli/cmd_<name>.c with `int cmd_<name>(int argc, char **argv,
 *     struct ft_err *e)` shaped like the others: defaults -> the option loop
 *     on cmd_getopt() -> validate -> run -> `goto out` cleanup; return an
 *     FT_EXIT_* code;
 *  2. give it a usage text (cmd_<name>_usage) that --help prints;
 *  3. add a row to commands[] in cli/main.c with its database flags (the
 *     dispatcher enforces them: cmd_db_open() opens in the mode they say);
 *  4. write docs/man/foliotrace-<name>.1 (tests/t0001-help.sh checks that
 *     every command has --help and a man page, t0002 that they agree);
 *  5. the bash completion reads the options from --help; give the values
 *     of an option that takes a fixed list in scripts/foliotrace-completion.bash;
 *  6. add tests under tests/.
 */
#ifndef FT_CMD_H
#define FT_CMD_H

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>

#include "../core/err.h"

struct store;

enum {
	FT_EXIT_OK = 0,
	FT_EXIT_FAIL = 1,	/* the job failed: see the message */
	FT_EXIT_USAGE = 2,	/* bad command line */
	FT_EXIT_INTR = 130,	/* interrupted by a signal */
};

enum cmd_flags {
	CMD_NEEDS_ROOT	= 1 << 0,	/* checked by the dispatcher */
	CMD_DB_READ	= 1 << 2,	/* reads a database: cmd_db_open() opens it read-only */
	CMD_DB_WRITE	= 1 << 3,	/* changes one: cmd_db_open() opens it read-write and
					   cmd_db_writable() is checked before any work */
	CMD_DB_CREATE	= 1 << 4,	/* creates a new database (import, record) */
	CMD_DB_OPTIONAL	= 1 << 5,	/* the database argument is optional (replay) */
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

/* --- the running command (set by the dispatcher) ----------------------- */

/* The command's name ("import"), its flags from the table, -v given. */
extern const char *cmd_name;
extern unsigned cmd_db_flags;
extern int cmd_verbose;

/* With -v: "foliotrace CMD: <msg>" on stderr; nothing otherwise. */
void cmd_info_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* --- options ------------------------------------------------------------ */

/*
 * The option loop of every command:
 *
 *	struct cmd_getopt g = CMD_GETOPT("o:fq", opts, cmd_import_usage);
 *	while ((c = cmd_getopt(&g, argc, argv)) != -1) {
 *		switch (c) {
 *		...
 *		case CMD_DONE: return g.status;
 *		}
 *	}
 *
 * -h/--help (prints the usage, status 0) and -v/--verbose (sets
 * cmd_verbose) are added to every command.  A bad option ends in one line
 * on stderr ("foliotrace CMD: unknown option '--outptu' (did you mean
 * '--output'?); see 'foliotrace CMD --help'"), status 2.  The option
 * table's entries must not use 'h', 'v' or CMD_DONE as their value.
 */
#define CMD_DONE	(-2)

struct cmd_getopt {
	const char *shortopts;		/* as getopt's, without h and v */
	const struct option *opts;	/* NULL-terminated; help and verbose added */
	const char *usage;
	int status;			/* the exit status when CMD_DONE is returned */
	int started;
	struct option all[64];
	char sopts[64];
};

#define CMD_GETOPT(s, o, u) { .shortopts = (s), .opts = (o), .usage = (u) }

int cmd_getopt(struct cmd_getopt *g, int argc, char **argv);

/* Prints usage to stdout (for --help) and returns FT_EXIT_OK. */
int cmd_help(const char *usage);
/*
 * Prints one line "foliotrace <cmd>: <msg>; see 'foliotrace <cmd> --help'"
 * on stderr and returns FT_EXIT_USAGE.
 */
int cmd_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * The candidate nearest to word (edit distance with transpositions), or
 * NULL when none is near: at most 1 edit for words of up to 4 characters,
 * 2 up to 8, 3 beyond; a unique prefix of a candidate also counts.
 */
const char *cmd_suggest(const char *word, const char *const *cands, int n);
/* The optimal-string-alignment distance of a and b (tests). */
int cmd_edit_distance(const char *a, const char *b);

/* --- numbers ------------------------------------------------------------ */

/*
 * An integer: decimal, or hexadecimal with 0x; within [min, max].
 * Returns 0, or -1 when s is not one (empty, junk, out of range).
 */
int cmd_parse_int(const char *s, long long min, long long max, long long *out);

/*
 * A time: a non-negative decimal number of seconds with an optional unit
 * s, ms, us (or µs) or ns: "1.5", "1.5s", "200ms", "30us", "100ns".  The
 * value is converted to nanoseconds exactly (decimal digits, no floating
 * point), rounded to the nearest nanosecond.  Returns 0, or -1.
 */
int cmd_parse_time_ns(const char *s, int64_t *ns);
/* The same, as seconds in [0, max_s] (a double). */
int cmd_parse_seconds(const char *s, double max_s, double *out);

/*
 * A size: a number with an optional suffix K, M, G, T (powers of 1024;
 * KB, MB, KiB, ... accepted).  Returns 0, or -1 when it is not one.
 */
int cmd_parse_size(const char *s, long long *out);

/* --- databases and terminals -------------------------------------------- */

/*
 * Opens the command's database in the mode its flags in the command table
 * say (CMD_DB_WRITE: read-write, CMD_DB_READ: read-only); a command with
 * no database flag gets -EINVAL (a bug in the table).  Returns 0 or < 0
 * with e set.
 */
int cmd_db_open(struct store **s, const char *path, struct ft_err *e);
/*
 * For a command that changes its database: fails first (before any work
 * or output) when path cannot be written: "PATH: read-only database: ...".
 */
int cmd_db_writable(const char *path, struct ft_err *e);

/*
 * The width text tables may use on stdout: 0 (no limit) when stdout is not
 * a terminal; the terminal's width (TIOCGWINSZ, else $COLUMNS, else 80)
 * when it is.
 */
int cmd_out_width(void);

/*
 * A text table whose columns are as wide as their widest cell: complete
 * when stdout is not a terminal; on a terminal each line longer than the
 * width is cut to it, the cut marked with "…" (FT_TERM_CUT_MARK).  Cells
 * are made safe for the terminal (core/termsafe.h) when added.
 */
#define CMD_TABLE_MAXCOLS	24

struct cmd_table {
	int ncols;
	size_t nrows, cap;
	char **cell;		/* nrows * ncols safe strings */
	unsigned char *note;	/* per row: 1 when it is a free text line (cell 0) */
	int right[CMD_TABLE_MAXCOLS];	/* columns aligned right */
};

/* Adds a row of t->ncols cells (NULL: empty).  0 or -ENOMEM. */
int cmd_table_add(struct cmd_table *t, const char *const *cells);
/* Adds a line of free text, not aligned with the columns. */
int cmd_table_note(struct cmd_table *t, const char *text);
/*
 * Prints the table; width 0: no limit.  Returns the number of lines cut;
 * when some were, a last line says so.
 */
size_t cmd_table_print(const struct cmd_table *t, FILE *f, int width);
void cmd_table_free(struct cmd_table *t);
/*
 * Cuts a malloc'ed string that is already safe to at most cols display
 * columns, the last one the cut marker (*safe may be reallocated); returns
 * 1 when it cut.  cols 0 leaves the marker only.
 */
int cmd_fit(char **safe, size_t cols);

#endif
