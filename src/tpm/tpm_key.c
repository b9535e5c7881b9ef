/* SPDX-License-Identifier: BSD-3-Clause */
#include "tpm/tpm.h"

#include <stdlib.h>
#include <string.h>

#include <tss2/tss2_rc.h>

#include "tpm/tpm_internal.h"

#define TC_LOG_LAYER TC_LAYER_TPM
#include "common/log.h"

TPMI_ECC_CURVE tpm_curve_id(enum tpm_curve curve)
{
	switch (curve) {
	case TPM_CURVE_P256:
		return TPM2_ECC_NIST_P256;
	case TPM_CURVE_P384:
		return TPM2_ECC_NIST_P384;
	case TPM_CURVE_P521:
		return TPM2_ECC_NIST_P521;
	default:
		return TPM2_ECC_NONE;
	}
}

TPMI_ALG_HASH tpm_hash_alg(enum crypto_digest hash)
{
	switch (hash) {
	case CRYPTO_SHA1:
		return TPM2_ALG_SHA1;
	case CRYPTO_SHA256:
		return TPM2_ALG_SHA256;
	case CRYPTO_SHA384:
		return TPM2_ALG_SHA384;
	case CRYPTO_SHA512:
		return TPM2_ALG_SHA512;
	default:
		return TPM2_ALG_NULL;
	}
}

/* Unrestricted sign+decrypt key, scheme chosen per operation. */
static bool key_template(const struct tpm_key_spec *spec, TPM2B_PUBLIC *pub)
{
	TPMT_PUBLIC *area = &pub->publicArea;

	memset(pub, 0, sizeof(*pub));
	area->nameAlg = TPM2_ALG_SHA256;
	area->objectAttributes =
		TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
		TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH |
		TPMA_OBJECT_NODA | TPMA_OBJECT_SIGN_ENCRYPT |
		TPMA_OBJECT_DECRYPT;
	if (spec->type == TPM_KEY_RSA) {
		area->type = TPM2_ALG_RSA;
		area->parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_NULL;
		area->parameters.rsaDetail.scheme.scheme = TPM2_ALG_NULL;
		area->parameters.rsaDetail.keyBits = (UINT16)spec->rsa_bits;
		area->parameters.rsaDetail.exponent =
			spec->rsa_exponent == 65537 ? 0 : spec->rsa_exponent;
		return spec->rsa_bits >= 1024 && spec->rsa_bits <= 4096;
	}
	if (spec->type == TPM_KEY_EC) {
		area->type = TPM2_ALG_ECC;
		area->parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
		area->parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL;
		area->parameters.eccDetail.curveID = tpm_curve_id(spec->curve);
		area->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
		return area->parameters.eccDetail.curveID != TPM2_ECC_NONE;
	}
	return false;
}

/*
 * Asks the TPM (TPM2_TestParms) whether it can make a key with these
 * parameters, so that an unsupported size or curve is reported as such
 * rather than as a bad value.  No object is created.
 */
static enum tpm_rc params_supported_locked(struct tpm *tpm,
					   const TPMT_PUBLIC *area)
{
	TPMT_PUBLIC_PARMS parms = { .type = area->type };
	TSS2_RC rc;

	if (area->type == TPM2_ALG_RSA)
		parms.parameters.rsaDetail = area->parameters.rsaDetail;
	else
		parms.parameters.eccDetail = area->parameters.eccDetail;
	rc = tpm_test_parms_locked(tpm, &parms);
	if ((rc & TSS2_RC_LAYER_MASK) == TSS2_TPM_RC_LAYER &&
	    (rc & TPM2_RC_FMT1) != 0) {
		log_info("the TPM cannot make this key: %s",
			 Tss2_RC_Decode(rc));
		return TPM_E_UNSUPPORTED;
	}
	return tpm_map(rc, "test key parameters");
}

