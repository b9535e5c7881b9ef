/* SPDX-License-Identifier: BSD-3-Clause */
#include "tpm/tpm.h"

#include <string.h>

#include <tss2/tss2_mu.h>

#include "tpm/tpm_internal.h"

#define TC_LOG_LAYER TC_LAYER_TPM
#include "common/log.h"

/*
 * Import of existing private keys (TPM 2.0 Part 1, "Duplication"; Part 3,
 * TPM2_Import).  The private part is given the inner duplication wrapper:
 *
 *   innerIntegrity = SHA-256(TPM2B_SENSITIVE || Name)
 *   duplicate      = AES-128-CFB(k, IV 0)(TPM2B_DIGEST(innerIntegrity) ||
 *                                          TPM2B_SENSITIVE)
 *
 * with a fresh random k that travels as TPM2_Import's first parameter,
 * encryptionKey, which the salted session encrypts.  No outer wrapper is
 * needed (the object has no encryptedDuplication), so no seed is made.
 * Nothing on the bus shows the key: the duplicate is encrypted under k,
 * and k under the session key.
 */

#define INNER_KEY_LEN 16

/* Imported keys: not fixed to this TPM (import requires it), no policy. */
static void import_public(const struct tpm_import_key *key, TPM2B_PUBLIC *pub)
{
	TPMT_PUBLIC *area = &pub->publicArea;

	memset(pub, 0, sizeof(*pub));
	area->nameAlg = TPM2_ALG_SHA256;
	/*
	 * An empty authPolicy: TPM2_Duplicate needs a policy session whose
	 * digest matches it, which no session can, so the key stays here.
	 */
	area->objectAttributes = TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_NODA |
				 TPMA_OBJECT_SIGN_ENCRYPT |
				 TPMA_OBJECT_DECRYPT;
	if (key->type == TPM_KEY_RSA) {
		area->type = TPM2_ALG_RSA;
		area->parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_NULL;
		area->parameters.rsaDetail.scheme.scheme = TPM2_ALG_NULL;
		area->parameters.rsaDetail.keyBits =
			(UINT16)(key->modulus_len * 8);
		area->parameters.rsaDetail.exponent =
			key->exponent == 65537 ? 0 : key->exponent;
		area->unique.rsa.size = (UINT16)key->modulus_len;
		memcpy(area->unique.rsa.buffer, key->modulus,
		       key->modulus_len);
		return;
	}
	area->type = TPM2_ALG_ECC;
	area->parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
	area->parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL;
	area->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
	area->parameters.eccDetail.curveID = tpm_curve_id(key->curve);
	area->unique.ecc.x.size = (UINT16)tpm_curve_bytes(key->curve);
	area->unique.ecc.y.size = area->unique.ecc.x.size;
	memcpy(area->unique.ecc.x.buffer, key->x, area->unique.ecc.x.size);
	memcpy(area->unique.ecc.y.buffer, key->y, area->unique.ecc.y.size);
}

static bool import_sensitive(const struct tpm_import_key *key,
			     const uint8_t *auth, size_t auth_len,
			     TPM2B_SENSITIVE *sens)
{
	TPMT_SENSITIVE *area = &sens->sensitiveArea;
	size_t width;

	memset(sens, 0, sizeof(*sens));
	if (auth_len > sizeof(area->authValue.buffer))
		return false;
	area->authValue.size = (UINT16)auth_len;
	memcpy(area->authValue.buffer, auth, auth_len);
	if (key->type == TPM_KEY_RSA) {
		if (key->prime_len == 0 || key->prime_len * 2 > key->modulus_len ||
		    key->prime_len > sizeof(area->sensitive.rsa.buffer))
			return false;
		area->sensitiveType = TPM2_ALG_RSA;
		area->sensitive.rsa.size = (UINT16)key->prime_len;
		memcpy(area->sensitive.rsa.buffer, key->prime, key->prime_len);
		return true;
	}
	width = tpm_curve_bytes(key->curve);
	if (key->d_len == 0 || key->d_len > width)
		return false;
	area->sensitiveType = TPM2_ALG_ECC;
	/* The scalar, left-padded to the field size. */
	area->sensitive.ecc.size = (UINT16)width;
	memcpy(area->sensitive.ecc.buffer + width - key->d_len, key->d,
	       key->d_len);
	return true;
}

