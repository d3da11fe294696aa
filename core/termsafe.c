/* SPDX-License-Identifier: GPL-2.0-or-later */
/* termsafe.c - hostile strings made safe for a terminal (see termsafe.h). */
#include "termsafe.h"

#include <stdlib.h>
#include <string.h>

size_t ft_utf8_next(const char *s_, size_t n, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)s_;
	uint32_t c;
	size_t len, i;

	if (!n)
		return 0;
	c = s[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		c &= 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		c &= 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		c &= 0x07;
	} else {
		return 0;	/* continuation byte, 0xc0/0xc1 (overlong), 0xf5.. */
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) || c > 0x10ffff ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;	/* overlong, beyond Unicode, surrogate */
	*cp = c;
	return len;
}

int ft_term_cp_unsafe(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x061c ||
	       cp == 0x200e || cp == 0x200f || (cp >= 0x2028 && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

int ft_term_cp_width(uint32_t cp)
{
	static const struct { uint32_t lo, hi; } zero[] = {
		{ 0x0300, 0x036f }, { 0x0483, 0x0489 }, { 0x0591, 0x05bd }, { 0x0610, 0x061a },
		{ 0x064b, 0x065f }, { 0x0e31, 0x0e31 }, { 0x0e34, 0x0e3a }, { 0x1ab0, 0x1aff },
		{ 0x1dc0, 0x1dff }, { 0x200b, 0x200d }, { 0x20d0, 0x20ff }, { 0xfe00, 0xfe0f },
		{ 0xfe20, 0xfe2f }, { 0xfeff, 0xfeff }, { 0xe0100, 0xe01ef },
	}, wide[] = {
		{ 0x1100, 0x115f }, { 0x2e80, 0x303e }, { 0x3041, 0x33ff }, { 0x3400, 0x4dbf },
		{ 0x4e00, 0x9fff }, { 0xa000, 0xa4cf }, { 0xac00, 0xd7a3 }, { 0xf900, 0xfaff },
		{ 0xfe30, 0xfe4f }, { 0xff00, 0xff60 }, { 0xffe0, 0xffe6 }, { 0x1f300, 0x1f64f },
		{ 0x1f900, 0x1f9ff }, { 0x20000, 0x2fffd }, { 0x30000, 0x3fffd },
	};

	for (size_t i = 0; i < sizeof(zero) / sizeof(zero[0]); i++)
		if (cp >= zero[i].lo && cp <= zero[i].hi)
			return 0;
	for (size_t i = 0; i < sizeof(wide) / sizeof(wide[0]); i++)
		if (cp >= wide[i].lo && cp <= wide[i].hi)
			return 2;
	return 1;
}

/* The visible form of the unit at in[0..len): its bytes in *tok. */
static size_t unit(const char *in, size_t len, char tok[8], size_t *toklen, size_t *cols)
{
	static const char hex[] = "0123456789abcdef";
	uint32_t cp;
	size_t l = ft_utf8_next(in, len, &cp);

	if (!l) {
		unsigned char b = (unsigned char)in[0];

		tok[0] = '\\'; tok[1] = 'x'; tok[2] = hex[b >> 4]; tok[3] = hex[b & 15];
		*toklen = 4;
		*cols = 4;
		return 1;
	}
	if (cp == '\\' || cp == '\n' || cp == '\r' || cp == '\t') {
		tok[0] = '\\';
		tok[1] = cp == '\\' ? '\\' : cp == '\n' ? 'n' : cp == '\r' ? 'r' : 't';
		*toklen = 2;
		*cols = 2;
		return l;
	}
	if (ft_term_cp_unsafe(cp)) {
		if (cp < 0x80) {
			tok[0] = '\\'; tok[1] = 'x'; tok[2] = hex[cp >> 4]; tok[3] = hex[cp & 15];
			*toklen = 4;
		} else {
			tok[0] = '\\'; tok[1] = 'u';
			for (int k = 0; k < 4; k++)
				tok[2 + k] = hex[(cp >> (12 - 4 * k)) & 15];
			*toklen = 6;
		}
		*cols = *toklen;
		return l;
	}
	memcpy(tok, in, l);
	*toklen = l;
	*cols = (size_t)ft_term_cp_width(cp);
	return l;
}

size_t ft_term_safen(char *out, size_t n, const char *in, size_t len, size_t maxcols,
		     int *cut)
{
	const size_t mark_len = sizeof(FT_TERM_CUT_MARK) - 1;
	size_t o = 0, cols = 0, i = 0;
	/* where the output stood, last time the marker would still have fit */
	size_t mark_o = 0, mark_cols = 0;
	int was_cut = 0;

	if (cut)
		*cut = 0;
	if (!n)
		return 0;
	if (!in)
		len = 0;
	while (i < len) {
		char tok[8];
		size_t tl, tc, used = unit(in + i, len - i, tok, &tl, &tc);

		if ((maxcols && cols + tc > maxcols) || o + tl + 1 > n) {
			was_cut = 1;
			break;
		}
		memcpy(out + o, tok, tl);
		o += tl;
		cols += tc;
		i += used;
		if ((!maxcols || cols + 1 <= maxcols) && o + mark_len + 1 <= n) {
			mark_o = o;
			mark_cols = cols;
		}
	}
	if (was_cut) {
		/* back to the last place the marker fits after: a unit boundary */
		o = mark_o;
		cols = mark_cols;
		if ((!maxcols || cols + 1 <= maxcols) && o + mark_len + 1 <= n) {
			memcpy(out + o, FT_TERM_CUT_MARK, mark_len);
			o += mark_len;
			cols++;
		}
	}
	out[o] = '\0';
	if (cut)
		*cut = was_cut;
	return cols;
}

size_t ft_term_safe(char *out, size_t n, const char *in, size_t maxcols)
{
	return ft_term_safen(out, n, in, in ? strlen(in) : 0, maxcols, NULL);
}

size_t ft_term_width(const char *safe)
{
	size_t n = strlen(safe), i = 0, cols = 0;

	while (i < n) {
		uint32_t cp;
		size_t l = ft_utf8_next(safe + i, n - i, &cp);

		if (!l) {
			cols++;
			i++;
			continue;
		}
		cols += (size_t)ft_term_cp_width(cp);
		i += l;
	}
	return cols;
}

char *ft_term_dupn(const char *in, size_t len)
{
	/* at most 4 output bytes per input byte (\xNN; \uNNNN is 6 for 2 or 3) */
	size_t n = len * 4 + 1;
	char *out = malloc(n);

	if (out)
		ft_term_safen(out, n, in, len, 0, NULL);
	return out;
}

size_t ft_term_put(FILE *f, const char *in, size_t width, size_t maxcols)
{
	char stackbuf[1024] = "", *buf = stackbuf;
	size_t len = in ? strlen(in) : 0, n = len * 4 + 8, cols;

	if (n > sizeof(stackbuf)) {
		buf = malloc(n);
		if (!buf) {
			buf = stackbuf;
			n = sizeof(stackbuf);	/* cut, with the marker */
		}
	}
	cols = ft_term_safen(buf, n, in, len, maxcols, NULL);
	fputs(buf, f);
	for (size_t c = cols; c < width; c++)
		fputc(' ', f);
	if (buf != stackbuf)
		free(buf);
	return cols < width ? width : cols;
}

const char *ft_term_s(const char *in)
{
	static char bufs[8][FT_TERM_S_MAX];
	static unsigned next;
	char *b = bufs[next++ % 8];

	ft_term_safe(b, FT_TERM_S_MAX, in, 0);
	return b;
}
