/* SPDX-License-Identifier: BSD-3-Clause */
#include "token/token.h"

#include <string.h>

#include "common/pubkey.h"
#include "token/token_internal.h"
#include "token/token_keyattrs.h"
#include "token/token_template.h"

#define TC_LOG_LAYER TC_LAYER_TOKEN
#include "common/log.h"

/*
 * C_CreateObject of a private key (secret keys: token_secret.c): the key
 * material goes into the TPM
 * (TPM2_Import, never on the bus in clear) and is not kept anywhere else;
 * the object records what the standard asks of an imported key: not
 * local, not always sensitive, not never extractable.
 */

static const CK_ATTRIBUTE *value_of(const CK_ATTRIBUTE *tmpl, CK_ULONG count,
				    CK_ATTRIBUTE_TYPE type)
{
	const CK_ATTRIBUTE *a = tmpl_find(tmpl, count, type);

	return a != NULL && a->pValue != NULL && a->ulValueLen > 0 ? a : NULL;
}

/* A big-endian number without its leading zero bytes. */
static void strip(const CK_ATTRIBUTE *a, const uint8_t **p, size_t *len)
{
	const uint8_t *v = a->pValue;
	size_t n = a->ulValueLen;

	while (n > 0 && *v == 0) {
		v++;
		n--;
	}
	*p = v;
	*len = n;
}

static CK_RV rsa_parts(const CK_ATTRIBUTE *tmpl, CK_ULONG count,
		       struct tpm_import_key *key)
{
	const CK_ATTRIBUTE *n = value_of(tmpl, count, CKA_MODULUS);
	const CK_ATTRIBUTE *e = value_of(tmpl, count, CKA_PUBLIC_EXPONENT);
	const CK_ATTRIBUTE *p = value_of(tmpl, count, CKA_PRIME_1);
	const uint8_t *ev;
	size_t elen;

	if (n == NULL || e == NULL || p == NULL)
		return CKR_TEMPLATE_INCOMPLETE;
	key->type = TPM_KEY_RSA;
	strip(n, &key->modulus, &key->modulus_len);
	strip(p, &key->prime, &key->prime_len);
	strip(e, &ev, &elen);
	if (elen == 0 || elen > 4)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	key->exponent = 0;
	for (size_t i = 0; i < elen; i++)
		key->exponent = key->exponent << 8 | ev[i];
	if (key->modulus_len != 256 && key->modulus_len != 384 &&
	    key->modulus_len != 512)
		return CKR_KEY_SIZE_RANGE;
	return CKR_OK;
}

static CK_RV ec_parts(const CK_ATTRIBUTE *tmpl, CK_ULONG count,
		      struct tpm_import_key *key, uint8_t *point)
{
	const CK_ATTRIBUTE *params = value_of(tmpl, count, CKA_EC_PARAMS);
	const CK_ATTRIBUTE *d = value_of(tmpl, count, CKA_VALUE);
	const struct tc_curve *curve;
	size_t width;
	CK_RV rv;

	if (params == NULL || d == NULL)
		return CKR_TEMPLATE_INCOMPLETE;
	rv = tc_curve_from_params(params->pValue, params->ulValueLen, &curve);
	if (rv != CKR_OK)
		return rv;
	width = tpm_curve_bytes(curve->curve);
	key->type = TPM_KEY_EC;
	key->curve = curve->curve;
	strip(d, &key->d, &key->d_len);
	if (key->d_len > width ||
	    !pubkey_ec_point_of(curve->name, key->d, key->d_len, point,
				1 + 2 * width))
		return CKR_ATTRIBUTE_VALUE_INVALID;
	key->x = point + 1;
	key->y = point + 1 + width;
	return CKR_OK;
}

static CK_RV import_into_tpm(struct tc_session *session,
			     const struct tpm_import_key *key,
			     struct tc_new_object *obj, struct tpm_pubkey *pub)
{
	uint8_t auth[TC_KEY_AUTH_LEN];
	struct tpm *tpm;
	enum tpm_rc rc;
	CK_RV rv = token_new_key_begin_locked(session, &tpm, auth);

	if (rv != CKR_OK)
		return rv;
	rc = tpm_key_import(tpm, key, auth, sizeof(auth), &obj->blob, pub);
	if (rc == TPM_E_BAD_INPUT) {
		/* Parts that do not make one key, or a key the TPM refuses. */
		log_warn("the TPM refused the imported key's parts");
		rv = CKR_ATTRIBUTE_VALUE_INVALID;
	} else if (rc == TPM_E_UNSUPPORTED) {
		rv = key->type == TPM_KEY_EC ? CKR_CURVE_NOT_SUPPORTED :
					       CKR_KEY_SIZE_RANGE;
	} else {
		rv = token_rv_from_tpm(rc);
	}
	return token_new_key_end(session, rv, auth, obj);
}

CK_RV token_import_locked(struct tc_session *session,
			  const struct tmpl_kind *kind,
			  const CK_ATTRIBUTE *tmpl, CK_ULONG count,
			  struct tc_new_object *obj)
{
	struct tc_token *token = session->token;
	struct tpm_import_key key;
	struct tpm_pubkey pub;
	uint8_t point[TC_EC_POINT_MAX];
	CK_RV rv;

	memset(&key, 0, sizeof(key));
	/* The key's TPM auth is wrapped under the user's wrap secret. */
	if (!token->logged_in || token->user != CKU_USER)
		return CKR_USER_NOT_LOGGED_IN;
	rv = token_tpm_key_policy(&obj->attrs);
	if (rv != CKR_OK)
		return rv;
	if (kind->cls == CKO_SECRET_KEY)
		return token_secret_import_locked(session, kind, tmpl, count,
						  obj);
	rv = kind->type == CKK_RSA ? rsa_parts(tmpl, count, &key) :
				     ec_parts(tmpl, count, &key, point);
	if (rv == CKR_OK)
		rv = import_into_tpm(session, &key, obj, &pub);
	secmem_wipe(point, sizeof(point));
	/* The public attributes as the TPM key has them, normalized. */
	if (rv == CKR_OK && !tc_pubkey_attrs(&obj->attrs, &pub, false))
		rv = CKR_HOST_MEMORY;
	return rv;
}
