/* SPDX-License-Identifier: BSD-3-Clause */
#include "token/token.h"

#include <string.h>

#include "token/token_internal.h"

static const struct {
	CK_MECHANISM_TYPE type;
	enum crypto_digest alg;
} digest_mechs[] = {
	{ CKM_SHA_1, CRYPTO_SHA1 },	{ CKM_SHA224, CRYPTO_SHA224 },
	{ CKM_SHA256, CRYPTO_SHA256 }, { CKM_SHA384, CRYPTO_SHA384 },
	{ CKM_SHA512, CRYPTO_SHA512 },
};

static bool digest_alg(CK_MECHANISM_TYPE type, enum crypto_digest *alg)
{
	for (size_t i = 0; i < sizeof(digest_mechs) / sizeof(*digest_mechs);
	     i++) {
		if (digest_mechs[i].type == type) {
			*alg = digest_mechs[i].alg;
			return true;
		}
	}
	return false;
}

static void end_digest(struct tc_digest_op *op)
{
	crypto_hash_free(op->hash);
	memset(op, 0, sizeof(*op));
}

void token_digest_abort(struct tc_session *session)
{
	tc_mutex_lock(&session->mod->lock);
	end_digest(&session->digest);
	tc_mutex_unlock(&session->mod->lock);
}

CK_RV token_digest_init(struct tc_session *session,
			const CK_MECHANISM *mechanism)
{
	struct tc_digest_op *op = &session->digest;
	enum crypto_digest alg = CRYPTO_SHA256;
	CK_RV rv = CKR_OK;

	tc_mutex_lock(&session->mod->lock);
	if (op->active)
		rv = CKR_OPERATION_ACTIVE;
	else if (!digest_alg(mechanism->mechanism, &alg))
		rv = CKR_MECHANISM_INVALID;
	else if (mechanism->pParameter != NULL ||
		 mechanism->ulParameterLen != 0)
		rv = CKR_MECHANISM_PARAM_INVALID;
	if (rv == CKR_OK) {
		op->hash = crypto_hash_new(alg);
		if (op->hash == NULL) {
			rv = CKR_HOST_MEMORY;
		} else {
			op->alg = alg;
			op->active = true;
		}
	}
	tc_mutex_unlock(&session->mod->lock);
	return rv;
}

/*
 * The length-query protocol: false (with *rv set) when the caller only
 * asked the size or gave too small a buffer; the operation goes on.
 */
static bool room_for_digest(const struct tc_digest_op *op, const uint8_t *out,
			    CK_ULONG *out_len, CK_RV *rv)
{
	CK_ULONG need = crypto_digest_len(op->alg);

	if (out != NULL && *out_len >= need)
		return true;
	*rv = out == NULL ? CKR_OK : CKR_BUFFER_TOO_SMALL;
	*out_len = need;
	return false;
}

/* Finishes the hash into out; the operation ends whatever happens. */
static CK_RV finish(struct tc_digest_op *op, uint8_t *out, CK_ULONG *out_len)
{
	uint8_t digest[CRYPTO_MAX_DIGEST];
	size_t len = 0;
	CK_RV rv = CKR_HOST_MEMORY;

	if (crypto_hash_final(op->hash, digest, &len)) {
		memcpy(out, digest, len);
		*out_len = len;
		rv = CKR_OK;
	}
	end_digest(op);
	return rv;
}

CK_RV token_digest(struct tc_session *session, const uint8_t *data,
		   size_t len, uint8_t *out, CK_ULONG *out_len)
{
	struct tc_digest_op *op = &session->digest;
	CK_RV rv = CKR_OK;

	tc_mutex_lock(&session->mod->lock);
	if (!op->active)
		rv = CKR_OPERATION_NOT_INITIALIZED;
	else if (op->multi_part)
		rv = CKR_OPERATION_ACTIVE; /* parts: and the operation ends */
	else if (!room_for_digest(op, out, out_len, &rv))
		; /* a length query or a short buffer: the operation goes on */
	else if (crypto_hash_update(op->hash, data, len))
		rv = finish(op, out, out_len);
	else
		rv = CKR_HOST_MEMORY;
	if (rv == CKR_HOST_MEMORY || rv == CKR_OPERATION_ACTIVE)
		end_digest(op);
	tc_mutex_unlock(&session->mod->lock);
	return rv;
}

CK_RV token_digest_update(struct tc_session *session, const uint8_t *data,
			  size_t len)
{
	struct tc_digest_op *op = &session->digest;
	CK_RV rv = CKR_OK;

	tc_mutex_lock(&session->mod->lock);
	if (!op->active) {
		rv = CKR_OPERATION_NOT_INITIALIZED;
	} else if (!crypto_hash_update(op->hash, data, len)) {
		rv = CKR_HOST_MEMORY;
		end_digest(op);
	} else {
		op->multi_part = true;
	}
	tc_mutex_unlock(&session->mod->lock);
	return rv;
}

CK_RV token_digest_key(struct tc_session *session, int64_t key_id)
{
	struct tc_digest_op *op = &session->digest;
	struct tc_object *obj;
	CK_RV rv;

	tc_mutex_lock(&session->mod->lock);
	obj = token_object_get_locked(session->token, key_id);
	if (!op->active)
		rv = CKR_OPERATION_NOT_INITIALIZED;
	else if (obj == NULL || !token_object_visible(session, obj))
		rv = CKR_KEY_HANDLE_INVALID;
	else
		rv = CKR_KEY_INDIGESTIBLE; /* no secret key ever leaves */
	if (op->active)
		end_digest(op);
	tc_mutex_unlock(&session->mod->lock);
	return rv;
}

CK_RV token_digest_final(struct tc_session *session, uint8_t *out,
			 CK_ULONG *out_len)
{
	struct tc_digest_op *op = &session->digest;
	CK_RV rv = CKR_OK;

	tc_mutex_lock(&session->mod->lock);
	if (!op->active)
		rv = CKR_OPERATION_NOT_INITIALIZED;
	else if (room_for_digest(op, out, out_len, &rv))
		rv = finish(op, out, out_len);
	tc_mutex_unlock(&session->mod->lock);
	return rv;
}
