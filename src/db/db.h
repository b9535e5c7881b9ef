/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TPMCARD_DB_DB_H
#define TPMCARD_DB_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The store: one SQLite file of tokens and objects.  This is the only
 * layer that talks to SQLite; it knows rows, not PKCS#11 or the TPM.
 * Every function returns DB_OK or one of the codes below and logs the
 * cause (with SQLite's own message) where it chooses one.
 */

enum db_rc {
	DB_OK = 0,
	DB_NOT_FOUND,	/* no such row, or no store file */
	DB_EXISTS,	/* a unique value (token label) is taken */
	DB_BUSY,	/* another writer held the store past the timeout */
	DB_READ_ONLY,	/* the store cannot be written */
	DB_CORRUPT,	/* not a tpmcard store, or damaged */
	DB_TOO_NEW,	/* written by a newer tpmcard */
	DB_FULL,	/* disk full */
	DB_NO_MEMORY,
	DB_IO_ERROR,	/* the file cannot be opened, read or created */
	DB_ERROR,	/* anything else; the log says what */
};

/* One sentence for each code. */
const char *db_rc_text(enum db_rc rc);

struct db;

struct db_blob {
	uint8_t *data;
	size_t len;
};

/* A sealed copy of a token's wrap secret, under one PIN. */
struct db_seal {
	struct db_blob salt;	/* KDF salt of the PIN */
	struct db_blob pub;	/* TPM2B_PUBLIC, marshalled */
	struct db_blob priv;	/* TPM2B_PRIVATE, marshalled */
	/*
	 * The user's only: the PIN counter's NV public area (the seal then
	 * opens by policy); empty for a dictionary-attack protected seal,
	 * one zero byte for one whose counter the TPM could not give.
	 */
	struct db_blob nv;
};

struct db_token {
	int64_t id;
	char *label;
	char *serial;
	unsigned int min_pin_len;
	struct db_blob srk_name;
	struct db_seal user;
	struct db_seal so;
	/* The TPM it was made on ("" and 0 for tokens made before v3). */
	char *tpm_vendor;
	uint32_t tpm_firmware;	/* TPM_PT_FIRMWARE_VERSION_1 */
	uint32_t tpm_revision;	/* TPM_PT_REVISION, e.g. 159 */
};

struct db_object {
	int64_t id;
	int64_t token_id;
	struct db_blob tpm_pub;	 /* empty for objects without a TPM part */
	struct db_blob tpm_priv;
	struct db_blob auth;	 /* key auth, AEAD-wrapped under the token */
	struct db_blob attrs;	 /* common/attrs serialization */
};

#define DB_SCHEMA_VERSION 4

/*
 * Where the store is: TPMCARD_STORE when set; else the user's
 * $XDG_DATA_HOME/tpmcard/tpmcard.sqlite3 (~/.local/share/...); else, when
 * the user has none and the system store exists, /var/lib/tpmcard/...
 * With for_create the user's path is returned even if absent.  Returns a
 * malloc'd string the caller frees, or NULL (no HOME, ENOMEM).
 */
char *db_path_resolve(bool for_create);

/*
 * Opens the store at path.  With create, a missing file (and its
 * directory, mode 0700) is created with mode 0600; without it a missing
 * file is DB_NOT_FOUND.  A file or directory we may not write is opened
 * read-only and immutable, so nothing is created beside it.  Migrates an
 * older schema forward (unless read-only: then DB_READ_ONLY).  *out is
 * set only on DB_OK and is freed with db_close().
 */
enum db_rc db_open(const char *path, bool create, struct db **out);

/* Closes; accepts NULL. */
void db_close(struct db *db);

/* True when opened read-only. */
bool db_read_only(const struct db *db);

/*
 * Sets *changed when another connection committed since the last call
 * (the first call always reports a change).  Costs no disk I/O.
 */
enum db_rc db_poll_change(struct db *db, bool *changed);

/* An IMMEDIATE transaction: the write lock is taken at begin. */
enum db_rc db_begin(struct db *db);
enum db_rc db_commit(struct db *db);
/* Rolls back if a transaction is open; safe to call on any path. */
void db_rollback(struct db *db);

/* Schema version of the open store. */
enum db_rc db_schema_version(struct db *db, int *version);

/* Tokens.  Lists are ordered by id; free with db_tokens_free(). */
enum db_rc db_token_insert(struct db *db, const struct db_token *token,
			   int64_t *id);
enum db_rc db_token_list(struct db *db, struct db_token **tokens,
			 size_t *count);
/* DB_NOT_FOUND when no token has that label. */
enum db_rc db_token_get_by_label(struct db *db, const char *label,
				 struct db_token *token);
/* Frees a seal's blobs. */
void db_seal_clear(struct db_seal *seal);

/* Replaces the sealed blobs of the user (so=false) or SO seal. */
enum db_rc db_token_update_seal(struct db *db, int64_t id, bool so,
				const struct db_seal *seal);
/* DB_EXISTS when another token has the label. */
enum db_rc db_token_update_label(struct db *db, int64_t id, const char *label);
/* Deletes the token and, in the same statement, its objects. */
enum db_rc db_token_delete(struct db *db, int64_t id);
void db_token_clear(struct db_token *token);
void db_tokens_free(struct db_token *tokens, size_t count);

/* Objects of one token, ordered by id; free with db_objects_free(). */
enum db_rc db_object_insert(struct db *db, const struct db_object *object,
			    int64_t *id);
enum db_rc db_object_list(struct db *db, int64_t token_id,
			  struct db_object **objects, size_t *count);
enum db_rc db_object_update_attrs(struct db *db, int64_t id,
				  const struct db_blob *attrs);
/* DB_NOT_FOUND when there is no such object. */
enum db_rc db_object_delete(struct db *db, int64_t id);
/* Deletes every object of a token (none is no error). */
enum db_rc db_object_delete_all(struct db *db, int64_t token_id);
void db_object_clear(struct db_object *object);
void db_objects_free(struct db_object *objects, size_t count);

/* Copies len bytes into a new blob; false on ENOMEM. */
bool db_blob_set(struct db_blob *blob, const void *data, size_t len);
void db_blob_clear(struct db_blob *blob);

#endif /* TPMCARD_DB_DB_H */
