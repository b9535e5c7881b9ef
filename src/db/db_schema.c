/* SPDX-License-Identifier: BSD-3-Clause */
#include "db/db.h"

#include "db/db_internal.h"

#define TC_LOG_LAYER TC_LAYER_DB
#include "common/log.h"

/*
 * The schema lives in PRAGMA user_version.  migrations[n] takes a store
 * from version n to n + 1; each runs in the same transaction as the version
 * bump, so a store is always at exactly one version.  Never edit a
 * migration that has shipped: add the next one.
 */

static const char *const migrations[DB_SCHEMA_VERSION] = {
	/* 0 -> 1: tokens with their two sealed wrap secrets, and objects */
	"CREATE TABLE tokens ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  label TEXT NOT NULL UNIQUE,"
	"  serial TEXT NOT NULL UNIQUE,"
	"  srk_name BLOB NOT NULL,"
	"  user_salt BLOB NOT NULL, user_pub BLOB NOT NULL,"
	"  user_priv BLOB NOT NULL,"
	"  so_salt BLOB NOT NULL, so_pub BLOB NOT NULL,"
	"  so_priv BLOB NOT NULL);"
	"CREATE TABLE objects ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  token_id INTEGER NOT NULL"
	"    REFERENCES tokens(id) ON DELETE CASCADE,"
	"  tpm_pub BLOB, tpm_priv BLOB, auth BLOB,"
	"  attrs BLOB NOT NULL);"
	"CREATE INDEX objects_by_token ON objects(token_id);",

	/* 1 -> 2: per-token PIN policy */
	"ALTER TABLE tokens ADD COLUMN min_pin_len INTEGER NOT NULL"
	"  DEFAULT 4 CHECK (min_pin_len BETWEEN 1 AND 128);",

	/* 2 -> 3: the TPM a token was made on, for slot and token info */
	"ALTER TABLE tokens ADD COLUMN tpm_vendor TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE tokens ADD COLUMN tpm_firmware INTEGER NOT NULL"
	"  DEFAULT 0;"
	"ALTER TABLE tokens ADD COLUMN tpm_revision INTEGER NOT NULL"
	"  DEFAULT 0;",

	/* 3 -> 4: the user PIN's retry counter in the TPM (an NV index) */
	"ALTER TABLE tokens ADD COLUMN user_nv BLOB NOT NULL DEFAULT x'';",
};

enum db_rc db_schema_version(struct db *db, int *version)
{
	sqlite3_stmt *stmt = NULL;
	enum db_rc rc = db_prepare(db, "PRAGMA user_version;", &stmt);

	*version = -1;
	if (rc != DB_OK)
		return rc;
	if (sqlite3_step(stmt) == SQLITE_ROW)
		*version = sqlite3_column_int(stmt, 0);
	else
		rc = db_map(db, sqlite3_errcode(db->conn), "user_version");
	sqlite3_finalize(stmt);
	return rc;
}

static enum db_rc migrate_one(struct db *db, int from)
{
	char *bump = sqlite3_mprintf("PRAGMA user_version = %d;", from + 1);
	enum db_rc rc;

	if (bump == NULL)
		return DB_NO_MEMORY;
	rc = db_exec(db, migrations[from]);
	if (rc == DB_OK)
		rc = db_exec(db, bump);
	sqlite3_free(bump);
	if (rc == DB_OK)
		log_info("store migrated from version %d to %d", from,
			 from + 1);
	return rc;
}

enum db_rc db_schema_upgrade(struct db *db)
{
	enum db_rc rc;
	int version;

	rc = db_schema_version(db, &version);
	if (rc != DB_OK || version == DB_SCHEMA_VERSION)
		return rc;
	if (version > DB_SCHEMA_VERSION || version < 0) {
		log_err("store schema version %d; this tpmcard knows up to %d",
			version, DB_SCHEMA_VERSION);
		return DB_TOO_NEW;
	}
	if (db->read_only) {
		log_err("store needs migration from version %d but is "
			"read-only", version);
		return DB_READ_ONLY;
	}
	rc = db_begin(db);
	if (rc != DB_OK)
		return rc;
	/* Another process may have migrated while we waited for the lock. */
	rc = db_schema_version(db, &version);
	while (rc == DB_OK && version < DB_SCHEMA_VERSION)
		rc = migrate_one(db, version++);
	if (rc == DB_OK)
		return db_commit(db);
	db_rollback(db);
	return rc;
}
