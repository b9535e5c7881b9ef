/* SPDX-License-Identifier: BSD-3-Clause */
#include "db/db.h"

#include <stdlib.h>
#include <string.h>

#include "db/db_internal.h"

#define TC_LOG_LAYER TC_LAYER_DB
#include "common/log.h"

#define TOKEN_COLUMNS                                                   \
	"id, label, serial, min_pin_len, srk_name, user_salt, user_pub," \
	" user_priv, so_salt, so_pub, so_priv, tpm_vendor, tpm_firmware," \
	" tpm_revision, user_nv"

void db_token_clear(struct db_token *token)
{
	if (token == NULL)
		return;
	free(token->label);
	free(token->serial);
	free(token->tpm_vendor);
	db_blob_clear(&token->srk_name);
	db_seal_clear(&token->user);
	db_seal_clear(&token->so);
	memset(token, 0, sizeof(*token));
}

void db_seal_clear(struct db_seal *seal)
{
	db_blob_clear(&seal->salt);
	db_blob_clear(&seal->pub);
	db_blob_clear(&seal->priv);
	db_blob_clear(&seal->nv);
}

void db_tokens_free(struct db_token *tokens, size_t count)
{
	if (tokens == NULL)
		return;
	for (size_t i = 0; i < count; i++)
		db_token_clear(&tokens[i]);
	free(tokens);
}

static bool read_seal(sqlite3_stmt *stmt, int col, struct db_seal *seal)
{
	return db_column_blob(stmt, col, &seal->salt) &&
	       db_column_blob(stmt, col + 1, &seal->pub) &&
	       db_column_blob(stmt, col + 2, &seal->priv);
}

/* Reads the current row (TOKEN_COLUMNS order); false on ENOMEM. */
static bool read_token(sqlite3_stmt *stmt, struct db_token *token)
{
	memset(token, 0, sizeof(*token));
	token->id = sqlite3_column_int64(stmt, 0);
	token->min_pin_len = (unsigned int)sqlite3_column_int(stmt, 3);
	if (db_column_text(stmt, 1, &token->label) &&
	    db_column_text(stmt, 2, &token->serial) &&
	    db_column_blob(stmt, 4, &token->srk_name) &&
	    read_seal(stmt, 5, &token->user) &&
	    read_seal(stmt, 8, &token->so) &&
	    db_column_text(stmt, 11, &token->tpm_vendor) &&
	    db_column_blob(stmt, 14, &token->user.nv)) {
		token->tpm_firmware = (uint32_t)sqlite3_column_int64(stmt, 12);
		token->tpm_revision = (uint32_t)sqlite3_column_int64(stmt, 13);
		return true;
	}
	db_token_clear(token);
	return false;
}

static void bind_seal(sqlite3_stmt *stmt, int index,
		      const struct db_seal *seal)
{
	db_bind_blob(stmt, index, &seal->salt);
	db_bind_blob(stmt, index + 1, &seal->pub);
	db_bind_blob(stmt, index + 2, &seal->priv);
}

enum db_rc db_token_insert(struct db *db, const struct db_token *token,
			   int64_t *id)
{
	sqlite3_stmt *stmt = NULL;
	enum db_rc rc;
	int step;

	rc = db_prepare(db,
			"INSERT INTO tokens (label, serial, min_pin_len,"
			" srk_name, user_salt, user_pub, user_priv, so_salt,"
			" so_pub, so_priv, tpm_vendor, tpm_firmware,"
			" tpm_revision, user_nv)"
			" VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?);",
			&stmt);
	if (rc != DB_OK)
		return rc;
	sqlite3_bind_text(stmt, 1, token->label, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, token->serial, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 3, (int)token->min_pin_len);
	db_bind_blob(stmt, 4, &token->srk_name);
	bind_seal(stmt, 5, &token->user);
	bind_seal(stmt, 8, &token->so);
	sqlite3_bind_text(stmt, 11, token->tpm_vendor ? token->tpm_vendor : "",
			  -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 12, token->tpm_firmware);
	sqlite3_bind_int64(stmt, 13, token->tpm_revision);
	db_bind_blob(stmt, 14, &token->user.nv);
	step = sqlite3_step(stmt);
	if (step == SQLITE_DONE)
		*id = sqlite3_last_insert_rowid(db->conn);
	else
		rc = db_map(db, step, "insert token");
	sqlite3_finalize(stmt);
	return rc;
}

