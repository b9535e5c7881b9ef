/* SPDX-License-Identifier: BSD-3-Clause */
#include "db/db.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db/db_internal.h"

#define TC_LOG_LAYER TC_LAYER_DB
#include "common/log.h"

#define BUSY_TIMEOUT_MS 10000

static const char *const rc_texts[] = {
	[DB_OK] = "success",
	[DB_NOT_FOUND] = "not found in the store",
	[DB_EXISTS] = "already exists in the store",
	[DB_BUSY] = "the store is locked by another writer",
	[DB_READ_ONLY] = "the store is read-only",
	[DB_CORRUPT] = "the store is damaged or not a tpmcard store",
	[DB_TOO_NEW] = "the store was written by a newer tpmcard",
	[DB_FULL] = "the disk holding the store is full",
	[DB_NO_MEMORY] = "out of memory",
	[DB_IO_ERROR] = "the store cannot be opened, read or written",
	[DB_ERROR] = "store error",
};

const char *db_rc_text(enum db_rc rc)
{
	if ((size_t)rc < sizeof(rc_texts) / sizeof(rc_texts[0]))
		return rc_texts[rc];
	return "unknown store error";
}

enum db_rc db_map(struct db *db, int sqlite_rc, const char *what)
{
	enum db_rc rc;

	switch (sqlite_rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return DB_OK;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		rc = DB_BUSY;
		break;
	case SQLITE_READONLY:
	case SQLITE_PERM:
		rc = DB_READ_ONLY;
		break;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
	case SQLITE_FORMAT:
		rc = DB_CORRUPT;
		break;
	case SQLITE_FULL:
		rc = DB_FULL;
		break;
	case SQLITE_NOMEM:
		rc = DB_NO_MEMORY;
		break;
	case SQLITE_CONSTRAINT:
		rc = DB_EXISTS;
		break;
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN:
		rc = DB_IO_ERROR;
		break;
	default:
		rc = DB_ERROR;
		break;
	}
	log_err("%s: %s (sqlite %d)", what,
		db && db->conn ? sqlite3_errmsg(db->conn) :
				 sqlite3_errstr(sqlite_rc),
		sqlite_rc);
	return rc;
}

enum db_rc db_prepare(struct db *db, const char *sql, sqlite3_stmt **stmt)
{
	int rc = sqlite3_prepare_v2(db->conn, sql, -1, stmt, NULL);

	return rc == SQLITE_OK ? DB_OK : db_map(db, rc, "prepare");
}

enum db_rc db_exec(struct db *db, const char *sql)
{
	int rc = sqlite3_exec(db->conn, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? DB_OK : db_map(db, rc, sql);
}

int db_bind_blob(sqlite3_stmt *stmt, int index, const struct db_blob *blob)
{
	if (blob == NULL || blob->len == 0)
		return sqlite3_bind_zeroblob(stmt, index, 0);
	return sqlite3_bind_blob(stmt, index, blob->data, (int)blob->len,
				 SQLITE_STATIC);
}

bool db_blob_set(struct db_blob *blob, const void *data, size_t len)
{
	blob->data = NULL;
	blob->len = 0;
	if (len == 0)
		return true;
	blob->data = malloc(len);
	if (blob->data == NULL)
		return false;
	memcpy(blob->data, data, len);
	blob->len = len;
	return true;
}

void db_blob_clear(struct db_blob *blob)
{
	if (blob == NULL)
		return;
	free(blob->data);
	blob->data = NULL;
	blob->len = 0;
}

bool db_column_blob(sqlite3_stmt *stmt, int col, struct db_blob *blob)
{
	const void *data = sqlite3_column_blob(stmt, col);
	int len = sqlite3_column_bytes(stmt, col);

	return db_blob_set(blob, data, data ? (size_t)len : 0);
}

bool db_column_text(sqlite3_stmt *stmt, int col, char **text)
{
	const unsigned char *value = sqlite3_column_text(stmt, col);

	*text = strdup(value ? (const char *)value : "");
	return *text != NULL;
}

/* mkdir -p for the store's directory, private to the user. */
static int make_parent_dirs(const char *path)
{
	char *copy = strdup(path);
	char *dir;
	int rc = 0;

	if (copy == NULL)
		return -1;
	dir = dirname(copy);
	for (char *p = dir + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST)
			rc = -1;
		*p = '/';
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		rc = -1;
	free(copy);
	return rc;
}

/* Creates the empty file with mode 0600 so SQLite's files inherit it. */
static enum db_rc create_store_file(const char *path)
{
	int fd;

