/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kfingerprint.c - see kfingerprint.h. */
#include "kfingerprint.h"

#include <stdio.h>
#include <string.h>

static const char *const names[KFP__COUNT] = {
	[KFP_IOMAP_WRITE_DELALLOC_RELEASE] = "iomap_write_delalloc_release",
	[KFP_IOMAP_PUNCH_DELALLOC] = "iomap_file_buffered_write_punch_delalloc",
	[KFP_XFS_DELALLOC_PUNCH] = "xfs_buffered_write_delalloc_punch",
	[KFP_XFS_IOMAP_VALID] = "xfs_iomap_valid",
	[KFP_XFS_WRITE_IOMAP_END] = "xfs_buffered_write_iomap_end",
	[KFP_XFS_BMAP_PUNCH_DELALLOC] = "xfs_bmap_punch_delalloc_range",
	[KFP_INVALIDATE_LOCK_TWO] = "filemap_invalidate_lock_two",
};

const char *kfp_name(int sym)
{
	return sym >= 0 && sym < KFP__COUNT ? names[sym] : "?";
}

int kfp_lookup(const char *name, size_t len)
{
	for (int i = 0; i < KFP__COUNT; i++)
		if (strlen(names[i]) == len && !memcmp(names[i], name, len))
			return i;
	return -1;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

void kfp_scan(uint32_t *present, const char *text, size_t len, int field)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *le = eol ? eol : end;
		int f = 0;

		while (p < le) {
			const char *tok;

			while (p < le && is_space(*p))
				p++;
			tok = p;
			while (p < le && !is_space(*p))
				p++;
			if (p == tok)
				break;
			if (f++ == field) {
				int s = kfp_lookup(tok, (size_t)(p - tok));

				if (s >= 0)
					*present |= KFP_BIT(s);
				break;
			}
		}
		p = eol ? eol + 1 : end;
	}
}

size_t kfp_format(uint32_t present, char *buf, size_t n)
{
	size_t k = 0;

	if (n)
		buf[0] = '\0';
	for (int i = 0; i < KFP__COUNT; i++) {
		if (!(present & KFP_BIT(i)))
			continue;
		k += (size_t)snprintf(k < n ? buf + k : NULL, k < n ? n - k : 0, "%s%s",
				      k ? " " : "", names[i]);
	}
	return k;
}

int kfp_parse(const char *list, uint32_t *present, int strict)
{
	const char *p = list ? list : "";

	*present = 0;
	while (*p) {
		const char *tok;
		int s;

		while (*p == ' ')
			p++;
		tok = p;
		while (*p && *p != ' ')
			p++;
		if (p == tok)
			break;
		s = kfp_lookup(tok, (size_t)(p - tok));
		if (s >= 0)
			*present |= KFP_BIT(s);
		else if (strict)
			return -1;
	}
	return 0;
}
