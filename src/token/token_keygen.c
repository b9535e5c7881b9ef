/* SPDX-License-Identifier: BSD-3-Clause */
#include "token/token.h"

#include <stdlib.h>
#include <string.h>

#include "token/token_internal.h"
#include "token/token_keyattrs.h"
#include "token/token_template.h"

#define TC_LOG_LAYER TC_LAYER_TOKEN
#include "common/log.h"

/*
 * Key pairs generated in the TPM from PKCS#11 templates.  The TPM key has
 * a random auth, wrapped under the token's wrap secret; the private half
 * is sensitive and never extractable, since its private part never leaves
 * the TPM.
 */

static const struct {
	const char *name;
	CK_MECHANISM_TYPE mechanism;
	CK_ULONG bits;
	enum tpm_curve curve;
} kinds[TC_KEY_KIND_COUNT] = {
	[TC_KEY_RSA2048] = { "rsa2048", CKM_RSA_PKCS_KEY_PAIR_GEN, 2048, 0 },
	[TC_KEY_RSA3072] = { "rsa3072", CKM_RSA_PKCS_KEY_PAIR_GEN, 3072, 0 },
	[TC_KEY_RSA4096] = { "rsa4096", CKM_RSA_PKCS_KEY_PAIR_GEN, 4096, 0 },
	[TC_KEY_EC_P256] = { "ecc-p256", CKM_EC_KEY_PAIR_GEN, 0,
			     TPM_CURVE_P256 },
	[TC_KEY_EC_P384] = { "ecc-p384", CKM_EC_KEY_PAIR_GEN, 0,
			     TPM_CURVE_P384 },
	[TC_KEY_EC_P521] = { "ecc-p521", CKM_EC_KEY_PAIR_GEN, 0,
			     TPM_CURVE_P521 },
};

const char *token_key_kind_name(enum tc_key_kind kind)
{
	return kind < TC_KEY_KIND_COUNT ? kinds[kind].name : NULL;
}

bool token_key_kind_parse(const char *name, enum tc_key_kind *kind)
{
	for (size_t i = 0; i < TC_KEY_KIND_COUNT; i++) {
		if (strcmp(kinds[i].name, name) == 0) {
			*kind = (enum tc_key_kind)i;
			return true;
		}
	}
	return false;
}

CK_RV token_key_auth_wrap(const struct tc_token *token,
			  const struct tpm_blob *blob, const uint8_t *auth,
			  uint8_t *wrapped)
{
	/* Bound to the key's public area: it opens only for its key. */
	if (!crypto_aead_seal(token->wrap->data, blob->pub, blob->pub_len,
			      auth, TC_KEY_AUTH_LEN, wrapped))
		return CKR_HOST_MEMORY;
	return CKR_OK;
}

/* The public exponent of a template: 65537 when not given. */
static CK_RV exponent_of(const CK_ATTRIBUTE *tmpl, CK_ULONG count,
			 uint32_t *e)
{
	const CK_ATTRIBUTE *a = tmpl_find(tmpl, count, CKA_PUBLIC_EXPONENT);
	const CK_BYTE *p;
	CK_ULONG skip = 0;

	*e = 65537;
	if (a == NULL)
		return CKR_OK;
	p = a->pValue;
	while (skip < a->ulValueLen && p[skip] == 0)
		skip++;
	if (a->ulValueLen - skip == 0 || a->ulValueLen - skip > 4)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	*e = 0;
	for (CK_ULONG i = skip; i < a->ulValueLen; i++)
		*e = *e << 8 | p[i];
	/* An odd exponent above 1: what RSA (and the TPM) can use. */
	return *e > 1 && (*e & 1) ? CKR_OK : CKR_ATTRIBUTE_VALUE_INVALID;
}

static CK_RV rsa_spec(const CK_ATTRIBUTE *tmpl, CK_ULONG count,
		      struct tpm_key_spec *spec)
{
	CK_ULONG bits = 0;

