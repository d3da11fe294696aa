/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_termsafe.c - ft_term_safe() against hostile strings, and JSON
 * strings keeping valid UTF-8 (core/termsafe.c, core/json.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "../../core/json.h"
#include "../../core/termsafe.h"

/* No byte that a terminal acts on: C0 (but none at all), DEL, ESC, 8-bit C1. */
static int inert(const char *s)
{
	uint32_t cp;

	for (size_t i = 0, n = strlen(s), l; i < n; i += l) {
		l = ft_utf8_next(s + i, n - i, &cp);
		if (!l || cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
			return 0;
	}
	return 1;
}

static void safe_is(const char *in, size_t len, size_t maxcols, const char *want,
		    const char *what)
{
	char out[256];
	int cut;

	ft_term_safen(out, sizeof(out), in, len, maxcols, &cut);
	CHECK(!strcmp(out, want) && inert(out), "%s: got '%s', want '%s'", what, out, want);
}

#define SAFE(in, cols, want, what) safe_is(in, sizeof(in) - 1, cols, want, what)

static void json_is(const char *in, size_t len, const char *want, const char *what)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	json_strn(f, in, len);
	fclose(f);
	CHECK(!strcmp(buf, want), "json %s: got %s, want %s", what, buf, want);
	free(buf);
}

#define JSON(in, want, what) json_is(in, sizeof(in) - 1, want, what)

int main(void)
{
	char out[64];
	size_t cols;
	int cut;

	/* kept as is */
	SAFE("kworker/u8:2", 0, "kworker/u8:2", "plain ASCII kept");
	SAFE("caf\xc3\xa9 \xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x98\x80", 0,
	     "caf\xc3\xa9 \xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x98\x80", "valid UTF-8 kept");

	/* what a hostile comm does to a terminal, shown instead */
	SAFE("\x1b]0;pwned\x07\x1b[2J", 0, "\\x1b]0;pwned\\x07\\x1b[2J", "OSC title + CSI clear");
	SAFE("a\x9b" "2Jb", 0, "a\\x9b2Jb", "raw 8-bit CSI 0x9b");
	SAFE("a\xc2\x9b" "2J", 0, "a\\u009b2J", "C1 CSI encoded as UTF-8");
	SAFE("\xc2\x85x\xc2\x9d", 0, "\\u0085x\\u009d", "C1 NEL and OSC encoded");
	SAFE("x\x7fy", 0, "x\\x7fy", "DEL");
	SAFE("a\nb\rc\td\\e", 0, "a\\nb\\rc\\td\\\\e", "newline, CR, tab, backslash");
	safe_is("a\0b", 3, 0, "a\\x00b", "embedded NUL");
	SAFE("\xe2\x80\xae" "evil", 0, "\\u202eevil", "bidi override");

	/* invalid UTF-8: every offending byte shown, the rest resynchronised */
	SAFE("\xc0\xaf", 0, "\\xc0\\xaf", "overlong '/' (2 bytes)");
	SAFE("\xe0\x80\xaf", 0, "\\xe0\\x80\\xaf", "overlong '/' (3 bytes)");
	SAFE("\xf0\x80\x80\xaf", 0, "\\xf0\\x80\\x80\\xaf", "overlong '/' (4 bytes)");
	SAFE("\xc1\x9b", 0, "\\xc1\\x9b", "overlong CSI");
	SAFE("\xed\xa0\x80", 0, "\\xed\\xa0\\x80", "surrogate U+D800");
	SAFE("\xf4\x90\x80\x80", 0, "\\xf4\\x90\\x80\\x80", "beyond U+10FFFF");
	SAFE("\xff\xfe", 0, "\\xff\\xfe", "0xff 0xfe");
	SAFE("ab\xe4\xb8", 0, "ab\\xe4\\xb8", "truncated 3-byte sequence at the end");
	SAFE("\xe4" "a", 0, "\\xe4a", "truncated sequence before ASCII");
	SAFE("\x80\xbf", 0, "\\x80\\xbf", "stray continuation bytes");

	/* cut on character boundaries, with the marker */
	SAFE("abcdefgh", 5, "abcd" FT_TERM_CUT_MARK, "cut to 5 columns");
	SAFE("abcde", 5, "abcde", "exactly 5 columns: not cut");
	SAFE("ab\xe4\xb8\xad\xe4\xb8\xad", 5, "ab\xe4\xb8\xad" FT_TERM_CUT_MARK,
	     "wide char at the cut");
	SAFE("ab\xe4\xb8\xad\xe4\xb8\xad", 4, "ab" FT_TERM_CUT_MARK,
	     "wide char straddling the cut is dropped whole");
	SAFE("ab\x1b[2J", 4, "ab" FT_TERM_CUT_MARK, "an escape is never cut in half");
	SAFE("a\xc3\xa9\xc3\xa9\xc3\xa9", 3, "a\xc3\xa9" FT_TERM_CUT_MARK,
	     "2-byte chars: cut between characters");
	cols = ft_term_safen(out, sizeof(out), "e\xcc\x81x", 4, 0, &cut);
	CHECK_EQ_INT(cols, 2, "combining mark takes no column");
	cols = ft_term_safen(out, 8, "\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad", 9, 0, &cut);
	CHECK(cut && strlen(out) < 8 && inert(out) &&
	      !strcmp(out, "\xe4\xb8\xad" FT_TERM_CUT_MARK), "small buffer: cut on a boundary (%s)",
	      out);
	ft_term_safen(out, 6, "\x1b\x1b\x1b", 3, 0, &cut);
	CHECK(cut && !strchr(out, '\x1b') && strlen(out) < 6, "small buffer: escapes not split (%s)",
	      out);
	ft_term_safen(out, sizeof(out), NULL, 0, 0, &cut);
	CHECK(!strcmp(out, "") && !cut, "NULL is empty");
	{
		char *d = ft_term_dupn("\xc2\x9b\xc2\x9b\x9b\x9b", 6);

		CHECK(d && !strcmp(d, "\\u009b\\u009b\\x9b\\x9b"), "dup sizes its buffer (%s)", d);
		free(d);
	}

	/* JSON: valid UTF-8 as is, controls escaped, invalid bytes \ufffd */
	JSON("caf\xc3\xa9 \xf0\x9f\x98\x80", "\"caf\xc3\xa9 \xf0\x9f\x98\x80\"", "valid UTF-8 kept");
	JSON("\x1b]0;x\x07", "\"\\u001b]0;x\\u0007\"", "controls escaped");
	JSON("\xc2\x9b" "a", "\"\\u009ba\"", "C1 escaped");
	JSON("a\x9b" "b\xc0\xaf", "\"a\\ufffdb\\ufffd\\ufffd\"", "invalid bytes as U+FFFD");
	JSON("q\"b\\", "\"q\\\"b\\\\\"", "quote and backslash");
	return tap_done();
}
