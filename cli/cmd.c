/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cmd.c - what every subcommand shares: the option loop, number and time
 * parsing, help, one-line usage errors with "did you mean" suggestions,
 * the database open mode from the command table, the output width.
 *
 * Design: the dispatcher (main.c) sets cmd_name and cmd_db_flags from its
 * table before it runs a command, so a command never chooses its own
 * database mode: cmd_db_open() derives it from the table, and a command
 * that changes its database checks cmd_db_writable() before any output.
 * cmd_getopt() wraps getopt_long() with its own error reporting (opterr
 * off, ':' mode) so that a bad option gives exactly one line, naming the
 * option as typed, with the nearest valid option when one is close.  This
 * file depends on libc and the store only: tests/unit/test_cmd.c includes
 * it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "../core/store.h"
#include "../core/termsafe.h"

const char *cmd_name = "";
unsigned cmd_db_flags;
int cmd_verbose;

void cmd_info_msg(const char *fmt, ...)
{
	va_list ap;

	if (!cmd_verbose)
		return;
	fprintf(stderr, "foliotrace%s%s: ", *cmd_name ? " " : "", cmd_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cmd_help(const char *text)
{
	fputs(text, stdout);
	return FT_EXIT_OK;
}

int cmd_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "foliotrace%s%s: ", cmd && *cmd ? " " : "", cmd ? cmd : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "; see 'foliotrace%s%s --help'\n", cmd && *cmd ? " " : "", cmd ? cmd : "");
	return FT_EXIT_USAGE;
}

/* --- suggestions ---------------------------------------------------------- */

int cmd_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	int d[33][33];

	if (la > 32 || lb > 32)
		return 99;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = (int)i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (int)j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			int cost = a[i - 1] != b[j - 1];
			int v = d[i - 1][j] + 1;

			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < v)
				v = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	return d[la][lb];
}

const char *cmd_suggest(const char *word, const char *const *cands, int n)
{
	size_t len = strlen(word);
	int limit = len <= 4 ? 1 : len <= 8 ? 2 : 3, best = limit + 1, nprefix = 0;
	const char *pick = NULL, *prefix = NULL;

	if (!len)
		return NULL;
	for (int i = 0; i < n; i++) {
		int d = cmd_edit_distance(word, cands[i]);

		if (d < best) {
			best = d;
			pick = cands[i];
		}
		if (!strncmp(cands[i], word, len)) {
			nprefix++;
			prefix = cands[i];
		}
	}
	if (pick)
		return pick;
	return nprefix == 1 && len >= 2 ? prefix : NULL;
}

/* --- options -------------------------------------------------------------- */

static const struct option common[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "verbose", no_argument, NULL, 'v' },
};

static void build(struct cmd_getopt *g)
{
	size_t n = 0, k = 0;
	const char *s = g->shortopts ? g->shortopts : "";

	if (g->opts)
		for (; g->opts[n].name && n < 60; n++)
			g->all[n] = g->opts[n];
	for (size_t i = 0; i < sizeof(common) / sizeof(common[0]); i++)
		g->all[n++] = common[i];
	memset(&g->all[n], 0, sizeof(g->all[n]));
	/* "+" (stop at the first operand) stays first; ":" reports missing arguments */
	if (*s == '+' || *s == '-')
		g->sopts[k++] = *s++;
	g->sopts[k++] = ':';
	snprintf(g->sopts + k, sizeof(g->sopts) - k, "%shv", s);
	g->started = 1;
}

/* The long option named by "--name[=value]", exactly or as the unique prefix. */
static const struct option *long_named(const struct cmd_getopt *g, const char *arg, int *nmatch)
{
	size_t len = strcspn(arg, "=");
	const struct option *hit = NULL;

	*nmatch = 0;
	for (const struct option *o = g->all; o->name; o++) {
		if (strncmp(o->name, arg, len))
			continue;
		if (strlen(o->name) == len) {
			*nmatch = 1;
			return o;
		}
		if (!hit || hit->val != o->val || hit->has_arg != o->has_arg)
			(*nmatch)++;
		hit = o;
	}
	return hit;
}