	if (make_parent_dirs(path) != 0) {
		log_err("cannot create the directory of %s: %s", path,
			strerror(errno));
		return DB_IO_ERROR;
	}
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 && errno != EEXIST) {
		log_err("cannot create %s: %s", path, strerror(errno));
		return errno == EACCES || errno == EROFS ? DB_READ_ONLY :
							    DB_IO_ERROR;
	}
	if (fd >= 0)
		close(fd);
	return DB_OK;
}

/* Writable means: the file and its directory (for the WAL files). */
static bool store_writable(const char *path)
{
	char *copy = strdup(path);
	bool writable;

	if (copy == NULL)
		return false;
	writable = access(path, W_OK) == 0 && access(dirname(copy), W_OK) == 0;
	free(copy);
	return writable;
}

static enum db_rc open_connection(struct db *db, const char *path)
{
	char *uri = NULL;
	int flags = SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_URI;
	int rc;

	if (db->read_only) {
		/* immutable: no -wal, -shm or lock file beside the store */
		char *escaped = sqlite3_mprintf("%q", path);

		uri = sqlite3_mprintf("file:%s?mode=ro&immutable=1", escaped);
		sqlite3_free(escaped);
		flags |= SQLITE_OPEN_READONLY;
	} else {
		flags |= SQLITE_OPEN_READWRITE;
	}
	rc = sqlite3_open_v2(uri ? uri : path, &db->conn, flags, NULL);
	sqlite3_free(uri);
	if (rc != SQLITE_OK)
		return db_map(db, rc, path);
	sqlite3_busy_timeout(db->conn, BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(db->conn, 1);
	return DB_OK;
}

static enum db_rc configure(struct db *db)
{
	enum db_rc rc = db_exec(db, "PRAGMA foreign_keys = ON;");

	if (rc != DB_OK || db->read_only)
		return rc;
	return db_exec(db, "PRAGMA journal_mode = WAL;"
			   "PRAGMA synchronous = NORMAL;");
}

enum db_rc db_open(const char *path, bool create, struct db **out)
{
	struct db *db;
	enum db_rc rc;

	*out = NULL;
	if (access(path, F_OK) != 0) {
		if (!create)
			return DB_NOT_FOUND;
		rc = create_store_file(path);
		if (rc != DB_OK)
			return rc;
	}
	db = calloc(1, sizeof(*db));
	if (db == NULL)
		return DB_NO_MEMORY;
	db->read_only = !store_writable(path);
	if (db->read_only)
		log_info("%s is not writable: opening it read-only", path);
	rc = open_connection(db, path);
	if (rc == DB_OK)
		rc = configure(db);
	if (rc == DB_OK)
		rc = db_schema_upgrade(db);
	if (rc != DB_OK) {
		db_close(db);
		return rc;
	}
	*out = db;
	return DB_OK;
}

void db_close(struct db *db)
{
	if (db == NULL)
		return;
	sqlite3_close_v2(db->conn);
	free(db);
}

bool db_read_only(const struct db *db)
{
	return db->read_only;
}

enum db_rc db_poll_change(struct db *db, bool *changed)
{
	sqlite3_stmt *stmt = NULL;
	enum db_rc rc;
	int64_t version;

	*changed = false;
	rc = db_prepare(db, "PRAGMA data_version;", &stmt);
	if (rc != DB_OK)
		return rc;
	if (sqlite3_step(stmt) != SQLITE_ROW) {
		rc = db_map(db, sqlite3_errcode(db->conn), "data_version");
		goto out;
	}
	version = sqlite3_column_int64(stmt, 0);
	*changed = !db->polled || version != db->data_version;
	db->data_version = version;
	db->polled = true;
out:
	sqlite3_finalize(stmt);
	return rc;
}

enum db_rc db_begin(struct db *db)
{
	return db_exec(db, "BEGIN IMMEDIATE;");
}

enum db_rc db_commit(struct db *db)
{
	enum db_rc rc = db_exec(db, "COMMIT;");

	if (rc != DB_OK)
		db_rollback(db);
	return rc;
}

void db_rollback(struct db *db)
{
	if (db != NULL && db->conn != NULL &&
	    !sqlite3_get_autocommit(db->conn))
		sqlite3_exec(db->conn, "ROLLBACK;", NULL, NULL, NULL);
}