	if (!tmpl_ulong(tmpl, count, CKA_MODULUS_BITS, &bits))
		return CKR_TEMPLATE_INCOMPLETE;
	if (bits != 2048 && bits != 3072 && bits != 4096)
		return CKR_KEY_SIZE_RANGE;
	spec->type = TPM_KEY_RSA;
	spec->rsa_bits = (unsigned int)bits;
	return exponent_of(tmpl, count, &spec->rsa_exponent);
}

static CK_RV ec_spec(const CK_ATTRIBUTE *pub_tmpl, CK_ULONG pub_count,
		     const CK_ATTRIBUTE *priv_tmpl, CK_ULONG priv_count,
		     struct tpm_key_spec *spec)
{
	const CK_ATTRIBUTE *params =
		tmpl_find(pub_tmpl, pub_count, CKA_EC_PARAMS);
	const CK_ATTRIBUTE *again =
		tmpl_find(priv_tmpl, priv_count, CKA_EC_PARAMS);
	const struct tc_curve *curve;
	CK_RV rv;

	if (params == NULL)
		return CKR_TEMPLATE_INCOMPLETE;
	/* Some applications repeat the curve in the private template. */
	if (again != NULL &&
	    (again->ulValueLen != params->ulValueLen ||
	     memcmp(again->pValue, params->pValue, params->ulValueLen) != 0))
		return CKR_TEMPLATE_INCONSISTENT;
	rv = tc_curve_from_params(params->pValue, params->ulValueLen, &curve);
	if (rv != CKR_OK)
		return rv;
	spec->type = TPM_KEY_EC;
	spec->curve = curve->curve;
	return CKR_OK;
}

/* Drops a private template's CKA_EC_PARAMS (checked by ec_spec). */
static CK_ULONG without_params(const CK_ATTRIBUTE *tmpl, CK_ULONG count,
			       CK_ATTRIBUTE *out)
{
	CK_ULONG n = 0;

	for (CK_ULONG i = 0; i < count; i++)
		if (tmpl[i].type != CKA_EC_PARAMS)
			out[n++] = tmpl[i];
	return n;
}

/*
 * Label and id: each half gets its own template's, or else the other
 * half's, so a pair made by one call always matches up.
 */
static bool share_attr(struct attr_list *a, struct attr_list *b,
		       const CK_ATTRIBUTE *ta, CK_ULONG na,
		       const CK_ATTRIBUTE *tb, CK_ULONG nb,
		       CK_ATTRIBUTE_TYPE type)
{
	const CK_ATTRIBUTE *in_a = tmpl_find(ta, na, type);
	const CK_ATTRIBUTE *in_b = tmpl_find(tb, nb, type);

	if (in_a != NULL && in_b == NULL)
		return attrs_set(b, type, in_a->pValue, in_a->ulValueLen);
	if (in_b != NULL && in_a == NULL)
		return attrs_set(a, type, in_b->pValue, in_b->ulValueLen);
	return true;
}

/* With no CKA_ID given: the SHA-1 of the public value, as NSS makes. */
static bool default_id(struct attr_list *pub, struct attr_list *priv,
		       const struct tpm_pubkey *key)
{
	uint8_t point[TC_EC_POINT_MAX], digest[CRYPTO_MAX_DIGEST];
	size_t digest_len = 0;
	bool ok;

	if (key->type == TPM_KEY_RSA) {
		ok = crypto_digest_once(CRYPTO_SHA1, key->modulus,
					key->modulus_len, digest, &digest_len);
	} else {
		point[0] = 0x04;
		memcpy(point + 1, key->x, key->coord_len);
		memcpy(point + 1 + key->coord_len, key->y, key->coord_len);
		ok = crypto_digest_once(CRYPTO_SHA1, point,
					1 + 2 * key->coord_len, digest,
					&digest_len);
	}
	return ok && attrs_set(pub, CKA_ID, digest, digest_len) &&
	       attrs_set(priv, CKA_ID, digest, digest_len);
}