static bool shape_ok(const struct tpm_import_key *key)
{
	if (key->type == TPM_KEY_RSA)
		return key->modulus_len >= 128 && key->modulus_len <= 512 &&
		       key->modulus_len % 8 == 0 && key->modulus != NULL &&
		       key->prime != NULL && key->modulus[0] >= 0x80;
	return key->type == TPM_KEY_EC && tpm_curve_bytes(key->curve) > 0 &&
	       key->x != NULL && key->y != NULL && key->d != NULL;
}

/* Name = nameAlg || SHA-256(TPMT_PUBLIC). */
static bool object_name(const TPM2B_PUBLIC *pub, uint8_t *name,
			size_t *name_len)
{
	uint8_t buf[sizeof(TPMT_PUBLIC)];
	size_t off = 0, len = 0;

	if (Tss2_MU_TPMT_PUBLIC_Marshal(&pub->publicArea, buf, sizeof(buf),
					&off) != TSS2_RC_SUCCESS)
		return false;
	name[0] = (uint8_t)(TPM2_ALG_SHA256 >> 8);
	name[1] = (uint8_t)TPM2_ALG_SHA256;
	if (!crypto_digest_once(CRYPTO_SHA256, buf, off, name + 2, &len))
		return false;
	*name_len = 2 + len;
	return true;
}

/* The inner-wrapped duplicate of sens, encrypted under k. */
static bool wrap_duplicate(const TPM2B_PUBLIC *pub,
			   const TPM2B_SENSITIVE *sens, const uint8_t *k,
			   TPM2B_PRIVATE *dup)
{
	uint8_t plain[sizeof(TPM2B_DIGEST) + sizeof(TPM2B_SENSITIVE)];
	uint8_t hashed[sizeof(TPM2B_SENSITIVE) + 2 + 64];
	uint8_t name[2 + CRYPTO_MAX_DIGEST];
	TPM2B_DIGEST integrity = { 0 };
	size_t sens_len = 0, name_len = 0, off = 0, len = 0;
	bool ok;

	/* TPM2B_SENSITIVE marshalled after a TPM2B_DIGEST of 32 bytes. */
	ok = Tss2_MU_TPM2B_SENSITIVE_Marshal(sens, plain + 2 + 32,
					     sizeof(plain) - 34,
					     &sens_len) == TSS2_RC_SUCCESS &&
	     object_name(pub, name, &name_len) &&
	     sens_len + name_len <= sizeof(hashed);
	if (ok) {
		memcpy(hashed, plain + 34, sens_len);
		memcpy(hashed + sens_len, name, name_len);
		ok = crypto_digest_once(CRYPTO_SHA256, hashed,
					sens_len + name_len, integrity.buffer,
					&len);
		integrity.size = (UINT16)len;
	}
	ok = ok && len == 32 &&
	     Tss2_MU_TPM2B_DIGEST_Marshal(&integrity, plain, 34, &off) ==
		     TSS2_RC_SUCCESS &&
	     off == 34 && off + sens_len <= sizeof(dup->buffer) &&
	     crypto_aes128_cfb_encrypt(k, plain, off + sens_len,
				       dup->buffer);
	if (ok)
		dup->size = (UINT16)(off + sens_len);
	secmem_wipe(plain, sizeof(plain));
	secmem_wipe(hashed, sizeof(hashed));
	return ok;
}

