/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "termsafe.h"

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

/* Messages quote trace and database text: made safe line by line. */
static void put_safe_lines(const char *s)
{
	const char *nl;

	while ((nl = strchr(s, '\n'))) {
		char *line = strndup(s, (size_t)(nl - s));

		ft_term_put(stderr, line ? line : "?", 0, 0);
		fputc('\n', stderr);
		free(line);
		s = nl + 1;
	}
	ft_term_put(stderr, s, 0, 0);
}

void ft_err_print(const struct ft_err *e)
{
	fputs("foliotrace: ", stderr);
	put_safe_lines(e->code ? e->msg : "unknown error");
	fputc('\n', stderr);
}

void ft_warn(const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;
	int n;

	fputs("foliotrace: warning: ", stderr);
	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	put_safe_lines(n >= 0 && msg ? msg : "(out of memory)");
	free(n >= 0 ? msg : NULL);
	fputc('\n', stderr);
}
