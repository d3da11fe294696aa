/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "json.h"

#include <stdint.h>
#include <string.h>

#include "termsafe.h"

void json_strn(FILE *f, const char *s, size_t n)
{
	size_t i = 0;

	fputc('"', f);
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		uint32_t cp;
		size_t l;

		switch (c) {
		case '"': fputs("\\\"", f); i++; continue;
		case '\\': fputs("\\\\", f); i++; continue;
		case '\n': fputs("\\n", f); i++; continue;
		case '\r': fputs("\\r", f); i++; continue;
		case '\t': fputs("\\t", f); i++; continue;
		}
		l = ft_utf8_next(s + i, n - i, &cp);
		if (!l) {
			fputs("\\ufffd", f);	/* not UTF-8: JSON cannot carry the byte */
			i++;
		} else if (ft_term_cp_unsafe(cp)) {
			fprintf(f, "\\u%04x", (unsigned)cp);	/* controls, C1, bidi */
			i += l;
		} else {
			fwrite(s + i, 1, l, f);		/* valid UTF-8 as is */
			i += l;
		}
	}
	fputc('"', f);
}

void json_str(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	json_strn(f, s, strlen(s));
}

void json_raw(FILE *f, const char *json)
{
	size_t n = strlen(json), i = 0;

	while (i < n) {
		uint32_t cp;
		size_t l = ft_utf8_next(json + i, n - i, &cp);

		if (!l) {
			fputs("\\ufffd", f);
			i++;
		} else if (ft_term_cp_unsafe(cp) && cp != '\n' && cp != '\r' && cp != '\t') {
			fprintf(f, "\\u%04x", (unsigned)cp);
			i += l;
		} else {
			fwrite(json + i, 1, l, f);
			i += l;
		}
	}
}
