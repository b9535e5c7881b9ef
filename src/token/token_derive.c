/* SPDX-License-Identifier: BSD-3-Clause */
#include "token/token.h"

#include <string.h>

#include "token/token_internal.h"
#include "token/token_keyattrs.h"
#include "token/token_template.h"

#define TC_LOG_LAYER TC_LAYER_TOKEN
#include "common/log.h"

/*
 * C_DeriveKey with CKM_ECDH1_DERIVE: the TPM computes the shared secret Z
 * with the token's EC key (TPM2_ECDH_ZGen, Z returned encrypted by the
 * session), the module applies the KDF (ANSI X9.63 with a SHA, or none),
 * and the result becomes a generic secret (or AES) key.
 *
 * A sensitive, non-extractable result (the default) is taken into the
 * TPM like any secret key, as a session or token object, and can encrypt
 * or MAC there.  A non-sensitive, extractable one is the application's
 * own value, kept in memory as a session object, so that no secret of
 * the token's making is ever kept in clear in the store.  Anything in
 * between is refused (CKR_TEMPLATE_INCONSISTENT).
 */

#define MAX_Z 66
#define MAX_DERIVED 512

static bool kdf_hash(unsigned long kdf, enum crypto_digest *hash)
{
	switch (kdf) {
	case CKD_SHA1_KDF:
		*hash = CRYPTO_SHA1;
		return true;
	case CKD_SHA224_KDF:
		*hash = CRYPTO_SHA224;
		return true;
	case CKD_SHA256_KDF:
		*hash = CRYPTO_SHA256;
		return true;
	case CKD_SHA384_KDF:
		*hash = CRYPTO_SHA384;
		return true;
	case CKD_SHA512_KDF:
		*hash = CRYPTO_SHA512;
		return true;
	default:
		return false;
	}
}

/* ANSI X9.63 KDF: Hash(Z || counter || SharedInfo), counter from 1. */
static bool x963_kdf(enum crypto_digest hash, const uint8_t *z, size_t z_len,
		     const uint8_t *info, size_t info_len, uint8_t *out,
		     size_t len)
{
	uint8_t block[CRYPTO_MAX_DIGEST], counter[4];
	size_t done = 0, n = 0;

	for (uint32_t c = 1; done < len; c++) {
		struct crypto_hash *h = crypto_hash_new(hash);
		bool ok;

		counter[0] = (uint8_t)(c >> 24);
		counter[1] = (uint8_t)(c >> 16);
		counter[2] = (uint8_t)(c >> 8);
		counter[3] = (uint8_t)c;
		ok = h != NULL && crypto_hash_update(h, z, z_len) &&
		     crypto_hash_update(h, counter, sizeof(counter)) &&
		     crypto_hash_update(h, info, info_len) &&
		     crypto_hash_final(h, block, &n);
		crypto_hash_free(h);
		if (!ok)
			return false;
		memcpy(out + done, block, len - done < n ? len - done : n);
		done += len - done < n ? len - done : n;
	}
	secmem_wipe(block, sizeof(block));
	return true;
}

struct derive_request {
	const CK_ECDH1_DERIVE_PARAMS *params;
	struct tmpl_kind kind;
	CK_ULONG value_len;	/* 0: as long as the KDF gives */
};

static CK_RV parse_params(const CK_MECHANISM *mechanism,
			  struct derive_request *req)
{
	const CK_ECDH1_DERIVE_PARAMS *p = mechanism->pParameter;
	enum crypto_digest hash;

	if (mechanism->mechanism != CKM_ECDH1_DERIVE)
		return CKR_MECHANISM_INVALID;
	if (p == NULL || mechanism->ulParameterLen != sizeof(*p) ||
	    p->pPublicData == NULL || p->ulPublicDataLen == 0 ||
	    (p->pSharedData == NULL && p->ulSharedDataLen > 0))
		return CKR_MECHANISM_PARAM_INVALID;
	/* The null KDF takes no shared data (PKCS#11 2.40, 2.3.17). */
	if (p->kdf == CKD_NULL ? p->ulSharedDataLen > 0 :
				 !kdf_hash(p->kdf, &hash))
		return CKR_MECHANISM_PARAM_INVALID;
	req->params = p;
	return CKR_OK;
}

static CK_RV parse_template(const CK_ATTRIBUTE *tmpl, CK_ULONG count,
			    struct derive_request *req)
{
	static const struct tmpl_kind dflt = { CKO_SECRET_KEY,
					       CKK_GENERIC_SECRET };
	CK_RV rv;