/* One usage line for the option loop; sets the exit status. */
#define BAD(...)	(g->status = cmd_usage_error(cmd_name, __VA_ARGS__))

/* The error of a long option ("--name[=value]" at arg). */
static int bad_long(struct cmd_getopt *g, int c, const char *arg)
{
	int nmatch, n = 0, len = (int)strcspn(arg, "=");
	const struct option *o = long_named(g, arg, &nmatch);
	const char *names[64], *best;
	char word[64], list[256] = "";

	if (c == ':' && o)
		return BAD("option '--%s' requires an argument", o->name);
	if (o && nmatch > 1) {
		for (const struct option *p = g->all; p->name; p++)
			if (!strncmp(p->name, arg, (size_t)len) && strlen(list) < 200)
				snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s--%s",
					 list[0] ? ", " : "", p->name);
		return BAD("option '--%.*s' is ambiguous (%s)", len, arg, list);
	}
	if (o && arg[len] == '=' && o->has_arg == no_argument)
		return BAD("option '--%s' takes no argument", o->name);
	for (const struct option *p = g->all; p->name && n < 64; p++)
		names[n++] = p->name;
	snprintf(word, sizeof(word), "%.*s", len < 60 ? len : 60, arg);
	best = cmd_suggest(word, names, n);
	if (best)
		return BAD("unknown option '--%s' (did you mean '--%s'?)", word, best);
	return BAD("unknown option '--%s'", word);
}

static int bad_option(struct cmd_getopt *g, int c, char **argv)
{
	/* the offending word: for a missing argument, getopt has moved past it */
	const char *arg = argv[optind - 1];

	if (arg && !strncmp(arg, "--", 2) && arg[2])
		return bad_long(g, c, arg + 2);
	if (c == ':')
		return BAD("option '-%c' requires an argument", optopt);
	if (optopt > ' ' && optopt < 127)
		return BAD("unknown option '-%c'", optopt);
	return BAD("unknown option '%s'", arg ? arg : "?");
}

#undef BAD

int cmd_getopt(struct cmd_getopt *g, int argc, char **argv)
{
	int c;

	if (!g->started) {
		build(g);
		optind = 0;	/* glibc: a full re-initialisation */
	}
	opterr = 0;
	c = getopt_long(argc, argv, g->sopts, g->all, NULL);
	switch (c) {
	case 'h':
		g->status = cmd_help(g->usage);
		return CMD_DONE;
	case 'v':
		cmd_verbose++;
		return cmd_getopt(g, argc, argv);
	case '?':
	case ':':
		bad_option(g, c, argv);
		return CMD_DONE;
	default:
		return c;
	}
}

/* --- numbers -------------------------------------------------------------- */

int cmd_parse_int(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	if (!s || !*s || s[0] == ' ' || s[0] == '+' || (s[0] == '-' && min >= 0))
		return -1;
	errno = 0;
	if (!strncasecmp(s, "0x", 2) && s[2])
		v = strtoll(s, &end, 16);
	else
		v = strtoll(s, &end, 10);	/* "010" is ten, not eight */
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int cmd_parse_time_ns(const char *s, int64_t *ns)
{
	static const struct { const char *name; int64_t ns; } units[] = {
		{ "", 1000000000 }, { "s", 1000000000 }, { "ms", 1000000 }, { "us", 1000 },
		{ "\xc2\xb5s", 1000 }, { "ns", 1 },
	};
	const char *p = s;
	uint64_t ip = 0, frac = 0, scale = 1;
	int64_t unit = -1;
	int digits = 0, fd = 0;

	if (!s)
		return -1;
	for (; *p >= '0' && *p <= '9'; p++, digits++) {
		if (ip > (UINT64_MAX - 9) / 10)
			return -1;
		ip = ip * 10 + (uint64_t)(*p - '0');
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, digits++, fd++)
			if (fd < 18) {	/* more digits than any unit resolves are ignored */
				frac = frac * 10 + (uint64_t)(*p - '0');
				scale *= 10;
			}
	}
	if (!digits)
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(p, units[i].name))
			unit = units[i].ns;
	if (unit < 0)
		return -1;
	if (ip > (uint64_t)INT64_MAX / (uint64_t)unit)
		return -1;
	{
		/* frac/scale of a unit, rounded: frac < scale <= 1e18, unit <= 1e9 */
		unsigned __int128 f = (unsigned __int128)frac * (uint64_t)unit + scale / 2;
		uint64_t add = (uint64_t)(f / scale);
		uint64_t v = ip * (uint64_t)unit;

		if (v > (uint64_t)INT64_MAX - add)
			return -1;
		*ns = (int64_t)(v + add);
	}
	return 0;
}