/* Collects every row of a prepared token query. */
static enum db_rc collect_tokens(struct db *db, sqlite3_stmt *stmt,
				 struct db_token **tokens, size_t *count)
{
	struct db_token *list = NULL, *grown;
	size_t n = 0;
	int step;

	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		grown = realloc(list, (n + 1) * sizeof(*list));
		if (grown == NULL)
			goto nomem;
		list = grown;
		if (!read_token(stmt, &list[n]))
			goto nomem;
		n++;
	}
	if (step != SQLITE_DONE) {
		db_tokens_free(list, n);
		return db_map(db, step, "read tokens");
	}
	*tokens = list;
	*count = n;
	return DB_OK;
nomem:
	db_tokens_free(list, n);
	return DB_NO_MEMORY;
}

enum db_rc db_token_list(struct db *db, struct db_token **tokens,
			 size_t *count)
{
	sqlite3_stmt *stmt = NULL;
	enum db_rc rc;

	*tokens = NULL;
	*count = 0;
	rc = db_prepare(db, "SELECT " TOKEN_COLUMNS " FROM tokens ORDER BY id;",
			&stmt);
	if (rc == DB_OK)
		rc = collect_tokens(db, stmt, tokens, count);
	sqlite3_finalize(stmt);
	return rc;
}

enum db_rc db_token_get_by_label(struct db *db, const char *label,
				 struct db_token *token)
{
	sqlite3_stmt *stmt = NULL;
	struct db_token *found = NULL;
	size_t count = 0;
	enum db_rc rc;

	memset(token, 0, sizeof(*token));
	rc = db_prepare(db,
			"SELECT " TOKEN_COLUMNS " FROM tokens WHERE label = ?;",
			&stmt);
	if (rc != DB_OK)
		return rc;
	sqlite3_bind_text(stmt, 1, label, -1, SQLITE_STATIC);
	rc = collect_tokens(db, stmt, &found, &count);
	sqlite3_finalize(stmt);
	if (rc == DB_OK && count == 0)
		rc = DB_NOT_FOUND;
	if (rc == DB_OK) {
		*token = found[0];
		memset(&found[0], 0, sizeof(found[0]));
	}
	db_tokens_free(found, count);
	return rc;
}

/* Runs a prepared change; DB_NOT_FOUND when it touched no row. */
static enum db_rc step_change(struct db *db, sqlite3_stmt *stmt,
			      const char *what)
{
	int step = sqlite3_step(stmt);

	if (step != SQLITE_DONE)
		return db_map(db, step, what);
	return sqlite3_changes(db->conn) > 0 ? DB_OK : DB_NOT_FOUND;
}

enum db_rc db_token_update_seal(struct db *db, int64_t id, bool so,
				const struct db_seal *seal)
{
	sqlite3_stmt *stmt = NULL;
	enum db_rc rc;

	rc = db_prepare(db,
			so ? "UPDATE tokens SET so_salt = ?, so_pub = ?,"
			     " so_priv = ? WHERE id = ?;" :
			     "UPDATE tokens SET user_salt = ?, user_pub = ?,"
			     " user_priv = ?, user_nv = ? WHERE id = ?;",
			&stmt);
	if (rc != DB_OK)
		return rc;
	bind_seal(stmt, 1, seal);
	if (so) {
		sqlite3_bind_int64(stmt, 4, id);
	} else {
		db_bind_blob(stmt, 4, &seal->nv);
		sqlite3_bind_int64(stmt, 5, id);
	}
	rc = step_change(db, stmt, "update seal");
	sqlite3_finalize(stmt);
	return rc;
}

enum db_rc db_token_delete(struct db *db, int64_t id)
{
	sqlite3_stmt *stmt = NULL;
	enum db_rc rc;

	rc = db_prepare(db, "DELETE FROM tokens WHERE id = ?;", &stmt);
	if (rc != DB_OK)
		return rc;
	sqlite3_bind_int64(stmt, 1, id);
	rc = step_change(db, stmt, "delete token");
	sqlite3_finalize(stmt);
	return rc;
}

enum db_rc db_token_update_label(struct db *db, int64_t id, const char *label)
{
	sqlite3_stmt *stmt = NULL;
	enum db_rc rc;

	rc = db_prepare(db, "UPDATE tokens SET label = ? WHERE id = ?;", &stmt);
	if (rc != DB_OK)
		return rc;
	sqlite3_bind_text(stmt, 1, label, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, id);
	rc = step_change(db, stmt, "update label");
	sqlite3_finalize(stmt);
	return rc;
}
