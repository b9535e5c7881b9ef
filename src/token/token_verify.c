/* SPDX-License-Identifier: BSD-3-Clause */
#include "token/token.h"

#include <stdlib.h>
#include <string.h>

#include "token/token_internal.h"

#define TC_LOG_LAYER TC_LAYER_TOKEN
#include "common/log.h"

/*
 * Verification with public key objects, in software: it needs no secret
 * and no login, so the TPM is not asked.  HMACs are the exception: their
 * key is secret, so the TPM computes the MAC to compare (token_mac.c).
 * Every call but a successful C_VerifyUpdate ends the operation, as the
 * standard says.
 */

void token_verify_op_clear(struct tc_verify_op *op)
{
	crypto_hash_free(op->hash);
	pkey_free(op->key);
	token_mac_op_clear(&op->mac);
	memset(op, 0, sizeof(*op));
}

static void end_op(struct tc_verify_op *op)
{
	token_verify_op_clear(op);
}

void token_verify_abort(struct tc_session *session)
{
	tc_mutex_lock(&session->mod->lock);
	end_op(&session->verify);
	tc_mutex_unlock(&session->mod->lock);
}

/* The key's public part, from its CKA_PUBLIC_KEY_INFO. */
static CK_RV load_key(const struct tc_object *obj, struct pkey **key)
{
	const struct attr *spki = attrs_find(&obj->attrs, CKA_PUBLIC_KEY_INFO);

	*key = spki ? pkey_from_spki(spki->value, spki->len) : NULL;
	return *key ? CKR_OK : CKR_KEY_TYPE_INCONSISTENT;
}

CK_RV token_verify_init(struct tc_session *session,
			const CK_MECHANISM *mechanism, int64_t key_id)
{
	struct tc_verify_op *op = &session->verify;
	const struct tc_sig_mech *m = token_sig_mech(mechanism->mechanism);
	struct tc_object *obj = NULL;
	CK_RV rv;

	tc_mutex_lock(&session->mod->lock);
	if (op->active) {
		/* The running operation stays as it is. */
		tc_mutex_unlock(&session->mod->lock);
		return CKR_OPERATION_ACTIVE;
	}
	if (token_mac_hash(mechanism->mechanism, NULL)) {
		rv = token_mac_init_locked(session, &op->mac, mechanism, key_id,
					   CKA_VERIFY);
		op->is_mac = op->active = rv == CKR_OK;
		if (rv != CKR_OK)
			end_op(op);
		tc_mutex_unlock(&session->mod->lock);
		return rv;
	}
	if (m == NULL)
		rv = CKR_MECHANISM_INVALID;
	else
		rv = token_key_for_op_locked(session, key_id, CKO_PUBLIC_KEY,
					     m->key_type, CKA_VERIFY, m->type,
					     &obj);
	if (rv == CKR_OK)
		rv = load_key(obj, &op->key);
	if (rv == CKR_OK)
		rv = token_sig_params(m, mechanism,
				      m->key_type == CKK_RSA ?
					      8 * pkey_size(op->key) :
					      0,
				      &op->params);
	if (rv == CKR_OK && m->hashed) {
		op->hash = crypto_hash_new(m->hash);
		rv = op->hash ? CKR_OK : CKR_HOST_MEMORY;
	}
	if (rv == CKR_OK) {
		op->active = true;
		op->mech = m;
	} else {
		end_op(op);
	}
	tc_mutex_unlock(&session->mod->lock);
	return rv;
}

/* Input lengths a one-part mechanism cannot sign at all. */
static CK_RV check_input(const struct tc_verify_op *op, size_t len)
{
	size_t k = pkey_size(op->key);

	switch (op->mech->scheme) {
	case TC_SIG_PKCS1:
		return op->mech->hashed || len + 11 <= k ? CKR_OK :
							   CKR_DATA_LEN_RANGE;
	case TC_SIG_X509:
		return len <= k ? CKR_OK : CKR_DATA_LEN_RANGE;
	case TC_SIG_PSS:
		return op->mech->hashed ||
				       len == crypto_digest_len(op->params.hash) ?
			       CKR_OK :
			       CKR_DATA_LEN_RANGE;
	default:
		return len > 0 ? CKR_OK : CKR_DATA_LEN_RANGE;
	}
}

