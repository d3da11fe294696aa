/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_cmd.c - the front end's shared parsers and helpers (cli/cmd.c):
 * times with units, integers, sizes, the edit distance behind "did you
 * mean", the one-line usage errors of the option loop, the cut of a line to
 * a terminal's width, the text table.  Expected values come from the
 * definitions (1 ms = 1e6 ns, 1 K = 1024, the Levenshtein distance of
 * kitten and sitting is 3), not from the program's output.  cli/cmd.c is
 * not in the library the unit tests link: it is included here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "../../cli/cmd.c"

static void time_is(const char *s, long long want)
{
	int64_t ns = -7;
	int r = cmd_parse_time_ns(s, &ns);

	if (want < 0)
		CHECK(r < 0, "time '%s' is refused", s);
	else
		CHECK(r == 0 && ns == want, "time '%s' = %lld ns (got %d, %lld)", s, want, r,
		      (long long)ns);
}

static void int_is(const char *s, long long min, long long max, int ok, long long want)
{
	long long v = -7;
	int r = cmd_parse_int(s, min, max, &v);

	if (!ok)
		CHECK(r < 0, "integer '%s' in [%lld, %lld] is refused", s, min, max);
	else
		CHECK(r == 0 && v == want, "integer '%s' = %lld (got %d, %lld)", s, want, r, v);
}

/* Runs the option loop on argv; returns what stderr (or stdout) received. */
static char *run_opts(const char *const *args, int *ret, int *status, int want_stdout)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ "verdict", required_argument, NULL, 'V' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	struct cmd_getopt g = CMD_GETOPT("o:f", opts, "usage: foliotrace test [options]\n");
	char *argv[16], path[] = "/tmp/test_cmd.XXXXXX", *buf;
	int argc = 0, fd = mkstemp(path), save, c, target = want_stdout ? 1 : 2;
	FILE *out = want_stdout ? stdout : stderr;
	long len;

	for (; args[argc]; argc++)
		argv[argc] = (char *)args[argc];
	argv[argc] = NULL;
	fflush(out);
	save = dup(target);
	dup2(fd, target);
	*ret = 0;
	while ((c = cmd_getopt(&g, argc, argv)) != -1) {
		*ret = c;
		if (c == CMD_DONE)
			break;
	}
	*status = g.status;
	fflush(out);
	dup2(save, target);
	close(save);
	len = lseek(fd, 0, SEEK_END);
	buf = calloc(1, (size_t)len + 1);
	if (buf && pread(fd, buf, (size_t)len, 0) != len)
		buf[0] = '\0';
	close(fd);
	unlink(path);
	return buf;
}

/* A copy on one line, for a check's message. */
static const char *one_line(const char *s)
{
	static char buf[512];
	size_t i = 0;

	for (; s && s[i] && i < sizeof(buf) - 1; i++)
		buf[i] = s[i] == '\n' ? '|' : s[i];
	buf[i] = '\0';
	return s ? buf : "?";
}

static int lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void usage_error(const char *const *args, const char *want, const char *what)
{
	int ret, status;
	char *err = run_opts(args, &ret, &status, 0);

	CHECK(ret == CMD_DONE && status == FT_EXIT_USAGE, "%s: exit status 2 (%d, %d)", what, ret,
	      status);
	CHECK(err && lines(err) == 1, "%s: one line (%s)", what, one_line(err));
	CHECK(err && strstr(err, want), "%s: says \"%s\" (%s)", what, want, one_line(err));
	free(err);
}

static void fit_is(const char *in, size_t cols, const char *want, int cut)
{
	char *s = strdup(in);
	int r = cmd_fit(&s, cols);

	CHECK(r == cut && !strcmp(s, want), "'%s' in %zu columns is '%s' (got '%s')", in, cols,
	      want, s);
	free(s);
}

