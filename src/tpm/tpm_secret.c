/* SPDX-License-Identifier: BSD-3-Clause */
#include "tpm/tpm.h"

#include <string.h>

#include "tpm/tpm_internal.h"

#define TC_LOG_LAYER TC_LAYER_TPM
#include "common/log.h"

/*
 * Secret keys in the TPM: AES (a TPM2_ALG_SYMCIPHER object with no mode
 * fixed, so one key serves every mode) and HMAC (a keyedHash object with
 * sign and decrypt set and no scheme, so one key serves every hash).
 * Both stay fixed to this TPM.  Their use: TPM2_EncryptDecrypt2, whose
 * plaintext (the command's data when encrypting, the response's result
 * when decrypting) travels encrypted by the session, and TPM2_HMAC (or an
 * HMAC sequence for long data).
 */

/* TPM2B_MAX_BUFFER: the most one command takes. */
#define CHUNK 1024

static bool secret_template(enum tpm_key_type type, size_t len,
			    bool tpm_made, TPM2B_PUBLIC *pub)
{
	TPMT_PUBLIC *area = &pub->publicArea;

	memset(pub, 0, sizeof(*pub));
	area->nameAlg = TPM2_ALG_SHA256;
	area->objectAttributes = TPMA_OBJECT_FIXEDTPM |
				 TPMA_OBJECT_FIXEDPARENT |
				 TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_NODA |
				 TPMA_OBJECT_SIGN_ENCRYPT |
				 TPMA_OBJECT_DECRYPT;
	if (tpm_made)
		area->objectAttributes |= TPMA_OBJECT_SENSITIVEDATAORIGIN;
	if (type == TPM_KEY_AES) {
		area->type = TPM2_ALG_SYMCIPHER;
		area->parameters.symDetail.sym.algorithm = TPM2_ALG_AES;
		area->parameters.symDetail.sym.keyBits.aes = (UINT16)(len * 8);
		area->parameters.symDetail.sym.mode.aes = TPM2_ALG_NULL;
		return len == 16 || len == 24 || len == 32;
	}
	if (type == TPM_KEY_HMAC) {
		area->type = TPM2_ALG_KEYEDHASH;
		area->parameters.keyedHashDetail.scheme.scheme = TPM2_ALG_NULL;
		return len > 0 && len <= TPM_HMAC_KEY_MAX;
	}
	return false;
}

/* TPM2_TestParms for an AES size: a format-one error means "no". */
static enum tpm_rc aes_supported_locked(struct tpm *tpm,
					const TPMT_PUBLIC *area)
{
	TPMT_PUBLIC_PARMS parms = { .type = TPM2_ALG_SYMCIPHER };
	TSS2_RC rc;

	parms.parameters.symDetail = area->parameters.symDetail;
	rc = tpm_test_parms_locked(tpm, &parms);
	if ((rc & TSS2_RC_LAYER_MASK) == TSS2_TPM_RC_LAYER &&
	    (rc & TPM2_RC_FMT1) != 0) {
		log_info("the TPM has no AES-%u",
			 (unsigned int)area->parameters.symDetail.sym.keyBits
				 .aes);
		return TPM_E_UNSUPPORTED;
	}
	return tpm_map(rc, "test AES parameters");
}

/* What TPM2_Create is given: the auth and, unless the TPM makes it, the key. */
static bool secret_sensitive(const uint8_t *value, size_t len,
			     const uint8_t *auth, size_t auth_len,
			     TPM2B_SENSITIVE_CREATE *sens)
{
	memset(sens, 0, sizeof(*sens));
	if (auth_len > sizeof(sens->sensitive.userAuth.buffer) ||
	    len > sizeof(sens->sensitive.data.buffer))
		return false;
	sens->sensitive.userAuth.size = (UINT16)auth_len;
	memcpy(sens->sensitive.userAuth.buffer, auth, auth_len);
	if (value != NULL) {
		sens->sensitive.data.size = (UINT16)len;
		memcpy(sens->sensitive.data.buffer, value, len);
	}
	return true;
}

