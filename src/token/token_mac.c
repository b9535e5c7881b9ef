/* SPDX-License-Identifier: BSD-3-Clause */
#include "token/token.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "token/token_internal.h"

#define TC_LOG_LAYER TC_LAYER_TOKEN
#include "common/log.h"

/*
 * HMAC with generic secret keys in the TPM: CKM_SHA_1_HMAC and
 * CKM_SHA{256,384,512}_HMAC, for signing and for verification alike (the
 * key is secret, so checking a MAC needs the TPM too).  Multi-part input
 * is gathered here and given to the TPM at the final call, in one
 * TPM2_HMAC or one HMAC sequence, so no TPM object stays loaded between
 * the application's calls.
 */

bool token_mac_hash(CK_MECHANISM_TYPE type, enum crypto_digest *hash)
{
	enum crypto_digest h;

	switch (type) {
	case CKM_SHA_1_HMAC:
		h = CRYPTO_SHA1;
		break;
	case CKM_SHA256_HMAC:
		h = CRYPTO_SHA256;
		break;
	case CKM_SHA384_HMAC:
		h = CRYPTO_SHA384;
		break;
	case CKM_SHA512_HMAC:
		h = CRYPTO_SHA512;
		break;
	default:
		return false;
	}
	if (hash != NULL)
		*hash = h;
	return true;
}

void token_mac_op_clear(struct tc_mac_op *mac)
{
	if (mac->data != NULL) {
		secmem_wipe(mac->data, mac->cap);
		free(mac->data);
	}
	memset(mac, 0, sizeof(*mac));
}

CK_RV token_mac_init_locked(struct tc_session *session, struct tc_mac_op *mac,
			    const CK_MECHANISM *mechanism, int64_t key_id,
			    CK_ATTRIBUTE_TYPE usage)
{
	struct tc_object *obj;
	CK_RV rv;

	memset(mac, 0, sizeof(*mac));
	if (!token_mac_hash(mechanism->mechanism, &mac->hash))
		return CKR_MECHANISM_INVALID;
	rv = token_key_for_op_locked(session, key_id, CKO_SECRET_KEY,
				     CKK_GENERIC_SECRET, usage,
				     mechanism->mechanism, &obj);
	if (rv == CKR_OK && (mechanism->pParameter != NULL ||
			     mechanism->ulParameterLen != 0))
		rv = CKR_MECHANISM_PARAM_INVALID;
	if (rv == CKR_OK)
		mac->key_id = key_id;
	return rv;
}

CK_RV token_mac_update(struct tc_mac_op *mac, const uint8_t *data, size_t len)
{
	uint8_t *bigger;
	size_t cap;

	if (len == 0)
		return CKR_OK;
	if (len > SIZE_MAX / 2 - mac->len)
		return CKR_DATA_LEN_RANGE;
	if (mac->len + len > mac->cap) {
		cap = mac->cap ? mac->cap : 1024;
		while (cap < mac->len + len)
			cap *= 2;
		/* No realloc: the old copy is wiped before it is freed. */
		bigger = malloc(cap);
		if (bigger == NULL)
			return CKR_HOST_MEMORY;
		if (mac->len > 0)
			memcpy(bigger, mac->data, mac->len);
		if (mac->data != NULL) {
			secmem_wipe(mac->data, mac->cap);
			free(mac->data);
		}
		mac->data = bigger;
		mac->cap = cap;
	}
	memcpy(mac->data + mac->len, data, len);
	mac->len += len;
	return CKR_OK;
}

size_t token_mac_len(const struct tc_mac_op *mac)
{
	return crypto_digest_len(mac->hash);
}

/* The TPM's HMAC over what was gathered and then data. */
static CK_RV compute_locked(struct tc_session *session, struct tc_mac_op *mac,
			    const uint8_t *data, size_t len, uint8_t *out)
{
	struct tpm_key *key;
	struct tpm *tpm;
	CK_RV rv;

	if (mac->len > 0 && len > 0) {
		rv = token_mac_update(mac, data, len);
		if (rv != CKR_OK)
			return rv;
	}
	if (mac->len > 0) {
		data = mac->data;
		len = mac->len;
	}
	rv = token_op_key_locked(session, mac->key_id, &tpm, &key);
	if (rv == CKR_OK)
		rv = token_rv_from_tpm(tpm_key_hmac(tpm, key, mac->hash, data,
						    len, out,
						    token_mac_len(mac)));
	return rv;
}

CK_RV token_mac_sign_locked(struct tc_session *session, struct tc_mac_op *mac,
			    const uint8_t *data, size_t len, uint8_t *sig,
			    CK_ULONG *sig_len, bool *done)
{
	size_t need = token_mac_len(mac);

	*done = false;
	if (sig == NULL || *sig_len < need) {
		*sig_len = need;
		return sig == NULL ? CKR_OK : CKR_BUFFER_TOO_SMALL;
	}
	*done = true;
	*sig_len = need;
	return compute_locked(session, mac, data, len, sig);
}

CK_RV token_mac_verify_locked(struct tc_session *session,
			      struct tc_mac_op *mac, const uint8_t *data,
			      size_t len, const uint8_t *sig, size_t sig_len)
{
	uint8_t expected[CRYPTO_MAX_DIGEST];
	CK_RV rv;

	if (sig_len != token_mac_len(mac))
		return CKR_SIGNATURE_LEN_RANGE;
	rv = compute_locked(session, mac, data, len, expected);
	if (rv == CKR_OK && CRYPTO_memcmp(expected, sig, sig_len) != 0)
		rv = CKR_SIGNATURE_INVALID;
	secmem_wipe(expected, sizeof(expected));
	return rv;
}
