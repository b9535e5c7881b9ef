/* SPDX-License-Identifier: BSD-3-Clause */
#include "token/token.h"

#include <stdlib.h>
#include <string.h>

#include "token/token_internal.h"

#define TC_LOG_LAYER TC_LAYER_TOKEN
#include "common/log.h"

/*
 * AES with keys in the TPM: CKM_AES_ECB, CKM_AES_CBC, CKM_AES_CBC_PAD,
 * CKM_AES_CTR and CKM_AES_CFB128, one-part and multi-part.  The TPM does
 * every block (TPM2_EncryptDecrypt2); the module only keeps what a
 * stream needs between calls: the chaining value the TPM hands back and
 * the input short of a whole block.  Every output length is known before
 * the TPM is asked, so the length-query protocol costs no TPM command,
 * except a CBC_PAD decryption whose exact length shows only once it is
 * decrypted: that result is kept for the retry, never asked for twice.
 */

#define BLOCK TPM_AES_BLOCK

bool token_aes_mechanism(CK_MECHANISM_TYPE type)
{
	return type == CKM_AES_ECB || type == CKM_AES_CBC ||
	       type == CKM_AES_CBC_PAD || type == CKM_AES_CTR ||
	       type == CKM_AES_CFB128;
}

/*
 * CTR: how many counter values the ulCounterBits low bits have left.  The
 * TPM increments the whole block, which agrees until those bits wrap; a
 * full 128-bit counter wraps the same way in both, and a space beyond
 * 2^64 blocks cannot be used up.
 */
static CK_RV ctr_params(const CK_MECHANISM *mechanism, struct tc_aes_op *aes)
{
	const CK_AES_CTR_PARAMS *p = mechanism->pParameter;
	unsigned __int128 used = 0, space;

	if (p == NULL || mechanism->ulParameterLen != sizeof(*p) ||
	    p->ulCounterBits == 0 || p->ulCounterBits > 128)
		return CKR_MECHANISM_PARAM_INVALID;
	memcpy(aes->iv, p->cb, BLOCK);
	if (p->ulCounterBits == 128)
		return CKR_OK;
	for (int i = 0; i < BLOCK; i++)
		used = used << 8 | p->cb[i];
	space = (unsigned __int128)1 << p->ulCounterBits;
	used &= space - 1;
	space -= used;
	aes->ctr_limited = space <= UINT64_MAX;
	if (aes->ctr_limited)
		aes->ctr_left = (uint64_t)space;
	return CKR_OK;
}

static CK_RV aes_params(const CK_MECHANISM *mechanism, struct tc_aes_op *aes)
{
	memset(aes, 0, sizeof(*aes));
	switch (mechanism->mechanism) {
	case CKM_AES_ECB:
		aes->mode = TPM_AES_ECB;
		return mechanism->ulParameterLen == 0 ?
			       CKR_OK :
			       CKR_MECHANISM_PARAM_INVALID;
	case CKM_AES_CTR:
		aes->mode = TPM_AES_CTR;
		return ctr_params(mechanism, aes);
	case CKM_AES_CFB128:
		aes->mode = TPM_AES_CFB;
		break;
	case CKM_AES_CBC_PAD:
		aes->pad = true;
		/* fall through */
	default:
		aes->mode = TPM_AES_CBC;
		break;
	}
	if (mechanism->pParameter == NULL ||
	    mechanism->ulParameterLen != BLOCK)
		return CKR_MECHANISM_PARAM_INVALID;
	memcpy(aes->iv, mechanism->pParameter, BLOCK);
	return CKR_OK;
}

CK_RV token_aes_init_locked(struct tc_session *session,
			    struct tc_crypt_op *op,
			    const CK_MECHANISM *mechanism, int64_t key_id,
			    bool encrypt)
{
	struct tc_object *obj;
	CK_RV rv = token_key_for_op_locked(session, key_id, CKO_SECRET_KEY,
					   CKK_AES,
					   encrypt ? CKA_ENCRYPT : CKA_DECRYPT,
					   mechanism->mechanism, &obj);

	if (rv == CKR_OK)
		rv = aes_params(mechanism, &op->aes);
	if (rv != CKR_OK) {
		token_crypt_op_clear(op);
		return rv;
	}
	op->active = true;
	op->is_aes = true;
	op->mechanism = mechanism->mechanism;
	op->key_id = key_id;
	return CKR_OK;
}

/* Whether the mechanism takes whole blocks only (CBC_PAD pads). */
static bool block_mode(const struct tc_aes_op *aes)
{
	return !aes->pad &&
	       (aes->mode == TPM_AES_ECB || aes->mode == TPM_AES_CBC);
}