enum tpm_rc tpm_secret_create(struct tpm *tpm, enum tpm_key_type type,
			      const uint8_t *value, size_t len,
			      const uint8_t *auth, size_t auth_len,
			      struct tpm_blob *out)
{
	TPM2B_SENSITIVE_CREATE sens;
	TPM2B_PUBLIC template, pub = { 0 };
	TPM2B_PRIVATE priv = { 0 };
	uint8_t fresh[TPM_HMAC_KEY_MAX];
	bool tpm_made = value == NULL &&
			(type == TPM_KEY_AES || len == TPM_HMAC_KEY_NATIVE);
	enum tpm_rc rc = TPM_OK;

	memset(out, 0, sizeof(*out));
	if (!secret_template(type, len, tpm_made, &template))
		return TPM_E_BAD_INPUT;
	if (value == NULL && !tpm_made) {
		if (!crypto_random(fresh, len))
			return TPM_E_NO_MEMORY;
		value = fresh;
	}
	if (!secret_sensitive(value, len, auth, auth_len, &sens))
		rc = TPM_E_BAD_INPUT;
	secmem_wipe(fresh, sizeof(fresh));
	if (rc != TPM_OK)
		return rc;
	tpm_lock(tpm);
	if (type == TPM_KEY_AES)
		rc = aes_supported_locked(tpm, &template.publicArea);
	if (rc == TPM_OK)
		rc = tpm_create_locked(tpm, &sens, &template, &priv, &pub,
				       "create secret key");
	tpm_unlock(tpm);
	secmem_wipe(&sens, sizeof(sens));
	if (rc == TPM_OK && !tpm_blob_marshal(&pub, &priv, out))
		rc = TPM_E_NO_MEMORY;
	return rc;
}

static TPMI_ALG_SYM_MODE mode_alg(enum tpm_aes_mode mode)
{
	switch (mode) {
	case TPM_AES_ECB:
		return TPM2_ALG_ECB;
	case TPM_AES_CBC:
		return TPM2_ALG_CBC;
	case TPM_AES_CFB:
		return TPM2_ALG_CFB;
	case TPM_AES_CTR:
		return TPM2_ALG_CTR;
	default:
		return TPM2_ALG_NULL;
	}
}

/* One TPM2_EncryptDecrypt2 of at most CHUNK bytes. */
static enum tpm_rc aes_chunk_locked(struct tpm *tpm, struct tpm_key *key,
				    bool decrypt, TPMI_ALG_SYM_MODE mode,
				    uint8_t *iv, const uint8_t *in, size_t len,
				    uint8_t *out)
{
	TPM2B_MAX_BUFFER data = { .size = (UINT16)len };
	TPM2B_MAX_BUFFER result = { 0 };
	TPM2B_IV iv_in = { 0 }, iv_out = { 0 };
	TSS2_SYS_CONTEXT *sys = tpm_sys(tpm);
	struct tpm_authed cmd;
	enum tpm_rc rc;
	TSS2_RC trc;

	memcpy(data.buffer, in, len);
	if (mode != TPM2_ALG_ECB) { /* ECB takes an empty iv */
		iv_in.size = TPM_AES_BLOCK;
		memcpy(iv_in.buffer, iv, TPM_AES_BLOCK);
	}
	rc = sys ? tpm_key_ready_locked(tpm, key) : TPM_E_FAILURE;
	if (rc == TPM_OK) {
		/*
		 * The plaintext is the first parameter of the command when
		 * encrypting and of the response when decrypting: that
		 * direction is encrypted.  The ciphertext is what the caller
		 * sends into the world, so it travels as it is.
		 */
		cmd = tpm_key_authed(key, TPM2_CC_EncryptDecrypt2,
				     decrypt ? TPMA_SESSION_ENCRYPT :
					       TPMA_SESSION_DECRYPT);
		for (unsigned int tries = 0;;) {
			trc = Tss2_Sys_EncryptDecrypt2_Prepare(
				sys, key->handle, &data,
				decrypt ? TPM2_YES : TPM2_NO, mode, &iv_in);
			if (trc == TSS2_RC_SUCCESS)
				trc = tpm_authed_execute_locked(tpm, &cmd);
			if (!tpm_busy_retry(trc, &tries))
				break;
		}
		if (trc == TSS2_RC_SUCCESS)
			trc = Tss2_Sys_EncryptDecrypt2_Complete(sys, &result,
								&iv_out);
		rc = tpm_map(trc, decrypt ? "AES decrypt" : "AES encrypt");
	}
	if (rc == TPM_OK && (result.size != len ||
			     (iv_out.size != TPM_AES_BLOCK &&
			      mode != TPM2_ALG_ECB)))
		rc = TPM_E_FAILURE;
	if (rc == TPM_OK) {
		memcpy(out, result.buffer, len);
		if (mode != TPM2_ALG_ECB)
			memcpy(iv, iv_out.buffer, TPM_AES_BLOCK);
	}
	secmem_wipe(&data, sizeof(data));
	secmem_wipe(&result, sizeof(result));
	return rc;
}

