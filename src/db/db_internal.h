/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TPMCARD_DB_DB_INTERNAL_H
#define TPMCARD_DB_DB_INTERNAL_H

#include <sqlite3.h>

#include "db/db.h"

struct db {
	sqlite3 *conn;
	bool read_only;
	bool polled;
	int64_t data_version;
};

/* Maps a SQLite result to a db_rc, logging what failed and why. */
enum db_rc db_map(struct db *db, int sqlite_rc, const char *what);

/* Prepares sql; logs and maps a failure. */
enum db_rc db_prepare(struct db *db, const char *sql, sqlite3_stmt **stmt);

/* Runs statements without results. */
enum db_rc db_exec(struct db *db, const char *sql);

/* Binds a blob (an empty one as a zero-length blob). */
int db_bind_blob(sqlite3_stmt *stmt, int index, const struct db_blob *blob);

/* Copies a blob column; false on ENOMEM. */
bool db_column_blob(sqlite3_stmt *stmt, int col, struct db_blob *blob);

/* Copies a text column into a new string; false on ENOMEM. */
bool db_column_text(sqlite3_stmt *stmt, int col, char **text);

/* Creates or migrates the schema to DB_SCHEMA_VERSION. */
enum db_rc db_schema_upgrade(struct db *db);

#endif /* TPMCARD_DB_DB_INTERNAL_H */
