/* SPDX-License-Identifier: BSD-3-Clause */
#include "tpm/tpm.h"

#include <string.h>

#include "tpm/tpm_internal.h"

#define TC_LOG_LAYER TC_LAYER_TPM
#include "common/log.h"

/*
 * Sealed data objects hold a token's wrap secret under a PIN-derived auth.
 * They have no noDA: every wrong PIN is a dictionary-attack strike.  Every
 * command here that carries a secret runs in the salted session with
 * parameter encryption in the direction of the secret.
 */

static void seal_template(TPM2B_PUBLIC *pub)
{
	memset(pub, 0, sizeof(*pub));
	pub->publicArea.type = TPM2_ALG_KEYEDHASH;
	pub->publicArea.nameAlg = TPM2_ALG_SHA256;
	pub->publicArea.objectAttributes = TPMA_OBJECT_FIXEDTPM |
					   TPMA_OBJECT_FIXEDPARENT |
					   TPMA_OBJECT_USERWITHAUTH;
	pub->publicArea.parameters.keyedHashDetail.scheme.scheme =
		TPM2_ALG_NULL;
}

enum tpm_rc tpm_seal(struct tpm *tpm, const uint8_t *auth, size_t auth_len,
		     const uint8_t *secret, size_t secret_len,
		     struct tpm_blob *out)
{
	TPM2B_SENSITIVE_CREATE sensitive = { 0 };
	TPM2B_PUBLIC template, *pub = NULL;
	TPM2B_PRIVATE *priv = NULL;
	ESYS_TR session;
	enum tpm_rc rc;

	memset(out, 0, sizeof(*out));
	if (auth_len > sizeof(sensitive.sensitive.userAuth.buffer) ||
	    secret_len > sizeof(sensitive.sensitive.data.buffer))
		return TPM_E_BAD_INPUT;
	seal_template(&template);
	sensitive.sensitive.userAuth.size = (UINT16)auth_len;
	memcpy(sensitive.sensitive.userAuth.buffer, auth, auth_len);
	sensitive.sensitive.data.size = (UINT16)secret_len;
	memcpy(sensitive.sensitive.data.buffer, secret, secret_len);

	tpm_lock(tpm);
	rc = tpm_session_get_locked(tpm, TPMA_SESSION_DECRYPT, &session);
	if (rc == TPM_OK)
		rc = tpm_create_locked(tpm, session, &sensitive, &template,
				       &priv, &pub, "create sealed object");
	tpm_unlock(tpm);
	secmem_wipe(&sensitive, sizeof(sensitive));
	if (rc == TPM_OK && !tpm_blob_marshal(pub, priv, out))
		rc = TPM_E_NO_MEMORY;
	Esys_Free(pub);
	Esys_Free(priv);
	return rc;
}

enum tpm_rc tpm_unseal(struct tpm *tpm, const struct tpm_blob *blob,
		       const uint8_t *auth, size_t auth_len,
		       struct secbuf **out)
{
	TPM2B_SENSITIVE_DATA *data = NULL;
	ESYS_TR object = ESYS_TR_NONE, session;
	enum tpm_rc rc;

	*out = NULL;
	tpm_lock(tpm);
	rc = tpm_load_locked(tpm, blob, &object);
	if (rc == TPM_OK)
		rc = tpm_auth_set(tpm, object, auth, auth_len);
	if (rc == TPM_OK)
		rc = tpm_session_get_locked(tpm, TPMA_SESSION_ENCRYPT,
					    &session);
	if (rc == TPM_OK)
		rc = tpm_map(Esys_Unseal(tpm->esys, object, session,
					 ESYS_TR_NONE, ESYS_TR_NONE, &data),
			     "unseal");
	if (object != ESYS_TR_NONE) {
		tpm_auth_clear(tpm, object);
		tpm_flush_locked(tpm, object);
	}
	tpm_unlock(tpm);
	if (rc == TPM_OK) {
		*out = secbuf_dup(data->buffer, data->size);
		if (*out == NULL)
			rc = TPM_E_NO_MEMORY;
	}
	if (data != NULL)
		secmem_wipe(data, sizeof(*data));
	Esys_Free(data);
	return rc;
}

enum tpm_rc tpm_change_auth(struct tpm *tpm, const struct tpm_blob *blob,
			    const uint8_t *old_auth, size_t old_len,
			    const uint8_t *new_auth, size_t new_len,
			    struct tpm_blob *out)
{
	TPM2B_AUTH value = { 0 };
	TPM2B_PUBLIC pub;
	TPM2B_PRIVATE *priv = NULL;
	ESYS_TR object = ESYS_TR_NONE, srk, session;
	enum tpm_rc rc;

	memset(out, 0, sizeof(*out));
	if (new_len > sizeof(value.buffer) ||
	    !tpm_blob_unmarshal(blob, &pub, NULL))
		return new_len > sizeof(value.buffer) ? TPM_E_BAD_INPUT :
							TPM_E_BAD_BLOB;
	value.size = (UINT16)new_len;
	memcpy(value.buffer, new_auth, new_len);

	tpm_lock(tpm);
	rc = tpm_load_locked(tpm, blob, &object);
	if (rc == TPM_OK)
		rc = tpm_srk_get_locked(tpm, &srk);
	if (rc == TPM_OK)
		rc = tpm_auth_set(tpm, object, old_auth, old_len);
	if (rc == TPM_OK)
		rc = tpm_session_get_locked(tpm, TPMA_SESSION_DECRYPT,
					    &session);
	if (rc == TPM_OK)
		rc = tpm_map(Esys_ObjectChangeAuth(tpm->esys, object, srk,
						   session, ESYS_TR_NONE,
						   ESYS_TR_NONE, &value, &priv),
			     "change auth");
	if (object != ESYS_TR_NONE) {
		tpm_auth_clear(tpm, object);
		tpm_flush_locked(tpm, object);
	}
	tpm_unlock(tpm);
	secmem_wipe(&value, sizeof(value));
	if (rc == TPM_OK && !tpm_blob_marshal(&pub, priv, out))
		rc = TPM_E_NO_MEMORY;
	Esys_Free(priv);
	return rc;
}