enum tpm_rc tpm_key_create(struct tpm *tpm, const struct tpm_key_spec *spec,
			   const uint8_t *auth, size_t auth_len,
			   struct tpm_blob *out, struct tpm_pubkey *pubkey)
{
	TPM2B_SENSITIVE_CREATE sensitive = { 0 };
	TPM2B_PUBLIC template, pub = { 0 };
	TPM2B_PRIVATE priv = { 0 };
	enum tpm_rc rc;

	memset(out, 0, sizeof(*out));
	if (!key_template(spec, &template))
		return TPM_E_UNSUPPORTED;
	if (auth_len > sizeof(sensitive.sensitive.userAuth.buffer))
		return TPM_E_BAD_INPUT;
	sensitive.sensitive.userAuth.size = (UINT16)auth_len;
	memcpy(sensitive.sensitive.userAuth.buffer, auth, auth_len);

	tpm_lock(tpm);
	rc = params_supported_locked(tpm, &template.publicArea);
	if (rc == TPM_OK)
		rc = tpm_create_locked(tpm, &sensitive, &template, &priv, &pub,
				       "create key");
	tpm_unlock(tpm);
	secmem_wipe(&sensitive, sizeof(sensitive));
	if (rc == TPM_OK && (!tpm_blob_marshal(&pub, &priv, out) ||
			     !tpm_pubkey_from_public(&pub.publicArea, pubkey)))
		rc = TPM_E_NO_MEMORY;
	if (rc != TPM_OK)
		tpm_blob_clear(out);
	return rc;
}

static bool copy_blob(struct tpm_blob *dst, const struct tpm_blob *src)
{
	memset(dst, 0, sizeof(*dst));
	/* A damaged store row may leave either blob empty (and NULL). */
	dst->pub = malloc(src->pub_len ? src->pub_len : 1);
	dst->priv = malloc(src->priv_len ? src->priv_len : 1);
	if (dst->pub == NULL || dst->priv == NULL) {
		tpm_blob_clear(dst);
		return false;
	}
	if (src->pub_len > 0)
		memcpy(dst->pub, src->pub, src->pub_len);
	if (src->priv_len > 0)
		memcpy(dst->priv, src->priv, src->priv_len);
	dst->pub_len = src->pub_len;
	dst->priv_len = src->priv_len;
	return true;
}

enum tpm_rc tpm_key_open(struct tpm *tpm, const struct tpm_blob *blob,
			 const uint8_t *auth, size_t auth_len,
			 struct tpm_key **out)
{
	struct tpm_key *key;
	enum tpm_rc rc;

	*out = NULL;
	key = calloc(1, sizeof(*key));
	if (key == NULL)
		return TPM_E_NO_MEMORY;
	rc = tpm_blob_pubkey(blob, &key->pub);
	if (rc == TPM_OK && !copy_blob(&key->blob, blob))
		rc = TPM_E_NO_MEMORY;
	if (rc == TPM_OK) {
		key->auth = secbuf_dup(auth, auth_len);
		if (key->auth == NULL)
			rc = TPM_E_NO_MEMORY;
	}
	if (rc != TPM_OK) {
		tpm_blob_clear(&key->blob);
		free(key);
		return rc;
	}
	tpm_lock(tpm);
	key->next = tpm->keys;
	tpm->keys = key;
	tpm_unlock(tpm);
	*out = key;
	return TPM_OK;
}

void tpm_key_close(struct tpm *tpm, struct tpm_key *key)
{
	if (key == NULL)
		return;
	tpm_lock(tpm);
	for (struct tpm_key **p = &tpm->keys; *p != NULL; p = &(*p)->next) {
		if (*p == key) {
			*p = key->next;
			break;
		}
	}
	/* Closing the connection to a resource manager flushes it. */
	if (!(tpm->closing && tpm->managed))
		tpm_flush_locked(tpm, key->handle);
	tpm_unlock(tpm);
	tpm_blob_clear(&key->blob);
	secbuf_free(key->auth);
	free(key);
}

enum tpm_rc tpm_key_ready_locked(struct tpm *tpm, struct tpm_key *key)
{
	enum tpm_rc rc = TPM_OK;