enum tpm_rc tpm_key_aes(struct tpm *tpm, struct tpm_key *key, bool decrypt,
			enum tpm_aes_mode mode, uint8_t *iv,
			const uint8_t *in, size_t len, uint8_t *out)
{
	TPMI_ALG_SYM_MODE alg = mode_alg(mode);
	uint8_t zero_iv[TPM_AES_BLOCK] = { 0 };
	enum tpm_rc rc = TPM_OK;

	if (key->pub.type != TPM_KEY_AES || alg == TPM2_ALG_NULL ||
	    ((mode == TPM_AES_ECB || mode == TPM_AES_CBC) &&
	     len % TPM_AES_BLOCK != 0))
		return TPM_E_BAD_INPUT;
	if (iv == NULL)
		iv = zero_iv;
	tpm_lock(tpm);
	/* Whole chunks keep every stream mode's state in the iv. */
	for (size_t off = 0; off < len && rc == TPM_OK; off += CHUNK) {
		size_t n = len - off > CHUNK ? CHUNK : len - off;

		rc = aes_chunk_locked(tpm, key, decrypt, alg, iv, in + off, n,
				      out + off);
	}
	tpm_unlock(tpm);
	return rc;
}

/* TPM2_HMAC: data that fits one buffer. */
static enum tpm_rc hmac_once_locked(struct tpm *tpm, struct tpm_key *key,
				    TPMI_ALG_HASH alg, const uint8_t *data,
				    size_t len, TPM2B_DIGEST *mac)
{
	TPM2B_MAX_BUFFER buf = { .size = (UINT16)len };
	TSS2_SYS_CONTEXT *sys = tpm_sys(tpm);
	struct tpm_authed cmd;
	enum tpm_rc rc;
	TSS2_RC trc;

	if (len > 0)
		memcpy(buf.buffer, data, len);
	rc = sys ? tpm_key_ready_locked(tpm, key) : TPM_E_FAILURE;
	if (rc == TPM_OK) {
		cmd = tpm_key_authed(key, TPM2_CC_HMAC, 0);
		for (unsigned int tries = 0;;) {
			trc = Tss2_Sys_HMAC_Prepare(sys, key->handle, &buf, alg);
			if (trc == TSS2_RC_SUCCESS)
				trc = tpm_authed_execute_locked(tpm, &cmd);
			if (!tpm_busy_retry(trc, &tries))
				break;
		}
		if (trc == TSS2_RC_SUCCESS)
			trc = Tss2_Sys_HMAC_Complete(sys, mac);
		rc = tpm_map(trc, "HMAC");
	}
	return rc;
}

