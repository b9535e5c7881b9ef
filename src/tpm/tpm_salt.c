/* SPDX-License-Identifier: BSD-3-Clause */
#include "tpm/tpm.h"

#include <stdlib.h>
#include <string.h>

#include <tss2/tss2_mu.h>
#include <tss2/tss2_sys.h>

#include "common/ecdh.h"
#include "common/session_crypto.h"
#include "common/pkey.h"
#include "common/pubkey.h"
#include "tpm/tpm_internal.h"

#define TC_LOG_LAYER TC_LAYER_TPM
#include "common/log.h"

/*
 * The salted session, started by the module itself.  tpm2-tss 3.2.1
 * makes the ephemeral key that salts a session, or encrypts the salt for
 * an RSA SRK, through the process's default OpenSSL (EVP_PKEY_CTX_new_id),
 * which an engine the host application registered for EC or RSA keys
 * captures: then no session, no login.  So for an ECC P-256 or an RSA SRK
 * the module does the salting with its own cryptography (common/ecdh.h,
 * common/pkey.h) and sends TPM2_StartAuthSession through the ESAPI
 * context's own SYS context; the session is then the module's own
 * (tpm_session.c), never ESAPI's.
 *
 * TPM 2.0 Part 1, 11.4.10 (KDFe), 11.4.9.2 (KDFa), 19.6.8 (sessionKey),
 * B.10.3 (RSA secret sharing):
 *   ECC: salt  = KDFe(SHA256, Z, "SECRET", Qe.x, Qsrk.x, 256)
 *   RSA: salt  = 32 random bytes, sent RSA-OAEP(SHA256, "SECRET\0")
 *   sessionKey = KDFa(SHA256, salt, "ATH", nonceTPM, nonceCaller, 256)
 */

#define SHA256_BYTES 32

static bool is_p256(const TPMT_PUBLIC *pub)
{
	return pub->type == TPM2_ALG_ECC &&
	       pub->parameters.eccDetail.curveID == TPM2_ECC_NIST_P256 &&
	       pub->unique.ecc.x.size == ECDH_P256_BYTES &&
	       pub->unique.ecc.y.size == ECDH_P256_BYTES;
}

/* The salt and the encrypted salt (our ephemeral point) for an ECC SRK. */
static bool make_ecc_salt(const TPMS_ECC_POINT *q, uint8_t *salt,
			  TPM2B_ENCRYPTED_SECRET *encrypted)
{
	static const uint8_t counter[4] = { 0, 0, 0, 1 };
	static const char label[] = "SECRET"; /* with its NUL */
	TPMS_ECC_POINT own = { .x.size = ECDH_P256_BYTES,
			       .y.size = ECDH_P256_BYTES };
	uint8_t z[ECDH_P256_BYTES];
	size_t off = 0;
	bool ok = ecdh_p256_ephemeral(q->x.buffer, q->y.buffer, own.x.buffer,
				      own.y.buffer, z);
	struct crypto_part parts[] = {
		{ counter, sizeof(counter) }, { z, sizeof(z) },
		{ label, sizeof(label) },
		{ own.x.buffer, ECDH_P256_BYTES },
		{ q->x.buffer, ECDH_P256_BYTES },
	};

	ok = ok && sc_sha256(parts, 5, salt) &&
	     Tss2_MU_TPMS_ECC_POINT_Marshal(&own, encrypted->secret,
					    sizeof(encrypted->secret),
					    &off) == TSS2_RC_SUCCESS;
	encrypted->size = (UINT16)off;
	secmem_wipe(z, sizeof(z));
	return ok;
}