	if (key->handle == 0)
		rc = tpm_load_locked(tpm, &key->blob, &key->handle,
				     &key->name);
	if (rc != TPM_OK)
		return rc;
	key->last_use = ++tpm->clock;
	return tpm_session_ready_locked(tpm);
}

struct tpm_authed tpm_key_authed(const struct tpm_key *key, TPM2_CC cc,
				 TPMA_SESSION attrs)
{
	struct tpm_authed cmd = {
		.cc = cc, .names = { &key->name }, .name_count = 1,
		.auth = key->auth->data, .auth_len = key->auth->len,
		.attrs = attrs,
	};

	return cmd;
}

enum tpm_rc tpm_key_rsa_private(struct tpm *tpm, struct tpm_key *key,
				const uint8_t *in, size_t in_len,
				uint8_t *out, size_t out_len)
{
	TPM2B_PUBLIC_KEY_RSA cipher = { 0 };
	TPM2B_PUBLIC_KEY_RSA message = { 0 };
	TPMT_RSA_DECRYPT scheme = { .scheme = TPM2_ALG_NULL };
	TPM2B_DATA label = { 0 };
	struct tpm_authed cmd;
	TSS2_SYS_CONTEXT *sys;
	enum tpm_rc rc;
	TSS2_RC trc;

	if (key->pub.type != TPM_KEY_RSA || in_len != key->pub.modulus_len ||
	    out_len != key->pub.modulus_len || in_len > sizeof(cipher.buffer))
		return TPM_E_BAD_INPUT;
	cipher.size = (UINT16)in_len;
	memcpy(cipher.buffer, in, in_len);
	tpm_lock(tpm);
	sys = tpm_sys(tpm);
	rc = sys ? tpm_key_ready_locked(tpm, key) : TPM_E_FAILURE;
	if (rc == TPM_OK) {
		/* The result is the first response parameter: encrypted. */
		cmd = tpm_key_authed(key, TPM2_CC_RSA_Decrypt,
				     TPMA_SESSION_ENCRYPT);
		for (unsigned int tries = 0;;) {
			trc = Tss2_Sys_RSA_Decrypt_Prepare(sys, key->handle,
							   &cipher, &scheme, &label);
			if (trc == TSS2_RC_SUCCESS)
				trc = tpm_authed_execute_locked(tpm, &cmd);
			if (!tpm_busy_retry(trc, &tries))
				break;
		}
		if (trc == TSS2_RC_SUCCESS)
			trc = Tss2_Sys_RSA_Decrypt_Complete(sys, &message);
		rc = tpm_map(trc, "RSA private operation");
	}
	tpm_unlock(tpm);
	/* Right-align: the TPM may drop leading zero bytes. */
	if (rc == TPM_OK && message.size > out_len)
		rc = TPM_E_FAILURE;
	if (rc == TPM_OK) {
		memset(out, 0, out_len - message.size);
		memcpy(out + out_len - message.size, message.buffer,
		       message.size);
	}
	secmem_wipe(&message, sizeof(message));
	return rc;
}

