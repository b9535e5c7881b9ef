/* SPDX-License-Identifier: BSD-3-Clause */
#include "token/token.h"

#include <stdlib.h>
#include <string.h>

#include "common/rsa_pad.h"
#include "token/token_internal.h"
#include "token/token_sigmech.h"

#define TC_LOG_LAYER TC_LAYER_TOKEN
#include "common/log.h"

/*
 * Signing.  RSA: PKCS#1 v1.5 padding here, the private-key operation in
 * the TPM (the key has no fixed scheme, so one key serves every RSA
 * mechanism).  ECDSA: the TPM signs a digest of its curve's hash size,
 * which the input is fitted to exactly as ECDSA truncates it.
 */

static const struct tc_sig_mech *find_mech(CK_MECHANISM_TYPE type)
{
	return token_sig_mech(type);
}

/* The hash the TPM signs with on a curve, and the order's bit size. */
static void curve_params(enum tpm_curve curve, enum crypto_digest *hash,
			 size_t *order_bits)
{
	switch (curve) {
	case TPM_CURVE_P384:
		*hash = CRYPTO_SHA384;
		*order_bits = 384;
		break;
	case TPM_CURVE_P521:
		*hash = CRYPTO_SHA512;
		*order_bits = 521;
		break;
	default:
		*hash = CRYPTO_SHA256;
		*order_bits = 256;
		break;
	}
}

/*
 * ECDSA uses the leftmost order-size bits of its input as an integer.
 * Shorter inputs are left-padded with zeros (same integer), longer ones
 * cut to the order's byte size; what cannot be expressed as a digest of
 * the curve's hash (over 64 bytes on P-521) is refused.
 */
static CK_RV ecdsa_fit(enum tpm_curve curve, const uint8_t *in, size_t len,
		       enum crypto_digest *hash, uint8_t *out, size_t *out_len)
{
	size_t order_bits, width;

	curve_params(curve, hash, &order_bits);
	width = crypto_digest_len(*hash);
	if (len == 0)
		return CKR_DATA_LEN_RANGE;
	if (len * 8 > order_bits) {
		if (order_bits % 8 != 0)
			return CKR_DATA_LEN_RANGE;
		len = order_bits / 8;
	}
	if (len > width)
		return CKR_DATA_LEN_RANGE;
	memset(out, 0, width - len);
	memcpy(out + width - len, in, len);
	*out_len = width;
	return CKR_OK;
}

/* Bits of the modulus (its leading byte may have zero bits). */
static size_t modulus_bits(const struct tpm_pubkey *pub)
{
	size_t bits = pub->modulus_len * 8;

	for (uint8_t top = pub->modulus[0]; bits > 0 && top < 0x80; top <<= 1)
		bits--;
	return bits;
}

/* Raw RSA: the input as a big-endian number, below the modulus. */
static CK_RV x509_block(const struct tpm_pubkey *pub, const uint8_t *in,
			size_t len, uint8_t *em)
{
	size_t k = pub->modulus_len;

	if (len > k)
		return CKR_DATA_LEN_RANGE;
	memset(em, 0, k - len);
	if (len > 0)
		memcpy(em + k - len, in, len);
	if (memcmp(em, pub->modulus, k) >= 0)
		return CKR_DATA_LEN_RANGE;
	return CKR_OK;
}

/* The encoded message the TPM's raw private operation signs. */
static CK_RV rsa_encode(const struct tpm_pubkey *pub,
			const struct tc_sig_mech *m,
			const struct tc_sig_params *params, const uint8_t *t,
			size_t t_len, uint8_t *em)
{
	size_t k = pub->modulus_len;

	switch (m->scheme) {
	case TC_SIG_X509:
		return x509_block(pub, t, t_len, em);
	case TC_SIG_PSS:
		if (t_len != crypto_digest_len(params->hash))
			return CKR_DATA_LEN_RANGE;
		return rsa_pss_encode(params->hash, params->mgf, t,
				      params->salt_len, modulus_bits(pub), em,
				      k) ?
			       CKR_OK :
			       CKR_FUNCTION_FAILED;
	default:
		return rsa_pad_pkcs1_sign(m->prefix, m->prefix_len, t, t_len,
					  em, k) ?
			       CKR_OK :
			       CKR_DATA_LEN_RANGE;
	}
}

static CK_RV sign_rsa(struct tpm *tpm, struct tpm_key *key,
		      const struct tpm_pubkey *pub,
		      const struct tc_sig_mech *m,
		      const struct tc_sig_params *params, const uint8_t *t,
		      size_t t_len, uint8_t *sig)
{
	uint8_t em[512];
	CK_RV rv;

	rv = rsa_encode(pub, m, params, t, t_len, em);
	if (rv == CKR_OK)
		rv = token_rv_from_tpm(tpm_key_rsa_private(
			tpm, key, em, pub->modulus_len, sig, pub->modulus_len));
	secmem_wipe(em, sizeof(em));
	return rv;
}

