/* SPDX-License-Identifier: BSD-3-Clause */
#include "token/token.h"

#include <stdlib.h>
#include <string.h>

#include "token/token_internal.h"

#define TC_LOG_LAYER TC_LAYER_TOKEN
#include "common/log.h"

/*
 * The user PIN's retry counter in the TPM (tpm/tpm_pin_nv.c): the user's
 * copy of the wrap secret is in an NV index that reads only through a PIN
 * proven to an NV index of the PIN-fail type, so wrong user PINs count
 * against this token alone, never against the TPM's machine-wide
 * dictionary-attack lockout.
 * Where the TPM cannot give an index (no NV room, an owner password), the
 * user's copy is a dictionary-attack protected seal as before, marked so
 * that logins do not ask again; C_InitPIN does.  The SO's copy always is
 * one.  C_InitPIN gives the user seal a new counter (count 0) and
 * undefines the old one once the store has the new.
 */

#define SALT_LEN 16

static const uint8_t no_counter_marker[1] = { 0 };

bool token_has_pin_counter(const struct tc_token *token)
{
	return token->row.user.nv.len > sizeof(no_counter_marker);
}

/* A dictionary-attack protected seal, marked as having no counter. */
static CK_RV seal_without_counter(struct tpm *tpm, const struct secbuf *wrap,
				  const uint8_t *pin, size_t pin_len,
				  struct db_seal *out)
{
	CK_RV rv = token_seal_under_pin(tpm, wrap, pin, pin_len, out);

	if (rv == CKR_OK && !db_blob_set(&out->nv, no_counter_marker,
					 sizeof(no_counter_marker)))
		rv = CKR_HOST_MEMORY;
	return rv;
}

CK_RV token_user_seal_make(struct tpm *tpm, const struct secbuf *wrap,
			   const uint8_t *pin,
			   size_t pin_len, unsigned int tries,
			   struct db_seal *out)
{
	uint8_t salt[SALT_LEN], auth[CRYPTO_PIN_AUTH_LEN];
	uint8_t *nv = NULL;
	size_t nv_len = 0;
	enum tpm_rc rc;
	CK_RV rv = CKR_HOST_MEMORY;

	memset(out, 0, sizeof(*out));
	if (tries == 0)
		return seal_without_counter(tpm, wrap, pin, pin_len, out);
	if (!crypto_random(salt, sizeof(salt)) ||
	    !crypto_pin_auth(pin, pin_len, salt, sizeof(salt), auth))
		return CKR_HOST_MEMORY;
	rc = tpm_pin_nv_create(tpm, auth, sizeof(auth), tries, wrap->data,
			       wrap->len, &nv, &nv_len);
	secmem_wipe(auth, sizeof(auth));
	if (rc == TPM_E_NV_UNAVAILABLE)
		return seal_without_counter(tpm, wrap, pin, pin_len, out);
	if (rc != TPM_OK)
		return token_rv_from_tpm(rc);
	/* No sealed object: the wrap secret is in the counter's pair. */
	if (db_blob_set(&out->salt, salt, sizeof(salt)) &&
	    db_blob_set(&out->nv, nv, nv_len))
		rv = CKR_OK;
	else
		db_seal_clear(out);
	free(nv);
	return rv;
}

enum tpm_rc token_counter_unseal(struct tpm *tpm, const struct tc_token *token,
				 const uint8_t *auth, struct secbuf **wrap)
{
	const struct db_seal *user = &token->row.user;

	return tpm_pin_nv_unseal(tpm, user->nv.data, user->nv.len, auth,
				 CRYPTO_PIN_AUTH_LEN, wrap);
}

enum tpm_rc token_counter_change(struct tpm *tpm, const struct tc_token *token,
				 const uint8_t *old_auth,
				 const uint8_t *new_auth)
{
	const struct db_seal *user = &token->row.user;

	return tpm_pin_nv_change(tpm, user->nv.data, user->nv.len, old_auth,
				 CRYPTO_PIN_AUTH_LEN, new_auth,
				 CRYPTO_PIN_AUTH_LEN);
}

/* After a PIN was tried on the counter: what the count must now be. */
void token_counter_saw(struct tc_token *token, enum tpm_rc rc)
{
	if (!token_has_pin_counter(token))
		return;
	if (rc == TPM_OK)
		token->pin_count = 0;
	else if (rc == TPM_E_AUTH_FAIL && token->pin_count_known)
		token->pin_count++;
	else if (rc == TPM_E_PIN_LOCKED && token->pin_count_known)
		token->pin_count = token->pin_limit;
	else
		token->pin_count_known = false;
}

