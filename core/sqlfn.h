/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sqlfn.h - the SQL functions foliotrace adds to a database connection:
 * ft_field(type_id, payload, name), a recorded field's value decoded from
 * a raw payload with the layout in event_fields.
 */
#ifndef FT_SQLFN_H
#define FT_SQLFN_H

#include <sqlite3.h>

/* Registers the functions on db.  Returns 0 or -1. */
int sqlfn_register(sqlite3 *db);

#endif