int cmd_parse_seconds(const char *s, double max_s, double *out)
{
	int64_t ns;

	if (cmd_parse_time_ns(s, &ns) < 0 || (double)ns / 1e9 > max_s)
		return -1;
	*out = (double)ns / 1e9;
	return 0;
}

int cmd_parse_size(const char *s, long long *out)
{
	static const char units[] = "KMGT";
	unsigned long long v, mul = 1;
	char *end;
	const char *u;

	errno = 0;
	if (!*s || *s == '-' || *s == '+' || *s == ' ')
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

/* --- databases and terminals ---------------------------------------------- */

int cmd_db_writable(const char *path, struct ft_err *e)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');

	if (access(path, F_OK) < 0)
		return 0;	/* store_open() says what is wrong with it */
	if (access(path, W_OK) < 0)
		return ft_error(e, -EROFS, "%s: read-only database: foliotrace %s stores its "
				"results there (make it writable, or work on a copy)", path,
				cmd_name);
	/* the rollback journal is created beside it */
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) + 1 : 1,
		 slash ? path : ".");
	if (access(dir, W_OK | X_OK) < 0)
		return ft_error(e, -EROFS, "%s: read-only directory: foliotrace %s needs to "
				"write its journal beside the database (work on a copy)", path,
				cmd_name);
	return 0;
}

int cmd_db_open(struct store **s, const char *path, struct ft_err *e)
{
	if (cmd_db_flags & CMD_DB_WRITE) {
		if (cmd_db_writable(path, e) < 0)
			return -EROFS;
		cmd_info_msg("%s: opening read-write", path);
		return store_open(s, path, STORE_READWRITE, e);
	}
	if (cmd_db_flags & CMD_DB_READ) {
		cmd_info_msg("%s: opening read-only", path);
		return store_open(s, path, STORE_READONLY, e);
	}
	return ft_error(e, -EINVAL, "%s: foliotrace %s has no database in the command table",
			path, cmd_name);
}

int cmd_out_width(void)
{
	struct winsize ws;
	const char *c;
	long v;

	if (!isatty(STDOUT_FILENO))
		return 0;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	c = getenv("COLUMNS");
	if (c && (v = strtol(c, NULL, 10)) >= 20 && v <= 10000)
		return (int)v;
	return 80;
}

/* --- text tables ---------------------------------------------------------- */

int cmd_fit(char **safe, size_t cols)
{
	char *str = *safe, *grown;
	size_t n = strlen(str), i = 0, used = 0;
	uint32_t cp;

	if (ft_term_width(str) <= cols)
		return 0;
	/* keep cols - 1 columns (none when cols is 0), then the marker */
	while (i < n && cols) {
		size_t l = ft_utf8_next(str + i, n - i, &cp);
		int w = l ? ft_term_cp_width(cp) : 1;

		if (!l)
			l = 1;
		if (used + (size_t)w > cols - 1)
			break;
		used += (size_t)w;
		i += l;
	}
	grown = realloc(str, i + sizeof(FT_TERM_CUT_MARK));
	if (!grown) {
		str[i] = '\0';	/* cut, unmarked: still fits */
		return 1;
	}
	memcpy(grown + i, FT_TERM_CUT_MARK, sizeof(FT_TERM_CUT_MARK));
	*safe = grown;
	return 1;
}

