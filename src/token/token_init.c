/* SPDX-License-Identifier: BSD-3-Clause */
#include "token/token.h"

#include <stdlib.h>
#include <string.h>

#include "token/token_internal.h"

#define TC_LOG_LAYER TC_LAYER_TOKEN
#include "common/log.h"

/*
 * C_InitToken and C_InitPIN.  A token made by C_InitToken has only its
 * SO PIN: the wrap secret is sealed under it alone until the SO sets the
 * user PIN, which seals the same secret under that PIN too.
 */

#define WRAP_SECRET_LEN 32

bool token_user_pin_set(const struct tc_token *token)
{
	return token->row.user.pub.len > 0 || token_has_pin_counter(token);
}

/* The store, created now if the machine has none yet. */
static CK_RV store_locked(struct tc_module *mod)
{
	char *path;
	CK_RV rv;

	if (mod->db != NULL)
		return CKR_OK;
	path = db_path_resolve(true);
	if (path == NULL)
		return CKR_HOST_MEMORY;
	rv = token_rv_from_db(db_open(path, true, &mod->db));
	free(path);
	return rv;
}

CK_RV token_init_new(struct tc_module *mod, const char *label,
		     const uint8_t *so_pin, size_t so_len, int64_t *token_id)
{
	struct tc_token_params params = { .label = label,
					  .so_pin = so_pin,
					  .so_pin_len = so_len };
	struct db_token row = { 0 };
	struct tpm *tpm;
	CK_RV rv;

	tc_mutex_lock(&mod->lock);
	rv = token_tpm_locked(mod, &tpm);
	if (rv == CKR_OK)
		rv = token_admin_prepare_row(tpm, &params, &row);
	if (rv == CKR_OK)
		rv = store_locked(mod);
	if (rv == CKR_OK)
		rv = token_admin_insert_row(mod->db, &row, token_id);
	if (rv == CKR_OK)
		rv = token_reload_locked(mod);
	if (rv == CKR_OK)
		log_info("token '%s' initialized; its user PIN is not set yet",
			 label);
	token_release_tpm_if_idle_locked(mod);
	db_token_clear(&row);
	tc_mutex_unlock(&mod->lock);
	return rv;
}

/* Objects gone, a fresh wrap secret under the SO PIN only, a new label. */
static CK_RV reset_store_locked(struct tc_module *mod, struct tc_token *token,
				const char *label, const struct db_seal *so)
{
	struct db_seal none;
	enum db_rc rc;

	memset(&none, 0, sizeof(none));
	rc = db_begin(mod->db);
	if (rc == DB_OK)
		rc = db_object_delete_all(mod->db, token->row.id);
	if (rc == DB_OK)
		rc = db_token_update_label(mod->db, token->row.id, label);
	if (rc == DB_OK)
		rc = db_token_update_seal(mod->db, token->row.id, true, so);
	if (rc == DB_OK)
		rc = db_token_update_seal(mod->db, token->row.id, false, &none);
	if (rc == DB_OK)
		rc = db_commit(mod->db);
	else
		db_rollback(mod->db);
	return rc == DB_EXISTS ? CKR_TEMPLATE_INCONSISTENT :
				 token_rv_from_db(rc);
}

static CK_RV reinit_locked(struct tc_module *mod, struct tc_token *token,
			   const char *label, const uint8_t *so_pin,
			   size_t so_len)
{
	struct secbuf *old = NULL, *wrap = NULL;
	struct db_seal so;
	struct tpm *tpm;
	CK_RV rv;

	memset(&so, 0, sizeof(so));
	if (token->sessions > 0)
		return CKR_SESSION_EXISTS;
	if (db_read_only(mod->db))
		return CKR_TOKEN_WRITE_PROTECTED;
	if (so_len < token->row.min_pin_len || so_len > TC_MAX_PIN_LEN)
		return CKR_PIN_INCORRECT;
	/* Proves the SO PIN (a wrong one is a TPM strike). */
	rv = token_unseal_wrap_locked(mod, token, CKU_SO, so_pin, so_len, &old);
	secbuf_free(old);
	if (rv == CKR_OK)
		rv = token_tpm_locked(mod, &tpm);
	if (rv == CKR_OK) {
		wrap = secbuf_new(WRAP_SECRET_LEN);
		rv = wrap ? CKR_OK : CKR_HOST_MEMORY;
	}
	if (rv == CKR_OK) {
		wrap->len = WRAP_SECRET_LEN;
		rv = token_rv_from_tpm(tpm_random(tpm, wrap->data, wrap->len));
	}
	if (rv == CKR_OK)
		rv = token_seal_under_pin(tpm, wrap, so_pin, so_len, &so);
	if (rv == CKR_OK)
		rv = reset_store_locked(mod, token, label, &so);
	/* The old user PIN's counter names the old SO seal: gone with it. */
	if (rv == CKR_OK)
		token_counter_remove_locked(mod, &token->row);
	secbuf_free(wrap);
	db_seal_clear(&so);
	return rv;
}

CK_RV token_reinit(struct tc_module *mod, int64_t token_id, const char *label,
		   const uint8_t *so_pin, size_t so_len)
{
	struct tc_token *token;
	CK_RV rv;

	if (label == NULL || label[0] == '\0')
		return CKR_ARGUMENTS_BAD;
	tc_mutex_lock(&mod->lock);
	token = token_get_locked(mod, token_id);
	if (token == NULL || token->stale)
		rv = CKR_TOKEN_NOT_PRESENT;
	else
		rv = reinit_locked(mod, token, label, so_pin, so_len);
	if (rv == CKR_OK)
		rv = token_reload_locked(mod);
	if (rv == CKR_OK)
		log_info("token %lld re-initialized as '%s': its objects are "
			 "gone and its user PIN is not set",
			 (long long)token_id, label);
	token_release_tpm_if_idle_locked(mod);
	tc_mutex_unlock(&mod->lock);
	return rv;
}

static CK_RV init_pin_locked(struct tc_session *session, const uint8_t *pin,
			     size_t len)
{
	struct tc_module *mod = session->mod;
	struct tc_token *token = session->token;
	struct tpm *tpm;
	CK_RV rv;

	if (!token->logged_in || token->user != CKU_SO)
		return CKR_USER_NOT_LOGGED_IN;
	if (!session->rw)
		return CKR_SESSION_READ_ONLY;
	if (len < token->row.min_pin_len || len > TC_MAX_PIN_LEN)
		return CKR_PIN_LEN_RANGE;
	rv = token_tpm_locked(mod, &tpm);
	if (rv == CKR_OK)
		rv = token_counter_init_pin_locked(mod, token, tpm, pin, len);
	if (rv == CKR_OK)
		log_info("token '%s': the SO set the user PIN",
			 token->row.label);
	return rv;
}

CK_RV token_init_pin(struct tc_session *session, const uint8_t *pin,
		     size_t len)
{
	CK_RV rv;

	tc_mutex_lock(&session->mod->lock);
	rv = session->token->stale ? CKR_DEVICE_REMOVED :
				     init_pin_locked(session, pin, len);
	tc_mutex_unlock(&session->mod->lock);
	return rv;
}