	/* A template naming no key type derives a generic secret. */
	if (tmpl_find(tmpl, count, CKA_KEY_TYPE) == NULL) {
		req->kind = dflt;
		rv = tmpl_find(tmpl, count, CKA_CLASS) == NULL ||
				     (tmpl_ulong(tmpl, count, CKA_CLASS,
						 &req->kind.cls) &&
				      req->kind.cls == CKO_SECRET_KEY) ?
			     CKR_OK :
			     CKR_TEMPLATE_INCONSISTENT;
	} else {
		rv = tmpl_kind_of(tmpl, count, NULL, &req->kind);
		if (rv == CKR_TEMPLATE_INCOMPLETE) { /* no class: a secret */
			req->kind.cls = CKO_SECRET_KEY;
			rv = tmpl_ulong(tmpl, count, CKA_KEY_TYPE,
					&req->kind.type) ?
				     CKR_OK :
				     CKR_ATTRIBUTE_VALUE_INVALID;
		}
		if (rv == CKR_OK && req->kind.cls != CKO_SECRET_KEY)
			rv = CKR_TEMPLATE_INCONSISTENT;
		if (rv == CKR_OK && req->kind.type != CKK_AES &&
		    req->kind.type != CKK_GENERIC_SECRET)
			rv = CKR_ATTRIBUTE_VALUE_INVALID;
	}
	if (rv == CKR_OK)
		rv = tmpl_check(TMPL_DERIVE, &req->kind, tmpl, count, NULL);
	req->value_len = 0;
	if (rv == CKR_OK)
		tmpl_ulong(tmpl, count, CKA_VALUE_LEN, &req->value_len);
	if (rv == CKR_OK && req->kind.type == CKK_AES &&
	    req->value_len != 16 && req->value_len != 24 &&
	    req->value_len != 32)
		rv = CKR_TEMPLATE_INCONSISTENT;
	if (rv == CKR_OK && req->value_len > MAX_DERIVED)
		rv = CKR_ATTRIBUTE_VALUE_INVALID;
	return rv;
}

/* Z, from the TPM, with the base key and the peer's public point. */
static CK_RV shared_secret_locked(struct tc_session *session,
				  struct tc_object *base,
				  const CK_ECDH1_DERIVE_PARAMS *p, uint8_t *z,
				  size_t *z_len)
{
	const struct attr *params = attrs_find(&base->attrs, CKA_EC_PARAMS);
	const struct tc_curve *curve;
	uint8_t point[TC_EC_POINT_MAX];
	size_t point_len = 0, width;
	struct tpm_key *key;
	struct tpm *tpm;
	enum tpm_rc rc;
	CK_RV rv;

	if (params == NULL ||
	    tc_curve_from_params(params->value, params->len, &curve) != CKR_OK)
		return CKR_KEY_TYPE_INCONSISTENT;
	if (tc_ec_point_parse(curve, p->pPublicData, p->ulPublicDataLen,
			      point, &point_len) != CKR_OK)
		return CKR_MECHANISM_PARAM_INVALID;
	width = (point_len - 1) / 2;
	rv = token_object_key_locked(session, base, &key);
	if (rv == CKR_OK)
		rv = token_tpm_locked(session->mod, &tpm);
	if (rv != CKR_OK)
		return rv;
	rc = tpm_key_ecdh(tpm, key, point + 1, point + 1 + width, width, z,
			  width);
	/* A point not on the curve. */
	if (rc == TPM_E_BAD_INPUT)
		return CKR_MECHANISM_PARAM_INVALID;
	*z_len = width;
	return token_rv_from_tpm(rc);
}

static CK_RV apply_kdf(const struct derive_request *req, const uint8_t *z,
		       size_t z_len, uint8_t *value, size_t *value_len)
{
	const CK_ECDH1_DERIVE_PARAMS *p = req->params;
	enum crypto_digest hash = CRYPTO_SHA256;

	if (p->kdf == CKD_NULL) {
		/* Z itself, its leading bytes when shorter is asked for. */
		if (req->value_len > z_len)
			return CKR_TEMPLATE_INCONSISTENT;
		*value_len = req->value_len ? req->value_len : z_len;
		memcpy(value, z, *value_len);
		return CKR_OK;
	}
	if (!kdf_hash(p->kdf, &hash))
		return CKR_MECHANISM_PARAM_INVALID;
	*value_len = req->value_len ? req->value_len : crypto_digest_len(hash);
	return x963_kdf(hash, z, z_len, p->pSharedData, p->ulSharedDataLen,
			value, *value_len) ?
		       CKR_OK :
		       CKR_HOST_MEMORY;
}

/* What the standard says a derived key inherits from its base key. */
static bool inherited_attrs(const struct tc_object *base,
			    struct attr_list *attrs)
{
	bool sensitive = attrs_get_bool(attrs, CKA_SENSITIVE, true);
	bool extractable = attrs_get_bool(attrs, CKA_EXTRACTABLE, false);

	return attrs_set_bool(attrs, CKA_ALWAYS_SENSITIVE,
			      sensitive &&
				      attrs_get_bool(&base->attrs,
						     CKA_ALWAYS_SENSITIVE,
						     false)) &&
	       attrs_set_bool(attrs, CKA_NEVER_EXTRACTABLE,
			      !extractable &&
				      attrs_get_bool(&base->attrs,
						     CKA_NEVER_EXTRACTABLE,
						     false)) &&
	       attrs_set_ulong(attrs, CKA_KEY_GEN_MECHANISM,
			       CK_UNAVAILABLE_INFORMATION);
}

