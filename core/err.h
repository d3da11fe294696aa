/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * err.h - one error message per failure, built where the context is known.
 *
 * Functions that can fail return 0 on success or a negative errno-style code
 * and fill a caller-provided struct ft_err.  The first message set wins, so a
 * low-level failure is not overwritten by the generic "import failed" of a
 * caller.  The top level (cli/main.c) prints it once: "foliotrace: <msg>".
 * Messages follow git's style: lowercase, no trailing period, subject first
 * ("trace.dat: corrupt trace: ...").
 */
#ifndef FT_ERR_H
#define FT_ERR_H

#include <stdarg.h>

struct ft_err {
	int code;		/* negative errno-style code, 0 when clear */
	char msg[768];
};

#define FT_ERR_INIT { 0, "" }

/* Sets the error unless one is already set; returns code (< 0). */
int ft_error(struct ft_err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int ft_verror(struct ft_err *e, int code, const char *fmt, va_list ap);

/* Replaces the message with "<prefix>: <old message>" (if one is set). */
void ft_err_prefix(struct ft_err *e, const char *prefix);

void ft_err_clear(struct ft_err *e);

/* Prints "foliotrace: <msg>" to stderr. */
void ft_err_print(const struct ft_err *e);

/* Prints "foliotrace: warning: <msg>" to stderr, made terminal-safe line by line. */
void ft_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