static CK_RV check_now(struct tc_verify_op *op, const uint8_t *tbs,
		       size_t tbs_len, const uint8_t *sig, size_t sig_len)
{
	size_t want = op->mech->key_type == CKK_RSA ? pkey_size(op->key) :
						      2 * pkey_size(op->key);
	struct pkey_params params;
	CK_RV rv = check_input(op, tbs_len);

	if (rv != CKR_OK)
		return rv;
	if (sig_len != want)
		return CKR_SIGNATURE_LEN_RANGE;
	token_sig_pkey_params(op->mech, &op->params, &params);
	switch (pkey_verify(op->key, &params, tbs, tbs_len, sig, sig_len)) {
	case 1:
		return CKR_OK;
	case 0:
		return CKR_SIGNATURE_INVALID;
	default:
		return CKR_FUNCTION_FAILED;
	}
}

CK_RV token_verify(struct tc_session *session, const uint8_t *data,
		   size_t len, const uint8_t *sig, size_t sig_len)
{
	struct tc_verify_op *op = &session->verify;
	uint8_t digest[CRYPTO_MAX_DIGEST];
	size_t digest_len = 0;
	CK_RV rv;

	tc_mutex_lock(&session->mod->lock);
	if (!op->active) {
		rv = CKR_OPERATION_NOT_INITIALIZED;
		goto out;
	}
	if (op->multi_part) {
		/* C_Verify always ends the operation: parts or not. */
		rv = CKR_OPERATION_ACTIVE;
		end_op(op);
		goto out;
	}
	if (op->is_mac)
		rv = token_mac_verify_locked(session, &op->mac, data, len, sig,
					     sig_len);
	else if (op->hash == NULL)
		rv = check_now(op, data, len, sig, sig_len);
	else if (!crypto_hash_update(op->hash, data, len) ||
		 !crypto_hash_final(op->hash, digest, &digest_len))
		rv = CKR_HOST_MEMORY;
	else
		rv = check_now(op, digest, digest_len, sig, sig_len);
	end_op(op);
out:
	tc_mutex_unlock(&session->mod->lock);
	return rv;
}

CK_RV token_verify_update(struct tc_session *session, const uint8_t *data,
			  size_t len)
{
	struct tc_verify_op *op = &session->verify;
	CK_RV rv = CKR_OK;

	tc_mutex_lock(&session->mod->lock);
	if (!op->active)
		rv = CKR_OPERATION_NOT_INITIALIZED;
	else if (op->is_mac)
		rv = token_mac_update(&op->mac, data, len);
	else if (op->hash == NULL)
		rv = CKR_FUNCTION_NOT_SUPPORTED; /* a one-part mechanism */
	else if (!crypto_hash_update(op->hash, data, len))
		rv = CKR_HOST_MEMORY;
	if (rv == CKR_OK)
		op->multi_part = true;
	else if (op->active)
		end_op(op);
	tc_mutex_unlock(&session->mod->lock);
	return rv;
}

CK_RV token_verify_final(struct tc_session *session, const uint8_t *sig,
			 size_t sig_len)
{
	struct tc_verify_op *op = &session->verify;
	uint8_t digest[CRYPTO_MAX_DIGEST];
	size_t digest_len = 0;
	CK_RV rv;

	tc_mutex_lock(&session->mod->lock);
	if (!op->active) {
		rv = CKR_OPERATION_NOT_INITIALIZED;
		goto out;
	}
	if (op->is_mac)
		rv = token_mac_verify_locked(session, &op->mac, NULL, 0, sig,
					     sig_len);
	else if (op->hash == NULL)
		rv = CKR_FUNCTION_NOT_SUPPORTED;
	else if (!crypto_hash_final(op->hash, digest, &digest_len))
		rv = CKR_HOST_MEMORY;
	else
		rv = check_now(op, digest, digest_len, sig, sig_len);
	end_op(op);
out:
	tc_mutex_unlock(&session->mod->lock);
	return rv;
}