/* TPM2_HMAC_Start, waiting out a full TPM as loading does. */
static enum tpm_rc sequence_start_locked(struct tpm *tpm, struct tpm_key *key,
					 TPMI_ALG_HASH alg, TPM2_HANDLE *seq)
{
	TPM2B_AUTH no_auth = { 0 };
	TSS2_SYS_CONTEXT *sys = tpm_sys(tpm);
	struct tpm_authed cmd;
	TSS2_RC trc = TSS2_RC_SUCCESS;
	enum tpm_rc rc = sys ? TPM_OK : TPM_E_FAILURE;

	for (unsigned int waits = 0; rc == TPM_OK;) {
		rc = tpm_key_ready_locked(tpm, key);
		if (rc != TPM_OK)
			break;
		cmd = tpm_key_authed(key, TPM2_CC_HMAC_Start, 0);
		trc = Tss2_Sys_HMAC_Start_Prepare(sys, key->handle,
						  &no_auth, alg);
		if (trc == TSS2_RC_SUCCESS)
			trc = tpm_authed_execute_locked(tpm, &cmd);
		if (!tpm_memory_retry_locked(tpm, trc, &waits)) {
			if (trc == TSS2_RC_SUCCESS)
				trc = Tss2_Sys_HMAC_Start_Complete(sys, seq);
			rc = tpm_map(trc, "start HMAC sequence");
			break;
		}
	}
	return rc;
}

/* An HMAC sequence over data longer than one buffer. */
static enum tpm_rc hmac_sequence_locked(struct tpm *tpm, struct tpm_key *key,
					TPMI_ALG_HASH alg, const uint8_t *data,
					size_t len, TPM2B_DIGEST *mac)
{
	TSS2_SYS_CONTEXT *sys = tpm_sys(tpm);
	TPM2B_MAX_BUFFER buf;
	TPM2_HANDLE seq = 0;
	enum tpm_rc rc = sequence_start_locked(tpm, key, alg, &seq);
	size_t off = 0;
	TSS2_RC trc;

	/* The last part goes with SequenceComplete. */
	while (rc == TPM_OK && len - off > CHUNK) {
		buf.size = CHUNK;
		memcpy(buf.buffer, data + off, CHUNK);
		for (unsigned int tries = 0;;) {
			trc = Tss2_Sys_SequenceUpdate_Prepare(sys, seq, &buf);
			if (trc == TSS2_RC_SUCCESS)
				trc = tpm_password_execute_locked(tpm);
			if (!tpm_busy_retry(trc, &tries))
				break;
		}
		rc = tpm_map(trc, "HMAC sequence update");
		off += CHUNK;
	}
	if (rc == TPM_OK) {
		buf.size = (UINT16)(len - off);
		memcpy(buf.buffer, data + off, len - off);
		for (unsigned int tries = 0;;) {
			trc = Tss2_Sys_SequenceComplete_Prepare(sys, seq, &buf,
								TPM2_RH_NULL);
			if (trc == TSS2_RC_SUCCESS)
				trc = tpm_password_execute_locked(tpm);
			if (!tpm_busy_retry(trc, &tries))
				break;
		}
		if (trc == TSS2_RC_SUCCESS)
			trc = Tss2_Sys_SequenceComplete_Complete(sys, mac,
								 NULL);
		rc = tpm_map(trc, "HMAC sequence complete");
		if (trc == TSS2_RC_SUCCESS)
			seq = 0; /* completing flushed it */
	}
	if (seq != 0)
		(void)Tss2_Sys_FlushContext(sys, seq);
	secmem_wipe(&buf, sizeof(buf));
	return rc;
}

enum tpm_rc tpm_key_hmac(struct tpm *tpm, struct tpm_key *key,
			 enum crypto_digest hash, const uint8_t *data,
			 size_t len, uint8_t *mac, size_t mac_len)
{
	TPMI_ALG_HASH alg = tpm_hash_alg(hash);
	TPM2B_DIGEST out = { 0 };
	enum tpm_rc rc;

	if (key->pub.type != TPM_KEY_HMAC || mac_len != crypto_digest_len(hash))
		return TPM_E_BAD_INPUT;
	if (alg == TPM2_ALG_NULL)
		return TPM_E_UNSUPPORTED;
	tpm_lock(tpm);
	if (len <= CHUNK)
		rc = hmac_once_locked(tpm, key, alg, data, len, &out);
	else
		rc = hmac_sequence_locked(tpm, key, alg, data, len, &out);
	tpm_unlock(tpm);
	if (rc == TPM_OK && out.size != mac_len)
		rc = TPM_E_FAILURE;
	if (rc == TPM_OK)
		memcpy(mac, out.buffer, mac_len);
	secmem_wipe(&out, sizeof(out));
	return rc;
}