static int table_grow(struct cmd_table *t)
{
	if (t->ncols <= 0 || t->ncols > CMD_TABLE_MAXCOLS)
		return -EINVAL;
	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		char **c = realloc(t->cell, cap * (size_t)t->ncols * sizeof(*c));
		unsigned char *nt;

		if (!c)
			return -ENOMEM;
		t->cell = c;
		nt = realloc(t->note, cap);
		if (!nt)
			return -ENOMEM;
		t->note = nt;
		t->cap = cap;
	}
	return 0;
}

int cmd_table_add(struct cmd_table *t, const char *const *cells)
{
	char **row;
	int ret = table_grow(t);

	if (ret < 0)
		return ret;
	row = t->cell + t->nrows * (size_t)t->ncols;
	for (int i = 0; i < t->ncols; i++) {
		row[i] = ft_term_dupn(cells[i] ? cells[i] : "", cells[i] ? strlen(cells[i]) : 0);
		if (!row[i]) {
			while (i--)
				free(row[i]);
			return -ENOMEM;
		}
	}
	t->note[t->nrows++] = 0;
	return 0;
}

int cmd_table_note(struct cmd_table *t, const char *text)
{
	char **row;
	int ret = table_grow(t);

	if (ret < 0)
		return ret;
	row = t->cell + t->nrows * (size_t)t->ncols;
	memset(row, 0, (size_t)t->ncols * sizeof(*row));
	row[0] = ft_term_dupn(text, strlen(text));
	if (!row[0])
		return -ENOMEM;
	t->note[t->nrows++] = 1;
	return 0;
}

size_t cmd_table_print(const struct cmd_table *t, FILE *f, int width)
{
	size_t w[CMD_TABLE_MAXCOLS] = { 0 }, cut = 0;
	char *line = NULL;
	size_t len = 0;

	for (size_t r = 0; r < t->nrows; r++)
		for (int c = 0; c < t->ncols && !t->note[r]; c++) {
			size_t cw = ft_term_width(t->cell[r * (size_t)t->ncols + c]);

			if (cw > w[c])
				w[c] = cw;
		}
	for (size_t r = 0; r < t->nrows && !ferror(f); r++) {
		FILE *m = open_memstream(&line, &len);
		char **row = t->cell + r * (size_t)t->ncols;
		int last = t->ncols - 1;

		if (!m)
			return cut;
		if (t->note[r]) {
			fputs(row[0], m);
		} else {
			/* the last non-empty cell is not padded: no trailing blanks */
			while (last > 0 && !row[last][0])
				last--;
			for (int c = 0; c <= last; c++) {
				size_t pad = w[c] - ft_term_width(row[c]);

				if (c)
					fputc(' ', m);
				if (t->right[c])
					fprintf(m, "%*s%s", (int)pad, "", row[c]);
				else
					fprintf(m, "%s%*s", row[c], c == last ? 0 : (int)pad, "");
			}
		}
		fclose(m);
		if (width > 0)
			cut += (size_t)cmd_fit(&line, (size_t)width);
		fprintf(f, "%s\n", line);
		free(line);
		line = NULL;
	}
	if (cut && asprintf(&line, "(lines cut to %d columns at " FT_TERM_CUT_MARK "; piped, they "
			    "are whole)", width) > 0) {
		cmd_fit(&line, (size_t)width);
		fprintf(f, "%s\n", line);
		free(line);
	}
	return cut;
}

void cmd_table_free(struct cmd_table *t)
{
	for (size_t i = 0; i < t->nrows * (size_t)t->ncols; i++)
		free(t->cell[i]);
	free(t->cell);
	free(t->note);
	t->cell = NULL;
	t->note = NULL;
	t->nrows = t->cap = 0;
}
