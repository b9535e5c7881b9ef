/* SPDX-License-Identifier: BSD-3-Clause */
#include "token/token.h"

#include <stdlib.h>
#include <string.h>

#include "token/token_internal.h"

#define TC_LOG_LAYER TC_LAYER_TOKEN
#include "common/log.h"

CK_RV token_module_open(struct tc_module **out)
{
	struct tc_module *mod;
	CK_RV rv;

	*out = NULL;
	mod = calloc(1, sizeof(*mod));
	if (mod == NULL)
		return CKR_HOST_MEMORY;
	if (!tc_mutex_init(&mod->lock)) {
		free(mod);
		return CKR_CANT_LOCK;
	}
	tc_mutex_lock(&mod->lock);
	rv = token_refresh_locked(mod);
	tc_mutex_unlock(&mod->lock);
	if (rv != CKR_OK) {
		token_module_close(mod);
		return rv;
	}
	*out = mod;
	return CKR_OK;
}

void token_object_free(struct tc_module *mod, struct tc_object *obj)
{
	if (obj == NULL)
		return;
	if (obj->key != NULL)
		tpm_key_close(mod->tpm, obj->key);
	attrs_clear(&obj->attrs);
	tpm_blob_clear(&obj->blob);
	db_blob_clear(&obj->auth);
	free(obj);
}

static void free_objects(struct tc_module *mod, struct tc_token *token)
{
	while (token->objects != NULL) {
		struct tc_object *obj = token->objects;

		token->objects = obj->next;
		token_object_free(mod, obj);
	}
}

void token_forget_secrets_locked(struct tc_module *mod,
				 struct tc_token *token)
{
	token_private_session_objects_drop_locked(mod, token);
	for (struct tc_object *o = token->objects; o != NULL; o = o->next) {
		if (o->key != NULL)
			tpm_key_close(mod->tpm, o->key);
		o->key = NULL;
	}
	secbuf_free(token->wrap);
	token->wrap = NULL;
	token->logged_in = false;
	token_release_tpm_if_idle_locked(mod);
}

void token_mark_removed_locked(struct tc_module *mod, struct tc_token *token)
{
	token_forget_secrets_locked(mod, token);
	free_objects(mod, token);
	token->stale = true;
}

void token_release_tpm_if_idle_locked(struct tc_module *mod)
{
	if (mod->tpm == NULL)
		return;
	for (struct tc_token *t = mod->tokens; t != NULL; t = t->next)
		if (t->logged_in)
			return;
	tpm_release(mod->tpm);
}

void token_module_release_at_exit(struct tc_module *mod)
{
	if (mod == NULL || !tc_mutex_trylock(&mod->lock))
		return;
	tpm_release_if_free(mod->tpm);
	tc_mutex_unlock(&mod->lock);
}

void token_module_closing(struct tc_module *mod)
{
	if (mod == NULL)
		return;
	tc_mutex_lock(&mod->lock);
	tpm_closing(mod->tpm);
	tc_mutex_unlock(&mod->lock);
}

void token_module_close(struct tc_module *mod)
{
	if (mod == NULL)
		return;
	tc_mutex_lock(&mod->lock);
	while (mod->tokens != NULL) {
		struct tc_token *token = mod->tokens;

		mod->tokens = token->next;
		token_forget_secrets_locked(mod, token);
		free_objects(mod, token);
		db_token_clear(&token->row);
		free(token);
	}
	tpm_close(mod->tpm);
	db_close(mod->db);
	tc_mutex_unlock(&mod->lock);
	tc_mutex_destroy(&mod->lock);
	free(mod);
}

void token_module_abandon(struct tc_module *mod)
{
	/* The parent's TPM connection and store handle stay untouched. */
	(void)mod;
}

CK_RV token_tpm_locked(struct tc_module *mod, struct tpm **tpm)
{
	enum tpm_rc rc;

	if (mod->tpm == NULL) {
		rc = tpm_open(&mod->tpm);
		if (rc != TPM_OK) {
			log_err("cannot reach the TPM: %s", tpm_rc_text(rc));
			return token_rv_from_tpm(rc);
		}
	}
	*tpm = mod->tpm;
	return CKR_OK;
}

void token_da_refresh_locked(struct tc_module *mod)
{
	if (mod->tpm == NULL)
		return;
	mod->da_known = tpm_da_info(mod->tpm, &mod->da) == TPM_OK;
}

struct tc_token *token_get_locked(struct tc_module *mod, int64_t id)
{
	for (struct tc_token *t = mod->tokens; t != NULL; t = t->next)
		if (t->row.id == id && !t->stale)
			return t;
	return NULL;
}

bool token_exists(struct tc_module *mod, int64_t token_id)
{
	bool exists;

	tc_mutex_lock(&mod->lock);
	exists = token_get_locked(mod, token_id) != NULL;
	tc_mutex_unlock(&mod->lock);
	return exists;
}

CK_RV token_list(struct tc_module *mod, int64_t *ids, size_t *count)
{
	size_t n = 0, cap = *count;
	CK_RV rv;

	tc_mutex_lock(&mod->lock);
	rv = token_refresh_locked(mod);
	for (struct tc_token *t = mod->tokens; rv == CKR_OK && t; t = t->next) {
		if (t->stale)
			continue;
		if (ids != NULL && n < cap)
			ids[n] = t->row.id;
		n++;
	}
	tc_mutex_unlock(&mod->lock);
	*count = n;
	if (rv == CKR_OK && ids != NULL && n > cap)
		rv = CKR_BUFFER_TOO_SMALL;
	return rv;
}

CK_RV token_find_by_label(struct tc_module *mod, const char *label,
			  int64_t *token_id)
{
	CK_RV rv;

	tc_mutex_lock(&mod->lock);
	rv = token_refresh_locked(mod);
	if (rv == CKR_OK)
		rv = CKR_TOKEN_NOT_PRESENT;
	for (struct tc_token *t = mod->tokens; t != NULL; t = t->next) {
		if (!t->stale && strcmp(t->row.label, label) == 0) {
			*token_id = t->row.id;
			rv = CKR_OK;
			break;
		}
	}
	tc_mutex_unlock(&mod->lock);
	return rv;
}

CK_RV token_random(struct tc_session *session, uint8_t *buf, size_t len)
{
	struct tpm *tpm = NULL;
	CK_RV rv;

	tc_mutex_lock(&session->mod->lock);
	rv = token_tpm_locked(session->mod, &tpm);
	if (rv == CKR_OK)
		rv = token_rv_from_tpm(tpm_random(tpm, buf, len));
	tc_mutex_unlock(&session->mod->lock);
	return rv;
}