/* The TPM runs len bytes through the operation's key and state. */
static CK_RV aes_tpm_locked(struct tc_session *session,
			    struct tc_crypt_op *op, bool encrypt,
			    const uint8_t *in, size_t len, uint8_t *out)
{
	struct tpm_key *key;
	struct tpm *tpm;
	uint64_t blocks = (len + BLOCK - 1) / BLOCK;
	CK_RV rv;

	if (len == 0)
		return CKR_OK;
	if (op->aes.ctr_limited && blocks > op->aes.ctr_left)
		return CKR_DATA_LEN_RANGE; /* the counter would wrap */
	rv = token_op_key_locked(session, op->key_id, &tpm, &key);
	if (rv == CKR_OK)
		rv = token_rv_from_tpm(tpm_key_aes(tpm, key, !encrypt,
						   op->aes.mode, op->aes.iv,
						   in, len, out));
	if (rv == CKR_OK && op->aes.ctr_limited)
		op->aes.ctr_left -= blocks;
	return rv;
}

/* The length-query protocol: true when out can take need bytes. */
static bool room_for(size_t need, const uint8_t *out, CK_ULONG *out_len,
		     CK_RV *rv)
{
	*rv = CKR_OK;
	if (out == NULL || *out_len < need) {
		if (out != NULL)
			*rv = CKR_BUFFER_TOO_SMALL;
		*out_len = need;
		return false;
	}
	*out_len = need;
	return true;
}

/* PKCS#7 padding of the last partial block: always one more block. */
static void pad_block(const uint8_t *held, size_t held_len, uint8_t *block)
{
	uint8_t n = (uint8_t)(BLOCK - held_len);

	if (held_len > 0)
		memcpy(block, held, held_len);
	memset(block + held_len, n, n);
}

/*
 * The plaintext length a padded last block holds, or -1, checked without
 * branching on the padding bytes.
 */
static int unpad_block(const uint8_t *block)
{
	unsigned int n = block[BLOCK - 1], bad = 0;

	bad |= (unsigned int)(n == 0) | (unsigned int)(n > BLOCK);
	for (unsigned int i = 0; i < BLOCK; i++) {
		unsigned int in_pad = (unsigned int)(i >= BLOCK - n);

		bad |= in_pad & (unsigned int)(block[i] != n);
	}
	return bad ? -1 : (int)(BLOCK - n);
}

/* A decrypted padded message kept in op->result, its padding removed. */
static CK_RV decrypt_padded_locked(struct tc_session *session,
				   struct tc_crypt_op *op, const uint8_t *in,
				   size_t len)
{
	int last;
	CK_RV rv;

	op->result = secbuf_new(len);
	if (op->result == NULL)
		return CKR_HOST_MEMORY;
	rv = aes_tpm_locked(session, op, false, in, len, op->result->data);
	if (rv != CKR_OK)
		return rv;
	last = unpad_block(op->result->data + len - BLOCK);
	if (last < 0)
		return CKR_ENCRYPTED_DATA_INVALID;
	op->result->len = len - BLOCK + (size_t)last;
	return CKR_OK;
}

/* Hands over a kept result under the length-query protocol. */
static CK_RV give_result(struct tc_crypt_op *op, uint8_t *out,
			 CK_ULONG *out_len, bool *done)
{
	CK_RV rv;

	*done = room_for(op->result->len, out, out_len, &rv);
	if (*done && op->result->len > 0)
		memcpy(out, op->result->data, op->result->len);
	return rv;
}

static CK_RV decrypt_one_padded(struct tc_session *session,
				struct tc_crypt_op *op, const uint8_t *in,
				size_t len, uint8_t *out, CK_ULONG *out_len,
				bool *done)
{
	CK_RV rv = CKR_OK;

	*done = false;
	if (op->result == NULL && out == NULL) {
		*out_len = len; /* enough for any plaintext */
		return CKR_OK;
	}
	if (op->result == NULL)
		rv = decrypt_padded_locked(session, op, in, len);
	if (rv != CKR_OK) {
		*done = true;
		return rv;
	}
	return give_result(op, out, out_len, done);
}

