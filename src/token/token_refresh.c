/* SPDX-License-Identifier: BSD-3-Clause */
#include "token/token.h"

#include <stdlib.h>
#include <string.h>

#include "token/token_internal.h"

#define TC_LOG_LAYER TC_LAYER_TOKEN
#include "common/log.h"

/*
 * The cache of tokens and objects follows the store: when another process
 * commits (PRAGMA data_version moves), the lists are read again and merged
 * by id, so that login state, wrap secrets and loaded keys of what still
 * exists survive, and what vanished is forgotten.
 */

static bool take_blob(struct db_blob *from, uint8_t **data, size_t *len)
{
	*data = from->data;
	*len = from->len;
	from->data = NULL;
	from->len = 0;
	return true;
}

/* Builds a cache object from a row, taking its blobs; NULL if damaged. */
static struct tc_object *object_from_row(struct db_object *row)
{
	struct tc_object *obj = calloc(1, sizeof(*obj));

	if (obj == NULL)
		return NULL;
	obj->id = row->id;
	if (!attrs_parse(row->attrs.data, row->attrs.len, &obj->attrs)) {
		log_err("object %lld has damaged attributes: ignored",
			(long long)row->id);
		free(obj);
		return NULL;
	}
	take_blob(&row->tpm_pub, &obj->blob.pub, &obj->blob.pub_len);
	take_blob(&row->tpm_priv, &obj->blob.priv, &obj->blob.priv_len);
	obj->auth = row->auth;
	memset(&row->auth, 0, sizeof(row->auth));
	return obj;
}

static struct tc_object *find_object(struct tc_token *token, int64_t id)
{
	for (struct tc_object *o = token->objects; o != NULL; o = o->next)
		if (o->id == id)
			return o;
	return NULL;
}

/* Adds objects new in the store; marks the ones still there as seen. */
static void merge_rows(struct tc_token *token, struct db_object *rows,
		       size_t count)
{
	struct tc_object **tail = &token->objects;

	while (*tail != NULL)
		tail = &(*tail)->next;
	for (size_t i = 0; i < count; i++) {
		struct tc_object *obj = find_object(token, rows[i].id);

		if (obj != NULL) {
			obj->seen = true;
			attrs_clear(&obj->attrs);
			attrs_parse(rows[i].attrs.data, rows[i].attrs.len,
				    &obj->attrs);
			continue;
		}
		obj = object_from_row(&rows[i]);
		if (obj == NULL)
			continue;
		obj->seen = true;
		*tail = obj;
		tail = &obj->next;
	}
}

CK_RV token_reload_objects_locked(struct tc_module *mod,
				  struct tc_token *token)
{
	struct db_object *rows = NULL;
	struct tc_object **link;
	size_t count = 0;
	enum db_rc rc;

	rc = db_object_list(mod->db, token->row.id, &rows, &count);
	if (rc != DB_OK)
		return token_rv_from_db(rc);
	for (struct tc_object *o = token->objects; o != NULL; o = o->next)
		o->seen = false;
	merge_rows(token, rows, count);
	db_objects_free(rows, count);
	link = &token->objects;
	while (*link != NULL) {
		struct tc_object *obj = *link;

		if (obj->seen || obj->owner != NULL) {
			link = &obj->next;
			continue;
		}
		*link = obj->next;
		token_object_free(mod, obj);
	}
	token->objects_current = true;
	return CKR_OK;
}

CK_RV token_objects_ready_locked(struct tc_module *mod,
				 struct tc_token *token)
{
	if (token->objects_current || token->stale || mod->db == NULL)
		return CKR_OK;
	return token_reload_objects_locked(mod, token);
}

/* Replaces a cached token's row, keeping its runtime state. */
static void update_token(struct tc_token *token, struct db_token *row)
{
	db_token_clear(&token->row);
	token->row = *row;
	memset(row, 0, sizeof(*row));
}

static CK_RV add_token(struct tc_module *mod, struct db_token *row)
{
	struct tc_token *token = calloc(1, sizeof(*token)), **tail;

	if (token == NULL)
		return CKR_HOST_MEMORY;
	token->mod = mod;
	update_token(token, row);
	for (tail = &mod->tokens; *tail != NULL; tail = &(*tail)->next)
		;
	*tail = token;
	return CKR_OK;
}

static bool row_listed(const struct db_token *rows, size_t count, int64_t id)
{
	for (size_t i = 0; i < count; i++)
		if (rows[i].id == id)
			return true;
	return false;
}

static CK_RV merge_tokens(struct tc_module *mod, struct db_token *rows,
			  size_t count)
{
	CK_RV rv = CKR_OK;

	for (struct tc_token *t = mod->tokens; t != NULL; t = t->next) {
		if (!t->stale && !row_listed(rows, count, t->row.id)) {
			log_info("token %lld was removed from the store",
				 (long long)t->row.id);
			token_mark_removed_locked(mod, t);
		}
	}
	for (size_t i = 0; i < count && rv == CKR_OK; i++) {
		struct tc_token *t = token_get_locked(mod, rows[i].id);

		if (t != NULL)
			update_token(t, &rows[i]);
		else
			rv = add_token(mod, &rows[i]);
	}
	/* Objects are read when first needed, not for every token now. */
	for (struct tc_token *t = mod->tokens; t != NULL; t = t->next)
		t->objects_current = false;
	return rv;
}

/* Opens the store if there is one now; a missing store is no error. */
static CK_RV open_store_locked(struct tc_module *mod)
{
	char *path = db_path_resolve(false);
	enum db_rc rc;

	if (path == NULL)
		return CKR_OK;
	rc = db_open(path, false, &mod->db);
	if (rc == DB_NOT_FOUND) {
		log_debug("no store at %s: no tokens", path);
		rc = DB_OK;
	} else if (rc != DB_OK) {
		log_err("store %s: %s", path, db_rc_text(rc));
	}
	free(path);
	return token_rv_from_db(rc);
}

/* Reads every token and object row again and merges them in. */
static CK_RV reload_locked(struct tc_module *mod)
{
	struct db_token *rows = NULL;
	size_t count = 0;
	enum db_rc rc;
	CK_RV rv;

	rc = db_token_list(mod->db, &rows, &count);
	if (rc != DB_OK)
		return token_rv_from_db(rc);
	rv = merge_tokens(mod, rows, count);
	db_tokens_free(rows, count);
	return rv;
}

CK_RV token_refresh_locked(struct tc_module *mod)
{
	bool changed = false;
	enum db_rc rc;
	CK_RV rv;

	if (mod->db == NULL) {
		rv = open_store_locked(mod);
		if (rv != CKR_OK || mod->db == NULL)
			return rv;
	}
	rc = db_poll_change(mod->db, &changed);
	if (rc != DB_OK || !changed)
		return token_rv_from_db(rc);
	return reload_locked(mod);
}

CK_RV token_reload_locked(struct tc_module *mod)
{
	CK_RV rv = token_refresh_locked(mod); /* opens the store if need be */

	if (rv != CKR_OK || mod->db == NULL)
		return rv;
	return reload_locked(mod);
}
