/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sqlfn.c - see sqlfn.h. */
#ifdef FT_SQLITE_EXTENSION	/* built into ext/: SQLite through the host's API table */
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3
#endif
#include "sqlfn.h"

#include <stdint.h>
#include <string.h>

/*
 * ft_field(type_id, payload, name): the value of one recorded field,
 * decoded from the raw payload with the layout in event_fields.  Integers
 * (up to 8 bytes, little-endian, signed when the field is) come back as
 * INTEGER, char arrays and __data_loc strings as TEXT, other arrays as
 * BLOB.  Unknown fields or out-of-range offsets give NULL.
 */
static void fn_field(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	sqlite3 *db = sqlite3_context_db_handle(ctx);
	sqlite3_stmt *st = NULL;
	const uint8_t *pl;
	int plen, off, size, flags, rc;

	(void)argc;
	if (sqlite3_value_type(argv[1]) != SQLITE_BLOB)
		return;
	pl = sqlite3_value_blob(argv[1]);
	plen = sqlite3_value_bytes(argv[1]);
	if (sqlite3_prepare_v2(db, "SELECT offset, size, flags FROM event_fields "
			       "WHERE type_id = ? AND name = ?", -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_value(st, 1, argv[0]);
	sqlite3_bind_value(st, 2, argv[2]);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		/* no such field: NULL; a damaged file fails the whole query */
		if (rc != SQLITE_DONE) {
			sqlite3_result_error(ctx, sqlite3_errmsg(db), -1);
			sqlite3_result_error_code(ctx, rc);
		}
		sqlite3_finalize(st);
		return;
	}
	off = sqlite3_column_int(st, 0);
	size = sqlite3_column_int(st, 1);
	flags = sqlite3_column_int(st, 2);
	sqlite3_finalize(st);
	if (off < 0 || size < 0 || off > plen || size > plen - off)
		return;
	if (flags & 8) {		/* dynamic: u32 = len << 16 | offset */
		uint32_t loc = 0;
		int doff, dlen;

		if (size < 4)
			return;
		memcpy(&loc, pl + off, 4);
		doff = (int)(loc & 0xffff) + ((flags & 64) ? off + size : 0);
		dlen = (int)(loc >> 16);
		if (doff < 0 || doff > plen || dlen > plen - doff)
			return;
		sqlite3_result_text(ctx, (const char *)pl + doff,
				    (int)strnlen((const char *)pl + doff, (size_t)dlen),
				    SQLITE_TRANSIENT);
		return;
	}
	if (flags & 2) {		/* array */
		if (flags & 4)
			sqlite3_result_text(ctx, (const char *)pl + off,
					    (int)strnlen((const char *)pl + off, (size_t)size),
					    SQLITE_TRANSIENT);
		else
			sqlite3_result_blob(ctx, pl + off, size, SQLITE_TRANSIENT);
		return;
	}
	if (size == 1 || size == 2 || size == 4 || size == 8) {
		uint64_t v = 0;

		memcpy(&v, pl + off, (size_t)size);
		if ((flags & 1) && size < 8 && (v >> (size * 8 - 1)) & 1)
			v |= ~0ULL << (size * 8);
		sqlite3_result_int64(ctx, (sqlite3_int64)v);
		return;
	}
	sqlite3_result_blob(ctx, pl + off, size, SQLITE_TRANSIENT);
}

int sqlfn_register(sqlite3 *db)
{
	return sqlite3_create_function(db, "ft_field", 3,
				       SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY,
				       NULL, fn_field, NULL, NULL) == SQLITE_OK ? 0 : -1;
}
