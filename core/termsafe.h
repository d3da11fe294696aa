/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * termsafe.h - strings from a trace or a database, made safe for a terminal.
 *
 * Every byte of a trace (a task names itself with prctl(PR_SET_NAME)) and
 * every text cell of a database may be hostile: an escape sequence that
 * sets the window title, clears the screen, rewrites the scrollback or
 * answers back.  Every text output (info, windows, timeline, sql, replay,
 * the TUI) passes such strings through ft_term_safe() or one of its
 * wrappers, which keeps valid printable UTF-8 as is and shows the rest as
 * visible escapes:
 *
 *   \n \r \t \\      newline, carriage return, tab, backslash
 *   \xNN             another C0 control, DEL, or a byte that is not part
 *                    of valid UTF-8 (stray continuation byte, overlong
 *                    form, surrogate, beyond U+10FFFF, truncated sequence,
 *                    raw 8-bit C1 such as 0x9b = CSI)
 *   \uNNNN           a C1 control (U+0080..U+009F) validly encoded, or a
 *                    bidirectional-text control (U+061C, U+200E/F,
 *                    U+202A..U+202E, U+2066..U+2069) or U+2028/U+2029
 *
 * The output is cut on a character boundary (never inside an escape or a
 * multi-byte character) to fit maxcols display columns and the buffer;
 * a cut string ends with the marker "…" (U+2026, one column).
 * Display widths are the program's own (wide East Asian and emoji ranges
 * count 2, combining marks 0), independent of the locale.
 *
 * JSON, HTML and Perfetto outputs do not use this: they keep valid UTF-8
 * as is and escape in their own syntax (core/json.c, ft_utf8_next()).
 */
#ifndef FT_TERMSAFE_H
#define FT_TERMSAFE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define FT_TERM_CUT_MARK	"\xe2\x80\xa6"	/* "…" */

/*
 * Decodes one UTF-8 character at s[0..n): returns its length (1-4) with
 * *cp set, or 0 when s[0] does not start a valid, shortest-form character
 * of at most U+10FFFF that is not a surrogate.
 */
size_t ft_utf8_next(const char *s, size_t n, uint32_t *cp);

/* 1 when code point cp is shown escaped (C0, DEL, C1, bidi controls). */
int ft_term_cp_unsafe(uint32_t cp);

/* Display columns of a printable code point: 0, 1 or 2. */
int ft_term_cp_width(uint32_t cp);

/*
 * Writes in[0..len) made safe into out[0..n) (always NUL-terminated when
 * n > 0), at most maxcols columns (0: no limit).  Returns the columns
 * used.  *cut (may be NULL) is set to 1 when the text was cut.
 */
size_t ft_term_safen(char *out, size_t n, const char *in, size_t len, size_t maxcols,
		     int *cut);
/* The same for a NUL-terminated string; NULL gives "". */
size_t ft_term_safe(char *out, size_t n, const char *in, size_t maxcols);

/* Display columns of a string that is already safe (an ft_term_* output). */
size_t ft_term_width(const char *safe);

/* A malloc'ed safe copy of in[0..len) (no column limit); NULL if out of memory. */
char *ft_term_dupn(const char *in, size_t len);

/*
 * Prints in made safe to f, cut to maxcols columns (0: no limit), then
 * spaces up to width columns (0: none).  NULL prints "".
 * Returns the columns printed.
 */
size_t ft_term_put(FILE *f, const char *in, size_t width, size_t maxcols);

/*
 * For printf arguments: in made safe, in one of 8 rotating static buffers
 * of FT_TERM_S_MAX bytes (cut with the marker beyond).  Single-threaded
 * front ends only.  NULL gives "".
 */
#define FT_TERM_S_MAX	4096
const char *ft_term_s(const char *in);

#endif