/* A sensitive result goes into the TPM; the user's write rules apply. */
static CK_RV into_tpm_locked(struct tc_session *session,
			     const struct derive_request *req,
			     const uint8_t *value, size_t value_len,
			     struct tc_new_object *obj)
{
	CK_RV rv = token_write_check_locked(
		session, attrs_get_bool(&obj->attrs, CKA_TOKEN, false),
		attrs_get_bool(&obj->attrs, CKA_PRIVATE, true));

	if (rv != CKR_OK)
		return rv;
	if (req->kind.type == CKK_GENERIC_SECRET &&
	    value_len > TPM_HMAC_KEY_MAX) {
		log_warn("a derived key for the TPM has at most %d bytes",
			 TPM_HMAC_KEY_MAX);
		return CKR_TEMPLATE_INCONSISTENT;
	}
	rv = token_secret_in_tpm_locked(session, req->kind.type, value,
					value_len, obj);
	return rv == CKR_ATTRIBUTE_VALUE_INVALID ? CKR_TEMPLATE_INCONSISTENT :
						   rv;
}

/* The new key: its attributes, and its value in the TPM or in memory. */
static CK_RV make_key_locked(struct tc_session *session,
			     const struct derive_request *req,
			     const struct tc_object *base,
			     const CK_ATTRIBUTE *tmpl, CK_ULONG count,
			     const uint8_t *value, size_t value_len,
			     struct tc_new_object *obj)
{
	struct attr_list *attrs = &obj->attrs;
	bool sensitive, extractable, ok;

	ok = attrs_set_ulong(attrs, CKA_CLASS, CKO_SECRET_KEY) &&
	     attrs_set_ulong(attrs, CKA_KEY_TYPE, req->kind.type) &&
	     tmpl_apply(attrs, &req->kind, tmpl, count) &&
	     tmpl_defaults(attrs, &req->kind) &&
	     attrs_set_ulong(attrs, CKA_VALUE_LEN, value_len) &&
	     inherited_attrs(base, attrs);
	if (!ok)
		return CKR_HOST_MEMORY;
	sensitive = attrs_get_bool(attrs, CKA_SENSITIVE, true);
	extractable = attrs_get_bool(attrs, CKA_EXTRACTABLE, false);
	if (sensitive && !extractable)
		return into_tpm_locked(session, req, value, value_len, obj);
	if (sensitive || !extractable || attrs_get_bool(attrs, CKA_TOKEN,
							false)) {
		log_warn("a derived key is either sensitive and kept in the "
			 "TPM, or an extractable session object");
		return CKR_TEMPLATE_INCONSISTENT;
	}
	return attrs_set(attrs, CKA_VALUE, value, value_len) ? CKR_OK :
							       CKR_HOST_MEMORY;
}

static CK_RV derive_locked(struct tc_session *session,
			   const CK_MECHANISM *mechanism, int64_t base_id,
			   const CK_ATTRIBUTE *tmpl, CK_ULONG count,
			   int64_t *id)
{
	struct tc_new_object obj;
	struct derive_request req;
	struct tc_object *base = NULL;
	uint8_t z[MAX_Z], value[MAX_DERIVED];
	size_t z_len = 0, value_len = 0;
	CK_RV rv;

	memset(&obj, 0, sizeof(obj));
	rv = parse_params(mechanism, &req);
	if (rv == CKR_OK)
		rv = token_key_for_op_locked(session, base_id, CKO_PRIVATE_KEY,
					     CKK_EC, CKA_DERIVE,
					     mechanism->mechanism, &base);
	if (rv == CKR_OK)
		rv = parse_template(tmpl, count, &req);
	if (rv == CKR_OK)
		rv = shared_secret_locked(session, base, req.params, z, &z_len);
	if (rv == CKR_OK)
		rv = apply_kdf(&req, z, z_len, value, &value_len);
	if (rv == CKR_OK)
		rv = make_key_locked(session, &req, base, tmpl, count, value,
				     value_len, &obj);
	if (rv == CKR_OK)
		rv = token_objects_add_locked(session, &obj, 1, id);
	secmem_wipe(z, sizeof(z));
	secmem_wipe(value, sizeof(value));
	secmem_wipe(obj.wrapped, sizeof(obj.wrapped));
	attrs_clear(&obj.attrs);
	tpm_blob_clear(&obj.blob);
	return rv;
}

CK_RV token_derive_key(struct tc_session *session,
		       const CK_MECHANISM *mechanism, int64_t base_id,
		       const CK_ATTRIBUTE *tmpl, CK_ULONG count, int64_t *id)
{
	CK_RV rv;

	tc_mutex_lock(&session->mod->lock);
	rv = derive_locked(session, mechanism, base_id, tmpl, count, id);
	tc_mutex_unlock(&session->mod->lock);
	return rv;
}