/* A random salt, encrypted to an RSA SRK with OAEP. */
static bool make_rsa_salt(const TPMT_PUBLIC *pub, uint8_t *salt,
			  TPM2B_ENCRYPTED_SECRET *encrypted)
{
	static const char label[] = "SECRET"; /* with its NUL */
	struct pkey_params oaep = {
		.padding = PKEY_PAD_OAEP, .has_hash = true,
		.hash = CRYPTO_SHA256, .mgf = CRYPTO_SHA256,
		.label = (const uint8_t *)label, .label_len = sizeof(label),
	};
	uint32_t exponent = pub->parameters.rsaDetail.exponent;
	struct pkey *key = NULL;
	uint8_t *spki = NULL;
	size_t spki_len = 0, len = sizeof(encrypted->secret);
	bool ok;

	ok = pubkey_rsa_spki(pub->unique.rsa.buffer, pub->unique.rsa.size,
			     exponent ? exponent : 65537, &spki, &spki_len);
	key = ok ? pkey_from_spki(spki, spki_len) : NULL;
	ok = key != NULL && crypto_random(salt, SHA256_BYTES) &&
	     pkey_encrypt(key, &oaep, salt, SHA256_BYTES, encrypted->secret,
			  &len);
	encrypted->size = ok ? (UINT16)len : 0;
	pkey_free(key);
	free(spki);
	return ok;
}

static bool make_salt(const TPMT_PUBLIC *srk, uint8_t *salt,
		      TPM2B_ENCRYPTED_SECRET *encrypted)
{
	if (srk->type == TPM2_ALG_RSA)
		return make_rsa_salt(srk, salt, encrypted);
	return make_ecc_salt(&srk->unique.ecc, salt, encrypted);
}

static bool session_key(const uint8_t *salt, const TPM2B_NONCE *tpm_nonce,
			const TPM2B_NONCE *caller_nonce, uint8_t *key)
{
	static const uint8_t counter[4] = { 0, 0, 0, 1 };
	static const uint8_t bits[4] = { 0, 0, 1, 0 }; /* 256 */
	static const char label[] = "ATH";
	struct crypto_part parts[] = {
		{ counter, sizeof(counter) }, { label, sizeof(label) },
		{ tpm_nonce->buffer, tpm_nonce->size },
		{ caller_nonce->buffer, caller_nonce->size },
		{ bits, sizeof(bits) },
	};

	return sc_hmac_sha256(salt, SHA256_BYTES, parts, 5, key);
}

/*
 * TPM2_StartAuthSession of a second session with the module's salted
 * session attached (its answer encrypted and HMAC'd): a right answer
 * shows that the SRK the hint file gave (the salt's key) is the TPM's
 * (tpm_srk_proven_locked, at no extra command).  TPM_E_BAD_BLOB when
 * the answer's HMAC is wrong: then that SRK is another key.
 */
static enum tpm_rc start_proving_locked(struct tpm *tpm, TPM2_HANDLE srk,
					const TPM2B_ENCRYPTED_SECRET *salt,
					const TPMT_SYM_DEF *sym, TPM2_SE type,
					const TPM2B_NONCE *caller,
					TPM2_HANDLE *handle,
					TPM2B_NONCE *tpm_nonce)
{
	TPM2B_NAME srk_name = { .size = (UINT16)tpm->srk_name_len };
	TPM2B_NAME null_name;
	struct tpm_authed cmd = {
		.cc = TPM2_CC_StartAuthSession,
		.names = { &srk_name, &null_name }, .name_count = 2,
		.attrs = TPMA_SESSION_ENCRYPT,
	};
	TSS2_SYS_CONTEXT *sys = tpm->sys;
	TSS2_RC trc;

	memcpy(srk_name.name, tpm->srk_name, tpm->srk_name_len);
	null_name.size = 4;
	null_name.name[0] = (uint8_t)(TPM2_RH_NULL >> 24);
	null_name.name[1] = (uint8_t)(TPM2_RH_NULL >> 16);
	null_name.name[2] = (uint8_t)(TPM2_RH_NULL >> 8);
	null_name.name[3] = (uint8_t)TPM2_RH_NULL;
	for (unsigned int waits = 0;;) {
		trc = Tss2_Sys_StartAuthSession_Prepare(
			sys, srk, TPM2_RH_NULL, caller, salt, type, sym,
			TPM2_ALG_SHA256);
		if (trc == TSS2_RC_SUCCESS)
			trc = tpm_authed_execute_locked(tpm, &cmd);
		if (!tpm_memory_retry_locked(tpm, trc, &waits))
			break;
	}
	if (trc == TSS2_SYS_RC_MALFORMED_RESPONSE &&
	    Tss2_Sys_StartAuthSession_Complete(sys, handle, tpm_nonce) ==
		    TSS2_RC_SUCCESS) {
		(void)Tss2_Sys_FlushContext(sys, *handle);
		*handle = 0;
		log_debug("the remembered SRK did not answer as itself");
		return TPM_E_BAD_BLOB;
	}
	if (trc == TSS2_RC_SUCCESS)
		trc = Tss2_Sys_StartAuthSession_Complete(sys, handle, tpm_nonce);
	if (trc == TSS2_RC_SUCCESS)
		tpm->srk_unproven = false;
	return tpm_map(trc, "start the salted session");
}

