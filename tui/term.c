/* SPDX-License-Identifier: GPL-2.0-or-later */
/* term.c - curses set-up, colours, glyphs, signals and restore (term.h). */
#include <curses.h>
#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <term.h>
#include <unistd.h>

#include "term.h"

static int opened, ncolors;
static int attrs[TC__N];
static const char *const *glyphs;
static volatile sig_atomic_t got_signal;
static SCREEN *screen;

static const char *const utf8_glyphs[G__N] = { "─", "│", "┼", "…", "→", "←", "▒" };
static const char *const ascii_glyphs[G__N] = { "-", "|", "+", "~", ">", "<", "#" };

/* Colours per role: 256-colour palette, 8-colour, monochrome attributes. */
static const struct {
	short fg256, bg256, fg8, bg8;
	int mono, extra;
} roles[TC__N] = {
	[TC_NORMAL]	= { -1, -1, -1, -1, A_NORMAL, 0 },
	[TC_TITLE]	= { 231, 24, COLOR_WHITE, COLOR_BLUE, A_REVERSE, A_BOLD },
	[TC_STATUS]	= { 16, 250, COLOR_BLACK, COLOR_WHITE, A_REVERSE, 0 },
	[TC_SEL]	= { 16, 153, COLOR_BLACK, COLOR_CYAN, A_REVERSE, 0 },
	[TC_DIM]	= { 244, -1, COLOR_WHITE, -1, A_DIM, 0 },
	[TC_AXIS]	= { 109, -1, COLOR_CYAN, -1, A_NORMAL, 0 },
	[TC_SPAN]	= { -1, 237, -1, COLOR_BLUE, A_UNDERLINE, 0 },
	[TC_CURSOR]	= { 16, 220, COLOR_BLACK, COLOR_YELLOW, A_REVERSE | A_BOLD, A_BOLD },
	[TC_HB]		= { 51, -1, COLOR_CYAN, -1, A_BOLD, A_BOLD },
	[TC_SEV0 + 0]	= { 196, -1, COLOR_RED, -1, A_BOLD | A_REVERSE, A_BOLD },	/* loss */
	[TC_SEV0 + 1]	= { 208, -1, COLOR_RED, -1, A_BOLD | A_UNDERLINE, 0 },	/* hit */
	[TC_SEV0 + 2]	= { 213, -1, COLOR_MAGENTA, -1, A_BOLD, 0 },		/* dropped */
	[TC_SEV0 + 3]	= { 226, -1, COLOR_YELLOW, -1, A_UNDERLINE, 0 },	/* unsafe */
	[TC_SEV0 + 4]	= { 248, -1, COLOR_WHITE, -1, A_DIM, 0 },		/* unknown */
	[TC_SEV0 + 5]	= { 77, -1, COLOR_GREEN, -1, A_NORMAL, 0 },		/* protected */
};

static void on_quit_signal(int sig)
{
	got_signal = sig;
}

/* Crash: restore the terminal (best effort), then die of the same signal. */
static void on_crash_signal(int sig)
{
	if (opened) {
		opened = 0;
		endwin();
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void install_signals(void)
{
	static const int quit[] = { SIGINT, SIGTERM, SIGHUP };
	static const int crash[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_quit_signal;		/* no SA_RESTART: getch returns */
	for (size_t i = 0; i < sizeof(quit) / sizeof(quit[0]); i++)
		sigaction(quit[i], &sa, NULL);
	sa.sa_handler = on_crash_signal;
	sa.sa_flags = SA_RESETHAND;
	for (size_t i = 0; i < sizeof(crash) / sizeof(crash[0]); i++)
		sigaction(crash[i], &sa, NULL);
}

static void restore_signals(void)
{
	static const int all[] = { SIGINT, SIGTERM, SIGHUP, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		signal(all[i], SIG_DFL);
}

int term_open(const struct term_opts *o, struct ft_err *e)
{
	const char *cs;
	int utf8;

	setlocale(LC_ALL, "");
	cs = nl_langinfo(CODESET);
	utf8 = !o->ascii && cs && !strcmp(cs, "UTF-8");
	glyphs = utf8 ? utf8_glyphs : ascii_glyphs;
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return ft_error(e, -ENOTTY, "tui: standard input and output must be a terminal");
	/* our handlers first: ncurses then leaves SIGINT/SIGTERM alone */
	install_signals();
	screen = newterm(NULL, stdout, stdin);
	if (!screen) {
		restore_signals();
		return ft_error(e, -ENOTTY, "tui: terminal '%s' is unknown to terminfo",
				getenv("TERM") ? getenv("TERM") : "");
	}
	if (!tigetstr("cup") || tigetstr("cup") == (char *)-1) {
		endwin();
		delscreen(screen);
		screen = NULL;
		restore_signals();
		return ft_error(e, -ENOTTY, "tui: terminal '%s' cannot move the cursor",
				getenv("TERM") ? getenv("TERM") : "");
	}
	opened = 1;
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	if (o->mouse)
		mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_DOUBLE_CLICKED |
			  BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
	ncolors = 0;
	if (!o->mono && !getenv("NO_COLOR") && has_colors()) {
		start_color();
		use_default_colors();
		ncolors = COLORS >= 256 && COLOR_PAIRS > TC__N ? 256 : 8;
	}
	for (int i = 0; i < TC__N; i++) {
		if (!ncolors) {
			attrs[i] = roles[i].mono;
			continue;
		}
		if (i == TC_NORMAL) {
			attrs[i] = A_NORMAL;
			continue;
		}
		init_pair((short)i, ncolors == 256 ? roles[i].fg256 : roles[i].fg8,
			  ncolors == 256 ? roles[i].bg256 : roles[i].bg8);
		attrs[i] = (int)COLOR_PAIR(i) | roles[i].extra;
	}
	return 0;
}

void term_close(void)
{
	if (!opened)
		return;
	opened = 0;
	curs_set(1);
	endwin();
	if (screen) {
		delscreen(screen);
		screen = NULL;
	}
	restore_signals();
}

int term_attr(enum term_color c)
{
	return c < TC__N ? attrs[c] : (int)A_NORMAL;
}

const char *term_glyph(enum term_glyph g)
{
	return glyphs && g < G__N ? glyphs[g] : "?";
}

int term_colors(void)
{
	return ncolors;
}

int term_signal(void)
{
	return got_signal;
}
