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
	TPM2B_PUBLIC template, pub = { 0 };
	TPM2B_PRIVATE priv = { 0 };
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
	rc = tpm_create_locked(tpm, &sensitive, &template, &priv, &pub,
			       "create sealed object");
	tpm_unlock(tpm);
	secmem_wipe(&sensitive, sizeof(sensitive));
	if (rc == TPM_OK && !tpm_blob_marshal(&pub, &priv, out))
		rc = TPM_E_NO_MEMORY;
	return rc;
}

/* Loads a blob and gets its TPM handle and name, for one command. */
static enum tpm_rc load_for_command_locked(struct tpm *tpm,
					   const struct tpm_blob *blob,
					   TPM2_HANDLE *handle,
					   TPM2B_NAME *name)
{
	enum tpm_rc rc = tpm_load_locked(tpm, blob, handle, name);

	if (rc == TPM_OK)
		rc = tpm_session_ready_locked(tpm);
	return rc;
}

enum tpm_rc tpm_unseal(struct tpm *tpm, const struct tpm_blob *blob,
		       const uint8_t *auth, size_t auth_len,
		       struct secbuf **out)
{
	TPM2B_SENSITIVE_DATA data = { 0 };
	TPM2_HANDLE handle = 0;
	TPM2B_NAME name;
	struct tpm_authed cmd = {
		.cc = TPM2_CC_Unseal, .names = { &name }, .name_count = 1,
		.auth = auth, .auth_len = auth_len,
		.attrs = TPMA_SESSION_ENCRYPT, /* the secret comes back */
	};
	TSS2_SYS_CONTEXT *sys;
	enum tpm_rc rc;
	TSS2_RC trc;

	*out = NULL;
	tpm_lock(tpm);
	sys = tpm_sys(tpm);
	rc = sys ? load_for_command_locked(tpm, blob, &handle, &name) :
		   TPM_E_FAILURE;
	if (rc == TPM_OK) {
		for (unsigned int tries = 0;;) {
			trc = Tss2_Sys_Unseal_Prepare(sys, handle);
			if (trc == TSS2_RC_SUCCESS)
				trc = tpm_authed_execute_locked(tpm, &cmd);
			if (!tpm_busy_retry(trc, &tries))
				break;
		}
		if (trc == TSS2_RC_SUCCESS)
			trc = Tss2_Sys_Unseal_Complete(sys, &data);
		rc = tpm_map(trc, "unseal");
	}
	tpm_flush_locked(tpm, handle);
	tpm_unlock(tpm);
	if (rc == TPM_OK) {
		*out = secbuf_dup(data.buffer, data.size);
		if (*out == NULL)
			rc = TPM_E_NO_MEMORY;
	}
	secmem_wipe(&data, sizeof(data));
	return rc;
}

enum tpm_rc tpm_change_auth(struct tpm *tpm, const struct tpm_blob *blob,
			    const uint8_t *old_auth, size_t old_len,
			    const uint8_t *new_auth, size_t new_len,
			    struct tpm_blob *out)
{
	TPM2B_AUTH value = { 0 };
	TPM2B_PUBLIC pub;
	TPM2B_PRIVATE priv = { 0 };
	TPM2_HANDLE handle = 0, srk = 0;
	TPM2B_NAME name, srk_name;
	struct tpm_authed cmd = {
		.cc = TPM2_CC_ObjectChangeAuth,
		.names = { &name, &srk_name }, .name_count = 2,
		.auth = old_auth, .auth_len = old_len,
		.attrs = TPMA_SESSION_DECRYPT, /* the new auth goes in */
	};
	TSS2_SYS_CONTEXT *sys;
	enum tpm_rc rc;
	TSS2_RC trc;

	memset(out, 0, sizeof(*out));
	if (new_len > sizeof(value.buffer) ||
	    !tpm_blob_unmarshal(blob, &pub, NULL))
		return new_len > sizeof(value.buffer) ? TPM_E_BAD_INPUT :
							TPM_E_BAD_BLOB;
	value.size = (UINT16)new_len;
	memcpy(value.buffer, new_auth, new_len);

	tpm_lock(tpm);
	sys = tpm_sys(tpm);
	rc = sys ? load_for_command_locked(tpm, blob, &handle, &name) :
		   TPM_E_FAILURE;
	if (rc == TPM_OK)
		rc = tpm_srk_ref_locked(tpm, &srk, &srk_name);
	if (rc == TPM_OK) {
		for (unsigned int tries = 0;;) {
			trc = Tss2_Sys_ObjectChangeAuth_Prepare(sys, handle, srk,
								&value);
			if (trc == TSS2_RC_SUCCESS)
				trc = tpm_authed_execute_locked(tpm, &cmd);
			if (!tpm_busy_retry(trc, &tries))
				break;
		}
		if (trc == TSS2_RC_SUCCESS)
			trc = Tss2_Sys_ObjectChangeAuth_Complete(sys, &priv);
		rc = tpm_map(trc, "change auth");
	}
	tpm_flush_locked(tpm, handle);
	tpm_unlock(tpm);
	secmem_wipe(&value, sizeof(value));
	if (rc == TPM_OK && !tpm_blob_marshal(&pub, &priv, out))
		rc = TPM_E_NO_MEMORY;
	secmem_wipe(&priv, sizeof(priv));
	return rc;
}
