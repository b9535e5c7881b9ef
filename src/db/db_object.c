/* SPDX-License-Identifier: BSD-3-Clause */
#include "db/db.h"

#include <stdlib.h>
#include <string.h>

#include "db/db_internal.h"

#define TC_LOG_LAYER TC_LAYER_DB
#include "common/log.h"

void db_object_clear(struct db_object *object)
{
	if (object == NULL)
		return;
	db_blob_clear(&object->tpm_pub);
	db_blob_clear(&object->tpm_priv);
	db_blob_clear(&object->auth);
	db_blob_clear(&object->attrs);
	memset(object, 0, sizeof(*object));
}

void db_objects_free(struct db_object *objects, size_t count)
{
	if (objects == NULL)
		return;
	for (size_t i = 0; i < count; i++)
		db_object_clear(&objects[i]);
	free(objects);
}

enum db_rc db_object_insert(struct db *db, const struct db_object *object,
			    int64_t *id)
{
	sqlite3_stmt *stmt = NULL;
	enum db_rc rc;
	int step;

	rc = db_prepare(db,
			"INSERT INTO objects (token_id, tpm_pub, tpm_priv, auth,"
			" attrs) VALUES (?,?,?,?,?);",
			&stmt);
	if (rc != DB_OK)
		return rc;
	sqlite3_bind_int64(stmt, 1, object->token_id);
	db_bind_blob(stmt, 2, &object->tpm_pub);
	db_bind_blob(stmt, 3, &object->tpm_priv);
	db_bind_blob(stmt, 4, &object->auth);
	db_bind_blob(stmt, 5, &object->attrs);
	step = sqlite3_step(stmt);
	if (step == SQLITE_DONE)
		*id = sqlite3_last_insert_rowid(db->conn);
	else
		rc = db_map(db, step, "insert object");
	sqlite3_finalize(stmt);
	return rc;
}

static bool read_object(sqlite3_stmt *stmt, struct db_object *object)
{
	memset(object, 0, sizeof(*object));
	object->id = sqlite3_column_int64(stmt, 0);
	object->token_id = sqlite3_column_int64(stmt, 1);
	if (db_column_blob(stmt, 2, &object->tpm_pub) &&
	    db_column_blob(stmt, 3, &object->tpm_priv) &&
	    db_column_blob(stmt, 4, &object->auth) &&
	    db_column_blob(stmt, 5, &object->attrs))
		return true;
	db_object_clear(object);
	return false;
}

enum db_rc db_object_list(struct db *db, int64_t token_id,
			  struct db_object **objects, size_t *count)
{
	struct db_object *list = NULL, *grown;
	sqlite3_stmt *stmt = NULL;
	enum db_rc rc;
	size_t n = 0;
	int step;

	*objects = NULL;
	*count = 0;
	rc = db_prepare(db,
			"SELECT id, token_id, tpm_pub, tpm_priv, auth, attrs"
			" FROM objects WHERE token_id = ? ORDER BY id;",
			&stmt);
	if (rc != DB_OK)
		return rc;
	sqlite3_bind_int64(stmt, 1, token_id);
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		grown = realloc(list, (n + 1) * sizeof(*list));
		if (grown == NULL || !read_object(stmt, &grown[n])) {
			list = grown ? grown : list;
			rc = DB_NO_MEMORY;
			goto out;
		}
		list = grown;
		n++;
	}
	if (step != SQLITE_DONE)
		rc = db_map(db, step, "read objects");
out:
	sqlite3_finalize(stmt);
	if (rc != DB_OK) {
		db_objects_free(list, n);
		return rc;
	}
	*objects = list;
	*count = n;
	return DB_OK;
}

enum db_rc db_object_update_attrs(struct db *db, int64_t id,
				  const struct db_blob *attrs)
{
	sqlite3_stmt *stmt = NULL;
	enum db_rc rc;
	int step;

	rc = db_prepare(db, "UPDATE objects SET attrs = ? WHERE id = ?;",
			&stmt);
	if (rc != DB_OK)
		return rc;
	db_bind_blob(stmt, 1, attrs);
	sqlite3_bind_int64(stmt, 2, id);
	step = sqlite3_step(stmt);
	if (step != SQLITE_DONE)
		rc = db_map(db, step, "update object");
	else if (sqlite3_changes(db->conn) == 0)
		rc = DB_NOT_FOUND;
	sqlite3_finalize(stmt);
	return rc;
}

enum db_rc db_object_delete(struct db *db, int64_t id)
{
	sqlite3_stmt *stmt = NULL;
	enum db_rc rc;
	int step;

	rc = db_prepare(db, "DELETE FROM objects WHERE id = ?;", &stmt);
	if (rc != DB_OK)
		return rc;
	sqlite3_bind_int64(stmt, 1, id);
	step = sqlite3_step(stmt);
	if (step != SQLITE_DONE)
		rc = db_map(db, step, "delete object");
	else if (sqlite3_changes(db->conn) == 0)
		rc = DB_NOT_FOUND;
	sqlite3_finalize(stmt);
	return rc;
}

enum db_rc db_object_delete_all(struct db *db, int64_t token_id)
{
	sqlite3_stmt *stmt = NULL;
	enum db_rc rc;
	int step;

	rc = db_prepare(db, "DELETE FROM objects WHERE token_id = ?;", &stmt);
	if (rc != DB_OK)
		return rc;
	sqlite3_bind_int64(stmt, 1, token_id);
	step = sqlite3_step(stmt);
	rc = step == SQLITE_DONE ? DB_OK : db_map(db, step, "delete objects");
	sqlite3_finalize(stmt);
	return rc;
}