/* What generation itself sets, whatever the templates say. */
static bool generated_attrs(struct attr_list *a, CK_MECHANISM_TYPE mech,
			    const struct tpm_pubkey *pub, bool public_key)
{
	return attrs_set_bool(a, CKA_LOCAL, true) &&
	       attrs_set_ulong(a, CKA_KEY_GEN_MECHANISM, mech) &&
	       tc_pubkey_attrs(a, pub, public_key) &&
	       (public_key ||
		(attrs_set_bool(a, CKA_ALWAYS_SENSITIVE, true) &&
		 attrs_set_bool(a, CKA_NEVER_EXTRACTABLE, true)));
}

CK_RV token_tpm_key_policy(const struct attr_list *priv)
{
	if (!attrs_get_bool(priv, CKA_SENSITIVE, true) ||
	    attrs_get_bool(priv, CKA_EXTRACTABLE, false)) {
		log_warn("a TPM key cannot be extractable or non-sensitive");
		return CKR_ATTRIBUTE_VALUE_INVALID;
	}
	return CKR_OK;
}

struct pair_request {
	CK_MECHANISM_TYPE mechanism;
	struct tmpl_kind pub_kind, priv_kind;
	const CK_ATTRIBUTE *pub_tmpl, *priv_tmpl;
	CK_ULONG pub_count, priv_count;
	struct tpm_key_spec spec;
};

static CK_RV parse_request(const CK_MECHANISM *mechanism,
			   struct pair_request *req)
{
	struct tmpl_kind pub_dflt = { CKO_PUBLIC_KEY, 0 };
	struct tmpl_kind priv_dflt = { CKO_PRIVATE_KEY, 0 };
	CK_RV rv;

	if (mechanism->mechanism == CKM_RSA_PKCS_KEY_PAIR_GEN)
		pub_dflt.type = CKK_RSA;
	else if (mechanism->mechanism == CKM_EC_KEY_PAIR_GEN)
		pub_dflt.type = CKK_EC;
	else
		return CKR_MECHANISM_INVALID;
	if (mechanism->pParameter != NULL || mechanism->ulParameterLen != 0)
		return CKR_MECHANISM_PARAM_INVALID;
	req->mechanism = mechanism->mechanism;
	priv_dflt.type = pub_dflt.type;
	rv = tmpl_kind_of(req->pub_tmpl, req->pub_count, &pub_dflt,
			  &req->pub_kind);
	if (rv == CKR_OK)
		rv = tmpl_kind_of(req->priv_tmpl, req->priv_count, &priv_dflt,
				  &req->priv_kind);
	if (rv == CKR_OK)
		rv = tmpl_check(TMPL_GENERATE, &req->pub_kind, req->pub_tmpl,
				req->pub_count, NULL);
	if (rv == CKR_OK)
		rv = tmpl_check(TMPL_GENERATE, &req->priv_kind,
				req->priv_tmpl, req->priv_count, NULL);
	if (rv != CKR_OK)
		return rv;
	if (pub_dflt.type == CKK_RSA)
		return rsa_spec(req->pub_tmpl, req->pub_count, &req->spec);
	return ec_spec(req->pub_tmpl, req->pub_count, req->priv_tmpl,
		       req->priv_count, &req->spec);
}

/* Both halves' attributes from the templates and the defaults. */
static CK_RV pair_attrs(const struct pair_request *req,
			struct attr_list *pub, struct attr_list *priv)
{
	CK_ATTRIBUTE *priv_tmpl = NULL;
	CK_ULONG priv_count;
	bool ok;

