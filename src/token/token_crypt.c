/* SPDX-License-Identifier: BSD-3-Clause */
#include "token/token.h"

#include <stdlib.h>
#include <string.h>

#include "common/rsa_pad.h"
#include "token/token_internal.h"

#define TC_LOG_LAYER TC_LAYER_TOKEN
#include "common/log.h"

/*
 * Encryption and decryption.  RSA: encryption with a public key object in
 * software; decryption with the TPM's raw private-key operation, the
 * padding then removed in constant time by OpenSSL's checks, so that the
 * module adds no padding oracle.  RSA mechanisms are one-part only
 * (PKCS#11 2.40, section 2.1): their update and final calls answer
 * CKR_FUNCTION_NOT_SUPPORTED and end the operation.  AES mechanisms, one-
 * and multi-part, are dispatched to token_aes.c.
 */

#define RSA_MAX_BYTES 512

void token_crypt_op_clear(struct tc_crypt_op *op)
{
	pkey_free(op->key);
	free(op->label);
	secbuf_free(op->result);
	secmem_wipe(op, sizeof(*op)); /* AES state: chaining values, data */
}

void token_encrypt_abort(struct tc_session *session)
{
	tc_mutex_lock(&session->mod->lock);
	token_crypt_op_clear(&session->encrypt);
	tc_mutex_unlock(&session->mod->lock);
}

void token_decrypt_abort(struct tc_session *session)
{
	tc_mutex_lock(&session->mod->lock);
	token_crypt_op_clear(&session->decrypt);
	tc_mutex_unlock(&session->mod->lock);
}

static bool rsa_mechanism(CK_MECHANISM_TYPE type)
{
	return type == CKM_RSA_PKCS || type == CKM_RSA_X_509 ||
	       type == CKM_RSA_PKCS_OAEP;
}

/* CK_RSA_PKCS_OAEP_PARAMS: hashes, and an optional label. */
static CK_RV oaep_params(const CK_MECHANISM *mechanism,
			 struct tc_crypt_op *op)
{
	const CK_RSA_PKCS_OAEP_PARAMS *p = mechanism->pParameter;

	if (p == NULL || mechanism->ulParameterLen != sizeof(*p) ||
	    !token_digest_of(p->hashAlg, &op->params.hash) ||
	    !token_mgf_of(p->mgf, &op->params.mgf))
		return CKR_MECHANISM_PARAM_INVALID;
	/* CKZ_DATA_SPECIFIED; some applications leave it 0 with no label. */
	if (p->source != CKZ_DATA_SPECIFIED &&
	    !(p->source == 0 && p->ulSourceDataLen == 0))
		return CKR_MECHANISM_PARAM_INVALID;
	if (p->ulSourceDataLen > 0 && p->pSourceData == NULL)
		return CKR_MECHANISM_PARAM_INVALID;
	if (p->ulSourceDataLen > 0) {
		op->label = malloc(p->ulSourceDataLen);
		if (op->label == NULL)
			return CKR_HOST_MEMORY;
		memcpy(op->label, p->pSourceData, p->ulSourceDataLen);
		op->params.label = op->label;
		op->params.label_len = p->ulSourceDataLen;
	}
	op->params.has_hash = true;
	return CKR_OK;
}

static CK_RV rsa_params(const CK_MECHANISM *mechanism, struct tc_crypt_op *op)
{
	memset(&op->params, 0, sizeof(op->params));
	switch (mechanism->mechanism) {
	case CKM_RSA_PKCS_OAEP:
		op->params.padding = PKEY_PAD_OAEP;
		return oaep_params(mechanism, op);
	case CKM_RSA_X_509:
		op->params.padding = PKEY_PAD_NONE;
		break;
	default:
		op->params.padding = PKEY_PAD_PKCS1;
		break;
	}
	if (mechanism->pParameter != NULL || mechanism->ulParameterLen != 0)
		return CKR_MECHANISM_PARAM_INVALID;
	return CKR_OK;
}

static CK_RV init_locked(struct tc_session *session, struct tc_crypt_op *op,
			 const CK_MECHANISM *mechanism, int64_t key_id,
			 bool encrypt)
{
	struct tc_object *obj = NULL;
	const struct attr *spki;
	CK_RV rv;

	if (op->active)
		return CKR_OPERATION_ACTIVE;
	if (token_aes_mechanism(mechanism->mechanism))
		return token_aes_init_locked(session, op, mechanism, key_id,
					     encrypt);
	if (!rsa_mechanism(mechanism->mechanism))
		return CKR_MECHANISM_INVALID;
	rv = token_key_for_op_locked(
		session, key_id, encrypt ? CKO_PUBLIC_KEY : CKO_PRIVATE_KEY,
		CKK_RSA, encrypt ? CKA_ENCRYPT : CKA_DECRYPT,
		mechanism->mechanism, &obj);
	if (rv == CKR_OK)
		rv = rsa_params(mechanism, op);
	spki = obj ? attrs_find(&obj->attrs, CKA_PUBLIC_KEY_INFO) : NULL;
	if (rv == CKR_OK) {
		op->key = spki ? pkey_from_spki(spki->value, spki->len) : NULL;
		if (op->key == NULL || pkey_size(op->key) > RSA_MAX_BYTES)
			rv = CKR_KEY_TYPE_INCONSISTENT;
	}
	if (rv != CKR_OK) {
		token_crypt_op_clear(op);
		return rv;
	}
	op->active = true;
	op->mechanism = mechanism->mechanism;
	op->key_id = key_id;
	return CKR_OK;
}