enum tpm_rc tpm_key_ecdsa(struct tpm *tpm, struct tpm_key *key,
			  enum crypto_digest hash, const uint8_t *digest,
			  size_t digest_len, uint8_t *out, size_t out_len)
{
	TPM2B_DIGEST tpm_digest = { 0 };
	TPMT_SIG_SCHEME scheme = { .scheme = TPM2_ALG_ECDSA };
	TPMT_TK_HASHCHECK validation = { .tag = TPM2_ST_HASHCHECK,
					 .hierarchy = TPM2_RH_NULL };
	TPMT_SIGNATURE sig = { 0 };
	const TPMS_SIGNATURE_ECC *ecc = &sig.signature.ecdsa;
	size_t width = key->pub.coord_len;
	struct tpm_authed cmd;
	TSS2_SYS_CONTEXT *sys;
	enum tpm_rc rc;
	TSS2_RC trc;

	scheme.details.ecdsa.hashAlg = tpm_hash_alg(hash);
	if (key->pub.type != TPM_KEY_EC || out_len != 2 * width ||
	    digest_len != crypto_digest_len(hash) ||
	    digest_len > sizeof(tpm_digest.buffer) ||
	    scheme.details.ecdsa.hashAlg == TPM2_ALG_NULL)
		return TPM_E_BAD_INPUT;
	tpm_digest.size = (UINT16)digest_len;
	memcpy(tpm_digest.buffer, digest, digest_len);
	tpm_lock(tpm);
	sys = tpm_sys(tpm);
	rc = sys ? tpm_key_ready_locked(tpm, key) : TPM_E_FAILURE;
	if (rc == TPM_OK) {
		cmd = tpm_key_authed(key, TPM2_CC_Sign, 0);
		for (unsigned int tries = 0;;) {
			trc = Tss2_Sys_Sign_Prepare(sys, key->handle, &tpm_digest,
						    &scheme, &validation);
			if (trc == TSS2_RC_SUCCESS)
				trc = tpm_authed_execute_locked(tpm, &cmd);
			if (!tpm_busy_retry(trc, &tries))
				break;
		}
		if (trc == TSS2_RC_SUCCESS)
			trc = Tss2_Sys_Sign_Complete(sys, &sig);
		rc = tpm_map(trc, "ECDSA sign");
	}
	tpm_unlock(tpm);
	if (rc == TPM_OK && (ecc->signatureR.size > width ||
			     ecc->signatureS.size > width))
		rc = TPM_E_FAILURE;
	if (rc == TPM_OK) {
		memset(out, 0, out_len);
		memcpy(out + width - ecc->signatureR.size,
		       ecc->signatureR.buffer, ecc->signatureR.size);
		memcpy(out + 2 * width - ecc->signatureS.size,
		       ecc->signatureS.buffer, ecc->signatureS.size);
	}
	return rc;
}

enum tpm_rc tpm_key_ecdh(struct tpm *tpm, struct tpm_key *key,
			 const uint8_t *peer_x, const uint8_t *peer_y,
			 size_t coord_len, uint8_t *z, size_t z_len)
{
	TPM2B_ECC_POINT in = { 0 }, out = { 0 };
	struct tpm_authed cmd;
	TSS2_SYS_CONTEXT *sys;
	enum tpm_rc rc;
	TSS2_RC trc;

	if (key->pub.type != TPM_KEY_EC || coord_len != key->pub.coord_len ||
	    z_len != coord_len || coord_len > sizeof(in.point.x.buffer))
		return TPM_E_BAD_INPUT;
	in.point.x.size = (UINT16)coord_len;
	in.point.y.size = (UINT16)coord_len;
	memcpy(in.point.x.buffer, peer_x, coord_len);
	memcpy(in.point.y.buffer, peer_y, coord_len);
	tpm_lock(tpm);
	sys = tpm_sys(tpm);
	rc = sys ? tpm_key_ready_locked(tpm, key) : TPM_E_FAILURE;
	if (rc == TPM_OK) {
		/* The shared point is the first response parameter. */
		cmd = tpm_key_authed(key, TPM2_CC_ECDH_ZGen,
				     TPMA_SESSION_ENCRYPT);
		for (unsigned int tries = 0;;) {
			trc = Tss2_Sys_ECDH_ZGen_Prepare(sys, key->handle, &in);
			if (trc == TSS2_RC_SUCCESS)
				trc = tpm_authed_execute_locked(tpm, &cmd);
			if (!tpm_busy_retry(trc, &tries))
				break;
		}
		if (trc == TSS2_RC_SUCCESS)
			trc = Tss2_Sys_ECDH_ZGen_Complete(sys, &out);
		rc = tpm_map(trc, "ECDH");
	}
	tpm_unlock(tpm);
	if (rc == TPM_OK && out.point.x.size > z_len)
		rc = TPM_E_FAILURE;
	if (rc == TPM_OK) {
		memset(z, 0, z_len - out.point.x.size);
		memcpy(z + z_len - out.point.x.size, out.point.x.buffer,
		       out.point.x.size);
	}
	secmem_wipe(&out, sizeof(out));
	return rc;
}