	priv_tmpl = calloc(req->priv_count + 1, sizeof(*priv_tmpl));
	if (priv_tmpl == NULL)
		return CKR_HOST_MEMORY;
	priv_count = without_params(req->priv_tmpl, req->priv_count,
				    priv_tmpl);
	ok = attrs_set_ulong(pub, CKA_CLASS, CKO_PUBLIC_KEY) &&
	     attrs_set_ulong(priv, CKA_CLASS, CKO_PRIVATE_KEY) &&
	     attrs_set_ulong(pub, CKA_KEY_TYPE, req->pub_kind.type) &&
	     attrs_set_ulong(priv, CKA_KEY_TYPE, req->priv_kind.type) &&
	     tmpl_apply(pub, &req->pub_kind, req->pub_tmpl, req->pub_count) &&
	     tmpl_apply(priv, &req->priv_kind, priv_tmpl, priv_count) &&
	     share_attr(pub, priv, req->pub_tmpl, req->pub_count, priv_tmpl,
			priv_count, CKA_LABEL) &&
	     share_attr(pub, priv, req->pub_tmpl, req->pub_count, priv_tmpl,
			priv_count, CKA_ID) &&
	     tmpl_defaults(pub, &req->pub_kind) &&
	     tmpl_defaults(priv, &req->priv_kind);
	free(priv_tmpl);
	/* The request's MODULUS_BITS is replaced by the key's own. */
	attrs_remove(pub, CKA_MODULUS_BITS);
	return ok ? CKR_OK : CKR_HOST_MEMORY;
}

static CK_RV write_checks_locked(struct tc_session *session,
				 const struct attr_list *pub,
				 const struct attr_list *priv)
{
	struct tc_token *token = session->token;
	CK_RV rv = token_write_check_locked(
		session, attrs_get_bool(pub, CKA_TOKEN, false),
		attrs_get_bool(pub, CKA_PRIVATE, false));

	if (rv == CKR_OK)
		rv = token_write_check_locked(
			session, attrs_get_bool(priv, CKA_TOKEN, false),
			attrs_get_bool(priv, CKA_PRIVATE, true));
	/* The key's auth is wrapped under the user's wrap secret. */
	if (rv == CKR_OK && !(token->logged_in && token->user == CKU_USER))
		rv = CKR_USER_NOT_LOGGED_IN;
	return rv;
}

CK_RV token_new_key_begin_locked(struct tc_session *session,
				 struct tpm **tpm, uint8_t *auth)
{
	CK_RV rv = token_tpm_locked(session->mod, tpm);

	if (rv == CKR_OK && !crypto_random(auth, TC_KEY_AUTH_LEN))
		rv = CKR_HOST_MEMORY;
	return rv;
}

CK_RV token_new_key_end(struct tc_session *session, CK_RV rv, uint8_t *auth,
			struct tc_new_object *obj)
{
	if (rv == CKR_OK)
		rv = token_key_auth_wrap(session->token, &obj->blob, auth,
					 obj->wrapped);
	secmem_wipe(auth, TC_KEY_AUTH_LEN);
	obj->auth = obj->wrapped;
	obj->auth_len = TC_WRAPPED_AUTH_LEN;
	return rv;
}

/* Creates the TPM key; obj gets its blob and wrapped auth. */
static CK_RV create_tpm_key_locked(struct tc_session *session,
				   const struct tpm_key_spec *spec,
				   struct tc_new_object *obj,
				   struct tpm_pubkey *pub)
{
	uint8_t auth[TC_KEY_AUTH_LEN];
	struct tpm *tpm;
	enum tpm_rc rc;
	CK_RV rv = token_new_key_begin_locked(session, &tpm, auth);

	if (rv != CKR_OK)
		return rv;
	rc = tpm_key_create(tpm, spec, auth, sizeof(auth), &obj->blob, pub);
	if (rc == TPM_E_UNSUPPORTED) /* a size or curve this TPM lacks */
		rv = spec->type == TPM_KEY_EC ? CKR_CURVE_NOT_SUPPORTED :
						CKR_KEY_SIZE_RANGE;
	else if (rc == TPM_E_BAD_INPUT) /* e.g. an exponent it refuses */
		rv = CKR_TEMPLATE_INCONSISTENT;
	else
		rv = token_rv_from_tpm(rc);
	return token_new_key_end(session, rv, auth, obj);
}

