/* SPDX-License-Identifier: BSD-3-Clause */
#include "token/token.h"

#include <string.h>

#include "token/token_internal.h"

#define TC_LOG_LAYER TC_LAYER_TOKEN
#include "common/log.h"

/*
 * The PIN model.  A token's 32-byte wrap secret is sealed twice in the
 * TPM, under authValue = HKDF(user PIN, salt) and HKDF(SO PIN, salt), both
 * dictionary-attack protected: every wrong PIN is a TPM strike and PINs
 * cannot be tried offline.  Login unseals it into locked memory; it
 * unwraps the per-key auth values and is wiped at logout.
 */

#define WRAP_SECRET_LEN 32

static const struct db_seal *seal_of(const struct tc_token *token,
				     CK_USER_TYPE user)
{
	return user == CKU_SO ? &token->row.so : &token->row.user;
}

static void blob_view(const struct db_seal *seal, struct tpm_blob *blob)
{
	blob->pub = seal->pub.data;
	blob->pub_len = seal->pub.len;
	blob->priv = seal->priv.data;
	blob->priv_len = seal->priv.len;
}

/* The TPM in use must hold the SRK the token was sealed under. */
static CK_RV check_srk_locked(struct tc_module *mod, struct tc_token *token,
			      struct tpm **tpm)
{
	bool matches = false;
	CK_RV rv = token_tpm_locked(mod, tpm);

	if (rv != CKR_OK)
		return rv;
	rv = token_rv_from_tpm(tpm_srk_match(*tpm, token->row.srk_name.data,
					     token->row.srk_name.len,
					     &matches));
	if (rv != CKR_OK)
		return rv;
	if (!matches) {
		log_err("token '%s' was sealed under another SRK: the TPM was "
			"cleared, or the store comes from another machine",
			token->row.label);
		return CKR_DEVICE_ERROR;
	}
	return CKR_OK;
}

/* Maps a failed unseal or change-auth under a PIN. */
static CK_RV pin_failure(struct tc_module *mod, enum tpm_rc rc,
			 const struct tc_token *token, CK_USER_TYPE user)
{
	if (user == CKU_USER && token_has_pin_counter(token)) {
		if (rc == TPM_E_AUTH_FAIL) {
			log_warn("wrong user PIN for token '%s' (counted by "
				 "its retry counter in the TPM)",
				 token->row.label);
			return CKR_PIN_INCORRECT;
		}
		if (rc == TPM_E_PIN_LOCKED) {
			log_err("token '%s': the user PIN is locked after too "
				"many wrong tries; the SO can set a new one",
				token->row.label);
			return CKR_PIN_LOCKED;
		}
	}
	token_da_refresh_locked(mod);
	if (rc == TPM_E_AUTH_FAIL) {
		log_warn("wrong PIN for token '%s' (TPM failure count %u of "
			 "%u)", token->row.label, mod->da.failures,
			 mod->da.max_failures);
		return CKR_PIN_INCORRECT;
	}
	if (rc == TPM_E_LOCKOUT) {
		log_err("token '%s': the TPM is in dictionary-attack lockout",
			token->row.label);
		return CKR_PIN_LOCKED;
	}
	return rc == TPM_E_BAD_BLOB ? CKR_DEVICE_ERROR : token_rv_from_tpm(rc);
}

/* Unseals the wrap secret with a PIN; *wrap is the caller's on CKR_OK. */
CK_RV token_unseal_wrap_locked(struct tc_module *mod, struct tc_token *token,
			       CK_USER_TYPE user, const uint8_t *pin,
			       size_t pin_len, struct secbuf **wrap)
{
	const struct db_seal *seal = seal_of(token, user);
	uint8_t auth[CRYPTO_PIN_AUTH_LEN];
	struct tpm_blob blob;
	struct tpm *tpm;
	enum tpm_rc rc;
	CK_RV rv;

	*wrap = NULL;
	rv = check_srk_locked(mod, token, &tpm);
	if (rv != CKR_OK)
		return rv;
	if (!crypto_pin_auth(pin, pin_len, seal->salt.data, seal->salt.len,
			     auth))
		return CKR_HOST_MEMORY;
	blob_view(seal, &blob);
	if (user == CKU_USER && token_has_pin_counter(token)) {
		rc = token_counter_unseal(tpm, token, auth, wrap);
		token_counter_saw(token, rc);
	} else {
		rc = tpm_unseal(tpm, &blob, auth, sizeof(auth), wrap);
	}
	secmem_wipe(auth, sizeof(auth));
	if (rc != TPM_OK)
		return pin_failure(mod, rc, token, user);
	if ((*wrap)->len != WRAP_SECRET_LEN) {
		log_err("token '%s': unsealed secret has the wrong size",
			token->row.label);
		secbuf_free(*wrap);
		*wrap = NULL;
		return CKR_DEVICE_ERROR;
	}
	return CKR_OK;
}