int main(void)
{
	/* times: seconds, with the units' definitions */
	time_is("1.5", 1500000000);
	time_is("1.5s", 1500000000);
	time_is("200ms", 200000000);
	time_is("30us", 30000);
	time_is("30\xc2\xb5s", 30000);
	time_is("100ns", 100);
	time_is("0", 0);
	time_is("12", 12000000000ll);
	time_is(".25", 250000000);
	time_is("0.000000001", 1);
	time_is("1.0000000004", 1000000000);	/* below 1 ns: rounded to the nearest */
	time_is("1.0000000005", 1000000001);
	time_is("1.5ns", 2);
	time_is("1234567.8ms", 1234567800000ll);	/* export --help's example */
	time_is("9223372036.854775807", 9223372036854775807ll);	/* INT64_MAX ns */
	time_is("9223372036.854775808", -1);
	time_is("99999999999999999999", -1);
	time_is("", -1);
	time_is(".", -1);
	time_is("s", -1);
	time_is("-1", -1);
	time_is("+1", -1);
	time_is(" 1", -1);
	time_is("1 s", -1);
	time_is("1e3", -1);
	time_is("1.5x", -1);
	time_is("1m", -1);	/* minutes are not a unit: ms is */
	time_is("1S", -1);
	{
		double s = -1;

		CHECK(cmd_parse_seconds("90s", 100, &s) == 0 && s == 90.0, "90s is 90 seconds");
		CHECK(cmd_parse_seconds("500ms", 100, &s) == 0 && s == 0.5, "500ms is 0.5 s");
		CHECK(cmd_parse_seconds("101", 100, &s) < 0, "101 s is over a 100 s maximum");
	}

	/* integers */
	int_is("0x10", 0, 100, 1, 16);
	int_is("0X1f", 0, 100, 1, 31);
	int_is("010", 0, 100, 1, 10);
	int_is("100", 0, 100, 1, 100);
	int_is("101", 0, 100, 0, 0);
	int_is("-1", 0, 100, 0, 0);
	int_is("-5", -10, 10, 1, -5);
	int_is("1 ", 0, 100, 0, 0);
	int_is("", 0, 100, 0, 0);
	int_is("0x", 0, 100, 0, 0);
	int_is("1.5", 0, 100, 0, 0);
	int_is("9223372036854775807", 0, INT64_MAX, 1, INT64_MAX);
	int_is("9223372036854775808", 0, INT64_MAX, 0, 0);

	/* sizes: powers of 1024 */
	{
		long long v = -1;

		CHECK(cmd_parse_size("64G", &v) == 0 && v == 64ll << 30, "64G = 64 * 2^30");
		CHECK(cmd_parse_size("1KiB", &v) == 0 && v == 1024, "1KiB = 1024");
		CHECK(cmd_parse_size("3mb", &v) == 0 && v == 3 << 20, "3mb = 3 * 2^20");
		CHECK(cmd_parse_size("512", &v) == 0 && v == 512, "512 = 512");
		CHECK(cmd_parse_size("1X", &v) < 0, "1X is refused");
		CHECK(cmd_parse_size("-1", &v) < 0, "-1 is refused");
		CHECK(cmd_parse_size("8388608T", &v) < 0, "2^23 T is past INT64_MAX");
	}

	/* the distance behind the suggestions: optimal string alignment */
	CHECK_EQ_INT(cmd_edit_distance("kitten", "sitting"), 3, "kitten/sitting");
	CHECK_EQ_INT(cmd_edit_distance("ab", "ba"), 1, "a transposition is one edit");
	CHECK_EQ_INT(cmd_edit_distance("", "abc"), 3, "empty/abc");
	CHECK_EQ_INT(cmd_edit_distance("output", "output"), 0, "equal");
	{
		static const char *const cmds[] = { "import", "info", "sql", "record", "analyze",
			"windows", "timeline", "replay", "tui", "report", "export" };
		const char *s;

		s = cmd_suggest("improt", cmds, 11);
		CHECK(s && !strcmp(s, "import"), "improt: did you mean import (%s)", s ? s : "-");
		s = cmd_suggest("windwos", cmds, 11);
		CHECK(s && !strcmp(s, "windows"), "windwos: windows (%s)", s ? s : "-");
		s = cmd_suggest("analyse", cmds, 11);
		CHECK(s && !strcmp(s, "analyze"), "analyse: analyze (%s)", s ? s : "-");
		s = cmd_suggest("tim", cmds, 11);
		CHECK(s && !strcmp(s, "timeline"), "tim: the one command it begins (%s)", s ? s : "-");
		CHECK(!cmd_suggest("re", cmds, 11), "re: three commands begin so, none suggested");
		CHECK(!cmd_suggest("frobnicate", cmds, 11), "frobnicate: nothing near");
	}

	/* the option loop: one line per usage error, with the nearest option */
	{
		const char *a1[] = { "test", "--outptu", "x", NULL };
		const char *a2[] = { "test", "-o", NULL };
		const char *a3[] = { "test", "--output", NULL };
		const char *a4[] = { "test", "--json=1", NULL };
		const char *a5[] = { "test", "--ver", NULL };
		const char *a6[] = { "test", "-x", NULL };
		const char *a7[] = { "test", "--zzzzzz", NULL };
		const char *a8[] = { "test", "-h", NULL };
		const char *a9[] = { "test", "-v", "--json", "DB", NULL };
		int ret, status;
		char *out;

		cmd_name = "test";
		usage_error(a1, "unknown option '--outptu' (did you mean '--output'?); see "
			    "'foliotrace test --help'", "--outptu");
		usage_error(a2, "option '-o' requires an argument", "-o without its argument");
		usage_error(a3, "option '--output' requires an argument", "--output without it");
		usage_error(a4, "option '--json' takes no argument", "--json=1");
		usage_error(a5, "option '--ver' is ambiguous (--verdict, --verbose)", "--ver");
		usage_error(a6, "unknown option '-x'", "-x");
		usage_error(a7, "unknown option '--zzzzzz'; see", "--zzzzzz: no suggestion");
		out = run_opts(a8, &ret, &status, 1);
		CHECK(ret == CMD_DONE && status == 0 && out && !strcmp(out, "usage: foliotrace test "
		      "[options]\n"), "-h prints the usage on stdout, status 0");
		free(out);
		cmd_verbose = 0;
		out = run_opts(a9, &ret, &status, 0);
		CHECK(ret == 'j' && cmd_verbose == 1 && optind == 3 && out && !*out,
		      "-v sets verbose and the loop goes on (%d, %d, %d)", ret, cmd_verbose, optind);
		free(out);
		cmd_verbose = 0;
	}

	/* cutting to a width: the marker takes the last column */
	fit_is("abcdef", 6, "abcdef", 0);
	fit_is("abcdef", 4, "abc\xe2\x80\xa6", 1);
	fit_is("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 4, "\xe6\x97\xa5\xe2\x80\xa6", 1);	/* 日本語: 2 columns each */
	fit_is("a\\x1bcd", 4, "a\\x\xe2\x80\xa6", 1);

	/* tables: columns as wide as their widest cell, cut only when asked */
	{
		struct cmd_table t = { .ncols = 3, .right = { 1 } };
		const char *r1[] = { "id", "name", "x" }, *r2[] = { "1234", "a", "yz" };
		const char *r3[] = { "5", "long name\x1b", "" };
		char *buf = NULL;
		size_t len = 0, cut;
		FILE *f = open_memstream(&buf, &len);

		cmd_table_add(&t, r1);
		cmd_table_add(&t, r2);
		cmd_table_note(&t, "-- a note --");
		cmd_table_add(&t, r3);
		cut = cmd_table_print(&t, f, 0);
		fclose(f);
		CHECK(cut == 0 && buf && !strcmp(buf, "  id name          x\n1234 a             yz\n"
		      "-- a note --\n   5 long name\\x1b\n"), "a table with no width: complete (%s)",
		      one_line(buf));
		free(buf);
		buf = NULL;
		f = open_memstream(&buf, &len);
		cut = cmd_table_print(&t, f, 12);
		fclose(f);
		CHECK(cut == 3 && buf && !strcmp(buf, "  id name  \xe2\x80\xa6\n1234 a     \xe2\x80\xa6\n"
		      "-- a note --\n   5 long n\xe2\x80\xa6\n(lines cut \xe2\x80\xa6\n"), "a table in 12 columns "
		      "(%s)",
		      one_line(buf));
		free(buf);
		cmd_table_free(&t);
	}
	return tap_done();
}