static CK_RV sign_ec(struct tpm *tpm, struct tpm_key *key,
		     const struct tpm_pubkey *pub, const uint8_t *in,
		     size_t len, uint8_t *sig)
{
	uint8_t digest[CRYPTO_MAX_DIGEST];
	enum crypto_digest hash;
	size_t digest_len = 0;
	CK_RV rv;

	rv = ecdsa_fit(pub->curve, in, len, &hash, digest, &digest_len);
	if (rv == CKR_OK)
		rv = token_rv_from_tpm(tpm_key_ecdsa(tpm, key, hash, digest,
						     digest_len, sig,
						     2 * pub->coord_len));
	return rv;
}

static size_t signature_len(const struct tpm_pubkey *pub)
{
	return pub->type == TPM_KEY_RSA ? pub->modulus_len :
					  2 * pub->coord_len;
}

/* Ends the signing operation (and spends its context-specific login). */
static void end_op(struct tc_session *session)
{
	struct tc_sign_op *op = &session->sign;

	crypto_hash_free(op->hash);
	token_mac_op_clear(&op->mac);
	memset(op, 0, sizeof(*op));
}

static CK_RV mac_init_locked(struct tc_session *session,
			     const CK_MECHANISM *mechanism, int64_t key_id)
{
	struct tc_sign_op *op = &session->sign;
	CK_RV rv = token_mac_init_locked(session, &op->mac, mechanism, key_id,
					 CKA_SIGN);

	if (rv != CKR_OK) {
		end_op(session);
		return rv;
	}
	op->active = true;
	op->is_mac = true;
	op->mechanism = mechanism->mechanism;
	op->key_id = key_id;
	return CKR_OK;
}

/* One HMAC signing step; the operation ends when it is done. */
static CK_RV mac_sign_locked(struct tc_session *session, const uint8_t *data,
			     size_t len, uint8_t *sig, CK_ULONG *sig_len)
{
	bool done = true;
	CK_RV rv = token_mac_sign_locked(session, &session->sign.mac, data,
					 len, sig, sig_len, &done);

	if (done)
		end_op(session);
	return rv;
}

CK_RV token_sign_init(struct tc_session *session,
		      const CK_MECHANISM *mechanism, int64_t key_id)
{
	struct tc_sign_op *op = &session->sign;
	const struct tc_sig_mech *m = find_mech(mechanism->mechanism);
	struct tc_object *obj = NULL;
	struct tpm_pubkey pub;
	CK_RV rv = CKR_OK;

	tc_mutex_lock(&session->mod->lock);
	if (op->active)
		rv = CKR_OPERATION_ACTIVE;
	else if (token_mac_hash(mechanism->mechanism, NULL))
		rv = mac_init_locked(session, mechanism, key_id);
	else if (m == NULL)
		rv = CKR_MECHANISM_INVALID;
	else
		rv = token_key_for_op_locked(session, key_id, CKO_PRIVATE_KEY,
					     m->key_type, CKA_SIGN,
					     m->type, &obj);
	if (rv == CKR_OK && !op->is_mac)
		rv = token_rv_from_tpm(tpm_blob_pubkey(&obj->blob, &pub));
	if (rv == CKR_OK && !op->is_mac)
		rv = token_sig_params(m, mechanism,
				      pub.type == TPM_KEY_RSA ?
					      modulus_bits(&pub) :
					      0,
				      &op->params);
	if (rv == CKR_OK && !op->is_mac && m->hashed) {
		op->hash = crypto_hash_new(m->hash);
		if (op->hash == NULL)
			rv = CKR_HOST_MEMORY;
	}
	if (rv == CKR_OK && !op->is_mac) {
		op->active = true;
		op->mechanism = m->type;
		op->key_id = key_id;
	}
	tc_mutex_unlock(&session->mod->lock);
	return rv;
}

/* Signs the prepared input (raw data or the finished digest). */
static CK_RV sign_now_locked(struct tc_session *session,
			     const struct tc_sig_mech *m, struct tc_object *obj,
			     const uint8_t *in, size_t len, uint8_t *sig)
{
	struct tpm_pubkey pub;
	struct tpm_key *key;
	struct tpm *tpm;
	CK_RV rv;

	if (token_key_always_authenticate(obj) && !session->sign.context_auth)
		return CKR_USER_NOT_LOGGED_IN;
	rv = token_object_key_locked(session, obj, &key);
	if (rv == CKR_OK)
		rv = token_tpm_locked(session->mod, &tpm);
	if (rv == CKR_OK)
		rv = token_rv_from_tpm(tpm_blob_pubkey(&obj->blob, &pub));
	if (rv != CKR_OK)
		return rv;
	if (m->key_type == CKK_RSA)
		return sign_rsa(tpm, key, &pub, m, &session->sign.params, in,
				len, sig);
	return sign_ec(tpm, key, &pub, in, len, sig);
}

/*
 * The length-query protocol shared by C_Sign and C_SignFinal.  Returns
 * true when the caller should go on and sign; otherwise *rv is the
 * answer and the operation stays as it is.
 */