static CK_RV login_state_check(struct tc_module *mod, struct tc_token *token,
			       CK_USER_TYPE user)
{
	if (user != CKU_USER && user != CKU_SO)
		return CKR_USER_TYPE_INVALID;
	if (user == CKU_USER && !token_user_pin_set(token))
		return CKR_USER_PIN_NOT_INITIALIZED;
	if (token->logged_in)
		return token->user == user ?
			       CKR_USER_ALREADY_LOGGED_IN :
			       CKR_USER_ANOTHER_ALREADY_LOGGED_IN;
	if (user == CKU_SO && token->rw_sessions < token->sessions)
		return CKR_SESSION_READ_ONLY_EXISTS;
	(void)mod;
	return CKR_OK;
}

/*
 * CKU_CONTEXT_SPECIFIC: the user proves the PIN again, to the TPM (a
 * wrong one is a strike like any other), for the one operation in
 * progress whose key has CKA_ALWAYS_AUTHENTICATE.
 */
static CK_RV context_login_locked(struct tc_session *session,
				  const uint8_t *pin, size_t pin_len)
{
	struct tc_token *token = session->token;
	struct secbuf *wrap = NULL;
	CK_RV rv;

	if (!token->logged_in || token->user != CKU_USER)
		return CKR_USER_NOT_LOGGED_IN;
	if (!token_context_auth_locked(session, false))
		return CKR_OPERATION_NOT_INITIALIZED;
	if (pin_len < token->row.min_pin_len || pin_len > TC_MAX_PIN_LEN)
		return CKR_PIN_INCORRECT;
	rv = token_unseal_wrap_locked(session->mod, token, CKU_USER, pin,
				      pin_len, &wrap);
	secbuf_free(wrap);
	if (rv == CKR_OK)
		token_context_auth_locked(session, true);
	return rv;
}

CK_RV token_login(struct tc_session *session, CK_USER_TYPE user,
		  const uint8_t *pin, size_t pin_len)
{
	struct tc_module *mod = session->mod;
	struct tc_token *token = session->token;
	struct secbuf *wrap = NULL;
	CK_RV rv;

	tc_mutex_lock(&mod->lock);
	if (!token->stale && user == CKU_CONTEXT_SPECIFIC) {
		rv = context_login_locked(session, pin, pin_len);
		tc_mutex_unlock(&mod->lock);
		return rv;
	}
	rv = token->stale ? CKR_DEVICE_REMOVED :
			    login_state_check(mod, token, user);
	/* No PIN of this length can be right: spend no TPM strike on it. */
	if (rv == CKR_OK && (pin_len < token->row.min_pin_len ||
			     pin_len > TC_MAX_PIN_LEN))
		rv = CKR_PIN_INCORRECT;
	if (rv == CKR_OK)
		rv = token_unseal_wrap_locked(mod, token, user, pin, pin_len,
					       &wrap);
	if (rv != CKR_OK)
		token_release_tpm_if_idle_locked(mod);
	if (rv == CKR_OK) {
		token->wrap = wrap;
		token->logged_in = true;
		token->user = user;
		if (user == CKU_USER)
			token_counter_migrate_locked(mod, token, pin, pin_len);
		log_debug("token %lld: %s logged in", (long long)token->row.id,
			  user == CKU_SO ? "SO" : "user");
	}
	tc_mutex_unlock(&mod->lock);
	return rv;
}

CK_RV token_logout(struct tc_session *session)
{
	struct tc_module *mod = session->mod;
	CK_RV rv = CKR_OK;

	tc_mutex_lock(&mod->lock);
	if (!session->token->logged_in) {
		rv = CKR_USER_NOT_LOGGED_IN;
	} else {
		token_forget_secrets_locked(mod, session->token);
	}
	tc_mutex_unlock(&mod->lock);
	return rv;
}

/*
 * The user's PIN behind a counter: the counter's auth changes, proving
 * the old PIN to it (a wrong one counts).  The salt stays, so the store
 * has nothing to change: old or new PIN, never neither.
 */
