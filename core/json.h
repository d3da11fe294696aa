/* SPDX-License-Identifier: GPL-2.0-or-later */
/* json.h - minimal JSON writing helpers for --json outputs. */
#ifndef FT_JSON_H
#define FT_JSON_H

#include <stdio.h>

/* Writes s as a JSON string literal (quotes included); NULL writes null. */
void json_str(FILE *f, const char *s);
/*
 * Writes s[0..n) as a JSON string literal: valid UTF-8 as is; controls, DEL,
 * C1 and bidi controls as \uXXXX; a byte that is not UTF-8 as \ufffd.
 */
void json_strn(FILE *f, const char *s, size_t n);
/*
 * Writes JSON text that json_valid() accepted (a database column) with the
 * same escaping inside its strings: controls, C1 and bidi controls as
 * \uXXXX, bytes that are not UTF-8 as \ufffd.  JSON whitespace is kept.
 */
void json_raw(FILE *f, const char *json);

#endif
