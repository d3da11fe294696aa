/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * foliotrace_sqlite.c - a loadable SQLite extension for reading foliotrace
 * databases with the stock sqlite3 CLI (or any SQLite program):
 *
 *   sqlite3 trace.db
 *   sqlite> .load /usr/local/lib/foliotrace/foliotrace_sqlite
 *   sqlite> SELECT event, count(*) FROM events_v GROUP BY 1;
 *
 * It registers what foliotrace itself adds to a connection: the module
 * "foliotrace_events" that serves the `events` table from event_blocks
 * (core/evtab.c), and ft_field(type_id, payload, name) (core/sqlfn.c).
 *
 * SQLite looks for sqlite3_extension_init first, then for
 * sqlite3_<letters of the file name>_init, here sqlite3_foliotracesqlite_init;
 * both are defined, and sqlite3_foliotrace_sqlite_init for programs that
 * name the entry point themselves.
 */
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1

#include "../core/evtab.h"
#include "../core/sqlfn.h"

#define FT_EXPORT	__attribute__((visibility("default")))

static int ft_init(sqlite3 *db, char **err, const sqlite3_api_routines *api)
{
	SQLITE_EXTENSION_INIT2(api);
	/* sqlite3_vtab_in() came with 3.38 */
	if (sqlite3_libversion_number() < 3038000) {
		*err = sqlite3_mprintf("foliotrace_sqlite needs SQLite 3.38 or newer (this is %s)",
				       sqlite3_libversion());
		return SQLITE_ERROR;
	}
	if (evtab_register(db) < 0 || sqlfn_register(db) < 0) {
		*err = sqlite3_mprintf("foliotrace_sqlite: %s", sqlite3_errmsg(db));
		return SQLITE_ERROR;
	}
	return SQLITE_OK;
}

FT_EXPORT int sqlite3_extension_init(sqlite3 *db, char **err, const sqlite3_api_routines *api);
FT_EXPORT int sqlite3_foliotracesqlite_init(sqlite3 *db, char **err,
					    const sqlite3_api_routines *api);
FT_EXPORT int sqlite3_foliotrace_sqlite_init(sqlite3 *db, char **err,
					     const sqlite3_api_routines *api);

int sqlite3_extension_init(sqlite3 *db, char **err, const sqlite3_api_routines *api)
{
	return ft_init(db, err, api);
}

int sqlite3_foliotracesqlite_init(sqlite3 *db, char **err, const sqlite3_api_routines *api)
{
	return ft_init(db, err, api);
}

int sqlite3_foliotrace_sqlite_init(sqlite3 *db, char **err, const sqlite3_api_routines *api)
{
	return ft_init(db, err, api);
}