static CK_RV key_pair_locked(struct tc_session *session,
			     struct pair_request *req, int64_t *pub_id,
			     int64_t *priv_id)
{
	struct tc_new_object objs[2];
	struct tpm_pubkey pub;
	int64_t ids[2] = { 0, 0 };
	bool need_id;
	CK_RV rv;

	memset(objs, 0, sizeof(objs));
	rv = pair_attrs(req, &objs[0].attrs, &objs[1].attrs);
	if (rv == CKR_OK)
		rv = token_tpm_key_policy(&objs[1].attrs);
	if (rv == CKR_OK)
		rv = write_checks_locked(session, &objs[0].attrs,
					 &objs[1].attrs);
	need_id = tmpl_find(req->pub_tmpl, req->pub_count, CKA_ID) == NULL &&
		  tmpl_find(req->priv_tmpl, req->priv_count, CKA_ID) == NULL;
	if (rv == CKR_OK)
		rv = create_tpm_key_locked(session, &req->spec, &objs[1],
					   &pub);
	if (rv == CKR_OK &&
	    (!generated_attrs(&objs[0].attrs, req->mechanism, &pub, true) ||
	     !generated_attrs(&objs[1].attrs, req->mechanism, &pub, false) ||
	     (need_id && !default_id(&objs[0].attrs, &objs[1].attrs, &pub))))
		rv = CKR_HOST_MEMORY;
	if (rv == CKR_OK)
		rv = token_objects_add_locked(session, objs, 2, ids);
	if (rv == CKR_OK) {
		*pub_id = ids[0];
		*priv_id = ids[1];
	}
	for (size_t i = 0; i < 2; i++) {
		secmem_wipe(objs[i].wrapped, sizeof(objs[i].wrapped));
		attrs_clear(&objs[i].attrs);
		tpm_blob_clear(&objs[i].blob);
	}
	return rv;
}

CK_RV token_generate_key_pair(struct tc_session *session,
			      const CK_MECHANISM *mechanism,
			      const CK_ATTRIBUTE *pub_tmpl, CK_ULONG pub_count,
			      const CK_ATTRIBUTE *priv_tmpl,
			      CK_ULONG priv_count, int64_t *pub_id,
			      int64_t *priv_id)
{
	struct pair_request req = { .pub_tmpl = pub_tmpl,
				    .pub_count = pub_count,
				    .priv_tmpl = priv_tmpl,
				    .priv_count = priv_count };
	CK_RV rv;

	tc_mutex_lock(&session->mod->lock);
	rv = parse_request(mechanism, &req);
	if (rv == CKR_OK)
		rv = key_pair_locked(session, &req, pub_id, priv_id);
	tc_mutex_unlock(&session->mod->lock);
	return rv;
}

CK_RV token_key_generate(struct tc_session *session, enum tc_key_kind kind,
			 const char *label, const uint8_t *id, size_t id_len,
			 int64_t *priv_id, int64_t *pub_id)
{
	static const CK_BBOOL yes = CK_TRUE;
	const struct tc_curve *curve;
	CK_MECHANISM mech = { 0, NULL, 0 };
	CK_ULONG bits, n = 2;
	CK_ATTRIBUTE pub[4], priv[3];

	if (kind >= TC_KEY_KIND_COUNT || label == NULL)
		return CKR_ARGUMENTS_BAD;
	mech.mechanism = kinds[kind].mechanism;
	bits = kinds[kind].bits;
	priv[0] = (CK_ATTRIBUTE){ CKA_TOKEN, (void *)&yes, sizeof(yes) };
	priv[1] = (CK_ATTRIBUTE){ CKA_LABEL, (void *)label, strlen(label) };
	/* No id given: the SHA-1 of the public value, as NSS pairs keys. */
	if (id != NULL)
		priv[n++] = (CK_ATTRIBUTE){ CKA_ID, (void *)id, id_len };
	memcpy(pub, priv, sizeof(priv));
	if (bits != 0) {
		pub[n] = (CK_ATTRIBUTE){ CKA_MODULUS_BITS, &bits, sizeof(bits) };
	} else {
		curve = tc_curve_of(kinds[kind].curve);
		pub[n] = (CK_ATTRIBUTE){ CKA_EC_PARAMS, (void *)curve->oid,
					 curve->oid_len };
	}
	return token_generate_key_pair(session, &mech, pub, n + 1, priv, n,
				       pub_id, priv_id);
}
