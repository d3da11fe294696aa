/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * term.h - the terminal: curses set-up and restore, colours (256, 8 or
 * monochrome), line-drawing glyphs (UTF-8 or ASCII), mouse, and signals.
 * The only module that calls initscr/endwin or installs signal handlers.
 *
 * Restore contract: after term_open() succeeds, term_close() leaves the
 * terminal as it was (normal screen, cooked mode, cursor visible); it is
 * also run from SIGSEGV/SIGBUS/SIGFPE/SIGILL/SIGABRT handlers before the
 * signal is re-raised.  SIGINT, SIGTERM and SIGHUP only set a flag that
 * the main loop reads (term_signal()), so the loop quits cleanly.
 */
#ifndef FT_TUI_TERM_H
#define FT_TUI_TERM_H

#include "../core/err.h"

enum term_color {
	TC_NORMAL, TC_TITLE, TC_STATUS, TC_SEL, TC_DIM, TC_AXIS, TC_SPAN, TC_CURSOR, TC_HB,
	TC_SEV0,	/* loss; TC_SEV0 + sev for the six verdicts */
	TC__N = TC_SEV0 + 6
};

enum term_glyph { G_HLINE, G_VLINE, G_TICK, G_ELLIPSIS, G_HB_OUT, G_HB_IN, G_DENSE, G__N };

struct term_opts {
	int ascii;	/* --ascii: no UTF-8 line drawing */
	int mono;	/* --mono or NO_COLOR: attributes only */
	int mouse;	/* enable mouse reporting */
};

int term_open(const struct term_opts *o, struct ft_err *e);
void term_close(void);
/* Attribute (colour pair and/or bold/reverse) for a role. */
int term_attr(enum term_color c);
const char *term_glyph(enum term_glyph g);
/* 256, 8 or 0 (monochrome): what term_open chose. */
int term_colors(void);
/* SIGINT/SIGTERM/SIGHUP received (the signal number), or 0. */
int term_signal(void);

#endif