/* C_Encrypt and C_Decrypt: *done tells whether the operation ended. */
CK_RV token_aes_once_locked(struct tc_session *session,
			    struct tc_crypt_op *op, bool encrypt,
			    const uint8_t *in, size_t len, uint8_t *out,
			    CK_ULONG *out_len, bool *done)
{
	struct tc_aes_op *aes = &op->aes;
	uint8_t last[BLOCK];
	size_t whole = len - len % BLOCK;
	CK_RV rv;

	*done = true;
	/*
	 * A one-part call cannot finish parts: it answers so and, as every
	 * call but a length query or a short buffer, ends the operation.
	 */
	if (aes->multi_part)
		return CKR_OPERATION_ACTIVE;
	if ((block_mode(aes) || (aes->pad && !encrypt)) && len % BLOCK != 0)
		return encrypt ? CKR_DATA_LEN_RANGE :
				 CKR_ENCRYPTED_DATA_LEN_RANGE;
	if (aes->pad && !encrypt && len == 0)
		return CKR_ENCRYPTED_DATA_LEN_RANGE;
	if (aes->pad && !encrypt)
		return decrypt_one_padded(session, op, in, len, out, out_len,
					  done);
	if (!room_for(aes->pad ? whole + BLOCK : len, out, out_len, &rv)) {
		*done = false; /* a length query or a short buffer */
		return rv;
	}
	if (!aes->pad)
		return aes_tpm_locked(session, op, encrypt, in, len, out);
	rv = aes_tpm_locked(session, op, true, in, whole, out);
	pad_block(in + whole, len - whole, last);
	if (rv == CKR_OK)
		rv = aes_tpm_locked(session, op, true, last, BLOCK,
				    out + whole);
	secmem_wipe(last, sizeof(last));
	return rv;
}

/*
 * How much of held || in an update processes now: whole blocks, except
 * that a padded decryption keeps its last block back for the final call.
 */
static size_t update_len(const struct tc_crypt_op *op, bool encrypt,
			 size_t len)
{
	size_t total = op->aes.held_len + len;
	size_t whole = total - total % BLOCK;

	if (op->aes.pad && !encrypt && whole > 0 && whole == total)
		whole -= BLOCK;
	return whole;
}

CK_RV token_aes_update_locked(struct tc_session *session,
			      struct tc_crypt_op *op, bool encrypt,
			      const uint8_t *in, size_t len, uint8_t *out,
			      CK_ULONG *out_len, bool *done)
{
	struct tc_aes_op *aes = &op->aes;
	size_t n = update_len(op, encrypt, len), total = aes->held_len + len;
	uint8_t *stream;
	CK_RV rv;

	*done = false;
	if (!room_for(n, out, out_len, &rv))
		return rv;
	stream = malloc(total > 0 ? total : 1);
	if (stream == NULL) {
		*done = true;
		return CKR_HOST_MEMORY;
	}
	memcpy(stream, aes->held, aes->held_len);
	if (len > 0)
		memcpy(stream + aes->held_len, in, len);
	rv = aes_tpm_locked(session, op, encrypt, stream, n, out);
	aes->multi_part = true;
	aes->held_len = total - n;
	memcpy(aes->held, stream + n, aes->held_len);
	secmem_wipe(stream, total);
	free(stream);
	*done = rv != CKR_OK;
	return rv;
}

static CK_RV final_padded_decrypt(struct tc_session *session,
				  struct tc_crypt_op *op, uint8_t *out,
				  CK_ULONG *out_len, bool *done)
{
	CK_RV rv = CKR_OK;

	*done = true;
	if (op->aes.held_len != BLOCK)
		return CKR_ENCRYPTED_DATA_LEN_RANGE;
	if (op->result == NULL && out == NULL) {
		*done = false;
		*out_len = BLOCK - 1;
		return CKR_OK;
	}
	if (op->result == NULL)
		rv = decrypt_padded_locked(session, op, op->aes.held, BLOCK);
	if (rv != CKR_OK)
		return rv;
	return give_result(op, out, out_len, done);
}

CK_RV token_aes_final_locked(struct tc_session *session,
			     struct tc_crypt_op *op, bool encrypt,
			     uint8_t *out, CK_ULONG *out_len, bool *done)
{
	struct tc_aes_op *aes = &op->aes;
	uint8_t last[BLOCK];
	CK_RV rv;

	*done = true;
	if (aes->pad && !encrypt)
		return final_padded_decrypt(session, op, out, out_len, done);
	if (block_mode(aes) && aes->held_len != 0)
		return encrypt ? CKR_DATA_LEN_RANGE :
				 CKR_ENCRYPTED_DATA_LEN_RANGE;
	if (!room_for(aes->pad ? BLOCK : aes->held_len, out, out_len, &rv)) {
		*done = false;
		return rv;
	}
	if (!aes->pad)
		return aes_tpm_locked(session, op, encrypt, aes->held,
				      aes->held_len, out);
	pad_block(aes->held, aes->held_len, last);
	rv = aes_tpm_locked(session, op, true, last, BLOCK, out);
	secmem_wipe(last, sizeof(last));
	return rv;
}