void token_counter_refresh_locked(struct tc_module *mod,
				  struct tc_token *token)
{
	const struct db_seal *user = &token->row.user;
	uint32_t count = 0, limit = 0;

	if (mod->tpm == NULL || !token_has_pin_counter(token))
		return;
	token->pin_count_known =
		tpm_pin_nv_read(mod->tpm, user->nv.data, user->nv.len, &count,
				&limit) == TPM_OK &&
		limit > 0;
	token->pin_count = count;
	token->pin_limit = limit;
}

/* A new counter keeps the old one's limit. */
static unsigned int tries_of(struct tc_token *token)
{
	if (!token_has_pin_counter(token))
		return TC_DEFAULT_PIN_TRIES;
	if (!token->pin_count_known)
		token_counter_refresh_locked(token->mod, token);
	return token->pin_count_known ? token->pin_limit :
					TC_DEFAULT_PIN_TRIES;
}

/*
 * A new user seal (with a counter where possible) put in the store; the
 * old seal's counter, if any, undefined after that.
 */
static CK_RV replace_user_seal_locked(struct tc_module *mod,
				      struct tc_token *token, struct tpm *tpm,
				      const uint8_t *pin, size_t len)
{
	struct db_seal seal;
	CK_RV rv = token_user_seal_make(tpm, token->wrap, pin, len,
					tries_of(token), &seal);

	if (rv == CKR_OK)
		rv = token_rv_from_db(db_token_update_seal(
			mod->db, token->row.id, false, &seal));
	if (rv != CKR_OK) {
		/* A counter made for this seal is not used: take it back. */
		if (seal.nv.len > sizeof(no_counter_marker))
			(void)tpm_pin_nv_remove(tpm, seal.nv.data,
						seal.nv.len);
		db_seal_clear(&seal);
		return rv;
	}
	token_counter_remove_locked(mod, &token->row);
	db_seal_clear(&token->row.user);
	token->row.user = seal;
	token->pin_count_known = false;
	return CKR_OK;
}

CK_RV token_counter_init_pin_locked(struct tc_module *mod,
				    struct tc_token *token, struct tpm *tpm,
				    const uint8_t *pin, size_t len)
{
	return replace_user_seal_locked(mod, token, tpm, pin, len);
}

/*
 * After the user's login with a dictionary-attack protected seal that
 * never had a counter (a store from before counters): the same wrap
 * secret goes behind a new counter under the same PIN.  Best effort: on
 * any failure the old seal stays and the login stands.
 */
void token_counter_migrate_locked(struct tc_module *mod,
				  struct tc_token *token, const uint8_t *pin,
				  size_t len)
{
	struct tpm *tpm;
	CK_RV rv;

	if (token->row.user.nv.len != 0 || token->wrap == NULL ||
	    mod->db == NULL || db_read_only(mod->db) ||
	    token_tpm_locked(mod, &tpm) != CKR_OK)
		return;
	rv = replace_user_seal_locked(mod, token, tpm, pin, len);
	if (rv != CKR_OK)
		log_warn("token '%s': the user PIN stays behind the TPM's "
			 "dictionary-attack lockout (%s)", token->row.label,
			 token_rv_text(rv));
	else if (token_has_pin_counter(token))
		log_info("token '%s': the user PIN now has its own retry "
			 "counter in the TPM", token->row.label);
}

void token_counter_remove_locked(struct tc_module *mod,
				 const struct db_token *row)
{
	const struct db_seal *user = &row->user;
	bool matches = false;
	struct tpm *tpm;
	enum tpm_rc rc;

	if (user->nv.len <= sizeof(no_counter_marker) ||
	    token_tpm_locked(mod, &tpm) != CKR_OK)
		return;
	/*
	 * Another TPM's index of that handle is not ours to undefine; and
	 * matching the SRK by the recorded name first lets a killed process
	 * leave nothing unlisted (tpm_reclaim.c).
	 */
	rc = tpm_srk_match(tpm, row->srk_name.data, row->srk_name.len,
			   &matches);
	if (rc != TPM_OK) {
		log_warn("token '%s': cannot tell whether this TPM holds its "
			 "PIN counter (%s); not undefined", row->label,
			 tpm_rc_text(rc));
		return;
	}
	if (!matches) {
		log_warn("token '%s': its PIN counter is not in this TPM; not "
			 "undefined", row->label);
		return;
	}
	(void)tpm_pin_nv_remove(tpm, user->nv.data, user->nv.len);
}