/* TPM2_StartAuthSession, salted with our point, through SYS. */
static enum tpm_rc start_locked(struct tpm *tpm, TPM2_HANDLE srk,
				const TPM2B_ENCRYPTED_SECRET *salt,
				const TPMT_SYM_DEF *sym, TPM2_SE type,
				const TPM2B_NONCE *caller,
				TPM2_HANDLE *handle, TPM2B_NONCE *tpm_nonce)
{
	TSS2_RC trc;

	if (tpm->srk_unproven && srk == tpm->srk && tpm->session.handle != 0)
		return start_proving_locked(tpm, srk, salt, sym, type, caller,
					    handle, tpm_nonce);
	for (unsigned int waits = 0;;) {
		trc = Tss2_Sys_StartAuthSession(tpm->sys, srk, TPM2_RH_NULL, NULL,
						caller, salt, type,
						sym, TPM2_ALG_SHA256, handle,
						tpm_nonce, NULL);
		if (!tpm_memory_retry_locked(tpm, trc, &waits))
			break;
	}
	return tpm_map(trc, "start the salted session");
}

enum tpm_rc tpm_session_start_own_locked(struct tpm *tpm, TPM2_HANDLE salt_key,
					 const TPMT_PUBLIC *pub, TPM2_SE type,
					 struct tpm_session *out)
{
	TPMT_SYM_DEF sym = { .algorithm = TPM2_ALG_AES,
			     .keyBits = { .aes = 128 },
			     .mode = { .aes = TPM2_ALG_CFB } };
	TPM2B_ENCRYPTED_SECRET encrypted = { 0 };
	TPM2B_NONCE caller = { .size = SHA256_BYTES }, tpm_nonce = { 0 };
	TPM2_HANDLE handle = 0;
	uint8_t salt[SHA256_BYTES];
	enum tpm_rc rc = TPM_OK;

	/* salted by a transient key instead */
	if (pub->nameAlg != TPM2_ALG_SHA256 ||
	    (!is_p256(pub) && pub->type != TPM2_ALG_RSA))
		return TPM_E_UNSUPPORTED;
	if (!crypto_random(caller.buffer, caller.size) ||
	    !make_salt(pub, salt, &encrypted))
		rc = TPM_E_FAILURE;
	if (rc == TPM_OK)
		rc = start_locked(tpm, salt_key, &encrypted, &sym, type,
				  &caller, &handle, &tpm_nonce);
	if (rc == TPM_OK && !session_key(salt, &tpm_nonce, &caller, out->key)) {
		(void)Tss2_Sys_FlushContext(tpm->sys, handle);
		rc = TPM_E_FAILURE;
	}
	if (rc == TPM_OK) {
		out->handle = handle;
		out->key_len = sizeof(out->key);
		out->nonce_tpm = tpm_nonce;
	}
	secmem_wipe(salt, sizeof(salt));
	return rc;
}