/* Loads the new key once, so that mismatched parts show now. */
static enum tpm_rc check_loads_locked(struct tpm *tpm,
				      const struct tpm_blob *blob)
{
	TPM2_HANDLE handle = 0;
	TPM2B_NAME name;
	enum tpm_rc rc = tpm_load_locked(tpm, blob, &handle, &name);

	if (rc == TPM_OK)
		tpm_flush_locked(tpm, handle);
	else if (rc == TPM_E_BAD_BLOB || rc == TPM_E_FAILURE)
		rc = TPM_E_BAD_INPUT;
	return rc;
}

static enum tpm_rc import_locked(struct tpm *tpm, const TPM2B_PUBLIC *pub,
				 const TPM2B_DATA *k, const TPM2B_PRIVATE *dup,
				 TPM2B_PRIVATE *out_priv)
{
	TPM2B_ENCRYPTED_SECRET no_seed = { 0 };
	TPMT_SYM_DEF_OBJECT sym = { .algorithm = TPM2_ALG_AES,
				    .keyBits.aes = 128,
				    .mode.aes = TPM2_ALG_CFB };
	TSS2_SYS_CONTEXT *sys = tpm_sys(tpm);
	TPM2_HANDLE srk = 0;
	TPM2B_NAME srk_name;
	/* The inner wrapping key is the first parameter: encrypted. */
	struct tpm_authed cmd = {
		.cc = TPM2_CC_Import, .names = { &srk_name }, .name_count = 1,
		.attrs = TPMA_SESSION_DECRYPT,
	};
	enum tpm_rc rc = sys ? tpm_srk_ref_locked(tpm, &srk, &srk_name) :
			       TPM_E_FAILURE;
	TSS2_RC trc;

	if (rc == TPM_OK)
		rc = tpm_session_ready_locked(tpm);
	if (rc != TPM_OK)
		return rc;
	for (unsigned int tries = 0;;) {
		trc = Tss2_Sys_Import_Prepare(sys, srk, k, pub, dup, &no_seed, &sym);
		if (trc == TSS2_RC_SUCCESS)
			trc = tpm_authed_execute_locked(tpm, &cmd);
		if (!tpm_busy_retry(trc, &tries))
			break;
	}
	if (trc == TSS2_RC_SUCCESS)
		trc = Tss2_Sys_Import_Complete(sys, out_priv);
	return tpm_map(trc, "import key");
}

enum tpm_rc tpm_key_import(struct tpm *tpm, const struct tpm_import_key *key,
			   const uint8_t *auth, size_t auth_len,
			   struct tpm_blob *out, struct tpm_pubkey *pubkey)
{
	TPM2B_PUBLIC pub;
	TPM2B_SENSITIVE sens;
	TPM2B_PRIVATE dup = { 0 }, priv = { 0 };
	TPM2B_DATA k = { .size = INNER_KEY_LEN };
	enum tpm_rc rc = TPM_OK;

	memset(out, 0, sizeof(*out));
	if (!shape_ok(key))
		return TPM_E_BAD_INPUT;
	import_public(key, &pub);
	if (!import_sensitive(key, auth, auth_len, &sens))
		rc = TPM_E_BAD_INPUT;
	else if (!crypto_random(k.buffer, INNER_KEY_LEN) ||
		 !wrap_duplicate(&pub, &sens, k.buffer, &dup))
		rc = TPM_E_NO_MEMORY;
	secmem_wipe(&sens, sizeof(sens));
	if (rc == TPM_OK) {
		tpm_lock(tpm);
		rc = import_locked(tpm, &pub, &k, &dup, &priv);
		if (rc == TPM_OK && !tpm_blob_marshal(&pub, &priv, out))
			rc = TPM_E_NO_MEMORY;
		if (rc == TPM_OK)
			rc = check_loads_locked(tpm, out);
		tpm_unlock(tpm);
	}
	secmem_wipe(&k, sizeof(k));
	secmem_wipe(&dup, sizeof(dup));
	if (rc == TPM_OK && !tpm_pubkey_from_public(&pub.publicArea, pubkey))
		rc = TPM_E_FAILURE;
	if (rc != TPM_OK)
		tpm_blob_clear(out);
	secmem_wipe(&priv, sizeof(priv));
	return rc;
}