CK_RV token_encrypt_init(struct tc_session *session,
			 const CK_MECHANISM *mechanism, int64_t key_id)
{
	CK_RV rv;

	tc_mutex_lock(&session->mod->lock);
	rv = init_locked(session, &session->encrypt, mechanism, key_id, true);
	tc_mutex_unlock(&session->mod->lock);
	return rv;
}

CK_RV token_decrypt_init(struct tc_session *session,
			 const CK_MECHANISM *mechanism, int64_t key_id)
{
	CK_RV rv;

	tc_mutex_lock(&session->mod->lock);
	rv = init_locked(session, &session->decrypt, mechanism, key_id, false);
	tc_mutex_unlock(&session->mod->lock);
	return rv;
}

/* The most a one-block RSA encryption can carry. */
static size_t max_plain(const struct tc_crypt_op *op, size_t k)
{
	size_t h = crypto_digest_len(op->params.hash);

	switch (op->params.padding) {
	case PKEY_PAD_OAEP:
		return k >= 2 * h + 2 ? k - 2 * h - 2 : 0;
	case PKEY_PAD_NONE:
		return k;
	default:
		return k >= 11 ? k - 11 : 0;
	}
}

static CK_RV encrypt_now(struct tc_crypt_op *op, const uint8_t *in,
			 size_t len, uint8_t *out, CK_ULONG *out_len)
{
	size_t k = pkey_size(op->key), n = k;
	uint8_t block[RSA_MAX_BYTES];

	if (len > max_plain(op, k))
		return CKR_DATA_LEN_RANGE;
	if (op->params.padding == PKEY_PAD_NONE) {
		/* Raw RSA takes a whole block: left-padded with zeros. */
		memset(block, 0, k - len);
		memcpy(block + k - len, in, len);
		in = block;
		len = k;
	}
	if (!pkey_encrypt(op->key, &op->params, in, len, out, &n))
		return op->params.padding == PKEY_PAD_NONE ?
			       CKR_DATA_LEN_RANGE : /* not below n */
			       CKR_FUNCTION_FAILED;
	*out_len = n;
	return CKR_OK;
}

typedef CK_RV (*aes_step_fn)(struct tc_session *, struct tc_crypt_op *,
			     bool, const uint8_t *, size_t, uint8_t *,
			     CK_ULONG *, bool *);

/* One AES step; the operation ends when the step says so. */
static CK_RV aes_step_locked(struct tc_session *session,
			     struct tc_crypt_op *op, bool encrypt,
			     const uint8_t *in, size_t len, uint8_t *out,
			     CK_ULONG *out_len, aes_step_fn step)
{
	bool done = true;
	CK_RV rv = step(session, op, encrypt, in, len, out, out_len, &done);

	if (done)
		token_crypt_op_clear(op);
	return rv;
}

CK_RV token_encrypt(struct tc_session *session, const uint8_t *in,
		    size_t len, uint8_t *out, CK_ULONG *out_len)
{
	struct tc_crypt_op *op = &session->encrypt;
	size_t k;
	CK_RV rv;

	tc_mutex_lock(&session->mod->lock);
	if (!op->active) {
		rv = CKR_OPERATION_NOT_INITIALIZED;
		goto out;
	}
	if (op->is_aes) {
		rv = aes_step_locked(session, op, true, in, len, out, out_len,
				     token_aes_once_locked);
		goto out;
	}
	k = pkey_size(op->key);
	if (out == NULL || *out_len < k) {
		rv = out == NULL ? CKR_OK : CKR_BUFFER_TOO_SMALL;
		*out_len = k;
		goto out;
	}
	rv = encrypt_now(op, in, len, out, out_len);
	token_crypt_op_clear(op);
out:
	tc_mutex_unlock(&session->mod->lock);
	return rv;
}

/* The TPM's raw private operation on the ciphertext block. */
static CK_RV raw_decrypt_locked(struct tc_session *session,
				struct tc_object *obj, const uint8_t *in,
				size_t len, uint8_t *em)
{
	struct tpm_key *key;
	struct tpm *tpm;
	enum tpm_rc rc;
	CK_RV rv;

	if (token_key_always_authenticate(obj) &&
	    !session->decrypt.context_auth)
		return CKR_USER_NOT_LOGGED_IN;
	rv = token_object_key_locked(session, obj, &key);
	if (rv == CKR_OK)
		rv = token_tpm_locked(session->mod, &tpm);
	if (rv != CKR_OK)
		return rv;
	rc = tpm_key_rsa_private(tpm, key, in, len, em, len);
	/* A block not below the modulus is a bad ciphertext. */
	return rc == TPM_E_BAD_INPUT ? CKR_ENCRYPTED_DATA_INVALID :
				       token_rv_from_tpm(rc);
}