static CK_RV rekey_counter_locked(struct tc_module *mod,
				  struct tc_token *token, const uint8_t *old_pin,
				  size_t old_len, const uint8_t *new_pin,
				  size_t new_len)
{
	const struct db_seal *seal = &token->row.user;
	uint8_t old_auth[CRYPTO_PIN_AUTH_LEN], new_auth[CRYPTO_PIN_AUTH_LEN];
	struct tpm *tpm;
	enum tpm_rc rc;
	CK_RV rv = check_srk_locked(mod, token, &tpm);

	if (rv != CKR_OK)
		return rv;
	if (!crypto_pin_auth(old_pin, old_len, seal->salt.data,
			     seal->salt.len, old_auth) ||
	    !crypto_pin_auth(new_pin, new_len, seal->salt.data,
			     seal->salt.len, new_auth))
		rv = CKR_HOST_MEMORY;
	rc = rv == CKR_OK ? token_counter_change(tpm, token, old_auth, new_auth) :
			    TPM_E_NO_MEMORY;
	secmem_wipe(old_auth, sizeof(old_auth));
	secmem_wipe(new_auth, sizeof(new_auth));
	token_counter_saw(token, rc);
	if (rc != TPM_OK)
		return pin_failure(mod, rc, token, CKU_USER);
	return CKR_OK;
}

static CK_RV reseal_locked(struct tc_module *mod, struct tc_token *token,
			   CK_USER_TYPE user, const uint8_t *old_pin,
			   size_t old_len, const uint8_t *new_pin,
			   size_t new_len)
{
	const struct db_seal *seal = seal_of(token, user);
	uint8_t old_auth[CRYPTO_PIN_AUTH_LEN], new_auth[CRYPTO_PIN_AUTH_LEN];
	uint8_t salt[16];
	struct tpm_blob blob, changed = { 0 };
	struct db_seal updated = { 0 };
	struct tpm *tpm;
	enum tpm_rc rc;
	CK_RV rv;

	rv = check_srk_locked(mod, token, &tpm);
	if (rv != CKR_OK)
		return rv;
	if (!crypto_random(salt, sizeof(salt)) ||
	    !crypto_pin_auth(old_pin, old_len, seal->salt.data,
			     seal->salt.len, old_auth) ||
	    !crypto_pin_auth(new_pin, new_len, salt, sizeof(salt), new_auth))
		return CKR_HOST_MEMORY;
	blob_view(seal, &blob);
	rc = tpm_change_auth(tpm, &blob, old_auth, sizeof(old_auth), new_auth,
			     sizeof(new_auth), &changed);
	secmem_wipe(old_auth, sizeof(old_auth));
	secmem_wipe(new_auth, sizeof(new_auth));
	if (rc != TPM_OK)
		return pin_failure(mod, rc, token, user);
	/* The old blob still opens with the old PIN until this commits. */
	if (!db_blob_set(&updated.salt, salt, sizeof(salt)) ||
	    !db_blob_set(&updated.pub, changed.pub, changed.pub_len) ||
	    !db_blob_set(&updated.priv, changed.priv, changed.priv_len) ||
	    !db_blob_set(&updated.nv, seal->nv.data, seal->nv.len))
		rv = CKR_HOST_MEMORY;
	else
		rv = token_rv_from_db(db_token_update_seal(
			mod->db, token->row.id, user == CKU_SO, &updated));
	tpm_blob_clear(&changed);
	if (rv == CKR_OK) {
		struct db_seal *cached = user == CKU_SO ? &token->row.so :
							  &token->row.user;

		db_seal_clear(cached);
		*cached = updated;
		return CKR_OK;
	}
	db_seal_clear(&updated);
	return rv;
}

CK_RV token_set_pin(struct tc_session *session, const uint8_t *old_pin,
		    size_t old_len, const uint8_t *new_pin, size_t new_len)
{
	struct tc_module *mod = session->mod;
	struct tc_token *token = session->token;
	CK_USER_TYPE user;
	CK_RV rv = CKR_OK;

	tc_mutex_lock(&mod->lock);
	/* The logged-in user's PIN, or the user PIN when nobody is. */
	user = token->logged_in ? token->user : CKU_USER;
	if (!session->rw)
		rv = CKR_SESSION_READ_ONLY;
	else if (db_read_only(mod->db))
		rv = CKR_TOKEN_WRITE_PROTECTED;
	else if (user == CKU_USER && !token_user_pin_set(token))
		rv = CKR_USER_PIN_NOT_INITIALIZED;
	else if (new_len < token->row.min_pin_len || new_len > TC_MAX_PIN_LEN)
		rv = CKR_PIN_LEN_RANGE;
	else if (old_len < token->row.min_pin_len || old_len > TC_MAX_PIN_LEN)
		rv = CKR_PIN_INCORRECT;
	if (rv == CKR_OK && user == CKU_USER && token_has_pin_counter(token))
		rv = rekey_counter_locked(mod, token, old_pin, old_len, new_pin,
					  new_len);
	else if (rv == CKR_OK)
		rv = reseal_locked(mod, token, user, old_pin, old_len, new_pin,
				   new_len);
	token_release_tpm_if_idle_locked(mod);
	tc_mutex_unlock(&mod->lock);
	return rv;
}
