/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "err.h"

#include <stdio.h>
#include <string.h>

int ft_verror(struct ft_err *e, int code, const char *fmt, va_list ap)
{
	if (code >= 0)
		code = -1;
	if (!e)
		return code;
	if (e->code)
		return e->code;
	e->code = code;
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	return code;
}

int ft_error(struct ft_err *e, int code, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = ft_verror(e, code, fmt, ap);
	va_end(ap);
	return ret;
}

void ft_err_prefix(struct ft_err *e, const char *prefix)
{
	char tmp[sizeof(e->msg)];
	size_t n;

	if (!e || !e->code)
		return;
	n = strnlen(prefix, sizeof(tmp) - 3);
	memcpy(tmp, prefix, n);
	memcpy(tmp + n, ": ", 2);
	memcpy(tmp + n + 2, e->msg, sizeof(tmp) - n - 2);
	tmp[sizeof(tmp) - 1] = '\0';
	memcpy(e->msg, tmp, sizeof(tmp));
}

void ft_err_clear(struct ft_err *e)
{
	e->code = 0;
	e->msg[0] = '\0';
}

void ft_err_print(const struct ft_err *e)
{
	fprintf(stderr, "foliotrace: %s\n", e->code ? e->msg : "unknown error");
}

void ft_warn(const char *fmt, ...)
{
	va_list ap;

	fputs("foliotrace: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