/* Decrypts into op->result, which the operation keeps until it ends. */
static CK_RV decrypt_now_locked(struct tc_session *session,
				struct tc_crypt_op *op, const uint8_t *in,
				size_t len)
{
	struct tc_object *obj;
	uint8_t em[RSA_MAX_BYTES];
	size_t k = pkey_size(op->key);
	int n;
	CK_RV rv;

	if (len != k)
		return CKR_ENCRYPTED_DATA_LEN_RANGE;
	obj = token_object_get_locked(session->token, op->key_id);
	if (obj == NULL || !token_object_visible(session, obj))
		return obj ? CKR_USER_NOT_LOGGED_IN : CKR_KEY_HANDLE_INVALID;
	op->result = secbuf_new(k);
	if (op->result == NULL)
		return CKR_HOST_MEMORY;
	rv = raw_decrypt_locked(session, obj, in, len, em);
	if (rv != CKR_OK)
		goto out;
	if (op->params.padding == PKEY_PAD_NONE) {
		memcpy(op->result->data, em, k);
		n = (int)k;
	} else if (op->params.padding == PKEY_PAD_OAEP) {
		n = rsa_unpad_oaep(em, k, op->params.hash, op->params.mgf,
				   op->params.label, op->params.label_len,
				   op->result->data, op->result->cap);
	} else {
		n = rsa_unpad_pkcs1(em, k, op->result->data, op->result->cap);
	}
	if (n < 0)
		rv = CKR_ENCRYPTED_DATA_INVALID;
	else
		op->result->len = (size_t)n;
out:
	secmem_wipe(em, sizeof(em));
	return rv;
}

CK_RV token_decrypt(struct tc_session *session, const uint8_t *in,
		    size_t len, uint8_t *out, CK_ULONG *out_len)
{
	struct tc_crypt_op *op = &session->decrypt;
	CK_RV rv = CKR_OK;

	tc_mutex_lock(&session->mod->lock);
	if (!op->active) {
		rv = CKR_OPERATION_NOT_INITIALIZED;
		goto out;
	}
	if (op->is_aes) {
		rv = aes_step_locked(session, op, false, in, len, out, out_len,
				     token_aes_once_locked);
		goto out;
	}
	if (out == NULL && op->result == NULL) {
		/* Enough room for any plaintext of this key. */
		*out_len = pkey_size(op->key);
		goto out;
	}
	if (op->result == NULL)
		rv = decrypt_now_locked(session, op, in, len);
	if (rv == CKR_OK && (out == NULL || *out_len < op->result->len)) {
		*out_len = op->result->len;
		rv = out == NULL ? CKR_OK : CKR_BUFFER_TOO_SMALL;
		goto out;
	}
	if (rv == CKR_OK) {
		memcpy(out, op->result->data, op->result->len);
		*out_len = op->result->len;
	}
	token_crypt_op_clear(op);
out:
	tc_mutex_unlock(&session->mod->lock);
	return rv;
}

static CK_RV aes_final(struct tc_session *session, struct tc_crypt_op *op,
		       bool encrypt, const uint8_t *in, size_t len,
		       uint8_t *out, CK_ULONG *out_len, bool *done)
{
	(void)in;
	(void)len;
	return token_aes_final_locked(session, op, encrypt, out, out_len,
				      done);
}

/* An update or final step: RSA has no multi-part form (it ends), AES has. */
static CK_RV multi_part(struct tc_session *session, struct tc_crypt_op *op,
			bool encrypt, const uint8_t *in, size_t len,
			uint8_t *out, CK_ULONG *out_len, aes_step_fn step)
{
	CK_RV rv;

	tc_mutex_lock(&session->mod->lock);
	if (op->active && op->is_aes) {
		rv = aes_step_locked(session, op, encrypt, in, len, out,
				     out_len, step);
	} else {
		rv = op->active ? CKR_FUNCTION_NOT_SUPPORTED :
				  CKR_OPERATION_NOT_INITIALIZED;
		token_crypt_op_clear(op);
	}
	tc_mutex_unlock(&session->mod->lock);
	return rv;
}

CK_RV token_encrypt_update(struct tc_session *session, const uint8_t *in,
			   size_t len, uint8_t *out, CK_ULONG *out_len)
{
	return multi_part(session, &session->encrypt, true, in, len, out,
			  out_len, token_aes_update_locked);
}

CK_RV token_encrypt_final(struct tc_session *session, uint8_t *out,
			  CK_ULONG *out_len)
{
	return multi_part(session, &session->encrypt, true, NULL, 0, out,
			  out_len, aes_final);
}

CK_RV token_decrypt_update(struct tc_session *session, const uint8_t *in,
			   size_t len, uint8_t *out, CK_ULONG *out_len)
{
	return multi_part(session, &session->decrypt, false, in, len, out,
			  out_len, token_aes_update_locked);
}

CK_RV token_decrypt_final(struct tc_session *session, uint8_t *out,
			  CK_ULONG *out_len)
{
	return multi_part(session, &session->decrypt, false, NULL, 0, out,
			  out_len, aes_final);
}