static bool length_check(struct tc_object *obj, uint8_t *sig,
			 CK_ULONG *sig_len, CK_RV *rv)
{
	struct tpm_pubkey pub;
	size_t need;

	*rv = token_rv_from_tpm(tpm_blob_pubkey(&obj->blob, &pub));
	if (*rv != CKR_OK)
		return false;
	need = signature_len(&pub);
	if (sig == NULL) {
		*sig_len = need;
		return false;
	}
	if (*sig_len < need) {
		*sig_len = need;
		*rv = CKR_BUFFER_TOO_SMALL;
		return false;
	}
	*sig_len = need;
	return true;
}

/* Looks up the operation's key, or ends the operation. */
static CK_RV op_key_locked(struct tc_session *session,
			   struct tc_object **obj)
{
	struct tc_sign_op *op = &session->sign;

	if (!op->active)
		return CKR_OPERATION_NOT_INITIALIZED;
	*obj = token_object_get_locked(session->token, op->key_id);
	if (*obj == NULL || !token_object_visible(session, *obj)) {
		end_op(session);
		/* Logged out since SignInit, or the key was destroyed. */
		return *obj != NULL ? CKR_USER_NOT_LOGGED_IN :
				      CKR_KEY_HANDLE_INVALID;
	}
	return CKR_OK;
}

void token_sign_abort(struct tc_session *session)
{
	tc_mutex_lock(&session->mod->lock);
	end_op(session);
	tc_mutex_unlock(&session->mod->lock);
}

CK_RV token_sign(struct tc_session *session, const uint8_t *data,
		 size_t len, uint8_t *sig, CK_ULONG *sig_len)
{
	struct tc_sign_op *op = &session->sign;
	uint8_t digest[CRYPTO_MAX_DIGEST];
	size_t digest_len = 0;
	const struct tc_sig_mech *m;
	struct tc_object *obj = NULL;
	CK_RV rv;

	tc_mutex_lock(&session->mod->lock);
	rv = op_key_locked(session, &obj);
	if (rv != CKR_OK)
		goto out;
	/*
	 * A one-part call cannot finish parts; like every call but a length
	 * query or a short buffer, it ends the operation (2.40, C_Sign).
	 */
	if (op->multi_part) {
		rv = CKR_OPERATION_ACTIVE;
		end_op(session);
		goto out;
	}
	if (op->is_mac) {
		rv = mac_sign_locked(session, data, len, sig, sig_len);
		goto out;
	}
	if (!length_check(obj, sig, sig_len, &rv))
		goto out;
	m = find_mech(op->mechanism);
	if (m->hashed && (!crypto_hash_update(op->hash, data, len) ||
			  !crypto_hash_final(op->hash, digest, &digest_len)))
		rv = CKR_HOST_MEMORY;
	else if (m->hashed)
		rv = sign_now_locked(session, m, obj, digest, digest_len, sig);
	else
		rv = sign_now_locked(session, m, obj, data, len, sig);
	end_op(session);
out:
	tc_mutex_unlock(&session->mod->lock);
	return rv;
}

CK_RV token_sign_update(struct tc_session *session, const uint8_t *data,
			size_t len)
{
	struct tc_sign_op *op = &session->sign;
	struct tc_object *obj = NULL;
	CK_RV rv;

	tc_mutex_lock(&session->mod->lock);
	rv = op_key_locked(session, &obj);
	if (rv == CKR_OK && op->is_mac)
		rv = token_mac_update(&op->mac, data, len);
	else if (rv == CKR_OK && op->hash == NULL)
		rv = CKR_FUNCTION_NOT_SUPPORTED; /* single-part mechanism */
	else if (rv == CKR_OK && !crypto_hash_update(op->hash, data, len))
		rv = CKR_HOST_MEMORY;
	if (rv == CKR_OK)
		op->multi_part = true;
	else if (op->active)
		end_op(session);
	tc_mutex_unlock(&session->mod->lock);
	return rv;
}

CK_RV token_sign_final(struct tc_session *session, uint8_t *sig,
		       CK_ULONG *sig_len)
{
	struct tc_sign_op *op = &session->sign;
	uint8_t digest[CRYPTO_MAX_DIGEST];
	size_t digest_len = 0;
	struct tc_object *obj = NULL;
	CK_RV rv;

	tc_mutex_lock(&session->mod->lock);
	rv = op_key_locked(session, &obj);
	if (rv != CKR_OK)
		goto out;
	if (op->is_mac) {
		rv = mac_sign_locked(session, NULL, 0, sig, sig_len);
		goto out;
	}
	if (op->hash == NULL) {
		rv = CKR_FUNCTION_NOT_SUPPORTED;
		end_op(session);
		goto out;
	}
	if (!length_check(obj, sig, sig_len, &rv))
		goto out;
	if (!crypto_hash_final(op->hash, digest, &digest_len))
		rv = CKR_HOST_MEMORY;
	else
		rv = sign_now_locked(session, find_mech(op->mechanism), obj,
				     digest, digest_len, sig);
	end_op(session);
out:
	tc_mutex_unlock(&session->mod->lock);
	return rv;
}
